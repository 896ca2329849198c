// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xsctl control/quota: the store daemon's control replies
 * (tools/xsctl/ctlreply.c). The first byte picks the reader (C xenstored's
 * quota use, limits, soft limits, oxenstored's one line, or the help list
 * with a command to look up); the rest is the reply. Whatever the bytes:
 * at most XSCTL_QUOTAS_MAX records with NUL-terminated names and
 * descriptions; and what was read, written back in the daemon's own
 * format, reads back to the same records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "xsctl.h"

static void check_records(const struct xsctl_quotas *qs)
{
	FUZZ_CHECK(qs->n <= XSCTL_QUOTAS_MAX);
	for (size_t i = 0; i < qs->n; i++) {
		FUZZ_CHECK(memchr(qs->q[i].name, '\0', sizeof(qs->q[i].name)));
		FUZZ_CHECK(qs->q[i].name[0]);
		FUZZ_CHECK(memchr(qs->q[i].descr, '\0', sizeof(qs->q[i].descr)));
	}
}

/* The records as C xenstored writes what (header, then one line each). */
static char *format_c(const struct xsctl_quotas *qs, enum xsctl_quota_field what)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	FUZZ_CHECK(f);
	fputs(what == XSCTL_Q_USED ? "Domain 5:\n" : "Quota settings:\n", f);
	for (size_t i = 0; i < qs->n; i++) {
		const struct xsctl_quota *q = &qs->q[i];
		int64_t v = what == XSCTL_Q_USED    ? q->used
			    : what == XSCTL_Q_LIMIT ? q->limit
						    : q->soft;

		fprintf(f, "%-17s: %8lld", q->name, (long long)v);
		if (what == XSCTL_Q_LIMIT && q->descr[0])
			fprintf(f, " %s", q->descr);
		fputc('\n', f);
	}
	fclose(f);
	FUZZ_CHECK(out);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum xsctl_quota_field fields[] = {XSCTL_Q_USED, XSCTL_Q_LIMIT, XSCTL_Q_SOFT};
	struct xsctl_quotas qs = {.n = 0}, again = {.n = 0};
	unsigned int pick;
	char *reply;

	/* A reply is at most the protocol's payload, read up to its first NUL. */
	if (size < 1 || size > 4097)
		return 0;
	pick = data[0] % 5;
	reply = malloc(size);
	FUZZ_CHECK(reply);
	memcpy(reply, data + 1, size - 1);
	reply[size - 1] = '\0';
	if (pick < 3) {
		enum xsctl_quota_field what = fields[pick];

		if (!xsctl_quota_parse_c(reply, what, &qs)) {
			char *back = format_c(&qs, what);

			check_records(&qs);
			/* Descriptions are cut at their size: compare the parts kept. */
			FUZZ_CHECK(!xsctl_quota_parse_c(back, what, &again));
			FUZZ_CHECK(again.n == qs.n);
			for (size_t i = 0; i < qs.n; i++) {
				FUZZ_CHECK(!strcmp(again.q[i].name, qs.q[i].name));
				FUZZ_CHECK(again.q[i].used == qs.q[i].used);
				FUZZ_CHECK(again.q[i].limit == qs.q[i].limit);
				FUZZ_CHECK(again.q[i].soft == qs.q[i].soft);
			}
			free(back);
		}
		check_records(&qs);
	} else if (pick == 3) {
		int rc = xsctl_quota_parse_ocaml(reply, 5, &qs);

		check_records(&qs);
		FUZZ_CHECK(qs.n <= 1);
		if (!rc) {
			char line[64];

			FUZZ_CHECK(qs.q[0].used >= 0 && qs.q[0].limit >= 0);
			snprintf(line, sizeof(line), "dom5 quota: %lld/%lld",
				 (long long)qs.q[0].used, (long long)qs.q[0].limit);
			FUZZ_CHECK(!xsctl_quota_parse_ocaml(line, 5, &again));
			FUZZ_CHECK(again.q[0].used == qs.q[0].used &&
				   again.q[0].limit == qs.q[0].limit);
		}
	} else {
		/* "help" lists commands; look one up by the first line's first word. */
		const char *args;
		size_t al;
		char cmd[32];
		size_t cl = strcspn(reply, "\t\n");

		if (cl >= sizeof(cmd))
			cl = sizeof(cmd) - 1;
		memcpy(cmd, reply, cl);
		cmd[cl] = '\0';
		if (xsctl_help_has(reply, cmd, &args, &al)) {
			FUZZ_CHECK(args >= reply && args + al <= reply + size - 1);
			FUZZ_CHECK(!memchr(args, '\n', al));
		}
	}
	free(reply);
	return 0;
}
