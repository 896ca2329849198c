// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PCI configuration mechanism #1 (ports 0xcf8/0xcfc) with a host bridge at
 * 00:00.0 and one legacy ("transitional") virtio-pci function per device.
 * Legacy virtio needs no MSI-X and no memory BARs: a 256-byte I/O BAR
 * (virtio-pci.c) and INTx on a line of its own: with one vCPU the guest has
 * no MP table or ACPI and Linux takes the Interrupt Line register as is; with
 * more, the MP table (mptable.c) routes INTA# to the I/O APIC pin of that line.
 */
#include <errno.h>
#include <string.h>

#include "diag.h"
#include "lguest-run.h"

#define VIRTIO_VENDOR  0x1af4
#define VIRTIO_IO_BASE 0xc000

/* PCI lines for the virtio functions; 4 is the UART's. */
static const uint8_t virtio_irqs[] = {10, 11, 5, 9, 3};

int lg_virtio_add(struct lg *lg, struct lg_virtio *v)
{
	if (lg->nvirtio >= sizeof(virtio_irqs) || lg->nvirtio >= LG_MAX_VIRTIO)
		return hv_fail(-ENOSPC, NULL, "too many virtio devices (at most %d)",
			       LG_MAX_VIRTIO);
	v->slot = lg->nvirtio + 1;
	v->irq = virtio_irqs[lg->nvirtio];
	v->int_line = v->irq;
	v->io_base = VIRTIO_IO_BASE + lg->nvirtio * LG_VIRTIO_IO_SIZE;
	v->bar0 = v->io_base | 1;
	v->command = 1; /* I/O decoding on, as firmware would leave it */
	for (unsigned i = 0; i < v->ops->nqueues; i++)
		v->vq[i].size = LG_VQ_SIZE;
	lg->virtio[lg->nvirtio++] = v;
	return 0;
}

/* The 64-byte header of device `slot` on bus 0, false if there is none. */
static bool config_header(struct lg *lg, unsigned slot, uint8_t *h)
{
	memset(h, 0, 64);
	if (slot == 0) {
		lg_put16(h + 0x00, 0x1b36); /* Red Hat, Inc. */
		lg_put16(h + 0x02, 0x0008); /* QEMU PCIe host bridge */
		lg_put16(h + 0x04, 0x0006);
		lg_put32(h + 0x08, 0x06000000);
		return true;
	}
	if (slot > lg->nvirtio)
		return false;
	{
		struct lg_virtio *v = lg->virtio[slot - 1];

		lg_put16(h + 0x00, VIRTIO_VENDOR);
		lg_put16(h + 0x02, v->ops->pci_device);
		lg_put16(h + 0x04, v->command);
		lg_put32(h + 0x08, v->ops->class_code << 8); /* revision 0: legacy */
		lg_put32(h + 0x10, v->bar0);
		lg_put16(h + 0x2c, VIRTIO_VENDOR);
		lg_put16(h + 0x2e, v->ops->type);
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
			v->bar0 = ~(LG_VIRTIO_IO_SIZE - 1u) | 1;
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
				p->addr = lg_get32(data) & 0x80fffffc;
			else
				lg_put32(data, p->addr);
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
