#include "xvm-params.h"

#include <string.h>

#include "xvm-error.h"
#include "xvm-metadata.h"
#include "xvm-migopts.h"
#include "xvm-uri.h"

/* Integer parameters: the largest value that makes sense, to refuse typos
 * such as a timeout in ms where seconds are asked for. */
static const struct {
    const char *name;
    guint64 max;
} integer_limits[] = {
    { "shutdown_timeout", 24 * 3600 },
    { "migrateport", 65535 },
    { "migration_speed", 1024 * 1024 },     /* 1 TiB/s */
    { "migration_downtime", 3600 * 1000 },
    { "migration_progress_timeout", 3600 },
};

gboolean
xvm_parse_bool(const char *text, gboolean *out)
{
    /* ocf_is_true's list, case and all (ocf-shellfuncs). */
    static const char *const ocf_true[] = {
        "yes", "true", "1", "YES", "TRUE", "True", "ja", "on", "ON",
    };
    static const char *const plainly_false[] = { "", "no", "false", "off", "0", "n", "nein" };

    *out = FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(ocf_true); i++) {
        if (strcmp(text, ocf_true[i]) == 0) {
            *out = TRUE;
            return TRUE;
        }
    }
    for (gsize i = 0; i < G_N_ELEMENTS(plainly_false); i++) {
        if (g_ascii_strcasecmp(text, plainly_false[i]) == 0)
            return TRUE;
    }
    return FALSE;
}

static guint64
integer_limit(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(integer_limits); i++) {
        if (strcmp(integer_limits[i].name, name) == 0)
            return integer_limits[i].max;
    }
    return G_MAXINT32;
}

static void
add_problem(XvmParams *p, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
add_problem(XvmParams *p, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    g_ptr_array_add(p->problems, g_strdup_vprintf(format, args));
    va_end(args);
}

static gboolean
integer_is_valid(const char *name, const char *value)
{
    return value[0] == '\0'
           || g_ascii_string_to_unsigned(value, 10, 0, integer_limit(name), NULL, NULL);
}

/* Checks one raw value against its declared type; a value of the wrong
 * type is a problem, read as described in the message. */
static void
check_type(XvmParams *p, const XvmParamSpec *spec, const char *value)
{
    gboolean flag;

    switch (spec->type) {
    case XVM_PARAM_STRING:
        return;
    case XVM_PARAM_BOOLEAN:
        if (!xvm_parse_bool(value, &flag))
            add_problem(p, "%s=\"%s\" is not a boolean; read as false, as VirtualDomain"
                        " reads it (write true or false)", spec->name, value);
        return;
    case XVM_PARAM_INTEGER:
        if (!integer_is_valid(spec->name, value))
            add_problem(p, "%s=\"%s\" is not a whole number from 0 to %" G_GUINT64_FORMAT
                        "; the default (%s) is used", spec->name, value,
                        integer_limit(spec->name),
                        spec->default_value[0] ? spec->default_value : "unset");
        return;
    }
}

/* The value of a parameter after defaults; types already checked. */
static const char *
param_value(const XvmEnv *env, const char *name)
{
    const XvmParamSpec *spec = xvm_metadata_param(name);
    const char *value = xvm_env_param(env, name);

    g_assert(spec != NULL);   /* a name the code uses must be in meta-data */
    return value ? value : spec->default_value;
}

static gboolean
param_bool(const XvmEnv *env, const char *name)
{
    gboolean flag = FALSE;

    xvm_parse_bool(param_value(env, name), &flag);
    return flag;
}

static gint64
param_int(const XvmEnv *env, const char *name, gint64 unset)
{
    const char *value = param_value(env, name);

    if (!integer_is_valid(name, value))
        value = xvm_metadata_param(name)->default_value;

    return value[0] ? (gint64) g_ascii_strtoull(value, NULL, 10) : unset;
}

static char *
param_str(const XvmEnv *env, const char *name)
{
    return g_strdup(param_value(env, name));
}

static gboolean
check_all_types(XvmParams *p, const XvmEnv *env, GError **error)
{
    gsize count;
    const XvmParamSpec *specs = xvm_metadata_params(&count);
    gboolean ok = TRUE;

    for (gsize i = 0; i < count; i++) {
        const XvmParamSpec *spec = &specs[i];
        const char *value = xvm_env_param(env, spec->name);

        if (spec->required && (value == NULL || value[0] == '\0') && ok) {
            g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_MISSING,
                        "parameter %s is required", spec->name);
            ok = FALSE;
        }
        if (value)
            check_type(p, spec, value);
    }
    return ok;
}

