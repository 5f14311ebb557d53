/* stop: graceful shutdown within its share of the timeout, then destroy.
 * A failed stop gets the node fenced, so stop succeeds whenever the domain
 * is provably not running here, and only then. */
#include "xvm-actions.h"

#include <errno.h>
#include <signal.h>

#include "xvm-error.h"
#include "xvm-health.h"
#include "xvm-log.h"
#include "xvm-proc.h"

/* After a destroy call returns, how long the domain may take to vanish. */
#define XVM_DESTROY_SETTLE_MS 5000
/* libvirtd gone: how long QEMU gets after SIGTERM before SIGKILL. */
#define XVM_QEMU_TERM_MS 5000

static gboolean
is_off(const XvmDomainStatus *st)
{
    const char *why;

    return !st->found || xvm_health_classify(st->state, st->reason, &why)
                             == XVM_HEALTH_STOPPED;
}

/* Waits, by libvirt's lifecycle events, until the domain is off.  FALSE at
 * the deadline (no error) or when libvirt fails (error set). */
static gboolean
wait_until_off(XvmContext *ctx, const XvmDeadline *until, GError **error)
{
    for (;;) {
        XvmDomainStatus st = { 0 };
        guint64 seen = ctx->virt->ops->event_count(ctx->virt);
        gboolean off;

        if (!xvm_context_observe(ctx, &st, error))
            return FALSE;
        off = is_off(&st);
        xvm_domain_status_clear(&st);
        if (off)
            return TRUE;
        if (xvm_deadline_passed(until))
            return FALSE;
        /* Events wake us at once; the timeout only guards a lost event. */
        ctx->virt->ops->wait_event(ctx->virt, seen, MIN(1000, xvm_deadline_remaining_ms(until)));
    }
}

static void
save_config(XvmContext *ctx)
{
    g_autofree char *xml = NULL;
    g_autoptr(GError) error = NULL;

    if (!ctx->virt->ops->dump_xml(ctx->virt, ctx->name, &xml, &error)
        || !g_file_set_contents(ctx->params->config, xml, -1, &error)) {
        xvm_log_warn("cannot save the definition of %s to %s: %s", ctx->name,
                     ctx->params->config, error->message);
        return;
    }
    xvm_log_info("saved the definition of %s to %s", ctx->name, ctx->params->config);
}

/* Asks the guest to power off and waits for it until until. */
static gboolean
shut_down_gracefully(XvmContext *ctx, const XvmDeadline *until, GError **error)
{
    g_autoptr(XvmJob) request = NULL;
    GError *local = NULL;

    if (ctx->params->save_config_on_stop)
        save_config(ctx);
    xvm_log_info("asking domain %s to shut down (%" G_GINT64_FORMAT " ms)", ctx->name,
                 xvm_deadline_remaining_ms(until));
    request = xvm_action_call_async(ctx, XVM_CALL_SHUTDOWN);
    /* A refusal comes quickly ("no guest agent"); then go straight to destroy. */
    if (xvm_job_wait(request, 200) && !xvm_job_result(request, &local)) {
        xvm_log_warn("%s", local->message);
        g_error_free(local);
        return FALSE;
    }
    return wait_until_off(ctx, until, error);
}

static gboolean
destroy(XvmContext *ctx, GError **error)
{
    while (!xvm_deadline_passed(&ctx->deadline)) {
        g_autoptr(XvmJob) call = xvm_action_call_async(ctx, XVM_CALL_DESTROY);
        XvmDeadline settle = ctx->deadline;
        GError *local = NULL;

        xvm_log_notice("destroying domain %s", ctx->name);
        if (xvm_job_wait(call, xvm_deadline_remaining_ms(&ctx->deadline))
            && !xvm_job_result(call, &local)) {
            xvm_log_warn("%s", local->message);
            g_clear_error(&local);
        }
        settle.end_us = MIN(ctx->deadline.end_us,
                            ctx->deadline.now() + XVM_DESTROY_SETTLE_MS * 1000);
        if (wait_until_off(ctx, &settle, error))
            return TRUE;
        if (error && *error)
            return FALSE;
    }
    /* Not TIMEOUT: that would read as "libvirt unreachable" and send stop to
     * the process table, while libvirt does answer that the domain runs. */
    g_set_error(error, XVM_ERROR, XVM_ERROR_DOMAIN_FAILED,
                "domain %s still runs after destroy", ctx->name);
    return FALSE;
}

/* Waits up to wait_ms, and never past the action's deadline. */
static gboolean
process_gone(XvmContext *ctx, pid_t pid, gint64 wait_ms)
{
    XvmDeadline until = xvm_deadline_before(&ctx->deadline, 0);

    until.end_us = MIN(until.end_us, until.now() + wait_ms * 1000);
    while (kill(pid, 0) == 0 || errno != ESRCH) {
        if (xvm_deadline_passed(&until))
            return FALSE;
        g_usleep(50 * 1000);
    }
    return TRUE;
}

