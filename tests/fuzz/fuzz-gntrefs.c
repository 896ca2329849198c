// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gntshare map --refs-from: the grant references another domain published
 * in XenStore (tools/gntshare/refs.c). Input: the "count" value on the
 * first line, then one chunk node's value per line, read in order as
 * gs_read_published does until count refs are in. The refs must be exactly
 * the blank-separated decimal numbers below 2^32 of the chunks, every chunk
 * non-empty, never more than count.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gntshare.h"

#define MAX_COUNT 4096

/* The reference reading: 0 and the refs, or -1 (any rejection). */
static int ref_read(char **chunks, int nchunks, uint32_t n, uint32_t *out)
{
	uint32_t got = 0;

	for (int c = 0; got < n; c++) {
		const char *p;
		bool any = false;

		if (c == nchunks)
			return -1; /* the next chunk node does not exist */
		for (p = chunks[c]; *p;) {
			unsigned __int128 v = 0;
			size_t len = 0;

			if (*p == ' ') {
				p++;
				continue;
			}
			for (; p[len] && p[len] != ' '; len++) {
				if (!isdigit((unsigned char)p[len]))
					return -1;
				if (v <= UINT32_MAX)
					v = v * 10 + (unsigned)(p[len] - '0');
			}
			if (v > UINT32_MAX || got >= n)
				return -1;
			out[got++] = (uint32_t)v;
			any = true;
			p += len;
		}
		if (!any)
			return -1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *lines[256], *save = NULL, *l;
	uint32_t r[MAX_COUNT], want[MAX_COUNT], got = 0;
	unsigned long n;
	int nl = 0, rc = 0, rrc;

	if (memchr(data, '\0', size))
		return 0;
	text = malloc(size + 1);
	FUZZ_CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0';
	/* Lines by hand: an empty chunk value is a line of its own. */
	for (l = text; l && nl < 256; l = save) {
		save = strchr(l, '\n');
		if (save)
			*save++ = '\0';
		lines[nl++] = l;
	}
	n = nl ? strtoul(lines[0], NULL, 10) : 0;
	if (nl < 1 || n < 1 || n > MAX_COUNT) {
		free(text);
		return 0;
	}
	rrc = ref_read(lines + 1, nl - 1, (uint32_t)n, want);
	for (int c = 1; got < n && !rc; c++) {
		if (c == nl) {
			rc = -1;
			break;
		}
		rc = gs_parse_refs_chunk(lines[c], r, (uint32_t)n, &got);
		FUZZ_CHECK(got <= n);
	}
	FUZZ_CHECK(!rc == !rrc);
	if (!rc)
		FUZZ_CHECK(got == n && !memcmp(r, want, n * sizeof(*r)));
	free(text);
	return 0;
}
