/* start: create the domain from config and return once it really runs. */
#include "xvm-actions.h"

#include "xvm-error.h"
#include "xvm-health.h"
#include "xvm-log.h"
#include "xvm-look.h"
#include "xvm-prepare.h"
#include "xvm-snapshot.h"

/* Parameters and config must both be usable to start anything. */
static gboolean
start_inputs_ok(XvmContext *ctx, GError **error)
{
    return xvm_context_inputs_ok(ctx, error) && xvm_prepare_check_node_files(ctx, error);
}

/* snapshot: a saved state of the domain is restored (after its checks)
 * instead of booting from config. */
static gboolean
create_domain(XvmContext *ctx, GError **error)
{
    g_autofree char *state = xvm_snapshot_pending(ctx);
    g_autofree char *xml = state ? xvm_snapshot_check(ctx, state, error)
                                 : xvm_domxml_with_marker(ctx->config, ctx->req->instance,
                                                          error);
    g_autoptr(GError) token_error = NULL;
    gboolean ok;

    if (xml == NULL)
        return FALSE;
    xvm_log_info("creating domain %s (%s)", ctx->name,
                 ctx->params->persistent ? "persistent" : "transient");
    /* The hook guard lets this start through while the token is there; a
     * domain another resource manages is refused. */
    if (!xvm_context_claim_guard(ctx, error))
        return FALSE;
    if (!xvm_guard_start_token_write(ctx->guard, ctx->name,
                                     xvm_deadline_remaining_ms(&ctx->deadline) + 1000,
                                     &token_error))
        xvm_log_warn("cannot write the guard's start token: %s", token_error->message);
    /* The token covers a restore too: libvirt's hook sees "restore" and
     * "prepare" for it. */
    ok = state ? xvm_snapshot_restore(ctx, state, xml, error)
               : ctx->virt->ops->create(ctx->virt, xml, ctx->params->persistent, error);
    xvm_guard_token_remove(ctx->guard, XVM_GUARD_TOKEN_START, ctx->name);
    if (!ok)
        g_prefix_error(error, "cannot start %s: ", ctx->name);
    return ok;
}

/* Waits until the domain runs and its checks pass; fails as soon as it
 * stops or breaks, rather than waiting out the timeout. */
static XvmOcfRc
wait_until_running(XvmContext *ctx, GError **error)
{
    for (;;) {
        XvmDomainStatus st = { 0 };
        GError *local = NULL;
        const char *why = "gone";
        guint64 seen = ctx->virt->ops->event_count(ctx->virt);
        XvmHealth health;

        if (!xvm_context_observe(ctx, &st, &local))
            return xvm_context_fail(ctx, error, local);
        health = st.found ? xvm_health_classify(st.state, st.reason, &why)
                          : XVM_HEALTH_STOPPED;
        xvm_domain_status_clear(&st);
        /* From the first sight on, stop and monitor find it by the note. */
        if (health != XVM_HEALTH_STOPPED)
            xvm_context_remember(ctx);
        if (health == XVM_HEALTH_STOPPED || health == XVM_HEALTH_FAILED)
            return xvm_context_fail(ctx, error,
                                    g_error_new(XVM_ERROR, XVM_ERROR_DOMAIN_FAILED,
                                                "domain %s is %s right after start: see the"
                                                " libvirt and QEMU logs", ctx->name, why));
        if (health == XVM_HEALTH_RUNNING && xvm_context_run_scripts(ctx, &local))
            return XVM_OCF_SUCCESS;
        if (xvm_deadline_passed(&ctx->deadline)) {
            g_prefix_error(&local, "domain %s started but is not ready in time: ", ctx->name);
            if (local == NULL)
                g_set_error(&local, XVM_ERROR, XVM_ERROR_TIMEOUT,
                            "domain %s did not reach running in time", ctx->name);
            local->code = XVM_ERROR_TIMEOUT;
            return xvm_context_fail(ctx, error, local);
        }
        g_clear_error(&local);
        ctx->virt->ops->wait_event(ctx->virt, seen,
                                   MIN(500, xvm_deadline_remaining_ms(&ctx->deadline)));
    }
}

/* A persistent definition of a config kept in libvirt's own directory:
 * libvirt rewrites the file at each start and deletes it at each migration
 * away (undefine on the source). */
static void
warn_libvirt_owned_config(XvmContext *ctx)
{
    if (xvm_context_config_owned_by_libvirt(ctx))
        xvm_log_warn("config %s lies in libvirt's own directory and persistent=true: keep"
                     " it elsewhere (libvirt rewrites and deletes files there)",
                     ctx->params->config);
}

/* Already active here: fine if healthy (or on its way), else the cluster
 * must stop it first rather than trust it. */
static gboolean
already_here(XvmContext *ctx, const XvmDomainStatus *st, GError **error)
{
    const char *why = "active";

    if (xvm_health_classify(st->state, st->reason, &why) == XVM_HEALTH_FAILED) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_DOMAIN_FAILED,
                    "domain %s already exists here and is %s: stop it first", ctx->name, why);
        return FALSE;
    }
    xvm_log_info("domain %s is already %s here", ctx->name, why);
    return TRUE;
}

/* What the look found decides: already ours and running, or free to
 * create; anything else is a reason not to start a second copy. */
static gboolean
may_create(XvmContext *ctx, XvmLook *look, gboolean *create, GError **error)
{
    *create = FALSE;
    /* Whatever the process table saw, nothing can be started without
     * libvirt. */
    if (look->unreachable) {
        g_propagate_error(error, g_steal_pointer(&look->unreachable));
        return FALSE;
    }
    switch (look->result) {
    case XVM_LOOK_UNKNOWN:
        g_propagate_error(error, g_steal_pointer(&look->unknown));
        return FALSE;
    case XVM_LOOK_RUNNING:
        if (look->drift) {
            g_propagate_error(error, g_steal_pointer(&look->drift));
            return FALSE;
        }
        return already_here(ctx, &look->status, error);
    case XVM_LOOK_NOT_RUNNING:
        break;
    }
    if (look->name_taken) {
        g_propagate_error(error, g_steal_pointer(&look->name_taken));
        return FALSE;
    }
    *create = TRUE;
    return TRUE;
}

/* Someone may have started it meanwhile: judge by what runs. */
static gboolean
started_meanwhile(XvmContext *ctx)
{
    g_auto(XvmLook) look = { 0 };

    xvm_look(ctx, XVM_LOOK_DEFAULT, &look);
    return look.result == XVM_LOOK_RUNNING && look.drift == NULL && !look.from_process_table;
}

XvmOcfRc
xvm_action_start(XvmContext *ctx, GError **error)
{
    g_auto(XvmLook) look = { 0 };
    GError *local = NULL;
    gboolean create = FALSE;

    if (!start_inputs_ok(ctx, &local))
        return xvm_context_fail(ctx, error, local);
    warn_libvirt_owned_config(ctx);
    xvm_look(ctx, XVM_LOOK_DEFAULT, &look);
    if (!may_create(ctx, &look, &create, &local))
        return xvm_context_fail(ctx, error, local);
    if (create) {
        xvm_context_set_domain(ctx, ctx->config->name, ctx->config->uuid);
        if (!xvm_prepare_node(ctx, &local))
            return xvm_context_fail(ctx, error, local);
        if (!create_domain(ctx, &local)) {
            if (!started_meanwhile(ctx))
                return xvm_context_fail(ctx, error, local);
            g_clear_error(&local);
        }
    }
    return wait_until_running(ctx, error);
}

