// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

static int parse_unsigned(const char *s, int base, uint64_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull accepts leading space and '-' (wrapping); we do not. */
	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int hv_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int rc = parse_unsigned(s, 0, &v);

	if (rc)
		return rc;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int hv_parse_dec(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int rc = parse_unsigned(s, 10, &v);

	if (rc)
		return rc;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int hv_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int rc = hv_parse_u64(s, min, max, &v);

	if (!rc)
		*out = (uint32_t)v;
	return rc;
}

int hv_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	long long v;
	char *end;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int size_multiplier(const char *suffix, uint64_t *mult)
{
	static const struct {
		char c;
		unsigned int shift;
	} units[] = {{'K', 10}, {'M', 20}, {'G', 30}, {'T', 40}};

	if (!*suffix) {
		*mult = 1;
		return 0;
	}
	if (!strcasecmp(suffix, "B")) {
		*mult = 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (toupper((unsigned char)suffix[0]) != units[i].c)
			continue;
		if (suffix[1] && strcasecmp(suffix + 1, "iB") && strcasecmp(suffix + 1, "B"))
			return -EINVAL;
		*mult = 1ULL << units[i].shift;
		return 0;
	}
	return -EINVAL;
}

int hv_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	uint64_t mult;
	char *end;
	int rc;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	/* Base 10 only, or "0x10M" would be ambiguous and "010K" octal. */
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	rc = size_multiplier(end, &mult);
	if (rc)
		return rc;
	if (mult > 1 && v > UINT64_MAX / mult)
		return -ERANGE;
	v *= mult;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int hv_parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out_ms)
{
	uint64_t whole = 0, frac = 0, frac_div = 1, mult = 1000, ms;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (whole > (UINT64_MAX - d) / 10)
			return -ERANGE;
		whole = whole * 10 + d;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		/* Milliseconds are the resolution: further digits are dropped. */
		for (; isdigit((unsigned char)*p); p++) {
			if (frac_div < 1000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_div *= 10;
			}
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
	/* Both the whole part and the fraction added to it may overflow (found by fuzz-parse). */
	if (whole > UINT64_MAX / mult || whole * mult > UINT64_MAX - frac * mult / frac_div)
		return -ERANGE;
	ms = whole * mult + frac * mult / frac_div;
	if (ms > max_ms)
		return -ERANGE;
	*out_ms = ms;
	return 0;
}

char *hv_format_size(uint64_t bytes, char *buf, unsigned long buflen)
{
	static const char units[] = "BKMGTPE";
	unsigned int u = 0;
	uint64_t v = bytes, rem = 0;

	while (v >= 1024 && u < sizeof(units) - 2) {
		rem = v % 1024;
		v /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, buflen, "%llu", (unsigned long long)bytes);
	else if (rem)
		snprintf(buf, buflen, "%llu.%llu%c", (unsigned long long)v,
			 (unsigned long long)(rem * 10 / 1024), units[u]);
	else
		snprintf(buf, buflen, "%llu%c", (unsigned long long)v, units[u]);
	return buf;
}
