// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dirty: the PAGEMAP_SCAN half of `uffd-watch dirty` (run registers the
 * memory with UFFD_FEATURE_WP_ASYNC in run-agent.c and calls uw_dirty_scan
 * every --interval from run-loop.c). The ioctl's ABI is in pagemap-scan.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dirty.h"
#include "json.h"
#include "pagemap-scan.h"

#define SCAN_VEC 256 /* ranges per ioctl; the walk resumes at walk_end */

bool uw_dirty_have_scan(void)
{
	struct uw_pm_scan_arg a = {.size = sizeof(a)};
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	/* An empty range: ENOTTY before 6.7, success after. */
	ok = ioctl(fd, UW_PAGEMAP_SCAN, &a) >= 0;
	close(fd);
	return ok;
}

static void report(struct uw_ctx *x, uint64_t t_ns, int pid, uint64_t map,
		   const struct uw_page_region *v, size_t n, uint64_t pages)
{
	double t = (double)(t_ns - x->t0_ns) / 1e9;

	if (x->c.json) {
		struct hv_json j;

		hv_json_init(&j, x->out, true);
		hv_json_object_open(&j, NULL);
		hv_json_double(&j, "time", t);
		hv_json_str(&j, "event", "written");
		hv_json_i64(&j, "pid", pid);
		hv_json_hex(&j, "mapping", map);
		hv_json_u64(&j, "pages", pages);
		hv_json_array_open(&j, "ranges");
		for (size_t i = 0; i < n; i++) {
			hv_json_object_open(&j, NULL);
			hv_json_u64(&j, "offset", v[i].start - map);
			hv_json_u64(&j, "pages", (v[i].end - v[i].start) / UW_PAGE);
			hv_json_object_close(&j);
		}
		hv_json_array_close(&j);
		hv_json_object_close(&j);
		hv_json_end(&j);
		return;
	}
	fprintf(x->out, "%.6f %d - written 0x%llx pages=%llu", t, pid, (unsigned long long)map,
		(unsigned long long)pages);
	for (size_t i = 0; i < n; i++)
		fprintf(x->out, " +0x%llx-0x%llx", (unsigned long long)(v[i].start - map),
			(unsigned long long)(v[i].end - map));
	fputc('\n', x->out);
}

int uw_dirty_scan(struct uw_ctx *x, uint64_t t_ns, int pid, uint64_t start, uint64_t len,
		  uint64_t *pages)
{
	struct uw_page_region v[SCAN_VEC];
	char path[64];
	uint64_t at = start, end = start + len;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	while (at < end) {
		struct uw_pm_scan_arg a = {
		    .size = sizeof(a),
		    .flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
		    .start = at,
		    .end = end,
		    .vec = (uintptr_t)v,
		    .vec_len = SCAN_VEC,
		    .category_mask = PAGE_IS_WRITTEN,
		    .return_mask = PAGE_IS_WRITTEN,
		};
		int n = ioctl(fd, UW_PAGEMAP_SCAN, &a);
		uint64_t got = 0;

		if (n < 0) {
			err = -errno;
			break;
		}
		for (int i = 0; i < n; i++)
			got += (v[i].end - v[i].start) / UW_PAGE;
		if (n)
			report(x, t_ns, pid, start, v, (size_t)n, got);
		*pages += got;
		/* A walk that stopped early resumes; one that went nowhere ends. */
		if (a.walk_end <= at)
			break;
		at = a.walk_end;
	}
	close(fd);
	return err;
}
