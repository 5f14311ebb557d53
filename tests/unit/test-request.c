/* What Pacemaker asks: the environment as XvmEnv, by-hand "key=value" words,
 * and the XvmRequest read from them (timeout, probe, check level, migration
 * nodes).  Timeouts are milliseconds in the environment (ocf-contract 5.4). */
#include <string.h>
#include <glib.h>

#include "xvm-error.h"
#include "xvm-request.h"

#include "test-util.h"

#define H24_MS ((gint64) 24 * 3600 * 1000)

/* ---- XvmEnv from an envp array ---------------------------------------- */

static void
test_env_from_envp(void)
{
    static const char *const envp[] = {
        "OCF_ROOT=/usr/lib/ocf",
        "EMPTY=",                   /* set but empty: kept, and kept as "" */
        "EQUALS=a=b=c",             /* only the first '=' separates */
        "=no-name",                 /* no name: not a variable */
        "NO_EQUALS_SIGN",           /* not a variable either */
        "DUP=first",
        "DUP=second",               /* a later duplicate wins, as in getenv() */
        NULL,
    };
    g_autoptr(XvmEnv) env = xvm_env_new(envp);

    g_assert_cmpstr(xvm_env_get(env, "OCF_ROOT"), ==, "/usr/lib/ocf");
    g_assert_cmpstr(xvm_env_get(env, "EMPTY"), ==, "");
    g_assert_cmpstr(xvm_env_get(env, "EQUALS"), ==, "a=b=c");
    g_assert_cmpstr(xvm_env_get(env, "DUP"), ==, "second");
    g_assert_null(xvm_env_get(env, "NO_EQUALS_SIGN"));
    g_assert_null(xvm_env_get(env, ""));
    g_assert_null(xvm_env_get(env, "UNSET"));
    g_assert_cmpuint(g_hash_table_size(env->vars), ==, 4);
}

static void
test_env_null_envp(void)
{
    g_autoptr(XvmEnv) env = xvm_env_new(NULL);

    g_assert_nonnull(env);
    g_assert_cmpuint(g_hash_table_size(env->vars), ==, 0);
    g_assert_null(xvm_env_param(env, "config"));
}

static void
test_env_param_and_set(void)
{
    static const char *const envp[] = { "OCF_RESKEY_config=/vm.xml", "config=/wrong", NULL };
    g_autoptr(XvmEnv) env = xvm_env_new(envp);

    /* Parameters are read only through their OCF_RESKEY_ name. */
    g_assert_cmpstr(xvm_env_param(env, "config"), ==, "/vm.xml");
    xvm_env_set(env, "OCF_RESKEY_config", "/other.xml");
    g_assert_cmpstr(xvm_env_param(env, "config"), ==, "/other.xml");
    g_assert_null(xvm_env_param(env, "hypervisor"));
}

/* ---- by-hand words: xvm_env_add_param_args ---------------------------- */

typedef struct {
    const char *path;
    const char *args[4];
    gboolean ok;
    const char *param;      /* when ok: this OCF_RESKEY_ is set ... */
    const char *value;      /* ... to this */
} ArgsCase;

static const ArgsCase args_cases[] = {
    { "/xvm/request/args/good", { "config=/etc/xvm/vm1.xml" }, TRUE,
      "config", "/etc/xvm/vm1.xml" },
    { "/xvm/request/args/empty-value", { "migrateuri=" }, TRUE, "migrateuri", "" },
    { "/xvm/request/args/value-with-equals", { "remoteuri=qemu:///system?a=b" }, TRUE,
      "remoteuri", "qemu:///system?a=b" },
    { "/xvm/request/args/two", { "config=/a.xml", "hypervisor=test:///default" }, TRUE,
      "hypervisor", "test:///default" },
    { "/xvm/request/args/none", { NULL }, TRUE, NULL, NULL },
    /* Rejected: they cannot be an OCF_RESKEY_ name, and a typo must not be
     * silently ignored (the person would think it applied). */
    { "/xvm/request/args/no-name", { "=v" }, FALSE, NULL, NULL },
    { "/xvm/request/args/no-equals", { "k" }, FALSE, NULL, NULL },
    { "/xvm/request/args/dash-in-name", { "a-b=1" }, FALSE, NULL, NULL },
    { "/xvm/request/args/space-in-name", { "a b=1" }, FALSE, NULL, NULL },
    { "/xvm/request/args/bad-after-good", { "config=/a.xml", "oops" }, FALSE, NULL, NULL },
};

