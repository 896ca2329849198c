// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/json: whatever bytes and whatever nesting the tools write (XenStore
 * values are binary, dump nests two levels per node), the output is JSON
 * that json-c parses back to exactly the intended document.
 *
 * First byte even: the rest is one string value. It must come back as the
 * rules of json.h say: valid UTF-8 unchanged, every other byte b as the code
 * point U+00b (computed here by an independent reference).
 * First byte odd: the rest is a program of writer calls (containers, keys,
 * every value type, any depth); json-c's parse of the output must equal the
 * tree built alongside with json-c itself.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"

/* Valid UTF-8 sequence length at s (RFC 3629: no overlongs, no surrogates), 0 if not. */
static size_t ref_utf8(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		uint8_t lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		uint8_t lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
			       (s[3] & 0xc0) == 0x80
			   ? 4
			   : 0;
	}
	return 0;
}

/* json-c may or may not count the final newline as part of the document. */
static bool only_newline_after(const char *buf, size_t len, size_t end)
{
	return len && buf[len - 1] == '\n' && (end == len || end + 1 == len);
}

static void string_round_trip(const uint8_t *data, size_t size, bool compact)
{
	char *buf = NULL;
	size_t len = 0, el = 0;
	FILE *f = open_memstream(&buf, &len);
	uint8_t *exp = malloc(2 * size + 1);
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj, *val;
	struct hv_json j;

	FUZZ_CHECK(f && exp && tok);
	hv_json_init(&j, f, compact);
	hv_json_object_open(&j, NULL);
	hv_json_strn(&j, "v", (const char *)data, size);
	hv_json_object_close(&j);
	hv_json_end(&j);
	fclose(f);

	for (size_t i = 0; i < size;) {
		size_t n = ref_utf8(data + i, size - i);

		if (n) {
			memcpy(exp + el, data + i, n);
			el += n;
			i += n;
		} else {
			exp[el++] = (uint8_t)(0xc0 | data[i] >> 6);
			exp[el++] = (uint8_t)(0x80 | (data[i] & 0x3f));
			i++;
		}
	}

	obj = json_tokener_parse_ex(tok, buf, (int)len);
	FUZZ_CHECK(obj && json_tokener_get_error(tok) == json_tokener_success);
	/* One document, ended by hv_json_end's newline. */
	FUZZ_CHECK(only_newline_after(buf, len, json_tokener_get_parse_end(tok)));
	FUZZ_CHECK(json_object_object_get_ex(obj, "v", &val) &&
		   json_object_is_type(val, json_type_string));
	FUZZ_CHECK((size_t)json_object_get_string_len(val) == el);
	FUZZ_CHECK(!memcmp(json_object_get_string(val), exp, el));
	json_object_put(obj);
	json_tokener_free(tok);
	free(exp);
	free(buf);
}

/* The program's reader: bytes until they run out (then zeros). */
struct prog {
	const uint8_t *p;
	size_t n;
};

static uint8_t next(struct prog *pr)
{
	if (!pr->n)
		return 0;
	pr->n--;
	return *pr->p++;
}

/* A short string from the program: a length byte, then that many bytes. */
static char *next_str(struct prog *pr, size_t *len)
{
	size_t n = next(pr) % 24;
	char *s = malloc(n + 1);

	FUZZ_CHECK(s);
	for (size_t i = 0; i < n; i++)
		s[i] = (char)next(pr);
	s[n] = '\0';
	*len = n;
	return s;
}

#define MAX_NEST 200

