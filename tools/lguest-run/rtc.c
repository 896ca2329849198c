// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CMOS real-time clock at 0x70/0x71, reading the host's UTC time. The
 * stock kernel reads it at boot and waits for the update-in-progress flag:
 * with no RTC there it stalls for seconds. The clock never updates
 * (UIP is always clear); writes to the time registers are ignored and the
 * rest of the 128 bytes is plain CMOS RAM.
 */
#include <string.h>
#include <time.h>

#include "lguest-run.h"

enum {
	RTC_SECONDS = 0x00,
	RTC_MINUTES = 0x02,
	RTC_HOURS = 0x04,
	RTC_WDAY = 0x06,
	RTC_MDAY = 0x07,
	RTC_MONTH = 0x08,
	RTC_YEAR = 0x09,
	RTC_REG_A = 0x0a,
	RTC_REG_B = 0x0b,
	RTC_REG_C = 0x0c,
	RTC_REG_D = 0x0d,
	RTC_CENTURY = 0x32,
	REG_B_DM_BINARY = 0x04,
	REG_B_24H = 0x02,
};

void lg_rtc_init(struct lg *lg)
{
	memset(lg->rtc.ram, 0, sizeof(lg->rtc.ram));
	lg->rtc.ram[RTC_REG_A] = 0x26; /* 32.768 kHz base, 1024 Hz rate */
	lg->rtc.ram[RTC_REG_B] = REG_B_24H;
	lg->rtc.ram[RTC_REG_D] = 0x80; /* battery good */
}

static uint8_t enc(const struct lg_rtc *r, unsigned v)
{
	if (r->ram[RTC_REG_B] & REG_B_DM_BINARY)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t time_reg(const struct lg_rtc *r, unsigned idx)
{
	time_t now = time(NULL);
	struct tm tm;
	unsigned h;

	gmtime_r(&now, &tm);
	switch (idx) {
	case RTC_SECONDS:
		return enc(r, tm.tm_sec);
	case RTC_MINUTES:
		return enc(r, tm.tm_min);
	case RTC_HOURS:
		if (r->ram[RTC_REG_B] & REG_B_24H)
			return enc(r, tm.tm_hour);
		h = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
		return enc(r, h) | (tm.tm_hour >= 12 ? 0x80 : 0);
	case RTC_WDAY:
		return enc(r, tm.tm_wday + 1);
	case RTC_MDAY:
		return enc(r, tm.tm_mday);
	case RTC_MONTH:
		return enc(r, tm.tm_mon + 1);
	case RTC_YEAR:
		return enc(r, tm.tm_year % 100);
	default: /* RTC_CENTURY */
		return enc(r, (tm.tm_year + 1900) / 100);
	}
}

void lg_rtc_io(struct lg *lg, uint16_t port, bool write, uint8_t *val)
{
	struct lg_rtc *r = &lg->rtc;
	unsigned idx = r->index;

	if (port == 0x70) {
		/* Bit 7 is the NMI mask, not part of the index. */
		if (write)
			r->index = *val & 0x7f;
		else
			*val = 0xff;
		return;
	}
	if (write) {
		if (idx > RTC_YEAR && idx != RTC_REG_C && idx != RTC_REG_D && idx != RTC_CENTURY)
			r->ram[idx] = (idx == RTC_REG_A) ? (*val & 0x7f) : *val;
		return;
	}
	if (idx <= RTC_YEAR || idx == RTC_CENTURY) {
		/* The alarm registers (odd indexes below 6) are plain RAM. */
		if (idx == 1 || idx == 3 || idx == 5)
			*val = r->ram[idx];
		else
			*val = time_reg(r, idx);
	} else {
		*val = r->ram[idx];
	}
}
