#include "fake-virt.h"

#include <string.h>
#include <libvirt/libvirt.h>   /* the state enums the script speaks in */

#include "fake-clock.h"

/* A migration nobody aborts gives up after this much real time, so that a
 * bug in the agent fails one test instead of hanging the suite. */
#define FAKE_HANG_SAFETY_US (5 * G_USEC_PER_SEC)

typedef struct {
    gint64 at_us;       /* absolute, fake clock */
    gboolean found;
    int state;
    int reason;
} Pending;

typedef struct {
    FakeOp op;
    gint64 at_us;
    char *arg;
} Call;

typedef struct {
    gboolean armed;
    XvmErrorCode code;
    int times;          /* < 0: forever */
} Failure;

struct FakeVirt {
    GMutex lock;
    GCond changed;

    char *name;
    char *uuid;
    gboolean found;
    int state;
    int reason;
    GArray *pending;                    /* Pending, sorted by at_us */

    GArray *reactions[FAKE_N_OPS];      /* FakeStep, per op; NULL: default */
    Failure failures[FAKE_N_OPS];
    FakeMigrateMode migrate_mode;
    gboolean migrating;
    gboolean aborted;
    gint64 migration_start_us;
    GArray *progress;                   /* FakeProgress, or NULL */
    guint64 converge_downtime_ms;
    gint64 postcopy_done_us;            /* after the switch */
    gboolean postcopy_fails;
    gint64 postcopy_at_us;              /* 0: not switched */
    int outcome;                        /* OUTCOME_* of a hung migration */
    XvmTargetFacts target;              /* what inspect_target answers */
    gboolean last_check_disks;
    gint64 progress_step_us;
    char *marker;       /* the instance the domain's marker names, or NULL */
    XvmDomainSizing sizing;

    GArray *calls;                      /* Call */
    XvmMigration last_migration;
    char *last_dest_uri;
    char *last_data_uri;
    GPtrArray *last_params;             /* XvmMigParam, copied */
    guint wait_events;
};

static const char *const op_names[FAKE_N_OPS] = {
    [FAKE_OP_CONNECT] = "connect",
    [FAKE_OP_STATUS] = "status",
    [FAKE_OP_MARKER] = "marker",
    [FAKE_OP_SET_MARKER] = "set_marker",
    [FAKE_OP_START_RESOURCES] = "start_resources",
    [FAKE_OP_LIST_ACTIVE] = "list_active",
    [FAKE_OP_CREATE] = "create",
    [FAKE_OP_SHUTDOWN] = "shutdown",
    [FAKE_OP_DESTROY] = "destroy",
    [FAKE_OP_DUMP_XML] = "dump_xml",
    [FAKE_OP_SIZING] = "sizing",
    [FAKE_OP_MIGRATE] = "migrate",
    [FAKE_OP_JOB_PROGRESS] = "job_progress",
    [FAKE_OP_ABORT_JOB] = "abort_job",
    [FAKE_OP_SAVE] = "save",
    [FAKE_OP_RESTORE] = "restore",
    [FAKE_OP_SAVED_XML] = "saved_xml",
    [FAKE_OP_SET_MAX_DOWNTIME] = "set_max_downtime",
    [FAKE_OP_START_POSTCOPY] = "start_postcopy",
    [FAKE_OP_INSPECT_TARGET] = "inspect_target",
};

enum { OUTCOME_NONE, OUTCOME_DONE, OUTCOME_POSTCOPY_FAILED };

/* What a successful op does unless the test says otherwise. */
static const FakeStep create_default[] = {
    { 0, TRUE, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED }, FAKE_END,
};
/* A guest that honours the power button takes a few seconds; transient, it
 * then vanishes from libvirt. */
static const FakeStep shutdown_default[] = {
    { 0, TRUE, VIR_DOMAIN_SHUTDOWN, VIR_DOMAIN_SHUTDOWN_USER },
    { 3000, FALSE, 0, 0 }, FAKE_END,
};
static const FakeStep gone_now[] = { { 0, FALSE, 0, 0 }, FAKE_END };
static const FakeStep nothing[] = { FAKE_END };

const char *
fake_op_name(FakeOp op)
{
    return op < FAKE_N_OPS ? op_names[op] : "?";
}

FakeVirt *
fake_virt_of(XvmVirt *v)
{
    return v->priv;
}

/* ---- internals (called with the lock held) ------------------------------ */

