// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-bind's text parsers: DEV arguments (PCI addresses, vendor:device ids,
 * mdev UUIDs) and the state record restore reads back from /run. Each must
 * accept exactly the documented syntax (an independent reading of it here),
 * and an accepted address must format to the canonical sysfs name that
 * parses back to the same device.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vfio-bind.h"

/* 1..max hex digits at *p; advances *p. */
static bool hex_run(const char **p, size_t max, uint64_t *v)
{
	size_t n = 0;

	*v = 0;
	while (isxdigit((unsigned char)(*p)[n])) {
		if (n < 16)
			*v = *v * 16 + (uint64_t)(isdigit((unsigned char)(*p)[n])
						      ? (*p)[n] - '0'
						      : tolower((unsigned char)(*p)[n]) - 'a' + 10);
		n++;
	}
	*p += n;
	return n >= 1 && n <= max;
}

/* [domain:]bus:dev.fn: 0 ok, -EINVAL syntax, -ERANGE a field too large. */
static int ref_addr(const char *s, struct vb_pciaddr *a)
{
	uint64_t f[4];
	const char *p = s;
	int nf = 0;

	for (;;) {
		if (!hex_run(&p, 8, &f[nf]))
			return -EINVAL;
		nf++;
		if (*p == ':' && nf < 3) {
			p++;
			continue;
		}
		break;
	}
	if (*p != '.' || nf < 2)
		return -EINVAL;
	p++;
	if (!isxdigit((unsigned char)p[0]) || p[1])
		return -EINVAL;
	if (!hex_run(&p, 1, &f[nf]))
		return -EINVAL;
	if (nf == 2) {
		f[3] = f[2];
		f[2] = f[1];
		f[1] = f[0];
		f[0] = 0;
	}
	if (f[0] > 0xffff || f[1] > 0xff || f[2] > 0x1f || f[3] > 7)
		return -ERANGE;
	a->domain = (uint32_t)f[0];
	a->bus = (uint8_t)f[1];
	a->dev = (uint8_t)f[2];
	a->fn = (uint8_t)f[3];
	return 0;
}

static void check_addr(const char *s)
{
	struct vb_pciaddr a, r, b;
	char name[VB_NAME_MAX];
	int rc = vb_parse_pci_addr(s, &a), rrc = ref_addr(s, &r);

	FUZZ_CHECK(rc == rrc);
	if (rc)
		return;
	FUZZ_CHECK(a.domain == r.domain && a.bus == r.bus && a.dev == r.dev && a.fn == r.fn);
	vb_format_pci_addr(&a, name, sizeof(name));
	FUZZ_CHECK(strlen(name) == 12 && name[4] == ':' && name[7] == ':' && name[10] == '.');
	FUZZ_CHECK(!vb_parse_pci_addr(name, &b));
	FUZZ_CHECK(b.domain == a.domain && b.bus == a.bus && b.dev == a.dev && b.fn == a.fn);
}

static void check_ids(const char *s)
{
	uint16_t v, d;
	bool ok = strlen(s) == 9 && s[4] == ':';

	for (int i = 0; ok && i < 9; i++)
		ok = i == 4 || isxdigit((unsigned char)s[i]);
	FUZZ_CHECK(ok == !vb_parse_ids(s, &v, &d));
	if (ok)
		FUZZ_CHECK(v == strtoul(s, NULL, 16) && d == strtoul(s + 5, NULL, 16));
}

static void check_uuid(const char *s)
{
	bool ok = strlen(s) == 36;

	for (int i = 0; ok && i < 36; i++)
		ok = (i == 8 || i == 13 || i == 18 || i == 23) ? s[i] == '-'
							       : isxdigit((unsigned char)s[i]);
	FUZZ_CHECK(ok == vb_looks_like_uuid(s));
}

/* The record: non-empty lines KEY=NAME, NAME a driver name, one "driver". */
static void check_record(const char *s)
{
	char *buf = strdup(s), *copy = strdup(s), *line, *save = NULL;
	char driver[VB_NAME_MAX], override[VB_NAME_MAX];
	char want_d[VB_NAME_MAX] = "", want_o[VB_NAME_MAX] = "";
	bool ok = true, have = false;
	int rc;

	FUZZ_CHECK(buf && copy);
	rc = vb_record_parse(buf, driver, override);
	for (line = strtok_r(copy, "\n", &save); ok && line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq || !vb_valid_driver_name(eq + 1)) {
			ok = false;
			break;
		}
		*eq = '\0';
		if (!strcmp(line, "driver")) {
			snprintf(want_d, sizeof(want_d), "%s", eq + 1);
			have = true;
		} else if (!strcmp(line, "override")) {
			snprintf(want_o, sizeof(want_o), "%s", eq + 1);
		}
	}
	FUZZ_CHECK((ok && have) == !rc);
	if (!rc)
		FUZZ_CHECK(!strcmp(driver, want_d) && !strcmp(override, want_o));
	free(buf);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (memchr(data, '\0', size))
		return 0;
	s = malloc(size + 1);
	FUZZ_CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	check_addr(s);
	check_ids(s);
	check_uuid(s);
	check_record(s);
	/* A driver name the check accepts fits every VB_NAME_MAX buffer with its NUL. */
	if (vb_valid_driver_name(s))
		FUZZ_CHECK(size < VB_NAME_MAX);
	free(s);
	return 0;
}
