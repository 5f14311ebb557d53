/* The process table as a second witness when libvirtd does not answer.  A
 * false match would make stop kill the wrong QEMU or monitor call a dead
 * domain alive; a "not running" from a table that could not see (another
 * driver, another PID namespace, hidepid, an unreadable or blocking entry)
 * would make Pacemaker start a second copy while the guest runs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "xvm-proc.h"
#include "xvm-uri.h"

#include "test-util.h"

#define UUID "6f1c9c3e-1d2a-4b7e-9a39-2e0c5b7d8a11"
#define OTHER_UUID "0b7a1c7e-5d8e-4f3a-8e0f-9a2d3c4b5e6f"
#define MAX_ARGS 16

/* argv as /proc/PID/cmdline holds it: each word NUL-terminated. */
static GBytes *
cmdline_from(const char *const *argv)
{
    GByteArray *buf = g_byte_array_new();

    for (gsize i = 0; i < MAX_ARGS && argv[i]; i++)
        g_byte_array_append(buf, (const guint8 *) argv[i], (guint) strlen(argv[i]) + 1);
    return g_byte_array_free_to_bytes(buf);
}

static gint
compare_pids(gconstpointer a, gconstpointer b)
{
    pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;

    return (x > y) - (x < y);
}

/* pids, sorted, as "1,2,3". */
static char *
pids_text(GArray *pids)
{
    g_autoptr(GArray) sorted = g_array_copy(pids);
    GString *text = g_string_new(NULL);

    g_array_sort(sorted, compare_pids);
    for (guint i = 0; i < sorted->len; i++)
        g_string_append_printf(text, "%s%d", i ? "," : "", (int) g_array_index(sorted, pid_t, i));
    return g_string_free(text, FALSE);
}

static void
assert_why(const char *why, const char *part)
{
    g_assert_nonnull(why);
    if (strstr(why, part) == NULL)
        g_error("why: \"%s\" lacks \"%s\"", why, part);
}

/* What libvirt 9 runs for a domain named vm1, shortened. */
#define QEMU_MODERN(bin, name_opt, uuid) \
    bin, "-name", name_opt, "-S", "-object", \
    "{\"qom-type\":\"secret\",\"id\":\"masterKey0\",\"format\":\"raw\"}", \
    "-machine", "pc-q35-7.2,usb=off,dump-guest-core=off", "-m", "512", \
    "-uuid", uuid, "-no-user-config", "-nodefaults", "-daemonize"

/* vm1 on x86_64: most rows take it as is; the others spell out what they vary. */
#define VM1_QEMU(uuid) \
    QEMU_MODERN("/usr/bin/qemu-system-x86_64", "guest=vm1,debug-threads=on", uuid)

typedef struct {
    const char *path;
    const char *argv[MAX_ARGS];
    const char *name;
    const char *uuid;
    gboolean match;
} MatchCase;

static const MatchCase match_cases[] = {
    { "/xvm/proc/match/modern", { VM1_QEMU(UUID) }, "vm1", UUID, TRUE },
    /* Without a UUID in config the name alone decides. */
    { "/xvm/proc/match/name-only", { VM1_QEMU(UUID) }, "vm1", NULL, TRUE },
    /* An empty UUID is an unknown one, not one that never matches. */
    { "/xvm/proc/match/empty-uuid", { VM1_QEMU(UUID) }, "vm1", "", TRUE },
    /* libvirt prints lower case; a hand-made UUID may not be. */
    { "/xvm/proc/match/uuid-case",
      { VM1_QEMU("6F1C9C3E-1D2A-4B7E-9A39-2E0C5B7D8A11") },
      "vm1", UUID, TRUE },
    /* Older libvirt: "-name NAME". */
    { "/xvm/proc/match/old-form",
      { "/usr/bin/qemu-system-x86_64", "-name", "vm1", "-uuid", UUID, "-m", "512" },
      "vm1", UUID, TRUE },
    { "/xvm/proc/match/guest-only",
      { "/usr/bin/qemu-system-x86_64", "-name", "guest=vm1", "-uuid", UUID },
      "vm1", UUID, TRUE },
    /* QEMU doubles a comma inside an option value. */
    { "/xvm/proc/match/escaped-comma",
      { QEMU_MODERN("/usr/bin/qemu-system-x86_64", "guest=a,,b,debug-threads=on", UUID) },
      "a,b", UUID, TRUE },
    { "/xvm/proc/match/escaped-comma-prefix",
      { QEMU_MODERN("/usr/bin/qemu-system-x86_64", "guest=a,,b,debug-threads=on", UUID) },
      "a", NULL, FALSE },
    /* A name that is a prefix of another, both ways. */
    { "/xvm/proc/match/prefix-vm1-vs-vm10",
      { QEMU_MODERN("/usr/bin/qemu-system-x86_64", "guest=vm10,debug-threads=on", UUID) },
      "vm1", NULL, FALSE },
    { "/xvm/proc/match/prefix-vm10-vs-vm1", { VM1_QEMU(UUID) }, "vm10", NULL, FALSE },
    { "/xvm/proc/match/old-form-prefix",
      { "/usr/bin/qemu-system-x86_64", "-name", "vm10", "-uuid", UUID }, "vm1", NULL, FALSE },
    /* Same name, another domain (the name was reused elsewhere). */
    { "/xvm/proc/match/wrong-uuid", { VM1_QEMU(OTHER_UUID) }, "vm1", UUID, FALSE },
    { "/xvm/proc/match/no-uuid-arg",
      { "/usr/bin/qemu-system-x86_64", "-name", "guest=vm1,debug-threads=on", "-m", "512" },
      "vm1", UUID, FALSE },
    /* Other QEMU binary names libvirt uses. */
    { "/xvm/proc/match/qemu-kvm",
      { QEMU_MODERN("/usr/libexec/qemu-kvm", "guest=vm1,debug-threads=on", UUID) },
      "vm1", UUID, TRUE },
    { "/xvm/proc/match/aarch64",
      { QEMU_MODERN("/usr/bin/qemu-system-aarch64", "guest=vm1,debug-threads=on", UUID) },
      "vm1", UUID, TRUE },
    /* Not QEMU: the same words in a shell, an editor or a grep. */
    { "/xvm/proc/match/not-qemu",
      { QEMU_MODERN("/usr/bin/python3", "guest=vm1,debug-threads=on", UUID) },
      "vm1", UUID, FALSE },
    { "/xvm/proc/match/qemu-in-directory-name",
      { QEMU_MODERN("/opt/qemu-system-x86_64/bin/sh", "guest=vm1,debug-threads=on", UUID) },
      "vm1", UUID, FALSE },
    { "/xvm/proc/match/qemu-img",
      { "/usr/bin/qemu-img", "info", "-name", "vm1", "-uuid", UUID }, "vm1", UUID, FALSE },
    /* Degenerate command lines. */
    { "/xvm/proc/match/empty", { NULL }, "vm1", NULL, FALSE },
    { "/xvm/proc/match/binary-only", { "/usr/bin/qemu-system-x86_64" }, "vm1", NULL, FALSE },
    { "/xvm/proc/match/name-last",
      { "/usr/bin/qemu-system-x86_64", "-uuid", UUID, "-name" }, "vm1", UUID, FALSE },
    { "/xvm/proc/match/empty-name-value",
      { "/usr/bin/qemu-system-x86_64", "-name", "guest=", "-uuid", UUID }, "vm1", UUID, FALSE },
};

