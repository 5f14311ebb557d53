#include "xvm-hook.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "xvm-domxml.h"
#include "xvm-error.h"
#include "xvm-spawn.h"

/* The first comment line of our script: what uninstall looks for. */
#define XVM_GUARD_SIGNATURE "Installed by \"domain install-guard\""

#define XVM_HOOK_READ_CHUNK 4096

/* The chunk is on the heap: on the stack it is inlined into xvm_hook_run,
 * whose frame then passed -Wframe-larger-than=4096. */
static char *
read_all(FILE *in, gsize max)
{
    GString *text = g_string_new(NULL);
    g_autofree char *buf = g_malloc(XVM_HOOK_READ_CHUNK);
    size_t n;

    while ((n = fread(buf, 1, XVM_HOOK_READ_CHUNK, in)) > 0) {
        if (text->len < max)
            g_string_append_len(text, buf, MIN(n, max - text->len));
    }
    return g_string_free(text, FALSE);
}

/* Pacemaker's word on where the resource runs, asked only when refusing and
 * bounded, so that a node with the cluster down still answers at once. */
#define XVM_GUARD_LOCATE_MS 2000

static char *
cluster_location(const char *instance)
{
    const char *argv[] = { "crm_resource", "--locate", "--quiet", "-r", instance, NULL };
    g_autofree char *out = NULL;
    XvmDeadline deadline;

    xvm_deadline_init(&deadline, XVM_GUARD_LOCATE_MS, NULL);
    if (!xvm_run_argv(argv, &deadline, &out, NULL, NULL))
        return g_strdup("the cluster could not be asked where it runs");
    if (out == NULL || out[0] == '\0')
        return g_strdup("the cluster runs it on no node now");
    g_strdelimit(out, "\n", ' ');
    return g_strdup_printf("the cluster runs it on %s", out);
}

int
xvm_hook_run(const XvmGuardPaths *paths, int argc, const char *const *argv, FILE *in,
             FILE *err)
{
    g_autofree char *xml = NULL;
    XvmGuardVerdict verdict;
    int status;

    /* argv: qemu NAME OP SUBOP [EXTRA]; other drivers are not ours. */
    if (argc < 4 || strcmp(argv[0], "qemu") != 0)
        return 0;
    /* libvirt writes the XML before it waits for us: read it all so that it
     * never blocks on a full pipe, but keep only what a domain can be. */
    xml = read_all(in, XVM_DOMXML_MAX_BYTES);
    /* Token expiries are boot time: a wall-clock step moves none of them. */
    verdict = xvm_guard_decide(paths, argv[1], argv[2], argv[3], xml,
                               xvm_guard_boot_time_s());
    if (!verdict.allow) {
        g_autofree char *where = cluster_location(verdict.instance);

        fprintf(err, "%s; %s\n", verdict.message, where);
    }
    status = verdict.allow ? 0 : 1;
    xvm_guard_verdict_clear(&verdict);
    return status;
}

static gboolean
is_our_hook(const char *path)
{
    g_autofree char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL)
           && strstr(text, XVM_GUARD_SIGNATURE) != NULL;
}

gboolean
xvm_guard_install(const char *hooks_dir, const char *agent_path, char **path,
                  GError **error)
{
    g_autofree char *script = xvm_guard_hook_script(agent_path);

    *path = g_build_filename(hooks_dir, XVM_GUARD_HOOK_NAME, NULL);
    if (g_file_test(*path, G_FILE_TEST_EXISTS) && !is_our_hook(*path)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL,
                    "%s exists and is not ours; not overwriting it", *path);
        return FALSE;
    }
    if (g_mkdir_with_parents(hooks_dir, 0755) < 0) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL, "cannot create %s: %s",
                    hooks_dir, g_strerror(errno));
        return FALSE;
    }
    if (!g_file_set_contents(*path, script, -1, error))
        return FALSE;
    if (g_chmod(*path, 0755) < 0) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL, "cannot chmod %s: %s", *path,
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

gboolean
xvm_guard_uninstall(const char *hooks_dir, char **path, GError **error)
{
    *path = g_build_filename(hooks_dir, XVM_GUARD_HOOK_NAME, NULL);
    if (!g_file_test(*path, G_FILE_TEST_EXISTS))
        return TRUE;
    if (!is_our_hook(*path)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL,
                    "%s is not ours; leaving it", *path);
        return FALSE;
    }
    if (g_unlink(*path) < 0) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL, "cannot remove %s: %s", *path,
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}
