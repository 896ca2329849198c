// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hv_deadline_ms and hv_poll_ms: what poll() gets for no deadline, a
 * deadline ahead, one passed, and one further than an int reaches.
 */
#include <limits.h>
#include <stdint.h>

#include "clock.h"
#include "unit.h"

int main(void)
{
	struct unit u = {0};
	int64_t d;
	int left;

	CHECK(&u, hv_deadline_ms(-1) == -1, "a negative timeout is no deadline");
	CHECK(&u, hv_poll_ms(-1) == -1, "no deadline: poll waits for ever (-1)");
	d = hv_deadline_ms(5000);
	left = hv_poll_ms(d);
	CHECK(&u, left > 4000 && left <= 5000, "5 s ahead: up to 5000 ms left (%d)", left);
	d = hv_deadline_ms(0);
	CHECK(&u, hv_poll_ms(d) == 0, "a timeout of 0: nothing left, poll does not wait");
	CHECK(&u, hv_poll_ms(d - 1000) == 0, "a deadline passed: 0, never negative");
	d = hv_deadline_ms((int64_t)INT_MAX * 4);
	CHECK(&u, hv_poll_ms(d) == INT_MAX, "further than an int reaches: INT_MAX");
	return unit_done(&u);
}