static void
test_match(gconstpointer data)
{
    const MatchCase *c = data;
    g_autoptr(GBytes) cmdline = cmdline_from(c->argv);
    gsize len = 0;
    const char *bytes = g_bytes_get_data(cmdline, &len);

    g_assert_cmpint(xvm_proc_cmdline_matches(bytes, len, c->name, c->uuid), ==, c->match);
}

/* ---- xvm_proc_judge: the decision alone ------------------------------------ */

typedef struct {
    const char *path;
    XvmProcFacts facts;
    XvmProcLook want;
    pid_t want_witness;
    const char *want_why;       /* a part of the line */
} JudgeCase;

#define LOCKED(pid, ...) { .pidfile = XVM_PIDFILE_LOCKED, .pidfile_pid = (pid), __VA_ARGS__ }
#define UNLOCKED(pid, ...) { .pidfile = XVM_PIDFILE_UNLOCKED, .pidfile_pid = (pid), __VA_ARGS__ }
#define UNTESTED(pid, ...) \
    { .pidfile = XVM_PIDFILE_LOCK_UNKNOWN, .pidfile_pid = (pid), __VA_ARGS__ }
#define ONE_MATCH .n_matches = 1, .first_match = 900

static const JudgeCase judge_cases[] = {
    /* No pidfile: the command lines decide, and a name alone is no proof. */
    { "/xvm/proc/judge/absent/none", { .uuid_known = TRUE }, XVM_PROC_NOT_RUNNING, 0,
      "no QEMU process of vm1" },
    { "/xvm/proc/judge/absent/none-name-only", { .uuid_known = FALSE }, XVM_PROC_NOT_RUNNING,
      0, "no QEMU process" },
    { "/xvm/proc/judge/absent/uuid-match", { .uuid_known = TRUE, ONE_MATCH },
      XVM_PROC_RUNNING, 0, "pid 900 of vm1 runs (matched by name and UUID)" },
    { "/xvm/proc/judge/absent/name-match", { .uuid_known = FALSE, ONE_MATCH },
      XVM_PROC_UNKNOWN, 0, "UUID is unknown" },
    /* Locked: the QEMU libvirt started lives; its holder says which it is. */
    { "/xvm/proc/judge/locked/holder-matches",
      LOCKED(700, .holder_pid = 700, .holder_visible = TRUE, .holder_matches = TRUE,
             .pidfile_pid_visible = TRUE, .pidfile_pid_matches = TRUE, ONE_MATCH),
      XVM_PROC_RUNNING, 700, "holds libvirt's pidfile" },
    { "/xvm/proc/judge/locked/holder-matches-name-only",
      LOCKED(700, .holder_pid = 700, .holder_visible = TRUE, .holder_matches = TRUE,
             .pidfile_pid_visible = TRUE, .pidfile_pid_matches = TRUE, .uuid_known = FALSE,
             .n_matches = 2, .first_match = 900),
      XVM_PROC_RUNNING, 700, "pid 700" },
    /* libvirt in a PID namespace we cannot see: l_pid is 0. */
    { "/xvm/proc/judge/locked/holder-hidden", LOCKED(700, .holder_pid = 0, .uuid_known = TRUE),
      XVM_PROC_RUNNING, 0, "not visible here" },
    { "/xvm/proc/judge/locked/holder-hidden-name-match",
      LOCKED(700, .holder_pid = 0, .uuid_known = FALSE, ONE_MATCH), XVM_PROC_RUNNING, 0,
      "not visible" },
    { "/xvm/proc/judge/locked/holder-not-listed",
      LOCKED(700, .holder_pid = 700, .holder_visible = FALSE, .uuid_known = TRUE),
      XVM_PROC_RUNNING, 0, "not visible" },
    /* The pid in the pidfile is another namespace's number; the holder is ours. */
    { "/xvm/proc/judge/locked/other-namespace-number",
      LOCKED(12, .pidfile_pid_visible = TRUE, .holder_pid = 900,
             .holder_visible = TRUE, .holder_matches = TRUE, .uuid_known = TRUE, ONE_MATCH),
      XVM_PROC_RUNNING, 900, "pid 900" },
    { "/xvm/proc/judge/locked/holder-not-this-domain",
      LOCKED(700, .holder_pid = 700, .holder_visible = TRUE, .holder_matches = FALSE,
             .pidfile_pid_visible = TRUE, .uuid_known = TRUE),
      XVM_PROC_UNKNOWN, 0, "held by pid 700" },
    /* An OFD lock names no holder: the pidfile's number is all there is. */
    { "/xvm/proc/judge/locked/ofd-pid-matches",
      LOCKED(700, .holder_pid = -1, .pidfile_pid_visible = TRUE, .pidfile_pid_matches = TRUE,
             .uuid_known = FALSE, ONE_MATCH),
      XVM_PROC_RUNNING, 700, "pid 700" },
    { "/xvm/proc/judge/locked/ofd-pid-other",
      LOCKED(700, .holder_pid = -1, .pidfile_pid_visible = TRUE, .uuid_known = TRUE),
      XVM_PROC_UNKNOWN, 0, "not a QEMU of this domain" },
    { "/xvm/proc/judge/locked/ofd-pid-hidden",
      LOCKED(700, .holder_pid = -1, .pidfile_pid_visible = FALSE, .uuid_known = TRUE),
      XVM_PROC_RUNNING, 0, "not visible" },
    /* Unlocked: the QEMU that wrote it is gone, unless its pid still is one. */
    { "/xvm/proc/judge/unlocked/pid-matches",
      UNLOCKED(700, .pidfile_pid_visible = TRUE, .pidfile_pid_matches = TRUE, .uuid_known = FALSE,
               ONE_MATCH),
      XVM_PROC_RUNNING, 700, "pidfile names it" },
    { "/xvm/proc/judge/unlocked/pid-hidden", UNLOCKED(700, .uuid_known = TRUE),
      XVM_PROC_NOT_RUNNING, 0, "no QEMU process" },
    { "/xvm/proc/judge/unlocked/pid-reused", UNLOCKED(700, .pidfile_pid_visible = TRUE,
                                                      .uuid_known = TRUE),
      XVM_PROC_NOT_RUNNING, 0, "no QEMU process" },
    { "/xvm/proc/judge/unlocked/stale-name-match", UNLOCKED(700, .uuid_known = FALSE, ONE_MATCH),
      XVM_PROC_UNKNOWN, 0, "UUID is unknown" },
    { "/xvm/proc/judge/unlocked/stale-uuid-match", UNLOCKED(700, .uuid_known = TRUE, ONE_MATCH),
      XVM_PROC_RUNNING, 0, "matched by name and UUID" },
    { "/xvm/proc/judge/unlocked/no-number", UNLOCKED(0, .uuid_known = TRUE),
      XVM_PROC_NOT_RUNNING, 0, "no QEMU process" },
    /* The lock could not be tested: a pid we cannot see proves nothing... */
    { "/xvm/proc/judge/untested/pid-hidden", UNTESTED(700, .uuid_known = TRUE),
      XVM_PROC_UNKNOWN, 0, "does not show" },
    { "/xvm/proc/judge/untested/no-number", UNTESTED(0, .uuid_known = TRUE),
      XVM_PROC_UNKNOWN, 0, "does not show" },
    /* ...unless this call saw it die (stop), or the pid now is another's. */
    { "/xvm/proc/judge/untested/pid-died", UNTESTED(700, .pidfile_pid_died = TRUE,
                                                     .uuid_known = TRUE),
      XVM_PROC_NOT_RUNNING, 0, "no QEMU process" },
    { "/xvm/proc/judge/untested/pid-reused", UNTESTED(700, .pidfile_pid_visible = TRUE,
                                                       .uuid_known = TRUE),
      XVM_PROC_NOT_RUNNING, 0, "no QEMU process" },
    { "/xvm/proc/judge/untested/pid-matches",
      UNTESTED(700, .pidfile_pid_visible = TRUE, .pidfile_pid_matches = TRUE, .uuid_known = TRUE,
               ONE_MATCH),
      XVM_PROC_RUNNING, 700, "pidfile names it" },
};

