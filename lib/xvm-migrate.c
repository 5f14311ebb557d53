/* migrate_to and migrate_from: Pacemaker's two halves of one libvirt
 * peer-to-peer migration.  migrate_to pushes the domain; migrate_from
 * confirms it arrived, in place of the start Pacemaker will not run. */
#include "xvm-actions.h"

/* Only libvirt's migration flag bits are used here. */
#include <libvirt/libvirt.h>

#include "xvm-call.h"
#include "xvm-error.h"
#include "xvm-health.h"
#include "xvm-log.h"
#include "xvm-job.h"
#include "xvm-look.h"
#include "xvm-saveconfig.h"
#include "xvm-migopts.h"
#include "xvm-migwatch.h"
#include "xvm-prepare.h"
#include "xvm-uri.h"

/* How often a running migration's progress is read. */
#define XVM_MIGRATION_POLL_MS 500

/* What a migration adds to its worker call (xvm-call.h). */
typedef struct {
    char *dest_uri;
    char *data_uri;
    XvmMigOpts *opts;
    XvmMigration migration;
} MigrationCall;

static void
migration_call_free(gpointer data)
{
    MigrationCall *call = data;

    g_free(call->dest_uri);
    g_free(call->data_uri);
    xvm_migopts_free(call->opts);
    g_free(call);
}

static gboolean
migration_call_run(XvmVirt *virt, const XvmDomainRef *ref, gpointer data, GError **error)
{
    MigrationCall *call = data;

    return virt->ops->migrate(virt, ref, &call->migration, error);
}

/* The data URI: migrateuri, else --migrateuri of migrate_options (as in
 * VirtualDomain), read with the same %n as migrateuri. */
static char *
migration_data_uri(const XvmParams *params, const XvmMigOpts *opts, const char *target)
{
    XvmParams with_option = *params;

    if (params->migrateuri[0] == '\0' && opts->migrateuri) {
        with_option.migrateuri = opts->migrateuri;
        return xvm_uri_migration(&with_option, target);
    }
    return xvm_uri_migration(params, target);
}

/* migrate_options' flags, and the policy's: auto-converge unless turned
 * off, post-copy allowed when asked, for live migrations. */
static guint
migration_extra_flags(const XvmParams *params, const XvmMigOpts *opts)
{
    guint flags = opts->flags;

    if (params->migration_type != XVM_MIGRATION_LIVE)
        return flags;
    if (params->migration_auto_converge)
        flags |= VIR_MIGRATE_AUTO_CONVERGE;
    if (params->migration_postcopy)
        flags |= VIR_MIGRATE_POSTCOPY;
    return flags;
}

static MigrationCall *
migration_call_new(XvmContext *ctx, const char *target, GError **error)
{
    g_autofree char *dest_uri = NULL;
    g_autoptr(GError) opts_error = NULL;
    XvmMigOpts *opts = xvm_migopts_parse(ctx->params->migrate_options, &opts_error);
    MigrationCall *call;

    /* Never move without a flag the user asked for (--tls, say). */
    if (opts == NULL) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                    "not migrating %s: migrate_options: %s", ctx->name, opts_error->message);
        return NULL;
    }
    dest_uri = xvm_uri_remote(ctx->params, target, error);
    if (dest_uri == NULL) {
        xvm_migopts_free(opts);
        return NULL;
    }
    call = g_new0(MigrationCall, 1);
    call->opts = opts;
    call->dest_uri = g_steal_pointer(&dest_uri);
    call->data_uri = migration_data_uri(ctx->params, opts, target);
    call->migration.dest_uri = call->dest_uri;
    call->migration.data_uri = call->data_uri;
    call->migration.live = ctx->params->migration_type == XVM_MIGRATION_LIVE;
    call->migration.persistent = ctx->params->persistent;
    /* Undefining the source deletes NAME.xml in libvirt's directory: never
     * when that file is the user's config. */
    call->migration.undefine_source = ctx->params->persistent
                                      && !xvm_context_config_owned_by_libvirt(ctx);
    call->migration.bandwidth_mibs = opts->has_bandwidth ? opts->bandwidth_mibs
                                                         : ctx->params->migration_speed_mibs;
    /* Set before the start: the ladder (xvm-migwatch.h) raises it. */
    call->migration.max_downtime_ms = xvm_migwatch_initial_downtime_ms(
        ctx->params->migration_downtime_ms);
    call->migration.extra_flags = migration_extra_flags(ctx->params, opts);
    call->migration.params = opts->params;
    return call;
}

