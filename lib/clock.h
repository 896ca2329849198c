/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monotonic clock and sleeps, for timeouts, deadlines and polls: the
 * wall clock jumps (NTP, date -s), CLOCK_MONOTONIC does not.
 */
#ifndef HV_CLOCK_H
#define HV_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds and in milliseconds. */
uint64_t hv_now_ns(void);
uint64_t hv_now_ms(void);

/*
 * Deadlines for poll(): hv_deadline_ms(timeout_ms) is the monotonic time
 * timeout_ms from now, or -1 (none) for a negative timeout_ms.
 * hv_poll_ms(deadline) is poll()'s timeout until then: -1 without a
 * deadline, 0 once it has passed, at most INT_MAX.
 */
int64_t hv_deadline_ms(int64_t timeout_ms);
int hv_poll_ms(int64_t deadline);

/*
 * Sleeps ns (ms) in full: a signal whose handler returns does not cut the
 * sleep short. Callers that must wake up on a signal poll a signalfd.
 */
void hv_sleep_ns(uint64_t ns);
void hv_sleep_ms(uint64_t ms);

#endif
