/* Writing a domain definition back into the user's config file
 * (save_config_on_stop) without damaging it: the file may be a symlink, may
 * be 0600 because the XML carries VNC/SPICE passwords, and may sit on a share
 * that is not mounted on this node (safety-review.md section 7).  And a check
 * for configs kept where libvirt itself writes and deletes definitions
 * (safety-review.md section 8). */
#pragma once

#include <glib.h>

/**
 * xvm_savefile_replace:
 * @path: the config file; symlinks are followed (all of them, as realpath)
 * @text: the new contents
 * @changed: (out) (optional): whether the file was replaced
 * @error: return location for a #GError
 *
 * Replaces the contents of the file @path resolves to with @text:
 *
 * - The resolved target must exist and be a regular file, else
 *   %XVM_ERROR_CONFIG_UNREADABLE and nothing is written.  No file is ever
 *   created: a missing file may be a share that is not mounted.
 * - When the file already holds @text, nothing is written.
 * - Otherwise the text goes to a new temporary file (mode 0600, O_EXCL,
 *   O_NOFOLLOW) in the target's own directory.  It gets the old file's owner
 *   and group (failing to is an error only for root) and the old file's
 *   permission bits (never more readable than before: if the group cannot
 *   be kept, the group bits are dropped).  It is fsync'ed and renamed over
 *   the target, so symlinks keep pointing at the updated file.  Then the
 *   directory is fsync'ed.
 *
 * Not kept: ACLs, extended attributes (SELinux label: the directory's
 * default applies) and other hard links to the old file.
 *
 * On a failure before the rename (%XVM_ERROR_INTERNAL, with the path and the
 * system's reason), the temporary file is removed and the old file is
 * untouched.  Should only the final fsync of the directory fail, the new
 * contents are in place (@changed is %TRUE) but may not survive a crash.
 *
 * Returns: %TRUE when the file holds @text (replaced or already so).
 */
gboolean xvm_savefile_replace(const char *path, const char *text, gboolean *changed,
                              GError **error);

/**
 * xvm_savefile_in_libvirt_dir:
 * @path: a config path, absolute or relative to the working directory
 * @libvirt_dirs: a %NULL-terminated list of directories, as from
 *   xvm_savefile_default_libvirt_dirs()
 *
 * Whether @path lies inside (at any depth) one of @libvirt_dirs, where
 * virDomainDefineXML() writes NAME.xml and undefine (also the one that
 * VIR_MIGRATE_UNDEFINE_SOURCE does) deletes it.  Both sides are resolved
 * through symlinks.  A file that does not exist (perhaps because libvirt
 * deleted it) is resolved as far as it exists, so it still counts.
 *
 * Returns: %TRUE if @path is inside one of the directories.
 */
gboolean xvm_savefile_in_libvirt_dir(const char *path, const char *const *libvirt_dirs);

/**
 * xvm_savefile_default_libvirt_dirs:
 *
 * libvirt's persistent-definition directories: /etc/libvirt/qemu,
 * /etc/libvirt/lxc, /etc/libvirt/libxl (system) and
 * $XDG_CONFIG_HOME/libvirt/qemu (qemu:///session).
 *
 * Returns: (transfer none): a %NULL-terminated list, built once.
 */
const char *const *xvm_savefile_default_libvirt_dirs(void);
