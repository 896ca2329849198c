// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-blk over a file or block device: --block FILE[,ro]. Requests are
 * served synchronously when the guest notifies, straight between the disk
 * and guest memory (pread/pwrite into the mapping). Every request is
 * checked against the disk's size; a request that does not fit gets
 * VIRTIO_BLK_S_IOERR, not a short transfer.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "fileio.h"
#include "lguest-run.h"

enum {
	BLK_F_SEG_MAX = 1u << 2,
	BLK_F_RO = 1u << 5,
	BLK_F_BLK_SIZE = 1u << 6,
	BLK_F_FLUSH = 1u << 9,
	BLK_T_IN = 0,
	BLK_T_OUT = 1,
	BLK_T_FLUSH = 4,
	BLK_T_GET_ID = 8,
	BLK_S_OK = 0,
	BLK_S_IOERR = 1,
	BLK_S_UNSUPP = 2,
	SEG_MAX = 126, /* queue size minus header and status */
};

static uint32_t blk_features(struct lg_virtio *v)
{
	return BLK_F_SEG_MAX | BLK_F_BLK_SIZE | BLK_F_FLUSH | (v->ro ? BLK_F_RO : 0);
}

static void blk_config(struct lg_virtio *v, unsigned off, uint8_t *buf, unsigned len)
{
	uint8_t cfg[24] = {0};

	for (unsigned i = 0; i < 8; i++)
		cfg[i] = v->capacity >> (8 * i);
	cfg[12] = SEG_MAX;  /* seg_max at 12; size_max (8) stays 0: no limit */
	cfg[21] = 512 >> 8; /* blk_size at 20 */
	memcpy(buf, cfg + off, len);
}

/* Moves len bytes between the disk at *pos and guest memory. */
static int xfer(struct lg *lg, struct lg_virtio *v, uint64_t gpa, uint32_t len, uint64_t *pos,
		bool to_guest)
{
	uint8_t *p = lg_gpa(lg, gpa, len);
	uint64_t size = v->capacity * 512;
	int rc;

	if (!p || *pos > size || len > size - *pos)
		return -EINVAL;
	if (to_guest) {
		ssize_t n = hv_pread_full(v->fd, p, len, *pos);

		rc = n < 0 ? (int)n : (size_t)n < len ? -EIO : 0;
	} else {
		rc = hv_pwrite_full(v->fd, p, len, *pos);
	}
	if (rc)
		return rc;
	*pos += len;
	v->bytes += len;
	return 0;
}

static uint8_t do_request(struct lg *lg, struct lg_virtio *v, struct lg_desc_chain *c,
			  uint32_t *written)
{
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr;
	uint64_t pos;
	unsigned ndata = c->n - 2;

	if (c->n < 2 || c->d[0].write || c->d[0].len < sizeof(hdr))
		return BLK_S_IOERR;
	memcpy(&hdr, lg_gpa(lg, c->d[0].addr, sizeof(hdr)), sizeof(hdr));
	if (hdr.sector > UINT64_MAX / 512)
		return BLK_S_IOERR;
	pos = hdr.sector * 512;
	v->requests++;
	switch (hdr.type) {
	case BLK_T_IN:
	case BLK_T_OUT:
		if (hdr.type == BLK_T_OUT && v->ro)
			return BLK_S_IOERR;
		for (unsigned i = 1; i <= ndata; i++) {
			bool to_guest = hdr.type == BLK_T_IN;

			if (c->d[i].write != to_guest)
				return BLK_S_IOERR;
			if (xfer(lg, v, c->d[i].addr, c->d[i].len, &pos, to_guest))
				return BLK_S_IOERR;
			if (to_guest)
				*written += c->d[i].len;
		}
		return BLK_S_OK;
	case BLK_T_FLUSH:
		return fdatasync(v->fd) == 0 || v->ro ? BLK_S_OK : BLK_S_IOERR;
	case BLK_T_GET_ID: {
		char id[20] = {0};

		if (ndata < 1 || !c->d[1].write)
			return BLK_S_IOERR;
		snprintf(id, sizeof(id), "lguest-run-%u", v->slot);
		memcpy(lg_gpa(lg, c->d[1].addr, c->d[1].len), id,
		       c->d[1].len < sizeof(id) ? c->d[1].len : sizeof(id));
		*written += c->d[1].len < sizeof(id) ? c->d[1].len : sizeof(id);
		return BLK_S_OK;
	}
	default:
		return BLK_S_UNSUPP;
	}
}

