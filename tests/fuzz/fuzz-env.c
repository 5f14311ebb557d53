/* libFuzzer target: the environment and parameter parsing (OCF_RESKEY_*,
 * CRM_meta_*), the URI templates built from them, and the exit-reason cut.
 * The input is split at newlines into NAME=VALUE environment entries. */
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "xvm-params.h"
#include "xvm-request.h"
#include "xvm-result.h"
#include "xvm-uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise_uris(const XvmParams *params, const char *node)
{
    g_autofree char *remote = xvm_uri_remote(params, node, NULL);
    g_autofree char *migration = xvm_uri_migration(params, node);

    /* Without a template of the user's, the agent builds a URI itself. */
    g_assert(remote == NULL || params->remoteuri[0] || strstr(remote, "://") != NULL);
    g_assert(migration == NULL || params->migrateuri[0] || g_str_has_prefix(migration, "tcp://"));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *) data, size);
    g_auto(GStrv) lines = g_strsplit(text, "\n", 256);
    g_autoptr(XvmEnv) env = xvm_env_new((const char *const *) lines);
    g_autoptr(XvmRequest) req = xvm_request_new(XVM_ACTION_MIGRATE_TO, env);
    g_autoptr(XvmParams) params = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *reason = xvm_result_reason(text);

    g_assert(req->timeout_ms > 0);
    g_assert(strlen(reason) <= 127);
    xvm_params_parse(env, &params, &error);
    g_assert(params != NULL);
    if (req->migrate_target && xvm_node_name_is_valid(req->migrate_target))
        exercise_uris(params, req->migrate_target);
    xvm_env_add_param_args(env, (const char *const *) lines, NULL);
    return 0;
}
