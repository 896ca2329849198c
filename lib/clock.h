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
 * Sleeps ns (ms) in full: a signal whose handler returns does not cut the
 * sleep short. Callers that must wake up on a signal poll a signalfd.
 */
void hv_sleep_ns(uint64_t ns);
void hv_sleep_ms(uint64_t ms);

#endif
