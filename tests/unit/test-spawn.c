/* Running the user's monitor_scripts: reported by their real exit status or
 * signal (never a raw wait status such as 768), with their stderr, and
 * never past the action's deadline. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "xvm-error.h"
#include "xvm-spawn.h"

#include "test-util.h"

/* ---- xvm_describe_wait_status, from real children ---------------------------- */

typedef enum {
    CHILD_EXIT_0,
    CHILD_EXIT_3,
    CHILD_SIGKILL,
    CHILD_SIGSEGV,
} ChildEnd;

typedef struct {
    const char *path;
    ChildEnd end;
    const char *want_prefix;
} StatusCase;

static const StatusCase status_cases[] = {
    { "/xvm/spawn/status/exit-0", CHILD_EXIT_0, "exited with status 0" },
    { "/xvm/spawn/status/exit-3", CHILD_EXIT_3, "exited with status 3" },
    { "/xvm/spawn/status/sigkill", CHILD_SIGKILL, "killed by signal 9 (" },
    { "/xvm/spawn/status/sigsegv", CHILD_SIGSEGV, "killed by signal 11 (" },
};

static void G_GNUC_NORETURN
child_end(ChildEnd end)
{
    struct rlimit no_core = { 0, 0 };

    setrlimit(RLIMIT_CORE, &no_core);   /* a test leaves no core files */
    switch (end) {
    case CHILD_EXIT_0:
        _exit(0);
    case CHILD_EXIT_3:
        _exit(3);
    case CHILD_SIGKILL:
        kill(getpid(), SIGKILL);
        break;
    case CHILD_SIGSEGV:
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
        break;
    }
    _exit(99);
}

static int
status_of_child(ChildEnd end)
{
    int status = 0;
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0)
        child_end(end);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    return status;
}

static void
test_status(gconstpointer data)
{
    const StatusCase *c = data;
    g_autofree char *text = xvm_describe_wait_status(status_of_child(c->end));

    g_assert_true(g_str_has_prefix(text, c->want_prefix));
}

/* The signal's name follows its number, for the log reader. */
static void
test_status_signal_name(void)
{
    g_autofree char *text = xvm_describe_wait_status(status_of_child(CHILD_SIGKILL));

    g_assert_cmpstr(text, ==, "killed by signal 9 (Killed)");
}

/* Stopped (WUNTRACED): neither exited nor killed. */
static void
test_status_stopped(void)
{
    int status = 0;
    pid_t pid = fork();
    g_autofree char *text = NULL;

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        raise(SIGSTOP);
        _exit(0);
    }
    g_assert_cmpint(waitpid(pid, &status, WUNTRACED), ==, pid);
    g_assert_true(WIFSTOPPED(status));
    text = xvm_describe_wait_status(status);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    g_assert_true(g_str_has_prefix(text, "ended in an unknown way"));
}

/* ---- xvm_run_program ------------------------------------------------------------- */

static char *
write_script(const XvmTmpFixture *fx, const char *name, const char *body)
{
    g_autofree char *text = g_strdup_printf("#!/bin/sh\n%s\n", body);

    return xvm_test_write_program(fx->dir, name, text);
}

typedef struct {
    const char *path;
    const char *body;
    gboolean ok;
    XvmErrorCode code;
    const char *mention;        /* in the error message */
    const char *stderr_text;    /* what was captured, or NULL to skip */
} RunCase;

static const RunCase run_cases[] = {
    { "/xvm/spawn/run/exit-0", "exit 0", TRUE, 0, NULL, "" },
    { "/xvm/spawn/run/exit-3", "echo 'disk check: /srv full' >&2; exit 3", FALSE,
      XVM_ERROR_SCRIPT_FAILED, "exited with status 3", "disk check: /srv full" },
    { "/xvm/spawn/run/kill-9", "kill -9 $$", FALSE, XVM_ERROR_SCRIPT_FAILED,
      "killed by signal 9", NULL },
    /* stderr is kept even on success: the log shows what the check said. */
    { "/xvm/spawn/run/stderr-on-success", "echo line1 >&2; echo line2 >&2; exit 0", TRUE, 0,
      NULL, "line1\nline2" },
    /* stdout is not ours to print (stdout carries only meta-data). */
    { "/xvm/spawn/run/stdout-dropped", "echo to-stdout; exit 0", TRUE, 0, NULL, "" },
};

