/* Everything one run of the agent knows, and the steps every action shares:
 * finding out which domain is ours, connecting, and looking at it. */
#pragma once

#include <glib.h>

#include "xvm-deadline.h"
#include "xvm-domxml.h"
#include "xvm-guard.h"
#include "xvm-ocf.h"
#include "xvm-params.h"
#include "xvm-proc.h"
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
    XvmDeadline deadline;       /* the action's end, less the exit margin */
    XvmReport *report;          /* by-hand runs only; NULL otherwise */
    const char *proc_root;      /* "/proc" */
    char *qemu_run_dir;         /* libvirt's QEMU pidfiles, or NULL when the
                                 * process table cannot speak for the URI */
    char *cache_path;
    char *note_name;            /* this node's note: what last ran here */
    char *note_uuid;
    char *by_hand_owner;        /* the marker a by-hand run from our config
                                 * leaves: also ours */
    char *name;                 /* the domain the action is about: what runs
                                 * once xvm_look found it, else config's */
    char *uuid;
    char *summary;              /* one line for a by-hand run, or NULL */
    XvmGuardPaths *guard;       /* where the hook guard's files are */
} XvmContext;

/* Reads parameters, config and this node's note; never fails: errors are
 * kept in the context for the actions to weigh (stop, for one, must work
 * without them). */
XvmContext *xvm_context_new(const XvmRequest *req, const XvmEnv *env, XvmVirt *virt,
                            XvmNowFunc now);
void xvm_context_free(XvmContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmContext, xvm_context_free)

/* Connects (again, after a lost connection) within at most max_ms of the
 * remaining time. */
gboolean xvm_context_connect(XvmContext *ctx, gint64 max_ms, GError **error);

/* The domain the action is about, for the hypervisor seam. */
XvmDomainRef xvm_context_ref(const XvmContext *ctx);

/* Makes name and uuid the domain the action is about. */
void xvm_context_set_domain(XvmContext *ctx, const char *name, const char *uuid);

/* The status of the domain the action is about (by UUID when known). */
gboolean xvm_context_observe(XvmContext *ctx, XvmDomainStatus *status, GError **error);

/* Notes the domain's identity for later runs on this node, when it changed;
 * failures are only logged. */
void xvm_context_remember(XvmContext *ctx);

/* The parameters and config are usable: FALSE with a copy of the first
 * reason they are not (start and migrate need both). */
gboolean xvm_context_inputs_ok(const XvmContext *ctx, GError **error);

/* persistent=true with the config inside libvirt's own directory, where
 * libvirt rewrites NAME.xml at each start and deletes it when a migration
 * undefines the source. */
gboolean xvm_context_config_owned_by_libvirt(const XvmContext *ctx);

/* Where and how long the process table may be read for this action. */
XvmProcScope xvm_context_proc_scope(const XvmContext *ctx, gint64 timeout_ms);

/* A lost or unreachable libvirtd: nothing libvirt says can be had now. */
gboolean xvm_error_libvirt_unreachable(const GError *error);

/* Tells this node's hook guard that this resource manages the domain (a
 * no-op when nothing changed).  FALSE only when another resource manages
 * it (XVM_ERROR_CONFLICT); other failures are only logged. */
gboolean xvm_context_claim_guard(XvmContext *ctx, GError **error);
/* The same, where a conflict is only worth a warning (monitor). */
void xvm_context_register_guard(XvmContext *ctx);

/* The exit code for cause (owned: moved into error), from the one table
 * (xvm_result_rc).  A NULL cause is a bug and never reads as success. */
XvmOcfRc xvm_context_fail(XvmContext *ctx, GError **error, GError *cause);

/* The verdict on a domain libvirt found: 0, 7, or 1 with the reason; with
 * run_scripts, a running domain must also pass monitor_scripts. */
XvmOcfRc xvm_context_check_domain(XvmContext *ctx, const XvmDomainStatus *st,
                                  gboolean run_scripts, GError **error);

/* Runs monitor_scripts; FALSE with the first failure. */
gboolean xvm_context_run_scripts(XvmContext *ctx, GError **error);

void xvm_context_set_summary(XvmContext *ctx, const char *format, ...) G_GNUC_PRINTF(2, 3);
