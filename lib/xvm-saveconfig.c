#include "xvm-saveconfig.h"

#include "xvm-error.h"
#include "xvm-log.h"
#include "xvm-savefile.h"
#include "xvm-spawn.h"

gboolean
xvm_saveconfig_sync(const char *path, const XvmDeadline *deadline, GError **error)
{
    g_autofree char *csync2 = g_find_program_in_path("csync2");
    const char *argv[] = { csync2, "-x", path, NULL };
    XvmDeadline until = *deadline;
    g_autofree char *err_text = NULL;

    if (csync2 == NULL) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED,
                    "csync2 is not installed (not in PATH); the other nodes do not get"
                    " the saved definition");
        return FALSE;
    }
    until.end_us = MIN(deadline->end_us, deadline->now() + XVM_CSYNC2_MAX_MS * 1000);
    if (!xvm_run_argv(argv, &until, NULL, &err_text, error)) {
        if (err_text && err_text[0])
            g_prefix_error(error, "%s: ", err_text);
        return FALSE;
    }
    return TRUE;
}

static void
sync_to_other_nodes(XvmContext *ctx)
{
    g_autoptr(GError) error = NULL;

    xvm_log_info("syncing %s with csync2 -x", ctx->params->config);
    if (!xvm_saveconfig_sync(ctx->params->config, &ctx->deadline, &error))
        xvm_log_warn("cannot sync %s to the other nodes: %s", ctx->params->config,
                     error->message);
}

/* Why the config must not be written, or NULL. */
static const char *
reason_not_to_write(const XvmContext *ctx, const GError *drift)
{
    if (ctx->config == NULL)
        return ctx->config_error ? ctx->config_error->message : "config is not usable";
    if (drift)
        return "the file names another domain now";
    return NULL;
}

gboolean
xvm_saveconfig(XvmContext *ctx, const GError *drift)
{
    XvmDomainRef ref = xvm_context_ref(ctx);
    const char *why_not = reason_not_to_write(ctx, drift);
    g_autofree char *dumped = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(GError) error = NULL;
    gboolean changed = FALSE;

    if (!ctx->params->save_config_on_stop)
        return FALSE;
    if (why_not) {
        xvm_log_warn("not saving the definition of %s to %s: %s", ctx->name,
                     ctx->params->config, why_not);
        return FALSE;
    }
    /* The marker names the resource of this run; the user's file stays as
     * a person would write it (start adds the marker again). */
    if (ctx->virt->ops->dump_xml(ctx->virt, &ref, &dumped, &error))
        xml = xvm_domxml_without_marker(dumped);
    if (xml == NULL || !xvm_savefile_replace(ctx->params->config, xml, &changed, &error)) {
        xvm_log_warn("cannot save the definition of %s to %s: %s", ctx->name,
                     ctx->params->config, error->message);
        return FALSE;
    }
    if (!changed)
        return FALSE;
    xvm_log_info("saved the definition of %s to %s", ctx->name, ctx->params->config);
    if (ctx->params->sync_config_on_stop)
        sync_to_other_nodes(ctx);
    return TRUE;
}
