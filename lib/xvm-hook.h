/* The hook mode of the binary ("domain hook qemu NAME OP SUBOP EXTRA", run
 * by libvirtd from qemu.d) and the install-guard / uninstall-guard steps. */
#pragma once

#include <stdio.h>
#include <glib.h>

#include "xvm-guard.h"

#define XVM_GUARD_HOOK_NAME "50-xvm-domain-guard"
#define XVM_GUARD_HOOKS_DIR "/etc/libvirt/hooks/qemu.d"

/* Runs one hook call; returns the hook's exit status (0 lets libvirt go on,
 * 1 aborts the start) and writes any refusal to err. */
int xvm_hook_run(const XvmGuardPaths *paths, int argc, const char *const *argv, FILE *in,
                 FILE *err);

/* Installs the hook script into hooks_dir; *path gets the file written. */
gboolean xvm_guard_install(const char *hooks_dir, const char *agent_path, char **path,
                           GError **error);
/* Removes it, only if it is ours. */
gboolean xvm_guard_uninstall(const char *hooks_dir, char **path, GError **error);
