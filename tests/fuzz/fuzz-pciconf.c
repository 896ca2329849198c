// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lguest-run's PCI configuration mechanism #1 (lg_pci_io, ports 0xcf8 to
 * 0xcff) driven by any sequence of guest port reads and writes, against a
 * shadow of what the guest may change: the address latch, and per virtio
 * function the command register, BAR0 and the Interrupt Line. Every read
 * must equal the bytes the shadow predicts (the host bridge at 00:00.0,
 * virtio-blk at 00:01.0, virtio-rng at 00:02.0, all ones elsewhere), and
 * no write may move the line a function's interrupt is wired to.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lguest-run.h"

/* virtio-rng's ops are static: a stand-in device with the same header. */
static uint32_t no_features(struct lg_virtio *v)
{
	(void)v;
	return 0;
}

static const struct lg_virtio_ops ops[2] = {
    {.name = "blk",
     .pci_device = 0x1001,
     .type = 2,
     .class_code = 0x010000,
     .nqueues = 1,
     .features = no_features},
    {.name = "rng",
     .pci_device = 0x1005,
     .type = 4,
     .class_code = 0x00ff00,
     .nqueues = 1,
     .features = no_features},
};

struct shadow {
	uint32_t latch;
	uint16_t command[2];
	uint32_t bar0[2];
	uint8_t line[2];
};

/* Config byte `reg` of bus 0 device `slot` as the shadow has it; -1: absent. */
static int expect_byte(const struct shadow *s, unsigned slot, unsigned reg)
{
	uint8_t h[64] = {0};
	unsigned i;

	if (slot == 0) {
		static const uint8_t bridge[12] = {0x36, 0x1b, 0x08, 0x00, 0x06, 0x00,
						   0,	 0,    0,    0,	   0,	 0x06};
		return reg < 12 ? bridge[reg] : 0;
	}
	if (slot > 2)
		return -1;
	i = slot - 1;
	h[0] = 0xf4, h[1] = 0x1a;
	h[2] = ops[i].pci_device, h[3] = ops[i].pci_device >> 8;
	h[4] = s->command[i], h[5] = s->command[i] >> 8;
	h[9] = ops[i].class_code, h[10] = ops[i].class_code >> 8, h[11] = ops[i].class_code >> 16;
	for (unsigned b = 0; b < 4; b++)
		h[0x10 + b] = s->bar0[i] >> (8 * b);
	h[0x2c] = 0xf4, h[0x2d] = 0x1a, h[0x2e] = ops[i].type;
	h[0x3c] = s->line[i];
	h[0x3d] = 1;
	return reg < 64 ? h[reg] : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg *lg = calloc(1, sizeof(*lg));
	struct lg_virtio dev[2];
	struct shadow s = {0};

	FUZZ_CHECK(lg);
	memset(dev, 0, sizeof(dev));
	for (unsigned i = 0; i < 2; i++) {
		dev[i].ops = &ops[i];
		FUZZ_CHECK(lg_virtio_add(lg, &dev[i]) == 0);
		s.command[i] = 1;
		s.bar0[i] = dev[i].bar0;
		s.line[i] = dev[i].irq;
	}
	FUZZ_CHECK(dev[0].irq == 10 && dev[1].irq == 11);

	/* Records of 7 bytes: port offset, size and direction, address latch use, value. */
	for (size_t off = 0; off + 7 <= size; off += 7) {
		const uint8_t *r = data + off;
		uint16_t port = 0xcf8 + (r[0] & 7);
		unsigned sz = 1u << (r[1] % 3);
		bool write = r[1] & 4;
		uint8_t buf[4];
		unsigned slot, reg;
		bool on;

		memcpy(buf, r + 3, 4);
		/* Half the records aim the latch at the devices, so writes land. */
		if (r[2] & 1) {
			uint32_t a = 0x80000000u | (r[2] >> 1 & 3) << 11 | (r[6] & 0xfc);
			uint8_t la[4] = {a, a >> 8, a >> 16, a >> 24};

			lg_pci_io(lg, 0xcf8, true, 4, la);
			s.latch = a;
		}
		slot = (s.latch >> 11) & 0x1f;
		reg = (s.latch & 0xfc) + (port - 0xcfc);
		on = (s.latch & 0x80000000) && !(s.latch & 0x00ff0700) && port >= 0xcfc &&
		     reg + sz <= 256 && expect_byte(&s, slot, 0) >= 0;
		if (write) {
			uint32_t val =
			    buf[0] | (sz >= 2 ? buf[1] << 8 : 0) |
			    (sz == 4 ? (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24 : 0);

			lg_pci_io(lg, port, true, sz, buf);
			if (port == 0xcf8 && sz == 4)
				s.latch = val & 0x80fffffc;
			if (on && slot >= 1 && slot <= 2) {
				unsigned i = slot - 1;

				if (reg == 0x04 && sz >= 2)
					s.command[i] = val & 0x0507;
				else if (reg == 0x10 && sz == 4)
					s.bar0[i] =
					    val == 0xffffffff ? 0xffffff01 : (val & 0xfffc) | 1;
				else if (reg == 0x3c)
					s.line[i] = val;
			}
		} else {
			lg_pci_io(lg, port, false, sz, buf);
			for (unsigned b = 0; b < sz; b++) {
				int want = 0xff;

				if (port == 0xcf8 && sz == 4)
					want = (s.latch >> (8 * b)) & 0xff;
				else if (on)
					want = expect_byte(&s, slot, reg + b);
				FUZZ_CHECK(buf[b] == want);
			}
		}
		/* The wires never move; the I/O window follows BAR0 only. */
		FUZZ_CHECK(dev[0].irq == 10 && dev[1].irq == 11);
		for (unsigned i = 0; i < 2; i++)
			FUZZ_CHECK((dev[i].bar0 & 0xfffc) != (dev[i].bar0 & ~3u) ||
				   dev[i].io_base == (dev[i].bar0 & 0xfffc));
	}
	free(lg);
	return 0;
}
