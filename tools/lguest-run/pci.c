// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PCI configuration mechanism #1 (ports 0xcf8/0xcfc) with a host bridge at
 * 00:00.0 and one legacy ("transitional") virtio-pci function per device,
 * plus the virtio legacy I/O transport and the virtqueue walk every device
 * model shares. Legacy virtio needs no MSI-X and no memory BARs: a 256-byte
 * I/O BAR and INTx, routed straight to a PIC line because the guest has no
 * MP table or ACPI (Linux then takes the Interrupt Line register as is).
 *
 * The rings live in guest memory and are written by the guest: every index
 * and address is checked, and a malformed ring stops that device
 * (DEVICE_NEEDS_RESET), never the launcher.
 */
#include <errno.h>
#include <string.h>

#include "diag.h"
#include "lguest-run.h"

#define VIRTIO_VENDOR	     0x1af4
#define VIRTIO_IO_BASE	     0xc000
#define VIRTIO_IO_SIZE	     0x100
#define VQ_SIZE		     128
#define VQ_ALIGN	     4096
#define VRING_DESC_F_NEXT     1
#define VRING_DESC_F_WRITE    2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define STATUS_NEEDS_RESET    0x40

/* PCI lines for the virtio functions; 4 is the UART's. */
static const uint8_t virtio_irqs[] = { 10, 11, 5, 9, 3 };

int lg_virtio_add(struct lg *lg, struct lg_virtio *v)
{
	if (lg->nvirtio >= sizeof(virtio_irqs) || lg->nvirtio >= LG_MAX_VIRTIO)
		return hv_fail(-ENOSPC, NULL, "too many virtio devices (at most %d)",
			       LG_MAX_VIRTIO);
	v->slot = lg->nvirtio + 1;
	v->irq = virtio_irqs[lg->nvirtio];
	v->int_line = v->irq;
	v->io_base = VIRTIO_IO_BASE + lg->nvirtio * VIRTIO_IO_SIZE;
	v->bar0 = v->io_base | 1;
	v->command = 1; /* I/O decoding on, as firmware would leave it */
	for (unsigned i = 0; i < v->ops->nqueues; i++)
		v->vq[i].size = VQ_SIZE;
	lg->virtio[lg->nvirtio++] = v;
	return 0;
}

/* ---- configuration space ------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The 64-byte header of device `slot` on bus 0, false if there is none. */
static bool config_header(struct lg *lg, unsigned slot, uint8_t *h)
{
	memset(h, 0, 64);
	if (slot == 0) {
		put16(h + 0x00, 0x1b36); /* Red Hat, Inc. */
		put16(h + 0x02, 0x0008); /* QEMU PCIe host bridge */
		put16(h + 0x04, 0x0006);
		put32(h + 0x08, 0x06000000);
		return true;
	}
	if (slot > lg->nvirtio)
		return false;
	{
		struct lg_virtio *v = lg->virtio[slot - 1];

		put16(h + 0x00, VIRTIO_VENDOR);
		put16(h + 0x02, v->ops->pci_device);
		put16(h + 0x04, v->command);
		put32(h + 0x08, v->ops->class_code << 8); /* revision 0: legacy */
		put32(h + 0x10, v->bar0);
		put16(h + 0x2c, VIRTIO_VENDOR);
		put16(h + 0x2e, v->ops->type);
		h[0x3c] = v->int_line;
		h[0x3d] = 1; /* INTA# */
	}
	return true;
}

static void config_write(struct lg *lg, unsigned slot, unsigned reg, unsigned size, uint32_t val)
{
	struct lg_virtio *v;

	if (slot == 0 || slot > lg->nvirtio)
		return;
	v = lg->virtio[slot - 1];
	if (reg == 0x04 && size >= 2) {
		v->command = val & 0x0507;
	} else if (reg == 0x10 && size == 4) {
		/* Sizing writes all ones and reads back the size mask. */
		if (val == 0xffffffff)
			v->bar0 = ~(VIRTIO_IO_SIZE - 1u) | 1;
		else
			v->bar0 = (val & 0xfffc) | 1;
		if ((v->bar0 & 0xfffc) == (v->bar0 & ~3u))
			v->io_base = v->bar0 & 0xfffc;
	} else if (reg == 0x3c) {
		/*
		 * As on real PCI, the register only records what software
		 * chose: the wire stays where it is, or a guest could pulse
		 * any host GSI (the timer's, the UART's) and leave the old
		 * line asserted.
		 */
		v->int_line = val & 0xff;
	}
}

