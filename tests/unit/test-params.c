/* The instance parameters: typed parsing, the rules that tie them together,
 * and the meta-data they are declared in (the one source of names, types,
 * defaults and action timeouts; style.md 7.1). */
#include <string.h>
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "xvm-auto.h"
#include "xvm-error.h"
#include "xvm-metadata.h"
#include "xvm-params.h"

#include "test-util.h"

#define MAX_WORDS 4

/* As validate-all judges them: a value nobody can interpret fails, like a
 * hard error (the other actions read it as VirtualDomain would: see
 * test_soft_readings). */
static gboolean
parse_strictly(XvmEnv *env, XvmParams **out, GError **error)
{
    g_autofree char *joined = NULL;

    /* hypervisor unset: libvirt's default, never this host's libvirt.conf. */
    if (xvm_env_get(env, "XVM_LIBVIRT_CONF") == NULL)
        xvm_env_set(env, "XVM_LIBVIRT_CONF", "/nonexistent/xvm-unit/libvirt.conf");
    if (!xvm_params_parse(env, out, error))
        return FALSE;
    if ((*out)->problems->len == 0)
        return TRUE;
    g_ptr_array_add((*out)->problems, NULL);
    joined = g_strjoinv("; ", (char **) (*out)->problems->pdata);
    g_ptr_array_set_size((*out)->problems, (*out)->problems->len - 1);
    g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID, "%s", joined);
    return FALSE;
}

/* An environment with nothing but a valid config path. */
static XvmEnv *
env_for_vm1(void)
{
    XvmEnv *env = xvm_env_new(NULL);

    xvm_env_set(env, "OCF_RESKEY_config", "/etc/xvm/vm1.xml");
    return env;
}

/* Parses "name=value" words as OCF_RESKEY_name.  config defaults to a valid
 * absolute path unless the case sets it (or "-config" asks for none). */
static gboolean
parse_words(const char *const *words, XvmParams **out, GError **error)
{
    g_autoptr(XvmEnv) env = env_for_vm1();
    gboolean keep_config_unset = FALSE;

    for (gsize i = 0; i < MAX_WORDS && words[i]; i++) {
        const char *eq = strchr(words[i], '=');
        g_autofree char *name = NULL;

        if (strcmp(words[i], "-config") == 0) {
            keep_config_unset = TRUE;
            continue;
        }
        g_assert_nonnull(eq);
        name = g_strdup_printf("OCF_RESKEY_%.*s", (int) (eq - words[i]), words[i]);
        xvm_env_set(env, name, eq + 1);
    }
    if (keep_config_unset)
        g_hash_table_remove(env->vars, "OCF_RESKEY_config");
    return parse_strictly(env, out, error);
}

/* ---- defaults ------------------------------------------------------------ */