static void
apply_due(FakeVirt *f)
{
    gint64 now = fake_clock_now();

    while (f->pending->len > 0) {
        Pending *p = &g_array_index(f->pending, Pending, 0);

        if (p->at_us > now)
            break;
        f->found = p->found;
        f->state = p->state;
        f->reason = p->reason;
        g_array_remove_index(f->pending, 0);
    }
}

static gint
pending_cmp(gconstpointer a, gconstpointer b)
{
    gint64 x = ((const Pending *) a)->at_us, y = ((const Pending *) b)->at_us;

    return x < y ? -1 : x > y;
}

static void
schedule_locked(FakeVirt *f, const FakeStep *steps)
{
    gint64 now = fake_clock_now();

    for (const FakeStep *s = steps; s->after_ms >= 0; s++) {
        Pending p = { now + s->after_ms * 1000, s->found, s->state, s->reason };

        g_array_append_val(f->pending, p);
    }
    /* Stable: steps at the same time apply in the order given. */
    g_array_sort(f->pending, pending_cmp);
    apply_due(f);
}

static void
react(FakeVirt *f, FakeOp op, const FakeStep *fallback)
{
    /* A new reaction replaces what an older one still had in store. */
    g_array_set_size(f->pending, 0);
    schedule_locked(f, f->reactions[op]
                       ? (const FakeStep *) (gpointer) f->reactions[op]->data : fallback);
}

static void
log_call(FakeVirt *f, FakeOp op, const char *arg)
{
    Call call = { op, fake_clock_now(), g_strdup(arg) };

    g_array_append_val(f->calls, call);
}

/* Consumes one injected failure of op, if any. */
static gboolean
injected_failure(FakeVirt *f, FakeOp op, GError **error)
{
    Failure *fail = &f->failures[op];

    if (!fail->armed || fail->times == 0)
        return FALSE;
    if (fail->times > 0)
        fail->times--;
    g_set_error(error, XVM_ERROR, fail->code, "fake %s failed (injected)", fake_op_name(op));
    return TRUE;
}

/* Logs the call and applies due states; TRUE when an injected failure
 * answers it. */
static gboolean
begin(FakeVirt *f, FakeOp op, const char *arg, GError **error)
{
    g_mutex_lock(&f->lock);
    apply_due(f);
    log_call(f, op, arg);
    return injected_failure(f, op, error);
}

static gboolean
end(FakeVirt *f, gboolean ok)
{
    g_cond_broadcast(&f->changed);
    g_mutex_unlock(&f->lock);
    return ok;
}

/* The ref names the fake's domain: by UUID when it has one, else by name,
 * as libvirt looks domains up. */
static gboolean
is_ours(FakeVirt *f, const XvmDomainRef *ref)
{
    if (ref->uuid)
        return f->uuid && g_ascii_strcasecmp(ref->uuid, f->uuid) == 0;
    return ref->name && strcmp(ref->name, f->name) == 0;
}

static gboolean
is_active_locked(FakeVirt *f)
{
    return f->found && f->state != VIR_DOMAIN_SHUTOFF;
}

/* ---- the ops ------------------------------------------------------------------ */

static gboolean
fake_connect(XvmVirt *v, const char *uri, gint64 timeout_ms, GError **error)
{
    FakeVirt *f = v->priv;

    g_assert_cmpint(timeout_ms, >, 0);
    if (begin(f, FAKE_OP_CONNECT, uri, error))
        return end(f, FALSE);
    return end(f, TRUE);
}

static char *
fake_uri(XvmVirt *v, GError **error)
{
    (void) v;
    (void) error;
    return g_strdup("qemu:///system");
}

static gboolean
fake_status(XvmVirt *v, const XvmDomainRef *ref, XvmDomainStatus *out, GError **error)
{
    FakeVirt *f = v->priv;

    xvm_domain_status_clear(out);
    if (begin(f, FAKE_OP_STATUS, ref->uuid ? ref->uuid : ref->name, error))
        return end(f, FALSE);
    if (is_ours(f, ref) && f->found) {
        out->found = TRUE;
        out->state = f->state;
        out->reason = f->reason;
        out->name = g_strdup(f->name);
        out->uuid = g_strdup(f->uuid);
    }
    return end(f, TRUE);
}

