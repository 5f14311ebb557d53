/* The hook guard (doc/guard.md): libvirt's qemu.d hook refuses to start a
 * domain the cluster manages unless the agent on this node is the one
 * starting it.  A wrong "allow" lets a second copy write the same disks; a
 * wrong "refuse" on reconnect or migration kills or strands a guest. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "xvm-domxml.h"
#include "xvm-guard.h"
#include "xvm-hook.h"

#include "test-util.h"

#define INSTANCE "vm1-rsc"
#define NOW_S ((gint64) 1800000000)
/* Above the kernel's largest pid_max (2^22): a process that cannot exist. */
#define DEAD_PID 5000001

static const char marked_xml[] =
    "<domain type='kvm'><name>vm1</name><metadata>"
    "<xvm:resource xmlns:xvm='" XVM_DOMXML_NS "' instance='" INSTANCE "'/>"
    "</metadata></domain>";
static const char plain_xml[] = "<domain type='kvm'><name>vm1</name></domain>";

typedef struct {
    char *root;
    XvmGuardPaths *paths;
} GuardFx;

static void
guard_setup(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    fx->root = xvm_test_make_tmpdir();
    fx->paths = xvm_guard_paths_new(fx->root);
}

static void
guard_teardown(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    xvm_guard_paths_free(fx->paths);
    xvm_test_remove_tree(fx->root);
    g_free(fx->root);
}

/* ---- paths ------------------------------------------------------------------ */

static void
test_default_paths(void)
{
    g_autoptr(XvmGuardPaths) paths = xvm_guard_paths_new(NULL);

    /* Tokens in /run vanish at reboot (like the process they name); the
     * registry in /var/lib survives it (autostart, libvirt-guests). */
    g_assert_cmpstr(paths->tokens_dir, ==, "/run/xvm-domain");
    g_assert_cmpstr(paths->registry_dir, ==, "/var/lib/libvirt/xvm-domain");
}

/* ---- xvm_guard_decide, table-driven ------------------------------------------------ */

typedef enum {
    TOKEN_NONE,
    TOKEN_VALID,        /* this process, not expired */
    TOKEN_EXPIRED,
    TOKEN_DEAD_PID,     /* its agent was SIGKILLed */
    TOKEN_GARBAGE,
    INCOMING_VALID,
    INCOMING_EXPIRED,
} TokenSetup;

typedef struct {
    const char *path;
    const char *xml;        /* what libvirt passes on stdin, or NULL */
    gboolean registered;    /* a probe noted the domain on this node */
    TokenSetup token;
    const char *op;
    const char *subop;
    gboolean allow;
} DecideCase;