static void
test_defaults(void)
{
    const char *words[] = { NULL };
    g_autoptr(XvmParams) p = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(parse_words(words, &p, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(p->config, ==, "/etc/xvm/vm1.xml");
    g_assert_cmpstr(p->hypervisor, ==, "");     /* libvirt's default, asked at connect */
    g_assert_false(p->persistent);
    g_assert_false(p->force_stop);
    g_assert_false(p->save_config_on_stop);
    g_assert_cmpint(p->shutdown_timeout_s, ==, -1);     /* derive from the stop timeout */
    g_assert_cmpuint(p->shutdown_modes, ==, 0);          /* the hypervisor's choice */
    g_assert_nonnull(p->monitor_scripts);
    g_assert_cmpuint(g_strv_length(p->monitor_scripts), ==, 0);
    g_assert_cmpint(p->migration_type, ==, XVM_MIGRATION_LIVE);
    g_assert_cmpstr(p->migration_transport, ==, "");
    g_assert_cmpstr(p->migration_user, ==, "");
    g_assert_cmpstr(p->migration_network_suffix, ==, "");
    g_assert_cmpstr(p->remoteuri, ==, "");
    g_assert_cmpstr(p->migrateuri, ==, "");
    g_assert_cmpint(p->migrateport, ==, 0);
    g_assert_cmpuint(p->migration_speed_mibs, ==, 0);
    g_assert_cmpuint(p->migration_downtime_ms, ==, 0);
    /* VirtualDomain's defaults for the parameters it has and we took. */
    g_assert_true(p->autoset_utilization_cpu);
    g_assert_true(p->autoset_utilization_host_memory);
    g_assert_true(p->autoset_utilization_hv_memory);
    g_assert_false(p->unset_utilization_cpu);
    g_assert_false(p->unset_utilization_host_memory);
    g_assert_false(p->unset_utilization_hv_memory);
    g_assert_false(p->sync_config_on_stop);
    g_assert_false(p->start_resources);
    g_assert_false(p->stateless);
    g_assert_cmpstr(p->snapshot, ==, "");
    g_assert_cmpstr(p->backingfile, ==, "");
    g_assert_cmpstr(p->copyindirs, ==, "");
    g_assert_cmpstr(p->migrate_options, ==, "");
    g_assert_true(p->migration_auto_converge);
    g_assert_false(p->migration_postcopy);
    g_assert_cmpuint(p->problems->len, ==, 0);
}

/* ---- booleans and integers: one word, one field --------------------------- */

/* One "param=value" word, accepted (ok) or refused, and the field it sets:
 * booleans and integers differ only in which field that is (typed_field). */
typedef struct {
    const char *path;
    const char *param;
    const char *value;
    gboolean ok;
    gint64 want;            /* when ok; a boolean's is TRUE or FALSE */
} TypedCase;

static const TypedCase bool_cases[] = {
    { "/xvm/params/bool/true", "persistent", "true", TRUE, TRUE },
    { "/xvm/params/bool/false", "persistent", "false", TRUE, FALSE },
    { "/xvm/params/bool/yes", "persistent", "yes", TRUE, TRUE },
    { "/xvm/params/bool/no", "persistent", "no", TRUE, FALSE },
    { "/xvm/params/bool/1", "force_stop", "1", TRUE, TRUE },
    { "/xvm/params/bool/0", "force_stop", "0", TRUE, FALSE },
    { "/xvm/params/bool/on", "save_config_on_stop", "on", TRUE, TRUE },
    { "/xvm/params/bool/off", "save_config_on_stop", "off", TRUE, FALSE },
    /* Exactly ocf_is_true's list (ocf-shellfuncs), case and all. */
    { "/xvm/params/bool/upper-case", "persistent", "TRUE", TRUE, TRUE },
    { "/xvm/params/bool/title-case", "persistent", "True", TRUE, TRUE },
    { "/xvm/params/bool/ja", "persistent", "ja", TRUE, TRUE },
    { "/xvm/params/bool/ON", "force_stop", "ON", TRUE, TRUE },
    { "/xvm/params/bool/YES", "force_stop", "YES", TRUE, TRUE },
    { "/xvm/params/bool/mixed-case-off", "force_stop", "Off", TRUE, FALSE },
    { "/xvm/params/bool/nein", "force_stop", "nein", TRUE, FALSE },
    { "/xvm/params/bool/N", "force_stop", "N", TRUE, FALSE },
    /* ocf_is_true reads these as false, though a person means true: that
     * reading is kept (VirtualDomain's meaning), and validate-all refuses. */
    { "/xvm/params/bool/Yes", "persistent", "Yes", FALSE, FALSE },
    { "/xvm/params/bool/On", "persistent", "On", FALSE, FALSE },
    { "/xvm/params/bool/y", "persistent", "y", FALSE, FALSE },
    /* Anything else is an error naming the parameter, never a quiet false. */
    { "/xvm/params/bool/junk/persistent", "persistent", "maybe", FALSE, FALSE },
    { "/xvm/params/bool/junk/force_stop", "force_stop", "2", FALSE, FALSE },
    { "/xvm/params/bool/junk/save_config_on_stop", "save_config_on_stop", "truee", FALSE,
      FALSE },
};

/* Integers: plain decimal within the parameter's limits; empty is unset. */
static const TypedCase int_cases[] = {
    { "/xvm/params/int/shutdown_timeout/60", "shutdown_timeout", "60", TRUE, 60 },
    { "/xvm/params/int/shutdown_timeout/0", "shutdown_timeout", "0", TRUE, 0 },
    /* Empty means unset: derive the graceful budget from the stop timeout. */
    { "/xvm/params/int/shutdown_timeout/empty", "shutdown_timeout", "", TRUE, -1 },
    { "/xvm/params/int/shutdown_timeout/leading-zeros", "shutdown_timeout", "007", TRUE, 7 },
    { "/xvm/params/int/shutdown_timeout/24h", "shutdown_timeout", "86400", TRUE, 86400 },
    /* Negative, units, overflow and hex are typos; refuse them. */
    { "/xvm/params/int/shutdown_timeout/negative", "shutdown_timeout", "-1", FALSE, 0 },
    { "/xvm/params/int/shutdown_timeout/with-unit", "shutdown_timeout", "10s", FALSE, 0 },
    { "/xvm/params/int/shutdown_timeout/overflow", "shutdown_timeout",
      "99999999999999999999999", FALSE, 0 },
    { "/xvm/params/int/shutdown_timeout/hex", "shutdown_timeout", "0x10", FALSE, 0 },
    { "/xvm/params/int/shutdown_timeout/blank", "shutdown_timeout", " 10", FALSE, 0 },
    /* A value in ms where seconds are asked for: over the 24 h limit. */
    { "/xvm/params/int/shutdown_timeout/over-limit", "shutdown_timeout", "86401", FALSE, 0 },
    { "/xvm/params/int/migrateport/49152", "migrateport", "49152", TRUE, 49152 },
    { "/xvm/params/int/migrateport/65535", "migrateport", "65535", TRUE, 65535 },
    { "/xvm/params/int/migrateport/70000", "migrateport", "70000", FALSE, 0 },
    { "/xvm/params/int/migrateport/empty", "migrateport", "", TRUE, 0 },
    { "/xvm/params/int/migration_speed/100", "migration_speed", "100", TRUE, 100 },
    { "/xvm/params/int/migration_speed/over-limit", "migration_speed", "1048577", FALSE, 0 },
    { "/xvm/params/int/migration_downtime/300", "migration_downtime", "300", TRUE, 300 },
    { "/xvm/params/int/migration_downtime/over-limit", "migration_downtime", "3600001",
      FALSE, 0 },
    { "/xvm/params/int/migration_downtime/negative", "migration_downtime", "-300", FALSE, 0 },
};

/* The field param sets, of those the two tables above use. */
static gint64
typed_field(const XvmParams *p, const char *param)
{
    if (strcmp(param, "persistent") == 0)
        return p->persistent;
    if (strcmp(param, "force_stop") == 0)
        return p->force_stop;
    if (strcmp(param, "save_config_on_stop") == 0)
        return p->save_config_on_stop;
    if (strcmp(param, "shutdown_timeout") == 0)
        return p->shutdown_timeout_s;
    if (strcmp(param, "migrateport") == 0)
        return p->migrateport;
    if (strcmp(param, "migration_speed") == 0)
        return (gint64) p->migration_speed_mibs;
    g_assert_cmpstr(param, ==, "migration_downtime");
    return (gint64) p->migration_downtime_ms;
}

/* Parses the one word "param=value", expecting it accepted (ok) or refused
 * with an error that names param: the parameters when accepted, else NULL.
 * Refused or not, the parameters are filled (stop still needs config). */
static XvmParams *
parse_one(const char *param, const char *value, gboolean ok)
{
    g_autofree char *word = g_strdup_printf("%s=%s", param, value);
    const char *words[] = { word, NULL };
    g_autoptr(XvmParams) p = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(parse_words(words, &p, &error), ==, ok);
    g_assert_nonnull(p);
    if (!ok) {
        g_assert_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID);
        g_assert_nonnull(strstr(error->message, param));
        return NULL;
    }
    g_assert_no_error(error);
    return g_steal_pointer(&p);
}

static void
test_typed(gconstpointer data)
{
    const TypedCase *c = data;
    g_autoptr(XvmParams) p = parse_one(c->param, c->value, c->ok);

    if (p)
        g_assert_cmpint(typed_field(p, c->param), ==, c->want);
}

/* ---- accepted or refused, by rule ------------------------------------------ */

typedef struct {
    const char *path;
    const char *words[MAX_WORDS];
    gboolean ok;
    XvmErrorCode code;
    const char *mention;    /* the error names this (the parameter, usually) */
} RuleCase;

static const RuleCase rule_cases[] = {
    /* config: required, absolute (Pacemaker's cwd is no business of ours). */
    { "/xvm/params/config/missing", { "-config" }, FALSE, XVM_ERROR_PARAM_MISSING, "config" },
    { "/xvm/params/config/empty", { "config=" }, FALSE, XVM_ERROR_PARAM_MISSING, "config" },
    { "/xvm/params/config/relative", { "config=vm1.xml" }, FALSE, XVM_ERROR_PARAM_INVALID,
      "config" },
    { "/xvm/params/config/dot-relative", { "config=./vm1.xml" }, FALSE,
      XVM_ERROR_PARAM_INVALID, "config" },
    { "/xvm/params/config/absolute", { "config=/srv/xvm/vm1.xml" }, TRUE, 0, NULL },
    /* shutdown_mode: a list of libvirt's methods. */
    { "/xvm/params/shutdown_mode/foo", { "shutdown_mode=foo" }, FALSE,
      XVM_ERROR_PARAM_INVALID, "foo" },
    { "/xvm/params/shutdown_mode/one-bad", { "shutdown_mode=acpi,reboot" }, FALSE,
      XVM_ERROR_PARAM_INVALID, "reboot" },
    /* migration_type */
    { "/xvm/params/migration_type/paused", { "migration_type=paused" }, TRUE, 0, NULL },
    { "/xvm/params/migration_type/foo", { "migration_type=foo" }, FALSE,
      XVM_ERROR_PARAM_INVALID, "migration_type" },
    /* %n templates: only %n and %% (a typo must not reach libvirt). */
    { "/xvm/params/template/remoteuri/n", { "remoteuri=qemu+ssh://%n/system" }, TRUE, 0,
      NULL },
    { "/xvm/params/template/remoteuri/percent-x", { "remoteuri=qemu+ssh://%x/system" },
      FALSE, XVM_ERROR_PARAM_INVALID, "remoteuri" },
    { "/xvm/params/template/remoteuri/double-percent", { "remoteuri=qemu:///a%%b" }, TRUE,
      0, NULL },
    { "/xvm/params/template/remoteuri/trailing-percent", { "remoteuri=qemu://%n/%" }, FALSE,
      XVM_ERROR_PARAM_INVALID, "remoteuri" },
    { "/xvm/params/template/migrateuri/n", { "migrateuri=tcp://%n-mig:49152" }, TRUE, 0,
      NULL },
    { "/xvm/params/template/migrateuri/upper-n", { "migrateuri=tcp://%N:49152" }, FALSE,
      XVM_ERROR_PARAM_INVALID, "migrateuri" },
    { "/xvm/params/template/migrateuri/percent-then-n", { "migrateuri=tcp://%%%n" }, TRUE,
      0, NULL },
    /* hypervisor: a libvirt URI. */
    { "/xvm/params/hypervisor/test-driver", { "hypervisor=test:///default" }, TRUE, 0, NULL },
    { "/xvm/params/hypervisor/remote", { "hypervisor=qemu+ssh://h/system" }, TRUE, 0, NULL },
    { "/xvm/params/hypervisor/not-uri", { "hypervisor=qemu" }, FALSE,
      XVM_ERROR_PARAM_INVALID, "hypervisor" },
    { "/xvm/params/hypervisor/path", { "hypervisor=/run/libvirt/libvirt-sock" }, FALSE,
      XVM_ERROR_PARAM_INVALID, "hypervisor" },
    /* Empty: libvirt's default, as VirtualDomain's "virsh uri". */
    { "/xvm/params/hypervisor/empty", { "hypervisor=" }, TRUE, 0, NULL },
    /* migration_user goes into a URI: a user name and nothing else. */
    { "/xvm/params/migration_user/root", { "migration_user=root" }, TRUE, 0, NULL },
    { "/xvm/params/migration_user/service", { "migration_user=svc_mig-1.x" }, TRUE, 0,
      NULL },
    { "/xvm/params/migration_user/space", { "migration_user=a b" }, FALSE,
      XVM_ERROR_PARAM_INVALID, "migration_user" },
    { "/xvm/params/migration_user/at", { "migration_user=a@evil" }, FALSE,
      XVM_ERROR_PARAM_INVALID, "migration_user" },
    { "/xvm/params/migration_user/command", { "migration_user=$(id)" }, FALSE,
      XVM_ERROR_PARAM_INVALID, "migration_user" },
    { "/xvm/params/migration_user/dash-first", { "migration_user=-oProxy" }, FALSE,
      XVM_ERROR_PARAM_INVALID, "migration_user" },
};

static void
test_rule(gconstpointer data)
{
    const RuleCase *c = data;
    g_autoptr(XvmParams) p = NULL;
    g_autoptr(GError) error = NULL;
    gboolean ok = parse_words(c->words, &p, &error);

    g_assert_nonnull(p);
    if (c->ok) {
        g_assert_no_error(error);
        g_assert_true(ok);
        return;
    }
    g_assert_false(ok);
    g_assert_error(error, XVM_ERROR, (gint) c->code);
    g_assert_nonnull(strstr(error->message, c->mention));
}

/* A wrong type elsewhere must not cost stop its config (stop must still
 * find the domain: ocf-contract 5.2). */
static void
test_filled_on_failure(void)
{
    const char *words[] = { "persistent=maybe", "config=/srv/vm1.xml", "force_stop=yes", NULL };
    g_autoptr(XvmParams) p = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_false(parse_words(words, &p, &error));
    g_assert_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID);
    g_assert_nonnull(p);
    g_assert_cmpstr(p->config, ==, "/srv/vm1.xml");
    g_assert_cmpstr(p->hypervisor, ==, "");
    g_assert_true(p->force_stop);
    g_assert_nonnull(p->monitor_scripts);
}

