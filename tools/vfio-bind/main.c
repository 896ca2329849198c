// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-bind: the verb table and option parsing. Each verb lives in the file
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

#define MANPAGE "vfio-bind(1)"

static const struct hv_verb verbs[] = {
    {.name = "list",
     .run = vb_cmd_list,
     .args = "[--vfio]",
     .summary = "PCI devices, drivers, IOMMU groups, viability"},
    {.name = "bind",
     .run = vb_cmd_bind,
     .args = "DEV... [options]",
     .summary = "hand devices to vfio-pci"},
    {.name = "restore",
     .run = vb_cmd_restore,
     .args = "DEV...|--all",
     .summary = "give devices back to their original driver"},
    {.name = "unbind", .run = vb_cmd_restore, .args = "DEV...|--all", .summary = "same as restore"},
    {.name = "info",
     .run = vb_cmd_info,
     .args = "DEV",
     .summary = "regions, IRQs and config space through VFIO"},
    {.name = "peek",
     .run = vb_cmd_peek,
     .args = "DEV REGION OFFSET",
     .summary = "read a register (--width 1|2|4|8)"},
    {.name = "poke",
     .run = vb_cmd_poke,
     .args = "DEV REGION OFF VALUE",
     .summary = "write a register (--width 1|2|4|8)"},
    {.name = "regs",
     .run = vb_cmd_regs,
     .args = "DEV [-f FILE]",
     .summary = "a script of peek/poke/wait/sleep on one open"},
    {.name = "doctor",
     .run = vb_cmd_doctor,
     .args = "",
     .summary = "check IOMMU, interrupt remapping, modules, limits"},
    {.name = "mdev",
     .run = vb_cmd_mdev,
     .args = "SUBVERB ...",
     .summary = "mdev types, create, remove, list (mdevctl-like)"},
    {.name = NULL},
};

static const char synopsis[] = "[OPTIONS] VERB [ARGS...]";

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

int vb_parse_verb(struct vb_ctx *c, int argc, const char **argv, const struct poptOption *opts,
		  const char *syn, int min_args, int max_args, const char ***args, int *nargs)
{
	static const struct poptOption none[] = {POPT_TABLEEND};
	const struct poptOption table[] = {
	    {NULL, '\0', POPT_ARG_INCLUDE_TABLE, (void *)(opts ? opts : none), 0, NULL, NULL},
	    {"sysroot", '\0', POPT_ARG_STRING, &c->sysroot, 0,
	     "read /sys, /proc, /dev, /run below DIR (tests)", "DIR"},
	    HV_POPT_COMMON(c->common),
	    POPT_TABLEEND,
	};
	char usage[256];
	poptContext pc;
	int rc;

	snprintf(usage, sizeof(usage), "%s%s%s %s", c->parent_verb ? c->parent_verb : "",
		 c->parent_verb ? " " : "", argv[0], syn);
	pc = poptGetContext(hv_progname(), argc, argv, table, 0);
	rc = hv_popt_parse(pc, table, &c->common, usage, NULL, MANPAGE);
	if (rc >= 0) {
		poptFreeContext(pc);
		return rc;
	}
	rc = init_root(c);
	if (rc) {
		poptFreeContext(pc);
		return rc;
	}
	/*
	 * popt frees its leftovers with the context: copy them, array and
	 * strings in one block, so the caller's single free() releases all.
	 */
	*args = hv_popt_args(pc, nargs);
	{
		size_t need = ((size_t)*nargs + 1) * sizeof(char *);
		const char **copy;
		char *p;

		for (int i = 0; i < *nargs; i++)
			need += strlen((*args)[i]) + 1;
		copy = calloc(1, need);
		if (!copy) {
			poptFreeContext(pc);
			return hv_fail(-ENOMEM, NULL, "parsing arguments");
		}
		p = (char *)(copy + *nargs + 1);
		for (int i = 0; i < *nargs; i++) {
			size_t l = strlen((*args)[i]) + 1;

			memcpy(p, (*args)[i], l);
			copy[i] = p;
			p += l;
		}
		*args = copy;
	}
	poptFreeContext(pc);
	if (*nargs < min_args) {
		free((void *)*args);
		return hv_usage_error("%s: missing argument (usage: %s)", argv[0], usage);
	}
	if (max_args >= 0 && *nargs > max_args) {
		/* extra points into the copy: report before freeing it. */
		int err =
		    hv_usage_error("%s: unexpected argument '%s'", argv[0], (*args)[max_args]);

		free((void *)*args);
		return err;
	}
	return -1;
}

int main(int argc, const char **argv)
{
	struct vb_ctx c = {0};
	const struct poptOption table[] = {
	    {"sysroot", '\0', POPT_ARG_STRING, &c.sysroot, 0,
	     "read /sys, /proc, /dev, /run below DIR (tests)", "DIR"},
	    HV_POPT_COMMON(c.common),
	    POPT_TABLEEND,
	};
	const struct hv_verb *v;
	const char **rest, *why;
	poptContext pc;
	int rc, nrest;

	/* Options before the verb are global; the verb parses the rest. */
	pc = poptGetContext(hv_progname(), argc, argv, table, POPT_CONTEXT_POSIXMEHARDER);
	rc = hv_popt_parse(pc, table, &c.common, synopsis, verbs, MANPAGE);
	if (rc >= 0) {
		poptFreeContext(pc);
		hv_common_free(&c.common);
		return rc;
	}
	rest = hv_popt_args(pc, &nrest);
	if (nrest == 0) {
		poptFreeContext(pc);
		hv_common_free(&c.common);
		return hv_usage_error("no verb given");
	}
	v = hv_verb_find(verbs, rest[0], &why);
	if (!v) {
		rc = hv_verb_unknown(verbs, rest[0]);
		poptFreeContext(pc);
		hv_common_free(&c.common);
		return rc;
	}
	{
		/* popt owns rest[]; the verb gets its own argv with the full name. */
		const char **vargv = calloc((size_t)nrest + 1, sizeof(*vargv));

		if (!vargv) {
			poptFreeContext(pc);
			hv_common_free(&c.common);
			return hv_fail(-ENOMEM, NULL, "parsing arguments");
		}
		vargv[0] = v->name;
		for (int i = 1; i < nrest; i++)
			vargv[i] = rest[i];
		rc = v->run(&c, nrest, vargv);
		free(vargv);
	}
	poptFreeContext(pc);
	vb_names_free(&c);
	hv_common_free(&c.common);
	return rc;
}
