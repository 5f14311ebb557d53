/* F_OFD_GETLK */
#define _GNU_SOURCE

#include "xvm-proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "xvm-job.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DIR, closedir)

/* ---- Which command line is this domain's QEMU --------------------------- */

/* libvirt writes "-name guest=NAME,debug-threads=on" and doubles any comma
 * in the name (QEMU's option escaping).  Older versions write "-name NAME". */
static char *
name_from_option(const char *value)
{
    GString *name = g_string_new(NULL);
    const char *p = g_str_has_prefix(value, "guest=") ? value + 6 : value;

    for (; *p; p++) {
        if (p[0] == ',' && p[1] == ',') {
            g_string_append_c(name, ',');
            p++;
        } else if (p[0] == ',') {
            break;
        } else {
            g_string_append_c(name, *p);
        }
    }
    return g_string_free(name, FALSE);
}

static gboolean
is_qemu_binary(const char *argv0)
{
    g_autofree char *base = g_path_get_basename(argv0);

    return g_str_has_prefix(base, "qemu-system-") || strcmp(base, "qemu-kvm") == 0
           || strcmp(base, "kvm") == 0;
}

static gboolean
uuid_is_known(const char *uuid)
{
    return uuid != NULL && uuid[0] != '\0';
}

gboolean
xvm_proc_cmdline_matches(const char *cmdline, gsize len, const char *name,
                         const char *uuid)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    gboolean name_ok = FALSE, uuid_ok = !uuid_is_known(uuid);

    for (gsize i = 0; i < len; i += strlen(cmdline + i) + 1)
        g_ptr_array_add(argv, (gpointer) (cmdline + i));
    if (argv->len == 0 || !is_qemu_binary(g_ptr_array_index(argv, 0)))
        return FALSE;
    for (guint i = 1; i + 1 < argv->len; i++) {
        const char *opt = g_ptr_array_index(argv, i);
        const char *val = g_ptr_array_index(argv, i + 1);

        if (strcmp(opt, "-name") == 0) {
            g_autofree char *found = name_from_option(val);

            name_ok = strcmp(found, name) == 0;
        } else if (strcmp(opt, "-uuid") == 0 && uuid_is_known(uuid)) {
            uuid_ok = g_ascii_strcasecmp(val, uuid) == 0;
        }
    }
    return name_ok && uuid_ok;
}

/* ---- The decision ---------------------------------------------------------- */

static XvmProcLook
say(XvmProcLook look, char **why, const char *format, ...) G_GNUC_PRINTF(3, 4);

static XvmProcLook
say(XvmProcLook look, char **why, const char *format, ...)
{
    va_list args;
    char *line;

    if (why == NULL)
        return look;
    va_start(args, format);
    line = g_strdup_vprintf(format, args);   /* the old *why may be an argument */
    va_end(args);
    g_free(*why);
    *why = line;
    return look;
}

/* libvirt's pidfile is locked: its QEMU lives.  Whether it is this domain's
 * is told by the holder, as our PID namespace numbers it. */
static XvmProcLook
judge_locked(const XvmProcFacts *f, const char *name, pid_t *witness, char **why)
{
    pid_t holder = f->holder_pid;

    if (holder > 0 && f->holder_matches) {
        *witness = holder;
        return say(XVM_PROC_RUNNING, why, "QEMU pid %d of %s runs (it holds libvirt's pidfile)",
                   (int) holder, name);
    }
    if (holder > 0 && f->holder_visible)
        return say(XVM_PROC_UNKNOWN, why, "libvirt's pidfile of %s is held by pid %d, which"
                   " is not a QEMU of this domain", name, (int) holder);
    /* An OFD lock does not tell its holder: take the pidfile's word. */
    if (holder < 0 && f->pidfile_pid_matches) {
        *witness = f->pidfile_pid;
        return say(XVM_PROC_RUNNING, why, "QEMU pid %d of %s runs (libvirt's pidfile is"
                   " locked)", (int) f->pidfile_pid, name);
    }
    if (holder < 0 && f->pidfile_pid_visible)
        return say(XVM_PROC_UNKNOWN, why, "libvirt's pidfile of %s is locked and names pid %d,"
                   " which is not a QEMU of this domain", name, (int) f->pidfile_pid);
    return say(XVM_PROC_RUNNING, why, "the QEMU of %s runs: libvirt's pidfile is locked,"
               " though its process is not visible here (another PID namespace)", name);
}

