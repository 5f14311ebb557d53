#include "xvm-utilization.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "xvm-auto.h"
#include "xvm-error.h"
#include "xvm-guard.h"      /* xvm_guard_instance_resource_id */
#include "xvm-log.h"
#include "xvm-spawn.h"

/* Why a recurring monitor does not ask the CIB every time.
 *
 * VirtualDomain runs crm_resource once or twice per attribute on every
 * monitor.  Each of Pacemaker's tools costs tens of milliseconds of CPU to
 * start (more than our whole monitor), so every monitor would cost several
 * times what it costs now.  Instead each node keeps a note beside its
 * identity note (HA_RSCTMP, a tmpfs cleared at boot): when the CIB was last
 * made to match the domain, for which domain and which choice of
 * parameters.  A recurring monitor trusts that note for
 * XVM_UTILIZATION_RECHECK_S and then asks again.
 *
 * Why that is safe:
 * - start, migrate_from and probes always read the live values and the CIB,
 *   whatever the note says, so a domain that starts (after a config edit)
 *   or arrives from another node is counted at once, and a probe after a
 *   cleanup or a cluster restart checks again;
 * - the note names the domain's UUID and the parameters' choice: another
 *   domain, or autoset/unset changed, makes it stale;
 * - what can go unseen for up to five minutes is a change behind the
 *   cluster's back: vCPUs or memory hot-plugged with virsh, or the
 *   utilization edited by hand.  Utilization only steers where resources are
 *   placed next, so a few minutes' delay there does no harm;
 * - a CIB that could not be read or written is noted too, so a node whose
 *   cluster tools fail pays for one attempt per five minutes, not one per
 *   monitor; the attempt warns each time. */

static const char *const attr_names[XVM_UTIL_N] = {
    [XVM_UTIL_CPU] = "cpu",
    [XVM_UTIL_HOST_MEMORY] = "host_memory",
    [XVM_UTIL_HV_MEMORY] = "hv_memory",
};

static const char *const want_names[] = {
    [XVM_UTIL_KEEP] = "keep",
    [XVM_UTIL_SET] = "set",
    [XVM_UTIL_UNSET] = "unset",
};

#define NOTE_GROUP "utilization"

const char *
xvm_utilization_attr_name(XvmUtilAttr attr)
{
    return attr_names[attr];
}

void
xvm_util_wanted_clear(XvmUtilWanted *wanted)
{
    for (int i = 0; i < XVM_UTIL_N; i++) {
        wanted->want[i] = XVM_UTIL_KEEP;
        g_clear_pointer(&wanted->value[i], g_free);
    }
}

gboolean
xvm_utilization_select(const XvmParams *params, XvmUtilWant want[XVM_UTIL_N])
{
    const gboolean autoset[XVM_UTIL_N] = {
        params->autoset_utilization_cpu,
        params->autoset_utilization_host_memory,
        params->autoset_utilization_hv_memory,
    };
    const gboolean unset[XVM_UTIL_N] = {
        params->unset_utilization_cpu,
        params->unset_utilization_host_memory,
        params->unset_utilization_hv_memory,
    };
    gboolean any = FALSE;

    for (int i = 0; i < XVM_UTIL_N; i++) {
        /* VirtualDomain's "if autoset ... elif unset": autoset wins. */
        want[i] = autoset[i] ? XVM_UTIL_SET : unset[i] ? XVM_UTIL_UNSET : XVM_UTIL_KEEP;
        any = any || want[i] != XVM_UTIL_KEEP;
    }
    return any;
}

void
xvm_utilization_wanted(const XvmUtilWant want[XVM_UTIL_N], guint vcpus, guint64 memory_kib,
                       XvmUtilWanted *out)
{
    const guint64 sizes[XVM_UTIL_N] = { vcpus, memory_kib / 1024, memory_kib / 1024 };

    for (int i = 0; i < XVM_UTIL_N; i++) {
        out->want[i] = want[i];
        out->value[i] = NULL;
        if (want[i] != XVM_UTIL_SET)
            continue;
        if (sizes[i] == 0)
            out->want[i] = XVM_UTIL_KEEP;   /* unknown: never write a wrong 0 */
        else
            out->value[i] = g_strdup_printf("%" G_GUINT64_FORMAT, sizes[i]);
    }
}

