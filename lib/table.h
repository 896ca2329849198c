/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Record output: the same rows print as an aligned text table or, with
 * --json, as {"<name>": [ {col: value, ...}, ... ]}. Columns typed as
 * numbers are emitted as JSON numbers; empty cells as null.
 */
#ifndef HV_TABLE_H
#define HV_TABLE_H

#include <stdbool.h>
#include <stdio.h>

enum hv_col_type {
	HV_COL_STR,
	HV_COL_NUM,  /* decimal integer text, emitted unquoted in JSON */
	HV_COL_BOOL, /* "yes"/"no" in text, true/false in JSON */
};

enum {
	HV_COL_RIGHT = 1 << 0,	   /* right-align in text mode */
	HV_COL_LAST_FREE = 1 << 1, /* last column: not padded, may hold spaces */
};

struct hv_table_col {
	const char *header; /* text header; lower-cased as JSON key */
	enum hv_col_type type;
	unsigned int flags;
};

struct hv_table;

struct hv_table *hv_table_new(const char *name, const struct hv_table_col *cols, size_t ncols);
void hv_table_free(struct hv_table *t);
/* Adds a row of ncols cells (copied); NULL cells are empty. -ENOMEM on failure. */
int hv_table_add_row(struct hv_table *t, const char *const *cells);
size_t hv_table_rows(const struct hv_table *t);

struct hv_table_opts {
	bool json;
	bool noheadings;
	bool raw; /* one space between cells, no alignment */
};
void hv_table_print(const struct hv_table *t, FILE *out, const struct hv_table_opts *o);

#endif
