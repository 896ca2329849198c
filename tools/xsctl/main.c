// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xsctl: verb table and option parsing. Each verb's options are parsed here,
 * the same way for argv and for tx/batch script lines, so a script line
 * means exactly what the same words mean on the command line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xsctl.h"

#define MANPAGE		"xsctl(1)"
#define DEFAULT_RETRIES 100

static const struct hv_verb verbs[] = {
    {.name = "read",
     .run = xsctl_read,
     .args = "[-p] [-r] [--default V] PATH...",
     .summary = "print values"},
    {.name = "write",
     .run = xsctl_write,
     .args = "[-r] PATH VALUE [PATH VALUE...]",
     .summary = "set values (- reads stdin)"},
    {.name = "mkdir", .run = xsctl_mkdir, .args = "PATH...", .summary = "create empty nodes"},
    {.name = "rm",
     .run = xsctl_rm,
     .args = "[-t] PATH...",
     .summary = "remove nodes and their children"},
    {.name = "exists",
     .run = xsctl_exists,
     .args = "PATH...",
     .summary = "exit status 0 if all exist, 3 if not"},
    {.name = "incr",
     .run = xsctl_incr,
     .args = "PATH [DELTA]",
     .summary = "add to an integer value atomically"},
    {.name = "ls", .run = xsctl_ls, .args = "[-p] PATH", .summary = "list children"},
    {.name = "tree",
     .run = xsctl_tree,
     .args = "[-f] [-p] [--depth N] [PATH]",
     .summary = "print a subtree"},
    {.name = "perms", .run = xsctl_perms, .args = "[-p] PATH...", .summary = "print permissions"},
    {.name = "chmod",
     .run = xsctl_chmod,
     .args = "[-r] [-u] PATH PERM...",
     .summary = "set permissions (n/r/w/b<domid>)"},
    {.name = "domain-path",
     .run = xsctl_domain_path,
     .args = "DOMID",
     .summary = "print a domain's home path"},
    {.name = "watch",
     .run = xsctl_watch,
     .args = "[-n N] [--timeout S] [--skip-initial] [--depth N] PATH...",
     .summary = "print changes as they happen"},
    {.name = "wait",
     .run = xsctl_wait,
     .args = "[--value V|--exists|--gone] --timeout S PATH",
     .summary = "wait until a condition holds"},
    {.name = "tx",
     .run = xsctl_tx,
     .args = "[-f FILE] [--retries N] [--dry-run]",
     .summary = "run script lines in one transaction"},
    {.name = "batch",
     .run = xsctl_batch,
     .args = "[-f FILE] [--dry-run]",
     .summary = "run script lines on one connection"},
    {.name = "dump", .run = xsctl_dump, .args = "[PATH]", .summary = "print a subtree as JSON"},
    {.name = "restore",
     .run = xsctl_restore,
     .args = "[--to PATH] [--replace] FILE",
     .summary = "re-create a dump in one transaction"},
    {.name = "control",
     .run = xsctl_control,
     .args = "CMD [ARGS...]",
     .summary = "send the store daemon an introspection command"},
    {.name = "quota",
     .run = xsctl_quota,
     .args = "[DOMID]",
     .summary = "print a domain's quotas and use (default 0)"},
    {.name = NULL},
};

/* Verbs that hold the connection for a long time or run scripts themselves. */
static bool script_verb(const char *name)
{
	static const char *const no[] = {"watch",   "wait",    "tx",   "batch",
					 "restore", "control", "quota"};

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (!strcmp(name, no[i]))
			return false;
	return true;
}

#define OPT(l, s, kind, field, help, arg)                                                          \
	{                                                                                          \
		l, s, kind, &x->o.field, 0, help, arg                                              \
	}
#define END POPT_TABLEEND

/* Appends src (up to its END) to t at n; returns the new count. */
static size_t add_options(struct poptOption *t, size_t n, const struct poptOption *src)
{
	for (; src->longName || src->shortName; src++)
		t[n++] = *src;
	return n;
}

