// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mdevctl's definition files, /etc/mdevctl.d/PARENT/UUID, as text: parsed
 * with json-c and written in mdevctl 1.2.0's own layout (serde_json's
 * pretty printer), so mdevctl and vfio-bind read each other's files. A pure
 * function over a buffer: tests/fuzz/fuzz-mdevjson checks it on any bytes.
 *
 *   {
 *     "mdev_type": "mdev_edu-1",
 *     "start": "auto",            "auto" | "manual"
 *     "attrs": [                  optional; each a one-member object
 *       {
 *         "assign_adapter": "5"
 *       }
 *     ]
 *   }
 *
 * A file is input from anyone with root: every name that becomes a path
 * component (the type, an attribute) must be a plain name, and a value must
 * hold no NUL and be UTF-8, or the file is refused whole; nothing of it is
 * applied.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "vfio-bind.h"

bool vb_mdev_name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n >= max || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.' || *s == ':'))
			return false;
	return true;
}

void vb_mdef_free(struct vb_mdef *d)
{
	for (size_t i = 0; i < d->nattrs; i++) {
		free(d->attrs[i].key);
		free(d->attrs[i].val);
	}
	free(d->attrs);
	d->attrs = NULL;
	d->nattrs = 0;
}

static int parse_attrs(struct json_object *a, struct vb_mdef *d, const char **why)
{
	size_t n;

	if (!a || json_object_is_type(a, json_type_null))
		return 0;
	if (!json_object_is_type(a, json_type_array)) {
		*why = "\"attrs\" is not an array";
		return -EINVAL;
	}
	n = json_object_array_length(a);
	if (n > VB_MDEF_MAX_ATTRS) {
		*why = "more than 64 attributes";
		return -EINVAL;
	}
	d->attrs = calloc(n ? n : 1, sizeof(*d->attrs));
	if (!d->attrs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		struct json_object_iterator it, end;
		struct json_object *v;
		const char *key, *val;

		if (!json_object_is_type(o, json_type_object) ||
		    json_object_object_length(o) != 1) {
			*why = "an attribute is not an object with one member";
			return -EINVAL;
		}
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		if (json_object_iter_equal(&it, &end))
			return -EINVAL;
		key = json_object_iter_peek_name(&it);
		v = json_object_iter_peek_value(&it);
		/* An attribute is a file in the instance's sysfs directory: a plain name. */
		if (!vb_mdev_name_ok(key, VB_NAME_MAX) || strchr(key, ':')) {
			*why = "an attribute name is not a plain file name";
			return -EINVAL;
		}
		if (!json_object_is_type(v, json_type_string)) {
			*why = "an attribute value is not a string";
			return -EINVAL;
		}
		val = json_object_get_string(v);
		if ((size_t)json_object_get_string_len(v) != strlen(val) ||
		    strlen(val) > VB_MDEF_MAX_VALUE) {
			*why = "an attribute value holds a NUL or is longer than 4096 bytes";
			return -EINVAL;
		}
		/* JSON text is UTF-8 (RFC 8259); mdevctl's parser refuses anything else. */
		if (!hv_utf8_valid(val, strlen(val))) {
			*why = "an attribute value is not valid UTF-8";
			return -EINVAL;
		}
		d->attrs[i].key = strdup(key);
		d->attrs[i].val = strdup(val);
		d->nattrs = i + 1;
		if (!d->attrs[i].key || !d->attrs[i].val)
			return -ENOMEM;
	}
	return 0;
}

int vb_mdef_parse(const char *buf, size_t len, struct vb_mdef *d, const char **why)
{
	struct json_tokener *tok;
	struct json_object *root = NULL, *t, *s;
	const char *start;
	int rc = -EINVAL;

	*why = NULL;
	d->type[0] = '\0';
	d->autostart = false;
	d->attrs = NULL;
	d->nattrs = 0;
	if (len > VB_MDEF_MAX || memchr(buf, '\0', len)) {
		*why = len > VB_MDEF_MAX ? "larger than 64 KiB" : "a NUL byte in the file";
		return -EINVAL;
	}
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		*why = "not valid JSON";
		goto out;
	}
	/* One value and nothing after it but blanks. */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\t' && buf[i] != '\r') {
			*why = "text after the JSON object";
			goto out;
		}
	if (!json_object_is_type(root, json_type_object)) {
		*why = "not a JSON object";
		goto out;
	}
	if (!json_object_object_get_ex(root, "mdev_type", &t) ||
	    !json_object_is_type(t, json_type_string)) {
		*why = "no \"mdev_type\" string";
		goto out;
	}
	if (!vb_mdev_name_ok(json_object_get_string(t), sizeof(d->type)) ||
	    (size_t)json_object_get_string_len(t) != strlen(json_object_get_string(t))) {
		*why = "\"mdev_type\" is not a plain type name";
		goto out;
	}
	snprintf(d->type, sizeof(d->type), "%s", json_object_get_string(t));
	if (!json_object_object_get_ex(root, "start", &s) ||
	    !json_object_is_type(s, json_type_string)) {
		*why = "no \"start\" string";
		goto out;
	}
	start = json_object_get_string(s);
	if (strcmp(start, "auto") && strcmp(start, "manual")) {
		*why = "\"start\" is neither \"auto\" nor \"manual\"";
		goto out;
	}
	d->autostart = !strcmp(start, "auto");
	if (!json_object_object_get_ex(root, "attrs", &t))
		t = NULL;
	rc = parse_attrs(t, d, why);
out:
	if (rc) {
		vb_mdef_free(d);
		if (rc == -EINVAL && !*why)
			*why = "not a definition";
	}
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}

char *vb_mdef_format(const struct vb_mdef *d, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	fputs("{\n  \"mdev_type\": ", f);
	hv_json_write_string(f, d->type, strlen(d->type));
	fprintf(f, ",\n  \"start\": \"%s\",\n  \"attrs\": [", d->autostart ? "auto" : "manual");
	for (size_t i = 0; i < d->nattrs; i++) {
		fprintf(f, "%s\n    {\n      ", i ? "," : "");
		hv_json_write_string(f, d->attrs[i].key, strlen(d->attrs[i].key));
		fputs(": ", f);
		hv_json_write_string(f, d->attrs[i].val, strlen(d->attrs[i].val));
		fputs("\n    }", f);
	}
	fputs(d->nattrs ? "\n  ]\n}" : "]\n}", f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
