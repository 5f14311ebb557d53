/* Deadlines and time budgets on an injected clock.  Pacemaker SIGKILLs the
 * agent at its timeout with no warning (ocf-contract 5.4), so every share
 * of that time is arithmetic worth pinning down. */
#include <glib.h>

#include "xvm-deadline.h"

#include "fake-clock.h"
#include "test-util.h"

#define MS 1000   /* µs per ms */

static void
test_remaining_and_passed(void)
{
    XvmDeadline d;

    fake_clock_reset();
    xvm_deadline_init(&d, 1000, fake_clock_now);
    g_assert_cmpint(d.end_us, ==, FAKE_CLOCK_START_US + 1000 * MS);
    g_assert_cmpint(xvm_deadline_remaining_ms(&d), ==, 1000);
    g_assert_false(xvm_deadline_passed(&d));

    fake_clock_advance_us(400 * MS);
    g_assert_cmpint(xvm_deadline_remaining_ms(&d), ==, 600);
    g_assert_false(xvm_deadline_passed(&d));

    /* Less than a millisecond left: 0 ms remain, yet not passed. */
    fake_clock_advance_us(600 * MS - 1);
    g_assert_cmpint(xvm_deadline_remaining_ms(&d), ==, 0);
    g_assert_false(xvm_deadline_passed(&d));

    /* The end itself counts as passed. */
    fake_clock_advance_us(1);
    g_assert_true(xvm_deadline_passed(&d));
    g_assert_cmpint(xvm_deadline_remaining_ms(&d), ==, 0);

    /* Never negative afterwards. */
    fake_clock_advance_us(5000 * MS);
    g_assert_cmpint(xvm_deadline_remaining_ms(&d), ==, 0);
    g_assert_true(xvm_deadline_passed(&d));
}

/* A budget already spent (the exit margin larger than the timeout) is a
 * deadline that has passed, not one in the past by a negative amount. */
static void
test_negative_budget(void)
{
    XvmDeadline d;

    fake_clock_reset();
    xvm_deadline_init(&d, -500, fake_clock_now);
    g_assert_cmpint(d.end_us, ==, FAKE_CLOCK_START_US);
    g_assert_true(xvm_deadline_passed(&d));
    g_assert_cmpint(xvm_deadline_remaining_ms(&d), ==, 0);
}

/* NULL means the real monotonic clock. */
static void
test_real_clock(void)
{
    XvmDeadline d;
    gint64 before = g_get_monotonic_time();

    xvm_deadline_init(&d, 60000, NULL);
    g_assert_true(d.now == g_get_monotonic_time);
    g_assert_cmpint(d.end_us, >=, before + 60000 * MS);
    g_assert_cmpint(xvm_deadline_remaining_ms(&d), <=, 60000);
    g_assert_cmpint(xvm_deadline_remaining_ms(&d), >, 59000);
}

typedef struct {
    const char *path;
    gint64 budget_ms;
    gint64 elapsed_ms;      /* clock moved before the child is made */
    gint64 share_ms;
    gint64 child_remaining_ms;
} BeforeCase;

static const BeforeCase before_cases[] = {
    { "/xvm/deadline/before/share", 10000, 0, 3000, 7000 },
    { "/xvm/deadline/before/after-elapsed", 10000, 4000, 3000, 3000 },
    { "/xvm/deadline/before/zero-share", 10000, 0, 0, 10000 },
    /* A share larger than what is left: the child ends now, never earlier. */
    { "/xvm/deadline/before/share-too-large", 10000, 8000, 3000, 0 },
    { "/xvm/deadline/before/parent-passed", 10000, 12000, 1000, 0 },
};

static void
test_before(gconstpointer data)
{
    const BeforeCase *c = data;
    XvmDeadline parent, child;
    gint64 made_at;

    fake_clock_reset();
    xvm_deadline_init(&parent, c->budget_ms, fake_clock_now);
    fake_clock_advance_us(c->elapsed_ms * MS);
    made_at = fake_clock_now();
    child = xvm_deadline_before(&parent, c->share_ms);
    g_assert_true(child.now == parent.now);
    g_assert_cmpint(xvm_deadline_remaining_ms(&child), ==, c->child_remaining_ms);
    g_assert_cmpint(child.end_us, >=, made_at);
    g_assert_cmpint(child.end_us, <=, parent.end_us > made_at ? parent.end_us : made_at);
    /* The parent is untouched. */
    g_assert_cmpint(parent.end_us, ==, FAKE_CLOCK_START_US + c->budget_ms * MS);
}

