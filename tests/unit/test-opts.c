// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "diag.h"
#include "opts.h"
#include "signals.h"
#include "unit.h"

static int run_nothing(void *ctx, int argc, const char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return 0;
}

static const struct hv_verb verbs[] = {
    {.name = "read", .run = run_nothing, .args = "PATH", .summary = "read"},
    {.name = "rm", .run = run_nothing, .args = "PATH", .summary = "remove"},
    {.name = "write", .run = run_nothing, .args = "PATH VALUE", .summary = "write"},
    {.name = "watch", .run = run_nothing, .args = "PATH", .summary = "watch"},
    {.name = NULL},
};

int main(void)
{
	struct unit u = {0};
	const char *why = NULL;
	const char *cands[] = {"read", "write", "watch", "domain-path"};
	struct hv_signals s;
	struct hv_common c = {0};
	struct poptOption table[] = {HV_POPT_COMMON(c), POPT_TABLEEND};
	const char *argv[] = {"t", "--jsno", NULL};
	poptContext pc;

	CHECK(&u, hv_verb_find(verbs, "read", &why) == &verbs[0], "exact verb");
	CHECK(&u, hv_verb_find(verbs, "wr", &why) == &verbs[2], "unique prefix");
	CHECK(&u, !hv_verb_find(verbs, "w", &why) && !strcmp(why, "ambiguous"), "ambiguous prefix");
	CHECK(&u, !hv_verb_find(verbs, "reed", &why) && !strcmp(why, "unknown"), "unknown verb");
	CHECK(&u, hv_suggest("reed", cands, 4) && !strcmp(hv_suggest("reed", cands, 4), "read"),
	      "suggest read for reed");
	CHECK(&u, !strcmp(hv_suggest("domain-pth", cands, 4), "domain-path"), "suggest long");
	CHECK(&u, hv_suggest("xyzzy", cands, 4) == NULL, "no suggestion when far");

	CHECK(&u, hv_exit_code(-ENOENT) == HV_EXIT_NOTFOUND, "ENOENT exit code");
	CHECK(&u, hv_exit_code(-EACCES) == HV_EXIT_PERM, "EACCES exit code");
	CHECK(&u, hv_exit_code(-ETIMEDOUT) == HV_EXIT_TIMEOUT, "ETIMEDOUT exit code");
	CHECK(&u, hv_exit_code(-ENOSPC) == HV_EXIT_LIMIT, "ENOSPC exit code");
	CHECK(&u, hv_exit_code(-EIO) == HV_EXIT_FAILURE, "other errors exit 1");
	CHECK(&u, hv_exit_code(0) == 0, "success exit 0");

	pc = poptGetContext("t", 2, argv, table, 0);
	CHECK(&u, hv_popt_next(pc, table) == HV_POPT_FAILED, "unknown option fails (--jsno)");
	poptFreeContext(pc);

	{
		struct hv_common c2 = {0};
		struct poptOption t2[] = {HV_POPT_COMMON(c2), POPT_TABLEEND};
		const char *ok_argv[] = {"t", "-j", "arg", NULL};
		const char *bad_argv[] = {"t", "--verbsoe", NULL};
		const char *both_argv[] = {"t", "-q", "-v", NULL};

		pc = poptGetContext("t", 3, ok_argv, t2, 0);
		CHECK(&u, hv_popt_parse(pc, t2, &c2, "ARG", NULL, NULL) == -1 && c2.json,
		      "parse: good options go on (-1)");
		poptFreeContext(pc);
		pc = poptGetContext("t", 2, bad_argv, t2, 0);
		CHECK(&u, hv_popt_parse(pc, t2, &c2, "ARG", NULL, NULL) == HV_EXIT_USAGE,
		      "parse: an unknown option is a usage error");
		poptFreeContext(pc);
		memset(&c2, 0, sizeof(c2));
		pc = poptGetContext("t", 3, both_argv, t2, 0);
		CHECK(&u, hv_popt_parse(pc, t2, &c2, "ARG", NULL, NULL) == HV_EXIT_USAGE,
		      "parse: --quiet with --verbose is a usage error");
		poptFreeContext(pc);
	}

	{
		/*
		 * popt's copies of string values (a repeated option included)
		 * are recorded for hv_common_free; a default the program set is
		 * never taken for one. A SANITIZE=1 build or check-valgrind
		 * sees a leak or a bad free here.
		 */
		struct hv_common c3 = {0};
		char *name = (char *)"default", *other = (char *)"kept";
		struct poptOption t3[] = {
		    {"name", 'n', POPT_ARG_STRING, &name, 0, "a name", "N"},
		    {"other", 'o', POPT_ARG_STRING, &other, 0, "another", "O"},
		    HV_POPT_COMMON(c3),
		    POPT_TABLEEND};
		const char *str_argv[] = {"t", "--name", "a", "-n", "b", NULL};

		pc = poptGetContext("t", 5, str_argv, t3, 0);
		CHECK(&u,
		      hv_popt_parse(pc, t3, &c3, "", NULL, NULL) == -1 && !strcmp(name, "b") &&
			  !strcmp(other, "kept"),
		      "parse: string options, the last one wins, defaults stay");
		CHECK(&u, c3.n_owned == 2, "parse: both copies popt made are owned (%zu)",
		      c3.n_owned);
		poptFreeContext(pc);
		hv_common_free(&c3);
		hv_common_free(&c3);
		CHECK(&u, c3.n_owned == 0 && !c3.owned,
		      "hv_common_free releases them, twice is fine");
	}

	CHECK(&u, hv_signals_block(&s, 0) == 0, "signalfd set up");
	CHECK(&u, hv_signals_pending(&s) == 0, "no signal pending");
	kill(getpid(), SIGTERM);
	CHECK(&u, hv_signals_pending(&s) == SIGTERM, "SIGTERM read from the fd, not delivered");
	hv_signals_restore(&s);
	CHECK(&u, s.fd == -1 && hv_signal_exit_code(SIGINT) == 130, "restore, exit code 130");
	return unit_done(&u);
}
