// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "signals.h"

int hv_signals_block(struct hv_signals *s, int with_child)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (with_child)
		sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, &s->old_mask) < 0)
		return -errno;
	s->fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->fd < 0) {
		int rc = -errno;

		sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
		return rc;
	}
	return 0;
}

int hv_signals_pending(struct hv_signals *s)
{
	struct signalfd_siginfo si;
	ssize_t n;

	do {
		n = read(s->fd, &si, sizeof(si));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n != sizeof(si))
		return -EIO;
	return (int)si.ssi_signo;
}

void hv_signals_restore(struct hv_signals *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
}
