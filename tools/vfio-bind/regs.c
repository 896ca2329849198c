// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * peek, poke and regs: naturally aligned register accesses through a VFIO
 * region. Offset, width and value are checked against the region's size and
 * flags before the device is touched, so a typo never becomes a stray write.
 *
 * regs runs a whole script on ONE open of the device: opening resets some
 * devices (mdev-edu by design, real hardware with a function reset through
 * vfio-pci), so a poke and the peek that reads its effect must share the
 * open. The script is parsed and checked completely (regscript.c) before the
 * device is opened, and every line against the regions once it is open,
 * before the first access: a bad line anywhere means nothing is written.
 */
#include <endian.h>
#include <errno.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "fileio.h"
#include "json.h"
#include "parse.h"
#include "vfio-bind.h"

/* Region infos of one open device, fetched on first use. */
struct regions {
	struct vfio_region_info *ri[VB_NUM_REGIONS];
};

static void regions_free(struct regions *rs)
{
	for (size_t i = 0; i < VB_NUM_REGIONS; i++)
		free(rs->ri[i]);
}

/*
 * Can op be done on the open device? where prefixes the messages ("line 3:
 * " in scripts). Returns an exit code; *out is the region's info.
 */
static int region_check(const struct vb_vfio *v, const struct vb_dev *d, struct regions *rs,
			const struct vb_op *op, const char *where, struct vfio_region_info **out)
{
	const char *name = vb_region_name((uint32_t)op->region);
	bool write = op->kind == VB_OP_POKE;
	struct vfio_region_info *ri;
	int rc;

	if ((uint32_t)op->region >= v->num_regions) {
		hv_err(0, NULL, "%s: %sthe device has no region %s", d->name, where, name);
		return HV_EXIT_NOTFOUND;
	}
	if (!rs->ri[op->region]) {
		rc = vb_vfio_region(v, (uint32_t)op->region, &rs->ri[op->region]);
		if (rc)
			return hv_fail(rc, NULL, "%s: %sregion %s", d->name, where, name);
	}
	ri = rs->ri[op->region];
	if (!ri->size) {
		hv_err(0, NULL, "%s: %sregion %s is not implemented (size 0)", d->name, where,
		       name);
		return HV_EXIT_NOTFOUND;
	}
	if (op->offset >= ri->size || ri->size - op->offset < op->width) {
		hv_err(0, "see 'vfio-bind info'",
		       "%s: %soffset 0x%llx + %u is outside region %s (size 0x%llx)", d->name,
		       where, (unsigned long long)op->offset, op->width, name,
		       (unsigned long long)ri->size);
		return HV_EXIT_USAGE;
	}
	if (!(ri->flags & (write ? VFIO_REGION_INFO_FLAG_WRITE : VFIO_REGION_INFO_FLAG_READ))) {
		hv_err(0, NULL, "%s: %sregion %s is not %s", d->name, where, name,
		       write ? "writable" : "readable");
		return HV_EXIT_PERM;
	}
	*out = ri;
	return 0;
}

/* One access of op->width bytes; VFIO regions are little-endian, like PCI. */
static int reg_io(const struct vb_vfio *v, const struct vfio_region_info *ri,
		  const struct vb_op *op, bool write, uint64_t *value)
{
	uint8_t buf[8] = {0};
	uint64_t le;
	ssize_t n;

	if (write) {
		le = htole64(*value);
		memcpy(buf, &le, op->width);
		n = pwrite(v->device, buf, op->width, (off_t)(ri->offset + op->offset));
	} else {
		n = pread(v->device, buf, op->width, (off_t)(ri->offset + op->offset));
	}
	if (n != (ssize_t)op->width)
		return n < 0 ? -errno : -EIO;
	if (!write) {
		le = 0;
		memcpy(&le, buf, op->width);
		*value = le64toh(le);
	}
	return 0;
}

static int io_fail(const struct vb_dev *d, const char *where, const struct vb_op *op, bool write,
		   int err)
{
	return hv_fail(err, NULL, "%s: %s%s %s at 0x%llx", d->name, where,
		       write ? "writing" : "reading", vb_region_name((uint32_t)op->region),
		       (unsigned long long)op->offset);
}

/* ---- peek and poke ------------------------------------------------------- */

/* Syntax checks that need no device: done before anything is opened. */
static int parse_access(struct vb_ctx *c, const char *verb, const char **args, bool write,
			struct vb_op *op, struct vb_dev *d)
{
	uint64_t w = 4;
	int rc;

