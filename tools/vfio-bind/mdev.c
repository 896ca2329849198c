// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mdev: mediated devices, as mdevctl handles them: the types each parent
 * offers, create and remove instances, list them; and an instance's UUID as
 * the DEV of info, peek and poke (vb_mdev_resolve()). Definitions that
 * outlive a boot (define, start, ...) are mdevdef.c's.
 *
 * sysfs layout (Documentation/driver-api/vfio-mediated-device.rst):
 *   /sys/class/mdev_bus/<parent>/mdev_supported_types/<type>/
 *       name description device_api available_instances create devices/
 *   /sys/bus/mdev/devices/<uuid>/  mdev_type -> type, remove, driver, iommu_group
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "json.h"
#include "table.h"
#include "vfio-bind.h"

#define MDEV_BUS     "/sys/class/mdev_bus"
#define MDEV_DEVICES "/sys/bus/mdev/devices"

int vb_mdev_resolve(struct vb_ctx *c, const char *arg, struct vb_dev *out)
{
	if (!vb_looks_like_uuid(arg)) {
		hv_err(0, "an mdev UUID looks like 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001",
		       "%s: not an mdev UUID", arg);
		return HV_EXIT_USAGE;
	}
	if (!hv_path_exists(&c->root, MDEV_DEVICES "/%s", arg))
		return hv_fail(-ENOENT, "see 'vfio-bind mdev list'", "%s: no such mdev device",
			       arg);
	memset(out, 0, sizeof(*out));
	out->kind = VB_DEV_MDEV;
	snprintf(out->name, sizeof(out->name), "%s", arg);
	snprintf(out->sysdir, sizeof(out->sysdir), MDEV_DEVICES "/%s", arg);
	return 0;
}

/* An attribute of a type directory, "" when missing. */
static void type_attr(struct vb_ctx *c, const char *parent, const char *type, const char *attr,
		      char *buf, size_t len)
{
	if (hv_path_read(&c->root, buf, len, MDEV_BUS "/%s/mdev_supported_types/%s/%s", parent,
			 type, attr) < 0)
		buf[0] = '\0';
}

static int cmd_types(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	static const struct hv_table_col cols[] = {
	    {"PARENT", HV_COL_STR, 0},
	    {"TYPE", HV_COL_STR, 0},
	    {"NAME", HV_COL_STR, 0},
	    {"API", HV_COL_STR, 0},
	    {"AVAILABLE", HV_COL_NUM, HV_COL_RIGHT},
	    {"DESCRIPTION", HV_COL_STR, HV_COL_LAST_FREE},
	};
	struct hv_table_opts o = {0};
	char **parents = NULL, **types;
	struct hv_table *t;
	int np;

	(void)argc;
	(void)argv;
	np = hv_path_list(&c->root, &parents, MDEV_BUS);
	if (np < 0 && np != -ENOENT)
		return hv_fail(np, NULL, "reading " MDEV_BUS);
	t = hv_table_new("types", cols, sizeof(cols) / sizeof(cols[0]));
	if (!t) {
		hv_strv_free(parents);
		return hv_fail(-ENOMEM, NULL, "mdev types");
	}
	for (int i = 0; i < np; i++) {
		int nt =
		    hv_path_list(&c->root, &types, MDEV_BUS "/%s/mdev_supported_types", parents[i]);

		for (int k = 0; k < nt; k++) {
			char name[128], api[64], avail[32], desc[256];

			type_attr(c, parents[i], types[k], "name", name, sizeof(name));
			type_attr(c, parents[i], types[k], "device_api", api, sizeof(api));
			type_attr(c, parents[i], types[k], "available_instances", avail,
				  sizeof(avail));
			type_attr(c, parents[i], types[k], "description", desc, sizeof(desc));
			/* Descriptions may span lines; a table row may not. */
			for (char *p = desc; *p; p++)
				if (*p == '\n')
					*p = ' ';
			const char *cells[] = {parents[i], types[k], name, api, avail, desc};

			if (hv_table_add_row(t, cells)) {
				hv_strv_free(types);
				hv_strv_free(parents);
				hv_table_free(t);
				return hv_fail(-ENOMEM, NULL, "mdev types");
			}
		}
		if (nt > 0)
			hv_strv_free(types);
	}
	hv_strv_free(parents);
	if (!hv_table_rows(t) && !c->common.json && !c->common.quiet)
		hv_note("no mdev parent device (load a parent driver, e.g. 'modprobe mdev-edu')");
	o.json = c->common.json;
	hv_table_print(t, stdout, &o);
	hv_table_free(t);
	return 0;
}