static gboolean
fake_marker(XvmVirt *v, const XvmDomainRef *ref, char **instance, GError **error)
{
    FakeVirt *f = v->priv;

    *instance = NULL;
    if (begin(f, FAKE_OP_MARKER, ref->uuid ? ref->uuid : ref->name, error))
        return end(f, FALSE);
    if (!is_ours(f, ref) || !f->found) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_NO_DOMAIN, "fake: no domain %s", ref->name);
        return end(f, FALSE);
    }
    *instance = g_strdup(f->marker);
    return end(f, TRUE);
}

static gboolean
fake_start_resources(XvmVirt *v, const char *uri, const char *const *pools,
                     const char *const *networks, GError **error)
{
    FakeVirt *f = v->priv;
    g_autofree char *pool_list = g_strjoinv(",", (char **) pools);
    g_autofree char *net_list = g_strjoinv(",", (char **) networks);
    g_autofree char *arg = g_strdup_printf("%s|%s|%s", uri ? uri : "", pool_list, net_list);

    if (begin(f, FAKE_OP_START_RESOURCES, arg, error))
        return end(f, FALSE);
    return end(f, TRUE);
}

static gboolean
fake_set_marker(XvmVirt *v, const XvmDomainRef *ref, const char *instance, GError **error)
{
    FakeVirt *f = v->priv;

    if (begin(f, FAKE_OP_SET_MARKER, instance, error))
        return end(f, FALSE);
    if (!is_ours(f, ref) || !is_active_locked(f)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_NO_DOMAIN, "fake: no domain %s", ref->name);
        return end(f, FALSE);
    }
    g_free(f->marker);
    f->marker = g_strdup(instance);
    return end(f, TRUE);
}

static gboolean
fake_list_active(XvmVirt *v, GPtrArray **domains, GError **error)
{
    FakeVirt *f = v->priv;

    *domains = NULL;
    if (begin(f, FAKE_OP_LIST_ACTIVE, NULL, error))
        return end(f, FALSE);
    *domains = g_ptr_array_new_with_free_func(xvm_active_domain_free);
    if (is_active_locked(f)) {
        XvmActiveDomain *d = g_new0(XvmActiveDomain, 1);

        d->name = g_strdup(f->name);
        d->uuid = g_strdup(f->uuid);
        d->marker = g_strdup(f->marker);
        g_ptr_array_add(*domains, d);
    }
    return end(f, TRUE);
}

static gboolean
fake_create(XvmVirt *v, const char *xml, gboolean persistent G_GNUC_UNUSED, GError **error)
{
    FakeVirt *f = v->priv;

    if (begin(f, FAKE_OP_CREATE, xml, error))
        return end(f, FALSE);
    react(f, FAKE_OP_CREATE, create_default);
    return end(f, TRUE);
}

static gboolean
fake_shutdown(XvmVirt *v, const XvmDomainRef *ref, guint modes G_GNUC_UNUSED, GError **error)
{
    FakeVirt *f = v->priv;

    if (begin(f, FAKE_OP_SHUTDOWN, ref->name, error))
        return end(f, FALSE);
    if (!is_ours(f, ref) || !f->found) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_NO_DOMAIN, "fake: no domain %s", ref->name);
        return end(f, FALSE);
    }
    react(f, FAKE_OP_SHUTDOWN, shutdown_default);
    return end(f, TRUE);
}

static gboolean
fake_destroy(XvmVirt *v, const XvmDomainRef *ref, GError **error)
{
    FakeVirt *f = v->priv;

    if (begin(f, FAKE_OP_DESTROY, ref->name, error))
        return end(f, FALSE);
    if (!is_ours(f, ref) || !f->found) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_NO_DOMAIN, "fake: no domain %s", ref->name);
        return end(f, FALSE);
    }
    react(f, FAKE_OP_DESTROY, gone_now);
    return end(f, TRUE);
}

static gboolean
fake_dump_xml(XvmVirt *v, const XvmDomainRef *ref, char **xml, GError **error)
{
    FakeVirt *f = v->priv;

    *xml = NULL;
    if (begin(f, FAKE_OP_DUMP_XML, ref->name, error))
        return end(f, FALSE);
    *xml = g_strdup_printf("<domain type='kvm'><name>%s</name><uuid>%s</uuid>"
                           "<description>saved by the fake</description></domain>\n",
                           f->name, f->uuid);
    return end(f, TRUE);
}

