// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hv_run: a tool's verbs, their option tables into the tool's context, the
 * common options on either side of the verb, sub-verbs, --exec and hooks.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "diag.h"
#include "opts.h"
#include "unit.h"

struct ctx {
	struct hv_common common;
	const char *root; /* the tool's own option */
	int force;	  /* a verb's */
	char *name;	  /* a verb's string */
	const char **exec;
	int ran, nargs, vals, readied;
	const char *verb, *arg0;
	char root_seen[16]; /* popt's copy is freed when hv_run returns */
};

static int record(struct ctx *x, const char *verb, int argc, const char **argv)
{
	x->ran++;
	x->verb = verb;
	x->nargs = argc;
	x->arg0 = argc ? argv[0] : NULL;
	snprintf(x->root_seen, sizeof(x->root_seen), "%s", x->root ? x->root : "");
	return argv[argc] == NULL ? 0 : 99;
}

static int run_bind(void *ctx, int argc, const char **argv)
{
	return record(ctx, "bind", argc, argv);
}

static int run_list(void *ctx, int argc, const char **argv)
{
	return record(ctx, "list", argc, argv);
}

static int run_create(void *ctx, int argc, const char **argv)
{
	return record(ctx, "create", argc, argv);
}

static const struct poptOption bind_options[] = {
    {"force", 'f', POPT_ARG_NONE, HV_AT(struct ctx, force), 0, "force", NULL},
    {"name", 'n', POPT_ARG_STRING, HV_AT(struct ctx, name), 0, "a name", "N"},
    {"count", 0, POPT_ARG_NONE, NULL, 7, "counted by the hook", NULL},
    POPT_TABLEEND,
};

static const struct hv_verb sub_verbs[] = {
    {.name = "create", .run = run_create, .args = "PARENT", .min_args = 1, .max_args = 1},
    {.name = "remove", .run = run_create, .args = "UUID", .min_args = 1, .max_args = 1},
    {.name = NULL},
};

static const struct hv_verb verbs[] = {
    {.name = "bind",
     .run = run_bind,
     .args = "DEV... [-f]",
     .options = bind_options,
     .min_args = 1,
     .max_args = -1,
     .flags = HV_VERB_EXEC},
    {.name = "list", .run = run_list, .max_args = 0},
    {.name = "lock", .run = run_list, .max_args = 0},
    {.name = "mdev", .args = "VERB ...", .verbs = sub_verbs},
    {.name = NULL},
};

static const struct poptOption tool_options[] = {
    {"root", 0, POPT_ARG_STRING, HV_AT(struct ctx, root), 0, "a root", "DIR"},
    POPT_TABLEEND,
};

static int count_val(void *ctx, int val)
{
	struct ctx *x = ctx;

	x->vals += val;
	return -1;
}

static int ready(void *ctx, const struct hv_verb *v)
{
	struct ctx *x = ctx;

	(void)v;
	x->readied++;
	return -1;
}

static const struct hv_tool tool = {
    .synopsis = "VERB",
    .verbs = verbs,
    .options = tool_options,
    .common = HV_AT(struct ctx, common),
    .exec_argv = HV_AT(struct ctx, exec),
    .option = count_val,
    .ready = ready,
};

/* Runs the tool on a NULL-terminated argv, its output silenced. */
static int run(struct ctx *x, const char **argv)
{
	int argc = 0, out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY), rc;

	while (argv[argc])
		argc++;
	memset(x, 0, sizeof(*x));
	fflush(stdout);
	fflush(stderr);
	dup2(null, 1);
	dup2(null, 2);
	rc = hv_run(&tool, x, argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	close(null);
	return rc;
}

#define ARGV(...) ((const char *[]){"t", __VA_ARGS__, NULL})

int main(void)
{
	struct unit u = {0};
	struct ctx x;

	CHECK(&u,
	      run(&x, ARGV("bind", "a", "b")) == 0 && x.ran == 1 && x.nargs == 2 &&
		  !strcmp(x.arg0, "a") && x.readied == 1,
	      "no option word: the verb gets its arguments, ready ran");
	CHECK(&u,
	      run(&x, ARGV("--json", "bind", "-f", "a", "--root", "/r", "-v")) == 0 && x.force &&
		  x.common.json && x.common.verbose && !strcmp(x.root_seen, "/r") && x.nargs == 1,
	      "common and tool options before and after the verb, the verb's own after it");
	CHECK(&u, run(&x, ARGV("bi", "--name", "a", "-n", "b", "d")) == 0 && x.ran == 1,
	      "a unique prefix runs the verb");
	CHECK(&u, run(&x, ARGV("l")) == HV_EXIT_USAGE && !x.ran,
	      "an ambiguous prefix is a usage error");
	CHECK(&u, run(&x, ARGV("-f", "bind", "a")) == HV_EXIT_USAGE && !x.ran,
	      "a verb's option before the verb is unknown");
	CHECK(&u, run(&x, ARGV("bind")) == HV_EXIT_USAGE && !x.ran, "too few arguments");
	CHECK(&u, run(&x, ARGV("list", "x")) == HV_EXIT_USAGE && !x.ran, "too many arguments");
	CHECK(&u, run(&x, ARGV("bind", "--count", "a", "--count")) == 0 && x.vals == 14,
	      "options with a val of their own reach the hook, each time");
	CHECK(&u,
	      run(&x, ARGV("bind", "a", "--exec", "cmd", "-f")) == 0 && !x.force && x.exec &&
		  !strcmp(x.exec[0], "cmd") && !strcmp(x.exec[1], "-f") && !x.exec[2] &&
		  x.nargs == 1,
	      "--exec: the rest is the command, not options");
	CHECK(&u, run(&x, ARGV("bind", "a", "-e")) == HV_EXIT_USAGE && !x.ran,
	      "--exec needs a command");
	CHECK(&u,
	      run(&x, ARGV("mdev", "cr", "p")) == 0 && !strcmp(x.verb, "create") && x.nargs == 1,
	      "a sub-verb by prefix");
	CHECK(&u,
	      run(&x, ARGV("--root", "/r", "mdev", "-j", "create", "p", "-q")) == 0 &&
		  x.common.json && x.common.quiet && !strcmp(x.root_seen, "/r"),
	      "common options at every level");
	CHECK(&u, run(&x, ARGV("mdev")) == HV_EXIT_USAGE && !x.ran, "a sub-verb is needed");
	CHECK(&u, run(&x, (const char *[]){"t", NULL}) == HV_EXIT_USAGE, "a verb is needed");
	CHECK(&u, run(&x, ARGV("-q", "-v", "list")) == HV_EXIT_USAGE && !x.ran,
	      "-q and -v exclude each other");
	CHECK(&u, run(&x, ARGV("bind", "--bogus", "a")) == HV_EXIT_USAGE && !x.ran,
	      "an unknown option is a usage error");
	CHECK(&u, run(&x, ARGV("-V")) == 0 && !x.ran, "--version before any verb");
	return unit_done(&u);
}