static const DecideCase decide_cases[] = {
    /* Not the cluster's: never in the way. */
    { "/xvm/guard/decide/unmanaged-start", plain_xml, FALSE, TOKEN_NONE, "start", "begin",
      TRUE },
    { "/xvm/guard/decide/unmanaged-no-xml", NULL, FALSE, TOKEN_NONE, "prepare", "begin",
      TRUE },
    /* The cluster's, started behind its back: refused at every start step. */
    { "/xvm/guard/decide/marked-prepare", marked_xml, FALSE, TOKEN_NONE, "prepare", "begin",
      FALSE },
    { "/xvm/guard/decide/marked-start", marked_xml, FALSE, TOKEN_NONE, "start", "begin",
      FALSE },
    { "/xvm/guard/decide/marked-restore", marked_xml, FALSE, TOKEN_NONE, "restore", "begin",
      FALSE },
    /* Defined from another XML (no marker): the registry still knows it. */
    { "/xvm/guard/decide/registered-start", plain_xml, TRUE, TOKEN_NONE, "start", "begin",
      FALSE },
    { "/xvm/guard/decide/registered-no-xml", NULL, TRUE, TOKEN_NONE, "prepare", "begin",
      FALSE },
    /* The agent starting it: its token lets it through. */
    { "/xvm/guard/decide/token-valid", marked_xml, TRUE, TOKEN_VALID, "prepare", "begin",
      TRUE },
    { "/xvm/guard/decide/token-expired", marked_xml, TRUE, TOKEN_EXPIRED, "prepare", "begin",
      FALSE },
    /* A SIGKILLed agent leaves a token that must not count. */
    { "/xvm/guard/decide/token-dead-pid", marked_xml, TRUE, TOKEN_DEAD_PID, "start", "begin",
      FALSE },
    { "/xvm/guard/decide/token-garbage", marked_xml, TRUE, TOKEN_GARBAGE, "start", "begin",
      FALSE },
    /* An announced incoming migration moves the one copy here. */
    { "/xvm/guard/decide/incoming-prepare", marked_xml, TRUE, INCOMING_VALID, "prepare",
      "begin", TRUE },
    { "/xvm/guard/decide/incoming-expired", marked_xml, TRUE, INCOMING_EXPIRED, "start",
      "begin", FALSE },
    /* Never block what does not start a copy: a failing reconnect hook
     * would kill the running QEMU when libvirtd restarts. */
    { "/xvm/guard/decide/reconnect", marked_xml, TRUE, TOKEN_NONE, "reconnect", "begin",
      TRUE },
    { "/xvm/guard/decide/started", marked_xml, TRUE, TOKEN_NONE, "started", "begin", TRUE },
    { "/xvm/guard/decide/stopped-end", marked_xml, TRUE, TOKEN_NONE, "stopped", "end", TRUE },
    { "/xvm/guard/decide/release-end", marked_xml, TRUE, TOKEN_NONE, "release", "end", TRUE },
    { "/xvm/guard/decide/start-end", marked_xml, TRUE, TOKEN_NONE, "start", "end", TRUE },
    { "/xvm/guard/decide/attach", marked_xml, TRUE, TOKEN_NONE, "attach", "begin", TRUE },
};

