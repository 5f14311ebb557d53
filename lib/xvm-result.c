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

/* Where a long reason keeps its head: up to the first ": " when that is
 * short, what the agent tried ("cannot start vm1: "). */
#define REASON_HEAD_MAX 48
/* How far the tail may move forward to begin at a word. */
#define REASON_WORD_SLACK 24
#define ELLIPSIS "\u2026 "

static gsize
reason_head_len(const char *line)
{
    const char *colon = strstr(line, ": ");

    return colon && colon + 2 - line <= REASON_HEAD_MAX ? (gsize) (colon + 2 - line) : 0;
}

/* The tail of line that fits in budget bytes: starting on a character
 * boundary, and at a word when one begins soon after. */
static const char *
reason_tail(const char *line, gsize budget)
{
    const char *tail = line + strlen(line) - budget;
    const char *space;

    if (!g_utf8_validate(tail, -1, NULL))
        tail = g_utf8_find_next_char(tail, NULL);
    space = strchr(tail, ' ');
    if (space && space - tail < REASON_WORD_SLACK)
        tail = space + 1;
    return tail;
}

/* The agent writes "what: why", and libvirt's why ends in QEMU's own words
 * (a refused image lock, say): a reason too long for Pacemaker keeps what
 * was tried and the end, not a middle of timestamps and option echoes.
 * line is valid UTF-8, longer than XVM_REASON_MAX, with a short head. */
static char *
elide_middle(const char *line)
{
    gsize head = reason_head_len(line);
    gsize budget = XVM_REASON_MAX - head - strlen(ELLIPSIS);
    g_autofree char *what = g_strndup(line, head);

    return g_strconcat(what, ELLIPSIS, reason_tail(line + head, budget), NULL);
}

char *
xvm_result_reason(const char *message)
{
    g_autofree char *line = g_strdup(message ? message : "");
    const char *end;

    g_strdelimit(line, "\r\n", ' ');
    if (strlen(line) <= XVM_REASON_MAX)
        return g_steal_pointer(&line);
    /* Not UTF-8 (a libvirt message in Latin-1): a plain cut, never longer. */
    if (!g_utf8_validate(line, -1, NULL))
        return g_strndup(line, XVM_REASON_MAX);
    if (reason_head_len(line) > 0)
        return elide_middle(line);
    /* No "what: " to keep: the beginning, cut on a character boundary so
     * the CIB never holds broken UTF-8. */
    end = g_utf8_find_prev_char(line, line + XVM_REASON_MAX + 1);
    return g_strndup(line, end - line);
}
