// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /dev/xen/gntalloc: this domain grants its own pages to another domain.
 *
 * A grant lives until both of its users are gone: our mmap and the file's
 * list entry (dropped by DEALLOC_GREF or close). Only then does the kernel
 * fire the unmap notify and end foreign access; a peer that still maps the
 * page keeps it (and its slot under the global limit) until it unmaps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/gntalloc.h>

#include "diag.h"
#include "gntshare.h"

int gs_alloc_open(const struct gs_ctx *c, struct gs_alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->fd = gs_open_dev(c, GS_GNTALLOC, "xen-gntalloc", O_RDWR);
	return a->fd < 0 ? a->fd : 0;
}

int gs_alloc_grant(struct gs_alloc *a, uint16_t domid, uint32_t count, bool writable)
{
	size_t sz =
	    offsetof(struct ioctl_gntalloc_alloc_gref, gref_ids) + (size_t)count * sizeof(uint32_t);
	struct ioctl_gntalloc_alloc_gref *op;
	void *p;
	int rc;

	op = calloc(1, sz < sizeof(*op) ? sizeof(*op) : sz);
	a->refs = calloc(count, sizeof(uint32_t));
	if (!op || !a->refs) {
		free(op);
		return -ENOMEM;
	}
	op->domid = domid;
	op->flags = writable ? GNTALLOC_FLAG_WRITABLE : 0;
	op->count = count;
	if (ioctl(a->fd, IOCTL_GNTALLOC_ALLOC_GREF, op) < 0) {
		rc = -errno;
		free(op);
		return rc;
	}
	a->allocated = true;
	a->count = count;
	a->index = op->index;
	memcpy(a->refs, op->gref_ids, (size_t)count * sizeof(uint32_t));
	free(op);

	/* Our side always maps read/write: the pages are ours, only the peer's
	 * access is read-only or not. */
	p = mmap(NULL, (size_t)count * GS_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd,
		 (off_t)a->index);
	if (p == MAP_FAILED)
		return -errno;
	a->map = p;
	/* An --exec child must not inherit the pages: the grant would live
	 * on in a process that does not know it holds one. */
	madvise(p, (size_t)count * GS_PAGE_SIZE, MADV_DONTFORK);
	return 0;
}

int gs_alloc_notify(struct gs_alloc *a, uint64_t off, uint32_t action, uint32_t port)
{
	struct ioctl_gntalloc_unmap_notify op = {
	    .index = a->index + off,
	    .action = action,
	    .event_channel_port = port,
	};

	return ioctl(a->fd, IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, &op) < 0 ? -errno : 0;
}

int gs_alloc_release(struct gs_alloc *a)
{
	int rc = 0;

	/* munmap first: DEALLOC_GREF only drops the file's use, the mapping
	 * holds its own until it goes. */
	if (a->map && munmap(a->map, (size_t)a->count * GS_PAGE_SIZE) < 0)
		rc = -errno;
	a->map = NULL;
	if (a->allocated) {
		struct ioctl_gntalloc_dealloc_gref op = {.index = a->index, .count = a->count};

		if (ioctl(a->fd, IOCTL_GNTALLOC_DEALLOC_GREF, &op) < 0 && !rc)
			rc = -errno;
		a->allocated = false;
	}
	/* close would release whatever the ioctl did not. */
	if (a->fd >= 0 && close(a->fd) < 0 && !rc)
		rc = -errno;
	a->fd = -1;
	free(a->refs);
	a->refs = NULL;
	return rc;
}

int gs_alloc_fail(const struct gs_ctx *c, int err, uint32_t count, uint16_t domid)
{
	char hint[320];
	uint64_t limit;

	if (err != -ENOSPC)
		return hv_fail(err, NULL, "cannot grant %u page%s to domain %u", count,
			       count == 1 ? "" : "s", domid);
	if (hv_path_read_u64(&c->root, &limit, GS_GNTALLOC_LIMIT) < 0)
		snprintf(hint, sizeof(hint),
			 "gntalloc's limit of grants in use system-wide is reached; raise it: "
			 "echo N > %s",
			 GS_GNTALLOC_LIMIT);
	else if (count > limit)
		snprintf(
		    hint, sizeof(hint),
		    "gntalloc allows %llu grants system-wide, %u asked; raise it: echo %u > %s",
		    (unsigned long long)limit, count, count, GS_GNTALLOC_LIMIT);
	else
		snprintf(
		    hint, sizeof(hint),
		    "gntalloc allows %llu grants system-wide and others hold some, or the grant "
		    "table is full; see 'gntshare status', raise it: echo N > %s",
		    (unsigned long long)limit, GS_GNTALLOC_LIMIT);
	hv_err(err, hint, "cannot grant %u page%s to domain %u", count, count == 1 ? "" : "s",
	       domid);
	return HV_EXIT_LIMIT;
}

/* One ALLOC_GREF of n pages, released at once: does n fit right now? */
static int try_alloc(int fd, uint16_t domid, uint32_t n)
{
	size_t sz =
	    offsetof(struct ioctl_gntalloc_alloc_gref, gref_ids) + (size_t)n * sizeof(uint32_t);
	struct ioctl_gntalloc_alloc_gref *op = calloc(1, sz);
	struct ioctl_gntalloc_dealloc_gref d;
	int rc = 0;

	if (!op)
		return -ENOMEM;
	op->domid = domid;
	op->count = n;
	if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, op) < 0) {
		rc = -errno;
	} else {
		d.index = op->index;
		d.count = n;
		if (ioctl(fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d) < 0)
			rc = -errno;
	}
	free(op);
	return rc;
}

int gs_alloc_probe(struct gs_alloc *a, uint16_t domid, uint32_t max, uint32_t *avail)
{
	uint32_t lo = 0, hi = max;
	int rc;

	if (!max) {
		*avail = 0;
		return 0;
	}
	/* The common case, nothing held by anyone, costs one allocation. */
	rc = try_alloc(a->fd, domid, max);
	if (rc == 0) {
		*avail = max;
		return 0;
	}
	if (rc != -ENOSPC)
		return rc;
	/* lo fits, hi does not. */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		rc = try_alloc(a->fd, domid, mid);
		if (rc == 0)
			lo = mid;
		else if (rc == -ENOSPC)
			hi = mid;
		else
			return rc;
	}
	*avail = lo;
	return 0;
}
