// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dump and restore. A dump is one JSON object per node:
 *   {"path": "/a", "value": "text", "perms": ["n0", "r5"],
 *    "children": {"b": {...}, ...}}
 * "path" only at the top. Values that are not UTF-8 text without NUL bytes
 * are written as "value_hex" instead, so every byte comes back unchanged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fileio.h"
#include "json.h"
#include "step.h"
#include "xsctl.h"

#define DUMP_MAX (64u << 20)

static bool is_text(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return false;
		for (size_t k = 1; k <= n; k++)
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return false;
		/* Overlong and surrogate forms are not text either. */
		if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0) ||
		    (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90))
			return false;
		i += n + 1;
	}
	return true;
}

static void hex_value(struct hv_json *j, const char *val, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *h = malloc(len * 2 + 1);

	if (!h) {
		hv_json_null(j, "value_hex");
		return;
	}
	for (size_t i = 0; i < len; i++) {
		h[2 * i] = digits[(unsigned char)val[i] >> 4];
		h[2 * i + 1] = digits[(unsigned char)val[i] & 15];
	}
	h[2 * len] = '\0';
	hv_json_str(j, "value_hex", h);
	free(h);
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int dump_node(struct xsctl *x, struct hv_json *j, const char *path, const char *key,
		     bool top)
{
	struct xs_permissions *perms;
	unsigned int np, n;
	char **names, *val, tok[16];
	size_t len;
	int err, rc = 0;

	err = hv_xs_read(&x->xs, x->t, path, &val, &len);
	if (!err) {
		err = hv_xs_get_perms(&x->xs, x->t, path, &perms, &np);
		if (err)
			free(val);
	}
	if (!err) {
		err = hv_xs_directory(&x->xs, x->t, path, &names, &n);
		if (err) {
			free(val);
			free(perms);
		}
	}
	if (err)
		return xsctl_fail(x, err, "dump", path);
	/* Name order: two dumps of equal trees are equal text. */
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_keys);
	hv_json_object_open(j, key);
	if (top)
		hv_json_str(j, "path", path);
	if (is_text((const unsigned char *)val, len))
		hv_json_strn(j, "value", val, len);
	else
		hex_value(j, val, len);
	hv_json_array_open(j, "perms");
	for (unsigned int i = 0; i < np; i++)
		hv_json_str(j, NULL, hv_xs_perm_format(&perms[i], tok, sizeof(tok)));
	hv_json_array_close(j);
	hv_json_object_open(j, "children");
	for (unsigned int i = 0; i < n && !rc; i++) {
		char *child = xsctl_join(path, names[i]);

		rc = child ? dump_node(x, j, child, names[i], false)
			   : hv_fail(-ENOMEM, NULL, "dump");
		free(child);
	}
	hv_json_object_close(j);
	hv_json_object_close(j);
	free(val);
	free(perms);
	free(names);
	return rc;
}

static int do_dump(struct xsctl *x, void *arg)
{
	struct hv_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len), *out = x->out;
	int rc;

	if (!mem)
		return hv_fail(-errno, NULL, "dump");
	/* A retried transaction must not leave half a dump on stdout. */
	x->out = mem;
	hv_json_init(&j, mem, false);
	rc = dump_node(x, &j, arg, NULL, true);
	hv_json_end(&j);
	fclose(mem);
	x->out = out;
	if (!rc)
		fwrite(buf, 1, len, out);
	free(buf);
	return rc;
}

int xsctl_dump(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	const char *path = argc ? argv[0] : "/";
	int rc;

	if (argc > 1)
		return xsctl_usage(x, "dump: expected at most one PATH");
	rc = xsctl_check_path(x, path, false);
	if (rc || (rc = xsctl_connect(x)) || x->dry_run)
		return rc;
	/* One transaction: the dump is a consistent snapshot. */
	return xsctl_atomic(x, "dump", do_dump, (void *)path);
}

