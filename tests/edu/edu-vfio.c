// SPDX-License-Identifier: GPL-2.0-only
/* VFIO plumbing shared by edu-test and edu-abuse; see edu-vfio.h. */
#include "edu-vfio.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

static int fail(const char *what, const char *dev, int err)
{
	fprintf(stderr, "edu: %s: %s: %s\n", dev, what, strerror(err));
	return -err;
}

/* A PCI address has a colon; an mdev UUID has none. */
static bool is_pci_address(const char *dev)
{
	return strchr(dev, ':') != NULL;
}

static int group_of(const char *dev, bool mdev, char *group, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/%s/devices/%s/iommu_group", mdev ? "mdev" : "pci",
		 dev);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return fail("no IOMMU group (no such device, or no IOMMU for a PCI device)", dev,
			    errno);
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) > 16)
		return fail("IOMMU group name too long", dev, ENAMETOOLONG);
	snprintf(group, len, "/dev/vfio/%.16s", base);
	return 0;
}

int edu_open(struct edu *e, const char *dev)
{
	struct vfio_group_status gs = {.argsz = sizeof(gs)};
	struct vfio_region_info ri = {.argsz = sizeof(ri)};
	char group[PATH_MAX];
	int ret;

	memset(e, 0, sizeof(*e));
	e->name = dev;
	e->container = e->group = e->device = -1;
	e->is_mdev = !is_pci_address(dev);
	ret = group_of(dev, e->is_mdev, group, sizeof(group));
	if (ret)
		return ret;

	e->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (e->container < 0)
		return fail("open /dev/vfio/vfio", dev, errno);
	if (ioctl(e->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return fail("VFIO API version", dev, EPROTO);
	if (ioctl(e->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0)
		return fail("no type1 IOMMU support", dev, ENODEV);
	e->group = open(group, O_RDWR | O_CLOEXEC);
	if (e->group < 0)
		return fail(group, dev, errno);
	if (ioctl(e->group, VFIO_GROUP_GET_STATUS, &gs) < 0)
		return fail("VFIO_GROUP_GET_STATUS", dev, errno);
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		return fail("group not viable (bind every member to vfio-pci)", dev, EBUSY);
	if (ioctl(e->group, VFIO_GROUP_SET_CONTAINER, &e->container) < 0)
		return fail("VFIO_GROUP_SET_CONTAINER", dev, errno);
	if (ioctl(e->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) < 0)
		return fail("VFIO_SET_IOMMU type1", dev, errno);
	e->device = ioctl(e->group, VFIO_GROUP_GET_DEVICE_FD, dev);
	if (e->device < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD", dev, errno);

	e->info.argsz = sizeof(e->info);
	if (ioctl(e->device, VFIO_DEVICE_GET_INFO, &e->info) < 0)
		return fail("VFIO_DEVICE_GET_INFO", dev, errno);
	ri.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(e->device, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
		return fail("config region info", dev, errno);
	e->cfg_off = ri.offset;
	e->cfg_size = ri.size;
	ri.argsz = sizeof(ri);
	ri.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(e->device, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
		return fail("BAR0 region info", dev, errno);
	e->bar0_off = ri.offset;
	e->bar0_size = ri.size;
	return 0;
}

void edu_close(struct edu *e)
{
	if (e->device >= 0)
		close(e->device);
	if (e->group >= 0)
		close(e->group);
	if (e->container >= 0)
		close(e->container);
	e->device = e->group = e->container = -1;
}

int edu_cfg_read(struct edu *e, unsigned int off, void *buf, size_t len)
{
	ssize_t n = pread(e->device, buf, len, (off_t)(e->cfg_off + off));

	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

int edu_cfg_write(struct edu *e, unsigned int off, const void *buf, size_t len)
{
	ssize_t n = pwrite(e->device, buf, len, (off_t)(e->cfg_off + off));

	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

uint16_t edu_cfg_r16(struct edu *e, unsigned int off)
{
	uint16_t v = 0xffff;

	edu_cfg_read(e, off, &v, sizeof(v));
	return v;
}

uint32_t edu_cfg_r32(struct edu *e, unsigned int off)
{
	uint32_t v = 0xffffffff;

	edu_cfg_read(e, off, &v, sizeof(v));
	return v;
}

int edu_cfg_w16(struct edu *e, unsigned int off, uint16_t v)
{
	return edu_cfg_write(e, off, &v, sizeof(v));
}

int edu_cfg_w32(struct edu *e, unsigned int off, uint32_t v)
{
	return edu_cfg_write(e, off, &v, sizeof(v));
}

uint32_t edu_rd(struct edu *e, unsigned int off)
{
	uint32_t v = 0xffffffff;

	if (pread(e->device, &v, 4, (off_t)(e->bar0_off + off)) != 4)
		return 0xffffffff;
	return v;
}

int edu_wr(struct edu *e, unsigned int off, uint32_t v)
{
	if (pwrite(e->device, &v, 4, (off_t)(e->bar0_off + off)) != 4)
		return -errno;
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int edu_wait_reg(struct edu *e, unsigned int off, uint32_t mask, uint32_t want, int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	for (;;) {
		if ((edu_rd(e, off) & mask) == want)
			return 0;
		if (now_ms() > end)
			return -ETIMEDOUT;
		usleep(1000);
	}
}

int edu_set_irq_eventfd(struct edu *e, unsigned int index, int fd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *s = (struct vfio_irq_set *)buf;
	int32_t fd32 = fd;

	s->argsz = sizeof(buf);
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->index = index;
	s->start = 0;
	s->count = 1;
	memcpy(s->data, &fd32, sizeof(fd32));
	return ioctl(e->device, VFIO_DEVICE_SET_IRQS, s) < 0 ? -errno : 0;
}

int edu_disable_irq(struct edu *e, unsigned int index)
{
	struct vfio_irq_set s = {
	    .argsz = sizeof(s),
	    .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
	    .index = index,
	};

	return ioctl(e->device, VFIO_DEVICE_SET_IRQS, &s) < 0 ? -errno : 0;
}

int edu_unmask_intx(struct edu *e)
{
	struct vfio_irq_set s = {
	    .argsz = sizeof(s),
	    .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
	    .index = VFIO_PCI_INTX_IRQ_INDEX,
	    .count = 1,
	};

	return ioctl(e->device, VFIO_DEVICE_SET_IRQS, &s) < 0 ? -errno : 0;
}

uint64_t edu_wait_eventfd(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint64_t n = 0;

	if (poll(&p, 1, timeout_ms) != 1)
		return 0;
	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

void *edu_map_dma(struct edu *e, uint64_t iova, size_t size)
{
	struct vfio_iommu_type1_dma_map m = {.argsz = sizeof(m)};
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		return NULL;
	m.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	m.vaddr = (uintptr_t)mem;
	m.iova = iova;
	m.size = size;
	if (ioctl(e->container, VFIO_IOMMU_MAP_DMA, &m) < 0) {
		int err = errno;

		munmap(mem, size);
		errno = err;
		return NULL;
	}
	return mem;
}

int edu_unmap_dma(struct edu *e, void *mem, uint64_t iova, size_t size)
{
	struct vfio_iommu_type1_dma_unmap u = {.argsz = sizeof(u), .iova = iova, .size = size};
	int ret = ioctl(e->container, VFIO_IOMMU_UNMAP_DMA, &u) < 0 ? -errno : 0;

	munmap(mem, size);
	return ret;
}

int edu_dma(struct edu *e, uint64_t src, uint64_t dst, uint32_t cnt, uint32_t cmd, int timeout_ms)
{
	int ret;

	/* 4-byte writes: vfio-pci splits accesses into 4 bytes at most. */
	if ((ret = edu_wr(e, EDU_REG_DMA_SRC, (uint32_t)src)) ||
	    (ret = edu_wr(e, EDU_REG_DMA_DST, (uint32_t)dst)) ||
	    (ret = edu_wr(e, EDU_REG_DMA_CNT, cnt)) ||
	    (ret = edu_wr(e, EDU_REG_DMA_CMD, cmd | EDU_DMA_RUN)))
		return ret;
	return edu_wait_reg(e, EDU_REG_DMA_CMD, EDU_DMA_RUN, 0, timeout_ms);
}

int edu_enable(struct edu *e)
{
	uint16_t cmd = edu_cfg_r16(e, PCI_COMMAND);

	return edu_cfg_w16(e, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void edu_check(struct edu_tap *t, int ok, const char *fmt, ...)
{
	va_list ap;

	t->n++;
	if (!ok)
		t->failed++;
	printf("%s %d - ", ok ? "ok" : "not ok", t->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int edu_tap_done(const struct edu_tap *t)
{
	printf("1..%d\n# %d passed, %d failed\n", t->n, t->n - t->failed, t->failed);
	return t->failed ? 1 : 0;
}
