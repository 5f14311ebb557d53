/* The actions end to end, through the real xvm_action_run, against the
 * scripted fake hypervisor on a fake clock.  Each case is one situation a
 * node can be in, the exit code Pacemaker must see, and what the agent must
 * (and must not) have asked of libvirt. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <string.h>
#include <unistd.h>
#include <libvirt/libvirt.h>   /* state enums for the scripts */
#include <glib.h>
#include <glib/gstdio.h>

#include "xvm-actions.h"
#include "xvm-cache.h"
#include "xvm-domxml.h"
#include "xvm-error.h"
#include "xvm-guard.h"
#include "xvm-result.h"

#include "fake-clock.h"
#include "fake-virt.h"
#include "action-fixture.h"
#include "test-util.h"

#define UUID XVM_TEST_UUID
#define OTHER_UUID "0b7a1c7e-5d8e-4f3a-8e0f-9a2d3c4b5e6f"
#define INSTANCE "vm1-rsc"
#define MS ((gint64) 1000)
#define NO_ERROR (-1)
#define ANY_ERROR (-2)   /* some XVM_ERROR; the rc is what matters */
#define MAX_ENV 10
#define NO_CONFIG_PATH "/nonexistent/xvm-unit/vm1.xml"
#define QEMU_BIN "/usr/bin/qemu-system-x86_64"

typedef struct {
    char *tmpdir;
    char *proc_root;
    char *run_dir;          /* libvirt's QEMU pidfiles, as the agent sees them */
    XvmEnv *env;
    XvmVirt *virt;
    FakeVirt *fake;
    XvmRequest *req;
    XvmContext *ctx;
    GError *error;
    XvmOcfRc rc;
    gint64 started_us;      /* fake clock when the action began */
    gint64 finished_us;
    gint64 real_us;         /* real time the action took */
    pid_t qemu;             /* a real child posing as QEMU, or 0 */
} Fx;

typedef struct {
    const char *path;
    XvmAction action;
    /* "NAME=value" set in the environment; "@data:f" and "@tmp:f" in a
     * value become paths under tests/data/unit and the test's directory;
     * "-NAME" unsets. */
    const char *env[MAX_ENV];
    void (*setup)(Fx *fx);
    XvmOcfRc rc;
    int error_code;         /* XvmErrorCode, NO_ERROR or ANY_ERROR */
    const char *mention;    /* the error message says this */
    void (*check)(Fx *fx);
    /* A lib bug this case exposes: when the outcome differs, the case is
     * marked incomplete with this text instead of failing (see the report). */
    const char *known_bug;
} ActionCase;

/* ---- fixture ---------------------------------------------------------------- */

static char *
resolve_value(const Fx *fx, const char *value)
{
    if (g_str_has_prefix(value, "@data:"))
        return g_test_build_filename(G_TEST_DIST, "data", "unit", value + 6, NULL);
    if (g_str_has_prefix(value, "@tmp:"))
        return g_build_filename(fx->tmpdir, value + 5, NULL);
    return g_strdup(value);
}

static void
apply_env(Fx *fx, const char *const *words)
{
    for (gsize i = 0; i < MAX_ENV && words[i]; i++) {
        const char *eq = strchr(words[i], '=');
        g_autofree char *name = NULL;
        g_autofree char *value = NULL;

        if (words[i][0] == '-') {
            g_hash_table_remove(fx->env->vars, words[i] + 1);
            continue;
        }
        g_assert_nonnull(eq);
        name = g_strndup(words[i], eq - words[i]);
        value = resolve_value(fx, eq + 1);
        xvm_env_set(fx->env, name, value);
    }
}

static void
add_process(const char *proc_root, const char *pid, const char *cmdline, gsize len)
{
    g_autofree char *dir = g_build_filename(proc_root, pid, NULL);
    g_autofree char *file = g_build_filename(dir, "cmdline", NULL);

    g_assert_cmpint(g_mkdir(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(file, cmdline, (gssize) len, NULL));
}

/* A table that shows everything, as for root in libvirtd's PID namespace:
 * init and this very process are listed (xvm-proc.h). */
static void
add_visible_processes(Fx *fx)
{
    g_autofree char *self = g_strdup_printf("%d", (int) getpid());
    g_autofree char *link = g_build_filename(fx->proc_root, "self", NULL);

    add_process(fx->proc_root, "1", "/sbin/init", sizeof("/sbin/init"));
    add_process(fx->proc_root, self, "test-actions", sizeof("test-actions"));
    g_assert_cmpint(symlink(self, link), ==, 0);
}

static void
fx_setup(Fx *fx, gconstpointer data)
{
    const ActionCase *c = data;
    g_autofree char *config = g_test_build_filename(G_TEST_DIST, "data", "unit", "vm1.xml",
                                                    NULL);

    fake_clock_reset();
    fx->tmpdir = xvm_test_make_tmpdir();
    fx->proc_root = g_build_filename(fx->tmpdir, "proc", NULL);
    g_assert_cmpint(g_mkdir(fx->proc_root, 0755), ==, 0);
    add_visible_processes(fx);
    fx->run_dir = g_build_filename(fx->tmpdir, "qemu-run", NULL);
    g_assert_cmpint(g_mkdir(fx->run_dir, 0755), ==, 0);
    fx->env = xvm_test_action_env(fx->tmpdir, config, INSTANCE);
    xvm_env_set(fx->env, "OCF_RESKEY_CRM_meta_interval", "10000");  /* monitors recur */
    apply_env(fx, c->env);
    fx->virt = fake_virt_new("vm1", UUID);
    fx->fake = fake_virt_of(fx->virt);
    if (c->setup)
        c->setup(fx);
    fx->req = xvm_request_new(c->action, fx->env);
    fx->ctx = xvm_context_new(fx->req, fx->env, fx->virt, fake_clock_now);
    fx->ctx->proc_root = fx->proc_root;
    g_free(fx->ctx->qemu_run_dir);
    fx->ctx->qemu_run_dir = g_strdup(fx->run_dir);
}

static void restore_path(void);

static void
fx_teardown(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    restore_path();
    if (fx->qemu > 0) {
        xvm_test_kill_if_running(fx->qemu, QEMU_BIN);   /* in case the agent missed it */
        signal(SIGCHLD, SIG_DFL);
    }
    xvm_context_free(fx->ctx);
    xvm_request_free(fx->req);
    xvm_env_free(fx->env);
    xvm_virt_unref(fx->virt);
    g_clear_error(&fx->error);
    xvm_test_remove_tree(fx->tmpdir);
    g_free(fx->tmpdir);
    g_free(fx->proc_root);
    g_free(fx->run_dir);
}

static gboolean
outcome_as_expected(const Fx *fx, const ActionCase *c)
{
    if (fx->rc != c->rc)
        return FALSE;
    if (c->error_code == NO_ERROR)
        return fx->error == NULL;
    if (fx->error == NULL || fx->error->domain != XVM_ERROR)
        return FALSE;
    return (c->error_code == ANY_ERROR || fx->error->code == c->error_code)
           && (c->mention == NULL || strstr(fx->error->message, c->mention));
}

static void set_connect_fails_real_qemu(Fx *fx);

static void
test_action(Fx *fx, gconstpointer data)
{
    const ActionCase *c = data;
    gint64 real_start = g_get_monotonic_time();
    g_autofree char *log = NULL;

    /* A stop pins real processes with pidfd_open. */
    if (c->setup == set_connect_fails_real_qemu && !xvm_test_pidfd_works()) {
        g_test_skip("no pidfd_open here (old kernel, or valgrind)");
        return;
    }
    fx->started_us = fake_clock_now();
    fx->rc = xvm_action_run(fx->ctx, &fx->error);
    fx->finished_us = fake_clock_now();
    fx->real_us = g_get_monotonic_time() - real_start;
    log = fake_virt_log_text(fx->fake);
    g_test_message("rc %d, %s; %.3f s fake, %.3f s real; calls:\n%s", fx->rc,
                   fx->error ? fx->error->message : "no error",
                   (fx->finished_us - fx->started_us) / 1e6, fx->real_us / 1e6, log);
    if (c->known_bug && !outcome_as_expected(fx, c)) {
        g_test_incomplete(c->known_bug);
        return;
    }
    g_assert_cmpint(fx->rc, ==, c->rc);
    if (c->error_code == NO_ERROR) {
        g_assert_no_error(fx->error);
    } else {
        g_assert_nonnull(fx->error);
        g_assert_cmpuint(fx->error->domain, ==, XVM_ERROR);
        if (c->error_code != ANY_ERROR)
            g_assert_cmpint(fx->error->code, ==, c->error_code);
        if (c->mention)
            g_assert_nonnull(strstr(fx->error->message, c->mention));
    }
    /* Never past the action's own deadline (Pacemaker SIGKILLs at its
     * timeout, a moment later), and never slow in real time. */
    g_assert_cmpint(fx->finished_us, <=, fx->ctx->deadline.end_us);
    g_assert_cmpint(fx->real_us, <, 3 * G_USEC_PER_SEC);
    if (c->check)
        c->check(fx);
}

/* ---- checks shared by many cases ------------------------------------------- */

/* How often the stop asked for a shutdown and for a destroy. */
static void
assert_stop_calls(Fx *fx, guint shutdowns, guint destroys)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_SHUTDOWN), ==, shutdowns);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_DESTROY), ==, destroys);
}

/* A check that is only those two counts. */
#define STOP_CALLS_CHECK(name, shutdowns, destroys) \
    static void name(Fx *fx) { assert_stop_calls(fx, shutdowns, destroys); }

/* ---- setups ------------------------------------------------------------------ */

/* The situations that are only a state libvirt reports for vm1, and those
 * that are another situation and one more call on the fake (call may use
 * fx). */
#define STATE_SETUP(name, state, reason) \
    static void name(Fx *fx) { fake_virt_set_state(fx->fake, TRUE, state, reason); }
#define SETUP_THEN(name, base, call) \
    static void name(Fx *fx) { base(fx); call; }

STATE_SETUP(set_running, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED)
STATE_SETUP(set_paused_ioerror, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_IOERROR)
STATE_SETUP(set_shutoff, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_SHUTDOWN)
STATE_SETUP(set_crashed, VIR_DOMAIN_CRASHED, VIR_DOMAIN_CRASHED_PANICKED)
STATE_SETUP(set_paused_postcopy_failed, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY_FAILED)
STATE_SETUP(set_running_postcopy_failed, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY_FAILED)
STATE_SETUP(set_stays_paused_by_migration, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION)

static void
add_qemu_process(Fx *fx, const char *pid, const char *name, const char *uuid)
{
    g_autofree char *guest = g_strdup_printf("guest=%s,debug-threads=on", name);
    const char *const argv[] = {
        "/usr/bin/qemu-system-x86_64", "-name", guest, "-S", "-uuid", uuid, NULL,
    };
    GString *cmdline = g_string_new(NULL);

    for (gsize i = 0; argv[i]; i++)
        g_string_append_len(cmdline, argv[i], (gssize) strlen(argv[i]) + 1);
    add_process(fx->proc_root, pid, cmdline->str, cmdline->len);
    g_string_free(cmdline, TRUE);
}

/* Fake pids are above the kernel's largest pid_max (2^22): no code path can
 * signal a real process through them. */
static void
set_qemu_in_proc(Fx *fx)
{
    add_qemu_process(fx, "5000022", "vm1", UUID);
}

static void
set_other_qemu_in_proc(Fx *fx)
{
    add_qemu_process(fx, "5000011", "vm2", OTHER_UUID);
}

static void
set_proc_unreadable(Fx *fx)
{
    g_free(fx->proc_root);
    fx->proc_root = g_build_filename(fx->tmpdir, "no-such-proc", NULL);
}

static void
set_connect_fails(Fx *fx)
{
    fake_virt_fail(fx->fake, FAKE_OP_CONNECT, XVM_ERROR_CONNECT, -1);
}

static void
set_running_connect_fails_qemu(Fx *fx)
{
    set_running(fx);
    set_connect_fails(fx);
    set_other_qemu_in_proc(fx);
    set_qemu_in_proc(fx);
}

static void
set_connect_fails_other_qemu(Fx *fx)
{
    set_connect_fails(fx);
    set_other_qemu_in_proc(fx);
}

static void
set_connect_fails_proc_unreadable(Fx *fx)
{
    set_connect_fails(fx);
    set_proc_unreadable(fx);
}

