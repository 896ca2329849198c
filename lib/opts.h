/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command-line plumbing every tool shares: the common options, help and
 * version screens, verb tables with unique-prefix matching, and "did you
 * mean" suggestions for unknown verbs and options.
 */
#ifndef HV_OPTS_H
#define HV_OPTS_H

#include <popt.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>

/* Lives in each tool's context struct. */
struct hv_common {
	int json;
	int verbose;
	int quiet;
	int help;
	int version;
	/*
	 * The strings popt allocated for POPT_ARG_STRING options during
	 * hv_popt_parse (popt leaves them to the application); released by
	 * hv_common_free when the tool is done with its options.
	 */
	char **owned;
	size_t n_owned;
};

#define HV_POPT_COMMON(c)                                                                          \
	{"json", 'j', POPT_ARG_NONE, &(c).json, 0, "print records as JSON", NULL},                 \
	    {"verbose", 'v', POPT_ARG_NONE, &(c).verbose, 0, "say more on stderr", NULL},          \
	    {"quiet", 'q', POPT_ARG_NONE, &(c).quiet, 0, "print only errors", NULL},               \
	    {"help", 'h', POPT_ARG_NONE, &(c).help, 0, "show this help and exit", NULL},           \
	{                                                                                          \
		"version", 'V', POPT_ARG_NONE, &(c).version, 0, "show the version and exit", NULL  \
	}

/*
 * Where in the tool's context an option's value goes: the arg of the
 * entries of a tool's or verb's static option table. Made a pointer into
 * the context when the verb runs (offset + 1: 0 stays "no storage").
 */
#define HV_AT(type, member) ((void *)(offsetof(type, member) + 1))

/* Options end at the verb's first argument: what follows is a command line. */
#define HV_VERB_POSIX 0x1
/*
 * --exec (or -e) ends the verb's words: the rest is the command to run,
 * stored where the tool's exec_argv says.
 */
#define HV_VERB_EXEC 0x2

/* At most this many words for a verb that takes --exec CMD. */
#define HV_ARGS_MAX 256

/*
 * One verb, as kmod's commands are: its handler next to its options. The
 * handler gets the tool context and the verb's arguments (argv
 * NULL-terminated, no options left); it returns an exit code.
 */
struct hv_verb {
	const char *name;
	int (*run)(void *ctx, int argc, const char **argv);
	const char *args;    /* synopsis of its arguments, for the Verbs: table */
	const char *summary; /* one line, for the Verbs: table */
	/* Its own options, HV_AT() into the context; NULL: none. */
	const struct poptOption *options;
	int min_args, max_args; /* how many arguments; max_args -1: no limit */
	unsigned flags;		/* HV_VERB_* */
	/* The usage lines of its --help when "[PARENT ]NAME ARGS" will not do. */
	const char *usage;
	/* A verb with verbs of its own (vfio-bind mdev): run is NULL then. */
	const struct hv_verb *verbs;
};

/* A tool: its verbs, and the options every verb of it takes. */
struct hv_tool {
	const char *synopsis; /* of the tool's --help */
	const char *manpage;
	const struct hv_verb *verbs;
	/* A tool without verbs (lguest-run): the one command it runs. */
	const struct hv_verb *self;
	/* Options of the tool, before or after the verb, HV_AT() into the context. */
	const struct poptOption *options;
	const void *common;    /* HV_AT() of the context's struct hv_common */
	const void *exec_argv; /* HV_AT() of its const char ** (HV_VERB_EXEC) */
	/*
	 * An option with a val of its own has been parsed (its value, if it
	 * has one, is stored already): -1 to go on, or an exit code.
	 */
	int (*option)(void *ctx, int val);
	/* Once the options are parsed, before the verb runs: -1 to go on, or an exit code. */
	int (*ready)(void *ctx, const struct hv_verb *v);
};

/*
 * Runs the tool: argv[0] is the program. Options before the verb, the verb
 * (a unique prefix will do), its options and arguments; --help and
 * --version at any level. Returns the exit code.
 */
int hv_run(const struct hv_tool *t, void *ctx, int argc, const char **argv);

/*
 * Runs one verb of t with argv[0] its name as typed (tools that read
 * command lines from a script: xsctl tx). PARENT names the verb above it.
 */
int hv_run_verb(const struct hv_tool *t, void *ctx, const char *parent, const struct hv_verb *v,
		int argc, const char **argv);

/*
 * Finds a verb by exact name or unique prefix. NULL if unknown or ambiguous;
 * then *why says which ("unknown", "ambiguous").
 */
const struct hv_verb *hv_verb_find(const struct hv_verb *verbs, const char *name, const char **why);

/* Reports an unknown/ambiguous verb with a suggestion; returns HV_EXIT_USAGE. */
int hv_verb_unknown(const struct hv_verb *verbs, const char *name);

/* Closest candidate by edit distance, NULL if none is close enough. */
const char *hv_suggest(const char *word, const char *const *candidates, size_t n);

/*
 * One poptGetNextOpt() step. Returns -1 when all options were consumed,
 * the val (>= 0) of an option the caller handles, or reports the error
 * (with a suggestion for an unknown long option) and returns
 * HV_POPT_FAILED: the tool then exits HV_EXIT_USAGE.
 */
int hv_popt_next(poptContext pc, const struct poptOption *table);
#define HV_POPT_FAILED (-3000)

/* --help lines stay within this many columns (synopses wrap). */
#define HV_HELP_WIDTH 80

/*
 * The whole option pass of a tool or verb: consumes every option (errors
 * reported with a suggestion), then handles --help/--version/-q -v. Returns
 * -1 when the caller should go on, or the exit code to return now.
 */
int hv_popt_parse(poptContext pc, const struct poptOption *table, struct hv_common *c,
		  const char *synopsis, const struct hv_verb *verbs, const char *manpage);

/*
 * hv_popt_parse, with the options that carry a val of their own handed to
 * OPTION(CTX, val) as they come (-1 to go on, or an exit code to stop with).
 */
int hv_popt_parse_hook(poptContext pc, const struct poptOption *table, struct hv_common *c,
		       const char *synopsis, const struct hv_verb *verbs, const char *manpage,
		       int (*option)(void *ctx, int val), void *ctx);

/*
 * Frees the option strings hv_popt_parse collected in c (every pass that
 * used c); the option variables that pointed at them must not be used
 * afterwards. Safe to call more than once.
 */
void hv_common_free(struct hv_common *c);

/* Counts the remaining (non-option) arguments and returns them NULL-terminated. */
const char **hv_popt_args(poptContext pc, int *argc);

#endif