/*
 * The options of one verb; the common and transport options come after them.
 * Only the table of the verb that runs is built: each process runs one verb,
 * and in the PV dom0 of the benchmark (emulated) the code a process runs for
 * the first time costs far more than running it again (bench/xsctl/README).
 */
static void verb_options(struct xsctl *x, const char *verb, struct poptOption *t)
{
	struct poptOption common[] = {
	    HV_POPT_COMMON(x->o.c),
	    OPT("socket", 0, POPT_ARG_STRING, socket, "use the daemon socket at PATH", "PATH"),
	    OPT("xenbus", 0, POPT_ARG_NONE, xenbus, "use /dev/xen/xenbus", NULL), END};
	size_t n = 0;

	if (!strcmp(verb, "read")) {
		struct poptOption o[] = {
		    OPT("prefix", 'p', POPT_ARG_NONE, prefix, "prefix each value with its path",
			NULL),
		    OPT("raw", 'r', POPT_ARG_NONE, raw, "print values as raw bytes", NULL),
		    OPT("default", 0, POPT_ARG_STRING, def, "print V for missing paths", "V"), END};

		n = add_options(t, n, o);
	} else if (!strcmp(verb, "write")) {
		struct poptOption o[] = {OPT("raw", 'r', POPT_ARG_NONE, raw,
					     "take values literally (no \\ escapes)", NULL),
					 END};

		n = add_options(t, n, o);
	} else if (!strcmp(verb, "rm")) {
		struct poptOption o[] = {
		    OPT("tidy", 't', POPT_ARG_NONE, tidy, "also remove parents left empty", NULL),
		    END};

		n = add_options(t, n, o);
	} else if (!strcmp(verb, "ls")) {
		struct poptOption o[] = {
		    OPT("prefix", 'p', POPT_ARG_NONE, prefix, "print full paths", NULL), END};

		n = add_options(t, n, o);
	} else if (!strcmp(verb, "tree")) {
		struct poptOption o[] = {
		    OPT("full", 'f', POPT_ARG_NONE, full, "print full paths", NULL),
		    OPT("perms", 'p', POPT_ARG_NONE, prefix, "print permissions", NULL),
		    OPT("depth", 0, POPT_ARG_INT, depth, "descend at most N levels", "N"), END};

		n = add_options(t, n, o);
	} else if (!strcmp(verb, "perms")) {
		struct poptOption o[] = {
		    OPT("prefix", 'p', POPT_ARG_NONE, prefix, "print full paths", NULL), END};

		n = add_options(t, n, o);
	} else if (!strcmp(verb, "chmod")) {
		struct poptOption o[] = {
		    OPT("recursive", 'r', POPT_ARG_NONE, recursive, "also every node below", NULL),
		    OPT("up", 'u', POPT_ARG_NONE, up, "also the parents up to the root", NULL),
		    END};

		n = add_options(t, n, o);
	} else if (!strcmp(verb, "watch")) {
		struct poptOption o[] = {
		    OPT("count", 'n', POPT_ARG_INT, count, "stop after N events", "N"),
		    OPT("timeout", 0, POPT_ARG_STRING, timeout, "stop after S seconds (exit 7)",
			"S"),
		    OPT("skip-initial", 0, POPT_ARG_NONE, skip_initial,
			"skip the event every watch fires when it is set", NULL),
		    OPT("depth", 0, POPT_ARG_INT, depth, "ignore changes more than N levels below",
			"N"),
		    END};

		n = add_options(t, n, o);
	} else if (!strcmp(verb, "wait")) {
		struct poptOption o[] = {
		    OPT("value", 0, POPT_ARG_STRING, value, "until PATH holds V", "V"),
		    OPT("exists", 0, POPT_ARG_NONE, exists, "until PATH exists (the default)",
			NULL),
		    OPT("gone", 0, POPT_ARG_NONE, gone, "until PATH is gone", NULL),
		    OPT("timeout", 0, POPT_ARG_STRING, timeout, "give up after S seconds (exit 7)",
			"S"),
		    END};

		n = add_options(t, n, o);
	} else if (!strcmp(verb, "tx")) {
		struct poptOption o[] = {
		    OPT("file", 'f', POPT_ARG_STRING, file, "read the script from FILE", "FILE"),
		    OPT("retries", 0, POPT_ARG_INT, retries,
			"re-runs after a conflict (default 100)", "N"),
		    OPT("dry-run", 'n', POPT_ARG_NONE, dry_run,
			"parse and check the script, print each line's words as JSON", NULL),
		    END};

		n = add_options(t, n, o);
	} else if (!strcmp(verb, "batch")) {
		struct poptOption o[] = {
		    OPT("file", 'f', POPT_ARG_STRING, file, "read the script from FILE", "FILE"),
		    OPT("dry-run", 'n', POPT_ARG_NONE, dry_run,
			"parse and check the script, print each line's words as JSON", NULL),
		    END};

		n = add_options(t, n, o);
	} else if (!strcmp(verb, "incr")) {
		struct poptOption o[] = {OPT("retries", 0, POPT_ARG_INT, retries,
					     "re-runs after a conflict (default 100)", "N"),
					 END};

		n = add_options(t, n, o);
	} else if (!strcmp(verb, "restore")) {
		struct poptOption o[] = {
		    OPT("to", 0, POPT_ARG_STRING, to, "re-create under PATH instead", "PATH"),
		    OPT("replace", 0, POPT_ARG_NONE, replace, "remove the target subtree first",
			NULL),
		    END};

		n = add_options(t, n, o);
	}
	n = add_options(t, n, common);
	t[n] = (struct poptOption)END;
}

