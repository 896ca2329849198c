// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-watch: probe, trace and serve page faults with userfaultfd.
 * This file holds the verb table and the top-level options only.
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "opts.h"
#include "uffd-watch.h"

static const struct hv_verb verbs[] = {
    {.name = "probe",
     .run = uw_probe,
     .args = "",
     .summary = "entry points, API, features and ioctls per memory type"},
    {.name = "run",
     .run = uw_run,
     .args = "[options] -- CMD [ARGS...]",
     .summary = "run a program, serve and trace its faults"},
    {.name = "serve",
     .run = uw_serve,
     .args = "--socket PATH --memory FILE",
     .summary = "Firecracker snapshot page server"},
    {.name = "dirty",
     .run = uw_run,
     .args = "[options] -- CMD [ARGS...]",
     .summary = "run a program, report the pages it writes (Linux 6.7+)"},
    {.name = "plot",
     .run = uw_plot,
     .args = "[-o FILE.svg] TRACE",
     .summary = "a JSON trace as an SVG of faults over time"},
    {.name = NULL},
};

static const char synopsis[] =
    "[-h] [-V] VERB [OPTIONS] [ARGS]\n"
    "probe [--json]\n"
    "run [--mode missing|wp|minor] [--serve zero|file:PATH] [--trace] "
    "[--stats] [--json] [--min-size SIZE] [-o FILE] -- CMD [ARGS...]\n"
    "serve --socket PATH --memory FILE [--allow-uid UID]... [--record TRACE] "
    "[--prefetch TRACE] [--trace] [--stats] [--json] [-o FILE]\n"
    "dirty [--interval DURATION] [--stats] [--json] [--min-size SIZE] "
    "[-o FILE] -- CMD [ARGS...]\n"
    "plot [-o FILE.svg] TRACE";

int main(int argc, const char **argv)
{
	struct uw_ctx x;
	const struct hv_verb *v;
	const char *why;

	memset(&x, 0, sizeof(x));
	if (argc > 1 && argv[1][0] == '-') {
		struct poptOption opts[] = {HV_POPT_COMMON(x.c), POPT_TABLEEND};
		poptContext pc = poptGetContext(NULL, argc, argv, opts, POPT_CONTEXT_POSIXMEHARDER);
		int rc;

		rc = hv_popt_parse(pc, opts, &x.c, synopsis, verbs, "uffd-watch(1)");
		poptFreeContext(pc);
		hv_common_free(&x.c);
		if (rc >= 0)
			return rc;
		return hv_usage_error("a verb is needed before other options");
	}
	if (argc < 2)
		return hv_usage_error("missing verb (probe, run, serve, dirty or plot)");
	v = hv_verb_find(verbs, argv[1], &why);
	if (!v)
		return hv_verb_unknown(verbs, argv[1]);
	{
		int rc = v->run(&x, argc - 1, argv + 1);

		hv_common_free(&x.c);
		return rc;
	}
}
