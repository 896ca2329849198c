// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vchan: a byte stream between two domains in libxenvchan's ring format
 * and XenStore handshake, through Xen's libxenvchan, so that Xen's own
 * tools (vchan-socket-proxy) can be the other end.
 *
 * listen is libxenvchan's server: it grants the ring pages to the peer,
 * binds an unbound port for it and writes XSPATH/ring-ref and
 * XSPATH/event-channel (readable by the peer); connect is the client: it
 * maps them and binds the port. Each side's input (stdin, or an --exec'ed
 * command's stdout) goes into its write ring, its read ring goes to its
 * output.
 *
 * The protocol knows no half-close: a side that closes sets its live byte
 * in the ring page to 0 and kicks the port, and the gntalloc/gntdev unmap
 * notifications do the same when a process dies without closing. So the
 * end of our input, once the peer has read all of it, ends the stream for
 * both directions, and a receiver cannot tell a peer that closed from one
 * that was killed. What it can tell is a peer that went away before it
 * took all of our input: the stream was cut (GS_EXIT_CUT).
 *
 * What we trust of the shared page: nothing. libxenvchan reads the ring
 * orders once at connect and refuses orders outside 2^10..2^20, masks
 * every index with the ring size, and takes a producer/consumer distance
 * larger than the ring for "nothing there" (io.c, raw_get_data_ready and
 * raw_get_buffer_space). A hostile peer can stall the stream (bad indexes,
 * cleared notify bits), feed us garbage, or wake us as often as it can
 * send events; it cannot make us touch memory outside the ring, and our
 * loop sleeps in poll() between events. The man page says the same.
 *
 * The peer's domain dying unmaps nothing on our side and sends no event:
 * while the peer is another domain, we ask XenStore once a second of
 * quiet whether it still exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxenvchan.h>
#include <xenevtchn.h>
#include <xentoollog.h>

#include "clock.h"
#include "diag.h"
#include "exec.h"
#include "gntshare.h"
#include "parse.h"
#include "signals.h"
#include "xs.h"

#define VC_BUF (64u * 1024)
/* How often (ms) a quiet stream checks that the peer's domain exists. */
#define VC_DOMAIN_CHECK_MS 1000
/*
 * The courtesy kick after we drained the ring (see pump()) waits this long
 * for the stream to go quiet: a kick per message wakes the peer for
 * nothing and cost a 1-byte ping-pong 15-25 % (bench/gntshare RESULTS).
 */
#define VC_KICK_DELAY_MS 20
/* connect: first and largest pause between looks for XSPATH/ring-ref. */
#define VC_RETRY_MIN_MS 10
#define VC_RETRY_MAX_MS 250

/* libxenvchan logs through this: we keep the last message for the hint. */
struct vc_log {
	struct xentoollog_logger xtl; /* first: libxenvchan passes &xtl back */
	char last[256];
};

/* One byte direction's buffer between a descriptor and the ring. */
struct vc_buf {
	char data[VC_BUF];
	size_t off, len;
};

struct vc {
	const struct gs_vchan_opts *o;
	struct libxenvchan *v;
	struct hv_signals sig;
	struct hv_xs xs; /* the domain check, when the peer is another domain */
	bool check_domain;
	int in_fd, out_fd;	 /* stdin/stdout, or the --exec pipes */
	int in_flags, out_flags; /* stdin/stdout's flags before O_NONBLOCK, or -1 */
	pid_t child;
	bool in_eof, peer_closed;
	/*
	 * Read in_fd only when poll said so (or before the first poll): in a
	 * PV dom0 under TCG every syscall counts, and a ping-pong would
	 * otherwise pay two reads that find nothing on each wake.
	 */
	bool in_ready;
	bool consumed; /* read from the ring since the last kick */
	struct vc_buf in, out;
	struct vc_log log;
};

static void vc_log_message(struct xentoollog_logger *l, xentoollog_level level, int errnoval,
			   const char *context, const char *fmt, va_list ap)
{
	struct vc_log *lg = (struct vc_log *)l;
	int n;

	(void)errnoval;
	(void)context;
	if (level < XTL_ERROR)
		return;
	n = vsnprintf(lg->last, sizeof(lg->last), fmt, ap);
	/* One line: cut at the first newline. */
	if (n > 0)
		lg->last[strcspn(lg->last, "\n")] = '\0';
}

static void vc_log_destroy(struct xentoollog_logger *l)
{
	(void)l;
}