	op->kind = write ? VB_OP_POKE : VB_OP_PEEK;
	op->region = vb_region_index(args[1]);
	if (op->region < 0) {
		hv_err(0, "bar0..bar5, rom, config, vga", "%s: unknown region '%s'", verb, args[1]);
		return HV_EXIT_USAGE;
	}
	if (hv_parse_u64(args[2], 0, UINT64_MAX, &op->offset)) {
		hv_err(0, "a number: 16, 0x10", "%s: bad offset '%s'", verb, args[2]);
		return HV_EXIT_USAGE;
	}
	if (c->width &&
	    (hv_parse_dec(c->width, 1, 8, &w) || (w != 1 && w != 2 && w != 4 && w != 8))) {
		hv_err(0, "1, 2, 4 or 8 bytes", "%s: bad width '%s'", verb, c->width);
		return HV_EXIT_USAGE;
	}
	op->width = (unsigned int)w;
	if (op->offset % op->width) {
		hv_err(0, "registers are accessed at multiples of the width",
		       "%s: offset 0x%llx is not aligned to %u bytes", verb,
		       (unsigned long long)op->offset, op->width);
		return HV_EXIT_USAGE;
	}
	if (write) {
		uint64_t max = op->width == 8 ? UINT64_MAX : (1ULL << (8 * op->width)) - 1;

		rc = hv_parse_u64(args[3], 0, max, &op->value);
		if (rc) {
			hv_err(0,
			       rc == -ERANGE ? "it must fit the width" : "a number: 5, 0x12345678",
			       "%s: bad value '%s'%s", verb, args[3],
			       rc == -ERANGE ? " (too large)" : "");
			return HV_EXIT_USAGE;
		}
	}
	return vb_resolve_one(c, args[0], d);
}

static int access_region(struct vb_ctx *c, const struct vb_dev *d, struct vb_op *op)
{
	bool write = op->kind == VB_OP_POKE;
	struct vfio_region_info *ri;
	struct regions rs = {0};
	struct vb_vfio v;
	int rc;

	rc = vb_vfio_open(c, d, &v);
	if (rc)
		return rc;
	rc = region_check(&v, d, &rs, op, "", &ri);
	if (!rc) {
		rc = reg_io(&v, ri, op, write, &op->value);
		if (rc)
			rc = io_fail(d, "", op, write, rc);
	}
	regions_free(&rs);
	vb_vfio_close(&v);
	return rc;
}

/* One peek's record; -1 as line leaves it out (peek, poke). */
static void print_access(struct vb_ctx *c, const struct vb_dev *d, const struct vb_op *op, int line,
			 bool compact)
{
	bool write = op->kind == VB_OP_POKE;

	if (c->common.json) {
		struct hv_json j;

		hv_json_init(&j, stdout, compact);
		hv_json_object_open(&j, NULL);
		if (line >= 0)
			hv_json_u64(&j, "line", (uint64_t)line);
		hv_json_str(&j, "address", d->name);
		hv_json_str(&j, "region", vb_region_name((uint32_t)op->region));
		hv_json_hex(&j, "offset", op->offset);
		hv_json_u64(&j, "width", op->width);
		hv_json_hex(&j, "value", op->value);
		hv_json_str(&j, "op", write ? "write" : "read");
		hv_json_object_close(&j);
		hv_json_end(&j);
	} else if (!write) {
		printf("0x%0*llx\n", (int)op->width * 2, (unsigned long long)op->value);
	}
}

const struct poptOption vb_access_options[] = {
    {"width", 'w', POPT_ARG_STRING, HV_AT(struct vb_ctx, width), 0,
     "access width in bytes (default 4)", "1|2|4|8"},
    POPT_TABLEEND,
};

static int regs_cmd(struct vb_ctx *c, int argc, const char **argv, bool write)
{
	struct vb_op op = {0};
	struct vb_dev d;
	int rc;

	(void)argc;
	rc = parse_access(c, c->verb, argv, write, &op, &d);
	if (!rc) {
		rc = access_region(c, &d, &op);
		if (!rc)
			print_access(c, &d, &op, -1, false);
	}
	return rc;
}

int vb_cmd_peek(void *ctx, int argc, const char **argv)
{
	return regs_cmd(ctx, argc, argv, false);
}

int vb_cmd_poke(void *ctx, int argc, const char **argv)
{
	return regs_cmd(ctx, argc, argv, true);
}

/* ---- regs: a script on one open ------------------------------------------ */

/*
 * Polls until (register & mask) == value. The interval grows from 1 ms to
 * 20 ms: short operations (edu's factorial) end within a few reads, long
 * ones do not keep the CPU busy.
 */
static int run_wait(const struct vb_vfio *v, const struct vb_dev *d,
		    const struct vfio_region_info *ri, const struct vb_op *op, const char *where)
{
	uint64_t deadline = hv_now_ms() + op->ms, step = 1, val = 0, t;
	int rc;

	for (;;) {
		rc = reg_io(v, ri, op, false, &val);
		if (rc)
			return io_fail(d, where, op, false, rc);
		if ((val & op->mask) == op->value)
			return 0;
		t = hv_now_ms();
		if (t >= deadline)
			break;
		hv_sleep_ms(step < deadline - t ? step : deadline - t);
		step = step * 2 > 20 ? 20 : step * 2;
	}
	hv_err(0, NULL, "%s: %swait %s 0x%llx: still 0x%0*llx (& 0x%llx != 0x%llx) after %llu ms",
	       d->name, where, vb_region_name((uint32_t)op->region), (unsigned long long)op->offset,
	       (int)op->width * 2, (unsigned long long)val, (unsigned long long)op->mask,
	       (unsigned long long)op->value, (unsigned long long)op->ms);
	return HV_EXIT_TIMEOUT;
}

