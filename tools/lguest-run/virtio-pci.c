// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The virtio legacy I/O transport: the registers of each function's I/O BAR
 * (features, queue address and size, notify, status, ISR) and the device's
 * own configuration after them.
 */
#include <string.h>

#include "lguest-run.h"

static void device_reset(struct lg *lg, struct lg_virtio *v)
{
	v->guest_features = 0;
	v->queue_sel = 0;
	v->status = 0;
	if (v->isr)
		lg_irq(lg, v->irq, 0);
	v->isr = 0;
	for (unsigned i = 0; i < v->ops->nqueues; i++)
		lg_vq_reset(&v->vq[i], LG_VQ_SIZE);
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
			v->ops->config_read(
			    v, off, data,
			    off + size > v->ops->config_size ? v->ops->config_size - off : size);
		return;
	}
	lg_put32(regs + 0, v->ops->features(v));
	lg_put32(regs + 4, v->guest_features);
	lg_put32(regs + 8, q ? q->pfn : 0);
	lg_put16(regs + 12, q ? q->size : 0);
	lg_put16(regs + 14, v->queue_sel);
	lg_put16(regs + 16, 0);
	regs[18] = v->status;
	regs[19] = v->isr;
	for (unsigned i = 0; i < size && off + i < 20; i++)
		data[i] = regs[off + i];
	/* Reading the ISR acknowledges the interrupt and drops the line. */
	if (off <= 19 && off + size > 19 && v->isr) {
		v->isr = 0;
		lg_irq(lg, v->irq, 0);
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
			lg_vq_set_pfn(lg, v, &v->vq[v->queue_sel], val);
		break;
	case 14:
		v->queue_sel = val;
		break;
	case 16:
		if (val < v->ops->nqueues && v->vq[val].pfn &&
		    !(v->status & LG_VIRTIO_NEEDS_RESET) && v->ops->notify(lg, v, val))
			lg_virtio_interrupt(lg, v, val);
		break;
	case 18:
		if ((val & 0xff) == 0)
			device_reset(lg, v);
		else
			v->status = val | (v->status & LG_VIRTIO_NEEDS_RESET);
		break;
	default:
		break; /* read-only registers and the device config */
	}
}

bool lg_virtio_io(struct lg *lg, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	for (unsigned i = 0; i < lg->nvirtio; i++) {
		struct lg_virtio *v = lg->virtio[i];

		if (!(v->command & 1) || port < v->io_base ||
		    port >= v->io_base + LG_VIRTIO_IO_SIZE)
			continue;
		if (write)
			virtio_write(lg, v, port - v->io_base, size, data);
		else
			virtio_read(lg, v, port - v->io_base, size, data);
		return true;
	}
	return false;
}
