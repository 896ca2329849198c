/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small streaming JSON writer. Strings are escaped per RFC 8259; bytes that
 * are not valid UTF-8 are written as \u00XX so any value (XenStore values
 * are binary-safe) yields valid JSON.
 *
 * The binary-safe rules, as a JSON parser reads the string back: valid UTF-8
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF) comes
 * back byte for byte, control characters and DEL included (escaped as \n,
 * \t, \u0001...); every other byte b comes back as the code point U+00b.
 * So "\xc3\xa9" and a lone "\xe9" both read back as U+00E9: where the exact
 * bytes matter, write them another way (xsctl dump writes hex). Nesting has
 * no depth limit. tests/fuzz/fuzz-json checks all of this against json-c.
 *
 * Pretty mode indents nested values; compact mode writes one line, used for
 * event streams (one object per line, flushed).
 */
#ifndef HV_JSON_H
#define HV_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Any depth: a dump of a deep XenStore tree nests two levels per node. */
struct hv_json {
	FILE *out;
	bool compact;
	int depth;
	bool need_comma; /* the current container already has a member */
};

void hv_json_init(struct hv_json *j, FILE *out, bool compact);

/* key is NULL inside arrays and at top level. */
void hv_json_object_open(struct hv_json *j, const char *key);
void hv_json_object_close(struct hv_json *j);
void hv_json_array_open(struct hv_json *j, const char *key);
void hv_json_array_close(struct hv_json *j);

void hv_json_str(struct hv_json *j, const char *key, const char *val); /* NULL → null */
void hv_json_strn(struct hv_json *j, const char *key, const char *val, size_t len);
void hv_json_u64(struct hv_json *j, const char *key, uint64_t val);
void hv_json_i64(struct hv_json *j, const char *key, int64_t val);
void hv_json_double(struct hv_json *j, const char *key, double val);
void hv_json_bool(struct hv_json *j, const char *key, bool val);
void hv_json_null(struct hv_json *j, const char *key);
/* Emits a hex string "0x..." for addresses and register values. */
void hv_json_hex(struct hv_json *j, const char *key, uint64_t val);

/* Ends a top-level value: newline, and flush in compact (streaming) mode. */
void hv_json_end(struct hv_json *j);

/* s holds valid UTF-8 only (strings that read back byte for byte). */
bool hv_utf8_valid(const char *s, size_t len);

/* Writes len bytes of s as a quoted, escaped JSON string. */
void hv_json_write_string(FILE *out, const char *s, size_t len);

#endif
