// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --record and --prefetch: the first-touch order of pages written at the
 * end, read back before listening, and installed before the first fault.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "diag.h"
#include "fileio.h"
#include "parse.h"
#include "serve.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int uw_write_record(struct serve *s, const struct client *c)
{
	size_t cap = 64 + c->nrecord * 20, n = 0;
	char *buf = malloc(cap);
	int err;

	if (!buf)
		return hv_fail(-ENOMEM, NULL, "serve: --record");
	n += (size_t)snprintf(buf, cap,
			      "# uffd-watch record v1: memory-file offsets, first "
			      "touch first\n");
	for (size_t i = 0; i < c->nrecord; i++)
		n += (size_t)snprintf(buf + n, cap - n, "0x%llx\n",
				      (unsigned long long)c->record[i]);
	err = hv_write_file_atomic(s->record_path, buf, n, 0644);
	free(buf);
	if (err)
		return hv_fail(err, NULL, "serve: --record %s", s->record_path);
	return 0;
}

/* Read once, before listening: every VMM gets the same working set. */
int uw_read_prefetch(struct serve *s)
{
	char *text, *line, *save = NULL;
	size_t len, n = 0, cap = 0, lineno = 0;
	uint64_t *offs = NULL;
	int err;

	err = hv_read_file_alloc(s->prefetch_path, 1u << 30, &text, &len);
	if (err)
		return hv_fail(err, NULL, "serve: --prefetch %s", s->prefetch_path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint64_t off;

		lineno++;
		hv_chomp(line);
		if (!*line || *line == '#')
			continue;
		if (hv_parse_u64(line, 0, UINT64_MAX, &off) < 0 || off % UW_PAGE) {
			free(text);
			free(offs);
			return hv_fail(-EINVAL, "one page-aligned memory-file offset per line",
				       "serve: --prefetch %s: line %zu", s->prefetch_path, lineno);
		}
		if (n == cap) {
			uint64_t *m = realloc(offs, (cap = cap ? cap * 2 : 1024) * sizeof(*m));

			if (!m) {
				free(text);
				free(offs);
				return hv_fail(-ENOMEM, NULL, "serve: --prefetch");
			}
			offs = m;
		}
		offs[n++] = off;
	}
	free(text);
	qsort(offs, n, sizeof(*offs), cmp_u64);
	s->pf_offs = offs;
	s->pf_n = n;
	return 0;
}

static struct sregion *region_of_offset(struct client *c, uint64_t off)
{
	for (size_t i = 0; i < c->nregs; i++)
		if (off >= c->regs[i].offset && off - c->regs[i].offset < c->regs[i].size)
			return &c->regs[i];
	return NULL;
}

/*
 * Installs the recorded working set before the first fault is served:
 * sorted, so neighbours become one UFFDIO_COPY of up to 2 MiB.
 */
int uw_prefetch(struct client *c)
{
	const uint64_t *offs = c->s->pf_offs;
	size_t n = c->s->pf_n, i = 0;
	uint64_t t0 = hv_now_ns();
	int err;

	while (i < n) {
		struct sregion *r = region_of_offset(c, offs[i]);
		size_t j = i + 1;
		uint64_t done = 0, dst;

		if (!r || (i && offs[i] == offs[i - 1])) {
			c->pf_skipped += r ? 0 : 1;
			i++;
			continue;
		}
		/* A recorded 4 KiB offset inside a huge page stands for all of it. */
		if (offs[i] % r->psize) {
			c->pf_skipped++;
			i++;
			continue;
		}
		while (j < n && offs[j] == offs[j - 1] + r->psize &&
		       offs[j] < r->offset + r->size && (j - i + 1) * r->psize <= PREFETCH_RUN)
			j++;
		dst = r->base + (offs[i] - r->offset);
		err = uw_install_run(c, r, (offs[i] - r->offset) / r->psize, j - i, &done);
		/*
		 * EFAULT: an unreadable source page, left to serve_unreadable on
		 * its fault; in a "minor" region without a backing file, a page
		 * not in the page cache (its missing fault will come).
		 */
		if (err && err != -EEXIST && err != -EAGAIN && err != -EFAULT)
			return hv_fail(err, "the VMM's registration does not match its region list",
				       "serve: prefetch at 0x%llx", (unsigned long long)dst);
		for (uint64_t k = 0; k < done / r->psize; k++) {
			c->pf_pages++;
			uw_record_page(c, r, (offs[i + k] - r->offset) / r->psize);
		}
		/* A page the VMM faulted in meanwhile stops the run: step over it. */
		i += done / r->psize + (err ? 1 : 0);
	}
	c->pf_ns = hv_now_ns() - t0;
	if (c->pf_skipped)
		hv_warn("serve: --prefetch: %llu offsets outside every region were skipped",
			(unsigned long long)c->pf_skipped);
	return 0;
}
