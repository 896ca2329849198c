// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * watch and wait: change events, and conditions checked against the store.
 *
 * xsctl links Debian's static libxenstore.a for a fast start, but that one
 * is built without the reader thread: it reads watch events only inside
 * calls, and through /dev/xen/xenbus the kernel may queue a watch's first
 * event before the watch's own reply, which that library takes for a
 * protocol error (it fails with EINVAL and drops the connection). So the
 * connections that carry watches come from the shared, threaded
 * libxenstore.so.4, loaded here with dlopen() (RTLD_LOCAL: its symbols stay
 * apart from the static copy). Without it, or in the static hvutils, the
 * static one is used.
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "clock.h"
#include "json.h"
#include "xsctl.h"

struct evlib {
	void *dl;
	bool threaded;
	struct xs_handle *(*open)(unsigned long flags);
	void (*close)(struct xs_handle *h);
	bool (*watch)(struct xs_handle *h, const char *path, const char *token);
	char **(*check)(struct xs_handle *h);
	int (*fileno)(struct xs_handle *h);
};

static void evlib_load(struct evlib *l)
{
	*l = (struct evlib){.open = xs_open,
			    .close = xs_close,
			    .watch = xs_watch,
			    .check = xs_check_watch,
			    .fileno = xs_fileno};
	/*
	 * Not in a static program (the static hvutils, no interpreter): glibc's
	 * static dlopen() gives the library a libc of its own, whose
	 * pthread_create() crashes, and the reader thread is the point.
	 */
	if (!getauxval(AT_BASE))
		return;
	l->dl = dlopen("libxenstore.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!l->dl)
		return;
	/* POSIX's way to take a function pointer from dlsym(). */
	*(void **)&l->open = dlsym(l->dl, "xs_open");
	*(void **)&l->close = dlsym(l->dl, "xs_close");
	*(void **)&l->watch = dlsym(l->dl, "xs_watch");
	*(void **)&l->check = dlsym(l->dl, "xs_check_watch");
	*(void **)&l->fileno = dlsym(l->dl, "xs_fileno");
	if (l->open && l->close && l->watch && l->check && l->fileno) {
		l->threaded = true;
		return;
	}
	dlclose(l->dl);
	*l = (struct evlib){.open = xs_open,
			    .close = xs_close,
			    .watch = xs_watch,
			    .check = xs_check_watch,
			    .fileno = xs_fileno};
}

static void evlib_unload(struct evlib *l)
{
	if (l->dl)
		dlclose(l->dl);
	l->dl = NULL;
}

/* A connection for events, with the command line's transport. */
static int open_conn(struct xsctl *x, struct evlib *l, struct hv_xs *c)
{
	int err = hv_xs_open_with(c, x->transport, x->socket_path, l->open);

	if (err) {
		hv_err(err, HV_XS_HINT_CONNECT, "cannot reach XenStore via %s", c->tried);
		return HV_EXIT_NODEV;
	}
	if (l->threaded)
		c->fd = -1; /* the reader thread owns it: wait on xs_fileno() */
	return 0;
}

static void close_conn(struct evlib *l, struct hv_xs *c)
{
	if (c->h)
		l->close(c->h);
	c->h = NULL;
	c->fd = -1;
}

/* What to poll for a connection's events: its xs_fileno(), and without a
 * reader thread its own descriptor, which only our calls read. */
static int conn_pollfds(struct evlib *l, struct hv_xs *c, struct pollfd *pfd)
{
	pfd[0] = (struct pollfd){.fd = l->fileno(c->h), .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = c->fd, .events = POLLIN};
	return pfd[0].fd < 0 ? -EIO : 0;
}

/* Sets one watch; its connection is not used for requests afterwards. */
static int set_watch(struct xsctl *x, struct evlib *l, struct hv_xs *c, const char *path,
		     const char *token, const char *verb)
{
	errno = 0;
	if (l->watch(c->h, path, token))
		return 0;
	return xsctl_fail(x, errno ? -errno : -EIO, verb, path);
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

/*
 * One connection per watched path: without a reader thread libxenstore
 * would read a first watch's events in place of a second one's reply.
 */
struct watch_conns {
	struct evlib lib;
	struct hv_xs *c;
	struct pollfd *pfd;
	bool *seen_initial;
	int n;
};

static void close_watch_conns(struct watch_conns *w)
{
	for (int i = 0; w->c && i < w->n; i++)
		close_conn(&w->lib, &w->c[i]);
	evlib_unload(&w->lib);
	free(w->c);
	free(w->pfd);
	free(w->seen_initial);
}

static void print_event(struct xsctl *x, const char *path, const char *watch)
{
	if (x->o.c.json) {
		struct hv_json j;

		hv_json_init(&j, x->out, true);
		hv_json_object_open(&j, NULL);
		hv_json_str(&j, "path", path);
		hv_json_str(&j, "watch", watch);
		hv_json_object_close(&j);
		hv_json_end(&j);
	} else {
		fprintf(x->out, "%s\n", path);
	}
	/* Consumers act on each event as it comes. */
	fflush(x->out);
}

/* Prints ev unless filtered out; returns the number of lines printed. */
static int handle_event(struct xsctl *x, struct watch_conns *w, int i, const char *watched,
			char **ev)
{
	const char *path = ev[XS_WATCH_PATH];
	int n = 0;

	/* The daemon fires each watch once when it is set. */
	if (!w->seen_initial[i] && !strcmp(path, watched)) {
		w->seen_initial[i] = true;
		if (x->o.skip_initial) {
			free(ev);
			return 0;
		}
	}
	if (x->o.depth < 0 || depth_below(watched, path) <= x->o.depth) {
		print_event(x, path, watched);
		n = 1;
	}
	free(ev);
	return n;
}

int xsctl_watch(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct watch_conns w = {.n = argc};
	int64_t timeout, deadline = -1;
	int rc, printed = 0;

	if (argc < 1 || argc > 64)
		return xsctl_usage(x, "watch: expected 1 to 64 PATHs");
	if (x->o.count < 0)
		return xsctl_usage(x, "--count must be 1 or more");
	if (x->o.depth < -1)
		return xsctl_usage(x, "--depth must be 0 or more");
	for (int i = 0; i < argc; i++)
		if ((rc = xsctl_check_path(x, argv[i], true)))
			return rc;
	rc = xsctl_timeout(x, &timeout);
	if (rc)
		return rc;
	evlib_load(&w.lib);
	w.c = calloc((size_t)argc, sizeof(*w.c));
	w.pfd = calloc((size_t)argc * 2, sizeof(*w.pfd));
	w.seen_initial = calloc((size_t)argc, sizeof(*w.seen_initial));
	if (!w.c || !w.pfd || !w.seen_initial) {
		rc = hv_fail(-ENOMEM, NULL, "watch");
		goto out;
	}
	for (int i = 0; i < argc; i++) {
		rc = open_conn(x, &w.lib, &w.c[i]);
		if (!rc)
			rc = set_watch(x, &w.lib, &w.c[i], argv[i], "0", "watch");
		if (!rc && conn_pollfds(&w.lib, &w.c[i], &w.pfd[2 * i]))
			rc = hv_fail(-EIO, NULL, "watch %s: no event descriptor", argv[i]);
		if (rc) {
			w.n = i + 1;
			goto out;
		}
	}
	deadline = hv_deadline_ms(timeout);
	while (!x->o.count || printed < x->o.count) {
		int r = poll(w.pfd, (nfds_t)argc * 2, hv_poll_ms(deadline));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = hv_fail(-errno, NULL, "watch: waiting for events");
			goto out;
		}
		if (r == 0) {
			hv_err(0, NULL, "watch: timed out after %s s (%d event%s)", x->o.timeout,
			       printed, printed == 1 ? "" : "s");
			rc = HV_EXIT_TIMEOUT;
			goto out;
		}
		for (int i = 0; i < argc && (!x->o.count || printed < x->o.count); i++) {
			char **ev;

			while ((!x->o.count || printed < x->o.count) &&
			       (ev = w.lib.check(w.c[i].h)))
				printed += handle_event(x, &w, i, argv[i], ev);
		}
	}
out:
	close_watch_conns(&w);
	return rc;
}

enum cond { COND_EXISTS, COND_GONE, COND_VALUE };

/* 1 if the condition holds, 0 if not, or an exit code (negated) after reporting. */
static int check_cond(struct xsctl *x, const char *path, enum cond c, const char *want, size_t wlen)
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
	struct hv_xs ev_conn = {.h = NULL, .fd = -1};
	struct evlib lib = {0};
	struct pollfd pfd[2];
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
	/* Events arrive on their own connection; the store is read on x->xs. */
	evlib_load(&lib);
	if (rc || (rc = xsctl_connect(x)) || (rc = open_conn(x, &lib, &ev_conn)) ||
	    (rc = set_watch(x, &lib, &ev_conn, argv[0], "wait", "wait")))
		goto out;
	if (conn_pollfds(&lib, &ev_conn, pfd)) {
		rc = hv_fail(-EIO, NULL, "wait %s: no event descriptor", argv[0]);
		goto out;
	}
	deadline = hv_deadline_ms(timeout);
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
		r = poll(pfd, 2, hv_poll_ms(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		r = r < 0 ? -errno : r > 0;
		if (r == 0) {
			hv_err(0, "raise --timeout, or check who should write it",
			       "wait %s: %s after %s s", argv[0],
			       c == COND_GONE	 ? "still present"
			       : c == COND_VALUE ? "value still differs"
						 : "still missing",
			       x->o.timeout);
			rc = HV_EXIT_TIMEOUT;
			break;
		}
		if (r < 0) {
			rc = hv_fail(r, NULL, "wait: waiting for events");
			break;
		}
		while ((ev = lib.check(ev_conn.h)))
			free(ev);
	}
out:
	close_conn(&lib, &ev_conn);
	evlib_unload(&lib);
	free(want);
	return rc;
}
