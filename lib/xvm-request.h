/* What Pacemaker (or a person) asks of the agent: the action and the
 * environment, read from an injected copy of the environment so that tests
 * need no getenv() tricks. */
#pragma once

#include <glib.h>

#include "xvm-ocf.h"

typedef struct {
    GHashTable *vars;   /* environment variable -> value, owned copies */
} XvmEnv;

XvmEnv *xvm_env_new(const char *const *envp);
void xvm_env_free(XvmEnv *env);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmEnv, xvm_env_free)

const char *xvm_env_get(const XvmEnv *env, const char *name);
/* OCF_RESKEY_<param>, or NULL when unset. */
const char *xvm_env_param(const XvmEnv *env, const char *param);
void xvm_env_set(XvmEnv *env, const char *name, const char *value);

/* Turns command-line "key=value" words (the by-hand form) into OCF_RESKEY_key. */
gboolean xvm_env_add_param_args(XvmEnv *env, const char *const *args, GError **error);

typedef struct {
    XvmAction action;
    gint64 timeout_ms;          /* the action's budget; always > 0 */
    gboolean timeout_defaulted; /* CRM_meta_timeout was unset or unusable */
    gint64 interval_ms;         /* 0: one-shot; a monitor with 0 is a probe */
    int check_level;            /* OCF_CHECK_LEVEL: 0 or 10 */
    char *migrate_target;       /* cluster node names, or NULL */
    char *migrate_source;
    char *instance;             /* OCF_RESOURCE_INSTANCE, or by hand
                                 * "by-hand:" + the config's absolute path */
    char *exit_reason_prefix;
    gboolean by_hand;           /* run from a terminal: print a report */
    char *timeout_note;         /* why timeout_ms was defaulted, or NULL */
} XvmRequest;

XvmRequest *xvm_request_new(XvmAction action, const XvmEnv *env);
void xvm_request_free(XvmRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmRequest, xvm_request_free)

gboolean xvm_request_is_probe(const XvmRequest *request);
