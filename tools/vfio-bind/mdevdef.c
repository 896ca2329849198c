// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Defined mdevs, in mdevctl's format and place: /etc/mdevctl.d/PARENT/UUID
 * (mdevjson.c reads and writes the text). define, undefine and modify edit
 * the files; start creates the instance a definition describes and applies
 * its attributes, stop removes it; list --defined shows them. mdevctl sees
 * and starts vfio-bind's definitions, and vfio-bind mdevctl's.
 *
 * At boot, 'mdev start --parent PARENT' (run by hvutils' udev rule when a
 * parent registers with mdev) starts that parent's "auto" definitions:
 * Debian 12's mdevctl rule runs /usr/sbin/mdevctl, which that package does
 * not install, so its own autostart never runs there.
 *
 * A definition file that is not valid (bad JSON, a UUID that is not one, a
 * path in a field, a type the parent does not offer) is named in one line
 * and skipped; it is never half-applied: an instance whose attribute write
 * fails is removed again.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "fileio.h"
#include "json.h"
#include "table.h"
#include "vfio-bind.h"

#define MDEV_BUS     "/sys/class/mdev_bus"
#define MDEV_DEVICES "/sys/bus/mdev/devices"

struct mdefs {
	struct vb_mdef *v;
	size_t n;
};

static void mdefs_free(struct mdefs *m)
{
	for (size_t i = 0; i < m->n; i++)
		vb_mdef_free(&m->v[i]);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/*
 * One file: 0, or -EINVAL after naming it and why in one line (unless
 * quiet), or -errno.
 */
static int load_one(struct vb_ctx *c, const char *parent, const char *file, struct vb_mdef *d,
		    bool quiet)
{
	char path[PATH_MAX], *buf;
	const char *why = NULL;
	size_t len;
	int rc;

	memset(d, 0, sizeof(*d));
	if (!vb_looks_like_uuid(file)) {
		/* mdevctl's own temp files and editors' backups are no definitions either. */
		if (!quiet)
			hv_warn("%s/%s/%s: skipped: the file name is not a UUID", VB_MDEV_CONF,
				parent, file);
		return -EINVAL;
	}
	rc = hv_path_build(&c->root, path, sizeof(path), VB_MDEV_CONF "/%s/%s", parent, file);
	if (rc)
		return rc;
	rc = hv_read_file_alloc(path, VB_MDEF_MAX, &buf, &len);
	if (rc == -EFBIG) {
		why = "larger than 64 KiB";
		rc = -EINVAL;
	} else if (rc) {
		return rc;
	} else {
		rc = vb_mdef_parse(buf, len, d, &why);
		free(buf);
	}
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		if (!quiet)
			hv_warn("%s/%s/%s: skipped: %s", VB_MDEV_CONF, parent, file, why);
		return -EINVAL;
	}
	snprintf(d->uuid, sizeof(d->uuid), "%s", file);
	snprintf(d->parent, sizeof(d->parent), "%s", parent);
	return 0;
}

/*
 * Every valid definition (of one parent when parent is not NULL); invalid
 * files are skipped, and named when bad is not NULL (*bad counts them).
 * 0 or -errno.
 */
static int load_all(struct vb_ctx *c, const char *parent, struct mdefs *m, int *bad)
{
	char **parents = NULL, **files;
	int np, rc = 0;

	memset(m, 0, sizeof(*m));
	if (bad)
		*bad = 0;
	np = hv_path_list(&c->root, &parents, VB_MDEV_CONF);
	if (np == -ENOENT)
		return 0;
	if (np < 0)
		return np;
	for (int i = 0; i < np && !rc; i++) {
		int nf;

		if (parent && strcmp(parent, parents[i]))
			continue;
		/* scripts.d holds mdevctl's callouts, not a parent. */
		if (!strcmp(parents[i], "scripts.d") || !vb_mdev_name_ok(parents[i], VB_NAME_MAX))
			continue;
		nf = hv_path_list(&c->root, &files, VB_MDEV_CONF "/%s", parents[i]);
		if (nf < 0)
			continue; /* a file, not a directory */
		for (int k = 0; k < nf && !rc; k++) {
			struct vb_mdef d, *nv;

			if (strstr(files[k], ".tmp."))
				continue; /* our own atomic write in progress or killed */
			rc = load_one(c, parents[i], files[k], &d, !bad);
			if (rc == -EINVAL) {
				rc = 0;
				if (bad)
					(*bad)++;
				continue;
			}
			if (rc)
				break;
			nv = realloc(m->v, (m->n + 1) * sizeof(*nv));
			if (!nv) {
				vb_mdef_free(&d);
				rc = -ENOMEM;
				break;
			}
			m->v = nv;
			m->v[m->n++] = d;
		}
		hv_strv_free(files);
	}
	hv_strv_free(parents);
	if (rc)
		mdefs_free(m);
	return rc;
}

