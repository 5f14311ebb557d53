/* A node-local note of the identity (name and UUID) of the domain that ran
 * here for a resource instance: written by start, migrate_from and any
 * monitor or probe that finds it active, so that stop and monitor find the
 * domain when the config is unreadable (shared storage lost) or was edited
 * while it ran: never "stopped" without having looked. */
#pragma once

#include <glib.h>

#include "xvm-request.h"

/* HA_RSCTMP (resource-agents' ra_tmp_dir), else /run/resource-agents. */
char *xvm_cache_path(const XvmEnv *env, const char *instance);
gboolean xvm_cache_save(const char *path, const char *name, const char *uuid,
                        GError **error);
gboolean xvm_cache_load(const char *path, char **name, char **uuid);
