/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Strict parsing of numbers from argv and files: the whole string must be
 * consumed, no sign surprises, no silent wrap-around. All return 0 or -EINVAL
 * (syntax) / -ERANGE (outside [min, max]).
 */
#ifndef HV_PARSE_H
#define HV_PARSE_H

#include <stdint.h>

/* Decimal, 0x hex or 0 octal ("auto" base, like strtoull(..., 0)). */
int hv_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int hv_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
int hv_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Decimal only: ids, counts and domids where a leading 0 is not octal. */
int hv_parse_dec(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Sizes: a number with an optional binary suffix K, M, G, T (also KiB, MiB...,
 * and k). "4096", "64K", "1GiB". Overflow of number * multiplier is -ERANGE.
 */
int hv_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Durations: seconds with optional fraction ("2", "0.5") or a suffix ms, s,
 * m, h. Result in milliseconds.
 */
int hv_parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out_ms);

/* Formats bytes as "4K", "1.5M" into buf; returns buf. */
char *hv_format_size(uint64_t bytes, char *buf, unsigned long buflen);

#endif
