// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "table.h"

struct hv_table {
	const char *name;
	const struct hv_table_col *cols;
	size_t ncols;
	char **cells;	   /* rows * ncols */
	size_t nrows, cap; /* cap counts cells */
	size_t fill;	   /* cells filled in the row under construction */
};

struct hv_table *hv_table_new(const char *name, const struct hv_table_col *cols, size_t ncols)
{
	struct hv_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->name = name;
	t->cols = cols;
	t->ncols = ncols;
	return t;
}

void hv_table_free(struct hv_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols + t->fill; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

static int push_cell(struct hv_table *t, char *cell)
{
	size_t used = t->nrows * t->ncols + t->fill;

	if (used == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : t->ncols * 16;
		char **n = realloc(t->cells, ncap * sizeof(*n));

		if (!n) {
			free(cell);
			return -ENOMEM;
		}
		t->cells = n;
		t->cap = ncap;
	}
	t->cells[used] = cell;
	if (++t->fill == t->ncols) {
		t->fill = 0;
		t->nrows++;
	}
	return 0;
}

int hv_table_add_row(struct hv_table *t, const char *const *cells)
{
	for (size_t i = 0; i < t->ncols; i++) {
		char *c = NULL;

		if (cells[i] && !(c = strdup(cells[i])))
			return -ENOMEM;
		if (push_cell(t, c))
			return -ENOMEM;
	}
	return 0;
}

size_t hv_table_rows(const struct hv_table *t)
{
	return t->nrows;
}

static const char *cell(const struct hv_table *t, size_t row, size_t col)
{
	return t->cells[row * t->ncols + col];
}

static void json_key(const char *header, char *key, size_t len)
{
	size_t i;

	for (i = 0; header[i] && i + 1 < len; i++) {
		unsigned char c = (unsigned char)header[i];

		key[i] = (char)(isalnum(c) ? tolower(c) : '_');
	}
	key[i] = '\0';
}

static void print_json(const struct hv_table *t, FILE *out)
{
	struct hv_json j;
	char key[64];

	hv_json_init(&j, out, false);
	hv_json_object_open(&j, NULL);
	hv_json_array_open(&j, t->name);
	for (size_t r = 0; r < t->nrows; r++) {
		hv_json_object_open(&j, NULL);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *v = cell(t, r, c);
			char *end;

			json_key(t->cols[c].header, key, sizeof(key));
			if (!v || !*v) {
				hv_json_null(&j, key);
			} else if (t->cols[c].type == HV_COL_BOOL) {
				hv_json_bool(&j, key,
					     !strcmp(v, "yes") || !strcmp(v, "1") ||
						 !strcmp(v, "true"));
			} else if (t->cols[c].type == HV_COL_NUM) {
				long long n;

				errno = 0;
				n = strtoll(v, &end, 0);
				if (!errno && !*end)
					hv_json_i64(&j, key, n);
				else
					hv_json_str(&j, key, v);
			} else {
				hv_json_str(&j, key, v);
			}
		}
		hv_json_object_close(&j);
	}
	hv_json_array_close(&j);
	hv_json_object_close(&j);
	hv_json_end(&j);
}

void hv_table_print(const struct hv_table *t, FILE *out, const struct hv_table_opts *o)
{
	size_t *width;

	if (o && o->json) {
		print_json(t, out);
		return;
	}
	width = calloc(t->ncols, sizeof(*width));
	if (!width)
		return;
	for (size_t c = 0; c < t->ncols; c++) {
		if (!(o && o->noheadings))
			width[c] = strlen(t->cols[c].header);
		for (size_t r = 0; r < t->nrows; r++) {
			const char *v = cell(t, r, c);
			size_t l = v ? strlen(v) : 0;

			if (l > width[c])
				width[c] = l;
		}
	}
	for (long r = (o && o->noheadings) ? 0 : -1; r < (long)t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *v = r < 0 ? t->cols[c].header : cell(t, (size_t)r, c);
			bool last = c + 1 == t->ncols;
			int w = (int)width[c];

			if (!v || !*v)
				v = r < 0 ? "" : "-";
			if (o && o->raw)
				fprintf(out, "%s%s", v, last ? "" : " ");
			else if (t->cols[c].flags & HV_COL_RIGHT)
				fprintf(out, "%*s%s", w, v, last ? "" : " ");
			else if (last)
				fputs(v, out);
			else
				fprintf(out, "%-*s ", w, v);
		}
		fputc('\n', out);
	}
	free(width);
}
