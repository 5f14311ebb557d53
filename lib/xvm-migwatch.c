#include "xvm-migwatch.h"

/* Remaining data must drop by this share of its lowest value to count as
 * progress: pre-copy's remaining data swings with every pass over memory,
 * and a lucky low sample must not keep a stuck migration going. */
#define IMPROVEMENT_PERCENT 5
#define STEP_MIN_US (2 * G_USEC_PER_SEC)
#define STEP_MAX_US (10 * G_USEC_PER_SEC)
/* Post-copy must send what is left before the deadline: estimated at half
 * the pre-copy rate (at least 1 MiB/s), plus the switch itself. */
#define POSTCOPY_MARGIN_US (5 * G_USEC_PER_SEC)
#define RATE_FLOOR_BPS ((guint64) 1 << 20)
#define MIB ((guint64) 1 << 20)

guint64
xvm_migwatch_initial_downtime_ms(guint64 migration_downtime_ms)
{
    if (migration_downtime_ms > 0 && migration_downtime_ms < XVM_DOWNTIME_DEFAULT_MS)
        return migration_downtime_ms;
    return XVM_DOWNTIME_DEFAULT_MS;
}

void
xvm_migwatch_init(XvmMigwatch *w, gboolean live, gboolean postcopy_allowed,
                  gint64 progress_timeout_s, guint64 migration_downtime_ms, gint64 now_us,
                  gint64 abort_at_us, gint64 deadline_us)
{
    *w = (XvmMigwatch) { 0 };
    w->live = live;
    w->postcopy_allowed = live && postcopy_allowed;
    w->progress_timeout_us = MAX(progress_timeout_s, 1) * G_USEC_PER_SEC;
    w->step_us = CLAMP(w->progress_timeout_us / 4, STEP_MIN_US, STEP_MAX_US);
    w->downtime_ms = xvm_migwatch_initial_downtime_ms(migration_downtime_ms);
    w->downtime_cap_ms = migration_downtime_ms ? MAX(migration_downtime_ms, w->downtime_ms)
                                               : XVM_DOWNTIME_CAP_DEFAULT_MS;
    w->abort_at_us = abort_at_us;
    w->deadline_us = deadline_us;
    w->best_at_us = now_us;
    w->stage_at_us = now_us;
}

void
xvm_migwatch_clear(XvmMigwatch *w)
{
    g_clear_pointer(&w->reason, g_free);
}

/* Doubling from the limit in force, jumping to where QEMU's own estimate
 * of the final pause says it would converge, never past the cap. */
static guint64
ladder_next_ms(const XvmMigwatch *w)
{
    guint64 next = w->downtime_ms * 2;

    while (next < w->last.expected_downtime_ms && next < w->downtime_cap_ms)
        next *= 2;
    return MIN(next, w->downtime_cap_ms);
}

static guint
ladder_steps_left(const XvmMigwatch *w)
{
    guint steps = 0;

    for (guint64 d = w->downtime_ms; d < w->downtime_cap_ms; d *= 2)
        steps++;
    return steps;
}

static gint64
postcopy_need_us(const XvmMigwatch *w)
{
    guint64 rate = MAX(w->last.transfer_bps / 2, RATE_FLOOR_BPS);

    return (gint64) ((double) w->last.data_remaining / rate * G_USEC_PER_SEC)
           + POSTCOPY_MARGIN_US;
}

static gboolean
postcopy_fits(const XvmMigwatch *w, gint64 now_us)
{
    return w->postcopy_allowed && now_us + postcopy_need_us(w) <= w->deadline_us;
}

/* The last moment post-copy can still finish in time is near. */
static gboolean
postcopy_last_chance(const XvmMigwatch *w, gint64 now_us)
{
    return postcopy_fits(w, now_us) && now_us + postcopy_need_us(w) + w->step_us
                                           > w->deadline_us;
}

static void
note_progress(XvmMigwatch *w, const XvmJobProgress *p, gint64 now_us)
{
    guint64 remaining = p->data_remaining;

    if (w->best_remaining == 0
        || remaining < w->best_remaining - w->best_remaining * IMPROVEMENT_PERCENT / 100) {
        w->best_remaining = remaining;
        w->best_at_us = now_us;
    }
}

static XvmMigwatchStep
abort_because(XvmMigwatch *w, const char *format, ...) G_GNUC_PRINTF(2, 3);

