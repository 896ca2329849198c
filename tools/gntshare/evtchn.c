// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * evtchn: event channels on /dev/xen/evtchn.
 *
 * A port is bound on one open descriptor of the device, and the kernel
 * unbinds every port of a descriptor when its last user closes it. So a
 * port lives as long as the process that bound it, and whatever that
 * process passes the descriptor on to: alloc and bind hold their port
 * until EOF on stdin or a signal (printing a line per event), until its
 * first event (--wait), or until an --exec'ed command ends. The command
 * inherits the descriptor (GNTSHARE_EVTCHN_FD, the port in GNTSHARE_PORT),
 * and notify, wait and close run under it act on that descriptor: the
 * kernel lets only a descriptor that bound a port notify or unbind it
 * (ENOTCONN for any other). After close the number is free: the next
 * bind in this domain may get it, so it means nothing to a later wait.
 *
 * Events are masked by the kernel from their delivery until the reader
 * unmasks the port (a write of its number): wait unmasks after each event,
 * so an event that comes before the next wait stays pending and that wait
 * returns at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* <xen/evtchn.h> uses domid_t without defining it. */
typedef uint16_t domid_t;
#include <xen/evtchn.h>

#include "clock.h"
#include "diag.h"
#include "exec.h"
#include "gntshare.h"
#include "parse.h"
#include "signals.h"

#define GS_EVTCHN "/dev/xen/evtchn"

/*
 * The descriptor notify/wait/close act on: --fd, else GNTSHARE_EVTCHN_FD
 * from alloc/bind --exec. It must be the evtchn device itself.
 */
static int inherited_fd(const struct gs_ctx *c, const struct gs_evtchn_opts *o, int *fd)
{
	const char *env = getenv("GNTSHARE_EVTCHN_FD");
	char path[PATH_MAX];
	struct stat fs, ds;
	uint64_t v;

	if (o->fd >= 0) {
		v = (uint64_t)o->fd;
	} else if (env) {
		if (hv_parse_dec(env, 0, INT32_MAX, &v))
			return hv_usage_error("GNTSHARE_EVTCHN_FD '%.32s' is not a descriptor",
					      env);
	} else {
		return hv_usage_error("evtchn %s: no event channel descriptor: a port lives on the "
				      "descriptor that bound it; run this under 'gntshare evtchn "
				      "alloc|bind --exec', or give --fd",
				      o->verb);
	}
	if (fstat((int)v, &fs) < 0)
		return hv_usage_error("evtchn %s: descriptor %llu is not open in this process",
				      o->verb, (unsigned long long)v);
	if (hv_path_build(&c->root, path, sizeof(path), "%s", GS_EVTCHN) < 0 ||
	    stat(path, &ds) < 0 || !S_ISCHR(fs.st_mode) || fs.st_rdev != ds.st_rdev)
		return hv_usage_error("evtchn %s: descriptor %llu is not %s", o->verb,
				      (unsigned long long)v, GS_EVTCHN);
	*fd = (int)v;
	return 0;
}

static int port_error(int err, const char *verb, uint32_t port)
{
	if (err == -ENOTCONN)
		return hv_fail(-ENOENT,
			       "not bound on this descriptor: closed, or bound by "
			       "another process",
			       "evtchn %s: port %u", verb, port);
	return hv_fail(err, NULL, "evtchn %s: port %u", verb, port);
}

static int do_notify(int fd, const char *verb, uint32_t port)
{
	struct ioctl_evtchn_notify n = {.port = port};

	if (ioctl(fd, IOCTL_EVTCHN_NOTIFY, &n) < 0)
		return port_error(-errno, verb, port);
	return 0;
}

/*
 * Waits for an event on port, up to timeout_ms (-1: for ever); sigfd, when
 * not -1, ends the wait with 128+signal. Returns 0 when the port fired, an
 * exit code otherwise (7 at the timeout, reported). Events of other ports
 * of the same descriptor are unmasked and dropped.
 */
