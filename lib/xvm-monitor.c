/* monitor: what runs here, told truthfully.  A wrong "not running" makes
 * Pacemaker start a second copy; a needless error makes it stop (and perhaps
 * fence) a healthy node. */
#include "xvm-actions.h"

#include "xvm-error.h"
#include "xvm-health.h"
#include "xvm-log.h"
#include "xvm-proc.h"

/* How long a domain in "no state" (starting, migrating in) is re-read. */
#define XVM_SETTLE_MS 3000

/* libvirtd did not answer: the QEMU process, matched by name and UUID, is
 * the domain. */
static XvmOcfRc
monitor_by_process_table(XvmContext *ctx, GError *libvirt_error, GError **error)
{
    pid_t pid = 0;

    switch (xvm_proc_find_domain(ctx->proc_root, ctx->name, ctx->uuid, &pid)) {
    case XVM_PROC_FOUND:
        xvm_log_warn("%s; QEMU process %d of domain %s runs", libvirt_error->message,
                     (int) pid, ctx->name);
        xvm_context_set_summary(ctx, "domain %s runs (QEMU pid %d; libvirt did not answer)",
                                ctx->name, (int) pid);
        g_error_free(libvirt_error);
        return XVM_OCF_SUCCESS;
    case XVM_PROC_NOT_FOUND:
        xvm_log_warn("%s; no QEMU process of domain %s runs on this node",
                     libvirt_error->message, ctx->name);
        xvm_context_set_summary(ctx, "domain %s is not running (no QEMU process; libvirt"
                                " did not answer)", ctx->name);
        g_error_free(libvirt_error);
        return XVM_OCF_NOT_RUNNING;
    case XVM_PROC_UNKNOWN:
        break;
    }
    g_prefix_error(&libvirt_error, "cannot tell if %s runs: ", ctx->name);
    libvirt_error->code = XVM_ERROR_UNKNOWN_STATE;
    g_propagate_error(error, libvirt_error);
    return XVM_OCF_ERR_GENERIC;
}

/* Reads the status, re-reading a domain caught between states. */
static gboolean
observe_settled(XvmContext *ctx, XvmDomainStatus *st, GError **error)
{
    XvmDeadline settle = ctx->deadline;
    const char *why;

    settle.end_us = MIN(ctx->deadline.end_us, ctx->deadline.now() + XVM_SETTLE_MS * 1000);
    for (;;) {
        guint64 seen = ctx->virt->ops->event_count(ctx->virt);

        if (!xvm_context_observe(ctx, st, error))
            return FALSE;
        if (!st->found || xvm_health_classify(st->state, st->reason, &why)
                              != XVM_HEALTH_TRANSIENT || xvm_deadline_passed(&settle))
            return TRUE;
        ctx->virt->ops->wait_event(ctx->virt, seen, MIN(250, xvm_deadline_remaining_ms(&settle)));
    }
}

static gboolean
identify_or_answer(XvmContext *ctx, XvmOcfRc *rc, GError **error)
{
    gboolean looked_everywhere = FALSE;
    GError *local = NULL;

    if (xvm_context_identify(ctx, &looked_everywhere, &local))
        return TRUE;
    if (looked_everywhere) {
        /* libvirt listed every running domain: none is ours. */
        xvm_log_info("%s", local->message);
        xvm_context_set_summary(ctx, "%s", local->message);
        g_error_free(local);
        *rc = XVM_OCF_NOT_RUNNING;
        return FALSE;
    }
    *rc = xvm_action_fail(ctx, error, local);
    return FALSE;
}

XvmOcfRc
xvm_action_monitor(XvmContext *ctx, GError **error)
{
    XvmDomainStatus st = { 0 };
    GError *local = NULL;
    XvmOcfRc rc = XVM_OCF_ERR_GENERIC;
    gint64 connect_ms = xvm_deadline_remaining_ms(&ctx->deadline) / 3;

    /* Probes run on every node: each node's guard learns the domain. */
    xvm_context_register_guard(ctx);
    if (!identify_or_answer(ctx, &rc, error))
        return rc;
    if (!xvm_context_connect(ctx, connect_ms, &local) || !observe_settled(ctx, &st, &local)) {
        if (xvm_error_libvirt_unreachable(local))
            return monitor_by_process_table(ctx, local, error);
        return xvm_action_fail(ctx, error, local);
    }
    /* A probe asks only whether it runs; the user's checks are for the
     * recurring monitor. */
    rc = xvm_action_check_domain(ctx, &st, !xvm_request_is_probe(ctx->req), error);
    xvm_domain_status_clear(&st);
    return rc;
}
