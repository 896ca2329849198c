// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Answering a VMM's faults from the memory file: copies, huge pages, the
 * backing file of "minor" regions, pages a balloon removed and pages the
 * file cannot give; and installing runs of pages for prefetch and
 * hand-back. The read loop and the accounting are fault.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "diag.h"
#include "fault.h"
#include "fileio.h"
#include "serve.h"

static struct sregion *find_region(struct client *c, uint64_t addr)
{
	for (size_t i = 0; i < c->nregs; i++)
		if (addr >= c->regs[i].base && addr - c->regs[i].base < c->regs[i].size)
			return &c->regs[i];
	return NULL;
}

void uw_record_page(struct client *c, struct sregion *r, uint64_t pg)
{
	if (bit_test(r->served, pg))
		return;
	bit_set(r->served, pg);
	if (!c->recording)
		return;
	if (c->nrecord == c->caprecord) {
		size_t cap = c->caprecord ? c->caprecord * 2 : 1024;
		uint64_t *n = realloc(c->record, cap * sizeof(*n));

		if (!n)
			return; /* the record is best effort; serving goes on */
		c->record = n;
		c->caprecord = cap;
	}
	c->record[c->nrecord++] = r->offset + pg * r->psize;
}

/*
 * UFFDIO_ZEROPAGE has no hugetlbfs form: a huge page of zeros is a copy of
 * zeros (a private mapping, populated only where it is read).
 */
static int zero_fill(struct client *c, uint64_t page, uint64_t len)
{
	if (len == UW_PAGE)
		return uw_zeropage(c->uffd, page, len, NULL);
	if (!c->zero) {
		void *z = mmap(NULL, UW_HPAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (z == MAP_FAILED)
			return -ENOMEM;
		c->zero = z;
	}
	return uw_copy(c->uffd, page, c->zero, len, 0, NULL);
}

/*
 * UFFDIO_COPY says EFAULT when the source cannot be read: the memory file
 * shrank under its mapping, or its storage failed (both a SIGBUS on a plain
 * read). Waking the thread would only make it fault again, forever. Linux
 * 6.6+ installs a poison marker: the VMM's access gets SIGBUS (a memory
 * error in the guest), which says what happened. Before 6.6 the page is
 * zero-filled, as a fault outside every region is: the VMM runs on with
 * wrong memory, so both are warned about and counted.
 */
static int serve_unreadable(struct client *c, uint64_t page, uint64_t len, uint64_t off)
{
	int err = -EINVAL;

	if (!c->no_poison) {
		err = uw_poison(c->uffd, page, len);
		if (err == -EINVAL || err == -ENOTTY)
			c->no_poison = true;
	}
	if (!c->unservable++)
		hv_warn("serve: memory-file offset 0x%llx cannot be read (the file shrank, or a "
			"read error): %s",
			(unsigned long long)off,
			c->no_poison ? "zero-filled (no UFFDIO_POISON before Linux 6.6)"
				     : "poisoned, the VMM gets SIGBUS there");
	if (!err) {
		c->poisoned++;
		return 0;
	}
	return c->no_poison ? zero_fill(c, page, len) : err;
}

/*
 * Puts the snapshot's bytes [off, off + len) into the backing file's page
 * cache at the same offset. pread, not memcpy from the memory file's
 * mapping: a memory file that shrank gives a short read here, not SIGBUS.
 * -EFAULT when the memory file cannot give them.
 */
static int fill_backing(struct client *c, uint64_t off, uint64_t len)
{
	if (hv_pread_full(c->s->mem_fd, c->bmap + off, len, off) != (ssize_t)len)
		return -EFAULT;
	c->bwritten += len / UW_PAGE;
	return 0;
}

/*
 * A minor fault: the page is in the backing file's page cache, not mapped.
 * Its first time, with the backing file known, the snapshot's page is
 * written there; then UFFDIO_CONTINUE maps it. A page served before or
 * removed by the balloon keeps what the page cache holds (a shared
 * mapping's MADV_DONTNEED leaves the page in the file). Without a backing
 * file the VMM filled the file itself: only the mapping is ours to do.
 */
static int serve_minor(struct client *c, struct sregion *r, uint64_t page, uint64_t pg, uint64_t ps)
{
	uint64_t off = r->offset + pg * ps;
	int err;

	if (c->bmap && !bit_test(r->served, pg) && !bit_test(r->removed, pg) &&
	    fill_backing(c, off, ps)) {
		if (!c->unservable++)
			hv_warn("serve: memory-file offset 0x%llx cannot be read (the file shrank, "
				"or a read error): %s",
				(unsigned long long)off,
				c->no_poison ? "zero-filled"
					     : "poisoned, the VMM gets SIGBUS there");
		err = c->no_poison ? -EINVAL : uw_poison(c->uffd, page, ps);
		if (!err) {
			c->poisoned++;
			return 0;
		}
		c->no_poison = c->no_poison || err == -EINVAL || err == -ENOTTY;
		memset(c->bmap + off, 0, ps);
	}
	return uw_continue(c->uffd, page, ps, NULL);
}

static void serve_fault(struct client *c, struct uw_uffd *u, const struct uffd_msg *m)
{
	struct uw_fault f;
	struct sregion *r;
	int err;

	uw_fault_begin(u, m, &f);
	r = find_region(c, f.addr);
	/* A hugetlbfs region faults and is filled a huge page at a time. */
	f.len = r ? r->psize : UW_PAGE;
	f.page = f.addr & ~(f.len - 1);
	if (!r) {
		if (!c->outside++)
			hv_warn("serve: fault at 0x%llx is outside every region: %s",
				(unsigned long long)f.addr,
				f.kind == UW_K_MINOR ? "mapped as the page cache has it"
						     : "zero-filled");
		err = f.kind == UW_K_MINOR ? uw_continue(c->uffd, f.page, UW_PAGE, NULL)
					   : uw_zeropage(c->uffd, f.page, UW_PAGE, NULL);
	} else if (uw_fault_shared(u, f.page)) {
		err = 0; /* a vCPU sharing the page: the first one's copy woke it too */
	} else {
		uint64_t ps = f.len, pg = (f.page - r->base) / ps;

		if (f.kind == UW_K_MINOR)
			err = serve_minor(c, r, f.page, pg, ps);
		else if (bit_test(r->removed, pg))
			err = zero_fill(c, f.page, ps);
		else {
			const unsigned char *src = c->s->mem + r->offset + pg * ps;

			/*
			 * A 2 MiB copy from a source not mapped yet fails inside
			 * the kernel, which faults the source in page by page
			 * and tries again; one call maps it all first.
			 */
			if (ps == UW_HPAGE)
				madvise((void *)src, ps, MADV_POPULATE_READ);
			err = uw_copy(c->uffd, f.page, src, ps, 0, NULL);
		}
		if (err == -EFAULT)
			err = serve_unreadable(c, f.page, ps, r->offset + pg * ps);
		if (!err)
			uw_batch_add(&u->batch, f.page, ps);
		uw_record_page(c, r, pg);
	}
	if (r) {
		f.map = r->base;
		f.off = f.page - r->base;
	}
	uw_fault_end(u, &f, err);
}

static void on_remove(struct client *c, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < c->nregs; i++) {
		struct sregion *r = &c->regs[i];
		uint64_t a = start > r->base ? start : r->base;
		uint64_t b = end < r->base + r->size ? end : r->base + r->size;

		/* "served" stays set: the record keeps first touches only */
		for (uint64_t p = a; p < b; p += r->psize)
			bit_set(r->removed, (p - r->base) / r->psize);
	}
}

