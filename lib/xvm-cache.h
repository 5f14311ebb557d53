/* A node-local note of the domain's identity, written when the agent starts
 * or receives it, so that stop and monitor can still find the domain when
 * the config file is unreadable (shared storage lost): never "stopped"
 * without having looked. */
#pragma once

#include <glib.h>

#include "xvm-request.h"

/* HA_RSCTMP (resource-agents' ra_tmp_dir), else /run/resource-agents. */
char *xvm_cache_path(const XvmEnv *env, const char *instance);
gboolean xvm_cache_save(const char *path, const char *name, const char *uuid,
                        GError **error);
gboolean xvm_cache_load(const char *path, char **name, char **uuid);
