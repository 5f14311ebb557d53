/* start: create the domain from config and return once it really runs. */
#include "xvm-actions.h"

#include <unistd.h>

#include "xvm-error.h"
#include "xvm-health.h"
#include "xvm-log.h"

/* Fails early, with XVM_ERROR_NOT_INSTALLED, when this node lacks a file the
 * domain needs: better a ban from this node than a libvirt error later. */
gboolean
xvm_check_node_files(XvmContext *ctx, GError **error)
{
    const XvmDomainConfig *cfg = ctx->config;

    if (cfg->emulator && access(cfg->emulator, X_OK) != 0) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED,
                    "emulator %s is missing on this node", cfg->emulator);
        return FALSE;
    }
    for (gsize i = 0; cfg->disk_paths[i]; i++) {
        if (access(cfg->disk_paths[i], F_OK) != 0) {
            g_set_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED,
                        "disk %s is missing on this node", cfg->disk_paths[i]);
            return FALSE;
        }
    }
    return TRUE;
}

/* Parameters and config must both be usable to start anything. */
static gboolean
start_inputs_ok(XvmContext *ctx, GError **error)
{
    return xvm_context_inputs_ok(ctx, error) && xvm_check_node_files(ctx, error);
}

static gboolean
create_domain(XvmContext *ctx, GError **error)
{
    g_autofree char *xml = xvm_domxml_with_marker(ctx->config, ctx->req->instance, error);
    g_autoptr(GError) token_error = NULL;
    gboolean ok;

    if (xml == NULL)
        return FALSE;
    xvm_log_info("creating domain %s (%s)", ctx->name,
                 ctx->params->persistent ? "persistent" : "transient");
    /* The hook guard lets this start through while the token is there. */
    xvm_context_register_guard(ctx);
    if (!xvm_guard_token_write(ctx->guard, "start", ctx->name, getpid(),
                               g_get_real_time() / G_USEC_PER_SEC
                                   + xvm_deadline_remaining_ms(&ctx->deadline) / 1000 + 1,
                               &token_error))
        xvm_log_warn("cannot write the guard's start token: %s", token_error->message);
    ok = ctx->virt->ops->create(ctx->virt, xml, ctx->params->persistent, error);
    xvm_guard_token_remove(ctx->guard, "start", ctx->name);
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
            return xvm_action_fail(ctx, error, local);
        health = st.found ? xvm_health_classify(st.state, st.reason, &why)
                          : XVM_HEALTH_STOPPED;
        xvm_domain_status_clear(&st);
        if (health == XVM_HEALTH_STOPPED || health == XVM_HEALTH_FAILED) {
            g_set_error(error, XVM_ERROR, XVM_ERROR_DOMAIN_FAILED,
                        "domain %s is %s right after start: see the libvirt and QEMU logs",
                        ctx->name, why);
            return XVM_OCF_ERR_GENERIC;
        }
        if (health == XVM_HEALTH_RUNNING && xvm_context_run_scripts(ctx, &local))
            return XVM_OCF_SUCCESS;
        if (xvm_deadline_passed(&ctx->deadline)) {
            g_prefix_error(&local, "domain %s started but is not ready in time: ", ctx->name);
            if (local == NULL)
                g_set_error(&local, XVM_ERROR, XVM_ERROR_TIMEOUT,
                            "domain %s did not reach running in time", ctx->name);
            local->code = XVM_ERROR_TIMEOUT;
            g_propagate_error(error, local);
            return XVM_OCF_ERR_GENERIC;
        }
        g_clear_error(&local);
        ctx->virt->ops->wait_event(ctx->virt, seen,
                                   MIN(500, xvm_deadline_remaining_ms(&ctx->deadline)));
    }
}

XvmOcfRc
xvm_action_start(XvmContext *ctx, GError **error)
{
    XvmDomainStatus st = { 0 };
    GError *local = NULL;
    const char *why = "absent";
    XvmHealth health;

    if (!start_inputs_ok(ctx, &local) || !xvm_context_connect(ctx, G_MAXINT64, &local)
        || !xvm_context_observe(ctx, &st, &local))
        return xvm_action_fail(ctx, error, local);
    health = st.found ? xvm_health_classify(st.state, st.reason, &why) : XVM_HEALTH_STOPPED;
    xvm_domain_status_clear(&st);
    if (health == XVM_HEALTH_FAILED) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_DOMAIN_FAILED,
                    "domain %s already exists here and is %s: stop it first", ctx->name, why);
        return XVM_OCF_ERR_GENERIC;
    }
    if (health == XVM_HEALTH_STOPPED && !create_domain(ctx, &local)) {
        /* Someone may have started it meanwhile: judge by what runs. */
        if (!xvm_context_observe(ctx, &st, NULL) || !st.found
            || xvm_health_classify(st.state, st.reason, &why) != XVM_HEALTH_RUNNING) {
            xvm_domain_status_clear(&st);
            return xvm_action_fail(ctx, error, local);
        }
        xvm_domain_status_clear(&st);
        g_clear_error(&local);
    } else if (health != XVM_HEALTH_STOPPED) {
        xvm_log_info("domain %s is already %s", ctx->name, why);
    }
    xvm_context_remember(ctx);
    return wait_until_running(ctx, error);
}