/* ---- xvm_stop_budget -------------------------------------------------------- */

typedef struct {
    const char *path;
    gint64 usable_ms;
    gint64 shutdown_timeout_s;
    gboolean force_stop;
    gint64 graceful_ms;
    gint64 destroy_ms;
    gboolean trimmed;
} BudgetCase;

/* Destroy keeps max(10 s, 15 %) but never more than half; shutdown_timeout
 * can shorten the graceful part, never eat the reserve (meta-data of
 * shutdown_timeout; VirtualDomain's 5 s for destroy is the pain point,
 * peers.md). */
static const BudgetCase budget_cases[] = {
    /* 15 % of 90 s is 13.5 s, more than 10 s: destroy keeps 15 %. */
    { "/xvm/deadline/stop-budget/90s", 90000, -1, FALSE, 76500, 13500, FALSE },
    /* What stop really has with the meta-data default: 90 s less 2 s margin. */
    { "/xvm/deadline/stop-budget/88s", 88000, -1, FALSE, 74800, 13200, FALSE },
    /* 20 s: the 10 s minimum reserve is exactly half. */
    { "/xvm/deadline/stop-budget/20s", 20000, -1, FALSE, 10000, 10000, FALSE },
    /* 16 s: 10 s would be more than half; capped at 8 s. */
    { "/xvm/deadline/stop-budget/16s-capped-at-half", 16000, -1, FALSE, 8000, 8000, FALSE },
    /* 60 s: 15 % is 9 s, so the 10 s minimum applies. */
    { "/xvm/deadline/stop-budget/60s-minimum-reserve", 60000, -1, FALSE, 50000, 10000, FALSE },
    { "/xvm/deadline/stop-budget/force-stop", 90000, -1, TRUE, 0, 90000, FALSE },
    { "/xvm/deadline/stop-budget/force-stop-wins", 90000, 30, TRUE, 0, 90000, FALSE },
    { "/xvm/deadline/stop-budget/shutdown-timeout-0", 90000, 0, FALSE, 0, 90000, FALSE },
    { "/xvm/deadline/stop-budget/shutdown-timeout-fits", 90000, 60, FALSE, 60000, 30000,
      FALSE },
    { "/xvm/deadline/stop-budget/shutdown-timeout-exact", 90000, 76, FALSE, 76000, 14000,
      FALSE },
    /* 80 s would leave destroy 10 s < 13.5 s: trimmed, with a warning. */
    { "/xvm/deadline/stop-budget/shutdown-timeout-trimmed", 90000, 80, FALSE, 76500, 13500,
      TRUE },
    { "/xvm/deadline/stop-budget/shutdown-timeout-24h", 90000, 86400, FALSE, 76500, 13500,
      TRUE },
    /* Seconds times 1000 would overflow (signed: undefined, and once a
     * negative graceful share). */
    { "/xvm/deadline/stop-budget/shutdown-timeout-overflow", 90000, G_MAXINT64 / 1000 + 1,
      FALSE, 76500, 13500, TRUE },
    /* Small and degenerate budgets still split cleanly. */
    { "/xvm/deadline/stop-budget/1s", 1000, -1, FALSE, 500, 500, FALSE },
    { "/xvm/deadline/stop-budget/1ms", 1, -1, FALSE, 1, 0, FALSE },
    { "/xvm/deadline/stop-budget/zero", 0, -1, FALSE, 0, 0, FALSE },
    { "/xvm/deadline/stop-budget/negative", -5000, -1, FALSE, 0, 0, FALSE },
    { "/xvm/deadline/stop-budget/small-with-timeout", 4000, 3, FALSE, 2000, 2000, TRUE },
};

