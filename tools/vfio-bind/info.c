// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * info: what VFIO tells a user-space driver about a device. Everything the
 * kernel returns is bounds-checked before use: capability chains are walked
 * with their offsets checked against the buffer, config-space capability
 * lists against the space read and against loops.
 */
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "diag.h"
#include "json.h"
#include "parse.h"
#include "vfio-bind.h"

#define MAX_CAPS 48

struct region {
	uint32_t index;
	int err; /* -errno of GET_REGION_INFO */
	uint64_t size, offset;
	uint32_t flags;
	char caps[256];
	uint32_t nsparse;
	struct {
		uint64_t offset, size;
	} sparse[8];
};

struct irq {
	uint32_t index;
	int err;
	uint32_t count, flags;
};

struct cap {
	uint16_t off;
	uint16_t id;
	bool ext;
};

struct config {
	uint8_t b[4096];
	size_t len;
	struct cap caps[2 * MAX_CAPS];
	size_t ncaps;
};

static const char *const irq_names[] = {"intx", "msi", "msix", "err", "req"};

static const char *cap_name(uint16_t id)
{
	static const char *const n[] = {
	    [PCI_CAP_ID_PM] = "pm",	    [PCI_CAP_ID_AGP] = "agp",
	    [PCI_CAP_ID_VPD] = "vpd",	    [PCI_CAP_ID_SLOTID] = "slotid",
	    [PCI_CAP_ID_MSI] = "msi",	    [PCI_CAP_ID_CHSWP] = "hotswap",
	    [PCI_CAP_ID_PCIX] = "pcix",	    [PCI_CAP_ID_HT] = "hypertransport",
	    [PCI_CAP_ID_VNDR] = "vendor",   [PCI_CAP_ID_DBG] = "debug",
	    [PCI_CAP_ID_CCRC] = "ccrc",	    [PCI_CAP_ID_SHPC] = "shpc",
	    [PCI_CAP_ID_SSVID] = "ssvid",   [PCI_CAP_ID_AGP3] = "agp3",
	    [PCI_CAP_ID_SECDEV] = "secdev", [PCI_CAP_ID_EXP] = "express",
	    [PCI_CAP_ID_MSIX] = "msix",	    [PCI_CAP_ID_SATA] = "sata",
	    [PCI_CAP_ID_AF] = "af",	    [PCI_CAP_ID_EA] = "ea",
	};

	return id < sizeof(n) / sizeof(n[0]) && n[id] ? n[id] : "unknown";
}

static const char *ext_cap_name(uint16_t id)
{
	switch (id) {
	case PCI_EXT_CAP_ID_ERR:
		return "aer";
	case PCI_EXT_CAP_ID_VC:
		return "vc";
	case PCI_EXT_CAP_ID_DSN:
		return "dsn";
	case PCI_EXT_CAP_ID_PWR:
		return "power";
	case PCI_EXT_CAP_ID_VNDR:
		return "vendor";
	case PCI_EXT_CAP_ID_ACS:
		return "acs";
	case PCI_EXT_CAP_ID_ARI:
		return "ari";
	case PCI_EXT_CAP_ID_ATS:
		return "ats";
	case PCI_EXT_CAP_ID_SRIOV:
		return "sriov";
	case PCI_EXT_CAP_ID_PRI:
		return "pri";
	case PCI_EXT_CAP_ID_REBAR:
		return "rebar";
	case PCI_EXT_CAP_ID_LTR:
		return "ltr";
	case PCI_EXT_CAP_ID_SECPCI:
		return "secpci";
	case PCI_EXT_CAP_ID_PASID:
		return "pasid";
	case PCI_EXT_CAP_ID_L1SS:
		return "l1ss";
	default:
		return "unknown";
	}
}

static uint16_t cfg16(const struct config *cf, size_t off)
{
	return off + 2 <= cf->len ? (uint16_t)(cf->b[off] | cf->b[off + 1] << 8) : 0;
}

static uint32_t cfg32(const struct config *cf, size_t off)
{
	return off + 4 <= cf->len ? (uint32_t)cfg16(cf, off) | (uint32_t)cfg16(cf, off + 2) << 16
				  : 0;
}

