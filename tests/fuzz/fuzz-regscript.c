// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-bind regs scripts (tools/vfio-bind/regscript.c): any bytes as the
 * script. A script the parser accepts must agree with a plain reading of
 * the format (one command per line that has a word before any #, in order,
 * named by its first word), and every command must be one regs can run
 * without a further syntax check: a known region, width 1/2/4/8, offset
 * aligned and below 1 TiB, value and mask within the width, a wait's value
 * inside its mask, durations at most 1 h. Each command formats to a line
 * that parses back to the same command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vfio-bind.h"

static const char *const kinds[] = {"peek", "poke", "wait", "sleep"};

static void check_op(const struct vb_op *op)
{
	struct vb_script again;
	char line[160], err[256];
	uint64_t max;

	if (op->kind == VB_OP_SLEEP) {
		FUZZ_CHECK(op->ms <= VB_SCRIPT_MAX_MS);
	} else {
		FUZZ_CHECK(vb_region_name((uint32_t)op->region) != NULL);
		FUZZ_CHECK(op->width == 1 || op->width == 2 || op->width == 4 || op->width == 8);
		FUZZ_CHECK(op->offset % op->width == 0);
		FUZZ_CHECK(op->offset + op->width <= VB_REGION_SPAN);
		max = op->width == 8 ? UINT64_MAX : (1ULL << (8 * op->width)) - 1;
		FUZZ_CHECK(op->value <= max && op->mask <= max);
		if (op->kind == VB_OP_WAIT)
			FUZZ_CHECK((op->value & ~op->mask) == 0 && op->ms <= VB_SCRIPT_MAX_MS);
	}
	FUZZ_CHECK(vb_script_format(op, line, sizeof(line)) == 0);
	FUZZ_CHECK(vb_script_parse(line, strlen(line), &again, err, sizeof(err)) == 0);
	FUZZ_CHECK(again.n == 1);
	again.ops[0].lineno = op->lineno;
	FUZZ_CHECK(!memcmp(&again.ops[0], op, sizeof(*op)));
	vb_script_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vb_script s;
	char err[256];
	const char *p = (const char *)data, *end = p + size;
	size_t k = 0;
	int lineno = 0, rc;

	rc = vb_script_parse(p, size, &s, err, sizeof(err));
	if (rc) {
		FUZZ_CHECK(s.n == 0 && s.ops == NULL && err[0]);
		return 0;
	}
	FUZZ_CHECK(!memchr(p, '\0', size) && size <= VB_SCRIPT_MAX);
	/* The plain reading: lines with a first word that is not a comment. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *q = p;
		const char *eol = nl ? nl : end;
		size_t wl;

		lineno++;
		while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < eol && *q != '#') {
			FUZZ_CHECK(k < s.n);
			FUZZ_CHECK(s.ops[k].lineno == lineno);
			wl = strlen(kinds[s.ops[k].kind]);
			FUZZ_CHECK((size_t)(eol - q) >= wl && !memcmp(q, kinds[s.ops[k].kind], wl));
			FUZZ_CHECK(q + wl == eol || q[wl] == ' ' || q[wl] == '\t' || q[wl] == '\r');
			check_op(&s.ops[k]);
			k++;
		}
		p = nl ? nl + 1 : end;
	}
	FUZZ_CHECK(k == s.n);
	vb_script_free(&s);
	return 0;
}