static void
test_judge(gconstpointer data)
{
    const JudgeCase *c = data;
    g_autofree char *why = NULL;
    pid_t witness = -5;

    g_assert_cmpint(xvm_proc_judge(&c->facts, "vm1", &witness, &why), ==, c->want);
    g_assert_cmpint(witness, ==, c->want_witness);
    assert_why(why, c->want_why);
}

/* ---- Fixtures: a fake /proc and run dir, and real stand-in QEMUs ---------------- */

/* Fake pids above the kernel's largest pid_max (2^22), so that no code path
 * can ever signal a real process by mistake. */
#define PID_OTHER_QEMU "5000011"
#define PID_VM1 "5000022"
#define PID_SHELL "5000033"
#define PID_FOREIGN "5000055"
#define PID_HIDDEN "5000099"

typedef struct {
    char *tmp;
    char *proc;                 /* the fake /proc */
    char *run;                  /* the fake libvirt run dir */
    GArray *children;           /* pid_t: started here and not yet reaped */
} Fx;

static void
fx_setup(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    fx->tmp = xvm_test_make_tmpdir();
    fx->proc = g_build_filename(fx->tmp, "proc", NULL);
    fx->run = g_build_filename(fx->tmp, "run", NULL);
    g_assert_cmpint(g_mkdir(fx->proc, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(fx->run, 0755), ==, 0);
    fx->children = g_array_new(FALSE, FALSE, sizeof(pid_t));
}

/* Not yet reaped, a child's pid cannot have been reused: safe to kill. */
static void
fx_teardown(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    for (guint i = 0; i < fx->children->len; i++) {
        pid_t pid = g_array_index(fx->children, pid_t, i);

        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    g_array_unref(fx->children);
    xvm_test_remove_tree(fx->tmp);
    g_free(fx->tmp);
    g_free(fx->proc);
    g_free(fx->run);
}

static void
add_process(const char *root, const char *entry, const char *const *argv)
{
    g_autofree char *dir = g_build_filename(root, entry, NULL);
    g_autofree char *file = g_build_filename(dir, "cmdline", NULL);
    g_autoptr(GBytes) cmdline = argv ? cmdline_from(argv) : NULL;
    gsize len = 0;
    const char *bytes = cmdline ? g_bytes_get_data(cmdline, &len) : NULL;

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    if (argv)
        g_assert_true(g_file_set_contents(file, bytes, (gssize) len, NULL));
}

static void
add_qemu(const char *root, const char *entry, const char *name, const char *uuid)
{
    g_autofree char *guest = g_strdup_printf("guest=%s,debug-threads=on", name);
    const char *const argv[] = { QEMU_MODERN("/usr/bin/qemu-system-x86_64", guest, uuid),
                                 NULL };

    add_process(root, entry, argv);
}

static void
add_symlink(const char *root, const char *entry, const char *target)
{
    g_autofree char *path = g_build_filename(root, entry, NULL);

    g_assert_cmpint(symlink(target, path), ==, 0);
}

static void
write_pidfile(Fx *fx, const char *name, const char *text)
{
    g_autofree char *file = g_strconcat(name, ".pid", NULL);
    g_autofree char *path = g_build_filename(fx->run, file, NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
make_unreadable(const char *root, const char *entry, const char *file)
{
    g_autofree char *path = g_build_filename(root, entry, file, NULL);

    g_assert_cmpint(g_chmod(path, 0), ==, 0);
}

enum {
    T_NO_SELF = 1 << 0,             /* another PID namespace's /proc */
    T_NO_INIT = 1 << 1,             /* hidepid=invisible for a non-root user */
    T_VM1 = 1 << 2,                 /* vm1's QEMU at PID_VM1 */
    T_VM1_FOREIGN = 1 << 3,         /* another user's QEMU named vm1, another UUID */
    T_CMDLINE_UNREADABLE = 1 << 4,  /* hidepid=noaccess, say */
    T_PIDFILE_VM1 = 1 << 5,         /* libvirt's pidfile names PID_VM1 */
    T_PIDFILE_SHELL = 1 << 6,       /* ...names a pid since reused by a shell */
    T_PIDFILE_HIDDEN = 1 << 7,      /* ...names a pid the table does not list */
    T_PIDFILE_GARBAGE = 1 << 8,
    T_PIDFILE_UNREADABLE = 1 << 9,
    T_NO_RUN_DIR = 1 << 10,
    T_NO_PROC = 1 << 11,
    T_SELF_ELSEWHERE = 1 << 12,     /* an ancestor PID namespace's /proc */
};

/* Only a non-root user is refused a file by its mode. */
#define T_NEEDS_NON_ROOT (T_CMDLINE_UNREADABLE | T_PIDFILE_UNREADABLE)

/* A fake /proc like a real one: pid 1, this process and "self" naming it,
 * another domain's QEMU, a shell whose command line has the words, entries
 * that are not pids, and a process that exited between readdir and open. */
static void
build_tree(Fx *fx, guint flags)
{
    const char *const shell[] = { "/bin/bash", "-c", "echo -name guest=vm1", NULL };
    const char *const self[] = { "/usr/libexec/xvm/test-proc", "--tap", NULL };
    g_autofree char *self_pid = g_strdup_printf("%d", (int) getpid());

    if (!(flags & T_NO_INIT))
        add_process(fx->proc, "1", shell);
    if (!(flags & T_NO_SELF))
        add_process(fx->proc, self_pid, self);
    add_symlink(fx->proc, "self", flags & T_SELF_ELSEWHERE ? PID_SHELL : self_pid);
    add_qemu(fx->proc, PID_OTHER_QEMU, "vm2", OTHER_UUID);
    add_process(fx->proc, PID_SHELL, shell);
    add_qemu(fx->proc, "thread-self", "vm1", UUID);
    add_qemu(fx->proc, "12a", "vm1", UUID);
    add_process(fx->proc, "5000044", NULL);
    if (flags & T_VM1)
        add_qemu(fx->proc, PID_VM1, "vm1", UUID);
    if (flags & T_VM1_FOREIGN)
        add_qemu(fx->proc, PID_FOREIGN, "vm1", OTHER_UUID);
    if (flags & T_CMDLINE_UNREADABLE)
        make_unreadable(fx->proc, PID_SHELL, "cmdline");
}

static void
build_run_dir(Fx *fx, guint flags)
{
    if (flags & T_PIDFILE_VM1)
        write_pidfile(fx, "vm1", PID_VM1);
    if (flags & T_PIDFILE_SHELL)
        write_pidfile(fx, "vm1", PID_SHELL "\n");
    if (flags & T_PIDFILE_HIDDEN)
        write_pidfile(fx, "vm1", PID_HIDDEN);
    if (flags & T_PIDFILE_GARBAGE)
        write_pidfile(fx, "vm1", "not a pid");
    if (flags & T_PIDFILE_UNREADABLE) {
        write_pidfile(fx, "vm1", PID_VM1);
        make_unreadable(fx->run, "vm1.pid", NULL);
    }
}

/* ---- xvm_proc_look on a fake /proc ------------------------------------------------ */

typedef struct {
    const char *path;
    guint flags;
    const char *name;
    const char *uuid;
    XvmProcLook want;
    const char *want_pids;      /* sorted, comma-separated */
    const char *want_why;       /* a part of the line */
} LookCase;

static const LookCase look_cases[] = {
    { "/xvm/proc/look/none", 0, "vm1", UUID, XVM_PROC_NOT_RUNNING, "", "no QEMU process" },
    { "/xvm/proc/look/uuid-match", T_VM1, "vm1", UUID, XVM_PROC_RUNNING, PID_VM1,
      "matched by name and UUID" },
    { "/xvm/proc/look/other-domain", 0, "vm2", OTHER_UUID, XVM_PROC_RUNNING, PID_OTHER_QEMU,
      "pid " PID_OTHER_QEMU },
    /* vm2 runs, but with another UUID than config says: not this domain. */
    { "/xvm/proc/look/wrong-uuid", 0, "vm2", UUID, XVM_PROC_NOT_RUNNING, "",
      "no QEMU process" },
    /* Another user's QEMU that happens to be named vm1. */
    { "/xvm/proc/look/foreign-same-name", T_VM1_FOREIGN, "vm1", UUID, XVM_PROC_NOT_RUNNING,
      "", "no QEMU process" },
    /* No UUID to check: a QEMU named vm1 may be anyone's. */
    { "/xvm/proc/look/name-only", T_VM1, "vm1", NULL, XVM_PROC_UNKNOWN, "",
      "UUID is unknown" },
    { "/xvm/proc/look/empty-uuid", T_VM1, "vm1", "", XVM_PROC_UNKNOWN, "", "UUID is unknown" },
    { "/xvm/proc/look/name-only-none", 0, "vm1", NULL, XVM_PROC_NOT_RUNNING, "",
      "no QEMU process" },
    /* The table is not the whole node's. */
    { "/xvm/proc/look/no-self", T_NO_SELF, "vm1", UUID, XVM_PROC_UNKNOWN, "",
      "does not list this process" },
    { "/xvm/proc/look/no-self-match", T_NO_SELF | T_VM1, "vm1", UUID, XVM_PROC_UNKNOWN, "",
      "does not list this process" },
    /* Our number is in it, but as someone else's. */
    { "/xvm/proc/look/self-elsewhere", T_SELF_ELSEWHERE | T_VM1, "vm1", UUID,
      XVM_PROC_UNKNOWN, "", "does not list this process" },
    { "/xvm/proc/look/no-init", T_NO_INIT, "vm1", UUID, XVM_PROC_UNKNOWN, "",
      "does not list pid 1" },
    { "/xvm/proc/look/cmdline-unreadable", T_CMDLINE_UNREADABLE, "vm1", UUID,
      XVM_PROC_UNKNOWN, "", "cannot read" },
    { "/xvm/proc/look/no-proc", T_NO_PROC, "vm1", UUID, XVM_PROC_UNKNOWN, "", "cannot read" },
    /* libvirt's pidfile, unlocked: stale, whatever pid it names. */
    { "/xvm/proc/look/pidfile/reused", T_PIDFILE_SHELL, "vm1", UUID, XVM_PROC_NOT_RUNNING, "",
      "no QEMU process" },
    { "/xvm/proc/look/pidfile/reused-and-match", T_PIDFILE_SHELL | T_VM1, "vm1", UUID,
      XVM_PROC_RUNNING, PID_VM1, "matched by name and UUID" },
    { "/xvm/proc/look/pidfile/hidden", T_PIDFILE_HIDDEN, "vm1", UUID, XVM_PROC_NOT_RUNNING, "",
      "no QEMU process" },
    { "/xvm/proc/look/pidfile/hidden-name-only", T_PIDFILE_HIDDEN | T_VM1, "vm1", NULL,
      XVM_PROC_UNKNOWN, "", "UUID is unknown" },
    { "/xvm/proc/look/pidfile/garbage", T_PIDFILE_GARBAGE, "vm1", UUID, XVM_PROC_NOT_RUNNING,
      "", "no QEMU process" },
    /* libvirt vouches for the QEMU it names: with the UUID unknown that one
     * only, never another user's QEMU of the same name. */
    { "/xvm/proc/look/pidfile/names-match-name-only", T_PIDFILE_VM1 | T_VM1 | T_VM1_FOREIGN,
      "vm1", NULL, XVM_PROC_RUNNING, PID_VM1, "pidfile names it" },
    { "/xvm/proc/look/pidfile/names-match", T_PIDFILE_VM1 | T_VM1, "vm1", UUID,
      XVM_PROC_RUNNING, PID_VM1, "pid " PID_VM1 },
    { "/xvm/proc/look/pidfile/unreadable", T_PIDFILE_UNREADABLE | T_VM1, "vm1", UUID,
      XVM_PROC_UNKNOWN, "", "cannot read" },
    { "/xvm/proc/look/no-run-dir", T_NO_RUN_DIR | T_VM1, "vm1", UUID, XVM_PROC_UNKNOWN, "",
      "run directory" },
};

static XvmProcScope
fake_scope(Fx *fx, gint64 timeout_ms)
{
    XvmProcScope scope = { fx->proc, fx->run, timeout_ms };

    return scope;
}

static void
test_look(Fx *fx, gconstpointer data)
{
    const LookCase *c = data;
    g_autofree char *missing = g_build_filename(fx->tmp, "no-such-dir", NULL);
    XvmProcScope scope = fake_scope(fx, 3000);
    g_autoptr(GArray) pids = NULL;
    g_autofree char *why = NULL;
    g_autofree char *got_pids = NULL;

    if ((c->flags & T_NEEDS_NON_ROOT) && geteuid() == 0) {
        g_test_skip("root reads files whatever their mode: run as another user for this");
        return;
    }
    build_tree(fx, c->flags);
    build_run_dir(fx, c->flags);
    if (c->flags & T_NO_RUN_DIR)
        scope.run_dir = missing;
    if (c->flags & T_NO_PROC)
        scope.proc_root = missing;
    g_assert_cmpint(xvm_proc_look(&scope, c->name, c->uuid, &pids, &why), ==, c->want);
    got_pids = pids_text(pids);
    g_assert_cmpstr(got_pids, ==, c->want_pids);
    assert_why(why, c->want_why);
}

/* Which URIs the table may speak for at all (the run dir comes from the
 * URI: xvm_uri_qemu_run_dir). */
typedef struct {
    const char *path;
    const char *uri;
    XvmProcLook want;
} UriCase;

static const UriCase uri_cases[] = {
    { "/xvm/proc/look/uri/system", "qemu:///system", XVM_PROC_RUNNING },
    { "/xvm/proc/look/uri/lxc", "lxc:///system", XVM_PROC_UNKNOWN },
    { "/xvm/proc/look/uri/xen", "xen:///system", XVM_PROC_UNKNOWN },
    { "/xvm/proc/look/uri/remote-ssh", "qemu+ssh://node2/system", XVM_PROC_UNKNOWN },
    { "/xvm/proc/look/uri/remote-tcp", "qemu+tcp://node2/system", XVM_PROC_UNKNOWN },
};

static void
test_look_uri(Fx *fx, gconstpointer data)
{
    const UriCase *c = data;
    /* The override stands in for /run/libvirt/qemu, for local URIs only. */
    g_autofree char *run_dir = xvm_uri_qemu_run_dir(c->uri, NULL, fx->run);
    XvmProcScope scope = { fx->proc, run_dir, 3000 };
    g_autofree char *why = NULL;

    build_tree(fx, T_VM1);
    g_assert_cmpint(xvm_proc_look(&scope, "vm1", UUID, NULL, &why), ==, c->want);
    if (c->want == XVM_PROC_UNKNOWN)
        assert_why(why, "only for a local QEMU driver");
}

/* No pids wanted, no reason wanted: still an answer. */
static void
test_look_no_outputs(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    XvmProcScope scope = fake_scope(fx, 3000);

    build_tree(fx, T_VM1);
    g_assert_cmpint(xvm_proc_look(&scope, "vm1", UUID, NULL, NULL), ==, XVM_PROC_RUNNING);
    scope.run_dir = NULL;
    g_assert_cmpint(xvm_proc_look(&scope, "vm1", UUID, NULL, NULL), ==, XVM_PROC_UNKNOWN);
}

/* ---- Stand-in QEMU processes (tests/unit/fake-qemu.c) ------------------------------ */

typedef enum {
    QEMU_PLAIN = 0,
    QEMU_IGNORES_TERM = 1 << 0,
    QEMU_HOLDS_PIDFILE = 1 << 1,    /* takes RUN_DIR/NAME.pid as libvirt has it */
} QemuFlags;

static void
wait_ready(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    char c = 0;

    g_assert_cmpint(poll(&pfd, 1, 5000), ==, 1);
    g_assert_cmpint(read(fd, &c, 1), ==, 1);
    g_assert_cmpint(c, ==, 'r');
}

/* A process whose command line is a QEMU's for domain name, once ready. */
static pid_t
start_qemu(Fx *fx, const char *name, const char *uuid, QemuFlags flags)
{
    g_autofree char *guest = g_strdup_printf("guest=%s,debug-threads=on", name);
    g_autofree char *file = g_strconcat(name, ".pid", NULL);
    g_autofree char *pidfile = g_build_filename(fx->run, file, NULL);
    const char *argv[] = { XVM_FAKE_QEMU, QEMU_MODERN("/usr/bin/qemu-system-x86_64", guest,
                                                      uuid), NULL };
    char **envp = g_get_environ();
    g_autoptr(GError) error = NULL;
    GPid pid = 0;
    int out = -1;

    if (flags & QEMU_IGNORES_TERM)
        envp = g_environ_setenv(envp, "XVM_FAKE_QEMU_IGNORE_TERM", "1", TRUE);
    if (flags & QEMU_HOLDS_PIDFILE)
        envp = g_environ_setenv(envp, "XVM_FAKE_QEMU_PIDFILE", pidfile, TRUE);
    g_spawn_async_with_pipes(NULL, (char **) argv, envp,
                             G_SPAWN_FILE_AND_ARGV_ZERO | G_SPAWN_DO_NOT_REAP_CHILD
                             | G_SPAWN_CLOEXEC_PIPES,
                             NULL, NULL, &pid, NULL, &out, NULL, &error);
    g_strfreev(envp);
    g_assert_no_error(error);
    g_array_append_val(fx->children, pid);
    wait_ready(out);
    close(out);
    return pid;
}

/* Reaps a child the test started: its wait status. */
static int
reap(Fx *fx, pid_t pid)
{
    int status = 0;

    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    for (guint i = 0; i < fx->children->len; i++) {
        if (g_array_index(fx->children, pid_t, i) == pid) {
            g_array_remove_index(fx->children, i);
            break;
        }
    }
    return status;
}

static gboolean
still_runs(pid_t pid)
{
    return waitpid(pid, NULL, WNOHANG) == 0;
}

/* ---- A locked pidfile: libvirt's QEMU lives, seen or not ---------------------------- */

typedef struct {
    const char *path;
    const char *listed_as;      /* the holder's entry in the fake /proc: NULL, "vm1", "shell" */
    XvmProcLook want;
    gboolean want_holder;       /* pids = the holder's pid; else none */
    const char *want_why;
} LockCase;

static const LockCase lock_cases[] = {
    /* QEMU in a PID namespace this table does not cover. */
    { "/xvm/proc/look/locked/hidden", NULL, XVM_PROC_RUNNING, FALSE, "not visible" },
    { "/xvm/proc/look/locked/listed", "vm1", XVM_PROC_RUNNING, TRUE,
      "holds libvirt's pidfile" },
    { "/xvm/proc/look/locked/listed-not-qemu", "shell", XVM_PROC_UNKNOWN, FALSE,
      "not a QEMU of this domain" },
};

static void
test_look_locked(Fx *fx, gconstpointer data)
{
    const LockCase *c = data;
    const char *const shell[] = { "/bin/sh", NULL };
    XvmProcScope scope = fake_scope(fx, 3000);
    pid_t holder = start_qemu(fx, "vm1", UUID, QEMU_HOLDS_PIDFILE);
    g_autofree char *entry = g_strdup_printf("%d", (int) holder);
    g_autofree char *want_pids = c->want_holder ? g_strdup(entry) : g_strdup("");
    g_autoptr(GArray) pids = NULL;
    g_autofree char *why = NULL;
    g_autofree char *got_pids = NULL;

    build_tree(fx, 0);
    if (g_strcmp0(c->listed_as, "vm1") == 0)
        add_qemu(fx->proc, entry, "vm1", UUID);
    else if (g_strcmp0(c->listed_as, "shell") == 0)
        add_process(fx->proc, entry, shell);
    g_assert_cmpint(xvm_proc_look(&scope, "vm1", UUID, &pids, &why), ==, c->want);
    got_pids = pids_text(pids);
    g_assert_cmpstr(got_pids, ==, want_pids);
    assert_why(why, c->want_why);
}

/* ---- Time bounds ------------------------------------------------------------------------ */

/* A read of /proc/PID/cmdline that blocks, as for a QEMU stuck on dead
 * storage: a FIFO in the fake table blocks its reader the same way. */
static char *
add_blocking_entry(Fx *fx)
{
    g_autofree char *dir = g_build_filename(fx->proc, PID_SHELL, NULL);
    char *fifo = g_build_filename(dir, "cmdline", NULL);

    g_assert_cmpint(g_unlink(fifo), ==, 0);
    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    return fifo;
}

/* Lets the abandoned thread read EOF and end (it frees its own data). */
static void
unblock(const char *fifo)
{
    int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd >= 0)
        close(fd);
}

static void
test_look_blocked(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    XvmProcScope scope = fake_scope(fx, 300);
    g_autofree char *fifo = NULL;
    g_autoptr(GArray) pids = NULL;
    g_autofree char *why = NULL;
    gint64 start;

    build_tree(fx, T_VM1);
    fifo = add_blocking_entry(fx);
    start = g_get_monotonic_time();
    g_assert_cmpint(xvm_proc_look(&scope, "vm1", UUID, &pids, &why), ==, XVM_PROC_UNKNOWN);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 300 * 1000 + 150 * 1000);
    g_assert_cmpuint(pids->len, ==, 0);
    assert_why(why, "took too long");
    unblock(fifo);
}

static void
test_stop_blocked(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    XvmProcScope scope = fake_scope(fx, 300);
    g_autofree char *fifo = NULL;
    g_autofree char *why = NULL;
    gint64 start;

    build_tree(fx, T_VM1);
    fifo = add_blocking_entry(fx);
    start = g_get_monotonic_time();
    g_assert_cmpint(xvm_proc_stop(&scope, "vm1", UUID, 100, &why), ==, XVM_PROC_UNKNOWN);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 300 * 1000 + 150 * 1000);
    assert_why(why, "took too long");
    unblock(fifo);
}

/* No time left: no look at all. */
static void
test_look_no_time(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    XvmProcScope scope = fake_scope(fx, 0);
    g_autoptr(GArray) pids = NULL;
    g_autofree char *why = NULL;

    build_tree(fx, T_VM1);
    g_assert_cmpint(xvm_proc_look(&scope, "vm1", UUID, &pids, &why), ==, XVM_PROC_UNKNOWN);
    assert_why(why, "took too long");
    g_clear_pointer(&why, g_free);
    scope.timeout_ms = -5;
    g_assert_cmpint(xvm_proc_stop(&scope, "vm1", UUID, 100, &why), ==, XVM_PROC_UNKNOWN);
    assert_why(why, "took too long");
}

/* Old kernels lack pidfd_open, and so does valgrind 3.19 (syscall 434). */
static gboolean
pidfd_works(void)
{
    if (xvm_test_pidfd_works())
        return TRUE;
    g_test_skip("no pidfd_open here (old kernel, or valgrind)");
    return FALSE;
}

/* ---- Stopping fake entries: nothing real to pin ------------------------------------- */

/* The fake pids do not exist (above pid_max): pidfd_open says ESRCH, they
 * count as gone, and the second look still lists them: not stopped. */
static void
test_stop_fake(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    XvmProcScope scope = fake_scope(fx, 3000);
    g_autofree char *why = NULL;

    if (!pidfd_works())
        return;
    build_tree(fx, T_VM1);
    g_assert_cmpint(xvm_proc_stop(&scope, "vm1", UUID, 100, &why), ==, XVM_PROC_RUNNING);
    assert_why(why, "still");
    g_clear_pointer(&why, g_free);
    g_assert_cmpint(xvm_proc_stop(&scope, "vm3", UUID, 100, &why), ==, XVM_PROC_NOT_RUNNING);
    g_clear_pointer(&why, g_free);
    g_assert_cmpint(xvm_proc_stop(&scope, "vm1", NULL, 100, &why), ==, XVM_PROC_UNKNOWN);
    assert_why(why, "UUID is unknown");
    g_clear_pointer(&why, g_free);
    scope.run_dir = NULL;
    g_assert_cmpint(xvm_proc_stop(&scope, "vm1", UUID, 100, &why), ==, XVM_PROC_UNKNOWN);
    assert_why(why, "local QEMU driver");
}

/* ---- Real processes in the real /proc --------------------------------------------------- */

/* The real table must be whole (pid 1 visible) and pidfds must work. */
static gboolean
real_proc_usable(void)
{
    g_autofree char *init = NULL;

    if (!pidfd_works())
        return FALSE;
    if (!g_file_get_contents("/proc/1/cmdline", &init, NULL, NULL)) {
        g_test_skip("this /proc hides pid 1 (hidepid) or is missing");
        return FALSE;
    }
    return TRUE;
}

/* A name no QEMU on this machine has. */
static char *
unique_name(const char *tag)
{
    return g_strdup_printf("xvm-unit-%d-%s", (int) getpid(), tag);
}

static XvmProcScope
real_scope(Fx *fx)
{
    XvmProcScope scope = { "/proc", fx->run, 3000 };

    return scope;
}

static void
test_real_not_running(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *name = unique_name("none");
    XvmProcScope scope = real_scope(fx);
    g_autofree char *why = NULL;

    if (!real_proc_usable())
        return;
    g_assert_cmpint(xvm_proc_look(&scope, name, UUID, NULL, &why), ==, XVM_PROC_NOT_RUNNING);
    g_clear_pointer(&why, g_free);
    g_assert_cmpint(xvm_proc_look(&scope, name, NULL, NULL, &why), ==, XVM_PROC_NOT_RUNNING);
    g_clear_pointer(&why, g_free);
    g_assert_cmpint(xvm_proc_stop(&scope, name, UUID, 100, &why), ==, XVM_PROC_NOT_RUNNING);
}

/* Looks, stops with term_ms, and returns how the process ended. */
static int
look_and_stop(Fx *fx, const char *name, pid_t pid, gint64 term_ms)
{
    XvmProcScope scope = real_scope(fx);
    g_autoptr(GArray) pids = NULL;
    g_autofree char *why = NULL;
    g_autofree char *want = g_strdup_printf("%d", (int) pid);
    g_autofree char *got = NULL;

    g_assert_cmpint(xvm_proc_look(&scope, name, UUID, &pids, &why), ==, XVM_PROC_RUNNING);
    got = pids_text(pids);
    g_assert_cmpstr(got, ==, want);
    g_clear_pointer(&why, g_free);
    g_assert_cmpint(xvm_proc_stop(&scope, name, UUID, term_ms, &why), ==,
                    XVM_PROC_NOT_RUNNING);
    assert_why(why, want);
    assert_why(why, "stopped");
    return reap(fx, pid);
}

static void
test_real_stop_term(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *name = unique_name("term");
    int status;

    if (!real_proc_usable())
        return;
    status = look_and_stop(fx, name, start_qemu(fx, name, UUID, QEMU_PLAIN), 2000);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGTERM);
}

