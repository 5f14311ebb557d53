/* xvm_look: where the domain is, told in three values.  The identities the
 * domain may have here are this node's note (the name and UUID that last
 * ran here: a config edited since cannot hide it) and the config's; then
 * every active domain's marker, which names the resource that started it. */
#include "xvm-look.h"

#include <string.h>

#include "xvm-error.h"
#include "xvm-health.h"
#include "xvm-log.h"
#include "xvm-proc.h"

/* The longest the process table may take, so that stop keeps its time. */
#define XVM_PROC_LOOK_MAX_MS 5000
/* A second connection is worth trying (libvirtd restarted) only with time
 * left for it to hang too (keepalive notices after about 4 s) and for the
 * process table afterwards. */
#define XVM_RECONNECT_MIN_MS 6000
/* A restarted libvirtd either refuses at once (not listening yet) or
 * answers within a second or two: waiting longer only costs the table. */
#define XVM_RECONNECT_MAX_MS 3000

typedef struct {
    const char *name;
    const char *uuid;
    const char *source;
} Identity;

void
xvm_look_clear(XvmLook *look)
{
    xvm_domain_status_clear(&look->status);
    g_clear_error(&look->unknown);
    g_clear_error(&look->unreachable);
    g_clear_error(&look->drift);
    g_clear_error(&look->name_taken);
    memset(look, 0, sizeof(*look));
}

static gboolean
same_uuid(const char *a, const char *b)
{
    return a && b && g_ascii_strcasecmp(a, b) == 0;
}

/* The note first: it is what actually ran.  Config's identity is skipped
 * only when the note has the same UUID: a config without one may name a
 * domain started since with another UUID. */
static guint
identities(const XvmContext *ctx, Identity out[2])
{
    guint n = 0;

    if (ctx->note_name)
        out[n++] = (Identity) { ctx->note_name, ctx->note_uuid, "this node's note" };
    if (ctx->config == NULL)
        return n;
    if (n > 0 && same_uuid(ctx->config->uuid, ctx->note_uuid))
        return n;
    out[n++] = (Identity) { ctx->config->name, ctx->config->uuid, "config" };
    return n;
}

static gboolean
is_active(const XvmDomainStatus *st)
{
    const char *why;

    return st->found && xvm_health_classify(st->state, st->reason, &why) != XVM_HEALTH_STOPPED;
}

static gboolean
marker_is_ours(const XvmContext *ctx, const char *marker)
{
    return marker && (strcmp(marker, ctx->req->instance) == 0
                      || (ctx->by_hand_owner && strcmp(marker, ctx->by_hand_owner) == 0));
}

