// SPDX-License-Identifier: GPL-2.0-or-later
/* The userfaultfd ioctls, entry points and names (see uffd.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uffd.h"

const struct uw_name uw_feature_names[] = {
    {UFFD_FEATURE_PAGEFAULT_FLAG_WP, "pagefault_flag_wp"},
    {UFFD_FEATURE_EVENT_FORK, "event_fork"},
    {UFFD_FEATURE_EVENT_REMAP, "event_remap"},
    {UFFD_FEATURE_EVENT_REMOVE, "event_remove"},
    {UFFD_FEATURE_MISSING_HUGETLBFS, "missing_hugetlbfs"},
    {UFFD_FEATURE_MISSING_SHMEM, "missing_shmem"},
    {UFFD_FEATURE_EVENT_UNMAP, "event_unmap"},
    {UFFD_FEATURE_SIGBUS, "sigbus"},
    {UFFD_FEATURE_THREAD_ID, "thread_id"},
    {UFFD_FEATURE_MINOR_HUGETLBFS, "minor_hugetlbfs"},
    {UFFD_FEATURE_MINOR_SHMEM, "minor_shmem"},
    {UFFD_FEATURE_EXACT_ADDRESS, "exact_address"},
    {UFFD_FEATURE_WP_HUGETLBFS_SHMEM, "wp_hugetlbfs_shmem"},
    {UFFD_FEATURE_WP_UNPOPULATED, "wp_unpopulated"},
    {UFFD_FEATURE_POISON, "poison"},
    {UFFD_FEATURE_WP_ASYNC, "wp_async"},
    {UFFD_FEATURE_MOVE, "move"},
    {0, NULL},
};

/* Bit numbers are the _UFFDIO_* command numbers. */
const struct uw_name uw_ioctl_names[] = {
    {1ull << 0x00, "register"},
    {1ull << 0x01, "unregister"},
    {1ull << 0x02, "wake"},
    {1ull << 0x03, "copy"},
    {1ull << 0x04, "zeropage"},
    {1ull << 0x05, "move"},
    {1ull << 0x06, "writeprotect"},
    {1ull << 0x07, "continue"},
    {1ull << 0x08, "poison"},
    {1ull << 0x3f, "api"},
    {0, NULL},
};

int uw_open_syscall(int flags)
{
	int fd = (int)syscall(SYS_userfaultfd, flags);

	return fd < 0 ? -errno : fd;
}

int uw_open_dev(int flags)
{
	int dev, fd;

	dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	fd = ioctl(dev, USERFAULTFD_IOC_NEW, flags);
	fd = fd < 0 ? -errno : fd;
	close(dev);
	return fd;
}

int uw_open_any(int flags)
{
	int fd = uw_open_syscall(flags);

	if (fd >= 0)
		return fd;
	fd = uw_open_dev(flags);
	if (fd >= 0)
		return fd;
	return uw_open_syscall(flags | UFFD_USER_MODE_ONLY);
}

int uw_api(int fd, uint64_t want, uint64_t *features, uint64_t *ioctls)
{
	struct uffdio_api a = {.api = UFFD_API, .features = want};

	if (ioctl(fd, UFFDIO_API, &a) < 0)
		return -errno;
	if (features)
		*features = a.features;
	if (ioctls)
		*ioctls = a.ioctls;
	return 0;
}

int uw_kernel_features(uint64_t *features, uint64_t *ioctls)
{
	int fd = uw_open_any(O_CLOEXEC), err;

	if (fd < 0)
		return fd;
	err = uw_api(fd, 0, features, ioctls);
	close(fd);
	return err;
}

bool uw_is_uffd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return !strcmp(link, "anon_inode:[userfaultfd]");
}

int uw_copy(int uffd, uint64_t dst, const void *src, uint64_t len, uint64_t mode, uint64_t *done)
{
	struct uffdio_copy c = {.dst = dst, .src = (uintptr_t)src, .len = len, .mode = mode};
	int err = ioctl(uffd, UFFDIO_COPY, &c) < 0 ? -errno : 0;

	if (done)
		*done = c.copy > 0 ? (uint64_t)c.copy : 0;
	return err;
}

int uw_zeropage(int uffd, uint64_t dst, uint64_t len, uint64_t *done)
{
	struct uffdio_zeropage z = {.range = {.start = dst, .len = len}};
	int err = ioctl(uffd, UFFDIO_ZEROPAGE, &z) < 0 ? -errno : 0;

	if (done)
		*done = z.zeropage > 0 ? (uint64_t)z.zeropage : 0;
	return err;
}

int uw_poison(int uffd, uint64_t dst, uint64_t len)
{
	struct uffdio_poison z = {.range = {.start = dst, .len = len}};

	return ioctl(uffd, UFFDIO_POISON, &z) < 0 ? -errno : 0;
}

int uw_wake(int uffd, uint64_t start, uint64_t len)
{
	struct uffdio_range r = {.start = start, .len = len};

	return ioctl(uffd, UFFDIO_WAKE, &r) < 0 ? -errno : 0;
}

int uw_writeprotect(int uffd, uint64_t start, uint64_t len, bool wp)
{
	struct uffdio_writeprotect w = {
	    .range = {.start = start, .len = len},
	    .mode = wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return ioctl(uffd, UFFDIO_WRITEPROTECT, &w) < 0 ? -errno : 0;
}

int uw_continue(int uffd, uint64_t start, uint64_t len, uint64_t *done)
{
	struct uffdio_continue c = {.range = {.start = start, .len = len}};
	int err = ioctl(uffd, UFFDIO_CONTINUE, &c) < 0 ? -errno : 0;

	if (done)
		*done = err ? (c.mapped > 0 ? (uint64_t)c.mapped : 0) : len;
	return err;
}

int uw_register(int uffd, uint64_t start, uint64_t len, uint64_t mode, uint64_t *ioctls)
{
	struct uffdio_register r = {.range = {.start = start, .len = len}, .mode = mode};

	if (ioctl(uffd, UFFDIO_REGISTER, &r) < 0)
		return -errno;
	if (ioctls)
		*ioctls = r.ioctls;
	return 0;
}

int uw_unregister(int uffd, uint64_t start, uint64_t len)
{
	struct uffdio_range r = {.start = start, .len = len};

	return ioctl(uffd, UFFDIO_UNREGISTER, &r) < 0 ? -errno : 0;
}