static gboolean
fake_sizing(XvmVirt *v, const XvmDomainRef *ref, XvmDomainSizing *out, GError **error)
{
    FakeVirt *f = v->priv;

    memset(out, 0, sizeof(*out));
    if (begin(f, FAKE_OP_SIZING, ref->uuid ? ref->uuid : ref->name, error))
        return end(f, FALSE);
    if (!is_ours(f, ref) || !f->found) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_NO_DOMAIN, "no domain %s", ref->name);
        return end(f, FALSE);
    }
    *out = f->sizing;
    return end(f, TRUE);
}

static void
mig_param_free(gpointer data)
{
    XvmMigParam *p = data;

    g_free(p->text);
    g_free(p);
}

/* The caller frees its parameters once the migration is over: keep a copy. */
static GPtrArray *
copy_params(const GPtrArray *params)
{
    GPtrArray *copy = g_ptr_array_new_with_free_func(mig_param_free);

    for (guint i = 0; params && i < params->len; i++) {
        const XvmMigParam *p = g_ptr_array_index(params, i);
        XvmMigParam *c = g_new0(XvmMigParam, 1);

        *c = *p;
        c->text = g_strdup(p->text);
        g_ptr_array_add(copy, c);
    }
    return copy;
}

static void
remember_migration(FakeVirt *f, const XvmMigration *m)
{
    g_free(f->last_dest_uri);
    g_free(f->last_data_uri);
    if (f->last_params)
        g_ptr_array_unref(f->last_params);
    f->last_dest_uri = g_strdup(m->dest_uri);
    f->last_data_uri = g_strdup(m->data_uri);
    f->last_params = copy_params(m->params);
    f->last_migration = *m;
    f->last_migration.dest_uri = f->last_dest_uri;
    f->last_migration.data_uri = f->last_data_uri;
    f->last_migration.params = f->last_params;
}

/* Blocks, lock held (released while waiting), until abort_job or until
 * the script lets it end (converged at a downtime, post-copy over). */
static gboolean
hang_until_aborted(FakeVirt *f, const XvmDomainRef *ref, GError **error)
{
    static const FakeStep postcopy_failed[] = {
        { 0, TRUE, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY_FAILED }, FAKE_END,
    };
    gint64 give_up = g_get_monotonic_time() + FAKE_HANG_SAFETY_US;

    while (!f->aborted && f->outcome == OUTCOME_NONE
           && g_cond_wait_until(&f->changed, &f->lock, give_up))
        ;
    if (f->outcome == OUTCOME_DONE) {
        react(f, FAKE_OP_MIGRATE, gone_now);
        return is_ours(f, ref);
    }
    if (f->outcome == OUTCOME_POSTCOPY_FAILED) {
        schedule_locked(f, postcopy_failed);
        g_set_error(error, XVM_ERROR, XVM_ERROR_MIGRATION,
                    "operation failed: job 'migration out' failed in post-copy phase");
        return FALSE;
    }
    if (f->aborted) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_MIGRATION,
                    "operation aborted: migration out job: canceled by client");
        return FALSE;
    }
    g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL,
                "fake: the hung migration was never aborted");
    return FALSE;
}

static gboolean
fake_migrate(XvmVirt *v, const XvmDomainRef *ref, const XvmMigration *m, GError **error)
{
    FakeVirt *f = v->priv;
    gboolean ok = FALSE;

    if (begin(f, FAKE_OP_MIGRATE, m->dest_uri, error))
        return end(f, FALSE);
    remember_migration(f, m);
    f->migrating = TRUE;
    f->aborted = FALSE;
    f->outcome = OUTCOME_NONE;
    f->postcopy_at_us = 0;
    f->migration_start_us = fake_clock_now();
    switch (f->migrate_mode) {
    case FAKE_MIGRATE_SUCCEEDS:
        react(f, FAKE_OP_MIGRATE, gone_now);
        ok = is_ours(f, ref);
        break;
    case FAKE_MIGRATE_FAILS:
        g_set_error(error, XVM_ERROR, XVM_ERROR_LIBVIRT,
                    "unable to connect to server at 'node2:49152': Connection refused");
        break;
    case FAKE_MIGRATE_HANGS:
        ok = hang_until_aborted(f, ref, error);
        break;
    }
    f->migrating = FALSE;
    return end(f, ok);
}

