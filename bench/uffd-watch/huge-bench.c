// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * huge-bench: the 2 MiB restore harness behind bench/uffd-watch/huge. A
 * "restore" is a VMM touching every huge page of its guest memory once
 * (one byte per 2 MiB page, in address order), each touch a missing fault
 * answered with one 2 MiB UFFDIO_COPY from the memory file.
 *
 *   huge-bench minimal FILE N      N MAP_HUGETLB pages served by the minimal
 *       handler: one thread blocked in read(), one 2 MiB UFFDIO_COPY per
 *       fault from a private mapping of FILE (not populated: the source is
 *       faulted in from the page cache by the copy, as serve's is).
 *   huge-bench client SOCKET N [GO]  the same N pages registered and handed
 *       to `uffd-watch serve` on SOCKET with Firecracker's handshake (one
 *       region, page_size 2097152, offset 0). With GO, it waits after the
 *       handshake until the file GO exists, so that several restores start
 *       together.
 *
 * Prints one JSON line: pages, seconds (first touch to last), start_ns and
 * end_ns (CLOCK_MONOTONIC, to merge concurrent runs), pages_per_second and
 * gib_per_second. Needs root and N free 2 MiB pages (vm.nr_hugepages).
 */
#define _GNU_SOURCE
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
#include <time.h>
#include <unistd.h>

#define HPG ((size_t)2 << 20)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int die(const char *what)
{
	perror(what);
	return 1;
}

struct handler {
	int uffd;
	const unsigned char *src;
	uint64_t base;
};

/* The userfaultfd(2) man page's handler, a huge page per copy. */
static void *handler(void *v)
{
	struct handler *h = v;
	struct uffd_msg m;

	for (;;) {
		struct uffdio_copy c = {0};

		if (read(h->uffd, &m, sizeof(m)) != sizeof(m))
			return NULL;
		if (m.event != UFFD_EVENT_PAGEFAULT)
			continue;
		c.dst = m.arg.pagefault.address & ~(uint64_t)(HPG - 1);
		c.src = (uintptr_t)(h->src + (c.dst - h->base));
		c.len = HPG;
		ioctl(h->uffd, UFFDIO_COPY, &c);
	}
}

/* N huge pages registered for missing faults with a fresh userfaultfd. */
static unsigned char *region(long n, int *uffd)
{
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg = {.mode = UFFDIO_REGISTER_MODE_MISSING};
	unsigned char *p;

	*uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (*uffd < 0 || ioctl(*uffd, UFFDIO_API, &api) < 0)
		return NULL;
	p = mmap(NULL, (size_t)n * HPG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	reg.range.start = (uintptr_t)p;
	reg.range.len = (uint64_t)n * HPG;
	if (ioctl(*uffd, UFFDIO_REGISTER, &reg) < 0)
		return NULL;
	return p;
}

static void touch_report(const char *mode, volatile unsigned char *p, long n)
{
	uint64_t t0 = now_ns(), t1;
	unsigned sum = 0;
	double s;

	for (long i = 0; i < n; i++)
		sum += p[(size_t)i * HPG + 8]; /* past the page index the file starts with */
	t1 = now_ns();
	s = (double)(t1 - t0) / 1e9;
	printf("{\"mode\":\"%s\",\"pages\":%ld,\"seconds\":%.6f,\"start_ns\":%llu,\"end_ns\":%llu,"
	       "\"pages_per_second\":%.1f,\"gib_per_second\":%.3f,\"sum\":%u}\n",
	       mode, n, s, (unsigned long long)t0, (unsigned long long)t1, (double)n / s,
	       (double)n * (double)HPG / s / (double)(1u << 30), sum);
}

static int minimal(const char *file, long n)
{
	struct handler h;
	struct stat st;
	pthread_t th;
	unsigned char *p;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < (off_t)((size_t)n * HPG))
		return die("huge-bench: memory file (too small?)");
	h.src = mmap(NULL, (size_t)n * HPG, PROT_READ, MAP_PRIVATE, fd, 0);
	if (h.src == MAP_FAILED)
		return die("huge-bench: mmap file");
	if (!(p = region(n, &h.uffd)))
		return die("huge-bench: huge-page region (vm.nr_hugepages)");
	h.base = (uintptr_t)p;
	pthread_create(&th, NULL, handler, &h);
	touch_report("minimal", p, n);
	return 0;
}

static int client(const char *path, long n, const char *go)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char body[256];
	unsigned char *p;
	int uffd, s;

	if (!(p = region(n, &uffd)))
		return die("huge-bench: huge-page region (vm.nr_hugepages)");
	snprintf(body, sizeof(body),
		 "[{\"base_host_virt_addr\":%lu,\"size\":%zu,\"offset\":0,\"page_size\":%zu}]",
		 (unsigned long)p, (size_t)n * HPG, HPG);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (int i = 0; connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0; i++) {
		struct timespec ts = {0, 10000000};

		if (i > 1000)
			return die("huge-bench: connect");
		nanosleep(&ts, NULL);
	}
	{
		struct iovec iov = {.iov_base = body, .iov_len = strlen(body)};
		union {
			char b[CMSG_SPACE(sizeof(int))];
			struct cmsghdr a;
		} c;
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = c.b,
				    .msg_controllen = sizeof(c.b)};
		struct cmsghdr *h;

		memset(&c, 0, sizeof(c));
		h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &uffd, sizeof(int));
		if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0)
			return die("huge-bench: sendmsg");
	}
	while (go && access(go, F_OK) < 0) {
		struct timespec ts = {0, 1000000};

		nanosleep(&ts, NULL);
	}
	touch_report("serve", p, n);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 3 ? atol(argv[3]) : 0;

	if (argc >= 4 && n > 0 && !strcmp(argv[1], "minimal"))
		return minimal(argv[2], n);
	if (argc >= 4 && n > 0 && !strcmp(argv[1], "client"))
		return client(argv[2], n, argc > 4 ? argv[4] : NULL);
	fprintf(stderr, "usage: huge-bench minimal FILE N | client SOCKET N [GO]\n");
	return 2;
}
