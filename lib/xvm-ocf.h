/* OCF exit codes and the actions the agent answers. */
#pragma once

#include <glib.h>

#include "xvm-action-list.h"   /* generated from metadata/domain.xml */

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

/* Actions meta-data does not advertise, because they are no operation
 * Pacemaker may schedule: usage and --version are for a person, hook is
 * libvirt's hook script calling in, and install-guard and uninstall-guard
 * are run once by an administrator.  Kept here, as the one list beside the
 * generated one; aliases (status, help) live in xvm-ocf.c. */
#define XVM_BY_HAND_ACTIONS(X) \
    X(USAGE, "usage") \
    X(VERSION, "--version") \
    X(HOOK, "hook") \
    X(INSTALL_GUARD, "install-guard") \
    X(UNINSTALL_GUARD, "uninstall-guard")

/* Every action: the advertised ones (metadata/domain.xml, generated into
 * xvm-action-list.h), then the by-hand ones. */
#define XVM_ALL_ACTIONS(X) XVM_METADATA_ACTIONS(X) XVM_BY_HAND_ACTIONS(X)

#define XVM_ACTION_ENUM_MEMBER(id, name) XVM_ACTION_##id,
typedef enum {
    XVM_ACTION_UNKNOWN = 0,
    XVM_ALL_ACTIONS(XVM_ACTION_ENUM_MEMBER)
} XvmAction;
#undef XVM_ACTION_ENUM_MEMBER

/* How many XvmAction values there are, UNKNOWN included: tables indexed by
 * action are this long.  Outside the enum, so switches need no case for it. */
#define XVM_ACTION_COUNT_ONE(id, name) + 1
enum { XVM_ACTION_COUNT = 1 XVM_ALL_ACTIONS(XVM_ACTION_COUNT_ONE) };
#undef XVM_ACTION_COUNT_ONE

/* Where an action may need libvirt: this decides which binary runs it
 * (agent/main.c answers what needs none without loading libvirt). */
typedef enum {
    XVM_LIBVIRT_UNSET = 0,      /* a missing row: the unit tests fail on it */
    XVM_LIBVIRT_NEVER,          /* the front (domain) answers it */
    XVM_LIBVIRT_ALWAYS,         /* domain-virt runs it */
    XVM_LIBVIRT_AT_LEVEL_10,    /* domain-virt only at OCF_CHECK_LEVEL >= 10 */
} XvmLibvirtUse;

/* What meta-data cannot say about an action. */
typedef struct {
    XvmLibvirtUse libvirt;
    gboolean on_domain;         /* acts on the configured domain: runs through
                                 * xvm_run_ocf_action and the dispatch
                                 * (xvm_action_run); else the front's own */
} XvmActionProps;

XvmAction xvm_action_from_string(const char *name);
const char *xvm_action_name(XvmAction action);
/* The action's properties; UNKNOWN's are all unset. */
const XvmActionProps *xvm_action_props(XvmAction action);
/* Whether this run of action loads libvirt (domain-virt). */
gboolean xvm_action_needs_libvirt(XvmAction action, int check_level);
const char *xvm_ocf_rc_name(XvmOcfRc rc);
