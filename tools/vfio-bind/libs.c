// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libpci and libkmod, opened when a verb first needs them.
 *
 * Why not link them: every scripted bind/restore pays the dynamic loader,
 * and these two pull in libudev, libz, libzstd, liblzma and libcrypto.
 * Measured in the pci bench guest (TCG), that made `vfio-bind --version`
 * cost 41 ms against 9 ms for /bin/true, more than the kernel's own work
 * for a bind + restore of the edu device (24 ms). Only list and info need
 * names, and only a host without vfio-pci loaded needs libkmod.
 *
 * The program itself is static (build.mk): this dlopen() is then glibc's
 * static one, which loads libc.so.6 and ld-linux-x86-64.so.2 as libraries
 * and needs them from the glibc vfio-bind was built with.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

#include "diag.h"
#include "vfio-bind.h"

#define LOAD(l, field, name)                                                                       \
	do {                                                                                       \
		*(void **)&(l)->field = dlsym((l)->h, name);                                       \
		if (!(l)->field)                                                                   \
			goto missing;                                                              \
	} while (0)

int vb_libpci_open(struct vb_ctx *c)
{
	struct vb_libpci *l = &c->libpci;

	if (l->h)
		return 0;
	if (l->failed)
		return -ENOENT;
	l->h = dlopen("libpci.so.3", RTLD_NOW | RTLD_LOCAL);
	if (!l->h) {
		/* Names are optional: say why they are missing only when asked. */
		if (c->common.verbose)
			hv_note("no device names: %s", dlerror());
		l->failed = true;
		return -ENOENT;
	}
	LOAD(l, alloc, "pci_alloc");
	LOAD(l, cleanup, "pci_cleanup");
	LOAD(l, lookup_name, "pci_lookup_name");
	LOAD(l, set_name_list_path, "pci_set_name_list_path");
	return 0;
missing:
	dlclose(l->h);
	l->h = NULL;
	l->failed = true;
	return -ENOSYS;
}

int vb_libkmod_open(struct vb_ctx *c)
{
	struct vb_libkmod *l = &c->libkmod;

	if (l->h)
		return 0;
	l->h = dlopen("libkmod.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!l->h) {
		/* The caller's error is the one line; -v adds the loader's reason. */
		if (c->common.verbose)
			hv_note("%s", dlerror());
		return -ENOENT;
	}
	LOAD(l, new_ctx, "kmod_new");
	LOAD(l, unref_ctx, "kmod_unref");
	LOAD(l, new_from_lookup, "kmod_module_new_from_lookup");
	LOAD(l, get_module, "kmod_module_get_module");
	LOAD(l, probe_insert, "kmod_module_probe_insert_module");
	LOAD(l, unref_module, "kmod_module_unref");
	LOAD(l, unref_list, "kmod_module_unref_list");
	LOAD(l, list_next, "kmod_list_next");
	return 0;
missing:
	dlclose(l->h);
	l->h = NULL;
	return -ENOSYS;
}

void vb_libs_close(struct vb_ctx *c)
{
	if (c->libpci.h)
		dlclose(c->libpci.h);
	if (c->libkmod.h)
		dlclose(c->libkmod.h);
	c->libpci.h = c->libkmod.h = NULL;
}