static void
test_args(gconstpointer data)
{
    const ArgsCase *c = data;
    g_autoptr(XvmEnv) env = xvm_env_new(NULL);
    g_autoptr(GError) error = NULL;
    gboolean ok = xvm_env_add_param_args(env, c->args, &error);

    if (!c->ok) {
        g_assert_false(ok);
        g_assert_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID);
        /* The message quotes the offending word so that it can be found. */
        g_assert_nonnull(strstr(error->message, "not of the form parameter=value"));
        return;
    }
    g_assert_no_error(error);
    g_assert_true(ok);
    if (c->param)
        g_assert_cmpstr(xvm_env_param(env, c->param), ==, c->value);
    else
        g_assert_cmpuint(g_hash_table_size(env->vars), ==, 0);
}

/* ---- xvm_request_new: CRM_meta_timeout -------------------------------- */

typedef struct {
    const char *path;
    XvmAction action;
    const char *timeout;    /* OCF_RESKEY_CRM_meta_timeout; NULL: unset */
    gint64 timeout_ms;
    gboolean defaulted;
    gboolean note;          /* a timeout_note explains what was done */
} TimeoutCase;

static const TimeoutCase timeout_cases[] = {
    /* Pacemaker passes milliseconds (ocf-contract 5.4). */
    { "/xvm/request/timeout/ms", XVM_ACTION_START, "20000", 20000, FALSE, FALSE },
    { "/xvm/request/timeout/one-ms", XVM_ACTION_STOP, "1", 1, FALSE, FALSE },
    /* Unset (crm_resource, by hand): the action's meta-data timeout. */
    { "/xvm/request/timeout/missing/start", XVM_ACTION_START, NULL, 90000, TRUE, FALSE },
    { "/xvm/request/timeout/missing/stop", XVM_ACTION_STOP, NULL, 90000, TRUE, FALSE },
    { "/xvm/request/timeout/missing/monitor", XVM_ACTION_MONITOR, NULL, 30000, TRUE, FALSE },
    { "/xvm/request/timeout/missing/migrate_to", XVM_ACTION_MIGRATE_TO, NULL, 120000, TRUE,
      FALSE },
    { "/xvm/request/timeout/missing/migrate_from", XVM_ACTION_MIGRATE_FROM, NULL, 60000,
      TRUE, FALSE },
    { "/xvm/request/timeout/missing/validate", XVM_ACTION_VALIDATE_ALL, NULL, 10000, TRUE,
      FALSE },
    { "/xvm/request/timeout/missing/meta-data", XVM_ACTION_META_DATA, NULL, 5000, TRUE,
      FALSE },
    /* usage advertises no timeout: the built-in fallback, still > 0. */
    { "/xvm/request/timeout/missing/usage", XVM_ACTION_USAGE, NULL, 20000, TRUE, FALSE },
    /* Set but useless: the meta-data default, and a note saying so. */
    { "/xvm/request/timeout/empty", XVM_ACTION_START, "", 90000, TRUE, TRUE },
    { "/xvm/request/timeout/zero", XVM_ACTION_START, "0", 90000, TRUE, TRUE },
    { "/xvm/request/timeout/negative", XVM_ACTION_STOP, "-5", 90000, TRUE, TRUE },
    { "/xvm/request/timeout/junk", XVM_ACTION_MONITOR, "abc", 30000, TRUE, TRUE },
    /* Seconds with a unit are a meta-data spelling, never Pacemaker's. */
    { "/xvm/request/timeout/with-unit", XVM_ACTION_START, "20s", 90000, TRUE, TRUE },
    { "/xvm/request/timeout/fraction", XVM_ACTION_START, "1.5", 90000, TRUE, TRUE },
    /* Huge: capped at 24 h so that deadline arithmetic cannot overflow. */
    { "/xvm/request/timeout/huge", XVM_ACTION_START, "100000000000", H24_MS, FALSE, TRUE },
    { "/xvm/request/timeout/max-int64", XVM_ACTION_START, "9223372036854775807", H24_MS,
      FALSE, TRUE },
    { "/xvm/request/timeout/exactly-24h", XVM_ACTION_START, "86400000", H24_MS, FALSE,
      FALSE },
};