static void
write_token(GuardFx *fx, const char *kind, const char *text)
{
    g_autofree char *file = g_strdup_printf("%s-vm1", kind);
    g_autofree char *path = g_build_filename(fx->paths->tokens_dir, file, NULL);

    g_assert_cmpint(g_mkdir_with_parents(fx->paths->tokens_dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
set_token(GuardFx *fx, TokenSetup token)
{
    g_autoptr(GError) error = NULL;

    switch (token) {
    case TOKEN_NONE:
        return;
    case TOKEN_VALID:
        g_assert_true(xvm_guard_token_write(fx->paths, "start", "vm1", getpid(), NOW_S + 60,
                                            &error));
        break;
    case TOKEN_EXPIRED:
        g_assert_true(xvm_guard_token_write(fx->paths, "start", "vm1", getpid(), NOW_S - 1,
                                            &error));
        break;
    case TOKEN_DEAD_PID:
        g_assert_true(xvm_guard_token_write(fx->paths, "start", "vm1", DEAD_PID, NOW_S + 60,
                                            &error));
        break;
    case TOKEN_GARBAGE:
        write_token(fx, "start", "not a token\n");
        break;
    case INCOMING_VALID:
        g_assert_true(xvm_guard_token_write(fx->paths, "incoming", "vm1", 0, NOW_S + 60,
                                            &error));
        break;
    case INCOMING_EXPIRED:
        g_assert_true(xvm_guard_token_write(fx->paths, "incoming", "vm1", 0, NOW_S - 1,
                                            &error));
        break;
    }
    g_assert_no_error(error);
}

static void
test_decide(GuardFx *fx, gconstpointer data)
{
    const DecideCase *c = data;
    g_autoptr(GError) error = NULL;
    XvmGuardVerdict v;

    if (c->registered)
        g_assert_true(xvm_guard_register(fx->paths, "vm1", INSTANCE, &error));
    g_assert_no_error(error);
    set_token(fx, c->token);
    v = xvm_guard_decide(fx->paths, "vm1", c->op, c->subop, c->xml, NOW_S);
    g_assert_cmpint(v.allow, ==, c->allow);
    if (!c->allow) {
        /* Says which resource manages it and how to start it properly. */
        g_assert_cmpstr(v.instance, ==, INSTANCE);
        g_assert_nonnull(v.message);
        g_assert_nonnull(strstr(v.message, INSTANCE));
        g_assert_nonnull(strstr(v.message, "vm1"));
    }
    xvm_guard_verdict_clear(&v);
    g_assert_null(v.instance);
    g_assert_null(v.message);
}

/* migrate begin on the destination announces the migration; its prepare
 * and start then pass, and once migrate_from removes the announcement the
 * next start outside the cluster is refused again. */
static void
test_incoming_migration(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    XvmGuardVerdict v = xvm_guard_decide(fx->paths, "vm1", "migrate", "begin", marked_xml,
                                         NOW_S);

    g_assert_true(v.allow);
    xvm_guard_verdict_clear(&v);
    v = xvm_guard_decide(fx->paths, "vm1", "prepare", "begin", marked_xml, NOW_S + 5);
    g_assert_true(v.allow);
    xvm_guard_verdict_clear(&v);
    v = xvm_guard_decide(fx->paths, "vm1", "start", "begin", marked_xml, NOW_S + 10);
    g_assert_true(v.allow);
    xvm_guard_verdict_clear(&v);
    xvm_guard_token_remove(fx->paths, "incoming", "vm1");
    v = xvm_guard_decide(fx->paths, "vm1", "start", "begin", marked_xml, NOW_S + 20);
    g_assert_false(v.allow);
    xvm_guard_verdict_clear(&v);
}

/* An unmanaged migration leaves no announcement behind. */
static void
test_unmanaged_migration(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    XvmGuardVerdict v = xvm_guard_decide(fx->paths, "vm1", "migrate", "begin", plain_xml,
                                         NOW_S);

    g_assert_true(v.allow);
    xvm_guard_verdict_clear(&v);
    g_assert_false(g_file_test(fx->paths->tokens_dir, G_FILE_TEST_EXISTS));
}

/* The token the agent writes is what the hook honours, and removing it
 * closes the door again. */
static void
test_token_round_trip(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    XvmGuardVerdict v;

    g_assert_true(xvm_guard_token_write(fx->paths, "start", "vm1", getpid(), NOW_S + 30,
                                        &error));
    g_assert_no_error(error);
    v = xvm_guard_decide(fx->paths, "vm1", "start", "begin", marked_xml, NOW_S);
    g_assert_true(v.allow);
    xvm_guard_verdict_clear(&v);
    xvm_guard_token_remove(fx->paths, "start", "vm1");
    v = xvm_guard_decide(fx->paths, "vm1", "start", "begin", marked_xml, NOW_S);
    g_assert_false(v.allow);
    xvm_guard_verdict_clear(&v);
    /* Removing what is not there is fine (start failed before writing). */
    xvm_guard_token_remove(fx->paths, "start", "vm1");
}

/* ---- the registry --------------------------------------------------------------------- */

static char *
only_file_in(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry = d ? g_dir_read_name(d) : NULL;
    char *name = g_strdup(entry);

    g_assert_nonnull(name);
    g_assert_null(g_dir_read_name(d));
    return name;
}

static void
test_register(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *file = NULL;
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    XvmGuardVerdict v;

    g_assert_true(xvm_guard_register(fx->paths, "vm1", INSTANCE, &error));
    g_assert_true(xvm_guard_register(fx->paths, "vm1", INSTANCE, &error));
    g_assert_no_error(error);
    file = only_file_in(fx->paths->registry_dir);
    path = g_build_filename(fx->paths->registry_dir, file, NULL);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, INSTANCE "\n");
    /* Re-registered under another resource: the note follows. */
    g_assert_true(xvm_guard_register(fx->paths, "vm1", "other-rsc", &error));
    v = xvm_guard_decide(fx->paths, "vm1", "start", "begin", NULL, NOW_S);
    g_assert_false(v.allow);
    g_assert_cmpstr(v.instance, ==, "other-rsc");
    xvm_guard_verdict_clear(&v);
}

/* Domain names may hold blanks, '%', '..' and more: each is one plain file
 * in the registry, never a path elsewhere, and still found again. */
static void
test_register_odd_names(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    static const char *const names[] = { "vm 1", "100%", "..", "a\\b", "x;rm -rf" };

    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *file = NULL;
        XvmGuardVerdict v;

        g_assert_true(xvm_guard_register(fx->paths, names[i], INSTANCE, &error));
        g_assert_no_error(error);
        file = only_file_in(fx->paths->registry_dir);
        g_assert_null(strchr(file, '/'));
        v = xvm_guard_decide(fx->paths, names[i], "start", "begin", NULL, NOW_S);
        g_assert_false(v.allow);
        xvm_guard_verdict_clear(&v);
        xvm_test_remove_tree(fx->paths->registry_dir);
    }
}

/* ---- xvm_hook_run ------------------------------------------------------------------------ */

typedef struct {
    int status;
    char *err;
} HookRun;

static HookRun
run_hook(GuardFx *fx, const char *const *argv, const char *xml)
{
    HookRun run = { 0 };
    char *err_buf = NULL;
    size_t err_len = 0;
    FILE *in = fmemopen((void *) (xml ? xml : ""), xml ? strlen(xml) : 0, "r");
    FILE *err = open_memstream(&err_buf, &err_len);
    int argc = (int) g_strv_length((char **) argv);

    g_assert_nonnull(in);
    g_assert_nonnull(err);
    run.status = xvm_hook_run(fx->paths, argc, argv, in, err);
    fclose(in);
    fclose(err);
    run.err = err_buf;
    return run;
}

/* A fake crm_resource first in PATH: what the hook asks where it runs. */
static char *
fake_crm_resource(GuardFx *fx, const char *body)
{
    g_autofree char *bin = g_build_filename(fx->root, "bin", NULL);
    g_autofree char *tool = g_build_filename(bin, "crm_resource", NULL);
    g_autofree char *script = g_strdup_printf("#!/bin/sh\n%s\n", body);
    char *old_path = g_strdup(g_getenv("PATH"));

    g_assert_cmpint(g_mkdir_with_parents(bin, 0755), ==, 0);
    g_assert_true(g_file_set_contents(tool, script, -1, NULL));
    g_assert_cmpint(g_chmod(tool, 0755), ==, 0);
    g_setenv("PATH", bin, TRUE);
    return old_path;
}

static void
test_hook_refuses(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *argv[] = { "qemu", "vm1", "start", "begin", "-", NULL };
    g_autofree char *old_path = fake_crm_resource(fx, "echo node2");
    HookRun run = run_hook(fx, argv, marked_xml);

    g_setenv("PATH", old_path, TRUE);
    /* 1 aborts libvirt's start; stderr ends up in virsh's error. */
    g_assert_cmpint(run.status, ==, 1);
    g_assert_nonnull(strstr(run.err, INSTANCE));
    g_assert_nonnull(strstr(run.err, "the cluster runs it on node2"));
    g_assert_cmpint(run.err[strlen(run.err) - 1], ==, '\n');
    free(run.err);
}

/* Cluster down on this node: the refusal still comes, and at once. */
static void
test_hook_refuses_without_cluster(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *argv[] = { "qemu", "vm1", "prepare", "begin", "-", NULL };
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *empty = g_build_filename(fx->root, "empty-bin", NULL);
    gint64 started = g_get_monotonic_time();
    HookRun run;

    g_assert_cmpint(g_mkdir(empty, 0755), ==, 0);
    g_setenv("PATH", empty, TRUE);
    run = run_hook(fx, argv, marked_xml);
    g_setenv("PATH", old_path, TRUE);
    g_assert_cmpint(run.status, ==, 1);
    g_assert_nonnull(strstr(run.err, "could not be asked"));
    g_assert_cmpint(g_get_monotonic_time() - started, <, G_USEC_PER_SEC);
    free(run.err);
}

typedef struct {
    const char *path;
    const char *argv[7];
    const char *xml;
} HookAllowCase;

static const HookAllowCase hook_allow_cases[] = {
    { "/xvm/guard/hook/allow/unmanaged", { "qemu", "vm1", "start", "begin", "-" }, plain_xml },
    { "/xvm/guard/hook/allow/reconnect", { "qemu", "vm1", "reconnect", "begin", "-" },
      marked_xml },
    /* Only the qemu driver's hooks are ours. */
    { "/xvm/guard/hook/allow/other-driver", { "lxc", "vm1", "start", "begin", "-" },
      marked_xml },
    { "/xvm/guard/hook/allow/too-few-args", { "qemu", "vm1", "start" }, marked_xml },
    { "/xvm/guard/hook/allow/no-args", { NULL }, marked_xml },
};

static void
test_hook_allows(GuardFx *fx, gconstpointer data)
{
    const HookAllowCase *c = data;
    HookRun run = run_hook(fx, c->argv, c->xml);

    g_assert_cmpint(run.status, ==, 0);
    g_assert_cmpstr(run.err, ==, "");
    free(run.err);
}

/* ---- install / uninstall ----------------------------------------------------------------- */

static char *
hooks_dir(GuardFx *fx)
{
    return g_build_filename(fx->root, "etc", "libvirt", "hooks", "qemu.d", NULL);
}

static void
test_install(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *dir = hooks_dir(fx);
    g_autofree char *path = NULL;
    g_autofree char *again = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    GStatBuf st;

    g_assert_true(xvm_guard_install(dir, "/usr/lib/ocf/resource.d/xvm/domain", &path, &error));
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(path, dir));
    g_assert_cmpstr(path + strlen(dir), ==, "/" XVM_GUARD_HOOK_NAME);
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0755);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_true(g_str_has_prefix(text, "#!/bin/sh\n"));
    g_assert_nonnull(strstr(text, "'/usr/lib/ocf/resource.d/xvm/domain' hook qemu"));
    /* Installing again replaces our own script. */
    g_assert_true(xvm_guard_install(dir, "/usr/lib/ocf/resource.d/xvm/domain", &again,
                                    &error));
    g_assert_no_error(error);
}

