/* Action names <-> XvmAction: the first thing the agent does with argv[1],
 * and what decides which code path Pacemaker gets. */
#include <string.h>

#include <glib.h>

#include "xvm-actions.h"
#include "xvm-metadata.h"
#include "xvm-ocf.h"

#include "test-util.h"

typedef struct {
    const char *path;
    const char *name;       /* argv[1]; NULL: no argument at all */
    XvmAction action;
    const char *canonical;  /* xvm_action_name() of the result */
} NameCase;

static const NameCase name_cases[] = {
    { "/xvm/ocf/action/start", "start", XVM_ACTION_START, "start" },
    { "/xvm/ocf/action/stop", "stop", XVM_ACTION_STOP, "stop" },
    { "/xvm/ocf/action/monitor", "monitor", XVM_ACTION_MONITOR, "monitor" },
    /* LRM-era alias; it must map to monitor and print as monitor, so that
     * the meta-data timeout of monitor applies to it. */
    { "/xvm/ocf/action/status-alias", "status", XVM_ACTION_MONITOR, "monitor" },
    { "/xvm/ocf/action/validate-all", "validate-all", XVM_ACTION_VALIDATE_ALL, "validate-all" },
    { "/xvm/ocf/action/migrate_to", "migrate_to", XVM_ACTION_MIGRATE_TO, "migrate_to" },
    { "/xvm/ocf/action/migrate_from", "migrate_from", XVM_ACTION_MIGRATE_FROM,
      "migrate_from" },
    { "/xvm/ocf/action/meta-data", "meta-data", XVM_ACTION_META_DATA, "meta-data" },
    { "/xvm/ocf/action/usage", "usage", XVM_ACTION_USAGE, "usage" },
    { "/xvm/ocf/action/help", "help", XVM_ACTION_USAGE, "usage" },
    { "/xvm/ocf/action/dash-dash-help", "--help", XVM_ACTION_USAGE, "usage" },
    { "/xvm/ocf/action/dash-h", "-h", XVM_ACTION_USAGE, "usage" },
    { "/xvm/ocf/action/version", "--version", XVM_ACTION_VERSION, "--version" },
    { "/xvm/ocf/action/hook", "hook", XVM_ACTION_HOOK, "hook" },
    { "/xvm/ocf/action/install-guard", "install-guard", XVM_ACTION_INSTALL_GUARD,
      "install-guard" },
    { "/xvm/ocf/action/uninstall-guard", "uninstall-guard", XVM_ACTION_UNINSTALL_GUARD,
      "uninstall-guard" },
    /* ocf-contract 5.12: these must come out as UNKNOWN so that the agent
     * answers 3 (unimplemented) for them. */
    { "/xvm/ocf/action/unknown/promote", "promote", XVM_ACTION_UNKNOWN, "unknown" },
    { "/xvm/ocf/action/unknown/demote", "demote", XVM_ACTION_UNKNOWN, "unknown" },
    { "/xvm/ocf/action/unknown/notify", "notify", XVM_ACTION_UNKNOWN, "unknown" },
    { "/xvm/ocf/action/unknown/reload", "reload", XVM_ACTION_UNKNOWN, "unknown" },
    { "/xvm/ocf/action/unknown/reload-agent", "reload-agent", XVM_ACTION_UNKNOWN,
      "unknown" },
    /* Names are exact: Pacemaker never changes case or adds blanks. */
    { "/xvm/ocf/action/unknown/upper-case", "START", XVM_ACTION_UNKNOWN, "unknown" },
    { "/xvm/ocf/action/unknown/trailing-blank", "start ", XVM_ACTION_UNKNOWN, "unknown" },
    { "/xvm/ocf/action/unknown/prefix", "star", XVM_ACTION_UNKNOWN, "unknown" },
    { "/xvm/ocf/action/unknown/validate", "validate", XVM_ACTION_UNKNOWN, "unknown" },
    { "/xvm/ocf/action/unknown/empty", "", XVM_ACTION_UNKNOWN, "unknown" },
    { "/xvm/ocf/action/unknown/null", NULL, XVM_ACTION_UNKNOWN, "unknown" },
};

static void
test_action_name(gconstpointer data)
{
    const NameCase *c = data;
    XvmAction action = xvm_action_from_string(c->name);

    g_assert_cmpint(action, ==, c->action);
    g_assert_cmpstr(xvm_action_name(action), ==, c->canonical);
}

/* Every real action's printed name parses back to the same action: the log
 * and the meta-data lookup (by name) depend on it. */
static void
test_action_round_trip(void)
{
    for (int a = XVM_ACTION_UNKNOWN + 1; a < XVM_ACTION_COUNT; a++)
        g_assert_cmpint(xvm_action_from_string(xvm_action_name(a)), ==, a);
    g_assert_cmpstr(xvm_action_name((XvmAction) 999), ==, "unknown");
}

static gboolean
advertised(const char *name)
{
    for (gsize i = 0; i < xvm_metadata_action_count; i++) {
        if (strcmp(xvm_metadata_action_table[i].name, name) == 0)
            return TRUE;
    }
    return FALSE;
}

