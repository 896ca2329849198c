// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json.h"

void hv_json_init(struct hv_json *j, FILE *out, bool compact)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->compact = compact;
}

static void indent(struct hv_json *j)
{
	if (j->compact)
		return;
	fputc('\n', j->out);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Comma, newline/indent and key before every value. */
static void value_prefix(struct hv_json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->need_comma)
			fputc(',', j->out);
		indent(j);
		j->need_comma = true;
	}
	if (key) {
		hv_json_write_string(j->out, key, strlen(key));
		fputs(j->compact ? ":" : ": ", j->out);
	}
}

static void open_container(struct hv_json *j, const char *key, char c)
{
	value_prefix(j, key);
	fputc(c, j->out);
	j->depth++;
	j->need_comma = false;
}

/*
 * No per-level state is needed: the container being closed was itself a
 * value of its parent, so the parent's next member always needs a comma.
 * (A fixed-size stack here once broke JSON nested deeper than 32 levels,
 * which xsctl dump reaches with a 16-level tree.)
 */
static void close_container(struct hv_json *j, char c)
{
	bool had_members = j->need_comma;

	if (j->depth > 0)
		j->depth--;
	if (had_members)
		indent(j);
	fputc(c, j->out);
	j->need_comma = j->depth > 0;
}

void hv_json_object_open(struct hv_json *j, const char *key)
{
	open_container(j, key, '{');
}

void hv_json_object_close(struct hv_json *j)
{
	close_container(j, '}');
}

void hv_json_array_open(struct hv_json *j, const char *key)
{
	open_container(j, key, '[');
}

void hv_json_array_close(struct hv_json *j)
{
	close_container(j, ']');
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and out-of-range code points are invalid. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

bool hv_utf8_valid(const char *s, size_t len)
{
	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_seq_len((const unsigned char *)s + i, len - i);
		if (!n)
			return false;
	}
	return true;
}

void hv_json_write_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	fputc('"', out);
	while (i < len) {
		unsigned char c = p[i];
		size_t n;

		switch (c) {
		case '"':
			fputs("\\\"", out);
			i++;
			continue;
		case '\\':
			fputs("\\\\", out);
			i++;
			continue;
		case '\n':
			fputs("\\n", out);
			i++;
			continue;
		case '\r':
			fputs("\\r", out);
			i++;
			continue;
		case '\t':
			fputs("\\t", out);
			i++;
			continue;
		case '\b':
			fputs("\\b", out);
			i++;
			continue;
		case '\f':
			fputs("\\f", out);
			i++;
			continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_seq_len(p + i, len - i);
		if (!n) {
			/* Not UTF-8: keep the byte value visible and the JSON valid. */
			fprintf(out, "\\u%04x", c);
			i++;
			continue;
		}
		fwrite(p + i, 1, n, out);
		i += n;
	}
	fputc('"', out);
}

void hv_json_strn(struct hv_json *j, const char *key, const char *val, size_t len)
{
	value_prefix(j, key);
	hv_json_write_string(j->out, val, len);
}

void hv_json_str(struct hv_json *j, const char *key, const char *val)
{
	if (!val) {
		hv_json_null(j, key);
		return;
	}
	hv_json_strn(j, key, val, strlen(val));
}

void hv_json_u64(struct hv_json *j, const char *key, uint64_t val)
{
	value_prefix(j, key);
	fprintf(j->out, "%" PRIu64, val);
}

void hv_json_i64(struct hv_json *j, const char *key, int64_t val)
{
	value_prefix(j, key);
	fprintf(j->out, "%" PRId64, val);
}

void hv_json_double(struct hv_json *j, const char *key, double val)
{
	value_prefix(j, key);
	/* JSON has no NaN or Infinity. */
	if (isfinite(val))
		fprintf(j->out, "%.6g", val);
	else
		fputs("null", j->out);
}

void hv_json_bool(struct hv_json *j, const char *key, bool val)
{
	value_prefix(j, key);
	fputs(val ? "true" : "false", j->out);
}

void hv_json_null(struct hv_json *j, const char *key)
{
	value_prefix(j, key);
	fputs("null", j->out);
}

void hv_json_hex(struct hv_json *j, const char *key, uint64_t val)
{
	value_prefix(j, key);
	fprintf(j->out, "\"0x%" PRIx64 "\"", val);
}

void hv_json_end(struct hv_json *j)
{
	fputc('\n', j->out);
	if (j->compact)
		fflush(j->out);
}