/* What start, stop, monitor and migrate_to use for a value nobody can
 * interpret: VirtualDomain's reading, or the default, each with a problem
 * that names the parameter. */
static void
test_soft_readings(void)
{
    g_autoptr(XvmEnv) env = env_for_vm1();
    g_autoptr(XvmParams) p = NULL;
    g_autoptr(GError) error = NULL;
    const char *const named[] = { "migration_type", "force_stop", "migrateport",
                                  "migration_user", "shutdown_mode", "remoteuri" };

    xvm_env_set(env, "OCF_RESKEY_migration_type", "fast");
    xvm_env_set(env, "OCF_RESKEY_force_stop", "Yes");
    xvm_env_set(env, "OCF_RESKEY_migrateport", "70000");
    xvm_env_set(env, "OCF_RESKEY_migration_user", "Admin");
    xvm_env_set(env, "OCF_RESKEY_shutdown_mode", "acpi,reboot");
    xvm_env_set(env, "OCF_RESKEY_remoteuri", "qemu+ssh://%h/system");
    g_assert_true(xvm_params_parse(env, &p, &error));
    g_assert_no_error(error);
    g_assert_cmpint(p->migration_type, ==, XVM_MIGRATION_LIVE);
    g_assert_false(p->force_stop);
    g_assert_cmpint(p->migrateport, ==, 0);
    g_assert_cmpstr(p->migration_user, ==, "");
    g_assert_cmpuint(p->shutdown_modes, ==, 0);
    g_assert_cmpstr(p->remoteuri, ==, "qemu+ssh://%h/system");
    g_assert_cmpuint(p->problems->len, ==, G_N_ELEMENTS(named));
    for (gsize i = 0; i < G_N_ELEMENTS(named); i++) {
        gboolean mentioned = FALSE;

        for (guint j = 0; j < p->problems->len; j++)
            mentioned |= strstr(g_ptr_array_index(p->problems, j), named[i]) != NULL;
        g_assert_true(mentioned);
    }
}

