#include "xvm-cache.h"

#include <glib/gstdio.h>

#include "xvm-domxml.h"

/* Resource ids are already plain file names; a by-hand owner is a path, so
 * it is hashed: two paths never share a note. */
static char *
note_file_name(const char *instance)
{
    g_autofree char *safe = NULL;

    if (g_str_has_prefix(instance, XVM_BY_HAND_PREFIX)) {
        g_autofree char *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256,
                                                                instance, -1);

        digest[16] = '\0';
        return g_strdup_printf("xvm-domain-by-hand-%s.id", digest);
    }
    safe = g_strdup(instance);
    g_strcanon(safe, G_CSET_A_2_Z G_CSET_a_2_z G_CSET_DIGITS "_.-", '_');
    return g_strdup_printf("xvm-domain-%s.id", safe);
}

char *
xvm_cache_path(const XvmEnv *env, const char *instance)
{
    const char *dir = xvm_env_get(env, "HA_RSCTMP");
    g_autofree char *file = note_file_name(instance);

    return g_build_filename(dir && dir[0] ? dir : "/run/resource-agents", file, NULL);
}

gboolean
xvm_cache_save(const char *path, const char *name, const char *uuid, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *dir = g_path_get_dirname(path);

    g_key_file_set_string(kf, "domain", "name", name);
    if (uuid)
        g_key_file_set_string(kf, "domain", "uuid", uuid);
    g_mkdir_with_parents(dir, 0755);
    /* g_key_file_save_to_file writes a temporary file and renames it, so a
     * SIGKILL leaves the old note or the new one, never half of one. */
    return g_key_file_save_to_file(kf, path, error);
}

gboolean
xvm_cache_load(const char *path, char **name, char **uuid)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();

    *name = NULL;
    *uuid = NULL;
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
        return FALSE;
    *name = g_key_file_get_string(kf, "domain", "name", NULL);
    *uuid = g_key_file_get_string(kf, "domain", "uuid", NULL);
    if (*uuid && !xvm_uuid_is_valid(*uuid))
        g_clear_pointer(uuid, g_free);
    return *name != NULL && (*name)[0] != '\0';
}