/* The scripted sample in force now. */
static FakeProgress
current_sample(FakeVirt *f)
{
    FakeProgress now = { 0, 100, 0, 0, 0, 0 };
    gint64 since_ms = (fake_clock_now() - f->migration_start_us) / 1000;

    for (guint i = 0; f->progress && i < f->progress->len; i++) {
        const FakeProgress *s = &g_array_index(f->progress, FakeProgress, i);

        if (s->after_ms <= since_ms)
            now = *s;
    }
    return now;
}

/* Post-copy ends by itself, some time after the switch. */
static void
settle_postcopy(FakeVirt *f)
{
    if (f->postcopy_at_us == 0 || f->outcome != OUTCOME_NONE
        || fake_clock_now() < f->postcopy_at_us + f->postcopy_done_us)
        return;
    f->outcome = f->postcopy_fails ? OUTCOME_POSTCOPY_FAILED : OUTCOME_DONE;
}

static gboolean
fake_job_progress(XvmVirt *v, const XvmDomainRef *ref, XvmJobProgress *out, GError **error)
{
    FakeVirt *f = v->priv;
    FakeProgress sample;

    memset(out, 0, sizeof(*out));
    if (begin(f, FAKE_OP_JOB_PROGRESS, ref->name, error))
        return end(f, FALSE);
    fake_clock_advance_us(f->progress_step_us);
    apply_due(f);
    settle_postcopy(f);
    sample = current_sample(f);
    out->active = f->migrating && f->outcome == OUTCOME_NONE;
    out->postcopy = f->postcopy_at_us != 0;
    out->data_total = 512 << 20;
    out->data_remaining = sample.remaining_mib << 20;
    out->dirty_rate_bps = sample.dirty_mibs << 20;
    out->transfer_bps = sample.transfer_mibs << 20;
    out->iteration = sample.iteration;
    out->throttle_percent = sample.throttle_percent;
    return end(f, TRUE);
}

static gboolean
fake_abort_job(XvmVirt *v, const XvmDomainRef *ref, GError **error)
{
    FakeVirt *f = v->priv;

    if (begin(f, FAKE_OP_ABORT_JOB, ref->name, error))
        return end(f, FALSE);
    if (!f->migrating) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_LIBVIRT, "fake: no job to abort");
        return end(f, FALSE);
    }
    if (f->postcopy_at_us) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_LIBVIRT,
                    "fake: cannot abort a migration in post-copy");
        return end(f, FALSE);
    }
    f->aborted = TRUE;
    return end(f, TRUE);
}

/* The definition the fake hands out (dump_xml) and saves (save). */
static char *
definition_locked(FakeVirt *f)
{
    return g_strdup_printf("<domain type='kvm'><name>%s</name><uuid>%s</uuid>"
                           "<description>saved by the fake</description></domain>\n",
                           f->name, f->uuid);
}

static gboolean
fake_save(XvmVirt *v, const XvmDomainRef *ref, const char *path, GError **error)
{
    FakeVirt *f = v->priv;
    g_autofree char *image = NULL;

    if (begin(f, FAKE_OP_SAVE, path, error))
        return end(f, FALSE);
    if (!is_ours(f, ref) || !is_active_locked(f)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_NO_DOMAIN, "fake: no domain %s", ref->name);
        return end(f, FALSE);
    }
    image = definition_locked(f);
    if (!g_file_set_contents(path, image, -1, NULL)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_LIBVIRT, "fake: cannot write %s", path);
        return end(f, FALSE);
    }
    react(f, FAKE_OP_SAVE, gone_now);
    return end(f, TRUE);
}

static gboolean
fake_set_max_downtime(XvmVirt *v, const XvmDomainRef *ref, guint64 downtime_ms,
                      GError **error)
{
    FakeVirt *f = v->priv;
    g_autofree char *arg = g_strdup_printf("%" G_GUINT64_FORMAT, downtime_ms);

    (void) ref;
    if (begin(f, FAKE_OP_SET_MAX_DOWNTIME, arg, error))
        return end(f, FALSE);
    if (!f->migrating) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_LIBVIRT, "fake: no migration");
        return end(f, FALSE);
    }
    if (f->converge_downtime_ms && downtime_ms >= f->converge_downtime_ms)
        f->outcome = OUTCOME_DONE;
    return end(f, TRUE);
}

