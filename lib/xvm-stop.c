/* stop: graceful shutdown within its share of the timeout, then destroy.
 * A failed stop gets the node fenced, so stop succeeds whenever the domain
 * is provably not running here, and only then. */
#include "xvm-actions.h"

#include "xvm-call.h"
#include "xvm-error.h"
#include "xvm-health.h"
#include "xvm-log.h"
#include "xvm-look.h"
#include "xvm-proc.h"
#include "xvm-saveconfig.h"
#include "xvm-snapshot.h"

/* After a destroy call returns, how long the domain may take to vanish. */
#define XVM_DESTROY_SETTLE_MS 5000
/* libvirtd gone: how long QEMU gets after SIGTERM before SIGKILL. */
#define XVM_QEMU_TERM_MS 5000
/* Between two looks that could not tell, or two failed attempts. */
#define XVM_STOP_RETRY_MS 1000

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

/* Sends one shutdown request with modes (0: the hypervisor's default).
 * FALSE when libvirt refused it at once (a refusal comes quickly: "no guest
 * agent"), with error set only when libvirt itself is gone. */
static gboolean
request_shutdown(XvmContext *ctx, guint modes, GError **error)
{
    g_autoptr(XvmJob) request = xvm_call_shutdown(ctx->virt, xvm_context_ref(ctx), modes);
    GError *local = NULL;

    if (!xvm_job_wait(request, 200) || xvm_job_result(request, &local))
        return TRUE;
    if (xvm_error_libvirt_unreachable(local)) {
        g_propagate_error(error, local);
        return FALSE;
    }
    xvm_log_warn("%s", local->message);
    g_error_free(local);
    return FALSE;
}

/* Asks the guest to power off and waits for it until until.  A
 * shutdown_mode libvirt refuses falls back on the hypervisor's default
 * method, never straight to destroy: the guest still deserves its chance. */
static gboolean
shut_down_gracefully(XvmContext *ctx, const XvmDeadline *until, GError **error)
{
    gboolean asked;

    xvm_log_info("asking domain %s to shut down (%" G_GINT64_FORMAT " ms)", ctx->name,
                 xvm_deadline_remaining_ms(until));
    asked = request_shutdown(ctx, ctx->params->shutdown_modes, error);
    if (!asked && ctx->params->shutdown_modes != 0 && !(error && *error)) {
        xvm_log_warn("shutdown_mode refused for domain %s; asking with the hypervisor's"
                     " default method", ctx->name);
        asked = request_shutdown(ctx, 0, error);
    }
    return asked && wait_until_off(ctx, until, error);
}

