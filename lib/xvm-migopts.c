#include "xvm-migopts.h"

#include <string.h>
/* Only libvirt's flag bits and parameter names are used here: no I/O. */
#include <libvirt/libvirt.h>

#include "xvm-error.h"

/* Added in libvirt 9.4, after the 9.0 we build with: passed by name, and an
 * older libvirtd refuses them itself, before any copy. */
#define PARAM_COMPRESSION_ZLIB_LEVEL "compression.zlib.level"
#define PARAM_COMPRESSION_ZSTD_LEVEL "compression.zstd.level"

typedef enum {
    OPT_FLAG,       /* sets flags */
    OPT_NOOP,       /* what the agent always does */
    OPT_STRING,     /* a typed string parameter (and flags) */
    OPT_LIST,       /* comma-separated: one string parameter per item */
    OPT_INT,
    OPT_ULLONG,
    OPT_BANDWIDTH,
    OPT_MIGRATEURI,
    OPT_REFUSED,    /* known, and against the agent's policy */
} OptKind;

typedef struct {
    const char *name;       /* without the leading "--" */
    OptKind kind;
    guint flags;            /* set whenever the option is given */
    const char *param;      /* libvirt's parameter name */
    const char *why;        /* OPT_REFUSED: the reason and what to use */
} OptSpec;

/* The tuning options turn on what they tune: libvirt refuses, say,
 * compression levels without VIR_MIGRATE_COMPRESSED, and whoever wrote the
 * level meant compression. */
static const OptSpec opt_specs[] = {
    { "live", OPT_NOOP, 0, NULL, NULL },
    { "p2p", OPT_NOOP, 0, NULL, NULL },
    { "abort-on-error", OPT_NOOP, 0, NULL, NULL },
    { "verbose", OPT_NOOP, 0, NULL, NULL },
    { "tls", OPT_FLAG, VIR_MIGRATE_TLS, NULL, NULL },
    { "tls-destination", OPT_STRING, VIR_MIGRATE_TLS, VIR_MIGRATE_PARAM_TLS_DESTINATION, NULL },
    { "tunnelled", OPT_FLAG, VIR_MIGRATE_TUNNELLED, NULL, NULL },
    { "compressed", OPT_FLAG, VIR_MIGRATE_COMPRESSED, NULL, NULL },
    { "comp-methods", OPT_LIST, VIR_MIGRATE_COMPRESSED, VIR_MIGRATE_PARAM_COMPRESSION, NULL },
    { "comp-mt-level", OPT_INT, VIR_MIGRATE_COMPRESSED,
      VIR_MIGRATE_PARAM_COMPRESSION_MT_LEVEL, NULL },
    { "comp-mt-threads", OPT_INT, VIR_MIGRATE_COMPRESSED,
      VIR_MIGRATE_PARAM_COMPRESSION_MT_THREADS, NULL },
    { "comp-mt-dthreads", OPT_INT, VIR_MIGRATE_COMPRESSED,
      VIR_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS, NULL },
    { "comp-xbzrle-cache", OPT_ULLONG, VIR_MIGRATE_COMPRESSED,
      VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE, NULL },
    { "comp-zlib-level", OPT_INT, VIR_MIGRATE_COMPRESSED, PARAM_COMPRESSION_ZLIB_LEVEL, NULL },
    { "comp-zstd-level", OPT_INT, VIR_MIGRATE_COMPRESSED, PARAM_COMPRESSION_ZSTD_LEVEL, NULL },
    { "auto-converge", OPT_FLAG, VIR_MIGRATE_AUTO_CONVERGE, NULL, NULL },
    { "auto-converge-initial", OPT_INT, VIR_MIGRATE_AUTO_CONVERGE,
      VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL, NULL },
    { "auto-converge-increment", OPT_INT, VIR_MIGRATE_AUTO_CONVERGE,
      VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT, NULL },
    { "postcopy", OPT_FLAG, VIR_MIGRATE_POSTCOPY, NULL, NULL },
    { "postcopy-bandwidth", OPT_ULLONG, 0, VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, NULL },
    { "parallel", OPT_FLAG, VIR_MIGRATE_PARALLEL, NULL, NULL },
    { "parallel-connections", OPT_INT, VIR_MIGRATE_PARALLEL,
      VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, NULL },
    { "zerocopy", OPT_FLAG, VIR_MIGRATE_ZEROCOPY, NULL, NULL },
    { "rdma-pin-all", OPT_FLAG, VIR_MIGRATE_RDMA_PIN_ALL, NULL, NULL },
    { "change-protection", OPT_FLAG, VIR_MIGRATE_CHANGE_PROTECTION, NULL, NULL },
    { "unsafe", OPT_FLAG, VIR_MIGRATE_UNSAFE, NULL, NULL },
    { "copy-storage-all", OPT_FLAG, VIR_MIGRATE_NON_SHARED_DISK, NULL, NULL },
    { "copy-storage-inc", OPT_FLAG, VIR_MIGRATE_NON_SHARED_INC, NULL, NULL },
    { "copy-storage-synchronous-writes", OPT_FLAG, VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES,
      NULL, NULL },
    { "migrate-disks", OPT_LIST, 0, VIR_MIGRATE_PARAM_MIGRATE_DISKS, NULL },
    { "disks-port", OPT_INT, 0, VIR_MIGRATE_PARAM_DISKS_PORT, NULL },
    { "disks-uri", OPT_STRING, 0, VIR_MIGRATE_PARAM_DISKS_URI, NULL },
    { "listen-address", OPT_STRING, 0, VIR_MIGRATE_PARAM_LISTEN_ADDRESS, NULL },
    { "graphicsuri", OPT_STRING, 0, VIR_MIGRATE_PARAM_GRAPHICS_URI, NULL },
    { "bandwidth", OPT_BANDWIDTH, 0, NULL, NULL },
    { "migrateuri", OPT_MIGRATEURI, 0, NULL, NULL },
    /* Known, and against what the agent promises. */
    { "offline", OPT_REFUSED, 0, NULL, "moves a definition, not a running guest" },
    { "suspend", OPT_REFUSED, 0, NULL, "would leave the guest paused on the target" },
    { "persistent", OPT_REFUSED, 0, NULL, "use persistent=true" },
    { "undefinesource", OPT_REFUSED, 0, NULL, "the agent undefines the source itself when"
      " persistent=true and config is not libvirt's own file" },
    { "direct", OPT_REFUSED, 0, NULL, "the agent always migrates peer-to-peer" },
    { "dname", OPT_REFUSED, 0, NULL, "a new name on the target breaks the resource's identity" },
    { "xml", OPT_REFUSED, 0, NULL, "the definition comes from config" },
    { "persistent-xml", OPT_REFUSED, 0, NULL, "the definition comes from config" },
    { "timeout", OPT_REFUSED, 0, NULL, "the agent's progress watch does this: use"
      " migration_progress_timeout" },
    { "timeout-suspend", OPT_REFUSED, 0, NULL, "the agent's progress watch does this: use"
      " migration_progress_timeout" },
    { "timeout-postcopy", OPT_REFUSED, 0, NULL, "the agent switches to post-copy itself: use"
      " migration_postcopy=true" },
    { "postcopy-after-precopy", OPT_REFUSED, 0, NULL, "the agent switches to post-copy"
      " itself: use migration_postcopy=true" },
    { "postcopy-resume", OPT_REFUSED, 0, NULL, "recovering a failed post-copy is a manual step" },
    { "domain", OPT_REFUSED, 0, NULL, "the agent names the domain" },
    { "desturi", OPT_REFUSED, 0, NULL, "the agent builds it (remoteuri, migration_transport)" },
};

