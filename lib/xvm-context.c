#include "xvm-context.h"

#include <string.h>

#include "xvm-cache.h"
#include "xvm-error.h"
#include "xvm-health.h"
#include "xvm-log.h"
#include "xvm-result.h"
#include "xvm-savefile.h"
#include "xvm-spawn.h"
#include "xvm-uri.h"

/* The longest a connection attempt may take, so that a hung libvirtd leaves
 * time for the process-table fallback. */
#define XVM_CONNECT_MAX_MS 10000

static void
context_load_inputs(XvmContext *ctx)
{
    g_autofree char *absolute = NULL;

    if (!xvm_params_parse(ctx->env, &ctx->params, &ctx->params_error))
        xvm_log_debug("parameters: %s", ctx->params_error->message);
    /* Every action says it, every monitor included: the user sees it long
     * before a failover's start relies on the reading used instead. */
    for (guint i = 0; i < ctx->params->problems->len; i++)
        xvm_log_warn("%s", (const char *) g_ptr_array_index(ctx->params->problems, i));
    if (ctx->params->config[0] == '\0') {
        g_set_error(&ctx->config_error, XVM_ERROR, XVM_ERROR_PARAM_MISSING,
                    "parameter config is required");
        return;
    }
    absolute = g_canonicalize_filename(ctx->params->config, NULL);
    ctx->by_hand_owner = g_strconcat(XVM_BY_HAND_PREFIX, absolute, NULL);
    ctx->config = xvm_domxml_load(ctx->params->config, &ctx->config_error);
}

static void
set_qemu_run_dir(XvmContext *ctx)
{
    g_free(ctx->qemu_run_dir);
    ctx->qemu_run_dir = xvm_uri_qemu_run_dir(ctx->params->hypervisor,
                                             xvm_env_get(ctx->env, "XDG_RUNTIME_DIR"),
                                             xvm_env_get(ctx->env, "XVM_QEMU_RUN_DIR"));
}

/* Until a look finds what runs, the action is about config's domain, or
 * (config unusable) the one this node's note names. */
static void
context_choose_domain(XvmContext *ctx)
{
    if (ctx->config)
        xvm_context_set_domain(ctx, ctx->config->name, ctx->config->uuid);
    else if (ctx->note_name)
        xvm_context_set_domain(ctx, ctx->note_name, ctx->note_uuid);
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
    xvm_cache_load(ctx->cache_path, &ctx->note_name, &ctx->note_uuid);
    ctx->guard = xvm_guard_paths_new(xvm_env_get(env, "XVM_GUARD_ROOT"));
    xvm_deadline_init(&ctx->deadline,
                      req->timeout_ms - xvm_exit_margin_ms(req->timeout_ms), now);
    if (req->by_hand)
        ctx->report = xvm_report_new();
    context_load_inputs(ctx);
    set_qemu_run_dir(ctx);
    context_choose_domain(ctx);
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
    g_free(ctx->qemu_run_dir);
    g_free(ctx->cache_path);
    g_free(ctx->note_name);
    g_free(ctx->note_uuid);
    g_free(ctx->by_hand_owner);
    g_free(ctx->name);
    g_free(ctx->uuid);
    g_free(ctx->summary);
    xvm_guard_paths_free(ctx->guard);
    g_free(ctx);
}

/* hypervisor unset and no default configured: libvirt picks, as it does
 * for "virsh uri", and from then on the action knows which hypervisor it
 * looks at (until then the process table cannot speak for it). */
static gboolean
connect_to_default(XvmContext *ctx, gint64 timeout_ms, GError **error)
{
    char *uri;

    if (!ctx->virt->ops->connect(ctx->virt, NULL, timeout_ms, error))
        return FALSE;
    uri = ctx->virt->ops->uri(ctx->virt, error);
    if (uri == NULL)
        return FALSE;
    xvm_log_debug("hypervisor unset: libvirt's default is %s", uri);
    g_free(ctx->params->hypervisor);
    ctx->params->hypervisor = uri;
    set_qemu_run_dir(ctx);
    return TRUE;
}

gboolean
xvm_context_connect(XvmContext *ctx, gint64 max_ms, GError **error)
{
    gint64 budget = MIN(max_ms, xvm_deadline_remaining_ms(&ctx->deadline));

    budget = MIN(budget, XVM_CONNECT_MAX_MS);
    if (ctx->params->hypervisor[0] != '\0')
        return ctx->virt->ops->connect(ctx->virt, ctx->params->hypervisor, MAX(budget, 1),
                                       error);
    return connect_to_default(ctx, MAX(budget, 1), error);
}

XvmDomainRef
xvm_context_ref(const XvmContext *ctx)
{
    XvmDomainRef ref = { ctx->name, ctx->uuid };

    return ref;
}

void
xvm_context_set_domain(XvmContext *ctx, const char *name, const char *uuid)
{
    char *new_name = g_strdup(name);
    char *new_uuid = g_strdup(uuid);

    g_free(ctx->name);
    g_free(ctx->uuid);
    ctx->name = new_name;
    ctx->uuid = new_uuid;
}

