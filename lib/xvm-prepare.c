#include "xvm-prepare.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "xvm-error.h"
#include "xvm-log.h"
#include "xvm-spawn.h"

/* qemu-img and virt-copy-in each get at most this much of the deadline. */
#define XVM_PREPARE_TOOL_MAX_MS 60000

char *
xvm_overlay_path(const char *config)
{
    g_autofree char *dir = g_path_get_dirname(config);
    g_autofree char *base = g_path_get_basename(config);
    char *dot = strchr(base, '.');

    /* VirtualDomain's ${config%%.*} cuts at the first dot of the whole path,
     * a directory's included; the file name's is what it means. */
    if (dot)
        *dot = '\0';
    return g_strconcat(dir, G_DIR_SEPARATOR_S, base, ".qcow2", NULL);
}

char *
xvm_prepare_overlay_of(const XvmContext *ctx)
{
    if (ctx->params->backingfile[0] == '\0')
        return NULL;
    return xvm_overlay_path(ctx->params->config);
}

gboolean
xvm_prepare_resources(XvmContext *ctx, const char *uri, GError **error)
{
    const XvmDomainConfig *cfg = ctx->config;

    if (!ctx->params->start_resources || cfg == NULL
        || (cfg->pools[0] == NULL && cfg->networks[0] == NULL))
        return TRUE;
    if (!ctx->virt->ops->start_resources(ctx->virt, uri, (const char *const *) cfg->pools,
                                         (const char *const *) cfg->networks, error)) {
        g_prefix_error(error, "start_resources%s%s: ", uri ? " on " : "", uri ? uri : "");
        return FALSE;
    }
    return TRUE;
}

/* The deadline of one tool run: what is left, at most the tool's cap. */
static XvmDeadline
tool_deadline(const XvmContext *ctx)
{
    return xvm_deadline_before(&ctx->deadline,
                               MAX(0, xvm_deadline_remaining_ms(&ctx->deadline)
                                          - XVM_PREPARE_TOOL_MAX_MS));
}

static gboolean
find_tool(const char *tool, const char *package, GError **error)
{
    g_autofree char *path = g_find_program_in_path(tool);

    if (path)
        return TRUE;
    g_set_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED,
                "%s is not installed on this node (package %s)", tool, package);
    return FALSE;
}

/* Runs a tool within its share of the deadline; on failure the error
 * says which tool, how it ended and what it wrote on stderr. */
static gboolean
run_tool(XvmContext *ctx, const char *const *argv, char **out, GError **error)
{
    XvmDeadline until = tool_deadline(ctx);
    g_autofree char *err_text = NULL;
    g_autoptr(GError) local = NULL;

    if (xvm_run_argv(argv, &until, out, &err_text, &local))
        return TRUE;
    if (err_text)
        g_strstrip(err_text);
    g_set_error(error, XVM_ERROR,
                local->code == XVM_ERROR_TIMEOUT ? XVM_ERROR_TIMEOUT : XVM_ERROR_LIBVIRT,
                "%s %s: %s%s%s", argv[0], argv[1], local->message,
                err_text && err_text[0] ? ": " : "", err_text ? err_text : "");
    return FALSE;
}

/* A string field of qemu-img info's JSON, unescaped for plain paths. */
static char *
json_field(const char *json, const char *key)
{
    g_autofree char *pattern = g_strdup_printf("\"%s\":\\s*\"([^\"\\\\]*)\"", key);
    g_autoptr(GRegex) re = g_regex_new(pattern, 0, 0, NULL);
    g_autoptr(GMatchInfo) match = NULL;

    if (!g_regex_match(re, json, 0, &match))
        return NULL;
    return g_match_info_fetch(match, 1);
}

static char *
image_info(XvmContext *ctx, const char *path, GError **error)
{
    const char *argv[] = { "qemu-img", "info", "--output=json", "-U", path, NULL };
    char *json = NULL;

    if (!run_tool(ctx, argv, &json, error)) {
        g_free(json);
        return NULL;
    }
    return json;
}

/* Only our own overlay of backingfile is ever replaced: any other file at
 * that path is the user's. */
