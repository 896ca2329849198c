// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * control and quota: the store daemon's introspection commands (XS_CONTROL,
 * what xenstore-control sends), and a domain's quotas and use read through
 * them.
 *
 * The two daemons answer XS_CONTROL differently. C xenstored refuses a
 * command it does not know with EINVAL, as it refuses bad arguments, and
 * lists its commands for "help". oxenstored (XS_DEBUG, the same message
 * type) answers "OK" to anything it does not know, "help" included, and to
 * bad arguments too. So xsctl first asks "help": a command list is C
 * xenstored and says what it offers; a bare "OK" is oxenstored, whose
 * commands (4.17: print, quota, watches, xenbus, mfn) xsctl knows itself.
 * A command the daemon does not offer is then one line and exit 9, never a
 * silent "OK". live-update is not offered: it replaces the daemon, which is
 * xenstore-control's job.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "parse.h"
#include "table.h"
#include "xsctl.h"

#define ACK "OK"

/* oxenstored 4.17's debug commands (tools/ocaml/xenstored/process.ml). */
static const struct ocaml_cmd {
	const char *name;
	const char *args; /* as C xenstored's help writes them */
	int nargs;	  /* exactly this many: oxenstored says OK to others */
	bool data;	  /* answers with data: a bare OK means it failed */
} ocaml_cmds[] = {
    {"print", "<string>", 1, false}, {"quota", "<domid>", 1, true}, {"watches", "", 0, true},
    {"xenbus", "<domid>", 1, true},  {"mfn", "<domid>", 1, true},
};
#define N_OCAML (sizeof(ocaml_cmds) / sizeof(ocaml_cmds[0]))

struct daemon {
	bool ocaml;
	char *help; /* C xenstored's command list */
};

static void daemon_free(struct daemon *d)
{
	free(d->help);
	d->help = NULL;
}

static const char *daemon_name(const struct daemon *d)
{
	return d->ocaml ? "oxenstored" : "xenstored";
}

/*
 * Sends one command with its arguments (each NUL-terminated, as the daemons
 * split them) and returns its reply (malloc'ed, NUL-terminated) or -errno.
 * The whole message must fit the protocol's payload: checked before sending.
 */
static int ctl_send(struct xsctl *x, const char *cmd, const char *const *args, int nargs,
		    char **reply)
{
	size_t len = 0, total = strlen(cmd) + 1;
	char *buf, *r;

	for (int i = 0; i < nargs; i++)
		total += strlen(args[i]) + 1;
	if (total > HV_XS_PAYLOAD_MAX)
		return -E2BIG;
	buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	for (int i = 0; i < nargs; i++) {
		size_t l = strlen(args[i]) + 1;

		memcpy(buf + len, args[i], l);
		len += l;
	}
	errno = 0;
	r = xs_control_command(x->xs.h, cmd, buf, (unsigned int)len);
	free(buf);
	if (!r)
		return errno ? -errno : -EIO;
	*reply = r;
	return 0;
}

/* Which daemon answers, and what C xenstored offers. Reports its failure. */
static int identify(struct xsctl *x, const char *what, struct daemon *d)
{
	char *r;
	int err;

	d->ocaml = false;
	d->help = NULL;
	err = ctl_send(x, "help", NULL, 0, &r);
	if (err == -EACCES || err == -EPERM)
		return hv_fail(err,
			       "only dom0 (or a domain the daemon privileges) may send "
			       "control commands",
			       "%scontrol %s", x->where, what);
	if (err)
		return hv_fail(err, NULL, "%scontrol %s: asking the store daemon for its commands",
			       x->where, what);
	if (!strcmp(r, ACK)) {
		d->ocaml = true;
		free(r);
		return 0;
	}
	d->help = r;
	return 0;
}

static const struct ocaml_cmd *ocaml_find(const char *name)
{
	for (size_t i = 0; i < N_OCAML; i++)
		if (!strcmp(ocaml_cmds[i].name, name))
			return &ocaml_cmds[i];
	return NULL;
}

