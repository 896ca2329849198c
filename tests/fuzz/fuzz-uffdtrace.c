// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-watch plot's trace reader (tools/uffd-watch/tracefile.c): a trace
 * file may come from anywhere. Input: one line of any bytes. A record is
 * accepted only with every field plot uses in range, and a refusal always
 * says why in one line.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "tracefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new();
	char *line = malloc(size + 1), why[256];
	struct uw_rec r;
	int err;

	FUZZ_CHECK(tok && line);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	memcpy(line, data, size);
	line[size] = '\0';
	why[0] = '\0';
	err = uw_trace_parse_line(tok, line, size, &r, why, sizeof(why));
	FUZZ_CHECK(err == 0 || err == -EPROTO);
	if (err) {
		FUZZ_CHECK(why[0] && strlen(why) < sizeof(why) && !strchr(why, '\n'));
	} else if (r.type == UW_REC_FAULT) {
		FUZZ_CHECK(isfinite(r.time) && r.time >= 0 && r.time <= UW_TRACE_TIME_MAX);
		FUZZ_CHECK(r.pid >= 0 && (unsigned)r.kind < UW_K_NR);
		FUZZ_CHECK(r.address < UW_ADDR_LIMIT);
		FUZZ_CHECK(r.mapping ? r.mapping >= UW_PAGE && r.mapping < UW_ADDR_LIMIT &&
					   r.offset < UW_ADDR_LIMIT - r.mapping
				     : r.offset == 0);
		FUZZ_CHECK(size <= UW_TRACE_LINE_MAX && !memchr(data, '\0', size));
	} else if (r.type == UW_REC_MAP) {
		FUZZ_CHECK(r.mapping >= UW_PAGE && r.mapping < UW_ADDR_LIMIT);
		FUZZ_CHECK(r.length && r.length <= UW_ADDR_LIMIT - r.mapping);
	} else {
		FUZZ_CHECK(r.type == UW_REC_OTHER);
	}
	json_tokener_free(tok);
	free(line);
	return 0;
}
