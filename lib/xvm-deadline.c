#include "xvm-deadline.h"

#define XVM_DESTROY_RESERVE_MIN_MS 10000
#define XVM_DESTROY_RESERVE_PERCENT 15

gint64
xvm_exit_margin_ms(gint64 timeout_ms)
{
    return CLAMP(timeout_ms / 20, 500, 2000);
}

void
xvm_deadline_init(XvmDeadline *deadline, gint64 budget_ms, XvmNowFunc now)
{
    deadline->now = now ? now : g_get_monotonic_time;
    deadline->end_us = deadline->now() + MAX(budget_ms, 0) * 1000;
}

gint64
xvm_deadline_remaining_ms(const XvmDeadline *deadline)
{
    gint64 left_us = deadline->end_us - deadline->now();

    return left_us > 0 ? left_us / 1000 : 0;
}

gboolean
xvm_deadline_passed(const XvmDeadline *deadline)
{
    return deadline->now() >= deadline->end_us;
}

XvmDeadline
xvm_deadline_before(const XvmDeadline *parent, gint64 share_ms)
{
    XvmDeadline child = *parent;
    gint64 now = parent->now();

    child.end_us = MAX(parent->end_us - share_ms * 1000, now);
    return child;
}

XvmStopBudget
xvm_stop_budget(gint64 usable_ms, gint64 shutdown_timeout_s, gboolean force_stop)
{
    XvmStopBudget budget = { 0 };
    gint64 reserve = MAX(XVM_DESTROY_RESERVE_MIN_MS,
                         usable_ms * XVM_DESTROY_RESERVE_PERCENT / 100);
    gint64 graceful_max;

    usable_ms = MAX(usable_ms, 0);
    reserve = MIN(reserve, usable_ms / 2);
    graceful_max = usable_ms - reserve;
    if (force_stop || shutdown_timeout_s == 0) {
        budget.destroy_ms = usable_ms;
        return budget;
    }
    budget.graceful_ms = graceful_max;
    /* Compared in seconds: a huge shutdown_timeout must not overflow. */
    if (shutdown_timeout_s > 0 && shutdown_timeout_s <= graceful_max / 1000)
        budget.graceful_ms = shutdown_timeout_s * 1000;
    else if (shutdown_timeout_s > 0)
        budget.trimmed = TRUE;
    budget.destroy_ms = usable_ms - budget.graceful_ms;
    return budget;
}

gint64
xvm_migration_abort_reserve_ms(gint64 usable_ms)
{
    return CLAMP(usable_ms / 10, 3000, 15000);
}
