/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command-line plumbing every tool shares: the common options, help and
 * version screens, verb tables with unique-prefix matching, and "did you
 * mean" suggestions for unknown verbs and options.
 */
#ifndef HV_OPTS_H
#define HV_OPTS_H

#include <popt.h>
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
 * A verb's handler gets the tool context and its own argv (argv[0] is the
 * verb); it returns an exit code.
 */
struct hv_verb {
	const char *name;
	int (*run)(void *ctx, int argc, const char **argv);
	const char *args;    /* synopsis of its arguments, for --help */
	const char *summary; /* one line, for --help */
};

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

/* Usage screen: synopsis line(s), the verb table if any, the options, and the man page. */
void hv_print_help(FILE *out, poptContext pc, const char *synopsis, const struct hv_verb *verbs,
		   const char *manpage);

/* --help lines stay within this many columns (synopses wrap). */
#define HV_HELP_WIDTH 80

/* The "Verbs:" table of --help: name, arguments, summary, wrapped. */
void hv_print_verbs(FILE *out, const struct hv_verb *verbs);

/*
 * Handles the common --help/--version/-q/-v after parsing. Sets *exit_now
 * when the tool must stop and returns the exit code to stop with
 * (HV_EXIT_OK after --help or --version, HV_EXIT_USAGE for -q with -v);
 * otherwise *exit_now is false and it returns HV_EXIT_OK.
 */
int hv_common_done(const struct hv_common *c, poptContext pc, const char *synopsis,
		   const struct hv_verb *verbs, const char *manpage, bool *exit_now);

/*
 * The whole option pass of a tool or verb: consumes every option (errors
 * reported with a suggestion), then handles --help/--version/-q -v. Returns
 * -1 when the caller should go on, or the exit code to return now.
 */
int hv_popt_parse(poptContext pc, const struct poptOption *table, struct hv_common *c,
		  const char *synopsis, const struct hv_verb *verbs, const char *manpage);

/*
 * Frees the option strings hv_popt_parse collected in c (every pass that
 * used c); the option variables that pointed at them must not be used
 * afterwards. Safe to call more than once.
 */
void hv_common_free(struct hv_common *c);

/* Counts the remaining (non-option) arguments and returns them NULL-terminated. */
const char **hv_popt_args(poptContext pc, int *argc);

#endif