/* The daemon's commands on one line, for the message that names one it lacks. */
static void list_commands(const struct daemon *d, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	if (d->ocaml) {
		for (size_t i = 0; i < N_OCAML && used < size; i++)
			used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "",
						 ocaml_cmds[i].name);
		return;
	}
	for (const char *s = d->help; *s && used < size;) {
		const char *nl = strchr(s, '\n'), *tab = strchr(s, '\t');

		if (*s != ' ' && tab && (!nl || tab < nl))
			used += (size_t)snprintf(buf + used, size - used, "%s%.*s", used ? " " : "",
						 (int)(tab - s), s);
		if (!nl)
			break;
		s = nl + 1;
	}
}

static int not_offered(const struct daemon *d, const char *cmd, const char *how)
{
	char names[256];

	list_commands(d, names, sizeof(names));
	hv_err(0, NULL, "control %s: %s %s (its commands: %s)", cmd, daemon_name(d), how, names);
	return HV_EXIT_UNSUPPORTED;
}

/*
 * Checks that the daemon offers cmd with nargs arguments; returns 0 or the
 * exit code after reporting. For C xenstored the arguments are the
 * daemon's to judge (EINVAL then names its synopsis).
 */
static int offered(const struct daemon *d, const char *cmd, int nargs)
{
	const struct ocaml_cmd *o;

	if (!d->ocaml)
		return xsctl_help_has(d->help, cmd, NULL, NULL)
			   ? 0
			   : not_offered(d, cmd, "does not know this command");
	o = ocaml_find(cmd);
	if (!o)
		return not_offered(d, cmd, "does not know this command");
	if (nargs != o->nargs) {
		char how[96];

		snprintf(how, sizeof(how), "offers only '%s%s%s'", cmd, *o->args ? " " : "",
			 o->args);
		return not_offered(d, cmd, how);
	}
	return 0;
}

/* Reports a failed command: the C daemon's EINVAL names its synopsis. */
static int ctl_fail(struct xsctl *x, const struct daemon *d, int err, const char *cmd, int nargs)
{
	const char *args;
	size_t al;
	char hint[160];

	/* Its EBADF (no log file) reaches the client as EINVAL: not in the wire's list. */
	if (err == -EINVAL && !d->ocaml && !strcmp(cmd, "memreport") && nargs == 0)
		return hv_fail(err,
			       "without FILE the daemon writes to its log file: name one "
			       "with 'control logfile FILE', or give FILE",
			       "%scontrol %s", x->where, cmd);
	if (err == -EINVAL && !d->ocaml && xsctl_help_has(d->help, cmd, &args, &al)) {
		snprintf(hint, sizeof(hint), "the daemon refused the arguments; it takes: %s %.*s",
			 cmd, (int)al, args);
		return hv_fail(err, hint, "%scontrol %s", x->where, cmd);
	}
	if (err == -E2BIG)
		return hv_fail(err, "the command and its arguments exceed the 4096-byte payload",
			       "%scontrol %s", x->where, cmd);
	return hv_fail(err, NULL, "%scontrol %s", x->where, cmd);
}

/* The reply as text: up to its first NUL, one newline at the end. */
static void print_reply(FILE *out, const char *r)
{
	size_t l = strlen(r);

	fputs(r, out);
	if (l && r[l - 1] != '\n')
		fputc('\n', out);
}

