// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One VMM's thread, from its handshake to its end: prefetch, serve its
 * faults until it goes or a signal comes, and then hand back the memory
 * it has not faulted in yet.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "diag.h"
#include "regions.h"
#include "serve.h"
#include "step.h"

/*
 * A signal ends the service while the VMM runs on, and the VMM keeps its own
 * copy of the userfaultfd: its next missing fault would wait forever. So the
 * pages not installed yet are installed now, as a prefetch would (the guest
 * sees its true memory), and then the regions are unregistered, which wakes
 * any waiter and leaves later faults (on balloon-removed pages) to the
 * kernel's zero-fill. This costs a copy of the rest of the memory file.
 */
static void hand_back(struct client *c)
{
	hv_step("hand-back");
	for (size_t i = 0; i < c->nregs; i++) {
		struct sregion *r = &c->regs[i];
		uint64_t ps = r->psize, n = r->size / ps, pg = 0;

		while (pg < n) {
			uint64_t j = pg, done = 0;
			int err;

			while (j < n && !bit_test(r->served, j) && !bit_test(r->removed, j) &&
			       (j - pg) * ps < PREFETCH_RUN)
				j++;
			if (j == pg) {
				pg++;
				continue;
			}
			err = uw_install_run(c, r, pg, j - pg, &done);
			if (err == -ESRCH)
				return; /* the VMM exited meanwhile: nothing to hand back */
			/* EEXIST: a page the VMM has already (a racing fault): step over it. */
			pg += done / ps + (err ? 1 : 0);
		}
		uw_unregister(c->uffd, r->base, r->size);
	}
	if (c->s->x->c.verbose)
		hv_note("serve: VMM pid %d: stopped by a signal: the rest of the memory was "
			"installed and the regions unregistered",
			c->vmm);
}

static int loop(struct client *c)
{
	struct serve *s = c->s;
	struct epoll_event ev, evs[8];
	bool done = false;
	int watch;

	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (c->ep < 0)
		return hv_fail(-errno, NULL, "serve: epoll");
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = c->uffd};
	epoll_ctl(c->ep, EPOLL_CTL_ADD, c->uffd, &ev);
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = s->stopfd};
	epoll_ctl(c->ep, EPOLL_CTL_ADD, s->stopfd, &ev);
	/* The VMM's exit ends the service; without a pidfd, its socket's hang-up does. */
	c->pidfd = c->vmm > 0 ? (int)syscall(SYS_pidfd_open, c->vmm, 0) : -1;
	watch = c->pidfd >= 0 ? c->pidfd : c->conn;
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = watch};
	epoll_ctl(c->ep, EPOLL_CTL_ADD, watch, &ev);
	while (!done) {
		int n = epoll_wait(c->ep, evs, 8, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hv_fail(-errno, NULL, "serve: epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == c->uffd)
				uw_serve_faults(c);
			else if (fd == s->stopfd || fd == c->pidfd)
				done = true;
			else if (fd == c->conn) {
				char b;

				done = recv(c->conn, &b, 1, MSG_DONTWAIT) <= 0;
				if (!done)
					return uw_bad(-1, "unexpected bytes after the handshake")
						   ? HV_EXIT_FAILURE
						   : 0;
			}
		}
		if (s->x->trace)
			fflush(s->x->out);
	}
	/* The VMM is gone: whatever is still queued is moot, but drain for the counts. */
	uw_serve_faults(c);
	if (stopped(s))
		hand_back(c);
	return 0;
}

static int client_serve(struct client *c)
{
	struct serve *s = c->s;
	int rc;

	if ((rc = uw_handshake(c))) {
		c->rejected = true;
		return rc;
	}
	c->recording = s->record_path && !atomic_exchange(&s->record_taken, true);
	if (stopped(s)) {
		/* Signalled before serving began: a VMM that came gets its memory. */
		hand_back(c);
		return 0;
	}
	if (s->pf_n && (rc = uw_prefetch(c)))
		return rc;
	if ((rc = loop(c)))
		return rc;
	c->served = true;
	return 0;
}

void *uw_client_main(void *arg)
{
	struct client *c = arg;
	uint64_t one = 1;

	c->rc = client_serve(c);
	atomic_store(&c->finished, true);
	/* An eventfd write of 1 cannot fail short of a bug: nothing to do on error. */
	if (write(c->s->donefd, &one, sizeof(one)) < 0)
		hv_warn("serve: eventfd: %s", strerror(errno));
	return NULL;
}

void uw_client_free(struct client *c)
{
	if (c->conn >= 0)
		close(c->conn);
	if (c->uffd >= 0)
		close(c->uffd); /* the VMM keeps its own copy: closing ours wakes nothing */
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->ep >= 0)
		close(c->ep);
	if (c->zero)
		munmap(c->zero, UW_HPAGE);
	if (c->bmap)
		munmap(c->bmap, c->blen);
	if (c->backing >= 0)
		close(c->backing);
	uw_regions_free(c->regs, c->nregs);
	free(c->record);
	free(c);
}
