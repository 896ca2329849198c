// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xsctl: the verb table, each verb with its options. argv and tx/batch
 * script lines go through the same table and parser (lib/verbs.c), so a
 * script line means exactly what the same words mean on the command line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xsctl.h"

#define DEFAULT_RETRIES 100

#define OPT(l, s, kind, field, help, arg)                                                          \
	{                                                                                          \
		l, s, kind, HV_AT(struct xsctl, o.field), 0, help, arg                             \
	}

static const struct poptOption read_options[] = {
    OPT("prefix", 'p', POPT_ARG_NONE, prefix, "prefix each value with its path", NULL),
    OPT("raw", 'r', POPT_ARG_NONE, raw, "print values as raw bytes", NULL),
    OPT("default", 0, POPT_ARG_STRING, def, "print V for missing paths", "V"),
    POPT_TABLEEND,
};

static const struct poptOption write_options[] = {
    OPT("raw", 'r', POPT_ARG_NONE, raw, "take values literally (no \\ escapes)", NULL),
    POPT_TABLEEND,
};

static const struct poptOption rm_options[] = {
    OPT("tidy", 't', POPT_ARG_NONE, tidy, "also remove parents left empty", NULL),
    POPT_TABLEEND,
};

static const struct poptOption paths_options[] = {
    OPT("prefix", 'p', POPT_ARG_NONE, prefix, "print full paths", NULL),
    POPT_TABLEEND,
};

static const struct poptOption tree_options[] = {
    OPT("full", 'f', POPT_ARG_NONE, full, "print full paths", NULL),
    OPT("perms", 'p', POPT_ARG_NONE, prefix, "print permissions", NULL),
    OPT("depth", 0, POPT_ARG_INT, depth, "descend at most N levels", "N"),
    POPT_TABLEEND,
};

static const struct poptOption chmod_options[] = {
    OPT("recursive", 'r', POPT_ARG_NONE, recursive, "also every node below", NULL),
    OPT("up", 'u', POPT_ARG_NONE, up, "also the parents up to the root", NULL),
    POPT_TABLEEND,
};

static const struct poptOption watch_options[] = {
    OPT("count", 'n', POPT_ARG_INT, count, "stop after N events", "N"),
    OPT("timeout", 0, POPT_ARG_STRING, timeout, "stop after S seconds (exit 7)", "S"),
    OPT("skip-initial", 0, POPT_ARG_NONE, skip_initial,
	"skip the event every watch fires when it is set", NULL),
    OPT("depth", 0, POPT_ARG_INT, depth, "ignore changes more than N levels below", "N"),
    POPT_TABLEEND,
};

static const struct poptOption wait_options[] = {
    OPT("value", 0, POPT_ARG_STRING, value, "until PATH holds V", "V"),
    OPT("exists", 0, POPT_ARG_NONE, exists, "until PATH exists (the default)", NULL),
    OPT("gone", 0, POPT_ARG_NONE, gone, "until PATH is gone", NULL),
    OPT("timeout", 0, POPT_ARG_STRING, timeout, "give up after S seconds (exit 7)", "S"),
    POPT_TABLEEND,
};

static const struct poptOption tx_options[] = {
    OPT("file", 'f', POPT_ARG_STRING, file, "read the script from FILE", "FILE"),
    OPT("retries", 0, POPT_ARG_INT, retries, "re-runs after a conflict (default 100)", "N"),
    OPT("dry-run", 'n', POPT_ARG_NONE, dry_run,
	"parse and check the script, print each line's words as JSON", NULL),
    POPT_TABLEEND,
};

static const struct poptOption batch_options[] = {
    OPT("file", 'f', POPT_ARG_STRING, file, "read the script from FILE", "FILE"),
    OPT("dry-run", 'n', POPT_ARG_NONE, dry_run,
	"parse and check the script, print each line's words as JSON", NULL),
    POPT_TABLEEND,
};

static const struct poptOption incr_options[] = {
    OPT("retries", 0, POPT_ARG_INT, retries, "re-runs after a conflict (default 100)", "N"),
    POPT_TABLEEND,
};

static const struct poptOption restore_options[] = {
    OPT("to", 0, POPT_ARG_STRING, to, "re-create under PATH instead", "PATH"),
    OPT("replace", 0, POPT_ARG_NONE, replace, "remove the target subtree first", NULL),
    POPT_TABLEEND,
};

/* Every verb checks its arguments itself: a script line reports them with its number. */
#define ANY .max_args = -1