static void
test_install_foreign(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *dir = hooks_dir(fx);
    g_autofree char *theirs = g_build_filename(dir, XVM_GUARD_HOOK_NAME, NULL);
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(theirs, "#!/bin/sh\necho site hook\n", -1, NULL));
    g_assert_false(xvm_guard_install(dir, "/x/domain", &path, &error));
    g_assert_nonnull(error);
    g_assert_true(g_file_get_contents(theirs, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "#!/bin/sh\necho site hook\n");
    g_clear_error(&error);
    g_clear_pointer(&path, g_free);
    /* ... nor removed. */
    g_assert_false(xvm_guard_uninstall(dir, &path, &error));
    g_assert_nonnull(error);
    g_assert_true(g_file_test(theirs, G_FILE_TEST_EXISTS));
}

static void
test_uninstall(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *dir = hooks_dir(fx);
    g_autofree char *path = NULL;
    g_autofree char *removed = NULL;
    g_autofree char *absent = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(xvm_guard_install(dir, "/x/domain", &path, &error));
    g_assert_true(xvm_guard_uninstall(dir, &removed, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(removed, ==, path);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    /* Nothing to remove is not an error. */
    g_assert_true(xvm_guard_uninstall(dir, &absent, &error));
    g_assert_no_error(error);
}

/* The installed script, run as libvirtd runs it, hands the hook call to the
 * agent with every argument intact, wherever the agent is installed. */
typedef struct {
    const char *path;
    const char *agent_dir;  /* under the fixture root */
} ScriptCase;

static const ScriptCase script_cases[] = {
    { "/xvm/guard/script/plain-path", "ocf/resource.d/xvm" },
    /* An OCF root with a blank in it (a custom prefix). */
    { "/xvm/guard/script/path-with-blank", "my ocf/resource.d/xvm" },
};

static void
test_script_runs_agent(GuardFx *fx, gconstpointer data)
{
    const ScriptCase *c = data;
    g_autofree char *dir = g_build_filename(fx->root, c->agent_dir, NULL);
    g_autofree char *agent = g_build_filename(dir, "domain", NULL);
    g_autofree char *record = g_build_filename(fx->root, "args", NULL);
    g_autofree char *agent_text = g_strdup_printf("#!/bin/sh\nprintf '%%s|' \"$@\" > '%s'\n",
                                                  record);
    g_autofree char *script = xvm_guard_hook_script(agent);
    g_autofree char *script_path = g_build_filename(fx->root, "hook.sh", NULL);
    g_autofree char *args = NULL;
    const char *argv[] = { "/bin/sh", script_path, "vm 1", "prepare", "begin", "-", NULL };
    int status = -1;

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(agent, agent_text, -1, NULL));
    g_assert_cmpint(g_chmod(agent, 0755), ==, 0);
    g_assert_true(g_file_set_contents(script_path, script, -1, NULL));
    g_assert_true(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, NULL));
    g_assert_true(g_file_get_contents(record, &args, NULL, NULL));
    g_assert_cmpstr(args, ==, "hook|qemu|vm 1|prepare|begin|-|");
}

