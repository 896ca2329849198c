// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /dev/xen/gntdev: this domain maps grants another domain gave it.
 *
 * MAP_GRANT_REF only reserves an mmap offset; Xen is asked at mmap time, so
 * a ref that was never granted, or a read-only grant mapped writable, shows
 * up as mmap failing with EINVAL for the whole batch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* The UAPI header uses Xen's types without defining them. */
typedef uint16_t domid_t;
typedef uint32_t grant_ref_t;
#include <xen/gntdev.h>

#include "diag.h"
#include "gntshare.h"

int gs_map_open(const struct gs_ctx *c, struct gs_map *m)
{
	memset(m, 0, sizeof(*m));
	m->fd = gs_open_dev(c, GS_GNTDEV, "xen-gntdev", O_RDWR);
	return m->fd < 0 ? m->fd : 0;
}

int gs_map_refs(struct gs_map *m, uint16_t domid, const uint32_t *refs, uint32_t count,
		bool writable)
{
	size_t sz = offsetof(struct ioctl_gntdev_map_grant_ref, refs) +
		    (size_t)count * sizeof(struct ioctl_gntdev_grant_ref);
	struct ioctl_gntdev_map_grant_ref *op;
	void *p;
	int rc;

	op = calloc(1, sz < sizeof(*op) ? sizeof(*op) : sz);
	if (!op)
		return -ENOMEM;
	op->count = count;
	for (uint32_t i = 0; i < count; i++) {
		op->refs[i].domid = domid;
		op->refs[i].ref = refs[i];
	}
	if (ioctl(m->fd, IOCTL_GNTDEV_MAP_GRANT_REF, op) < 0) {
		rc = -errno;
		free(op);
		return rc;
	}
	m->mapped = true;
	m->count = count;
	m->index = op->index;
	free(op);

	p = mmap(NULL, (size_t)count * GS_PAGE_SIZE, writable ? PROT_READ | PROT_WRITE : PROT_READ,
		 MAP_SHARED, m->fd, (off_t)m->index);
	if (p == MAP_FAILED)
		return -errno;
	m->map = p;
	m->writable = writable;
	return 0;
}

int gs_map_notify(struct gs_map *m, uint64_t off, uint32_t action, uint32_t port)
{
	struct ioctl_gntdev_unmap_notify op = {
	    .index = m->index + off,
	    .action = action,
	    .event_channel_port = port,
	};

	return ioctl(m->fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &op) < 0 ? -errno : 0;
}

int gs_map_release(struct gs_map *m)
{
	int rc = 0;

	if (m->map && munmap(m->map, (size_t)m->count * GS_PAGE_SIZE) < 0)
		rc = -errno;
	m->map = NULL;
	if (m->mapped) {
		struct ioctl_gntdev_unmap_grant_ref op = {.index = m->index, .count = m->count};

		if (ioctl(m->fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &op) < 0 && !rc)
			rc = -errno;
		m->mapped = false;
	}
	if (m->fd >= 0 && close(m->fd) < 0 && !rc)
		rc = -errno;
	m->fd = -1;
	return rc;
}

static int try_one(const struct gs_ctx *c, uint16_t domid, uint32_t ref, bool writable)
{
	struct gs_map m;
	int rc;

	rc = gs_map_open(c, &m);
	if (rc < 0)
		return rc;
	rc = gs_map_refs(&m, domid, &ref, 1, writable);
	gs_map_release(&m);
	return rc;
}

int gs_map_diagnose(const struct gs_ctx *c, uint16_t domid, const uint32_t *refs, uint32_t count,
		    bool writable, bool *maps_readonly)
{
	*maps_readonly = false;
	for (uint32_t i = 0; i < count; i++) {
		if (try_one(c, domid, refs[i], writable) == 0)
			continue;
		if (writable && try_one(c, domid, refs[i], false) == 0)
			*maps_readonly = true;
		return (int)i;
	}
	return -1;
}
