// SPDX-License-Identifier: GPL-2.0-or-later
/* What every verb needs: the connection, argument checks, escaping, errors. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "parse.h"
#include "step.h"
#include "xsctl.h"

int xsctl_connect(struct xsctl *x)
{
	int err;

	if (x->connected || x->dry_run)
		return 0;
	err = hv_xs_open(&x->xs, x->transport, x->socket_path);
	if (err) {
		/* ENOENT here is a missing daemon, not a missing node: exit 5. */
		hv_err(err, HV_XS_HINT_CONNECT, "cannot reach XenStore via %s", x->xs.tried);
		return HV_EXIT_NODEV;
	}
	x->connected = true;
	return 0;
}

int xsctl_usage(struct xsctl *x, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return hv_usage_error("%s%s", x->where, msg);
}

int xsctl_check_path(struct xsctl *x, const char *path, bool special)
{
	const char *why;
	int err = hv_xs_check_path(path, special, &why);

	if (!err)
		return 0;
	/* The path itself may be 3 KiB: show its start only. */
	return xsctl_usage(x, "invalid path '%.64s%s': %s", path, strlen(path) > 64 ? "..." : "",
			   why);
}

int xsctl_check_size(struct xsctl *x, const char *path, size_t len)
{
	size_t total = strlen(path) + 1 + len;

	if (len > HV_XS_PAYLOAD_MAX)
		return xsctl_usage(x,
				   "value for %s is %zu bytes, over the %d-byte XenStore "
				   "payload limit",
				   path, len, HV_XS_PAYLOAD_MAX);
	if (total > HV_XS_PAYLOAD_MAX)
		return xsctl_usage(x,
				   "path and value for %s are %zu bytes together, over the "
				   "%d-byte XenStore payload limit",
				   path, total, HV_XS_PAYLOAD_MAX);
	return 0;
}

/*
 * Permission errors name the permissions of the node, or of its nearest
 * existing parent when the node does not exist yet: that is what decides.
 */
static void perms_hint(struct xsctl *x, const char *path, char *hint, size_t len)
{
	char *p = strdup(path), *slash, *s;
	struct xs_permissions *perms;
	unsigned int n;

	snprintf(hint, len, "the node's permissions are not readable by this domain either");
	if (!p)
		return;
	for (;;) {
		int err = hv_xs_get_perms(&x->xs, XBT_NULL, p, &perms, &n);

		if (!err) {
			s = hv_xs_perms_string(perms, n);
			free(perms);
			if (s)
				snprintf(hint, len, "permissions of %s: %s", p, s);
			free(s);
			break;
		}
		if (err != -ENOENT || !strcmp(p, "/"))
			break;
		slash = strrchr(p, '/');
		if (!slash)
			break;
		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(p);
}

int xsctl_fail(struct xsctl *x, int err, const char *op, const char *path)
{
	char hint[256];

	if (err == -EACCES || err == -EPERM) {
		perms_hint(x, path, hint, sizeof(hint));
		return hv_fail(err, hint, "%s%s %s", x->where, op, path);
	}
	if (err == -E2BIG)
		return hv_fail(err,
			       "over the daemon's size limit: the 4096-byte payload, or "
			       "oxenstored's quota-maxsize (2048 by default)",
			       "%s%s %s", x->where, op, path);
	if (err == -ENOSPC || err == -EDQUOT)
		return hv_fail(err, "a daemon quota was hit", "%s%s %s", x->where, op, path);
	/* libxenstore knows no EQUOTA and turns the unknown name into EINVAL. */
	if (err == -EINVAL)
		return hv_fail(err,
			       "oxenstored reports a hit quota so too: 'xsctl quota DOMID' "
			       "in dom0 shows the use",
			       "%s%s %s", x->where, op, path);
	return hv_fail(err, NULL, "%s%s %s", x->where, op, path);
}

char *xsctl_join(const char *dir, const char *name)
{
	char *p;
	size_t dl = strlen(dir);

	/* The root's children are "/name", not "//name". */
	if (asprintf(&p, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name) < 0)
		return NULL;
	return p;
}

int xsctl_timeout(struct xsctl *x, int64_t *ms)
{
	uint64_t v;

	*ms = -1;
	if (!x->o.timeout)
		return 0;
	/* A day is plenty for a scripted wait, and keeps poll()'s int happy. */
	if (hv_parse_duration_ms(x->o.timeout, 86400000ULL, &v))
		return xsctl_usage(x, "--timeout '%s': expected seconds (e.g. 2, 0.5, 300ms)",
				   x->o.timeout);
	*ms = (int64_t)v;
	return 0;
}

int xsctl_atomic(struct xsctl *x, const char *what, int (*fn)(struct xsctl *x, void *arg),
		 void *arg)
{
	int rc, err;

	/* Inside tx or restore the caller's transaction already covers it. */
	if (x->t != XBT_NULL)
		return fn(x, arg);
	for (int attempt = 0; attempt <= x->o.retries; attempt++) {
		err = hv_xs_tx_start(&x->xs, &x->t);
		if (err) {
			x->t = XBT_NULL;
			return hv_fail(err, NULL, "%sstarting a transaction for %s", x->where,
				       what);
		}
		hv_step("tx-started");
		rc = fn(x, arg);
		hv_step("tx-commit");
		err = hv_xs_tx_end(&x->xs, x->t, rc != 0);
		x->t = XBT_NULL;
		if (rc)
			return rc;
		if (!err) {
			hv_step("tx-committed");
			return 0;
		}
		if (err != -EAGAIN)
			return hv_fail(err, NULL, "%scommitting %s", x->where, what);
		/* The same note as tx's, so load tests can count the conflicts. */
		if (x->o.c.verbose)
			hv_note("%s%s: conflict, re-running the transaction (attempt %d)", x->where,
				what, attempt + 2);
		xsctl_backoff(x, attempt);
	}
	hv_err(-EAGAIN, "others keep changing the same nodes; raise --retries",
	       "%s%s: transaction still conflicting after %d retries", x->where, what,
	       x->o.retries);
	return HV_EXIT_BUSY;
}

void xsctl_backoff(struct xsctl *x, int attempt)
{
	/*
	 * Without a pause, processes that conflicted once collide again at
	 * once and the same loser can starve while the winners go on: up to
	 * 0.5 ms << attempt, at most half a second, so that the default 100
	 * retries outlast a busy minute-long burst of writers.
	 */
	long max_us = 500L << (attempt < 10 ? attempt : 10);

	/* Seeded on the first conflict: most runs never have one. */
	if (!x->rng)
		x->rng =
		    ((unsigned int)getpid() ^ (unsigned int)(hv_now_ns() % 1000000000ULL)) | 1u;
	x->rng = x->rng * 1103515245u + 12345u;
	hv_sleep_ns((uint64_t)((x->rng >> 8) % (unsigned long)max_us) * 1000);
}
