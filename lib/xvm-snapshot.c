#include "xvm-snapshot.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "xvm-call.h"
#include "xvm-error.h"
#include "xvm-health.h"
#include "xvm-job.h"
#include "xvm-log.h"

/* After an abort at the deadline, how long the save may take to give up. */
#define XVM_SAVE_ABORT_WAIT_MS 5000

char *
xvm_snapshot_file(const XvmContext *ctx, const char *name)
{
    g_autofree char *base = NULL;

    if (ctx->params == NULL || ctx->params->snapshot[0] == '\0' || name == NULL)
        return NULL;
    base = g_strconcat(name, ".state", NULL);   /* VirtualDomain's name */
    return g_build_filename(ctx->params->snapshot, base, NULL);
}

gboolean
xvm_snapshot_wanted(const XvmContext *ctx, const XvmDomainStatus *st)
{
    const char *why;

    if (ctx->params->snapshot[0] == '\0' || ctx->params->force_stop)
        return FALSE;
    return st->found && xvm_health_classify(st->state, st->reason, &why) == XVM_HEALTH_RUNNING;
}

/* ---- stop: save ------------------------------------------------------------ */

/* The state file's path is all a save adds to the call (xvm-call.h). */
static gboolean
save_run(XvmVirt *virt, const XvmDomainRef *ref, gpointer path, GError **error)
{
    return virt->ops->save(virt, ref, path, error);
}

/* The name and UUID a state file's header names, or FALSE with why not. */
static XvmDomainConfig *
saved_identity(XvmContext *ctx, const char *path, GError **error)
{
    g_autofree char *xml = NULL;

    if (!ctx->virt->ops->saved_xml(ctx->virt, path, &xml, error))
        return NULL;
    return xvm_domxml_parse(xml, strlen(xml), error);
}

static gboolean
same_uuid(const char *a, const char *b)
{
    return a == NULL || b == NULL || g_ascii_strcasecmp(a, b) == 0;
}

/* A state file already there is replaced when it is this domain's (older
 * than what runs now, so stale) or unreadable (a save cut short); one that
 * names another domain is kept, and the guest is shut down instead. */
static gboolean
may_overwrite(XvmContext *ctx, const char *path)
{
    g_autoptr(XvmDomainConfig) saved = NULL;
    g_autoptr(GError) error = NULL;

    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return TRUE;
    saved = saved_identity(ctx, path, &error);
    if (saved && (strcmp(saved->name, ctx->name) != 0 || !same_uuid(saved->uuid, ctx->uuid))) {
        xvm_log_warn("not saving %s: %s holds the state of another domain (%s %s); shutting"
                     " it down instead", ctx->name, path, saved->name,
                     saved->uuid ? saved->uuid : "");
        return FALSE;
    }
    xvm_log_notice("replacing the older state file %s%s%s", path, error ? ": " : "",
                   error ? error->message : "");
    return TRUE;
}

/* Waits for the save until until; then aborts it, and gives it a moment to
 * end.  TRUE when it saved (even as it was being aborted). */
static gboolean
finish_save(XvmContext *ctx, XvmJob *job, const XvmDeadline *until, GError **error)
{
    XvmDomainRef ref = xvm_context_ref(ctx);
    g_autoptr(GError) abort_error = NULL;

    if (!xvm_job_wait(job, xvm_deadline_remaining_ms(until))) {
        xvm_log_warn("saving %s did not finish in time; aborting it", ctx->name);
        if (!ctx->virt->ops->abort_job(ctx->virt, &ref, &abort_error))
            xvm_log_warn("%s", abort_error->message);
        if (!xvm_job_wait(job, MIN(XVM_SAVE_ABORT_WAIT_MS,
                                   xvm_deadline_remaining_ms(&ctx->deadline)))) {
            g_set_error(error, XVM_ERROR, XVM_ERROR_TIMEOUT, "the save was aborted");
            return FALSE;
        }
    }
    return xvm_job_result(job, error);
}

gboolean
xvm_snapshot_save(XvmContext *ctx, const XvmDeadline *until, char **path)
{
    g_autoptr(XvmJob) job = NULL;
    g_autoptr(GError) error = NULL;

    *path = xvm_snapshot_file(ctx, ctx->name);
    if (!may_overwrite(ctx, *path))
        return FALSE;
    xvm_log_info("saving domain %s to %s (%" G_GINT64_FORMAT " ms)", ctx->name, *path,
                 xvm_deadline_remaining_ms(until));
    job = xvm_call_start("xvm-save", ctx->virt, xvm_context_ref(ctx), save_run,
                         g_strdup(*path), g_free);
    if (finish_save(ctx, job, until, &error))
        return TRUE;
    xvm_log_warn("cannot save %s to %s: %s; shutting it down instead", ctx->name, *path,
                 error->message);
    return FALSE;
}