/* libvirtd does not answer: stop the QEMU process itself, found by name and
 * UUID; libvirtd cleans up after it when it comes back. */
static XvmOcfRc
stop_by_process_table(XvmContext *ctx, GError *libvirt_error, GError **error)
{
    pid_t pid = 0;
    XvmProcResult found = xvm_proc_find_domain(ctx->proc_root, ctx->name, ctx->uuid, &pid);

    if (found == XVM_PROC_NOT_FOUND) {
        xvm_log_warn("%s; no QEMU process of %s runs here: stopped", libvirt_error->message,
                     ctx->name);
        g_error_free(libvirt_error);
        return XVM_OCF_SUCCESS;
    }
    if (found == XVM_PROC_FOUND) {
        xvm_log_warn("%s; killing QEMU process %d of %s", libvirt_error->message,
                     (int) pid, ctx->name);
        kill(pid, SIGTERM);
        if (process_gone(ctx, pid, XVM_QEMU_TERM_MS)
            || (kill(pid, SIGKILL) == 0 && process_gone(ctx, pid, XVM_QEMU_TERM_MS))) {
            g_error_free(libvirt_error);
            return XVM_OCF_SUCCESS;
        }
    }
    g_prefix_error(&libvirt_error, "cannot stop %s: ", ctx->name);
    return xvm_action_fail(ctx, error, libvirt_error);
}

/* libvirt broke off in the middle: the process table still can tell. */
static XvmOcfRc
stop_failed(XvmContext *ctx, GError *cause, GError **error)
{
    if (xvm_error_libvirt_unreachable(cause))
        return stop_by_process_table(ctx, cause, error);
    return xvm_action_fail(ctx, error, cause);
}

static XvmOcfRc
stop_running_domain(XvmContext *ctx, const XvmDomainStatus *st, GError **error)
{
    XvmStopBudget budget = xvm_stop_budget(xvm_deadline_remaining_ms(&ctx->deadline),
                                           ctx->params->shutdown_timeout_s,
                                           ctx->params->force_stop);
    XvmDeadline graceful_end = xvm_deadline_before(&ctx->deadline, budget.destroy_ms);
    gint64 started = ctx->deadline.now();
    GError *local = NULL;

    if (budget.trimmed)
        xvm_log_warn("shutdown_timeout=%" G_GINT64_FORMAT " s leaves destroy too little"
                     " time; using %" G_GINT64_FORMAT " ms", ctx->params->shutdown_timeout_s,
                     budget.graceful_ms);
    /* A paused guest cannot react to a power button. */
    if (budget.graceful_ms > 0 && !(st->found && xvm_state_is_paused(st->state))) {
        if (shut_down_gracefully(ctx, &graceful_end, &local)) {
            xvm_context_set_summary(ctx, "domain %s shut down in %.1f s", ctx->name,
                                    (ctx->deadline.now() - started) / 1e6);
            return XVM_OCF_SUCCESS;
        }
        if (local)
            return stop_failed(ctx, local, error);
        xvm_log_warn("domain %s did not shut down in %" G_GINT64_FORMAT " ms; destroying it",
                     ctx->name, budget.graceful_ms);
    }
    if (!destroy(ctx, &local))
        return stop_failed(ctx, local, error);
    xvm_context_set_summary(ctx, "domain %s destroyed after %.1f s", ctx->name,
                            (ctx->deadline.now() - started) / 1e6);
    return XVM_OCF_SUCCESS;
}

XvmOcfRc
xvm_action_stop(XvmContext *ctx, GError **error)
{
    XvmDomainStatus st = { 0 };
    GError *local = NULL;
    gboolean looked_everywhere = FALSE;
    XvmOcfRc rc;

    if (!xvm_context_identify(ctx, &looked_everywhere, &local)) {
        if (looked_everywhere) {
            xvm_log_info("%s: stopped", local->message);
            g_error_free(local);
            return XVM_OCF_SUCCESS;
        }
        return xvm_action_fail(ctx, error, local);
    }
    if (!xvm_context_connect(ctx, xvm_deadline_remaining_ms(&ctx->deadline) / 3, &local)
        || !xvm_context_observe(ctx, &st, &local)) {
        if (xvm_error_libvirt_unreachable(local))
            return stop_by_process_table(ctx, local, error);
        if (g_error_matches(local, XVM_ERROR, XVM_ERROR_DOMAIN_FAILED)) {
            /* Another domain holds the name here, so ours cannot run here. */
            xvm_log_warn("%s: ours is not running here", local->message);
            g_error_free(local);
            return XVM_OCF_SUCCESS;
        }
        return xvm_action_fail(ctx, error, local);
    }
    if (is_off(&st)) {
        xvm_context_set_summary(ctx, "domain %s is not running here", ctx->name);
        xvm_domain_status_clear(&st);
        return XVM_OCF_SUCCESS;
    }
    rc = stop_running_domain(ctx, &st, error);
    xvm_domain_status_clear(&st);
    return rc;
}
