// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "opts.h"

const struct hv_verb *hv_verb_find(const struct hv_verb *verbs, const char *name, const char **why)
{
	const struct hv_verb *match = NULL;
	size_t len = strlen(name);
	int nmatch = 0;

	*why = "unknown";
	if (!len)
		return NULL;
	for (const struct hv_verb *v = verbs; v->name; v++) {
		if (!strcmp(v->name, name))
			return v;
		if (!strncmp(v->name, name, len)) {
			match = v;
			nmatch++;
		}
	}
	if (nmatch == 1)
		return match;
	if (nmatch > 1)
		*why = "ambiguous";
	return NULL;
}

/* Optimal string alignment distance: typos are often swapped letters. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[65][65];

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *hv_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, wl = strlen(word);
	/* A third of the word may be wrong, at least one edit, at most three. */
	size_t limit = wl / 3 < 1 ? 1 : (wl / 3 > 3 ? 3 : wl / 3);

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, candidates[i]);

		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best_d <= limit ? best : NULL;
}

int hv_verb_unknown(const struct hv_verb *verbs, const char *name)
{
	const char *names[128];
	const char *why, *s;
	size_t n = 0;

	hv_verb_find(verbs, name, &why);
	if (!strcmp(why, "ambiguous")) {
		/* The verbs the prefix matches, not a guess by spelling. */
		char list[512];
		size_t len = strlen(name), used = 0;

		list[0] = '\0';
		for (const struct hv_verb *v = verbs; v->name; v++) {
			int w;

			if (strncmp(v->name, name, len))
				continue;
			w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "",
				     v->name);
			if (w < 0 || (size_t)w >= sizeof(list) - used)
				break;
			used += (size_t)w;
		}
		return hv_usage_error("ambiguous verb '%s': %s", name, list);
	}
	for (const struct hv_verb *v = verbs; v->name && n < 128; v++)
		names[n++] = v->name;
	s = hv_suggest(name, names, n);
	if (s)
		return hv_usage_error("%s verb '%s': did you mean '%s'?", why, name, s);
	return hv_usage_error("%s verb '%s'", why, name);
}

static void collect_long_names(const struct poptOption *t, const char **out, size_t *n, size_t max)
{
	for (; t && (t->longName || t->shortName || t->arg); t++) {
		if ((t->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE) {
			collect_long_names(t->arg, out, n, max);
			continue;
		}
		if (t->longName && *n < max)
			out[(*n)++] = t->longName;
	}
}

int hv_popt_next(poptContext pc, const struct poptOption *table)
{
	int rc = poptGetNextOpt(pc);
	const char *bad, *names[128], *s;
	size_t n = 0;

	if (rc >= -1)
		return rc;
	bad = poptBadOption(pc, POPT_BADOPTION_NOALIAS);
	if (rc == POPT_ERROR_BADOPT && bad && !strncmp(bad, "--", 2)) {
		char word[128];

		snprintf(word, sizeof(word), "%s", bad + 2);
		word[strcspn(word, "=")] = '\0';
		collect_long_names(table, names, &n, 128);
		s = hv_suggest(word, names, n);
		if (s) {
			hv_usage_error("unknown option '%s': did you mean '--%s'?", bad, s);
			return HV_POPT_FAILED;
		}
	}
	hv_usage_error("%s: %s", bad ? bad : "option", poptStrerror(rc));
	return HV_POPT_FAILED;
}

/*
 * Prints LEN bytes of TEXT from column COL on, breaking between words (not
 * inside brackets: "[--wait [--timeout S]]" stays whole) so that no line
 * passes HV_HELP_WIDTH columns where a break helps; a continued line
 * starts at column INDENT. Ends the line.
 */
static void print_wrapped(FILE *out, const char *text, size_t len, size_t col, size_t indent)
{
	size_t i = 0;
	bool first = true;

	while (i < len) {
		size_t j = i;
		int depth = 0;

		while (j < len && (text[j] != ' ' || depth > 0)) {
			if (text[j] == '[' || text[j] == '(')
				depth++;
			else if ((text[j] == ']' || text[j] == ')') && depth > 0)
				depth--;
			j++;
		}
		if (!first && col + 1 + (j - i) > HV_HELP_WIDTH && col > indent) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)(j - i), text + i);
		col += j - i;
		first = false;
		for (i = j; i < len && text[i] == ' '; i++)
			;
	}
	fputc('\n', out);
}

