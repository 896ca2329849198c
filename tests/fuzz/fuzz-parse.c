// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/parse: numbers, sizes, durations and booleans come from argv, files
 * and sysfs. Every entry point must either reject the text or return
 * exactly the value an independent reference computes (128-bit arithmetic,
 * no wrap-around), and formatted values must parse back.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "parse.h"
#include "sysfs.h"

typedef unsigned __int128 u128;

/* Decimal digits at s into *v (saturating above 2^64); returns the count. */
static size_t ref_digits(const char *s, u128 *v)
{
	size_t n = 0;

	*v = 0;
	for (; isdigit((unsigned char)s[n]); n++)
		if (*v <= UINT64_MAX)
			*v = *v * 10 + (unsigned)(s[n] - '0');
	return n;
}

/* The duration grammar of parse.h, computed without overflow. */
static int ref_duration(const char *s, u128 *ms)
{
	u128 whole, frac = 0, div = 1, mult;
	size_t n = ref_digits(s, &whole);
	const char *p = s + n;

	if (!n)
		return -EINVAL;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++)
			if (div < 1000) {
				frac = frac * 10 + (unsigned)(*p - '0');
				div *= 10;
			}
	}
	if (!*p || !strcmp(p, "s"))
		mult = 1000;
	else if (!strcmp(p, "ms"))
		mult = 1;
	else if (!strcmp(p, "m"))
		mult = 60000;
	else if (!strcmp(p, "h"))
		mult = 3600000;
	else
		return -EINVAL;
	*ms = whole * mult + frac * mult / div;
	return 0;
}

static void check_unsigned(const char *s)
{
	uint64_t v, w;
	uint32_t u;
	char again[32];
	int rc = hv_parse_u64(s, 0, UINT64_MAX, &v);

	if (!rc) {
		/* No sign, no blank, the whole text: a clean number re-parses to itself. */
		FUZZ_CHECK(*s && !isspace((unsigned char)*s) && *s != '-' && *s != '+');
		snprintf(again, sizeof(again), "%" PRIu64, v);
		FUZZ_CHECK(!hv_parse_u64(again, 0, UINT64_MAX, &w) && w == v);
		FUZZ_CHECK(!hv_parse_dec(again, 0, UINT64_MAX, &w) && w == v);
		snprintf(again, sizeof(again), "0x%" PRIx64, v);
		FUZZ_CHECK(!hv_parse_u64(again, 0, UINT64_MAX, &w) && w == v);
		/* Range limits are inclusive and exact. */
		FUZZ_CHECK(!hv_parse_u64(s, v, v, &w) && w == v);
		if (v)
			FUZZ_CHECK(hv_parse_u64(s, 0, v - 1, &w) == -ERANGE);
		rc = hv_parse_u32(s, 0, UINT32_MAX, &u);
		FUZZ_CHECK(v > UINT32_MAX ? rc == -ERANGE : !rc && u == v);
	}
	rc = hv_parse_dec(s, 10, 1000, &v);
	FUZZ_CHECK(rc || (v >= 10 && v <= 1000));
	if (!rc)
		for (const char *p = s; *p; p++)
			FUZZ_CHECK(isdigit((unsigned char)*p));
}

static void check_signed(const char *s)
{
	int64_t i, j;
	char again[32];

	if (!hv_parse_i64(s, INT64_MIN, INT64_MAX, &i)) {
		snprintf(again, sizeof(again), "%" PRId64, i);
		FUZZ_CHECK(!hv_parse_i64(again, INT64_MIN, INT64_MAX, &j) && j == i);
		FUZZ_CHECK(hv_parse_i64(s, i, i, &j) == 0 && j == i);
	}
	if (!hv_parse_i64(s, -5, 5, &i))
		FUZZ_CHECK(i >= -5 && i <= 5);
}

static void check_size(const char *s)
{
	uint64_t v, w;
	char again[32];
	u128 ref;
	size_t n;

	if (hv_parse_size(s, 0, UINT64_MAX, &v))
		return;
	/* Digits, then nothing or a unit; the value is digits << unit. */
	n = ref_digits(s, &ref);
	FUZZ_CHECK(n > 0);
	switch (toupper((unsigned char)s[n])) {
	case '\0':
	case 'B':
		break;
	case 'K':
		ref <<= 10;
		break;
	case 'M':
		ref <<= 20;
		break;
	case 'G':
		ref <<= 30;
		break;
	case 'T':
		ref <<= 40;
		break;
	default:
		FUZZ_CHECK(0);
	}
	FUZZ_CHECK(ref == v);
	snprintf(again, sizeof(again), "%" PRIu64, v);
	FUZZ_CHECK(!hv_parse_size(again, 0, UINT64_MAX, &w) && w == v);
}

static void check_duration(const char *s)
{
	uint64_t v;
	u128 ref;
	int rc = hv_parse_duration_ms(s, UINT64_MAX, &v), rrc = ref_duration(s, &ref);

	/* Accepted means the grammar matched and the value did not wrap. */
	if (!rc)
		FUZZ_CHECK(!rrc && ref == v);
	else if (rc == -EINVAL)
		FUZZ_CHECK(rrc == -EINVAL);
	else /* too many digits may be noticed before a bad suffix */
		FUZZ_CHECK(rc == -ERANGE && (rrc == -EINVAL || ref > UINT64_MAX));
	if (!rrc && ref <= UINT64_MAX)
		FUZZ_CHECK(!rc);
	if (!hv_parse_duration_ms(s, 86400000, &v))
		FUZZ_CHECK(v <= 86400000);
}

static void check_sysfs(const char *s)
{
	char buf[80];
	uint64_t v, w;

	if (strlen(s) >= sizeof(buf))
		return;
	strcpy(buf, s);
	if (!hv_sysfs_parse_number(buf, true, &v)) {
		/* What the kernel writes for that value reads back the same. */
		snprintf(buf, sizeof(buf), "0x%06" PRIx64 "\n", v);
		FUZZ_CHECK(!hv_sysfs_parse_number(buf, true, &w) && w == v);
		snprintf(buf, sizeof(buf), "%" PRIx64 "\n", v);
		FUZZ_CHECK(!hv_sysfs_parse_number(buf, true, &w) && w == v);
	}
	strcpy(buf, s);
	if (!hv_sysfs_parse_number(buf, false, &v)) {
		snprintf(buf, sizeof(buf), "%" PRIu64 "\n", v);
		FUZZ_CHECK(!hv_sysfs_parse_number(buf, false, &w) && w == v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[96], out[32];
	uint64_t v;

	/* Arguments are C strings: what follows a NUL never reaches a parser. */
	if (size >= sizeof(s) || memchr(data, '\0', size))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	check_unsigned(s);
	check_signed(s);
	check_size(s);
	check_duration(s);
	check_sysfs(s);

	/* The formatter: any value, a short NUL-terminated string, a number first. */
	v = 0;
	memcpy(&v, data, size < sizeof(v) ? size : sizeof(v));
	hv_format_size(v, out, sizeof(out));
	FUZZ_CHECK(strlen(out) < sizeof(out) && isdigit((unsigned char)out[0]));
	hv_format_size(v, out, 4);
	FUZZ_CHECK(strlen(out) < 4);
	return 0;
}
