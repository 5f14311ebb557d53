#include "xvm-ocf.h"

#include <string.h>

static const struct {
    const char *name;
    XvmAction action;
} action_names[] = {
    { "start", XVM_ACTION_START },
    { "stop", XVM_ACTION_STOP },
    { "monitor", XVM_ACTION_MONITOR },
    { "status", XVM_ACTION_MONITOR },   /* LRM-era alias, as VirtualDomain */
    { "validate-all", XVM_ACTION_VALIDATE },
    { "migrate_to", XVM_ACTION_MIGRATE_TO },
    { "migrate_from", XVM_ACTION_MIGRATE_FROM },
    { "meta-data", XVM_ACTION_META_DATA },
    { "usage", XVM_ACTION_USAGE },
    { "help", XVM_ACTION_USAGE },
    { "--help", XVM_ACTION_USAGE },
    { "-h", XVM_ACTION_USAGE },
    { "--version", XVM_ACTION_VERSION },
    { "hook", XVM_ACTION_HOOK },
    { "install-guard", XVM_ACTION_INSTALL_GUARD },
    { "uninstall-guard", XVM_ACTION_UNINSTALL_GUARD },
};

XvmAction
xvm_action_from_string(const char *name)
{
    if (name == NULL)
        return XVM_ACTION_UNKNOWN;
    for (gsize i = 0; i < G_N_ELEMENTS(action_names); i++) {
        if (strcmp(action_names[i].name, name) == 0)
            return action_names[i].action;
    }
    return XVM_ACTION_UNKNOWN;
}

const char *
xvm_action_name(XvmAction action)
{
    for (gsize i = 0; i < G_N_ELEMENTS(action_names); i++) {
        if (action_names[i].action == action)
            return action_names[i].name;
    }
    return "unknown";
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
