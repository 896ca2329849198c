// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * share: grant pages to a domain, hold them, release them.
 *
 * Release (munmap + DEALLOC_GREF, then unpublish) runs on every path: the
 * signals that end a hold are read from a signalfd in the hold loop, never
 * handled asynchronously, and SIGPIPE is ignored so a vanished reader of
 * the refs line is an error that releases, not a death that leaks the
 * XenStore node. SIGKILL is left to the kernel, which releases the grants
 * when the device file closes (only the XenStore node then stays).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xen/gntalloc.h>

#include "diag.h"
#include "exec.h"
#include "gntshare.h"
#include "signals.h"
#include "step.h"
#include "xs.h"

struct share_state {
	struct gs_ctx *c;
	const struct gs_share_opts *o;
	struct gs_alloc a;
	struct hv_signals sig;
	struct hv_xs x;
	bool published;
	char *input; /* --from that is not a regular file, read first */
	size_t inlen;
	int in_fd; /* --from as a regular file, read into the pages */
	pid_t child;
};

static void child_exec(struct share_state *st)
{
	const struct gs_share_opts *o = st->o;
	char num[16], *refs = gs_format_refs(st->a.refs, st->a.count);

	hv_signals_restore(&st->sig);
	signal(SIGPIPE, SIG_DFL);
	gs_format_u32(num, o->domid);
	setenv("GNTSHARE_DOMID", num, 1);
	gs_format_u32(num, st->a.count);
	setenv("GNTSHARE_COUNT", num, 1);
	if (refs)
		setenv("GNTSHARE_REFS", refs, 1);
	if (o->publish)
		setenv("GNTSHARE_PUBLISH", o->publish, 1);
	else
		unsetenv("GNTSHARE_PUBLISH");
	hv_exec_or_exit("--exec", o->exec_argv);
}

/* Returns the exit code the hold ends with. */
static int hold_exec(struct share_state *st)
{
	int rc;

	fflush(NULL);
	st->child = fork();
	if (st->child < 0)
		return hv_fail(-errno, NULL, "cannot start --exec %s", st->o->exec_argv[0]);
	if (st->child == 0)
		child_exec(st);
	rc = gs_wait_child(&st->sig, st->child);
	st->child = 0;
	return rc;
}

static int hold_loop(struct share_state *st)
{
	const struct gs_share_opts *o = st->o;
	bool watch_stdin = !o->hold && !(o->from && !strcmp(o->from, "-"));
	struct pollfd pfd[2] = {
	    {.fd = st->sig.fd, .events = POLLIN},
	    {.fd = watch_stdin ? 0 : -1, .events = POLLIN},
	};

	if (st->c->common.verbose)
		hv_note("holding %u grant%s for domain %u until %s", st->a.count,
			st->a.count == 1 ? "" : "s", o->domid,
			watch_stdin ? "EOF on stdin or a signal" : "a signal");
	for (;;) {
		int s;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return hv_fail(-errno, NULL, "poll");
		}
		s = hv_signals_pending(&st->sig);
		if (s < 0)
			return hv_fail(s, NULL, "reading signals");
		if (s > 0)
			return hv_signal_exit_code(s);
		if (pfd[1].revents & POLLNVAL)
			return HV_EXIT_OK;
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[4096];
			ssize_t n = read(0, buf, sizeof(buf));

			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				return HV_EXIT_OK;
		}
	}
}

static int release(struct share_state *st, int ret)
{
	const struct gs_share_opts *o = st->o;
	int rc;

	/* The content as the peer left it, before the pages go. */
	if (o->to && st->a.map) {
		rc = gs_write_output(o->to, st->a.map, (size_t)st->a.count * GS_PAGE_SIZE, 0,
				     o->hexdump);
		if (rc) {
			hv_err(rc, NULL, "cannot write the pages to %s", o->to);
			ret = ret ? ret : hv_exit_code(rc);
		}
	}
	/* Refs first out of the store, so no peer picks up ending grants. */
	if (st->published) {
		rc = gs_unpublish(&st->x, o->publish);
		if (rc) {
			hv_err(rc, NULL, "cannot remove %s from XenStore", o->publish);
			ret = ret ? ret : hv_exit_code(rc);
		}
		st->published = false;
		hv_step("unpublished");
	}
	hv_xs_close(&st->x);
	if (st->in_fd >= 0)
		close(st->in_fd);
	rc = gs_alloc_release(&st->a);
	hv_step("released");
	if (rc) {
		hv_err(rc, NULL, "releasing the grants");
		ret = ret ? ret : HV_EXIT_FAILURE;
	}
	if (st->sig.fd >= 0)
		hv_signals_restore(&st->sig);
	free(st->input);
	return ret;
}

