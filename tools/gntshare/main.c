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

/* The verbs' --help synopses where "VERB ARGS" would not say enough. */
static const char syn_share[] = "share --domid D [--pages N] [OPTIONS] [--exec CMD [ARGS...]]";
static const char syn_map[] = "map --domid D REF... [OPTIONS]\n"
			      "map --refs-from XSPATH [OPTIONS]";
static const char syn_status[] = "status [--json]";
static const char syn_evtchn[] =
    "evtchn alloc --domid D [--wait [--timeout S]] [--exec CMD [ARGS...]]\n"
    "evtchn bind --domid D --remote-port P [--notify] [--wait [--timeout S]] [--exec CMD...]\n"
    "evtchn notify|close [--fd N] [PORT]\n"
    "evtchn wait [--fd N] [--timeout S] [PORT]";
static const char syn_vchan[] = "vchan listen --domid D --path XSPATH [--ring-size N] [--timeout S]"
				" [--receive-only | --exec CMD...]\n"
				"vchan connect --domid D --path XSPATH [--timeout S]"
				" [--receive-only | --exec CMD...]";
static const char synopsis[] = "[-j] [-v|-q] VERB [OPTIONS]\n"
			       "share --domid D [--pages N] [OPTIONS] [--exec CMD [ARGS...]]\n"
			       "map --domid D REF... [OPTIONS]\n"
			       "map --refs-from XSPATH [OPTIONS]\n"
			       "status [--json]\n"
			       "evtchn alloc|bind|notify|wait|close [OPTIONS]\n"
			       "vchan listen|connect --domid D --path XSPATH [OPTIONS]";

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

/* Where an option's value goes: a member of the context's struct gs_args. */
#define ARG(member) HV_AT(struct gs_ctx, arg.member)

static const struct poptOption share_options[] = {
    {"domid", 'd', POPT_ARG_STRING, ARG(domid), 0, "domain that may map the pages", "D"},
    {"pages", 'n', POPT_ARG_STRING, ARG(pages), 0, "number of pages (default 1)", "N"},
    {"readonly", 'r', POPT_ARG_NONE, ARG(readonly), 0, "the peer may only read", NULL},
    {"from", 'f', POPT_ARG_STRING, ARG(from), 0, "fill the pages from FILE or stdin", "FILE|-"},
    {"to", 'o', POPT_ARG_STRING, ARG(to), 0, "at release, save the pages to FILE or stdout",
     "FILE|-"},
    {"hexdump", 'x', POPT_ARG_NONE, ARG(hexdump), 0, "--to as a hexdump", NULL},
    {"notify-byte", '\0', POPT_ARG_STRING, ARG(notify_byte), 0,
     "clear this byte when the pages are released", "OFF"},
    {"notify-port", '\0', POPT_ARG_STRING, ARG(notify_port), 0,
     "signal this event channel when released", "PORT"},
    {"publish", 'p', POPT_ARG_STRING, ARG(publish), 0,
     "write the refs to XenStore, remove them on release", "XSPATH"},
    {"hold", '\0', POPT_ARG_NONE, ARG(hold), 0, "ignore stdin: hold until a signal", NULL},
    /* For --help only: hv_run takes the command off before popt sees it. */
    {"exec", 'e', POPT_ARG_NONE, NULL, 0,
     "run CMD with the refs in its environment, release when it exits (last)", "CMD [ARGS...]"},
    POPT_TABLEEND,
};

static const struct poptOption map_options[] = {
    {"domid", 'd', POPT_ARG_STRING, ARG(domid), 0, "the domain that granted the refs", "D"},
    {"writable", 'w', POPT_ARG_NONE, ARG(writable), 0, "map read/write", NULL},
    {"offset", '\0', POPT_ARG_STRING, ARG(offset), 0, "start at this byte of the pages", "O"},
    {"length", '\0', POPT_ARG_STRING, ARG(length), 0, "this many bytes", "L"},
    {"from", 'f', POPT_ARG_STRING, ARG(from), 0, "write FILE or stdin into the pages", "FILE|-"},
    {"to", 'o', POPT_ARG_STRING, ARG(to), 0, "save the content to FILE (default stdout)", "FILE|-"},
    {"hexdump", 'x', POPT_ARG_NONE, ARG(hexdump), 0, "print the content as a hexdump", NULL},
    {"notify-byte", '\0', POPT_ARG_STRING, ARG(notify_byte), 0,
     "clear this byte when we unmap (implies --writable)", "OFF"},
    {"notify-port", '\0', POPT_ARG_STRING, ARG(notify_port), 0,
     "signal this event channel when we unmap", "PORT"},
    {"refs-from", '\0', POPT_ARG_STRING, ARG(refs_from), 0,
     "read domid and refs that 'share --publish' wrote", "XSPATH"},
    {"hold", '\0', POPT_ARG_NONE, ARG(hold), 0, "keep the mapping until a signal, then output",
     NULL},
    POPT_TABLEEND,
};

