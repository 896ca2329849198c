// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Opening the grant devices, and saying precisely why one is missing: the
 * fix for "not a Xen domain" and for "module not loaded" differ.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "gntshare.h"

static bool is_xen_domain(const struct gs_ctx *c)
{
	char type[32];

	if (hv_path_read(&c->root, type, sizeof(type), "/sys/hypervisor/type") > 0)
		return !strcmp(type, "xen");
	/* Kernels without CONFIG_XEN_SYS_HYPERVISOR still have xenfs. */
	return hv_path_exists(&c->root, "/proc/xen/capabilities");
}

int gs_open_dev(const struct gs_ctx *c, const char *dev, const char *module, int flags)
{
	char path[PATH_MAX], modname[64], hint[256];
	int fd, err;

	err = hv_path_build(&c->root, path, sizeof(path), "%s", dev);
	if (err < 0)
		return -hv_fail(err, NULL, "%s", dev);
	fd = open(path, flags | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	err = -errno;
	if (err == -EACCES || err == -EPERM)
		return -hv_fail(err, "run as root, or give this user access to the device",
				"cannot open %s", dev);
	if (err != -ENOENT && err != -ENODEV && err != -ENXIO)
		return -hv_fail(err, NULL, "cannot open %s", dev);

	/* Module names use '-', their /sys/module entries '_'. */
	snprintf(modname, sizeof(modname), "%s", module);
	for (char *p = modname; *p; p++)
		if (*p == '-')
			*p = '_';
	if (!is_xen_domain(c))
		snprintf(hint, sizeof(hint),
			 "not a Xen domain: /sys/hypervisor/type is not 'xen' and there is no "
			 "/proc/xen");
	else if (!hv_path_exists(&c->root, "/sys/module/%s", modname))
		snprintf(hint, sizeof(hint), "module not loaded: modprobe %s", module);
	else
		snprintf(hint, sizeof(hint),
			 "%s is loaded but %s is missing: is devtmpfs mounted on /dev?", modname,
			 dev);
	hv_err(err, hint, "cannot open %s", dev);
	return -HV_EXIT_NODEV;
}

int gs_check_notify(const struct gs_notify *n, uint64_t size, const char *what)
{
	if (n->byte && n->byte_off >= size)
		return hv_usage_error("--notify-byte %llu is outside the %s (%llu bytes)",
				      (unsigned long long)n->byte_off, what,
				      (unsigned long long)size);
	return 0;
}