static void program(const uint8_t *data, size_t size, bool compact)
{
	struct prog pr = {data, size};
	struct json_object *stack[MAX_NEST + 1], *root = NULL, *got;
	/* json-c's own default stops at 32 levels: allow what the program may build. */
	struct json_tokener *tok = json_tokener_new_ex(MAX_NEST + 2);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hv_json j;
	int depth = 0;

	FUZZ_CHECK(f && tok);
	hv_json_init(&j, f, compact);
	/* The document is always an object: that is what every tool writes. */
	root = json_object_new_object();
	stack[0] = root;
	hv_json_object_open(&j, NULL);
	while (pr.n && depth >= 0) {
		struct json_object *parent = stack[depth], *v = NULL;
		bool in_obj = json_object_is_type(parent, json_type_object);
		uint8_t op = next(&pr);
		char *key = NULL, *s;
		size_t kl = 0, sl;

		if (op % 10 == 9) {
			/* close */
			if (in_obj)
				hv_json_object_close(&j);
			else
				hv_json_array_close(&j);
			depth--;
			continue;
		}
		if (in_obj) {
			/* Printable keys: json-c must give back the very same key to compare. */
			key = next_str(&pr, &kl);
			for (size_t i = 0; i < kl; i++)
				key[i] = (char)(0x20 + ((uint8_t)key[i] % 0x5f));
		}
		switch (op % 10) {
		case 0:
		case 1:
			if (depth == MAX_NEST)
				break;
			v = op % 10 ? json_object_new_array() : json_object_new_object();
			if (op % 10)
				hv_json_array_open(&j, key);
			else
				hv_json_object_open(&j, key);
			break;
		case 2:
			s = next_str(&pr, &sl);
			/* Text that is valid UTF-8 is what json-c's string equality can compare. */
			for (size_t i = 0; i < sl; i++)
				s[i] = (char)(0x20 + ((uint8_t)s[i] % 0x5f));
			hv_json_strn(&j, key, s, sl);
			v = json_object_new_string_len(s, (int)sl);
			free(s);
			break;
		case 3: {
			uint64_t u = 0;

			for (int i = 0; i < 8; i++)
				u = u << 8 | next(&pr);
			hv_json_u64(&j, key, u);
			v = json_object_new_uint64(u);
			break;
		}
		case 4: {
			uint64_t u = 0;

			for (int i = 0; i < 8; i++)
				u = u << 8 | next(&pr);
			hv_json_i64(&j, key, (int64_t)u);
			v = json_object_new_int64((int64_t)u);
			break;
		}
		case 5: {
			int8_t q = (int8_t)next(&pr);
			double d = q == -128 ? NAN : q == 127 ? INFINITY : q / 4.0;

			hv_json_double(&j, key, d);
			/* "%.6g" writes 2.0 as 2, which json-c reads as an integer. */
			v = !isfinite(d)    ? NULL
			    : d == floor(d) ? json_object_new_int64((int64_t)d)
					    : json_object_new_double(d);
			break;
		}
		case 6:
			hv_json_bool(&j, key, (op & 0x80) != 0);
			v = json_object_new_boolean((op & 0x80) != 0);
			break;
		case 7:
			hv_json_null(&j, key);
			v = NULL;
			break;
		case 8: {
			char hex[24];
			uint32_t u = (uint32_t)next(&pr) << 8 | next(&pr);

			hv_json_hex(&j, key, u);
			snprintf(hex, sizeof(hex), "0x%x", u);
			v = json_object_new_string(hex);
			break;
		}
		}
		if ((op % 10 == 0 || op % 10 == 1) && depth == MAX_NEST) {
			free(key);
			continue;
		}
		if (in_obj)
			json_object_object_add(parent, key, v);
		else
			json_object_array_add(parent, v);
		if (op % 10 == 0 || op % 10 == 1) {
			stack[++depth] = v;
		}
		free(key);
	}
	for (; depth >= 0; depth--) {
		if (json_object_is_type(stack[depth], json_type_object))
			hv_json_object_close(&j);
		else
			hv_json_array_close(&j);
	}
	hv_json_end(&j);
	fclose(f);

	got = json_tokener_parse_ex(tok, buf, (int)len);
	FUZZ_CHECK(got && json_tokener_get_error(tok) == json_tokener_success);
	FUZZ_CHECK(only_newline_after(buf, len, json_tokener_get_parse_end(tok)));
	FUZZ_CHECK(json_object_equal(got, root));
	json_object_put(got);
	json_object_put(root);
	json_tokener_free(tok);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		program(data + 1, size - 1, data[0] & 2);
	else
		string_round_trip(data + 1, size - 1, data[0] & 2);
	return 0;
}