static gboolean
fake_restore(XvmVirt *v, const char *path, const char *xml, GError **error)
{
    FakeVirt *f = v->priv;

    if (begin(f, FAKE_OP_RESTORE, xml, error))
        return end(f, FALSE);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_LIBVIRT, "fake: no state file %s", path);
        return end(f, FALSE);
    }
    react(f, FAKE_OP_RESTORE, create_default);
    return end(f, TRUE);
}

static gboolean
fake_saved_xml(XvmVirt *v, const char *path, char **xml, GError **error)
{
    FakeVirt *f = v->priv;

    *xml = NULL;
    if (begin(f, FAKE_OP_SAVED_XML, path, error))
        return end(f, FALSE);
    if (!g_file_get_contents(path, xml, NULL, NULL)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_LIBVIRT, "fake: cannot read %s", path);
        return end(f, FALSE);
    }
    return end(f, TRUE);
}

static gboolean
fake_start_postcopy(XvmVirt *v, const XvmDomainRef *ref, GError **error)
{
    FakeVirt *f = v->priv;

    if (begin(f, FAKE_OP_START_POSTCOPY, ref->name, error))
        return end(f, FALSE);
    if (!f->migrating || !(f->last_migration.extra_flags & VIR_MIGRATE_POSTCOPY)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_LIBVIRT,
                    "fake: post-copy was not enabled for this migration");
        return end(f, FALSE);
    }
    f->postcopy_at_us = fake_clock_now();
    return end(f, TRUE);
}

static void
copy_facts(XvmTargetFacts *to, const XvmTargetFacts *from)
{
    *to = *from;
    to->name_taken_by = g_strdup(from->name_taken_by);
    to->cpu_detail = g_strdup(from->cpu_detail);
    to->missing_disks = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; from->missing_disks && i < from->missing_disks->len; i++)
        g_ptr_array_add(to->missing_disks,
                        g_strdup(g_ptr_array_index(from->missing_disks, i)));
}

static gboolean
fake_inspect_target(XvmVirt *v, const XvmDomainRef *ref, const char *dest_uri,
                    gboolean check_disks, XvmTargetFacts *out, GError **error)
{
    FakeVirt *f = v->priv;

    (void) ref;
    memset(out, 0, sizeof(*out));
    if (begin(f, FAKE_OP_INSPECT_TARGET, dest_uri, error))
        return end(f, FALSE);
    copy_facts(out, &f->target);
    f->last_check_disks = check_disks;
    return end(f, TRUE);
}

/* Time passes until the next scripted change or the timeout, whichever is
 * first.  At least a microsecond: real waits always take some time, and a
 * caller polling with a 0 ms timeout must still see the clock move. */
/* The fake's changes come from its script, by time: waiting is time passing. */
static guint64
fake_event_count(XvmVirt *v G_GNUC_UNUSED)
{
    return 0;
}

static void
fake_wait_event(XvmVirt *v, guint64 seen G_GNUC_UNUSED, gint64 timeout_ms)
{
    FakeVirt *f = v->priv;
    gint64 now, until;

    g_mutex_lock(&f->lock);
    f->wait_events++;
    apply_due(f);
    now = fake_clock_now();
    until = now + MAX(timeout_ms, 0) * 1000;
    if (f->pending->len > 0)
        until = MIN(until, g_array_index(f->pending, Pending, 0).at_us);
    fake_clock_advance_to(MAX(until, now + 1));
    apply_due(f);
    g_mutex_unlock(&f->lock);
}

static void
fake_free(XvmVirt *v)
{
    FakeVirt *f = v->priv;

    for (guint i = 0; i < f->calls->len; i++)
        g_free(g_array_index(f->calls, Call, i).arg);
    g_array_unref(f->calls);
    g_array_unref(f->pending);
    for (int op = 0; op < FAKE_N_OPS; op++) {
        if (f->reactions[op])
            g_array_unref(f->reactions[op]);
    }
    g_free(f->name);
    g_free(f->uuid);
    g_free(f->marker);
    g_free(f->last_dest_uri);
    g_free(f->last_data_uri);
    if (f->last_params)
        g_ptr_array_unref(f->last_params);
    if (f->progress)
        g_array_unref(f->progress);
    xvm_target_facts_clear(&f->target);
    g_mutex_clear(&f->lock);
    g_cond_clear(&f->changed);
    g_free(f);
}

