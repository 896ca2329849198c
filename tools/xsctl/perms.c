// SPDX-License-Identifier: GPL-2.0-or-later
/* perms and chmod: node permissions as Xen's n/r/w/b<domid> tokens. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xsctl.h"

int xsctl_perms(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct xs_permissions **p;
	unsigned int *n;
	struct hv_json j;
	int rc = 0;

	if (argc < 1)
		return xsctl_usage(x, "perms: expected PATH...");
	for (int i = 0; i < argc && !rc; i++)
		rc = xsctl_check_path(x, argv[i], false);
	if (rc || (rc = xsctl_connect(x)) || x->dry_run)
		return rc;
	p = calloc((size_t)argc, sizeof(*p));
	n = calloc((size_t)argc, sizeof(*n));
	if (!p || !n) {
		rc = hv_fail(-ENOMEM, NULL, "perms");
		goto out;
	}
	for (int i = 0; i < argc; i++) {
		int err = hv_xs_get_perms(&x->xs, x->t, argv[i], &p[i], &n[i]);

		if (err) {
			rc = xsctl_fail(x, err, "perms", argv[i]);
			goto out;
		}
	}
	if (x->o.c.json) {
		hv_json_init(&j, x->out, false);
		hv_json_object_open(&j, NULL);
		hv_json_array_open(&j, "perms");
	}
	for (int i = 0; i < argc; i++) {
		char tok[16], *s;

		if (x->o.c.json) {
			hv_json_object_open(&j, NULL);
			hv_json_str(&j, "path", argv[i]);
			hv_json_u64(&j, "owner", n[i] ? p[i][0].id : 0);
			hv_json_array_open(&j, "perms");
			for (unsigned int k = 0; k < n[i]; k++)
				hv_json_str(&j, NULL,
					    hv_xs_perm_format(&p[i][k], tok, sizeof(tok)));
			hv_json_array_close(&j);
			hv_json_object_close(&j);
			continue;
		}
		s = hv_xs_perms_string(p[i], n[i]);
		if (!s) {
			rc = hv_fail(-ENOMEM, NULL, "perms");
			goto out;
		}
		if (x->o.prefix)
			fprintf(x->out, "%s: ", argv[i]);
		fprintf(x->out, "%s\n", s);
		free(s);
	}
	if (x->o.c.json) {
		hv_json_array_close(&j);
		hv_json_object_close(&j);
		hv_json_end(&j);
	}
out:
	for (int i = 0; p && i < argc; i++)
		free(p[i]);
	free(p);
	free(n);
	return rc;
}

struct chmod {
	const char *path;
	struct xs_permissions *perms;
	unsigned int n;
};

static int set_tree(struct xsctl *x, struct chmod *c, const char *path)
{
	unsigned int n;
	char **names;
	int err, rc;

	err = hv_xs_set_perms(&x->xs, x->t, path, c->perms, c->n);
	if (err)
		return xsctl_fail(x, err, "chmod", path);
	if (!x->o.recursive)
		return 0;
	err = hv_xs_directory(&x->xs, x->t, path, &names, &n);
	if (err)
		return xsctl_fail(x, err, "chmod", path);
	for (unsigned int i = 0; i < n; i++) {
		char *child = xsctl_join(path, names[i]);

		if (!child) {
			free(names);
			return hv_fail(-ENOMEM, NULL, "chmod");
		}
		rc = set_tree(x, c, child);
		free(child);
		if (rc) {
			free(names);
			return rc;
		}
	}
	free(names);
	return 0;
}

static int do_chmod(struct xsctl *x, void *arg)
{
	struct chmod *c = arg;
	char *p;
	int rc;

	/* -u: the same permissions on every parent, so the node becomes reachable. */
	if (x->o.up && c->path[0] == '/') {
		p = strdup(c->path);
		if (!p)
			return hv_fail(-ENOMEM, NULL, "chmod");
		for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
			int err;

			*s = '\0';
			err = hv_xs_set_perms(&x->xs, x->t, p, c->perms, c->n);
			if (err) {
				rc = xsctl_fail(x, err, "chmod", p);
				free(p);
				return rc;
			}
			*s = '/';
		}
		free(p);
	}
	return set_tree(x, c, c->path);
}

int xsctl_chmod(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct chmod c = {0};
	int rc;

	if (argc < 2)
		return xsctl_usage(x, "chmod: expected PATH PERM... (e.g. n0 r5)");
	c.path = argv[0];
	rc = xsctl_check_path(x, c.path, false);
	if (rc)
		return rc;
	c.n = (unsigned int)argc - 1;
	c.perms = calloc(c.n, sizeof(*c.perms));
	if (!c.perms)
		return hv_fail(-ENOMEM, NULL, "chmod");
	for (unsigned int i = 0; i < c.n; i++) {
		if (hv_xs_perm_parse(argv[i + 1], &c.perms[i])) {
			rc = xsctl_usage(x,
					 "chmod: invalid permission '%s': expected n, r, w or b "
					 "followed by a domain id (e.g. r5)",
					 argv[i + 1]);
			goto out;
		}
	}
	rc = xsctl_connect(x);
	if (rc || x->dry_run)
		goto out;
	rc = xsctl_atomic(x, "chmod", do_chmod, &c);
out:
	free(c.perms);
	return rc;
}