static const OptSpec *
opt_spec_find(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(opt_specs); i++) {
        if (strcmp(opt_specs[i].name, name) == 0)
            return &opt_specs[i];
    }
    return NULL;
}

const char *
xvm_migopts_accepted(void)
{
    static gsize done;
    static char *text;

    if (g_once_init_enter(&done)) {
        GString *s = g_string_new(NULL);

        for (gsize i = 0; i < G_N_ELEMENTS(opt_specs); i++) {
            if (opt_specs[i].kind != OPT_REFUSED)
                g_string_append_printf(s, "%s--%s", s->len ? ", " : "", opt_specs[i].name);
        }
        text = g_string_free(s, FALSE);
        g_once_init_leave(&done, 1);
    }
    return text;
}

static void
mig_param_free(gpointer data)
{
    XvmMigParam *p = data;

    g_free(p->text);
    g_free(p);
}

void
xvm_migopts_free(XvmMigOpts *opts)
{
    if (opts == NULL)
        return;
    g_ptr_array_unref(opts->params);
    g_free(opts->migrateuri);
    g_free(opts);
}

static gboolean
kind_takes_value(OptKind kind)
{
    return kind != OPT_FLAG && kind != OPT_NOOP && kind != OPT_REFUSED;
}

static void
add_param(XvmMigOpts *opts, const char *name, XvmMigParamType type, const char *text,
          guint64 number)
{
    XvmMigParam *p = g_new0(XvmMigParam, 1);

    p->name = name;
    p->type = type;
    p->text = g_strdup(text);
    p->number = number;
    g_ptr_array_add(opts->params, p);
}

