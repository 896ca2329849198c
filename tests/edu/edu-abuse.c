// SPDX-License-Identifier: GPL-2.0-only
/*
 * edu-abuse UUID: feeds an mdev-edu instance out-of-range region offsets and
 * sizes, bad IRQ indexes/counts/flags/eventfds and DMA ranges the device must
 * refuse. Every call must fail cleanly (the right errno, no side effect) and
 * the device must keep working; the kernel log is checked by the caller.
 *
 * edu-abuse hold UUID [--ignore-request] [--max SECONDS]: opens the device,
 * registers a device-request eventfd, prints "holding" and keeps it open
 * until the kernel asks for it back (or, with --ignore-request, until killed
 * or SECONDS pass). Used to remove instances while a user holds them.
 *
 * Exit status: 0 all passed, 1 a check failed, 2 usage, 3 cannot open.
 */
#include "edu-vfio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#define DMA_IOVA 0x2000000ull
#define DMA_SIZE 0x2000u
#define WAIT_MS	 5000

struct run {
	struct edu e;
	struct edu_tap tap;
};

#define check(r, ok, ...) edu_check(&(r)->tap, (ok), __VA_ARGS__)

/* -errno of a call that returned < 0, 0 otherwise. */
static int err_of(long ret)
{
	return ret < 0 ? -errno : 0;
}

static void expect(struct run *r, int got, int want, const char *what)
{
	check(r, got == -want, "%s fails with %s", what, strerror(want));
	if (got != -want)
		printf("# got %s\n", got ? strerror(-got) : "success");
}

static int region_info(struct run *r, uint32_t argsz, uint32_t index)
{
	struct vfio_region_info ri = {.argsz = argsz, .index = index};

	return err_of(ioctl(r->e.device, VFIO_DEVICE_GET_REGION_INFO, &ri));
}

static int irq_info(struct run *r, uint32_t argsz, uint32_t index)
{
	struct vfio_irq_info ii = {.argsz = argsz, .index = index};

	return err_of(ioctl(r->e.device, VFIO_DEVICE_GET_IRQ_INFO, &ii));
}

static int set_irqs(struct run *r, uint32_t argsz, uint32_t flags, uint32_t index, uint32_t start,
		    uint32_t count, int32_t fd)
{
	char buf[sizeof(struct vfio_irq_set) + 2 * sizeof(int32_t)];
	struct vfio_irq_set *s = (struct vfio_irq_set *)buf;

	memset(buf, 0, sizeof(buf));
	s->argsz = argsz;
	s->flags = flags;
	s->index = index;
	s->start = start;
	s->count = count;
	memcpy(s->data, &fd, sizeof(fd));
	memcpy(s->data + sizeof(fd), &fd, sizeof(fd));
	return err_of(ioctl(r->e.device, VFIO_DEVICE_SET_IRQS, s));
}

static int rd_at(struct run *r, uint64_t pos, void *buf, size_t len)
{
	ssize_t n = pread(r->e.device, buf, len, (off_t)pos);

	return n < 0 ? -errno : n == (ssize_t)len ? 0 : -EIO;
}

static int wr_at(struct run *r, uint64_t pos, const void *buf, size_t len)
{
	ssize_t n = pwrite(r->e.device, buf, len, (off_t)pos);

	return n < 0 ? -errno : n == (ssize_t)len ? 0 : -EIO;
}

static int alive(struct run *r)
{
	return !edu_wr(&r->e, EDU_REG_LIVENESS, 0x0f0f0f0f) &&
	       edu_rd(&r->e, EDU_REG_LIVENESS) == 0xf0f0f0f0 &&
	       edu_rd(&r->e, EDU_REG_ID) == 0x010000ed;
}

