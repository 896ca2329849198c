// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-touch: a target for uffd-watch tests. Maps one anonymous region and
 * touches its pages in a given order, so a trace can be compared page by
 * page. Prints "pid PID" and "region ADDR PAGES" first (the trace's
 * mapping column).
 *
 *   uffd-touch [-p PAGES] [-o ORDER] [-w WRITES] [-x EXIT] [-z] [-f FILE]
 *              [-g] [-m] [-d PAGE] [-W PATH] [-s] [-S]
 *   -o 3,1,3w   touch order (default: every page ascending); "w": write
 *   -w 1,2      these pages are written, the others read
 *   -z          check that read pages hold zeros; -f FILE: hold FILE's bytes
 *               (and always: a page written still holds what was written)
 *   -g          grow with mremap(MREMAP_MAYMOVE) afterwards, touch the new tail
 *   -m          MAP_SHARED|MAP_ANONYMOUS (shmem, for --mode minor): fills
 *               the region in a forked child first, so the touches are minor
 *   -d PAGE     madvise(MADV_DONTNEED) that page after touching, touch again
 *   -W PATH     before touching, wait until PATH exists (kill tests)
 *   -S          slow: 20 ms between touches
 *   -P MS       pause MS milliseconds after the touches, before exiting
 *   -x N        exit status
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG 4096

/* "3,1,3w": page numbers; a "w" suffix makes that one touch a write. */
static int parse_list(const char *s, int *out, int max, char *wflag)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		out[n] = (int)strtol(s, &end, 10);
		if (end == s)
			return -1;
		if (wflag)
			wflag[n] = *end == 'w';
		if (*end == 'w')
			end++;
		n++;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static void nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	static char wtouch[4096], written[4096];
	int pages = 32, order[4096], norder = -1, writes[4096], nwrites = 0, code = 0;
	int zero = 0, grow = 0, shared = 0, dontneed = -1, slow = 0, opt, bad = 0, pause_ms = 0;
	const char *file = NULL, *waitfor = NULL;
	unsigned char *fdata = NULL;
	size_t flen = 0;
	volatile unsigned char *p;

	while ((opt = getopt(argc, argv, "p:o:w:x:zf:gmd:W:SP:")) != -1) {
		switch (opt) {
		case 'p':
			pages = atoi(optarg);
			break;
		case 'o':
			norder = parse_list(optarg, order, 4096, wtouch);
			break;
		case 'w':
			nwrites = parse_list(optarg, writes, 4096, NULL);
			break;
		case 'x':
			code = atoi(optarg);
			break;
		case 'z':
			zero = 1;
			break;
		case 'f':
			file = optarg;
			break;
		case 'g':
			grow = 1;
			break;
		case 'm':
			shared = 1;
			break;
		case 'd':
			dontneed = atoi(optarg);
			break;
		case 'W':
			waitfor = optarg;
			break;
		case 'S':
			slow = 1;
			break;
		case 'P':
			pause_ms = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (pages < 1 || pages > 4096 || norder == 0 || nwrites < 0)
		return 2;
	if (norder < 0) {
		norder = pages;
		for (int i = 0; i < pages; i++)
			order[i] = i;
	}
	if (file) {
		FILE *f = fopen(file, "r");

		if (!f)
			return 3;
		fdata = calloc((size_t)pages, PG);
		flen = fread(fdata, 1, (size_t)pages * PG, f);
		fclose(f);
	}
	p = mmap(NULL, (size_t)pages * PG, PROT_READ | PROT_WRITE,
		 (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 4;
	if (shared) {
		/* Fill the page cache from another process: our own touches are minor faults. */
		pid_t c = fork();

		if (c == 0) {
			for (int i = 0; i < pages; i++)
				p[(size_t)i * PG] = (unsigned char)(i + 1);
			_exit(0);
		}
		waitpid(c, NULL, 0);
	}
	printf("pid %d\nregion 0x%lx %d\n", getpid(), (unsigned long)p, pages);
	fflush(stdout);
	while (waitfor && access(waitfor, F_OK) < 0)
		nap(5);
	for (int i = 0; i < norder; i++) {
		int pg = order[i], w = wtouch[i];

		if (pg < 0 || pg >= pages)
			return 2;
		for (int j = 0; j < nwrites; j++)
			w |= writes[j] == pg;
		if (w) {
			p[(size_t)pg * PG + 1] = 0xaa;
			written[pg] = 1;
		} else {
			unsigned char v = p[(size_t)pg * PG + 8];

			if (zero && v != 0)
				bad++;
			if (fdata && (size_t)pg * PG + 8 < flen + 1 &&
			    memcmp((const void *)(p + (size_t)pg * PG), fdata + (size_t)pg * PG,
				   PG))
				bad++;
			if (shared && p[(size_t)pg * PG] != (unsigned char)(pg + 1))
				bad++;
		}
		if (slow)
			nap(20);
	}
	if (dontneed >= 0 && dontneed < pages) {
		madvise((void *)(p + (size_t)dontneed * PG), PG, MADV_DONTNEED);
		if (p[(size_t)dontneed * PG + 1] != 0 && !shared)
			bad++;
	}
	/* No page written was overwritten since (fault-around must not). */
	for (int i = 0; i < pages; i++)
		if (written[i] && i != dontneed && p[(size_t)i * PG + 1] != 0xaa)
			bad++;
	if (grow) {
		volatile unsigned char *q =
		    mremap((void *)p, (size_t)pages * PG, (size_t)pages * 2 * PG, MREMAP_MAYMOVE);

		if (q == MAP_FAILED)
			return 5;
		printf("grown 0x%lx %d\n", (unsigned long)q, pages * 2);
		fflush(stdout);
		for (int i = pages; i < pages * 2; i++)
			if (q[(size_t)i * PG] != 0)
				bad++;
	}
	if (bad) {
		fprintf(stderr, "uffd-touch: %d pages with wrong content\n", bad);
		return 1;
	}
	printf("ok\n");
	fflush(stdout);
	if (pause_ms > 0)
		nap(pause_ms);
	return code;
}