static gboolean
migrate_inputs_ok(XvmContext *ctx, GError **error)
{
    const char *target = ctx->req->migrate_target;

    if (target == NULL) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_MISSING,
                    "migrate_to needs OCF_RESKEY_CRM_meta_migrate_target; Pacemaker sets it"
                    " when it moves a resource with allow-migrate=true");
        return FALSE;
    }
    if (!xvm_node_name_is_valid(target)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                    "migration target \"%s\" is not a valid node name", target);
        return FALSE;
    }
    return xvm_context_inputs_ok(ctx, error);
}

/* FALSE with the reason unless the domain runs here, healthy, as config
 * says: a migration moves only the one copy that is ours. */
static gboolean
runs_here(XvmContext *ctx, GError **error)
{
    g_auto(XvmLook) look = { 0 };
    const char *why = "not present";

    xvm_look(ctx, XVM_LOOK_DEFAULT, &look);
    if (look.result == XVM_LOOK_UNKNOWN) {
        g_propagate_error(error, g_steal_pointer(&look.unknown));
        return FALSE;
    }
    if (look.drift) {
        g_propagate_error(error, g_steal_pointer(&look.drift));
        return FALSE;
    }
    if (look.result == XVM_LOOK_RUNNING && !look.from_process_table
        && xvm_health_classify(look.status.state, look.status.reason, &why)
               == XVM_HEALTH_RUNNING)
        return TRUE;
    if (look.from_process_table)
        why = "running, but libvirt does not answer";
    g_set_error(error, XVM_ERROR, XVM_ERROR_NOT_HERE, "cannot migrate %s: it is %s on this"
                " node", ctx->name, why);
    return FALSE;
}

/* A progress line at info level at most this often: a user sees the
 * migration move in the log. */
#define XVM_MIGRATION_LOG_US (5 * G_USEC_PER_SEC)
#define XVM_MIGRATION_FIRST_LOOK_MS 200

typedef struct {
    XvmMigwatch w;
    const char *target;
    gint64 started_us;
    gint64 logged_us;
    gboolean aborted;
} Watch;

static void
log_progress(XvmContext *ctx, Watch *watch, gint64 now_us)
{
    g_autofree char *figures = NULL;

    if (!watch->w.last.active || now_us - watch->logged_us < XVM_MIGRATION_LOG_US)
        return;
    watch->logged_us = now_us;
    figures = xvm_migwatch_figures(&watch->w);
    xvm_log_info("migrating %s to %s, %.0f s: %s%s, downtime limit %" G_GUINT64_FORMAT " ms",
                 ctx->name, watch->target, (now_us - watch->started_us) / 1e6, figures,
                 watch->w.last.postcopy ? ", post-copy" : "", watch->w.downtime_ms);
}

/* One escalation: a higher allowed downtime, or post-copy. */
static void
escalate(XvmContext *ctx, Watch *watch, XvmMigwatchStep step, gint64 now_us)
{
    XvmDomainRef ref = xvm_context_ref(ctx);
    g_autoptr(GError) error = NULL;
    g_autofree char *figures = xvm_migwatch_figures(&watch->w);
    gboolean ok;

    if (step == XVM_MIGWATCH_RAISE_DOWNTIME) {
        xvm_log_notice("migration of %s is not converging (%s): allowing %" G_GUINT64_FORMAT
                       " ms of downtime", ctx->name, figures, watch->w.downtime_next_ms);
        ok = ctx->virt->ops->set_max_downtime(ctx->virt, &ref, watch->w.downtime_next_ms,
                                              &error);
    } else {
        xvm_log_notice("migration of %s is not converging (%s): switching to post-copy",
                       ctx->name, figures);
        ok = ctx->virt->ops->start_postcopy(ctx->virt, &ref, &error);
    }
    if (!ok)
        xvm_log_warn("%s", error->message);
    xvm_migwatch_done(&watch->w, step, ok, now_us);
}