/* No pidfile of libvirt's, or a stale one: the command lines decide. */
static XvmProcLook
judge_matches(const XvmProcFacts *f, const char *name, char **why)
{
    if (f->n_matches == 0)
        return say(XVM_PROC_NOT_RUNNING, why, "no QEMU process of %s runs on this node", name);
    if (!f->uuid_known)
        return say(XVM_PROC_UNKNOWN, why, "a QEMU named %s runs (pid %d) but its UUID is"
                   " unknown: cannot tell it is this domain", name, (int) f->first_match);
    /* Exactly this domain, even if not under this libvirt. */
    return say(XVM_PROC_RUNNING, why, "QEMU pid %d of %s runs (matched by name and UUID)",
               (int) f->first_match, name);
}

XvmProcLook
xvm_proc_judge(const XvmProcFacts *f, const char *name, pid_t *witness, char **why)
{
    *witness = 0;
    switch (f->pidfile) {
    case XVM_PIDFILE_ABSENT:
        break;
    case XVM_PIDFILE_LOCKED:
        return judge_locked(f, name, witness, why);
    case XVM_PIDFILE_UNLOCKED:
    case XVM_PIDFILE_LOCK_UNKNOWN:
        if (f->pidfile_pid_matches) {
            *witness = f->pidfile_pid;
            return say(XVM_PROC_RUNNING, why, "QEMU pid %d of %s runs (libvirt's pidfile"
                       " names it)", (int) f->pidfile_pid, name);
        }
        /* Unlocked, seen dying, or the pid now someone else's: stale.  A
         * pid we cannot see and a lock we cannot test prove nothing. */
        if (f->pidfile == XVM_PIDFILE_LOCK_UNKNOWN && !f->pidfile_pid_visible
            && !f->pidfile_pid_died)
            return say(XVM_PROC_UNKNOWN, why, "libvirt's pidfile of %s names pid %d, which"
                       " this process table does not show", name, (int) f->pidfile_pid);
        break;
    }
    return judge_matches(f, name, why);
}

/* ---- Reading the table ------------------------------------------------------- */

/* What one look needs; owned by its worker thread, which may outlive the
 * caller's wait (then the caller has gone, and the thread frees it). */
typedef struct {
    char *proc_root;
    char *run_dir;
    char *name;
    char *uuid;                 /* NULL when unknown */
    gint64 end_us;              /* monotonic: the thread's own bound */
    gint64 term_ms;             /* stop only */
    GArray *dead;               /* pid_t: processes seen dying (stop) */
    XvmProcLook look;           /* the answer */
    GArray *pids;
    char *why;
} ProcTask;

static void
proc_task_free(gpointer data)
{
    ProcTask *t = data;

    g_free(t->proc_root);
    g_free(t->run_dir);
    g_free(t->name);
    g_free(t->uuid);
    g_array_unref(t->dead);
    if (t->pids)
        g_array_unref(t->pids);
    g_free(t->why);
    g_free(t);
}

static GArray *
pid_array_new(void)
{
    return g_array_new(FALSE, FALSE, sizeof(pid_t));
}

static gboolean
pid_array_has(const GArray *pids, pid_t pid)
{
    for (guint i = 0; pids && i < pids->len; i++) {
        if (g_array_index(pids, pid_t, i) == pid)
            return TRUE;
    }
    return FALSE;
}

static gboolean
pid_from_name(const char *entry, pid_t *pid)
{
    guint64 n = 0;

    for (const char *p = entry; *p; p++) {
        if (!g_ascii_isdigit(*p))
            return FALSE;
    }
    if (!g_ascii_string_to_unsigned(entry, 10, 1, G_MAXINT32, &n, NULL))
        return FALSE;
    *pid = (pid_t) n;
    return TRUE;
}

#define XVM_PROC_READ_CHUNK 4096

/* The rest of fd, or FALSE with errno.  The chunk is on the heap: on the
 * stack, with the frame around it, it passed -Wframe-larger-than=4096. */
