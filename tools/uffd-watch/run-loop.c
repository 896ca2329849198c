// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * run's event loop: one epoll set for the agent's socket and connections,
 * the userfaultfds, signals and dirty's --interval timer, until the program
 * exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "dirty.h"
#include "run.h"

static void handle_signals(struct run *r)
{
	int sig;

	while ((sig = hv_signals_pending(&r->sig)) > 0) {
		if (sig == SIGCHLD) {
			int st;
			pid_t pid;

			while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
				if (pid == r->child) {
					r->status = st;
					r->child_done = true;
				}
		} else if (!r->child_done) {
			kill(r->child, sig); /* the program decides what the signal means */
		}
	}
}

/*
 * wp-async: the pages each process wrote since the last tick, per mapping.
 * A process that has exited has no pagemap any more: what it wrote after
 * the last tick is not reported.
 */
static void scan_written(struct run *r)
{
	uint64_t ticks, t = hv_now_ns();

	if (read(r->timer, &ticks, sizeof(ticks)) < 0)
		return;
	for (struct proc *p = r->procs; p; p = p->next) {
		if (p->pid <= 0 || p->uffd < 0)
			continue;
		for (size_t i = 0; i < p->nregs; i++) {
			int err = uw_dirty_scan(r->x, t, p->pid, p->regs[i].start, p->regs[i].len,
						&r->st_written);

			if (err == -ESRCH)
				break;
			if (err && !r->warned_scan) {
				hv_err(err, NULL, "pid %d: PAGEMAP_SCAN of 0x%llx", p->pid,
				       (unsigned long long)p->regs[i].start);
				r->warned_scan = true;
			}
		}
	}
	fflush(r->x->out);
}

int uw_run_loop(struct run *r)
{
	struct epoll_event evs[32];

	while (!r->child_done) {
		int n = epoll_wait(r->ep, evs, 32, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hv_fail(-errno, NULL, "epoll_wait");
		/*
		 * Faults first: a process may be blocked on one while it talks to
		 * us. A proc dropped earlier in this batch is still allocated
		 * (uw_proc_reap below) and marked dead: its events are skipped.
		 */
		for (int i = 0; i < n; i++) {
			struct tag *t = evs[i].data.ptr;

			if (t->kind == T_UFFD && !t->p->dead)
				uw_run_faults(r, t->p);
		}
		for (int i = 0; i < n; i++) {
			struct tag *t = evs[i].data.ptr;

			if (t->kind == T_LISTEN)
				uw_agent_accept(r);
			else if (t->kind == T_SIGNAL)
				handle_signals(r);
			else if (t->kind == T_TIMER)
				scan_written(r);
		}
		/* Connections last: one may drop a proc another event points to. */
		for (int i = 0; i < n; i++) {
			struct tag *t = evs[i].data.ptr;

			if (t->kind == T_CONN && !t->p->dead)
				uw_agent_conn(r, t->p);
		}
		uw_proc_reap(r);
		/* A live trace is read as it happens: flush once per wake-up. */
		if (r->x->trace)
			fflush(r->x->out);
	}
	return 0;
}
