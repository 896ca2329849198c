// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The /proc texts doctor and the in-use check read (the kernel command
 * line, CapEff of /proc/self/status, mountinfo), parsed as pure functions
 * over the text: with --sysroot they come from a tree anyone may have
 * written, and the fuzz harness runs exactly this code.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "vfio-bind.h"

bool vb_cmdline_has(const char *cmdline, const char *word)
{
	size_t l = strlen(word);

	if (!l)
		return false;
	for (const char *p = cmdline; (p = strstr(p, word)); p += l)
		if ((p == cmdline || p[-1] == ' ') && (p[l] == ' ' || p[l] == '\0' || p[l] == '\n'))
			return true;
	return false;
}

int vb_status_capeff(const char *status, uint64_t *caps)
{
	const char *p = strstr(status, "\nCapEff:");
	char hex[32];
	size_t n;

	if (!p)
		return -ENOENT;
	p += 8;
	p += strspn(p, " \t");
	n = strcspn(p, "\n");
	/* 16 digits in every kernel; a longer value must not be cut to a prefix. */
	if (n + 3 > sizeof(hex))
		return -EINVAL;
	snprintf(hex, sizeof(hex), "0x%.*s", (int)n, p);
	return hv_parse_u64(hex, 0, UINT64_MAX, caps);
}

bool vb_mountinfo_find(const char *mountinfo, const char *majmin, char *mnt, size_t len)
{
	char needle[40];
	const char *p;

	mnt[0] = '\0';
	/* "id parent MAJ:MIN root mountpoint ...": MAJ:MIN is the third field. */
	if (snprintf(needle, sizeof(needle), " %s ", majmin) >= (int)sizeof(needle))
		return false;
	for (p = mountinfo; p && (p = strstr(p, needle)); p++) {
		const char *line = p, *q, *end;
		int fields = 0;

		while (line > mountinfo && line[-1] != '\n')
			line--;
		for (q = line; q < p; q++)
			fields += *q == ' ';
		if (fields != 1)
			continue;
		/* Skip the root field; the mount point follows, on this line only. */
		q = p + strlen(needle);
		q += strcspn(q, " \n");
		if (*q == ' ') {
			q++;
			end = q + strcspn(q, " \n");
			snprintf(mnt, len, "%.*s", (int)(end - q), q);
		}
		return true;
	}
	return false;
}
