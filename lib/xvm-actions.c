/* The dispatch: the top of the action layer.  It calls the actions; they
 * call only what lies below them (xvm-context.h and the units under it),
 * never back up here (tests/schema/check-layers.py keeps it so). */
#include "xvm-actions.h"

#include "xvm-error.h"
#include "xvm-log.h"
#include "xvm-utilization.h"

typedef XvmOcfRc (*XvmActionFunc)(XvmContext *ctx, GError **error);

/* A domain that has just started or arrived here is counted in the
 * resource's utilization at once (monitor does its own, xvm-monitor.c). */
static XvmOcfRc
count_utilization(XvmContext *ctx, XvmOcfRc rc)
{
    if (rc == XVM_OCF_SUCCESS)
        xvm_utilization_update(ctx, XVM_UTIL_NOW);
    return rc;
}

static XvmOcfRc
start_and_count(XvmContext *ctx, GError **error)
{
    return count_utilization(ctx, xvm_action_start(ctx, error));
}

static XvmOcfRc
migrate_from_and_count(XvmContext *ctx, GError **error)
{
    return count_utilization(ctx, xvm_action_migrate_from(ctx, error));
}

/* One row for each action that acts on the domain (xvm_action_props'
 * on_domain); the unit tests check that the two agree. */
static const XvmActionFunc handlers[XVM_ACTION_COUNT] = {
    [XVM_ACTION_START] = start_and_count,
    [XVM_ACTION_STOP] = xvm_action_stop,
    [XVM_ACTION_MONITOR] = xvm_action_monitor,
    [XVM_ACTION_VALIDATE_ALL] = xvm_action_validate,
    [XVM_ACTION_MIGRATE_TO] = xvm_action_migrate_to,
    [XVM_ACTION_MIGRATE_FROM] = migrate_from_and_count,
};

gboolean
xvm_action_handled(XvmAction action)
{
    return (guint) action < XVM_ACTION_COUNT && handlers[action] != NULL;
}

XvmOcfRc
xvm_action_run(XvmContext *ctx, GError **error)
{
    XvmAction action = ctx->req->action;

    if (xvm_action_handled(action))
        return handlers[action](ctx, error);
    g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL, "action %s is not handled here",
                xvm_action_name(action));
    return XVM_OCF_ERR_UNIMPLEMENTED;
}