void uw_serve_faults(struct client *c)
{
	const struct uffd_msg *m;
	struct uw_uffd u;

	uw_uffd_init(&u, c->s->x, &c->st, c->uffd, c->vmm, 0);
	while ((m = uw_uffd_next(&u))) {
		if (m->event == UFFD_EVENT_PAGEFAULT) {
			serve_fault(c, &u, m);
		} else if (m->event == UFFD_EVENT_REMOVE) {
			on_remove(c, m->arg.remove.start, m->arg.remove.end);
			uw_event_note(&u, m);
		} else if (m->event == UFFD_EVENT_UNMAP) {
			uw_event_note(&u, m);
		}
	}
}

/*
 * Installs n pages of r from page pg on, for prefetch and hand-back: one
 * UFFDIO_COPY, or in a "minor" region the bytes written into the backing
 * file (when there is one) and one UFFDIO_CONTINUE. *done as uw_copy's.
 */
int uw_install_run(struct client *c, struct sregion *r, uint64_t pg, uint64_t n, uint64_t *done)
{
	uint64_t ps = r->psize, off = r->offset + pg * ps, dst = r->base + pg * ps;
	int err;

	*done = 0;
	if (!r->minor) {
		/* Map the source in one call: faulting it in page by page costs more. */
		madvise((void *)(c->s->mem + off), n * ps, MADV_POPULATE_READ);
		return uw_copy(c->uffd, dst, c->s->mem + off, n * ps, 0, done);
	}
	/* A page the memory file cannot give ends the run: its fault will say so. */
	if (c->bmap)
		for (uint64_t k = 0; k < n; k++)
			if ((err = fill_backing(c, off + k * ps, ps))) {
				if (!k)
					return err;
				n = k;
				break;
			}
	return uw_continue(c->uffd, dst, n * ps, done);
}