static const struct hv_verb verbs[] = {
    {.name = "read",
     .run = xsctl_read,
     .args = "[-p] [-r] [--default V] PATH...",
     .summary = "print values",
     .options = read_options,
     ANY},
    {.name = "write",
     .run = xsctl_write,
     .args = "[-r] PATH VALUE [PATH VALUE...]",
     .summary = "set values (- reads stdin)",
     .options = write_options,
     ANY},
    {.name = "mkdir", .run = xsctl_mkdir, .args = "PATH...", .summary = "create empty nodes", ANY},
    {.name = "rm",
     .run = xsctl_rm,
     .args = "[-t] PATH...",
     .summary = "remove nodes and their children",
     .options = rm_options,
     ANY},
    {.name = "exists",
     .run = xsctl_exists,
     .args = "PATH...",
     .summary = "exit status 0 if all exist, 3 if not",
     ANY},
    {.name = "incr",
     .run = xsctl_incr,
     .args = "PATH [DELTA]",
     .summary = "add to an integer value atomically",
     .options = incr_options,
     ANY},
    {.name = "ls",
     .run = xsctl_ls,
     .args = "[-p] PATH",
     .summary = "list children",
     .options = paths_options,
     ANY},
    {.name = "tree",
     .run = xsctl_tree,
     .args = "[-f] [-p] [--depth N] [PATH]",
     .summary = "print a subtree",
     .options = tree_options,
     ANY},
    {.name = "perms",
     .run = xsctl_perms,
     .args = "[-p] PATH...",
     .summary = "print permissions",
     .options = paths_options,
     ANY},
    {.name = "chmod",
     .run = xsctl_chmod,
     .args = "[-r] [-u] PATH PERM...",
     .summary = "set permissions (n/r/w/b<domid>)",
     .options = chmod_options,
     ANY},
    {.name = "domain-path",
     .run = xsctl_domain_path,
     .args = "DOMID",
     .summary = "print a domain's home path",
     ANY},
    {.name = "watch",
     .run = xsctl_watch,
     .args = "[-n N] [--timeout S] [--skip-initial] [--depth N] PATH...",
     .summary = "print changes as they happen",
     .options = watch_options,
     ANY},
    {.name = "wait",
     .run = xsctl_wait,
     .args = "[--value V|--exists|--gone] --timeout S PATH",
     .summary = "wait until a condition holds",
     .options = wait_options,
     ANY},
    {.name = "tx",
     .run = xsctl_tx,
     .args = "[-f FILE] [--retries N] [--dry-run]",
     .summary = "run script lines in one transaction",
     .options = tx_options,
     ANY},
    {.name = "batch",
     .run = xsctl_batch,
     .args = "[-f FILE] [--dry-run]",
     .summary = "run script lines on one connection",
     .options = batch_options,
     ANY},
    {.name = "dump",
     .run = xsctl_dump,
     .args = "[PATH]",
     .summary = "print a subtree as JSON",
     ANY},
    {.name = "restore",
     .run = xsctl_restore,
     .args = "[--to PATH] [--replace] FILE",
     .summary = "re-create a dump in one transaction",
     .options = restore_options,
     ANY},
    {.name = "control",
     .run = xsctl_control,
     .args = "CMD [ARGS...]",
     .summary = "send the store daemon an introspection command",
     ANY},
    {.name = "quota",
     .run = xsctl_quota,
     .args = "[DOMID]",
     .summary = "print a domain's quotas and use (default 0)",
     ANY},
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

static int ready(void *ctx, const struct hv_verb *v)
{
	int rc = set_transport(ctx);

	(void)v;
	return rc ? rc : -1;
}

static const struct poptOption tool_options[] = {
    OPT("socket", 0, POPT_ARG_STRING, socket,
	"use the daemon socket (default /run/xenstored/socket)", "PATH"),
    OPT("xenbus", 0, POPT_ARG_NONE, xenbus, "use /dev/xen/xenbus", NULL),
    POPT_TABLEEND,
};

static const struct hv_tool tool = {
    .synopsis = "[OPTIONS] VERB [VERB-OPTIONS] ARGS...",
    .manpage = "xsctl(1)",
    .verbs = verbs,
    .options = tool_options,
    .common = HV_AT(struct xsctl, o.c),
    .ready = ready,
};

/* Options a verb starts from, on the command line and on each script line. */
static void verb_defaults(struct xsctl *x)
{
	x->o.depth = -1;
	x->o.count = 0;
	x->o.retries = DEFAULT_RETRIES;
}

int xsctl_dispatch(struct xsctl *x, int argc, const char **argv)
{
	const struct hv_verb *v;
	struct hv_common global = x->o.c;
	const char *why, *names[32], *s;
	size_t n = 0;
	int rc;

	v = hv_verb_find(verbs, argv[0], &why);
	if (!v) {
		/* One line for the whole error, with the script line in front. */
		for (const struct hv_verb *p = verbs; p->name; p++)
			names[n++] = p->name;
		s = hv_suggest(argv[0], names, n);
		if (s)
			return xsctl_usage(x, "%s verb '%s': did you mean '%s'?", why, argv[0], s);
		return xsctl_usage(x, "%s verb '%s'", why, argv[0]);
	}
	if (!script_verb(v->name))
		return xsctl_usage(x, "'%s' cannot run inside a tx or batch script", v->name);
	memset(&x->o, 0, sizeof(x->o));
	/*
	 * Output options of the command line apply to every line; a script
	 * line says itself how talkative it is (tx -v, line -q).
	 */
	x->o.c.json = global.json;
	verb_defaults(x);
	rc = hv_run_verb(&tool, x, NULL, v, argc, argv);
	/*
	 * This line's option strings go; the list of the tx/batch verb
	 * running the script comes back for it to free.
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

int main(int argc, char **argv)
{
	struct xsctl x = {.out = stdout, .t = XBT_NULL, .where = "", .xs = {.fd = -1}};

	verb_defaults(&x);
	return finish(&x, hv_run(&tool, &x, argc, (const char **)argv));
}