gboolean
xvm_parse_shutdown_modes(const char *text, guint *out, GError **error)
{
    static const struct {
        const char *name;
        XvmShutdownMode bit;
    } modes[] = {
        { "acpi", XVM_SHUTDOWN_ACPI }, { "agent", XVM_SHUTDOWN_AGENT },
        { "initctl", XVM_SHUTDOWN_INITCTL }, { "signal", XVM_SHUTDOWN_SIGNAL },
        { "paravirt", XVM_SHUTDOWN_PARAVIRT },
    };
    g_auto(GStrv) words = g_strsplit(text, ",", -1);

    *out = 0;
    for (gsize i = 0; words[i]; i++) {
        const char *word = g_strstrip(words[i]);
        gboolean known = FALSE;

        for (gsize m = 0; m < G_N_ELEMENTS(modes) && !known; m++) {
            if (strcmp(word, modes[m].name) == 0) {
                *out |= modes[m].bit;
                known = TRUE;
            }
        }
        if (!known && word[0] != '\0') {
            g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                        "shutdown_mode \"%s\" unknown: use acpi, agent, initctl, signal"
                        " or paravirt", word);
            return FALSE;
        }
    }
    return TRUE;
}

static XvmMigrationType
parse_migration_type(XvmParams *p, const char *text)
{
    if (strcmp(text, "paused") == 0)
        return XVM_MIGRATION_PAUSED;
    if (strcmp(text, "live") != 0 && text[0] != '\0')
        add_problem(p, "migration_type=\"%s\" unknown (use live or paused); live is used",
                    text);
    return XVM_MIGRATION_LIVE;
}

static guint
parse_shutdown_modes(XvmParams *p, const char *text)
{
    g_autoptr(GError) error = NULL;
    guint modes;

    if (xvm_parse_shutdown_modes(text, &modes, &error))
        return modes;
    add_problem(p, "%s; the hypervisor's default shutdown is used", error->message);
    return 0;
}

/* config must be an absolute path: a relative one depends on the cwd
 * Pacemaker happens to give the agent. */
static gboolean
check_config_path(const char *config, GError **error)
{
    if (!g_path_is_absolute(config)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                    "config=\"%s\" is not an absolute path", config);
        return FALSE;
    }
    return TRUE;
}

/* The %n templates may hold only %n and %%: anything else is most likely a
 * typo.  It is passed on as it is, as VirtualDomain does. */
static void
check_template(XvmParams *p, const char *name, const char *value)
{
    for (const char *pct = strchr(value, '%'); pct; pct = strchr(pct + 2, '%')) {
        if (pct[1] != 'n' && pct[1] != '%') {
            add_problem(p, "%s=\"%s\": only %%n (target node) and %%%% are expanded;"
                        " the rest is passed on as it is", name, value);
            return;
        }
    }
}

/* snapshot: a relative directory depends on the cwd Pacemaker gives the
 * agent, so it is not used.  With force_stop (VirtualDomain refuses the
 * pair), stop destroys at once, unsaved; start still restores a state file
 * left there. */
static void
check_snapshot(XvmParams *p)
{
    if (p->snapshot[0] != '\0' && !g_path_is_absolute(p->snapshot)) {
        add_problem(p, "snapshot=\"%s\" is not an absolute directory; ignored",
                    p->snapshot);
        p->snapshot[0] = '\0';
    }
    if (p->snapshot[0] != '\0' && p->force_stop)
        add_problem(p, "snapshot and force_stop=true do not go together: stop destroys the"
                    " domain without saving it");
}

/* No reading of a flag nobody can map is safe (a dropped --tls sends the
 * guest's memory in clear): every action but migrate_to warns, and
 * migrate_to refuses to start the copy. */
static void
check_migrate_options(XvmParams *p)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmMigOpts) opts = xvm_migopts_parse(p->migrate_options, &error);

    if (opts == NULL)
        add_problem(p, "migrate_options: migrate_to refuses to run: %s", error->message);
}

/* The readings VirtualDomain gives values it cannot use, so that a resource
 * that worked there works the same here. */
static void
check_soft_rules(XvmParams *p)
{
    check_template(p, "remoteuri", p->remoteuri);
    check_template(p, "migrateuri", p->migrateuri);
    if (p->migration_user[0] && !g_regex_match_simple("^[a-z_][-a-z0-9_.]*$",
                                                      p->migration_user, 0, 0)) {
        add_problem(p, "migration_user=\"%s\" is not a user name; ignored, as"
                    " VirtualDomain ignores it", p->migration_user);
        p->migration_user[0] = '\0';
    }
    if (p->sync_config_on_stop)
        p->save_config_on_stop = TRUE;
    if (p->stateless && p->backingfile[0] == '\0') {
        add_problem(p, "stateless=true needs backingfile (VirtualDomain refuses it too);"
                    " ignored");
        p->stateless = FALSE;
    }
    check_snapshot(p);
    check_migrate_options(p);
}

/* What no reading makes safe: a relative config depends on the cwd
 * Pacemaker gives the agent, and a wrong URI would look at another
 * hypervisor and find nothing there. */
