// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gntshare: verbs and options. Every argument is parsed and range-checked
 * here, before a verb opens a device: a bad size must never leave a grant
 * allocated behind it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "gntshare.h"
#include "parse.h"
#include "xs.h"

#define MANPAGE "gntshare(1)"

static const char syn_share[] = "share --domid D [--pages N] [OPTIONS] [--exec CMD [ARGS...]]";
static const char syn_map[] = "map --domid D REF... [OPTIONS]\n"
			      "map --refs-from XSPATH [OPTIONS]";
static const char syn_status[] = "status [--json]";
static const char syn_evtchn[] =
    "evtchn alloc --domid D [--wait [--timeout S]] [--exec CMD [ARGS...]]\n"
    "evtchn bind --domid D --remote-port P [--notify] [--wait [--timeout S]] [--exec CMD...]\n"
    "evtchn notify|close [--fd N] [PORT]\n"
    "evtchn wait [--fd N] [--timeout S] [PORT]";
static const char syn_vchan[] =
    "vchan listen --domid D --path XSPATH [--ring-size N] [OPTIONS] [--exec CMD...]\n"
    "vchan connect --domid D --path XSPATH [OPTIONS] [--exec CMD [ARGS...]]";
static const char synopsis[] = "[-j] [-v|-q] VERB [OPTIONS]\n"
			       "share --domid D [--pages N] [OPTIONS] [--exec CMD [ARGS...]]\n"
			       "map --domid D REF... [OPTIONS]\n"
			       "map --refs-from XSPATH [OPTIONS]\n"
			       "status [--json]\n"
			       "evtchn alloc|bind|notify|wait|close [OPTIONS]\n"
			       "vchan listen|connect --domid D --path XSPATH [OPTIONS]";

static int run_share(void *ctx, int argc, const char **argv);
static int run_map(void *ctx, int argc, const char **argv);
static int run_status(void *ctx, int argc, const char **argv);
static int run_evtchn(void *ctx, int argc, const char **argv);
static int run_vchan(void *ctx, int argc, const char **argv);

static const struct hv_verb verbs[] = {
    {.name = "share",
     .run = run_share,
     .args = "--domid D [OPTIONS]",
     .summary = "grant pages to a domain and hold them"},
    {.name = "map",
     .run = run_map,
     .args = "--domid D REF... [OPTIONS]",
     .summary = "map a domain's grants, read or write them"},
    {.name = "status",
     .run = run_status,
     .args = "",
     .summary = "this domain's id, the grant limits, what is available"},
    {.name = "evtchn",
     .run = run_evtchn,
     .args = "alloc|bind|notify|wait|close [OPTIONS]",
     .summary = "event channels: make, bind, kick and wait on ports"},
    {.name = "vchan",
     .run = run_vchan,
     .args = "listen|connect --domid D --path XSPATH",
     .summary = "a byte stream to another domain (libxenvchan)"},
    {.name = NULL},
};

static int bad_value(const char *opt, const char *val, int err, const char *expect)
{
	return hv_usage_error("%s '%s': %s (expected %s)", opt, val,
			      err == -ERANGE ? "out of range" : "not a number", expect);
}

static int parse_domid(const char *s, uint16_t *out)
{
	uint64_t v;
	int rc = hv_parse_dec(s, 0, GS_DOMID_MAX, &v);

	if (rc)
		return bad_value("--domid", s, rc, "a domain id 0..32751");
	*out = (uint16_t)v;
	return 0;
}

static int parse_notify(const char *byte, const char *port, struct gs_notify *n)
{
	uint64_t v;
	int rc;

	if (byte) {
		rc = hv_parse_size(byte, 0, (uint64_t)GS_PAGES_MAX * GS_PAGE_SIZE - 1, &v);
		if (rc)
			return bad_value("--notify-byte", byte, rc, "a byte offset into the pages");
		n->byte = true;
		n->byte_off = v;
	}
	if (port) {
		/* Event channel ports are 0 < port < 2^17 (FIFO ABI). */
		rc = hv_parse_dec(port, 1, (1u << 17) - 1, &v);
		if (rc)
			return bad_value("--notify-port", port, rc,
					 "an event channel port 1..131071");
		n->event = true;
		n->port = (uint32_t)v;
	}
	return 0;
}

