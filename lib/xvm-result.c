#include "xvm-result.h"

#include <string.h>

#include "xvm-error.h"

/* Pacemaker 2.1.5 keeps 128 bytes of an exit reason (EXIT_REASON_MAX_LEN);
 * that includes the terminating NUL. */
#define XVM_REASON_MAX 127

/* Configuration errors: 6 stops the resource everywhere, which is right only
 * for start and validate-all, where the same file fails on every node, and
 * a probe (a new resource that can never work).  Every other action: 1. */
static XvmOcfRc
rc_for_bad_configuration(XvmAction action, gboolean is_probe)
{
    if (action == XVM_ACTION_START || action == XVM_ACTION_VALIDATE_ALL)
        return XVM_OCF_ERR_CONFIGURED;
    if (action == XVM_ACTION_MONITOR && is_probe)
        return XVM_OCF_ERR_CONFIGURED;
    return XVM_OCF_ERR_GENERIC;
}

/* "This node cannot": 5 bans the resource from this node only.  Never from
 * stop (a failed stop fences) nor migrate (recovery handles it). */
static XvmOcfRc
rc_for_node_lacks(XvmAction action)
{
    if (action == XVM_ACTION_START || action == XVM_ACTION_VALIDATE_ALL)
        return XVM_OCF_ERR_INSTALLED;
    return XVM_OCF_ERR_GENERIC;
}

/* libvirt looked and there is no such domain: stopped for stop, not
 * running for monitor, a failure for everything else. */
static XvmOcfRc
rc_for_no_domain(XvmAction action)
{
    if (action == XVM_ACTION_STOP)
        return XVM_OCF_SUCCESS;
    if (action == XVM_ACTION_MONITOR)
        return XVM_OCF_NOT_RUNNING;
    return XVM_OCF_ERR_GENERIC;
}

XvmOcfRc
xvm_result_rc(XvmAction action, gboolean is_probe, const GError *error)
{
    if (error == NULL)
        return XVM_OCF_SUCCESS;
    if (error->domain != XVM_ERROR)
        return XVM_OCF_ERR_GENERIC;
    switch ((XvmErrorCode) error->code) {
    case XVM_ERROR_PARAM_MISSING:
    case XVM_ERROR_PARAM_INVALID:
    case XVM_ERROR_CONFIG_INVALID:
        return rc_for_bad_configuration(action, is_probe);
    case XVM_ERROR_CONFIG_UNREADABLE:
    case XVM_ERROR_CONFIG_DAMAGED:
    case XVM_ERROR_NOT_INSTALLED:
        return rc_for_node_lacks(action);
    case XVM_ERROR_CONNECT:
        return action == XVM_ACTION_VALIDATE_ALL ? XVM_OCF_ERR_INSTALLED : XVM_OCF_ERR_GENERIC;
    case XVM_ERROR_NO_DOMAIN:
        return rc_for_no_domain(action);
    case XVM_ERROR_UNKNOWN_STATE:
    case XVM_ERROR_DOMAIN_FAILED:
    case XVM_ERROR_NAME_TAKEN:
    case XVM_ERROR_IDENTITY_CHANGED:
    case XVM_ERROR_CONFLICT:
    case XVM_ERROR_LIBVIRT:
    case XVM_ERROR_TIMEOUT:
    case XVM_ERROR_MIGRATION:
    case XVM_ERROR_NOT_HERE:
    case XVM_ERROR_SCRIPT_FAILED:
    case XVM_ERROR_SAVED_STATE:
    case XVM_ERROR_INTERNAL:
        break;
    }
    return XVM_OCF_ERR_GENERIC;
}

XvmOcfRc
xvm_result_rc_for(XvmAction action, int code)
{
    g_autoptr(GError) error = g_error_new_literal(XVM_ERROR, code, "");

    return xvm_result_rc(action, FALSE, error);
}

char *
xvm_result_reason(const char *message)
{
    g_autofree char *line = g_strdup(message ? message : "");
    const char *end;

    g_strdelimit(line, "\r\n", ' ');
    if (strlen(line) <= XVM_REASON_MAX)
        return g_steal_pointer(&line);
    /* Cut on a character boundary so the CIB never holds broken UTF-8. */
    end = line + XVM_REASON_MAX;
    if (g_utf8_validate(line, -1, NULL))
        end = g_utf8_find_prev_char(line, end + 1);
    return g_strndup(line, end - line);
}
