// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The syntax of DEV arguments. Strict: every character is accounted for,
 * every field is range-checked, so "01:00.0x" or "1:32.0" never silently
 * names some other device.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vfio-bind.h"

/* Up to maxdigits hex digits; returns the count consumed, 0 if none. */
static size_t hex_field(const char *s, size_t maxdigits, uint64_t *val)
{
	size_t i = 0;

	*val = 0;
	while (i < maxdigits + 1 && isxdigit((unsigned char)s[i])) {
		int c = tolower((unsigned char)s[i]);

		*val = *val * 16 + (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
		i++;
	}
	return i;
}

int vb_parse_pci_addr(const char *s, struct vb_pciaddr *a)
{
	uint64_t f[4];
	size_t n, nf = 0;
	const char *p = s;

	/* Fields: [domain:]bus:dev.fn; collect the colon-separated ones first. */
	for (;;) {
		n = hex_field(p, 8, &f[nf]);
		if (n == 0 || n > 8)
			return -EINVAL;
		p += n;
		nf++;
		if (*p == ':' && nf < 3) {
			p++;
			continue;
		}
		break;
	}
	if (*p != '.' || (nf != 2 && nf != 3))
		return -EINVAL;
	p++;
	n = hex_field(p, 1, &f[nf]);
	if (n != 1 || p[1] != '\0')
		return -EINVAL;
	if (nf == 2) {
		/* Short form: the domain is 0, as lspci prints it. */
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

void vb_format_pci_addr(const struct vb_pciaddr *a, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", a->domain, a->bus, a->dev, a->fn);
}

int vb_parse_ids(const char *s, uint16_t *vendor, uint16_t *device)
{
	uint64_t v, d;

	if (hex_field(s, 4, &v) != 4 || s[4] != ':')
		return -EINVAL;
	if (hex_field(s + 5, 4, &d) != 4 || s[9] != '\0')
		return -EINVAL;
	*vendor = (uint16_t)v;
	*device = (uint16_t)d;
	return 0;
}

bool vb_looks_like_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}
