// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ir-sigdfl CMD [ARGS...]: runs CMD with SIGINT, SIGQUIT, SIGTERM and SIGHUP
 * at their default disposition and no signal blocked. A script's background
 * jobs start with SIGINT ignored, and a shell that was itself started with
 * it ignored (the guest's init starts the suites so) cannot reset it with
 * trap; the interruption suites need the tool to get SIGINT as a user's
 * Ctrl-C would deliver it. SIGHUP: a suite run under nohup.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	sigset_t none;

	if (argc < 2) {
		fprintf(stderr, "usage: ir-sigdfl CMD [ARGS...]\n");
		return 2;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(argv[1], argv + 1);
	fprintf(stderr, "ir-sigdfl: %s: %s\n", argv[1], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
