// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Register scripts (vfio-bind regs): the parser, a pure function over a
 * buffer so that tests/fuzz/fuzz-regscript runs it on any bytes. Every line
 * is checked here, before the device is opened: a script with one bad line
 * anywhere must write nothing, so nothing may be left for run time that a
 * reading of the text can decide. What needs the open device (region sizes
 * and flags) regs.c checks for every line before the first access.
 *
 * Also the region names, shared with info and peek/poke.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "vfio-bind.h"

static const char *const region_names[VB_NUM_REGIONS] = {"bar0", "bar1", "bar2",   "bar3", "bar4",
							 "bar5", "rom",	 "config", "vga"};

int vb_region_index(const char *name)
{
	for (size_t i = 0; i < VB_NUM_REGIONS; i++)
		if (!strcmp(name, region_names[i]))
			return (int)i;
	return -EINVAL;
}

const char *vb_region_name(uint32_t index)
{
	return index < VB_NUM_REGIONS ? region_names[index] : NULL;
}

/* The words of one line: at most this many are ever meaningful. */
#define MAX_WORDS 12

struct line {
	int lineno;
	int n;
	char *w[MAX_WORDS];
	char *err;
	size_t errlen;
};

static int fail(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(l->err, l->errlen, "line %d: ", l->lineno);

	if (n >= 0 && (size_t)n < l->errlen) {
		va_start(ap, fmt);
		vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static uint64_t width_max(unsigned int width)
{
	return width == 8 ? UINT64_MAX : (1ULL << (8 * width)) - 1;
}

static int parse_width(struct line *l, const char *s, unsigned int *width)
{
	uint64_t w;

	if (hv_parse_dec(s, 1, 8, &w) || (w != 1 && w != 2 && w != 4 && w != 8))
		return fail(l, "bad width '%s' (1, 2, 4 or 8 bytes)", s);
	*width = (unsigned int)w;
	return 0;
}

static int parse_region(struct line *l, const char *s, struct vb_op *op)
{
	op->region = vb_region_index(s);
	if (op->region < 0)
		return fail(l, "unknown region '%s' (bar0..bar5, rom, config, vga)", s);
	return 0;
}

static int parse_offset(struct line *l, const char *s, struct vb_op *op)
{
	if (hv_parse_u64(s, 0, UINT64_MAX, &op->offset))
		return fail(l, "bad offset '%s' (a number: 16, 0x10)", s);
	return 0;
}

/* A value or mask: a number that fits the access width. */
static int parse_fit(struct line *l, const char *what, const char *s, unsigned int width,
		     uint64_t *out)
{
	int rc = hv_parse_u64(s, 0, width_max(width), out);

	if (rc == -ERANGE)
		return fail(l, "bad %s '%s' (too large for %u bytes)", what, s, width);
	if (rc)
		return fail(l, "bad %s '%s' (a number: 5, 0x12345678)", what, s);
	return 0;
}

static int parse_duration(struct line *l, const char *what, const char *s, uint64_t *ms)
{
	int rc = hv_parse_duration_ms(s, VB_SCRIPT_MAX_MS, ms);

	if (rc == -ERANGE)
		return fail(l, "bad %s '%s' (at most 1h)", what, s);
	if (rc)
		return fail(l, "bad %s '%s' (a duration: 100ms, 1.5s, 2m)", what, s);
	return 0;
}

/*
 * Alignment and the VFIO offset space, which need no device: vfio-pci
 * places each region at index << 40 in the device file, so no register
 * lies at or beyond 1 TiB into a region.
 */
static int check_place(struct line *l, const struct vb_op *op)
{
	if (op->offset % op->width)
		return fail(l, "offset 0x%" PRIx64 " is not aligned to %u bytes", op->offset,
			    op->width);
	if (op->offset >= VB_REGION_SPAN || VB_REGION_SPAN - op->offset < op->width)
		return fail(l, "offset 0x%" PRIx64 " is beyond any VFIO region (1 TiB)",
			    op->offset);
	return 0;
}

/* peek REGION OFFSET [WIDTH] and poke REGION OFFSET VALUE [WIDTH] */
static int parse_access(struct line *l, struct vb_op *op, bool write)
{
	int need = write ? 4 : 3;
	int rc;

	if (l->n < need)
		return fail(l, "%s: missing argument (%s)", l->w[0],
			    write ? "poke REGION OFFSET VALUE [WIDTH]"
				  : "peek REGION OFFSET [WIDTH]");
	if (l->n > need + 1)
		return fail(l, "%s: unexpected argument '%s'", l->w[0], l->w[need + 1]);
	op->width = 4;
	if (l->n == need + 1 && (rc = parse_width(l, l->w[need], &op->width)))
		return rc;
	if ((rc = parse_region(l, l->w[1], op)) || (rc = parse_offset(l, l->w[2], op)))
		return rc;
	if (write && (rc = parse_fit(l, "value", l->w[3], op->width, &op->value)))
		return rc;
	return check_place(l, op);
}

/* wait REGION OFFSET MASK VALUE --timeout DUR [--width WIDTH], options anywhere. */
static int parse_wait(struct line *l, struct vb_op *op)
{
	const char *pos[4], *timeout = NULL, *width = NULL;
	int npos = 0, rc;

	for (int i = 1; i < l->n; i++) {
		const char **opt = NULL;
		const char *w = l->w[i], *val = NULL;

		if (!strncmp(w, "--timeout", 9) && (w[9] == '\0' || w[9] == '='))
			opt = &timeout;
		else if (!strncmp(w, "--width", 7) && (w[7] == '\0' || w[7] == '='))
			opt = &width;
		if (!opt) {
			if (w[0] == '-' && w[1] == '-')
				return fail(l, "wait: unknown option '%s' (--timeout, --width)", w);
			if (npos == 4)
				return fail(l, "wait: unexpected argument '%s'", w);
			pos[npos++] = w;
			continue;
		}
		val = strchr(w, '=');
		if (val) {
			val++;
		} else if (i + 1 < l->n) {
			val = l->w[++i];
		} else {
			return fail(l, "wait: %s needs a value", w);
		}
		if (*opt)
			return fail(l, "wait: %.*s given twice", (int)strcspn(w, "="), w);
		*opt = val;
	}
	if (npos < 4)
		return fail(l,
			    "wait: missing argument (wait REGION OFFSET MASK VALUE --timeout DUR)");
	if (!timeout)
		return fail(l, "wait: --timeout is required (a wait must end)");
	op->width = 4;
	if ((width && (rc = parse_width(l, width, &op->width))) ||
	    (rc = parse_region(l, pos[0], op)) || (rc = parse_offset(l, pos[1], op)) ||
	    (rc = parse_fit(l, "mask", pos[2], op->width, &op->mask)) ||
	    (rc = parse_fit(l, "value", pos[3], op->width, &op->value)) ||
	    (rc = parse_duration(l, "timeout", timeout, &op->ms)))
		return rc;
	if (op->value & ~op->mask)
		return fail(l,
			    "wait: value 0x%" PRIx64 " has bits outside mask 0x%" PRIx64
			    " (the wait could never end)",
			    op->value, op->mask);
	return check_place(l, op);
}

static int parse_line(struct line *l, struct vb_op *op)
{
	const char *v = l->w[0];

	memset(op, 0, sizeof(*op));
	op->lineno = l->lineno;
	if (!strcmp(v, "peek")) {
		op->kind = VB_OP_PEEK;
		return parse_access(l, op, false);
	}
	if (!strcmp(v, "poke")) {
		op->kind = VB_OP_POKE;
		return parse_access(l, op, true);
	}
	if (!strcmp(v, "wait")) {
		op->kind = VB_OP_WAIT;
		return parse_wait(l, op);
	}
	if (!strcmp(v, "sleep")) {
		op->kind = VB_OP_SLEEP;
		op->region = -1;
		if (l->n != 2)
			return fail(l, l->n < 2 ? "sleep: missing argument (sleep DUR)"
						: "sleep: unexpected argument");
		return parse_duration(l, "duration", l->w[1], &op->ms);
	}
	return fail(l, "unknown command '%s' (peek, poke, wait, sleep)", v);
}

/* Blank-separated words; # at the start of a word ends the line. In place. */
static int split(struct line *l, char *p)
{
	l->n = 0;
	for (;;) {
		p += strspn(p, " \t\r");
		if (!*p || *p == '#')
			return 0;
		if (l->n == MAX_WORDS)
			return fail(l, "too many words (at most %d)", MAX_WORDS);
		l->w[l->n++] = p;
		p += strcspn(p, " \t\r");
		if (*p)
			*p++ = '\0';
	}
}

void vb_script_free(struct vb_script *s)
{
	free(s->ops);
	s->ops = NULL;
	s->n = 0;
}

int vb_script_parse(const char *buf, size_t len, struct vb_script *s, char *err, size_t errlen)
{
	struct line l = {.err = err, .errlen = errlen};
	char *copy, *line, *next;
	size_t cap = 0;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if (errlen)
		err[0] = '\0';
	if (len > VB_SCRIPT_MAX) {
		snprintf(err, errlen, "the script is larger than %u bytes", VB_SCRIPT_MAX);
		return -EFBIG;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "the script contains a NUL byte");
		return -EINVAL;
	}
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	for (line = copy; line && *line && !rc; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		l.lineno++;
		rc = split(&l, line);
		if (rc || !l.n)
			continue;
		if (s->n == VB_SCRIPT_MAX_OPS) {
			rc = fail(&l, "more than %u commands", VB_SCRIPT_MAX_OPS);
			break;
		}
		if (s->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct vb_op *nops = realloc(s->ops, ncap * sizeof(*nops));

			if (!nops) {
				rc = -ENOMEM;
				break;
			}
			s->ops = nops;
			cap = ncap;
		}
		rc = parse_line(&l, &s->ops[s->n]);
		if (!rc)
			s->n++;
	}
	free(copy);
	if (rc)
		vb_script_free(s);
	return rc;
}

int vb_script_format(const struct vb_op *op, char *buf, size_t len)
{
	const char *r = op->kind == VB_OP_SLEEP ? "" : vb_region_name((uint32_t)op->region);
	int n;

	switch (op->kind) {
	case VB_OP_PEEK:
		n = snprintf(buf, len, "peek %s 0x%" PRIx64 " %u", r, op->offset, op->width);
		break;
	case VB_OP_POKE:
		n = snprintf(buf, len, "poke %s 0x%" PRIx64 " 0x%" PRIx64 " %u", r, op->offset,
			     op->value, op->width);
		break;
	case VB_OP_WAIT:
		n = snprintf(buf, len,
			     "wait %s 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " --timeout %" PRIu64
			     "ms --width %u",
			     r, op->offset, op->mask, op->value, op->ms, op->width);
		break;
	case VB_OP_SLEEP:
		n = snprintf(buf, len, "sleep %" PRIu64 "ms", op->ms);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
