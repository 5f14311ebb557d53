/* The OCF actions.  Each returns the exit code and, when that is not
 * success (or "not running" from monitor), an error whose message becomes
 * the exit reason. */
#pragma once

#include "xvm-context.h"
#include "xvm-ocf.h"

/* Runs the request's action; XVM_OCF_ERR_UNIMPLEMENTED for one that does
 * not act on a domain (the front answers those). */
XvmOcfRc xvm_action_run(XvmContext *ctx, GError **error);
/* Whether xvm_action_run has a handler for action. */
gboolean xvm_action_handled(XvmAction action);

XvmOcfRc xvm_action_monitor(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_start(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_stop(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_validate(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_migrate_to(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_migrate_from(XvmContext *ctx, GError **error);
