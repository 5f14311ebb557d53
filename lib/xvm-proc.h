/* This node's process table as a second witness when libvirtd does not
 * answer: a QEMU process is the domain.  The answer has three values, and
 * "not running" comes only from a complete, authoritative look: a local QEMU
 * driver (other drivers have no QEMU process to find), a /proc that lists
 * every process (not another PID namespace's, not hidepid), every command
 * line read, libvirt's own pidfile consulted, all within a time bound (a
 * QEMU stuck on dead storage blocks reads of its /proc/PID/cmdline).
 *
 * libvirt's witness is RUN_DIR/NAME.pid.  libvirt 9.0 starts QEMU through
 * virCommandSetPidFile() + virCommandDaemonize() (qemuProcessLaunch); in
 * virExec() the daemonized child takes the pidfile with
 * virPidFileAcquirePath(), a POSIX write lock on its first byte, clears
 * close-on-exec and then execs QEMU ("pidfilefd is intentionally leaked"):
 * QEMU itself holds the lock for as long as it lives, and the kernel drops
 * it when QEMU exits.  Seen on this kind of host (libvirt 9.0.0-4+deb12u2,
 * QEMU 7.2, a private qemu:///session libvirtd): QEMU, daemonized (parent
 * pid 1), has the pidfile open and /proc/locks shows it holding "POSIX
 * ADVISORY WRITE" on byte 0; F_GETLK and F_OFD_GETLK on an O_RDONLY
 * descriptor report F_WRLCK with l_pid = QEMU's pid, and l_pid = 0 from a
 * child PID namespace that cannot see QEMU; after libvirtd was killed and
 * QEMU then exited, the pidfile stayed behind, unlocked.  So a locked pidfile means a live QEMU,
 * visible or not, and an unlocked one names a QEMU that is gone. */
#pragma once

#include <sys/types.h>
#include <glib.h>

/* Whether a QEMU command line (NUL-separated argv, as in /proc/PID/cmdline)
 * is the one of this domain: "-name guest=NAME,..." (or "-name NAME") and,
 * when uuid is given and not empty, "-uuid UUID". */
gboolean xvm_proc_cmdline_matches(const char *cmdline, gsize len, const char *name,
                                  const char *uuid);

typedef enum {
    XVM_PROC_NOT_RUNNING,   /* a complete look found no QEMU of the domain */
    XVM_PROC_RUNNING,
    XVM_PROC_UNKNOWN,       /* the table cannot tell */
} XvmProcLook;

typedef struct {
    const char *proc_root;  /* "/proc" outside tests */
    const char *run_dir;    /* libvirt's QEMU run dir (xvm_uri_qemu_run_dir),
                             * or NULL: then always UNKNOWN */
    gint64 timeout_ms;      /* the bound of the whole call */
} XvmProcScope;

/**
 * xvm_proc_look:
 * @scope: where to look and for how long
 * @name: the domain's name
 * @uuid: (nullable): its UUID; NULL or "" when unknown
 * @pids: (out) (optional): a GArray of pid_t: every QEMU process of the
 *   domain (with the UUID unknown, only the one libvirt's pidfile names)
 * @why: (out) (optional): one short line for a human, whatever the answer
 *
 * Looks for the QEMU process(es) of the domain on a worker thread, bounded
 * by scope->timeout_ms; a scan that does not finish is abandoned (it owns
 * its data) and the answer is UNKNOWN.
 *
 * Returns: RUNNING, NOT_RUNNING (only from a complete look) or UNKNOWN.
 */
XvmProcLook xvm_proc_look(const XvmProcScope *scope, const char *name, const char *uuid,
                          GArray **pids, char **why);

/**
 * xvm_proc_stop:
 * @scope: where to look, and the bound of the whole stop
 * @name: the domain's name
 * @uuid: (nullable): its UUID; when unknown only the QEMU that libvirt's
 *   pidfile names is stopped, never another one of the same name
 * @term_ms: how long each QEMU gets to exit after SIGTERM
 * @why: (out) (optional): one short line for a human
 *
 * Stops every QEMU process of the domain: each is pinned with pidfd_open,
 * its cmdline re-checked after pinning (pid reuse), sent SIGTERM with
 * pidfd_send_signal, given term_ms to exit (poll on the pidfd), then
 * SIGKILL, all within scope->timeout_ms in total; then looks again.  A
 * pidfile left behind that names one of the processes this call saw die
 * counts as stale.
 *
 * Returns: NOT_RUNNING only when every pinned process is gone and the
 *   second look finds none; RUNNING if the second look still finds one;
 *   UNKNOWN otherwise.
 */
XvmProcLook xvm_proc_stop(const XvmProcScope *scope, const char *name, const char *uuid,
                          gint64 term_ms, char **why);

/* ---- The decision, as a pure function over what was seen ---------------- */

typedef enum {
    XVM_PIDFILE_ABSENT,
    XVM_PIDFILE_LOCKED,         /* a live process holds libvirt's lock */
    XVM_PIDFILE_UNLOCKED,       /* nobody does: the QEMU that wrote it is gone */
    XVM_PIDFILE_LOCK_UNKNOWN,   /* present, but the lock could not be tested */
} XvmPidfileState;

/* What one complete scan saw.  "Visible": listed in the process table;
 * "matches": a QEMU of this domain (by name, and UUID when known). */
typedef struct {
    XvmPidfileState pidfile;
    pid_t pidfile_pid;              /* the number in it; 0 if none could be read */
    gboolean pidfile_pid_visible;
    gboolean pidfile_pid_matches;
    gboolean pidfile_pid_died;      /* this call saw that process die (stop) */
    pid_t holder_pid;               /* LOCKED: the lock holder as this PID
                                     * namespace numbers it; 0 when it is in
                                     * none we see; -1 when not told */
    gboolean holder_visible;
    gboolean holder_matches;
    gboolean uuid_known;
    guint n_matches;                /* QEMU processes of this domain */
    pid_t first_match;
} XvmProcFacts;

/* RUNNING, NOT_RUNNING or UNKNOWN from the facts alone.  *witness gets the
 * pid libvirt's pidfile vouches for (0 if none): with the UUID unknown it is
 * the only process that may be taken for the domain's.  *why (optional)
 * gets one line for a human. */
XvmProcLook xvm_proc_judge(const XvmProcFacts *facts, const char *name, pid_t *witness,
                           char **why);
