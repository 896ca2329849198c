/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A 9P2000.L file server over one host directory, the protocol half of
 * --share: one message in, one message out, no KVM and no virtio, so the
 * unit tests and the fuzz harness drive it directly (virtio-9p.c moves
 * the messages between the virtqueue and it).
 *
 * The client is untrusted. Every size, fid, offset, count and string of a
 * message is checked before use; every path is resolved beneath the
 * shared directory by openat2(2) with RESOLVE_BENEATH, RESOLVE_NO_XDEV,
 * RESOLVE_NO_MAGICLINKS and RESOLVE_NO_SYMLINKS (9P clients resolve
 * symlinks themselves: the server never follows one), so no "..", symlink
 * or mount point takes the client outside it; only regular files and
 * directories are ever opened for I/O, and nothing created gets set-user-ID
 * or set-group-ID bits or a device number.
 */
#ifndef LG_P9_H
#define LG_P9_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P9_MSIZE_MIN 4096
/*
 * 128 KiB, Linux's default: a larger msize lets the virtio client build
 * requests of more descriptors than a free 128-entry ring has, and it then
 * waits for room that never comes (a --run guest hung so with 512 KiB).
 */
#define P9_MSIZE_MAX   (128u << 10)
#define P9_MAX_FIDS    16384
#define P9_FID_BUCKETS 256

struct p9_fid;

struct p9_server {
	int root_fd; /* O_PATH of the shared directory; owned by the caller */
	bool ro;
	/*
	 * --run's root only: mounts below the root are crossed (a host root
	 * is many filesystems), except into the kernel's pseudo filesystems
	 * (/proc, /sys, ...), whose mount points are visible but nothing in
	 * them; qids then mix in the device, as inode numbers repeat.
	 */
	bool cross_mounts;
	uint32_t msize; /* negotiated by Tversion (P9_MSIZE_MAX before) */
	struct p9_fid *fids[P9_FID_BUCKETS];
	unsigned nfids;
	uint64_t requests, bytes; /* messages answered, file bytes read and written */
};

void p9_init(struct p9_server *s, int root_fd, bool ro);
/*
 * Answers the message req[0, len) into resp (room for resp_max bytes, at
 * most msize are used); returns the reply's length, 0 if not even an error
 * reply fits (the client then gets nothing back for that buffer).
 */
size_t p9_handle(struct p9_server *s, const uint8_t *req, size_t len, uint8_t *resp,
		 size_t resp_max);
/* Drops every fid (closing their files), as a Tversion or a device reset does. */
void p9_reset(struct p9_server *s);

#endif