static gboolean
check_hard_rules(const XvmParams *p, GError **error)
{
    if (!check_config_path(p->config, error))
        return FALSE;
    if (p->hypervisor[0] != '\0' && strstr(p->hypervisor, ":/") == NULL) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                    "hypervisor=\"%s\" is not a libvirt URI such as qemu:///system",
                    p->hypervisor);
        return FALSE;
    }
    return TRUE;
}

static void
fill_strings(XvmParams *p, const XvmEnv *env)
{
    g_autofree char *scripts = param_str(env, "monitor_scripts");

    p->config = param_str(env, "config");
    p->hypervisor = param_str(env, "hypervisor");
    if (p->hypervisor[0] == '\0') {
        char *fallback = xvm_uri_default_hypervisor(env);

        if (fallback) {
            g_free(p->hypervisor);
            p->hypervisor = fallback;
        }
    }
    p->migration_transport = param_str(env, "migration_transport");
    p->migration_user = param_str(env, "migration_user");
    p->migration_network_suffix = param_str(env, "migration_network_suffix");
    p->remoteuri = param_str(env, "remoteuri");
    p->migrateuri = param_str(env, "migrateuri");
    p->migrate_options = param_str(env, "migrate_options");
    p->snapshot = param_str(env, "snapshot");
    p->backingfile = param_str(env, "backingfile");
    p->copyindirs = param_str(env, "copyindirs");
    p->monitor_scripts = g_strsplit_set(g_strstrip(scripts), " \t", -1);
    /* g_strsplit_set leaves empty words between repeated separators. */
    for (gsize r = 0, w = 0;; r++) {
        if (p->monitor_scripts[r] == NULL) {
            p->monitor_scripts[w] = NULL;
            break;
        }
        if (p->monitor_scripts[r][0] == '\0')
            g_free(p->monitor_scripts[r]);
        else
            p->monitor_scripts[w++] = p->monitor_scripts[r];
    }
}

static void
fill_numbers(XvmParams *p, const XvmEnv *env)
{
    p->persistent = param_bool(env, "persistent");
    p->force_stop = param_bool(env, "force_stop");
    p->save_config_on_stop = param_bool(env, "save_config_on_stop");
    p->shutdown_timeout_s = param_int(env, "shutdown_timeout", -1);
    p->migrateport = (int) param_int(env, "migrateport", 0);
    p->migration_speed_mibs = (guint64) param_int(env, "migration_speed", 0);
    p->migration_downtime_ms = (guint64) param_int(env, "migration_downtime", 0);
    p->migration_progress_timeout_s = param_int(env, "migration_progress_timeout", 0);
    p->migration_auto_converge = param_bool(env, "migration_auto_converge");
    p->migration_postcopy = param_bool(env, "migration_postcopy");
    p->sync_config_on_stop = param_bool(env, "sync_config_on_stop");
    p->start_resources = param_bool(env, "start_resources");
    p->stateless = param_bool(env, "stateless");
    p->autoset_utilization_cpu = param_bool(env, "autoset_utilization_cpu");
    p->autoset_utilization_host_memory = param_bool(env, "autoset_utilization_host_memory");
    p->autoset_utilization_hv_memory = param_bool(env, "autoset_utilization_hv_memory");
    p->unset_utilization_cpu = param_bool(env, "unset_utilization_cpu");
    p->unset_utilization_host_memory = param_bool(env, "unset_utilization_host_memory");
    p->unset_utilization_hv_memory = param_bool(env, "unset_utilization_hv_memory");
}

gboolean
xvm_params_parse(const XvmEnv *env, XvmParams **out, GError **error)
{
    g_autoptr(XvmParams) p = g_new0(XvmParams, 1);
    gboolean required_ok;

    p->problems = g_ptr_array_new_with_free_func(g_free);
    required_ok = check_all_types(p, env, error);
    /* Fill even when config is missing: stop still needs the rest. */
    fill_strings(p, env);
    fill_numbers(p, env);
    p->migration_type = parse_migration_type(p, param_value(env, "migration_type"));
    p->shutdown_modes = parse_shutdown_modes(p, param_value(env, "shutdown_mode"));
    check_soft_rules(p);
    *out = g_steal_pointer(&p);
    return required_ok && check_hard_rules(*out, error);
}

void
xvm_params_free(XvmParams *p)
{
    if (p == NULL)
        return;
    g_free(p->config);
    g_free(p->hypervisor);
    g_strfreev(p->monitor_scripts);
    g_free(p->migration_transport);
    g_free(p->migration_user);
    g_free(p->migration_network_suffix);
    g_free(p->remoteuri);
    g_free(p->migrateuri);
    g_free(p->migrate_options);
    g_free(p->snapshot);
    g_free(p->backingfile);
    g_free(p->copyindirs);
    if (p->problems)
        g_ptr_array_unref(p->problems);
    g_free(p);
}
