/* ocf:xvm:domain: argument dispatch and exit.  All logic is in lib/. */
#include <stdio.h>
#include <unistd.h>
#include <glib.h>

#include "xvm-actions.h"
#include "xvm-error.h"
#include "xvm-hook.h"
#include "xvm-log.h"
#include "xvm-metadata.h"
#include "xvm-request.h"
#include "xvm-result.h"

extern char **environ;

static void
print_usage(FILE *out)
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

static XvmOcfRc
run_action(XvmAction action, int argc, char **argv)
{
    g_autoptr(XvmEnv) env = xvm_env_new((const char *const *) environ);
    g_autoptr(XvmRequest) req = NULL;
    g_autoptr(XvmVirt) virt = NULL;
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
    virt = xvm_virt_libvirt_new();
    ctx = xvm_context_new(req, env, virt, NULL);
    rc = xvm_action_run(ctx, &error);
    emit_outcome(req, ctx, rc, error);
    xvm_log_fini();
    return rc;
}

static int
run_hook(int argc, char **argv)
{
    g_autoptr(XvmGuardPaths) paths = xvm_guard_paths_new(g_getenv("XVM_GUARD_ROOT"));

    return xvm_hook_run(paths, argc - 2, (const char *const *) argv + 2, stdin, stderr);
}

static int
run_guard_setup(XvmAction action, int argc, char **argv)
{
    const char *dir = argc > 2 ? argv[2] : XVM_GUARD_HOOKS_DIR;
    g_autofree char *path = NULL;
    g_autoptr(GError) error = NULL;
    gboolean ok = action == XVM_ACTION_INSTALL_GUARD
                      ? xvm_guard_install(dir, XVM_AGENT_PATH, &path, &error)
                      : xvm_guard_uninstall(dir, &path, &error);

    if (!ok) {
        fprintf(stderr, "%s\n", error->message);
        return XVM_OCF_ERR_GENERIC;
    }
    printf("%s %s\n", action == XVM_ACTION_INSTALL_GUARD ? "installed" : "removed", path);
    printf("restart libvirtd so that it %s the hook\n",
           action == XVM_ACTION_INSTALL_GUARD ? "loads" : "drops");
    return XVM_OCF_SUCCESS;
}

int
main(int argc, char **argv)
{
    XvmAction action = xvm_action_from_string(argc > 1 ? argv[1] : NULL);
    XvmOcfRc rc;

    switch (action) {
    case XVM_ACTION_META_DATA:
        /* XML whatever OCF_OUTPUT_FORMAT says: Pacemaker's tools set it to text. */
        fputs(xvm_metadata_text(), stdout);
        return XVM_OCF_SUCCESS;
    case XVM_ACTION_USAGE:
        print_usage(stdout);
        return XVM_OCF_SUCCESS;
    case XVM_ACTION_VERSION:
        printf("ocf:xvm:domain %s\n", XVM_VERSION);
        return XVM_OCF_SUCCESS;
    case XVM_ACTION_HOOK:
        return run_hook(argc, argv);
    case XVM_ACTION_INSTALL_GUARD:
    case XVM_ACTION_UNINSTALL_GUARD:
        return run_guard_setup(action, argc, argv);
    case XVM_ACTION_UNKNOWN:
        print_usage(stderr);
        fprintf(stderr, "ocf-exit-reason:unknown action \"%s\"\n", argc > 1 ? argv[1] : "");
        return XVM_OCF_ERR_UNIMPLEMENTED;
    case XVM_ACTION_START:
    case XVM_ACTION_STOP:
    case XVM_ACTION_MONITOR:
    case XVM_ACTION_VALIDATE:
    case XVM_ACTION_MIGRATE_TO:
    case XVM_ACTION_MIGRATE_FROM:
        break;
    }
    rc = run_action(action, argc, argv);
    fflush(stdout);
    fflush(stderr);
    /* _exit: a worker thread abandoned in a hung libvirt call must not be
     * waited for by exit handlers. */
    _exit(rc);
}
