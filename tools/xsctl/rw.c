// SPDX-License-Identifier: GPL-2.0-or-later
/* read, write, mkdir, rm, exists, incr, domain-path: single nodes. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "json.h"
#include "parse.h"
#include "xsctl.h"

static int check_paths(struct xsctl *x, int argc, const char **argv, int step)
{
	int rc;

	for (int i = 0; i < argc; i += step) {
		rc = xsctl_check_path(x, argv[i], false);
		if (rc)
			return rc;
	}
	return 0;
}

struct value {
	char *buf;
	size_t len;
	bool missing;
};

static void free_values(struct value *v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i].buf);
	free(v);
}

int xsctl_read(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct value *v;
	struct hv_json j;
	int rc;

	if (argc < 1)
		return xsctl_usage(x, "read: expected PATH...");
	rc = check_paths(x, argc, argv, 1);
	if (rc || (rc = xsctl_connect(x)) || x->dry_run)
		return rc;
	v = calloc((size_t)argc, sizeof(*v));
	if (!v)
		return hv_fail(-ENOMEM, NULL, "read");
	/* All values first: a missing path prints nothing at all, as with xenstore-read. */
	for (int i = 0; i < argc; i++) {
		int err = hv_xs_read(&x->xs, x->t, argv[i], &v[i].buf, &v[i].len);

		if (err == -ENOENT && x->o.def) {
			v[i].missing = true;
			continue;
		}
		if (err) {
			free_values(v, argc);
			return xsctl_fail(x, err, "read", argv[i]);
		}
	}
	if (x->o.c.json) {
		hv_json_init(&j, x->out, false);
		hv_json_object_open(&j, NULL);
		hv_json_array_open(&j, "read");
		for (int i = 0; i < argc; i++) {
			hv_json_object_open(&j, NULL);
			hv_json_str(&j, "path", argv[i]);
			if (v[i].missing)
				hv_json_str(&j, "value", x->o.def);
			else
				hv_json_strn(&j, "value", v[i].buf, v[i].len);
			hv_json_bool(&j, "exists", !v[i].missing);
			hv_json_object_close(&j);
		}
		hv_json_array_close(&j);
		hv_json_object_close(&j);
		hv_json_end(&j);
	} else {
		for (int i = 0; i < argc; i++) {
			const char *val = v[i].missing ? x->o.def : v[i].buf;
			size_t len = v[i].missing ? strlen(x->o.def) : v[i].len;

			if (x->o.prefix)
				fprintf(x->out, "%s: ", argv[i]);
			if (x->o.raw) {
				/* Raw means the bytes exactly: no newline added. */
				fwrite(val, 1, len, x->out);
				continue;
			}
			xsctl_escape(x->out, val, len);
			fputc('\n', x->out);
		}
	}
	free_values(v, argc);
	return 0;
}

struct writes {
	int n;
	const char **paths;
	struct value *vals;
};

static int do_writes(struct xsctl *x, void *arg)
{
	struct writes *w = arg;

	for (int i = 0; i < w->n; i++) {
		int err = hv_xs_write(&x->xs, x->t, w->paths[i], w->vals[i].buf, w->vals[i].len);

		if (err)
			return xsctl_fail(x, err, "write", w->paths[i]);
	}
	return 0;
}