/* The definition of uuid, moved out of m into d. -ENOENT when there is none. */
static int find_def(struct mdefs *m, const char *uuid, struct vb_mdef *d)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcasecmp(m->v[i].uuid, uuid))
			continue;
		*d = m->v[i];
		m->v[i] = m->v[--m->n];
		return 0;
	}
	return -ENOENT;
}

static int load_def(struct vb_ctx *c, const char *verb, const char *uuid, struct vb_mdef *d)
{
	struct mdefs m;
	int rc;

	if (!vb_looks_like_uuid(uuid)) {
		hv_err(0, "like 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", "%s: bad UUID '%s'", verb,
		       uuid);
		return HV_EXIT_USAGE;
	}
	rc = load_all(c, NULL, &m, NULL);
	if (rc)
		return hv_fail(rc, NULL, "%s: reading %s", verb, VB_MDEV_CONF);
	rc = find_def(&m, uuid, d);
	mdefs_free(&m);
	if (rc)
		return hv_fail(rc, "see 'vfio-bind mdev list --defined'", "%s: %s is not defined",
			       verb, uuid);
	return 0;
}

static int write_def(struct vb_ctx *c, const struct vb_mdef *d)
{
	char dir[PATH_MAX];
	size_t len;
	char *text = vb_mdef_format(d, &len);
	int rc;

	if (!text)
		return -ENOMEM;
	if (c->dry_run) {
		printf("# write %s/%s/%s:\n%s\n", VB_MDEV_CONF, d->parent, d->uuid, text);
		free(text);
		return 0;
	}
	snprintf(dir, sizeof(dir), VB_MDEV_CONF "/%s", d->parent);
	rc = vb_conf_write(c, dir, d->uuid, text, len);
	free(text);
	return rc;
}

static bool active(struct vb_ctx *c, const char *uuid)
{
	return hv_path_exists(&c->root, MDEV_DEVICES "/%s", uuid);
}

/*
 * Creates the instance and applies its attributes in order; an attribute
 * the device refuses removes the instance again. Returns an exit code.
 */
static int start_def(struct vb_ctx *c, const struct vb_mdef *d, const char *verb)
{
	char avail[32];
	int rc;

	if (!hv_path_exists(&c->root, MDEV_BUS "/%s", d->parent))
		return hv_fail(-ENODEV, "load its driver first", "%s: %s: parent %s is not present",
			       verb, d->uuid, d->parent);
	if (!hv_path_exists(&c->root, MDEV_BUS "/%s/mdev_supported_types/%s/create", d->parent,
			    d->type)) {
		hv_err(0, "see 'vfio-bind mdev types'", "%s: %s: %s offers no type %s", verb,
		       d->uuid, d->parent, d->type);
		return HV_EXIT_NOTFOUND;
	}
	if (hv_path_read(&c->root, avail, sizeof(avail),
			 MDEV_BUS "/%s/mdev_supported_types/%s/available_instances", d->parent,
			 d->type) >= 0 &&
	    !strcmp(avail, "0")) {
		hv_err(0, NULL, "%s: %s: %s/%s has no instances left", verb, d->uuid, d->parent,
		       d->type);
		return HV_EXIT_LIMIT;
	}
	if (c->dry_run) {
		printf("write %s > %s/%s/mdev_supported_types/%s/create\n", d->uuid, MDEV_BUS,
		       d->parent, d->type);
		for (size_t i = 0; i < d->nattrs; i++)
			printf("write %s > %s/%s/%s\n", d->attrs[i].val, MDEV_DEVICES, d->uuid,
			       d->attrs[i].key);
		return 0;
	}
	rc = hv_path_write(&c->root, d->uuid, MDEV_BUS "/%s/mdev_supported_types/%s/create",
			   d->parent, d->type);
	if (rc) {
		hv_err(rc, NULL, "%s: %s on %s/%s", verb, d->uuid, d->parent, d->type);
		return rc == -EUSERS ? HV_EXIT_LIMIT : hv_exit_code(rc);
	}
	if (!active(c, d->uuid))
		return hv_fail(-ENODEV, "see the kernel log", "%s: %s: accepted, but no %s/%s",
			       verb, d->uuid, MDEV_DEVICES, d->uuid);
	for (size_t i = 0; i < d->nattrs; i++) {
		rc = hv_path_write(&c->root, d->attrs[i].val, MDEV_DEVICES "/%s/%s", d->uuid,
				   d->attrs[i].key);
		if (rc) {
			hv_err(rc, "the instance was removed again", "%s: %s: attribute %s", verb,
			       d->uuid, d->attrs[i].key);
			hv_path_write(&c->root, "1", MDEV_DEVICES "/%s/remove", d->uuid);
			return hv_exit_code(rc);
		}
	}
	return 0;
}

