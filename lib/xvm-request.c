#include "xvm-request.h"

#include <string.h>

#include "xvm-error.h"
#include "xvm-metadata.h"

/* Used when neither Pacemaker nor meta-data gives a timeout. */
#define XVM_FALLBACK_TIMEOUT_MS (20 * 1000)
/* A longer budget is surely a typo; cap it so that deadline arithmetic
 * cannot overflow and a by-hand run does not wait for a day. */
#define XVM_MAX_TIMEOUT_MS ((gint64) 24 * 3600 * 1000)

XvmEnv *
xvm_env_new(const char *const *envp)
{
    XvmEnv *env = g_new0(XvmEnv, 1);

    env->vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (gsize i = 0; envp && envp[i]; i++) {
        const char *eq = strchr(envp[i], '=');

        if (eq != NULL && eq != envp[i])
            g_hash_table_replace(env->vars, g_strndup(envp[i], eq - envp[i]),
                                 g_strdup(eq + 1));
    }
    return env;
}

void
xvm_env_free(XvmEnv *env)
{
    if (env == NULL)
        return;
    g_hash_table_unref(env->vars);
    g_free(env);
}

const char *
xvm_env_get(const XvmEnv *env, const char *name)
{
    return g_hash_table_lookup(env->vars, name);
}

const char *
xvm_env_param(const XvmEnv *env, const char *param)
{
    g_autofree char *name = g_strconcat("OCF_RESKEY_", param, NULL);

    return xvm_env_get(env, name);
}

void
xvm_env_set(XvmEnv *env, const char *name, const char *value)
{
    g_hash_table_replace(env->vars, g_strdup(name), g_strdup(value));
}

static gboolean
is_param_name(const char *name, gsize len)
{
    if (len == 0)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isalnum(name[i]) && name[i] != '_')
            return FALSE;
    }
    return TRUE;
}

gboolean
xvm_env_add_param_args(XvmEnv *env, const char *const *args, GError **error)
{
    for (gsize i = 0; args && args[i]; i++) {
        const char *eq = strchr(args[i], '=');
        g_autofree char *name = NULL;

        if (eq == NULL || !is_param_name(args[i], eq - args[i])) {
            g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                        "argument '%s' is not of the form parameter=value", args[i]);
            return FALSE;
        }
        name = g_strdup_printf("OCF_RESKEY_%.*s", (int) (eq - args[i]), args[i]);
        xvm_env_set(env, name, eq + 1);
    }
    return TRUE;
}

/* A non-negative decimal number of milliseconds, or -1. */
static gint64
parse_ms(const char *text)
{
    guint64 value;

    if (text == NULL || text[0] == '\0')
        return -1;
    if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT64, &value, NULL))
        return -1;
    return (gint64) value;
}

static void
request_read_timeout(XvmRequest *req, const XvmEnv *env)
{
    const char *text = xvm_env_get(env, "OCF_RESKEY_CRM_meta_timeout");
    gint64 ms = parse_ms(text);

    if (ms > 0) {
        req->timeout_ms = MIN(ms, XVM_MAX_TIMEOUT_MS);
        if (ms > XVM_MAX_TIMEOUT_MS)
            req->timeout_note = g_strdup_printf("CRM_meta_timeout=%s capped to 24 h", text);
        return;
    }
    req->timeout_defaulted = TRUE;
    req->timeout_ms = xvm_metadata_timeout_ms(req->action);
    if (req->timeout_ms <= 0)
        req->timeout_ms = XVM_FALLBACK_TIMEOUT_MS;
    if (text != NULL)
        req->timeout_note = g_strdup_printf("CRM_meta_timeout=\"%s\" is not a positive"
                                            " number of ms; using %" G_GINT64_FORMAT " ms",
                                            text, req->timeout_ms);
}

static int
parse_check_level(const char *text)
{
    guint64 level;

    /* "If a requested level is not implemented, perform the next lower one." */
    if (text == NULL || !g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT, &level, NULL))
        return 0;
    return level >= 10 ? 10 : 0;
}

/* Who owns the domain: the resource, or for a run by hand the config file it
 * was given, so that by-hand runs of different domains never share a note
 * or a marker (a constant here once let a by-hand stop of one VM stop
 * another). */
static char *
owner_instance(const XvmEnv *env)
{
    const char *instance = xvm_env_get(env, "OCF_RESOURCE_INSTANCE");
    const char *config = xvm_env_param(env, "config");
    g_autofree char *absolute = NULL;

    if (instance && instance[0])
        return g_strdup(instance);
    if (config == NULL || config[0] == '\0')
        return g_strdup(XVM_BY_HAND_PREFIX);
    absolute = g_canonicalize_filename(config, NULL);
    return g_strconcat(XVM_BY_HAND_PREFIX, absolute, NULL);
}

static char *
dup_nonempty(const char *text)
{
    return (text && text[0]) ? g_strdup(text) : NULL;
}

XvmRequest *
xvm_request_new(XvmAction action, const XvmEnv *env)
{
    XvmRequest *req = g_new0(XvmRequest, 1);
    const char *prefix = xvm_env_get(env, "OCF_EXIT_REASON_PREFIX");

    req->action = action;
    request_read_timeout(req, env);
    req->interval_ms = MAX(parse_ms(xvm_env_get(env, "OCF_RESKEY_CRM_meta_interval")), 0);
    req->check_level = parse_check_level(xvm_env_get(env, "OCF_CHECK_LEVEL"));
    req->migrate_target = dup_nonempty(xvm_env_get(env, "OCF_RESKEY_CRM_meta_migrate_target"));
    req->migrate_source = dup_nonempty(xvm_env_get(env, "OCF_RESKEY_CRM_meta_migrate_source"));
    req->instance = owner_instance(env);
    req->exit_reason_prefix = g_strdup((prefix && prefix[0]) ? prefix : "ocf-exit-reason:");
    return req;
}

void
xvm_request_free(XvmRequest *req)
{
    if (req == NULL)
        return;
    g_free(req->migrate_target);
    g_free(req->migrate_source);
    g_free(req->instance);
    g_free(req->exit_reason_prefix);
    g_free(req->timeout_note);
    g_free(req);
}

gboolean
xvm_request_is_probe(const XvmRequest *req)
{
    return req->action == XVM_ACTION_MONITOR && req->interval_ms == 0;
}