static const XvmVirtOps fake_ops = {
    .connect = fake_connect,
    .uri = fake_uri,
    .status = fake_status,
    .marker = fake_marker,
    .set_marker = fake_set_marker,
    .start_resources = fake_start_resources,
    .list_active = fake_list_active,
    .create = fake_create,
    .shutdown = fake_shutdown,
    .destroy = fake_destroy,
    .dump_xml = fake_dump_xml,
    .sizing = fake_sizing,
    .migrate = fake_migrate,
    .job_progress = fake_job_progress,
    .abort_job = fake_abort_job,
    .save = fake_save,
    .restore = fake_restore,
    .saved_xml = fake_saved_xml,
    .set_max_downtime = fake_set_max_downtime,
    .start_postcopy = fake_start_postcopy,
    .inspect_target = fake_inspect_target,
    .event_count = fake_event_count,
    .wait_event = fake_wait_event,
    .free = fake_free,
};

XvmVirt *
fake_virt_new(const char *name, const char *uuid)
{
    FakeVirt *f = g_new0(FakeVirt, 1);

    g_mutex_init(&f->lock);
    g_cond_init(&f->changed);
    f->name = g_strdup(name);
    f->uuid = g_strdup(uuid);
    f->pending = g_array_new(FALSE, FALSE, sizeof(Pending));
    f->calls = g_array_new(FALSE, FALSE, sizeof(Call));
    f->sizing.vcpus = 2;
    f->sizing.max_memory_kib = 1024 * 1024;
    return xvm_virt_new(&fake_ops, f);
}

/* ---- script setters ------------------------------------------------------------ */

void
fake_virt_set_state(FakeVirt *f, gboolean found, int state, int reason)
{
    g_mutex_lock(&f->lock);
    f->found = found;
    f->state = state;
    f->reason = reason;
    g_mutex_unlock(&f->lock);
}

void
fake_virt_set_sizing(FakeVirt *f, guint vcpus, guint64 max_memory_kib)
{
    g_mutex_lock(&f->lock);
    f->sizing.vcpus = vcpus;
    f->sizing.max_memory_kib = max_memory_kib;
    g_mutex_unlock(&f->lock);
}

void
fake_virt_set_uuid(FakeVirt *f, const char *uuid)
{
    g_mutex_lock(&f->lock);
    g_free(f->uuid);
    f->uuid = g_strdup(uuid);
    g_mutex_unlock(&f->lock);
}

void
fake_virt_schedule(FakeVirt *f, const FakeStep *steps)
{
    g_mutex_lock(&f->lock);
    schedule_locked(f, steps);
    g_mutex_unlock(&f->lock);
}

void
fake_virt_on_success(FakeVirt *f, FakeOp op, const FakeStep *steps)
{
    GArray *list = g_array_new(FALSE, FALSE, sizeof(FakeStep));
    const FakeStep *s = steps ? steps : nothing;

    for (; s->after_ms >= 0; s++)
        g_array_append_vals(list, s, 1);
    g_array_append_vals(list, nothing, 1);
    g_mutex_lock(&f->lock);
    if (f->reactions[op])
        g_array_unref(f->reactions[op]);
    f->reactions[op] = list;
    g_mutex_unlock(&f->lock);
}

void
fake_virt_fail(FakeVirt *f, FakeOp op, XvmErrorCode code, int times)
{
    g_mutex_lock(&f->lock);
    f->failures[op] = (Failure) { TRUE, code, times };
    g_mutex_unlock(&f->lock);
}

void
fake_virt_set_migrate(FakeVirt *f, FakeMigrateMode mode)
{
    g_mutex_lock(&f->lock);
    f->migrate_mode = mode;
    g_mutex_unlock(&f->lock);
}

void
fake_virt_set_progress_step(FakeVirt *f, gint64 ms)
{
    g_mutex_lock(&f->lock);
    f->progress_step_us = ms * 1000;
    g_mutex_unlock(&f->lock);
}

void
fake_virt_set_progress(FakeVirt *f, const FakeProgress *samples)
{
    GArray *list = g_array_new(FALSE, FALSE, sizeof(FakeProgress));

    for (const FakeProgress *s = samples; s->after_ms >= 0; s++)
        g_array_append_vals(list, s, 1);
    g_mutex_lock(&f->lock);
    if (f->progress)
        g_array_unref(f->progress);
    f->progress = list;
    g_mutex_unlock(&f->lock);
}