#define HV_VERB_COLUMN 31 /* where a verb's summary starts */

/* The "Verbs:" table of --help: name, arguments, summary, wrapped. */
static void hv_print_verbs(FILE *out, const struct hv_verb *verbs)
{
	for (const struct hv_verb *v = verbs; v->name; v++) {
		const char *args = v->args ? v->args : "", *sum = v->summary ? v->summary : "";
		size_t head = 3 + strlen(v->name) + strlen(args);

		/* A long synopsis gets a line of its own, the summary the next. */
		fprintf(out, "  %s ", v->name);
		if (head >= HV_VERB_COLUMN) {
			print_wrapped(out, args, strlen(args), 3 + strlen(v->name),
				      4 + strlen(v->name));
			fprintf(out, "%*s", HV_VERB_COLUMN, "");
		} else {
			fprintf(out, "%-*s", (int)(HV_VERB_COLUMN - 3 - strlen(v->name)), args);
		}
		print_wrapped(out, sum, strlen(sum), HV_VERB_COLUMN, HV_VERB_COLUMN);
	}
}

/* Usage screen: synopsis line(s), the verb table if any, the options, and the man page. */
static void hv_print_help(FILE *out, poptContext pc, const char *synopsis,
			  const struct hv_verb *verbs, const char *manpage)
{
	size_t prog = strlen(hv_progname());
	char *opts = NULL, *body;
	size_t opts_len = 0;
	FILE *mem;

	fprintf(out, "Usage:\n");
	for (const char *l = synopsis; l && *l;) {
		size_t len = strcspn(l, "\n"), indent = 3 + prog, w;

		/* Continued lines align under the first argument after the verbs. */
		for (const char *p = l; p < l + len && *p >= 'a' && *p <= 'z'; p += w + 1) {
			w = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789|-");
			if (p + w >= l + len || p[w] != ' ')
				break;
			indent += w + 1;
		}
		fprintf(out, "  %s ", hv_progname());
		print_wrapped(out, l, len, 3 + prog, indent);
		l += len;
		if (*l)
			l++;
	}
	if (verbs) {
		fprintf(out, "\nVerbs:\n");
		hv_print_verbs(out, verbs);
	}
	fprintf(out, "\n");
	/* popt's own "Usage: NAME [OPTION...]" line would be a second one. */
	mem = open_memstream(&opts, &opts_len);
	if (mem) {
		poptPrintHelp(pc, mem, 0);
		fclose(mem);
	}
	body = opts && !strncmp(opts, "Usage:", 6) ? opts + strcspn(opts, "\n") : opts;
	if (body && *body == '\n')
		body++;
	if (body)
		fputs(body, out);
	else
		poptPrintHelp(pc, out, 0);
	free(opts);
	if (manpage)
		fprintf(out, "\nFor more details see %s.\n", manpage);
}

static void hv_print_version(FILE *out)
{
	fprintf(out, "%s (hvutils) %s\n", hv_progname(), HV_VERSION);
}

/*
 * Handles the common --help/--version/-q/-v after parsing. Sets *exit_now
 * when the tool must stop and returns the exit code to stop with
 * (HV_EXIT_OK after --help or --version, HV_EXIT_USAGE for -q with -v).
 */
static int hv_common_done(const struct hv_common *c, poptContext pc, const char *synopsis,
			  const struct hv_verb *verbs, const char *manpage, bool *exit_now)
{
	*exit_now = false;
	if (c->help) {
		hv_print_help(stdout, pc, synopsis, verbs, manpage);
		*exit_now = true;
		return HV_EXIT_OK;
	}
	if (c->version) {
		hv_print_version(stdout);
		*exit_now = true;
		return HV_EXIT_OK;
	}
	if (c->quiet && c->verbose) {
		*exit_now = true;
		return hv_usage_error("--quiet and --verbose exclude each other");
	}
	return HV_EXIT_OK;
}

#define HV_MAX_STRING_OPTS 64

