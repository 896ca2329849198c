// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Numbers, sizes and durations come straight from argv: every parser must
 * either fail cleanly or return a value that re-parses identically.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[64], again[32];
	uint64_t v, w;
	int64_t i;
	bool b;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (hv_parse_u64(s, 0, UINT64_MAX, &v) == 0) {
		snprintf(again, sizeof(again), "%llu", (unsigned long long)v);
		if (hv_parse_u64(again, 0, UINT64_MAX, &w) || w != v)
			abort();
	}
	if (hv_parse_dec(s, 10, 1000, &v) == 0 && (v < 10 || v > 1000))
		abort();
	if (hv_parse_i64(s, -5, 5, &i) == 0 && (i < -5 || i > 5))
		abort();
	if (hv_parse_size(s, 0, UINT64_MAX, &v) == 0) {
		snprintf(again, sizeof(again), "%llu", (unsigned long long)v);
		if (hv_parse_size(again, 0, UINT64_MAX, &w) || w != v)
			abort();
	}
	if (hv_parse_duration_ms(s, 86400000, &v) == 0 && v > 86400000)
		abort();
	hv_parse_bool(s, &b);
	hv_format_size(size * 1234567, again, sizeof(again));
	return 0;
}