static void
abort_migration(XvmContext *ctx, Watch *watch, XvmJob *job)
{
    XvmDomainRef ref = xvm_context_ref(ctx);
    g_autoptr(GError) error = NULL;
    g_autofree char *figures = xvm_migwatch_figures(&watch->w);

    xvm_log_warn("aborting the migration of %s to %s: %s (%s)", ctx->name, watch->target,
                 watch->w.reason, figures);
    watch->aborted = TRUE;
    if (!ctx->virt->ops->abort_job(ctx->virt, &ref, &error))
        xvm_log_warn("%s", error->message);
    xvm_job_wait(job, xvm_deadline_remaining_ms(&ctx->deadline));
}

/* Sleeps until the next poll; wakes early on a lifecycle event (the
 * domain leaving when the migration completes). */
static void
wait_next_poll(XvmContext *ctx, const Watch *watch, gint64 now_us)
{
    gint64 left_ms = (xvm_migwatch_wait_until_us(&watch->w) - now_us) / 1000;
    guint64 seen = ctx->virt->ops->event_count(ctx->virt);

    ctx->virt->ops->wait_event(ctx->virt, seen, CLAMP(left_ms, 1, XVM_MIGRATION_POLL_MS));
}

/* Watches the migration until it ends, escalating when it stops
 * converging (xvm-migwatch.h), and aborts it early enough that libvirt can
 * cancel it and the guest keeps running here.  Returns when the job ended,
 * after an abort, or at the deadline in post-copy (which cannot be
 * aborted). */
static void
watch_migration(XvmContext *ctx, XvmJob *job, Watch *watch)
{
    XvmDomainRef ref = xvm_context_ref(ctx);
    /* libvirt's job starts a moment after the call: statistics read
     * before then say there is none. */
    gint64 first_look_ms = XVM_MIGRATION_FIRST_LOOK_MS;

    while (!xvm_job_wait(job, first_look_ms)) {
        XvmJobProgress p;
        gboolean have = ctx->virt->ops->job_progress(ctx->virt, &ref, &p, NULL);
        gint64 now = ctx->deadline.now();
        XvmMigwatchStep step = xvm_migwatch_next(&watch->w, have ? &p : NULL, now);

        log_progress(ctx, watch, now);
        if (step == XVM_MIGWATCH_ABORT) {
            abort_migration(ctx, watch, job);
            return;
        }
        if (step != XVM_MIGWATCH_WAIT)
            escalate(ctx, watch, step, now);
        /* No job (yet, or any more): the call is starting or returning. */
        if (have && !p.active && xvm_job_wait(job, 200))
            return;
        if (now >= xvm_migwatch_wait_until_us(&watch->w))
            return;
        wait_next_poll(ctx, watch, now);
        first_look_ms = 0;
    }
}

static XvmOcfRc
migration_failed(XvmContext *ctx, const Watch *watch, GError *cause, GError **error)
{
    GError *state_error = NULL;
    gboolean still_here = runs_here(ctx, &state_error);
    g_autofree char *figures = xvm_migwatch_figures(&watch->w);
    const char *why = cause ? cause->message : "no answer from libvirt";
    GError *failure;

    if (watch->aborted)
        failure = g_error_new(XVM_ERROR, XVM_ERROR_MIGRATION,
                              "aborted migration of %s to %s: %s%s (%s; %s)", ctx->name,
                              watch->target, watch->w.reason,
                              still_here ? "; it still runs here" : "", figures, why);
    else if (watch->w.postcopy)
        failure = g_error_new(XVM_ERROR, XVM_ERROR_MIGRATION,
                              "post-copy migration of %s to %s failed, memory split between"
                              " nodes; %s (%s)", ctx->name, watch->target,
                              still_here ? "it runs here" : state_error ? state_error->message
                              : "not here", why);
    else
        failure = g_error_new(XVM_ERROR, XVM_ERROR_MIGRATION, "migration of %s to %s%s (%s)",
                              ctx->name, watch->target,
                              still_here ? " failed; it still runs here" : " failed", why);
    g_clear_error(&state_error);
    g_clear_error(&cause);
    return xvm_context_fail(ctx, error, failure);
}