/*
 * evtchn's sub-verbs. A HIDDEN entry is a sibling's option: parsed all the
 * same so that the handler can say where it goes ("--notify is for bind")
 * rather than popt calling it unknown; --help shows only the verb's own.
 */
#define HIDDEN POPT_ARGFLAG_DOC_HIDDEN

static const struct poptOption evtchn_alloc_options[] = {
    {"domid", 'd', POPT_ARG_STRING, ARG(domid), 0, "the domain that will bind the port", "D"},
    {"wait", '\0', POPT_ARG_NONE, ARG(wait), 0, "hold the port until its first event", NULL},
    {"timeout", 't', POPT_ARG_STRING, ARG(timeout), 0,
     "with --wait: give up after S seconds (exit 7)", "S"},
    {"exec", 'e', POPT_ARG_NONE, NULL, 0, "run CMD with the port, close it when CMD exits (last)",
     "CMD [ARGS...]"},
    {"remote-port", 'p', POPT_ARG_STRING | HIDDEN, ARG(remote_port), 0, NULL, NULL},
    {"notify", '\0', POPT_ARG_NONE | HIDDEN, ARG(notify), 0, NULL, NULL},
    {"fd", '\0', POPT_ARG_STRING | HIDDEN, ARG(fd), 0, NULL, NULL},
    POPT_TABLEEND,
};

static const struct poptOption evtchn_bind_options[] = {
    {"domid", 'd', POPT_ARG_STRING, ARG(domid), 0, "the domain at the other end", "D"},
    {"remote-port", 'p', POPT_ARG_STRING, ARG(remote_port), 0,
     "the port that domain allocated for us", "P"},
    {"notify", '\0', POPT_ARG_NONE, ARG(notify), 0, "signal the peer once bound", NULL},
    {"wait", '\0', POPT_ARG_NONE, ARG(wait), 0, "hold the port until its first event", NULL},
    {"timeout", 't', POPT_ARG_STRING, ARG(timeout), 0,
     "with --wait: give up after S seconds (exit 7)", "S"},
    {"exec", 'e', POPT_ARG_NONE, NULL, 0, "run CMD with the port, close it when CMD exits (last)",
     "CMD [ARGS...]"},
    {"fd", '\0', POPT_ARG_STRING | HIDDEN, ARG(fd), 0, NULL, NULL},
    POPT_TABLEEND,
};

/* notify and close; wait has --timeout too. */
static const struct poptOption evtchn_port_options[] = {
    {"fd", '\0', POPT_ARG_STRING, ARG(fd), 0, "the descriptor (default $GNTSHARE_EVTCHN_FD)", "N"},
    {"timeout", 't', POPT_ARG_STRING | HIDDEN, ARG(timeout), 0, NULL, NULL},
    {"domid", 'd', POPT_ARG_STRING | HIDDEN, ARG(domid), 0, NULL, NULL},
    {"remote-port", 'p', POPT_ARG_STRING | HIDDEN, ARG(remote_port), 0, NULL, NULL},
    {"notify", '\0', POPT_ARG_NONE | HIDDEN, ARG(notify), 0, NULL, NULL},
    {"wait", '\0', POPT_ARG_NONE | HIDDEN, ARG(wait), 0, NULL, NULL},
    POPT_TABLEEND,
};

static const struct poptOption evtchn_wait_options[] = {
    {"fd", '\0', POPT_ARG_STRING, ARG(fd), 0, "the descriptor (default $GNTSHARE_EVTCHN_FD)", "N"},
    {"timeout", 't', POPT_ARG_STRING, ARG(timeout), 0, "give up after S seconds (exit 7)", "S"},
    {"domid", 'd', POPT_ARG_STRING | HIDDEN, ARG(domid), 0, NULL, NULL},
    {"remote-port", 'p', POPT_ARG_STRING | HIDDEN, ARG(remote_port), 0, NULL, NULL},
    {"notify", '\0', POPT_ARG_NONE | HIDDEN, ARG(notify), 0, NULL, NULL},
    {"wait", '\0', POPT_ARG_NONE | HIDDEN, ARG(wait), 0, NULL, NULL},
    POPT_TABLEEND,
};

