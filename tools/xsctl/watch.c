// SPDX-License-Identifier: GPL-2.0-or-later
/* watch and wait: change events, and conditions checked against the store. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "xsctl.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits for watch events until deadline (-1: none). Returns 1 when events
 * are queued, 0 at the deadline, or -errno.
 */
static int wait_events(struct xsctl *x, int64_t deadline)
{
	struct pollfd pfd = { .fd = xs_fileno(x->xs.h), .events = POLLIN };
	int ms, r;

	if (pfd.fd < 0)
		return -errno;
	for (;;) {
		ms = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return 0;
			ms = (int)left;
		}
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/* Levels of path below base: 0 for base itself. */
static int depth_below(const char *base, const char *path)
{
	size_t bl = strlen(base);
	int d = 0;

	if (strncmp(path, base, bl))
		return 0;
	path += bl;
	for (; *path; path++)
		if (*path == '/' && path[1])
			d++;
	return (bl == 1 && base[0] == '/') ? d + 1 : d;
}

int xsctl_watch(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	int64_t timeout, deadline = -1;
	bool *seen_initial;
	int rc, printed = 0;
	char tok[16];

	if (argc < 1)
		return xsctl_usage(x, "watch: expected PATH...");
	if (x->o.count < 0)
		return xsctl_usage(x, "--count must be 1 or more");
	if (x->o.depth < -1)
		return xsctl_usage(x, "--depth must be 0 or more");
	for (int i = 0; i < argc; i++)
		if ((rc = xsctl_check_path(x, argv[i], true)))
			return rc;
	rc = xsctl_timeout(x, &timeout);
	if (rc || (rc = xsctl_connect(x)))
		return rc;
	seen_initial = calloc((size_t)argc, sizeof(*seen_initial));
	if (!seen_initial)
		return hv_fail(-ENOMEM, NULL, "watch");
	for (int i = 0; i < argc; i++) {
		snprintf(tok, sizeof(tok), "%d", i);
		errno = 0;
		if (!xs_watch(x->xs.h, argv[i], tok)) {
			rc = xsctl_fail(x, errno ? -errno : -EIO, "watch", argv[i]);
			goto out;
		}
	}
	if (timeout >= 0)
		deadline = now_ms() + timeout;
	while (!x->o.count || printed < x->o.count) {
		char **ev;
		int r = wait_events(x, deadline);

		if (r == 0) {
			hv_err(0, NULL, "watch: timed out after %s s (%d event%s)", x->o.timeout,
			       printed, printed == 1 ? "" : "s");
			rc = HV_EXIT_TIMEOUT;
			goto out;
		}
		if (r < 0) {
			rc = hv_fail(r, NULL, "watch: waiting for events");
			goto out;
		}
		while ((!x->o.count || printed < x->o.count) && (ev = xs_check_watch(x->xs.h))) {
			const char *path = ev[XS_WATCH_PATH];
			long i = strtol(ev[XS_WATCH_TOKEN], NULL, 10);

			if (i < 0 || i >= argc) {
				free(ev);
				continue;
			}
			/* The daemon fires each watch once when it is set. */
			if (!seen_initial[i] && !strcmp(path, argv[i])) {
				seen_initial[i] = true;
				if (x->o.skip_initial) {
					free(ev);
					continue;
				}
			}
			if (x->o.depth >= 0 && depth_below(argv[i], path) > x->o.depth) {
				free(ev);
				continue;
			}
			if (x->o.c.json) {
				struct hv_json j;

				hv_json_init(&j, x->out, true);
				hv_json_object_open(&j, NULL);
				hv_json_str(&j, "path", path);
				hv_json_str(&j, "watch", argv[i]);
				hv_json_object_close(&j);
				hv_json_end(&j);
			} else {
				fprintf(x->out, "%s\n", path);
			}
			/* Consumers act on each event as it comes. */
			fflush(x->out);
			printed++;
			free(ev);
		}
	}
out:
	free(seen_initial);
	return rc;
}

enum cond { COND_EXISTS, COND_GONE, COND_VALUE };

/* 1 if the condition holds, 0 if not, or an exit code (negated) after reporting. */
static int check_cond(struct xsctl *x, const char *path, enum cond c, const char *want,
		      size_t wlen)
{
	char *val;
	size_t len;
	int err = hv_xs_read(&x->xs, XBT_NULL, path, &val, &len), r;

	if (err == -ENOENT)
		return c == COND_GONE;
	if (err)
		return -xsctl_fail(x, err, "wait", path);
	r = c == COND_EXISTS || (c == COND_VALUE && len == wlen && !memcmp(val, want, len));
	free(val);
	return r;
}

int xsctl_wait(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	enum cond c = COND_EXISTS;
	int64_t timeout, deadline = -1;
	char *want = NULL;
	size_t wlen = 0;
	int rc, r;

	if (argc != 1)
		return xsctl_usage(x, "wait: expected one PATH");
	if (!!x->o.value + x->o.exists + x->o.gone > 1)
		return xsctl_usage(x, "--value, --exists and --gone exclude each other");
	if (x->o.gone)
		c = COND_GONE;
	if (x->o.value) {
		c = COND_VALUE;
		if (xsctl_unescape(x->o.value, &want, &wlen))
			return xsctl_usage(x, "--value ends in a lone '\\'");
	}
	rc = xsctl_check_path(x, argv[0], false);
	if (!rc)
		rc = xsctl_timeout(x, &timeout);
	if (rc || (rc = xsctl_connect(x)))
		goto out;
	errno = 0;
	if (!xs_watch(x->xs.h, argv[0], "wait")) {
		rc = xsctl_fail(x, errno ? -errno : -EIO, "wait", argv[0]);
		goto out;
	}
	if (timeout >= 0)
		deadline = now_ms() + timeout;
	/* The store is the truth: events only say when to look again. */
	for (;;) {
		char **ev;

		r = check_cond(x, argv[0], c, want, wlen);
		if (r < 0) {
			rc = -r;
			break;
		}
		if (r == 1)
			break;
		r = wait_events(x, deadline);
		if (r == 0) {
			hv_err(0, "raise --timeout, or check who should write it",
			       "wait %s: %s after %s s", argv[0],
			       c == COND_GONE ? "still present" :
			       c == COND_VALUE ? "value still differs" : "still missing",
			       x->o.timeout);
			rc = HV_EXIT_TIMEOUT;
			break;
		}
		if (r < 0) {
			rc = hv_fail(r, NULL, "wait: waiting for events");
			break;
		}
		while ((ev = xs_check_watch(x->xs.h)))
			free(ev);
	}
out:
	free(want);
	return rc;
}
