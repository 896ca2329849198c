// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * serve: a page server for Firecracker's snapshot restore. The VMM connects
 * to --socket, sends its userfaultfd (SCM_RIGHTS) with a JSON array of
 * GuestRegionUffdMapping objects in the same message:
 *   [{"base_host_virt_addr": N, "size": N, "offset": N, "page_size": N}, ...]
 * and from then on every missing page of guest memory is filled from the
 * memory file at the region's offset. Firecracker may close the socket right
 * after the handshake, so the VMM's end is watched with a pidfd on its
 * SO_PEERCRED pid, not with the socket.
 *
 * Up to --max-clients VMMs are served at once, each by its own thread with
 * its own userfaultfd, regions, record and statistics: a VMM that is slow to
 * send its handshake, whose faults wait on a slow memory file, or that dies
 * mid-restore holds up only its own thread. The main thread accepts, checks
 * the peer and hands the connection over; it alone touches the client list
 * and the connection counters, and it joins each thread and prints its
 * statistics when the thread says it is done (donefd). A signal reaches
 * the threads through stopfd (an eventfd that stays readable).
 *
 * The JSON and the descriptor come from another process: every field is
 * type-checked and every range is checked for alignment, overflow, overlap
 * and against the memory file before a single page is copied.
 *
 * Whoever can connect gets the snapshot's memory, so the socket is created
 * with mode 0600 whatever the umask, and a peer whose SO_PEERCRED uid is
 * neither serve's own nor an --allow-uid one is turned away before it is
 * read from.
 *
 * This file holds the options, the setup (the memory file, the private
 * socket) and the outcome; serve.h names the files that do the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "parse.h"
#include "serve.h"
#include "signals.h"
#include "step.h"

#define MAX_CLIENTS 1024 /* a thread, a userfaultfd and a pidfd each */

/*
 * bind() gives the socket the umask's mode, and a chmod() after it leaves a
 * window in which anyone may connect. So the socket is bound inside a fresh
 * 0700 directory next to PATH, chmod-ed to 0600 (and handed to the one
 * --allow-uid when serve is root, so that uid can connect), and only then
 * linked to PATH: link() fails on an existing PATH, as bind() did.
 */
