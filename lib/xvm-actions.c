#include "xvm-actions.h"

#include "xvm-error.h"
#include "xvm-health.h"
#include "xvm-job.h"
#include "xvm-log.h"
#include "xvm-result.h"
#include "xvm-utilization.h"

XvmOcfRc
xvm_action_fail(XvmContext *ctx, GError **error, GError *cause)
{
    XvmOcfRc rc;

    /* A failure without a cause is a bug: never let it read as success. */
    if (cause == NULL)
        cause = g_error_new(XVM_ERROR, XVM_ERROR_INTERNAL, "%s failed for no stated reason",
                            xvm_action_name(ctx->req->action));
    rc = xvm_result_rc(ctx->req->action, xvm_request_is_probe(ctx->req), cause);

    g_propagate_error(error, cause);
    return rc;
}

/* The verdict on a domain libvirt found: 0, 7, or 1 with the reason. */
XvmOcfRc
xvm_action_check_domain(XvmContext *ctx, const XvmDomainStatus *st,
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
            return xvm_action_fail(ctx, error, local);
        }
        return XVM_OCF_SUCCESS;
    case XVM_HEALTH_STOPPED:
        return XVM_OCF_NOT_RUNNING;
    case XVM_HEALTH_FAILED:
    case XVM_HEALTH_TRANSIENT:
        break;
    }
    return xvm_action_fail(ctx, error, g_error_new(XVM_ERROR, XVM_ERROR_DOMAIN_FAILED,
                                                   "domain %s is %s", ctx->name, why));
}

/* A domain that has just started or arrived here is counted in the
 * resource's utilization at once (monitor does its own, xvm-monitor.c). */
static XvmOcfRc
count_utilization(XvmContext *ctx, XvmOcfRc rc)
{
    if (rc == XVM_OCF_SUCCESS)
        xvm_utilization_update(ctx, XVM_UTIL_NOW);
    return rc;
}

XvmOcfRc
xvm_action_run(XvmContext *ctx, GError **error)
{
    switch (ctx->req->action) {
    case XVM_ACTION_START:
        return count_utilization(ctx, xvm_action_start(ctx, error));
    case XVM_ACTION_STOP:
        return xvm_action_stop(ctx, error);
    case XVM_ACTION_MONITOR:
        return xvm_action_monitor(ctx, error);
    case XVM_ACTION_VALIDATE:
        return xvm_action_validate(ctx, error);
    case XVM_ACTION_MIGRATE_TO:
        return xvm_action_migrate_to(ctx, error);
    case XVM_ACTION_MIGRATE_FROM:
        return count_utilization(ctx, xvm_action_migrate_from(ctx, error));
    case XVM_ACTION_META_DATA:
    case XVM_ACTION_USAGE:
    case XVM_ACTION_VERSION:
    case XVM_ACTION_HOOK:
    case XVM_ACTION_INSTALL_GUARD:
    case XVM_ACTION_UNINSTALL_GUARD:
    case XVM_ACTION_UNKNOWN:
        break;
    }
    g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL, "action %s is not handled here",
                xvm_action_name(ctx->req->action));
    return XVM_OCF_ERR_UNIMPLEMENTED;
}

typedef struct {
    XvmVirt *virt;
    char *name;
    char *uuid;
    XvmCallKind kind;
    guint modes;
} DomainCall;

static void
domain_call_free(gpointer data)
{
    DomainCall *call = data;

    xvm_virt_unref(call->virt);
    g_free(call->name);
    g_free(call->uuid);
    g_free(call);
}

static gboolean
domain_call_run(gpointer data, GError **error)
{
    DomainCall *call = data;
    XvmDomainRef ref = { call->name, call->uuid };

    switch (call->kind) {
    case XVM_CALL_SHUTDOWN:
        return call->virt->ops->shutdown(call->virt, &ref, call->modes, error);
    case XVM_CALL_SHUTDOWN_DEFAULT:
        return call->virt->ops->shutdown(call->virt, &ref, 0, error);
    case XVM_CALL_DESTROY:
        break;
    }
    return call->virt->ops->destroy(call->virt, &ref, error);
}

XvmJob *
xvm_action_call_async(XvmContext *ctx, XvmCallKind kind)
{
    DomainCall *call = g_new0(DomainCall, 1);

    call->virt = xvm_virt_ref(ctx->virt);
    call->name = g_strdup(ctx->name);
    call->uuid = g_strdup(ctx->uuid);
    call->kind = kind;
    call->modes = ctx->params->shutdown_modes;
    return xvm_job_start(kind == XVM_CALL_DESTROY ? "xvm-destroy" : "xvm-shutdown",
                         domain_call_run, call, domain_call_free);
}
