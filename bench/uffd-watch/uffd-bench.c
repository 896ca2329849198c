// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-bench: the fault-rate harness behind bench/uffd-watch/run.
 *
 *   uffd-bench touch seq|random PAGES [FILE]    write-touch PAGES pages of a
 *       fresh mapping, one byte each, in address order or in a random order
 *       (the same permutation every run), timing every touch. Alone it
 *       measures the kernel's own first-touch faults (anonymous, or a private
 *       mapping of FILE); under `uffd-watch run` the same touches are served
 *       by uffd-watch.
 *   uffd-bench minimal seq|random PAGES [FILE]  the same touches on an
 *       anonymous region served by the userfaultfd(2) man page's pattern: one
 *       thread blocked in read(), one UFFDIO_COPY per fault (zero page or
 *       FILE's page).
 *   uffd-bench touch|minimal shared PAGES [FILE]  8 threads touch the same
 *       pages in the same random order, started together (vCPUs faulting
 *       on the same guest pages); the rate counts each page once, the
 *       latencies are every thread's touches.
 *   uffd-bench copy seq PAGES        no fault at all: UFFDIO_COPY of each
 *       page into a registered region, one ioctl a page, nobody waiting. The
 *       kernel work a handler cannot avoid per fault, as a floor.
 *   uffd-bench switch seq PAGES      no memory at all: two threads on one
 *       CPU hand a token back and forth through two eventfds, PAGES times:
 *       the two context switches (and four small system calls) every fault
 *       served by another thread costs at least, as a floor (across CPUs
 *       the faulting thread's wake-up costs more: an IPI to a halted CPU).
 *
 * Prints one JSON line: pages, seconds, touches_per_second and per-touch
 * latency percentiles in microseconds (the time the touching thread waited).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PG 4096

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define MAX_THREADS 8
/* Touching threads: 1, or MAX_THREADS for the shared order. Set once by main. */
static long g_threads = 1;

static int cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* faults < 0: not observed here (the kernel's, or another handler's). */
static void report(const char *mode, long pages, uint64_t ns, uint32_t *lat, long faults,
		   uint64_t fault_ns)
{
	long nlat = pages * g_threads; /* shared: every thread's touches */

	qsort(lat, (size_t)nlat, sizeof(*lat), cmp);
	printf("{");
	if (faults >= 0)
		printf("\"faults\":%ld,\"faults_per_second\":%.0f,", faults,
		       fault_ns ? (double)(faults - 1) / ((double)fault_ns / 1e9) : 0);
	printf("\"mode\":\"%s\",\"pages\":%ld,\"seconds\":%.6f,\"touches_per_second\":%.0f,"
	       "\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f}\n",
	       mode, pages, (double)ns / 1e9, (double)pages / ((double)ns / 1e9),
	       lat[nlat / 2] / 1e3, lat[nlat * 9 / 10] / 1e3, lat[nlat * 99 / 100] / 1e3,
	       lat[nlat * 999 / 1000] / 1e3);
}

static void touch_one(volatile unsigned char *p, long pages, const uint32_t *order, uint32_t *lat,
		      uint64_t *t0, uint64_t *t1)
{
	uint64_t a = now_ns(), b;

	*t0 = a;
	for (long i = 0; i < pages; i++) {
		p[(size_t)order[i] * PG] = 1;
		b = now_ns();
		lat[i] = (uint32_t)(b - a);
		a = b;
	}
	*t1 = a;
}

struct toucher {
	volatile unsigned char *p;
	long pages;
	const uint32_t *order;
	uint32_t *lat;
	uint64_t t0, t1;
	pthread_barrier_t *go;
};

static void *toucher(void *v)
{
	struct toucher *t = v;

	pthread_barrier_wait(t->go);
	touch_one(t->p, t->pages, t->order, t->lat, &t->t0, &t->t1);
	return NULL;
}

/*
 * shared: g_threads threads touch the same pages in the same random order,
 * started together, as vCPUs faulting on the same guest pages would; the
 * time is from the first start to the last finish, the rate counts each
 * page once.
 */
static void touch_all(volatile unsigned char *p, long pages, const uint32_t *order, uint32_t *lat,
		      uint64_t *total)
{
	struct toucher t[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	pthread_barrier_t go;
	uint64_t lo = UINT64_MAX, hi = 0;

	if (g_threads == 1) {
		touch_one(p, pages, order, lat, &lo, &hi);
		*total = hi - lo;
		return;
	}
	pthread_barrier_init(&go, NULL, (unsigned)g_threads);
	for (long i = 0; i < g_threads; i++) {
		t[i] = (struct toucher){p, pages, order, lat + i * pages, 0, 0, &go};
		pthread_create(&th[i], NULL, toucher, &t[i]);
	}
	for (long i = 0; i < g_threads; i++) {
		pthread_join(th[i], NULL);
		lo = t[i].t0 < lo ? t[i].t0 : lo;
		hi = t[i].t1 > hi ? t[i].t1 : hi;
	}
	*total = hi - lo;
}

struct handler {
	int uffd;
	const unsigned char *src; /* file content, or NULL for zeros */
	uint64_t base;
	long faults; /* answered; read by main after the touches */
	uint64_t first_ns, last_ns;
};

static void *handler(void *v)
{
	struct handler *h = v;
	static unsigned char zero[PG] __attribute__((aligned(PG)));
	struct uffd_msg m;

	for (;;) {
		struct uffdio_copy c;

		if (read(h->uffd, &m, sizeof(m)) != sizeof(m))
			return NULL; /* closed at the end */
		if (m.event != UFFD_EVENT_PAGEFAULT)
			continue;
		c.dst = m.arg.pagefault.address & ~(uint64_t)(PG - 1);
		c.src = (uintptr_t)(h->src ? h->src + (c.dst - h->base) : zero);
		c.len = PG;
		c.mode = 0;
		c.copy = 0;
		{
			/* counted before the answer, so main sees it once its touch returns */
			uint64_t t = now_ns();

			if (!h->faults)
				h->first_ns = t;
			__atomic_store_n(&h->last_ns, t, __ATOMIC_RELAXED);
			__atomic_store_n(&h->faults, h->faults + 1, __ATOMIC_RELEASE);
		}
		ioctl(h->uffd, UFFDIO_COPY, &c);
	}
}

/* Address order, or a fixed Fisher-Yates shuffle (xorshift, constant seed). */
static uint32_t *make_order(long pages, int random)
{
	uint32_t *o = calloc((size_t)pages, sizeof(*o));
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (long i = 0; i < pages; i++)
		o[i] = (uint32_t)i;
	for (long i = pages - 1; random && i > 0; i--) {
		long j;
		uint32_t t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (long)(x % (uint64_t)(i + 1));
		t = o[i];
		o[i] = o[j];
		o[j] = t;
	}
	return o;
}

static int copy_floor(long pages, uint32_t *lat)
{
	static unsigned char zero[PG] __attribute__((aligned(PG)));
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg = {.mode = UFFDIO_REGISTER_MODE_MISSING};
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	unsigned char *p;
	uint64_t t0, a, b;

	p = mmap(NULL, (size_t)pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	reg.range.start = (uintptr_t)p;
	reg.range.len = (uint64_t)pages * PG;
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) < 0 || p == MAP_FAILED ||
	    ioctl(uffd, UFFDIO_REGISTER, &reg) < 0) {
		perror("uffd-bench: userfaultfd");
		return 1;
	}
	t0 = a = now_ns();
	for (long i = 0; i < pages; i++) {
		struct uffdio_copy c = {
		    .dst = (uintptr_t)p + (uint64_t)i * PG, .src = (uintptr_t)zero, .len = PG};

		ioctl(uffd, UFFDIO_COPY, &c);
		b = now_ns();
		lat[i] = (uint32_t)(b - a);
		a = b;
	}
	report("copy", pages, a - t0, lat, -1, 0);
	return 0;
}

struct pingpong {
	int to_b, to_a;
	long rounds;
};

static void pin_here(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *pong(void *v)
{
	struct pingpong *pp = v;
	uint64_t one;

	pin_here();
	for (long i = 0; i < pp->rounds; i++) {
		if (read(pp->to_b, &one, sizeof(one)) != sizeof(one) ||
		    write(pp->to_a, &one, sizeof(one)) != sizeof(one))
			break;
	}
	return NULL;
}

static int switch_floor(long pages, uint32_t *lat)
{
	struct pingpong pp = {eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC), pages};
	uint64_t one = 1, t0, a, b;
	pthread_t th;

	if (pp.to_b < 0 || pp.to_a < 0)
		return 1;
	pin_here();
	pthread_create(&th, NULL, pong, &pp);
	t0 = a = now_ns();
	for (long i = 0; i < pages; i++) {
		if (write(pp.to_b, &one, sizeof(one)) != sizeof(one) ||
		    read(pp.to_a, &one, sizeof(one)) != sizeof(one))
			return 1;
		b = now_ns();
		lat[i] = (uint32_t)(b - a);
		a = b;
	}
	pthread_join(th, NULL);
	report("switch", pages, a - t0, lat, -1, 0);
	return 0;
}

int main(int argc, char **argv)
{
	long pages = argc > 3 ? atol(argv[3]) : 0;
	const char *file = argc > 4 ? argv[4] : NULL;
	const unsigned char *fmap = NULL;
	uint32_t *lat, *order;
	uint64_t ns;
	volatile unsigned char *p;
	int fd = -1, random;
	char mode[64];

	if (argc < 4 || pages < 1000 ||
	    (strcmp(argv[1], "touch") && strcmp(argv[1], "minimal") && strcmp(argv[1], "copy") &&
	     strcmp(argv[1], "switch")) ||
	    (strcmp(argv[2], "seq") && strcmp(argv[2], "random") && strcmp(argv[2], "shared"))) {
		fprintf(stderr, "usage: uffd-bench touch|minimal|copy|switch seq|random|shared "
				"PAGES [FILE]\n");
		return 2;
	}
	random = strcmp(argv[2], "seq") != 0;
	if (!strcmp(argv[2], "shared") && strcmp(argv[1], "copy") && strcmp(argv[1], "switch"))
		g_threads = MAX_THREADS;
	snprintf(mode, sizeof(mode), "%s-%s-%s", argv[1], argv[2], file ? "file" : "zero");
	lat = calloc((size_t)(pages * g_threads), sizeof(*lat));
	order = make_order(pages, random);
	if (!strcmp(argv[1], "copy"))
		return copy_floor(pages, lat);
	if (!strcmp(argv[1], "switch"))
		return switch_floor(pages, lat);
	if (file) {
		struct stat st;

		fd = open(file, O_RDONLY);
		if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < (off_t)pages * PG) {
			fprintf(stderr, "uffd-bench: %s: missing or smaller than %ld pages\n", file,
				pages);
			return 1;
		}
		fmap = mmap(NULL, (size_t)pages * PG, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	}
	if (!strcmp(argv[1], "touch")) {
		if (file)
			p = mmap(NULL, (size_t)pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
				 0);
		else
			p = mmap(NULL, (size_t)pages * PG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1;
		touch_all(p, pages, order, lat, &ns);
		report(mode, pages, ns, lat, -1, 0);
		return 0;
	}
	{
		struct uffdio_api api = {.api = UFFD_API};
		struct uffdio_register reg = {.mode = UFFDIO_REGISTER_MODE_MISSING};
		struct handler h;
		pthread_t th;

		h.uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
		if (h.uffd < 0 || ioctl(h.uffd, UFFDIO_API, &api) < 0) {
			perror("uffd-bench: userfaultfd");
			return 1;
		}
		p = mmap(NULL, (size_t)pages * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		reg.range.start = (uintptr_t)p;
		reg.range.len = (uint64_t)pages * PG;
		if (ioctl(h.uffd, UFFDIO_REGISTER, &reg) < 0) {
			perror("uffd-bench: UFFDIO_REGISTER");
			return 1;
		}
		h.src = fmap;
		h.base = (uintptr_t)p;
		pthread_create(&th, NULL, handler, &h);
		h.faults = 0;
		touch_all(p, pages, order, lat, &ns);
		{
			long f = __atomic_load_n(&h.faults, __ATOMIC_ACQUIRE);

			report(mode, pages, ns, lat, f, h.last_ns - h.first_ns);
		}
	}
	return 0;
}
