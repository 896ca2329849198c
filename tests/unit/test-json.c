// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>

#include "json.h"
#include "table.h"
#include "unit.h"

/* Runs fn writing into a memory stream and returns what it wrote. */
static char *capture(void (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f);
	fclose(f);
	return buf;
}

static void write_escapes(FILE *f)
{
	hv_json_write_string(f, "a\"b\\c\n\t\x01\x7f", 9);
}

static void write_binary(FILE *f)
{
	hv_json_write_string(f, "\xff\xc3\xa9\xe2\x82", 5);
}

static void write_nested(FILE *f)
{
	struct hv_json j;

	hv_json_init(&j, f, true);
	hv_json_object_open(&j, NULL);
	hv_json_str(&j, "name", "x");
	hv_json_array_open(&j, "refs");
	hv_json_u64(&j, NULL, 1);
	hv_json_u64(&j, NULL, 2);
	hv_json_array_close(&j);
	hv_json_object_open(&j, "empty");
	hv_json_object_close(&j);
	hv_json_bool(&j, "ok", true);
	hv_json_null(&j, "none");
	hv_json_i64(&j, "neg", -3);
	hv_json_hex(&j, "addr", 0x1000);
	hv_json_str(&j, "nil", NULL);
	hv_json_object_close(&j);
	hv_json_end(&j);
}

static void write_pretty(FILE *f)
{
	struct hv_json j;

	hv_json_init(&j, f, false);
	hv_json_object_open(&j, NULL);
	hv_json_u64(&j, "a", 1);
	hv_json_array_open(&j, "b");
	hv_json_array_close(&j);
	hv_json_object_close(&j);
	hv_json_end(&j);
}

static const struct hv_table_col cols[] = {
    {"NAME", HV_COL_STR, 0},
    {"SIZE", HV_COL_NUM, HV_COL_RIGHT},
    {"VIABLE", HV_COL_BOOL, 0},
    {"DESC", HV_COL_STR, HV_COL_LAST_FREE},
};

static struct hv_table *sample_table(void)
{
	struct hv_table *t = hv_table_new("devices", cols, 4);
	const char *r1[] = {"edu", "1048576", "yes", "QEMU edu"};
	const char *r2[] = {"e1000e", "x12", "no", NULL};

	hv_table_add_row(t, r1);
	hv_table_add_row(t, r2);
	return t;
}

static void write_table_text(FILE *f)
{
	struct hv_table *t = sample_table();
	struct hv_table_opts o = {0};

	hv_table_print(t, f, &o);
	hv_table_free(t);
}

static void write_table_json(FILE *f)
{
	struct hv_table *t = sample_table();
	struct hv_table_opts o = {.json = true};

	hv_table_print(t, f, &o);
	hv_table_free(t);
}

static void write_table_raw(FILE *f)
{
	static const char *const row[] = {"a", "7", "yes", NULL};
	struct hv_table *t = hv_table_new("x", cols, 4);
	struct hv_table_opts o = {.noheadings = true, .raw = true};

	hv_table_add_row(t, row);
	hv_table_print(t, f, &o);
	hv_table_free(t);
}

int main(void)
{
	struct unit u = {0};
	char *s;

	s = capture(write_escapes);
	CHECK(&u, !strcmp(s, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\""), "escapes: %s", s);
	free(s);
	s = capture(write_binary);
	CHECK(&u, !strcmp(s, "\"\\u00ff\xc3\xa9\\u00e2\\u0082\""),
	      "invalid UTF-8 bytes escaped, valid kept: %s", s);
	free(s);
	s = capture(write_nested);
	CHECK(&u,
	      !strcmp(s, "{\"name\":\"x\",\"refs\":[1,2],\"empty\":{},\"ok\":true,"
			 "\"none\":null,\"neg\":-3,\"addr\":\"0x1000\",\"nil\":null}\n"),
	      "compact nesting");
	free(s);
	s = capture(write_pretty);
	CHECK(&u, !strcmp(s, "{\n  \"a\": 1,\n  \"b\": []\n}\n"), "pretty layout");
	free(s);
	s = capture(write_table_text);
	CHECK(&u,
	      !strcmp(s, "NAME      SIZE VIABLE DESC\n"
			 "edu    1048576 yes    QEMU edu\n"
			 "e1000e     x12 no     -\n"),
	      "text table aligned");
	free(s);
	s = capture(write_table_json);
	CHECK(&u,
	      strstr(s, "\"size\": 1048576") && strstr(s, "\"viable\": true") &&
		  strstr(s, "\"size\": \"x12\"") && strstr(s, "\"desc\": null") &&
		  !strncmp(s, "{\n  \"devices\": [", 16),
	      "json table typed cells");
	free(s);
	s = capture(write_table_raw);
	CHECK(&u, !strcmp(s, "a 7 yes -\n"), "raw, no headings, an empty cell as -");
	free(s);
	return unit_done(&u);
}