/* ---- restore ---------------------------------------------------------- */

struct restore {
	const char *file;
	json_object *root;
	const char *target;
};

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A node's value as bytes; NULL with *why set when the dump is malformed. */
static char *node_value(json_object *node, size_t *len, const char **why)
{
	json_object *v;
	const char *s;
	char *out;
	size_t n;

	*why = NULL;
	if (json_object_object_get_ex(node, "value", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			*why = "\"value\" is not a string";
			return NULL;
		}
		n = (size_t)json_object_get_string_len(v);
		out = malloc(n + 1);
		if (out)
			memcpy(out, json_object_get_string(v), n + 1);
		*len = n;
		return out;
	}
	if (json_object_object_get_ex(node, "value_hex", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			*why = "\"value_hex\" is not a string";
			return NULL;
		}
		s = json_object_get_string(v);
		n = strlen(s);
		if (n % 2) {
			*why = "\"value_hex\" has an odd number of digits";
			return NULL;
		}
		out = malloc(n / 2 + 1);
		if (!out)
			return NULL;
		for (size_t i = 0; i < n / 2; i++) {
			int hi = hexdigit(s[2 * i]), lo = hexdigit(s[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				free(out);
				*why = "\"value_hex\" is not hexadecimal";
				return NULL;
			}
			out[i] = (char)(hi * 16 + lo);
		}
		*len = n / 2;
		return out;
	}
	*len = 0;
	return strdup("");
}

static int node_perms(struct xsctl *x, json_object *node, const char *path,
		      struct xs_permissions **perms, unsigned int *n)
{
	json_object *a;
	size_t len;

	*perms = NULL;
	*n = 0;
	if (!json_object_object_get_ex(node, "perms", &a))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return xsctl_usage(x, "restore: %s: \"perms\" is not an array", path);
	len = json_object_array_length(a);
	if (!len)
		return 0;
	*perms = calloc(len, sizeof(**perms));
	if (!*perms)
		return hv_fail(-ENOMEM, NULL, "restore");
	for (size_t i = 0; i < len; i++) {
		json_object *t = json_object_array_get_idx(a, i);

		if (!json_object_is_type(t, json_type_string) ||
		    hv_xs_perm_parse(json_object_get_string(t), &(*perms)[i])) {
			free(*perms);
			*perms = NULL;
			return xsctl_usage(x, "restore: %s: invalid permission in \"perms\"", path);
		}
	}
	*n = (unsigned int)len;
	return 0;
}

/* Checks (apply=false) or re-creates (apply=true) one node and its children. */
static int restore_node(struct xsctl *x, json_object *node, const char *path, bool apply)
{
	struct xs_permissions *perms;
	json_object *kids;
	unsigned int np;
	const char *why;
	char *val;
	size_t len;
	int rc, err;

	if (!json_object_is_type(node, json_type_object))
		return xsctl_usage(x, "restore: %s: a node must be a JSON object", path);
	rc = xsctl_check_path(x, path, false);
	if (rc)
		return rc;
	val = node_value(node, &len, &why);
	if (!val)
		return why ? xsctl_usage(x, "restore: %s: %s", path, why)
			   : hv_fail(-ENOMEM, NULL, "restore");
	rc = xsctl_check_size(x, path, len);
	if (!rc)
		rc = node_perms(x, node, path, &perms, &np);
	if (rc) {
		free(val);
		return rc;
	}
	if (apply) {
		err = hv_xs_write(&x->xs, x->t, path, val, len);
		if (!err && np)
			err = hv_xs_set_perms(&x->xs, x->t, path, perms, np);
		if (err)
			rc = xsctl_fail(x, err, "restore", path);
		hv_step("node-written");
	}
	free(val);
	free(perms);
	if (rc)
		return rc;
	if (!json_object_object_get_ex(node, "children", &kids))
		return 0;
	if (!json_object_is_type(kids, json_type_object))
		return xsctl_usage(x, "restore: %s: \"children\" is not an object", path);
	json_object_object_foreach(kids, name, child)
	{
		char *cp;

		if (!*name || strchr(name, '/'))
			return xsctl_usage(x, "restore: %s: invalid child name '%.64s'", path,
					   name);
		cp = xsctl_join(path, name);
		if (!cp)
			return hv_fail(-ENOMEM, NULL, "restore");
		rc = restore_node(x, child, cp, apply);
		free(cp);
		if (rc)
			return rc;
	}
	return 0;
}

static int do_restore(struct xsctl *x, void *arg)
{
	struct restore *r = arg;
	int err;

	if (x->o.replace) {
		err = hv_xs_rm(&x->xs, x->t, r->target);
		if (err && err != -ENOENT)
			return xsctl_fail(x, err, "restore: removing", r->target);
		hv_step("removed");
	}
	return restore_node(x, r->root, r->target, true);
}

int xsctl_restore(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct restore r = {0};
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	const char *why;
	json_object *p;
	char *buf;
	size_t len;
	int rc, err;

	if (argc != 1)
		return xsctl_usage(x, "restore: expected FILE (- for stdin)");
	r.file = argv[0];
	if (strcmp(r.file, "-"))
		err = hv_read_file_alloc(r.file, DUMP_MAX, &buf, &len);
	else
		err = hv_read_fd_alloc(STDIN_FILENO, DUMP_MAX, &buf, &len);
	if (err)
		return hv_fail(err, NULL, "restore: reading %s", r.file);
	/*
	 * A dump nests two levels per node, and XenStore paths go 1536 nodes
	 * deep: json-c's default of 32 levels refused dumps of trees deeper than
	 * 15 (found by fuzz-xsrestore).
	 */
	tok = json_tokener_new_ex(HV_XS_ABS_PATH_MAX + 2);
	if (!tok) {
		free(buf);
		return hv_fail(-ENOMEM, NULL, "restore");
	}
	r.root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	why = jerr == json_tokener_success || jerr == json_tokener_continue
		  ? "empty or incomplete"
		  : json_tokener_error_desc(jerr);
	/* One document and nothing after it but blanks: anything else is not a dump. */
	if (r.root && jerr == json_tokener_success) {
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
			if (!buf[i] || !strchr(" \t\r\n", buf[i])) {
				jerr = json_tokener_error_parse_unexpected;
				why = "bytes after the end of the dump";
				break;
			}
	}
	json_tokener_free(tok);
	free(buf);
	if (!r.root || jerr != json_tokener_success) {
		json_object_put(r.root);
		return xsctl_usage(x, "restore: %s is not JSON: %s", r.file, why);
	}
	if (!json_object_is_type(r.root, json_type_object)) {
		rc = xsctl_usage(x, "restore: %s: the top level must be an object", r.file);
		goto out;
	}
	r.target = x->o.to;
	if (!r.target && json_object_object_get_ex(r.root, "path", &p) &&
	    json_object_is_type(p, json_type_string))
		r.target = json_object_get_string(p);
	if (!r.target) {
		rc = xsctl_usage(x, "restore: %s has no \"path\": give --to PATH", r.file);
		goto out;
	}
	/* Everything is checked before the transaction starts: nothing half-written. */
	rc = restore_node(x, r.root, r.target, false);
	if (rc)
		goto out;
	/* The dump, not the user, named what --replace deletes: say it first. */
	if (x->o.replace && !x->o.to && !x->o.c.quiet)
		hv_note("restore: --replace removes %s and everything below it, the path the dump "
			"names (give --to PATH to name it yourself)",
			r.target);
	if ((rc = xsctl_connect(x)))
		goto out;
	hv_step("connected");
	rc = xsctl_atomic(x, "restore", do_restore, &r);
out:
	json_object_put(r.root);
	return rc;
}