static XvmRequest *
request_from(XvmAction action, const char *const *envp)
{
    g_autoptr(XvmEnv) env = xvm_env_new(envp);

    /* The request must own its strings: the env is gone when it is used. */
    return xvm_request_new(action, env);
}

/* A request with the one variable name=value, or none when value is NULL. */
static XvmRequest *
request_with(XvmAction action, const char *name, const char *value)
{
    g_autofree char *var = value ? g_strconcat(name, "=", value, NULL) : NULL;
    const char *envp[] = { var, NULL };

    return request_from(action, envp);
}

static void
test_timeout(gconstpointer data)
{
    const TimeoutCase *c = data;
    g_autoptr(XvmRequest) req =
        request_with(c->action, "OCF_RESKEY_CRM_meta_timeout", c->timeout);

    g_assert_cmpint(req->action, ==, c->action);
    g_assert_cmpint(req->timeout_ms, ==, c->timeout_ms);
    g_assert_cmpint(req->timeout_defaulted, ==, c->defaulted);
    if (c->note) {
        g_assert_nonnull(req->timeout_note);
        /* The note quotes what Pacemaker passed, for the log. */
        g_assert_nonnull(strstr(req->timeout_note, c->timeout));
    } else {
        g_assert_null(req->timeout_note);
    }
}

/* Larger than any gint64: "huge" all the same, so never more than 24 h and
 * never the silent default. */
static void
test_timeout_overflow(void)
{
    const char *envp[] = { "OCF_RESKEY_CRM_meta_timeout=99999999999999999999", NULL };
    g_autoptr(XvmRequest) req = request_from(XVM_ACTION_START, envp);

    g_assert_cmpint(req->timeout_ms, >, 0);
    g_assert_cmpint(req->timeout_ms, <=, H24_MS);
    g_assert_nonnull(req->timeout_note);
}

/* ---- interval, probe --------------------------------------------------- */

typedef struct {
    const char *path;
    XvmAction action;
    const char *interval;   /* OCF_RESKEY_CRM_meta_interval; NULL: unset */
    gint64 interval_ms;
    gboolean probe;
} IntervalCase;

static const IntervalCase interval_cases[] = {
    /* Unset under crm_resource: treat as a probe (ocf-contract 5.11). */
    { "/xvm/request/interval/unset-monitor", XVM_ACTION_MONITOR, NULL, 0, TRUE },
    { "/xvm/request/interval/zero-monitor", XVM_ACTION_MONITOR, "0", 0, TRUE },
    { "/xvm/request/interval/recurring", XVM_ACTION_MONITOR, "10000", 10000, FALSE },
    /* Junk is not a recurring monitor: the cautious reading is a probe. */
    { "/xvm/request/interval/junk", XVM_ACTION_MONITOR, "10s", 0, TRUE },
    { "/xvm/request/interval/negative", XVM_ACTION_MONITOR, "-1", 0, TRUE },
    /* Only a monitor can be a probe. */
    { "/xvm/request/interval/start", XVM_ACTION_START, NULL, 0, FALSE },
    { "/xvm/request/interval/stop", XVM_ACTION_STOP, "0", 0, FALSE },
    { "/xvm/request/interval/validate", XVM_ACTION_VALIDATE_ALL, NULL, 0, FALSE },
};