/* --auto / --manual: -1 when neither is given. */
static int start_mode(int a, int m, const char *verb)
{
	if (a && m) {
		hv_usage_error("%s: --auto and --manual exclude each other", verb);
		return -2;
	}
	return a ? 1 : m ? 0 : -1;
}

const struct poptOption vb_mdev_define_options[] = {
    {"uuid", 'u', POPT_ARG_STRING, HV_AT(struct vb_ctx, uuid), 0,
     "the definition's UUID (default: a new one)", "UUID"},
    {"auto", 'a', POPT_ARG_NONE, HV_AT(struct vb_ctx, autostart), 0,
     "start it when its parent appears (at boot)", NULL},
    {"manual", 'm', POPT_ARG_NONE, HV_AT(struct vb_ctx, manual), 0,
     "start it only on request (the default)", NULL},
    {"dry-run", 'n', POPT_ARG_NONE, HV_AT(struct vb_ctx, dry_run), 0,
     "print the file, write nothing", NULL},
    POPT_TABLEEND,
};

int vb_mdev_cmd_define(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	struct vb_mdef d = {0}, old;
	struct mdefs all;
	int rc, mode;

	(void)argc;
	mode = start_mode(c->autostart, c->manual, "define");
	rc = HV_EXIT_USAGE;
	if (mode == -2)
		goto out;
	if (c->uuid && !vb_looks_like_uuid(c->uuid)) {
		hv_err(0, "like 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", "define: bad UUID '%s'",
		       c->uuid);
		goto out;
	}
	if (!vb_mdev_name_ok(argv[0], sizeof(d.parent))) {
		hv_err(0, "see 'vfio-bind mdev types'", "define: bad parent name '%s'", argv[0]);
		goto out;
	}
	snprintf(d.parent, sizeof(d.parent), "%s", argv[0]);
	/* A parent that is here names its types; one that is not takes the full name. */
	if (hv_path_exists(&c->root, MDEV_BUS "/%s", d.parent)) {
		if (vb_mdev_find_type(c, d.parent, argv[1], d.type, sizeof(d.type))) {
			rc = hv_fail(-ENOENT, "see 'vfio-bind mdev types'",
				     "define: %s: no type '%s'", d.parent, argv[1]);
			goto out;
		}
	} else if (!vb_mdev_name_ok(argv[1], sizeof(d.type))) {
		hv_err(0, NULL, "define: bad type name '%s'", argv[1]);
		goto out;
	} else {
		snprintf(d.type, sizeof(d.type), "%s", argv[1]);
		if (!c->common.quiet)
			hv_warn("define: parent %s is not present: type %s is not checked",
				d.parent, d.type);
	}
	d.autostart = mode == 1;
	if (c->uuid) {
		snprintf(d.uuid, sizeof(d.uuid), "%s", c->uuid);
	} else if ((rc = vb_mdev_new_uuid(c, d.uuid, sizeof(d.uuid)))) {
		rc = hv_fail(rc, "give one with --uuid", "define: generating a UUID");
		goto out;
	}
	rc = load_all(c, NULL, &all, NULL);
	if (rc) {
		rc = hv_fail(rc, NULL, "define: reading %s", VB_MDEV_CONF);
		goto out;
	}
	rc = find_def(&all, d.uuid, &old);
	mdefs_free(&all);
	if (!rc) {
		hv_err(0, "'vfio-bind mdev modify' changes it",
		       "define: %s is already defined (on %s)", d.uuid, old.parent);
		vb_mdef_free(&old);
		rc = HV_EXIT_BUSY;
		goto out;
	}
	rc = write_def(c, &d);
	if (rc) {
		rc = hv_fail(rc, "is /etc writable?", "define: writing %s/%s/%s", VB_MDEV_CONF,
			     d.parent, d.uuid);
		goto out;
	}
	if (!c->dry_run)
		printf("%s\n", d.uuid);
out:
	return rc;
}

