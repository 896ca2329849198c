// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * peek and poke: one naturally aligned register access through a VFIO
 * region. Offset, width and value are checked against the region's size and
 * flags before the device is touched, so a typo never becomes a stray write.
 */
#include <endian.h>
#include <errno.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "json.h"
#include "parse.h"
#include "vfio-bind.h"

struct access {
	struct vb_dev d;
	int region;
	const char *region_name;
	uint64_t offset;
	unsigned int width;
	uint64_t value;
};

/* Syntax checks that need no device: done before anything is opened. */
static int parse_access(struct vb_ctx *c, const char *verb, const char **args, bool write,
			struct access *a)
{
	uint64_t w = 4;
	int rc;

	a->region_name = args[1];
	a->region = vb_region_index(args[1]);
	if (a->region < 0) {
		hv_err(0, "bar0..bar5, rom, config, vga", "%s: unknown region '%s'", verb,
		       args[1]);
		return HV_EXIT_USAGE;
	}
	if (hv_parse_u64(args[2], 0, UINT64_MAX, &a->offset)) {
		hv_err(0, "a number: 16, 0x10", "%s: bad offset '%s'", verb, args[2]);
		return HV_EXIT_USAGE;
	}
	if (c->width && (hv_parse_dec(c->width, 1, 8, &w) || (w != 1 && w != 2 && w != 4 &&
							     w != 8))) {
		hv_err(0, "1, 2, 4 or 8 bytes", "%s: bad width '%s'", verb, c->width);
		return HV_EXIT_USAGE;
	}
	a->width = (unsigned int)w;
	if (a->offset % a->width) {
		hv_err(0, "registers are accessed at multiples of the width",
		       "%s: offset 0x%llx is not aligned to %u bytes", verb,
		       (unsigned long long)a->offset, a->width);
		return HV_EXIT_USAGE;
	}
	if (write) {
		uint64_t max = a->width == 8 ? UINT64_MAX : (1ULL << (8 * a->width)) - 1;

		rc = hv_parse_u64(args[3], 0, max, &a->value);
		if (rc) {
			hv_err(0, rc == -ERANGE ? "it must fit the width" : "a number: 5, 0x12345678",
			       "%s: bad value '%s'%s", verb, args[3],
			       rc == -ERANGE ? " (too large)" : "");
			return HV_EXIT_USAGE;
		}
	}
	return vb_resolve_one(c, args[0], &a->d);
}

static int access_region(struct vb_ctx *c, struct access *a, bool write)
{
	struct vfio_region_info *ri = NULL;
	struct vb_vfio v;
	uint8_t buf[8] = { 0 };
	ssize_t n;
	int rc;

	rc = vb_vfio_open(c, &a->d, &v);
	if (rc)
		return rc;
	if ((uint32_t)a->region >= v.num_regions) {
		hv_err(0, NULL, "%s: the device has no region %s", a->d.name, a->region_name);
		rc = HV_EXIT_NOTFOUND;
		goto out;
	}
	rc = vb_vfio_region(&v, (uint32_t)a->region, &ri);
	if (rc) {
		rc = hv_fail(rc, NULL, "%s: region %s", a->d.name, a->region_name);
		goto out;
	}
	if (!ri->size) {
		hv_err(0, NULL, "%s: region %s is not implemented (size 0)", a->d.name,
		       a->region_name);
		rc = HV_EXIT_NOTFOUND;
		goto out;
	}
	if (a->offset >= ri->size || ri->size - a->offset < a->width) {
		hv_err(0, "see 'vfio-bind info'",
		       "%s: offset 0x%llx + %u is outside region %s (size 0x%llx)", a->d.name,
		       (unsigned long long)a->offset, a->width, a->region_name,
		       (unsigned long long)ri->size);
		rc = HV_EXIT_USAGE;
		goto out;
	}
	if (!(ri->flags & (write ? VFIO_REGION_INFO_FLAG_WRITE : VFIO_REGION_INFO_FLAG_READ))) {
		hv_err(0, NULL, "%s: region %s is not %s", a->d.name, a->region_name,
		       write ? "writable" : "readable");
		rc = HV_EXIT_PERM;
		goto out;
	}
	/* VFIO regions are little-endian, like the PCI bus. */
	if (write) {
		uint64_t le = htole64(a->value);

		memcpy(buf, &le, a->width);
		n = pwrite(v.device, buf, a->width, (off_t)(ri->offset + a->offset));
	} else {
		n = pread(v.device, buf, a->width, (off_t)(ri->offset + a->offset));
	}
	if (n != (ssize_t)a->width) {
		rc = hv_fail(n < 0 ? -errno : -EIO, NULL, "%s: %s %s at 0x%llx", a->d.name,
			     write ? "writing" : "reading", a->region_name,
			     (unsigned long long)a->offset);
		goto out;
	}
	if (!write) {
		uint64_t le = 0;

		memcpy(&le, buf, a->width);
		a->value = le64toh(le);
	}
	rc = 0;
out:
	free(ri);
	vb_vfio_close(&v);
	return rc;
}

static void print_access(struct vb_ctx *c, const struct access *a, bool write)
{
	if (c->common.json) {
		struct hv_json j;

		hv_json_init(&j, stdout, false);
		hv_json_object_open(&j, NULL);
		hv_json_str(&j, "address", a->d.name);
		hv_json_str(&j, "region", a->region_name);
		hv_json_hex(&j, "offset", a->offset);
		hv_json_u64(&j, "width", a->width);
		hv_json_hex(&j, "value", a->value);
		hv_json_str(&j, "op", write ? "write" : "read");
		hv_json_object_close(&j);
		hv_json_end(&j);
	} else if (!write) {
		printf("0x%0*llx\n", (int)a->width * 2, (unsigned long long)a->value);
	}
}

static int regs_cmd(struct vb_ctx *c, int argc, const char **argv, bool write)
{
	const struct poptOption opts[] = {
		{ "width", 'w', POPT_ARG_STRING, &c->width, 0, "access width in bytes (default 4)",
		  "1|2|4|8" },
		POPT_TABLEEND,
	};
	struct access a = { 0 };
	const char **args;
	int rc, nargs;

	rc = vb_parse_verb(c, argc, argv, opts,
			   write ? "DEV REGION OFFSET VALUE [--width 1|2|4|8]"
				 : "DEV REGION OFFSET [--width 1|2|4|8]",
			   write ? 4 : 3, write ? 4 : 3, &args, &nargs);
	if (rc >= 0)
		return rc;
	rc = parse_access(c, argv[0], args, write, &a);
	/* a names the device and region by pointers into args: free it last. */
	if (!rc) {
		rc = access_region(c, &a, write);
		if (!rc)
			print_access(c, &a, write);
	}
	free((void *)args);
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