static const struct poptOption vchan_listen_options[] = {
    {"domid", 'd', POPT_ARG_STRING, ARG(domid), 0, "the domain at the other end", "D"},
    {"path", 'p', POPT_ARG_STRING, ARG(path), 0,
     "the XenStore directory of the handshake (at most 49 bytes)", "XSPATH"},
    {"ring-size", 'n', POPT_ARG_STRING, ARG(ring_size), 0,
     "bytes per direction, 1024..1M (default 64K)", "N"},
    {"timeout", 't', POPT_ARG_STRING, ARG(timeout), 0,
     "give up connecting after S seconds (exit 7)", "S"},
    {"receive-only", 'r', POPT_ARG_NONE, ARG(receive_only), 0,
     "send nothing: the peer's close ends the stream", NULL},
    {"exec", 'e', POPT_ARG_NONE, NULL, 0, "stream to CMD's stdin and from its stdout (last)",
     "CMD [ARGS...]"},
    POPT_TABLEEND,
};

/* listen's but --ring-size: the listening side sizes the rings. */
static const struct poptOption vchan_connect_options[] = {
    {"domid", 'd', POPT_ARG_STRING, ARG(domid), 0, "the domain at the other end", "D"},
    {"path", 'p', POPT_ARG_STRING, ARG(path), 0,
     "the XenStore directory of the handshake (at most 49 bytes)", "XSPATH"},
    {"timeout", 't', POPT_ARG_STRING, ARG(timeout), 0,
     "give up connecting after S seconds (exit 7)", "S"},
    {"receive-only", 'r', POPT_ARG_NONE, ARG(receive_only), 0,
     "send nothing: the peer's close ends the stream", NULL},
    {"exec", 'e', POPT_ARG_NONE, NULL, 0, "stream to CMD's stdin and from its stdout (last)",
     "CMD [ARGS...]"},
    {"ring-size", 'n', POPT_ARG_STRING | HIDDEN, ARG(ring_size), 0, NULL, NULL},
    POPT_TABLEEND,
};

static int run_share(void *ctx, int argc, const char **argv)
{
	struct gs_ctx *c = ctx;
	const struct gs_args *a = &c->arg;
	struct gs_share_opts o = {0};
	int rc;

	(void)argc;
	(void)argv;
	if (!a->domid)
		return hv_usage_error("share needs --domid D (the domain that will map the pages)");
	rc = parse_domid(a->domid, &o.domid);
	if (rc)
		return rc;
	o.pages = 1;
	if (a->pages) {
		uint64_t v;

		rc = hv_parse_dec(a->pages, 1, GS_PAGES_MAX, &v);
		if (rc)
			return bad_value("--pages", a->pages, rc, "1..1048576");
		o.pages = (uint32_t)v;
	}
	rc = parse_notify(a->notify_byte, a->notify_port, &o.notify);
	if (rc)
		return rc;
	rc = gs_check_notify(&o.notify, (uint64_t)o.pages * GS_PAGE_SIZE, "shared pages");
	if (rc)
		return rc;
	if (a->publish && (rc = check_xs_path("--publish", a->publish)))
		return rc;
	if (a->hexdump && !a->to)
		return hv_usage_error("--hexdump formats --to: give --to FILE or --to -");
	if (a->exec_argv && a->hold)
		return hv_usage_error(
		    "--hold and --exec exclude each other (--exec holds until CMD exits)");
	o.readonly = a->readonly;
	o.hold = a->hold;
	o.hexdump = a->hexdump;
	o.from = a->from;
	o.to = a->to;
	o.publish = a->publish;
	o.exec_argv = a->exec_argv;
	return gs_share(c, &o);
}

static int map_checked(struct gs_ctx *c, struct gs_map_opts *po);

static int run_map(void *ctx, int argc, const char **argv)
{
	struct gs_ctx *c = ctx;
	const struct gs_args *a = &c->arg;
	struct gs_map_opts o = {0};
	int rc;

	o.writable = a->writable;
	o.hold = a->hold;
	o.hexdump = a->hexdump;
	o.from = a->from;
	o.to = a->to;
	o.refs_from = a->refs_from;
	if (a->domid) {
		rc = parse_domid(a->domid, &o.domid);
		if (rc)
			return rc;
		o.have_domid = true;
	}
	if (a->refs_from) {
		if (argc)
			return hv_usage_error("--refs-from and REF arguments exclude each other");
		rc = check_xs_path("--refs-from", a->refs_from);
		if (rc)
			return rc;
	} else {
		if (!a->domid)
			return hv_usage_error(
			    "map needs --domid D (the domain that granted the refs)");
		rc = parse_refs(argv, argc, &o.refs, &o.count);
		if (rc)
			return rc;
	}
	rc = map_checked(c, &o);
	free(o.refs);
	return rc;
}