const struct poptOption vb_mdev_undefine_options[] = {
    {"dry-run", 'n', POPT_ARG_NONE, HV_AT(struct vb_ctx, dry_run), 0,
     "print the removal, remove nothing", NULL},
    POPT_TABLEEND,
};

int vb_mdev_cmd_undefine(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	char path[PATH_MAX];
	struct vb_mdef d;
	int rc;

	(void)argc;
	rc = load_def(c, "undefine", argv[0], &d);
	if (rc)
		return rc;
	if (c->dry_run) {
		printf("rm -f %s/%s/%s\n", VB_MDEV_CONF, d.parent, d.uuid);
	} else {
		rc = hv_path_build(&c->root, path, sizeof(path), VB_MDEV_CONF "/%s/%s", d.parent,
				   d.uuid);
		if (!rc && unlink(path))
			rc = -errno;
		if (rc)
			rc = hv_fail(rc, NULL, "undefine: removing %s/%s/%s", VB_MDEV_CONF,
				     d.parent, d.uuid);
	}
	vb_mdef_free(&d);
	return rc;
}

const struct poptOption vb_mdev_modify_options[] = {
    {"auto", 'a', POPT_ARG_NONE, HV_AT(struct vb_ctx, autostart), 0,
     "start it when its parent appears", NULL},
    {"manual", 'm', POPT_ARG_NONE, HV_AT(struct vb_ctx, manual), 0, "start it only on request",
     NULL},
    {"type", 't', POPT_ARG_STRING, HV_AT(struct vb_ctx, type), 0, "another type of the same parent",
     "TYPE"},
    {"dry-run", 'n', POPT_ARG_NONE, HV_AT(struct vb_ctx, dry_run), 0,
     "print the file, write nothing", NULL},
    POPT_TABLEEND,
};

int vb_mdev_cmd_modify(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	struct vb_mdef d;
	int rc, mode;

	(void)argc;
	mode = start_mode(c->autostart, c->manual, "modify");
	if (mode == -2 || (mode < 0 && !c->type))
		return mode == -2 ? HV_EXIT_USAGE
				  : hv_usage_error("modify: nothing to change (--auto, --manual, "
						   "--type)");
	rc = load_def(c, "modify", argv[0], &d);
	if (rc)
		return rc;
	if (mode >= 0)
		d.autostart = mode == 1;
	if (c->type) {
		if (hv_path_exists(&c->root, MDEV_BUS "/%s", d.parent)
			? vb_mdev_find_type(c, d.parent, c->type, d.type, sizeof(d.type)) != 0
			: !vb_mdev_name_ok(c->type, sizeof(d.type))) {
			hv_err(0, "see 'vfio-bind mdev types'", "modify: %s: no type '%s'",
			       d.parent, c->type);
			vb_mdef_free(&d);
			return HV_EXIT_NOTFOUND;
		}
		if (!hv_path_exists(&c->root, MDEV_BUS "/%s", d.parent))
			snprintf(d.type, sizeof(d.type), "%s", c->type);
	}
	rc = write_def(c, &d);
	if (rc)
		rc = hv_fail(rc, "is /etc writable?", "modify: writing %s/%s/%s", VB_MDEV_CONF,
			     d.parent, d.uuid);
	vb_mdef_free(&d);
	return rc;
}

const struct poptOption vb_mdev_start_options[] = {
    {"parent", 'p', POPT_ARG_STRING, HV_AT(struct vb_ctx, parent), 0,
     "every auto definition of PARENT that is not running (the boot rule)", "PARENT"},
    {"dry-run", 'n', POPT_ARG_NONE, HV_AT(struct vb_ctx, dry_run), 0,
     "print the sysfs writes, change nothing", NULL},
    POPT_TABLEEND,
};