/* The action list is meta-data's: the enum starts with the advertised
 * actions in meta-data's order; the by-hand ones follow and are not
 * advertised. */
static void
test_action_list_is_metadata(void)
{
    g_assert_cmpuint(xvm_metadata_action_count, <, XVM_ACTION_COUNT);
    for (gsize i = 0; i < xvm_metadata_action_count; i++)
        g_assert_cmpstr(xvm_action_name((XvmAction) (i + 1)), ==,
                        xvm_metadata_action_table[i].name);
    for (int a = (int) xvm_metadata_action_count + 1; a < XVM_ACTION_COUNT; a++)
        g_assert_false(advertised(xvm_action_name(a)));
}

/* Every action has a row in the properties table, and the dispatch handles
 * exactly the actions that table says act on a domain. */
static void
test_action_props_complete(void)
{
    g_assert_cmpint(xvm_action_props(XVM_ACTION_UNKNOWN)->libvirt, ==, XVM_LIBVIRT_UNSET);
    g_assert_false(xvm_action_handled(XVM_ACTION_UNKNOWN));
    for (int a = XVM_ACTION_UNKNOWN + 1; a < XVM_ACTION_COUNT; a++) {
        const XvmActionProps *props = xvm_action_props(a);

        g_test_message("action %s", xvm_action_name(a));
        g_assert_cmpint(props->libvirt, !=, XVM_LIBVIRT_UNSET);
        g_assert_cmpint(props->on_domain, ==, xvm_action_handled(a));
        /* Only an action on a domain can need libvirt. */
        if (!props->on_domain)
            g_assert_cmpint(props->libvirt, ==, XVM_LIBVIRT_NEVER);
    }
}

/* Which binary runs what: the front never loads libvirt for meta-data, the
 * hook or validate-all below level 10 (README: where the time goes). */
static void
test_action_needs_libvirt(void)
{
    g_assert_true(xvm_action_needs_libvirt(XVM_ACTION_MONITOR, 0));
    g_assert_true(xvm_action_needs_libvirt(XVM_ACTION_STOP, 0));
    g_assert_false(xvm_action_needs_libvirt(XVM_ACTION_VALIDATE_ALL, 0));
    g_assert_true(xvm_action_needs_libvirt(XVM_ACTION_VALIDATE_ALL, 10));
    g_assert_false(xvm_action_needs_libvirt(XVM_ACTION_META_DATA, 10));
    g_assert_false(xvm_action_needs_libvirt(XVM_ACTION_HOOK, 10));
    g_assert_false(xvm_action_needs_libvirt(XVM_ACTION_UNKNOWN, 10));
}

typedef struct {
    const char *path;
    XvmOcfRc rc;
    int value;          /* the number OCF 1.1 assigns (ocf-contract 1.3) */
    const char *name;
} RcCase;

static const RcCase rc_cases[] = {
    { "/xvm/ocf/rc/success", XVM_OCF_SUCCESS, 0, "ok" },
    { "/xvm/ocf/rc/generic", XVM_OCF_ERR_GENERIC, 1, "generic error" },
    { "/xvm/ocf/rc/args", XVM_OCF_ERR_ARGS, 2, "invalid argument" },
    { "/xvm/ocf/rc/unimplemented", XVM_OCF_ERR_UNIMPLEMENTED, 3, "unimplemented" },
    { "/xvm/ocf/rc/perm", XVM_OCF_ERR_PERM, 4, "insufficient privileges" },
    { "/xvm/ocf/rc/installed", XVM_OCF_ERR_INSTALLED, 5, "not installed" },
    { "/xvm/ocf/rc/configured", XVM_OCF_ERR_CONFIGURED, 6, "not configured" },
    { "/xvm/ocf/rc/not-running", XVM_OCF_NOT_RUNNING, 7, "not running" },
};

static void
test_rc(gconstpointer data)
{
    const RcCase *c = data;

    /* The enum value is the exit code itself: main() exits with it. */
    g_assert_cmpint((int) c->rc, ==, c->value);
    g_assert_cmpstr(xvm_ocf_rc_name(c->rc), ==, c->name);
}

/* A value no OCF code has still gets a printable name (never NULL into a
 * printf). */
static void
test_rc_out_of_range(void)
{
    g_assert_cmpstr(xvm_ocf_rc_name((XvmOcfRc) 42), ==, "unknown");
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(name_cases); i++)
        g_test_add_data_func(name_cases[i].path, &name_cases[i], test_action_name);
    g_test_add_func("/xvm/ocf/action/round-trip", test_action_round_trip);
    g_test_add_func("/xvm/ocf/action/list-is-metadata", test_action_list_is_metadata);
    g_test_add_func("/xvm/ocf/action/props-complete", test_action_props_complete);
    g_test_add_func("/xvm/ocf/action/needs-libvirt", test_action_needs_libvirt);
    for (gsize i = 0; i < G_N_ELEMENTS(rc_cases); i++)
        g_test_add_data_func(rc_cases[i].path, &rc_cases[i], test_rc);
    g_test_add_func("/xvm/ocf/rc/out-of-range", test_rc_out_of_range);
    return g_test_run();
}