/* How it went, for the log and the benchmark: time, escalations, the
 * heaviest vCPU throttle auto-converge applied. */
static void
migration_succeeded(XvmContext *ctx, const Watch *watch)
{
    const XvmMigwatch *w = &watch->w;
    gint64 now = ctx->deadline.now();
    g_autoptr(GString) how = g_string_new(NULL);

    if (w->postcopy)
        g_string_append_printf(how, ", post-copy after %.1f s",
                               (w->postcopy_at_us - watch->started_us) / 1e6);
    if (w->escalations)
        g_string_append_printf(how, ", downtime limit %" G_GUINT64_FORMAT " ms", w->downtime_ms);
    if (w->peak_throttle_percent)
        g_string_append_printf(how, ", throttle peak %" G_GUINT64_FORMAT "%%",
                               w->peak_throttle_percent);
    xvm_context_set_summary(ctx, "domain %s migrated to %s in %.1f s%s", ctx->name,
                            watch->target, (now - watch->started_us) / 1e6, how->str);
    xvm_log_notice("%s", ctx->summary);
}

static void
watch_init(XvmContext *ctx, Watch *watch, const char *target)
{
    gint64 now = ctx->deadline.now();
    gint64 usable_ms = xvm_deadline_remaining_ms(&ctx->deadline);
    XvmDeadline abort_at = xvm_deadline_before(&ctx->deadline,
                                               xvm_migration_abort_reserve_ms(usable_ms));
    const XvmParams *p = ctx->params;

    watch->target = target;
    watch->started_us = now;
    watch->logged_us = now;
    xvm_migwatch_init(&watch->w, p->migration_type == XVM_MIGRATION_LIVE,
                      p->migration_postcopy, p->migration_progress_timeout_s,
                      p->migration_downtime_ms, now, abort_at.end_us, ctx->deadline.end_us);
}

/* ---- pre-flight: ask the target before any page moves ------------------ */

/* The longest the pre-flight may take: it normally needs one connection and
 * a few calls (tens of ms); a target that does not answer in time is left
 * to the migration itself, which fails on it just as clearly. */
#define XVM_PREFLIGHT_MAX_MS 5000
#define MIB ((guint64) 1 << 20)

/* What the pre-flight adds to its worker call (xvm-call.h). */
typedef struct {
    char *dest_uri;
    gboolean check_disks;
    XvmTargetFacts facts;
} PreflightCall;

static void
preflight_call_free(gpointer data)
{
    PreflightCall *call = data;

    g_free(call->dest_uri);
    xvm_target_facts_clear(&call->facts);
    g_free(call);
}

static gboolean
preflight_call_run(XvmVirt *virt, const XvmDomainRef *ref, gpointer data, GError **error)
{
    PreflightCall *call = data;

    return virt->ops->inspect_target(virt, ref, call->dest_uri, call->check_disks,
                                     &call->facts, error);
}

/* The reason the target cannot take the domain, or NULL. */
static GError *
preflight_judge(const XvmContext *ctx, const char *target, const XvmTargetFacts *f)
{
    const char *name = ctx->name;

    if (f->runs_there)
        return g_error_new(XVM_ERROR, XVM_ERROR_MIGRATION, "not migrating %s: it already runs"
                           " on %s (same UUID); never two copies", name, target);
    if (f->name_taken_by)
        return g_error_new(XVM_ERROR, XVM_ERROR_MIGRATION, "not migrating %s: another domain"
                           " of that name runs on %s (UUID %s)", name, target,
                           f->name_taken_by);
    if (f->need_bytes && f->free_bytes && f->free_bytes < f->need_bytes)
        return g_error_new(XVM_ERROR, XVM_ERROR_MIGRATION, "not migrating %s: %s has %"
                           G_GUINT64_FORMAT " MiB free, the domain needs up to %"
                           G_GUINT64_FORMAT " MiB", name, target, f->free_bytes / MIB,
                           f->need_bytes / MIB);
    if (f->cpu == XVM_CPU_INCOMPATIBLE)
        return g_error_new(XVM_ERROR, XVM_ERROR_MIGRATION, "not migrating %s: the CPU of %s"
                           " cannot run it: %s", name, target, f->cpu_detail);
    if (f->missing_disks && f->missing_disks->len > 0)
        return g_error_new(XVM_ERROR, XVM_ERROR_MIGRATION, "not migrating %s: disk %s is"
                           " missing on %s", name,
                           (const char *) g_ptr_array_index(f->missing_disks, 0), target);
    return NULL;
}

