/* snapshot=DIR: stop saves the guest's memory to DIR/NAME.state instead of
 * shutting it down; start restores it, so the guest resumes where it was,
 * and removes the file.  A state file is restored only when it is provably
 * this domain's (name and UUID in its header) and no disk of the domain was
 * written after it: an older image over newer disks corrupts them. */
#pragma once

#include "xvm-context.h"

/* A disk written up to this long after the state file still counts as
 * older: mtime granularity, and QEMU's last flush as the save completes. */
#define XVM_SNAPSHOT_DISK_SLACK_S 2

/* DIR/NAME.state for the domain name, or NULL without snapshot. */
char *xvm_snapshot_file(const XvmContext *ctx, const char *name);

/* Whether stop should save this domain: snapshot set, force_stop not, and
 * the domain healthy (a crashed or broken guest is not worth resuming). */
gboolean xvm_snapshot_wanted(const XvmContext *ctx, const XvmDomainStatus *st);

/* Saves the context's domain to its state file, aborting the save at until.
 * TRUE when libvirt saved it (the domain is then stopped), with *path the
 * file; FALSE when it did not, the reason logged as a warning. */
gboolean xvm_snapshot_save(XvmContext *ctx, const XvmDeadline *until, char **path);

/* For start: the state file of the config's domain when snapshot is set and
 * the file exists, else NULL (boot from config). */
char *xvm_snapshot_pending(const XvmContext *ctx);

/* Checks that the state file at path may be restored for the config's
 * domain and returns the definition to restore it with: its own, with our
 * marker.  NULL with XVM_ERROR_SAVED_STATE (and what to do) when it is
 * another domain's, cannot be read, or is older than a disk. */
char *xvm_snapshot_check(XvmContext *ctx, const char *path, GError **error);

/* Restores the guest from path with xml and removes the file (a failure to
 * remove it is logged: the next start refuses it as older than the disks). */
gboolean xvm_snapshot_restore(XvmContext *ctx, const char *path, const char *xml,
                              GError **error);
