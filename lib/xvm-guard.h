/* The guard against a second copy: a libvirt hook (qemu.d) that refuses to
 * start a domain the cluster manages unless the agent on this node is the
 * one starting it.  It never calls libvirt (a hook that does deadlocks) and
 * reads only small local files, so it is safe with Pacemaker down.
 * doc/guard.md describes the files and the rules. */
#pragma once

#include <sys/types.h>
#include <glib.h>

#include "xvm-ocf.h"   /* XVM_BY_HAND_PREFIX */

typedef struct {
    char *tokens_dir;     /* /run/xvm-domain: gone at reboot, like the tokens */
    char *registry_dir;   /* /var/lib/libvirt/xvm-domain: survives reboots */
} XvmGuardPaths;

/* The default paths; XVM_GUARD_ROOT (tests only) prefixes both. */
XvmGuardPaths *xvm_guard_paths_new(const char *root);
void xvm_guard_paths_free(XvmGuardPaths *paths);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmGuardPaths, xvm_guard_paths_free)

/* ---- the registry: which resource manages a domain on this node ---------- */

/* Instances of runs by hand start with this; they are never resource ids. */

/* The cluster's answer to "does resource id still exist?". */
typedef enum {
    XVM_GUARD_RESOURCE_EXISTS,   /* the CIB holds a primitive of that id */
    XVM_GUARD_RESOURCE_GONE,     /* the CIB was read and holds none */
    XVM_GUARD_RESOURCE_UNKNOWN,  /* no clear answer (no cluster, no tool, timeout) */
} XvmGuardResourceState;

/* Who answers that question: the real one is xvm_guard_cib_resource_state;
 * tests inject their own. */
typedef struct {
    XvmGuardResourceState (*resource_state)(const char *resource_id, gpointer user_data);
    gpointer user_data;
} XvmGuardCluster;

/* Asks Pacemaker with cibadmin, bounded to 2 s in all: an
 * "exists" and a "gone" each need cibadmin to say so; anything else
 * (cibadmin missing, cluster down, a timeout) is UNKNOWN.  user_data is
 * unused.  CIB_file in the environment makes cibadmin read a file. */
XvmGuardResourceState xvm_guard_cib_resource_state(const char *resource_id,
                                                   gpointer user_data);

/* The primitive id behind an instance ("vm1:0" -> "vm1"), or NULL when the
 * instance is not a resource id (a run by hand). */
char *xvm_guard_instance_resource_id(const char *instance);

/* Notes on this node that the cluster manages domain name as instance, in
 * registry_dir/managed-NAME (written only when missing or different).
 * When the note names another instance, it is replaced only if that owner
 * provably no longer exists: a run by hand (XVM_BY_HAND_PREFIX) is
 * never live, a resource is gone when cluster says XVM_GUARD_RESOURCE_GONE.
 * Otherwise nothing is written and the error is XVM_ERROR_CONFLICT, saying
 * which resource manages the domain and what to do.  A run by hand never
 * replaces a resource's note.  cluster NULL: ask cibadmin. */
gboolean xvm_guard_register_full(const XvmGuardPaths *paths, const char *name,
                                 const char *instance, const XvmGuardCluster *cluster,
                                 GError **error);
/* The same, asking cibadmin. */
gboolean xvm_guard_register(const XvmGuardPaths *paths, const char *name,
                            const char *instance, GError **error);

/* ---- tokens: "this start (or this incoming migration) is the cluster's" --- */

#define XVM_GUARD_TOKEN_START "start"
#define XVM_GUARD_TOKEN_INCOMING "incoming"

/* An incoming migration's token lives this long at most (seconds). */
#define XVM_GUARD_INCOMING_S 60

/* CLOCK_BOOTTIME in seconds: the clock of every token expiry.  A wall-clock
 * step neither extends nor cuts a token, and unlike CLOCK_MONOTONIC it keeps
 * counting during suspend; it is the same in every process, and /run (where
 * the tokens are) is emptied at reboot, when it restarts. */
gint64 xvm_guard_boot_time_s(void);

/* Field 22 (starttime, clock ticks since boot) of a /proc/PID/stat text,
 * parsed after the last ')' since the command name may hold blanks and
 * parentheses.  FALSE when the text is not such a line. */
gboolean xvm_guard_stat_start_ticks(const char *stat_text, guint64 *start_ticks);

/* The start time of a live process (pid 0: the caller), from /proc.  FALSE
 * when it does not exist (any more). */
gboolean xvm_guard_process_start_ticks(pid_t pid, guint64 *start_ticks);

/* The start token of the calling process: tokens_dir/start-NAME holds
 * "PID STARTTIME EXPIRES" (EXPIRES in boot-time seconds, duration_ms from
 * now, rounded up).  It counts while it has not expired and this very
 * process (same pid, same start time) lives: a recycled pid does not count. */
gboolean xvm_guard_start_token_write(const XvmGuardPaths *paths, const char *name,
                                     gint64 duration_ms, GError **error);

/* The token "migrate begin" writes on the destination: no process,
 * expires XVM_GUARD_INCOMING_S after now_s (boot time), lets through the
 * prepare of that one migration and is removed when it passes, or when the
 * half-created domain stops. */
gboolean xvm_guard_incoming_token_write(const XvmGuardPaths *paths, const char *name,
                                        gint64 now_s, GError **error);

/* Deprecated (use xvm_guard_start_token_write): a token of kind for pid
 * (0: no process) until expires_s, in WALL-CLOCK seconds, converted at once
 * into a duration and stored as boot time like every token.  pid's start
 * time is read now; FALSE if pid does not live. */
gboolean xvm_guard_token_write(const XvmGuardPaths *paths, const char *kind,
                               const char *name, pid_t pid, gint64 expires_s,
                               GError **error);
void xvm_guard_token_remove(const XvmGuardPaths *paths, const char *kind, const char *name);

/* ---- the hook's decision ------------------------------------------------- */

typedef struct {
    gboolean allow;
    char *instance;      /* the managing resource, when managed */
    char *message;       /* for stderr (libvirt's log and virsh's error) */
} XvmGuardVerdict;

void xvm_guard_verdict_clear(XvmGuardVerdict *verdict);

/* Decides a hook call: qemu NAME OP SUBOP with the domain XML; now_s is
 * xvm_guard_boot_time_s().  Writes, consumes and removes incoming tokens as
 * a side effect (doc/guard.md). */
XvmGuardVerdict xvm_guard_decide(const XvmGuardPaths *paths, const char *name,
                                 const char *op, const char *subop, const char *xml,
                                 gint64 now_s);

/* The hook script installed into libvirt's qemu.d, running agent_path. */
char *xvm_guard_hook_script(const char *agent_path);