int vb_mdev_find_type(struct vb_ctx *c, const char *parent, const char *type, char *out, size_t len)
{
	size_t tl = strlen(type);
	char **types;
	int nt, found = 0;

	if (strchr(type, '/') || !strcmp(type, ".") || !strcmp(type, ".."))
		return -EINVAL;
	if (hv_path_exists(&c->root, MDEV_BUS "/%s/mdev_supported_types/%s/create", parent, type)) {
		snprintf(out, len, "%s", type);
		return 0;
	}
	nt = hv_path_list(&c->root, &types, MDEV_BUS "/%s/mdev_supported_types", parent);
	for (int k = 0; k < nt; k++) {
		size_t l = strlen(types[k]);

		if (l > tl + 1 && types[k][l - tl - 1] == '-' && !strcmp(types[k] + l - tl, type)) {
			snprintf(out, len, "%s", types[k]);
			found++;
		}
	}
	if (nt > 0)
		hv_strv_free(types);
	return found == 1 ? 0 : -ENOENT;
}

int vb_mdev_new_uuid(struct vb_ctx *c, char *buf, size_t len)
{
	int rc = hv_path_read(&c->root, buf, len, "/proc/sys/kernel/random/uuid");

	if (rc < 0)
		return rc;
	return vb_looks_like_uuid(buf) ? 0 : -EIO;
}

static const struct poptOption mdev_create_options[] = {
    {"uuid", 'u', POPT_ARG_STRING, HV_AT(struct vb_ctx, uuid), 0,
     "the instance's UUID (default: a new one)", "UUID"},
    {"dry-run", 'n', POPT_ARG_NONE, HV_AT(struct vb_ctx, dry_run), 0,
     "print the sysfs write, change nothing", NULL},
    POPT_TABLEEND,
};

static int cmd_create(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	const char *parent, *type_arg;
	char type[256], uuid[64], avail[32];
	int rc;

	(void)argc;
	parent = argv[0];
	type_arg = argv[1];
	if (c->uuid && !vb_looks_like_uuid(c->uuid)) {
		hv_err(0, "like 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", "create: bad UUID '%s'",
		       c->uuid);
		rc = HV_EXIT_USAGE;
		goto out;
	}
	if (strchr(parent, '/') || !parent[0] || !strcmp(parent, ".") || !strcmp(parent, "..") ||
	    !hv_path_exists(&c->root, MDEV_BUS "/%s", parent)) {
		rc = hv_fail(-ENOENT, "see 'vfio-bind mdev types'",
			     "create: %s: no such mdev parent", parent);
		goto out;
	}
	if (vb_mdev_find_type(c, parent, type_arg, type, sizeof(type))) {
		rc = hv_fail(-ENOENT, "see 'vfio-bind mdev types'", "create: %s: no type '%s'",
			     parent, type_arg);
		goto out;
	}
	type_attr(c, parent, type, "available_instances", avail, sizeof(avail));
	if (!strcmp(avail, "0")) {
		hv_err(0, "remove one ('vfio-bind mdev list', 'vfio-bind mdev remove UUID')",
		       "create: %s/%s: no instances left (available_instances is 0)", parent, type);
		rc = HV_EXIT_LIMIT;
		goto out;
	}
	if (c->uuid) {
		snprintf(uuid, sizeof(uuid), "%s", c->uuid);
	} else {
		rc = vb_mdev_new_uuid(c, uuid, sizeof(uuid));
		if (rc) {
			rc = hv_fail(rc, "give one with --uuid", "create: generating a UUID");
			goto out;
		}
	}
	if (c->dry_run) {
		printf("write %s > %s/%s/mdev_supported_types/%s/create\n", uuid, MDEV_BUS, parent,
		       type);
		rc = 0;
		goto out;
	}
	rc = hv_path_write(&c->root, uuid, MDEV_BUS "/%s/mdev_supported_types/%s/create", parent,
			   type);
	if (rc) {
		const char *hint = rc == -EEXIST   ? "pick another UUID or omit --uuid"
				   : rc == -EUSERS ? "no instances left: remove one"
						   : NULL;

		hv_err(rc, hint, "create: %s on %s/%s", uuid, parent, type);
		/* The mdev core says EUSERS when the parent has no instance left. */
		rc = rc == -EUSERS ? HV_EXIT_LIMIT : hv_exit_code(rc);
		goto out;
	}
	if (!hv_path_exists(&c->root, MDEV_DEVICES "/%s", uuid)) {
		rc = hv_fail(-ENODEV, "see the kernel log", "create: %s: accepted, but no %s/%s",
			     uuid, MDEV_DEVICES, uuid);
		goto out;
	}
	if (c->common.json) {
		struct hv_json j;

		hv_json_init(&j, stdout, false);
		hv_json_object_open(&j, NULL);
		hv_json_str(&j, "uuid", uuid);
		hv_json_str(&j, "parent", parent);
		hv_json_str(&j, "type", type);
		hv_json_object_close(&j);
		hv_json_end(&j);
	} else {
		printf("%s\n", uuid);
	}
	rc = 0;
out:
	return rc;
}