static const char *vc_hint(const struct vc *s, const char *dflt)
{
	return s->log.last[0] ? s->log.last : dflt;
}

/*
 * The peer's node, as the client reads it: it must exist and be owned by
 * the peer (only the owner and dom0 can write it), else somebody else
 * could point us at their ring: -EPERM. -ENOENT while it is not there
 * yet; -EACCES while this domain cannot see it, which is the same thing
 * seen from a domU: the store answers EACCES for a node missing under a
 * parent the asker may not read (dom0's /local/domain/0/data), and the
 * listener's own node is readable by us once it is there.
 */
static int check_peer_node(struct hv_xs *x, const struct gs_vchan_opts *o)
{
	char path[128];
	struct xs_permissions *perms;
	unsigned int n;
	int rc;

	snprintf(path, sizeof(path), "%s/ring-ref", o->path);
	rc = hv_xs_get_perms(x, XBT_NULL, path, &perms, &n);
	if (rc)
		return rc;
	rc = n && perms[0].id == o->domid ? 0 : -EPERM;
	free(perms);
	return rc;
}

/* Waits on the signalfd for ms; 128+n when a signal came, else 0. */
static int pause_ms(struct vc *s, int ms)
{
	struct pollfd p = {.fd = s->sig.fd, .events = POLLIN};
	int sn;

	if (poll(&p, 1, ms) < 0 && errno != EINTR)
		return hv_fail(-errno, NULL, "poll");
	sn = hv_signals_pending(&s->sig);
	return sn > 0 ? hv_signal_exit_code(sn) : 0;
}

static int do_connect(struct vc *s)
{
	const struct gs_vchan_opts *o = s->o;
	int64_t end = hv_deadline_ms(o->timeout_ms);
	int delay = VC_RETRY_MIN_MS, rc;
	struct hv_xs x;

	rc = hv_xs_open(&x, HV_XS_DEFAULT, NULL);
	if (rc)
		return hv_fail(rc, HV_XS_HINT_CONNECT,
			       "vchan connect: cannot reach XenStore via %s", x.tried);
	/* The node appears when the peer listens: look again, less and less often. */
	while ((rc = check_peer_node(&x, o)) == -ENOENT || rc == -EACCES) {
		int left = hv_poll_ms(end);

		if (left == 0)
			break;
		rc = pause_ms(s, left < 0 || left > delay ? delay : left);
		if (rc) {
			hv_xs_close(&x);
			return rc;
		}
		delay = delay * 2 > VC_RETRY_MAX_MS ? VC_RETRY_MAX_MS : delay * 2;
	}
	hv_xs_close(&x);
	if (rc == -ENOENT || rc == -EACCES) {
		const char *hint =
		    rc == -ENOENT
			? "is 'gntshare vchan listen' (or vchan-socket-proxy) running there?"
			: "nothing readable by this domain there: a listener for another domain?";

		hv_err(0, hint, "vchan connect: nobody listens at %s (domain %u) within %lld ms",
		       o->path, o->domid, (long long)o->timeout_ms);
		return HV_EXIT_TIMEOUT;
	}
	if (rc == -EPERM)
		return hv_fail(-EACCES, "the listening domain writes the nodes: check --domid",
			       "vchan connect: %s/ring-ref is not owned by domain %u", o->path,
			       o->domid);
	if (rc)
		return hv_fail(rc, NULL, "vchan connect: reading %s/ring-ref", o->path);
	errno = 0;
	s->v = libxenvchan_client_init(&s->log.xtl, o->domid, o->path);
	if (!s->v)
		return hv_fail(
		    errno ? -errno : -EIO, vc_hint(s, "the ring is taken, gone, or not a vchan"),
		    "vchan connect: cannot connect to %s (domain %u)", o->path, o->domid);
	return 0;
}