int xsctl_write(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct writes w = {.n = argc / 2};
	bool used_stdin = false;
	int rc = 0;

	if (argc < 2 || argc % 2)
		return xsctl_usage(x, "write: expected PATH VALUE [PATH VALUE...]");
	rc = check_paths(x, argc, argv, 2);
	if (rc)
		return rc;
	w.paths = calloc((size_t)w.n, sizeof(*w.paths));
	w.vals = calloc((size_t)w.n, sizeof(*w.vals));
	if (!w.paths || !w.vals) {
		rc = hv_fail(-ENOMEM, NULL, "write");
		goto out;
	}
	/* Every value is decoded and size-checked before anything is sent. */
	for (int i = 0; i < w.n; i++) {
		const char *in = argv[2 * i + 1];
		int err;

		w.paths[i] = argv[2 * i];
		if (!strcmp(in, "-")) {
			if (x->in_script) {
				rc =
				    xsctl_usage(x, "write: a value of '-' (stdin) is not available "
						   "in scripts");
				goto out;
			}
			if (used_stdin) {
				rc = xsctl_usage(x, "write: only one value can come from stdin");
				goto out;
			}
			used_stdin = true;
			err = hv_read_fd_alloc(STDIN_FILENO, HV_XS_PAYLOAD_MAX + 1, &w.vals[i].buf,
					       &w.vals[i].len);
			if (err == -EFBIG) {
				rc = xsctl_usage(x,
						 "value for %s from stdin is over the %d-byte "
						 "XenStore payload limit",
						 w.paths[i], HV_XS_PAYLOAD_MAX);
				goto out;
			}
			if (err) {
				rc = hv_fail(err, NULL, "%sreading the value from stdin", x->where);
				goto out;
			}
		} else if (x->o.raw) {
			w.vals[i].buf = strdup(in);
			w.vals[i].len = strlen(in);
			if (!w.vals[i].buf) {
				rc = hv_fail(-ENOMEM, NULL, "write");
				goto out;
			}
		} else if ((err = xsctl_unescape(in, &w.vals[i].buf, &w.vals[i].len))) {
			rc = err == -EINVAL ? xsctl_usage(x,
							  "value for %s ends in a lone '\\' "
							  "(write '\\\\' for a backslash)",
							  w.paths[i])
					    : hv_fail(err, NULL, "write");
			goto out;
		}
		rc = xsctl_check_size(x, w.paths[i], w.vals[i].len);
		if (rc)
			goto out;
	}
	rc = xsctl_connect(x);
	if (rc || x->dry_run)
		goto out;
	/* Several pairs are all-or-nothing, like xenstore-write's transaction. */
	rc = w.n > 1 ? xsctl_atomic(x, "write", do_writes, &w) : do_writes(x, &w);
out:
	if (w.vals)
		free_values(w.vals, w.n);
	free(w.paths);
	return rc;
}

struct paths {
	int n;
	const char **p;
};

static int do_mkdirs(struct xsctl *x, void *arg)
{
	struct paths *p = arg;

	for (int i = 0; i < p->n; i++) {
		int err = hv_xs_mkdir(&x->xs, x->t, p->p[i]);

		if (err)
			return xsctl_fail(x, err, "mkdir", p->p[i]);
	}
	return 0;
}

int xsctl_mkdir(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct paths p = {argc, argv};
	int rc;

	if (argc < 1)
		return xsctl_usage(x, "mkdir: expected PATH...");
	rc = check_paths(x, argc, argv, 1);
	if (rc || (rc = xsctl_connect(x)) || x->dry_run)
		return rc;
	return argc > 1 ? xsctl_atomic(x, "mkdir", do_mkdirs, &p) : do_mkdirs(x, &p);
}

/* rm -t: parents that are now empty and hold no value go too, as xenstore-rm -t does. */
static int tidy_parents(struct xsctl *x, const char *path)
{
	char *p = strdup(path), *slash, *val, **names;
	unsigned int n;
	size_t len;
	int err = 0;

	if (!p)
		return hv_fail(-ENOMEM, NULL, "rm");
	while ((slash = strrchr(p, '/')) && slash != p) {
		*slash = '\0';
		if (hv_xs_read(&x->xs, x->t, p, &val, &len))
			break;
		free(val);
		if (len || hv_xs_directory(&x->xs, x->t, p, &names, &n))
			break;
		free(names);
		if (n)
			break;
		err = hv_xs_rm(&x->xs, x->t, p);
		if (err)
			break;
	}
	if (err) {
		int rc = xsctl_fail(x, err, "rm", p);

		free(p);
		return rc;
	}
	free(p);
	return 0;
}

static int do_rms(struct xsctl *x, void *arg)
{
	struct paths *p = arg;

	for (int i = 0; i < p->n; i++) {
		int err = hv_xs_rm(&x->xs, x->t, p->p[i]), rc;

		if (err)
			return xsctl_fail(x, err, "rm", p->p[i]);
		if (x->o.tidy && (rc = tidy_parents(x, p->p[i])))
			return rc;
	}
	return 0;
}

int xsctl_rm(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct paths p = {argc, argv};
	int rc;

	if (argc < 1)
		return xsctl_usage(x, "rm: expected PATH...");
	rc = check_paths(x, argc, argv, 1);
	if (rc || (rc = xsctl_connect(x)) || x->dry_run)
		return rc;
	if (argc > 1 || x->o.tidy)
		return xsctl_atomic(x, "rm", do_rms, &p);
	return do_rms(x, &p);
}

