#include "xvm-proc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libvirt writes "-name guest=NAME,debug-threads=on" and doubles any comma
 * in the name (QEMU's option escaping).  Older versions write "-name NAME". */
static char *
name_from_option(const char *value)
{
    GString *name = g_string_new(NULL);
    const char *p = g_str_has_prefix(value, "guest=") ? value + 6 : value;

    for (; *p; p++) {
        if (p[0] == ',' && p[1] == ',') {
            g_string_append_c(name, ',');
            p++;
        } else if (p[0] == ',') {
            break;
        } else {
            g_string_append_c(name, *p);
        }
    }
    return g_string_free(name, FALSE);
}

static gboolean
is_qemu_binary(const char *argv0)
{
    g_autofree char *base = g_path_get_basename(argv0);

    return g_str_has_prefix(base, "qemu-system-") || strcmp(base, "qemu-kvm") == 0
           || strcmp(base, "kvm") == 0;
}

gboolean
xvm_proc_cmdline_matches(const char *cmdline, gsize len, const char *name,
                         const char *uuid)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    gboolean name_ok = FALSE, uuid_ok = (uuid == NULL);

    for (gsize i = 0; i < len; i += strlen(cmdline + i) + 1)
        g_ptr_array_add(argv, (gpointer) (cmdline + i));
    if (argv->len == 0 || !is_qemu_binary(g_ptr_array_index(argv, 0)))
        return FALSE;
    for (guint i = 1; i + 1 < argv->len; i++) {
        const char *opt = g_ptr_array_index(argv, i);
        const char *val = g_ptr_array_index(argv, i + 1);

        if (strcmp(opt, "-name") == 0) {
            g_autofree char *found = name_from_option(val);

            name_ok = strcmp(found, name) == 0;
        } else if (strcmp(opt, "-uuid") == 0 && uuid) {
            uuid_ok = g_ascii_strcasecmp(val, uuid) == 0;
        }
    }
    return name_ok && uuid_ok;
}

static gboolean
is_pid_name(const char *name)
{
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isdigit(*p))
            return FALSE;
    }
    return name[0] != '\0';
}

static gboolean
process_matches(const char *proc_root, const char *pid, const char *name,
                const char *uuid)
{
    g_autofree char *path = g_build_filename(proc_root, pid, "cmdline", NULL);
    g_autofree char *cmdline = NULL;
    gsize len = 0;

    /* A process that exited meanwhile simply is not this domain. */
    if (!g_file_get_contents(path, &cmdline, &len, NULL))
        return FALSE;
    return xvm_proc_cmdline_matches(cmdline, len, name, uuid);
}

XvmProcResult
xvm_proc_find_domain(const char *proc_root, const char *name, const char *uuid,
                     pid_t *pid)
{
    g_autoptr(GDir) dir = g_dir_open(proc_root, 0, NULL);
    const char *entry;
    gboolean saw_self = FALSE;
    g_autofree char *self = g_strdup_printf("%d", (int) getpid());

    *pid = 0;
    if (dir == NULL)
        return XVM_PROC_UNKNOWN;
    while ((entry = g_dir_read_name(dir)) != NULL) {
        if (!is_pid_name(entry))
            continue;
        saw_self |= strcmp(entry, self) == 0;
        if (process_matches(proc_root, entry, name, uuid)) {
            *pid = (pid_t) atoi(entry);
            return XVM_PROC_FOUND;
        }
    }
    /* Under a foreign /proc (another PID namespace) our own pid is missing:
     * then an empty answer proves nothing. */
    if (!saw_self && strcmp(proc_root, "/proc") == 0)
        return XVM_PROC_UNKNOWN;
    return XVM_PROC_NOT_FOUND;
}
