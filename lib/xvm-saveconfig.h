/* save_config_on_stop and sync_config_on_stop: the running domain's
 * definition written back into config, as VirtualDomain does before a stop
 * and a migration away, after a migration in, and at every monitor, but
 * only when it changed, and only as safely as xvm_savefile_replace writes
 * (symlinks followed, owner and mode kept, atomic).  Then, with
 * sync_config_on_stop, "csync2 -x config" so the other nodes get it. */
#pragma once

#include "xvm-context.h"

/* The longest csync2 may run: a stop must keep its time for the guest. */
#define XVM_CSYNC2_MAX_MS 10000

/* With save_config_on_stop, writes the definition of the context's domain
 * (libvirt's inactive XML, secrets included, without our marker) to config
 * when the file does not hold it already.  Only a config that parsed and
 * names the domain that runs (drift NULL) is written: never a half-edited
 * file, never another domain's.  Never fails the action: problems are
 * logged as warnings.  TRUE when the file was written. */
gboolean xvm_saveconfig(XvmContext *ctx, const GError *drift);

/* Runs "csync2 -x path" (csync2 found in PATH) until deadline, and at most
 * XVM_CSYNC2_MAX_MS.  FALSE with the reason when csync2 is not installed,
 * fails or is cut off. */
gboolean xvm_saveconfig_sync(const char *path, const XvmDeadline *deadline, GError **error);