static gboolean
read_fd(int fd, GByteArray **out)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    g_autofree guint8 *chunk = g_malloc(XVM_PROC_READ_CHUNK);
    ssize_t n;

    while ((n = read(fd, chunk, XVM_PROC_READ_CHUNK)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return FALSE;
        g_byte_array_append(buf, chunk, (guint) n);
    }
    *out = g_steal_pointer(&buf);
    return TRUE;
}

/* The whole of path, or FALSE with errno.  May block: a QEMU stuck on dead
 * storage holds the mmap lock its cmdline is read under. */
static gboolean
read_all(const char *path, GByteArray **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    gboolean ok;
    int saved;

    if (fd < 0)
        return FALSE;
    ok = read_fd(fd, out);
    saved = errno;
    close(fd);
    errno = saved;
    return ok;
}

/* Whether pid is a QEMU of the domain: *gone when it exited meanwhile (no
 * match, and fine); FALSE with *why when its command line cannot be read
 * (hidepid=noaccess, a permission): then the scan is not complete. */
static gboolean
process_matches(const ProcTask *t, pid_t pid, gboolean *matches, char **why)
{
    g_autofree char *entry = g_strdup_printf("%d", (int) pid);
    g_autofree char *path = g_build_filename(t->proc_root, entry, "cmdline", NULL);
    g_autoptr(GByteArray) cmdline = NULL;

    *matches = FALSE;
    if (read_all(path, &cmdline)) {
        *matches = xvm_proc_cmdline_matches((const char *) cmdline->data, cmdline->len,
                                            t->name, t->uuid);
        return TRUE;
    }
    if (errno == ENOENT || errno == ESRCH)
        return TRUE;
    say(XVM_PROC_UNKNOWN, why, "cannot read %s: %s", path, g_strerror(errno));
    return FALSE;
}

typedef struct {
    GArray *matches;            /* pid_t */
    GHashTable *listed;         /* every pid the table lists */
} Scan;

