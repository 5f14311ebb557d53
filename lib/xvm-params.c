#include "xvm-params.h"

#include <string.h>

#include "xvm-error.h"
#include "xvm-metadata.h"

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
};

gboolean
xvm_parse_bool(const char *text, gboolean *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1", "y" };
    static const char *const no[] = { "false", "no", "off", "0", "n" };

    for (gsize i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0) {
            *out = TRUE;
            return TRUE;
        }
        if (g_ascii_strcasecmp(text, no[i]) == 0) {
            *out = FALSE;
            return TRUE;
        }
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

/* Checks one raw value against its declared type. */
static gboolean
check_type(const XvmParamSpec *spec, const char *value, GError **error)
{
    gboolean flag;
    guint64 number;
    guint64 max = integer_limit(spec->name);

    switch (spec->type) {
    case XVM_PARAM_STRING:
        return TRUE;
    case XVM_PARAM_BOOLEAN:
        if (xvm_parse_bool(value, &flag))
            return TRUE;
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                    "%s=\"%s\" is not a boolean (use true or false)", spec->name, value);
        return FALSE;
    case XVM_PARAM_INTEGER:
        if (value[0] == '\0' || g_ascii_string_to_unsigned(value, 10, 0, max, &number, NULL))
            return TRUE;
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                    "%s=\"%s\" is not a whole number from 0 to %" G_GUINT64_FORMAT,
                    spec->name, value, max);
        return FALSE;
    }
    return TRUE;
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

    return value[0] ? (gint64) g_ascii_strtoull(value, NULL, 10) : unset;
}

static char *
param_str(const XvmEnv *env, const char *name)
{
    return g_strdup(param_value(env, name));
}

static gboolean
check_all_types(const XvmEnv *env, GError **error)
{
    gsize count;
    const XvmParamSpec *specs = xvm_metadata_params(&count);

    for (gsize i = 0; i < count; i++) {
        const XvmParamSpec *spec = &specs[i];
        const char *value = xvm_env_param(env, spec->name);

        if (spec->required && (value == NULL || value[0] == '\0')) {
            g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_MISSING,
                        "parameter %s is required", spec->name);
            return FALSE;
        }
        if (value && !check_type(spec, value, error))
            return FALSE;
    }
    return TRUE;
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

static gboolean
parse_migration_type(const char *text, XvmMigrationType *out, GError **error)
{
    if (strcmp(text, "live") == 0 || text[0] == '\0') {
        *out = XVM_MIGRATION_LIVE;
        return TRUE;
    }
    if (strcmp(text, "paused") == 0) {
        *out = XVM_MIGRATION_PAUSED;
        return TRUE;
    }
    g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                "migration_type=\"%s\" unknown: use live or paused", text);
    return FALSE;
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

/* The %n templates may hold only %n and %%: anything else is a typo that
 * would otherwise reach libvirt as a literal. */
static gboolean
check_template(const char *name, const char *value, GError **error)
{
    for (const char *p = strchr(value, '%'); p; p = strchr(p + 2, '%')) {
        if (p[1] != 'n' && p[1] != '%') {
            g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                        "%s=\"%s\": only %%n (target node) and %%%% are allowed",
                        name, value);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
check_combinations(const XvmParams *p, GError **error)
{
    if (!check_config_path(p->config, error)
        || !check_template("remoteuri", p->remoteuri, error)
        || !check_template("migrateuri", p->migrateuri, error))
        return FALSE;
    if (p->hypervisor[0] == '\0' || strstr(p->hypervisor, ":/") == NULL) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                    "hypervisor=\"%s\" is not a libvirt URI such as qemu:///system",
                    p->hypervisor);
        return FALSE;
    }
    if (p->migration_user[0] && !g_regex_match_simple("^[a-z_][-a-z0-9_.]*$",
                                                      p->migration_user, 0, 0)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                    "migration_user=\"%s\" is not a user name", p->migration_user);
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
    p->migration_transport = param_str(env, "migration_transport");
    p->migration_user = param_str(env, "migration_user");
    p->migration_network_suffix = param_str(env, "migration_network_suffix");
    p->remoteuri = param_str(env, "remoteuri");
    p->migrateuri = param_str(env, "migrateuri");
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
}

gboolean
xvm_params_parse(const XvmEnv *env, XvmParams **out, GError **error)
{
    g_autoptr(XvmParams) p = g_new0(XvmParams, 1);
    gboolean types_ok = check_all_types(env, error);

    /* Fill even when a type is wrong: stop still needs config. */
    fill_strings(p, env);
    fill_numbers(p, env);
    *out = g_steal_pointer(&p);
    if (!types_ok)
        return FALSE;
    return parse_migration_type(param_value(env, "migration_type"),
                                &(*out)->migration_type, error)
           && xvm_parse_shutdown_modes(param_value(env, "shutdown_mode"),
                                       &(*out)->shutdown_modes, error)
           && check_combinations(*out, error);
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
    g_free(p);
}