static void
write_cache(Fx *fx, const char *name)
{
    g_autofree char *path = xvm_cache_path(fx->env, INSTANCE);
    g_autoptr(GError) error = NULL;

    g_assert_true(xvm_cache_save(path, name, UUID, &error));
    g_assert_no_error(error);
}

static void
set_running_with_cache(Fx *fx)
{
    set_running(fx);
    write_cache(fx, "vm1");
}

SETUP_THEN(set_running_marked, set_running,
           fake_virt_set_marker(fx->fake, INSTANCE))

/* ---- start ---------------------------------------------------------------------- */

static void
set_create_fails_invalid(Fx *fx)
{
    fake_virt_fail(fx->fake, FAKE_OP_CREATE, XVM_ERROR_CONFIG_INVALID, -1);
}

static void
set_dies_after_create(Fx *fx)
{
    /* QEMU exits at once (a bad device, say); transient, so libvirt forgets it. */
    static const FakeStep gone[] = { { 0, FALSE, 0, 0 }, FAKE_END };

    fake_virt_on_success(fx->fake, FAKE_OP_CREATE, gone);
}

static void
set_crashes_after_create(Fx *fx)
{
    static const FakeStep crashed[] = {
        { 0, TRUE, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_CRASHED }, FAKE_END,
    };

    fake_virt_on_success(fx->fake, FAKE_OP_CREATE, crashed);
}

static void
set_boots_slowly(Fx *fx)
{
    static const FakeStep slow[] = {
        { 0, TRUE, VIR_DOMAIN_NOSTATE, VIR_DOMAIN_NOSTATE_UNKNOWN },
        { 1500, TRUE, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED }, FAKE_END,
    };

    fake_virt_on_success(fx->fake, FAKE_OP_CREATE, slow);
}

/* The guard's note that the cluster manages vm1, as the agent left it. */
static char *
guard_note(Fx *fx)
{
    g_autofree char *path = g_build_filename(fx->ctx->guard->registry_dir, "managed-vm1",
                                             NULL);
    char *text = NULL;

    g_file_get_contents(path, &text, NULL, NULL);
    return text;
}

static gboolean
guard_token_exists(Fx *fx, const char *kind)
{
    g_autofree char *file = g_strdup_printf("%s-vm1", kind);
    g_autofree char *path = g_build_filename(fx->ctx->guard->tokens_dir, file, NULL);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

static void
check_created_with_marker(Fx *fx)
{
    g_autofree char *note = guard_note(fx);

    const char *xml = fake_virt_last_arg(fx->fake, FAKE_OP_CREATE);
    g_autofree char *instance = NULL;
    g_autofree char *cache = xvm_cache_path(fx->env, INSTANCE);
    g_autofree char *name = NULL;
    g_autofree char *uuid = NULL;
    g_autoptr(XvmDomainConfig) cfg = NULL;

    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_CREATE), ==, 1);
    g_assert_nonnull(xml);
    instance = xvm_domxml_marker_instance(xml);
    g_assert_cmpstr(instance, ==, INSTANCE);
    cfg = xvm_domxml_parse(xml, strlen(xml), NULL);
    g_assert_nonnull(cfg);
    g_assert_cmpstr(cfg->name, ==, "vm1");
    g_assert_cmpstr(cfg->uuid, ==, UUID);
    /* The node remembers what it started, for stop and monitor without config. */
    g_assert_true(xvm_cache_load(cache, &name, &uuid));
    g_assert_cmpstr(name, ==, "vm1");
    g_assert_cmpstr(uuid, ==, UUID);
    assert_stop_calls(fx, 0, 0);
    /* The hook guard knows the domain is the cluster's, and the start token
     * that let this start through is gone again (doc/guard.md). */
    g_assert_cmpstr(note, ==, INSTANCE "\n");
    g_assert_false(guard_token_exists(fx, "start"));
}

static void
check_no_create(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_CREATE), ==, 0);
}

static void
check_nothing_asked(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count_all(fx->fake), ==, 0);
    g_assert_cmpint(fx->finished_us, ==, fx->started_us);
}

/* Failing fast is the point: a start that waits out 90 s for a domain that
 * is already gone delays recovery by as much. */
static void
check_failed_fast(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_CREATE), ==, 1);
    g_assert_cmpint(fx->finished_us - fx->started_us, <, 1000 * MS);
    g_assert_cmpint(fx->real_us, <, G_USEC_PER_SEC);
}

static void
check_waited_for_boot(Fx *fx)
{
    g_assert_cmpint(fx->finished_us - fx->started_us, >=, 1500 * MS);
    g_assert_cmpuint(fake_virt_wait_events(fx->fake), >=, 1);
}

/* ---- stop ------------------------------------------------------------------------- */

SETUP_THEN(set_ignores_shutdown, set_running,
           fake_virt_on_success(fx->fake, FAKE_OP_SHUTDOWN, NULL))

SETUP_THEN(set_destroy_never_works, set_ignores_shutdown,
           fake_virt_fail(fx->fake, FAKE_OP_DESTROY, XVM_ERROR_LIBVIRT, -1))

SETUP_THEN(set_destroy_fails_twice, set_ignores_shutdown,
           fake_virt_fail(fx->fake, FAKE_OP_DESTROY, XVM_ERROR_LIBVIRT, 2))

SETUP_THEN(set_shutdown_refused, set_running,
           fake_virt_fail(fx->fake, FAKE_OP_SHUTDOWN, XVM_ERROR_LIBVIRT, 1))

SETUP_THEN(set_shutdown_refused_twice, set_running,
           fake_virt_fail(fx->fake, FAKE_OP_SHUTDOWN, XVM_ERROR_LIBVIRT, 2))

SETUP_THEN(set_other_domain_same_name, set_running,
           fake_virt_set_uuid(fx->fake, OTHER_UUID))

STOP_CALLS_CHECK(check_stopped_untouched, 0, 0)

static void
check_graceful(Fx *fx)
{
    assert_stop_calls(fx, 1, 0);
    g_assert_cmpstr(fake_virt_last_arg(fx->fake, FAKE_OP_SHUTDOWN), ==, "vm1");
    /* The guest took its 3 s: the agent waited on events, not a fixed sleep. */
    g_assert_cmpint(fx->finished_us - fx->started_us, >=, 3000 * MS);
    g_assert_cmpint(fx->finished_us - fx->started_us, <, 5000 * MS);
}

/* With the default 90 s (88 s after the exit margin), destroy keeps
 * max(10 s, 15 %) = 13.2 s, so the guest gets 74.8 s. */
#define DEFAULT_GRACEFUL_MS 74800
#define DEFAULT_DESTROY_MS 13200

static void
check_destroyed_after_graceful(Fx *fx)
{
    gint64 shutdown_at = fake_virt_call_us(fx->fake, FAKE_OP_SHUTDOWN, 0);
    gint64 destroy_at = fake_virt_call_us(fx->fake, FAKE_OP_DESTROY, 0);

    assert_stop_calls(fx, 1, 1);
    g_assert_cmpint(shutdown_at, <, destroy_at);
    g_assert_cmpint(destroy_at, >=, fx->started_us + DEFAULT_GRACEFUL_MS * MS);
    /* ... and destroy still has its whole reserve before the deadline. */
    g_assert_cmpint(destroy_at, <=, fx->ctx->deadline.end_us - DEFAULT_DESTROY_MS * MS);
}

static void
check_destroy_retried(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_DESTROY), ==, 3);
}

static void
check_gave_up_after_graceful(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_DESTROY), >=, 1);
    g_assert_cmpint(fake_virt_call_us(fx->fake, FAKE_OP_DESTROY, 0), >=,
                    fx->started_us + DEFAULT_GRACEFUL_MS * MS);
}

static void
check_destroy_only(Fx *fx)
{
    assert_stop_calls(fx, 0, 1);
    /* No graceful wait first. */
    g_assert_cmpint(fake_virt_call_us(fx->fake, FAKE_OP_DESTROY, 0), ==, fx->started_us);
}

/* A refusal (no guest agent) comes back at once: destroy follows at once,
 * rather than after the whole graceful budget. */
static void
check_destroy_after_refusal(Fx *fx)
{
    assert_stop_calls(fx, 1, 1);
    g_assert_cmpint(fake_virt_call_us(fx->fake, FAKE_OP_DESTROY, 0), <,
                    fx->started_us + 1000 * MS);
}

/* shutdown_mode refused (agent without a guest agent): asked again with the
 * hypervisor's default method, and the guest shut down by itself. */
STOP_CALLS_CHECK(check_mode_fell_back, 2, 0)

STOP_CALLS_CHECK(check_destroy_after_two_refusals, 2, 1)

static void
check_destroy_at_shutdown_timeout(Fx *fx)
{
    g_assert_cmpint(fake_virt_call_us(fx->fake, FAKE_OP_DESTROY, 0), ==,
                    fx->started_us + 10000 * MS);
}

static void
check_no_libvirt_change(Fx *fx)
{
    check_stopped_untouched(fx);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_CREATE), ==, 0);
}

static void
check_looked_for_marker(Fx *fx)
{
    check_stopped_untouched(fx);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_LIST_ACTIVE), ==, 1);
}

static void
check_stopped_cached_name(Fx *fx)
{
    g_assert_cmpstr(fake_virt_last_arg(fx->fake, FAKE_OP_SHUTDOWN), ==, "vm1");
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_LIST_ACTIVE), ==, 0);
}

/* ---- monitor ------------------------------------------------------------------------ */

static void
set_nostate_then_running(Fx *fx)
{
    static const FakeStep settles[] = {
        { 1000, TRUE, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED }, FAKE_END,
    };

    fake_virt_set_state(fx->fake, TRUE, VIR_DOMAIN_NOSTATE, VIR_DOMAIN_NOSTATE_UNKNOWN);
    fake_virt_schedule(fx->fake, settles);
}

static void
set_failing_script(Fx *fx)
{
    g_autofree char *script = xvm_test_write_program(fx->tmpdir, "check-app",
                                                     "#!/bin/sh\necho 'app: 503' >&2\nexit 2\n");

    xvm_env_set(fx->env, "OCF_RESKEY_monitor_scripts", script);
    set_running(fx);
}

static void
check_status_of_vm1(Fx *fx)
{
    const char *asked;

    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_STATUS), >=, 1);
    /* By UUID when one is known, else by name. */
    asked = fake_virt_last_arg(fx->fake, FAKE_OP_STATUS);
    g_assert_true(g_strcmp0(asked, UUID) == 0 || g_strcmp0(asked, "vm1") == 0);
    check_no_libvirt_change(fx);
}

/* Probes run on every node, so every node's guard learns the domain. */
static void
check_probe_registered(Fx *fx)
{
    g_autofree char *note = guard_note(fx);

    check_status_of_vm1(fx);
    g_assert_cmpstr(note, ==, INSTANCE "\n");
}

static void
check_used_cache(Fx *fx)
{
    check_status_of_vm1(fx);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_LIST_ACTIVE), ==, 0);
    g_assert_cmpstr(fx->ctx->uuid, ==, UUID);
}

static void
check_used_marker(Fx *fx)
{
    check_status_of_vm1(fx);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_LIST_ACTIVE), ==, 1);
}

static void
check_proc_fallback(Fx *fx)
{
    /* Stop keeps trying while it cannot tell: it may connect again. */
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_CONNECT), >=, 1);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_STATUS), ==, 0);
    check_no_libvirt_change(fx);
}

static void
check_settled(Fx *fx)
{
    g_assert_cmpint(fx->finished_us - fx->started_us, >=, 1000 * MS);
    g_assert_cmpint(fx->finished_us - fx->started_us, <, 3000 * MS);
}

/* ---- migrate_to / migrate_from --------------------------------------------------------- */

static void
set_migrate_hangs(Fx *fx)
{
    set_running(fx);
    fake_virt_set_migrate(fx->fake, FAKE_MIGRATE_HANGS);
    /* 17 s of copying between two polls: past the abort point (16 s of the
     * 19 s usable), before the deadline. */
    fake_virt_set_progress_step(fx->fake, 17000);
}

SETUP_THEN(set_migrate_fails, set_running,
           fake_virt_set_migrate(fx->fake, FAKE_MIGRATE_FAILS))

