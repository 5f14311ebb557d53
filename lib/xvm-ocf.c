#include "xvm-ocf.h"

#include <string.h>

#define XVM_ACTION_NAME_ROW(id, name) [XVM_ACTION_##id] = name,
static const char *const action_names[XVM_ACTION_COUNT] = {
    [XVM_ACTION_UNKNOWN] = "unknown",
    XVM_ALL_ACTIONS(XVM_ACTION_NAME_ROW)
};
#undef XVM_ACTION_NAME_ROW

/* Other words for an action: LRM-era "status", as VirtualDomain accepts,
 * and the usual ways to ask for help. */
static const struct {
    const char *name;
    XvmAction action;
} action_aliases[] = {
    { "status", XVM_ACTION_MONITOR },
    { "help", XVM_ACTION_USAGE },
    { "--help", XVM_ACTION_USAGE },
    { "-h", XVM_ACTION_USAGE },
};

/* The one table of what meta-data cannot express, one row an action (a row
 * left out is all zero, XVM_LIBVIRT_UNSET, and the unit tests fail on it). */
static const XvmActionProps action_props[XVM_ACTION_COUNT] = {
    [XVM_ACTION_START] = { XVM_LIBVIRT_ALWAYS, TRUE },
    [XVM_ACTION_STOP] = { XVM_LIBVIRT_ALWAYS, TRUE },
    [XVM_ACTION_MONITOR] = { XVM_LIBVIRT_ALWAYS, TRUE },
    [XVM_ACTION_MIGRATE_TO] = { XVM_LIBVIRT_ALWAYS, TRUE },
    [XVM_ACTION_MIGRATE_FROM] = { XVM_LIBVIRT_ALWAYS, TRUE },
    /* Level 0 judges the configuration only (ocf-contract.md 1.4). */
    [XVM_ACTION_VALIDATE_ALL] = { XVM_LIBVIRT_AT_LEVEL_10, TRUE },
    [XVM_ACTION_META_DATA] = { XVM_LIBVIRT_NEVER, FALSE },
    [XVM_ACTION_USAGE] = { XVM_LIBVIRT_NEVER, FALSE },
    [XVM_ACTION_VERSION] = { XVM_LIBVIRT_NEVER, FALSE },
    /* The hook runs inside libvirtd's own start: it must not call back. */
    [XVM_ACTION_HOOK] = { XVM_LIBVIRT_NEVER, FALSE },
    [XVM_ACTION_INSTALL_GUARD] = { XVM_LIBVIRT_NEVER, FALSE },
    [XVM_ACTION_UNINSTALL_GUARD] = { XVM_LIBVIRT_NEVER, FALSE },
};

XvmAction
xvm_action_from_string(const char *name)
{
    if (name == NULL)
        return XVM_ACTION_UNKNOWN;
    for (gsize i = 1; i < G_N_ELEMENTS(action_names); i++) {
        if (strcmp(action_names[i], name) == 0)
            return (XvmAction) i;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(action_aliases); i++) {
        if (strcmp(action_aliases[i].name, name) == 0)
            return action_aliases[i].action;
    }
    return XVM_ACTION_UNKNOWN;
}

const char *
xvm_action_name(XvmAction action)
{
    if ((guint) action >= XVM_ACTION_COUNT)
        return "unknown";
    return action_names[action];
}

const XvmActionProps *
xvm_action_props(XvmAction action)
{
    if ((guint) action >= XVM_ACTION_COUNT)
        action = XVM_ACTION_UNKNOWN;
    return &action_props[action];
}

gboolean
xvm_action_needs_libvirt(XvmAction action, int check_level)
{
    switch (xvm_action_props(action)->libvirt) {
    case XVM_LIBVIRT_ALWAYS:
        return TRUE;
    case XVM_LIBVIRT_AT_LEVEL_10:
        return check_level >= 10;
    case XVM_LIBVIRT_UNSET:
    case XVM_LIBVIRT_NEVER:
        break;
    }
    return FALSE;
}

const char *
xvm_ocf_rc_name(XvmOcfRc rc)
{
    switch (rc) {
    case XVM_OCF_SUCCESS: return "ok";
    case XVM_OCF_ERR_GENERIC: return "generic error";
    case XVM_OCF_ERR_ARGS: return "invalid argument";
    case XVM_OCF_ERR_UNIMPLEMENTED: return "unimplemented";
    case XVM_OCF_ERR_PERM: return "insufficient privileges";
    case XVM_OCF_ERR_INSTALLED: return "not installed";
    case XVM_OCF_ERR_CONFIGURED: return "not configured";
    case XVM_OCF_NOT_RUNNING: return "not running";
    }
    return "unknown";
}