static int run_control(struct xsctl *x, struct daemon *d, int argc, const char **argv)
{
	const char *cmd = argv[0];
	const struct ocaml_cmd *o;
	struct hv_json j;
	char *r = NULL;
	bool ack;
	int rc, err;

	/* oxenstored has no help: xsctl answers with what it knows of it. */
	if (d->ocaml && !strcmp(cmd, "help") && argc == 1) {
		if (x->o.c.json) {
			hv_json_init(&j, x->out, false);
			hv_json_object_open(&j, NULL);
			hv_json_str(&j, "daemon", daemon_name(d));
			hv_json_array_open(&j, "commands");
			for (size_t i = 0; i < N_OCAML; i++)
				hv_json_str(&j, NULL, ocaml_cmds[i].name);
			hv_json_array_close(&j);
			hv_json_object_close(&j);
			hv_json_end(&j);
		} else {
			for (size_t i = 0; i < N_OCAML; i++)
				fprintf(x->out, "%s\t%s\n", ocaml_cmds[i].name, ocaml_cmds[i].args);
		}
		return 0;
	}
	rc = offered(d, cmd, argc - 1);
	if (rc)
		return rc;
	err = ctl_send(x, cmd, argv + 1, argc - 1, &r);
	if (err)
		return ctl_fail(x, d, err, cmd, argc - 1);
	ack = !strcmp(r, ACK);
	o = d->ocaml ? ocaml_find(cmd) : NULL;
	if (ack && o && o->data) {
		free(r);
		hv_err(0,
		       "oxenstored answers so when it cannot do what was asked, e.g. for a "
		       "domain it does not know",
		       "%scontrol %s: oxenstored answered OK instead of data", x->where, cmd);
		return HV_EXIT_FAILURE;
	}
	if (x->o.c.json) {
		hv_json_init(&j, x->out, false);
		hv_json_object_open(&j, NULL);
		hv_json_str(&j, "daemon", daemon_name(d));
		hv_json_str(&j, "command", cmd);
		hv_json_array_open(&j, "args");
		for (int i = 1; i < argc; i++)
			hv_json_str(&j, NULL, argv[i]);
		hv_json_array_close(&j);
		hv_json_bool(&j, "ack", ack);
		hv_json_str(&j, "reply", ack ? NULL : r);
		hv_json_object_close(&j);
		hv_json_end(&j);
	} else if (!ack) {
		print_reply(x->out, r);
	} else if (x->o.c.verbose) {
		hv_note("control %s: %s acknowledged", cmd, daemon_name(d));
	}
	free(r);
	return 0;
}

int xsctl_control(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct daemon d;
	size_t total = 0;
	int rc;

	if (argc < 1)
		return xsctl_usage(x, "control: expected CMD [ARGS...] (e.g. quota, check, help)");
	if (!strcmp(argv[0], "live-update"))
		return xsctl_usage(x, "control: live-update replaces the daemon: use "
				      "xenstore-control for it");
	for (int i = 0; i < argc; i++)
		total += strlen(argv[i]) + 1;
	if (total > HV_XS_PAYLOAD_MAX)
		return xsctl_usage(x,
				   "control %s: command and arguments are %zu bytes, over "
				   "the %d-byte XenStore payload limit",
				   argv[0], total, HV_XS_PAYLOAD_MAX);
	rc = xsctl_connect(x);
	if (rc || x->dry_run)
		return rc;
	rc = identify(x, argv[0], &d);
	if (rc)
		return rc;
	rc = run_control(x, &d, argc, argv);
	daemon_free(&d);
	return rc;
}

/* One quota command's reply into qs; reports failures. */
static int quota_read(struct xsctl *x, const struct daemon *d, const char *cmd, const char *arg,
		      enum xsctl_quota_field what, struct xsctl_quotas *qs)
{
	char *r;
	int err;

	err = ctl_send(x, cmd, arg ? &arg : NULL, arg ? 1 : 0, &r);
	if (err == -ENOENT && arg)
		return hv_fail(err, "no domain with that id is known to the store", "%squota %s",
			       x->where, arg);
	if (err)
		return ctl_fail(x, d, err, cmd, arg ? 1 : 0);
	err = xsctl_quota_parse_c(r, what, qs);
	if (err) {
		hv_err(err, NULL, "%squota: cannot read %s's reply to '%s%s%s': '%.60s'", x->where,
		       daemon_name(d), cmd, arg ? " " : "", arg ? arg : "", r);
		free(r);
		return HV_EXIT_FAILURE;
	}
	free(r);
	return 0;
}

static int quota_ocaml(struct xsctl *x, const struct daemon *d, unsigned int domid, const char *arg,
		       struct xsctl_quotas *qs)
{
	char *r;
	int err;

	err = ctl_send(x, "quota", &arg, 1, &r);
	if (err)
		return ctl_fail(x, d, err, "quota", 1);
	err = xsctl_quota_parse_ocaml(r, domid, qs);
	if (err == -ENOENT) {
		/* Every domain the store knows owns its home node: none means no domain. */
		free(r);
		if (xs_is_domain_introduced(x->xs.h, domid))
			return 0;
		return hv_fail(-ENOENT, "no domain with that id is known to the store",
			       "%squota %s", x->where, arg);
	}
	if (err) {
		hv_err(err, "oxenstored answers OK to a caller without debug rights",
		       "%squota: cannot read oxenstored's reply to 'quota %s': '%.60s'", x->where,
		       arg, r);
		free(r);
		return HV_EXIT_FAILURE;
	}
	free(r);
	return 0;
}

