// SPDX-License-Identifier: GPL-2.0-or-later
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "step.h"

void hv_step(const char *name)
{
	const char *trace = getenv("HVUTILS_STEP_TRACE");
	const char *stop = getenv("HVUTILS_STEP_STOP");
	const char *kill_after = getenv("HVUTILS_TEST_STOP_AFTER");

	if (trace && *trace)
		fprintf(stderr, "%s: step %s\n", hv_progname(), name);
	if (stop && !strcmp(stop, name)) {
		/*
		 * Once only: a step that recurs (one "registered" per region)
		 * would stop the tool again before it saw the test's signal.
		 * Programs the tool starts do not inherit the stop either.
		 */
		unsetenv("HVUTILS_STEP_STOP");
		/* What the tool printed so far is visible while it is stopped. */
		fflush(NULL);
		raise(SIGSTOP);
	}
	if (kill_after && !strcmp(kill_after, name)) {
		fflush(NULL);
		raise(SIGKILL);
	}
}