static void
set_arrives_after_events(Fx *fx)
{
    /* Incoming: paused while the memory arrives, then resumed here. */
    static const FakeStep arrival[] = {
        { 700, TRUE, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION },
        { 1900, TRUE, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED }, FAKE_END,
    };
    g_autoptr(XvmGuardPaths) guard = xvm_guard_paths_new(xvm_env_get(fx->env,
                                                                      "XVM_GUARD_ROOT"));

    fake_virt_schedule(fx->fake, arrival);
    /* What the destination's hook wrote at "migrate begin". */
    g_assert_true(xvm_guard_token_write(guard, "incoming", "vm1", 0,
                                        g_get_real_time() / G_USEC_PER_SEC + 600, NULL));
}

static void
check_migrated(Fx *fx)
{
    XvmMigration m = fake_virt_last_migration(fx->fake);

    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_MIGRATE), ==, 1);
    g_assert_cmpstr(m.dest_uri, ==, "qemu+tcp://node2/system");
    g_assert_null(m.data_uri);
    g_assert_true(m.live);
    g_assert_false(m.persistent);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_ABORT_JOB), ==, 0);
    check_no_libvirt_change(fx);
}

static void
check_migration_settings(Fx *fx)
{
    XvmMigration m = fake_virt_last_migration(fx->fake);

    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_MIGRATE), ==, 1);
    g_assert_cmpstr(m.dest_uri, ==, "qemu+ssh://root@node2-mig/system");
    g_assert_cmpstr(m.data_uri, ==, "tcp://node2-mig:49152");
    g_assert_false(m.live);
    g_assert_true(m.persistent);
    /* The config is not libvirt's own NAME.xml: undefining is safe. */
    g_assert_true(m.undefine_source);
    g_assert_cmpuint(m.bandwidth_mibs, ==, 100);
    g_assert_cmpuint(m.max_downtime_ms, ==, 300);
}

/* Live by default: auto-converge asked for, post-copy not allowed, and
 * nothing else added. */
static void
check_migrated_default_flags(Fx *fx)
{
    XvmMigration m = fake_virt_last_migration(fx->fake);

    check_migrated(fx);
    g_assert_cmphex(m.extra_flags, ==, VIR_MIGRATE_AUTO_CONVERGE);
    g_assert_true(m.params == NULL || m.params->len == 0);
}

static void
check_migrated_paused_no_converge(Fx *fx)
{
    XvmMigration m = fake_virt_last_migration(fx->fake);

    g_assert_false(m.live);
    g_assert_cmphex(m.extra_flags, ==, 0);
}

static void
check_migrated_postcopy_only(Fx *fx)
{
    XvmMigration m = fake_virt_last_migration(fx->fake);

    g_assert_cmphex(m.extra_flags, ==, VIR_MIGRATE_POSTCOPY);
}

/* migrate_options reach libvirt: flags, typed parameters, --bandwidth over
 * migration_speed, --migrateuri's %n as migrateuri's. */
static void
check_migrated_with_options(Fx *fx)
{
    XvmMigration m = fake_virt_last_migration(fx->fake);
    const XvmMigParam *p;

    g_assert_cmphex(m.extra_flags, ==, VIR_MIGRATE_AUTO_CONVERGE | VIR_MIGRATE_TLS
                                       | VIR_MIGRATE_COMPRESSED);
    g_assert_cmpuint(m.bandwidth_mibs, ==, 50);
    g_assert_cmpstr(m.data_uri, ==, "tcp://node2-mig:49152");
    g_assert_nonnull(m.params);
    g_assert_cmpuint(m.params->len, ==, 1);
    p = g_ptr_array_index(m.params, 0);
    g_assert_cmpstr(p->name, ==, VIR_MIGRATE_PARAM_COMPRESSION);
    g_assert_cmpstr(p->text, ==, "xbzrle");
}

/* Reported at once: waiting does not heal it. */
static void
check_reported_at_once(Fx *fx)
{
    g_assert_cmpint(fx->finished_us - fx->started_us, <, 1000 * MS);
    check_no_libvirt_change(fx);
}

static void
check_reported_after_grace(Fx *fx)
{
    g_assert_cmpint(fx->finished_us - fx->started_us, >=, 10000 * MS);
    g_assert_cmpint(fx->finished_us, <, fx->ctx->deadline.end_us);
    check_no_libvirt_change(fx);
}

/* ---- pre-flight on the target (issue 11) ------------------------------------------------ */

static void check_no_migrate(Fx *fx);

static void
set_target_runs_it(Fx *fx)
{
    XvmTargetFacts facts = { .runs_there = TRUE };

    set_running(fx);
    fake_virt_set_target(fx->fake, &facts);
}

static void
set_target_name_taken(Fx *fx)
{
    XvmTargetFacts facts = { .name_taken_by = (char *) OTHER_UUID };

    set_running(fx);
    fake_virt_set_target(fx->fake, &facts);
}

static void
set_target_short_of_memory(Fx *fx)
{
    XvmTargetFacts facts = { .need_bytes = (guint64) 2048 << 20,
                             .free_bytes = (guint64) 1500 << 20 };

    set_running(fx);
    fake_virt_set_target(fx->fake, &facts);
}

static void
set_target_enough_memory(Fx *fx)
{
    XvmTargetFacts facts = { .need_bytes = (guint64) 2048 << 20,
                             .free_bytes = (guint64) 2049 << 20,
                             .cpu = XVM_CPU_COMPATIBLE };

    set_running(fx);
    fake_virt_set_target(fx->fake, &facts);
}

static void
set_target_cpu_incompatible(Fx *fx)
{
    XvmTargetFacts facts = { .cpu = XVM_CPU_INCOMPATIBLE,
                             .cpu_detail = (char *) "the CPU is incompatible with host CPU:"
                                                    " Host CPU does not provide: avx512f" };

    set_running(fx);
    fake_virt_set_target(fx->fake, &facts);
}

static void
set_target_disk_missing(Fx *fx)
{
    g_autoptr(GPtrArray) missing = g_ptr_array_new();
    XvmTargetFacts facts = { .missing_disks = missing };

    g_ptr_array_add(missing, (gpointer) "/var/lib/libvirt/images/vm1.qcow2");
    set_running(fx);
    fake_virt_set_target(fx->fake, &facts);
}

SETUP_THEN(set_target_unreachable, set_running,
           fake_virt_fail(fx->fake, FAKE_OP_INSPECT_TARGET, XVM_ERROR_CONNECT, -1))

/* Refused before any page moved, at once, and the guest stays. */
static void
check_refused_before_copy(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_INSPECT_TARGET), ==, 1);
    g_assert_cmpstr(fake_virt_last_arg(fx->fake, FAKE_OP_INSPECT_TARGET), ==,
                    "qemu+tcp://node2/system");
    check_no_migrate(fx);
    g_assert_cmpint(fx->real_us, <, G_USEC_PER_SEC);
    check_no_libvirt_change(fx);
}

static void
check_preflight_passed(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_INSPECT_TARGET), ==, 1);
    check_migrated(fx);
}

/* ---- the progress watch: escalation (issue 11) ---------------------------------------- */

/* A busy guest: pre-copy stuck at 100 MiB left, copying 16 MiB/s while the
 * guest dirties 60 MiB/s. */
static const FakeProgress busy_guest[] = {
    { 0, 100, 60, 16, 1, 0 }, { 10000, 100, 60, 16, 8, 0 }, { 30000, 100, 60, 16, 20, 0 },
    FAKE_PROGRESS_END,
};

static void
set_busy_never_converges(Fx *fx)
{
    set_running(fx);
    fake_virt_set_migrate(fx->fake, FAKE_MIGRATE_HANGS);
    fake_virt_set_progress(fx->fake, busy_guest);
}

SETUP_THEN(set_busy_converges_at_1200, set_busy_never_converges,
           fake_virt_converge_at_downtime(fx->fake, 1200))

SETUP_THEN(set_busy_postcopy_done, set_busy_never_converges,
           fake_virt_set_postcopy(fx->fake, 8000, FALSE))

SETUP_THEN(set_busy_postcopy_fails, set_busy_never_converges,
           fake_virt_set_postcopy(fx->fake, 3000, TRUE))

/* Progress until 15 s (400 -> 300 MiB left), then stuck. */
static void
set_progress_then_stuck(Fx *fx)
{
    static const FakeProgress slows[] = {
        { 0, 400, 60, 16, 1, 0 }, { 15000, 300, 60, 16, 9, 20 }, { 16000, 290, 60, 16, 10, 30 },
        FAKE_PROGRESS_END,
    };

    set_running(fx);
    fake_virt_set_migrate(fx->fake, FAKE_MIGRATE_HANGS);
    fake_virt_set_progress(fx->fake, slows);
    fake_virt_converge_at_downtime(fx->fake, 600);
}

static gint64
call_after_start_ms(Fx *fx, FakeOp op, guint nth)
{
    gint64 at = fake_virt_call_us(fx->fake, op, nth);

    g_assert_cmpint(at, >=, 0);
    return (at - fx->started_us) / 1000;
}

/* The n-th call of op came between from_ms (included) and to_ms after the
 * action's start. */
static void
assert_call_within(Fx *fx, FakeOp op, guint n, gint64 from_ms, gint64 to_ms)
{
    g_assert_cmpint(call_after_start_ms(fx, op, n), >=, from_ms);
    g_assert_cmpint(call_after_start_ms(fx, op, n), <, to_ms);
}

static void
check_downtimes(Fx *fx, const char *const *want)
{
    guint n = 0;

    for (; want[n]; n++)
        g_assert_cmpstr(fake_virt_arg(fx->fake, FAKE_OP_SET_MAX_DOWNTIME, n), ==, want[n]);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_SET_MAX_DOWNTIME), ==, n);
}

/* Stuck for migration_progress_timeout (20 s): 600 ms allowed; 5 s later,
 * still stuck, 1200 ms, where it converges.  300 ms was set at the start. */
static void
check_ladder_converged(Fx *fx)
{
    static const char *const want[] = { "600", "1200", NULL };
    XvmMigration m = fake_virt_last_migration(fx->fake);

    g_assert_cmpuint(m.max_downtime_ms, ==, 300);
    check_downtimes(fx, want);
    assert_call_within(fx, FAKE_OP_SET_MAX_DOWNTIME, 0, 20000, 21500);
    assert_call_within(fx, FAKE_OP_SET_MAX_DOWNTIME, 1, 25000, 26500);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_ABORT_JOB), ==, 0);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_START_POSTCOPY), ==, 0);
    g_assert_nonnull(strstr(fx->ctx->summary, "downtime limit 1200 ms"));
}

/* The ladder ends at migration_downtime; no post-copy allowed: one more
 * progress_timeout, then abort, long before the abort point, with the
 * figures. */
static void
check_ladder_then_abort(Fx *fx)
{
    static const char *const want[] = { "600", "1000", NULL };

    check_downtimes(fx, want);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_ABORT_JOB), ==, 1);
    assert_call_within(fx, FAKE_OP_ABORT_JOB, 0, 45000, 47000);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_START_POSTCOPY), ==, 0);
    g_assert_nonnull(strstr(fx->error->message, "100 MiB left"));
    g_assert_nonnull(strstr(fx->error->message, "dirtied 60 MiB/s"));
    g_assert_nonnull(strstr(fx->error->message, "pass 20"));
}

/* The whole ladder (600, 1200, 2000 ms, 5 s apart), then post-copy, which
 * completes. */
static void
check_postcopy_done(Fx *fx)
{
    static const char *const want[] = { "600", "1200", "2000", NULL };
    XvmMigration m = fake_virt_last_migration(fx->fake);

    g_assert_cmphex(m.extra_flags & VIR_MIGRATE_POSTCOPY, ==, VIR_MIGRATE_POSTCOPY);
    check_downtimes(fx, want);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_START_POSTCOPY), ==, 1);
    assert_call_within(fx, FAKE_OP_START_POSTCOPY, 0, 35000, 36500);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_ABORT_JOB), ==, 0);
    g_assert_nonnull(strstr(fx->ctx->summary, "post-copy after 3"));
}

static void
check_postcopy_failed(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_START_POSTCOPY), ==, 1);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_ABORT_JOB), ==, 0);
    g_assert_nonnull(strstr(fx->error->message, "paused after a failed post-copy"));
}

/* Progress resets the clock: the first raise comes 20 s after the last
 * improvement, not 20 s after the start. */
static void
check_stall_counted_from_progress(Fx *fx)
{
    static const char *const want[] = { "600", NULL };

    check_downtimes(fx, want);
    assert_call_within(fx, FAKE_OP_SET_MAX_DOWNTIME, 0, 35000, 36500);
    g_assert_nonnull(strstr(fx->ctx->summary, "throttle peak 30%"));
}