/* ---- the CIB ------------------------------------------------------------------ */

static void
collect_nvpairs(xmlNode *node, GHashTable *values)
{
    for (; node; node = node->next) {
        g_autofree xmlChar *name = NULL;
        g_autofree xmlChar *value = NULL;

        if (node->type != XML_ELEMENT_NODE)
            continue;
        collect_nvpairs(node->children, values);
        if (strcmp((const char *) node->name, "nvpair") != 0)
            continue;
        name = xmlGetProp(node, (const xmlChar *) "name");
        value = xmlGetProp(node, (const xmlChar *) "value");
        /* The first of several sets wins, as in the query's order. */
        if (name && value && !g_hash_table_contains(values, name))
            g_hash_table_insert(values, g_strdup((const char *) name),
                                g_strdup((const char *) value));
    }
}

GHashTable *
xvm_utilization_parse_query(const char *xml)
{
    g_autoptr(xmlDoc) doc = NULL;
    GHashTable *values;

    if (xml == NULL || xml[0] == '\0' || strlen(xml) > G_MAXINT)
        return NULL;
    doc = xmlReadMemory(xml, (int) strlen(xml), "cibadmin", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL || xmlDocGetRootElement(doc) == NULL)
        return NULL;
    values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    collect_nvpairs(xmlDocGetRootElement(doc), values);
    return values;
}

/* One XPath for everything: our three nvpairs when there are any, else the
 * bare primitive.  So exit 0 always means "the CIB holds this resource", and
 * cibadmin's 105 (also its answer when it cannot open a CIB_file) is never
 * read as "no values". */
static char *
query_xpath(const char *resource_id)
{
    const char *names = "@name='cpu' or @name='host_memory' or @name='hv_memory'";

    return g_strdup_printf("/cib/configuration/resources//primitive[@id='%s']"
                           "/utilization/nvpair[%s]"
                           " | /cib/configuration/resources//primitive[@id='%s']"
                           "[not(utilization/nvpair[%s])]",
                           resource_id, names, resource_id, names);
}

/* "what: cibadmin exited with status 105: Could not connect to the CIB: ...",
 * on one line (the tools write several). */
static void
set_tool_error(GError **error, GError *cause, const char *err_text, const char *what)
{
    g_autofree char *said = g_strdup(err_text ? err_text : "");

    g_strdelimit(said, "\r\n", ' ');
    g_set_error(error, XVM_ERROR, cause->code, "%s: %s%s%s", what, cause->message,
                said[0] ? ": " : "", said);
    g_error_free(cause);
}

gboolean
xvm_utilization_cib_read(const char *resource_id, const XvmDeadline *deadline,
                         GHashTable **current, GError **error)
{
    g_autofree char *xpath = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    const char *argv[] = { "cibadmin", "--query", "--no-children", "--xpath", NULL, NULL };
    GError *local = NULL;

    *current = NULL;
    /* An XML id holds no quote; no XPath literal could hold one safely. */
    if (strchr(resource_id, '\'') != NULL) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL,
                    "resource id %s cannot be looked up in the CIB", resource_id);
        return FALSE;
    }
    xpath = query_xpath(resource_id);
    argv[4] = xpath;
    if (!xvm_run_argv(argv, deadline, &out, &err, &local)) {
        set_tool_error(error, local, err,
                       "cannot read the resource from the CIB (no CIB, or no such resource)");
        return FALSE;
    }
    *current = xvm_utilization_parse_query(out);
    if (*current == NULL) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL,
                    "cibadmin printed no readable XML for the resource");
        return FALSE;
    }
    return TRUE;
}

/* crm_resource writes into the resource's existing utilization set (or makes
 * one), as a user's own crm_resource or pcs would.  value NULL: delete. */
