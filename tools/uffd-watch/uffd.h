/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The userfaultfd kernel interface as uffd-watch uses it: entry points, the
 * API handshake, feature and ioctl names for probe, and one wrapper per
 * ioctl that registers memory or resolves a fault (uffd.c).
 */
#ifndef UW_UFFD_H
#define UW_UFFD_H

#include <linux/userfaultfd.h>
#include <stdbool.h>
#include <stdint.h>

/* Newer than Debian 12's headers; named so probe can report them. */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_POISON
#define UFFD_FEATURE_POISON (1 << 14)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE (1 << 16)
#endif
#ifndef UFFDIO_POISON
/* Linux 6.6: a page that faults with SIGBUS (a memory error), not a copy. */
struct uffdio_poison {
	struct uffdio_range range;
	__u64 mode;
	__s64 updated;
};
#define _UFFDIO_POISON (0x08)
#define UFFDIO_POISON  _IOWR(UFFDIO, _UFFDIO_POISON, struct uffdio_poison)
#endif

#define UW_PAGE 4096ull
/* A hugetlbfs page of x86-64's default size, as serve's handshake may give. */
#define UW_HPAGE (2ull << 20)
/* Above any user address, 5-level paging included: nothing maps there. */
#define UW_ADDR_LIMIT (1ull << 57)

struct uw_name {
	uint64_t bit;
	const char *name;
};
/* NULL-name terminated tables. */
extern const struct uw_name uw_feature_names[];
extern const struct uw_name uw_ioctl_names[];

/* Entry points; each returns an fd or -errno. */
int uw_open_syscall(int flags);
int uw_open_dev(int flags);
/* Any entry point that works, for the handler's own feature query. */
int uw_open_any(int flags);
int uw_api(int fd, uint64_t want, uint64_t *features, uint64_t *ioctls);
/* Features and ioctls this kernel offers, from a throwaway context. */
int uw_kernel_features(uint64_t *features, uint64_t *ioctls);
/* Is fd really a userfaultfd (never trust a passed descriptor)? */
bool uw_is_uffd(int fd);

/*
 * Resolution. All return 0 or -errno; copy and zeropage report the bytes
 * done, which on -EAGAIN is a prefix of the range: the kernel stops at the
 * first page already present and never overwrites it.
 */
int uw_copy(int uffd, uint64_t dst, const void *src, uint64_t len, uint64_t mode, uint64_t *done);
int uw_zeropage(int uffd, uint64_t dst, uint64_t len, uint64_t *done);
/* -EINVAL or -ENOTTY: the kernel has no UFFDIO_POISON (before 6.6). */
int uw_poison(int uffd, uint64_t dst, uint64_t len);
int uw_wake(int uffd, uint64_t start, uint64_t len);
int uw_writeprotect(int uffd, uint64_t start, uint64_t len, bool wp);
/* Maps pages already in the page cache (minor faults); *done as for copy. */
int uw_continue(int uffd, uint64_t start, uint64_t len, uint64_t *done);
int uw_register(int uffd, uint64_t start, uint64_t len, uint64_t mode, uint64_t *ioctls);
int uw_unregister(int uffd, uint64_t start, uint64_t len);

#endif