static void
test_stop_budget(gconstpointer data)
{
    const BudgetCase *c = data;
    XvmStopBudget b = xvm_stop_budget(c->usable_ms, c->shutdown_timeout_s, c->force_stop);

    g_assert_cmpint(b.graceful_ms, ==, c->graceful_ms);
    g_assert_cmpint(b.destroy_ms, ==, c->destroy_ms);
    g_assert_cmpint(b.trimmed, ==, c->trimmed);
    /* Invariants: nothing negative, nothing beyond what is usable. */
    g_assert_cmpint(b.graceful_ms, >=, 0);
    g_assert_cmpint(b.destroy_ms, >=, 0);
    g_assert_cmpint(b.graceful_ms + b.destroy_ms, ==, MAX(c->usable_ms, 0));
}

/* ---- margins ------------------------------------------------------------------- */

typedef struct {
    const char *path;
    gint64 in_ms;
    gint64 out_ms;
} MarginCase;

/* 5 % of the timeout, between 0.5 s and 2 s: enough to write the exit
 * reason and exit, not so much that short timeouts lose their meaning. */
static const MarginCase exit_margin_cases[] = {
    { "/xvm/deadline/exit-margin/zero", 0, 500 },
    { "/xvm/deadline/exit-margin/5s", 5000, 500 },
    { "/xvm/deadline/exit-margin/10s", 10000, 500 },
    { "/xvm/deadline/exit-margin/20s", 20000, 1000 },
    { "/xvm/deadline/exit-margin/30s", 30000, 1500 },
    { "/xvm/deadline/exit-margin/40s", 40000, 2000 },
    { "/xvm/deadline/exit-margin/90s", 90000, 2000 },
    { "/xvm/deadline/exit-margin/24h", (gint64) 24 * 3600 * 1000, 2000 },
};

static void
test_exit_margin(gconstpointer data)
{
    const MarginCase *c = data;

    g_assert_cmpint(xvm_exit_margin_ms(c->in_ms), ==, c->out_ms);
}

/* 10 % of migrate_to's usable time, between 3 s and 15 s: libvirt needs a
 * moment to cancel a migration and resume the guest on the source. */
static const MarginCase abort_reserve_cases[] = {
    { "/xvm/deadline/abort-reserve/zero", 0, 3000 },
    { "/xvm/deadline/abort-reserve/10s", 10000, 3000 },
    { "/xvm/deadline/abort-reserve/30s", 30000, 3000 },
    { "/xvm/deadline/abort-reserve/60s", 60000, 6000 },
    /* The meta-data default: 120 s less the 2 s exit margin. */
    { "/xvm/deadline/abort-reserve/118s", 118000, 11800 },
    { "/xvm/deadline/abort-reserve/150s", 150000, 15000 },
    { "/xvm/deadline/abort-reserve/1h", 3600000, 15000 },
};

static void
test_abort_reserve(gconstpointer data)
{
    const MarginCase *c = data;

    g_assert_cmpint(xvm_migration_abort_reserve_ms(c->in_ms), ==, c->out_ms);
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    g_test_add_func("/xvm/deadline/remaining-and-passed", test_remaining_and_passed);
    g_test_add_func("/xvm/deadline/negative-budget", test_negative_budget);
    g_test_add_func("/xvm/deadline/real-clock", test_real_clock);
    for (gsize i = 0; i < G_N_ELEMENTS(before_cases); i++)
        g_test_add_data_func(before_cases[i].path, &before_cases[i], test_before);
    for (gsize i = 0; i < G_N_ELEMENTS(budget_cases); i++)
        g_test_add_data_func(budget_cases[i].path, &budget_cases[i], test_stop_budget);
    for (gsize i = 0; i < G_N_ELEMENTS(exit_margin_cases); i++)
        g_test_add_data_func(exit_margin_cases[i].path, &exit_margin_cases[i],
                             test_exit_margin);
    for (gsize i = 0; i < G_N_ELEMENTS(abort_reserve_cases); i++)
        g_test_add_data_func(abort_reserve_cases[i].path, &abort_reserve_cases[i],
                             test_abort_reserve);
    return g_test_run();
}
