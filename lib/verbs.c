// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Running a tool's verb table: the one option pass of every tool. The
 * tool's options and the common ones are accepted before and after the
 * verb, the verb's own after it; a verb's handler gets only its arguments.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "opts.h"

/* Options of one pass: the verb's, the tool's and the common ones. */
#define HV_TABLE_MAX 64

struct pass {
	struct poptOption table[HV_TABLE_MAX];
	size_t n;
};

static void *at(void *ctx, const void *where)
{
	return (char *)ctx + ((uintptr_t)where - 1);
}

static void add_options(struct pass *p, const struct poptOption *src, void *ctx)
{
	for (; src && (src->longName || src->shortName); src++) {
		/* The tables are the tools' own: too many is a bug every test would hit. */
		if (p->n + 1 >= HV_TABLE_MAX)
			abort();
		p->table[p->n] = *src;
		if (src->arg && ctx)
			p->table[p->n].arg = at(ctx, src->arg);
		p->n++;
	}
	p->table[p->n] = (struct poptOption)POPT_TABLEEND;
}

static void build_pass(struct pass *p, const struct hv_tool *t, const struct hv_verb *v, void *ctx)
{
	struct hv_common *c = at(ctx, t->common);
	const struct poptOption common[] = {HV_POPT_COMMON(*c), POPT_TABLEEND};

	p->n = 0;
	p->table[0] = (struct poptOption)POPT_TABLEEND;
	if (v)
		add_options(p, v->options, ctx);
	add_options(p, t->options, ctx);
	add_options(p, common, NULL);
}

/*
 * Whether any word could be an option. When none can, popt would hand
 * them all back unchanged, in order: such a command line (the usual
 * scripted call) skips the option parser, most of what a short-lived
 * process runs besides the dynamic loader (bench/xsctl/README).
 */
static bool has_option_word(int argc, const char **argv)
{
	for (int i = 0; i < argc; i++)
		if (argv[i][0] == '-')
			return true;
	return false;
}

/* The option pass; -1 to go on, or the exit code to stop with. */
static int parse(const struct hv_tool *t, void *ctx, struct pass *p, poptContext pc,
		 const char *synopsis, const struct hv_verb *verbs)
{
	return hv_popt_parse_hook(pc, p->table, at(ctx, t->common), synopsis, verbs, t->manpage,
				  t->option, ctx);
}

/* "[PARENT ]VERB ARGS": the usage line of a verb without one of its own. */
static void verb_synopsis(char *buf, size_t size, const char *parent, const struct hv_verb *v)
{
	const char *args = v->args ? v->args : "";

	snprintf(buf, size, "%s%s%s%s%s", parent ? parent : "", parent ? " " : "", v->name,
		 *args ? " " : "", args);
}

/* Counts the verb's arguments; a message names the verb as typed, with the one above it. */
static int check_count(const struct hv_verb *v, const char *parent, int nargs, const char **args)
{
	const char *sep = parent ? " " : "";
	char syn[256];

	if (!parent)
		parent = "";
	if (nargs < v->min_args) {
		/* The verb's own usage when it has one line, as its --help shows it. */
		if (v->usage && !strchr(v->usage, '\n'))
			snprintf(syn, sizeof(syn), "%s", v->usage);
		else
			verb_synopsis(syn, sizeof(syn), *parent ? parent : NULL, v);
		return hv_usage_error("%s%s%s: missing argument (usage: %s)", parent, sep, v->name,
				      syn);
	}
	if (v->max_args >= 0 && nargs > v->max_args)
		return hv_usage_error("%s%s%s: unexpected argument '%s'", parent, sep, v->name,
				      args[v->max_args]);
	return -1;
}

static int run_args(const struct hv_tool *t, void *ctx, const struct hv_verb *v, const char *parent,
		    int nargs, const char **args)
{
	int rc = check_count(v, parent, nargs, args);

	if (rc < 0 && t->ready)
		rc = t->ready(ctx, v);
	return rc < 0 ? v->run(ctx, nargs, args) : rc;
}

/*
 * Everything from the first --exec (or -e) on is the command of a verb
 * that runs one: the words before it are the verb's. Returns the verb's
 * argc, or -1 when --exec ends the line.
 */
static int split_exec(const struct hv_tool *t, void *ctx, int argc, const char **argv)
{
	const char ***cmd = at(ctx, t->exec_argv);

	*cmd = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--exec") && strcmp(argv[i], "-e"))
			continue;
		if (i + 1 >= argc)
			return -1;
		*cmd = argv + i + 1;
		return i;
	}
	return argc;
}

static int run_level(const struct hv_tool *t, void *ctx, const struct hv_verb *level, int argc,
		     const char **argv);