static void abuse_info(struct run *r)
{
	struct vfio_device_info di = {.argsz = 4};

	expect(r, err_of(ioctl(r->e.device, VFIO_DEVICE_GET_INFO, &di)), EINVAL,
	       "GET_INFO with a short argsz");
	expect(r, region_info(r, 8, VFIO_PCI_BAR0_REGION_INDEX), EINVAL,
	       "GET_REGION_INFO with a short argsz");
	expect(r, region_info(r, 32, VFIO_PCI_VGA_REGION_INDEX), EINVAL,
	       "GET_REGION_INFO of the VGA region");
	expect(r, region_info(r, 32, VFIO_PCI_NUM_REGIONS), EINVAL, "GET_REGION_INFO index 9");
	expect(r, region_info(r, 32, 0xffffffff), EINVAL, "GET_REGION_INFO index 0xffffffff");
	expect(r, irq_info(r, 4, VFIO_PCI_MSI_IRQ_INDEX), EINVAL,
	       "GET_IRQ_INFO with a short argsz");
	expect(r, irq_info(r, 16, VFIO_PCI_ERR_IRQ_INDEX), EINVAL, "GET_IRQ_INFO of the error IRQ");
	expect(r, irq_info(r, 16, VFIO_PCI_NUM_IRQS), EINVAL, "GET_IRQ_INFO index 5");
	expect(r, irq_info(r, 16, 0xffffffff), EINVAL, "GET_IRQ_INFO index 0xffffffff");
	expect(r, err_of(ioctl(r->e.device, VFIO_DEVICE_GET_INFO, (void *)16)), EFAULT,
	       "GET_INFO with an unmapped argument");
	expect(r, err_of(ioctl(r->e.device, _IO(VFIO_TYPE, VFIO_BASE + 60))), ENOTTY,
	       "an unknown device ioctl");
}

static void abuse_regions(struct run *r)
{
	uint64_t bar = r->e.bar0_off, cfg = r->e.cfg_off;
	static char big[2 << 20];
	uint32_t v = 0;
	uint8_t b = 0;
	uint16_t h = 0;
	void *volatile unmapped = (void *)8;
	int ok;

	expect(r, rd_at(r, bar + (1 << 20), &v, 4), EINVAL, "read at the end of BAR0");
	expect(r, rd_at(r, bar + (1 << 20) - 2, &v, 4), EINVAL, "read across the end of BAR0");
	expect(r, wr_at(r, bar + (1 << 20) - 2, &v, 4), EINVAL, "write across the end of BAR0");
	expect(r, rd_at(r, bar, big, sizeof(big)), EINVAL, "read of 2 MiB from BAR0");
	expect(r, rd_at(r, cfg + 256, &v, 4), EINVAL, "read at the end of config space");
	expect(r, wr_at(r, cfg + 255, &v, 2), EINVAL, "write across the end of config space");
	expect(r, rd_at(r, (uint64_t)VFIO_PCI_BAR1_REGION_INDEX << 40, &v, 4), EINVAL,
	       "read of empty BAR1");
	expect(r, rd_at(r, (uint64_t)VFIO_PCI_VGA_REGION_INDEX << 40, &v, 4), EINVAL,
	       "read of the VGA region");
	expect(r, rd_at(r, 9ull << 40, &v, 4), EINVAL, "read of region 9");
	expect(r, wr_at(r, 0x7fffffull << 40, &v, 4), EINVAL, "write of region 0x7fffff");
	expect(r, err_of(pread(r->e.device, &v, 4, -4)), EINVAL, "read at a negative offset");
	/* volatile: the compiler must not see (and refuse) the deliberate bad pointer. */
	expect(r, err_of(pread(r->e.device, unmapped, 4, (off_t)bar)), EFAULT,
	       "read into an unmapped buffer");
	expect(r, err_of(pwrite(r->e.device, unmapped, 4, (off_t)(bar + EDU_REG_LIVENESS))), EFAULT,
	       "write from an unmapped buffer");
	check(r, pread(r->e.device, &v, 0, (off_t)bar) == 0, "a zero-length read returns 0");

	ok = !rd_at(r, bar, &b, 1) && b == 0xff && !rd_at(r, bar + 2, &h, 2) && h == 0xffff &&
	     !rd_at(r, bar + 1, &v, 4) && v == 0xffffffff;
	check(r, ok, "BAR0 reads narrower than 4 bytes return all ones, as on the model");
	edu_wr(&r->e, EDU_REG_LIVENESS, 0);
	h = 0x1234;
	ok = !wr_at(r, bar + EDU_REG_LIVENESS, &h, 2) &&
	     edu_rd(&r->e, EDU_REG_LIVENESS) == 0xffffffff && !edu_wr(&r->e, EDU_REG_ID, 0) &&
	     edu_rd(&r->e, EDU_REG_ID) == 0x010000ed && edu_rd(&r->e, 0x0c) == 0xffffffff &&
	     edu_rd(&r->e, 0x84) == 0xffffffff && edu_rd(&r->e, 0x40000) == 0xffffffff &&
	     edu_rd(&r->e, (1 << 20) - 4) == 0xffffffff;
	check(r, ok,
	      "narrow writes, writes to the ID register and unknown registers change nothing");
}

