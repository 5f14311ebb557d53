/* Time budgets.  Pacemaker SIGKILLs an agent at its timeout with no warning,
 * so every wait is bounded by a deadline the agent sets itself, a little
 * before that. */
#pragma once

#include <glib.h>

/* Monotonic microseconds; injectable so that tests run instantly. */
typedef gint64 (*XvmNowFunc)(void);

typedef struct {
    XvmNowFunc now;
    gint64 end_us;
} XvmDeadline;

/* The part of an action's timeout kept back to report and exit in time. */
gint64 xvm_exit_margin_ms(gint64 timeout_ms);

/* A deadline budget_ms from now. */
void xvm_deadline_init(XvmDeadline *deadline, gint64 budget_ms, XvmNowFunc now);
gint64 xvm_deadline_remaining_ms(const XvmDeadline *deadline);
gboolean xvm_deadline_passed(const XvmDeadline *deadline);
/* A deadline that ends share_ms earlier than parent (never before now). */
XvmDeadline xvm_deadline_before(const XvmDeadline *parent, gint64 share_ms);

typedef struct {
    gint64 graceful_ms;      /* time for the guest to shut down */
    gint64 destroy_ms;       /* kept back for destroy */
    gboolean trimmed;        /* shutdown_timeout was cut to leave destroy its reserve */
} XvmStopBudget;

/* Splits the usable stop time: destroy keeps max(10 s, 15 %), but never more
 * than half; shutdown_timeout_s < 0 means "all the rest". */
XvmStopBudget xvm_stop_budget(gint64 usable_ms, gint64 shutdown_timeout_s,
                              gboolean force_stop);

/* How long before the migrate_to deadline a running migration is aborted, so
 * that libvirt has time to cancel it and resume the guest on the source. */
gint64 xvm_migration_abort_reserve_ms(gint64 usable_ms);
