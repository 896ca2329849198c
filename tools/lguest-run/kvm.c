// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The KVM side: /dev/kvm and its capabilities, the VM with an in-kernel
 * irqchip and PIT, vCPU 0 started directly in 64-bit mode (the 64-bit boot
 * protocol, no firmware) and the others left to the guest's INIT/SIPI, and
 * the exit loop each vCPU thread runs, which hands port and MMIO accesses to
 * the device models one vCPU at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "lguest-run.h"

/* What a launcher without firmware cannot do without. */
static const struct {
	int cap;
	const char *name;
} needed_caps[] = {
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
    {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
    {KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR"},
};

static const char *kvm_dev_path(void)
{
	const char *p = getenv("LGUEST_RUN_KVM");

	return p && *p ? p : "/dev/kvm";
}

static int kvm_irq_line(struct lg *lg, unsigned irq, int level)
{
	struct kvm_irq_level l = {.irq = irq, .level = level};

	if (ioctl(lg->vm_fd, KVM_IRQ_LINE, &l) < 0)
		return -errno;
	return 0;
}

int lg_kvm_open(struct lg *lg)
{
	const char *dev = kvm_dev_path();
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	int v;

	lg->kvm_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (lg->kvm_fd < 0) {
		int err = -errno;

		if (err == -ENOENT)
			return hv_fail(
			    -ENODEV,
			    "load kvm_intel or kvm_amd; in a VM enable nested virtualization",
			    "opening %s", dev);
		if (err == -EACCES || err == -EPERM)
			return hv_fail(err, "run as root or join the kvm group", "opening %s", dev);
		return hv_fail(err, NULL, "opening %s", dev);
	}
	v = ioctl(lg->kvm_fd, KVM_GET_API_VERSION, 0);
	if (v < 0)
		return hv_fail(-ENODEV, NULL, "%s: not a KVM device (KVM_GET_API_VERSION: %s)", dev,
			       strerror(errno));
	if (v != KVM_API_VERSION)
		return hv_fail(-ENODEV, NULL, "%s: KVM API version %d, lguest-run needs %d", dev, v,
			       KVM_API_VERSION);
	for (size_t i = 0; i < sizeof(needed_caps) / sizeof(needed_caps[0]); i++) {
		/* LGUEST_RUN_HIDE_CAP lets the tests see the error without such a host. */
		const char *hide = getenv("LGUEST_RUN_HIDE_CAP");

		if (ioctl(lg->kvm_fd, KVM_CHECK_EXTENSION, needed_caps[i].cap) <= 0 ||
		    (hide && !strcmp(hide, needed_caps[i].name)))
			return hv_fail(-ENODEV,
				       "a newer host kernel or a real x86 KVM module is needed",
				       "%s lacks %s", dev, needed_caps[i].name);
	}
	lg->run_size = ioctl(lg->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if ((ssize_t)lg->run_size < (ssize_t)sizeof(struct kvm_run))
		return hv_fail(-errno, NULL, "KVM_GET_VCPU_MMAP_SIZE");

	lg->vm_fd = ioctl(lg->kvm_fd, KVM_CREATE_VM, 0);
	if (lg->vm_fd < 0)
		return hv_fail(-errno, NULL, "KVM_CREATE_VM");
	/* Intel needs three pages for the real-mode TSS and one for its EPT identity map. */
	if (ioctl(lg->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
		return hv_fail(-errno, NULL, "KVM_SET_TSS_ADDR");
	{
		uint64_t idmap = 0xfffbc000;

		if (ioctl(lg->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
			return hv_fail(-errno, NULL, "KVM_SET_IDENTITY_MAP_ADDR");
	}
	if (ioctl(lg->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return hv_fail(-errno, NULL, "KVM_CREATE_IRQCHIP");
	lg->irq_line = kvm_irq_line;
	if (ioctl(lg->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return hv_fail(-errno, NULL, "KVM_CREATE_PIT2");
	return 0;
}

/*
 * The CPU topology the guest sees: --cpus packages of one core each, APIC
 * id = vCPU id, the same in CPUID and the MP table. The host's own
 * topology leaves (KVM passes them through) would describe the host's cores.
 */
static bool set_topology(struct kvm_cpuid2 *c, unsigned i, unsigned apic_id)
{
	struct kvm_cpuid_entry2 *e = &c->entries[i];

	switch (e->function) {
	case 1:
		/* APIC id, one logical CPU per package (no HTT); say we are a guest. */
		e->ebx = (e->ebx & 0x0000ffff) | apic_id << 24 | 1 << 16;
		e->edx &= ~(1u << 28);
		e->ecx |= 1u << 31;
		return true;
	case 4:
		e->eax &= ~(0x3fu << 26);  /* cores per package - 1 */
		e->eax &= ~(0xfffu << 14); /* CPUs sharing the cache - 1 */
		return true;
	case 0xb:
	case 0x1f:
		return false; /* without the leaves Linux reads leaf 1 */
	case 0x80000008:
		e->ecx &= ~0xf0ffu; /* one core, no APIC id bits for cores */
		return true;
	case 0x8000001e:
		e->eax = apic_id;
		e->ebx &= ~0xff00u; /* one thread per core */
		return true;
	default:
		return true;
	}
}

static int setup_cpuid(struct lg *lg, struct lg_vcpu *v)
{
	unsigned n = 128;
	struct kvm_cpuid2 *c;
	bool tsc_deadline;
	int rc;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return hv_fail(-ENOMEM, NULL, "CPUID table");
		c->nent = n;
		if (ioctl(lg->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		rc = -errno;
		free(c);
		if (rc != -E2BIG || n >= 4096)
			return hv_fail(rc, NULL, "KVM_GET_SUPPORTED_CPUID");
		n *= 2;
	}
	/*
	 * KVM emulates the TSC-deadline timer but leaves it out of the
	 * supported CPUID (userspace must ask for it): without it the guest
	 * reprograms its LAPIC timer with a count, a divider and more exits.
	 */
	tsc_deadline = ioctl(lg->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	for (unsigned i = 0, all = c->nent, kept = 0; i < all; i++) {
		if (set_topology(c, i, v->id)) {
			if (c->entries[i].function == 1 && tsc_deadline)
				c->entries[i].ecx |= 1u << 24;
			c->entries[kept++] = c->entries[i];
		}
		c->nent = kept;
	}
	rc = ioctl(v->fd, KVM_SET_CPUID2, c);
	rc = rc < 0 ? -errno : 0;
	free(c);
	if (rc)
		return hv_fail(rc, NULL, "KVM_SET_CPUID2");
	return 0;
}

/*
 * Without firmware nobody routes the PIC to the boot CPU: LINT0 ExtINT,
 * LINT1 NMI (the MP specification's virtual wire mode).
 */
static int setup_lapic(struct lg_vcpu *v)
{
	struct kvm_lapic_state ls;
	uint32_t *lvt0, *lvt1;

	if (ioctl(v->fd, KVM_GET_LAPIC, &ls) < 0)
		return hv_fail(-errno, NULL, "KVM_GET_LAPIC");
	lvt0 = (uint32_t *)&ls.regs[0x350];
	lvt1 = (uint32_t *)&ls.regs[0x360];
	*lvt0 = (*lvt0 & ~0x1c7ffu) | (7u << 8);
	*lvt1 = (*lvt1 & ~0x1c7ffu) | (4u << 8);
	if (ioctl(v->fd, KVM_SET_LAPIC, &ls) < 0)
		return hv_fail(-errno, NULL, "KVM_SET_LAPIC");
	return 0;
}

static int create_vcpu(struct lg *lg, struct lg_vcpu *v)
{
	struct kvm_fpu fpu;
	int rc;

	v->fd = ioctl(lg->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->id);
	if (v->fd < 0)
		return hv_fail(-errno, NULL, "KVM_CREATE_VCPU %u", v->id);
	v->run = mmap(NULL, lg->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return hv_fail(-errno, NULL, "mapping vCPU %u's kvm_run", v->id);
	}
	rc = setup_cpuid(lg, v);
	if (!rc && v->id == 0)
		rc = setup_lapic(v);
	if (rc)
		return rc;
	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	if (ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return hv_fail(-errno, NULL, "KVM_SET_FPU");
	return 0;
}

int lg_kvm_create_vcpus(struct lg *lg)
{
	int max = ioctl(lg->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (max <= 0)
		max = ioctl(lg->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max > 0 && lg->cpus > (unsigned)max)
		return hv_fail(-ENOSPC, "lower --cpus",
			       "this host's KVM runs at most %d vCPUs in a VM", max);
	for (unsigned i = 0; i < lg->cpus; i++) {
		int rc = create_vcpu(lg, &lg->vcpu[i]);

		if (rc)
			return rc;
	}
	return 0;
}

uint32_t lg_tsc_khz(struct lg *lg)
{
	int khz = ioctl(lg->vcpu[0].fd, KVM_GET_TSC_KHZ, 0);

	return khz > 0 ? (uint32_t)khz : 0;
}

/*
 * 64-bit entry as the boot protocol describes it: flat 4 GiB segments from
 * a GDT at selectors 0x10/0x18, identity-mapped page tables, paging and long
 * mode on, interrupts off. The page tables use 2 MiB pages (no 1 GiB page
 * support needed).
 */
int lg_kvm_set_long_mode(struct lg *lg, uint64_t entry, uint64_t rsi, uint64_t rsp)
{
	uint64_t *gdt = lg_gpa(lg, LG_GDT_ADDR, 4 * 8);
	uint64_t *pml4 = lg_gpa(lg, LG_PML4_ADDR, 4096);
	uint64_t *pdpt = lg_gpa(lg, LG_PDPT_ADDR, 4096);
	uint64_t *pd = lg_gpa(lg, LG_PD_ADDR, 4 * 4096);
	struct kvm_segment code = {
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = 0x10,
	    .type = 11,
	    .present = 1,
	    .dpl = 0,
	    .db = 0,
	    .s = 1,
	    .l = 1,
	    .g = 1,
	};
	struct kvm_segment data = code;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (!gdt || !pml4 || !pdpt || !pd)
		return hv_fail(-ENOMEM, NULL, "guest memory too small for the boot page tables");
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffULL; /* 0x10: 64-bit code */
	gdt[3] = 0x00cf93000000ffffULL; /* 0x18: data */
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = LG_PDPT_ADDR | 3;
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (LG_PD_ADDR + i * 4096ULL) | 3;
	for (unsigned i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83; /* present, writable, 2 MiB */

	if (ioctl(lg->vcpu[0].fd, KVM_GET_SREGS, &sregs) < 0)
		return hv_fail(-errno, NULL, "KVM_GET_SREGS");
	data.selector = 0x18;
	data.type = 3;
	data.l = 0;
	data.db = 1;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.gdt.base = LG_GDT_ADDR;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cr0 = 0x80000033; /* PG NE ET MP PE */
	sregs.cr3 = LG_PML4_ADDR;
	sregs.cr4 = 0x20;   /* PAE */
	sregs.efer = 0x500; /* LME LMA */
	if (ioctl(lg->vcpu[0].fd, KVM_SET_SREGS, &sregs) < 0)
		return hv_fail(-errno, NULL, "KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;
	regs.rip = entry;
	regs.rsi = rsi;
	regs.rsp = rsp;
	if (ioctl(lg->vcpu[0].fd, KVM_SET_REGS, &regs) < 0)
		return hv_fail(-errno, NULL, "KVM_SET_REGS");
	return 0;
}

void lg_kick(struct lg *lg)
{
	for (unsigned i = 0; i < lg->cpus; i++)
		if (atomic_load(&lg->vcpu[i].started) &&
		    !pthread_equal(pthread_self(), lg->vcpu[i].thread))
			pthread_kill(lg->vcpu[i].thread, SIGUSR1);
}

/*
 * Called from any thread. The first reason wins; the vCPU threads are
 * kicked out of KVM_RUN with SIGUSR1, which they only accept inside KVM_RUN.
 * stop and started are both sequentially consistent: a vCPU thread that
 * marks itself started and then finds no stop is seen as started by
 * whoever sets the stop after that, and gets its kick.
 */
void lg_request_stop(struct lg *lg, enum lg_stop why, int code)
{
	int expected = LG_RUNNING;

	if (atomic_compare_exchange_strong(&lg->stop, &expected, (int)why)) {
		lg->exit_code = code;
		lg_kick(lg);
	}
}

/*
 * A reset (triple fault, keyboard-controller or 0xcf9 reset) is the end of
 * the guest. Linux masks every line of the legacy PIC in its syscore
 * shutdown, which runs on reboot and power-off but not on a panic or an
 * emergency reboot: that tells an orderly end (0) from a crash (255).
 */
static void guest_reset(struct lg *lg, const char *how)
{
	struct kvm_irqchip chip = {.chip_id = KVM_IRQCHIP_PIC_MASTER};
	bool orderly = false;

	if (ioctl(lg->vm_fd, KVM_GET_IRQCHIP, &chip) == 0)
		orderly = chip.chip.pic.imr == 0xff;
	if (lg->common.verbose)
		hv_note("guest reset (%s), %s", how,
			orderly ? "after an orderly shutdown"
				: "without an orderly shutdown: a crash");
	lg_request_stop(lg, orderly ? LG_STOP_RESET : LG_STOP_CRASH, 0);
}

/*
 * The fixed port map. A handler returns false for an access it does not
 * decode (a read of 0x64, a byte written to 0xcf9 without the reset bit is
 * PCI's), which then goes on down the map.
 */
static bool serial_io(struct lg *lg, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	for (unsigned i = 0; i < size; i++)
		lg_uart_io(lg, port, write, &data[i]);
	return true;
}

static bool rtc_io(struct lg *lg, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	(void)size;
	lg_rtc_io(lg, port, write, &data[0]);
	return true;
}

/* Keyboard-controller pulse (0xfe to 0x64) and 0xcf9's reset bit: the guest's end. */
static bool reset_io(struct lg *lg, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	if (!write || size != 1 || !(port == 0x64 ? data[0] == 0xfe : data[0] & 4))
		return false;
	guest_reset(lg, port == 0x64 ? "keyboard controller" : "port 0xcf9");
	return true;
}

static bool pci_io(struct lg *lg, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	lg_pci_io(lg, port, write, size, data);
	return true;
}

static bool exit_io(struct lg *lg, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	(void)port;
	(void)size;
	if (!write)
		return false;
	lg_request_stop(lg, LG_STOP_EXITPORT, data[0]);
	return true;
}

static const struct lg_port_range {
	uint16_t first, last;
	size_t counter; /* offset of its count in struct lg_stats; 0: none */
	bool (*io)(struct lg *lg, uint16_t port, bool write, unsigned size, uint8_t *data);
} port_map[] = {
    {0x3f8, 0x3ff, offsetof(struct lg_stats, io_serial), serial_io},
    {0x70, 0x71, offsetof(struct lg_stats, io_rtc), rtc_io},
    {0x64, 0x64, 0, reset_io},
    {0xcf9, 0xcf9, 0, reset_io}, /* before PCI: a byte there is the reset control register */
    {0xcf8, 0xcff, offsetof(struct lg_stats, io_pci), pci_io},
    {LG_EXIT_PORT, LG_EXIT_PORT, 0, exit_io},
};

/* With io_lock held. Then the virtio functions' BARs, wherever the guest put them. */
static void pio(struct lg *lg, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	struct lg_stats *st = &lg->st;

	for (size_t i = 0; i < sizeof(port_map) / sizeof(port_map[0]); i++) {
		const struct lg_port_range *r = &port_map[i];

		if (port < r->first || port > r->last || !r->io(lg, port, write, size, data))
			continue;
		if (r->counter)
			(*(uint64_t *)((char *)st + r->counter))++;
		return;
	}
	if (lg_virtio_io(lg, port, write, size, data)) {
		st->io_virtio++;
		return;
	}
	st->io_unhandled++;
	/* Nothing there: the bus floats high, which is what probes expect. */
	if (!write)
		memset(data, 0xff, size);
}

/* With io_lock held. */
static int handle_exit(struct lg *lg, struct kvm_run *r)
{
	lg->st.exits++;
	switch (r->exit_reason) {
	case KVM_EXIT_IO: {
		uint8_t *p = (uint8_t *)r + r->io.data_offset;

		lg->st.io++;
		if (r->io.size != 1 && r->io.size != 2 && r->io.size != 4)
			return hv_fail(-EINVAL, NULL, "KVM_EXIT_IO of %u bytes", r->io.size);
		for (uint32_t i = 0; i < r->io.count; i++, p += r->io.size)
			pio(lg, r->io.port, r->io.direction == KVM_EXIT_IO_OUT, r->io.size, p);
		return 0;
	}
	case KVM_EXIT_MMIO:
		lg->st.mmio++;
		lg->st.mmio_unhandled++;
		if (!r->mmio.is_write)
			memset(r->mmio.data, 0xff, sizeof(r->mmio.data));
		return 0;
	case KVM_EXIT_SHUTDOWN:
		guest_reset(lg, "triple fault");
		return 0;
	case KVM_EXIT_SYSTEM_EVENT:
		if (r->system_event.type == KVM_SYSTEM_EVENT_CRASH)
			lg_request_stop(lg, LG_STOP_CRASH, 0);
		else
			guest_reset(lg, "system event");
		return 0;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel irqchip; a halted guest waits for us. */
		lg->st.other++;
		return 0;
	case KVM_EXIT_INTR:
		lg->st.intr++;
		return 0;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(lg->crash_why, sizeof(lg->crash_why),
			 "KVM cannot enter it (hardware entry failure 0x%llx)",
			 (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
		lg_request_stop(lg, LG_STOP_CRASH, 0);
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		/* A PVM host reports a triple fault this way (emulation failure). */
		snprintf(lg->crash_why, sizeof(lg->crash_why),
			 "KVM cannot run it (internal error, suberror %u)", r->internal.suberror);
		lg_request_stop(lg, LG_STOP_CRASH, 0);
		return 0;
	default:
		lg->st.other++;
		return hv_fail(-EINVAL, NULL, "unexpected KVM exit reason %u", r->exit_reason);
	}
}

static int vcpu_state(struct lg *lg, struct lg_vcpu *v, struct lg_vcpu_state *s)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_irqchip pic = {.chip_id = KVM_IRQCHIP_PIC_MASTER};

	if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) < 0 || ioctl(v->fd, KVM_GET_REGS, &regs) < 0 ||
	    ioctl(lg->vm_fd, KVM_GET_IRQCHIP, &pic) < 0)
		return -errno;
	s->halted = mp.mp_state == KVM_MP_STATE_HALTED;
	/* An AP the guest never started (or parked with INIT) will not run either. */
	s->parked =
	    mp.mp_state == KVM_MP_STATE_UNINITIALIZED || mp.mp_state == KVM_MP_STATE_INIT_RECEIVED;
	s->interrupts = regs.rflags & 0x200;
	s->rip = regs.rip;
	s->pic_irr = pic.chip.pic.irr;
	s->pic_isr = pic.chip.pic.isr;
	s->pic_imr = pic.chip.pic.imr;
	return 0;
}

/* From the main thread once vCPU 0 has left its loop. */
int lg_kvm_vcpu_state(struct lg *lg, struct lg_vcpu_state *s)
{
	return vcpu_state(lg, &lg->vcpu[0], s);
}

/*
 * Without ACPI Linux cannot power off: poweroff and halt end in HLT with
 * interrupts disabled (on every CPU: the others are stopped first), which
 * the in-kernel irqchip handles without ever leaving KVM_RUN. The console
 * thread kicks the vCPUs a few times a second and each looks at its own
 * state (no other thread can while it sits in KVM_RUN); once every vCPU
 * was last seen halted with IF clear, or never started, none will run
 * again: the guest is off.
 */
static void check_halted(struct lg *lg, struct lg_vcpu *v)
{
	struct lg_vcpu_state s;

	if (vcpu_state(lg, v, &s)) {
		atomic_store(&v->off, false);
		return;
	}
	atomic_store(&v->off, s.parked || (s.halted && !s.interrupts));
	for (unsigned i = 0; i < lg->cpus; i++)
		if (!atomic_load(&lg->vcpu[i].off))
			return;
	if (lg->common.verbose)
		hv_note("guest halted with interrupts disabled: powered off");
	lg_request_stop(lg, LG_STOP_HALT, 0);
}

/* Runs vCPU v until a stop is requested; returns 0 or an exit code. */
static int vcpu_loop(struct lg *lg, struct lg_vcpu *v)
{
	uint64_t kmbuf[2];
	struct kvm_signal_mask *km = (struct kvm_signal_mask *)kmbuf;
	sigset_t during, usr1;
	int rc;

	/* Inside KVM_RUN the vCPU accepts SIGUSR1: that is how it gets kicked. */
	pthread_sigmask(SIG_SETMASK, NULL, &during);
	sigdelset(&during, SIGUSR1);
	km->len = 8; /* the kernel's sigset_t, not glibc's 128 bytes */
	memcpy(km->sigset, &during, 8);
	if (ioctl(v->fd, KVM_SET_SIGNAL_MASK, km) < 0) {
		lg_request_stop(lg, LG_STOP_ERROR, 0);
		return hv_fail(-errno, NULL, "KVM_SET_SIGNAL_MASK");
	}
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);

	while (atomic_load(&lg->stop) == LG_RUNNING) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			rc = -errno;
			/* EAGAIN: an AP waiting for its SIPI woke up. */
			if (rc == -EINTR || rc == -EAGAIN) {
				struct timespec zero = {0, 0};

				/* Eat the kick, or every later KVM_RUN returns at once. */
				while (sigtimedwait(&usr1, NULL, &zero) > 0)
					;
				pthread_mutex_lock(&lg->io_lock);
				lg->st.intr++;
				pthread_mutex_unlock(&lg->io_lock);
				if (atomic_load(&lg->stop) == LG_RUNNING)
					check_halted(lg, v);
				continue;
			}
			lg_request_stop(lg, LG_STOP_ERROR, 0);
			return hv_fail(rc, NULL, "KVM_RUN (vCPU %u)", v->id);
		}
		pthread_mutex_lock(&lg->io_lock);
		rc = handle_exit(lg, v->run);
		pthread_mutex_unlock(&lg->io_lock);
		if (rc) {
			lg_request_stop(lg, LG_STOP_ERROR, 0);
			return rc;
		}
	}
	return 0;
}

static void *ap_thread(void *arg)
{
	struct lg_vcpu *v = arg;

	vcpu_loop(v->lg, v);
	return NULL;
}

int lg_kvm_run(struct lg *lg)
{
	pthread_attr_t attr;

	lg->vcpu[0].thread = pthread_self();
	atomic_store(&lg->vcpu[0].started, true);
	pthread_attr_init(&attr);
	/* The exit loop and the device models need little: RSS counts. */
	pthread_attr_setstacksize(&attr, 256 << 10);
	for (unsigned i = 1; i < lg->cpus; i++) {
		struct lg_vcpu *v = &lg->vcpu[i];
		int rc = pthread_create(&v->thread, &attr, ap_thread, v);

		if (rc) {
			pthread_attr_destroy(&attr);
			lg_request_stop(lg, LG_STOP_ERROR, 0);
			return hv_fail(-rc, NULL, "starting vCPU %u's thread", i);
		}
		atomic_store(&v->started, true);
	}
	pthread_attr_destroy(&attr);
	return vcpu_loop(lg, &lg->vcpu[0]);
}

void lg_kvm_close(struct lg *lg)
{
	/* Stopped already unless set-up failed half way; the kick is harmless. */
	lg_request_stop(lg, LG_STOP_ERROR, 0);
	for (unsigned i = 1; i < lg->cpus; i++) {
		if (atomic_load(&lg->vcpu[i].started))
			pthread_join(lg->vcpu[i].thread, NULL);
		atomic_store(&lg->vcpu[i].started, false);
	}
	for (unsigned i = 0; i < lg->cpus; i++) {
		struct lg_vcpu *v = &lg->vcpu[i];

		if (v->run)
			munmap(v->run, lg->run_size);
		v->run = NULL;
		if (v->fd >= 0)
			close(v->fd);
		v->fd = -1;
	}
	if (lg->vm_fd >= 0)
		close(lg->vm_fd);
	if (lg->kvm_fd >= 0)
		close(lg->kvm_fd);
	lg->vm_fd = lg->kvm_fd = -1;
}
