/* The guard against a second copy: a libvirt hook (qemu.d) that refuses to
 * start a domain the cluster manages unless the agent on this node is the
 * one starting it.  It never calls libvirt (a hook that does deadlocks) and
 * reads only small local files, so it is safe with Pacemaker down. */
#pragma once

#include <sys/types.h>
#include <glib.h>

typedef struct {
    char *tokens_dir;     /* /run/xvm-domain: gone at reboot, like the tokens */
    char *registry_dir;   /* /var/lib/libvirt/xvm-domain: survives reboots */
} XvmGuardPaths;

/* The default paths; XVM_GUARD_ROOT (tests only) prefixes both. */
XvmGuardPaths *xvm_guard_paths_new(const char *root);
void xvm_guard_paths_free(XvmGuardPaths *paths);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmGuardPaths, xvm_guard_paths_free)

/* Notes on this node that the cluster manages domain name as instance.
 * Writes only when the note is missing or different. */
gboolean xvm_guard_register(const XvmGuardPaths *paths, const char *name,
                            const char *instance, GError **error);

/* The start token: "the agent (pid) is starting name until expires". */
gboolean xvm_guard_token_write(const XvmGuardPaths *paths, const char *kind,
                               const char *name, pid_t pid, gint64 expires_s,
                               GError **error);
void xvm_guard_token_remove(const XvmGuardPaths *paths, const char *kind, const char *name);

typedef struct {
    gboolean allow;
    char *instance;      /* the managing resource, when managed */
    char *message;       /* for stderr (libvirt's log and virsh's error) */
} XvmGuardVerdict;

void xvm_guard_verdict_clear(XvmGuardVerdict *verdict);

/* Decides a hook call: qemu NAME OP SUBOP with the domain XML. */
XvmGuardVerdict xvm_guard_decide(const XvmGuardPaths *paths, const char *name,
                                 const char *op, const char *subop, const char *xml,
                                 gint64 now_s);

/* The hook script installed into libvirt's qemu.d, running agent_path. */
char *xvm_guard_hook_script(const char *agent_path);
