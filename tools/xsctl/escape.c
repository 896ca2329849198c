// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Value escaping as Xen's clients do it, in a file of its own: it is a pure
 * function over untrusted bytes, linked by the fuzz harness as it is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xsctl.h"

void xsctl_escape(FILE *out, const char *val, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)val[i];

		if (c >= ' ' && c <= '~' && c != '\\') {
			fputc(c, out);
			continue;
		}
		switch (c) {
		case '\t':
			fputs("\\t", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		default:
			/* Xen's clients write octal below 8, hex above. */
			if (c < 010)
				fprintf(out, "\\%03o", c);
			else
				fprintf(out, "\\x%02x", c);
		}
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int xsctl_unescape(const char *in, char **out, size_t *len)
{
	char *o = malloc(strlen(in) + 1), *op = o;
	const char *ip = in;

	if (!o)
		return -ENOMEM;
	while (*ip) {
		unsigned int v;
		int d, k;

		if (*ip != '\\') {
			*op++ = *ip++;
			continue;
		}
		ip++;
		switch (*ip) {
		case '\0':
			free(o);
			return -EINVAL;
		case 't':
			*op++ = '\t';
			ip++;
			break;
		case 'n':
			*op++ = '\n';
			ip++;
			break;
		case 'r':
			*op++ = '\r';
			ip++;
			break;
		case 'x':
			/* One or two hex digits; "\x" alone is an 'x', as in Xen. */
			ip++;
			v = 0;
			for (k = 0; k < 2 && (d = hexval(*ip)) >= 0; k++, ip++)
				v = v * 16 + (unsigned int)d;
			*op++ = k ? (char)v : 'x';
			break;
		case '0' ... '7':
			v = 0;
			for (k = 0; k < 3 && *ip >= '0' && *ip <= '7'; k++, ip++)
				v = v * 8 + (unsigned int)(*ip - '0');
			*op++ = (char)v;
			break;
		default:
			/* \\ and any other escaped character stand for themselves. */
			*op++ = *ip++;
			break;
		}
	}
	*op = '\0';
	*out = o;
	*len = (size_t)(op - o);
	return 0;
}
