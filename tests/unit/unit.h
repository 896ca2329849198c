/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny TAP producer for lib/ unit tests: each CHECK is one test point,
 * so tests/run-all counts them like bats results.
 */
#ifndef HV_UNIT_H
#define HV_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit {
	int n;
	int failed;
};

#define CHECK(u, cond, ...)                                                                        \
	do {                                                                                       \
		int ok_ = !!(cond);                                                                \
		(u)->n++;                                                                          \
		if (!ok_)                                                                          \
			(u)->failed++;                                                             \
		printf("%s %d - ", ok_ ? "ok" : "not ok", (u)->n);                                 \
		printf(__VA_ARGS__);                                                               \
		if (!ok_)                                                                          \
			printf("  [%s at %s:%d]", #cond, __FILE__, __LINE__);                      \
		printf("\n");                                                                      \
	} while (0)
#define HV_UNIT_STR2(x) #x
#define HV_UNIT_STR(x)	HV_UNIT_STR2(x)

static inline int unit_done(struct unit *u)
{
	printf("1..%d\n", u->n);
	return u->failed ? 1 : 0;
}

#endif