static void
test_sync_implies_save(void)
{
    g_autoptr(XvmParams) p = parse_one("sync_config_on_stop", "true", TRUE);

    g_assert_true(p->save_config_on_stop);
}

/* ---- hypervisor unset: libvirt's default URI ------------------------------- */

static void
test_default_uri_env(void)
{
    g_autoptr(XvmEnv) env = env_for_vm1();
    g_autoptr(XvmParams) p = NULL;
    g_autoptr(GError) error = NULL;

    xvm_env_set(env, "LIBVIRT_DEFAULT_URI", "xen:///system");
    g_assert_true(parse_strictly(env, &p, &error));
    g_assert_cmpstr(p->hypervisor, ==, "xen:///system");
}

static void
test_default_uri_conf(void)
{
    g_autofree char *dir = xvm_test_make_tmpdir();
    g_autofree char *conf = g_build_filename(dir, "libvirt.conf", NULL);
    g_autoptr(XvmEnv) env = env_for_vm1();
    g_autoptr(XvmParams) p = NULL;
    g_autoptr(XvmParams) explicit_p = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(g_file_set_contents(conf, "# uri_default = \"test:///x\"\n"
                                      "uri_default = \"lxc:///system\"\n"
                                      "  uri_default=\"qemu:///session\"\n", -1, NULL));
    xvm_env_set(env, "XVM_LIBVIRT_CONF", conf);
    g_assert_true(parse_strictly(env, &p, &error));
    g_assert_cmpstr(p->hypervisor, ==, "qemu:///session");   /* the last one counts */
    /* An explicit value wins over every default. */
    xvm_env_set(env, "OCF_RESKEY_hypervisor", "qemu:///system");
    g_assert_true(parse_strictly(env, &explicit_p, &error));
    g_assert_cmpstr(explicit_p->hypervisor, ==, "qemu:///system");
    xvm_test_remove_tree(dir);
}

