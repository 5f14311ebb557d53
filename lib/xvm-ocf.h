/* OCF exit codes and the actions the agent answers. */
#pragma once

#include <glib.h>

/* The owner of a run by hand is "by-hand:" + the config's absolute path
 * (xvm-request.c): Pacemaker ids cannot hold ':', and a clone instance's
 * ":N" comes after an id, so no resource instance starts with it. */
#define XVM_BY_HAND_PREFIX "by-hand:"

/* The OCF 1.1 exit codes this agent can return (ocf-contract.md 1.3). */
typedef enum {
    XVM_OCF_SUCCESS = 0,
    XVM_OCF_ERR_GENERIC = 1,        /* soft: fail-count, recovery */
    XVM_OCF_ERR_ARGS = 2,           /* hard: banned from this node */
    XVM_OCF_ERR_UNIMPLEMENTED = 3,
    XVM_OCF_ERR_PERM = 4,
    XVM_OCF_ERR_INSTALLED = 5,      /* hard: this node lacks something */
    XVM_OCF_ERR_CONFIGURED = 6,     /* fatal: banned from every node */
    XVM_OCF_NOT_RUNNING = 7,
} XvmOcfRc;

typedef enum {
    XVM_ACTION_UNKNOWN = 0,
    XVM_ACTION_START,
    XVM_ACTION_STOP,
    XVM_ACTION_MONITOR,
    XVM_ACTION_VALIDATE,
    XVM_ACTION_MIGRATE_TO,
    XVM_ACTION_MIGRATE_FROM,
    XVM_ACTION_META_DATA,
    XVM_ACTION_USAGE,
    XVM_ACTION_VERSION,
    XVM_ACTION_HOOK,
    XVM_ACTION_INSTALL_GUARD,
    XVM_ACTION_UNINSTALL_GUARD,
} XvmAction;

XvmAction xvm_action_from_string(const char *name);
const char *xvm_action_name(XvmAction action);
const char *xvm_ocf_rc_name(XvmOcfRc rc);