/* A QEMU that does not quit on SIGTERM gets SIGKILL after term_ms. */
static void
test_real_stop_kill(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *name = unique_name("kill");
    gint64 start = g_get_monotonic_time();
    int status;

    if (!real_proc_usable())
        return;
    status = look_and_stop(fx, name, start_qemu(fx, name, UUID, QEMU_IGNORES_TERM), 200);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGKILL);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 200 * 1000);
}

/* Two copies of the domain: both are stopped, not just the first. */
static void
test_real_stop_all(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *name = unique_name("two");
    XvmProcScope scope = real_scope(fx);
    g_autoptr(GArray) pids = NULL;
    g_autofree char *why = NULL;
    pid_t a, b;
    int status;

    if (!real_proc_usable())
        return;
    a = start_qemu(fx, name, UUID, QEMU_PLAIN);
    b = start_qemu(fx, name, UUID, QEMU_IGNORES_TERM);
    g_assert_cmpint(xvm_proc_look(&scope, name, UUID, &pids, &why), ==, XVM_PROC_RUNNING);
    g_assert_cmpuint(pids->len, ==, 2);
    g_clear_pointer(&why, g_free);
    g_assert_cmpint(xvm_proc_stop(&scope, name, UUID, 200, &why), ==, XVM_PROC_NOT_RUNNING);
    status = reap(fx, a);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    status = reap(fx, b);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* libvirt's pidfile, held as libvirt 9.0 leaves it with QEMU: with the UUID
 * known, stop leaves it behind unlocked, and that is no QEMU. */
static void
test_real_stop_pidfile(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *name = unique_name("pidfile");
    int status;

    if (!real_proc_usable())
        return;
    status = look_and_stop(fx, name, start_qemu(fx, name, UUID, QEMU_HOLDS_PIDFILE), 2000);
    g_assert_true(WIFSIGNALED(status));
}

/* The UUID unknown: libvirt's pidfile vouches for its QEMU, which is
 * stopped; another user's QEMU of the same name is left alone, and then
 * nothing can tell whether that one is the domain. */
static void
test_real_stop_name_only(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *name = unique_name("name-only");
    XvmProcScope scope = real_scope(fx);
    g_autoptr(GArray) pids = NULL;
    g_autofree char *why = NULL;
    g_autofree char *want = NULL;
    g_autofree char *got = NULL;
    pid_t ours, foreign;

    if (!real_proc_usable())
        return;
    ours = start_qemu(fx, name, UUID, QEMU_HOLDS_PIDFILE);
    foreign = start_qemu(fx, name, OTHER_UUID, QEMU_PLAIN);
    want = g_strdup_printf("%d", (int) ours);
    g_assert_cmpint(xvm_proc_look(&scope, name, NULL, &pids, &why), ==, XVM_PROC_RUNNING);
    got = pids_text(pids);
    g_assert_cmpstr(got, ==, want);
    g_clear_pointer(&why, g_free);
    g_assert_cmpint(xvm_proc_stop(&scope, name, NULL, 2000, &why), ==, XVM_PROC_UNKNOWN);
    assert_why(why, "UUID is unknown");
    g_assert_true(WIFSIGNALED(reap(fx, ours)));
    g_assert_true(still_runs(foreign));
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(match_cases); i++)
        g_test_add_data_func(match_cases[i].path, &match_cases[i], test_match);
    for (gsize i = 0; i < G_N_ELEMENTS(judge_cases); i++)
        g_test_add_data_func(judge_cases[i].path, &judge_cases[i], test_judge);
    for (gsize i = 0; i < G_N_ELEMENTS(look_cases); i++)
        g_test_add(look_cases[i].path, Fx, &look_cases[i], fx_setup, test_look, fx_teardown);
    for (gsize i = 0; i < G_N_ELEMENTS(uri_cases); i++)
        g_test_add(uri_cases[i].path, Fx, &uri_cases[i], fx_setup, test_look_uri, fx_teardown);
    for (gsize i = 0; i < G_N_ELEMENTS(lock_cases); i++)
        g_test_add(lock_cases[i].path, Fx, &lock_cases[i], fx_setup, test_look_locked,
                   fx_teardown);
    g_test_add("/xvm/proc/look/no-outputs", Fx, NULL, fx_setup, test_look_no_outputs,
               fx_teardown);
    g_test_add("/xvm/proc/look/blocked", Fx, NULL, fx_setup, test_look_blocked, fx_teardown);
    g_test_add("/xvm/proc/look/no-time", Fx, NULL, fx_setup, test_look_no_time, fx_teardown);
    g_test_add("/xvm/proc/stop/blocked", Fx, NULL, fx_setup, test_stop_blocked, fx_teardown);
    g_test_add("/xvm/proc/stop/fake", Fx, NULL, fx_setup, test_stop_fake, fx_teardown);
    g_test_add("/xvm/proc/real/not-running", Fx, NULL, fx_setup, test_real_not_running,
               fx_teardown);
    g_test_add("/xvm/proc/real/stop-term", Fx, NULL, fx_setup, test_real_stop_term,
               fx_teardown);
    g_test_add("/xvm/proc/real/stop-kill", Fx, NULL, fx_setup, test_real_stop_kill,
               fx_teardown);
    g_test_add("/xvm/proc/real/stop-all", Fx, NULL, fx_setup, test_real_stop_all, fx_teardown);
    g_test_add("/xvm/proc/real/stop-pidfile", Fx, NULL, fx_setup, test_real_stop_pidfile,
               fx_teardown);
    g_test_add("/xvm/proc/real/stop-name-only", Fx, NULL, fx_setup, test_real_stop_name_only,
               fx_teardown);
    return g_test_run();
}
