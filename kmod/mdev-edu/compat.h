/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-edu is written against the current kernel APIs (those of
 * samples/vfio-mdev/mtty.c in the newest release). This header maps the few
 * that older kernels still supported by the module (Debian 12's 6.1 and
 * later) spell differently; nothing else belongs here.
 */
#ifndef MDEV_EDU_COMPAT_H
#define MDEV_EDU_COMPAT_H

#include <linux/eventfd.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/vfio.h>

/* 6.8 dropped the count argument; the driver always adds 1. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#define eventfd_signal(ctx) eventfd_signal(ctx, 1)
#endif

/*
 * Before 6.2 the release callback freed the device itself; since then the
 * VFIO core does, and vfio_free_device() is gone.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
static inline void edu_compat_free_device(struct vfio_device *vdev)
{
	vfio_free_device(vdev);
}
#else
static inline void edu_compat_free_device(struct vfio_device *vdev)
{
}
#endif

/* The typed allocators are recent (7.x); kzalloc_obj() is a macro. */
#ifndef kzalloc_obj
#define kzalloc_obj(P, gfp) kzalloc(sizeof(P), gfp)
#endif

/*
 * Since 6.19 the VFIO core answers VFIO_DEVICE_GET_REGION_INFO itself
 * through the get_region_info_caps callback (and fails it without one);
 * before, the driver's ioctl callback did.
 */
#define EDU_REGION_INFO_OP (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0))

#endif /* MDEV_EDU_COMPAT_H */
