#include "xvm-context.h"

#include <string.h>

#include "xvm-cache.h"
#include "xvm-error.h"
#include "xvm-log.h"
#include "xvm-spawn.h"

/* The longest a connection attempt may take, so that a hung libvirtd leaves
 * time for the process-table fallback. */
#define XVM_CONNECT_MAX_MS 10000

static void
context_load_inputs(XvmContext *ctx)
{
    if (!xvm_params_parse(ctx->env, &ctx->params, &ctx->params_error))
        xvm_log_debug("parameters: %s", ctx->params_error->message);
    if (ctx->params->config[0] == '\0') {
        g_set_error(&ctx->config_error, XVM_ERROR, XVM_ERROR_PARAM_MISSING,
                    "parameter config is required");
        return;
    }
    ctx->config = xvm_domxml_load(ctx->params->config, &ctx->config_error);
    if (ctx->config) {
        ctx->name = g_strdup(ctx->config->name);
        ctx->uuid = g_strdup(ctx->config->uuid);
        ctx->identity_source = "config";
    }
}

XvmContext *
xvm_context_new(const XvmRequest *req, const XvmEnv *env, XvmVirt *virt, XvmNowFunc now)
{
    XvmContext *ctx = g_new0(XvmContext, 1);

    ctx->req = req;
    ctx->env = env;
    ctx->virt = virt;
    ctx->proc_root = "/proc";
    ctx->cache_path = xvm_cache_path(env, req->instance);
    ctx->guard = xvm_guard_paths_new(xvm_env_get(env, "XVM_GUARD_ROOT"));
    xvm_deadline_init(&ctx->deadline,
                      req->timeout_ms - xvm_exit_margin_ms(req->timeout_ms), now);
    if (req->by_hand)
        ctx->report = xvm_report_new();
    context_load_inputs(ctx);
    return ctx;
}

void
xvm_context_free(XvmContext *ctx)
{
    if (ctx == NULL)
        return;
    xvm_params_free(ctx->params);
    g_clear_error(&ctx->params_error);
    xvm_domxml_free(ctx->config);
    g_clear_error(&ctx->config_error);
    xvm_report_free(ctx->report);
    g_free(ctx->cache_path);
    g_free(ctx->name);
    g_free(ctx->uuid);
    g_free(ctx->summary);
    xvm_guard_paths_free(ctx->guard);
    g_free(ctx);
}

gboolean
xvm_context_connect(XvmContext *ctx, gint64 max_ms, GError **error)
{
    gint64 budget = MIN(max_ms, xvm_deadline_remaining_ms(&ctx->deadline));

    if (ctx->connected)
        return TRUE;
    budget = MIN(budget, XVM_CONNECT_MAX_MS);
    if (!ctx->virt->ops->connect(ctx->virt, ctx->params->hypervisor, MAX(budget, 1),
                                 error))
        return FALSE;
    ctx->connected = TRUE;
    return TRUE;
}

static gboolean
identify_from_cache(XvmContext *ctx)
{
    g_autofree char *name = NULL;
    g_autofree char *uuid = NULL;

    if (!xvm_cache_load(ctx->cache_path, &name, &uuid))
        return FALSE;
    ctx->name = g_steal_pointer(&name);
    ctx->uuid = g_steal_pointer(&uuid);
    ctx->identity_source = "this node's note from its last start";
    return TRUE;
}

static gboolean
identify_from_marker(XvmContext *ctx, gboolean *looked_everywhere, GError **error)
{
    g_autofree char *name = NULL;

    if (!xvm_context_connect(ctx, G_MAXINT64, error))
        return FALSE;
    if (!ctx->virt->ops->find_marked(ctx->virt, ctx->req->instance, &name, error))
        return FALSE;
    if (name == NULL) {
        *looked_everywhere = TRUE;
        g_set_error(error, XVM_ERROR, XVM_ERROR_NO_DOMAIN,
                    "no running domain on this node belongs to %s", ctx->req->instance);
        return FALSE;
    }
    ctx->name = g_steal_pointer(&name);
    ctx->identity_source = "the marker in the running domain";
    return TRUE;
}

gboolean
xvm_context_identify(XvmContext *ctx, gboolean *looked_everywhere, GError **error)
{
    GError *marker_error = NULL;

    *looked_everywhere = FALSE;
    if (ctx->name)
        return TRUE;
    if (identify_from_cache(ctx) || identify_from_marker(ctx, looked_everywhere,
                                                         &marker_error)) {
        xvm_log_warn("%s; found domain %s through %s",
                     ctx->config_error ? ctx->config_error->message : "config unusable",
                     ctx->name, ctx->identity_source);
        return TRUE;
    }
    if (*looked_everywhere) {
        g_propagate_error(error, marker_error);
        return FALSE;
    }
    g_set_error(error, XVM_ERROR, XVM_ERROR_UNKNOWN_STATE,
                "%s, and libvirt cannot tell either (%s)",
                ctx->config_error ? ctx->config_error->message : "config unusable",
                marker_error ? marker_error->message : "no connection");
    g_clear_error(&marker_error);
    return FALSE;
}

gboolean
xvm_context_observe(XvmContext *ctx, XvmDomainStatus *status, GError **error)
{
    if (!ctx->virt->ops->status(ctx->virt, ctx->name, status, error))
        return FALSE;
    if (status->found && ctx->uuid && status->uuid
        && g_ascii_strcasecmp(ctx->uuid, status->uuid) != 0) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_DOMAIN_FAILED,
                    "a different domain named %s (UUID %s) exists here; config has UUID %s",
                    ctx->name, status->uuid, ctx->uuid);
        xvm_domain_status_clear(status);
        return FALSE;
    }
    return TRUE;
}

void
xvm_context_remember(XvmContext *ctx)
{
    g_autoptr(GError) error = NULL;

    if (!xvm_cache_save(ctx->cache_path, ctx->name, ctx->uuid, &error))
        xvm_log_warn("cannot note the domain's identity in %s: %s", ctx->cache_path,
                     error->message);
}

gboolean
xvm_context_inputs_ok(const XvmContext *ctx, GError **error)
{
    const GError *cause = ctx->params_error ? ctx->params_error : ctx->config_error;

    if (cause == NULL)
        return TRUE;
    g_propagate_error(error, g_error_copy(cause));
    return FALSE;
}

gboolean
xvm_error_libvirt_unreachable(const GError *error)
{
    return g_error_matches(error, XVM_ERROR, XVM_ERROR_CONNECT)
           || g_error_matches(error, XVM_ERROR, XVM_ERROR_TIMEOUT);
}

void
xvm_context_register_guard(XvmContext *ctx)
{
    g_autoptr(GError) error = NULL;

    if (ctx->config == NULL)
        return;
    if (!xvm_guard_register(ctx->guard, ctx->config->name, ctx->req->instance, &error))
        xvm_log_warn("cannot register %s with the hook guard: %s", ctx->config->name,
                     error->message);
}

gboolean
xvm_context_run_scripts(XvmContext *ctx, GError **error)
{
    for (gsize i = 0; ctx->params->monitor_scripts[i]; i++) {
        const char *script = ctx->params->monitor_scripts[i];
        g_autofree char *err_text = NULL;
        gboolean ok = xvm_run_program(script, &ctx->deadline, &err_text, error);

        if (err_text && err_text[0])
            xvm_log_info("%s wrote on stderr: %s", script, err_text);
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

void
xvm_context_set_summary(XvmContext *ctx, const char *format, ...)
{
    va_list args;

    g_free(ctx->summary);
    va_start(args, format);
    ctx->summary = g_strdup_vprintf(format, args);
    va_end(args);
}
