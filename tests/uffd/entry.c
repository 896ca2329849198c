// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-entry syscall|user-mode|dev: proves that a userfaultfd entry point
 * really works, end to end: create, UFFDIO_API, register a page, have a
 * thread fault on it, serve the fault with UFFDIO_COPY, check the content.
 * Exit 0 and "works", or 1 and the failing step.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile unsigned char *page;
static unsigned char seen;

static void *toucher(void *v)
{
	(void)v;
	seen = page[100];
	return NULL;
}

static int fail(const char *step)
{
	printf("fails at %s: %s\n", step, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	static unsigned char src[4096];
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg = {.mode = UFFDIO_REGISTER_MODE_MISSING};
	struct uffdio_copy cp = {.len = 4096};
	struct uffd_msg m;
	struct pollfd pfd;
	pthread_t th;
	int fd = -1;

	if (argc != 2)
		return 2;
	if (!strcmp(argv[1], "syscall")) {
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	} else if (!strcmp(argv[1], "user-mode")) {
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	} else if (!strcmp(argv[1], "dev")) {
		int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);

		if (dev < 0)
			return fail("open /dev/userfaultfd");
		fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC);
		close(dev);
	} else {
		return 2;
	}
	if (fd < 0)
		return fail("create");
	if (ioctl(fd, UFFDIO_API, &api) < 0)
		return fail("UFFDIO_API");
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return fail("mmap");
	reg.range.start = (unsigned long)page;
	reg.range.len = 4096;
	if (ioctl(fd, UFFDIO_REGISTER, &reg) < 0)
		return fail("UFFDIO_REGISTER");
	if (pthread_create(&th, NULL, toucher, NULL))
		return fail("pthread_create");
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	if (poll(&pfd, 1, 5000) != 1)
		return fail("poll (no fault within 5 s)");
	if (read(fd, &m, sizeof(m)) != sizeof(m) || m.event != UFFD_EVENT_PAGEFAULT)
		return fail("read");
	memset(src, 0x5a, sizeof(src));
	cp.dst = m.arg.pagefault.address & ~4095ull;
	cp.src = (unsigned long)src;
	if (ioctl(fd, UFFDIO_COPY, &cp) < 0)
		return fail("UFFDIO_COPY");
	pthread_join(th, NULL);
	if (seen != 0x5a) {
		errno = EIO;
		return fail("content check");
	}
	printf("works\n");
	return 0;
}