/* Short of time: post-copy comes while it can still finish, before the
 * ladder is done, never so late that Pacemaker's timeout hits it. */
static void
check_postcopy_in_time(Fx *fx)
{
    gint64 at = fake_virt_call_us(fx->fake, FAKE_OP_START_POSTCOPY, 0);

    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_START_POSTCOPY), ==, 1);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_ABORT_JOB), ==, 0);
    /* 100 MiB at half of 16 MiB/s, plus 5 s, fits in what was left. */
    g_assert_cmpint(fx->ctx->deadline.end_us - at, >=, 17500 * MS);
}

/* Aborted in time for libvirt to cancel it and resume the guest here, with
 * the abort reserve still ahead. */
static void
check_aborted_before_deadline(Fx *fx)
{
    gint64 abort_at = fake_virt_call_us(fx->fake, FAKE_OP_ABORT_JOB, 0);

    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_ABORT_JOB), ==, 1);
    g_assert_cmpint(abort_at, >=, fx->started_us + 16000 * MS);
    g_assert_cmpint(abort_at, <, fx->ctx->deadline.end_us);
}

static void
check_no_migrate(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_MIGRATE), ==, 0);
}

static void
check_arrived(Fx *fx)
{
    g_autofree char *cache = xvm_cache_path(fx->env, INSTANCE);
    g_autofree char *note = guard_note(fx);

    g_assert_cmpuint(fake_virt_wait_events(fx->fake), >=, 2);
    g_assert_cmpint(fx->finished_us - fx->started_us, >=, 1900 * MS);
    /* migrate_from replaces start: it must leave the same notes behind, and
     * close the door the incoming migration opened. */
    g_assert_true(g_file_test(cache, G_FILE_TEST_EXISTS));
    g_assert_cmpstr(note, ==, INSTANCE "\n");
    g_assert_false(guard_token_exists(fx, "incoming"));
    check_no_libvirt_change(fx);
}

static void
check_waited_whole_deadline(Fx *fx)
{
    g_assert_cmpint(fx->finished_us, ==, fx->ctx->deadline.end_us);
    check_no_libvirt_change(fx);
}

/* ---- validate-all ---------------------------------------------------------------------- */

/* Level 0 must not look at this node (ocf-contract 1.4): not even libvirt. */
static void
check_no_connect(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count_all(fx->fake), ==, 0);
}

static void
check_connected(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_CONNECT), ==, 1);
    /* hypervisor unset: libvirt's default, and then the URI libvirt names. */
    g_assert_null(fake_virt_last_arg(fx->fake, FAKE_OP_CONNECT));
    if (fx->rc == XVM_OCF_SUCCESS)
        g_assert_cmpstr(fx->ctx->params->hypervisor, ==, "qemu:///system");
}

/* ---- more stop and migrate details ------------------------------------------------------- */

static void
set_running_config_in_tmp(Fx *fx)
{
    g_autofree char *src = g_test_build_filename(G_TEST_DIST, "data", "unit", "vm1.xml", NULL);
    g_autofree char *dst = g_build_filename(fx->tmpdir, "vm1.xml", NULL);
    g_autofree char *text = NULL;

    g_assert_true(g_file_get_contents(src, &text, NULL, NULL));
    g_assert_true(g_file_set_contents(dst, text, -1, NULL));
    set_running(fx);
}

/* The config file in the test's directory, as the stop left it. */
static char *
saved_config_text(Fx *fx)
{
    g_autofree char *path = g_build_filename(fx->tmpdir, "vm1.xml", NULL);
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static void
check_config_saved(Fx *fx)
{
    g_autofree char *text = NULL;

    check_graceful(fx);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_DUMP_XML), ==, 1);
    /* Saved while the guest still runs its last configuration. */
    g_assert_cmpint(fake_virt_call_us(fx->fake, FAKE_OP_DUMP_XML, 0), <=,
                    fake_virt_call_us(fx->fake, FAKE_OP_SHUTDOWN, 0));
    text = saved_config_text(fx);
    g_assert_nonnull(strstr(text, "saved by the fake"));
}

/* The config is a symlink to a 0600 file (VNC passwords may be saved into
 * it): it must stay a link, the file it names gets the definition, and it
 * stays 0600 (safety review 7). */
static void
set_running_config_symlink(Fx *fx)
{
    g_autofree char *src = g_test_build_filename(G_TEST_DIST, "data", "unit", "vm1.xml", NULL);
    g_autofree char *defs = g_build_filename(fx->tmpdir, "defs", NULL);
    g_autofree char *target = g_build_filename(defs, "vm1-v3.xml", NULL);
    g_autofree char *link = g_build_filename(fx->tmpdir, "vm1.xml", NULL);
    g_autofree char *text = NULL;

    g_assert_true(g_file_get_contents(src, &text, NULL, NULL));
    g_assert_cmpint(g_mkdir(defs, 0755), ==, 0);
    g_assert_true(g_file_set_contents(target, text, -1, NULL));
    g_assert_cmpint(g_chmod(target, 0600), ==, 0);
    g_assert_cmpint(symlink("defs/vm1-v3.xml", link), ==, 0);
    set_running(fx);
}

static void
check_saved_through_symlink(Fx *fx)
{
    g_autofree char *link = g_build_filename(fx->tmpdir, "vm1.xml", NULL);
    g_autofree char *target = g_build_filename(fx->tmpdir, "defs", "vm1-v3.xml", NULL);
    g_autofree char *text = NULL;
    struct stat st;

    check_graceful(fx);
    g_assert_true(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
    g_assert_true(g_file_get_contents(target, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "saved by the fake"));
    g_assert_cmpint(g_stat(target, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);
}

/* A config in the middle of an edit (not well-formed): the running domain
 * is found through the note, and the user's half-done edit is kept. */
static void
set_running_config_half_edited(Fx *fx)
{
    g_autofree char *path = g_build_filename(fx->tmpdir, "vm1.xml", NULL);

    g_assert_true(g_file_set_contents(path, "<domain type='kvm'><name>vm1</name>", -1, NULL));
    set_running_with_cache(fx);
}

static void
check_half_edit_kept(Fx *fx)
{
    g_autofree char *text = NULL;

    check_graceful(fx);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_DUMP_XML), ==, 0);
    text = saved_config_text(fx);
    g_assert_cmpstr(text, ==, "<domain type='kvm'><name>vm1</name>");
}

/* Until the child runs the program (not a copy of this process, which under
 * valgrind handles signals its own way). */
static void
wait_for_exec(pid_t pid, const char *program)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", (int) pid);

    for (int i = 0; i < 200; i++) {
        g_autofree char *cmdline = NULL;

        if (g_file_get_contents(path, &cmdline, NULL, NULL)
            && strcmp(cmdline, program) == 0)
            return;
        g_usleep(10 * 1000);
    }
    g_test_message("child %d did not exec %s in time", (int) pid, program);
}

/* libvirtd is down and QEMU runs: a real child process (fake-qemu, with a
 * QEMU command line) plays QEMU.  The fake table's entry for it is a link to
 * the real /proc entry, so that it vanishes when the process dies, as in a
 * real table.  SIGCHLD is ignored so that the kernel reaps it at once (the
 * real QEMU is not the agent's child, so no zombie lingers there either). */
static void
set_connect_fails_real_qemu(Fx *fx)
{
    g_autofree char *pid = NULL;
    g_autofree char *entry = NULL;
    g_autofree char *real = NULL;

    set_connect_fails(fx);
    signal(SIGCHLD, SIG_IGN);
    fx->qemu = fork();
    g_assert_cmpint(fx->qemu, >=, 0);
    if (fx->qemu == 0) {
        char *const argv[] = {
            (char *) QEMU_BIN, (char *) "-name", (char *) "guest=vm1,debug-threads=on",
            (char *) "-uuid", (char *) UUID, NULL,
        };
        int null = open("/dev/null", O_WRONLY);

        /* exec at once: nothing of this (threaded) test process runs on.
         * It dies with the test, and never holds meson's pipes open. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execv(XVM_FAKE_QEMU, argv);
        _exit(127);
    }
    pid = g_strdup_printf("%d", (int) fx->qemu);
    entry = g_build_filename(fx->proc_root, pid, NULL);
    real = g_build_filename("/proc", pid, NULL);
    g_assert_cmpint(symlink(real, entry), ==, 0);
    wait_for_exec(fx->qemu, QEMU_BIN);
}

static void
check_qemu_killed(Fx *fx)
{
    check_proc_fallback(fx);
    g_assert_cmpint(kill(fx->qemu, 0), ==, -1);
    g_assert_cmpint(errno, ==, ESRCH);
    g_assert_cmpint(fx->real_us, <, G_USEC_PER_SEC);
}

/* ---- identity: the note, the marker, and a config edited under a running domain ---- */

/* The config as edited while vm1 (UUID) runs: another name or UUID. */
static void
write_config(Fx *fx, const char *name, const char *uuid)
{
    g_autofree char *path = g_build_filename(fx->tmpdir, "edited.xml", NULL);
    g_autofree char *xml = g_strdup_printf("<domain type='kvm'><name>%s</name>%s%s%s"
                                           "<memory unit='MiB'>512</memory></domain>\n",
                                           name, uuid ? "<uuid>" : "", uuid ? uuid : "",
                                           uuid ? "</uuid>" : "");

    g_assert_true(g_file_set_contents(path, xml, -1, NULL));
    xvm_env_set(fx->env, "OCF_RESKEY_config", path);
}

/* What a start by this resource leaves: vm1 runs with our marker, and this
 * node's note names it. */
static void
set_started_by_us(Fx *fx)
{
    set_running(fx);
    fake_virt_set_marker(fx->fake, INSTANCE);
    write_cache(fx, "vm1");
}

static void
set_config_uuid_changed(Fx *fx)
{
    set_started_by_us(fx);
    write_config(fx, "vm1", OTHER_UUID);
}

static void
set_config_renamed(Fx *fx)
{
    set_started_by_us(fx);
    write_config(fx, "vm1-new", UUID);
}

/* No note (adopted, or /run cleared): only the marker knows. */
static void
set_config_renamed_marked_no_note(Fx *fx)
{
    set_running(fx);
    fake_virt_set_marker(fx->fake, INSTANCE);
    write_config(fx, "vm1-new", OTHER_UUID);
}

/* validate-all told the user to add a <uuid>; libvirt had chosen another. */
static void
set_config_uuid_added_marked(Fx *fx)
{
    set_running(fx);
    fake_virt_set_marker(fx->fake, INSTANCE);
    write_config(fx, "vm1", OTHER_UUID);
}

/* Started by hand from this resource's own config (now unreadable), no
 * note: ours too. */
SETUP_THEN(set_by_hand_marker_no_note, set_running,
           fake_virt_set_marker(fx->fake, "by-hand:" NO_CONFIG_PATH))

/* ... and one started by hand from another config is not. */
SETUP_THEN(set_other_by_hand_marker, set_running,
           fake_virt_set_marker(fx->fake, "by-hand:/etc/xvm/vm2.xml"))

/* Config without <uuid>; the note has the UUID of an earlier run, and vm1
 * now runs with another one (started again by hand, say). */
static void
set_restarted_with_new_uuid(Fx *fx)
{
    set_running(fx);
    fake_virt_set_uuid(fx->fake, OTHER_UUID);
    write_cache(fx, "vm1");
    write_config(fx, "vm1", NULL);
}

static void
set_running_unmarked(Fx *fx)
{
    set_running(fx);
}

SETUP_THEN(set_running_other_resource, set_running,
           fake_virt_set_marker(fx->fake, "other-rsc"))

SETUP_THEN(set_list_fails, set_running,
           fake_virt_fail(fx->fake, FAKE_OP_LIST_ACTIVE, XVM_ERROR_LIBVIRT, -1))

SETUP_THEN(set_list_drops, set_running,
           fake_virt_fail(fx->fake, FAKE_OP_LIST_ACTIVE, XVM_ERROR_CONNECT, -1))

/* libvirtd restarted after the connect: the first call fails on the
 * connection, the second connection works. */
SETUP_THEN(set_status_drops_once, set_running,
           fake_virt_fail(fx->fake, FAKE_OP_STATUS, XVM_ERROR_CONNECT, 1))

/* The owned domain is stopped by its UUID, whatever config says now. */
static void
check_owned_stopped(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_SHUTDOWN), ==, 1);
    g_assert_cmpstr(fake_virt_last_arg(fx->fake, FAKE_OP_SHUTDOWN), ==, "vm1");
    g_assert_cmpstr(fx->ctx->uuid, ==, UUID);
}

