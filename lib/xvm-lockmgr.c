#include "xvm-lockmgr.h"

#include <string.h>


/* The value of `lock_manager = "..."` on one line, or NULL when the line
 * does not assign it. */
static char *
assignment(const char *line)
{
    const char *p = line + strspn(line, " \t");
    const char *end;

    if (!g_str_has_prefix(p, "lock_manager"))
        return NULL;
    p += strlen("lock_manager");
    p += strspn(p, " \t");
    if (*p++ != '=')
        return NULL;
    p += strspn(p, " \t");
    if (*p++ != '"')
        return NULL;
    end = strchr(p, '"');
    return end ? g_strndup(p, end - p) : NULL;
}

char *
xvm_lockmgr_from_qemu_conf(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    char *manager = NULL;

    for (gsize i = 0; lines[i]; i++) {
        char *value = assignment(lines[i]);

        if (value == NULL)
            continue;
        g_free(manager);
        manager = value;
    }
    /* libvirt's "nop" manager leases nothing. */
    if (manager && (manager[0] == '\0' || strcmp(manager, "nop") == 0))
        g_clear_pointer(&manager, g_free);
    return manager;
}

gboolean
xvm_lockmgr_read(const char *path, char **manager, char **why)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;

    *manager = NULL;
    if (!g_file_get_contents(path, &text, NULL, &error)) {
        *why = g_strdup(error->message);
        return FALSE;
    }
    *manager = xvm_lockmgr_from_qemu_conf(text);
    return TRUE;
}

gboolean
xvm_lockmgr_refused(gboolean lease_busy, const char *message)
{
    const char *qemu = message ? strstr(message, "Failed to get ") : NULL;

    return lease_busy || (qemu && strstr(qemu, " lock") != NULL);
}