static int do_listen(struct vc *s)
{
	const struct gs_vchan_opts *o = s->o;
	int64_t end = hv_deadline_ms(o->timeout_ms);
	int fd;

	errno = 0;
	s->v = libxenvchan_server_init(&s->log.xtl, o->domid, o->path, o->ring_size, o->ring_size);
	if (!s->v)
		return hv_fail(errno ? -errno : -EIO,
			       vc_hint(s, "does this domain have a 'domid' node and may it write "
					  "XSPATH?"),
			       "vchan listen: cannot set up %s for domain %u", o->path, o->domid);
	fd = libxenvchan_fd_for_select(s->v);
	/* cli_live is 2 until the client has mapped the ring; it kicks the port then. */
	while (libxenvchan_is_open(s->v) == 2) {
		struct pollfd p[2] = {
		    {.fd = s->sig.fd, .events = POLLIN},
		    {.fd = fd, .events = POLLIN},
		};
		int n = poll(p, 2, hv_poll_ms(end)), sn;

		if (n < 0 && errno != EINTR)
			return hv_fail(-errno, NULL, "poll");
		sn = hv_signals_pending(&s->sig);
		if (sn > 0)
			return hv_signal_exit_code(sn);
		if (n == 0) {
			hv_err(0, NULL, "vchan listen: nobody connected to %s within %lld ms",
			       o->path, (long long)o->timeout_ms);
			return HV_EXIT_TIMEOUT;
		}
		if ((p[1].revents & POLLIN) && libxenvchan_wait(s->v) < 0)
			return hv_fail(-errno, NULL, "vchan listen: reading the event channel");
	}
	return 0;
}

/* O_NONBLOCK on a pipe, socket or tty we share with others: restored at exit. */
static int make_nonblocking(int fd, int *saved)
{
	struct stat st;
	int fl;

	*saved = -1;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return 0; /* never blocks: poll says ready at once */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	*saved = fl;
	return 0;
}

static void restore_flags(int fd, int saved)
{
	if (saved >= 0)
		(void)fcntl(fd, F_SETFL, saved);
}

