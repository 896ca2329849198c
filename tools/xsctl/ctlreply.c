// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The store daemons' XS_CONTROL replies, read into records: the command list
 * of C xenstored's "help", its "quota"/"quota-soft" settings and "quota
 * DOMID" use, and oxenstored's one-line "quota DOMID". A file of its own: a
 * pure function over a reply of up to 4096 bytes, linked as it is by the
 * fuzz harness (tests/fuzz/fuzz-xsctlreply.c). A reply that is not in the
 * expected format is -EPROTO, never a guess.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xsctl.h"

/* One line of reply (without its '\n'), and where the next one starts. */
static const char *line_end(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl ? nl : s + strlen(s);
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * A count or limit: decimal, at most 18 digits, from s up to end, blanks
 * before it skipped. The daemons print them with %d, but none is
 * negative (and -1 stands for "not given" here): a sign is -EPROTO.
 * Returns the position after it, or NULL.
 */
static const char *parse_num(const char *s, const char *end, int64_t *v)
{
	int digits = 0;

	while (s < end && *s == ' ')
		s++;
	*v = 0;
	while (s < end && *s >= '0' && *s <= '9' && digits < 18) {
		*v = *v * 10 + (*s - '0');
		s++;
		digits++;
	}
	if (!digits || (s < end && *s >= '0' && *s <= '9'))
		return NULL;
	return s;
}

/* The record named name[0..len), added (all values unknown) when new. */
static struct xsctl_quota *slot(struct xsctl_quotas *qs, const char *name, size_t len)
{
	for (size_t i = 0; i < qs->n; i++)
		if (strlen(qs->q[i].name) == len && !memcmp(qs->q[i].name, name, len))
			return &qs->q[i];
	if (qs->n == XSCTL_QUOTAS_MAX || len >= sizeof(qs->q[0].name))
		return NULL;
	memset(&qs->q[qs->n], 0, sizeof(qs->q[0]));
	memcpy(qs->q[qs->n].name, name, len);
	qs->q[qs->n].used = qs->q[qs->n].limit = qs->q[qs->n].soft = -1;
	return &qs->q[qs->n++];
}

/*
 * "NAME<blanks>: <value>[ <description>]" lines after a header line that
 * must start with header; what is the field the values go to.
 */
static int parse_table(const char *reply, const char *header, struct xsctl_quotas *qs,
		       enum xsctl_quota_field what)
{
	const char *s = reply, *end = line_end(s);
	size_t hl = strlen(header);

	if ((size_t)(end - s) < hl || memcmp(s, header, hl))
		return -EPROTO;
	for (s = *end ? end + 1 : end; *s; s = *end ? end + 1 : end) {
		const char *n = s, *p;
		struct xsctl_quota *q;
		int64_t v;

		end = line_end(s);
		if (end == s)
			continue;
		while (n < end && name_char(*n))
			n++;
		if (n == s)
			return -EPROTO;
		for (p = n; p < end && *p == ' '; p++)
			;
		if (p == end || *p != ':')
			return -EPROTO;
		p = parse_num(p + 1, end, &v);
		if (!p || (p < end && *p != ' '))
			return -EPROTO;
		q = slot(qs, s, (size_t)(n - s));
		if (!q)
			return -E2BIG;
		switch (what) {
		case XSCTL_Q_USED:
			q->used = v;
			break;
		case XSCTL_Q_LIMIT:
			q->limit = v;
			break;
		case XSCTL_Q_SOFT:
			q->soft = v;
			break;
		}
		while (p < end && *p == ' ')
			p++;
		/* The description goes with the hard limits' table. */
		if (what == XSCTL_Q_LIMIT) {
			size_t dl = (size_t)(end - p);

			if (dl >= sizeof(q->descr))
				dl = sizeof(q->descr) - 1;
			memcpy(q->descr, p, dl);
			q->descr[dl] = '\0';
		}
	}
	return 0;
}

int xsctl_quota_parse_c(const char *reply, enum xsctl_quota_field what, struct xsctl_quotas *qs)
{
	return parse_table(reply, what == XSCTL_Q_USED ? "Domain " : "Quota settings:", qs, what);
}

int xsctl_quota_parse_ocaml(const char *reply, unsigned int domid, struct xsctl_quotas *qs)
{
	char head[32];
	const char *s = reply, *end = s + strlen(s);
	struct xsctl_quota *q;
	int64_t used, limit;
	size_t hl;

	/* "dom5 quota: 23/1000", or "dom5 quota: not set" when it owns nothing. */
	hl = (size_t)snprintf(head, sizeof(head), "dom%u quota: ", domid);
	if ((size_t)(end - s) < hl || memcmp(s, head, hl))
		return -EPROTO;
	s += hl;
	q = slot(qs, "nodes", 5);
	if (!q)
		return -E2BIG;
	snprintf(q->descr, sizeof(q->descr), "Nodes per domain");
	if (!strcmp(s, "not set"))
		return -ENOENT;
	s = parse_num(s, end, &used);
	if (!s || *s != '/')
		return -EPROTO;
	s = parse_num(s + 1, end, &limit);
	if (!s || *s)
		return -EPROTO;
	q->used = used;
	q->limit = limit;
	return 0;
}

int xsctl_help_has(const char *help, const char *cmd, const char **args, size_t *args_len)
{
	size_t cl = strlen(cmd);

	/* "name\tparameters\n"; continuation lines start with blanks. */
	for (const char *s = help, *end; *s; s = *end ? end + 1 : end) {
		end = line_end(s);
		if ((size_t)(end - s) > cl && !memcmp(s, cmd, cl) && s[cl] == '\t') {
			if (args) {
				*args = s + cl + 1;
				*args_len = (size_t)(end - (s + cl + 1));
			}
			return 1;
		}
	}
	return 0;
}
