#include "xvm-helper.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "xvm-result.h"

/* Both paths name one file (after symlinks); false when either is missing. */
static gboolean
same_file(const char *a, const char *b)
{
    /* realpath() allocates with malloc, which g_free matches (glib >= 2.46). */
    g_autofree char *real_a = realpath(a, NULL);
    g_autofree char *real_b = realpath(b, NULL);

    return real_a && real_b && strcmp(real_a, real_b) == 0;
}

char *
xvm_helper_path(const char *self, const char *installed_front, const char *installed_helper)
{
    g_autofree char *dir = g_path_get_dirname(self);
    g_autofree char *sibling = g_build_filename(dir, "domain-virt", NULL);

    if (access(sibling, F_OK) != 0 && same_file(self, installed_front))
        return g_strdup(installed_helper);
    return g_steal_pointer(&sibling);
}

/* The file named first (what to look at), the fix last: a reason cut at
 * Pacemaker's 127 bytes loses the least. */
char *
xvm_helper_unrunnable_message(const char *path, int errnum)
{
    if (errnum == ENOENT)
        return g_strdup_printf("%s is missing: %s", path, XVM_HELPER_REINSTALL);
    return g_strdup_printf("cannot run %s: %s: %s", path, g_strerror(errnum),
                           XVM_HELPER_REINSTALL);
}

char *
xvm_helper_mismatch_message(const char *path, const char *helper_version,
                            const char *front_version)
{
    if (front_version == NULL || front_version[0] == '\0')
        return g_strdup_printf("%s runs only under domain %s: %s", path, helper_version,
                               XVM_HELPER_REINSTALL);
    if (strcmp(front_version, helper_version) == 0)
        return NULL;
    return g_strdup_printf("%s is %s, domain is %s: %s", path, helper_version, front_version,
                           XVM_HELPER_REINSTALL);
}

/* "domain-virt VERSION\n" -> VERSION; NULL for anything else. */
static char *
parse_version_line(const char *out)
{
    static const char prefix[] = "domain-virt ";
    g_autofree char *line = g_strndup(out, strcspn(out, "\n"));

    if (!g_str_has_prefix(line, prefix) || line[sizeof(prefix) - 1] == '\0')
        return NULL;
    return g_strdup(line + sizeof(prefix) - 1);
}

char *
xvm_helper_query_version(const char *path, GError **error)
{
    const char *argv[] = { path, "--version", NULL };
    g_autofree char *out = NULL;
    char *version;
    int status = 0;

    if (access(path, X_OK) != 0) {
        int saved = errno;
        g_autofree char *message = xvm_helper_unrunnable_message(path, saved);

        g_set_error_literal(error, G_FILE_ERROR, g_file_error_from_errno(saved), message);
        return NULL;
    }
    /* Stderr is dropped: a helper of an older build refuses --version
     * with an exit reason that would read as this run's. */
    if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                      &out, NULL, &status, error))
        return NULL;
    version = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? parse_version_line(out) : NULL;
    if (version == NULL)
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "%s gives no version (a build before 0.1.0?): %s", path, XVM_HELPER_REINSTALL);
    return version;
}

void
xvm_helper_print_reason(FILE *out, const char *prefix, const char *message)
{
    g_autofree char *reason = xvm_result_reason(message);

    fprintf(out, "%s%s\n", (prefix && prefix[0]) ? prefix : "ocf-exit-reason:", reason);
}
