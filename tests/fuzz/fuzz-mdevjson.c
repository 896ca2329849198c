// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mdevctl definition files as vfio-bind reads them (tools/vfio-bind/
 * mdevjson.c): any bytes as the file. An accepted file must be what json-c
 * itself reads as an object with a "mdev_type" string, a "start" of "auto"
 * or "manual" and "attrs" absent, null or one-member objects of strings;
 * the type and every attribute name must be a plain file name (no '/', not
 * "." or ".."), no value may hold a NUL. What vfio-bind writes for it must
 * parse back to the same definition.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vfio-bind.h"

static void check_plain(const char *s)
{
	FUZZ_CHECK(s[0] && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, ".."));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vb_mdef d, again;
	struct json_object *root, *v;
	const char *why;
	char *copy, *text;
	size_t len;
	int rc;

	rc = vb_mdef_parse((const char *)data, size, &d, &why);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc) {
		FUZZ_CHECK(rc != -EINVAL || why != NULL);
		FUZZ_CHECK(d.nattrs == 0 && d.attrs == NULL);
		return 0;
	}
	/* json-c's own reading of the same bytes agrees. */
	copy = malloc(size + 1);
	FUZZ_CHECK(copy);
	memcpy(copy, data, size);
	copy[size] = '\0';
	root = json_tokener_parse(copy);
	FUZZ_CHECK(root && json_object_is_type(root, json_type_object));
	FUZZ_CHECK(json_object_object_get_ex(root, "mdev_type", &v));
	FUZZ_CHECK(!strcmp(json_object_get_string(v), d.type));
	FUZZ_CHECK(json_object_object_get_ex(root, "start", &v));
	FUZZ_CHECK(!strcmp(json_object_get_string(v), d.autostart ? "auto" : "manual"));
	if (json_object_object_get_ex(root, "attrs", &v) && !json_object_is_type(v, json_type_null))
		FUZZ_CHECK(json_object_array_length(v) == d.nattrs);
	else
		FUZZ_CHECK(d.nattrs == 0);
	json_object_put(root);
	free(copy);
	check_plain(d.type);
	for (size_t i = 0; i < d.nattrs; i++) {
		check_plain(d.attrs[i].key);
		FUZZ_CHECK(strlen(d.attrs[i].val) <= VB_MDEF_MAX_VALUE);
	}
	/* Written back, it reads the same. */
	text = vb_mdef_format(&d, &len);
	FUZZ_CHECK(text);
	FUZZ_CHECK(vb_mdef_parse(text, len, &again, &why) == 0);
	FUZZ_CHECK(!strcmp(again.type, d.type) && again.autostart == d.autostart);
	FUZZ_CHECK(again.nattrs == d.nattrs);
	for (size_t i = 0; i < d.nattrs; i++)
		FUZZ_CHECK(!strcmp(again.attrs[i].key, d.attrs[i].key) &&
			   !strcmp(again.attrs[i].val, d.attrs[i].val));
	free(text);
	vb_mdef_free(&again);
	vb_mdef_free(&d);
	return 0;
}