static gboolean
parse_number(const OptSpec *spec, const char *value, guint64 max, guint64 *out,
             GError **error)
{
    g_autoptr(GError) local = NULL;

    if (g_ascii_string_to_unsigned(value, 10, 0, max, out, &local))
        return TRUE;
    g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                "--%s \"%s\" is not a whole number from 0 to %" G_GUINT64_FORMAT,
                spec->name, value, max);
    return FALSE;
}

static gboolean
apply_list(XvmMigOpts *opts, const OptSpec *spec, const char *value, GError **error)
{
    g_auto(GStrv) items = g_strsplit(value, ",", -1);

    for (char **item = items; *item; item++) {
        if ((*item)[0] == '\0') {
            g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                        "--%s \"%s\" has an empty item", spec->name, value);
            return FALSE;
        }
        add_param(opts, spec->param, XVM_MIG_PARAM_STRING, *item, 0);
    }
    return TRUE;
}

static gboolean
apply_value(XvmMigOpts *opts, const OptSpec *spec, const char *value, GError **error)
{
    guint64 number = 0;

    switch (spec->kind) {
    case OPT_STRING:
        add_param(opts, spec->param, XVM_MIG_PARAM_STRING, value, 0);
        return TRUE;
    case OPT_LIST:
        return apply_list(opts, spec, value, error);
    case OPT_INT:
        if (!parse_number(spec, value, G_MAXINT, &number, error))
            return FALSE;
        add_param(opts, spec->param, XVM_MIG_PARAM_INT, NULL, number);
        return TRUE;
    case OPT_ULLONG:
        if (!parse_number(spec, value, G_MAXUINT64, &number, error))
            return FALSE;
        add_param(opts, spec->param, XVM_MIG_PARAM_ULLONG, NULL, number);
        return TRUE;
    case OPT_BANDWIDTH:
        opts->has_bandwidth = TRUE;
        return parse_number(spec, value, G_MAXUINT64, &opts->bandwidth_mibs, error);
    case OPT_MIGRATEURI:
        g_free(opts->migrateuri);
        opts->migrateuri = g_strdup(value);
        return TRUE;
    case OPT_FLAG:
    case OPT_NOOP:
    case OPT_REFUSED:
        break;
    }
    g_assert_not_reached();
}

/* One option at words[*i] (and its value, when it is the next word). */
static gboolean
apply_option(XvmMigOpts *opts, char **words, guint *i, GError **error)
{
    const char *word = words[*i];
    const char *eq = strchr(word, '=');
    g_autofree char *name = g_strndup(word + 2, eq ? (gsize) (eq - word - 2) : strlen(word));
    const OptSpec *spec = opt_spec_find(name);
    const char *value = eq ? eq + 1 : NULL;

    if (spec == NULL) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                    "--%s is not accepted (never dropped silently); accepted: %s", name,
                    xvm_migopts_accepted());
        return FALSE;
    }
    if (spec->kind == OPT_REFUSED) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID, "--%s is refused: %s",
                    name, spec->why);
        return FALSE;
    }
    opts->flags |= spec->flags;
    if (!kind_takes_value(spec->kind)) {
        if (value == NULL)
            return TRUE;
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID, "--%s takes no value", name);
        return FALSE;
    }
    if (value == NULL && words[*i + 1] && !g_str_has_prefix(words[*i + 1], "--"))
        value = words[++*i];
    if (value == NULL || value[0] == '\0') {
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID, "--%s needs a value", name);
        return FALSE;
    }
    return apply_value(opts, spec, value, error);
}

XvmMigOpts *
xvm_migopts_parse(const char *text, GError **error)
{
    g_autoptr(XvmMigOpts) opts = g_new0(XvmMigOpts, 1);
    g_auto(GStrv) split = g_strsplit_set(text ? text : "", " \t\n", -1);
    g_autoptr(GPtrArray) words = g_ptr_array_new();

    opts->params = g_ptr_array_new_with_free_func(mig_param_free);
    for (char **w = split; *w; w++) {
        if ((*w)[0] != '\0')
            g_ptr_array_add(words, *w);
    }
    g_ptr_array_add(words, NULL);
    for (guint i = 0; i < words->len - 1; i++) {
        char **all = (char **) words->pdata;

        if (!g_str_has_prefix(all[i], "--") || all[i][2] == '\0') {
            g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                        "\"%s\" is not an option: the agent names the domain and the"
                        " target itself", all[i]);
            return NULL;
        }
        if (!apply_option(opts, all, &i, error))
            return NULL;
    }
    return g_steal_pointer(&opts);
}