int vb_mdev_cmd_start(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	struct mdefs m;
	struct vb_mdef d;
	int rc, worst = 0, bad;

	if (!!c->parent == !!argc)
		return hv_usage_error("start: give UUID or --parent PARENT");
	if (argc) {
		rc = load_def(c, "start", argv[0], &d);
		if (rc)
			return rc;
		if (active(c, d.uuid)) {
			hv_err(0, "'vfio-bind mdev stop' first", "start: %s is already running",
			       d.uuid);
			rc = HV_EXIT_BUSY;
		} else {
			rc = start_def(c, &d, "start");
		}
		if (!rc && !c->dry_run && !c->common.quiet)
			printf("%s\n", d.uuid);
		vb_mdef_free(&d);
		return rc;
	}
	if (!vb_mdev_name_ok(c->parent, VB_NAME_MAX))
		return hv_usage_error("start: bad parent name '%s'", c->parent);
	/* At "add" the parent may not offer its types yet: its "change" comes later. */
	if (!hv_path_exists(&c->root, MDEV_BUS "/%s/mdev_supported_types", c->parent))
		return 0;
	rc = load_all(c, c->parent, &m, &bad);
	if (rc)
		return hv_fail(rc, NULL, "start: reading %s/%s", VB_MDEV_CONF, c->parent);
	for (size_t i = 0; i < m.n; i++) {
		/* Running already: started by mdevctl, or by the other of two events. */
		if (!m.v[i].autostart || active(c, m.v[i].uuid))
			continue;
		rc = start_def(c, &m.v[i], "start");
		if (!rc && !c->dry_run && !c->common.quiet)
			printf("%s\n", m.v[i].uuid);
		if (rc && !worst)
			worst = rc;
	}
	mdefs_free(&m);
	return worst;
}

int vb_mdev_list_defined(struct vb_ctx *c)
{
	static const struct hv_table_col cols[] = {
	    {"UUID", HV_COL_STR, 0},  {"PARENT", HV_COL_STR, 0},  {"TYPE", HV_COL_STR, 0},
	    {"START", HV_COL_STR, 0}, {"ACTIVE", HV_COL_BOOL, 0},
	};
	struct hv_table_opts o = {.json = c->common.json};
	struct hv_table *t;
	struct mdefs m;
	int bad, rc = load_all(c, NULL, &m, &bad);

	if (rc)
		return hv_fail(rc, NULL, "mdev list: reading %s", VB_MDEV_CONF);
	t = hv_table_new("definitions", cols, sizeof(cols) / sizeof(cols[0]));
	if (!t) {
		mdefs_free(&m);
		return hv_fail(-ENOMEM, NULL, "mdev list");
	}
	for (size_t i = 0; i < m.n; i++) {
		const char *cells[] = {m.v[i].uuid, m.v[i].parent, m.v[i].type,
				       m.v[i].autostart ? "auto" : "manual",
				       active(c, m.v[i].uuid) ? "yes" : "no"};

		if (hv_table_add_row(t, cells)) {
			rc = hv_fail(-ENOMEM, NULL, "mdev list");
			break;
		}
	}
	if (!rc)
		hv_table_print(t, stdout, &o);
	hv_table_free(t);
	mdefs_free(&m);
	return rc;
}

int vb_mdef_start_mode(struct vb_ctx *c, const char *uuid)
{
	struct mdefs m;
	struct vb_mdef d;
	int rc;

	/* Invalid files are named by list --defined and doctor, not on every row. */
	if (load_all(c, NULL, &m, NULL))
		return -1;
	rc = find_def(&m, uuid, &d);
	mdefs_free(&m);
	if (rc)
		return -1;
	rc = d.autostart;
	vb_mdef_free(&d);
	return rc;
}

void vb_mdef_doctor(struct vb_ctx *c, void (*report)(void *, bool, const char *, const char *),
		    void *arg)
{
	char msg[512];
	struct mdefs m;
	int bad = 0, gone = 0;

	if (load_all(c, NULL, &m, &bad))
		return;
	if (bad) {
		snprintf(msg, sizeof(msg), "%d definition file%s in %s skipped (named above)", bad,
			 bad == 1 ? "" : "s", VB_MDEV_CONF);
		report(arg, false, "fix or remove them", msg);
	}
	for (size_t i = 0; i < m.n; i++) {
		const struct vb_mdef *d = &m.v[i];

		if (!hv_path_exists(&c->root, MDEV_BUS "/%s", d->parent))
			snprintf(msg, sizeof(msg),
				 "mdev %s is defined on parent %s, which is missing", d->uuid,
				 d->parent);
		else if (!hv_path_exists(&c->root, MDEV_BUS "/%s/mdev_supported_types/%s",
					 d->parent, d->type))
			snprintf(msg, sizeof(msg),
				 "mdev %s is defined as type %s, which %s does not offer", d->uuid,
				 d->type, d->parent);
		else
			continue;
		report(arg, false, "'vfio-bind mdev undefine UUID' removes it", msg);
		gone++;
	}
	if (m.n && !bad && !gone) {
		snprintf(msg, sizeof(msg), "%zu mdev definition%s in %s, parents and types present",
			 m.n, m.n == 1 ? "" : "s", VB_MDEV_CONF);
		report(arg, true, NULL, msg);
	}
	mdefs_free(&m);
}
