/* Action names <-> XvmAction: the first thing the agent does with argv[1],
 * and what decides which code path Pacemaker gets. */
#include <string.h>

#include <glib.h>

#include "xvm-actions.h"
#include "xvm-metadata.h"
#include "xvm-ocf.h"

#include "test-util.h"

typedef struct {
    const char *label;      /* the subtest's name; NULL: name, less leading dashes */
    const char *name;       /* argv[1]; NULL: no argument at all */
    XvmAction action;
    const char *canonical;  /* xvm_action_name() of the result */
} NameCase;

/* The three families of names, so that a new spelling is one row that says
 * which family it is in: an action's own name parses to it and prints the
 * same; an alias prints as the action it selects; the rest are UNKNOWN. */
#define OWN_NAME(action, name) { NULL, name, action, name }
#define ALIAS(label, name, action, canonical) { label, name, action, canonical }
#define UNKNOWN_NAME(label, name) { "unknown/" label, name, XVM_ACTION_UNKNOWN, "unknown" }

static const NameCase name_cases[] = {
    OWN_NAME(XVM_ACTION_START, "start"),
    OWN_NAME(XVM_ACTION_STOP, "stop"),
    OWN_NAME(XVM_ACTION_MONITOR, "monitor"),
    /* LRM-era alias; it must map to monitor and print as monitor, so that
     * the meta-data timeout of monitor applies to it. */
    ALIAS("status-alias", "status", XVM_ACTION_MONITOR, "monitor"),
    OWN_NAME(XVM_ACTION_VALIDATE_ALL, "validate-all"),
    OWN_NAME(XVM_ACTION_MIGRATE_TO, "migrate_to"),
    OWN_NAME(XVM_ACTION_MIGRATE_FROM, "migrate_from"),
    OWN_NAME(XVM_ACTION_META_DATA, "meta-data"),
    OWN_NAME(XVM_ACTION_USAGE, "usage"),
    ALIAS("help", "help", XVM_ACTION_USAGE, "usage"),
    ALIAS("dash-dash-help", "--help", XVM_ACTION_USAGE, "usage"),
    ALIAS("dash-h", "-h", XVM_ACTION_USAGE, "usage"),
    OWN_NAME(XVM_ACTION_VERSION, "--version"),
    OWN_NAME(XVM_ACTION_HOOK, "hook"),
    OWN_NAME(XVM_ACTION_INSTALL_GUARD, "install-guard"),
    OWN_NAME(XVM_ACTION_UNINSTALL_GUARD, "uninstall-guard"),
    /* ocf-contract 5.12: these must come out as UNKNOWN so that the agent
     * answers 3 (unimplemented) for them. */
    UNKNOWN_NAME("promote", "promote"),
    UNKNOWN_NAME("demote", "demote"),
    UNKNOWN_NAME("notify", "notify"),
    UNKNOWN_NAME("reload", "reload"),
    UNKNOWN_NAME("reload-agent", "reload-agent"),
    /* Names are exact: Pacemaker never changes case or adds blanks. */
    UNKNOWN_NAME("upper-case", "START"),
    UNKNOWN_NAME("trailing-blank", "start "),
    UNKNOWN_NAME("prefix", "star"),
    UNKNOWN_NAME("validate", "validate"),
    UNKNOWN_NAME("empty", ""),
    UNKNOWN_NAME("null", NULL),
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
    for (gsize i = 0; i < G_N_ELEMENTS(name_cases); i++) {
        const NameCase *c = &name_cases[i];
        g_autofree char *path = g_strconcat("/xvm/ocf/action/",
                                            c->label ? c->label : c->name + strspn(c->name, "-"),
                                            NULL);

        g_test_add_data_func(path, c, test_action_name);
    }
    g_test_add_func("/xvm/ocf/action/round-trip", test_action_round_trip);
    g_test_add_func("/xvm/ocf/action/list-is-metadata", test_action_list_is_metadata);
    g_test_add_func("/xvm/ocf/action/props-complete", test_action_props_complete);
    g_test_add_func("/xvm/ocf/action/needs-libvirt", test_action_needs_libvirt);
    for (gsize i = 0; i < G_N_ELEMENTS(rc_cases); i++)
        g_test_add_data_func(rc_cases[i].path, &rc_cases[i], test_rc);
    g_test_add_func("/xvm/ocf/rc/out-of-range", test_rc_out_of_range);
    return g_test_run();
}