static void walk_caps(struct config *cf)
{
	bool seen[4096 / 4] = {false};
	size_t off;

	if (cf->len >= 64 && (cfg16(cf, PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
		off = cf->b[PCI_CAPABILITY_LIST] & ~3u;
		for (int n = 0; n < MAX_CAPS && off >= 0x40 && off + 2 <= cf->len && off < 256 &&
				!seen[off / 4];
		     n++) {
			seen[off / 4] = true;
			cf->caps[cf->ncaps++] = (struct cap){(uint16_t)off, cf->b[off], false};
			off = cf->b[off + 1] & ~3u;
		}
	}
	/* Extended capabilities: only when the kernel gave us more than 256 bytes. */
	off = 0x100;
	for (int n = 0; n < MAX_CAPS && off >= 0x100 && off + 4 <= cf->len && !seen[off / 4]; n++) {
		uint32_t h = cfg32(cf, off);

		if (!h || h == 0xffffffff)
			break;
		seen[off / 4] = true;
		cf->caps[cf->ncaps++] = (struct cap){(uint16_t)off, (uint16_t)(h & 0xffff), true};
		off = (h >> 20) & ~3u;
	}
}

static void read_config(const struct vb_vfio *v, const struct region *cr, struct config *cf)
{
	size_t want = cr->size < sizeof(cf->b) ? (size_t)cr->size : sizeof(cf->b);
	ssize_t n;

	cf->len = 0;
	cf->ncaps = 0;
	if (cr->err || !(cr->flags & VFIO_REGION_INFO_FLAG_READ))
		return;
	n = pread(v->device, cf->b, want, (off_t)cr->offset);
	if (n > 0)
		cf->len = (size_t)n;
	walk_caps(cf);
}

/* Walks a region's capability chain; every offset is checked against argsz. */
static void decode_caps(const struct vfio_region_info *ri, struct region *r)
{
	uint32_t off = ri->cap_offset, prev = 0;
	size_t used = 0;

	r->caps[0] = '\0';
	if (!(ri->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return;
	for (int n = 0; n < 16 && off >= sizeof(*ri) && off > prev && !(off & 3) &&
			off + sizeof(struct vfio_info_cap_header) <= ri->argsz;
	     n++) {
		const struct vfio_info_cap_header *h = (const void *)((const char *)ri + off);
		char one[128];

		switch (h->id) {
		case VFIO_REGION_INFO_CAP_SPARSE_MMAP: {
			const struct vfio_region_info_cap_sparse_mmap *sp = (const void *)h;
			size_t room = (ri->argsz - off - sizeof(*sp)) / sizeof(sp->areas[0]);
			uint32_t na = off + sizeof(*sp) <= ri->argsz ? sp->nr_areas : 0;

			if (na > room)
				na = (uint32_t)room;
			snprintf(one, sizeof(one), "sparse-mmap(%u areas)", na);
			for (uint32_t i = 0; i < na && r->nsparse < 8; i++) {
				r->sparse[r->nsparse].offset = sp->areas[i].offset;
				r->sparse[r->nsparse++].size = sp->areas[i].size;
			}
			break;
		}
		case VFIO_REGION_INFO_CAP_TYPE: {
			const struct vfio_region_info_cap_type *t = (const void *)h;

			if (off + sizeof(*t) <= ri->argsz)
				snprintf(one, sizeof(one), "type(0x%x/0x%x)", t->type, t->subtype);
			else
				snprintf(one, sizeof(one), "type");
			break;
		}
		case VFIO_REGION_INFO_CAP_MSIX_MAPPABLE:
			snprintf(one, sizeof(one), "msix-mappable");
			break;
		default:
			snprintf(one, sizeof(one), "cap%u", h->id);
			break;
		}
		used += (size_t)snprintf(r->caps + used, sizeof(r->caps) - used, "%s%s",
					 used ? "," : "", one);
		if (used >= sizeof(r->caps))
			break;
		prev = off;
		off = h->next;
	}
}

static void region_flags(uint32_t f, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", f & VFIO_REGION_INFO_FLAG_READ ? "r" : "-",
		 f & VFIO_REGION_INFO_FLAG_WRITE ? "w" : "-",
		 f & VFIO_REGION_INFO_FLAG_MMAP ? "m" : "-");
}

struct flag_name {
	uint32_t bit;
	const char *name;
};

/* "a,b,c" for the set bits, "-" for none. */
static void flag_names(uint32_t f, const struct flag_name *names, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		if (f & names[i].bit)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
						 names[i].name);
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

static void irq_flags(uint32_t f, char *buf, size_t len)
{
	static const struct flag_name names[] = {
	    {VFIO_IRQ_INFO_EVENTFD, "eventfd"},
	    {VFIO_IRQ_INFO_MASKABLE, "maskable"},
	    {VFIO_IRQ_INFO_AUTOMASKED, "automasked"},
	    {VFIO_IRQ_INFO_NORESIZE, "noresize"},
	};

	flag_names(f, names, sizeof(names) / sizeof(names[0]), buf, len);
}

static void dev_flags(uint32_t f, char *buf, size_t len)
{
	static const struct flag_name names[] = {
	    {VFIO_DEVICE_FLAGS_PCI, "pci"},
	    {VFIO_DEVICE_FLAGS_RESET, "reset"},
	    {VFIO_DEVICE_FLAGS_PLATFORM, "platform"},
	    {VFIO_DEVICE_FLAGS_CAPS, "caps"},
	};

	flag_names(f, names, sizeof(names) / sizeof(names[0]), buf, len);
}

struct info {
	struct vb_dev d;
	struct vb_vfio v;
	uint16_t vendor, device;
	uint32_t class;
	char vname[128], dname[160], cname[96];
	struct region *r;
	struct irq *q;
	struct config cf;
};

static void print_text(const struct info *in)
{
	char fl[64], sz[32];

	printf("device   %s %04x:%04x %s%s%s%s%s\n", in->d.name, in->vendor, in->device, in->cname,
	       in->cname[0] && (in->vname[0] || in->dname[0]) ? ": " : "", in->vname,
	       in->vname[0] && in->dname[0] ? " " : "", in->dname);
	dev_flags(in->v.flags, fl, sizeof(fl));
	printf("vfio     group %d (/dev/vfio/%d), flags %s, %u regions, %u irqs\n", in->v.group_id,
	       in->v.group_id, fl, in->v.num_regions, in->v.num_irqs);
	printf("\nREGION NAME    SIZE     OFFSET       FLAGS CAPS\n");
	for (uint32_t i = 0; i < in->v.num_regions; i++) {
		const struct region *r = &in->r[i];
		const char *name = vb_region_name(i);

		if (r->err) {
			printf("%6u %-7s %s\n", i, name ? name : "-", strerror(-r->err));
			continue;
		}
		region_flags(r->flags, fl, sizeof(fl));
		printf("%6u %-7s %-8s 0x%-10llx %-5s %s\n", i, name ? name : "-",
		       r->size ? hv_format_size(r->size, sz, sizeof(sz)) : "0",
		       (unsigned long long)r->offset, fl, r->caps[0] ? r->caps : "-");
	}
	printf("\nIRQ    NAME    COUNT FLAGS\n");
	for (uint32_t i = 0; i < in->v.num_irqs; i++) {
		const struct irq *q = &in->q[i];
		const char *name = i < 5 ? irq_names[i] : "-";

		if (q->err) {
			printf("%3u    %-7s %5s %s\n", i, name, "-",
			       q->err == -EINVAL ? "not supported" : strerror(-q->err));
			continue;
		}
		irq_flags(q->flags, fl, sizeof(fl));
		printf("%3u    %-7s %5u %s\n", i, name, q->count, fl);
	}
	if (!in->cf.len) {
		printf("\nconfig   not readable\n");
		return;
	}
	printf("\nconfig   vendor 0x%04x device 0x%04x revision 0x%02x class 0x%06x header %u "
	       "subsystem %04x:%04x\n",
	       cfg16(&in->cf, PCI_VENDOR_ID), cfg16(&in->cf, PCI_DEVICE_ID),
	       in->cf.b[PCI_REVISION_ID], cfg32(&in->cf, PCI_CLASS_REVISION) >> 8,
	       in->cf.b[PCI_HEADER_TYPE] & 0x7f, cfg16(&in->cf, PCI_SUBSYSTEM_VENDOR_ID),
	       cfg16(&in->cf, PCI_SUBSYSTEM_ID));
	printf("caps    ");
	if (!in->cf.ncaps)
		printf(" none");
	for (size_t i = 0; i < in->cf.ncaps; i++) {
		const struct cap *cp = &in->cf.caps[i];

		printf(" %s@0x%02x", cp->ext ? ext_cap_name(cp->id) : cap_name(cp->id), cp->off);
	}
	printf("\n");
}

static void print_json(const struct info *in)
{
	struct hv_json j;
	char buf[64];

	hv_json_init(&j, stdout, false);
	hv_json_object_open(&j, NULL);
	hv_json_str(&j, "address", in->d.name);
	snprintf(buf, sizeof(buf), "0x%04x", in->vendor);
	hv_json_str(&j, "vendor", buf);
	snprintf(buf, sizeof(buf), "0x%04x", in->device);
	hv_json_str(&j, "device", buf);
	hv_json_str(&j, "vendor_name", in->vname[0] ? in->vname : NULL);
	hv_json_str(&j, "device_name", in->dname[0] ? in->dname : NULL);
	hv_json_u64(&j, "iommu_group", (uint64_t)in->v.group_id);
	hv_json_array_open(&j, "flags");
	if (in->v.flags & VFIO_DEVICE_FLAGS_PCI)
		hv_json_str(&j, NULL, "pci");
	if (in->v.flags & VFIO_DEVICE_FLAGS_RESET)
		hv_json_str(&j, NULL, "reset");
	hv_json_array_close(&j);
	hv_json_array_open(&j, "regions");
	for (uint32_t i = 0; i < in->v.num_regions; i++) {
		const struct region *r = &in->r[i];

		hv_json_object_open(&j, NULL);
		hv_json_u64(&j, "index", i);
		hv_json_str(&j, "name", vb_region_name(i));
		if (r->err) {
			hv_json_str(&j, "error", strerror(-r->err));
			hv_json_object_close(&j);
			continue;
		}
		hv_json_u64(&j, "size", r->size);
		hv_json_hex(&j, "offset", r->offset);
		hv_json_bool(&j, "read", r->flags & VFIO_REGION_INFO_FLAG_READ);
		hv_json_bool(&j, "write", r->flags & VFIO_REGION_INFO_FLAG_WRITE);
		hv_json_bool(&j, "mmap", r->flags & VFIO_REGION_INFO_FLAG_MMAP);
		hv_json_str(&j, "caps", r->caps[0] ? r->caps : NULL);
		hv_json_array_open(&j, "sparse_mmap");
		for (uint32_t k = 0; k < r->nsparse; k++) {
			hv_json_object_open(&j, NULL);
			hv_json_hex(&j, "offset", r->sparse[k].offset);
			hv_json_u64(&j, "size", r->sparse[k].size);
			hv_json_object_close(&j);
		}
		hv_json_array_close(&j);
		hv_json_object_close(&j);
	}
	hv_json_array_close(&j);
	hv_json_array_open(&j, "irqs");
	for (uint32_t i = 0; i < in->v.num_irqs; i++) {
		const struct irq *q = &in->q[i];

		hv_json_object_open(&j, NULL);
		hv_json_u64(&j, "index", i);
		hv_json_str(&j, "name", i < 5 ? irq_names[i] : NULL);
		hv_json_bool(&j, "supported", !q->err);
		hv_json_u64(&j, "count", q->err ? 0 : q->count);
		hv_json_bool(&j, "eventfd", !q->err && (q->flags & VFIO_IRQ_INFO_EVENTFD));
		hv_json_bool(&j, "maskable", !q->err && (q->flags & VFIO_IRQ_INFO_MASKABLE));
		hv_json_bool(&j, "automasked", !q->err && (q->flags & VFIO_IRQ_INFO_AUTOMASKED));
		hv_json_bool(&j, "noresize", !q->err && (q->flags & VFIO_IRQ_INFO_NORESIZE));
		hv_json_object_close(&j);
	}
	hv_json_array_close(&j);
	hv_json_object_open(&j, "config");
	if (in->cf.len) {
		hv_json_hex(&j, "vendor", cfg16(&in->cf, PCI_VENDOR_ID));
		hv_json_hex(&j, "device", cfg16(&in->cf, PCI_DEVICE_ID));
		hv_json_hex(&j, "revision", in->cf.b[PCI_REVISION_ID]);
		hv_json_hex(&j, "class", cfg32(&in->cf, PCI_CLASS_REVISION) >> 8);
		hv_json_u64(&j, "header_type", in->cf.b[PCI_HEADER_TYPE] & 0x7f);
		hv_json_array_open(&j, "capabilities");
		for (size_t i = 0; i < in->cf.ncaps; i++) {
			const struct cap *cp = &in->cf.caps[i];

			hv_json_object_open(&j, NULL);
			hv_json_str(&j, "name", cp->ext ? ext_cap_name(cp->id) : cap_name(cp->id));
			hv_json_hex(&j, "id", cp->id);
			hv_json_hex(&j, "offset", cp->off);
			hv_json_bool(&j, "extended", cp->ext);
			hv_json_object_close(&j);
		}
		hv_json_array_close(&j);
	}
	hv_json_object_close(&j);
	hv_json_object_close(&j);
	hv_json_end(&j);
}

int vb_cmd_info(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	struct info *in;
	int rc;

	(void)argc;
	in = calloc(1, sizeof(*in));
	if (!in)
		return hv_fail(-ENOMEM, NULL, "info");
	rc = vb_resolve_one(c, argv[0], &in->d);
	if (rc)
		goto out;
	if (vb_dev_ids(c, &in->d, &in->vendor, &in->device, &in->class) == 0)
		vb_names(c, in->vendor, in->device, in->class, in->vname, sizeof(in->vname),
			 in->dname, sizeof(in->dname), in->cname, sizeof(in->cname));
	rc = vb_vfio_open(c, &in->d, &in->v);
	if (rc)
		goto out;
	/* Bounded: a device claiming thousands of regions is not believed. */
	if (in->v.num_regions > 64)
		in->v.num_regions = 64;
	if (in->v.num_irqs > 64)
		in->v.num_irqs = 64;
	in->r = calloc(in->v.num_regions + 1, sizeof(*in->r));
	in->q = calloc(in->v.num_irqs + 1, sizeof(*in->q));
	if (!in->r || !in->q) {
		rc = hv_fail(-ENOMEM, NULL, "info");
		goto close;
	}
	for (uint32_t i = 0; i < in->v.num_regions; i++) {
		struct vfio_region_info *ri;
		struct region *r = &in->r[i];

		r->index = i;
		r->err = vb_vfio_region(&in->v, i, &ri);
		if (r->err)
			continue;
		r->size = ri->size;
		r->offset = ri->offset;
		r->flags = ri->flags;
		decode_caps(ri, r);
		free(ri);
	}
	for (uint32_t i = 0; i < in->v.num_irqs; i++) {
		struct vfio_irq_info ii = {.argsz = sizeof(ii), .index = i};
		struct irq *q = &in->q[i];

		q->index = i;
		if (ioctl(in->v.device, VFIO_DEVICE_GET_IRQ_INFO, &ii)) {
			q->err = -errno;
			continue;
		}
		q->count = ii.count;
		q->flags = ii.flags;
	}
	if (in->v.num_regions > VFIO_PCI_CONFIG_REGION_INDEX)
		read_config(&in->v, &in->r[VFIO_PCI_CONFIG_REGION_INDEX], &in->cf);
	if (c->common.json)
		print_json(in);
	else
		print_text(in);
close:
	vb_vfio_close(&in->v);
out:
	free(in->r);
	free(in->q);
	free(in);
	return rc;
}