/* The agent uninstalled: the script lets libvirt go on rather than fail
 * every start on the node. */
static void
test_script_agent_gone(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *agent = g_build_filename(fx->root, "gone", "domain", NULL);
    g_autofree char *script = xvm_guard_hook_script(agent);
    g_autofree char *script_path = g_build_filename(fx->root, "hook.sh", NULL);
    const char *argv[] = { "/bin/sh", script_path, "vm1", "start", "begin", "-", NULL };
    int status = -1;

    g_assert_true(g_file_set_contents(script_path, script, -1, NULL));
    g_assert_true(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    g_test_add_func("/xvm/guard/default-paths", test_default_paths);
    for (gsize i = 0; i < G_N_ELEMENTS(decide_cases); i++)
        g_test_add(decide_cases[i].path, GuardFx, &decide_cases[i], guard_setup, test_decide,
                   guard_teardown);
    g_test_add("/xvm/guard/incoming-migration", GuardFx, NULL, guard_setup,
               test_incoming_migration, guard_teardown);
    g_test_add("/xvm/guard/unmanaged-migration", GuardFx, NULL, guard_setup,
               test_unmanaged_migration, guard_teardown);
    g_test_add("/xvm/guard/token-round-trip", GuardFx, NULL, guard_setup,
               test_token_round_trip, guard_teardown);
    g_test_add("/xvm/guard/register", GuardFx, NULL, guard_setup, test_register,
               guard_teardown);
    g_test_add("/xvm/guard/register-odd-names", GuardFx, NULL, guard_setup,
               test_register_odd_names, guard_teardown);
    g_test_add("/xvm/guard/hook/refuses", GuardFx, NULL, guard_setup, test_hook_refuses,
               guard_teardown);
    g_test_add("/xvm/guard/hook/refuses-without-cluster", GuardFx, NULL, guard_setup,
               test_hook_refuses_without_cluster, guard_teardown);
    for (gsize i = 0; i < G_N_ELEMENTS(hook_allow_cases); i++)
        g_test_add(hook_allow_cases[i].path, GuardFx, &hook_allow_cases[i], guard_setup,
                   test_hook_allows, guard_teardown);
    g_test_add("/xvm/guard/install", GuardFx, NULL, guard_setup, test_install,
               guard_teardown);
    g_test_add("/xvm/guard/install-foreign", GuardFx, NULL, guard_setup, test_install_foreign,
               guard_teardown);
    g_test_add("/xvm/guard/uninstall", GuardFx, NULL, guard_setup, test_uninstall,
               guard_teardown);
    for (gsize i = 0; i < G_N_ELEMENTS(script_cases); i++)
        g_test_add(script_cases[i].path, GuardFx, &script_cases[i], guard_setup,
                   test_script_runs_agent, guard_teardown);
    g_test_add("/xvm/guard/script/agent-gone", GuardFx, NULL, guard_setup,
               test_script_agent_gone, guard_teardown);
    return g_test_run();
}
