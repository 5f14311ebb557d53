/* Everything one run of the agent knows, and the steps every action shares:
 * finding out which domain is ours, connecting, and looking at it. */
#pragma once

#include <glib.h>

#include "xvm-deadline.h"
#include "xvm-domxml.h"
#include "xvm-guard.h"
#include "xvm-params.h"
#include "xvm-report.h"
#include "xvm-request.h"
#include "xvm-virt.h"

typedef struct {
    const XvmRequest *req;
    const XvmEnv *env;
    XvmParams *params;
    GError *params_error;       /* why params are not valid, or NULL */
    XvmDomainConfig *config;
    GError *config_error;       /* why config could not be used, or NULL */
    XvmVirt *virt;
    gboolean connected;
    XvmDeadline deadline;       /* the action's end, less the exit margin */
    XvmReport *report;          /* by-hand runs only; NULL otherwise */
    const char *proc_root;      /* "/proc" */
    char *cache_path;
    char *name;                 /* the domain's identity, once known */
    char *uuid;
    const char *identity_source;
    char *summary;              /* one line for a by-hand run, or NULL */
    XvmGuardPaths *guard;       /* where the hook guard's files are */
} XvmContext;

/* Reads parameters and config; never fails: errors are kept in the context
 * for the actions to weigh (stop, for one, must work without them). */
XvmContext *xvm_context_new(const XvmRequest *req, const XvmEnv *env, XvmVirt *virt,
                            XvmNowFunc now);
void xvm_context_free(XvmContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmContext, xvm_context_free)

/* Connects once, within at most max_ms of the remaining time. */
gboolean xvm_context_connect(XvmContext *ctx, gint64 max_ms, GError **error);

/* Finds the domain's name: from config, else the node-local note, else (if
 * connected) the running domain that carries our marker.  FALSE when nothing
 * tells; *looked_everywhere is TRUE if libvirt listed every running domain
 * and none is ours. */
gboolean xvm_context_identify(XvmContext *ctx, gboolean *looked_everywhere,
                              GError **error);

/* The domain's status from libvirt, with the UUID checked against config. */
gboolean xvm_context_observe(XvmContext *ctx, XvmDomainStatus *status, GError **error);

/* Notes the identity for later runs on this node; failures are only logged. */
void xvm_context_remember(XvmContext *ctx);

/* The parameters and config are usable: FALSE with a copy of the first
 * reason they are not (start and migrate need both). */
gboolean xvm_context_inputs_ok(const XvmContext *ctx, GError **error);

/* libvirt's own "operation timed out" and a lost connection both mean the
 * daemon cannot tell us anything: the process table must answer. */
gboolean xvm_error_libvirt_unreachable(const GError *error);

/* Tells this node's hook guard that the cluster manages the domain (a no-op
 * when nothing changed); failures are only logged. */
void xvm_context_register_guard(XvmContext *ctx);

/* Runs monitor_scripts; FALSE with the first failure. */
gboolean xvm_context_run_scripts(XvmContext *ctx, GError **error);

void xvm_context_set_summary(XvmContext *ctx, const char *format, ...) G_GNUC_PRINTF(2, 3);
