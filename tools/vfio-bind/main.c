// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-bind: the verb table, each verb with its options (lib/verbs.c parses
 * them), and the system root every verb reads. Each verb lives in the file
 * named after its family (bind.c holds bind and restore).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "opts.h"
#include "vfio-bind.h"

static const struct hv_verb verbs[] = {
    {.name = "list",
     .run = vb_cmd_list,
     .args = "[--vfio]",
     .summary = "PCI devices, drivers, IOMMU groups, viability",
     .options = vb_list_options,
     .max_args = 0,
     .usage = "list [--vfio] [--json]"},
    {.name = "bind",
     .run = vb_cmd_bind,
     .args = "DEV... [options]",
     .summary = "hand devices to vfio-pci",
     .options = vb_bind_options,
     .min_args = 1,
     .max_args = -1,
     .usage = "bind DEV... [--group] [--force] [--user USER] [--persist] [--dry-run]"},
    {.name = "restore",
     .run = vb_cmd_restore,
     .args = "DEV...|--all",
     .summary = "give devices back to their original driver",
     .options = vb_restore_options,
     .max_args = -1,
     .usage = "restore DEV...|--all [--persist] [--dry-run]"},
    {.name = "unbind",
     .run = vb_cmd_restore,
     .args = "DEV...|--all",
     .summary = "same as restore",
     .options = vb_restore_options,
     .max_args = -1,
     .usage = "unbind DEV...|--all [--persist] [--dry-run]"},
    {.name = "info",
     .run = vb_cmd_info,
     .args = "DEV",
     .summary = "regions, IRQs and config space through VFIO",
     .min_args = 1,
     .max_args = 1,
     .usage = "info DEV [--json]"},
    {.name = "peek",
     .run = vb_cmd_peek,
     .args = "DEV REGION OFFSET",
     .summary = "read a register (--width 1|2|4|8)",
     .options = vb_access_options,
     .min_args = 3,
     .max_args = 3,
     .usage = "peek DEV REGION OFFSET [--width 1|2|4|8]"},
    {.name = "poke",
     .run = vb_cmd_poke,
     .args = "DEV REGION OFF VALUE",
     .summary = "write a register (--width 1|2|4|8)",
     .options = vb_access_options,
     .min_args = 4,
     .max_args = 4,
     .usage = "poke DEV REGION OFFSET VALUE [--width 1|2|4|8]"},
    {.name = "regs",
     .run = vb_cmd_regs,
     .args = "DEV [-f FILE]",
     .summary = "a script of peek/poke/wait/sleep on one open",
     .options = vb_regs_options,
     .min_args = 1,
     .max_args = 1,
     .usage = "regs DEV [-f FILE] [--dry-run]"},
    {.name = "doctor",
     .run = vb_cmd_doctor,
     .args = "",
     .summary = "check IOMMU, interrupt remapping, modules, limits",
     .max_args = 0,
     .usage = "doctor [--json]"},
    {.name = "mdev",
     .args = "SUBVERB ...",
     .summary = "mdev types, create, remove, list (mdevctl-like)",
     .usage = "mdev SUBVERB [ARGS...]",
     .verbs = vb_mdev_verbs},
    {.name = NULL},
};

/*
 * As root, a sysroot is trusted like / itself: bind writes attributes,
 * records and ownership in it, so whoever else can change the tree could
 * point those writes at any file with a symlink. The tree must belong to
 * the caller, and neither it nor a directory above it may be writable by
 * group or others (sticky directories like /tmp excepted: nobody else can
 * move what is ours in them). Checked on the resolved path, which is the
 * one used from then on. 0 or an exit code, with the message printed.
 */
static int check_sysroot(struct vb_ctx *c, const char *root)
{
	char real[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	size_t len;

	if (!realpath(root, real))
		return hv_fail(-errno, NULL, "sysroot %s", root);
	len = strlen(real);
	for (size_t i = 1; i <= len; i++) {
		bool last = i == len;

		if (!last && real[i] != '/')
			continue;
		memcpy(dir, real, i);
		dir[i] = '\0';
		if (stat(dir, &st))
			return hv_fail(-errno, NULL, "sysroot %s", root);
		if (last && st.st_uid != getuid()) {
			hv_err(0, "use a tree you own", "sysroot %s: owned by uid %u, not by you",
			       root, (unsigned)st.st_uid);
			return HV_EXIT_PERM;
		}
		if (!last && st.st_uid && st.st_uid != getuid()) {
			hv_err(0, "use a tree only you can change",
			       "sysroot %s: %s is owned by uid %u", root, dir, (unsigned)st.st_uid);
			return HV_EXIT_PERM;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && (last || !(st.st_mode & S_ISVTX))) {
			if (last)
				hv_err(0, "use a tree only you can change",
				       "sysroot %s: writable by others", root);
			else
				hv_err(0, "use a tree only you can change",
				       "sysroot %s: %s is writable by others", root, dir);
			return HV_EXIT_PERM;
		}
	}
	if (hv_path_init(&c->root, real))
		return hv_fail(-ENAMETOOLONG, NULL, "sysroot %s", root);
	return 0;
}

static int init_root(struct vb_ctx *c)
{
	const char *root = c->sysroot ? c->sysroot : getenv("HVUTILS_SYSROOT");
	int rc;

	rc = hv_path_init(&c->root, root);
	if (rc)
		return hv_fail(rc, NULL, "sysroot");
	if (c->root.root[0] && geteuid() == 0)
		return check_sysroot(c, root);
	return 0;
}

/* Every verb reads the system below the same root, named in its messages. */
static int ready(void *ctx, const struct hv_verb *v)
{
	struct vb_ctx *c = ctx;
	int rc;

	c->verb = v->name;
	rc = init_root(c);
	return rc ? rc : -1;
}

static const struct poptOption tool_options[] = {
    {"sysroot", '\0', POPT_ARG_STRING, HV_AT(struct vb_ctx, sysroot), 0,
     "read /sys, /proc, /dev, /run below DIR (tests)", "DIR"},
    POPT_TABLEEND,
};

static const struct hv_tool tool = {
    .synopsis = "[OPTIONS] VERB [ARGS...]",
    .manpage = "vfio-bind(1)",
    .verbs = verbs,
    .options = tool_options,
    .common = HV_AT(struct vb_ctx, common),
    .ready = ready,
};

int main(int argc, const char **argv)
{
	struct vb_ctx c = {0};
	int rc = hv_run(&tool, &c, argc, argv);

	vb_names_free(&c);
	return rc;
}