/* A REF argument may hold several, space-separated, as 'share' prints them. */
static int parse_refs(const char **args, int nargs, uint32_t **refs, uint32_t *count)
{
	uint64_t n = 0, v;
	uint32_t *r;
	int rc;

	for (int i = 0; i < nargs; i++) {
		const char *p = args[i];

		while (*p) {
			p += strspn(p, " \t\n");
			if (*p)
				n++;
			p += strcspn(p, " \t\n");
		}
	}
	if (!n)
		return hv_usage_error("map needs at least one REF, or --refs-from XSPATH");
	if (n > GS_PAGES_MAX)
		return hv_usage_error("map: %llu refs, at most %u", (unsigned long long)n,
				      GS_PAGES_MAX);
	r = calloc(n, sizeof(*r));
	if (!r)
		return hv_fail(-ENOMEM, NULL, "refs");
	n = 0;
	for (int i = 0; i < nargs; i++) {
		char *dup = strdup(args[i]), *tok, *save = NULL;

		if (!dup) {
			free(r);
			return hv_fail(-ENOMEM, NULL, "refs");
		}
		for (char *s = dup; (tok = strtok_r(s, " \t\n", &save)); s = NULL) {
			rc = hv_parse_dec(tok, 0, UINT32_MAX, &v);
			if (rc) {
				rc = bad_value("REF", tok, rc, "a grant reference 0..4294967295");
				free(dup);
				free(r);
				return rc;
			}
			r[n++] = (uint32_t)v;
		}
		free(dup);
	}
	*refs = r;
	*count = (uint32_t)n;
	return 0;
}

static int check_xs_path(const char *opt, const char *path)
{
	const char *why;
	int rc = hv_xs_check_path(path, false, &why);

	/* Messages are one bounded line: long paths are cut. */
	if (rc)
		return hv_usage_error("%s '%.64s%s': %s", opt, path, strlen(path) > 64 ? "..." : "",
				      why ? why : "invalid XenStore path");
	return 0;
}

/*
 * popt around the verb's table, with the common options accepted after the
 * verb too. Returns 0 and the remaining args, or an exit code.
 */
static int parse_verb(struct gs_ctx *c, int argc, const char **argv, struct poptOption *table,
		      const char *verb_synopsis, poptContext *pcp, const char ***args, int *nargs)
{
	poptContext pc = poptGetContext(argv[0], argc, argv, table, 0);
	int rc;

	rc = hv_popt_parse(pc, table, &c->common, verb_synopsis, NULL, MANPAGE);
	if (rc >= 0) {
		poptFreeContext(pc);
		return rc ? rc : -1;
	}
	*args = hv_popt_args(pc, nargs);
	*pcp = pc;
	c->verb_pc = pc;
	return 0;
}

/* The common options, accepted after the verb as well. */
#define COMMON_TABLE(t)                                                                            \
	{                                                                                          \
		NULL, '\0', POPT_ARG_INCLUDE_TABLE, (t), 0, "Common options:", NULL                \
	}

/*
 * Everything after --exec (-e) belongs to the command: the verb's options
 * end there. Returns how many words come before it (argc without one) and
 * sets *exec_argv to the command; -1 when --exec has no command.
 */
static int split_exec(int argc, const char **argv, const char ***exec_argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exec") || !strcmp(argv[i], "-e")) {
			*exec_argv = argv + i + 1;
			return **exec_argv ? i : -1;
		}
	}
	return argc;
}

/*
 * The sub-verb argv[1] names, of a verb that has them (evtchn, vchan): a
 * prefix will do. 0 with *v set; otherwise *v is NULL and the result is the
 * verb's: 0 after "VERB --help" (every sub-verb's options), or a usage
 * error ("VERB needs NEEDS" when none is given).
 */
static int find_sub_verb(int argc, const char **argv, struct poptOption *table, const char *verb,
			 const char *verb_synopsis, const struct hv_verb *subs, const char *needs,
			 const struct hv_verb **v)
{
	const char *why;
	poptContext pc;

	*v = NULL;
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			pc = poptGetContext(verb, argc, argv, table, 0);
			hv_print_help(stdout, pc, verb_synopsis, subs, MANPAGE);
			poptFreeContext(pc);
			return 0;
		}
		return hv_usage_error("%s needs %s", verb, needs);
	}
	*v = hv_verb_find(subs, argv[1], &why);
	return *v ? 0 : hv_verb_unknown(subs, argv[1]);
}

