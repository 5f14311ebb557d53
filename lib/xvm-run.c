#include "xvm-run.h"

#include <unistd.h>
#include <glib.h>

#include "xvm-actions.h"
#include "xvm-hook.h"
#include "xvm-log.h"
#include "xvm-request.h"
#include "xvm-result.h"

extern char **environ;

void
xvm_run_print_usage(FILE *out)
{
    fprintf(out,
            "usage: domain ACTION [parameter=value ...]\n"
            "\n"
            "The OCF resource agent ocf:xvm:domain: keeps one libvirt domain highly\n"
            "available under Pacemaker.\n"
            "\n"
            "actions: start stop monitor validate-all migrate_to migrate_from meta-data\n"
            "         usage --version\n"
            "         install-guard [HOOKS_DIR]   install the libvirt hook that refuses\n"
            "                                     starts of the cluster's domains outside\n"
            "                                     the cluster (default " XVM_GUARD_HOOKS_DIR ")\n"
            "         uninstall-guard [HOOKS_DIR]\n"
            "\n"
            "Parameters come as OCF_RESKEY_* variables or, by hand, as parameter=value\n"
            "words, for example:\n"
            "  domain validate-all config=/etc/xvm/vm1.xml\n"
            "  OCF_CHECK_LEVEL=10 domain validate-all config=/etc/xvm/vm1.xml\n"
            "  domain monitor config=/etc/xvm/vm1.xml\n"
            "\"domain meta-data\" lists every parameter.\n");
}

int
xvm_run_check_level(void)
{
    g_autoptr(XvmEnv) env = xvm_env_new((const char *const *) environ);
    g_autoptr(XvmRequest) req = xvm_request_new(XVM_ACTION_VALIDATE_ALL, env);

    return req->check_level;
}

/* A person at a terminal, or parameters given as words: print a report. */
static gboolean
is_by_hand(int argc, const XvmEnv *env)
{
    return argc > 2 || (isatty(STDOUT_FILENO) && xvm_env_get(env, "PCMK_service") == NULL);
}

static void
emit_outcome(const XvmRequest *req, XvmContext *ctx, XvmOcfRc rc, const GError *error)
{
    g_autofree char *reason = error ? xvm_result_reason(error->message) : NULL;

    if (req->by_hand) {
        xvm_report_print(ctx->report, stdout);
        if (error)
            printf("%s: %s\n", xvm_ocf_rc_name(rc), error->message);
        else if (ctx->summary)
            printf("%s\n", ctx->summary);
    }
    if (error == NULL)
        return;
    if (rc == XVM_OCF_SUCCESS || rc == XVM_OCF_NOT_RUNNING)
        xvm_log_info("%s", error->message);
    else
        xvm_log_err("%s failed (%s): %s", xvm_action_name(req->action), xvm_ocf_rc_name(rc),
                    error->message);
    /* Raw, not through libqb: Pacemaker parses this exact line. */
    fflush(stdout);
    fprintf(stderr, "%s%s\n", req->exit_reason_prefix, reason);
}

XvmOcfRc
xvm_run_ocf_action(XvmAction action, int argc, char **argv, XvmVirt *virt)
{
    g_autoptr(XvmEnv) env = xvm_env_new((const char *const *) environ);
    g_autoptr(XvmRequest) req = NULL;
    g_autoptr(XvmContext) ctx = NULL;
    g_autoptr(GError) error = NULL;
    XvmOcfRc rc;

    if (!xvm_env_add_param_args(env, (const char *const *) argv + 2, &error)) {
        fprintf(stderr, "ocf-exit-reason:%s\n", error->message);
        return XVM_OCF_ERR_ARGS;
    }
    req = xvm_request_new(action, env);
    req->by_hand = is_by_hand(argc, env);
    xvm_log_init(env, req->instance);
    if (req->timeout_note)
        xvm_log_info("%s", req->timeout_note);
    ctx = xvm_context_new(req, env, virt, NULL);
    rc = xvm_action_run(ctx, &error);
    emit_outcome(req, ctx, rc, error);
    xvm_log_fini();
    return rc;
}
