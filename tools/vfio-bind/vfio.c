// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The VFIO open path: container, group, IOMMU model, device. Kept in one
 * place so every verb (and mdev devices, whose group is found the same way
 * under /sys/bus/mdev/devices/<uuid>/iommu_group) opens devices alike.
 *
 * Nothing here maps device memory: region access goes through pread/pwrite
 * on the device fd, so closing the fds releases everything and no mapping
 * can outlive the device's binding (the hazard the VFIO review raised).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "diag.h"
#include "vfio-bind.h"

static int open_dev(struct vb_ctx *c, const char *live, int flags)
{
	char path[PATH_MAX];
	int rc = hv_path_build(&c->root, path, sizeof(path), "%s", live);
	int fd;

	if (rc)
		return rc;
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Explains a group that VFIO would refuse, naming what blocks it. */
static int check_viable(struct vb_ctx *c, const struct vb_dev *d, int gid)
{
	struct vb_group g;
	char who[512];
	int rc = vb_group_load(c, gid, &g);

	if (rc)
		return hv_fail(rc, NULL, "%s: reading IOMMU group %d", d->name, gid);
	if (g.viable) {
		vb_group_free(&g);
		return 0;
	}
	vb_group_blockers(&g, who, sizeof(who));
	hv_err(0, "bind them to vfio-pci too ('vfio-bind bind --group') or unbind them",
	       "%s: IOMMU group %d is not viable: %s", d->name, gid, who);
	vb_group_free(&g);
	return HV_EXIT_BUSY;
}

int vb_vfio_open(struct vb_ctx *c, const struct vb_dev *d, struct vb_vfio *v)
{
	struct vfio_group_status status = {.argsz = sizeof(status)};
	struct vfio_device_info info = {.argsz = sizeof(info)};
	char drv[VB_NAME_MAX], live[64];
	int rc, model;

	memset(v, 0, sizeof(*v));
	v->container = v->group = v->device = -1;
	vb_dev_driver(c, d, drv, sizeof(drv));
	if (d->kind == VB_DEV_PCI && strcmp(drv, VB_DRIVER) && strncmp(drv, "vfio", 4) &&
	    !strstr(drv, "-vfio-pci")) {
		hv_err(0, "run 'vfio-bind bind' first", "%s: on driver %s, not %s", d->name,
		       drv[0] ? drv : "none", VB_DRIVER);
		return HV_EXIT_NODEV;
	}
	v->group_id = vb_dev_group(c, d);
	if (v->group_id < 0)
		return hv_fail(-ENODEV, "the IOMMU is off or missing: see 'vfio-bind doctor'",
			       "%s: no IOMMU group", d->name);
	/* An mdev group holds only the instance, bound to its parent's driver. */
	rc = d->kind == VB_DEV_MDEV ? 0 : check_viable(c, d, v->group_id);
	if (rc)
		return rc;

	v->container = open_dev(c, "/dev/vfio/vfio", O_RDWR);
	if (v->container < 0) {
		rc = v->container;
		v->container = -1;
		return hv_fail(rc, rc == -ENOENT ? "is the vfio module loaded?" : NULL,
			       "opening /dev/vfio/vfio");
	}
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		vb_vfio_close(v);
		return hv_fail(-ENOTSUP, NULL, "/dev/vfio/vfio: unknown VFIO API version");
	}
	model = ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0
		    ? VFIO_TYPE1v2_IOMMU
		    : VFIO_TYPE1_IOMMU;
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, model) <= 0) {
		vb_vfio_close(v);
		return hv_fail(-ENOTSUP, "load vfio_iommu_type1 ('vfio-bind doctor')",
			       "/dev/vfio/vfio: no type1 IOMMU backend");
	}
	snprintf(live, sizeof(live), "/dev/vfio/%d", v->group_id);
	v->group = open_dev(c, live, O_RDWR);
	if (v->group < 0) {
		rc = v->group;
		v->group = -1;
		vb_vfio_close(v);
		return hv_fail(rc,
			       rc == -EBUSY ? "another process (QEMU?) has the group open" : NULL,
			       "opening %s", live);
	}
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &status)) {
		rc = -errno;
		vb_vfio_close(v);
		return hv_fail(rc, NULL, "%s: VFIO_GROUP_GET_STATUS", live);
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		/* sysfs said viable a moment ago: someone bound a member meanwhile. */
		vb_vfio_close(v);
		rc = check_viable(c, d, v->group_id);
		return rc ? rc
			  : hv_fail(-EBUSY, "try again", "%s: group %d became not viable", d->name,
				    v->group_id);
	}
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container)) {
		rc = -errno;
		vb_vfio_close(v);
		return hv_fail(rc, NULL, "%s: VFIO_GROUP_SET_CONTAINER", live);
	}
	if (ioctl(v->container, VFIO_SET_IOMMU, model)) {
		rc = -errno;
		vb_vfio_close(v);
		return hv_fail(
		    rc, rc == -EPERM ? "no interrupt remapping: see 'vfio-bind doctor'" : NULL,
		    "%s: VFIO_SET_IOMMU", live);
	}
	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, d->name);
	if (v->device < 0) {
		rc = -errno;
		v->device = -1;
		vb_vfio_close(v);
		return hv_fail(rc, NULL, "%s: VFIO_GROUP_GET_DEVICE_FD", d->name);
	}
	if (ioctl(v->device, VFIO_DEVICE_GET_INFO, &info)) {
		rc = -errno;
		vb_vfio_close(v);
		return hv_fail(rc, NULL, "%s: VFIO_DEVICE_GET_INFO", d->name);
	}
	v->flags = info.flags;
	v->num_regions = info.num_regions;
	v->num_irqs = info.num_irqs;
	return 0;
}

void vb_vfio_close(struct vb_vfio *v)
{
	/* Device first: the group cannot leave its container while it is open. */
	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	v->device = v->group = v->container = -1;
}

int vb_vfio_region(const struct vb_vfio *v, uint32_t index, struct vfio_region_info **out)
{
	struct vfio_region_info *ri = calloc(1, sizeof(*ri));
	uint32_t want;

	if (!ri)
		return -ENOMEM;
	ri->argsz = sizeof(*ri);
	ri->index = index;
	if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, ri)) {
		int rc = -errno;

		free(ri);
		return rc;
	}
	want = ri->argsz;
	/* The kernel asks for more room when it has a capability chain. */
	if (want > sizeof(*ri) && want <= 65536) {
		struct vfio_region_info *big = calloc(1, want);

		if (!big) {
			free(ri);
			return -ENOMEM;
		}
		big->argsz = want;
		big->index = index;
		free(ri);
		ri = big;
		if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, ri)) {
			int rc = -errno;

			free(ri);
			return rc;
		}
		if (ri->argsz > want)
			ri->flags &= ~VFIO_REGION_INFO_FLAG_CAPS; /* grew again: ignore caps */
		ri->argsz = want;
	} else {
		ri->flags &= ~VFIO_REGION_INFO_FLAG_CAPS;
		ri->argsz = sizeof(*ri);
	}
	*out = ri;
	return 0;
}
