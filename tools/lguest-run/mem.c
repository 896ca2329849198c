// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Guest RAM: one anonymous mapping of the launcher's own memory, shown to
 * the guest below the PCI hole and, for the rest, above 4 GiB. The e820 map
 * the kernel gets describes exactly that, with the legacy BIOS areas
 * (EBDA, VGA, ROM) reserved so Linux leaves them alone.
 */
#include <asm/bootparam.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "diag.h"
#include "lguest-run.h"

void lg_mem_layout(struct lg *lg)
{
	struct lg_mem *m = &lg->mem;

	m->size = lg->mem_size;
	m->low_size = m->size < LG_LOWMEM_MAX ? m->size : LG_LOWMEM_MAX;
	m->high_size = m->size - m->low_size;
}

int lg_mem_alloc(struct lg *lg)
{
	struct lg_mem *m = &lg->mem;
	uintptr_t start, aligned;
	void *p;

	/*
	 * MAP_NORESERVE: untouched guest pages cost nothing (RSS). The mapping
	 * starts on a 2 MiB boundary and asks for transparent huge pages: KVM
	 * maps guest memory with 2 MiB nested page table entries only where the
	 * host address and the guest-physical address agree modulo 2 MiB and a
	 * huge page backs it. A 4 KiB-aligned mapping costs one nested page
	 * fault (an exit to the host kernel) per 4 KiB the guest touches.
	 */
	p = mmap(NULL, m->size + LG_HUGE_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return hv_fail(-errno, "lower --memory", "allocating %llu bytes of guest memory",
			       (unsigned long long)m->size);
	start = (uintptr_t)p;
	aligned = (start + LG_HUGE_PAGE - 1) & ~(LG_HUGE_PAGE - 1);
	if (aligned > start)
		munmap(p, aligned - start);
	munmap((void *)(aligned + m->size), LG_HUGE_PAGE - (aligned - start));
	m->base = (void *)aligned;
	madvise(m->base, m->size, MADV_HUGEPAGE);
	madvise(m->base, m->size, MADV_MERGEABLE);
	return 0;
}

int lg_mem_register(struct lg *lg)
{
	const struct lg_mem *m = &lg->mem;
	struct kvm_userspace_memory_region r;

	memset(&r, 0, sizeof(r));
	r.slot = 0;
	r.guest_phys_addr = 0;
	r.memory_size = m->low_size;
	r.userspace_addr = (uintptr_t)m->base;
	if (ioctl(lg->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return hv_fail(-errno, NULL, "KVM_SET_USER_MEMORY_REGION (low memory)");
	if (m->high_size) {
		r.slot = 1;
		r.guest_phys_addr = LG_4G;
		r.memory_size = m->high_size;
		r.userspace_addr = (uintptr_t)(m->base + m->low_size);
		if (ioctl(lg->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return hv_fail(-errno, NULL, "KVM_SET_USER_MEMORY_REGION (high memory)");
	}
	return 0;
}

void lg_mem_free(struct lg *lg)
{
	if (lg->mem.base)
		munmap(lg->mem.base, lg->mem.size);
	lg->mem.base = NULL;
}

/* The offset of [gpa, gpa + len) in the RAM mapping, or -1 if it is not in one RAM range. */
static int64_t ram_offset(const struct lg_mem *m, uint64_t gpa, uint64_t len)
{
	if (gpa < m->low_size)
		return len > m->low_size - gpa ? -1 : (int64_t)gpa;
	if (gpa >= LG_4G && gpa - LG_4G < m->high_size)
		return len > m->high_size - (gpa - LG_4G) ? -1
							  : (int64_t)(m->low_size + (gpa - LG_4G));
	return -1;
}

bool lg_ram_range(const struct lg *lg, uint64_t gpa, uint64_t len)
{
	return ram_offset(&lg->mem, gpa, len) >= 0;
}

/*
 * The host pointer for [gpa, gpa + len) if it lies entirely in one RAM
 * range, NULL otherwise. Every address that comes from the guest or from
 * an image goes through here.
 */
void *lg_gpa(struct lg *lg, uint64_t gpa, uint64_t len)
{
	int64_t off = ram_offset(&lg->mem, gpa, len);

	return off < 0 || !lg->mem.base ? NULL : lg->mem.base + off;
}

static unsigned add(struct boot_e820_entry *t, unsigned n, unsigned max, uint64_t addr,
		    uint64_t size, uint32_t type)
{
	if (n < max && size) {
		t[n].addr = addr;
		t[n].size = size;
		t[n].type = type;
		n++;
	}
	return n;
}

unsigned lg_e820(const struct lg *lg, void *table, unsigned max)
{
	struct boot_e820_entry *t = table;
	const struct lg_mem *m = &lg->mem;
	unsigned n = 0;

	/* 1 = RAM, 2 = reserved (the E820_TYPE_* values of the boot protocol) */
	n = add(t, n, max, 0, LG_EBDA_START, 1);
	n = add(t, n, max, LG_EBDA_START, 0xa0000 - LG_EBDA_START, 2);
	n = add(t, n, max, 0xf0000, 0x10000, 2);
	n = add(t, n, max, LG_HIGH_START, m->low_size - LG_HIGH_START, 1);
	n = add(t, n, max, LG_4G, m->high_size, 1);
	return n;
}
