/* Whether libvirt's lock manager guards a domain's disks on this node: the
 * second safety net behind Pacemaker (and the hook guard).  With a lock
 * manager (lockd, sanlock) libvirt leases each writable disk, and a second
 * start of the domain on any node sharing the lockspace fails at libvirt
 * with "resource busy".  validate-all at level 10 reports it. */
#pragma once

#include <glib.h>

/* The lock_manager a libvirt qemu.conf text sets, or NULL when it sets none
 * (libvirt's default: no lock manager).  The last assignment counts, as in
 * libvirt's own parser; "#" starts a comment outside quotes. */
char *xvm_lockmgr_from_qemu_conf(const char *text);

/* Reads the lock manager from the qemu.conf at path: TRUE and *manager
 * (NULL for none) when the file was read; FALSE with *why when it could not
 * be (a missing qemu.conf is "cannot tell", not "none": libvirtd may run
 * with one from elsewhere). */
gboolean xvm_lockmgr_read(const char *path, char **manager, char **why);

/* Whether a failed libvirt call was refused for a disk lock another process
 * holds: virtlockd's or sanlock's lease (lease_busy: libvirt's
 * VIR_ERR_RESOURCE_BUSY) or QEMU's own image lock ("Failed to get "write"
 * lock", QEMU's words, passed on untranslated deep inside libvirt's
 * message).  Only the wording of a reason depends on it, never an exit code. */
gboolean xvm_lockmgr_refused(gboolean lease_busy, const char *message);
