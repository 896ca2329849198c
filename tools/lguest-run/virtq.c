// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The split virtqueue walk every device model shares. The rings live in
 * guest memory and are written by the guest: every index and address is
 * checked, and a malformed ring stops that device (DEVICE_NEEDS_RESET),
 * never the launcher.
 */
#include <errno.h>
#include <string.h>

#include "diag.h"
#include "lguest-run.h"

#define VQ_ALIGN		   4096
#define VRING_DESC_F_NEXT	   1
#define VRING_DESC_F_WRITE	   2
#define VRING_DESC_F_INDIRECT	   4
#define VRING_AVAIL_F_NO_INTERRUPT 1

void lg_vq_reset(struct lg_virtq *q, uint16_t size)
{
	memset(q, 0, sizeof(*q));
	q->size = size;
}

static void broken(struct lg *lg, struct lg_virtio *v, const char *why)
{
	if (!(v->status & LG_VIRTIO_NEEDS_RESET) && lg->common.verbose)
		hv_note("%s at 00:%02x.0: %s: device stopped until the guest resets it",
			v->ops->name, v->slot, why);
	v->status |= LG_VIRTIO_NEEDS_RESET;
}

void lg_vq_set_pfn(struct lg *lg, struct lg_virtio *v, struct lg_virtq *q, uint32_t pfn)
{
	uint64_t base = (uint64_t)pfn * VQ_ALIGN, avail_end, used, total;

	q->pfn = pfn;
	q->last_avail = 0;
	if (!pfn)
		return;
	avail_end = base + 16ULL * q->size + 2 * (3 + q->size);
	used = (avail_end + VQ_ALIGN - 1) & ~(uint64_t)(VQ_ALIGN - 1);
	total = used + 6 + 8ULL * q->size - base;
	if (!lg_gpa(lg, base, total)) {
		q->pfn = 0;
		broken(lg, v, "virtqueue outside guest memory");
		return;
	}
	q->desc = base;
	q->avail = base + 16ULL * q->size;
	q->used = used;
}

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* 1 with a chain in *c, 0 if the ring is empty, -EINVAL if it is malformed. */
int lg_vq_pop(struct lg *lg, struct lg_virtio *v, unsigned qi, struct lg_desc_chain *c)
{
	struct lg_virtq *q = &v->vq[qi];
	volatile uint16_t *avail;
	struct vring_desc *desc;
	uint16_t idx, i;

	if (!q->pfn || (v->status & LG_VIRTIO_NEEDS_RESET))
		return 0;
	avail = lg_gpa(lg, q->avail, 4 + 2ULL * q->size);
	desc = lg_gpa(lg, q->desc, 16ULL * q->size);
	idx = avail[1];
	if (idx == q->last_avail)
		return 0;
	if ((uint16_t)(idx - q->last_avail) > q->size) {
		broken(lg, v, "avail index ran ahead of the ring");
		return -EINVAL;
	}
	/* The entries are valid once we saw the index that covers them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	c->head = avail[2 + q->last_avail % q->size];
	q->last_avail++;
	c->n = 0;
	i = c->head;
	for (;;) {
		struct vring_desc d;

		if (i >= q->size || c->n >= q->size || c->n >= sizeof(c->d) / sizeof(c->d[0])) {
			broken(lg, v, "descriptor index out of range or chain loops");
			return -EINVAL;
		}
		memcpy(&d, &desc[i], sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT) {
			broken(lg, v, "indirect descriptor (feature not offered)");
			return -EINVAL;
		}
		if (!lg_gpa(lg, d.addr, d.len)) {
			broken(lg, v, "buffer outside guest memory");
			return -EINVAL;
		}
		c->d[c->n].addr = d.addr;
		c->d[c->n].len = d.len;
		c->d[c->n].write = d.flags & VRING_DESC_F_WRITE;
		c->n++;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		i = d.next;
	}
	return 1;
}

void lg_vq_push(struct lg *lg, struct lg_virtio *v, unsigned qi, uint16_t head, uint32_t len)
{
	struct lg_virtq *q = &v->vq[qi];
	volatile uint16_t *used = lg_gpa(lg, q->used, 4 + 8ULL * q->size);
	uint16_t idx = used[1];
	volatile uint32_t *elem = (volatile uint32_t *)(used + 2) + 2 * (idx % q->size);

	elem[0] = head;
	elem[1] = len;
	/* The element must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	used[1] = idx + 1;
}

void lg_virtio_interrupt(struct lg *lg, struct lg_virtio *v, unsigned qi)
{
	volatile uint16_t *avail = lg_gpa(lg, v->vq[qi].avail, 4);

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (avail && (avail[0] & VRING_AVAIL_F_NO_INTERRUPT))
		return;
	v->isr |= 1;
	lg_irq(lg, v->irq, 1);
}
