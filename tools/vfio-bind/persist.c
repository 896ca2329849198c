// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Persistent bindings in driverctl's format and place: /etc/driverctl.d/
 * pci-ADDR holds the driver's name and a newline, exactly what driverctl
 * 0.111's set-override writes ("echo $drv > $confdir/$bus-$dev"). So
 * driverctl lists and applies vfio-bind's bindings at boot (its udev rule
 * and driverctl@.service), vfio-bind sees and removes driverctl's, and where
 * driverctl is not installed hvutils' own udev rule runs
 * 'vfio-bind bind --if-persistent ADDR' for each file.
 *
 * Writes are atomic (temporary file, fsync, rename) with SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT held off around them, so no signal leaves a temporary
 * file or half a file; one left by SIGKILL or a power cut is removed by the
 * next write for the same device (callers hold the state lock).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "fileio.h"
#include "step.h"
#include "vfio-bind.h"

/* The file's text (in place): a driver name, trailing newlines allowed. 0 or -EINVAL. */
static int vb_persist_parse(char *buf, char *drv)
{
	size_t n = strlen(buf);

	/* driverctl reads the file with $(< file): trailing newlines do not count. */
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (!n || !vb_valid_driver_name(buf))
		return -EINVAL;
	strcpy(drv, buf);
	return 0;
}

/* "pci-0000:01:00.0" → "0000:01:00.0"; false for any other name (temp files too). */
static bool vb_persist_name(const char *file, char *addr, size_t len)
{
	struct vb_pciaddr a;

	if (strncmp(file, "pci-", 4) || vb_parse_pci_addr(file + 4, &a))
		return false;
	vb_format_pci_addr(&a, addr, len);
	/* Only the canonical name is one driverctl's rule looks for. */
	return !strcmp(addr, file + 4);
}

int vb_persist_read(struct vb_ctx *c, const char *name, char *drv)
{
	char buf[VB_NAME_MAX + 8];
	int n = hv_path_read(&c->root, buf, sizeof(buf), VB_PERSIST_DIR "/pci-%s", name);

	if (n == -EFBIG)
		return -EINVAL;
	if (n < 0)
		return n;
	return vb_persist_parse(buf, drv);
}

/* Temporary files an earlier write left when it was killed (SIGKILL, power). */
static void remove_stale(struct vb_ctx *c, const char *dir, const char *name)
{
	char prefix[PATH_MAX], path[PATH_MAX];
	char **names;
	int n = hv_path_list(&c->root, &names, "%s", dir);

	if (n < 0)
		return;
	snprintf(prefix, sizeof(prefix), "%s.tmp.", name);
	for (int i = 0; i < n; i++) {
		if (strncmp(names[i], prefix, strlen(prefix)) ||
		    hv_path_build(&c->root, path, sizeof(path), "%s/%s", dir, names[i]))
			continue;
		unlink(path);
	}
	hv_strv_free(names);
}

int vb_persist_write(struct vb_ctx *c, const char *name, const char *drv)
{
	char file[VB_NAME_MAX + 8], data[VB_NAME_MAX + 1];
	int n;

	if (c->dry_run) {
		printf("# persist %s/pci-%s: %s\n", VB_PERSIST_DIR, name, drv);
		return 0;
	}
	snprintf(file, sizeof(file), "pci-%s", name);
	n = snprintf(data, sizeof(data), "%s\n", drv);
	return vb_conf_write(c, VB_PERSIST_DIR, file, data, (size_t)n);
}

int vb_conf_write(struct vb_ctx *c, const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	sigset_t hold, old;
	int rc;

	rc = vb_mkdir_p(c, dir);
	if (!rc)
		rc = hv_path_build(&c->root, path, sizeof(path), "%s/%s", dir, name);
	if (rc)
		return rc;
	remove_stale(c, dir, name);
	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	sigaddset(&hold, SIGQUIT);
	sigprocmask(SIG_BLOCK, &hold, &old);
	hv_step("persist");
	rc = hv_write_file_atomic(path, data, len, 0644);
	/* A signal that came meanwhile is delivered here, with the file whole. */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int vb_persist_remove(struct vb_ctx *c, const char *name)
{
	char file[VB_NAME_MAX + 8];

	snprintf(file, sizeof(file), "pci-%s", name);
	return vb_file_remove(c, "rm -f", VB_PERSIST_DIR, file);
}

int vb_persist_list(struct vb_ctx *c, char ***addrs)
{
	char **names, **out, addr[VB_NAME_MAX];
	size_t k = 0;
	int n = hv_path_list(&c->root, &names, VB_PERSIST_DIR);

	if (n == -ENOENT)
		n = 0, names = NULL;
	if (n < 0)
		return n;
	out = calloc((size_t)n + 1, sizeof(*out));
	if (!out) {
		hv_strv_free(names);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		if (!vb_persist_name(names[i], addr, sizeof(addr)))
			continue;
		out[k] = strdup(addr);
		if (!out[k]) {
			hv_strv_free(out);
			hv_strv_free(names);
			return -ENOMEM;
		}
		k++;
	}
	if (names)
		hv_strv_free(names);
	*addrs = out;
	return (int)k;
}