static int setup(struct share_state *st)
{
	const struct gs_share_opts *o = st->o;
	struct gs_ctx *c = st->c;
	size_t size = (size_t)o->pages * GS_PAGE_SIZE;
	uint16_t self = 0;
	int rc;

	if (o->publish) {
		rc = hv_xs_open(&st->x, HV_XS_DEFAULT, NULL);
		if (rc) {
			/* As for --refs-from: a missing daemon exits 5. */
			hv_err(rc, HV_XS_HINT_CONNECT, "--publish: cannot reach XenStore (%s)",
			       st->x.tried);
			return HV_EXIT_NODEV;
		}
		rc = gs_self_domid(c, &self);
		if (rc)
			return hv_fail(rc, "is 'domid' missing under this domain's XenStore home?",
				       "--publish: cannot find this domain's id");
	}

	rc = gs_alloc_open(c, &st->a);
	if (rc)
		return -rc;
	hv_step("opened");
	rc = gs_alloc_grant(&st->a, o->domid, o->pages, !o->readonly);
	if (rc) {
		if (!st->a.allocated)
			return gs_alloc_fail(c, rc, o->pages, o->domid);
		return hv_fail(rc, NULL, "cannot map the %u granted page%s", o->pages,
			       o->pages == 1 ? "" : "s");
	}
	hv_step("granted");
	if (st->in_fd >= 0) {
		size_t got;

		rc = gs_read_into(st->in_fd, st->a.map, size, &got);
		close(st->in_fd);
		st->in_fd = -1;
		if (rc == -E2BIG)
			return hv_fail(rc, "use more --pages or a smaller input",
				       "--from %s grew past %u page%s (%zu bytes)", o->from,
				       o->pages, o->pages == 1 ? "" : "s", size);
		if (rc)
			return hv_fail(rc, NULL, "cannot read --from %s", o->from);
	} else if (st->inlen) {
		memcpy(st->a.map, st->input, st->inlen);
	}

	if (o->notify.byte || o->notify.event) {
		uint32_t action = (o->notify.byte ? UNMAP_NOTIFY_CLEAR_BYTE : 0) |
				  (o->notify.event ? UNMAP_NOTIFY_SEND_EVENT : 0);

		rc = gs_alloc_notify(&st->a, o->notify.byte ? o->notify.byte_off : 0, action,
				     o->notify.port);
		if (rc == -EINVAL && o->notify.event)
			return hv_fail(rc, "the port must be a bound event channel of this domain",
				       "--notify-port %u", o->notify.port);
		if (rc)
			return hv_fail(rc, NULL, "cannot set the unmap notification");
		hv_step("notify-set");
	}

	if (o->publish) {
		rc = gs_publish(&st->x, o->publish, self, o->domid, st->a.refs, st->a.count,
				!o->readonly);
		if (rc == -EEXIST)
			return hv_fail(rc, "another share uses it? remove it or pick another path",
				       "--publish %s", o->publish);
		if (rc == -EACCES || rc == -EPERM)
			return hv_fail(rc, "this domain may not write there", "--publish %s",
				       o->publish);
		if (rc)
			return hv_fail(rc, NULL, "--publish %s", o->publish);
		st->published = true;
		hv_step("published");
	}
	return 0;
}

int gs_share(struct gs_ctx *c, const struct gs_share_opts *o)
{
	struct share_state st = {.c = c, .o = o, .sig = {.fd = -1}, .in_fd = -1};
	size_t size = (size_t)o->pages * GS_PAGE_SIZE;
	int rc, ret;

	st.a.fd = -1;
	st.x.h = NULL;
	/*
	 * Input before any device: too much of it is an argument error. A
	 * regular file's size says so without reading it: it is read later
	 * straight into the granted pages, with no buffer to fault in and
	 * copy (the cost of a share of 1024 pages in a PV domain).
	 */
	if (o->from) {
		size_t fsize = 0;

		rc = gs_open_input_file(o->from, size, &st.in_fd, &fsize);
		if (!rc && st.in_fd < 0)
			rc = gs_read_input(o->from, size, &st.input, &st.inlen);
		if (rc == -E2BIG)
			return hv_fail(rc, "use more --pages or a smaller input",
				       "--from %s is larger than %u page%s (%zu bytes)", o->from,
				       o->pages, o->pages == 1 ? "" : "s", size);
		if (rc)
			return hv_fail(rc, NULL, "cannot read --from %s", o->from);
	}
	/* From here on a signal is an event of the hold loop, never a death. */
	rc = hv_signals_block(&st.sig, o->exec_argv != NULL);
	if (rc) {
		free(st.input);
		if (st.in_fd >= 0)
			close(st.in_fd);
		return hv_fail(rc, NULL, "cannot block signals");
	}
	signal(SIGPIPE, SIG_IGN);
	hv_step("signals-blocked");

	ret = setup(&st);
	if (!ret) {
		gs_print_refs(c, o->domid, st.a.refs, st.a.count, st.a.index);
		if (ferror(stdout)) {
			hv_err(-EIO, NULL, "cannot print the refs");
			ret = HV_EXIT_FAILURE;
		}
	}
	if (!ret) {
		/* A signal that came during setup ends the hold before it starts. */
		int s;

		hv_step("refs-printed");
		s = hv_signals_pending(&st.sig);
		if (s > 0 && s != SIGCHLD)
			ret = hv_signal_exit_code(s);
		else if (o->exec_argv)
			ret = hold_exec(&st);
		else
			ret = hold_loop(&st);
	}
	return release(&st, ret);
}
