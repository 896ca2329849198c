// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <time.h>

#include "clock.h"

uint64_t hv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t hv_now_ms(void)
{
	return hv_now_ns() / 1000000ULL;
}

int64_t hv_deadline_ms(int64_t timeout_ms)
{
	return timeout_ms < 0 ? -1 : (int64_t)hv_now_ms() + timeout_ms;
}

int hv_poll_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - (int64_t)hv_now_ms();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

void hv_sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL)};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void hv_sleep_ms(uint64_t ms)
{
	hv_sleep_ns(ms * 1000000ULL);
}