/* --exec: CMD's stdin is the peer's data, its stdout our input. */
static int start_child(struct vc *s)
{
	int to[2], from[2];

	if (pipe2(to, O_CLOEXEC) < 0)
		return hv_fail(-errno, NULL, "--exec: pipe");
	if (pipe2(from, O_CLOEXEC) < 0) {
		close(to[0]);
		close(to[1]);
		return hv_fail(-errno, NULL, "--exec: pipe");
	}
	s->child = fork();
	if (s->child < 0) {
		int err = -errno;

		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		return hv_fail(err, NULL, "cannot start --exec %s", s->o->exec_argv[0]);
	}
	if (s->child == 0) {
		hv_signals_restore(&s->sig);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0) {
			hv_err(-errno, NULL, "--exec: dup2");
			_exit(126);
		}
		hv_exec_or_exit("--exec", s->o->exec_argv);
	}
	close(to[0]);
	close(from[1]);
	s->out_fd = to[1];
	s->in_fd = from[0];
	(void)fcntl(s->out_fd, F_SETFL, O_NONBLOCK);
	(void)fcntl(s->in_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Is the peer's domain still there? Checked on quiet streams only. */
static int check_domain(struct vc *s)
{
	errno = 0;
	if (xs_is_domain_introduced(s->xs.h, s->o->domid))
		return 0;
	if (errno && errno != ENOENT && errno != EINVAL)
		return 0; /* the store hiccuped: the next check decides */
	hv_err(0, NULL, "vchan %s: domain %u is gone", s->o->verb, s->o->domid);
	return GS_EXIT_CUT;
}

/* Bytes we wrote that the peer has not taken yet. */
static bool write_ring_busy(struct vc *s)
{
	return (uint32_t)libxenvchan_buffer_space(s->v) < (1u << s->v->write.order);
}

/*
 * Moves what can move without waiting: ring to output, input to ring.
 * Returns 0, or an exit code when an end of ours failed.
 */
static int move(struct vc *s, bool *progress)
{
	ssize_t n;
	int r;

	*progress = false;
	if (!s->out.len && !s->peer_closed) {
		r = libxenvchan_read(s->v, s->out.data, sizeof(s->out.data));
		if (r > 0) {
			s->out.off = 0;
			s->out.len = (size_t)r;
			s->consumed = true;
			*progress = true;
		} else if (r < 0) {
			s->peer_closed = true; /* closed, and nothing left to read */
		}
	}
	if (s->out.len) {
		n = write(s->out_fd, s->out.data + s->out.off, s->out.len);
		if (n > 0) {
			s->out.off += (size_t)n;
			s->out.len -= (size_t)n;
			*progress = true;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return hv_fail(-errno, NULL, "vchan %s: writing %s", s->o->verb,
				       s->child ? "to --exec's command" : "standard output");
		}
	}
	if (s->in_fd >= 0 && s->in_ready && !s->in_eof && !s->in.len && !s->peer_closed) {
		n = read(s->in_fd, s->in.data, sizeof(s->in.data));
		if (n > 0) {
			s->in.off = 0;
			s->in.len = (size_t)n;
			/* A pipe read short is drained; a file reads full until its end. */
			s->in_ready = (size_t)n == sizeof(s->in.data);
			*progress = true;
		} else if (n == 0) {
			s->in_eof = true;
			*progress = true;
		} else if (errno == EAGAIN) {
			s->in_ready = false;
		} else if (errno != EINTR) {
			return hv_fail(-errno, NULL, "vchan %s: reading %s", s->o->verb,
				       s->child ? "from --exec's command" : "standard input");
		}
	}
	if (s->in.len && !s->peer_closed) {
		r = libxenvchan_write(s->v, s->in.data + s->in.off, s->in.len);
		if (r > 0) {
			s->in.off += (size_t)r;
			s->in.len -= (size_t)r;
			*progress = true;
		} else if (r < 0 && !libxenvchan_is_open(s->v)) {
			/* Gone: read what it left, then end. */
			*progress = true;
		} else if (r < 0) {
			return hv_fail(-errno, NULL, "vchan %s: signalling the peer", s->o->verb);
		}
	}
	return 0;
}

/*
 * After the peer closed: was more of our input there at once? A peer
 * that went away while we streamed a file or a pipe that is never empty
 * cut the stream even when our buffer happened to be empty.
 */
static bool input_pending(struct vc *s)
{
	struct pollfd p = {.fd = s->in_fd, .events = POLLIN};
	char c;

	if (s->in_fd < 0 || s->in_eof || poll(&p, 1, 0) <= 0)
		return false;
	if (!(p.revents & POLLIN))
		return false;
	/* POLLIN at EOF too: only a byte tells. */
	return read(s->in_fd, &c, 1) == 1;
}

/* The stream, until one side ends it. */
static int pump(struct vc *s)
{
	int evfd = libxenvchan_fd_for_select(s->v);
	uint64_t last_check = hv_now_ms();
	int64_t kick_at = -1; /* when the courtesy kick is due, or -1 */

	for (;;) {
		struct pollfd p[4];
		bool progress, open;
		int rc, n, sn, timeout;

		do {
			rc = move(s, &progress);
			if (rc)
				return rc;
		} while (progress);
		/*
		 * libxenvchan kicks a writer only when it asked for it, and
		 * vchan-socket-proxy, after writing its last bytes, waits for
		 * one more event before it closes: a kick once the ring we
		 * drained has stayed drained VC_KICK_DELAY_MS unblocks it,
		 * while a busy stream, whose every message would otherwise
		 * cost the peer a wake-up, sends none.
		 */
		if (s->consumed && !s->peer_closed && libxenvchan_data_ready(s->v) == 0) {
			s->consumed = false;
			kick_at = hv_deadline_ms(VC_KICK_DELAY_MS);
		}
		if (kick_at >= 0 && hv_poll_ms(kick_at) == 0) {
			kick_at = -1;
			if (!s->peer_closed && xenevtchn_notify(s->v->event, s->v->event_port) < 0)
				return hv_fail(-errno, NULL, "vchan %s: signalling the peer",
					       s->o->verb);
		}
		open = libxenvchan_is_open(s->v);
		/*
		 * Our input ended: we close once the peer has taken all of it.
		 * Closing earlier would be enough for us (the data stays
		 * readable), but vchan-socket-proxy drops what is left in the
		 * ring when it sees the close. Until then the peer's bytes
		 * still flow; a peer that never reads holds us like any stall.
		 */
		if (s->in_eof && !s->in.len && !s->out.len && open && !write_ring_busy(s))
			return 0;
		if (!open && s->peer_closed && !s->out.len) {
			if (s->in.len || write_ring_busy(s) || input_pending(s)) {
				hv_err(0, "it closed, or was killed, before reading all of it",
				       "vchan %s: stream cut: domain %u did not take all our input",
				       s->o->verb, s->o->domid);
				return GS_EXIT_CUT;
			}
			return 0;
		}
		/* Closed with data left: move() reads it, poll wakes on its event. */
		p[0] = (struct pollfd){.fd = s->sig.fd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = evfd, .events = POLLIN};
		p[2] =
		    (struct pollfd){.fd = s->in_eof || s->in.len ? -1 : s->in_fd, .events = POLLIN};
		p[3] = (struct pollfd){.fd = s->out.len ? s->out_fd : -1, .events = POLLOUT};
		timeout = s->check_domain ? VC_DOMAIN_CHECK_MS : -1;
		if (kick_at >= 0 && (timeout < 0 || hv_poll_ms(kick_at) < timeout))
			timeout = hv_poll_ms(kick_at);
		n = poll(p, 4, timeout);
		if (n < 0 && errno != EINTR)
			return hv_fail(-errno, NULL, "poll");
		if (n < 0)
			p[0].revents = POLLIN; /* unset by an interrupted poll: look */
		if (p[2].revents)
			s->in_ready = true; /* POLLIN, or POLLHUP/POLLERR: read tells */
		while ((p[0].revents & POLLIN) && (sn = hv_signals_pending(&s->sig)) > 0) {
			if (sn == SIGCHLD)
				continue; /* its stdout's EOF ends our input */
			if (s->child)
				kill(s->child, sn);
			return hv_signal_exit_code(sn);
		}
		if ((p[1].revents & POLLIN) && libxenvchan_wait(s->v) < 0)
			return hv_fail(-errno, NULL, "vchan %s: reading the event channel",
				       s->o->verb);
		if (s->check_domain && hv_now_ms() - last_check >= VC_DOMAIN_CHECK_MS) {
			last_check = hv_now_ms();
			rc = check_domain(s);
			if (rc)
				return rc;
		}
	}
}

/* Waits for --exec's command after its pipes are closed; its status. */
static int reap_child(struct vc *s)
{
	int status;

	while (waitpid(s->child, &status, 0) < 0)
		if (errno != EINTR)
			return hv_fail(-errno, NULL, "waitpid");
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return hv_signal_exit_code(WTERMSIG(status));
}

static int check_devices(const struct gs_ctx *c, bool listen)
{
	const char *dev = listen ? GS_GNTALLOC : GS_GNTDEV;
	int fd = gs_open_dev(c, dev, listen ? "xen-gntalloc" : "xen-gntdev", O_RDWR);

	if (fd < 0)
		return -fd;
	close(fd);
	fd = gs_open_dev(c, "/dev/xen/evtchn", "xen-evtchn", O_RDWR);
	if (fd < 0)
		return -fd;
	close(fd);
	return 0;
}

int gs_vchan(struct gs_ctx *c, const struct gs_vchan_opts *o)
{
	struct vc *s;
	uint16_t self;
	int rc, crc;

	rc = check_devices(c, o->listen);
	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s)
		return hv_fail(-ENOMEM, NULL, "vchan");
	s->o = o;
	s->sig.fd = -1;
	s->xs.h = NULL;
	s->in_fd = 0;
	s->in_ready = true;
	s->out_fd = 1;
	s->in_flags = s->out_flags = -1;
	s->log.xtl.vmessage = vc_log_message;
	s->log.xtl.destroy = vc_log_destroy;
	/* From here a signal ends the stream through the release path. */
	rc = hv_signals_block(&s->sig, o->exec_argv != NULL);
	if (rc) {
		free(s);
		return hv_fail(rc, NULL, "cannot block signals");
	}
	signal(SIGPIPE, SIG_IGN);
	rc = o->listen ? do_listen(s) : do_connect(s);
	if (rc)
		goto out;
	/* Non-blocking, so one stalled end never holds the other direction. */
	s->v->blocking = 0;
	if (c->common.verbose)
		hv_note("vchan %s: connected to domain %u at %s", o->verb, o->domid, o->path);
	if (gs_self_domid(c, &self) == 0 && self != o->domid &&
	    hv_xs_open(&s->xs, HV_XS_DEFAULT, NULL) == 0)
		s->check_domain = true;
	if (o->exec_argv) {
		rc = start_child(s);
	} else {
		rc = o->receive_only ? 0 : make_nonblocking(0, &s->in_flags);
		if (!rc)
			rc = make_nonblocking(1, &s->out_flags);
		if (rc)
			rc = hv_fail(rc, NULL, "vchan %s: standard input/output", o->verb);
	}
	if (o->receive_only)
		s->in_fd = -1; /* our input never ends the stream: the peer does */
	if (!rc)
		rc = pump(s);
out:
	/* Releases the grants and the port; listen removes XSPATH. */
	libxenvchan_close(s->v);
	if (s->check_domain)
		hv_xs_close(&s->xs);
	if (s->child > 0) {
		close(s->in_fd);
		close(s->out_fd);
		crc = reap_child(s);
		if (!rc)
			rc = crc;
	}
	restore_flags(0, s->in_flags);
	restore_flags(1, s->out_flags);
	hv_signals_restore(&s->sig);
	free(s);
	return rc;
}