static void collect_string_slots(const struct poptOption *t, char ***out, size_t *n)
{
	for (; t && (t->longName || t->shortName || t->arg); t++) {
		if ((t->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE)
			collect_string_slots(t->arg, out, n);
		else if ((t->argInfo & POPT_ARG_MASK) == POPT_ARG_STRING && t->arg &&
			 *n < HV_MAX_STRING_OPTS)
			out[(*n)++] = t->arg;
	}
}

/*
 * The val string options carry while hv_popt_parse runs. popt consumes
 * options whose val is 0 inside one poptGetNextOpt() call, so a repeated
 * string option ("--default a --default b") was overwritten before the
 * loop below could see the first copy (found by fuzz-xsctl). With a val,
 * popt returns after each one.
 */
#define HV_POPT_STRING_VAL 0x48560001

/*
 * Gives string options that val (on) or takes it back. The tables are the
 * tools' own automatic arrays (their arg pointers lead into the tool's
 * context), hence writable despite the const of the API.
 */
static void mark_string_options(const struct poptOption *t, bool on)
{
	for (; t && (t->longName || t->shortName || t->arg); t++) {
		struct poptOption *w = (struct poptOption *)t;

		if ((t->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE)
			mark_string_options(t->arg, on);
		else if ((t->argInfo & POPT_ARG_MASK) == POPT_ARG_STRING && t->arg &&
			 t->val == (on ? 0 : HV_POPT_STRING_VAL))
			w->val = on ? HV_POPT_STRING_VAL : 0;
	}
}

/* Takes a string popt allocated into c's list (freed by hv_common_free). */
static void own_string(struct hv_common *c, char *s)
{
	char **grown = realloc(c->owned, (c->n_owned + 1) * sizeof(*grown));

	if (!grown)
		return; /* a leak at worst, never a failure of the tool */
	c->owned = grown;
	c->owned[c->n_owned++] = s;
}

void hv_common_free(struct hv_common *c)
{
	for (size_t i = 0; i < c->n_owned; i++)
		free(c->owned[i]);
	free(c->owned);
	c->owned = NULL;
	c->n_owned = 0;
}

int hv_popt_parse(poptContext pc, const struct poptOption *table, struct hv_common *c,
		  const char *synopsis, const struct hv_verb *verbs, const char *manpage)
{
	return hv_popt_parse_hook(pc, table, c, synopsis, verbs, manpage, NULL, NULL);
}

int hv_popt_parse_hook(poptContext pc, const struct poptOption *table, struct hv_common *c,
		       const char *synopsis, const struct hv_verb *verbs, const char *manpage,
		       int (*option)(void *ctx, int val), void *ctx)
{
	char **slots[HV_MAX_STRING_OPTS], *before[HV_MAX_STRING_OPTS];
	size_t nslots = 0;
	bool exit_now;
	int rc;

	/*
	 * popt strdup()s the value of a string option into its variable and
	 * never frees it, not even when the option is repeated and the
	 * variable overwritten: a value that changed over one option is
	 * popt's copy (a default the tool set before is never one), so it is
	 * recorded in c for hv_common_free.
	 */
	collect_string_slots(table, slots, &nslots);
	mark_string_options(table, true);
	do {
		for (size_t i = 0; i < nslots; i++)
			before[i] = *slots[i];
		rc = hv_popt_next(pc, table);
		for (size_t i = 0; i < nslots; i++)
			if (*slots[i] != before[i] && *slots[i])
				own_string(c, *slots[i]);
		if (rc > 0 && rc != HV_POPT_STRING_VAL && option) {
			int stop = option(ctx, rc);

			if (stop >= 0) {
				mark_string_options(table, false);
				return stop;
			}
		}
	} while (rc >= 0);
	mark_string_options(table, false);
	if (rc == HV_POPT_FAILED)
		return HV_EXIT_USAGE;
	rc = hv_common_done(c, pc, synopsis, verbs, manpage, &exit_now);
	return exit_now ? rc : -1;
}

const char **hv_popt_args(poptContext pc, int *argc)
{
	const char **args = poptGetArgs(pc);
	static const char *none[] = {NULL};
	int n = 0;

	if (!args)
		args = none;
	while (args[n])
		n++;
	*argc = n;
	return args;
}