static void num_cell(char *buf, size_t size, int64_t v)
{
	if (v < 0)
		buf[0] = '\0';
	else
		snprintf(buf, size, "%lld", (long long)v);
}

static int quota_print(struct xsctl *x, const struct daemon *d, unsigned int domid,
		       const struct xsctl_quotas *qs)
{
	static const struct hv_table_col cols[] = {
	    {"QUOTA", HV_COL_STR, 0},
	    {"USED", HV_COL_NUM, HV_COL_RIGHT},
	    {"LIMIT", HV_COL_NUM, HV_COL_RIGHT},
	    {"SOFT", HV_COL_NUM, HV_COL_RIGHT},
	    {"DESCRIPTION", HV_COL_STR, HV_COL_LAST_FREE},
	};
	struct hv_table_opts to = {0};
	struct hv_table *t;
	struct hv_json j;

	if (x->o.c.json) {
		hv_json_init(&j, x->out, false);
		hv_json_object_open(&j, NULL);
		hv_json_u64(&j, "domid", domid);
		hv_json_str(&j, "daemon", daemon_name(d));
		hv_json_array_open(&j, "quotas");
		for (size_t i = 0; i < qs->n; i++) {
			const struct xsctl_quota *q = &qs->q[i];

			hv_json_object_open(&j, NULL);
			hv_json_str(&j, "quota", q->name);
			if (q->used < 0)
				hv_json_null(&j, "used");
			else
				hv_json_i64(&j, "used", q->used);
			if (q->limit < 0)
				hv_json_null(&j, "limit");
			else
				hv_json_i64(&j, "limit", q->limit);
			if (q->soft < 0)
				hv_json_null(&j, "soft");
			else
				hv_json_i64(&j, "soft", q->soft);
			hv_json_str(&j, "description", q->descr[0] ? q->descr : NULL);
			hv_json_object_close(&j);
		}
		hv_json_array_close(&j);
		hv_json_object_close(&j);
		hv_json_end(&j);
		return 0;
	}
	t = hv_table_new("quotas", cols, 5);
	for (size_t i = 0; t && i < qs->n; i++) {
		const struct xsctl_quota *q = &qs->q[i];
		char used[24], limit[24], soft[24];
		const char *row[5] = {q->name, used, limit, soft, q->descr};

		num_cell(used, sizeof(used), q->used);
		num_cell(limit, sizeof(limit), q->limit);
		num_cell(soft, sizeof(soft), q->soft);
		if (hv_table_add_row(t, row)) {
			hv_table_free(t);
			t = NULL;
		}
	}
	if (!t)
		return hv_fail(-ENOMEM, NULL, "quota");
	hv_table_print(t, x->out, &to);
	hv_table_free(t);
	return 0;
}

int xsctl_quota(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct xsctl_quotas qs = {.n = 0};
	const char *arg = argc ? argv[0] : "0";
	struct daemon d;
	uint64_t domid;
	int rc;

	if (argc > 1)
		return xsctl_usage(x, "quota: expected at most one DOMID");
	if (hv_parse_dec(arg, 0, 0x7fef, &domid))
		return xsctl_usage(x, "quota: DOMID '%s' is not a domain id (0-32751)", arg);
	rc = xsctl_connect(x);
	if (rc || x->dry_run)
		return rc;
	rc = identify(x, "quota", &d);
	if (rc)
		return rc;
	if (!d.ocaml && !xsctl_help_has(d.help, "quota", NULL, NULL))
		rc = not_offered(&d, "quota", "does not know this command");
	else if (d.ocaml)
		rc = quota_ocaml(x, &d, (unsigned int)domid, arg, &qs);
	else {
		/* The limits first: their order is the daemon's. */
		rc = quota_read(x, &d, "quota", NULL, XSCTL_Q_LIMIT, &qs);
		if (!rc && xsctl_help_has(d.help, "quota-soft", NULL, NULL))
			rc = quota_read(x, &d, "quota-soft", NULL, XSCTL_Q_SOFT, &qs);
		if (!rc)
			rc = quota_read(x, &d, "quota", arg, XSCTL_Q_USED, &qs);
	}
	if (!rc)
		rc = quota_print(x, &d, (unsigned int)domid, &qs);
	daemon_free(&d);
	return rc;
}