static void
test_interval(gconstpointer data)
{
    const IntervalCase *c = data;
    g_autoptr(XvmRequest) req =
        request_with(c->action, "OCF_RESKEY_CRM_meta_interval", c->interval);

    g_assert_cmpint(req->interval_ms, ==, c->interval_ms);
    g_assert_cmpint(xvm_request_is_probe(req), ==, c->probe);
}

/* ---- OCF_CHECK_LEVEL --------------------------------------------------- */

typedef struct {
    const char *path;
    const char *level;      /* NULL: unset */
    int check_level;
} LevelCase;

/* "If a requested level is not implemented, perform the next lower one":
 * only 0 and 10 exist. */
static const LevelCase level_cases[] = {
    { "/xvm/request/check-level/unset", NULL, 0 },
    { "/xvm/request/check-level/0", "0", 0 },
    { "/xvm/request/check-level/5", "5", 0 },
    { "/xvm/request/check-level/10", "10", 10 },
    { "/xvm/request/check-level/20", "20", 10 },
    { "/xvm/request/check-level/junk", "deep", 0 },
    { "/xvm/request/check-level/negative", "-10", 0 },
    { "/xvm/request/check-level/empty", "", 0 },
    { "/xvm/request/check-level/trailing-junk", "10x", 0 },
};

static void
test_check_level(gconstpointer data)
{
    const LevelCase *c = data;
    g_autoptr(XvmRequest) req =
        request_with(XVM_ACTION_VALIDATE_ALL, "OCF_CHECK_LEVEL", c->level);

    g_assert_cmpint(req->check_level, ==, c->check_level);
}

/* OCF_CHECK_LEVEL has no OCF_RESKEY_ prefix: the prefixed name means nothing. */
static void
test_check_level_prefixed_ignored(void)
{
    const char *envp[] = { "OCF_RESKEY_OCF_CHECK_LEVEL=10", NULL };
    g_autoptr(XvmRequest) req = request_from(XVM_ACTION_VALIDATE_ALL, envp);

    g_assert_cmpint(req->check_level, ==, 0);
}

/* ---- migration nodes, instance, exit-reason prefix -------------------- */

static void
test_migrate_nodes(void)
{
    const char *envp[] = {
        "OCF_RESKEY_CRM_meta_migrate_target=node2",
        "OCF_RESKEY_CRM_meta_migrate_source=node1",
        NULL,
    };
    g_autoptr(XvmRequest) req = request_from(XVM_ACTION_MIGRATE_TO, envp);

    g_assert_cmpstr(req->migrate_target, ==, "node2");
    g_assert_cmpstr(req->migrate_source, ==, "node1");
}

/* Unset and empty are the same: no node, so migrate_* fails at once rather
 * than migrating to "". */
static void
test_migrate_nodes_missing(void)
{
    const char *unset[] = { NULL };
    const char *empty[] = {
        "OCF_RESKEY_CRM_meta_migrate_target=",
        "OCF_RESKEY_CRM_meta_migrate_source=",
        NULL,
    };
    g_autoptr(XvmRequest) a = request_from(XVM_ACTION_MIGRATE_TO, unset);
    g_autoptr(XvmRequest) b = request_from(XVM_ACTION_MIGRATE_FROM, empty);

    g_assert_null(a->migrate_target);
    g_assert_null(a->migrate_source);
    g_assert_null(b->migrate_target);
    g_assert_null(b->migrate_source);
}