static bool blk_notify(struct lg *lg, struct lg_virtio *v, unsigned q)
{
	struct lg_desc_chain c;
	bool used = false;

	while (lg_vq_pop(lg, v, q, &c) > 0) {
		uint32_t written = 0;
		uint8_t status = do_request(lg, v, &c, &written);
		unsigned last = c.n - 1;

		/*
		 * The used length is what the device wrote: the status byte only
		 * counts if the guest gave it a writable place.
		 */
		if (c.d[last].write && c.d[last].len >= 1) {
			*(uint8_t *)lg_gpa(lg, c.d[last].addr, 1) = status;
			written++;
		}
		lg_vq_push(lg, v, q, c.head, written);
		used = true;
	}
	return used;
}

static const struct lg_virtio_ops blk_ops = {
    .name = "virtio-blk",
    .pci_device = 0x1001,
    .type = 2,
    .class_code = 0x010000, /* mass storage, SCSI: what QEMU's legacy device says */
    .nqueues = 1,
    .features = blk_features,
    .config_read = blk_config,
    .config_size = 24,
    .notify = blk_notify,
};

int lg_blk_open(struct lg_block_opt *opt)
{
	uint64_t size;
	struct stat sb;
	int rc;

	opt->fd = open(opt->path, (opt->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (opt->fd < 0) {
		rc = -errno;
		return hv_fail(
		    rc, rc == -EACCES || rc == -EROFS ? "add ,ro for read-only access" : NULL,
		    "opening disk image %s", opt->path);
	}
	if (fstat(opt->fd, &sb) < 0)
		return hv_fail(-errno, NULL, "disk image %s", opt->path);
	if (S_ISBLK(sb.st_mode)) {
		if (ioctl(opt->fd, BLKGETSIZE64, &size) < 0)
			return hv_fail(-errno, NULL, "disk image %s", opt->path);
	} else if (S_ISREG(sb.st_mode)) {
		size = sb.st_size;
	} else {
		hv_err(0, "use a regular file or a block device",
		       "disk image %s: not a file or block device", opt->path);
		return HV_EXIT_FAILURE;
	}
	/* A partial last sector is not addressable: the guest sees whole sectors. */
	opt->capacity = size / 512;
	return 0;
}

int lg_blk_add(struct lg *lg, struct lg_block_opt *opt)
{
	struct lg_virtio *v = calloc(1, sizeof(*v));
	int rc;

	if (!v)
		return hv_fail(-ENOMEM, NULL, "virtio-blk");
	v->ops = &blk_ops;
	v->ro = opt->ro;
	v->fd = opt->fd;
	v->capacity = opt->capacity;
	rc = lg_virtio_add(lg, v);
	if (rc) {
		free(v);
		return rc;
	}
	/* The device owns the descriptor now (lg_virtio_free closes it). */
	opt->fd = -1;
	return 0;
}

void lg_virtio_free(struct lg *lg)
{
	for (unsigned i = 0; i < lg->nvirtio; i++) {
		if (lg->virtio[i]->ops->release)
			lg->virtio[i]->ops->release(lg->virtio[i]);
		if (lg->virtio[i]->fd >= 0)
			close(lg->virtio[i]->fd);
		free(lg->virtio[i]);
	}
	lg->nvirtio = 0;
}