/* ---- shutdown_mode lists ---------------------------------------------------- */

typedef struct {
    const char *path;
    const char *text;
    gboolean ok;
    guint bits;
} ModeCase;

static const ModeCase mode_cases[] = {
    { "/xvm/params/shutdown_mode/parse/empty", "", TRUE, 0 },
    { "/xvm/params/shutdown_mode/parse/acpi", "acpi", TRUE, XVM_SHUTDOWN_ACPI },
    { "/xvm/params/shutdown_mode/parse/acpi-agent", "acpi,agent", TRUE,
      XVM_SHUTDOWN_ACPI | XVM_SHUTDOWN_AGENT },
    { "/xvm/params/shutdown_mode/parse/blanks", " agent , acpi ", TRUE,
      XVM_SHUTDOWN_ACPI | XVM_SHUTDOWN_AGENT },
    { "/xvm/params/shutdown_mode/parse/all", "acpi,agent,initctl,signal,paravirt", TRUE,
      XVM_SHUTDOWN_ACPI | XVM_SHUTDOWN_AGENT | XVM_SHUTDOWN_INITCTL | XVM_SHUTDOWN_SIGNAL
      | XVM_SHUTDOWN_PARAVIRT },
    { "/xvm/params/shutdown_mode/parse/repeated", "acpi,acpi", TRUE, XVM_SHUTDOWN_ACPI },
    { "/xvm/params/shutdown_mode/parse/empty-item", "acpi,,agent", TRUE,
      XVM_SHUTDOWN_ACPI | XVM_SHUTDOWN_AGENT },
    { "/xvm/params/shutdown_mode/parse/foo", "foo", FALSE, 0 },
    /* virsh spells it --mode acpi; a space list is a different thing. */
    { "/xvm/params/shutdown_mode/parse/space-list", "acpi agent", FALSE, 0 },
    { "/xvm/params/shutdown_mode/parse/upper-case", "ACPI", FALSE, 0 },
};

static void
test_shutdown_mode(gconstpointer data)
{
    const ModeCase *c = data;
    g_autoptr(GError) error = NULL;
    guint bits = 0xdead;
    gboolean ok = xvm_parse_shutdown_modes(c->text, &bits, &error);

    g_assert_cmpint(ok, ==, c->ok);
    if (!c->ok) {
        g_assert_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID);
        g_assert_nonnull(strstr(error->message, "shutdown_mode"));
        return;
    }
    g_assert_no_error(error);
    g_assert_cmphex(bits, ==, c->bits);
}

