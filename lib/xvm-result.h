/* From a failure's cause to the OCF exit code, per action: the one table that
 * decides how far Pacemaker's reaction reaches (ocf-contract.md 1.3, 5). */
#pragma once

#include <glib.h>

#include "xvm-ocf.h"

/* rc for an action that failed with error (XVM_ERROR domain). */
XvmOcfRc xvm_result_rc(XvmAction action, gboolean is_probe, const GError *error);

/* The same, for a cause alone (no message to keep), outside a probe. */
XvmOcfRc xvm_result_rc_for(XvmAction action, int code);

/* The exit-reason text: one line, at most 127 bytes after the prefix (what
 * Pacemaker 2.1.5 keeps), cut on a UTF-8 character boundary. */
char *xvm_result_reason(const char *message);