static gboolean
cib_write(const char *resource_id, XvmUtilAttr attr, const char *value,
          const XvmDeadline *deadline, GError **error)
{
    g_autofree char *rsc = g_strdup_printf("--resource=%s", resource_id);
    g_autofree char *name = g_strdup_printf(value ? "--set-parameter=%s"
                                                  : "--delete-parameter=%s",
                                            attr_names[attr]);
    g_autofree char *val = value ? g_strdup_printf("--parameter-value=%s", value) : NULL;
    g_autofree char *err = NULL;
    const char *argv[] = { "crm_resource", rsc, "--utilization", name, val, NULL };
    GError *local = NULL;

    if (xvm_run_argv(argv, deadline, NULL, &err, &local))
        return TRUE;
    set_tool_error(error, local, err,
                   value ? "cannot set the utilization" : "cannot remove the utilization");
    return FALSE;
}

static void
log_change(const char *resource_id, XvmUtilAttr attr, const char *was, const char *value)
{
    if (value)
        xvm_log_notice("utilization %s of %s set to %s (was %s)", attr_names[attr],
                       resource_id, value, was ? was : "unset");
    else
        xvm_log_notice("utilization %s of %s removed (was %s)", attr_names[attr],
                       resource_id, was);
}

gboolean
xvm_utilization_sync(const char *resource_id, const XvmUtilWanted *wanted,
                     const XvmDeadline *deadline, guint *changes, GError **error)
{
    g_autoptr(GHashTable) current = NULL;
    GError *first = NULL;

    *changes = 0;
    if (!xvm_utilization_cib_read(resource_id, deadline, &current, error))
        return FALSE;
    for (int i = 0; i < XVM_UTIL_N; i++) {
        const char *was = g_hash_table_lookup(current, attr_names[i]);
        const char *value = wanted->want[i] == XVM_UTIL_SET ? wanted->value[i] : NULL;

        /* Equal, or to be removed and already absent: nothing to write, so
         * the CIB's epoch stays. */
        if (wanted->want[i] == XVM_UTIL_KEEP || g_strcmp0(was, value) == 0)
            continue;
        if (!cib_write(resource_id, i, value, deadline, first ? NULL : &first))
            continue;
        log_change(resource_id, i, was, value);
        (*changes)++;
    }
    if (first == NULL)
        return TRUE;
    g_propagate_error(error, first);
    return FALSE;
}

/* ---- this node's note -------------------------------------------------------- */

char *
xvm_utilization_note_path(const XvmContext *ctx)
{
    const char *id_note = ctx->cache_path;
    g_autofree char *base = g_str_has_suffix(id_note, ".id")
                                ? g_strndup(id_note, strlen(id_note) - 3)
                                : g_strdup(id_note);

    return g_strconcat(base, ".utilization", NULL);
}

/* What the note is about: the domain and the parameters' choice. */
static char *
note_key(const XvmContext *ctx, const XvmUtilWant want[XVM_UTIL_N])
{
    return g_strdup_printf("%s cpu=%s host_memory=%s hv_memory=%s",
                           ctx->uuid ? ctx->uuid : ctx->name, want_names[want[0]],
                           want_names[want[1]], want_names[want[2]]);
}

static gboolean
note_is_fresh(const char *path, const char *key, gint64 now_s)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *noted_key = NULL;
    gint64 checked_s;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
        return FALSE;
    noted_key = g_key_file_get_string(kf, NOTE_GROUP, "key", NULL);
    checked_s = g_key_file_get_int64(kf, NOTE_GROUP, "checked", NULL);
    /* A clock set back makes the note stale, never fresh for longer. */
    return g_strcmp0(noted_key, key) == 0 && checked_s > 0 && now_s >= checked_s
           && now_s - checked_s < XVM_UTILIZATION_RECHECK_S;
}