static void abuse_config(struct run *r)
{
	uint16_t cmd = edu_cfg_r16(&r->e, PCI_COMMAND);
	uint32_t ones = 0xffffffff;
	int ok = 1;

	for (unsigned int off = 0; off < 256; off += 4)
		if (off != PCI_COMMAND)
			ok = ok && !edu_cfg_write(&r->e, off, &ones, 4);
	ok = ok && edu_cfg_r16(&r->e, PCI_VENDOR_ID) == 0x1234 &&
	     edu_cfg_r16(&r->e, PCI_DEVICE_ID) == 0x11e8 &&
	     edu_cfg_r16(&r->e, PCI_CLASS_DEVICE) == 0x00ff &&
	     edu_cfg_r32(&r->e, PCI_BASE_ADDRESS_0) == 0xfff00000 &&
	     edu_cfg_r32(&r->e, PCI_BASE_ADDRESS_1) == 0 &&
	     edu_cfg_r32(&r->e, PCI_ROM_ADDRESS) == 0 &&
	     (edu_cfg_r16(&r->e, PCI_CAPABILITY_LIST) & 0xff) == 0x40 &&
	     (edu_cfg_r16(&r->e, 0x40) & 0xff) == 0x05 &&
	     (edu_cfg_r16(&r->e, 0x42) & PCI_MSI_FLAGS_QSIZE) == 0;
	check(r, ok,
	      "all-ones written over config space leaves IDs, capability chain and BAR sizing "
	      "intact");

	edu_cfg_w16(&r->e, PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY);
	expect(r, edu_wr(&r->e, EDU_REG_LIVENESS, 1), EIO, "BAR0 write with memory decoding off");
	edu_cfg_w16(&r->e, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	check(r, alive(r), "device works again with memory decoding on");
}

static void abuse_irqs(struct run *r)
{
	const uint32_t ev = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	const uint32_t sz = sizeof(struct vfio_irq_set) + 4;
	int efd = eventfd(0, EFD_CLOEXEC), nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

	expect(r, set_irqs(r, sz, ev, VFIO_PCI_NUM_IRQS, 0, 1, efd), EINVAL, "SET_IRQS index 5");
	expect(r, set_irqs(r, sz, ev, 0x7fffffff, 0, 1, efd), EINVAL, "SET_IRQS index 0x7fffffff");
	expect(r, set_irqs(r, sz, ev, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, efd), EINVAL,
	       "SET_IRQS on MSI-X (none)");
	expect(r, set_irqs(r, sz, ev, VFIO_PCI_ERR_IRQ_INDEX, 0, 1, efd), EINVAL,
	       "SET_IRQS on the error IRQ");
	expect(r, set_irqs(r, sz, ev, VFIO_PCI_MSI_IRQ_INDEX, 1, 1, efd), EINVAL,
	       "SET_IRQS MSI start 1");
	expect(r, set_irqs(r, sz + 4, ev, VFIO_PCI_MSI_IRQ_INDEX, 0, 2, efd), EINVAL,
	       "SET_IRQS MSI count 2");
	expect(r, set_irqs(r, sz, ev, VFIO_PCI_MSI_IRQ_INDEX, 0, 0xffffffff, efd), EINVAL,
	       "SET_IRQS MSI count 0xffffffff");
	expect(r, set_irqs(r, sz, ev, VFIO_PCI_MSI_IRQ_INDEX, 0xffffffff, 1, efd), EINVAL,
	       "SET_IRQS MSI start 0xffffffff");
	expect(r, set_irqs(r, sz, ev | VFIO_IRQ_SET_DATA_BOOL, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, efd),
	       EINVAL, "SET_IRQS with two data types");
	expect(r, set_irqs(r, sz, ev | VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, efd),
	       EINVAL, "SET_IRQS with two actions");
	expect(r, set_irqs(r, sz, ev | (1u << 12), VFIO_PCI_MSI_IRQ_INDEX, 0, 1, efd), EINVAL,
	       "SET_IRQS with an unknown flag");
	expect(r, set_irqs(r, sz - 4, ev, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, efd), EINVAL,
	       "SET_IRQS with argsz too small for its data");
	expect(r, set_irqs(r, sz, ev, VFIO_PCI_MSI_IRQ_INDEX, 0, 0, efd), EINVAL,
	       "SET_IRQS eventfd with count 0");
	expect(r, set_irqs(r, sz, ev, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, 999), EBADF,
	       "SET_IRQS with a closed fd");
	expect(r, set_irqs(r, sz, ev, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, nul), EINVAL,
	       "SET_IRQS with a non-eventfd fd");
	expect(r, set_irqs(r, sz, ev, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, -2), EINVAL,
	       "SET_IRQS with fd -2");
	expect(r,
	       set_irqs(r, sz, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK,
			VFIO_PCI_INTX_IRQ_INDEX, 0, 1, 0),
	       EINVAL, "INTx mask while INTx is off");
	expect(r,
	       set_irqs(r, sz, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			VFIO_PCI_MSI_IRQ_INDEX, 0, 1, 0),
	       EINVAL, "MSI loopback trigger while MSI is off");
	expect(r, err_of(ioctl(r->e.device, VFIO_DEVICE_SET_IRQS, (void *)16)), EFAULT,
	       "SET_IRQS with an unmapped argument");

	check(r, set_irqs(r, sz, ev, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, efd) == 0,
	      "INTx eventfd accepted");
	expect(r, set_irqs(r, sz, ev, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, efd), EINVAL,
	       "enabling MSI while INTx is on");
	expect(r,
	       set_irqs(r, sz, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK,
			VFIO_PCI_INTX_IRQ_INDEX, 0, 1, efd),
	       ENOTTY, "INTx unmask through an eventfd (not offered)");
	check(r,
	      set_irqs(r, sz, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		       VFIO_PCI_INTX_IRQ_INDEX, 0, 1, 0) == 0 &&
		  edu_wait_eventfd(efd, WAIT_MS) == 1,
	      "INTx loopback trigger signals the eventfd once");
	check(r, edu_disable_irq(&r->e, VFIO_PCI_INTX_IRQ_INDEX) == 0, "INTx disabled");
	check(r, set_irqs(r, sz, ev, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, efd) == 0,
	      "MSI eventfd accepted");
	expect(r,
	       set_irqs(r, sz, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK,
			VFIO_PCI_MSI_IRQ_INDEX, 0, 1, 0),
	       ENOTTY, "masking MSI (no per-vector masking)");
	check(r, edu_disable_irq(&r->e, VFIO_PCI_MSI_IRQ_INDEX) == 0 && alive(r),
	      "MSI disabled, device alive");
	close(efd);
	close(nul);
}

/* Runs a DMA that must be refused: error bit set, RAM untouched. */
static void refused_dma(struct run *r, uint8_t *ram, uint64_t src, uint64_t dst, uint64_t cnt,
			uint32_t cmd, const char *what)
{
	uint32_t c;
	int ok;

	memset(ram, 0x11, DMA_SIZE);
	/* 8-byte writes: mdev-edu takes them, so full 64-bit values reach it. */
	ok = pwrite(r->e.device, &src, 8, (off_t)(r->e.bar0_off + EDU_REG_DMA_SRC)) == 8 &&
	     pwrite(r->e.device, &dst, 8, (off_t)(r->e.bar0_off + EDU_REG_DMA_DST)) == 8 &&
	     pwrite(r->e.device, &cnt, 8, (off_t)(r->e.bar0_off + EDU_REG_DMA_CNT)) == 8;
	ok = ok && !edu_wr(&r->e, EDU_REG_DMA_CMD, cmd | EDU_DMA_RUN) &&
	     !edu_wait_reg(&r->e, EDU_REG_DMA_CMD, EDU_DMA_RUN, 0, WAIT_MS);
	c = edu_rd(&r->e, EDU_REG_DMA_CMD);
	for (unsigned int i = 0; ok && i < DMA_SIZE; i++)
		ok = ram[i] == 0x11;
	check(r, ok && (c & EDU_DMA_ERROR) && alive(r), "DMA refused: %s", what);
}

static void abuse_dma(struct run *r)
{
	uint8_t *ram = edu_map_dma(&r->e, DMA_IOVA, DMA_SIZE);
	uint16_t cmd = edu_cfg_r16(&r->e, PCI_COMMAND);
	const uint64_t buf = EDU_DMA_BUF;
	int ok;

	check(r, ram != NULL, "DMA: 8 KiB mapped at IOVA 0x2000000");
	if (!ram)
		return;
	edu_enable(&r->e);
	/* Fill the device buffer with something that is not 0x11. */
	memset(ram, 0x22, DMA_SIZE);
	ok = !edu_dma(&r->e, DMA_IOVA, buf, 4096, 0, WAIT_MS) &&
	     !(edu_rd(&r->e, EDU_REG_DMA_CMD) & EDU_DMA_ERROR);
	check(r, ok, "DMA: a valid transfer reports no error");

	refused_dma(r, ram, buf + 4000, DMA_IOVA, 200, EDU_DMA_TO_RAM,
		    "device range past the 4 KiB buffer");
	refused_dma(r, ram, buf - 1, DMA_IOVA, 16, EDU_DMA_TO_RAM, "device range below the buffer");
	refused_dma(r, ram, buf, DMA_IOVA, 4097, EDU_DMA_TO_RAM, "count above 4096");
	refused_dma(r, ram, buf, DMA_IOVA, ~0ull, EDU_DMA_TO_RAM, "count 2^64-1");
	refused_dma(r, ram, ~0ull - 8, DMA_IOVA, 64, EDU_DMA_TO_RAM,
		    "device address that wraps around");
	refused_dma(r, ram, buf, 0x3000000, 64, EDU_DMA_TO_RAM, "IOVA that is not mapped");
	refused_dma(r, ram, buf, 0x10000000, 64, EDU_DMA_TO_RAM, "IOVA above the 28-bit DMA mask");
	refused_dma(r, ram, buf, 0xfffff00, 0x200, EDU_DMA_TO_RAM,
		    "IOVA range crossing the DMA mask");
	refused_dma(r, ram, buf, ~0ull - 0xff, 0x200, EDU_DMA_TO_RAM,
		    "IOVA range wrapping past 2^64");
	refused_dma(r, ram, 0x3000000, buf, 64, 0, "from an IOVA that is not mapped");
	edu_cfg_w16(&r->e, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
	refused_dma(r, ram, buf, DMA_IOVA, 64, EDU_DMA_TO_RAM, "bus mastering off");
	edu_enable(&r->e);

	ok = !edu_dma(&r->e, buf, DMA_IOVA, 0, EDU_DMA_TO_RAM, WAIT_MS) &&
	     !(edu_rd(&r->e, EDU_REG_DMA_CMD) & EDU_DMA_ERROR);
	check(r, ok, "DMA: a zero-length transfer is a no-op without error");

	ok = !edu_unmap_dma(&r->e, ram, DMA_IOVA, DMA_SIZE) &&
	     !edu_dma(&r->e, buf, DMA_IOVA, 64, EDU_DMA_TO_RAM, WAIT_MS) &&
	     (edu_rd(&r->e, EDU_REG_DMA_CMD) & EDU_DMA_ERROR) && alive(r);
	check(r, ok, "DMA: to an IOVA unmapped after use is refused");
}

/* After close, nothing may signal an eventfd the device had. */
static void abuse_release(struct run *r, const char *dev)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t n = 0;
	int ok;

	ok = efd >= 0 && !edu_set_irq_eventfd(&r->e, VFIO_PCI_MSI_IRQ_INDEX, efd) &&
	     !edu_wr(&r->e, EDU_REG_STATUS, 0x80) && !edu_wr(&r->e, EDU_REG_FACT, 12) &&
	     !edu_wr(&r->e, EDU_REG_DMA_CNT, 64) &&
	     !edu_wr(&r->e, EDU_REG_DMA_CMD, EDU_DMA_RUN | EDU_DMA_IRQ);
	edu_close(&r->e);
	usleep(50000);
	while (read(efd, &n, sizeof(n)) == sizeof(n))
		;
	usleep(300000);
	ok = ok && read(efd, &n, sizeof(n)) < 0 && errno == EAGAIN;
	check(r, ok, "no interrupt reaches the eventfd after the device was closed");
	close(efd);

	ok = !edu_open(&r->e, dev) && edu_rd(&r->e, EDU_REG_LIVENESS) == 0 &&
	     edu_rd(&r->e, EDU_REG_STATUS) == 0 && edu_rd(&r->e, EDU_REG_IRQ_STATUS) == 0;
	check(r, ok, "reopened device starts from power-on state");
}

static int hold(const char *dev, int ignore, int max_s)
{
	struct edu e;
	int efd;
	uint64_t n;

	if (edu_open(&e, dev))
		return 3;
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0 || edu_set_irq_eventfd(&e, VFIO_PCI_REQ_IRQ_INDEX, ignore ? -1 : efd)) {
		fprintf(stderr, "edu-abuse: %s: cannot register the request eventfd\n", dev);
		return 1;
	}
	printf("holding\n");
	fflush(stdout);
	n = edu_wait_eventfd(efd, max_s * 1000);
	edu_close(&e);
	printf("%s\n", n ? "released on request" : "released after timeout");
	return 0;
}

