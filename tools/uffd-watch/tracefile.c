// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Trace records back from JSON (the writer is uw_trace_fault and
 * uw_trace_event in output.c). A line that is not one JSON object with an
 * "event" string is not a trace; a fault or map record with a field missing,
 * of the wrong type or out of range is rejected, naming the field, rather
 * than guessed at. Events this reader does not draw are passed over.
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "tracefile.h"

static int bad(char *why, size_t whysz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* A required member of o into *v (NULL for a JSON null); -EPROTO when missing. */
static int member(struct json_object *o, const char *key, struct json_object **v, char *why,
		  size_t whysz)
{
	if (!json_object_object_get_ex(o, key, v))
		return bad(why, whysz, "field \"%s\" is missing", key);
	return 0;
}

/* An integer in [0, max]: json-c holds it as int64 or, above that, uint64. */
static int get_uint(struct json_object *o, const char *key, uint64_t max, uint64_t *out, char *why,
		    size_t whysz)
{
	struct json_object *v;

	if (member(o, key, &v, why, whysz))
		return -EPROTO;
	if (!json_object_is_type(v, json_type_int))
		return bad(why, whysz, "field \"%s\" is not an integer", key);
	if (json_object_get_int64(v) < 0)
		return bad(why, whysz, "field \"%s\" is negative", key);
	errno = 0;
	*out = json_object_get_uint64(v);
	if (errno || *out > max)
		return bad(why, whysz, "field \"%s\" is out of range (0 to %llu)", key,
			   (unsigned long long)max);
	return 0;
}

/* An address: a "0x..." string below the user address space limit. */
static int get_addr(struct json_object *o, const char *key, uint64_t min, uint64_t *out, char *why,
		    size_t whysz)
{
	struct json_object *v;
	const char *s;

	if (member(o, key, &v, why, whysz))
		return -EPROTO;
	if (!json_object_is_type(v, json_type_string))
		return bad(why, whysz, "field \"%s\" is not a string", key);
	s = json_object_get_string(v);
	if (strncmp(s, "0x", 2) || strlen(s) > 18 ||
	    hv_parse_u64(s, min, UW_ADDR_LIMIT - 1, out) < 0)
		return bad(why, whysz, "field \"%s\" is not a hex address (0x%llx to 0x%llx)", key,
			   (unsigned long long)min, (unsigned long long)(UW_ADDR_LIMIT - 1));
	return 0;
}

static int get_time(struct json_object *o, double *out, char *why, size_t whysz)
{
	struct json_object *v;

	if (member(o, "time", &v, why, whysz))
		return -EPROTO;
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return bad(why, whysz, "field \"time\" is not a number");
	*out = json_object_get_double(v);
	if (!isfinite(*out) || *out < 0 || *out > UW_TRACE_TIME_MAX)
		return bad(why, whysz, "field \"time\" is out of range (0 to %.0f seconds)",
			   UW_TRACE_TIME_MAX);
	return 0;
}

static int parse_fault(struct json_object *o, struct uw_rec *rec, char *why, size_t whysz)
{
	struct json_object *v;
	const char *kind;
	uint64_t u;
	int i;

	if (get_addr(o, "address", 0, &rec->address, why, whysz) ||
	    get_uint(o, "tid", INT_MAX, &u, why, whysz))
		return -EPROTO;
	if (member(o, "kind", &v, why, whysz))
		return -EPROTO;
	kind = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	for (i = 0; i < UW_K_NR; i++)
		if (!strcmp(kind, uw_kind_names[i]))
			break;
	if (i == UW_K_NR)
		return bad(why, whysz, "field \"kind\" is not read, write, wp or minor");
	rec->kind = (enum uw_kind)i;
	/* A fault outside every registered mapping has both null. */
	if (member(o, "mapping", &v, why, whysz))
		return -EPROTO;
	if (json_object_is_type(v, json_type_null)) {
		if (member(o, "offset", &v, why, whysz))
			return -EPROTO;
		if (!json_object_is_type(v, json_type_null))
			return bad(why, whysz, "field \"offset\" is set but \"mapping\" is null");
		rec->mapping = rec->offset = 0;
		return 0;
	}
	if (get_addr(o, "mapping", UW_PAGE, &rec->mapping, why, whysz) ||
	    get_uint(o, "offset", UW_ADDR_LIMIT - 1 - rec->mapping, &rec->offset, why, whysz))
		return -EPROTO;
	return 0;
}

static int parse_record(struct json_object *o, struct uw_rec *rec, char *why, size_t whysz)
{
	struct json_object *v;
	const char *ev;
	uint64_t u;

	if (!json_object_is_type(o, json_type_object))
		return bad(why, whysz, "not a trace record (a JSON object)");
	if (!json_object_object_get_ex(o, "event", &v) || !json_object_is_type(v, json_type_string))
		return bad(why, whysz, "not a trace record (no \"event\" string)");
	ev = json_object_get_string(v);
	if (strcmp(ev, "fault") && strcmp(ev, "map")) {
		rec->type = UW_REC_OTHER;
		return 0;
	}
	if (get_time(o, &rec->time, why, whysz) || get_uint(o, "pid", INT_MAX, &u, why, whysz))
		return -EPROTO;
	rec->pid = (int)u;
	if (!strcmp(ev, "fault")) {
		rec->type = UW_REC_FAULT;
		return parse_fault(o, rec, why, whysz);
	}
	rec->type = UW_REC_MAP;
	if (get_addr(o, "address", UW_PAGE, &rec->mapping, why, whysz) ||
	    get_uint(o, "length", UW_ADDR_LIMIT - rec->mapping, &rec->length, why, whysz))
		return -EPROTO;
	if (!rec->length)
		return bad(why, whysz, "field \"length\" is 0");
	return 0;
}

int uw_trace_parse_line(struct json_tokener *tok, const char *line, size_t len, struct uw_rec *rec,
			char *why, size_t whysz)
{
	struct json_object *o;
	size_t end;
	int err;

	memset(rec, 0, sizeof(*rec));
	if (len > UW_TRACE_LINE_MAX)
		return bad(why, whysz, "longer than %d bytes", UW_TRACE_LINE_MAX);
	if (memchr(line, '\0', len))
		return bad(why, whysz, "not text (a NUL byte)");
	json_tokener_reset(tok);
	/* With its NUL, so that a number alone on the line is complete. */
	o = json_tokener_parse_ex(tok, line, (int)len + 1);
	end = json_tokener_get_parse_end(tok);
	if (!o) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		/* An incomplete value is what a cut-off last line looks like. */
		return bad(why, whysz, "not JSON: %s at byte %zu",
			   e == json_tokener_continue ? "unexpected end of line"
						      : json_tokener_error_desc(e),
			   end);
	}
	for (; end < len; end++)
		if (line[end] != ' ' && line[end] != '\t' && line[end] != '\r') {
			json_object_put(o);
			return bad(why, whysz, "not JSON: trailing bytes at byte %zu", end);
		}
	err = parse_record(o, rec, why, whysz);
	json_object_put(o);
	return err;
}