static void
note_save(const char *path, const char *key, gint64 now_s, const XvmUtilWanted *wanted,
          gboolean cib_ok)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_path_get_dirname(path);

    g_key_file_set_int64(kf, NOTE_GROUP, "checked", now_s);
    g_key_file_set_string(kf, NOTE_GROUP, "key", key);
    g_key_file_set_string(kf, NOTE_GROUP, "cib", cib_ok ? "ok" : "failed");
    for (int i = 0; i < XVM_UTIL_N; i++) {
        if (wanted->want[i] != XVM_UTIL_KEEP)
            g_key_file_set_string(kf, NOTE_GROUP, attr_names[i],
                                  wanted->value[i] ? wanted->value[i] : "(none)");
    }
    g_mkdir_with_parents(dir, 0755);
    /* Written by rename: a SIGKILL leaves the old note or the new one. */
    if (!g_key_file_save_to_file(kf, path, &error))
        xvm_log_warn("cannot note the utilization in %s: %s", path, error->message);
}

/* ---- the step ------------------------------------------------------------------ */

/* vCPUs and maximum memory of the running domain, as virsh dominfo gives
 * them to VirtualDomain; the config's when libvirt cannot say and the config
 * is this very domain.  FALSE when neither is known. */
static gboolean
domain_sizing(XvmContext *ctx, XvmDomainSizing *sizing)
{
    XvmDomainRef ref = xvm_context_ref(ctx);
    g_autoptr(GError) error = NULL;
    const XvmDomainConfig *cfg = ctx->config;

    if (ctx->virt->ops->sizing(ctx->virt, &ref, sizing, &error))
        return TRUE;
    if (cfg == NULL || g_strcmp0(cfg->name, ctx->name) != 0
        || (ctx->uuid && g_strcmp0(cfg->uuid, ctx->uuid) != 0)) {
        xvm_log_info("utilization left as it is: libvirt did not give domain %s's size: %s",
                     ctx->name, error->message);
        return FALSE;
    }
    xvm_log_info("utilization from the config: libvirt did not give domain %s's size: %s",
                 ctx->name, error->message);
    sizing->vcpus = cfg->vcpus;
    sizing->max_memory_kib = cfg->memory_kib;
    return TRUE;
}

/* At most XVM_UTILIZATION_BUDGET_MS, and never past the action's deadline. */
static XvmDeadline
cib_deadline(const XvmContext *ctx)
{
    XvmDeadline deadline;

    xvm_deadline_init(&deadline,
                      MIN(xvm_deadline_remaining_ms(&ctx->deadline), XVM_UTILIZATION_BUDGET_MS),
                      ctx->deadline.now);
    return deadline;
}

void
xvm_utilization_update(XvmContext *ctx, XvmUtilWhen when)
{
    g_autofree char *resource_id = xvm_guard_instance_resource_id(ctx->req->instance);
    g_auto(XvmUtilWanted) wanted = { 0 };
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    g_autofree char *key = NULL;
    XvmUtilWant want[XVM_UTIL_N];
    XvmDomainSizing sizing = { 0 };
    XvmDeadline deadline;
    gint64 now_s = g_get_real_time() / G_USEC_PER_SEC;
    guint changes = 0;
    gboolean ok;

    /* Runs by hand (no resource) never touch a CIB. */
    if (resource_id == NULL || ctx->params == NULL || ctx->name == NULL
        || ctx->cache_path == NULL || !xvm_utilization_select(ctx->params, want))
        return;
    path = xvm_utilization_note_path(ctx);
    key = note_key(ctx, want);
    if (when == XVM_UTIL_IF_DUE && note_is_fresh(path, key, now_s))
        return;
    if (!domain_sizing(ctx, &sizing))
        return;
    xvm_utilization_wanted(want, sizing.vcpus, sizing.max_memory_kib, &wanted);
    deadline = cib_deadline(ctx);
    ok = xvm_utilization_sync(resource_id, &wanted, &deadline, &changes, &error);
    if (!ok)
        xvm_log_warn("utilization of %s not updated (the action goes on): %s", resource_id,
                     error->message);
    note_save(path, key, now_s, &wanted, ok);
}
