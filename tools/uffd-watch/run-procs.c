// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * run's traced processes (see run.h) and the ranges registered in each.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "run.h"

/* A split (remove) and an add both need one more slot: 0 or -ENOMEM. */
static int regs_push(struct proc *p, struct region reg)
{
	if (p->nregs == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct region *n = realloc(p->regs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->regs = n;
		p->cap = cap;
	}
	p->regs[p->nregs++] = reg;
	return 0;
}

int uw_regs_remove(struct proc *p, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;
	size_t i = 0;
	int hit = 0;

	while (i < p->nregs) {
		struct region *r = &p->regs[i];
		uint64_t rend = r->start + r->len;

		if (rend <= start || r->start >= end) {
			i++;
			continue;
		}
		hit = 1;
		if (r->start < start && rend > end) {
			/* the hole splits it in two */
			struct region tail = {end, rend - end};

			r->len = start - r->start;
			return regs_push(p, tail) ? -ENOMEM : hit;
		}
		if (r->start < start) {
			r->len = start - r->start;
			i++;
		} else if (rend > end) {
			r->len = rend - end;
			r->start = end;
			i++;
		} else {
			p->regs[i] = p->regs[--p->nregs];
		}
	}
	return hit;
}

int uw_regs_add(struct proc *p, uint64_t start, uint64_t len)
{
	if (uw_regs_remove(p, start, len) < 0)
		return -ENOMEM;
	return regs_push(p, (struct region){start, len});
}

const struct region *uw_regs_find(const struct proc *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nregs; i++)
		if (addr >= p->regs[i].start && addr - p->regs[i].start < p->regs[i].len)
			return &p->regs[i];
	return NULL;
}

struct proc *uw_proc_new(struct run *r)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->conn = p->uffd = -1;
	p->conn_tag = (struct tag){T_CONN, p};
	p->uffd_tag = (struct tag){T_UFFD, p};
	p->next = r->procs;
	r->procs = p;
	return p;
}

/*
 * Drops a process: its descriptors leave the epoll set explicitly, because
 * closing ours does not remove a registration while another reference to
 * the file lives (a traced program may hand over a userfaultfd and keep a
 * dup). The struct itself is only freed by uw_proc_reap() after the current
 * epoll batch, whose events may still point at it: handlers skip dead ones.
 */
void uw_proc_free(struct run *r, struct proc *p)
{
	struct proc **pp;

	for (pp = &r->procs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	if (p->conn >= 0) {
		epoll_ctl(r->ep, EPOLL_CTL_DEL, p->conn, NULL);
		close(p->conn);
	}
	if (p->uffd >= 0) {
		epoll_ctl(r->ep, EPOLL_CTL_DEL, p->uffd, NULL);
		close(p->uffd); /* the last reference, unless the program kept one */
	}
	p->conn = p->uffd = -1;
	free(p->regs);
	p->regs = NULL;
	p->nregs = p->cap = 0;
	p->dead = true;
	p->next = r->dead;
	r->dead = p;
}

void uw_proc_reap(struct run *r)
{
	while (r->dead) {
		struct proc *p = r->dead;

		r->dead = p->next;
		free(p);
	}
}

int uw_ep_add(struct run *r, int fd, struct tag *t)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = t};

	return epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}
