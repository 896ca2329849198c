/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Opening an edu-compatible PCI function through VFIO (type1 container,
 * group, device) given a PCI address or an mdev UUID, and the register
 * accessors edu-test and edu-abuse share. Test code: failures print one
 * line and return -errno; nothing here exits.
 */
#ifndef EDU_VFIO_H
#define EDU_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vfio.h>

#define EDU_REG_ID	   0x00
#define EDU_REG_LIVENESS   0x04
#define EDU_REG_FACT	   0x08
#define EDU_REG_STATUS	   0x20
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_RAISE  0x60
#define EDU_REG_IRQ_ACK	   0x64
#define EDU_REG_DMA_SRC	   0x80
#define EDU_REG_DMA_DST	   0x88
#define EDU_REG_DMA_CNT	   0x90
#define EDU_REG_DMA_CMD	   0x98
#define EDU_DMA_BUF	   0x40000u
#define EDU_DMA_BUF_SIZE   4096u
#define EDU_DMA_RUN	   0x1u
#define EDU_DMA_TO_RAM	   0x2u
#define EDU_DMA_IRQ	   0x4u
#define EDU_DMA_ERROR	   0x8u /* mdev-edu only */

struct edu {
	const char *name; /* as given: PCI address or UUID */
	bool is_mdev;
	int container, group, device;
	uint64_t cfg_off, cfg_size, bar0_off, bar0_size;
	struct vfio_device_info info;
};

/* Opens DEV (PCI address or mdev UUID): container, group, device fd. */
int edu_open(struct edu *e, const char *dev);
void edu_close(struct edu *e);

int edu_cfg_read(struct edu *e, unsigned int off, void *buf, size_t len);
int edu_cfg_write(struct edu *e, unsigned int off, const void *buf, size_t len);
uint16_t edu_cfg_r16(struct edu *e, unsigned int off);
uint32_t edu_cfg_r32(struct edu *e, unsigned int off);
int edu_cfg_w16(struct edu *e, unsigned int off, uint16_t v);
int edu_cfg_w32(struct edu *e, unsigned int off, uint32_t v);

/* 32-bit BAR0 accesses; reads return 0xffffffff on a failed pread. */
uint32_t edu_rd(struct edu *e, unsigned int off);
int edu_wr(struct edu *e, unsigned int off, uint32_t v);

/* Polls the register until (value & mask) == want, up to timeout_ms. */
int edu_wait_reg(struct edu *e, unsigned int off, uint32_t mask, uint32_t want, int timeout_ms);

/* VFIO_DEVICE_SET_IRQS with one eventfd (fd -1 removes it). */
int edu_set_irq_eventfd(struct edu *e, unsigned int index, int fd);
/* VFIO_DEVICE_SET_IRQS trigger with DATA_NONE, count 0: disable. */
int edu_disable_irq(struct edu *e, unsigned int index);
/* VFIO_DEVICE_SET_IRQS INTx unmask (DATA_NONE). */
int edu_unmask_intx(struct edu *e);

/* Waits up to timeout_ms for the eventfd; returns its count, 0 on timeout. */
uint64_t edu_wait_eventfd(int fd, int timeout_ms);

/* Anonymous memory mapped at IOVA in the container. */
void *edu_map_dma(struct edu *e, uint64_t iova, size_t size);
int edu_unmap_dma(struct edu *e, void *mem, uint64_t iova, size_t size);

/* Runs one DMA command and waits for the run bit to clear. */
int edu_dma(struct edu *e, uint64_t src, uint64_t dst, uint32_t cnt, uint32_t cmd, int timeout_ms);

/* Enables memory decoding and bus mastering in the command register. */
int edu_enable(struct edu *e);

/* TAP test points, shared by edu-test and edu-abuse. */
struct edu_tap {
	int n, failed;
};

void edu_check(struct edu_tap *t, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prints the plan and the summary; returns the exit status. */
int edu_tap_done(const struct edu_tap *t);

#endif