static XvmMigwatchStep
abort_because(XvmMigwatch *w, const char *format, ...)
{
    va_list args;

    g_free(w->reason);
    va_start(args, format);
    w->reason = g_strdup_vprintf(format, args);
    va_end(args);
    return XVM_MIGWATCH_ABORT;
}

/* Stalled (or short of time): the next rung, post-copy, or abort. */
static XvmMigwatchStep
escalate(XvmMigwatch *w, gint64 now_us, gint64 stalled_us)
{
    if (w->downtime_ms < w->downtime_cap_ms) {
        w->downtime_next_ms = ladder_next_ms(w);
        return XVM_MIGWATCH_RAISE_DOWNTIME;
    }
    if (postcopy_fits(w, now_us))
        return XVM_MIGWATCH_START_POSTCOPY;
    if (stalled_us < w->progress_timeout_us)
        return XVM_MIGWATCH_WAIT;
    return abort_because(w, "no progress for %" G_GINT64_FORMAT " s at downtime %"
                         G_GUINT64_FORMAT " ms%s", stalled_us / G_USEC_PER_SEC,
                         w->downtime_ms, w->postcopy_allowed
                                         ? ", too late for post-copy" : "");
}

XvmMigwatchStep
xvm_migwatch_next(XvmMigwatch *w, const XvmJobProgress *p, gint64 now_us)
{
    gint64 since, stalled_us, period;
    gboolean hurry;

    if (p && p->active) {
        w->last = *p;
        w->peak_throttle_percent = MAX(w->peak_throttle_percent, p->throttle_percent);
    }
    if (w->postcopy)
        return XVM_MIGWATCH_WAIT;
    if (now_us >= w->abort_at_us)
        return abort_because(w, "not done before the timeout");
    if (!w->live || p == NULL || !p->active || p->postcopy || p->data_total == 0)
        return XVM_MIGWATCH_WAIT;
    note_progress(w, p, now_us);
    since = MAX(w->best_at_us, w->stage_at_us);
    stalled_us = now_us - since;
    if (stalled_us >= w->step_us && postcopy_last_chance(w, now_us))
        return XVM_MIGWATCH_START_POSTCOPY;
    period = w->escalations == 0 ? w->progress_timeout_us : w->step_us;
    /* Short of time: the rungs left come one a step apart. */
    hurry = now_us - w->stage_at_us >= w->step_us
            && w->abort_at_us - now_us
               <= (gint64) (ladder_steps_left(w) + w->postcopy_allowed) * w->step_us;
    if (stalled_us < period && !hurry)
        return XVM_MIGWATCH_WAIT;
    return escalate(w, now_us, stalled_us);
}

void
xvm_migwatch_done(XvmMigwatch *w, XvmMigwatchStep step, gboolean ok, gint64 now_us)
{
    switch (step) {
    case XVM_MIGWATCH_RAISE_DOWNTIME:
        /* Failed or not, this rung is behind us: the next is higher. */
        w->downtime_ms = w->downtime_next_ms;
        break;
    case XVM_MIGWATCH_START_POSTCOPY:
        if (ok) {
            w->postcopy = TRUE;
            w->postcopy_at_us = now_us;
        } else {
            w->postcopy_allowed = FALSE;
        }
        break;
    case XVM_MIGWATCH_WAIT:
    case XVM_MIGWATCH_ABORT:
        return;
    }
    w->escalations++;
    w->stage_at_us = now_us;
    w->best_remaining = w->last.data_remaining;
    w->best_at_us = now_us;
}

char *
xvm_migwatch_figures(const XvmMigwatch *w)
{
    const XvmJobProgress *p = &w->last;

    return g_strdup_printf("%" G_GUINT64_FORMAT " MiB left of %" G_GUINT64_FORMAT
                           " MiB, dirtied %" G_GUINT64_FORMAT " MiB/s, copied %"
                           G_GUINT64_FORMAT " MiB/s, pass %" G_GUINT64_FORMAT ", throttle %"
                           G_GUINT64_FORMAT "%%", p->data_remaining / MIB,
                           p->data_total / MIB, p->dirty_rate_bps / MIB,
                           p->transfer_bps / MIB, p->iteration, p->throttle_percent);
}

gint64
xvm_migwatch_wait_until_us(const XvmMigwatch *w)
{
    return w->postcopy ? w->deadline_us : w->abort_at_us;
}