/* The rest of map's checks, with the refs allocated (the caller frees them). */
static int map_checked(struct gs_ctx *c, struct gs_map_opts *po)
{
	const struct gs_args *a = &c->arg;
	struct gs_map_opts o = *po;
	uint64_t v;
	int rc;

	if (a->offset) {
		rc = hv_parse_size(a->offset, 0, (uint64_t)GS_PAGES_MAX * GS_PAGE_SIZE - 1, &v);
		if (rc)
			return bad_value("--offset", a->offset, rc, "a byte offset into the pages");
		o.have_offset = true;
		o.offset = v;
	}
	if (a->length) {
		rc = hv_parse_size(a->length, 1, (uint64_t)GS_PAGES_MAX * GS_PAGE_SIZE, &v);
		if (rc)
			return bad_value("--length", a->length, rc, "a byte count of at least 1");
		o.have_length = true;
		o.length = v;
	}
	rc = parse_notify(a->notify_byte, a->notify_port, &o.notify);
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
	if (c->common.json && a->to && !strcmp(a->to, "-"))
		return hv_usage_error("--json prints a record on stdout: give --to a FILE");
	if (c->common.json && a->hexdump && !a->to)
		return hv_usage_error("--json prints a record on stdout: give --to a FILE");
	rc = gs_map(c, &o);
	/* --refs-from allocated the refs in the copy: the caller frees them. */
	po->refs = o.refs;
	return rc;
}

static int run_status(void *ctx, int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return gs_status(ctx);
}

static int evtchn_timeout(const struct gs_args *a, struct gs_evtchn_opts *o)
{
	uint64_t val;

	if (a->timeout) {
		if (hv_parse_duration_ms(a->timeout, 86400000ULL, &val))
			return hv_usage_error(
			    "--timeout '%s': expected seconds (e.g. 2, 0.5, 300ms)", a->timeout);
		o->timeout_ms = (int64_t)val;
	}
	return 0;
}

/* alloc and bind: a port of their own, for --domid D. */
static int evtchn_open(struct gs_ctx *c, const char *verb)
{
	const struct gs_args *a = &c->arg;
	struct gs_evtchn_opts o = {.verb = verb, .fd = -1, .timeout_ms = -1};
	uint64_t val;
	int rc;

	o.bind = !strcmp(verb, "bind");
	o.notify = a->notify;
	o.wait = a->wait;
	o.exec_argv = a->exec_argv;
	rc = evtchn_timeout(a, &o);
	if (rc)
		return rc;
	if (a->fd)
		return hv_usage_error("evtchn %s opens a descriptor of its own: --fd is for "
				      "notify, wait and close",
				      verb);
	if (!a->domid)
		return hv_usage_error("evtchn %s needs --domid D (the domain at the other end)",
				      verb);
	rc = parse_domid(a->domid, &o.domid);
	if (rc)
		return rc;
	if (o.bind) {
		if (!a->remote_port)
			return hv_usage_error("evtchn bind needs --remote-port P (the port the "
					      "other domain allocated)");
		/* Event channel ports are 0 < port < 2^17 (FIFO ABI). */
		rc = hv_parse_dec(a->remote_port, 1, (1u << 17) - 1, &val);
		if (rc)
			return bad_value("--remote-port", a->remote_port, rc,
					 "an event channel port 1..131071");
		o.remote_port = (uint32_t)val;
	} else if (a->remote_port || a->notify) {
		return hv_usage_error("evtchn alloc: %s is for bind (nobody is bound to a new port "
				      "yet)",
				      a->remote_port ? "--remote-port" : "--notify");
	}
	if (a->timeout && !a->wait)
		return hv_usage_error("evtchn %s: --timeout goes with --wait", verb);
	if (a->wait && a->exec_argv)
		return hv_usage_error(
		    "--wait and --exec exclude each other (--exec holds until CMD exits)");
	return gs_evtchn(c, &o);
}