static void
check_reconnected(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_CONNECT), ==, 2);
    check_no_libvirt_change(fx);
}

/* A probe that finds the domain notes it: stop and monitor then find it
 * even when the config becomes unreadable. */
static void
check_probe_noted(Fx *fx)
{
    g_autofree char *path = xvm_cache_path(fx->env, INSTANCE);
    g_autofree char *name = NULL;
    g_autofree char *uuid = NULL;

    g_assert_true(xvm_cache_load(path, &name, &uuid));
    g_assert_cmpstr(name, ==, "vm1");
    g_assert_cmpstr(uuid, ==, UUID);
}

/* ---- start_resources, backingfile, stateless (VirtualDomain's) ---------------- */

/* A config in the test's directory whose disk is the overlay of a raw
 * base image there (/tmp/.../vm1.xml -> /tmp/.../vm1.qcow2), and which uses
 * a pool and a network. */
static void
set_overlay_config(Fx *fx)
{
    g_autofree char *config = g_build_filename(fx->tmpdir, "vm1.xml", NULL);
    g_autofree char *base = g_build_filename(fx->tmpdir, "base.img", NULL);
    g_autofree char *overlay = g_build_filename(fx->tmpdir, "vm1.qcow2", NULL);
    g_autofree char *xml = g_strdup_printf(
        "<domain type='kvm'><name>vm1</name><uuid>%s</uuid><memory unit='MiB'>64</memory>"
        "<devices><disk type='file' device='disk'><source file='%s'/></disk>"
        "<disk type='volume' device='disk'><source pool='pool1' volume='data'/></disk>"
        "<interface type='network'><source network='net1'/></interface>"
        "<interface type='network'><source network='net1'/></interface>"
        "</devices></domain>\n", UUID, overlay);

    g_assert_true(g_file_set_contents(config, xml, -1, NULL));
    g_assert_true(g_file_set_contents(base, "", 0, NULL));
    g_assert_cmpint(truncate(base, 1024 * 1024), ==, 0);     /* a 1 MiB raw image */
    xvm_env_set(fx->env, "OCF_RESKEY_config", config);
    xvm_env_set(fx->env, "OCF_RESKEY_backingfile", base);
}

static char *
fx_file(Fx *fx, const char *name)
{
    return g_build_filename(fx->tmpdir, name, NULL);
}

static char *
image_backing(const char *path)
{
    const char *argv[] = { "qemu-img", "info", "--output=json", "-U", path, NULL };
    char *out = NULL;

    g_assert_true(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, NULL, NULL, NULL));
    return out;
}

static void
set_overlay_stale(Fx *fx)
{
    g_autofree char *overlay = NULL;

    set_overlay_config(fx);
    overlay = fx_file(fx, "vm1.qcow2");
    /* An overlay a previous start left (an empty file stands for "none"). */
    g_assert_true(g_file_set_contents(overlay, "", 0, NULL));
}

static void
set_foreign_file_at_overlay(Fx *fx)
{
    g_autofree char *overlay = NULL;

    set_overlay_config(fx);
    xvm_env_set(fx->env, "OCF_RESKEY_stateless", "true");
    overlay = fx_file(fx, "vm1.qcow2");
    g_assert_true(g_file_set_contents(overlay, "the user's own disk", -1, NULL));
}

/* The agent finds its tools in the process's PATH; fx_teardown restores it. */
static char *saved_path;

static void
set_no_qemu_img(Fx *fx)
{
    set_overlay_config(fx);
    g_setenv("PATH", "/nonexistent", TRUE);
}

static void
set_no_virt_copy_in(Fx *fx)
{
    set_overlay_config(fx);
    xvm_env_set(fx->env, "OCF_RESKEY_copyindirs", "/etc/hostname");
    /* qemu-img stays reachable; virt-copy-in is not installed here. */
    g_setenv("PATH", "/usr/bin:/bin", TRUE);
}

static void
check_overlay_created(Fx *fx)
{
    g_autofree char *overlay = fx_file(fx, "vm1.qcow2");
    g_autofree char *base = fx_file(fx, "base.img");
    g_autofree char *info = image_backing(overlay);
    g_autofree char *fresh = fx_file(fx, "vm1.qcow2.xvm-new");

    g_assert_nonnull(strstr(info, "\"format\": \"qcow2\""));
    g_assert_nonnull(strstr(info, base));
    g_assert_false(g_file_test(fresh, G_FILE_TEST_EXISTS));
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_CREATE), ==, 1);
}

/* An overlay made as a previous start would have made it. */
static ino_t previous_overlay;

static void
set_previous_overlay(Fx *fx)
{
    g_autofree char *overlay = NULL;
    g_autofree char *base = NULL;

    set_overlay_config(fx);
    overlay = fx_file(fx, "vm1.qcow2");
    base = fx_file(fx, "base.img");
    {
        const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                               base, overlay, NULL };
        gint status = -1;

        g_assert_true(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                                   NULL, NULL, NULL, &status, NULL));
        g_assert_cmpint(status, ==, 0);
    }
    previous_overlay = xvm_test_inode_of(overlay);
}

static void
set_previous_overlay_stateless(Fx *fx)
{
    set_previous_overlay(fx);
    xvm_env_set(fx->env, "OCF_RESKEY_stateless", "true");
}

static void
check_overlay_kept(Fx *fx)
{
    g_autofree char *overlay = fx_file(fx, "vm1.qcow2");

    g_assert_cmpuint(xvm_test_inode_of(overlay), ==, previous_overlay);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_CREATE), ==, 1);
}

static void
check_overlay_replaced(Fx *fx)
{
    g_autofree char *overlay = fx_file(fx, "vm1.qcow2");

    check_overlay_created(fx);
    g_assert_cmpuint(xvm_test_inode_of(overlay), !=, previous_overlay);
}

static void
set_resources_config(Fx *fx)
{
    g_autofree char *overlay = NULL;

    set_overlay_config(fx);
    g_hash_table_remove(fx->env->vars, "OCF_RESKEY_backingfile");
    overlay = fx_file(fx, "vm1.qcow2");
    g_assert_true(g_file_set_contents(overlay, "a disk", -1, NULL));
    xvm_env_set(fx->env, "OCF_RESKEY_start_resources", "true");
}

static void
set_running_resources_config(Fx *fx)
{
    set_resources_config(fx);
    set_running(fx);
}

/* As VirtualDomain: on the target's libvirt, before the copy. */
static void
check_target_resources_started(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_START_RESOURCES), ==, 1);
    g_assert_cmpstr(fake_virt_last_arg(fx->fake, FAKE_OP_START_RESOURCES), ==,
                    "qemu+tcp://node2/system|pool1|net1");
    g_assert_cmpint(fake_virt_call_us(fx->fake, FAKE_OP_START_RESOURCES, 0), <=,
                    fake_virt_call_us(fx->fake, FAKE_OP_MIGRATE, 0));
}

SETUP_THEN(set_resources_missing, set_resources_config,
           fake_virt_fail(fx->fake, FAKE_OP_START_RESOURCES, XVM_ERROR_NOT_INSTALLED, 1))

static void
check_foreign_file_kept(Fx *fx)
{
    g_autofree char *overlay = fx_file(fx, "vm1.qcow2");
    g_autofree char *text = NULL;

    g_assert_true(g_file_get_contents(overlay, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "the user's own disk");
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_CREATE), ==, 0);
}

static void
check_no_overlay_no_create(Fx *fx)
{
    g_autofree char *overlay = fx_file(fx, "vm1.qcow2");
    g_autofree char *fresh = fx_file(fx, "vm1.qcow2.xvm-new");

    g_assert_false(g_file_test(overlay, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(fresh, G_FILE_TEST_EXISTS));
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_CREATE), ==, 0);
}

/* Each pool and network once, started before the domain is created. */
static void
check_resources_started(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_START_RESOURCES), ==, 1);
    g_assert_cmpstr(fake_virt_last_arg(fx->fake, FAKE_OP_START_RESOURCES), ==, "|pool1|net1");
    g_assert_cmpint(fake_virt_call_us(fx->fake, FAKE_OP_START_RESOURCES, 0), <=,
                    fake_virt_call_us(fx->fake, FAKE_OP_CREATE, 0));
}

static void
restore_path(void)
{
    if (saved_path)
        g_setenv("PATH", saved_path, TRUE);
}

/* Adoption (a switch from VirtualDomain): the probe marks the domain it
 * found unmarked, and notes it. */
static void
check_probe_adopted(Fx *fx)
{
    check_probe_noted(fx);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_SET_MARKER), ==, 1);
    g_assert_cmpstr(fake_virt_last_arg(fx->fake, FAKE_OP_SET_MARKER), ==, INSTANCE);
}

static void
check_not_marked(Fx *fx)
{
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_SET_MARKER), ==, 0);
}

/* Pacemaker keeps 127 bytes of the reason: the advice must be in them. */
static void
check_drift_reason(Fx *fx)
{
    g_autofree char *reason = xvm_result_reason(fx->error->message);

    check_no_libvirt_change(fx);
    g_assert_nonnull(strstr(reason, "stop and start the resource"));
}

/* ---- the table --------------------------------------------------------------------------- */

#define MIGRATE_ENV "OCF_RESKEY_CRM_meta_migrate_target=node2", \
    "OCF_RESKEY_CRM_meta_migrate_source=node1", "OCF_RESKEY_migration_transport=tcp"
#define NO_CONFIG "OCF_RESKEY_config=" NO_CONFIG_PATH

/* A row says only what differs: the path below /xvm/actions/, the action,
 * the environment (ENV(...) or NO_ENV), the setup, the rc, and, for a
 * failure, the error code and what its message mentions, then the check.
 * A passing action must leave no error: PASSES says so once. */
#define ENV(...) { __VA_ARGS__ }
#define NO_ENV { NULL }
#define PASSES(path, action, env, setup, rc, check) \
    { "/xvm/actions/" path, action, env, setup, rc, NO_ERROR, NULL, check, NULL }
#define FAILS(path, action, env, setup, rc, code, mention, check) \
    { "/xvm/actions/" path, action, env, setup, rc, code, mention, check, NULL }

/* A migration from node1 to node2 over tcp, with any more environment
 * last (none leaves a trailing comma in the list, which C allows).  Its
 * failures are all 1, never 6 nor a hard error (2.3), so a row needs no rc. */
#define MIGRATION_PASSES(path, action, setup, check, ...) \
    PASSES(path, action, ENV(MIGRATE_ENV, __VA_ARGS__), setup, XVM_OCF_SUCCESS, check)
#define MIGRATION_FAILS(path, action, setup, code, mention, check, ...) \
    FAILS(path, action, ENV(MIGRATE_ENV, __VA_ARGS__), setup, XVM_OCF_ERR_GENERIC, code, \
          mention, check)

/* Parameters a migration cannot go with: refused before libvirt is asked,
 * with vm1 running here all the while.  (Spelt out, not through FAILS:
 * env, once expanded, is a braced list whose commas FAILS would split.) */
#define MIGRATION_REFUSED(path, action, env, code, mention) \
    { "/xvm/actions/" path, action, env, set_running, XVM_OCF_ERR_GENERIC, code, mention, \
      check_nothing_asked, NULL }