static void
set_unknown(XvmLook *look, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
set_unknown(XvmLook *look, const char *format, ...)
{
    va_list args;
    g_autofree char *message = NULL;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    look->result = XVM_LOOK_UNKNOWN;
    g_clear_error(&look->unknown);
    look->unknown = g_error_new_literal(XVM_ERROR, XVM_ERROR_UNKNOWN_STATE, message);
}

static const char *
what_changed(const XvmDomainConfig *cfg, const char *name, const char *uuid)
{
    gboolean name_changed = strcmp(cfg->name, name) != 0;
    gboolean uuid_changed = cfg->uuid && uuid && !same_uuid(cfg->uuid, uuid);

    if (name_changed && uuid_changed)
        return "name and UUID";
    return name_changed ? "name" : "UUID";
}

/* Config names another domain than the one found running for us.  The
 * exit reason keeps 127 bytes: the advice goes first, the UUIDs to the log. */
static void
check_drift(XvmContext *ctx, XvmLook *look)
{
    const XvmDomainConfig *cfg = ctx->config;

    if (cfg == NULL || ctx->name == NULL)
        return;
    if (strcmp(cfg->name, ctx->name) == 0
        && (cfg->uuid == NULL || ctx->uuid == NULL || same_uuid(cfg->uuid, ctx->uuid)))
        return;
    xvm_log_warn("config now names domain %s (UUID %s), but %s (UUID %s), which this resource"
                 " runs, is active here", cfg->name, cfg->uuid ? cfg->uuid : "none", ctx->name,
                 ctx->uuid ? ctx->uuid : "unknown");
    look->drift = g_error_new(XVM_ERROR, XVM_ERROR_IDENTITY_CHANGED,
                              "config's %s changed under running domain %s: restore the config,"
                              " or stop and start the resource",
                              what_changed(cfg, ctx->name, ctx->uuid), ctx->name);
}

/* The domain found is ours: it becomes the one the action is about. */
static void
found_running(XvmContext *ctx, XvmLook *look, XvmDomainStatus *st)
{
    look->result = XVM_LOOK_RUNNING;
    look->status = *st;
    memset(st, 0, sizeof(*st));
    xvm_context_set_domain(ctx, look->status.name, look->status.uuid);
    check_drift(ctx, look);
}

/* Config has a UUID libvirt does not know: a domain under config's name is
 * ours only if it carries our marker (the UUID was added or changed in the
 * file while it ran); else another domain holds the name. */
static gboolean
look_by_config_name(XvmContext *ctx, XvmLook *look, GError **error)
{
    XvmDomainRef by_name = { ctx->config->name, NULL };
    XvmDomainStatus st = { 0 };
    g_autofree char *marker = NULL;

    if (!ctx->virt->ops->status(ctx->virt, &by_name, &st, error))
        return FALSE;
    if (!is_active(&st)) {
        xvm_domain_status_clear(&st);
        return TRUE;
    }
    if (!ctx->virt->ops->marker(ctx->virt, &by_name, &marker, error)) {
        xvm_domain_status_clear(&st);
        return FALSE;
    }
    if (marker_is_ours(ctx, marker)) {
        found_running(ctx, look, &st);
        return TRUE;
    }
    look->name_taken = g_error_new(XVM_ERROR, XVM_ERROR_NAME_TAKEN,
                                   "another domain named %s (UUID %s, not %s) runs here",
                                   st.name, st.uuid ? st.uuid : "unknown", ctx->config->uuid);
    xvm_domain_status_clear(&st);
    return TRUE;
}

static gboolean
look_identity(XvmContext *ctx, const Identity *id, XvmLook *look, GError **error)
{
    XvmDomainRef ref = { id->name, id->uuid };
    XvmDomainStatus st = { 0 };

    if (!ctx->virt->ops->status(ctx->virt, &ref, &st, error))
        return FALSE;
    if (is_active(&st)) {
        xvm_log_debug("domain %s found through %s", st.name, id->source);
        found_running(ctx, look, &st);
        return TRUE;
    }
    xvm_domain_status_clear(&st);
    if (id->uuid && ctx->config && id->name == ctx->config->name)
        return look_by_config_name(ctx, look, error);
    return TRUE;
}

static gboolean
found_by_marker(XvmContext *ctx, const XvmActiveDomain *d, XvmLook *look, GError **error)
{
    XvmDomainRef ref = { d->name, d->uuid };
    XvmDomainStatus st = { 0 };

    if (!ctx->virt->ops->status(ctx->virt, &ref, &st, error))
        return FALSE;
    if (is_active(&st)) {
        xvm_log_info("domain %s found through the marker of resource %s", d->name, d->marker);
        found_running(ctx, look, &st);
    }
    xvm_domain_status_clear(&st);
    return TRUE;
}

/* Without any identity, a domain with no marker may be ours (started
 * before the agent managed it, or by another agent): cannot tell. */
static void
judge_unmarked(const GPtrArray *domains, XvmLook *look, const char *why_no_identity)
{
    for (guint i = 0; i < domains->len; i++) {
        const XvmActiveDomain *d = g_ptr_array_index(domains, i);

        if (d->marker == NULL) {
            set_unknown(look, "%s, and domain %s runs here without a marker: cannot tell"
                        " whether it is this resource's", why_no_identity, d->name);
            return;
        }
    }
}

static const char *
why_no_identity(const XvmContext *ctx)
{
    return ctx->config_error ? ctx->config_error->message : "config unusable, no note here";
}

static gboolean
look_markers(XvmContext *ctx, guint n_identities, XvmLook *look, GError **error)
{
    g_autoptr(GPtrArray) domains = NULL;

    if (!ctx->virt->ops->list_active(ctx->virt, &domains, error))
        return FALSE;
    for (guint i = 0; i < domains->len && look->result != XVM_LOOK_RUNNING; i++) {
        const XvmActiveDomain *d = g_ptr_array_index(domains, i);

        if (marker_is_ours(ctx, d->marker) && !found_by_marker(ctx, d, look, error))
            return FALSE;
    }
    if (look->result != XVM_LOOK_RUNNING && n_identities == 0)
        judge_unmarked(domains, look, why_no_identity(ctx));
    return TRUE;
}

/* One look through libvirt; FALSE when libvirt did not answer.  "Not
 * running" needs every identity looked up and the marker scan done. */
static gboolean
look_libvirt(XvmContext *ctx, XvmLook *look, GError **error)
{
    Identity ids[2];
    guint n = identities(ctx, ids);

    xvm_look_clear(look);
    look->result = XVM_LOOK_NOT_RUNNING;
    for (guint i = 0; i < n; i++) {
        if (!look_identity(ctx, &ids[i], look, error))
            return FALSE;
        if (look->result == XVM_LOOK_RUNNING)
            return TRUE;
    }
    return look_markers(ctx, n, look, error);
}

static XvmProcScope
proc_scope(const XvmContext *ctx)
{
    return xvm_context_proc_scope(ctx, MIN(XVM_PROC_LOOK_MAX_MS,
                                           MAX(xvm_deadline_remaining_ms(&ctx->deadline) / 3,
                                               1)));
}

/* libvirtd cannot answer: the QEMU processes can, for a local QEMU driver
 * and a table this process fully sees (xvm-proc.h). */
static void
look_process_table(XvmContext *ctx, XvmLook *look, const GError *libvirt_error)
{
    XvmProcScope scope = proc_scope(ctx);
    Identity ids[2];
    guint n = identities(ctx, ids);
    g_autofree char *unknown_why = n == 0 ? g_strdup(why_no_identity(ctx)) : NULL;

    xvm_look_clear(look);
    look->from_process_table = TRUE;
    look->unreachable = g_error_copy(libvirt_error);
    for (guint i = 0; i < n; i++) {
        g_autofree char *why = NULL;

        switch (xvm_proc_look(&scope, ids[i].name, ids[i].uuid, NULL, &why)) {
        case XVM_PROC_RUNNING:
            look->result = XVM_LOOK_RUNNING;
            xvm_context_set_domain(ctx, ids[i].name, ids[i].uuid);
            check_drift(ctx, look);
            xvm_log_warn("%s; %s", libvirt_error->message, why);
            return;
        case XVM_PROC_UNKNOWN:
            if (unknown_why == NULL)
                unknown_why = g_steal_pointer(&why);
            break;
        case XVM_PROC_NOT_RUNNING:
            xvm_log_info("%s", why);
            break;
        }
    }
    if (unknown_why) {
        set_unknown(look, "%s; and the process table cannot tell (%s)",
                    libvirt_error->message, unknown_why);
        return;
    }
    look->result = XVM_LOOK_NOT_RUNNING;
    xvm_log_warn("%s; no QEMU process of the domain runs here", libvirt_error->message);
}

/* libvirt says "not here"; a QEMU process of exactly this domain says
 * otherwise (a second libvirt, a wrong URI): cannot tell. */
static void
cross_check(XvmContext *ctx, XvmLook *look)
{
    XvmProcScope scope = proc_scope(ctx);
    Identity ids[2];
    guint n = identities(ctx, ids);

    if (ctx->qemu_run_dir == NULL)
        return;
    for (guint i = 0; i < n; i++) {
        g_autoptr(GArray) pids = NULL;
        g_autofree char *why = NULL;

        if (ids[i].uuid == NULL
            || xvm_proc_look(&scope, ids[i].name, ids[i].uuid, &pids, &why) != XVM_PROC_RUNNING)
            continue;
        set_unknown(look, "libvirt at %s does not know domain %s, but a QEMU process of it"
                    " runs on this node (%s)", ctx->params->hypervisor, ids[i].name, why);
        return;
    }
}

/* One look through libvirt, and once more on a new connection if the first
 * was lost (libvirtd restarted).  FALSE with the error when libvirt could
 * not answer. */
static gboolean
look_libvirt_reconnecting(XvmContext *ctx, XvmLook *look, GError **error)
{
    gint64 connect_ms = xvm_deadline_remaining_ms(&ctx->deadline) / 3;
    GError *local = NULL;

    if (!xvm_context_connect(ctx, connect_ms, error))
        return FALSE;
    if (look_libvirt(ctx, look, &local))
        return TRUE;
    if (!xvm_error_libvirt_unreachable(local)
        || xvm_deadline_remaining_ms(&ctx->deadline) < XVM_RECONNECT_MIN_MS) {
        g_propagate_error(error, local);
        return FALSE;
    }
    xvm_log_warn("%s; connecting again", local->message);
    g_clear_error(&local);
    return xvm_context_connect(ctx, MIN(connect_ms, XVM_RECONNECT_MAX_MS), error)
           && look_libvirt(ctx, look, error);
}

void
xvm_look(XvmContext *ctx, XvmLookFlags flags, XvmLook *look)
{
    GError *error = NULL;

    if (!look_libvirt_reconnecting(ctx, look, &error)) {
        if (xvm_error_libvirt_unreachable(error))
            look_process_table(ctx, look, error);
        else
            set_unknown(look, "cannot tell whether the domain runs: %s", error->message);
        g_error_free(error);
        return;
    }
    if (look->result == XVM_LOOK_RUNNING) {
        xvm_context_remember(ctx);
        return;
    }
    if (look->result == XVM_LOOK_NOT_RUNNING && (flags & XVM_LOOK_CROSS_CHECK))
        cross_check(ctx, look);
}

XvmLookResult
xvm_look_here(XvmContext *ctx, XvmLookFlags flags, XvmLook *look, GError **error)
{
    xvm_look(ctx, flags, look);
    if (look->result == XVM_LOOK_NOT_RUNNING)
        xvm_context_set_summary(ctx, "domain %s is not running on this node",
                                ctx->name ? ctx->name : "(unknown)");
    else if (look->result == XVM_LOOK_UNKNOWN)
        g_propagate_error(error, g_steal_pointer(&look->unknown));
    return look->result;
}