/* FALSE with the reason when the target cannot take the domain.  A target
 * that cannot be asked, or not in time, is the migration's to find out. */
static gboolean
preflight(XvmContext *ctx, const MigrationCall *migration, const char *target,
          GError **error)
{
    PreflightCall *call = g_new0(PreflightCall, 1);
    g_autoptr(XvmJob) job = NULL;
    g_autoptr(GError) local = NULL;
    gint64 started = ctx->deadline.now();
    gint64 bound_ms = MIN(XVM_PREFLIGHT_MAX_MS,
                          xvm_deadline_remaining_ms(&ctx->deadline) / 10);
    GError *refusal;

    call->dest_uri = g_strdup(migration->dest_uri);
    call->check_disks = !(migration->migration.extra_flags
                          & (VIR_MIGRATE_NON_SHARED_DISK | VIR_MIGRATE_NON_SHARED_INC));
    job = xvm_call_start("xvm-preflight", ctx->virt, xvm_context_ref(ctx), preflight_call_run,
                         call, preflight_call_free);
    if (!xvm_job_wait(job, bound_ms)) {
        xvm_log_warn("pre-flight: %s did not answer within %" G_GINT64_FORMAT " ms; migrating"
                     " without it", target, bound_ms);
        return TRUE;
    }
    if (!xvm_job_result(job, &local)) {
        xvm_log_warn("pre-flight of %s: %s; migrating without it", target, local->message);
        return TRUE;
    }
    refusal = preflight_judge(ctx, target, &call->facts);
    xvm_log_info("pre-flight on %s took %.0f ms: %s", target,
                 (ctx->deadline.now() - started) / 1e3, refusal ? refusal->message : "ok");
    if (refusal == NULL)
        return TRUE;
    g_propagate_error(error, refusal);
    return FALSE;
}

XvmOcfRc
xvm_action_migrate_to(XvmContext *ctx, GError **error)
{
    const char *target = ctx->req->migrate_target;
    GError *local = NULL;
    MigrationCall *call;
    g_autoptr(XvmJob) job = NULL;
    Watch watch = { 0 };
    XvmOcfRc rc = XVM_OCF_SUCCESS;

    if (!migrate_inputs_ok(ctx, &local) || !runs_here(ctx, &local)
        || !(call = migration_call_new(ctx, target, &local)))
        return xvm_context_fail(ctx, error, local);
    /* As VirtualDomain: the target starts from config should this fail. */
    xvm_saveconfig(ctx, NULL);
    /* As VirtualDomain: the pools and networks it uses run on the target
     * before the copy starts. */
    if (!xvm_prepare_resources(ctx, call->dest_uri, &local)
        || !preflight(ctx, call, target, &local)) {
        migration_call_free(call);
        return xvm_context_fail(ctx, error, local);
    }
    watch_init(ctx, &watch, target);
    /* post-copy is possible only when libvirt was told before the start. */
    watch.w.postcopy_allowed = watch.w.live
                               && (call->migration.extra_flags & VIR_MIGRATE_POSTCOPY);
    xvm_log_notice("migrating %s (%s) to %s via %s%s%s", ctx->name,
                   call->migration.live ? "live" : "paused", target, call->dest_uri,
                   call->data_uri ? ", data to " : "", call->data_uri ? call->data_uri : "");
    job = xvm_call_start("xvm-migrate", ctx->virt, xvm_context_ref(ctx), migration_call_run,
                         call, migration_call_free);
    watch_migration(ctx, job, &watch);
    /* The job's own answer decides, even after an abort: a migration that
     * completed as it was being aborted did move the domain. */
    if (!xvm_job_wait(job, 0) || !xvm_job_result(job, &local))
        rc = migration_failed(ctx, &watch, local, error);
    else
        migration_succeeded(ctx, &watch);
    xvm_migwatch_clear(&watch.w);
    return rc;
}