static const ActionCase cases[] = {
    /* start */
    PASSES("start/absent", XVM_ACTION_START, NO_ENV, NULL, XVM_OCF_SUCCESS,
      check_created_with_marker),
    PASSES("start/already-running", XVM_ACTION_START, NO_ENV, set_running, XVM_OCF_SUCCESS,
      check_no_create),
    /* libvirt says the XML can never work: 6, as validate would (1.3). */
    FAILS("start/create-config-invalid", XVM_ACTION_START, NO_ENV, set_create_fails_invalid,
      XVM_OCF_ERR_CONFIGURED, XVM_ERROR_CONFIG_INVALID, "cannot start vm1", NULL),
    FAILS("start/dies-after-create", XVM_ACTION_START, NO_ENV, set_dies_after_create,
      XVM_OCF_ERR_GENERIC, XVM_ERROR_DOMAIN_FAILED, "right after start", check_failed_fast),
    FAILS("start/crashes-after-create", XVM_ACTION_START, ENV("OCF_RESKEY_persistent=true"),
      set_crashes_after_create, XVM_OCF_ERR_GENERIC, XVM_ERROR_DOMAIN_FAILED, "right after start",
      check_failed_fast),
    PASSES("start/boots-slowly", XVM_ACTION_START, NO_ENV, set_boots_slowly, XVM_OCF_SUCCESS,
      check_waited_for_boot),
    /* Already here but broken: the cluster must stop it first, not trust it. */
    FAILS("start/already-failed", XVM_ACTION_START, NO_ENV, set_paused_ioerror, XVM_OCF_ERR_GENERIC,
      XVM_ERROR_DOMAIN_FAILED, "stop it first", check_no_create),
    /* A value VirtualDomain would have tolerated must not turn a failover's
     * start into rc 6: it is read as documented, with a warning. */
    PASSES("start/params-uninterpretable", XVM_ACTION_START,
      ENV("OCF_RESKEY_migration_type=foo", "OCF_RESKEY_force_stop=maybe"), NULL, XVM_OCF_SUCCESS,
      check_created_with_marker),
    /* VirtualDomain's start_resources, backingfile and stateless. */
    PASSES("start/overlay-created", XVM_ACTION_START, NO_ENV, set_overlay_config, XVM_OCF_SUCCESS,
      check_overlay_created),
    PASSES("start/overlay-empty-recreated", XVM_ACTION_START, NO_ENV, set_overlay_stale,
      XVM_OCF_SUCCESS, check_overlay_created),
    PASSES("start/overlay-kept", XVM_ACTION_START, NO_ENV, set_previous_overlay, XVM_OCF_SUCCESS,
      check_overlay_kept),
    PASSES("start/overlay-stateless-recreated", XVM_ACTION_START, NO_ENV,
      set_previous_overlay_stateless, XVM_OCF_SUCCESS, check_overlay_replaced),
    FAILS("start/overlay-foreign-file-kept", XVM_ACTION_START, NO_ENV, set_foreign_file_at_overlay,
      XVM_OCF_ERR_INSTALLED, XVM_ERROR_NOT_INSTALLED, "is not a qcow2 overlay of backingfile",
      check_foreign_file_kept),
    FAILS("start/overlay-no-qemu-img", XVM_ACTION_START, NO_ENV, set_no_qemu_img,
      XVM_OCF_ERR_INSTALLED, XVM_ERROR_NOT_INSTALLED, "qemu-utils", check_no_overlay_no_create),
    FAILS("start/copyindirs-no-virt-copy-in", XVM_ACTION_START, NO_ENV, set_no_virt_copy_in,
      XVM_OCF_ERR_INSTALLED, XVM_ERROR_NOT_INSTALLED, "libguestfs-tools",
      check_no_overlay_no_create),
    PASSES("start/resources-started", XVM_ACTION_START, NO_ENV, set_resources_config,
      XVM_OCF_SUCCESS, check_resources_started),
    MIGRATION_PASSES("migrate_to/target-resources-started", XVM_ACTION_MIGRATE_TO,
      set_running_resources_config, check_target_resources_started),
    FAILS("start/resources-missing", XVM_ACTION_START, NO_ENV, set_resources_missing,
      XVM_OCF_ERR_INSTALLED, XVM_ERROR_NOT_INSTALLED, "start_resources", check_no_create),
    /* A wrong URI would look at another hypervisor and find nothing. */
    FAILS("start/hypervisor-not-uri", XVM_ACTION_START, ENV("OCF_RESKEY_hypervisor=qemu-system"),
      NULL, XVM_OCF_ERR_CONFIGURED, XVM_ERROR_PARAM_INVALID, "hypervisor", check_nothing_asked),
    /* Not there on this node: 5 bans this node only (5.1). */
    FAILS("start/config-unreadable", XVM_ACTION_START, ENV(NO_CONFIG), NULL, XVM_OCF_ERR_INSTALLED,
      XVM_ERROR_CONFIG_UNREADABLE, "/nonexistent/xvm-unit/vm1.xml", check_nothing_asked),
    FAILS("start/emulator-missing", XVM_ACTION_START,
      ENV("OCF_RESKEY_config=@data:vm1-no-emulator-here.xml"), NULL, XVM_OCF_ERR_INSTALLED,
      XVM_ERROR_NOT_INSTALLED, "emulator", check_nothing_asked),
    /* A different domain holds the name here: never take it for ours. */
    FAILS("start/other-domain-same-name", XVM_ACTION_START, NO_ENV, set_other_domain_same_name,
      XVM_OCF_ERR_GENERIC, XVM_ERROR_NAME_TAKEN, "another domain named vm1", check_no_create),
    FAILS("start/connect-fails", XVM_ACTION_START, NO_ENV, set_connect_fails, XVM_OCF_ERR_GENERIC,
      XVM_ERROR_CONNECT, "fake connect failed", check_no_create),

    /* stop */
    PASSES("stop/absent", XVM_ACTION_STOP, NO_ENV, NULL, XVM_OCF_SUCCESS, check_stopped_untouched),
    PASSES("stop/shut-off", XVM_ACTION_STOP, NO_ENV, set_shutoff, XVM_OCF_SUCCESS,
      check_stopped_untouched),
    PASSES("stop/graceful", XVM_ACTION_STOP, NO_ENV, set_running, XVM_OCF_SUCCESS, check_graceful),
    PASSES("stop/ignores-shutdown", XVM_ACTION_STOP, NO_ENV, set_ignores_shutdown, XVM_OCF_SUCCESS,
      check_destroyed_after_graceful),
    PASSES("stop/destroy-fails-twice", XVM_ACTION_STOP, NO_ENV, set_destroy_fails_twice,
      XVM_OCF_SUCCESS, check_destroy_retried),
    /* libvirt answers, and says the domain still runs: the stop failed, and
     * must say so before the deadline (5.2), whatever the process table
     * shows (here: nothing, as for a domain in another PID namespace). */
    FAILS("stop/destroy-never-works", XVM_ACTION_STOP, NO_ENV, set_destroy_never_works,
      XVM_OCF_ERR_GENERIC, ANY_ERROR, "vm1", check_gave_up_after_graceful),
    PASSES("stop/force-stop", XVM_ACTION_STOP, ENV("OCF_RESKEY_force_stop=true"), set_running,
      XVM_OCF_SUCCESS, check_destroy_only),
    /* A paused guest cannot react to the power button. */
    PASSES("stop/paused", XVM_ACTION_STOP, NO_ENV, set_paused_ioerror, XVM_OCF_SUCCESS,
      check_destroy_only),
    PASSES("stop/shutdown-refused", XVM_ACTION_STOP, NO_ENV, set_shutdown_refused, XVM_OCF_SUCCESS,
      check_destroy_after_refusal),
    PASSES("stop/shutdown-mode-refused", XVM_ACTION_STOP, ENV("OCF_RESKEY_shutdown_mode=agent"),
      set_shutdown_refused, XVM_OCF_SUCCESS, check_mode_fell_back),
    PASSES("stop/shutdown-mode-and-default-refused", XVM_ACTION_STOP,
      ENV("OCF_RESKEY_shutdown_mode=agent"), set_shutdown_refused_twice, XVM_OCF_SUCCESS,
      check_destroy_after_two_refusals),
    PASSES("stop/shutdown-timeout", XVM_ACTION_STOP, ENV("OCF_RESKEY_shutdown_timeout=10"),
      set_ignores_shutdown, XVM_OCF_SUCCESS, check_destroy_at_shutdown_timeout),
    PASSES("stop/save-config", XVM_ACTION_STOP,
      ENV("OCF_RESKEY_config=@tmp:vm1.xml", "OCF_RESKEY_save_config_on_stop=true"),
      set_running_config_in_tmp, XVM_OCF_SUCCESS, check_config_saved),
    PASSES("stop/save-config-symlink-0600", XVM_ACTION_STOP,
      ENV("OCF_RESKEY_config=@tmp:vm1.xml", "OCF_RESKEY_save_config_on_stop=true"),
      set_running_config_symlink, XVM_OCF_SUCCESS, check_saved_through_symlink),
    PASSES("stop/save-config-half-edited", XVM_ACTION_STOP,
      ENV("OCF_RESKEY_config=@tmp:vm1.xml", "OCF_RESKEY_save_config_on_stop=true"),
      set_running_config_half_edited, XVM_OCF_SUCCESS, check_half_edit_kept),
    /* Stop must work without valid parameters (5.2): the config names the
     * domain, the rest has defaults. */
    PASSES("stop/params-invalid", XVM_ACTION_STOP, ENV("OCF_RESKEY_migration_type=foo"),
      set_running, XVM_OCF_SUCCESS, check_graceful),
    /* libvirtd down: the process table is the witness. */
    PASSES("stop/connect-fails-no-qemu", XVM_ACTION_STOP, NO_ENV, set_connect_fails_other_qemu,
      XVM_OCF_SUCCESS, check_proc_fallback),
    PASSES("stop/connect-fails-kills-qemu", XVM_ACTION_STOP, NO_ENV, set_connect_fails_real_qemu,
      XVM_OCF_SUCCESS, check_qemu_killed),
    /* ... and with no witness at all, stop cannot claim success. */
    FAILS("stop/connect-fails-proc-unreadable", XVM_ACTION_STOP, NO_ENV,
      set_connect_fails_proc_unreadable, XVM_OCF_ERR_GENERIC, XVM_ERROR_UNKNOWN_STATE,
      "process table cannot tell", check_proc_fallback),
    /* Another domain holds the name here: ours cannot be running here. */
    PASSES("stop/other-domain-same-name", XVM_ACTION_STOP, NO_ENV, set_other_domain_same_name,
      XVM_OCF_SUCCESS, check_stopped_untouched),
    /* Config unreadable: the node's note, else libvirt's list of running
     * domains, decide; never "stopped" without having looked. */
    PASSES("stop/config-unreadable-nothing-marked", XVM_ACTION_STOP, ENV(NO_CONFIG), NULL,
      XVM_OCF_SUCCESS, check_looked_for_marker),
    PASSES("stop/config-missing-nothing-marked", XVM_ACTION_STOP, ENV("-OCF_RESKEY_config"), NULL,
      XVM_OCF_SUCCESS, check_looked_for_marker),
    PASSES("stop/config-unreadable-cache", XVM_ACTION_STOP, ENV(NO_CONFIG), set_running_with_cache,
      XVM_OCF_SUCCESS, check_stopped_cached_name),
    FAILS("stop/config-unreadable-connect-fails", XVM_ACTION_STOP, ENV(NO_CONFIG),
      set_connect_fails, XVM_OCF_ERR_GENERIC, XVM_ERROR_UNKNOWN_STATE, NULL, NULL),

    /* monitor (recurring unless said otherwise) */
    PASSES("monitor/running", XVM_ACTION_MONITOR, NO_ENV, set_running, XVM_OCF_SUCCESS,
      check_status_of_vm1),
    PASSES("monitor/shut-off", XVM_ACTION_MONITOR, NO_ENV, set_shutoff, XVM_OCF_NOT_RUNNING,
      check_status_of_vm1),
    PASSES("monitor/absent", XVM_ACTION_MONITOR, NO_ENV, NULL, XVM_OCF_NOT_RUNNING,
      check_status_of_vm1),
    PASSES("monitor/probe-absent", XVM_ACTION_MONITOR, ENV("-OCF_RESKEY_CRM_meta_interval"), NULL,
      XVM_OCF_NOT_RUNNING, check_probe_registered),
    FAILS("monitor/crashed", XVM_ACTION_MONITOR, NO_ENV, set_crashed, XVM_OCF_ERR_GENERIC,
      XVM_ERROR_DOMAIN_FAILED, "crashed", check_status_of_vm1),
    FAILS("monitor/paused-ioerror", XVM_ACTION_MONITOR, NO_ENV, set_paused_ioerror,
      XVM_OCF_ERR_GENERIC, XVM_ERROR_DOMAIN_FAILED, "I/O error", check_status_of_vm1),
    /* Ours (by UUID) is not here; the other one carries no marker of ours. */
    PASSES("monitor/other-domain-same-name", XVM_ACTION_MONITOR, NO_ENV, set_other_domain_same_name,
      XVM_OCF_NOT_RUNNING, check_status_of_vm1),
    PASSES("monitor/nostate-settles", XVM_ACTION_MONITOR, NO_ENV, set_nostate_then_running,
      XVM_OCF_SUCCESS, check_settled),
    FAILS("monitor/script-fails", XVM_ACTION_MONITOR, NO_ENV, set_failing_script,
      XVM_OCF_ERR_GENERIC, XVM_ERROR_SCRIPT_FAILED, "exited with status 2", NULL),
    /* A probe asks only whether it runs: no user checks. */
    PASSES("monitor/probe-skips-script", XVM_ACTION_MONITOR, ENV("-OCF_RESKEY_CRM_meta_interval"),
      set_failing_script, XVM_OCF_SUCCESS, NULL),
    PASSES("monitor/connect-fails-qemu-runs", XVM_ACTION_MONITOR, NO_ENV,
      set_running_connect_fails_qemu, XVM_OCF_SUCCESS, check_proc_fallback),
    PASSES("monitor/connect-fails-no-qemu", XVM_ACTION_MONITOR, NO_ENV,
      set_connect_fails_other_qemu, XVM_OCF_NOT_RUNNING, check_proc_fallback),
    FAILS("monitor/connect-fails-proc-unreadable", XVM_ACTION_MONITOR, NO_ENV,
      set_connect_fails_proc_unreadable, XVM_OCF_ERR_GENERIC, XVM_ERROR_UNKNOWN_STATE,
      "cannot tell", check_proc_fallback),
    PASSES("monitor/config-unreadable-cache", XVM_ACTION_MONITOR, ENV(NO_CONFIG),
      set_running_with_cache, XVM_OCF_SUCCESS, check_used_cache),
    PASSES("monitor/config-unreadable-marked", XVM_ACTION_MONITOR, ENV(NO_CONFIG),
      set_running_marked, XVM_OCF_SUCCESS, check_used_marker),
    PASSES("monitor/config-unreadable-nothing-marked", XVM_ACTION_MONITOR, ENV(NO_CONFIG), NULL,
      XVM_OCF_NOT_RUNNING, check_looked_for_marker),

    /* migrate_to */
    MIGRATION_REFUSED("migrate_to/no-target", XVM_ACTION_MIGRATE_TO,
      ENV("OCF_RESKEY_CRM_meta_migrate_source=node1"), XVM_ERROR_PARAM_MISSING, "migrate_target"),
    MIGRATION_PASSES("migrate_to/success", XVM_ACTION_MIGRATE_TO, set_running, check_migrated),
    PASSES("migrate_to/settings", XVM_ACTION_MIGRATE_TO,
      ENV("OCF_RESKEY_CRM_meta_migrate_target=node2", "OCF_RESKEY_migration_transport=ssh",
      "OCF_RESKEY_migration_user=root", "OCF_RESKEY_migration_network_suffix=-mig",
      "OCF_RESKEY_migrateport=49152", "OCF_RESKEY_migration_type=paused",
      "OCF_RESKEY_persistent=yes", "OCF_RESKEY_migration_speed=100",
      "OCF_RESKEY_migration_downtime=300"), set_running, XVM_OCF_SUCCESS, check_migration_settings),
    /* Never 6, never hard, for any migrate failure (2.3). */
    MIGRATION_FAILS("migrate_to/never-finishes", XVM_ACTION_MIGRATE_TO, set_migrate_hangs,
      XVM_ERROR_MIGRATION, "still runs here", check_aborted_before_deadline,
      "OCF_RESKEY_CRM_meta_timeout=20000"),
    /* The log must say what libvirt answered to the abort. */
    MIGRATION_FAILS("migrate_to/never-finishes-reason", XVM_ACTION_MIGRATE_TO, set_migrate_hangs,
      XVM_ERROR_MIGRATION, "canceled by client", NULL, "OCF_RESKEY_CRM_meta_timeout=20000"),
    MIGRATION_FAILS("migrate_to/fails", XVM_ACTION_MIGRATE_TO, set_migrate_fails,
      XVM_ERROR_MIGRATION, "still runs here", NULL),
    MIGRATION_FAILS("migrate_to/not-running-here", XVM_ACTION_MIGRATE_TO, NULL, XVM_ERROR_NOT_HERE,
      "cannot migrate vm1", check_no_migrate),
    MIGRATION_FAILS("migrate_to/other-domain-same-name", XVM_ACTION_MIGRATE_TO,
      set_other_domain_same_name, XVM_ERROR_NOT_HERE, "cannot migrate vm1", check_no_migrate),
    MIGRATION_REFUSED("migrate_to/bad-target", XVM_ACTION_MIGRATE_TO,
      ENV("OCF_RESKEY_CRM_meta_migrate_target=node2;reboot"), XVM_ERROR_PARAM_INVALID,
      "node2;reboot"),
    /* Issue 11: auto-converge by default, post-copy on request, the
     * migrate_options mapped, and a flag nobody can map stops the move
     * before any copy (a dropped --tls would send memory in clear). */
    MIGRATION_PASSES("migrate_to/default-flags", XVM_ACTION_MIGRATE_TO, set_running,
      check_migrated_default_flags),
    MIGRATION_PASSES("migrate_to/paused-no-auto-converge", XVM_ACTION_MIGRATE_TO, set_running,
      check_migrated_paused_no_converge, "OCF_RESKEY_migration_type=paused"),
    MIGRATION_PASSES("migrate_to/postcopy-no-auto-converge", XVM_ACTION_MIGRATE_TO, set_running,
      check_migrated_postcopy_only, "OCF_RESKEY_migration_auto_converge=false",
      "OCF_RESKEY_migration_postcopy=true"),
    MIGRATION_PASSES("migrate_to/options-mapped", XVM_ACTION_MIGRATE_TO, set_running,
      check_migrated_with_options, "OCF_RESKEY_migration_speed=100",
      "OCF_RESKEY_migrate_options=--live --tls --comp-methods xbzrle --bandwidth=50"
      " --migrateuri=tcp://%n-mig:49152"),
    MIGRATION_FAILS("migrate_to/options-unknown", XVM_ACTION_MIGRATE_TO, set_running,
      XVM_ERROR_PARAM_INVALID, "--tsl is not accepted", check_no_migrate,
      "OCF_RESKEY_migrate_options=--tls --tsl"),
    MIGRATION_FAILS("migrate_to/options-refused", XVM_ACTION_MIGRATE_TO, set_running,
      XVM_ERROR_PARAM_INVALID, "--suspend is refused", check_no_migrate,
      "OCF_RESKEY_migrate_options=--suspend"),
    PASSES("monitor/options-unknown-warns", XVM_ACTION_MONITOR,
      ENV("OCF_RESKEY_migrate_options=--tsl"), set_running, XVM_OCF_SUCCESS, NULL),
    FAILS("validate/options-unknown", XVM_ACTION_VALIDATE_ALL,
      ENV("OCF_RESKEY_migrate_options=--live --tsl"), NULL, XVM_OCF_ERR_CONFIGURED,
      XVM_ERROR_PARAM_INVALID, "accepted: --live", check_no_connect),
    /* Pre-flight: refused at once, with the reason, before any copy. */
    MIGRATION_FAILS("migrate_to/preflight/runs-there", XVM_ACTION_MIGRATE_TO, set_target_runs_it,
      XVM_ERROR_MIGRATION, "not migrating vm1: it already runs on node2 (same UUID)",
      check_refused_before_copy),
    MIGRATION_FAILS("migrate_to/preflight/name-taken", XVM_ACTION_MIGRATE_TO, set_target_name_taken,
      XVM_ERROR_MIGRATION, "another domain of that name runs on node2 (UUID " OTHER_UUID ")",
      check_refused_before_copy),
    MIGRATION_FAILS("migrate_to/preflight/memory", XVM_ACTION_MIGRATE_TO,
      set_target_short_of_memory, XVM_ERROR_MIGRATION,
      "node2 has 1500 MiB free, the domain needs up to 2048 MiB", check_refused_before_copy),
    MIGRATION_PASSES("migrate_to/preflight/memory-enough", XVM_ACTION_MIGRATE_TO,
      set_target_enough_memory, check_preflight_passed),
    MIGRATION_FAILS("migrate_to/preflight/cpu", XVM_ACTION_MIGRATE_TO, set_target_cpu_incompatible,
      XVM_ERROR_MIGRATION, "the CPU of node2 cannot run it: the CPU is incompatible",
      check_refused_before_copy),
    MIGRATION_FAILS("migrate_to/preflight/disk", XVM_ACTION_MIGRATE_TO, set_target_disk_missing,
      XVM_ERROR_MIGRATION, "disk /var/lib/libvirt/images/vm1.qcow2 is missing on node2",
      check_refused_before_copy),
    /* A target that cannot be asked is the migration's to find out. */
    MIGRATION_PASSES("migrate_to/preflight/unreachable", XVM_ACTION_MIGRATE_TO,
      set_target_unreachable, check_preflight_passed),
    /* The progress watch: escalate when pre-copy stops converging. */
    MIGRATION_PASSES("migrate_to/escalate/ladder-converges", XVM_ACTION_MIGRATE_TO,
      set_busy_converges_at_1200, check_ladder_converged, "OCF_RESKEY_CRM_meta_timeout=120000"),
    MIGRATION_FAILS("migrate_to/escalate/ladder-then-abort", XVM_ACTION_MIGRATE_TO,
      set_busy_never_converges, XVM_ERROR_MIGRATION,
      "aborted migration of vm1 to node2: no progress for 20 s at"
      " downtime 1000 ms; it still runs here", check_ladder_then_abort,
      "OCF_RESKEY_CRM_meta_timeout=120000", "OCF_RESKEY_migration_downtime=1000"),
    MIGRATION_PASSES("migrate_to/escalate/postcopy", XVM_ACTION_MIGRATE_TO, set_busy_postcopy_done,
      check_postcopy_done, "OCF_RESKEY_CRM_meta_timeout=120000",
      "OCF_RESKEY_migration_auto_converge=false", "OCF_RESKEY_migration_postcopy=true"),
    MIGRATION_PASSES("migrate_to/escalate/postcopy-from-options", XVM_ACTION_MIGRATE_TO,
      set_busy_postcopy_done, check_postcopy_done, "OCF_RESKEY_CRM_meta_timeout=120000",
      "OCF_RESKEY_migrate_options=--postcopy"),
    MIGRATION_FAILS("migrate_to/escalate/postcopy-fails", XVM_ACTION_MIGRATE_TO,
      set_busy_postcopy_fails, XVM_ERROR_MIGRATION, "post-copy migration of vm1 to node2 failed",
      check_postcopy_failed, "OCF_RESKEY_CRM_meta_timeout=120000",
      "OCF_RESKEY_migration_postcopy=1"),
    MIGRATION_PASSES("migrate_to/escalate/stall-from-last-progress", XVM_ACTION_MIGRATE_TO,
      set_progress_then_stuck, check_stall_counted_from_progress,
      "OCF_RESKEY_CRM_meta_timeout=120000"),
    MIGRATION_PASSES("migrate_to/escalate/postcopy-short-of-time", XVM_ACTION_MIGRATE_TO,
      set_busy_postcopy_done, check_postcopy_in_time, "OCF_RESKEY_CRM_meta_timeout=45000",
      "OCF_RESKEY_migration_postcopy=1"),
    MIGRATION_FAILS("migrate_to/escalate/no-postcopy-deadline-abort", XVM_ACTION_MIGRATE_TO,
      set_busy_never_converges, XVM_ERROR_MIGRATION, "not done before the timeout; it still runs",
      NULL, "OCF_RESKEY_CRM_meta_timeout=45000"),
    /* A failed post-copy: 1 with the reason on both nodes, never "not
     * running" (the guest's memory is split between them). */
    FAILS("monitor/postcopy-failed-source", XVM_ACTION_MONITOR, NO_ENV, set_paused_postcopy_failed,
      XVM_OCF_ERR_GENERIC, XVM_ERROR_DOMAIN_FAILED, "paused after a failed post-copy",
      check_no_libvirt_change),
    FAILS("monitor/postcopy-failed-target", XVM_ACTION_MONITOR, NO_ENV, set_running_postcopy_failed,
      XVM_OCF_ERR_GENERIC, XVM_ERROR_DOMAIN_FAILED, "running after a failed post-copy",
      check_no_libvirt_change),
    MIGRATION_FAILS("migrate_from/postcopy-failed", XVM_ACTION_MIGRATE_FROM,
      set_paused_postcopy_failed, XVM_ERROR_DOMAIN_FAILED,
      "domain vm1 arrived from node1 but is paused after a failed post-copy",
      check_reported_at_once),
    MIGRATION_FAILS("migrate_from/postcopy-failed-running", XVM_ACTION_MIGRATE_FROM,
      set_running_postcopy_failed, XVM_ERROR_DOMAIN_FAILED, "running after a failed post-copy",
      check_reported_at_once),
    MIGRATION_FAILS("migrate_from/left-paused", XVM_ACTION_MIGRATE_FROM,
      set_stays_paused_by_migration, XVM_ERROR_DOMAIN_FAILED,
      "domain vm1 arrived from node1 but is left paused by a migration",
      check_reported_after_grace),
    MIGRATION_REFUSED("migrate_to/params-invalid", XVM_ACTION_MIGRATE_TO,
      ENV(MIGRATE_ENV, "OCF_RESKEY_hypervisor=qemu-system"), XVM_ERROR_PARAM_INVALID,
      "hypervisor"),

    /* migrate_from */
    MIGRATION_REFUSED("migrate_from/no-source", XVM_ACTION_MIGRATE_FROM,
      ENV("OCF_RESKEY_CRM_meta_migrate_target=node2"), XVM_ERROR_PARAM_MISSING, "migrate_source"),
    MIGRATION_PASSES("migrate_from/arrives", XVM_ACTION_MIGRATE_FROM, set_arrives_after_events,
      check_arrived),
    MIGRATION_PASSES("migrate_from/already-here", XVM_ACTION_MIGRATE_FROM, set_running,
      check_no_libvirt_change),
    MIGRATION_FAILS("migrate_from/never-arrives", XVM_ACTION_MIGRATE_FROM, NULL, XVM_ERROR_TIMEOUT,
      "did not arrive from node1", check_waited_whole_deadline),

    /* validate-all */
    PASSES("validate/level-0-good", XVM_ACTION_VALIDATE_ALL, NO_ENV, NULL, XVM_OCF_SUCCESS,
      check_no_connect),
    FAILS("validate/level-0-bad-config", XVM_ACTION_VALIDATE_ALL,
      ENV("OCF_RESKEY_config=@data:not-a-domain.xml"), NULL, XVM_OCF_ERR_CONFIGURED,
      XVM_ERROR_CONFIG_INVALID, "<domain>", check_no_connect),
    FAILS("validate/level-0-bad-param", XVM_ACTION_VALIDATE_ALL,
      ENV("OCF_RESKEY_migrateport=70000"), NULL, XVM_OCF_ERR_CONFIGURED, XVM_ERROR_PARAM_INVALID,
      "migrateport", check_no_connect),
    FAILS("validate/level-0-bool-yes", XVM_ACTION_VALIDATE_ALL,
      ENV("OCF_RESKEY_autoset_utilization_cpu=Yes"), NULL, XVM_OCF_ERR_CONFIGURED,
      XVM_ERROR_PARAM_INVALID, "read as false", check_no_connect),
    PASSES("validate/level-0-bool-ja", XVM_ACTION_VALIDATE_ALL,
      ENV("OCF_RESKEY_start_resources=ja", "OCF_RESKEY_force_stop=nein"), NULL, XVM_OCF_SUCCESS,
      check_no_connect),
    FAILS("validate/level-0-config-missing", XVM_ACTION_VALIDATE_ALL, ENV("-OCF_RESKEY_config"),
      NULL, XVM_OCF_ERR_CONFIGURED, XVM_ERROR_PARAM_MISSING, "config", check_no_connect),
    /* Level 0 must not depend on this node (ocf-contract 1.4, 2.5, 5.8:
     * "whether the XML file exists" is a level-10 check): pcs validates on
     * whichever node it runs on, where shared storage may not be mounted. */
    PASSES("validate/level-0-config-unreadable", XVM_ACTION_VALIDATE_ALL, ENV(NO_CONFIG), NULL,
      XVM_OCF_SUCCESS, check_no_connect),
    PASSES("validate/level-10-good", XVM_ACTION_VALIDATE_ALL, ENV("OCF_CHECK_LEVEL=10"), NULL,
      XVM_OCF_SUCCESS, check_connected),
    FAILS("validate/level-10-connect-fails", XVM_ACTION_VALIDATE_ALL, ENV("OCF_CHECK_LEVEL=10"),
      set_connect_fails, XVM_OCF_ERR_INSTALLED, XVM_ERROR_CONNECT, NULL, check_connected),
    FAILS("validate/level-10-emulator-missing", XVM_ACTION_VALIDATE_ALL,
      ENV("OCF_CHECK_LEVEL=10", "OCF_RESKEY_config=@data:vm1-no-emulator-here.xml"), NULL,
      XVM_OCF_ERR_INSTALLED, XVM_ERROR_NOT_INSTALLED, "emulator", check_connected),

    /* identity: a config edited while the domain runs never hides it
     * (issue 9, items 1 and 2) */
    FAILS("identity/monitor-config-uuid-changed", XVM_ACTION_MONITOR, NO_ENV,
      set_config_uuid_changed, XVM_OCF_ERR_GENERIC, XVM_ERROR_IDENTITY_CHANGED,
      "config's UUID changed", check_drift_reason),
    PASSES("identity/stop-config-uuid-changed", XVM_ACTION_STOP, NO_ENV, set_config_uuid_changed,
      XVM_OCF_SUCCESS, check_owned_stopped),
    FAILS("identity/start-config-uuid-changed", XVM_ACTION_START, NO_ENV, set_config_uuid_changed,
      XVM_OCF_ERR_GENERIC, XVM_ERROR_IDENTITY_CHANGED, "under running domain vm1", check_no_create),
    MIGRATION_FAILS("identity/migrate-config-uuid-changed", XVM_ACTION_MIGRATE_TO,
      set_config_uuid_changed, XVM_ERROR_IDENTITY_CHANGED, NULL, check_no_migrate),
    FAILS("identity/monitor-config-renamed", XVM_ACTION_MONITOR, NO_ENV, set_config_renamed,
      XVM_OCF_ERR_GENERIC, XVM_ERROR_IDENTITY_CHANGED, "config's name changed", check_drift_reason),
    PASSES("identity/stop-config-renamed", XVM_ACTION_STOP, NO_ENV, set_config_renamed,
      XVM_OCF_SUCCESS, check_owned_stopped),
    FAILS("identity/probe-renamed-marker-only", XVM_ACTION_MONITOR,
      ENV("-OCF_RESKEY_CRM_meta_interval"), set_config_renamed_marked_no_note, XVM_OCF_ERR_GENERIC,
      XVM_ERROR_IDENTITY_CHANGED, "config's name and UUID changed", check_drift_reason),
    PASSES("identity/stop-renamed-marker-only", XVM_ACTION_STOP, NO_ENV,
      set_config_renamed_marked_no_note, XVM_OCF_SUCCESS, check_owned_stopped),
    FAILS("identity/monitor-uuid-added-marker", XVM_ACTION_MONITOR, NO_ENV,
      set_config_uuid_added_marked, XVM_OCF_ERR_GENERIC, XVM_ERROR_IDENTITY_CHANGED,
      "config's UUID changed", check_drift_reason),
    PASSES("identity/stop-uuid-added-marker", XVM_ACTION_STOP, NO_ENV, set_config_uuid_added_marked,
      XVM_OCF_SUCCESS, check_owned_stopped),
    PASSES("identity/config-no-uuid-new-uuid", XVM_ACTION_MONITOR, NO_ENV,
      set_restarted_with_new_uuid, XVM_OCF_SUCCESS, check_no_libvirt_change),
    PASSES("identity/probe-notes-domain", XVM_ACTION_MONITOR, ENV("-OCF_RESKEY_CRM_meta_interval"),
      set_running_unmarked, XVM_OCF_SUCCESS, check_probe_adopted),
    /* A recurring monitor does not spend a call on it; another resource's
     * marker is never overwritten. */
    PASSES("identity/monitor-leaves-unmarked", XVM_ACTION_MONITOR, NO_ENV, set_running_unmarked,
      XVM_OCF_SUCCESS, check_not_marked),
    PASSES("identity/probe-keeps-other-marker", XVM_ACTION_MONITOR,
      ENV("-OCF_RESKEY_CRM_meta_interval"), set_running_other_resource, XVM_OCF_SUCCESS,
      check_not_marked),
    /* Config unusable, no note: a marker of ours (or a by-hand start from
     * our config) is ours; an unmarked running domain may be: cannot tell. */
    PASSES("identity/monitor-by-hand-marker", XVM_ACTION_MONITOR, ENV(NO_CONFIG),
      set_by_hand_marker_no_note, XVM_OCF_SUCCESS, check_no_libvirt_change),
    PASSES("identity/stop-by-hand-marker", XVM_ACTION_STOP, ENV(NO_CONFIG),
      set_by_hand_marker_no_note, XVM_OCF_SUCCESS, check_owned_stopped),
    PASSES("identity/stop-other-by-hand-marker", XVM_ACTION_STOP, ENV(NO_CONFIG),
      set_other_by_hand_marker, XVM_OCF_SUCCESS, check_no_libvirt_change),
    FAILS("identity/probe-unmarked-no-identity", XVM_ACTION_MONITOR,
      ENV(NO_CONFIG, "-OCF_RESKEY_CRM_meta_interval"), set_running_unmarked, XVM_OCF_ERR_GENERIC,
      XVM_ERROR_UNKNOWN_STATE, "cannot tell", check_no_libvirt_change),
    FAILS("identity/stop-unmarked-no-identity", XVM_ACTION_STOP, ENV(NO_CONFIG),
      set_running_unmarked, XVM_OCF_ERR_GENERIC, XVM_ERROR_UNKNOWN_STATE, "cannot tell",
      check_no_libvirt_change),
    PASSES("identity/probe-other-resource-no-identity", XVM_ACTION_MONITOR,
      ENV(NO_CONFIG, "-OCF_RESKEY_CRM_meta_interval"), set_running_other_resource,
      XVM_OCF_NOT_RUNNING, check_no_libvirt_change),
    PASSES("identity/stop-other-resource-no-identity", XVM_ACTION_STOP, ENV(NO_CONFIG),
      set_running_other_resource, XVM_OCF_SUCCESS, check_no_libvirt_change),
    /* A list that breaks off is no proof (item 5). */
    FAILS("identity/probe-list-fails", XVM_ACTION_MONITOR,
      ENV(NO_CONFIG, "-OCF_RESKEY_CRM_meta_interval"), set_list_fails, XVM_OCF_ERR_GENERIC,
      XVM_ERROR_UNKNOWN_STATE, "cannot tell", check_no_libvirt_change),
    FAILS("identity/probe-list-drops", XVM_ACTION_MONITOR,
      ENV(NO_CONFIG, "-OCF_RESKEY_CRM_meta_interval"), set_list_drops, XVM_OCF_ERR_GENERIC,
      XVM_ERROR_UNKNOWN_STATE, NULL, check_no_libvirt_change),
    FAILS("identity/stop-list-drops", XVM_ACTION_STOP, ENV(NO_CONFIG), set_list_drops,
      XVM_OCF_ERR_GENERIC, XVM_ERROR_UNKNOWN_STATE, NULL, check_no_libvirt_change),
    /* libvirtd restarted after the connect: one reconnect (item 4). */
    PASSES("identity/monitor-reconnects", XVM_ACTION_MONITOR, NO_ENV, set_status_drops_once,
      XVM_OCF_SUCCESS, check_reconnected),

    /* libvirt rewrites and deletes NAME.xml in its own directory: a
     * persistent resource must keep its config elsewhere (review 8). */
    FAILS("validate/persistent-config-in-libvirt-dir", XVM_ACTION_VALIDATE_ALL,
      ENV("OCF_RESKEY_config=/etc/libvirt/qemu/xvm-unit-vm1.xml", "OCF_RESKEY_persistent=true"),
      NULL, XVM_OCF_ERR_CONFIGURED, XVM_ERROR_PARAM_INVALID, "libvirt's own directory",
      check_no_connect),

    /* meta-data, usage and the like are main()'s: run refuses them as 3
     * without touching libvirt. */
    FAILS("unknown", XVM_ACTION_UNKNOWN, NO_ENV, NULL, XVM_OCF_ERR_UNIMPLEMENTED,
      XVM_ERROR_INTERNAL, "not handled", check_nothing_asked),
};

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    saved_path = g_strdup(g_getenv("PATH"));
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
        g_test_add(cases[i].path, Fx, &cases[i], fx_setup, test_action, fx_teardown);
    return g_test_run();
}