void lg_pci_io(struct lg *lg, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	struct lg_pci *p = &lg->pci;
	unsigned bus, slot, fn, reg;
	uint8_t h[64];

	if (port == 0xcf8) {
		/* Only dword accesses reach the address register (mechanism #1). */
		if (size == 4) {
			if (write)
				p->addr = get32(data) & 0x80fffffc;
			else
				put32(data, p->addr);
		} else if (!write) {
			memset(data, 0xff, size);
		}
		return;
	}
	if (port < 0xcfc) {
		if (!write)
			memset(data, 0xff, size);
		return;
	}
	bus = (p->addr >> 16) & 0xff;
	slot = (p->addr >> 11) & 0x1f;
	fn = (p->addr >> 8) & 7;
	reg = (p->addr & 0xfc) + (port - 0xcfc);
	if (!(p->addr & 0x80000000) || bus || fn || reg + size > 256 ||
	    !config_header(lg, slot, h)) {
		if (!write)
			memset(data, 0xff, size);
		return;
	}
	if (write) {
		uint32_t val = data[0];

		if (size >= 2)
			val |= data[1] << 8;
		if (size == 4)
			val |= (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
		config_write(lg, slot, reg, size, val);
		return;
	}
	for (unsigned i = 0; i < size; i++)
		data[i] = reg + i < 64 ? h[reg + i] : 0;
}

/* ---- virtqueues ---------------------------------------------------------- */

static void vq_reset(struct lg_virtq *q, uint16_t size)
{
	memset(q, 0, sizeof(*q));
	q->size = size;
}

static void broken(struct lg *lg, struct lg_virtio *v, const char *why)
{
	if (!(v->status & STATUS_NEEDS_RESET) && lg->common.verbose)
		hv_note("%s at 00:%02x.0: %s: device stopped until the guest resets it",
			v->ops->name, v->slot, why);
	v->status |= STATUS_NEEDS_RESET;
}

static void vq_set_pfn(struct lg *lg, struct lg_virtio *v, struct lg_virtq *q, uint32_t pfn)
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

	if (!q->pfn || (v->status & STATUS_NEEDS_RESET))
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

		if (i >= q->size || c->n >= q->size ||
		    c->n >= sizeof(c->d) / sizeof(c->d[0])) {
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

static void lg_virtio_interrupt(struct lg *lg, struct lg_virtio *v, unsigned qi)
{
	volatile uint16_t *avail = lg_gpa(lg, v->vq[qi].avail, 4);

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (avail && (avail[0] & VRING_AVAIL_F_NO_INTERRUPT))
		return;
	v->isr |= 1;
	lg_irq_line(lg, v->irq, 1);
}

/* ---- legacy virtio I/O registers ----------------------------------------- */

static void device_reset(struct lg *lg, struct lg_virtio *v)
{
	v->guest_features = 0;
	v->queue_sel = 0;
	v->status = 0;
	if (v->isr)
		lg_irq_line(lg, v->irq, 0);
	v->isr = 0;
	for (unsigned i = 0; i < v->ops->nqueues; i++)
		vq_reset(&v->vq[i], VQ_SIZE);
	if (v->ops->reset)
		v->ops->reset(v);
}

static void virtio_read(struct lg *lg, struct lg_virtio *v, unsigned off, unsigned size,
			uint8_t *data)
{
	uint8_t regs[20];
	struct lg_virtq *q = v->queue_sel < v->ops->nqueues ? &v->vq[v->queue_sel] : NULL;

	memset(data, 0, size);
	if (off >= 20) {
		off -= 20;
		if (off < v->ops->config_size)
			v->ops->config_read(v, off, data,
					    off + size > v->ops->config_size ? v->ops->config_size - off : size);
		return;
	}
	put32(regs + 0, v->ops->features(v));
	put32(regs + 4, v->guest_features);
	put32(regs + 8, q ? q->pfn : 0);
	put16(regs + 12, q ? q->size : 0);
	put16(regs + 14, v->queue_sel);
	put16(regs + 16, 0);
	regs[18] = v->status;
	regs[19] = v->isr;
	for (unsigned i = 0; i < size && off + i < 20; i++)
		data[i] = regs[off + i];
	/* Reading the ISR acknowledges the interrupt and drops the line. */
	if (off <= 19 && off + size > 19 && v->isr) {
		v->isr = 0;
		lg_irq_line(lg, v->irq, 0);
	}
}

static void virtio_write(struct lg *lg, struct lg_virtio *v, unsigned off, unsigned size,
			 const uint8_t *data)
{
	uint32_t val = data[0];

	if (size >= 2)
		val |= data[1] << 8;
	if (size == 4)
		val |= (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
	switch (off) {
	case 4:
		v->guest_features = val & v->ops->features(v);
		break;
	case 8:
		if (v->queue_sel < v->ops->nqueues)
			vq_set_pfn(lg, v, &v->vq[v->queue_sel], val);
		break;
	case 14:
		v->queue_sel = val;
		break;
	case 16:
		if (val < v->ops->nqueues && v->vq[val].pfn && !(v->status & STATUS_NEEDS_RESET) &&
		    v->ops->notify(lg, v, val))
			lg_virtio_interrupt(lg, v, val);
		break;
	case 18:
		if ((val & 0xff) == 0)
			device_reset(lg, v);
		else
			v->status = val | (v->status & STATUS_NEEDS_RESET);
		break;
	default:
		break; /* read-only registers and the device config */
	}
}

bool lg_virtio_io(struct lg *lg, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	for (unsigned i = 0; i < lg->nvirtio; i++) {
		struct lg_virtio *v = lg->virtio[i];

		if (!(v->command & 1) || port < v->io_base || port >= v->io_base + VIRTIO_IO_SIZE)
			continue;
		if (write)
			virtio_write(lg, v, port - v->io_base, size, data);
		else
			virtio_read(lg, v, port - v->io_base, size, data);
		return true;
	}
	return false;
}
