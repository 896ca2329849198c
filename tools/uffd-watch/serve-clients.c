// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * serve's main thread: accept, check the peer, start a thread per VMM,
 * and join and report each when it is done.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "json.h"
#include "serve.h"
#include "signals.h"
#include "step.h"

static void stats_extra(struct uw_ctx *x, struct hv_json *j, void *arg)
{
	struct client *c = arg;
	struct serve *s = c->s;
	double secs = (double)c->pf_ns / 1e9;
	double rate = secs > 0 ? (double)c->pf_pages / secs : 0;

	if (j) {
		hv_json_u64(j, "client", c->id);
		hv_json_i64(j, "vmm_pid", c->vmm);
		hv_json_u64(j, "outside_faults", c->outside);
		hv_json_object_open(j, "prefetch");
		hv_json_u64(j, "pages", c->pf_pages);
		hv_json_double(j, "seconds", secs);
		hv_json_double(j, "pages_per_second", rate);
		hv_json_object_close(j);
		hv_json_u64(j, "recorded", c->nrecord);
		hv_json_u64(j, "faults_resolved_by_another", c->st.shared);
		hv_json_u64(j, "written_to_backing_file", c->bwritten);
		hv_json_u64(j, "refused_connections", s->refused);
		hv_json_u64(j, "turned_away", s->turned_away);
		hv_json_object_open(j, "unservable");
		hv_json_u64(j, "pages", c->unservable);
		hv_json_u64(j, "poisoned", c->poisoned);
		hv_json_u64(j, "zero_filled", c->unservable - c->poisoned);
		hv_json_object_close(j);
		return;
	}
	fprintf(x->out, "vmm:         pid %d (client %u)\n", (int)c->vmm, c->id);
	fprintf(x->out, "prefetch:    %llu pages in %.6f s (%.0f pages/s)\n",
		(unsigned long long)c->pf_pages, secs, rate);
	fprintf(x->out, "recorded:    %zu pages; outside regions: %llu faults\n", c->nrecord,
		(unsigned long long)c->outside);
	fprintf(x->out, "shared:      %llu faults resolved by another fault's ioctl\n",
		(unsigned long long)c->st.shared);
	if (c->bmap)
		fprintf(x->out, "minor:       %llu pages written into the backing file\n",
			(unsigned long long)c->bwritten);
	fprintf(x->out,
		"refused:     %llu connections from a uid not allowed, %llu beyond "
		"--max-clients\n",
		(unsigned long long)s->refused, (unsigned long long)s->turned_away);
	fprintf(x->out,
		"unservable:  %llu pages the memory file could not give (%llu poisoned, "
		"%llu zero-filled)\n",
		(unsigned long long)c->unservable, (unsigned long long)c->poisoned,
		(unsigned long long)(c->unservable - c->poisoned));
}

/* With several VMMs, what the server saw besides them, at the end. */
void uw_print_summary(struct serve *s)
{
	struct uw_ctx *x = s->x;

	if (x->c.json) {
		struct hv_json j;

		hv_json_init(&j, x->out, true);
		hv_json_object_open(&j, NULL);
		hv_json_str(&j, "event", "summary");
		hv_json_u64(&j, "clients", s->accepted);
		hv_json_u64(&j, "rejected", s->rejected);
		hv_json_u64(&j, "refused_connections", s->refused);
		hv_json_u64(&j, "turned_away", s->turned_away);
		hv_json_object_close(&j);
		hv_json_end(&j);
		return;
	}
	fprintf(x->out,
		"summary:     %u VMMs served (%llu handshakes rejected); refused %llu, turned "
		"away %llu\n",
		s->accepted, (unsigned long long)s->rejected, (unsigned long long)s->refused,
		(unsigned long long)s->turned_away);
}

static bool uid_allowed(const struct serve *s, uid_t uid)
{
	if (uid == geteuid())
		return true;
	for (size_t i = 0; i < s->nallow; i++)
		if (s->allow[i] == uid)
			return true;
	return false;
}

static void start_client(struct serve *s, int conn, pid_t pid)
{
	struct client *c = calloc(1, sizeof(*c));
	int err;

	if (!c) {
		hv_warn("serve: VMM pid %d not served: out of memory", (int)pid);
		close(conn);
		return;
	}
	*c = (struct client){
	    .s = s, .conn = conn, .uffd = -1, .backing = -1, .pidfd = -1, .ep = -1, .vmm = pid};
	c->id = s->accepted + 1;
	/* --timeout counts for the first VMM from serve's start, as it always did. */
	if (c->id == 1 && s->timeout_ms)
		c->end_ms = s->first_end_ms;
	else
		c->end_ms = hv_now_ms() + (s->timeout_ms ? s->timeout_ms : HANDSHAKE_MS);
	err = pthread_create(&c->th, NULL, uw_client_main, c);
	if (err) {
		hv_warn("serve: VMM pid %d not served: no thread: %s", (int)pid, strerror(err));
		uw_client_free(c);
		return;
	}
	s->accepted++;
	s->live++;
	c->next = s->clients;
	s->clients = c;
}

