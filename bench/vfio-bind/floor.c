// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/vfio-bind/floor.c: the lower bound of a bind or restore done by a
 * program: exactly the sysfs writes vfio-bind makes, nothing else (no
 * checks, no record, no lock). bench.sh runs it linked statically and
 * dynamically next to vfio-bind, so the report separates the kernel's share,
 * the cost of starting a process, and vfio-bind's own work.
 *
 *   vb-floor bind DEV ORIG       ORIG: the current driver, or "none"
 *   vb-floor restore DEV ORIG
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0 || write(fd, val, strlen(val)) < 0) {
		perror(path);
		rc = 1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	const char *dev, *orig;
	char p[256];
	int rc = 0;

	if (argc != 4)
		return 2;
	dev = argv[2];
	orig = argv[3];
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver_override", dev);
	if (!strcmp(argv[1], "bind")) {
		rc |= put(p, "vfio-pci");
		if (strcmp(orig, "none")) {
			snprintf(p, sizeof(p), "/sys/bus/pci/drivers/%s/unbind", orig);
			rc |= put(p, dev);
		}
		return rc | put("/sys/bus/pci/drivers_probe", dev);
	}
	rc |= put(p, "\n");
	rc |= put("/sys/bus/pci/drivers/vfio-pci/unbind", dev);
	if (strcmp(orig, "none"))
		rc |= put("/sys/bus/pci/drivers_probe", dev);
	return rc;
}