/* How long a domain may stay paused by the incoming migration once
 * migrate_to is over: libvirt resumes it as the migration ends. */
#define XVM_ARRIVAL_PAUSE_GRACE_MS 10000

/* A domain that arrived broken (paused by a failed post-copy, crashed)
 * does not heal by waiting: it is reported at once, with the reason. */
static gboolean
arrived_broken(const XvmDomainStatus *st, gint64 waited_ms)
{
    const char *why;

    if (!st->found || xvm_health_classify(st->state, st->reason, &why) != XVM_HEALTH_FAILED)
        return FALSE;
    if (xvm_state_is_paused(st->state) && st->reason == VIR_DOMAIN_PAUSED_MIGRATION)
        return waited_ms >= XVM_ARRIVAL_PAUSE_GRACE_MS;
    return TRUE;
}

XvmOcfRc
xvm_action_migrate_from(XvmContext *ctx, GError **error)
{
    GError *local = NULL;
    XvmOcfRc rc = XVM_OCF_ERR_GENERIC;
    gint64 started = ctx->deadline.now();

    if (ctx->req->migrate_source == NULL)
        return xvm_context_fail(ctx, error, g_error_new(
            XVM_ERROR, XVM_ERROR_PARAM_MISSING,
            "migrate_from needs OCF_RESKEY_CRM_meta_migrate_source; Pacemaker sets"
            " it when it moves a resource with allow-migrate=true"));
    if (ctx->config_error)
        return xvm_context_fail(ctx, error, g_error_copy(ctx->config_error));
    if (!xvm_context_connect(ctx, G_MAXINT64, &local))
        return xvm_context_fail(ctx, error, local);
    /* Bounded: the domain normally is here already (libvirt's migration is
     * over when migrate_to returns); wait only for it to settle. */
    while (!xvm_deadline_passed(&ctx->deadline)) {
        XvmDomainStatus st = { 0 };
        guint64 seen = ctx->virt->ops->event_count(ctx->virt);
        gboolean broken;

        g_clear_error(&local);
        if (!xvm_context_observe(ctx, &st, &local))
            break;
        rc = xvm_context_check_domain(ctx, &st, TRUE, &local);
        broken = arrived_broken(&st, (ctx->deadline.now() - started) / 1000);
        if (broken) {
            g_clear_error(&local);
            local = g_error_new(XVM_ERROR, XVM_ERROR_DOMAIN_FAILED,
                                "domain %s arrived from %s but is %s", ctx->name,
                                ctx->req->migrate_source,
                                xvm_state_describe(st.state, st.reason));
        }
        xvm_domain_status_clear(&st);
        if (broken)
            return xvm_context_fail(ctx, error, local);
        if (rc == XVM_OCF_SUCCESS) {
            xvm_context_remember(ctx);
            xvm_context_register_guard(ctx);
            xvm_saveconfig(ctx, NULL);
            xvm_guard_token_remove(ctx->guard, XVM_GUARD_TOKEN_INCOMING, ctx->name);
            xvm_context_set_summary(ctx, "domain %s arrived from %s and runs", ctx->name,
                                    ctx->req->migrate_source);
            return XVM_OCF_SUCCESS;
        }
        ctx->virt->ops->wait_event(ctx->virt, seen,
                                   MIN(500, xvm_deadline_remaining_ms(&ctx->deadline)));
    }
    g_prefix_error(&local, "domain %s did not arrive from %s in time: ", ctx->name,
                   ctx->req->migrate_source);
    if (local == NULL)
        g_set_error(&local, XVM_ERROR, XVM_ERROR_TIMEOUT,
                    "domain %s did not arrive from %s in time", ctx->name,
                    ctx->req->migrate_source);
    local->code = XVM_ERROR_TIMEOUT;
    return xvm_context_fail(ctx, error, local);
}
