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
 * Prints one JSON line: pages, passes, seconds (the loop only, not the
 * start-up), ns_per_page (seconds over pages times passes).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PG 4096

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long pages = argc > 2 ? atol(argv[2]) : 0, passes = argc > 3 ? atol(argv[3]) : 1;
	int rw = argc > 1 && !strcmp(argv[1], "readwrite");
	volatile uint64_t *p;
	uint64_t t0, t1, sum = 0;

	if (argc < 3 || pages < 1 || passes < 1 || (!rw && strcmp(argv[1], "write"))) {
		fprintf(stderr, "usage: wp-bench write PAGES PASSES | readwrite PAGES\n");
		return 2;
	}
	p = mmap(NULL, (size_t)pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED)
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
	printf("{\"mode\":\"%s\",\"pages\":%ld,\"passes\":%ld,\"seconds\":%.6f,\"ns_per_page\":%."
	       "1f}\n",
	       argv[1], pages, passes, (double)(t1 - t0) / 1e9,
	       (double)(t1 - t0) / (double)(pages * passes));
	return 0;
}
