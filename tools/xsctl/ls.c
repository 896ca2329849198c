// SPDX-License-Identifier: GPL-2.0-or-later
/* ls and tree: children of a node, and whole subtrees. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "table.h"
#include "xsctl.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Children in name order: the daemons answer in different orders. */
static int children(struct xsctl *x, const char *path, char ***names, unsigned int *n)
{
	int err = hv_xs_directory(&x->xs, x->t, path, names, n);

	if (!err && *n > 1)
		qsort(*names, *n, sizeof(**names), cmp_names);
	return err;
}

int xsctl_ls(void *ctx, int argc, const char **argv)
{
	static const struct hv_table_col cols[] = {
	    {"NAME", HV_COL_STR, 0},
	    {"PATH", HV_COL_STR, HV_COL_LAST_FREE},
	};
	struct xsctl *x = ctx;
	struct hv_table_opts to = {.json = true};
	struct hv_table *t;
	unsigned int n;
	char **names;
	int rc, err;

	if (argc != 1)
		return xsctl_usage(x, "ls: expected one PATH");
	rc = xsctl_check_path(x, argv[0], false);
	if (rc || (rc = xsctl_connect(x)) || x->dry_run)
		return rc;
	err = children(x, argv[0], &names, &n);
	if (err)
		return xsctl_fail(x, err, "ls", argv[0]);
	if (!x->o.c.json) {
		for (unsigned int i = 0; i < n; i++) {
			if (x->o.prefix)
				fprintf(x->out, "%s%s", argv[0], strcmp(argv[0], "/") ? "/" : "");
			fprintf(x->out, "%s\n", names[i]);
		}
		free(names);
		return 0;
	}
	t = hv_table_new("children", cols, 2);
	for (unsigned int i = 0; t && i < n; i++) {
		char *p = xsctl_join(argv[0], names[i]);
		const char *row[2] = {names[i], p};

		if (!p || hv_table_add_row(t, row)) {
			free(p);
			hv_table_free(t);
			t = NULL;
			break;
		}
		free(p);
	}
	free(names);
	if (!t)
		return hv_fail(-ENOMEM, NULL, "ls");
	hv_table_print(t, x->out, &to);
	hv_table_free(t);
	return 0;
}

struct walk {
	struct hv_json j;
	int rc;
};

static void print_node(struct xsctl *x, struct walk *w, const char *path, const char *name,
		       int level, const char *val, size_t len)
{
	struct xs_permissions *perms = NULL;
	unsigned int np = 0;
	char *ps = NULL;

	if (x->o.prefix && !hv_xs_get_perms(&x->xs, x->t, path, &perms, &np)) {
		ps = hv_xs_perms_string(perms, np);
		free(perms);
	}
	if (x->o.c.json) {
		hv_json_object_open(&w->j, NULL);
		hv_json_str(&w->j, "path", path);
		hv_json_strn(&w->j, "value", val, len);
		if (x->o.prefix)
			hv_json_str(&w->j, "perms", ps);
		hv_json_object_close(&w->j);
	} else {
		if (x->o.full)
			fputs(path, x->out);
		else
			fprintf(x->out, "%*s%s", level, "", name);
		fputs(" = \"", x->out);
		xsctl_escape(x->out, val, len);
		fputc('"', x->out);
		if (x->o.prefix)
			fprintf(x->out, "  (%s)", ps ? ps : "?");
		fputc('\n', x->out);
	}
	free(ps);
}

/* Depth first, in name order; nodes that vanish meanwhile are skipped. */
static void walk(struct xsctl *x, struct walk *w, const char *path, int level)
{
	unsigned int n;
	char **names;
	int err;

	err = children(x, path, &names, &n);
	if (err) {
		/* Below the top, a node removed meanwhile is no error. */
		if (err != -ENOENT || level == 0)
			w->rc = xsctl_fail(x, err, "tree", path);
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		char *child = xsctl_join(path, names[i]), *val;
		size_t len;

		if (!child) {
			w->rc = hv_fail(-ENOMEM, NULL, "tree");
			break;
		}
		err = hv_xs_read(&x->xs, x->t, child, &val, &len);
		if (err) {
			if (err != -ENOENT)
				w->rc = xsctl_fail(x, err, "tree", child);
			free(child);
			continue;
		}
		print_node(x, w, child, names[i], level, val, len);
		free(val);
		if (x->o.depth < 0 || level + 1 < x->o.depth)
			walk(x, w, child, level + 1);
		free(child);
	}
	free(names);
}

int xsctl_tree(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	const char *path = argc ? argv[0] : "/";
	struct walk w = {.rc = 0};
	int rc;

	if (argc > 1)
		return xsctl_usage(x, "tree: expected at most one PATH");
	if (x->o.depth == 0 || x->o.depth < -1)
		return xsctl_usage(x, "--depth must be 1 or more");
	rc = xsctl_check_path(x, path, false);
	if (rc || (rc = xsctl_connect(x)) || x->dry_run)
		return rc;
	if (x->o.c.json) {
		hv_json_init(&w.j, x->out, false);
		hv_json_object_open(&w.j, NULL);
		hv_json_array_open(&w.j, "tree");
	}
	walk(x, &w, path, 0);
	if (x->o.c.json) {
		hv_json_array_close(&w.j);
		hv_json_object_close(&w.j);
		hv_json_end(&w.j);
	}
	return w.rc;
}
