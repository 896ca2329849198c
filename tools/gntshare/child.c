// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The --exec child of share and evtchn: the parent holds what it set up
 * (grants, a port) while the child runs, forwards the signals that would
 * end the hold to it, and releases after it is gone.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "diag.h"
#include "gntshare.h"
#include "signals.h"

int gs_wait_child(struct hv_signals *sig, pid_t child)
{
	int got_signal = 0, status;

	for (;;) {
		struct pollfd pfd = {.fd = sig->fd, .events = POLLIN};
		pid_t w;
		int s;

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return hv_fail(-errno, NULL, "poll");
		while ((s = hv_signals_pending(sig)) > 0) {
			if (s == SIGCHLD)
				continue;
			/* The child decides how to end; we release after it. */
			got_signal = s;
			kill(child, s);
		}
		w = waitpid(child, &status, WNOHANG);
		if (w == child)
			break;
		if (w < 0 && errno != EINTR)
			return hv_fail(-errno, NULL, "waitpid");
	}
	if (got_signal)
		return hv_signal_exit_code(got_signal);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return hv_signal_exit_code(WTERMSIG(status));
}
