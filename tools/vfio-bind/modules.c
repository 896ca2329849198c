// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The modules bind needs, loaded through libkmod (dlopen()ed by libs.c: the
 * tool runs without it until a module is missing), with --dry-run printing
 * the modprobe it would do.
 */
#include <errno.h>
#include <libkmod.h>
#include <limits.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "diag.h"
#include "vfio-bind.h"

static int load_module(struct vb_ctx *c, struct kmod_ctx **kctx, const char *name,
		       const char *sysname)
{
	struct kmod_list *list = NULL, *it;
	int rc;

	if (hv_path_exists(&c->root, "/sys/module/%s", sysname))
		return 0;
	if (c->dry_run) {
		printf("modprobe %s\n", name);
		return 0;
	}
	if (!*kctx) {
		char dir[PATH_MAX];
		struct utsname u;

		rc = vb_libkmod_open(c);
		if (rc)
			return rc == -ENOENT ? -ENOPKG : rc;
		/* A test tree's modules (none) are looked up in the tree, never the host's. */
		uname(&u);
		if (hv_path_build(&c->root, dir, sizeof(dir), "/lib/modules/%s", u.release))
			return -ENAMETOOLONG;
		*kctx = c->libkmod.new_ctx(c->root.root[0] ? dir : NULL, NULL);
		if (!*kctx)
			return -ENOMEM;
	}
	rc = c->libkmod.new_from_lookup(*kctx, name, &list);
	if (rc < 0)
		return rc;
	if (!list)
		return -ENOENT;
	rc = 0;
	for (it = list; it; it = c->libkmod.list_next(list, it)) {
		struct kmod_module *m = c->libkmod.get_module(it);

		if (!rc)
			rc = c->libkmod.probe_insert(m, 0, NULL, NULL, NULL, NULL);
		c->libkmod.unref_module(m);
	}
	c->libkmod.unref_list(list);
	if (rc > 0)
		rc = -EPERM; /* blacklisted or otherwise refused by policy */
	if (c->common.verbose && !rc)
		hv_note("loaded module %s", name);
	return rc;
}

int vb_load_module(struct vb_ctx *c, const char *name)
{
	struct kmod_ctx *kctx = NULL;
	int rc = load_module(c, &kctx, name, name);

	if (kctx)
		c->libkmod.unref_ctx(kctx);
	return rc;
}

/* vfio_iommu_type1 is only a soft dependency of vfio: name it explicitly. */
int vb_ensure_modules(struct vb_ctx *c)
{
	static const char *const mods[][2] = {
	    {"vfio-pci", "vfio_pci"},
	    {"vfio_iommu_type1", "vfio_iommu_type1"},
	};
	struct kmod_ctx *kctx = NULL;
	int rc = 0;

	for (size_t i = 0; i < 2 && !rc; i++) {
		rc = load_module(c, &kctx, mods[i][0], mods[i][1]);
		if (rc)
			hv_err(
			    rc,
			    rc == -ENOPKG
				? "libkmod.so.2 is needed to load modules (Debian: libkmod2)"
				: "is the kernel's vfio built as modules? see 'vfio-bind doctor'",
			    "loading module %s", mods[i][0]);
	}
	if (kctx)
		c->libkmod.unref_ctx(kctx);
	return rc ? hv_exit_code(rc) : 0;
}
