#include "fake-clock.h"

/* Read from the agent's worker threads too (a stop's shutdown job, a
 * migration), hence the lock. */
static GMutex clock_lock;
static gint64 clock_now_us = FAKE_CLOCK_START_US;

void
fake_clock_reset(void)
{
    g_mutex_lock(&clock_lock);
    clock_now_us = FAKE_CLOCK_START_US;
    g_mutex_unlock(&clock_lock);
}

gint64
fake_clock_now(void)
{
    gint64 now;

    g_mutex_lock(&clock_lock);
    now = clock_now_us;
    g_mutex_unlock(&clock_lock);
    return now;
}

void
fake_clock_advance_us(gint64 us)
{
    g_assert_cmpint(us, >=, 0);   /* monotonic: never backwards */
    g_mutex_lock(&clock_lock);
    clock_now_us += us;
    g_mutex_unlock(&clock_lock);
}

void
fake_clock_advance_to(gint64 at_us)
{
    g_mutex_lock(&clock_lock);
    clock_now_us = MAX(clock_now_us, at_us);
    g_mutex_unlock(&clock_lock);
}