static const struct poptOption mdev_remove_options[] = {
    {"dry-run", 'n', POPT_ARG_NONE, HV_AT(struct vb_ctx, dry_run), 0,
     "print the sysfs write, change nothing", NULL},
    POPT_TABLEEND,
};

static int cmd_remove(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	struct vb_dev d;
	int rc;

	(void)argc;
	rc = vb_mdev_resolve(c, argv[0], &d);
	if (rc)
		return rc;
	if (c->dry_run) {
		printf("write 1 > %s/remove\n", d.sysdir);
		return 0;
	}
	/* The kernel waits here until a user holding the device closes it. */
	rc = hv_path_write(&c->root, "1", "%s/remove", d.sysdir);
	if (rc)
		return hv_fail(rc, NULL, "remove: %s", d.name);
	return 0;
}

static const struct poptOption mdev_list_options[] = {
    {"defined", 'd', POPT_ARG_NONE, HV_AT(struct vb_ctx, defined), 0,
     "definitions in " VB_MDEV_CONF " (mdevctl's), running or not", NULL},
    POPT_TABLEEND,
};

static int cmd_list(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	static const struct hv_table_col cols[] = {
	    {"UUID", HV_COL_STR, 0},
	    {"PARENT", HV_COL_STR, 0},
	    {"TYPE", HV_COL_STR, 0},
	    {"DRIVER", HV_COL_STR, 0},
	    {"GROUP", HV_COL_NUM, HV_COL_RIGHT},
	    {"START", HV_COL_STR, 0},
	};
	struct hv_table_opts o = {0};
	char **uuids = NULL;
	struct hv_table *t;
	int n;

	(void)argc;
	(void)argv;
	if (c->defined)
		return vb_mdev_list_defined(c);
	n = hv_path_list(&c->root, &uuids, MDEV_DEVICES);
	if (n < 0 && n != -ENOENT)
		return hv_fail(n, "is the mdev module loaded?", "reading " MDEV_DEVICES);
	t = hv_table_new("mdevs", cols, sizeof(cols) / sizeof(cols[0]));
	if (!t) {
		hv_strv_free(uuids);
		return hv_fail(-ENOMEM, NULL, "mdev list");
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX], real[PATH_MAX], parent[VB_NAME_MAX] = "", type[256] = "";
		char driver[VB_NAME_MAX] = "", group[32] = "";
		char *slash;

		/* The parent is the directory the instance lives in. */
		if (!hv_path_build(&c->root, path, sizeof(path), MDEV_DEVICES "/%s", uuids[i]) &&
		    realpath(path, real) && (slash = strrchr(real, '/'))) {
			*slash = '\0';
			slash = strrchr(real, '/');
			/* Parent names longer than VB_NAME_MAX are cut, not overrun. */
			snprintf(parent, sizeof(parent), "%.*s", (int)sizeof(parent) - 1,
				 slash ? slash + 1 : real);
		}
		hv_path_link_name(&c->root, type, sizeof(type), MDEV_DEVICES "/%s/mdev_type",
				  uuids[i]);
		hv_path_link_name(&c->root, driver, sizeof(driver), MDEV_DEVICES "/%s/driver",
				  uuids[i]);
		hv_path_link_name(&c->root, group, sizeof(group), MDEV_DEVICES "/%s/iommu_group",
				  uuids[i]);
		int mode = vb_mdef_start_mode(c, uuids[i]);
		/* START: how its definition starts it; empty when it has none. */
		const char *cells[] = {uuids[i],
				       parent,
				       type,
				       driver[0] ? driver : NULL,
				       group[0] ? group : NULL,
				       mode < 0 ? NULL
				       : mode	? "auto"
						: "manual"};

		if (hv_table_add_row(t, cells)) {
			hv_strv_free(uuids);
			hv_table_free(t);
			return hv_fail(-ENOMEM, NULL, "mdev list");
		}
	}
	hv_strv_free(uuids);
	o.json = c->common.json;
	hv_table_print(t, stdout, &o);
	hv_table_free(t);
	return 0;
}

