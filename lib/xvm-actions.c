/* The dispatch: the top of the action layer.  It calls the actions; they
 * call only what lies below them (xvm-context.h and the units under it),
 * never back up here (tests/schema/check-layers.py keeps it so). */
#include "xvm-actions.h"

#include "xvm-error.h"
#include "xvm-log.h"
#include "xvm-utilization.h"

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