/* ---- start: check and restore --------------------------------------------- */

char *
xvm_snapshot_pending(const XvmContext *ctx)
{
    g_autofree char *path = NULL;

    if (ctx->config == NULL)
        return NULL;
    path = xvm_snapshot_file(ctx, ctx->config->name);
    if (path == NULL || !g_file_test(path, G_FILE_TEST_EXISTS))
        return NULL;
    return g_steal_pointer(&path);
}

static gboolean
refuse(GError **error, const char *path, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* The cause first (Pacemaker keeps 127 bytes of it), then what to do. */
static gboolean
refuse(GError **error, const char *path, const char *format, ...)
{
    g_autofree char *cause = NULL;
    va_list args;

    va_start(args, format);
    cause = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error(error, XVM_ERROR, XVM_ERROR_SAVED_STATE,
                "%s; state file kept: remove or move %s to boot fresh", cause, path);
    return FALSE;
}

static gboolean
check_identity(const XvmContext *ctx, const XvmDomainConfig *saved, const char *path,
               GError **error)
{
    const XvmDomainConfig *cfg = ctx->config;

    if (strcmp(saved->name, cfg->name) != 0)
        return refuse(error, path, "saved state is of domain %s, not %s", saved->name,
                      cfg->name);
    if (!same_uuid(saved->uuid, cfg->uuid))
        return refuse(error, path, "saved state is of UUID %s, not %s's %s", saved->uuid,
                      cfg->name, cfg->uuid);
    if (cfg->uuid == NULL)
        xvm_log_info("config of %s has no UUID: %s matched by name only", cfg->name, path);
    return TRUE;
}

/* An image restored over disks that another run wrote since the save hands
 * the guest caches that no longer match them: corruption. */
static gboolean
check_disks_older(const XvmDomainConfig *saved, const char *path, GError **error)
{
    struct stat state, disk;

    if (g_stat(path, &state) != 0)
        return refuse(error, path, "cannot stat saved state: %s", g_strerror(errno));
    for (gsize i = 0; saved->disk_paths[i]; i++) {
        const char *d = saved->disk_paths[i];
        gint64 later;

        /* A block device's node says nothing of writes to it. */
        if (g_stat(d, &disk) != 0 || !S_ISREG(disk.st_mode)) {
            xvm_log_debug("disk %s: not a file here, its age cannot be checked", d);
            continue;
        }
        later = (gint64) disk.st_mtime - (gint64) state.st_mtime;
        if (later > XVM_SNAPSHOT_DISK_SLACK_S)
            return refuse(error, path,
                          "disk %s was written %" G_GINT64_FORMAT " s after the state was"
                          " saved: restoring would corrupt it", d, later);
    }
    return TRUE;
}

char *
xvm_snapshot_check(XvmContext *ctx, const char *path, GError **error)
{
    g_autoptr(XvmDomainConfig) saved = NULL;
    g_autoptr(GError) local = NULL;

    saved = saved_identity(ctx, path, &local);
    if (saved == NULL) {
        /* libvirtd gone is not the file's fault: 1 like any start without it. */
        if (g_error_matches(local, XVM_ERROR, XVM_ERROR_CONNECT)) {
            g_propagate_error(error, g_steal_pointer(&local));
            return NULL;
        }
        refuse(error, path, "cannot read saved state: %s", local->message);
        return NULL;
    }
    if (!check_identity(ctx, saved, path, error) || !check_disks_older(saved, path, error))
        return NULL;
    return xvm_domxml_with_marker(saved, ctx->req->instance, error);
}

gboolean
xvm_snapshot_restore(XvmContext *ctx, const char *path, const char *xml, GError **error)
{
    GError *local = NULL;

    xvm_log_info("restoring domain %s from %s", ctx->name, path);
    if (!ctx->virt->ops->restore(ctx->virt, path, xml, &local)) {
        if (local->code != XVM_ERROR_CONNECT)
            local->code = XVM_ERROR_SAVED_STATE;
        g_prefix_error(&local, "from %s: ", path);
        g_propagate_error(error, local);
        return FALSE;
    }
    /* Consumed: the guest runs on from it.  Restoring it again later
     * would turn its disks back in time. */
    if (g_unlink(path) != 0)
        xvm_log_warn("restored %s but cannot remove %s: %s; remove it by hand", ctx->name,
                     path, g_strerror(errno));
    return TRUE;
}