/* Takes every pending connection: serves, refuses or turns each away. */
static int accept_all(struct serve *s)
{
	for (;;) {
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		int conn = accept4(s->listen, NULL, NULL, SOCK_CLOEXEC);

		if (conn < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (conn < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (conn < 0)
			return hv_fail(-errno, NULL, "serve: accept");
		if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
			int err = -errno;

			close(conn);
			return hv_fail(err, NULL, "serve: SO_PEERCRED");
		}
		if (!uid_allowed(s, cred.uid)) {
			/* A stranger neither gets memory nor ends the wait for the real VMM. */
			s->refused++;
			hv_warn("serve: refused a connection from uid %u (pid %d): not serve's uid "
				"nor an --allow-uid",
				(unsigned)cred.uid, (int)cred.pid);
			close(conn);
			continue;
		}
		if (s->live >= s->max_clients) {
			/* The protocol has no reply: the VMM sees the hang-up, the log says why. */
			s->turned_away++;
			hv_warn("serve: turned away VMM pid %d (uid %u): already serving %u VMM%s "
				"(--max-clients %u)",
				(int)cred.pid, (unsigned)cred.uid, s->live, s->live == 1 ? "" : "s",
				s->max_clients);
			close(conn);
			continue;
		}
		hv_step("connected");
		start_client(s, conn, cred.pid);
	}
}

/* Joins the finished threads (all of them with wait_all), reporting each. */
int uw_clients_reap(struct serve *s, bool wait_all)
{
	struct uw_ctx *x = s->x;
	struct client **pp = &s->clients;
	int rc = 0;

	while (*pp) {
		struct client *c = *pp;

		if (!wait_all && !atomic_load(&c->finished)) {
			pp = &c->next;
			continue;
		}
		pthread_join(c->th, NULL);
		*pp = c->next;
		s->live--;
		if (s->max_clients == 1)
			s->rc = c->rc;
		if (c->rejected)
			s->rejected++;
		if (c->rc && s->max_clients > 1)
			hv_warn("serve: VMM pid %d (client %u) was not served to its end; the "
				"others go on",
				(int)c->vmm, c->id);
		if (c->served && c->recording && (rc = uw_write_record(s, c)))
			s->rc = rc;
		if (c->served && x->stats) {
			flockfile(x->out);
			uw_print_stats(x, &c->st, stats_extra, c);
			funlockfile(x->out);
			fflush(x->out);
		}
		uw_client_free(c);
	}
	return rc;
}

void uw_clients_stop(struct serve *s)
{
	uint64_t one = 1;

	if (!atomic_exchange(&s->stopped, true) && write(s->stopfd, &one, sizeof(one)) < 0)
		hv_warn("serve: eventfd: %s", strerror(errno));
}

int uw_serve_loop(struct serve *s)
{
	struct epoll_event ev, evs[8];
	bool listening = true;

	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0)
		return hv_fail(-errno, NULL, "serve: epoll");
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = s->listen};
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->listen, &ev);
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = s->sig.fd};
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->sig.fd, &ev);
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = s->donefd};
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->donefd, &ev);
	for (;;) {
		int n, ms = -1, err;

		/*
		 * --max-clients 1 is the one-VMM handler it always was: it ends
		 * with its VMM. With more, serve runs until a signal.
		 */
		if (!s->live && (stopped(s) || (s->max_clients == 1 && s->accepted)))
			return 0;
		if (listening && !s->accepted && s->timeout_ms) {
			uint64_t now = hv_now_ms();

			ms = now >= s->first_end_ms ? 0 : (int)(s->first_end_ms - now);
		}
		n = epoll_wait(s->ep, evs, 8, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hv_fail(-errno, NULL, "serve: epoll_wait");
		if (n == 0)
			return hv_fail(-ETIMEDOUT, "the VMM never connected",
				       "serve: waiting on %s", s->sock_path);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			uint64_t cnt;

			if (fd == s->listen && listening && (err = accept_all(s))) {
				uw_clients_stop(s);
				return err;
			}
			if (fd == s->sig.fd && hv_signals_pending(&s->sig) > 0 && listening) {
				uw_clients_stop(s);
				/* VMMs that connected before the signal still get their memory. */
				if ((err = accept_all(s)))
					return err;
				epoll_ctl(s->ep, EPOLL_CTL_DEL, s->listen, NULL);
				listening = false;
			}
			if (fd == s->donefd) {
				if (read(s->donefd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
					return hv_fail(-errno, NULL, "serve: eventfd");
				uw_clients_reap(s, false);
			}
		}
		if (s->x->trace)
			fflush(s->x->out);
	}
}