static int run_share(void *ctx, int argc, const char **argv)
{
	struct gs_ctx *c = ctx;
	struct gs_share_opts o = {0};
	const char *domid = NULL, *pages = NULL, *nbyte = NULL, *nport = NULL;
	const char *from = NULL, *to = NULL, *publish = NULL;
	int readonly = 0, hold = 0, hexdump = 0;
	struct poptOption common[] = {HV_POPT_COMMON(c->common), POPT_TABLEEND};
	struct poptOption table[] = {
	    {"domid", 'd', POPT_ARG_STRING, &domid, 0, "domain that may map the pages", "D"},
	    {"pages", 'n', POPT_ARG_STRING, &pages, 0, "number of pages (default 1)", "N"},
	    {"readonly", 'r', POPT_ARG_NONE, &readonly, 0, "the peer may only read", NULL},
	    {"from", 'f', POPT_ARG_STRING, &from, 0, "fill the pages from FILE or stdin", "FILE|-"},
	    {"to", 'o', POPT_ARG_STRING, &to, 0, "at release, save the pages to FILE or stdout",
	     "FILE|-"},
	    {"hexdump", 'x', POPT_ARG_NONE, &hexdump, 0, "--to as a hexdump", NULL},
	    {"notify-byte", '\0', POPT_ARG_STRING, &nbyte, 0,
	     "clear this byte when the pages are released", "OFF"},
	    {"notify-port", '\0', POPT_ARG_STRING, &nport, 0,
	     "signal this event channel when released", "PORT"},
	    {"publish", 'p', POPT_ARG_STRING, &publish, 0,
	     "write the refs to XenStore, remove them on release", "XSPATH"},
	    {"hold", '\0', POPT_ARG_NONE, &hold, 0, "ignore stdin: hold until a signal", NULL},
	    {"exec", 'e', POPT_ARG_NONE, NULL, 0,
	     "run CMD with the refs in its environment, release when it exits (last)",
	     "CMD [ARGS...]"},
	    COMMON_TABLE(common),
	    POPT_TABLEEND};
	const char **args, **exec_argv = NULL;
	poptContext pc;
	int nargs, rc, n;

	n = split_exec(argc, argv, &exec_argv);
	if (n < 0)
		return hv_usage_error("--exec needs a command");
	rc = parse_verb(c, n, argv, table, syn_share, &pc, &args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs)
		return hv_usage_error("share: unexpected argument '%s'", args[0]);
	if (!domid)
		return hv_usage_error("share needs --domid D (the domain that will map the pages)");
	rc = parse_domid(domid, &o.domid);
	if (rc)
		return rc;
	o.pages = 1;
	if (pages) {
		uint64_t v;

		rc = hv_parse_dec(pages, 1, GS_PAGES_MAX, &v);
		if (rc)
			return bad_value("--pages", pages, rc, "1..1048576");
		o.pages = (uint32_t)v;
	}
	rc = parse_notify(nbyte, nport, &o.notify);
	if (rc)
		return rc;
	rc = gs_check_notify(&o.notify, (uint64_t)o.pages * GS_PAGE_SIZE, "shared pages");
	if (rc)
		return rc;
	if (publish && (rc = check_xs_path("--publish", publish)))
		return rc;
	if (hexdump && !to)
		return hv_usage_error("--hexdump formats --to: give --to FILE or --to -");
	if (exec_argv && hold)
		return hv_usage_error(
		    "--hold and --exec exclude each other (--exec holds until CMD exits)");
	o.readonly = readonly;
	o.hold = hold;
	o.hexdump = hexdump;
	o.from = from;
	o.to = to;
	o.publish = publish;
	o.exec_argv = exec_argv;
	return gs_share(c, &o);
}

static int map_checked(struct gs_ctx *c, struct gs_map_opts *po, const char *offset,
		       const char *length, const char *nbyte, const char *nport, const char *to,
		       int hexdump);

