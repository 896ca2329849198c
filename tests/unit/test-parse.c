// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdint.h>

#include "parse.h"
#include "unit.h"

int main(void)
{
	struct unit u = {0};
	uint64_t v = 0;
	uint32_t v32 = 0;
	int64_t i = 0;
	char buf[32];

	CHECK(&u, hv_parse_u64("42", 0, 100, &v) == 0 && v == 42, "u64 decimal");
	CHECK(&u, hv_parse_u64("0x1f", 0, 100, &v) == 0 && v == 31, "u64 hex");
	CHECK(&u, hv_parse_u64("", 0, 100, &v) == -EINVAL, "u64 empty is EINVAL");
	CHECK(&u, hv_parse_u64("12abc", 0, 100, &v) == -EINVAL, "u64 trailing garbage");
	CHECK(&u, hv_parse_u64("-1", 0, UINT64_MAX, &v) == -EINVAL, "u64 negative rejected");
	CHECK(&u, hv_parse_u64(" 1", 0, 100, &v) == -EINVAL, "u64 leading space rejected");
	CHECK(&u, hv_parse_u64("101", 0, 100, &v) == -ERANGE, "u64 above max");
	CHECK(&u, hv_parse_u64("99999999999999999999", 0, UINT64_MAX, &v) == -ERANGE,
	      "u64 overflow");
	CHECK(&u, hv_parse_u64("18446744073709551615", 0, UINT64_MAX, &v) == 0 && v == UINT64_MAX,
	      "u64 max value");
	CHECK(&u, hv_parse_u32("4294967296", 0, UINT32_MAX, &v32) == -ERANGE, "u32 overflow");
	CHECK(&u, hv_parse_dec("010", 0, 100, &v) == 0 && v == 10, "dec ignores leading zero");
	CHECK(&u, hv_parse_dec("0x10", 0, 100, &v) == -EINVAL, "dec rejects hex");
	CHECK(&u, hv_parse_i64("-5", -10, 10, &i) == 0 && i == -5, "i64 negative");
	CHECK(&u, hv_parse_i64("-11", -10, 10, &i) == -ERANGE, "i64 below min");

	CHECK(&u, hv_parse_size("4096", 0, UINT64_MAX, &v) == 0 && v == 4096, "size plain");
	CHECK(&u, hv_parse_size("64K", 0, UINT64_MAX, &v) == 0 && v == 65536, "size K");
	CHECK(&u, hv_parse_size("1GiB", 0, UINT64_MAX, &v) == 0 && v == 1ULL << 30, "size GiB");
	CHECK(&u, hv_parse_size("2m", 0, UINT64_MAX, &v) == 0 && v == 2ULL << 20, "size lower m");
	CHECK(&u, hv_parse_size("3MB", 0, UINT64_MAX, &v) == 0 && v == 3ULL << 20, "size MB");
	CHECK(&u, hv_parse_size("1X", 0, UINT64_MAX, &v) == -EINVAL, "size bad suffix");
	CHECK(&u, hv_parse_size("1KX", 0, UINT64_MAX, &v) == -EINVAL, "size garbage after suffix");
	CHECK(&u, hv_parse_size("-1K", 0, UINT64_MAX, &v) == -EINVAL, "size negative");
	CHECK(&u, hv_parse_size("20000000T", 0, UINT64_MAX, &v) == -ERANGE,
	      "size multiply overflow");
	CHECK(&u, hv_parse_size("2G", 0, 1ULL << 30, &v) == -ERANGE, "size above max");

	CHECK(&u, hv_parse_duration_ms("2", UINT64_MAX, &v) == 0 && v == 2000, "duration s");
	CHECK(&u, hv_parse_duration_ms("0.5", UINT64_MAX, &v) == 0 && v == 500, "duration frac");
	CHECK(&u, hv_parse_duration_ms("1.2345", UINT64_MAX, &v) == 0 && v == 1234,
	      "duration ms resolution");
	CHECK(&u, hv_parse_duration_ms("250ms", UINT64_MAX, &v) == 0 && v == 250, "duration ms");
	CHECK(&u, hv_parse_duration_ms("2m", UINT64_MAX, &v) == 0 && v == 120000, "duration m");
	CHECK(&u, hv_parse_duration_ms("1.", UINT64_MAX, &v) == -EINVAL, "duration dangling dot");
	CHECK(&u, hv_parse_duration_ms("5x", UINT64_MAX, &v) == -EINVAL, "duration bad unit");
	CHECK(&u, hv_parse_duration_ms("10", 5000, &v) == -ERANGE, "duration above max");

	CHECK(&u, !strcmp(hv_format_size(4096, buf, sizeof(buf)), "4K"), "format 4K");
	CHECK(&u, !strcmp(hv_format_size(1536 * 1024, buf, sizeof(buf)), "1.5M"), "format 1.5M");
	CHECK(&u, !strcmp(hv_format_size(100, buf, sizeof(buf)), "100"), "format bytes");
	return unit_done(&u);
}