/* notify, wait and close: a port bound before, [PORT] or GNTSHARE_PORT. */
static int evtchn_port(struct gs_ctx *c, const char *verb, int argc, const char **argv)
{
	const struct gs_args *a = &c->arg;
	struct gs_evtchn_opts o = {.verb = verb, .fd = -1, .timeout_ms = -1};
	const char *p = argc ? argv[0] : getenv("GNTSHARE_PORT");
	uint64_t val;
	int rc;

	rc = evtchn_timeout(a, &o);
	if (rc)
		return rc;
	if (a->domid || a->remote_port || a->notify || a->wait || a->exec_argv)
		return hv_usage_error("evtchn %s takes only [--fd N]%s [PORT]", verb,
				      strcmp(verb, "wait") ? "" : " [--timeout S]");
	if (a->timeout && strcmp(verb, "wait"))
		return hv_usage_error("evtchn %s: --timeout is for wait", verb);
	if (!p)
		return hv_usage_error(
		    "evtchn %s needs PORT (or GNTSHARE_PORT from alloc|bind --exec)", verb);
	rc = hv_parse_dec(p, 1, (1u << 17) - 1, &val);
	if (rc)
		return bad_value(argc ? "PORT" : "GNTSHARE_PORT", p, rc,
				 "an event channel port 1..131071");
	o.port = (uint32_t)val;
	if (a->fd) {
		rc = hv_parse_dec(a->fd, 0, INT32_MAX, &val);
		if (rc)
			return bad_value("--fd", a->fd, rc, "an open descriptor number");
		o.fd = (int)val;
	}
	return gs_evtchn(c, &o);
}

static int run_evtchn_alloc(void *ctx, int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return evtchn_open(ctx, "alloc");
}

static int run_evtchn_bind(void *ctx, int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return evtchn_open(ctx, "bind");
}

static int run_evtchn_notify(void *ctx, int argc, const char **argv)
{
	return evtchn_port(ctx, "notify", argc, argv);
}

static int run_evtchn_wait(void *ctx, int argc, const char **argv)
{
	return evtchn_port(ctx, "wait", argc, argv);
}

static int run_evtchn_close(void *ctx, int argc, const char **argv)
{
	return evtchn_port(ctx, "close", argc, argv);
}

/*
 * All take --exec, cut off by hv_run, so that notify, wait and close name
 * the options they take when given it, as for alloc's and bind's others.
 */
static const struct hv_verb evtchn_verbs[] = {
    {.name = "alloc",
     .run = run_evtchn_alloc,
     .args = "--domid D",
     .summary = "a port for domain D to bind; print it, hold it",
     .options = evtchn_alloc_options,
     .flags = HV_VERB_EXEC,
     .usage = "evtchn alloc --domid D [--wait [--timeout S]] [--exec CMD [ARGS...]]"},
    {.name = "bind",
     .run = run_evtchn_bind,
     .args = "--domid D --remote-port P",
     .summary = "bind D's port P; print ours, hold it",
     .options = evtchn_bind_options,
     .flags = HV_VERB_EXEC,
     .usage = "evtchn bind --domid D --remote-port P [--notify] [--wait [--timeout S]] "
	      "[--exec CMD...]"},
    {.name = "notify",
     .run = run_evtchn_notify,
     .args = "[PORT]",
     .summary = "signal the peer of a port (under --exec)",
     .options = evtchn_port_options,
     .max_args = 1,
     .flags = HV_VERB_EXEC,
     .usage = "evtchn notify [--fd N] [PORT]"},
    {.name = "wait",
     .run = run_evtchn_wait,
     .args = "[PORT]",
     .summary = "wait for an event on a port (under --exec)",
     .options = evtchn_wait_options,
     .max_args = 1,
     .flags = HV_VERB_EXEC,
     .usage = "evtchn wait [--fd N] [--timeout S] [PORT]"},
    {.name = "close",
     .run = run_evtchn_close,
     .args = "[PORT]",
     .summary = "unbind a port (under --exec)",
     .options = evtchn_port_options,
     .max_args = 1,
     .flags = HV_VERB_EXEC,
     .usage = "evtchn close [--fd N] [PORT]"},
    {.name = NULL},
};