typedef struct {
    const char *path;
    const char *instance;   /* OCF_RESOURCE_INSTANCE; NULL: unset */
    const char *prefix;     /* OCF_EXIT_REASON_PREFIX; NULL: unset */
    const char *config;     /* OCF_RESKEY_config; NULL: unset */
    const char *want_instance;
    const char *want_prefix;
} NamesCase;

static const NamesCase names_cases[] = {
    { "/xvm/request/names/defaults", NULL, NULL, NULL, "by-hand:", "ocf-exit-reason:" },
    { "/xvm/request/names/empty", "", "", NULL, "by-hand:", "ocf-exit-reason:" },
    /* By hand, the config owns the note and marker: two VMs never share one. */
    { "/xvm/request/names/by-hand-vm1", NULL, NULL, "/etc/xvm/vm1.xml",
      "by-hand:/etc/xvm/vm1.xml", "ocf-exit-reason:" },
    { "/xvm/request/names/by-hand-canonical", NULL, NULL, "/etc/xvm/./x/../vm2.xml",
      "by-hand:/etc/xvm/vm2.xml", "ocf-exit-reason:" },
    { "/xvm/request/names/set", "vm1-rsc", "my-reason:", "/etc/xvm/vm1.xml", "vm1-rsc",
      "my-reason:" },
    /* A clone instance keeps its ":N" suffix: it names this copy. */
    { "/xvm/request/names/clone", "vm1:0", NULL, NULL, "vm1:0", "ocf-exit-reason:" },
};

static void
test_names(gconstpointer data)
{
    const NamesCase *c = data;
    g_autofree char *instance = c->instance
        ? g_strconcat("OCF_RESOURCE_INSTANCE=", c->instance, NULL) : NULL;
    g_autofree char *prefix = g_strconcat("OCF_EXIT_REASON_PREFIX=",
                                          c->prefix ? c->prefix : "", NULL);
    g_autofree char *config = c->config ? g_strconcat("OCF_RESKEY_config=", c->config, NULL)
                                        : NULL;
    const char *envp[] = { instance ? instance : "X=1", prefix, config, NULL };
    g_autoptr(XvmRequest) req = request_from(XVM_ACTION_START, envp);

    g_assert_cmpstr(req->instance, ==, c->want_instance);
    g_assert_cmpstr(req->exit_reason_prefix, ==, c->want_prefix);
    g_assert_false(req->by_hand);   /* only main() decides that */
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    g_test_add_func("/xvm/request/env/envp", test_env_from_envp);
    g_test_add_func("/xvm/request/env/null", test_env_null_envp);
    g_test_add_func("/xvm/request/env/param-and-set", test_env_param_and_set);
    for (gsize i = 0; i < G_N_ELEMENTS(args_cases); i++)
        g_test_add_data_func(args_cases[i].path, &args_cases[i], test_args);
    for (gsize i = 0; i < G_N_ELEMENTS(timeout_cases); i++)
        g_test_add_data_func(timeout_cases[i].path, &timeout_cases[i], test_timeout);
    g_test_add_func("/xvm/request/timeout/overflow", test_timeout_overflow);
    for (gsize i = 0; i < G_N_ELEMENTS(interval_cases); i++)
        g_test_add_data_func(interval_cases[i].path, &interval_cases[i], test_interval);
    for (gsize i = 0; i < G_N_ELEMENTS(level_cases); i++)
        g_test_add_data_func(level_cases[i].path, &level_cases[i], test_check_level);
    g_test_add_func("/xvm/request/check-level/prefixed-ignored",
                    test_check_level_prefixed_ignored);
    g_test_add_func("/xvm/request/migrate/nodes", test_migrate_nodes);
    g_test_add_func("/xvm/request/migrate/missing", test_migrate_nodes_missing);
    for (gsize i = 0; i < G_N_ELEMENTS(names_cases); i++)
        g_test_add_data_func(names_cases[i].path, &names_cases[i], test_names);
    return g_test_run();
}