static void
scan_clear(Scan *scan)
{
    g_clear_pointer(&scan->matches, g_array_unref);
    g_clear_pointer(&scan->listed, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Scan, scan_clear)

static gboolean
scan_listed(const Scan *scan, pid_t pid)
{
    return pid > 0 && g_hash_table_contains(scan->listed, GINT_TO_POINTER(pid));
}

/* PROC_ROOT/self names this process by its pid here only in a /proc of
 * our own PID namespace: in an ancestor's it has another number, in an
 * unrelated one none (a coincidence of numbers is not enough). */
static gboolean
self_is_us(const ProcTask *t)
{
    g_autofree char *path = g_build_filename(t->proc_root, "self", NULL);
    g_autofree char *target = g_file_read_link(path, NULL);
    g_autofree char *pid = g_strdup_printf("%d", (int) getpid());

    return target && strcmp(target, pid) == 0;
}

/* A table that lacks this process is another PID namespace's; one that
 * lacks pid 1 hides other users' processes (hidepid=invisible). */
static gboolean
scan_is_whole(const ProcTask *t, const Scan *scan, char **why)
{
    if (!scan_listed(scan, getpid()) || !self_is_us(t)) {
        say(XVM_PROC_UNKNOWN, why, "%s does not list this process (another PID namespace's"
            " /proc)", t->proc_root);
        return FALSE;
    }
    if (!scan_listed(scan, 1)) {
        say(XVM_PROC_UNKNOWN, why, "%s does not list pid 1 (other users' processes are"
            " hidden)", t->proc_root);
        return FALSE;
    }
    return TRUE;
}

static gboolean
scan_entry(const ProcTask *t, const char *entry, Scan *scan, char **why)
{
    pid_t pid = 0;
    gboolean matches = FALSE;

    if (!pid_from_name(entry, &pid))
        return TRUE;
    if (g_get_monotonic_time() > t->end_us) {
        say(XVM_PROC_UNKNOWN, why, "reading the process table took too long");
        return FALSE;
    }
    g_hash_table_add(scan->listed, GINT_TO_POINTER(pid));
    if (!process_matches(t, pid, &matches, why))
        return FALSE;
    if (matches)
        g_array_append_val(scan->matches, pid);
    return TRUE;
}

/* Every process of the table, or FALSE with *why. */
static gboolean
scan_table(const ProcTask *t, Scan *scan, char **why)
{
    g_autoptr(DIR) dir = opendir(t->proc_root);
    struct dirent *entry;

    scan->matches = pid_array_new();
    scan->listed = g_hash_table_new(NULL, NULL);
    if (dir == NULL) {
        say(XVM_PROC_UNKNOWN, why, "cannot read %s: %s", t->proc_root, g_strerror(errno));
        return FALSE;
    }
    for (;;) {
        errno = 0;
        entry = readdir(dir);
        if (entry == NULL)
            break;
        if (!scan_entry(t, entry->d_name, scan, why))
            return FALSE;
    }
    if (errno != 0) {
        say(XVM_PROC_UNKNOWN, why, "cannot list %s: %s", t->proc_root, g_strerror(errno));
        return FALSE;
    }
    return scan_is_whole(t, scan, why);
}

/* ---- libvirt's pidfile ------------------------------------------------------- */

typedef struct {
    XvmPidfileState state;
    pid_t pid;                  /* 0: no number in it */
    pid_t holder;               /* LOCKED: see XvmProcFacts.holder_pid */
} Pidfile;

/* Who holds libvirt's lock (see xvm-proc.h): asked as an open file
 * description, which owns no lock of its own to hide a conflict; the
 * classic call where OFD locks are not known (before Linux 3.15). */
static XvmPidfileState
pidfile_lock(int fd, pid_t *holder)
{
    struct flock query = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

    if (fcntl(fd, F_OFD_GETLK, &query) < 0) {
        query = (struct flock) { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        if (errno != EINVAL || fcntl(fd, F_GETLK, &query) < 0)
            return XVM_PIDFILE_LOCK_UNKNOWN;
    }
    if (query.l_type == F_UNLCK)
        return XVM_PIDFILE_UNLOCKED;
    *holder = query.l_pid;
    return XVM_PIDFILE_LOCKED;
}

static pid_t
pid_from_text(const GByteArray *text)
{
    g_autofree char *s = g_strndup((const char *) text->data, text->len);
    guint64 n = 0;

    if (!g_ascii_string_to_unsigned(g_strstrip(s), 10, 1, G_MAXINT32, &n, NULL))
        return 0;
    return (pid_t) n;
}

/* The pidfile in the open run dir: FALSE with errno if it cannot be read. */
static gboolean
read_pidfile_at(int dir_fd, const char *file, Pidfile *pf)
{
    g_autoptr(GByteArray) text = NULL;
    int fd = openat(dir_fd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    int saved;

    if (fd < 0)
        return errno == ENOENT;
    if (!read_fd(fd, &text)) {
        saved = errno;
        close(fd);
        errno = saved;
        return FALSE;
    }
    pf->state = pidfile_lock(fd, &pf->holder);
    pf->pid = pid_from_text(text);
    close(fd);
    return TRUE;
}

/* RUN_DIR/NAME.pid, or FALSE with *why when it cannot be told whether
 * libvirt has one (run dir missing or unreadable, pidfile unreadable). */
static gboolean
read_pidfile(const ProcTask *t, Pidfile *pf, char **why)
{
    g_autofree char *file = g_strconcat(t->name, ".pid", NULL);
    int dir_fd = open(t->run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    gboolean ok;

    *pf = (Pidfile) { XVM_PIDFILE_ABSENT, 0, -1 };
    if (dir_fd < 0) {
        say(XVM_PROC_UNKNOWN, why, "cannot read libvirt's run directory %s: %s", t->run_dir,
            g_strerror(errno));
        return FALSE;
    }
    ok = read_pidfile_at(dir_fd, file, pf);
    if (!ok)
        say(XVM_PROC_UNKNOWN, why, "cannot read %s/%s: %s", t->run_dir, file,
            g_strerror(errno));
    close(dir_fd);
    return ok;
}

/* ---- One look ------------------------------------------------------------------ */

static void
facts_from(const ProcTask *t, const Pidfile *pf, const Scan *scan, XvmProcFacts *f)
{
    *f = (XvmProcFacts) {
        .pidfile = pf->state,
        .pidfile_pid = pf->pid,
        .pidfile_pid_visible = scan_listed(scan, pf->pid),
        .pidfile_pid_matches = pid_array_has(scan->matches, pf->pid),
        .pidfile_pid_died = pid_array_has(t->dead, pf->pid),
        .holder_pid = pf->holder,
        .holder_visible = scan_listed(scan, pf->holder),
        .holder_matches = pid_array_has(scan->matches, pf->holder),
        .uuid_known = uuid_is_known(t->uuid),
        .n_matches = scan->matches->len,
        .first_match = scan->matches->len ? g_array_index(scan->matches, pid_t, 0) : 0,
    };
}

/* The look itself, on the calling thread.  *pids gets the domain's QEMU
 * processes when RUNNING: every match if the UUID is known, else only the
 * one libvirt's pidfile vouches for. */
static XvmProcLook
look_now(const ProcTask *t, GArray **pids, char **why)
{
    g_auto(Scan) scan = { NULL, NULL };
    Pidfile pf;
    XvmProcFacts facts;
    pid_t witness = 0;
    XvmProcLook look;

    *pids = pid_array_new();
    /* A QEMU that exits meanwhile reads as running either way (a locked
     * pidfile, or a match); never as a stale pidfile and no match. */
    if (!read_pidfile(t, &pf, why) || !scan_table(t, &scan, why))
        return XVM_PROC_UNKNOWN;
    facts_from(t, &pf, &scan, &facts);
    look = xvm_proc_judge(&facts, t->name, &witness, why);
    if (look != XVM_PROC_RUNNING)
        return look;
    if (facts.uuid_known)
        g_array_append_vals(*pids, scan.matches->data, scan.matches->len);
    else if (witness > 0)
        g_array_append_val(*pids, witness);
    return look;
}

static gboolean
look_job(gpointer data, GError **error G_GNUC_UNUSED)
{
    ProcTask *t = data;

    t->look = look_now(t, &t->pids, &t->why);
    return TRUE;
}

/* Leaves the thread a little of the bound to notice its own deadline and
 * hand its answer over before the caller stops waiting. */
static gint64
task_end_us(gint64 start_us, gint64 timeout_ms)
{
    return start_us + timeout_ms * 1000 - MIN(50, timeout_ms / 10) * 1000;
}

static ProcTask *
proc_task_new(const XvmProcScope *scope, const char *name, const char *uuid,
              gint64 start_us)
{
    ProcTask *t = g_new0(ProcTask, 1);

    t->proc_root = g_strdup(scope->proc_root);
    t->run_dir = g_strdup(scope->run_dir);
    t->name = g_strdup(name);
    t->uuid = uuid_is_known(uuid) ? g_strdup(uuid) : NULL;
    t->end_us = task_end_us(start_us, scope->timeout_ms);
    t->dead = pid_array_new();
    t->look = XVM_PROC_UNKNOWN;
    return t;
}

/* Runs func on a worker thread for at most timeout_ms: FALSE if it did not
 * finish, and then the thread keeps the task and frees it when it ends. */
static gboolean
run_bounded(const char *thread_name, XvmJobFunc func, ProcTask *t, gint64 timeout_ms,
            XvmProcLook *look, GArray **pids, char **why)
{
    g_autoptr(XvmJob) job = xvm_job_start(thread_name, func, t, proc_task_free);
    g_autoptr(GError) error = NULL;

    if (!xvm_job_wait(job, timeout_ms))
        return FALSE;
    if (!xvm_job_result(job, &error)) {
        /* No thread to look with: nothing was seen. */
        *look = say(XVM_PROC_UNKNOWN, why, "%s", error ? error->message : "no worker thread");
        return TRUE;
    }
    *look = t->look;
    if (pids)
        *pids = g_steal_pointer(&t->pids);
    if (why) {
        g_free(*why);
        *why = g_steal_pointer(&t->why);
    }
    return TRUE;
}

/* Whether a look can be had at all: a local QEMU driver and some time. */
static gboolean
can_look(const XvmProcScope *scope, const char *name, char **why)
{
    if (scope->run_dir == NULL) {
        say(XVM_PROC_UNKNOWN, why, "the process table can tell only for a local QEMU driver");
        return FALSE;
    }
    if (name == NULL || name[0] == '\0') {
        say(XVM_PROC_UNKNOWN, why, "no domain name to look for");
        return FALSE;
    }
    if (scope->timeout_ms <= 0) {
        say(XVM_PROC_UNKNOWN, why, "reading the process table took too long");
        return FALSE;
    }
    return TRUE;
}

XvmProcLook
xvm_proc_look(const XvmProcScope *scope, const char *name, const char *uuid,
              GArray **pids, char **why)
{
    gint64 start_us = g_get_monotonic_time();
    XvmProcLook look = XVM_PROC_UNKNOWN;

    if (pids)
        *pids = NULL;
    if (why)
        *why = NULL;
    if (can_look(scope, name, why)
        && !run_bounded("xvm-proc-look", look_job, proc_task_new(scope, name, uuid, start_us),
                        scope->timeout_ms, &look, pids, why))
        say(XVM_PROC_UNKNOWN, why, "reading the process table took too long");
    if (pids && *pids == NULL)
        *pids = pid_array_new();
    return look;
}

/* ---- Stopping ------------------------------------------------------------------ */

typedef struct {
    pid_t pid;
    int fd;                     /* pidfd; -1 once the process is gone */
} Pinned;

/* "12, 34", for a reason line. */
static char *
pids_text(const GArray *pids)
{
    GString *text = g_string_new(NULL);

    for (guint i = 0; i < pids->len; i++)
        g_string_append_printf(text, "%s%d", i ? ", " : "", (int) g_array_index(pids, pid_t, i));
    return g_string_free(text, FALSE);
}

static void
pinned_close_all(GArray *pinned)
{
    for (guint i = 0; i < pinned->len; i++) {
        Pinned *p = &g_array_index(pinned, Pinned, i);

        if (p->fd >= 0)
            close(p->fd);
        p->fd = -1;
    }
}

static void
pinned_gone(ProcTask *t, Pinned *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    g_array_append_val(t->dead, p->pid);
}

static gboolean
pidfd_exited(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLIN | POLLHUP | POLLERR));
}

/* Pins pid, then checks that the pinned process still is the domain's QEMU:
 * a pid reused between the look and pidfd_open is someone else's.  The
 * command line read counts only if the pinned process was still alive after
 * it (a live process's pid cannot have been reused under the read). */
static gboolean
pin_one(ProcTask *t, pid_t pid, GArray *pinned, char **why)
{
    Pinned p = { pid, pidfd_open(pid, 0) };
    gboolean matches = FALSE;

    if (p.fd < 0 && errno == ESRCH) {
        g_array_append_val(t->dead, pid);
        return TRUE;
    }
    if (p.fd < 0) {
        say(XVM_PROC_UNKNOWN, why, "cannot pin QEMU pid %d of %s: %s", (int) pid, t->name,
            g_strerror(errno));
        return FALSE;
    }
    if (!process_matches(t, pid, &matches, why)) {
        close(p.fd);
        return FALSE;
    }
    if (matches && !pidfd_exited(p.fd))
        g_array_append_val(pinned, p);
    else
        pinned_gone(t, &p);
    return TRUE;
}

static gboolean
signal_all(ProcTask *t, GArray *pinned, int sig, char **why)
{
    for (guint i = 0; i < pinned->len; i++) {
        Pinned *p = &g_array_index(pinned, Pinned, i);

        if (p->fd < 0 || pidfd_send_signal(p->fd, sig, NULL, 0) == 0)
            continue;
        if (errno == ESRCH) {
            pinned_gone(t, p);
            continue;
        }
        say(XVM_PROC_UNKNOWN, why, "cannot send %s to QEMU pid %d of %s: %s",
            sig == SIGKILL ? "SIGKILL" : "SIGTERM", (int) p->pid, t->name, g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

static pid_t
first_alive(GArray *pinned)
{
    for (guint i = 0; i < pinned->len; i++) {
        if (g_array_index(pinned, Pinned, i).fd >= 0)
            return g_array_index(pinned, Pinned, i).pid;
    }
    return 0;
}

/* One poll on the pidfds of the processes still alive (a pidfd becomes
 * readable when its process exits); the number alive before it. */
static guint
poll_exits(ProcTask *t, GArray *pinned, gint64 end_us)
{
    g_autofree struct pollfd *fds = g_new0(struct pollfd, MAX(pinned->len, 1));
    g_autofree guint *index = g_new0(guint, MAX(pinned->len, 1));
    gint64 left_ms = (end_us - g_get_monotonic_time() + 999) / 1000;
    guint n = 0;

    for (guint i = 0; i < pinned->len; i++) {
        if (g_array_index(pinned, Pinned, i).fd < 0)
            continue;
        fds[n] = (struct pollfd) { .fd = g_array_index(pinned, Pinned, i).fd, .events = POLLIN };
        index[n++] = i;
    }
    if (n == 0 || left_ms <= 0 || poll(fds, n, (int) MIN(left_ms, G_MAXINT)) <= 0)
        return n;   /* none left, time up, or EINTR (the caller asks again) */
    for (guint k = 0; k < n; k++) {
        if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
            pinned_gone(t, &g_array_index(pinned, Pinned, index[k]));
    }
    return n;
}

/* Waits until every pinned process has exited or until end_us; TRUE if
 * all have. */
static gboolean
wait_exits(ProcTask *t, GArray *pinned, gint64 end_us)
{
    while (poll_exits(t, pinned, end_us) > 0) {
        if (g_get_monotonic_time() >= end_us)
            return first_alive(pinned) == 0;
    }
    return TRUE;
}

/* SIGTERM, term_ms (at most half the time left), SIGKILL, and the rest of
 * the time but a reserve for the second look; FALSE with *why if one
 * survives or cannot be signalled. */
static gboolean
terminate_all(ProcTask *t, GArray *pinned, char **why)
{
    gint64 now = g_get_monotonic_time();
    gint64 left_us = MAX(t->end_us - now, 0);
    gint64 term_end = now + MIN(MAX(t->term_ms, 0) * 1000, left_us / 2);
    gint64 kill_end = t->end_us - MIN(left_us / 4, 500 * 1000);

    if (!signal_all(t, pinned, SIGTERM, why))
        return FALSE;
    if (wait_exits(t, pinned, term_end))
        return TRUE;
    if (!signal_all(t, pinned, SIGKILL, why))
        return FALSE;
    if (wait_exits(t, pinned, kill_end))
        return TRUE;
    say(XVM_PROC_UNKNOWN, why, "QEMU pid %d of %s did not exit after SIGKILL",
        (int) first_alive(pinned), t->name);
    return FALSE;
}

static XvmProcLook
stop_now(ProcTask *t, char **why)
{
    g_autoptr(GArray) pids = NULL;
    g_autoptr(GArray) pinned = g_array_new(FALSE, FALSE, sizeof(Pinned));
    XvmProcLook look = look_now(t, &pids, why);
    gboolean ok = TRUE;

    if (look != XVM_PROC_RUNNING)
        return look;
    if (pids->len == 0)
        return say(XVM_PROC_UNKNOWN, why, "%s; but no process of it can be seen here to stop",
                   *why);
    for (guint i = 0; ok && i < pids->len; i++)
        ok = pin_one(t, g_array_index(pids, pid_t, i), pinned, why);
    ok = ok && terminate_all(t, pinned, why);
    pinned_close_all(pinned);
    if (!ok)
        return XVM_PROC_UNKNOWN;
    g_clear_pointer(&pids, g_array_unref);
    look = look_now(t, &pids, why);
    if (look == XVM_PROC_RUNNING)
        return say(look, why, "%s, still, after stopping it", *why);
    if (look == XVM_PROC_NOT_RUNNING && t->dead->len > 0) {
        g_autofree char *stopped = pids_text(t->dead);

        return say(look, why, "QEMU process %s of %s stopped", stopped, t->name);
    }
    return look;
}

static gboolean
stop_job(gpointer data, GError **error G_GNUC_UNUSED)
{
    ProcTask *t = data;

    t->look = stop_now(t, &t->why);
    return TRUE;
}

XvmProcLook
xvm_proc_stop(const XvmProcScope *scope, const char *name, const char *uuid, gint64 term_ms,
              char **why)
{
    gint64 start_us = g_get_monotonic_time();
    XvmProcLook look = XVM_PROC_UNKNOWN;
    ProcTask *t;

    if (why)
        *why = NULL;
    if (!can_look(scope, name, why))
        return XVM_PROC_UNKNOWN;
    t = proc_task_new(scope, name, uuid, start_us);
    t->term_ms = term_ms;
    if (!run_bounded("xvm-proc-stop", stop_job, t, scope->timeout_ms, &look, NULL, why))
        return say(XVM_PROC_UNKNOWN, why, "stopping the QEMU of %s took too long", name);
    return look;
}