void
fake_virt_converge_at_downtime(FakeVirt *f, guint64 downtime_ms)
{
    g_mutex_lock(&f->lock);
    f->converge_downtime_ms = downtime_ms;
    g_mutex_unlock(&f->lock);
}

void
fake_virt_set_postcopy(FakeVirt *f, gint64 done_ms, gboolean fails)
{
    g_mutex_lock(&f->lock);
    f->postcopy_done_us = done_ms * 1000;
    f->postcopy_fails = fails;
    g_mutex_unlock(&f->lock);
}

void
fake_virt_set_target(FakeVirt *f, const XvmTargetFacts *facts)
{
    g_mutex_lock(&f->lock);
    xvm_target_facts_clear(&f->target);
    copy_facts(&f->target, facts);
    g_mutex_unlock(&f->lock);
}

void
fake_virt_set_marker(FakeVirt *f, const char *instance)
{
    g_mutex_lock(&f->lock);
    g_free(f->marker);
    f->marker = g_strdup(instance);
    g_mutex_unlock(&f->lock);
}

void
fake_virt_set_name(FakeVirt *f, const char *name)
{
    g_mutex_lock(&f->lock);
    g_free(f->name);
    f->name = g_strdup(name);
    g_mutex_unlock(&f->lock);
}

/* ---- the log --------------------------------------------------------------------- */

guint
fake_virt_count(FakeVirt *f, FakeOp op)
{
    guint n = 0;

    g_mutex_lock(&f->lock);
    for (guint i = 0; i < f->calls->len; i++)
        n += g_array_index(f->calls, Call, i).op == op;
    g_mutex_unlock(&f->lock);
    return n;
}

guint
fake_virt_count_all(FakeVirt *f)
{
    guint n;

    g_mutex_lock(&f->lock);
    n = f->calls->len;
    g_mutex_unlock(&f->lock);
    return n;
}

gint64
fake_virt_call_us(FakeVirt *f, FakeOp op, guint nth)
{
    gint64 at = -1;

    g_mutex_lock(&f->lock);
    for (guint i = 0; i < f->calls->len && at < 0; i++) {
        const Call *c = &g_array_index(f->calls, Call, i);

        if (c->op == op && nth-- == 0)
            at = c->at_us;
    }
    g_mutex_unlock(&f->lock);
    return at;
}

const char *
fake_virt_last_arg(FakeVirt *f, FakeOp op)
{
    const char *arg = NULL;

    g_mutex_lock(&f->lock);
    for (guint i = 0; i < f->calls->len; i++) {
        const Call *c = &g_array_index(f->calls, Call, i);

        if (c->op == op)
            arg = c->arg;
    }
    g_mutex_unlock(&f->lock);
    return arg;
}

const char *
fake_virt_arg(FakeVirt *f, FakeOp op, guint nth)
{
    const char *arg = NULL;

    g_mutex_lock(&f->lock);
    for (guint i = 0; i < f->calls->len && arg == NULL; i++) {
        const Call *c = &g_array_index(f->calls, Call, i);

        if (c->op == op && nth-- == 0)
            arg = c->arg;
    }
    g_mutex_unlock(&f->lock);
    return arg;
}

XvmMigration
fake_virt_last_migration(FakeVirt *f)
{
    XvmMigration m;

    g_mutex_lock(&f->lock);
    m = f->last_migration;
    g_mutex_unlock(&f->lock);
    return m;
}

guint
fake_virt_wait_events(FakeVirt *f)
{
    guint n;

    g_mutex_lock(&f->lock);
    n = f->wait_events;
    g_mutex_unlock(&f->lock);
    return n;
}

char *
fake_virt_log_text(FakeVirt *f)
{
    GString *text = g_string_new(NULL);

    g_mutex_lock(&f->lock);
    for (guint i = 0; i < f->calls->len; i++) {
        const Call *c = &g_array_index(f->calls, Call, i);
        const char *arg = c->arg ? c->arg : "";

        /* XML is long: its first line is enough to tell the call. */
        g_string_append_printf(text, "  %+.3f s %s %.*s\n",
                               (c->at_us - FAKE_CLOCK_START_US) / 1e6, fake_op_name(c->op),
                               (int) strcspn(arg, "\n"), arg);
    }
    g_string_append_printf(text, "  (%u wait_event calls)\n", f->wait_events);
    g_mutex_unlock(&f->lock);
    return g_string_free(text, FALSE);
}