/* The transport is chosen once, on the command line. */
static int set_transport(struct xsctl *x)
{
	if (x->o.socket && x->o.xenbus)
		return xsctl_usage(x, "--socket and --xenbus exclude each other");
	if (x->in_script && (x->o.socket || x->o.xenbus))
		return xsctl_usage(x, "--socket and --xenbus belong on the command line, "
				      "not in a script");
	if (x->o.socket) {
		x->transport = HV_XS_SOCKET;
		x->socket_path = *x->o.socket ? x->o.socket : NULL;
	} else if (x->o.xenbus) {
		x->transport = HV_XS_XENBUS;
	}
	return 0;
}

/*
 * "VERB ARGS" for help and usage errors, joined without snprintf(): the
 * printf engine is a lot of code for a process to run only for this.
 */
static void synopsis_of(const struct hv_verb *v, char *buf, size_t size)
{
	size_t a = strnlen(v->name, size - 2), b = strnlen(v->args, size - a - 2);

	memcpy(buf, v->name, a);
	buf[a] = ' ';
	memcpy(buf + a + 1, v->args, b);
	buf[a + 1 + b] = '\0';
}

/*
 * Whether any word could be an option. When none can, popt would return
 * them all unchanged, in order: a command line without options (the usual
 * scripted call) skips the option parser, whose code is most of what such a
 * short-lived process runs besides the dynamic loader (bench/xsctl/README).
 */
static bool has_option_word(int argc, const char **argv)
{
	for (int i = 0; i < argc; i++)
		if (argv[i][0] == '-')
			return true;
	return false;
}

