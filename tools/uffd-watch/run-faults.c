// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Answering a traced process's faults: adaptive fault-around, the --serve
 * file's content, and the fork, remap and unmap events that change what is
 * registered. The read loop and the accounting are fault.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "fault.h"
#include "run.h"

/*
 * Adaptive fault-around, the kernel's readahead applied to missing faults: a
 * fault at the end of the window a stream got last time, or a little past it,
 * is sequential, and the stream's window grows (4, 8, 16, ... pages, up to
 * the maximum); any other fault starts a new stream of one page, so random
 * access costs one page per fault, as without fault-around. A fault inside a
 * window already installed (another thread's fault raced ours, or
 * MADV_DONTNEED dropped the page) gets its page and leaves the stream alone.
 * Returns the pages to install; *sp is the stream to update, or NULL.
 */
static uint64_t window(struct run *r, struct proc *p, uint64_t page, struct stream **sp)
{
	struct stream *s, *lru = &p->streams[0];

	*sp = NULL;
	if (!r->adaptive)
		return r->around;
	p->clock++;
	for (s = p->streams; s < p->streams + UW_STREAMS; s++) {
		if (s->win && page >= s->start &&
		    (page < s->next || page - s->next < s->win * UW_PAGE)) {
			s->used = p->clock;
			if (page < s->next)
				return 1;
			s->win = s->win < 4 ? 4 : s->win * 2;
			if (s->win > r->around)
				s->win = r->around;
			s->start = page;
			*sp = s;
			return s->win;
		}
		if (s->used < lru->used)
			lru = s;
	}
	*lru = (struct stream){.start = page, .next = page + UW_PAGE, .win = 1, .used = p->clock};
	return 1;
}

/*
 * Installs the faulting page and, with fault-around, the pages after it in
 * one ioctl: never past the end of its registered mapping, never across the
 * end of the --serve file (the rest of the mapping is zero), and never over
 * a page already present (the kernel stops there, and since the faulting
 * page comes first, a short copy still resolves the fault). Read faults on
 * zero content map the shared zero page, as the kernel itself would.
 */
static int install(struct run *r, struct proc *p, const struct region *reg, uint64_t page,
		   enum uw_kind k, uint64_t *installed)
{
	uint64_t n = 1, len, done = 0;
	const void *src = r->zero;
	struct stream *s = NULL;
	int err;

	if (reg && r->mode == UW_MODE_MISSING)
		n = window(r, p, page, &s);
	len = n * UW_PAGE;
	if (reg && len > reg->start + reg->len - page)
		len = reg->start + reg->len - page;
	if (r->file && reg) {
		uint64_t off = page - reg->start;

		if (off < r->file_len) {
			src = r->file + off;
			if (len > r->file_len - off)
				len = r->file_len - off;
		}
	}
	if (src == r->zero && k == UW_K_READ && r->mode == UW_MODE_MISSING)
		err = uw_zeropage(p->uffd, page, len, &done);
	else
		/* A read keeps wp mode's protection, so the first write still reports. */
		err = uw_copy(p->uffd, page, src, len,
			      k == UW_K_READ && r->mode == UW_MODE_WP ? UFFDIO_COPY_MODE_WP : 0,
			      &done);
	if (err == -EAGAIN && done >= UW_PAGE)
		err = 0;
	if (s)
		s->next = page + (done > UW_PAGE ? done : UW_PAGE);
	if (done > UW_PAGE)
		r->st_around += done / UW_PAGE - 1;
	*installed = err ? 0 : done;
	return err;
}

static void serve_fault(struct run *r, struct proc *p, struct uw_uffd *u, const struct uffd_msg *m)
{
	const struct region *reg;
	struct uw_fault f;
	uint64_t done = 0;
	int err;

	uw_fault_begin(u, m, &f);
	f.page = f.addr & ~(UW_PAGE - 1);
	f.len = UW_PAGE;
	reg = uw_regs_find(p, f.page);
	switch (f.kind) {
	case UW_K_WP:
		err = uw_writeprotect(p->uffd, f.page, UW_PAGE, false);
		break;
	case UW_K_MINOR:
		err = uw_continue(p->uffd, f.page, UW_PAGE, NULL);
		break;
	default:
		if (uw_fault_shared(u, f.page)) {
			err = 0;
			break;
		}
		err = install(r, p, reg, f.page, f.kind, &done);
		uw_batch_add(&u->batch, f.page, done);
		break;
	}
	if (err == -ENOENT || err == -ESRCH) {
		err = 0; /* the mapping or the process went away meanwhile: nothing to wake */
	} else if (err && err != -EAGAIN && err != -EEXIST) {
		if (!r->warned_ioctl)
			hv_warn("pid %d: cannot resolve the fault at 0x%llx: %s; waking the thread",
				p->pid, (unsigned long long)f.addr, strerror(-err));
		r->warned_ioctl = true;
	}
	if (reg) {
		f.map = reg->start;
		f.off = f.page - reg->start;
	}
	uw_fault_end(u, &f, err);
}

/* The child's context, served from now on; its process says hello later. */
static void on_fork(struct run *r, struct proc *parent, const struct uffd_msg *m)
{
	int fd = (int)m->arg.fork.ufd;
	struct proc *c;

	c = uw_proc_new(r);
	if (!c || (parent->nregs && !(c->regs = malloc(parent->nregs * sizeof(*c->regs))))) {
		hv_warn("pid %d: out of memory for a fork child: it runs untraced", parent->pid);
		if (c)
			uw_proc_free(r, c);
		close(fd);
		return;
	}
	c->uffd = fd;
	c->fork_child = true;
	c->ppid = parent->pid;
	c->seq = ++r->fork_seq;
	memcpy(c->regs, parent->regs, parent->nregs * sizeof(*c->regs));
	c->nregs = c->cap = parent->nregs;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (uw_ep_add(r, fd, &c->uffd_tag) < 0) {
		hv_warn("pid %d: cannot watch a fork child's userfaultfd", parent->pid);
		uw_proc_free(r, c);
	}
}

void uw_run_faults(struct run *r, struct proc *p)
{
	const struct uffd_msg *m;
	struct uw_uffd u;

	uw_uffd_init(&u, r->x, &r->st, p->uffd, p->pid, r->spin_ns);
	while ((m = uw_uffd_next(&u))) {
		if (m->event != UFFD_EVENT_PAGEFAULT)
			uw_event_note(&u, m);
		switch (m->event) {
		case UFFD_EVENT_PAGEFAULT:
			serve_fault(r, p, &u, m);
			break;
		case UFFD_EVENT_FORK:
			on_fork(r, p, m);
			break;
		case UFFD_EVENT_REMAP:
			if (uw_regs_remove(p, m->arg.remap.from, m->arg.remap.len) > 0)
				uw_regs_add(p, m->arg.remap.to, m->arg.remap.len);
			break;
		case UFFD_EVENT_UNMAP:
			if (m->arg.remove.end > m->arg.remove.start)
				uw_regs_remove(p, m->arg.remove.start,
					       m->arg.remove.end - m->arg.remove.start);
			break;
		default:
			break;
		}
	}
}