static int run_map(void *ctx, int argc, const char **argv)
{
	struct gs_ctx *c = ctx;
	struct gs_map_opts o = {0};
	const char *domid = NULL, *offset = NULL, *length = NULL, *nbyte = NULL, *nport = NULL;
	const char *from = NULL, *to = NULL, *refs_from = NULL;
	int writable = 0, hold = 0, hexdump = 0;
	struct poptOption common[] = {HV_POPT_COMMON(c->common), POPT_TABLEEND};
	struct poptOption table[] = {
	    {"domid", 'd', POPT_ARG_STRING, &domid, 0, "the domain that granted the refs", "D"},
	    {"writable", 'w', POPT_ARG_NONE, &writable, 0, "map read/write", NULL},
	    {"offset", '\0', POPT_ARG_STRING, &offset, 0, "start at this byte of the pages", "O"},
	    {"length", '\0', POPT_ARG_STRING, &length, 0, "this many bytes", "L"},
	    {"from", 'f', POPT_ARG_STRING, &from, 0, "write FILE or stdin into the pages",
	     "FILE|-"},
	    {"to", 'o', POPT_ARG_STRING, &to, 0, "save the content to FILE (default stdout)",
	     "FILE|-"},
	    {"hexdump", 'x', POPT_ARG_NONE, &hexdump, 0, "print the content as a hexdump", NULL},
	    {"notify-byte", '\0', POPT_ARG_STRING, &nbyte, 0,
	     "clear this byte when we unmap (implies --writable)", "OFF"},
	    {"notify-port", '\0', POPT_ARG_STRING, &nport, 0,
	     "signal this event channel when we unmap", "PORT"},
	    {"refs-from", '\0', POPT_ARG_STRING, &refs_from, 0,
	     "read domid and refs that 'share --publish' wrote", "XSPATH"},
	    {"hold", '\0', POPT_ARG_NONE, &hold, 0, "keep the mapping until a signal, then output",
	     NULL},
	    COMMON_TABLE(common),
	    POPT_TABLEEND};
	const char **args;
	poptContext pc;
	int nargs, rc;

	rc = parse_verb(c, argc, argv, table, syn_map, &pc, &args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	o.writable = writable;
	o.hold = hold;
	o.hexdump = hexdump;
	o.from = from;
	o.to = to;
	o.refs_from = refs_from;
	if (domid) {
		rc = parse_domid(domid, &o.domid);
		if (rc)
			return rc;
		o.have_domid = true;
	}
	if (refs_from) {
		if (nargs)
			return hv_usage_error("--refs-from and REF arguments exclude each other");
		rc = check_xs_path("--refs-from", refs_from);
		if (rc)
			return rc;
	} else {
		if (!domid)
			return hv_usage_error(
			    "map needs --domid D (the domain that granted the refs)");
		rc = parse_refs(args, nargs, &o.refs, &o.count);
		if (rc)
			return rc;
	}
	rc = map_checked(c, &o, offset, length, nbyte, nport, to, hexdump);
	free(o.refs);
	return rc;
}

/* The rest of map's checks, with the refs allocated (the caller frees them). */
static int map_checked(struct gs_ctx *c, struct gs_map_opts *po, const char *offset,
		       const char *length, const char *nbyte, const char *nport, const char *to,
		       int hexdump)
{
	struct gs_map_opts o = *po;
	uint64_t v;
	int rc;

	if (offset) {
		rc = hv_parse_size(offset, 0, (uint64_t)GS_PAGES_MAX * GS_PAGE_SIZE - 1, &v);
		if (rc)
			return bad_value("--offset", offset, rc, "a byte offset into the pages");
		o.have_offset = true;
		o.offset = v;
	}
	if (length) {
		rc = hv_parse_size(length, 1, (uint64_t)GS_PAGES_MAX * GS_PAGE_SIZE, &v);
		if (rc)
			return bad_value("--length", length, rc, "a byte count of at least 1");
		o.have_length = true;
		o.length = v;
	}
	rc = parse_notify(nbyte, nport, &o.notify);
	if (rc)
		return rc;
	if (o.count) {
		uint64_t size = (uint64_t)o.count * GS_PAGE_SIZE;

		/* Known now with REFs on the command line; --refs-from checks later. */
		if (o.have_offset && o.offset >= size)
			return hv_usage_error("--offset %llu is outside the %u page%s (%llu bytes)",
					      (unsigned long long)o.offset, o.count,
					      o.count == 1 ? "" : "s", (unsigned long long)size);
		if (o.have_length && o.length > size - (o.have_offset ? o.offset : 0))
			return hv_usage_error("--length %llu goes past the %u page%s (%llu bytes)",
					      (unsigned long long)o.length, o.count,
					      o.count == 1 ? "" : "s", (unsigned long long)size);
		rc = gs_check_notify(&o.notify, size, "mapped pages");
		if (rc)
			return rc;
	}
	if (c->common.json && to && !strcmp(to, "-"))
		return hv_usage_error("--json prints a record on stdout: give --to a FILE");
	if (c->common.json && hexdump && !to)
		return hv_usage_error("--json prints a record on stdout: give --to a FILE");
	rc = gs_map(c, &o);
	/* --refs-from allocated the refs in the copy: the caller frees them. */
	po->refs = o.refs;
	return rc;
}

static int run_status(void *ctx, int argc, const char **argv)
{
	struct gs_ctx *c = ctx;
	struct poptOption common[] = {HV_POPT_COMMON(c->common), POPT_TABLEEND};
	struct poptOption table[] = {COMMON_TABLE(common), POPT_TABLEEND};
	const char **args;
	poptContext pc;
	int nargs, rc;

	rc = parse_verb(c, argc, argv, table, syn_status, &pc, &args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs)
		return hv_usage_error("status: unexpected argument '%s'", args[0]);
	return gs_status(c);
}

/* evtchn's sub-verbs: only their names (prefixes allowed) are looked up. */
static const struct hv_verb evtchn_verbs[] = {
    {.name = "alloc",
     .run = NULL,
     .args = "--domid D",
     .summary = "a port for domain D to bind; print it, hold it"},
    {.name = "bind",
     .run = NULL,
     .args = "--domid D --remote-port P",
     .summary = "bind D's port P; print ours, hold it"},
    {.name = "notify",
     .run = NULL,
     .args = "[PORT]",
     .summary = "signal the peer of a port (under --exec)"},
    {.name = "wait",
     .run = NULL,
     .args = "[PORT]",
     .summary = "wait for an event on a port (under --exec)"},
    {.name = "close", .run = NULL, .args = "[PORT]", .summary = "unbind a port (under --exec)"},
    {.name = NULL},
};

static int run_evtchn(void *ctx, int argc, const char **argv)
{
	struct gs_ctx *c = ctx;
	struct gs_evtchn_opts o = {.fd = -1, .timeout_ms = -1};
	const char *domid = NULL, *rport = NULL, *timeout = NULL, *fd = NULL;
	int notify = 0, wait = 0;
	struct poptOption common[] = {HV_POPT_COMMON(c->common), POPT_TABLEEND};
	struct poptOption table[] = {
	    {"domid", 'd', POPT_ARG_STRING, &domid, 0, "alloc, bind: the domain at the other end",
	     "D"},
	    {"remote-port", 'p', POPT_ARG_STRING, &rport, 0,
	     "bind: the port that domain allocated for us", "P"},
	    {"notify", '\0', POPT_ARG_NONE, &notify, 0, "bind: signal the peer once bound", NULL},
	    {"wait", '\0', POPT_ARG_NONE, &wait, 0,
	     "alloc, bind: hold the port until its first event", NULL},
	    {"timeout", 't', POPT_ARG_STRING, &timeout, 0,
	     "--wait, wait: give up after S seconds (exit 7)", "S"},
	    {"fd", '\0', POPT_ARG_STRING, &fd, 0,
	     "notify, wait, close: the descriptor (default $GNTSHARE_EVTCHN_FD)", "N"},
	    {"exec", 'e', POPT_ARG_NONE, NULL, 0,
	     "alloc, bind: run CMD with the port, close it when CMD exits (last)", "CMD [ARGS...]"},
	    COMMON_TABLE(common),
	    POPT_TABLEEND};
	const struct hv_verb *v;
	const char **args;
	poptContext pc;
	int nargs, rc, n;
	uint64_t val;

	rc = find_sub_verb(argc, argv, table, "evtchn", syn_evtchn, evtchn_verbs,
			   "alloc, bind, notify, wait or close", &v);
	if (!v)
		return rc;
	o.verb = v->name;
	argc--;
	argv++;
	n = split_exec(argc, argv, &o.exec_argv);
	if (n < 0)
		return hv_usage_error("--exec needs a command");
	rc = parse_verb(c, n, argv, table, syn_evtchn, &pc, &args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	o.bind = !strcmp(o.verb, "bind");
	o.notify = notify;
	o.wait = wait;
	if (timeout) {
		if (hv_parse_duration_ms(timeout, 86400000ULL, &val))
			return hv_usage_error(
			    "--timeout '%s': expected seconds (e.g. 2, 0.5, 300ms)", timeout);
		o.timeout_ms = (int64_t)val;
	}
	if (!strcmp(o.verb, "alloc") || o.bind) {
		if (nargs)
			return hv_usage_error("evtchn %s: unexpected argument '%s'", o.verb,
					      args[0]);
		if (fd)
			return hv_usage_error(
			    "evtchn %s opens a descriptor of its own: --fd is for "
			    "notify, wait and close",
			    o.verb);
		if (!domid)
			return hv_usage_error("evtchn %s needs --domid D (the domain at the other "
					      "end)",
					      o.verb);
		rc = parse_domid(domid, &o.domid);
		if (rc)
			return rc;
		if (o.bind) {
			if (!rport)
				return hv_usage_error("evtchn bind needs --remote-port P (the port "
						      "the other domain allocated)");
			/* Event channel ports are 0 < port < 2^17 (FIFO ABI). */
			rc = hv_parse_dec(rport, 1, (1u << 17) - 1, &val);
			if (rc)
				return bad_value("--remote-port", rport, rc,
						 "an event channel port 1..131071");
			o.remote_port = (uint32_t)val;
		} else if (rport || notify) {
			return hv_usage_error("evtchn alloc: %s is for bind (nobody is bound to a "
					      "new port yet)",
					      rport ? "--remote-port" : "--notify");
		}
		if (timeout && !wait)
			return hv_usage_error("evtchn %s: --timeout goes with --wait", o.verb);
		if (wait && o.exec_argv)
			return hv_usage_error("--wait and --exec exclude each other (--exec holds "
					      "until CMD exits)");
		return gs_evtchn(c, &o);
	}
	if (domid || rport || notify || wait || o.exec_argv)
		return hv_usage_error("evtchn %s takes only [--fd N]%s [PORT]", o.verb,
				      strcmp(o.verb, "wait") ? "" : " [--timeout S]");
	if (timeout && strcmp(o.verb, "wait"))
		return hv_usage_error("evtchn %s: --timeout is for wait", o.verb);
	if (nargs > 1)
		return hv_usage_error("evtchn %s: one PORT at most", o.verb);
	if (nargs || getenv("GNTSHARE_PORT")) {
		const char *p = nargs ? args[0] : getenv("GNTSHARE_PORT");

		rc = hv_parse_dec(p, 1, (1u << 17) - 1, &val);
		if (rc)
			return bad_value(nargs ? "PORT" : "GNTSHARE_PORT", p, rc,
					 "an event channel port 1..131071");
		o.port = (uint32_t)val;
	} else {
		return hv_usage_error("evtchn %s needs PORT (or GNTSHARE_PORT from alloc|bind "
				      "--exec)",
				      o.verb);
	}
	if (fd) {
		rc = hv_parse_dec(fd, 0, INT32_MAX, &val);
		if (rc)
			return bad_value("--fd", fd, rc, "an open descriptor number");
		o.fd = (int)val;
	}
	return gs_evtchn(c, &o);
}

/* vchan's sub-verbs: only their names (prefixes allowed) are looked up. */
static const struct hv_verb vchan_verbs[] = {
    {.name = "listen",
     .run = NULL,
     .args = "--domid D --path XSPATH",
     .summary = "offer a stream to domain D at XSPATH"},
    {.name = "connect",
     .run = NULL,
     .args = "--domid D --path XSPATH",
     .summary = "connect to domain D's stream at XSPATH"},
    {.name = NULL},
};

static int run_vchan(void *ctx, int argc, const char **argv)
{
	struct gs_ctx *c = ctx;
	struct gs_vchan_opts o = {.timeout_ms = -1, .ring_size = GS_VCHAN_RING_DEFAULT};
	const char *domid = NULL, *path = NULL, *ring = NULL, *timeout = NULL;
	int recv_only = 0;
	struct poptOption common[] = {HV_POPT_COMMON(c->common), POPT_TABLEEND};
	struct poptOption table[] = {
	    {"domid", 'd', POPT_ARG_STRING, &domid, 0, "the domain at the other end", "D"},
	    {"path", 'p', POPT_ARG_STRING, &path, 0,
	     "the XenStore directory of the handshake (at most 49 bytes)", "XSPATH"},
	    {"ring-size", 'n', POPT_ARG_STRING, &ring, 0,
	     "listen: bytes per direction, 1024..1M (default 64K)", "N"},
	    {"timeout", 't', POPT_ARG_STRING, &timeout, 0,
	     "give up connecting after S seconds (exit 7)", "S"},
	    {"receive-only", 'r', POPT_ARG_NONE, &recv_only, 0,
	     "send nothing: the peer's close ends the stream", NULL},
	    {"exec", 'e', POPT_ARG_NONE, NULL, 0,
	     "stream to CMD's stdin and from its stdout (last)", "CMD [ARGS...]"},
	    COMMON_TABLE(common),
	    POPT_TABLEEND};
	const struct hv_verb *v;
	const char **args;
	poptContext pc;
	int nargs, rc, n;
	uint64_t val;

	rc = find_sub_verb(argc, argv, table, "vchan", syn_vchan, vchan_verbs, "listen or connect",
			   &v);
	if (!v)
		return rc;
	o.verb = v->name;
	o.listen = !strcmp(o.verb, "listen");
	argc--;
	argv++;
	n = split_exec(argc, argv, &o.exec_argv);
	if (n < 0)
		return hv_usage_error("--exec needs a command");
	rc = parse_verb(c, n, argv, table, syn_vchan, &pc, &args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs)
		return hv_usage_error("vchan %s: unexpected argument '%s'", o.verb, args[0]);
	if (!domid)
		return hv_usage_error("vchan %s needs --domid D (the domain at the other end)",
				      o.verb);
	rc = parse_domid(domid, &o.domid);
	if (rc)
		return rc;
	if (!path)
		return hv_usage_error("vchan %s needs --path XSPATH (where the two ends meet in "
				      "XenStore)",
				      o.verb);
	rc = check_xs_path("--path", path);
	if (rc)
		return rc;
	if (strlen(path) > GS_VCHAN_PATH_MAX)
		return hv_usage_error("--path '%.64s': %zu bytes, libxenvchan takes at most %u",
				      path, strlen(path), GS_VCHAN_PATH_MAX);
	o.path = path;
	if (ring) {
		if (!o.listen)
			return hv_usage_error("vchan connect: --ring-size is for listen (the "
					      "listening side sizes the rings)");
		rc = hv_parse_size(ring, 1024, GS_VCHAN_RING_MAX, &val);
		if (rc)
			return bad_value("--ring-size", ring, rc, "1024..1048576 bytes");
		o.ring_size = (size_t)val;
	}
	if (timeout) {
		if (hv_parse_duration_ms(timeout, 86400000ULL, &val))
			return hv_usage_error(
			    "--timeout '%s': expected seconds (e.g. 2, 0.5, 300ms)", timeout);
		o.timeout_ms = (int64_t)val;
	}
	o.receive_only = recv_only;
	if (recv_only && o.exec_argv)
		return hv_usage_error("--receive-only and --exec exclude each other (the "
				      "command's output is the input)");
	return gs_vchan(c, &o);
}

int main(int argc, const char **argv)
{
	struct gs_ctx c = {0};
	struct poptOption table[] = {HV_POPT_COMMON(c.common), POPT_TABLEEND};
	const struct hv_verb *v;
	const char **args, *why;
	poptContext pc;
	int rc, nargs;

	if (hv_path_init_env(&c.root) < 0)
		return hv_fail(-ENAMETOOLONG, NULL, "HVUTILS_SYSROOT");
	/* Options before the verb are the common ones; the verb's own follow it. */
	pc = poptGetContext(NULL, argc, argv, table, POPT_CONTEXT_POSIXMEHARDER);
	rc = hv_popt_parse(pc, table, &c.common, synopsis, verbs, MANPAGE);
	if (rc >= 0)
		goto out;
	args = hv_popt_args(pc, &nargs);
	if (!nargs) {
		rc = hv_usage_error("missing verb (share, map, status, evtchn or vchan)");
		goto out;
	}
	v = hv_verb_find(verbs, args[0], &why);
	if (!v) {
		rc = hv_verb_unknown(verbs, args[0]);
		goto out;
	}
	rc = v->run(&c, nargs, args);
	fflush(stdout);
out:
	if (c.verb_pc)
		poptFreeContext(c.verb_pc);
	poptFreeContext(pc);
	hv_common_free(&c.common);
	return rc;
}