/* Through the parameter as well: the bits reach XvmParams. */
static void
test_shutdown_mode_param(void)
{
    g_autoptr(XvmParams) p = parse_one("shutdown_mode", "acpi,agent", TRUE);

    g_assert_cmphex(p->shutdown_modes, ==, XVM_SHUTDOWN_ACPI | XVM_SHUTDOWN_AGENT);
}

static void
test_migration_type_paused(void)
{
    g_autoptr(XvmParams) p = parse_one("migration_type", "paused", TRUE);

    g_assert_cmpint(p->migration_type, ==, XVM_MIGRATION_PAUSED);
}

/* ---- monitor_scripts splitting ------------------------------------------------ */

typedef struct {
    const char *path;
    const char *value;
    const char *want[4];
} ScriptsCase;

static const ScriptsCase scripts_cases[] = {
    { "/xvm/params/monitor_scripts/empty", "", { NULL } },
    { "/xvm/params/monitor_scripts/blank", " \t ", { NULL } },
    { "/xvm/params/monitor_scripts/one", "/usr/local/bin/check", { "/usr/local/bin/check" } },
    /* Repeated blanks and tabs make no empty entries (an empty argv0 would
     * "fail" every monitor). */
    { "/xvm/params/monitor_scripts/messy", "  a  b\tc ", { "a", "b", "c" } },
};

static void
test_monitor_scripts(gconstpointer data)
{
    const ScriptsCase *c = data;
    g_autoptr(XvmParams) p = parse_one("monitor_scripts", c->value, TRUE);

    g_assert_cmpstrv(p->monitor_scripts, c->want);
}

/* ---- meta-data agrees with the code --------------------------------------------- */

typedef struct {
    const char *name;
    XvmParamType type;
    gboolean required;
} ParamDecl;

/* Every parameter xvm-params.c reads (param_str/param_bool/param_int and
 * param_value calls, plus integer_limits), with the type the code assumes. */
static const ParamDecl params_read_by_code[] = {
    { "config", XVM_PARAM_STRING, TRUE },
    { "hypervisor", XVM_PARAM_STRING, FALSE },
    { "persistent", XVM_PARAM_BOOLEAN, FALSE },
    { "force_stop", XVM_PARAM_BOOLEAN, FALSE },
    { "shutdown_timeout", XVM_PARAM_INTEGER, FALSE },
    { "shutdown_mode", XVM_PARAM_STRING, FALSE },
    { "save_config_on_stop", XVM_PARAM_BOOLEAN, FALSE },
    { "monitor_scripts", XVM_PARAM_STRING, FALSE },
    { "migration_type", XVM_PARAM_STRING, FALSE },
    { "migration_transport", XVM_PARAM_STRING, FALSE },
    { "migration_user", XVM_PARAM_STRING, FALSE },
    { "migration_network_suffix", XVM_PARAM_STRING, FALSE },
    { "remoteuri", XVM_PARAM_STRING, FALSE },
    { "migrateuri", XVM_PARAM_STRING, FALSE },
    { "migrateport", XVM_PARAM_INTEGER, FALSE },
    { "migration_speed", XVM_PARAM_INTEGER, FALSE },
    { "migration_downtime", XVM_PARAM_INTEGER, FALSE },
    { "migration_auto_converge", XVM_PARAM_BOOLEAN, FALSE },
    { "migration_postcopy", XVM_PARAM_BOOLEAN, FALSE },
    { "migration_progress_timeout", XVM_PARAM_INTEGER, FALSE },
    { "migrate_options", XVM_PARAM_STRING, FALSE },
    { "sync_config_on_stop", XVM_PARAM_BOOLEAN, FALSE },
    { "snapshot", XVM_PARAM_STRING, FALSE },
    { "start_resources", XVM_PARAM_BOOLEAN, FALSE },
    { "backingfile", XVM_PARAM_STRING, FALSE },
    { "stateless", XVM_PARAM_BOOLEAN, FALSE },
    { "copyindirs", XVM_PARAM_STRING, FALSE },
    { "autoset_utilization_cpu", XVM_PARAM_BOOLEAN, FALSE },
    { "autoset_utilization_host_memory", XVM_PARAM_BOOLEAN, FALSE },
    { "autoset_utilization_hv_memory", XVM_PARAM_BOOLEAN, FALSE },
    { "unset_utilization_cpu", XVM_PARAM_BOOLEAN, FALSE },
    { "unset_utilization_host_memory", XVM_PARAM_BOOLEAN, FALSE },
    { "unset_utilization_hv_memory", XVM_PARAM_BOOLEAN, FALSE },
};

static void
test_metadata_param(gconstpointer data)
{
    const ParamDecl *d = data;
    const XvmParamSpec *spec = xvm_metadata_param(d->name);

    /* xvm-params.c g_asserts this at run time; better to learn it here. */
    g_assert_nonnull(spec);
    g_assert_cmpstr(spec->name, ==, d->name);
    g_assert_cmpint(spec->type, ==, d->type);
    g_assert_cmpint(spec->required, ==, d->required);
    g_assert_nonnull(spec->default_value);
}

