// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-watch: probe, trace and serve page faults with userfaultfd.
 * This file holds the verb table, each verb with its options.
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
     .summary = "entry points, API, features and ioctls per memory type",
     .max_args = -1,
     .usage = "probe [--json]"},
    {.name = "run",
     .run = uw_run,
     .args = "[options] -- CMD [ARGS...]",
     .summary = "run a program, serve and trace its faults",
     .options = uw_run_options,
     .max_args = -1,
     .flags = HV_VERB_POSIX,
     .usage = "run [--mode missing|wp|minor|wp-async] [--serve zero|file:PATH] "
	      "[--interval DURATION] [--trace] [--stats] [--json] [--min-size SIZE] "
	      "[-o FILE] -- CMD [ARGS...]"},
    {.name = "serve",
     .run = uw_serve,
     .args = "--socket PATH --memory FILE",
     .summary = "Firecracker snapshot page server",
     .options = uw_serve_options,
     .max_args = -1,
     .usage = "serve --socket PATH --memory FILE [--max-clients N] [--allow-uid UID]... "
	      "[--record TRACE] [--prefetch TRACE] [--timeout DURATION] [--trace] "
	      "[--stats] [--json] [-o FILE]"},
    {.name = "dirty",
     .run = uw_dirty,
     .args = "[options] -- CMD [ARGS...]",
     .summary = "run a program, report the pages it writes (Linux 6.7+)",
     .options = uw_run_options,
     .max_args = -1,
     .flags = HV_VERB_POSIX,
     .usage = "dirty [--interval DURATION] [--stats] [--json] [--min-size SIZE] "
	      "[-o FILE] -- CMD [ARGS...]"},
    {.name = "plot",
     .run = uw_plot,
     .args = "[-o FILE.svg] TRACE",
     .summary = "a JSON trace as an SVG of faults over time",
     .options = uw_plot_options,
     .max_args = -1},
    {.name = NULL},
};

static const struct hv_tool tool = {
    .synopsis = "[-h] [-V] VERB [OPTIONS] [ARGS]\n"
		"probe [--json]\n"
		"run [--mode missing|wp|minor] [--serve zero|file:PATH] [--trace] "
		"[--stats] [--json] [--min-size SIZE] [-o FILE] -- CMD [ARGS...]\n"
		"serve --socket PATH --memory FILE [--allow-uid UID]... [--record TRACE] "
		"[--prefetch TRACE] [--trace] [--stats] [--json] [-o FILE]\n"
		"dirty [--interval DURATION] [--stats] [--json] [--min-size SIZE] "
		"[-o FILE] -- CMD [ARGS...]\n"
		"plot [-o FILE.svg] TRACE",
    .manpage = "uffd-watch(1)",
    .verbs = verbs,
    .common = HV_AT(struct uw_ctx, c),
};

int main(int argc, const char **argv)
{
	struct uw_ctx x = {0};
	int rc = hv_run(&tool, &x, argc, argv);

	for (size_t i = 0; x.o.allow_uid && x.o.allow_uid[i]; i++)
		free(x.o.allow_uid[i]);
	free(x.o.allow_uid);
	return rc;
}