static int run_vchan(struct gs_ctx *c, const char *verb)
{
	const struct gs_args *a = &c->arg;
	struct gs_vchan_opts o = {.timeout_ms = -1, .ring_size = GS_VCHAN_RING_DEFAULT};
	uint64_t val;
	int rc;

	o.verb = verb;
	o.listen = !strcmp(verb, "listen");
	o.exec_argv = a->exec_argv;
	if (!a->domid)
		return hv_usage_error("vchan %s needs --domid D (the domain at the other end)",
				      verb);
	rc = parse_domid(a->domid, &o.domid);
	if (rc)
		return rc;
	if (!a->path)
		return hv_usage_error("vchan %s needs --path XSPATH (where the two ends meet in "
				      "XenStore)",
				      verb);
	rc = check_xs_path("--path", a->path);
	if (rc)
		return rc;
	if (strlen(a->path) > GS_VCHAN_PATH_MAX)
		return hv_usage_error("--path '%.64s': %zu bytes, libxenvchan takes at most %u",
				      a->path, strlen(a->path), GS_VCHAN_PATH_MAX);
	o.path = a->path;
	if (a->ring_size) {
		if (!o.listen)
			return hv_usage_error("vchan connect: --ring-size is for listen (the "
					      "listening side sizes the rings)");
		rc = hv_parse_size(a->ring_size, 1024, GS_VCHAN_RING_MAX, &val);
		if (rc)
			return bad_value("--ring-size", a->ring_size, rc, "1024..1048576 bytes");
		o.ring_size = (size_t)val;
	}
	if (a->timeout) {
		if (hv_parse_duration_ms(a->timeout, 86400000ULL, &val))
			return hv_usage_error(
			    "--timeout '%s': expected seconds (e.g. 2, 0.5, 300ms)", a->timeout);
		o.timeout_ms = (int64_t)val;
	}
	o.receive_only = a->receive_only;
	if (a->receive_only && a->exec_argv)
		return hv_usage_error("--receive-only and --exec exclude each other (the "
				      "command's output is the input)");
	return gs_vchan(c, &o);
}

static int run_vchan_listen(void *ctx, int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return run_vchan(ctx, "listen");
}

static int run_vchan_connect(void *ctx, int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	return run_vchan(ctx, "connect");
}

static const struct hv_verb vchan_verbs[] = {
    {.name = "listen",
     .run = run_vchan_listen,
     .args = "--domid D --path XSPATH",
     .summary = "offer a stream to domain D at XSPATH",
     .options = vchan_listen_options,
     .flags = HV_VERB_EXEC,
     .usage = "vchan listen --domid D --path XSPATH [--ring-size N] [--timeout S] "
	      "[--receive-only | --exec CMD...]"},
    {.name = "connect",
     .run = run_vchan_connect,
     .args = "--domid D --path XSPATH",
     .summary = "connect to domain D's stream at XSPATH",
     .options = vchan_connect_options,
     .flags = HV_VERB_EXEC,
     .usage = "vchan connect --domid D --path XSPATH [--timeout S] "
	      "[--receive-only | --exec CMD...]"},
    {.name = NULL},
};

static const struct hv_verb verbs[] = {
    {.name = "share",
     .run = run_share,
     .args = "--domid D [OPTIONS]",
     .summary = "grant pages to a domain and hold them",
     .options = share_options,
     .flags = HV_VERB_EXEC,
     .usage = syn_share},
    {.name = "map",
     .run = run_map,
     .args = "--domid D REF... [OPTIONS]",
     .summary = "map a domain's grants, read or write them",
     .options = map_options,
     .max_args = -1,
     .usage = syn_map},
    {.name = "status",
     .run = run_status,
     .args = "",
     .summary = "this domain's id, the grant limits, what is available",
     .usage = syn_status},
    {.name = "evtchn",
     .args = "alloc|bind|notify|wait|close [OPTIONS]",
     .summary = "event channels: make, bind, kick and wait on ports",
     .usage = syn_evtchn,
     .verbs = evtchn_verbs},
    {.name = "vchan",
     .args = "listen|connect --domid D --path XSPATH",
     .summary = "a byte stream to another domain (libxenvchan)",
     .usage = syn_vchan,
     .verbs = vchan_verbs},
    {.name = NULL},
};

static const struct hv_tool tool = {
    .synopsis = synopsis,
    .manpage = MANPAGE,
    .verbs = verbs,
    .common = HV_AT(struct gs_ctx, common),
    .exec_argv = ARG(exec_argv),
};

int main(int argc, const char **argv)
{
	struct gs_ctx c = {0};
	int rc;

	if (hv_path_init_env(&c.root) < 0)
		return hv_fail(-ENAMETOOLONG, NULL, "HVUTILS_SYSROOT");
	rc = hv_run(&tool, &c, argc, argv);
	fflush(stdout);
	return rc;
}