static gboolean
is_our_overlay(XvmContext *ctx, const char *overlay, GError **error)
{
    g_autofree char *json = image_info(ctx, overlay, error);
    g_autofree char *format = json ? json_field(json, "format") : NULL;
    g_autofree char *backing = json ? json_field(json, "backing-filename") : NULL;

    if (json == NULL)
        return FALSE;
    if (g_strcmp0(format, "qcow2") == 0 && g_strcmp0(backing, ctx->params->backingfile) == 0)
        return TRUE;
    g_set_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED,
                "%s is not a qcow2 overlay of backingfile %s (format %s, backing %s): it is"
                " left alone; move it away or fix backingfile", overlay,
                ctx->params->backingfile, format ? format : "unknown",
                backing ? backing : "none");
    return FALSE;
}

static gboolean
create_overlay(XvmContext *ctx, const char *path, GError **error)
{
    g_autofree char *json = image_info(ctx, ctx->params->backingfile, error);
    g_autofree char *format = json ? json_field(json, "format") : NULL;
    const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", format, "-b",
                           ctx->params->backingfile, path, NULL };

    if (json == NULL)
        return FALSE;
    if (format == NULL) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_LIBVIRT,
                    "qemu-img info does not tell the format of %s", ctx->params->backingfile);
        return FALSE;
    }
    return run_tool(ctx, argv, NULL, error);
}

static gboolean
copy_in(XvmContext *ctx, const char *path, GError **error)
{
    g_auto(GStrv) dirs = g_strsplit_set(ctx->params->copyindirs, " \t", -1);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    if (!find_tool("virt-copy-in", "libguestfs-tools", error))
        return FALSE;
    g_ptr_array_add(argv, (gpointer) "virt-copy-in");
    g_ptr_array_add(argv, (gpointer) "-a");
    g_ptr_array_add(argv, (gpointer) path);
    for (gsize i = 0; dirs[i]; i++) {
        if (dirs[i][0])
            g_ptr_array_add(argv, dirs[i]);
    }
    g_ptr_array_add(argv, (gpointer) "/");
    g_ptr_array_add(argv, NULL);
    return run_tool(ctx, (const char *const *) argv->pdata, NULL, error);
}

/* A new overlay is built under a temporary name and renamed into place, so
 * a start killed half-way never leaves a half-made disk at the real path. */
static gboolean
make_fresh_overlay(XvmContext *ctx, const char *overlay, GError **error)
{
    g_autofree char *fresh = g_strconcat(overlay, ".xvm-new", NULL);

    g_unlink(fresh);
    if (!create_overlay(ctx, fresh, error)
        || (ctx->params->copyindirs[0] && !copy_in(ctx, fresh, error))) {
        g_unlink(fresh);
        return FALSE;
    }
    if (g_rename(fresh, overlay) != 0) {
        int saved = errno;

        g_unlink(fresh);
        g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL, "cannot put the overlay at %s: %s",
                    overlay, g_strerror(saved));
        return FALSE;
    }
    xvm_log_info("created overlay %s over %s", overlay, ctx->params->backingfile);
    return TRUE;
}

/* VirtualDomain's rule: an overlay is made when stateless or when there is
 * none (or an empty one); otherwise the one there is booted. */
static gboolean
prepare_overlay(XvmContext *ctx, GError **error)
{
    g_autofree char *overlay = xvm_prepare_overlay_of(ctx);
    GStatBuf st;
    gboolean present;

    if (overlay == NULL)
        return TRUE;
    if (!find_tool("qemu-img", "qemu-utils", error))
        return FALSE;
    if (g_stat(ctx->params->backingfile, &st) != 0) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED,
                    "backingfile %s is missing on this node", ctx->params->backingfile);
        return FALSE;
    }
    present = g_stat(overlay, &st) == 0 && st.st_size > 0;
    if (present && !ctx->params->stateless)
        return TRUE;
    if (present && !is_our_overlay(ctx, overlay, error))
        return FALSE;
    return make_fresh_overlay(ctx, overlay, error);
}

gboolean
xvm_prepare_node(XvmContext *ctx, GError **error)
{
    return xvm_prepare_resources(ctx, NULL, error) && prepare_overlay(ctx, error);
}