int xsctl_exists(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	char *val;
	int rc;

	if (argc < 1)
		return xsctl_usage(x, "exists: expected PATH...");
	rc = check_paths(x, argc, argv, 1);
	if (rc || (rc = xsctl_connect(x)) || x->dry_run)
		return rc;
	for (int i = 0; i < argc; i++) {
		int err = hv_xs_read(&x->xs, x->t, argv[i], &val, NULL);

		/* The answer is the exit status; only real failures say something. */
		if (err == -ENOENT)
			return HV_EXIT_NOTFOUND;
		if (err)
			return xsctl_fail(x, err, "exists", argv[i]);
		free(val);
	}
	return 0;
}

struct incr {
	const char *path;
	int64_t delta;
	int64_t result;
};

static int do_incr(struct xsctl *x, void *arg)
{
	struct incr *in = arg;
	char *val = NULL, buf[32];
	int64_t cur = 0;
	size_t len = 0;
	int err;

	err = hv_xs_read(&x->xs, x->t, in->path, &val, &len);
	if (err && err != -ENOENT)
		return xsctl_fail(x, err, "incr", in->path);
	/* A missing or empty node counts as 0, so counters need no setup. */
	if (!err && len && hv_parse_i64(val, INT64_MIN, INT64_MAX, &cur)) {
		hv_err(0, NULL, "%sincr %s: value '%.32s' is not an integer", x->where, in->path,
		       val);
		free(val);
		return HV_EXIT_FAILURE;
	}
	free(val);
	if (__builtin_add_overflow(cur, in->delta, &in->result)) {
		hv_err(-ERANGE, NULL, "%sincr %s", x->where, in->path);
		return HV_EXIT_FAILURE;
	}
	snprintf(buf, sizeof(buf), "%" PRId64, in->result);
	err = hv_xs_write(&x->xs, x->t, in->path, buf, strlen(buf));
	if (err)
		return xsctl_fail(x, err, "incr", in->path);
	return 0;
}

int xsctl_incr(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct incr in = {.delta = 1};
	int rc;

	if (argc < 1 || argc > 2)
		return xsctl_usage(x, "incr: expected PATH [DELTA]");
	in.path = argv[0];
	if (argc == 2 && hv_parse_i64(argv[1], INT64_MIN, INT64_MAX, &in.delta))
		return xsctl_usage(x, "incr: DELTA '%s' is not an integer", argv[1]);
	if (x->o.retries < 0)
		return xsctl_usage(x, "--retries must be 0 or more");
	rc = xsctl_check_path(x, in.path, false);
	if (rc || (rc = xsctl_connect(x)) || x->dry_run)
		return rc;
	rc = xsctl_atomic(x, "incr", do_incr, &in);
	if (rc)
		return rc;
	if (x->o.c.json) {
		struct hv_json j;

		hv_json_init(&j, x->out, true);
		hv_json_object_open(&j, NULL);
		hv_json_str(&j, "path", in.path);
		hv_json_i64(&j, "value", in.result);
		hv_json_object_close(&j);
		hv_json_end(&j);
	} else if (!x->o.c.quiet)
		fprintf(x->out, "%" PRId64 "\n", in.result);
	return 0;
}

int xsctl_domain_path(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	uint64_t domid;
	char *p;
	int rc, err;

	if (argc != 1)
		return xsctl_usage(x, "domain-path: expected DOMID");
	if (hv_parse_dec(argv[0], 0, 0x7fef, &domid))
		return xsctl_usage(x, "domain-path: DOMID '%s' is not a domain id (0-32751)",
				   argv[0]);
	rc = xsctl_connect(x);
	if (rc || x->dry_run)
		return rc;
	err = hv_xs_domain_path(&x->xs, (unsigned int)domid, &p);
	if (err)
		return hv_fail(err, NULL, "%sdomain-path %s", x->where, argv[0]);
	if (x->o.c.json) {
		struct hv_json j;

		hv_json_init(&j, x->out, false);
		hv_json_object_open(&j, NULL);
		hv_json_u64(&j, "domid", domid);
		hv_json_str(&j, "path", p);
		hv_json_object_close(&j);
		hv_json_end(&j);
	} else {
		fprintf(x->out, "%s\n", p);
	}
	free(p);
	return 0;
}