int xsctl_dispatch(struct xsctl *x, int argc, const char **argv)
{
	const struct hv_verb *v;
	struct poptOption table[32];
	struct hv_common global = x->o.c;
	char synopsis[160];
	poptContext pc;
	const char **args;
	const char *why;
	int rc, nargs;

	v = hv_verb_find(verbs, argv[0], &why);
	if (!v && x->in_script) {
		/* One line for the whole error, with the script line in front. */
		const char *names[32], *s;
		size_t n = 0;

		for (const struct hv_verb *p = verbs; p->name; p++)
			names[n++] = p->name;
		s = hv_suggest(argv[0], names, n);
		if (s)
			return xsctl_usage(x, "%s verb '%s': did you mean '%s'?", why, argv[0], s);
		return xsctl_usage(x, "%s verb '%s'", why, argv[0]);
	}
	if (!v)
		return hv_verb_unknown(verbs, argv[0]);
	if (x->in_script && !script_verb(v->name))
		return xsctl_usage(x, "'%s' cannot run inside a tx or batch script", v->name);

	memset(&x->o, 0, sizeof(x->o));
	/* Output options given before the verb apply to it. */
	x->o.c.json = global.json;
	/* A script line says itself how talkative it is (tx -v, line -q). */
	if (!x->in_script) {
		x->o.c.verbose = global.verbose;
		x->o.c.quiet = global.quiet;
	}
	x->o.depth = -1;
	x->o.count = 0;
	x->o.retries = DEFAULT_RETRIES;
	if (!x->in_script && !has_option_word(argc - 1, argv + 1)) {
		rc = set_transport(x);
		if (!rc)
			rc = v->run(x, argc - 1, argv + 1);
		/* No option strings of this verb: the level above keeps its own. */
		x->o.c.owned = global.owned;
		x->o.c.n_owned = global.n_owned;
		return rc;
	}
	verb_options(x, v->name, table);
	pc = poptGetContext(v->name, argc, argv, table, 0);
	synopsis_of(v, synopsis, sizeof(synopsis));
	rc = hv_popt_parse(pc, table, &x->o.c, synopsis, NULL, MANPAGE);
	if (rc < 0) {
		rc = set_transport(x);
		if (!rc) {
			args = hv_popt_args(pc, &nargs);
			rc = v->run(x, nargs, args);
		}
	}
	poptFreeContext(pc);
	/*
	 * This verb's option strings go; the list of the level above (main's
	 * options, or the tx/batch verb running this script line) comes back
	 * for it to free.
	 */
	hv_common_free(&x->o.c);
	x->o.c.owned = global.owned;
	x->o.c.n_owned = global.n_owned;
	return rc;
}

/* The end of every run: the output written out, the connection closed. */
static int finish(struct xsctl *x, int rc)
{
	if (fflush(stdout) == EOF && !rc)
		rc = hv_fail(-EIO, NULL, "writing the output");
	hv_xs_close(&x->xs);
	return rc;
}

static int run_with_options(struct xsctl *x, int argc, const char **argv)
{
	struct poptOption table[] = {
	    HV_POPT_COMMON(x->o.c),
	    {"socket", 0, POPT_ARG_STRING, &x->o.socket, 0,
	     "use the daemon socket (default /run/xenstored/socket)", "PATH"},
	    {"xenbus", 0, POPT_ARG_NONE, &x->o.xenbus, 0, "use /dev/xen/xenbus", NULL},
	    POPT_TABLEEND};
	const char **args;
	poptContext pc;
	int rc, nargs;

	/* Options before the verb are global; the verb's own parse takes the rest. */
	pc = poptGetContext("xsctl", argc, argv, table, POPT_CONTEXT_POSIXMEHARDER);
	rc = hv_popt_parse(pc, table, &x->o.c, "[OPTIONS] VERB [VERB-OPTIONS] ARGS...", verbs,
			   MANPAGE);
	if (rc >= 0)
		goto out;
	rc = set_transport(x);
	if (rc)
		goto out;
	args = hv_popt_args(pc, &nargs);
	if (nargs < 1) {
		rc = hv_usage_error("no verb given");
		goto out;
	}
	rc = finish(x, xsctl_dispatch(x, nargs, args));
out:
	poptFreeContext(pc);
	hv_common_free(&x->o.c);
	return rc;
}

int main(int argc, char **argv)
{
	struct xsctl x = {.out = stdout, .t = XBT_NULL, .where = "", .xs = {.fd = -1}};

	if (argc > 1 && !has_option_word(argc - 1, (const char **)argv + 1))
		return finish(&x, xsctl_dispatch(&x, argc - 1, (const char **)argv + 1));
	return run_with_options(&x, argc, (const char **)argv);
}