static int listen_private(struct serve *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *copy = strdup(s->sock_path), *dir, tmp[sizeof(sa.sun_path)];
	int err = 0;

	if (!copy)
		return hv_fail(-ENOMEM, NULL, "serve");
	dir = dirname(copy);
	if (strlen(s->sock_path) >= sizeof(sa.sun_path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.uffd-watch.XXXXXX", dir) >= sizeof(tmp) - 2) {
		free(copy);
		return hv_fail(-ENAMETOOLONG, "use a shorter path", "serve: --socket %s",
			       s->sock_path);
	}
	free(copy);
	if (!mkdtemp(tmp))
		return hv_fail(-errno, NULL, "serve: --socket %s: private directory", s->sock_path);
	/* tmp is shorter than sun_path by more than the "/s" (checked above). */
	memcpy(sa.sun_path, tmp, strlen(tmp));
	memcpy(sa.sun_path + strlen(tmp), "/s", 3);
	/* Non-blocking: the main thread takes every pending connection, then waits. */
	s->listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen < 0)
		err = hv_fail(-errno, NULL, "serve: socket");
	else if (bind(s->listen, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = hv_fail(-errno, NULL, "serve: bind %s", sa.sun_path);
	else if (listen(s->listen, SOMAXCONN) < 0)
		err = hv_fail(-errno, NULL, "serve: listen %s", s->sock_path);
	else if (chmod(sa.sun_path, 0600) < 0)
		err = hv_fail(-errno, NULL, "serve: chmod %s", sa.sun_path);
	else if (s->nallow == 1 && geteuid() == 0 && lchown(sa.sun_path, s->allow[0], -1) < 0)
		err = hv_fail(-errno, NULL, "serve: chown %s", sa.sun_path);
	else if (link(sa.sun_path, s->sock_path) < 0)
		err = hv_fail(-errno, errno == EEXIST ? "remove the stale socket first" : NULL,
			      "serve: bind %s", s->sock_path);
	unlink(sa.sun_path);
	rmdir(tmp);
	if (err) {
		if (s->listen >= 0)
			close(s->listen);
		s->listen = -1; /* PATH was not created: nothing to unlink */
		return err;
	}
	return 0;
}

static int setup(struct serve *s)
{
	struct stat st;
	int fd, err;

	fd = open(s->mem_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hv_fail(-errno, NULL, "serve: memory file %s", s->mem_path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		return hv_fail(-EINVAL, "give the snapshot's non-empty memory file",
			       "serve: memory file %s", s->mem_path);
	}
	s->mem_len = (uint64_t)st.st_size / UW_PAGE * UW_PAGE;
	s->mem = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	s->mem_fd = fd;
	if (s->mem == MAP_FAILED) {
		s->mem = NULL;
		return hv_fail(-errno, NULL, "serve: mmap %s", s->mem_path);
	}
	if (s->prefetch_path && (err = uw_read_prefetch(s)))
		return err;
	s->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->donefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stopfd < 0 || s->donefd < 0)
		return hv_fail(-errno, NULL, "serve: eventfd");
	return listen_private(s);
}

const struct poptOption uw_serve_options[] = {
    {"socket", 's', POPT_ARG_STRING, HV_AT(struct uw_ctx, o.socket), 0,
     "listen on this unix socket", "PATH"},
    {"memory", 'm', POPT_ARG_STRING, HV_AT(struct uw_ctx, o.memory), 0,
     "the snapshot's guest memory file", "FILE"},
    {"max-clients", 0, POPT_ARG_STRING, HV_AT(struct uw_ctx, o.max_clients), 0,
     "serve up to N VMMs at once, until a signal (default 1: one VMM, then exit)", "N"},
    {"record", 'r', POPT_ARG_STRING, HV_AT(struct uw_ctx, o.record), 0,
     "write the first-touch order of pages to TRACE at the end", "TRACE"},
    {"prefetch", 'p', POPT_ARG_STRING, HV_AT(struct uw_ctx, o.prefetch), 0,
     "install the pages listed in TRACE before serving faults", "TRACE"},
    {"timeout", 0, POPT_ARG_STRING, HV_AT(struct uw_ctx, o.timeout), 0,
     "give up if the VMM has not completed the handshake by then", "DURATION"},
    {"allow-uid", 0, POPT_ARG_ARGV, HV_AT(struct uw_ctx, o.allow_uid), 0,
     "also serve a VMM running as UID (repeatable; default: serve's own uid only)", "UID"},
    {"trace", 't', POPT_ARG_NONE, HV_AT(struct uw_ctx, trace), 0, "print every fault and event",
     NULL},
    {"stats", 0, POPT_ARG_NONE, HV_AT(struct uw_ctx, stats), 0, "print statistics at the end",
     NULL},
    {"output", 'o', POPT_ARG_STRING, HV_AT(struct uw_ctx, output), 0,
     "write trace and stats to FILE", "FILE"},
    POPT_TABLEEND,
};

int uw_serve(void *ctx, int argc, const char **argv)
{
	struct uw_ctx *x = ctx;
	struct serve s = {.x = x, .listen = -1, .ep = -1, .stopfd = -1, .donefd = -1, .mem_fd = -1};
	const struct uw_opts *o = &x->o;
	int rc;

	(void)argv;
	if (argc) {
		rc = hv_usage_error("serve takes no arguments");
		goto out_args;
	}
	if (!o->socket || !o->memory) {
		rc = hv_usage_error("serve needs --socket PATH and --memory FILE");
		goto out_args;
	}
	if (o->timeout && hv_parse_duration_ms(o->timeout, 86400000ull * 365, &s.timeout_ms) < 0) {
		rc = hv_usage_error("--timeout %s: use a duration like 10s or 500ms", o->timeout);
		goto out_args;
	}
	s.max_clients = 1;
	if (o->max_clients) {
		uint32_t n;

		if (hv_parse_u32(o->max_clients, 1, MAX_CLIENTS, &n) < 0) {
			rc = hv_usage_error("--max-clients %s: give a number from 1 to %d",
					    o->max_clients, MAX_CLIENTS);
			goto out_args;
		}
		s.max_clients = n;
	}
	for (size_t i = 0; o->allow_uid && o->allow_uid[i]; i++) {
		uint32_t uid;

		if (hv_parse_u32(o->allow_uid[i], 0, UINT32_MAX - 1, &uid) < 0) {
			rc = hv_usage_error("--allow-uid %s: give a numeric uid", o->allow_uid[i]);
			goto out_args;
		}
		if (s.nallow == MAX_ALLOW_UIDS) {
			rc = hv_usage_error("--allow-uid: at most %d uids", MAX_ALLOW_UIDS);
			goto out_args;
		}
		s.allow[s.nallow++] = (uid_t)uid;
	}
	s.sock_path = o->socket;
	s.mem_path = o->memory;
	s.record_path = o->record;
	s.prefetch_path = o->prefetch;
	if ((rc = uw_output_open(x)))
		goto out_args;
	/* Before any thread: they inherit the blocked mask, the main thread takes the signals. */
	if (hv_signals_block(&s.sig, 0) < 0) {
		rc = hv_fail(-errno, NULL, "signalfd");
		goto out;
	}
	s.sig_on = true;
	x->t0_ns = hv_now_ns();
	s.first_end_ms = hv_now_ms() + s.timeout_ms;
	if ((rc = setup(&s)))
		goto out;
	hv_step("listening");
	rc = uw_serve_loop(&s);
	/* Every thread ends (handing back its memory after a failure) before the rest. */
	if (s.live) {
		uw_clients_stop(&s);
		uw_clients_reap(&s, true);
	}
	if (!rc)
		rc = s.rc;
	if (!rc && x->stats && s.max_clients > 1)
		uw_print_summary(&s);
out:
	if (s.listen >= 0) {
		close(s.listen);
		unlink(o->socket);
	}
	if (s.ep >= 0)
		close(s.ep);
	if (s.stopfd >= 0)
		close(s.stopfd);
	if (s.donefd >= 0)
		close(s.donefd);
	if (s.mem_fd >= 0)
		close(s.mem_fd);
	free(s.pf_offs);
	if (s.sig_on)
		hv_signals_restore(&s.sig);
	uw_output_close(x);
out_args:
	return rc;
}