static gboolean
destroy(XvmContext *ctx, GError **error)
{
    while (!xvm_deadline_passed(&ctx->deadline)) {
        g_autoptr(XvmJob) call = xvm_call_destroy(ctx->virt, xvm_context_ref(ctx));
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
    /* libvirt answers that it still runs: the process table must not be
     * asked (it would kill what libvirt still manages). */
    g_set_error(error, XVM_ERROR, XVM_ERROR_DOMAIN_FAILED,
                "domain %s still runs after destroy", ctx->name);
    return FALSE;
}

/* snapshot: the guest's memory goes to DIR/NAME.state and the domain
 * stops with it.  FALSE (no error) when the save did not happen: the normal
 * stop follows with what is left of the graceful time. */
static gboolean
save_state(XvmContext *ctx, const XvmDeadline *until, GError **error)
{
    gint64 started = ctx->deadline.now();
    g_autofree char *path = NULL;
    XvmDeadline settle = ctx->deadline;

    if (!xvm_snapshot_save(ctx, until, &path))
        return FALSE;
    /* Saved means gone: a short look proves it, as after destroy. */
    settle.end_us = MIN(ctx->deadline.end_us,
                        ctx->deadline.now() + XVM_DESTROY_SETTLE_MS * 1000);
    if (!wait_until_off(ctx, &settle, error))
        return FALSE;
    xvm_context_set_summary(ctx, "domain %s saved to %s in %.1f s", ctx->name, path,
                            (ctx->deadline.now() - started) / 1e6);
    return TRUE;
}

static gboolean
stop_running_domain(XvmContext *ctx, const XvmLook *look, GError **error)
{
    XvmStopBudget budget = xvm_stop_budget(xvm_deadline_remaining_ms(&ctx->deadline),
                                           ctx->params->shutdown_timeout_s,
                                           ctx->params->force_stop);
    XvmDeadline graceful_end = xvm_deadline_before(&ctx->deadline, budget.destroy_ms);
    const XvmDomainStatus *st = &look->status;
    gint64 started = ctx->deadline.now();
    GError *local = NULL;

    if (budget.trimmed)
        xvm_log_warn("shutdown_timeout=%" G_GINT64_FORMAT " s leaves destroy too little"
                     " time; using %" G_GINT64_FORMAT " ms", ctx->params->shutdown_timeout_s,
                     budget.graceful_ms);
    xvm_saveconfig(ctx, look->drift);
    /* The save gets the graceful share: none (force_stop, shutdown_timeout=0)
     * means no save. */
    if (budget.graceful_ms > 0 && xvm_snapshot_wanted(ctx, st)
        && save_state(ctx, &graceful_end, error))
        return TRUE;
    if (error && *error)
        return FALSE;
    /* A paused guest cannot react to a power button. */
    if (budget.graceful_ms > 0 && !xvm_state_is_paused(st->state)) {
        if (shut_down_gracefully(ctx, &graceful_end, &local)) {
            xvm_context_set_summary(ctx, "domain %s shut down in %.1f s", ctx->name,
                                    (ctx->deadline.now() - started) / 1e6);
            return TRUE;
        }
        if (local) {
            g_propagate_error(error, local);
            return FALSE;
        }
        xvm_log_warn("domain %s did not shut down in %" G_GINT64_FORMAT " ms; destroying it",
                     ctx->name, budget.graceful_ms);
    }
    if (!destroy(ctx, error))
        return FALSE;
    xvm_context_set_summary(ctx, "domain %s destroyed after %.1f s", ctx->name,
                            (ctx->deadline.now() - started) / 1e6);
    return TRUE;
}

/* libvirtd does not answer: stop the QEMU processes themselves, pinned
 * (xvm_proc_stop); libvirtd cleans up after them when it comes back. */
static gboolean
stop_by_process_table(XvmContext *ctx, GError **error)
{
    XvmProcScope scope = xvm_context_proc_scope(ctx,
                                                xvm_deadline_remaining_ms(&ctx->deadline));
    g_autofree char *why = NULL;

    xvm_log_warn("libvirt does not answer; stopping the QEMU process of %s", ctx->name);
    if (xvm_proc_stop(&scope, ctx->name, ctx->uuid, XVM_QEMU_TERM_MS, &why)
        == XVM_PROC_NOT_RUNNING) {
        xvm_context_set_summary(ctx, "domain %s stopped through its QEMU process (%s)",
                                ctx->name, why ? why : "gone");
        return TRUE;
    }
    g_set_error(error, XVM_ERROR, XVM_ERROR_UNKNOWN_STATE,
                "cannot stop %s through its QEMU process: %s", ctx->name,
                why ? why : "no answer");
    return FALSE;
}

/* One attempt on the domain a look found; TRUE when it is stopped. */
static gboolean
stop_found(XvmContext *ctx, XvmLook *look, GError **error)
{
    if (look->from_process_table)
        return stop_by_process_table(ctx, error);
    return stop_running_domain(ctx, look, error);
}

/* One look, and one attempt when it found the domain.  TRUE once the
 * domain is provably not running here; else *why says what stands in the
 * way. */
static gboolean
stop_attempt(XvmContext *ctx, GError **why)
{
    g_auto(XvmLook) look = { 0 };

    if (xvm_look_here(ctx, XVM_LOOK_DEFAULT, &look, why) != XVM_LOOK_RUNNING)
        return look.result == XVM_LOOK_NOT_RUNNING;
    if (look.drift)
        xvm_log_warn("%s", look.drift->message);
    return stop_found(ctx, &look, why);
}

/* A failed stop gets the node fenced: keep trying while there is time, and
 * say "stopped" only after a look that proves it. */
XvmOcfRc
xvm_action_stop(XvmContext *ctx, GError **error)
{
    GError *why = NULL;

    while (!stop_attempt(ctx, &why)) {
        xvm_log_warn("%s", why->message);
        if (xvm_deadline_remaining_ms(&ctx->deadline) <= 0)
            return xvm_context_fail(ctx, error, why);
        g_clear_error(&why);
        ctx->virt->ops->wait_event(ctx->virt, ctx->virt->ops->event_count(ctx->virt),
                                   MIN(XVM_STOP_RETRY_MS,
                                       xvm_deadline_remaining_ms(&ctx->deadline)));
    }
    return XVM_OCF_SUCCESS;
}