static int wait_event(int fd, int sigfd, struct hv_signals *sig, const char *verb, uint32_t port,
		      int64_t timeout_ms)
{
	int64_t end = hv_deadline_ms(timeout_ms);

	for (;;) {
		struct pollfd pfd[2] = {
		    {.fd = fd, .events = POLLIN},
		    {.fd = sigfd, .events = POLLIN},
		};
		uint32_t got[64]; /* evtchn_port_t, as the device reads */
		int n, s;
		ssize_t r;

		n = poll(pfd, 2, hv_poll_ms(end));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hv_fail(-errno, NULL, "evtchn %s: poll", verb);
		if (sig && (s = hv_signals_pending(sig)) > 0)
			return hv_signal_exit_code(s);
		if (n == 0) {
			hv_err(0, NULL, "evtchn %s: no event on port %u within %lld ms", verb, port,
			       (long long)timeout_ms);
			return HV_EXIT_TIMEOUT;
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		r = read(fd, got, sizeof(got));
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return hv_fail(-errno, NULL, "evtchn %s: reading events", verb);
		/* The kernel masked each port it delivered: unmask them again. */
		if (r > 0 && write(fd, got, (size_t)r) != r)
			return hv_fail(-errno, NULL, "evtchn %s: unmasking", verb);
		for (size_t i = 0; i < (size_t)r / sizeof(got[0]); i++)
			if (got[i] == port)
				return 0;
	}
}

/*
 * Xen marks a port pending when it binds it interdomain, standing in for
 * notifications the peer sent to its unbound port (Xen dropped those). bind
 * takes that event, so a wait sees only what the peer sends after the bind.
 * It comes at once; a Xen that sets none costs a second.
 */
static int take_bind_event(int fd, uint32_t port)
{
	int64_t end = hv_deadline_ms(1000);

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint32_t got[64]; /* evtchn_port_t, as the device reads */
		ssize_t r;
		int n;

		n = poll(&pfd, 1, hv_poll_ms(end));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		r = read(fd, got, sizeof(got));
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return -errno;
		if (r > 0 && write(fd, got, (size_t)r) != r)
			return -errno;
		for (size_t i = 0; i < (size_t)r / sizeof(got[0]); i++)
			if (got[i] == port)
				return 0;
	}
}

static void print_port(const struct gs_ctx *c, const struct gs_evtchn_opts *o, uint32_t port)
{
	char num[16];

	if (c->common.json) {
		printf("{\"port\": %u, \"domid\": %u", port, o->domid);
		if (o->remote_port)
			printf(", \"remote_port\": %u", o->remote_port);
		printf("}\n");
	} else {
		gs_format_u32(num, port);
		puts(num);
	}
	fflush(stdout);
}

/* The child of --exec: the descriptor open across exec, and where it is. */
static void child_exec(const struct gs_evtchn_opts *o, struct hv_signals *sig, int fd,
		       uint32_t port)
{
	char num[16];

	hv_signals_restore(sig);
	signal(SIGPIPE, SIG_DFL);
	if (fcntl(fd, F_SETFD, 0) < 0) {
		hv_err(-errno, NULL, "--exec: keeping the descriptor open");
		_exit(126);
	}
	gs_format_u32(num, (uint32_t)fd);
	setenv("GNTSHARE_EVTCHN_FD", num, 1);
	gs_format_u32(num, port);
	setenv("GNTSHARE_PORT", num, 1);
	gs_format_u32(num, o->domid);
	setenv("GNTSHARE_DOMID", num, 1);
	hv_exec_or_exit("--exec", o->exec_argv);
}

/* Default hold: a line per event until EOF on stdin or a signal. */
static int hold(const struct gs_ctx *c, struct hv_signals *sig, int fd, uint32_t port)
{
	struct pollfd pfd[3] = {
	    {.fd = sig->fd, .events = POLLIN},
	    {.fd = 0, .events = POLLIN},
	    {.fd = fd, .events = POLLIN},
	};

	if (c->common.verbose)
		hv_note("holding port %u until EOF on stdin or a signal", port);
	for (;;) {
		int s;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return hv_fail(-errno, NULL, "poll");
		}
		s = hv_signals_pending(sig);
		if (s < 0)
			return hv_fail(s, NULL, "reading signals");
		if (s > 0)
			return hv_signal_exit_code(s);
		if (pfd[1].revents & POLLNVAL)
			pfd[1].fd = -1;
		else if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[4096];
			ssize_t n = read(0, buf, sizeof(buf));

			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				return HV_EXIT_OK;
		}
		if (pfd[2].revents & POLLIN) {
			uint32_t got[64]; /* evtchn_port_t, as the device reads */
			ssize_t r = read(fd, got, sizeof(got));

			if (r < 0 && errno != EINTR && errno != EAGAIN)
				return hv_fail(-errno, NULL, "reading events");
			if (r > 0 && write(fd, got, (size_t)r) != r)
				return hv_fail(-errno, NULL, "unmasking");
			for (size_t i = 0; r > 0 && i < (size_t)r / sizeof(got[0]); i++) {
				if (c->common.json)
					printf("{\"event\": %u}\n", got[i]);
				else
					puts("event");
			}
			if (fflush(stdout) == EOF)
				return hv_fail(-EIO, NULL, "writing events");
		}
	}
}