static void
test_run(XvmTmpFixture *fx, gconstpointer data)
{
    const RunCase *c = data;
    g_autofree char *script = write_script(fx, "check", c->body);
    g_autofree char *err_text = NULL;
    g_autoptr(GError) error = NULL;
    XvmDeadline deadline;
    gboolean ok;

    xvm_deadline_init(&deadline, 10000, NULL);
    ok = xvm_run_program(script, &deadline, &err_text, &error);
    g_assert_cmpint(ok, ==, c->ok);
    if (c->ok) {
        g_assert_no_error(error);
    } else {
        g_assert_error(error, XVM_ERROR, (gint) c->code);
        g_assert_nonnull(strstr(error->message, c->mention));
        /* Which program failed: there may be several. */
        g_assert_nonnull(strstr(error->message, script));
    }
    g_assert_nonnull(err_text);
    if (c->stderr_text)
        g_assert_cmpstr(err_text, ==, c->stderr_text);
}

/* More stderr than anyone reads: kept to 4 KiB, and the script is not
 * blocked on a full pipe. */
static void
test_run_stderr_capped(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *script = write_script(
        fx, "noisy", "i=0; while [ $i -lt 10000 ]; do echo 0123456789abcdef >&2; i=$((i+1)); done");
    g_autofree char *err_text = NULL;
    g_autoptr(GError) error = NULL;
    XvmDeadline deadline;

    xvm_deadline_init(&deadline, 10000, NULL);
    g_assert_true(xvm_run_program(script, &deadline, &err_text, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(strlen(err_text), <=, 4096);
    g_assert_cmpuint(strlen(err_text), >, 4000);
}

/* Runs a script that hangs, with budget_ms left: it must fail with a
 * timeout that names the script.  Returns the microseconds it took. */
static gint64
run_hung_script(XvmTmpFixture *fx, gint64 budget_ms)
{
    g_autofree char *script = write_script(fx, "hang", "exec sleep 10");
    g_autofree char *err_text = NULL;
    g_autoptr(GError) error = NULL;
    XvmDeadline deadline;
    gint64 started = g_get_monotonic_time();

    xvm_deadline_init(&deadline, budget_ms, NULL);
    g_assert_false(xvm_run_program(script, &deadline, &err_text, &error));
    g_assert_error(error, XVM_ERROR, XVM_ERROR_TIMEOUT);
    g_assert_nonnull(strstr(error->message, script));
    return g_get_monotonic_time() - started;
}

/* A hung check is killed at the deadline, and the monitor returns in time. */
static void
test_run_timeout(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    gint64 took_us = run_hung_script(fx, 300);

    g_assert_cmpint(took_us, <, G_USEC_PER_SEC);
    /* Waited for the deadline (to the millisecond the lib counts in). */
    g_assert_cmpint(took_us, >=, 299 * 1000);
}

/* A deadline already passed: the program does not get to run long. */
static void
test_run_deadline_passed(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_assert_cmpint(run_hung_script(fx, 0), <, G_USEC_PER_SEC / 2);
}

static gboolean
pid_alive(pid_t pid)
{
    g_autofree char *stat_path = g_strdup_printf("/proc/%d/stat", (int) pid);
    g_autofree char *stat = NULL;
    const char *state;

    if (kill(pid, 0) != 0)
        return FALSE;
    /* A zombie is dead; only its parent (init, here) has not reaped it yet. */
    if (g_file_get_contents(stat_path, &stat, NULL, NULL)
        && (state = strrchr(stat, ')')) != NULL && state[1] == ' ' && state[2] == 'Z')
        return FALSE;
    return TRUE;
}

static pid_t
read_pid_file(const char *path)
{
    g_autofree char *text = NULL;

    for (int i = 0; i < 100 && !g_file_get_contents(path, &text, NULL, NULL); i++)
        g_usleep(10 * 1000);
    g_assert_nonnull(text);
    return (pid_t) atoi(text);
}

/* A check that starts a child and hangs: at the deadline the whole check
 * goes, not only the shell, or every monitor leaves one more process. */
static void
test_run_timeout_kills_children(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *pid_file = g_build_filename(fx->dir, "child.pid", NULL);
    g_autofree char *body = g_strdup_printf("sleep 10 2>/dev/null & echo $! > '%s'; wait",
                                            pid_file);
    g_autofree char *script = write_script(fx, "forks", body);
    g_autofree char *err_text = NULL;
    g_autoptr(GError) error = NULL;
    XvmDeadline deadline;
    gboolean alive;
    pid_t child;

    xvm_deadline_init(&deadline, 300, NULL);
    g_assert_false(xvm_run_program(script, &deadline, &err_text, &error));
    g_assert_error(error, XVM_ERROR, XVM_ERROR_TIMEOUT);
    child = read_pid_file(pid_file);
    g_assert_cmpint(child, >, 1);
    g_usleep(50 * 1000);
    alive = pid_alive(child);
    xvm_test_kill_if_running(child, "sleep");   /* started by this test's script */
    g_assert_false(alive);
}

/* A check that leaves a background process holding its stderr: the script
 * itself is done, but reading stderr to the end would wait for the
 * background process.  The deadline must still hold. */
static void
test_run_background_holds_stderr(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *pid_file = g_build_filename(fx->dir, "bg.pid", NULL);
    g_autofree char *body = g_strdup_printf("sleep 2 & echo $! > '%s'; exit 0", pid_file);
    g_autofree char *script = write_script(fx, "daemonizes", body);
    g_autofree char *err_text = NULL;
    g_autoptr(GError) error = NULL;
    XvmDeadline deadline;
    gint64 started = g_get_monotonic_time();
    gint64 took_us;

    xvm_deadline_init(&deadline, 500, NULL);
    xvm_run_program(script, &deadline, &err_text, &error);
    took_us = g_get_monotonic_time() - started;
    xvm_test_kill_if_running(read_pid_file(pid_file), "sleep");
    g_assert_cmpint(took_us, <=, G_USEC_PER_SEC);
}

typedef struct {
    const char *path;
    const char *program;    /* relative to the fixture directory */
} NoRunCase;

static const NoRunCase no_run_cases[] = {
    { "/xvm/spawn/run/nonexistent", "no-such-program" },
    { "/xvm/spawn/run/not-executable", "plain-file" },
};

static void
test_run_cannot_start(XvmTmpFixture *fx, gconstpointer data)
{
    const NoRunCase *c = data;
    g_autofree char *program = g_build_filename(fx->dir, c->program, NULL);
    g_autofree char *plain = g_build_filename(fx->dir, "plain-file", NULL);
    g_autofree char *err_text = NULL;
    g_autoptr(GError) error = NULL;
    XvmDeadline deadline;

    g_assert_true(g_file_set_contents(plain, "exit 0\n", -1, NULL));
    xvm_deadline_init(&deadline, 5000, NULL);
    g_assert_false(xvm_run_program(program, &deadline, &err_text, &error));
    g_assert_error(error, XVM_ERROR, XVM_ERROR_SCRIPT_FAILED);
    g_assert_nonnull(strstr(error->message, program));
    g_assert_nonnull(strstr(error->message, "cannot run"));
}

/* ---- xvm_run_argv: arguments, PATH, both outputs ---------------------------------- */

typedef struct {
    const char *path;
    const char *script;         /* run as sh -c SCRIPT */
    gboolean ok;
    const char *stdout_text;
    const char *stderr_text;
} ArgvCase;

static const ArgvCase argv_cases[] = {
    { "/xvm/spawn/argv/both-outputs", "echo out; echo err >&2", TRUE, "out", "err" },
    /* Trimmed: crm_resource --locate ends its answer with a newline. */
    { "/xvm/spawn/argv/trimmed", "printf '  node2\\n\\n'", TRUE, "node2", "" },
    { "/xvm/spawn/argv/fails", "echo partial; exit 4", FALSE, "partial", "" },
};

static void
test_argv(gconstpointer data)
{
    const ArgvCase *c = data;
    /* "sh", not "/bin/sh": found through PATH. */
    const char *argv[] = { "sh", "-c", c->script, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;
    XvmDeadline deadline;

    xvm_deadline_init(&deadline, 10000, NULL);
    g_assert_cmpint(xvm_run_argv(argv, &deadline, &out, &err, &error), ==, c->ok);
    g_assert_cmpstr(out, ==, c->stdout_text);
    g_assert_cmpstr(err, ==, c->stderr_text);
    if (c->ok) {
        g_assert_no_error(error);
    } else {
        g_assert_error(error, XVM_ERROR, XVM_ERROR_SCRIPT_FAILED);
        g_assert_nonnull(strstr(error->message, "sh exited with status 4"));
    }
}

/* Either output may be unwanted; the other is still collected, and a
 * chatty program is never blocked on a full pipe nobody reads. */
static void
test_argv_null_outputs(void)
{
    const char *argv[] = {
        "sh", "-c", "i=0; while [ $i -lt 10000 ]; do echo 0123456789abcdef; "
        "echo 0123456789abcdef >&2; i=$((i+1)); done", NULL,
    };
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;
    XvmDeadline deadline;

    xvm_deadline_init(&deadline, 10000, NULL);
    g_assert_true(xvm_run_argv(argv, &deadline, NULL, NULL, &error));
    g_assert_no_error(error);
    g_assert_true(xvm_run_argv(argv, &deadline, &out, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(strlen(out), <=, 4096);
    g_assert_cmpuint(strlen(out), >, 4000);
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(status_cases); i++)
        g_test_add_data_func(status_cases[i].path, &status_cases[i], test_status);
    g_test_add_func("/xvm/spawn/status/signal-name", test_status_signal_name);
    g_test_add_func("/xvm/spawn/status/stopped", test_status_stopped);
    for (gsize i = 0; i < G_N_ELEMENTS(run_cases); i++)
        XVM_TEST_ADD_TMP(run_cases[i].path, &run_cases[i], test_run);
    XVM_TEST_ADD_TMP("/xvm/spawn/run/stderr-capped", NULL, test_run_stderr_capped);
    XVM_TEST_ADD_TMP("/xvm/spawn/run/timeout", NULL, test_run_timeout);
    XVM_TEST_ADD_TMP("/xvm/spawn/run/deadline-passed", NULL, test_run_deadline_passed);
    XVM_TEST_ADD_TMP("/xvm/spawn/run/timeout-kills-children", NULL,
                     test_run_timeout_kills_children);
    XVM_TEST_ADD_TMP("/xvm/spawn/run/background-holds-stderr", NULL,
                     test_run_background_holds_stderr);
    for (gsize i = 0; i < G_N_ELEMENTS(argv_cases); i++)
        g_test_add_data_func(argv_cases[i].path, &argv_cases[i], test_argv);
    g_test_add_func("/xvm/spawn/argv/null-outputs", test_argv_null_outputs);
    for (gsize i = 0; i < G_N_ELEMENTS(no_run_cases); i++)
        XVM_TEST_ADD_TMP(no_run_cases[i].path, &no_run_cases[i], test_run_cannot_start);
    return g_test_run();
}