gboolean
xvm_context_observe(XvmContext *ctx, XvmDomainStatus *status, GError **error)
{
    XvmDomainRef ref = xvm_context_ref(ctx);

    if (ctx->name == NULL) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL, "no domain to look at");
        return FALSE;
    }
    if (!ctx->virt->ops->status(ctx->virt, &ref, status, error))
        return FALSE;
    /* A start without <uuid>: libvirt chose one, and from now on it names
     * the domain. */
    if (status->found && ctx->uuid == NULL && status->uuid)
        ctx->uuid = g_strdup(status->uuid);
    return TRUE;
}

static gboolean
same_text(const char *a, const char *b)
{
    return g_strcmp0(a, b) == 0;
}

void
xvm_context_remember(XvmContext *ctx)
{
    g_autoptr(GError) error = NULL;

    if (ctx->name == NULL || (same_text(ctx->name, ctx->note_name)
                              && same_text(ctx->uuid, ctx->note_uuid)))
        return;
    if (!xvm_cache_save(ctx->cache_path, ctx->name, ctx->uuid, &error)) {
        xvm_log_warn("cannot note the domain's identity in %s: %s", ctx->cache_path,
                     error->message);
        return;
    }
    g_free(ctx->note_name);
    g_free(ctx->note_uuid);
    ctx->note_name = g_strdup(ctx->name);
    ctx->note_uuid = g_strdup(ctx->uuid);
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
xvm_context_config_owned_by_libvirt(const XvmContext *ctx)
{
    return ctx->params->persistent
           && xvm_savefile_in_libvirt_dir(ctx->params->config,
                                          xvm_savefile_default_libvirt_dirs());
}

XvmProcScope
xvm_context_proc_scope(const XvmContext *ctx, gint64 timeout_ms)
{
    XvmProcScope scope = {
        .proc_root = ctx->proc_root,
        .run_dir = ctx->qemu_run_dir,
        .timeout_ms = timeout_ms,
    };

    return scope;
}

gboolean
xvm_error_libvirt_unreachable(const GError *error)
{
    return g_error_matches(error, XVM_ERROR, XVM_ERROR_CONNECT);
}

gboolean
xvm_context_claim_guard(XvmContext *ctx, GError **error)
{
    GError *local = NULL;

    /* A run by hand is nobody's registration: its start token alone lets
     * it through (doc/guard.md), and the resource's entry stays. */
    if (ctx->config == NULL || g_str_has_prefix(ctx->req->instance, XVM_BY_HAND_PREFIX))
        return TRUE;
    if (xvm_guard_register(ctx->guard, ctx->config->name, ctx->req->instance, &local))
        return TRUE;
    if (g_error_matches(local, XVM_ERROR, XVM_ERROR_CONFLICT)) {
        g_propagate_error(error, local);
        return FALSE;
    }
    xvm_log_warn("cannot register %s with the hook guard: %s", ctx->config->name,
                 local->message);
    g_error_free(local);
    return TRUE;
}

void
xvm_context_register_guard(XvmContext *ctx)
{
    g_autoptr(GError) error = NULL;

    if (!xvm_context_claim_guard(ctx, &error))
        xvm_log_warn("%s", error->message);
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

XvmOcfRc
xvm_context_fail(XvmContext *ctx, GError **error, GError *cause)
{
    XvmOcfRc rc;

    if (cause == NULL)
        cause = g_error_new(XVM_ERROR, XVM_ERROR_INTERNAL, "%s failed for no stated reason",
                            xvm_action_name(ctx->req->action));
    rc = xvm_result_rc(ctx->req->action, xvm_request_is_probe(ctx->req), cause);

    g_propagate_error(error, cause);
    return rc;
}

XvmOcfRc
xvm_context_check_domain(XvmContext *ctx, const XvmDomainStatus *st,
                         gboolean run_scripts, GError **error)
{
    const char *why = "not present";
    XvmHealth health = st->found ? xvm_health_classify(st->state, st->reason, &why)
                                 : XVM_HEALTH_STOPPED;
    GError *local = NULL;

    xvm_context_set_summary(ctx, "domain %s is %s on this node", ctx->name, why);
    switch (health) {
    case XVM_HEALTH_RUNNING:
        if (run_scripts && !xvm_context_run_scripts(ctx, &local)) {
            g_prefix_error(&local, "domain %s runs but its check failed: ", ctx->name);
            return xvm_context_fail(ctx, error, local);
        }
        return XVM_OCF_SUCCESS;
    case XVM_HEALTH_STOPPED:
        return XVM_OCF_NOT_RUNNING;
    case XVM_HEALTH_FAILED:
    case XVM_HEALTH_TRANSIENT:
        break;
    }
    return xvm_context_fail(ctx, error, g_error_new(XVM_ERROR, XVM_ERROR_DOMAIN_FAILED,
                                                    "domain %s is %s", ctx->name, why));
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
