// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hv_step: silent and running on when unset, one stderr line per step with
 * HVUTILS_STEP_TRACE, a self-stop at exactly the named step with
 * HVUTILS_STEP_STOP (checked from the parent with WUNTRACED; once, though
 * the step recurs), the end of
 * the process at exactly the named step with HVUTILS_TEST_STOP_AFTER.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "step.h"
#include "unit.h"

/*
 * Runs hv_step("one"), hv_step("two") twice in a child with stderr to a pipe.
 * *stops counts its stops; at the first, at_stop gets what it had printed.
 */
static int child(const char *trace, const char *stop, char *err, size_t len, int *stops,
		 char *at_stop)
{
	int pfd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	*stops = 0;
	at_stop[0] = '\0';
	if (pipe2(pfd, O_NONBLOCK) < 0)
		return -1;
	fflush(stdout); /* the child's stop flushes every stdio buffer it has */
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		if (trace)
			setenv("HVUTILS_STEP_TRACE", trace, 1);
		else
			unsetenv("HVUTILS_STEP_TRACE");
		if (stop)
			setenv("HVUTILS_STEP_STOP", stop, 1);
		else
			unsetenv("HVUTILS_STEP_STOP");
		hv_step("one");
		hv_step("two");
		hv_step("two");
		_exit(7);
	}
	close(pfd[1]);
	for (;;) {
		if (waitpid(pid, &status, WUNTRACED) < 0)
			return -1;
		if (!WIFSTOPPED(status))
			break;
		if (!(*stops)++) {
			n = read(pfd[0], at_stop, 63);
			at_stop[n > 0 ? n : 0] = '\0';
		}
		kill(pid, SIGCONT);
	}
	while ((n = read(pfd[0], err + got, len - 1 - (size_t)got)) > 0)
		got += n;
	err[got] = '\0';
	close(pfd[0]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	struct unit u = {0};
	char err[256], at[64];
	int stops, rc;

	rc = child(NULL, NULL, err, sizeof(err), &stops, at);
	CHECK(&u, rc == 7 && !stops && !err[0], "unset: no output, no stop");
	rc = child("1", NULL, err, sizeof(err), &stops, at);
	CHECK(&u, rc == 7 && !stops && strstr(err, ": step one\n") && strstr(err, ": step two\n"),
	      "HVUTILS_STEP_TRACE=1 prints each step");
	rc = child("", NULL, err, sizeof(err), &stops, at);
	CHECK(&u, rc == 7 && !err[0], "an empty HVUTILS_STEP_TRACE prints nothing");
	rc = child("1", "two", err, sizeof(err), &stops, at);
	CHECK(&u, rc == 7 && stops == 1 && strstr(at, "step one\n") && strstr(at, "step two\n"),
	      "HVUTILS_STEP_STOP=two stops once, at the first step two, and runs on after SIGCONT");
	rc = child("1", "one", err, sizeof(err), &stops, at);
	CHECK(&u, rc == 7 && stops == 1 && strstr(at, "step one\n") && !strstr(at, "two"),
	      "HVUTILS_STEP_STOP=one stops before step two");
	rc = child(NULL, "tw", err, sizeof(err), &stops, at);
	CHECK(&u, rc == 7 && !stops, "a prefix of a step name does not stop");
	setenv("HVUTILS_TEST_STOP_AFTER", "one", 1);
	rc = child("1", NULL, err, sizeof(err), &stops, at);
	unsetenv("HVUTILS_TEST_STOP_AFTER");
	CHECK(&u, rc == -1 && !stops && strstr(err, ": step one\n") && !strstr(err, "two"),
	      "HVUTILS_TEST_STOP_AFTER=one ends the process at step one");
	return unit_done(&u);
}
