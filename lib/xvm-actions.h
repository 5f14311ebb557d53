/* The OCF actions.  Each returns the exit code and, when that is not
 * success (or "not running" from monitor), an error whose message becomes
 * the exit reason. */
#pragma once

#include "xvm-context.h"
#include "xvm-ocf.h"

XvmOcfRc xvm_action_run(XvmContext *ctx, GError **error);

XvmOcfRc xvm_action_monitor(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_start(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_stop(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_validate(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_migrate_to(XvmContext *ctx, GError **error);
XvmOcfRc xvm_action_migrate_from(XvmContext *ctx, GError **error);
