// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-threads: T threads, each writing its own pages of one shared region
 * (page i belongs to thread i % T). Prints "region ADDR PAGES" and then one
 * "thread TID PAGE,PAGE,..." line per thread, so a trace's thread ids can be
 * checked page by page.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096

struct arg {
	volatile unsigned char *p;
	int idx, nthreads, pages;
	pid_t tid;
};

static void *worker(void *v)
{
	struct arg *a = v;

	a->tid = (pid_t)syscall(SYS_gettid);
	for (int i = a->idx; i < a->pages; i += a->nthreads)
		a->p[(size_t)i * PG] = (unsigned char)a->idx;
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 4, pages = argc > 2 ? atoi(argv[2]) : 64;
	pthread_t th[64];
	struct arg a[64];
	volatile unsigned char *p;

	if (nthreads < 1 || nthreads > 64 || pages < nthreads)
		return 2;
	p = mmap(NULL, (size_t)pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED)
		return 4;
	printf("region 0x%lx %d\n", (unsigned long)p, pages);
	for (int t = 0; t < nthreads; t++) {
		a[t] = (struct arg){.p = p, .idx = t, .nthreads = nthreads, .pages = pages};
		if (pthread_create(&th[t], NULL, worker, &a[t]))
			return 5;
	}
	for (int t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < nthreads; t++) {
		printf("thread %d ", a[t].tid);
		for (int i = t; i < pages; i += nthreads)
			printf("%s%d", i == t ? "" : ",", i);
		printf("\n");
	}
	for (int i = 0; i < pages; i++)
		if (p[(size_t)i * PG] != (unsigned char)(i % nthreads))
			return 1;
	return 0;
}