/* And the other way: meta-data advertises nothing the code ignores. */
static void
test_metadata_no_extra_params(void)
{
    gsize count;
    const XvmParamSpec *specs = xvm_metadata_params(&count);

    for (gsize i = 0; i < count; i++) {
        const XvmParamSpec *spec = &specs[i];
        gboolean known = FALSE;

        for (gsize k = 0; k < G_N_ELEMENTS(params_read_by_code); k++)
            known |= strcmp(params_read_by_code[k].name, spec->name) == 0;
        if (!known)
            g_test_message("meta-data parameter %s is not read by the code", spec->name);
        g_assert_true(known);
    }
    g_assert_cmpuint(count, ==, G_N_ELEMENTS(params_read_by_code));
    g_assert_null(xvm_metadata_param("no_such_parameter"));
}

/* Each declared default passes its own type check: otherwise every
 * resource that leaves it unset would fail. */
static void
test_metadata_defaults_typed(void)
{
    gsize count;
    const XvmParamSpec *specs = xvm_metadata_params(&count);

    for (gsize i = 0; i < count; i++) {
        const XvmParamSpec *spec = &specs[i];
        gboolean flag;
        guint64 number;

        if (spec->type == XVM_PARAM_BOOLEAN)
            g_assert_true(xvm_parse_bool(spec->default_value, &flag));
        else if (spec->type == XVM_PARAM_INTEGER && spec->default_value[0])
            g_assert_true(g_ascii_string_to_unsigned(spec->default_value, 10, 0, G_MAXINT32,
                                                     &number, NULL));
    }
}

typedef struct {
    const char *path;
    XvmAction action;
    gint64 timeout_ms;
} ActionTimeout;

/* metadata/domain.xml <actions>: the defaults Pacemaker and pcs show. */
static const ActionTimeout timeout_cases[] = {
    { "/xvm/params/metadata/timeout/start", XVM_ACTION_START, 90000 },
    { "/xvm/params/metadata/timeout/stop", XVM_ACTION_STOP, 90000 },
    { "/xvm/params/metadata/timeout/monitor", XVM_ACTION_MONITOR, 30000 },
    { "/xvm/params/metadata/timeout/migrate_to", XVM_ACTION_MIGRATE_TO, 120000 },
    { "/xvm/params/metadata/timeout/migrate_from", XVM_ACTION_MIGRATE_FROM, 60000 },
    { "/xvm/params/metadata/timeout/validate-all", XVM_ACTION_VALIDATE_ALL, 10000 },
    { "/xvm/params/metadata/timeout/meta-data", XVM_ACTION_META_DATA, 5000 },
    /* Not advertised: 0, so that the request falls back on its own. */
    { "/xvm/params/metadata/timeout/usage", XVM_ACTION_USAGE, 0 },
    { "/xvm/params/metadata/timeout/unknown", XVM_ACTION_UNKNOWN, 0 },
};

static void
test_metadata_timeout(gconstpointer data)
{
    const ActionTimeout *c = data;

    g_assert_cmpint(xvm_metadata_timeout_ms(c->action), ==, c->timeout_ms);
}

static xmlDoc *
read_metadata_file(void)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "..", "metadata", "domain.xml",
                                                  NULL);
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET);

    if (doc == NULL)
        g_test_message("cannot read %s", path);
    g_assert_nonnull(doc);
    return doc;
}

/* The file in the source tree, read independently: every <action timeout>
 * in it is what xvm_metadata_timeout_ms answers (no drift between the file
 * and the embedded copy, nor a missed action name). */
static void
test_metadata_timeouts_match_file(void)
{
    g_autoptr(xmlDoc) doc = read_metadata_file();
    guint seen = 0;

    for (xmlNode *sec = xmlDocGetRootElement(doc)->children; sec; sec = sec->next) {
        if (sec->type != XML_ELEMENT_NODE || strcmp((const char *) sec->name, "actions"))
            continue;
        for (xmlNode *a = sec->children; a; a = a->next) {
            g_autofree xmlChar *name = NULL;
            g_autofree xmlChar *timeout = NULL;
            XvmAction action;

            if (a->type != XML_ELEMENT_NODE)
                continue;
            name = xmlGetProp(a, (const xmlChar *) "name");
            timeout = xmlGetProp(a, (const xmlChar *) "timeout");
            action = xvm_action_from_string((const char *) name);
            g_test_message("action %s timeout %s", name, timeout);
            g_assert_cmpint(action, !=, XVM_ACTION_UNKNOWN);
            g_assert_nonnull(timeout);
            g_assert_cmpint(xvm_metadata_timeout_ms(action), ==,
                            xvm_interval_spec_to_ms((const char *) timeout));
            seen++;
        }
    }
    g_assert_cmpuint(seen, ==, 7);
}