/* alloc and bind: bind the port, print it, hold it as asked. */
static int open_port(struct gs_ctx *c, const struct gs_evtchn_opts *o)
{
	struct hv_signals sig = {.fd = -1};
	uint32_t port;
	int fd, rc;

	fd = gs_open_dev(c, GS_EVTCHN, "xen-evtchn", O_RDWR);
	if (fd < 0)
		return -fd;
	if (o->bind) {
		struct ioctl_evtchn_bind_interdomain b = {.remote_domain = o->domid,
							  .remote_port = o->remote_port};

		rc = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
	} else {
		struct ioctl_evtchn_bind_unbound_port u = {.remote_domain = o->domid};

		rc = ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &u);
	}
	if (rc < 0) {
		int err = -errno;

		close(fd);
		if (err == -ESRCH)
			return hv_fail(err, "no such domain", "evtchn %s --domid %u", o->verb,
				       o->domid);
		if (o->bind && err == -EINVAL)
			return hv_fail(err,
				       "the remote port must be one that domain allocated for "
				       "this domain and nobody bound yet",
				       "evtchn bind --domid %u --remote-port %u", o->domid,
				       o->remote_port);
		return hv_fail(err, NULL, "evtchn %s --domid %u", o->verb, o->domid);
	}
	port = (uint32_t)rc;
	if (o->bind) {
		rc = take_bind_event(fd, port);
		if (rc) {
			close(fd);
			return hv_fail(rc, NULL, "evtchn bind: reading the event of the bind");
		}
	}
	/* From here on a signal ends the hold through the release path. */
	rc = hv_signals_block(&sig, o->exec_argv != NULL);
	if (rc) {
		close(fd);
		return hv_fail(rc, NULL, "cannot block signals");
	}
	signal(SIGPIPE, SIG_IGN);
	print_port(c, o, port);
	rc = 0;
	if (ferror(stdout))
		rc = hv_fail(-EIO, NULL, "cannot print the port");
	if (!rc && o->notify)
		rc = do_notify(fd, o->verb, port);
	if (rc) {
		/* Already reported. */
	} else if (o->exec_argv) {
		pid_t child;

		child = fork();
		if (child < 0)
			rc = hv_fail(-errno, NULL, "cannot start --exec %s", o->exec_argv[0]);
		else if (child == 0)
			child_exec(o, &sig, fd, port);
		else
			rc = gs_wait_child(&sig, child);
	} else if (o->wait) {
		rc = wait_event(fd, sig.fd, &sig, o->verb, port, o->timeout_ms);
	} else {
		rc = hold(c, &sig, fd, port);
	}
	/* Closing the descriptor unbinds the port: the peer's end goes unbound. */
	close(fd);
	hv_signals_restore(&sig);
	return rc;
}

int gs_evtchn(struct gs_ctx *c, const struct gs_evtchn_opts *o)
{
	int fd, rc;

	if (!strcmp(o->verb, "alloc") || !strcmp(o->verb, "bind"))
		return open_port(c, o);
	rc = inherited_fd(c, o, &fd);
	if (rc)
		return rc;
	if (!strcmp(o->verb, "notify"))
		return do_notify(fd, o->verb, o->port);
	if (!strcmp(o->verb, "close")) {
		struct ioctl_evtchn_unbind u = {.port = o->port};

		if (ioctl(fd, IOCTL_EVTCHN_UNBIND, &u) < 0)
			return port_error(-errno, o->verb, o->port);
		return 0;
	}
	return wait_event(fd, -1, NULL, o->verb, o->port, o->timeout_ms);
}