/* The verb's own pass: argv[0] is the verb as typed. */
int hv_run_verb(const struct hv_tool *t, void *ctx, const char *parent, const struct hv_verb *v,
		int argc, const char **argv)
{
	const char **args, *cut[HV_ARGS_MAX + 1];
	struct pass p;
	poptContext pc;
	char syn[256];
	int nargs, rc;

	if (v->verbs)
		return run_level(t, ctx, v, argc, argv);
	if (v->flags & HV_VERB_EXEC) {
		int n = split_exec(t, ctx, argc, argv);

		if (n < 0)
			return hv_usage_error("--exec needs a command");
		if (n < argc) {
			/* popt and the verb want the verb's words NULL-terminated. */
			if (n > HV_ARGS_MAX)
				return hv_usage_error("%s: too many arguments", v->name);
			memcpy(cut, argv, (size_t)n * sizeof(*cut));
			cut[n] = NULL;
			argv = cut;
			argc = n;
		}
	}
	/* No snprintf() on the way of the usual call: its first run is dear (bench/xsctl). */
	if (!has_option_word(argc - 1, argv + 1))
		return run_args(t, ctx, v, parent, argc - 1, argv + 1);
	verb_synopsis(syn, sizeof(syn), parent, v);
	build_pass(&p, t, v, ctx);
	pc = poptGetContext(v->name, argc, argv, p.table,
			    v->flags & HV_VERB_POSIX ? POPT_CONTEXT_POSIXMEHARDER : 0);
	rc = parse(t, ctx, &p, pc, v->usage ? v->usage : syn, NULL);
	if (rc < 0) {
		args = hv_popt_args(pc, &nargs);
		rc = run_args(t, ctx, v, parent, nargs, args);
	}
	poptFreeContext(pc);
	return rc;
}

/* "a, b or c": the verbs of a level, for the message when none is given. */
static void verb_list(char *buf, size_t size, const struct hv_verb *verbs)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const struct hv_verb *v = verbs; v->name && used < size; v++) {
		const char *sep = v == verbs ? "" : (v[1].name ? ", " : " or ");
		int w = snprintf(buf + used, size - used, "%s%s", sep, v->name);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/*
 * No verb given: a verb's own verbs are named, and the tool's when they
 * are few enough to read in one line (--help lists them all).
 */
static int missing_verb(const struct hv_verb *level, const struct hv_verb *verbs)
{
	char names[512];
	size_t n = 0;

	while (verbs[n].name)
		n++;
	verb_list(names, sizeof(names), verbs);
	if (level)
		return hv_usage_error("%s needs %s", level->name, names);
	if (n > 8)
		return hv_usage_error("no verb given");
	return hv_usage_error("missing verb (%s)", names);
}

/*
 * A level of verbs: the tool itself (level NULL, argv[0] the program) or a
 * verb with verbs of its own (argv[0] that verb). Options before the verb
 * end at the first word that is not one.
 */
static int run_level(const struct hv_tool *t, void *ctx, const struct hv_verb *level, int argc,
		     const char **argv)
{
	const struct hv_verb *verbs = level ? level->verbs : t->verbs, *v;
	const char **rest = argv + 1, *why;
	poptContext pc = NULL;
	char syn[256];
	int nrest = argc - 1, rc;

	if (level)
		snprintf(syn, sizeof(syn), "%s", level->usage ? level->usage : "");
	if (level && !level->usage)
		verb_synopsis(syn, sizeof(syn), NULL, level);
	if (nrest > 0 && rest[0][0] == '-') {
		struct pass p;

		build_pass(&p, t, NULL, ctx);
		pc = poptGetContext(argv[0], argc, argv, p.table, POPT_CONTEXT_POSIXMEHARDER);
		rc = parse(t, ctx, &p, pc, level ? syn : t->synopsis, verbs);
		if (rc >= 0)
			goto out;
		rest = hv_popt_args(pc, &nrest);
	}
	if (nrest == 0) {
		rc = missing_verb(level, verbs);
		goto out;
	}
	v = hv_verb_find(verbs, rest[0], &why);
	if (!v) {
		rc = hv_verb_unknown(verbs, rest[0]);
		goto out;
	}
	rc = hv_run_verb(t, ctx, level ? level->name : NULL, v, nrest, rest);
out:
	if (pc)
		poptFreeContext(pc);
	return rc;
}

int hv_run(const struct hv_tool *t, void *ctx, int argc, const char **argv)
{
	int rc;

	if (t->verbs)
		rc = run_level(t, ctx, NULL, argc, argv);
	else
		rc = hv_run_verb(t, ctx, NULL, t->self, argc, argv);
	hv_common_free(at(ctx, t->common));
	return rc;
}