const struct hv_verb vb_mdev_verbs[] = {
    {.name = "types",
     .run = cmd_types,
     .args = "[--json]",
     .summary = "types each parent offers, with available instances",
     .max_args = 0,
     .usage = "mdev types [--json]"},
    {.name = "create",
     .run = cmd_create,
     .args = "PARENT TYPE [--uuid UUID]",
     .summary = "create an instance; prints its UUID",
     .options = mdev_create_options,
     .min_args = 2,
     .max_args = 2},
    {.name = "remove",
     .run = cmd_remove,
     .args = "UUID",
     .summary = "remove an instance (waits for its user to close it)",
     .options = mdev_remove_options,
     .min_args = 1,
     .max_args = 1,
     .usage = "mdev remove UUID [--dry-run]"},
    {.name = "stop",
     .run = cmd_remove,
     .args = "UUID",
     .summary = "same as remove (mdevctl's name)",
     .options = mdev_remove_options,
     .min_args = 1,
     .max_args = 1,
     .usage = "mdev stop UUID [--dry-run]"},
    {.name = "list",
     .run = cmd_list,
     .args = "[--defined] [--json]",
     .summary = "instances (--defined: definitions) with parent, type, start",
     .options = mdev_list_options,
     .max_args = 0},
    {.name = "define",
     .run = vb_mdev_cmd_define,
     .args = "PARENT TYPE [--auto]",
     .summary = "write a definition in " VB_MDEV_CONF "; prints its UUID",
     .options = vb_mdev_define_options,
     .min_args = 2,
     .max_args = 2,
     .usage = "mdev define PARENT TYPE [--uuid UUID] [--auto|--manual]"},
    {.name = "undefine",
     .run = vb_mdev_cmd_undefine,
     .args = "UUID",
     .summary = "remove a definition",
     .options = vb_mdev_undefine_options,
     .min_args = 1,
     .max_args = 1,
     .usage = "mdev undefine UUID [--dry-run]"},
    {.name = "modify",
     .run = vb_mdev_cmd_modify,
     .args = "UUID --auto|--manual|--type T",
     .summary = "change a definition",
     .options = vb_mdev_modify_options,
     .min_args = 1,
     .max_args = 1,
     .usage = "mdev modify UUID [--auto|--manual] [--type TYPE]"},
    {.name = "start",
     .run = vb_mdev_cmd_start,
     .args = "UUID | --parent PARENT",
     .summary = "create the instance a definition describes",
     .options = vb_mdev_start_options,
     .min_args = 0,
     .max_args = 1},
    {.name = NULL},
};