static void
test_metadata_text_is_file(void)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "..", "metadata", "domain.xml",
                                                  NULL);
    g_autofree char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(xvm_metadata_text(), ==, text);
}

/* ---- interval specs ------------------------------------------------------------- */

typedef struct {
    const char *path;
    const char *spec;
    gint64 ms;
} SpecCase;

static const SpecCase spec_cases[] = {
    /* A bare number is seconds (ocf-contract 5.4). */
    { "/xvm/params/interval-spec/bare", "90", 90000 },
    { "/xvm/params/interval-spec/s", "90s", 90000 },
    { "/xvm/params/interval-spec/sec", "10sec", 10000 },
    { "/xvm/params/interval-spec/ms", "500ms", 500 },
    { "/xvm/params/interval-spec/msec", "500msec", 500 },
    { "/xvm/params/interval-spec/m", "5m", 300000 },
    { "/xvm/params/interval-spec/min", "2min", 120000 },
    { "/xvm/params/interval-spec/h", "1h", 3600000 },
    { "/xvm/params/interval-spec/hr", "2hr", 7200000 },
    { "/xvm/params/interval-spec/upper-case", "20S", 20000 },
    { "/xvm/params/interval-spec/zero", "0", 0 },
    { "/xvm/params/interval-spec/empty", "", -1 },
    { "/xvm/params/interval-spec/null", NULL, -1 },
    { "/xvm/params/interval-spec/junk", "abc", -1 },
    { "/xvm/params/interval-spec/negative", "-5s", -1 },
    { "/xvm/params/interval-spec/bad-unit", "10x", -1 },
    { "/xvm/params/interval-spec/fraction", "1.5s", -1 },
    { "/xvm/params/interval-spec/leading-blank", " 5s", -1 },
    { "/xvm/params/interval-spec/inner-blank", "5 s", -1 },
    { "/xvm/params/interval-spec/too-big", "4294967296", -1 },
};

static void
test_interval_spec(gconstpointer data)
{
    const SpecCase *c = data;

    g_assert_cmpint(xvm_interval_spec_to_ms(c->spec), ==, c->ms);
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    g_test_add_func("/xvm/params/defaults", test_defaults);
    for (gsize i = 0; i < G_N_ELEMENTS(bool_cases); i++)
        g_test_add_data_func(bool_cases[i].path, &bool_cases[i], test_typed);
    for (gsize i = 0; i < G_N_ELEMENTS(int_cases); i++)
        g_test_add_data_func(int_cases[i].path, &int_cases[i], test_typed);
    for (gsize i = 0; i < G_N_ELEMENTS(rule_cases); i++)
        g_test_add_data_func(rule_cases[i].path, &rule_cases[i], test_rule);
    g_test_add_func("/xvm/params/filled-on-failure", test_filled_on_failure);
    g_test_add_func("/xvm/params/soft-readings", test_soft_readings);
    g_test_add_func("/xvm/params/sync-implies-save", test_sync_implies_save);
    g_test_add_func("/xvm/params/hypervisor/default/env", test_default_uri_env);
    g_test_add_func("/xvm/params/hypervisor/default/conf", test_default_uri_conf);
    for (gsize i = 0; i < G_N_ELEMENTS(mode_cases); i++)
        g_test_add_data_func(mode_cases[i].path, &mode_cases[i], test_shutdown_mode);
    g_test_add_func("/xvm/params/shutdown_mode/param", test_shutdown_mode_param);
    g_test_add_func("/xvm/params/migration_type/paused-value", test_migration_type_paused);
    for (gsize i = 0; i < G_N_ELEMENTS(scripts_cases); i++)
        g_test_add_data_func(scripts_cases[i].path, &scripts_cases[i], test_monitor_scripts);
    for (gsize i = 0; i < G_N_ELEMENTS(params_read_by_code); i++) {
        g_autofree char *path = g_strconcat("/xvm/params/metadata/param/",
                                            params_read_by_code[i].name, NULL);

        g_test_add_data_func(path, &params_read_by_code[i], test_metadata_param);
    }
    g_test_add_func("/xvm/params/metadata/no-extra-params", test_metadata_no_extra_params);
    g_test_add_func("/xvm/params/metadata/defaults-typed", test_metadata_defaults_typed);
    for (gsize i = 0; i < G_N_ELEMENTS(timeout_cases); i++)
        g_test_add_data_func(timeout_cases[i].path, &timeout_cases[i], test_metadata_timeout);
    g_test_add_func("/xvm/params/metadata/timeouts-match-file",
                    test_metadata_timeouts_match_file);
    g_test_add_func("/xvm/params/metadata/text-is-file", test_metadata_text_is_file);
    for (gsize i = 0; i < G_N_ELEMENTS(spec_cases); i++)
        g_test_add_data_func(spec_cases[i].path, &spec_cases[i], test_interval_spec);
    return g_test_run();
}