static int run_script(struct vb_ctx *c, const struct vb_dev *d, const struct vb_script *s)
{
	struct vfio_region_info **ri;
	struct regions rs = {0};
	struct vb_vfio v;
	char where[32];
	int rc;

	ri = calloc(s->n ? s->n : 1, sizeof(*ri));
	if (!ri)
		return hv_fail(-ENOMEM, NULL, "regs");
	rc = vb_vfio_open(c, d, &v);
	if (rc) {
		free(ri);
		return rc;
	}
	/* Every line against the regions first: nothing is written otherwise. */
	for (size_t i = 0; i < s->n && !rc; i++) {
		snprintf(where, sizeof(where), "line %d: ", s->ops[i].lineno);
		if (s->ops[i].kind != VB_OP_SLEEP)
			rc = region_check(&v, d, &rs, &s->ops[i], where, &ri[i]);
	}
	for (size_t i = 0; i < s->n && !rc; i++) {
		struct vb_op op = s->ops[i];

		snprintf(where, sizeof(where), "line %d: ", op.lineno);
		switch (op.kind) {
		case VB_OP_PEEK:
		case VB_OP_POKE:
			rc = reg_io(&v, ri[i], &op, op.kind == VB_OP_POKE, &op.value);
			if (rc) {
				rc = io_fail(d, where, &op, op.kind == VB_OP_POKE, rc);
				break;
			}
			if (op.kind == VB_OP_PEEK) {
				print_access(c, d, &op, op.lineno, true);
				/* A reader sees each value as it is read, not at exit. */
				fflush(stdout);
			}
			break;
		case VB_OP_WAIT:
			rc = run_wait(&v, d, ri[i], &op, where);
			break;
		case VB_OP_SLEEP:
			hv_sleep_ms(op.ms);
			break;
		}
	}
	free(ri);
	regions_free(&rs);
	vb_vfio_close(&v);
	return rc;
}

/* --dry-run: the script as it was understood, one line per command. */
static void print_dry_run(struct vb_ctx *c, const struct vb_script *s)
{
	char line[160];

	for (size_t i = 0; i < s->n; i++) {
		if (vb_script_format(&s->ops[i], line, sizeof(line)))
			continue; /* cannot happen: 160 bytes hold the longest line */
		if (c->common.json) {
			struct hv_json j;

			hv_json_init(&j, stdout, true);
			hv_json_object_open(&j, NULL);
			hv_json_u64(&j, "line", (uint64_t)s->ops[i].lineno);
			hv_json_str(&j, "command", line);
			hv_json_object_close(&j);
			hv_json_end(&j);
		} else {
			printf("%s\n", line);
		}
	}
}

const struct poptOption vb_regs_options[] = {
    {"file", 'f', POPT_ARG_STRING, HV_AT(struct vb_ctx, file), 0,
     "read the script from FILE ('-' or none: stdin)", "FILE"},
    {"dry-run", 'n', POPT_ARG_NONE, HV_AT(struct vb_ctx, dry_run), 0,
     "check the script and print it as understood; open nothing", NULL},
    POPT_TABLEEND,
};

int vb_cmd_regs(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	bool from_stdin;
	struct vb_script s;
	struct vb_dev d;
	char err[256], *buf;
	size_t len;
	int rc;

	(void)argc;
	from_stdin = !c->file || !strcmp(c->file, "-");
	rc = from_stdin ? hv_read_fd_alloc(STDIN_FILENO, VB_SCRIPT_MAX, &buf, &len)
			: hv_read_file_alloc(c->file, VB_SCRIPT_MAX, &buf, &len);
	if (rc) {
		rc = hv_fail(rc, rc == -EFBIG ? "at most 1 MiB" : NULL,
			     "regs: reading the script from %s", from_stdin ? "stdin" : c->file);
		return rc;
	}
	rc = vb_script_parse(buf, len, &s, err, sizeof(err));
	free(buf);
	if (rc) {
		if (rc == -ENOMEM)
			rc = hv_fail(rc, NULL, "regs: parsing the script");
		else {
			hv_err(0, "nothing was done: see 'vfio-bind regs --help'", "regs: %s", err);
			rc = HV_EXIT_USAGE;
		}
		return rc;
	}
	rc = vb_resolve_one(c, argv[0], &d);
	if (!rc) {
		if (c->dry_run)
			print_dry_run(c, &s);
		else
			rc = run_script(c, &d, &s);
	}
	vb_script_free(&s);
	return rc;
}
