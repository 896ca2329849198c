// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * list: every PCI device with its ids, names, driver, IOMMU group, the
 * group's members, whether VFIO could use the group right now, and the
 * driver a persistent override (driverctl's file, ours or driverctl's own)
 * gives the device at boot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "json.h"
#include "table.h"
#include "vfio-bind.h"

struct row {
	struct vb_dev d;
	uint16_t vendor, device;
	uint32_t class;
	char driver[VB_NAME_MAX];
	char persist[VB_NAME_MAX]; /* "" none, "?" a file that names no driver */
	char vname[128], dname[160], cname[96];
	int group; /* -1: none */
	struct vb_group g;
};

static void members_text(const struct vb_group *g, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < g->n && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? "," : "", g->m[i].name);

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static void name_text(const struct row *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", r->cname,
		 r->cname[0] && (r->vname[0] || r->dname[0]) ? ": " : "", r->vname,
		 r->vname[0] && r->dname[0] ? " " : "", r->dname);
}

static void print_json(const struct row *rows, size_t n)
{
	struct hv_json j;
	char buf[32];

	hv_json_init(&j, stdout, false);
	hv_json_object_open(&j, NULL);
	hv_json_array_open(&j, "devices");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		hv_json_object_open(&j, NULL);
		hv_json_str(&j, "address", r->d.name);
		snprintf(buf, sizeof(buf), "0x%06x", r->class);
		hv_json_str(&j, "class", buf);
		hv_json_str(&j, "class_name", r->cname[0] ? r->cname : NULL);
		snprintf(buf, sizeof(buf), "0x%04x", r->vendor);
		hv_json_str(&j, "vendor", buf);
		snprintf(buf, sizeof(buf), "0x%04x", r->device);
		hv_json_str(&j, "device", buf);
		hv_json_str(&j, "vendor_name", r->vname[0] ? r->vname : NULL);
		hv_json_str(&j, "device_name", r->dname[0] ? r->dname : NULL);
		hv_json_str(&j, "driver", r->driver[0] ? r->driver : NULL);
		hv_json_str(&j, "persistent", r->persist[0] ? r->persist : NULL);
		if (r->group < 0) {
			hv_json_null(&j, "iommu_group");
			hv_json_null(&j, "group_members");
			hv_json_bool(&j, "viable", false);
			hv_json_null(&j, "blocking");
		} else {
			hv_json_u64(&j, "iommu_group", (uint64_t)r->group);
			hv_json_array_open(&j, "group_members");
			for (size_t k = 0; k < r->g.n; k++)
				hv_json_str(&j, NULL, r->g.m[k].name);
			hv_json_array_close(&j);
			hv_json_bool(&j, "viable", r->g.viable);
			hv_json_array_open(&j, "blocking");
			for (size_t k = 0; k < r->g.n; k++) {
				if (!r->g.m[k].blocks)
					continue;
				hv_json_object_open(&j, NULL);
				hv_json_str(&j, "address", r->g.m[k].name);
				hv_json_str(&j, "driver", r->g.m[k].driver);
				hv_json_object_close(&j);
			}
			hv_json_array_close(&j);
		}
		hv_json_object_close(&j);
	}
	hv_json_array_close(&j);
	hv_json_object_close(&j);
	hv_json_end(&j);
}

static int print_text(const struct row *rows, size_t n)
{
	static const struct hv_table_col cols[] = {
	    {"ADDRESS", HV_COL_STR, 0},
	    {"CLASS", HV_COL_STR, 0},
	    {"IDS", HV_COL_STR, 0},
	    {"DRIVER", HV_COL_STR, 0},
	    {"GROUP", HV_COL_NUM, HV_COL_RIGHT},
	    {"VIABLE", HV_COL_STR, 0},
	    {"MEMBERS", HV_COL_STR, 0},
	    {"PERSIST", HV_COL_STR, 0},
	    {"NAME", HV_COL_STR, HV_COL_LAST_FREE},
	};
	struct hv_table *t = hv_table_new("devices", cols, sizeof(cols) / sizeof(cols[0]));
	struct hv_table_opts o = {0};

	if (!t)
		return hv_fail(-ENOMEM, NULL, "list");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char cls[8], ids[16], grp[16], members[512], name[400];

		snprintf(cls, sizeof(cls), "%04x", r->class >> 8);
		snprintf(ids, sizeof(ids), "%04x:%04x", r->vendor, r->device);
		grp[0] = members[0] = '\0';
		if (r->group >= 0) {
			snprintf(grp, sizeof(grp), "%d", r->group);
			members_text(&r->g, members, sizeof(members));
		}
		name_text(r, name, sizeof(name));
		const char *cells[] = {
		    r->d.name, cls,	   ids,
		    r->driver, grp,	   r->group < 0 ? "no-iommu" : (r->g.viable ? "yes" : "no"),
		    members,   r->persist, name,
		};
		if (hv_table_add_row(t, cells)) {
			hv_table_free(t);
			return hv_fail(-ENOMEM, NULL, "list");
		}
	}
	hv_table_print(t, stdout, &o);
	hv_table_free(t);
	return 0;
}

const struct poptOption vb_list_options[] = {
    {"vfio", '\0', POPT_ARG_NONE, HV_AT(struct vb_ctx, vfio_only), 0, "only devices on vfio-pci",
     NULL},
    POPT_TABLEEND,
};

int vb_cmd_list(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	struct row *rows = NULL;
	char **names;
	size_t n = 0;
	int rc, count;

	(void)argc;
	(void)argv;
	count = hv_path_list(&c->root, &names, "/sys/bus/pci/devices");
	if (count < 0)
		return hv_fail(count, "is sysfs mounted?", "reading /sys/bus/pci/devices");
	rows = calloc((size_t)count + 1, sizeof(*rows));
	if (!rows) {
		hv_strv_free(names);
		return hv_fail(-ENOMEM, NULL, "list");
	}
	for (int i = 0; i < count; i++) {
		struct row *r = &rows[n];

		vb_dev_init_pci(&r->d, names[i]);
		if (vb_dev_ids(c, &r->d, &r->vendor, &r->device, &r->class))
			continue; /* gone while we looked (hot unplug) */
		vb_dev_driver(c, &r->d, r->driver, sizeof(r->driver));
		rc = vb_persist_read(c, r->d.name, r->persist);
		if (rc == -EINVAL)
			snprintf(r->persist, sizeof(r->persist), "?");
		else if (rc)
			r->persist[0] = '\0';
		rc = 0;
		if (c->vfio_only && strcmp(r->driver, VB_DRIVER))
			continue;
		vb_names(c, r->vendor, r->device, r->class, r->vname, sizeof(r->vname), r->dname,
			 sizeof(r->dname), r->cname, sizeof(r->cname));
		r->group = vb_dev_group(c, &r->d);
		if (r->group >= 0 && vb_group_load(c, r->group, &r->g))
			r->group = -1;
		if (r->group < 0)
			r->group = -1;
		n++;
	}
	hv_strv_free(names);
	if (c->common.json)
		print_json(rows, n);
	else
		rc = print_text(rows, n);
	for (size_t i = 0; i < n; i++)
		vb_group_free(&rows[i].g);
	free(rows);
	return rc < 0 ? 0 : rc;
}
