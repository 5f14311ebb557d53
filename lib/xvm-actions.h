/* The OCF actions.  Each returns the exit code and, when that is not
 * success (or "not running" from monitor), an error whose message becomes
 * the exit reason. */
#pragma once

#include "xvm-context.h"
#include "xvm-job.h"
#include "xvm-ocf.h"

XvmOcfRc xvm_action_run(XvmContext *ctx, GError **error);

XvmOcfRc xvm_action_monitor(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_start(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_stop(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_validate(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_migrate_to(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_migrate_from(XvmContext *ctx, GError **error);

/* Helpers shared by the action files. */
XvmOcfRc xvm_action_fail(XvmContext *ctx, GError **error, GError *cause);
XvmOcfRc xvm_action_check_domain(XvmContext *ctx, const XvmDomainStatus *st,
                                 gboolean run_scripts, GError **error);

/* Fails with XVM_ERROR_NOT_INSTALLED when this node lacks the emulator or a
 * disk the domain needs. */
gboolean xvm_check_node_files(XvmContext *ctx, GError **error);

typedef enum {
    XVM_CALL_SHUTDOWN,              /* with shutdown_mode */
    XVM_CALL_SHUTDOWN_DEFAULT,      /* the hypervisor's default method */
    XVM_CALL_DESTROY,
} XvmCallKind;

/* Starts a shutdown or destroy of the context's domain on a worker thread. */
XvmJob *xvm_action_call_async(XvmContext *ctx, XvmCallKind kind);
