// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Intel MultiProcessor Specification 1.4 table: how a guest without
 * ACPI learns of more than one CPU and of the I/O APIC. Linux finds the
 * floating pointer in the BIOS area (0xf0000, reserved in the e820 map),
 * boots each enabled processor entry's APIC id with INIT/SIPI, and takes
 * its interrupt routing from the I/O interrupt entries: ISA lines
 * identity-mapped to I/O APIC pins (KVM's default GSI routing), each
 * virtio function's INTA# to the pin of its line.
 *
 * With one vCPU there is no table, and Linux keeps to the 8259 PIC as
 * before: the boot path a single CPU has always had.
 */
#include <errno.h>
#include <string.h>

#include "diag.h"
#include "lguest-run.h"

#define MPF_SIZE      16
#define MPC_HDR_SIZE  44
#define MPC_CPU_SIZE  20
#define MPC_ITEM_SIZE 8 /* bus, I/O APIC, interrupt entries */

#define LAPIC_ADDR  0xfee00000u
#define IOAPIC_ADDR 0xfec00000u

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };
enum { BUS_PCI, BUS_ISA };

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return (uint8_t)-sum;
}

static uint8_t *intsrc(uint8_t *p, uint8_t type, uint8_t bus, uint8_t bus_irq, uint8_t apic,
		       uint8_t pin)
{
	p[0] = MP_INTSRC;
	p[1] = type;
	lg_put16(p + 2, 0); /* polarity and trigger as the bus defines them */
	p[4] = bus;
	p[5] = bus_irq;
	p[6] = apic;
	p[7] = pin;
	return p + MPC_ITEM_SIZE;
}

/* Whether a virtio function's INTA# uses this line (it is then not ISA's). */
static bool pci_line(const struct lg *lg, unsigned irq)
{
	for (unsigned i = 0; i < lg->nvirtio; i++)
		if (lg->virtio[i]->irq == irq)
			return true;
	return false;
}

int lg_mptable_write(struct lg *lg)
{
	const uint8_t ioapic_id = lg->cpus; /* after the CPUs' APIC ids */
	size_t max = MPC_HDR_SIZE + lg->cpus * MPC_CPU_SIZE +
		     (2 + 1 + 16 + LG_MAX_VIRTIO + 2) * MPC_ITEM_SIZE;
	uint8_t *mpf = lg_gpa(lg, LG_MPTABLE_ADDR, MPF_SIZE + max);
	uint8_t *mpc, *p;
	unsigned entries = 0;

	if (!mpf)
		return hv_fail(-ENOMEM, NULL, "guest memory too small for the MP table");
	memset(mpf, 0, MPF_SIZE + max);
	mpc = mpf + MPF_SIZE;
	p = mpc + MPC_HDR_SIZE;

	for (unsigned i = 0; i < lg->cpus; i++, entries++) {
		p[0] = MP_PROCESSOR;
		p[1] = i;			    /* APIC id */
		p[2] = 0x14;			    /* APIC version: integrated */
		p[3] = 1 | (i == 0 ? 2 : 0);	    /* enabled, boot processor */
		lg_put32(p + 4, 0x600);		    /* signature: family 6 */
		lg_put32(p + 8, 1u << 0 | 1u << 9); /* FPU, APIC */
		p += MPC_CPU_SIZE;
	}
	p[0] = MP_BUS;
	p[1] = BUS_PCI;
	memcpy(p + 2, "PCI   ", 6);
	p += MPC_ITEM_SIZE;
	p[0] = MP_BUS;
	p[1] = BUS_ISA;
	memcpy(p + 2, "ISA   ", 6);
	p += MPC_ITEM_SIZE;
	entries += 2;

	p[0] = MP_IOAPIC;
	p[1] = ioapic_id;
	p[2] = 0x11; /* KVM's I/O APIC version */
	p[3] = 1;    /* enabled */
	lg_put32(p + 4, IOAPIC_ADDR);
	p += MPC_ITEM_SIZE;
	entries++;

	/* ISA line n on pin n: KVM routes GSI n to pin n, the PIT's 0 included. */
	for (unsigned irq = 0; irq < 16; irq++) {
		if (irq == 2 || pci_line(lg, irq))
			continue;
		p = intsrc(p, MP_INT, BUS_ISA, irq, ioapic_id, irq);
		entries++;
	}
	/* PCI source irq: the device number, and the pin (0 for INTA#) below it. */
	for (unsigned i = 0; i < lg->nvirtio; i++, entries++)
		p = intsrc(p, MP_INT, BUS_PCI, lg->virtio[i]->slot << 2, ioapic_id,
			   lg->virtio[i]->irq);

	/* The boot CPU's LINT0 takes the 8259 (virtual wire), LINT1 is NMI. */
	p[0] = MP_LINTSRC;
	p[1] = MP_EXTINT;
	p[6] = 0xff; /* every local APIC */
	p[7] = 0;
	p += MPC_ITEM_SIZE;
	p[0] = MP_LINTSRC;
	p[1] = MP_NMI;
	p[6] = 0xff;
	p[7] = 1;
	p += MPC_ITEM_SIZE;
	entries += 2;

	memcpy(mpc, "PCMP", 4);
	lg_put16(mpc + 4, p - mpc);
	mpc[6] = 4; /* specification 1.4 */
	memcpy(mpc + 8, "HVUTILS ", 8);
	memcpy(mpc + 16, "LGUEST-RUN  ", 12);
	lg_put16(mpc + 34, entries);
	lg_put32(mpc + 36, LAPIC_ADDR);
	mpc[7] = checksum(mpc, p - mpc);

	memcpy(mpf, "_MP_", 4);
	lg_put32(mpf + 4, LG_MPTABLE_ADDR + MPF_SIZE);
	mpf[8] = 1; /* length in 16-byte units */
	mpf[9] = 4;
	/* feature bytes 0: the table above, no IMCR (virtual wire mode) */
	mpf[10] = checksum(mpf, MPF_SIZE);
	return 0;
}
