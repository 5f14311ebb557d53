#include "xvm-prepare.h"

#include <errno.h>
#include <stdlib.h>     /* realpath */
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
xvm_prepare_check_node_files(const XvmContext *ctx, GError **error)
{
    g_autofree char *overlay = xvm_prepare_overlay_of(ctx);

    return xvm_domxml_check_node_files(ctx->config, overlay, error);
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
                "%s%s%s: %s%s%s", argv[0], argv[1][0] == '-' ? "" : " ",
                argv[1][0] == '-' ? "" : argv[1], local->message,
                err_text && err_text[0] ? ": " : "", err_text ? err_text : "");
    return FALSE;
}

/* qemu-img info --output=json: since qemu 8 it also describes every child
 * node ("children", listed before "format"), whose own "format" is "file";
 * only the outermost object's fields describe the image asked about, so the
 * text is read as JSON, not searched. */

/* \uXXXX at *s (on the 'u'), a surrogate pair's second half included;
 * *s is left on the last digit read. */
static gunichar
json_unicode(const char **s)
{
    char hex[5] = { 0 };
    gunichar c;

    memcpy(hex, *s + 1, 4);
    if (strlen(hex) < 4 || !g_ascii_isxdigit(hex[0]))
        return 0xFFFD;
    c = (gunichar) g_ascii_strtoull(hex, NULL, 16);
    *s += 4;
    if (c >= 0xD800 && c < 0xDC00 && (*s)[1] == '\\' && (*s)[2] == 'u') {
        const char *low = *s + 2;
        gunichar second = json_unicode(&low);

        if (second >= 0xDC00 && second < 0xE000) {
            *s = low;
            return 0x10000 + ((c - 0xD800) << 10) + (second - 0xDC00);
        }
    }
    return c;
}

static const char *json_string(const char *s, GString *out);

/* The string after a key's colon, or NULL when the value is no string. */
static char *
json_value_string(const char *s)
{
    g_autoptr(GString) value = g_string_new(NULL);

    while (g_ascii_isspace(*s))
        s++;
    if (*s != '"' || json_string(s, value) == NULL)
        return NULL;
    return g_string_free(g_steal_pointer(&value), FALSE);
}

/* Reads one JSON string (s at its opening quote), decoding the escapes
 * into out when set.  Returns what follows the closing quote, or NULL. */
static const char *
json_string(const char *s, GString *out)
{
    for (s++; *s && *s != '"'; s++) {
        gunichar c;

        if (*s != '\\') {
            if (out)
                g_string_append_c(out, *s);     /* UTF-8 bytes pass as they are */
            continue;
        }
        s++;
        if (*s == '\0')
            return NULL;
        c = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == 'r' ? '\r' : *s == 'b' ? '\b'
          : *s == 'f' ? '\f' : *s == 'u' ? json_unicode(&s) : (guchar) *s;
        if (out)
            g_string_append_unichar(out, c);
    }
    return *s == '"' ? s + 1 : NULL;
}

char *
xvm_json_top_string(const char *json, const char *key)
{
    int depth = 0;

    for (const char *s = json; s && *s;) {
        if (*s == '"') {
            g_autoptr(GString) name = g_string_new(NULL);

            s = json_string(s, name);
            while (s && g_ascii_isspace(*s))
                s++;
            /* A key (not a value) of the outermost object. */
            if (s && *s == ':' && depth == 1 && strcmp(name->str, key) == 0)
                return json_value_string(s + 1);
            continue;
        }
        if (*s == '{' || *s == '[')
            depth++;
        else if (*s == '}' || *s == ']')
            depth--;
        s++;
    }
    return NULL;
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

/* The qcow2 header (big-endian): magic, version, then where the backing
 * file's name is and how long it is. */
#define QCOW2_MAGIC 0x514649fbU
#define QCOW2_BACKING_NAME_MAX 1023     /* qemu's own limit */

static guint64
be_bytes(const guchar *p, gsize n)
{
    guint64 v = 0;

    for (gsize i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

gboolean
xvm_qcow2_backing(const char *path, gboolean *is_qcow2, char **backing, GError **error)
{
    g_autoptr(GMappedFile) map = g_mapped_file_new(path, FALSE, error);
    const guchar *head;
    gsize len;
    guint64 offset, size;

    *is_qcow2 = FALSE;
    *backing = NULL;
    if (map == NULL)
        return FALSE;
    len = g_mapped_file_get_length(map);
    head = (const guchar *) g_mapped_file_get_contents(map);
    if (len < 20 || be_bytes(head, 4) != QCOW2_MAGIC)
        return TRUE;
    *is_qcow2 = TRUE;
    offset = be_bytes(head + 8, 8);
    size = be_bytes(head + 16, 4);
    if (offset == 0 || size == 0)
        return TRUE;
    if (size > QCOW2_BACKING_NAME_MAX || offset > len || size > len - offset) {
        *is_qcow2 = FALSE;      /* a damaged header: not something we made */
        return TRUE;
    }
    *backing = g_strndup(g_mapped_file_get_contents(map) + offset, size);
    return TRUE;
}

/* Whether the backing name an overlay records is backingfile; a relative
 * name is relative to the overlay's directory, as qemu reads it. */
static gboolean
same_backing(const char *overlay, const char *recorded, const char *backingfile)
{
    g_autofree char *dir = g_path_get_dirname(overlay);
    g_autofree char *a = g_canonicalize_filename(recorded, dir);
    g_autofree char *b = g_canonicalize_filename(backingfile, dir);

    return strcmp(a, b) == 0;
}

/* Only our own overlay of backingfile is ever replaced: any other file at
 * that path is the user's.  Read from the qcow2 header itself: qemu-img's
 * description of a chain is longer and its layout changes between
 * versions. */
static gboolean
is_our_overlay(XvmContext *ctx, const char *overlay, GError **error)
{
    g_autofree char *backing = NULL;
    gboolean qcow2 = FALSE;

    if (!xvm_qcow2_backing(overlay, &qcow2, &backing, error))
        return FALSE;
    if (qcow2 && backing && same_backing(overlay, backing, ctx->params->backingfile))
        return TRUE;
    g_set_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED,
                "%s is not a qcow2 overlay of backingfile (%s%s), left alone: move it away",
                overlay, !qcow2 ? "not qcow2" : backing ? "backing file " : "no backing file",
                qcow2 && backing ? backing : "");
    return FALSE;
}

static gboolean
create_overlay(XvmContext *ctx, const char *path, GError **error)
{
    g_autofree char *json = image_info(ctx, ctx->params->backingfile, error);
    g_autofree char *format = json ? xvm_json_top_string(json, "format") : NULL;
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
    g_autofree char *real = NULL;
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
    /* Through a symbolic link, as VirtualDomain's qemu-img writes: the new
     * overlay goes where the link points, and the link stays. */
    real = present ? realpath(overlay, NULL) : NULL;
    return make_fresh_overlay(ctx, real ? real : overlay, error);
}

gboolean
xvm_prepare_node(XvmContext *ctx, GError **error)
{
    return xvm_prepare_resources(ctx, NULL, error) && prepare_overlay(ctx, error);
}
