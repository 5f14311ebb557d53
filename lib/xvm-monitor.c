/* monitor: what runs here, told truthfully.  A wrong "not running" makes
 * Pacemaker start a second copy; a needless error makes it stop (and perhaps
 * fence) a healthy node.  "Cannot tell" is an error (1), never 7. */
#include "xvm-actions.h"

#include "xvm-error.h"
#include "xvm-health.h"
#include "xvm-log.h"
#include "xvm-look.h"
#include "xvm-saveconfig.h"
#include "xvm-utilization.h"

/* How long a domain in "no state" (starting, migrating in) is re-read. */
#define XVM_SETTLE_MS 3000

/* Re-reads a domain caught between states, for a short while. */
static gboolean
settle(XvmContext *ctx, XvmDomainStatus *st, GError **error)
{
    XvmDeadline until = ctx->deadline;
    const char *why;

    until.end_us = MIN(ctx->deadline.end_us, ctx->deadline.now() + XVM_SETTLE_MS * 1000);
    while (st->found && xvm_health_classify(st->state, st->reason, &why) == XVM_HEALTH_TRANSIENT
           && !xvm_deadline_passed(&until)) {
        guint64 seen = ctx->virt->ops->event_count(ctx->virt);

        ctx->virt->ops->wait_event(ctx->virt, seen, MIN(250, xvm_deadline_remaining_ms(&until)));
        if (!xvm_context_observe(ctx, st, error))
            return FALSE;
    }
    return TRUE;
}

/* A probe that finds config's domain running without any marker adopts it:
 * another agent started it (a switch from VirtualDomain: unmanage, change
 * the type, re-probe).  From then on it is found by its marker too, on
 * every node it migrates to, as if this agent had started it.  A domain
 * that carries another resource's marker is left alone (the guard's
 * registry speaks to that). */
static void
adopt_if_unmarked(XvmContext *ctx)
{
    XvmDomainRef ref = xvm_context_ref(ctx);
    g_autofree char *marker = NULL;
    g_autoptr(GError) error = NULL;

    if (!ctx->virt->ops->marker(ctx->virt, &ref, &marker, &error))
        return;
    if (marker != NULL)
        return;
    if (!ctx->virt->ops->set_marker(ctx->virt, &ref, ctx->req->instance, &error)) {
        xvm_log_warn("cannot mark domain %s as resource %s's: %s", ctx->name,
                     ctx->req->instance, error->message);
        return;
    }
    xvm_log_notice("adopted running domain %s as resource %s (it carried no marker)",
                   ctx->name, ctx->req->instance);
}

static XvmOcfRc
monitor_running(XvmContext *ctx, XvmLook *look, GError **error)
{
    GError *local = NULL;
    XvmOcfRc rc;

    if (look->drift)
        return xvm_context_fail(ctx, error, g_steal_pointer(&look->drift));
    if (look->from_process_table) {
        xvm_context_set_summary(ctx, "domain %s runs (seen in the process table; libvirt"
                                " did not answer)", ctx->name);
        return XVM_OCF_SUCCESS;
    }
    if (!settle(ctx, &look->status, &local))
        return xvm_context_fail(ctx, error, local);
    /* A probe asks only whether it runs; the user's checks are for the
     * recurring monitor. */
    rc = xvm_context_check_domain(ctx, &look->status, !xvm_request_is_probe(ctx->req), error);
    /* As VirtualDomain: a definition changed at run time reaches config
     * before any stop (written only when it differs).  A probe checks the
     * utilization in the CIB at once (after a cleanup, a cluster restart); a
     * recurring monitor only when this node's note is due. */
    if (rc == XVM_OCF_SUCCESS) {
        if (xvm_request_is_probe(ctx->req))
            adopt_if_unmarked(ctx);
        xvm_saveconfig(ctx, NULL);
        xvm_utilization_update(ctx, xvm_request_is_probe(ctx->req) ? XVM_UTIL_NOW
                                                                   : XVM_UTIL_IF_DUE);
    }
    return rc;
}

XvmOcfRc
xvm_action_monitor(XvmContext *ctx, GError **error)
{
    g_auto(XvmLook) look = { 0 };
    XvmLookFlags flags = xvm_request_is_probe(ctx->req) ? XVM_LOOK_CROSS_CHECK
                                                        : XVM_LOOK_DEFAULT;
    GError *unknown = NULL;

    /* Probes run on every node: each node's guard learns the domain. */
    xvm_context_register_guard(ctx);
    switch (xvm_look_here(ctx, flags, &look, &unknown)) {
    case XVM_LOOK_RUNNING:
        return monitor_running(ctx, &look, error);
    case XVM_LOOK_NOT_RUNNING:
        return XVM_OCF_NOT_RUNNING;
    case XVM_LOOK_UNKNOWN:
        break;
    }
    return xvm_context_fail(ctx, error, unknown);
}