int main(int argc, char **argv)
{
	struct run r = {0};

	if (argc >= 3 && !strcmp(argv[1], "hold")) {
		int ignore = 0, max_s = 60;

		for (int i = 3; i < argc; i++) {
			if (!strcmp(argv[i], "--ignore-request"))
				ignore = 1;
			else if (!strcmp(argv[i], "--max") && i + 1 < argc)
				max_s = atoi(argv[++i]);
			else
				goto usage;
		}
		return hold(argv[2], ignore, max_s);
	}
	if (argc != 2 || argv[1][0] == '-')
		goto usage;
	if (edu_open(&r.e, argv[1]))
		return 3;
	if (!r.e.is_mdev) {
		/* QEMU's own edu aborts the whole VM on some of these. */
		fprintf(stderr, "edu-abuse: %s: only for mdev-edu instances (give a UUID)\n",
			argv[1]);
		return 2;
	}
	edu_enable(&r.e);
	abuse_info(&r);
	abuse_regions(&r);
	abuse_config(&r);
	abuse_irqs(&r);
	abuse_dma(&r);
	abuse_release(&r, argv[1]);
	check(&r, alive(&r), "device alive at the end");
	edu_close(&r.e);
	return edu_tap_done(&r.tap);
usage:
	fprintf(stderr, "usage: edu-abuse MDEV-UUID\n       edu-abuse hold MDEV-UUID "
			"[--ignore-request] [--max SECONDS]\n");
	return 2;
}
