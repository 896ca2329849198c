// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-load: T threads faulting at the same time on one region, for the
 * load tests of uffd-watch (tests/host/uffd-watch-load.bats).
 *
 *   uffd-load [-t THREADS] [-p PAGES] [-s SHARED] [-f FILE] [-c SOCKET]
 *
 * The region holds THREADS * PAGES distinct pages, then SHARED shared ones.
 * All threads start together (a barrier). Thread t write-touches its own
 * pages t*PAGES .. t*PAGES+PAGES-1 in order, storing a marker in the first
 * 8 bytes; then every thread read-touches every shared page, in an order of
 * its own (rotated by t), and compares the whole page with what it must
 * hold: zeros, or FILE's bytes at the same offset. After the join, the main
 * thread checks every distinct page: the marker, and the rest of the page.
 *
 * -c SOCKET: play the VMM of `uffd-watch serve` instead of running under
 * `uffd-watch run`: register the region with a userfaultfd of our own and
 * send it with the region list (file offset 0), as Firecracker does.
 *
 * Prints "region ADDR PAGES", then "thread TID FIRST LAST" per thread (its
 * distinct pages, inclusive) and "shared FIRST LAST", so a trace can be
 * checked fault by fault against what each thread touched. Exit status: 0
 * the data was right, 1 it was not (the page is named on stderr), 2 usage,
 * 3 setup failed.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define PG	    4096
#define MAX_THREADS 64

struct load {
	unsigned char *base;
	const unsigned char *file; /* expected content, or NULL: zeros */
	long threads, pages, shared;
	pthread_barrier_t start;
};

struct worker {
	struct load *l;
	long idx;
	pid_t tid;
	int bad; /* 0, or 1 + the page that held wrong data */
};

static const unsigned char *expect(const struct load *l, long page)
{
	static const unsigned char zero[PG];

	return l->file ? l->file + (size_t)page * PG : zero;
}

static uint64_t marker(long idx, long page)
{
	return 0x55aa000000000000ull | ((uint64_t)idx << 32) | (uint64_t)page;
}

static void *work(void *v)
{
	struct worker *w = v;
	struct load *l = w->l;
	long first = w->idx * l->pages, sh = l->threads * l->pages;

	w->tid = (pid_t)syscall(SYS_gettid);
	pthread_barrier_wait(&l->start);
	for (long p = first; p < first + l->pages; p++) {
		uint64_t m = marker(w->idx, p);

		/* one store: the first touch of the page is a write fault */
		memcpy(l->base + (size_t)p * PG, &m, sizeof(m));
	}
	for (long i = 0; i < l->shared; i++) {
		long p = sh + (i + w->idx) % l->shared;

		if (memcmp(l->base + (size_t)p * PG, expect(l, p), PG) && !w->bad)
			w->bad = (int)p + 1;
	}
	return NULL;
}

/* Firecracker's part of the handshake; returns the userfaultfd or -1. */
static int hand_over(const char *sock, void *base, size_t len)
{
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_THREAD_ID};
	struct uffdio_register reg = {.range = {.start = (uintptr_t)base, .len = len},
				      .mode = UFFDIO_REGISTER_MODE_MISSING};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char json[256];
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = {.iov_base = json};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof(c.b)};
	struct cmsghdr *h;
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC), s;

	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) < 0 || ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
		return -1;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	for (int i = 0; i < 500; i++) { /* the server may still be starting */
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		if (i == 499)
			return -1;
		usleep(10000);
	}
	iov.iov_len = (size_t)snprintf(json, sizeof(json),
				       "[{\"base_host_virt_addr\":%lu,\"size\":%zu,\"offset\":0,"
				       "\"page_size\":4096}]",
				       (unsigned long)(uintptr_t)base, len);
	h = CMSG_FIRSTHDR(&mh);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &uffd, sizeof(int));
	if (sendmsg(s, &mh, 0) < 0)
		return -1;
	return uffd; /* the socket stays open: serve watches the VMM's pid */
}

int main(int argc, char **argv)
{
	struct load l = {.threads = 8, .pages = 64, .shared = 16};
	struct worker w[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	const char *file = NULL, *sock = NULL;
	long total;
	int opt, rc = 0;

	while ((opt = getopt(argc, argv, "t:p:s:f:c:")) != -1) {
		switch (opt) {
		case 't':
			l.threads = atol(optarg);
			break;
		case 'p':
			l.pages = atol(optarg);
			break;
		case 's':
			l.shared = atol(optarg);
			break;
		case 'f':
			file = optarg;
			break;
		case 'c':
			sock = optarg;
			break;
		default:
			return 2;
		}
	}
	if (l.threads < 1 || l.threads > MAX_THREADS || l.pages < 1 || l.shared < 0 ||
	    l.pages > 1 << 20 || l.shared > 1 << 20)
		return 2;
	total = l.threads * l.pages + l.shared;
	if (file) {
		struct stat st;
		int fd = open(file, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < total * PG) {
			fprintf(stderr, "uffd-load: %s: missing or smaller than %ld pages\n", file,
				total);
			return 3;
		}
		l.file =
		    mmap(NULL, (size_t)total * PG, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		close(fd);
		if (l.file == MAP_FAILED)
			return 3;
	}
	l.base = mmap(NULL, (size_t)total * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (l.base == MAP_FAILED)
		return 3;
	if (sock && hand_over(sock, l.base, (size_t)total * PG) < 0) {
		perror("uffd-load: handing the userfaultfd over");
		return 3;
	}
	pthread_barrier_init(&l.start, NULL, (unsigned)l.threads);
	for (long t = 0; t < l.threads; t++) {
		w[t] = (struct worker){.l = &l, .idx = t};
		if (pthread_create(&th[t], NULL, work, &w[t]))
			return 3;
	}
	for (long t = 0; t < l.threads; t++)
		pthread_join(th[t], NULL);
	printf("region 0x%lx %ld\n", (unsigned long)(uintptr_t)l.base, total);
	for (long t = 0; t < l.threads; t++) {
		printf("thread %d %ld %ld\n", w[t].tid, t * l.pages, t * l.pages + l.pages - 1);
		if (w[t].bad) {
			fprintf(stderr, "uffd-load: shared page %d: wrong content\n", w[t].bad - 1);
			rc = 1;
		}
	}
	if (l.shared)
		printf("shared %ld %ld\n", l.threads * l.pages, total - 1);
	for (long p = 0; p < l.threads * l.pages; p++) {
		const unsigned char *pg = l.base + (size_t)p * PG;
		uint64_t m;

		memcpy(&m, pg, sizeof(m));
		if (m != marker(p / l.pages, p) ||
		    memcmp(pg + sizeof(m), expect(&l, p) + sizeof(m), PG - sizeof(m))) {
			fprintf(stderr, "uffd-load: page %ld: wrong content\n", p);
			rc = 1;
		}
	}
	return rc;
}
