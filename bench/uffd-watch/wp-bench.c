// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wp-bench: the program behind bench/uffd-watch/wp: a write-heavy program
 * whose cost under write tracking is measured.
 *
 *   wp-bench write PAGES PASSES   write one word per 64 bytes of every page of
 *       a fresh anonymous mapping, PASSES times (the first pass takes the
 *       first-touch faults, the others rewrite pages already present)
 *   wp-bench readwrite PAGES      read every page of a fresh mapping, then
 *       write every page: a page is read before its first write
 *
 * With WP_BENCH_TRACK=async the program tracks its own writes the way
 * `uffd-watch dirty` does, with nothing between it and the kernel: the
 * floor of that mechanism. Before the clock starts it registers its mapping
 * with a userfaultfd of its own (UFFD_FEATURE_WP_ASYNC + WP_UNPOPULATED) and
 * write-protects it; a thread scans it with PAGEMAP_SCAN (re-protecting
 * what it found, as dirty does) every WP_BENCH_SCAN_MS milliseconds
 * (default 100, dirty's default --interval; 0: never), and after the loop
 * one last scan, timed apart, counts what is left.
 *
 * Prints one JSON line: pages, passes, seconds (the loop only, not the
 * start-up), ns_per_page (seconds over pages times passes), and with
 * tracking scan_seconds and pages_written.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PG 4096

/* The same calls as uffd-watch dirty: its header for PAGEMAP_SCAN's ABI. */
#include "../../tools/uffd-watch/pagemap-scan.h"

/* Linux 6.4 and 6.7 UAPI, newer than Debian 12's headers. */
#define WPB_FEATURE_WP_UNPOPULATED (1 << 13)
#define WPB_FEATURE_WP_ASYNC	   (1 << 15)

/* Registers [p, p + len) for asynchronous write tracking; 0 or -1. */
static int track_start(void *p, size_t len)
{
	struct uffdio_api api = {.api = UFFD_API,
				 .features = WPB_FEATURE_WP_ASYNC | WPB_FEATURE_WP_UNPOPULATED};
	struct uffdio_register reg = {.range = {(uintptr_t)p, len},
				      .mode = UFFDIO_REGISTER_MODE_WP};
	struct uffdio_writeprotect wp = {.range = {(uintptr_t)p, len},
					 .mode = UFFDIO_WRITEPROTECT_MODE_WP};
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg) ||
	    ioctl(fd, UFFDIO_WRITEPROTECT, &wp)) {
		perror("wp-bench: userfaultfd WP_ASYNC");
		return -1;
	}
	return 0; /* the descriptor stays open for the life of the program */
}

/* Pages written in [p, p + len) since the last scan, protected again; -1 on error. */
static long track_scan(void *p, size_t len)
{
	struct uw_page_region v[256];
	uint64_t at = (uintptr_t)p, end = at + len;
	long pages = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (at < end) {
		struct uw_pm_scan_arg a = {.size = sizeof(a),
					   .flags = PM_SCAN_WP_MATCHING,
					   .start = at,
					   .end = end,
					   .vec = (uintptr_t)v,
					   .vec_len = 256,
					   .category_mask = PAGE_IS_WRITTEN,
					   .return_mask = PAGE_IS_WRITTEN};
		int n = ioctl(fd, UW_PAGEMAP_SCAN, &a);

		if (n < 0) {
			perror("wp-bench: PAGEMAP_SCAN");
			pages = -1;
			break;
		}
		for (int i = 0; i < n; i++)
			pages += (long)((v[i].end - v[i].start) / PG);
		if (a.walk_end <= at)
			break;
		at = a.walk_end;
	}
	close(fd);
	return pages;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct scanner {
	void *p;
	size_t len;
	long interval_ms, pages;
	atomic_bool stop;
};

static void *scan_loop(void *arg)
{
	struct scanner *s = arg;
	struct timespec ts = {s->interval_ms / 1000, (s->interval_ms % 1000) * 1000000};

	while (!atomic_load(&s->stop)) {
		long n;

		nanosleep(&ts, NULL);
		n = track_scan(s->p, s->len);
		if (n < 0)
			break;
		s->pages += n;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long pages = argc > 2 ? atol(argv[2]) : 0, passes = argc > 3 ? atol(argv[3]) : 1;
	int rw = argc > 1 && !strcmp(argv[1], "readwrite");
	const char *track = getenv("WP_BENCH_TRACK");
	volatile uint64_t *p;
	uint64_t t0, t1, t2, sum = 0;
	long written = 0;
	const char *ms = getenv("WP_BENCH_SCAN_MS");
	struct scanner sc = {.interval_ms = ms ? atol(ms) : 100};
	pthread_t scan_thread;

	if (argc < 3 || pages < 1 || passes < 1 || (!rw && strcmp(argv[1], "write"))) {
		fprintf(stderr, "usage: wp-bench write PAGES PASSES | readwrite PAGES\n");
		return 2;
	}
	p = mmap(NULL, (size_t)pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED)
		return 1;
	if (track && strcmp(track, "async")) {
		fprintf(stderr, "wp-bench: WP_BENCH_TRACK=%s: expected async\n", track);
		return 2;
	}
	if (track && track_start((void *)p, (size_t)pages * PG))
		return 1;
	sc.p = (void *)p;
	sc.len = (size_t)pages * PG;
	if (track && sc.interval_ms > 0 && pthread_create(&scan_thread, NULL, scan_loop, &sc))
		return 1;
	t0 = now_ns();
	if (rw) {
		for (long i = 0; i < pages; i++)
			sum += p[(size_t)i * (PG / 8)];
		passes = 1;
	}
	for (long n = 0; n < passes; n++)
		for (long i = 0; i < pages; i++)
			for (size_t w = 0; w < PG / 8; w += 8)
				p[(size_t)i * (PG / 8) + w] = (uint64_t)n + w + sum;
	t1 = now_ns();
	if (track && sc.interval_ms > 0) {
		atomic_store(&sc.stop, true);
		pthread_join(scan_thread, NULL);
	}
	if (track && (written = track_scan((void *)p, (size_t)pages * PG)) < 0)
		return 1;
	written += sc.pages;
	t2 = now_ns();
	printf(
	    "{\"mode\":\"%s\",\"pages\":%ld,\"passes\":%ld,\"seconds\":%.6f,\"ns_per_page\":%.1f",
	    argv[1], pages, passes, (double)(t1 - t0) / 1e9,
	    (double)(t1 - t0) / (double)(pages * passes));
	if (track)
		printf(",\"scan_seconds\":%.6f,\"pages_written\":%ld", (double)(t2 - t1) / 1e9,
		       written);
	printf("}\n");
	return 0;
}
