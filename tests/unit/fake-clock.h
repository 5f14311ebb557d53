/* A monotonic clock the tests move by hand, injected as XvmNowFunc, so that
 * timeouts of minutes are checked in microseconds of real time. */
#pragma once

#include <glib.h>

/* Where every test starts: not 0, so that code which confuses "a time" with
 * "a duration" shows up. */
#define FAKE_CLOCK_START_US ((gint64) 1000 * G_USEC_PER_SEC)

void fake_clock_reset(void);
gint64 fake_clock_now(void);
void fake_clock_advance_us(gint64 us);
/* Moves to at_us if that is later than now. */
void fake_clock_advance_to(gint64 at_us);
