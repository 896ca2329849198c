// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state directory (VB_STATE_DIR, under /run): the record each bind
 * writes before its first sysfs change, read and removed by restore, and
 * the lock that lets one vfio-bind at a time change bindings. The record's
 * text itself is parsed by record.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "vfio-bind.h"

/* 0, -ENOENT when there is none, -EINVAL when it is not ours. */
int vb_record_read(struct vb_ctx *c, const char *name, char *driver, char *override)
{
	char buf[512];
	int n = hv_path_read(&c->root, buf, sizeof(buf), VB_STATE_DIR "/%s", name);

	if (n < 0)
		return n;
	return vb_record_parse(buf, driver, override);
}

int vb_mkdir_p(struct vb_ctx *c, const char *live)
{
	char full[PATH_MAX];
	size_t rl = strlen(c->root.root);
	int rc = hv_path_build(&c->root, full, sizeof(full), "%s", live);

	if (rc)
		return rc;
	for (char *p = full + rl + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(full, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(full, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int vb_record_write(struct vb_ctx *c, const char *name, const char *driver, const char *override)
{
	char path[PATH_MAX], data[256];
	int n, rc;

	if (c->dry_run) {
		printf("# record %s/%s: driver=%s override=%s\n", VB_STATE_DIR, name, driver,
		       override);
		return 0;
	}
	rc = hv_path_build(&c->root, path, sizeof(path), VB_STATE_DIR "/%s", name);
	if (rc)
		return rc;
	n = snprintf(data, sizeof(data), "driver=%s\noverride=%s\n", driver, override);
	rc = hv_write_file_atomic(path, data, (size_t)n, 0644);
	/* The directory is made once per boot, not probed with mkdir on every bind. */
	if (rc == -ENOENT) {
		rc = vb_mkdir_p(c, VB_STATE_DIR);
		if (!rc)
			rc = hv_write_file_atomic(path, data, (size_t)n, 0644);
	}
	return rc;
}

int vb_file_remove(struct vb_ctx *c, const char *dry, const char *dir, const char *file)
{
	char path[PATH_MAX];
	int rc;

	if (c->dry_run) {
		printf("%s %s/%s\n", dry, dir, file);
		return 0;
	}
	rc = hv_path_build(&c->root, path, sizeof(path), "%s/%s", dir, file);
	if (rc)
		return rc;
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

int vb_record_remove(struct vb_ctx *c, const char *name)
{
	return vb_file_remove(c, "# remove record", VB_STATE_DIR, name);
}

/*
 * One vfio-bind at a time changes bindings: two binds racing on one device
 * would each record the other's half-done state. Returns an fd or -errno;
 * dry runs take no lock.
 */
int vb_state_lock(struct vb_ctx *c)
{
	char path[PATH_MAX];
	int fd, rc;

	if (c->dry_run)
		return -1;
	rc = hv_path_build(&c->root, path, sizeof(path), VB_STATE_DIR "/.lock");
	if (rc)
		return rc;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT) {
		rc = vb_mkdir_p(c, VB_STATE_DIR);
		if (rc)
			return rc;
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}
