// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The /proc texts vfio-bind reads (tools/vfio-bind/proctext.c): the input
 * is the file's text, checked against a plain reading of each format:
 *   /proc/cmdline          blank-separated words (the last ends in '\n')
 *   /proc/self/status      the CapEff line's hex value, or nothing
 *   /proc/self/mountinfo   lines "id parent MAJ:MIN root mountpoint ..."
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vfio-bind.h"

static void check_cmdline(const char *t, const char *word)
{
	char *copy = strdup(t), *tok, *save = NULL;
	size_t l = strlen(word);
	bool want = false;

	FUZZ_CHECK(copy);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!strncmp(tok, word, l) && (tok[l] == '\0' || tok[l] == '\n'))
			want = true;
	FUZZ_CHECK(vb_cmdline_has(t, word) == want);
	free(copy);
}

static void check_capeff(const char *t)
{
	const char *p = strstr(t, "\nCapEff:");
	uint64_t caps, want = 0;
	bool ok = p != NULL;
	size_t n = 0, digits = 0;

	if (ok) {
		p += 8;
		while (*p == ' ' || *p == '\t')
			p++;
		for (; p[n] && p[n] != '\n'; n++) {
			ok = ok && isxdigit((unsigned char)p[n]);
			if (ok && (digits || p[n] != '0'))
				digits++;
			if (ok && digits <= 16)
				want = want * 16 +
				       (uint64_t)(isdigit((unsigned char)p[n])
						      ? p[n] - '0'
						      : tolower((unsigned char)p[n]) - 'a' + 10);
		}
		/* Any number of digits the 32-byte buffer holds, none too many for 64 bits. */
		ok = ok && n >= 1 && n <= 29 && digits <= 16;
	}
	FUZZ_CHECK(ok == !vb_status_capeff(t, &caps));
	if (ok)
		FUZZ_CHECK(caps == want);
}

static void check_mountinfo(const char *t, const char *dev)
{
	char *copy = strdup(t), *line, *save = NULL, mnt[16], want[16] = "";
	bool found = false;

	FUZZ_CHECK(copy);
	/* strtok_r would merge empty fields: split lines by hand, fields by ' '. */
	for (line = copy; line && !found; line = save) {
		char *f[5] = {0}, *q = line;
		int nf = 0;

		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		while (nf < 5) {
			f[nf++] = q;
			q = strchr(q, ' ');
			if (!q)
				break;
			*q++ = '\0';
		}
		if (nf >= 4 && !strcmp(f[2], dev)) {
			found = true;
			if (nf == 5)
				snprintf(want, sizeof(want), "%s", f[4]);
		}
	}
	FUZZ_CHECK(vb_mountinfo_find(t, dev, mnt, sizeof(mnt)) == found);
	if (found)
		FUZZ_CHECK(!strcmp(mnt, want));
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t;

	if (memchr(data, '\0', size))
		return 0;
	t = malloc(size + 1);
	FUZZ_CHECK(t);
	memcpy(t, data, size);
	t[size] = '\0';
	check_cmdline(t, "iommu=off");
	check_cmdline(t, "intel_iommu=off");
	check_capeff(t);
	check_mountinfo(t, "8:1");
	check_mountinfo(t, "259:0");
	free(t);
	return 0;
}
