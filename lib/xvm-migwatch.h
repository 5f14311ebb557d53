/* The progress watch of a live migration: from the job's statistics and the
 * time, the next step.  Pure: xvm-migrate.c reads the statistics, acts and
 * logs.
 *
 * A migration that stops converging (remaining data not 5 % lower for
 * progress_timeout) escalates, one step at a time:
 *   1. the allowed downtime is raised along a ladder (300 ms, doubling, up
 *      to migration_downtime, or 2 s when that is 0), a step every
 *      progress_timeout / 4 (2 to 10 s) while it still does not converge;
 *   2. then, when allowed, post-copy, if the rest can still be sent before
 *      the deadline;
 *   3. then, after one more progress_timeout without progress, abort: the
 *      guest keeps running on the source.
 * Near the deadline the steps come faster, post-copy comes while it can
 * still finish in time, and at the abort point (the abort reserve before
 * the deadline) the migration is aborted whatever its state, unless it is
 * in post-copy, which cannot be undone. */
#pragma once

#include <glib.h>

#include "xvm-virt.h"

/* QEMU's own default for the longest final pause. */
#define XVM_DOWNTIME_DEFAULT_MS 300
/* The top of the ladder when migration_downtime is 0. */
#define XVM_DOWNTIME_CAP_DEFAULT_MS 2000

typedef enum {
    XVM_MIGWATCH_WAIT,
    XVM_MIGWATCH_RAISE_DOWNTIME,    /* to downtime_next_ms */
    XVM_MIGWATCH_START_POSTCOPY,
    XVM_MIGWATCH_ABORT,             /* reason says why */
} XvmMigwatchStep;

typedef struct {
    /* Settings. */
    gboolean live;
    gboolean postcopy_allowed;
    gint64 progress_timeout_us;
    gint64 step_us;                 /* between two later escalations */
    guint64 downtime_cap_ms;
    gint64 abort_at_us;             /* abort point */
    gint64 deadline_us;             /* the action's deadline */
    /* State. */
    guint64 downtime_ms;            /* the limit in force */
    guint64 downtime_next_ms;       /* XVM_MIGWATCH_RAISE_DOWNTIME's target */
    guint64 best_remaining;         /* lowest remaining data seen (0: none yet) */
    gint64 best_at_us;
    gint64 stage_at_us;             /* start, or the last escalation */
    guint escalations;
    gboolean postcopy;              /* switched to post-copy */
    gint64 postcopy_at_us;
    XvmJobProgress last;            /* the last statistics read */
    guint64 peak_throttle_percent;
    char *reason;                   /* why XVM_MIGWATCH_ABORT */
} XvmMigwatch;

/* The downtime to set before the migration starts: 300 ms, or
 * migration_downtime when that is lower (0: libvirt's default). */
guint64 xvm_migwatch_initial_downtime_ms(guint64 migration_downtime_ms);

void xvm_migwatch_init(XvmMigwatch *w, gboolean live, gboolean postcopy_allowed,
                       gint64 progress_timeout_s, guint64 migration_downtime_ms,
                       gint64 now_us, gint64 abort_at_us, gint64 deadline_us);
void xvm_migwatch_clear(XvmMigwatch *w);

/* The next step, given the job's statistics (NULL: none could be read). */
XvmMigwatchStep xvm_migwatch_next(XvmMigwatch *w, const XvmJobProgress *p, gint64 now_us);

/* The step was done (or failed: post-copy is then no longer tried). */
void xvm_migwatch_done(XvmMigwatch *w, XvmMigwatchStep step, gboolean ok, gint64 now_us);

/* "45 MiB left of 128 MiB, dirtied 60 MiB/s, copied 16 MiB/s, pass 12,
 * throttle 40%": the figures of the last statistics. */
char *xvm_migwatch_figures(const XvmMigwatch *w);

/* Whether the action should still wait for the job: until the abort point,
 * or once in post-copy (which cannot be aborted) until the deadline. */
gint64 xvm_migwatch_wait_until_us(const XvmMigwatch *w);
