/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON trace that run --trace --json and serve --trace --json write,
 * read back one line at a time: every field type- and range-checked, since
 * the file may come from anywhere. No I/O here, so a fuzz harness can run
 * exactly this code.
 */
#ifndef UW_TRACEFILE_H
#define UW_TRACEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "uffd-watch.h"

struct json_tokener;

/* Longest line accepted: a fault record is about 160 bytes. */
#define UW_TRACE_LINE_MAX 4096
/* Latest time accepted, in seconds since the tool started (about 31 years). */
#define UW_TRACE_TIME_MAX 1e9

enum uw_rec_type {
	UW_REC_FAULT, /* a page fault: every field below is set */
	UW_REC_MAP,   /* a mapping was registered: pid, mapping, length */
	UW_REC_OTHER, /* any other event (exit, fork, remove, stats...): nothing to plot */
};

struct uw_rec {
	enum uw_rec_type type;
	double time; /* seconds */
	int pid;
	enum uw_kind kind;
	uint64_t address;
	uint64_t mapping; /* 0: the fault hit no registered mapping */
	uint64_t offset;  /* bytes into the mapping */
	uint64_t length;  /* UW_REC_MAP: the mapping's size in bytes */
};

/*
 * Parses one line (len bytes, no newline, line[len] is a NUL) as a trace record. 0 and *rec
 * filled, or -EPROTO with the reason in why (whysz bytes, one line, naming
 * the field). The tokener should be JSON_TOKENER_STRICT; it is reset here.
 */
int uw_trace_parse_line(struct json_tokener *tok, const char *line, size_t len, struct uw_rec *rec,
			char *why, size_t whysz);

#endif
