// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Answering a userfaultfd's messages, the part run and serve share: the
 * batched read, how a fault ends and is accounted, the other events' counts
 * and trace records (see fault.h).
 */
#include <errno.h>
#include <sched.h>
#include <unistd.h>

#include "clock.h"
#include "fault.h"
#include "step.h"

void uw_uffd_init(struct uw_uffd *u, struct uw_ctx *x, struct uw_stats *st, int fd, int pid,
		  uint64_t spin_ns)
{
	/* Field by field: the message buffer needs no clearing on every wake-up. */
	u->x = x;
	u->st = st;
	u->fd = fd;
	u->pid = pid;
	u->spin_ns = spin_ns;
	u->t = 0;
	u->batch.n = 0;
	u->n = u->next = 0;
	u->last = false;
	u->quiet_since = 0;
}

/*
 * After the last message it keeps polling for spin_ns: a program that
 * faults in a burst faults again within microseconds, and catching that
 * without going back to sleep saves a wake-up per fault (see the
 * benchmark). It polls with sched_yield(), not a pause loop: when the
 * program shares our CPU (the usual case on a busy machine) a busy loop
 * would keep it from running, and so from faulting again, for the whole
 * spin (measured: p99 53 us a touch, 0.6x the rate). Anything but EAGAIN
 * ends it.
 */
const struct uffd_msg *uw_uffd_next(struct uw_uffd *u)
{
	const struct uffd_msg *m;

	while (u->next == u->n) {
		ssize_t n;

		if (u->last)
			return NULL;
		n = read(u->fd, u->msgs, sizeof(u->msgs));
		u->t = hv_now_ns();
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && u->spin_ns) {
			if (!u->quiet_since)
				u->quiet_since = u->t;
			if (u->t - u->quiet_since < u->spin_ns) {
				sched_yield();
				continue;
			}
		}
		if (n <= 0)
			return NULL;
		u->quiet_since = 0;
		/*
		 * A short batch emptied the queue; without a spin, epoll (level
		 * triggered) reports the next message, so skip the read that
		 * would only say EAGAIN.
		 */
		if (!u->spin_ns && (size_t)n < sizeof(u->msgs))
			u->last = true;
		u->n = (size_t)n / sizeof(u->msgs[0]);
		u->next = 0;
		u->batch.n = 0;
	}
	m = &u->msgs[u->next++];
	/* after an event the mm may differ: trust no earlier range */
	if (m->event != UFFD_EVENT_PAGEFAULT)
		u->batch.n = 0;
	return m;
}

static enum uw_kind fault_kind(const struct uffd_msg *m)
{
	uint64_t f = m->arg.pagefault.flags;

	if (f & UFFD_PAGEFAULT_FLAG_WP)
		return UW_K_WP;
	if (f & UFFD_PAGEFAULT_FLAG_MINOR)
		return UW_K_MINOR;
	return (f & UFFD_PAGEFAULT_FLAG_WRITE) ? UW_K_WRITE : UW_K_READ;
}

void uw_fault_begin(struct uw_uffd *u, const struct uffd_msg *m, struct uw_fault *f)
{
	*f = (struct uw_fault){.m = m, .addr = m->arg.pagefault.address, .kind = fault_kind(m)};
	if (!u->st->first_ns)
		hv_step("first-fault"); /* the traced program or the VMM waits on this fault */
}

bool uw_fault_shared(struct uw_uffd *u, uint64_t page)
{
	const struct uw_batch *b = &u->batch;

	for (size_t i = 0; i < b->n; i++)
		if (page >= b->start[i] && page < b->end[i]) {
			u->st->shared++;
			return true;
		}
	return false;
}

void uw_batch_add(struct uw_batch *b, uint64_t page, uint64_t len)
{
	if (!len || b->n == UW_BATCH)
		return;
	b->start[b->n] = page;
	b->end[b->n++] = page + len;
}

void uw_fault_end(struct uw_uffd *u, const struct uw_fault *f, int err)
{
	struct uw_stats *st = u->st;
	uint64_t t1;

	/*
	 * EAGAIN: the mm is changing (an event is pending), the thread faults
	 * again. EEXIST: another thread's fault got there first.
	 */
	if (err == -EAGAIN)
		st->retries++;
	if (err)
		uw_wake(u->fd, f->page, f->len);
	t1 = hv_now_ns();
	uw_hist_add(&st->lat, t1 - u->t);
	if (!st->first_ns)
		st->first_ns = t1;
	st->last_ns = t1;
	st->faults[f->kind]++;
	if (u->x->trace) {
		/* One record, never cut by another of serve's threads. */
		flockfile(u->x->out);
		uw_trace_fault(u->x, u->t, u->pid, f->m->arg.pagefault.feat.ptid, f->kind, f->addr,
			       f->map, f->off);
		funlockfile(u->x->out);
	}
}

void uw_event_note(struct uw_uffd *u, const struct uffd_msg *m)
{
	struct uw_ctx *x = u->x;

	switch (m->event) {
	case UFFD_EVENT_FORK:
		u->st->events[UW_E_FORK]++;
		break;
	case UFFD_EVENT_REMAP:
		u->st->events[UW_E_REMAP]++;
		break;
	case UFFD_EVENT_REMOVE:
		u->st->events[UW_E_REMOVE]++;
		break;
	case UFFD_EVENT_UNMAP:
		u->st->events[UW_E_UNMAP]++;
		break;
	default:
		return;
	}
	if (!x->trace)
		return;
	flockfile(x->out);
	if (m->event == UFFD_EVENT_FORK)
		uw_trace_event(x, u->t, u->pid, "fork", NULL, 0, NULL, 0, NULL, 0);
	else if (m->event == UFFD_EVENT_REMAP)
		uw_trace_event(x, u->t, u->pid, "remap", "from", m->arg.remap.from, "to",
			       m->arg.remap.to, "length", m->arg.remap.len);
	else
		uw_trace_event(x, u->t, u->pid, m->event == UFFD_EVENT_REMOVE ? "remove" : "unmap",
			       "start", m->arg.remove.start, "end", m->arg.remove.end, NULL, 0);
	funlockfile(x->out);
}
