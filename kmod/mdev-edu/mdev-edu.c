// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-edu: a mediated VFIO PCI device with the programming interface of
 * QEMU's "edu" educational device (QEMU docs/specs/edu.rst).
 *
 * It gives VFIO programs a PCI function to talk to on any machine: no
 * hardware and no IOMMU are needed, because the device is emulated here and
 * its DMA goes through the VFIO type1 container's emulated-IOMMU helpers
 * (vfio_dma_rw() on the IOVAs the user mapped).
 *
 * Locking
 * -------
 * edu_state.lock (a mutex) serialises everything a user can reach on one
 * instance: the virtual config space, the BAR0 registers, the DMA buffer, the
 * IRQ mode and the eventfd contexts. read(), write(), ioctl(), open/close and
 * the engines take it, and nothing that may wait on user memory runs under
 * it. eventfd_signal() does not sleep, so interrupts are signalled with the
 * lock held: close_device() drops the eventfds under the same lock, hence no
 * eventfd is ever signalled after it was released.
 *
 * The engines run apart from the caller so that, as on the real model, users
 * must poll the busy bits or wait for the interrupt. Each does something only
 * while its busy bit (set under the lock) is still set, so reset and close
 * cancel pending operations by clearing those bits.
 *
 * The factorial runs in edu_state.work: it is short and touches no user
 * memory, and close_device() waits for it with cancel_work_sync() outside
 * the lock.
 *
 * The DMA engine is a kernel thread per open device (edu_dma_thread()). It
 * copies between the device buffer and a bounce buffer under the lock, and
 * calls vfio_dma_rw() on the bounce buffer without it: that call may fault
 * in user memory and wait for as long as the user (a userfaultfd nobody
 * answers, a stuck FUSE file) decides. dma_gen, bumped by reset and close,
 * tells the thread whether the transfer it finishes still counts. Because
 * vfio_dma_rw() needs the device open, close_device() must still wait for
 * the thread; it makes that wait short by sending the thread SIGKILL first
 * (the only signal it accepts): a page fault taken for the thread's borrowed
 * mm then gives up at once (fatal_signal_pending() in the fault path) and
 * vfio_dma_rw() fails with -EFAULT. Close, and so removal and module unload,
 * therefore never wait on user memory.
 *
 * Instances are counted by the mdev core (mdev_driver.max_instances).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci_regs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat.h"

#define EDU_NAME		"mdev_edu"

#define EDU_VENDOR_ID		0x1234
#define EDU_DEVICE_ID		0x11e8
#define EDU_SUBSYS_VENDOR_ID	0x1af4
#define EDU_SUBSYS_ID		0x1100
#define EDU_REVISION		0x10
#define EDU_CLASS_OTHERS	0x00ff	/* base class 0x00, subclass 0xff */

#define EDU_CONFIG_SIZE		PCI_CFG_SPACE_SIZE
#define EDU_BAR0_SIZE		SZ_1M
#define EDU_MSI_CAP		0x40

/* BAR0 registers (docs/specs/edu.rst) */
#define EDU_REG_ID		0x00
#define EDU_REG_LIVENESS	0x04
#define EDU_REG_FACT		0x08
#define EDU_REG_STATUS		0x20
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_CNT		0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_ID_VALUE		0x010000ed
#define EDU_STATUS_COMPUTING	0x01
#define EDU_STATUS_IRQFACT	0x80
#define EDU_IRQ_FACT		0x00000001
#define EDU_IRQ_DMA		0x00000100
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_RAM		0x2
#define EDU_DMA_IRQ		0x4
/* mdev-edu extension: set by the device when a transfer was refused */
#define EDU_DMA_ERROR		0x8
#define EDU_DMA_BUF_START	0x40000
#define EDU_DMA_BUF_SIZE	4096

/* Same region layout as vfio-pci, so offsets are familiar to users. */
#define EDU_OFFSET_SHIFT	40
#define EDU_OFFSET_TO_INDEX(off)	((off) >> EDU_OFFSET_SHIFT)
#define EDU_INDEX_TO_OFFSET(idx)	((u64)(idx) << EDU_OFFSET_SHIFT)
#define EDU_OFFSET_MASK		(EDU_INDEX_TO_OFFSET(1) - 1)

static unsigned int instances = 4;
module_param(instances, uint, 0444);
MODULE_PARM_DESC(instances, "Number of edu instances the parent offers (1-256, default 4)");

static unsigned int dma_bits = 28;
module_param(dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits, "Width of the DMA engine's addresses in bits (12-64, default 28 like QEMU's edu)");

enum edu_irq_mode {
	EDU_IRQ_NONE,
	EDU_IRQ_INTX,
	EDU_IRQ_MSI,
};

struct edu_state {
	struct vfio_device vdev;
	/* Protects every field below; see "Locking" at the top. */
	struct mutex lock;
	struct work_struct work;
	u64 dma_mask;

	/* The DMA engine: see "Locking" at the top. */
	struct task_struct *dma_thread;
	wait_queue_head_t dma_wq;
	/* Bit 0: a transfer was started; set before waking the thread. */
	unsigned long dma_kick;
	u64 dma_gen;
	/* The thread's private copy of the transfer's bytes */
	u8 dma_bounce[EDU_DMA_BUF_SIZE];

	u8 config[EDU_CONFIG_SIZE];

	/* BAR0 registers */
	u32 liveness;
	u32 fact;
	u32 status;
	u32 irq_status;
	u64 dma_src;
	u64 dma_dst;
	u64 dma_cnt;
	u64 dma_cmd;
	u8 dma_buf[EDU_DMA_BUF_SIZE];

	/* Interrupt delivery, set through VFIO_DEVICE_SET_IRQS */
	enum edu_irq_mode irq_mode;
	bool intx_masked;
	struct eventfd_ctx *intx_trigger;
	struct eventfd_ctx *msi_trigger;
	struct eventfd_ctx *req_trigger;
};

/*
 * Writable bits of the config space, byte by byte. Everything else is read
 * only. BAR0's mask makes sizing work: writing all ones reads back the size.
 */
static u8 edu_config_wmask[EDU_CONFIG_SIZE];

struct edu_parent {
	struct device dev;
	struct mdev_parent parent;
};

/* Not const: class_register() of 6.1 writes into it. */
static struct class edu_class = {
	.name = EDU_NAME,
};
static struct edu_parent *edu_parent;

static const struct vfio_device_ops edu_dev_ops;

static inline struct edu_state *to_edu(struct vfio_device *vdev)
{
	return container_of(vdev, struct edu_state, vdev);
}

static u16 edu_cfg_get16(struct edu_state *s, unsigned int off)
{
	return s->config[off] | s->config[off + 1] << 8;
}

static void edu_cfg_set16(struct edu_state *s, unsigned int off, u16 val)
{
	s->config[off] = val & 0xff;
	s->config[off + 1] = val >> 8;
}

static void edu_cfg_set32(struct edu_state *s, unsigned int off, u32 val)
{
	edu_cfg_set16(s, off, val & 0xffff);
	edu_cfg_set16(s, off + 2, val >> 16);
}

static void edu_init_config_wmask(void)
{
	u8 *m = edu_config_wmask;

	/* Command: I/O is refused (no I/O BAR), the rest a driver uses. */
	m[PCI_COMMAND] = (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
			  PCI_COMMAND_PARITY) & 0xff;
	m[PCI_COMMAND + 1] = (PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE) >> 8;
	m[PCI_CACHE_LINE_SIZE] = 0xff;
	/* BAR0: 32-bit, non-prefetchable memory, 1 MiB */
	m[PCI_BASE_ADDRESS_0 + 2] = 0xf0;
	m[PCI_BASE_ADDRESS_0 + 3] = 0xff;
	m[PCI_INTERRUPT_LINE] = 0xff;
	/* MSI: enable bit, 64-bit address, 16-bit data; one vector only */
	m[EDU_MSI_CAP + PCI_MSI_FLAGS] = PCI_MSI_FLAGS_ENABLE;
	memset(&m[EDU_MSI_CAP + PCI_MSI_ADDRESS_LO], 0xff, 8);
	m[EDU_MSI_CAP + PCI_MSI_ADDRESS_LO] = 0xfc;
	memset(&m[EDU_MSI_CAP + PCI_MSI_DATA_64], 0xff, 2);
}

/* Power-on config space; the same values QEMU's edu presents. */
static void edu_init_config(struct edu_state *s)
{
	memset(s->config, 0, sizeof(s->config));
	edu_cfg_set16(s, PCI_VENDOR_ID, EDU_VENDOR_ID);
	edu_cfg_set16(s, PCI_DEVICE_ID, EDU_DEVICE_ID);
	/* vfio-pci users find memory decoding on after open; same here. */
	edu_cfg_set16(s, PCI_COMMAND, PCI_COMMAND_MEMORY);
	edu_cfg_set16(s, PCI_STATUS, PCI_STATUS_CAP_LIST);
	s->config[PCI_REVISION_ID] = EDU_REVISION;
	edu_cfg_set16(s, PCI_CLASS_DEVICE, EDU_CLASS_OTHERS);
	s->config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	edu_cfg_set32(s, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_SPACE_MEMORY |
		      PCI_BASE_ADDRESS_MEM_TYPE_32);
	edu_cfg_set16(s, PCI_SUBSYSTEM_VENDOR_ID, EDU_SUBSYS_VENDOR_ID);
	edu_cfg_set16(s, PCI_SUBSYSTEM_ID, EDU_SUBSYS_ID);
	s->config[PCI_CAPABILITY_LIST] = EDU_MSI_CAP;
	s->config[PCI_INTERRUPT_PIN] = 1;
	s->config[EDU_MSI_CAP + PCI_CAP_LIST_ID] = PCI_CAP_ID_MSI;
	s->config[EDU_MSI_CAP + PCI_CAP_LIST_NEXT] = 0;
	edu_cfg_set16(s, EDU_MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);
}

/*
 * Register file back to power-on values. Busy bits are cleared, which cancels
 * a queued factorial or DMA (see edu_work()). Config space and the IRQ setup
 * are kept: that is what a user of vfio-pci sees across VFIO_DEVICE_RESET
 * (the PCI core saves and restores them around the reset).
 */
static void edu_reset_regs(struct edu_state *s)
{
	lockdep_assert_held(&s->lock);
	s->liveness = 0;
	s->fact = 0;
	s->status = 0;
	s->irq_status = 0;
	s->dma_src = 0;
	s->dma_dst = 0;
	s->dma_cnt = 0;
	s->dma_cmd = 0;
	/* A transfer in flight is dropped when it ends. */
	s->dma_gen++;
	memset(s->dma_buf, 0, sizeof(s->dma_buf));
	s->intx_masked = false;
}

/* INTx is a level: the device asserts it while irq_status is not zero. */
static bool edu_intx_level(struct edu_state *s)
{
	return s->irq_status && s->irq_mode != EDU_IRQ_MSI;
}

/*
 * Deliver INTx the way vfio-pci does: an asserted, enabled and unmasked line
 * signals the eventfd once and masks itself (VFIO_IRQ_INFO_AUTOMASKED); the
 * user unmasks with VFIO_IRQ_SET_ACTION_UNMASK after acknowledging.
 */
static void edu_intx_update(struct edu_state *s)
{
	lockdep_assert_held(&s->lock);
	if (s->irq_mode != EDU_IRQ_INTX || s->intx_masked ||
	    !edu_intx_level(s) ||
	    (edu_cfg_get16(s, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE))
		return;
	s->intx_masked = true;
	if (s->intx_trigger)
		eventfd_signal(s->intx_trigger);
}

static void edu_raise_irq(struct edu_state *s, u32 val)
{
	lockdep_assert_held(&s->lock);
	s->irq_status |= val;
	if (!s->irq_status)
		return;
	/* Like the model: every raise sends a message while MSI is on. */
	if (s->irq_mode == EDU_IRQ_MSI) {
		if (s->msi_trigger)
			eventfd_signal(s->msi_trigger);
		return;
	}
	edu_intx_update(s);
}

static void edu_lower_irq(struct edu_state *s, u32 val)
{
	lockdep_assert_held(&s->lock);
	s->irq_status &= ~val;
}

static u32 edu_factorial(u32 n)
{
	u32 r = 1;

	/* n! mod 2^32 is 0 from 34 on: stop early instead of looping 4G times. */
	while (n > 0 && r)
		r *= n--;
	return r;
}

/* Checks a transfer against the buffer, the address width and bus master. */
static bool edu_dma_ok(struct edu_state *s, u64 ram, u64 dev, u64 cnt)
{
	if (!(edu_cfg_get16(s, PCI_COMMAND) & PCI_COMMAND_MASTER))
		return false;
	if (cnt > EDU_DMA_BUF_SIZE || dev < EDU_DMA_BUF_START ||
	    dev - EDU_DMA_BUF_START > EDU_DMA_BUF_SIZE - cnt)
		return false;
	if (ram > s->dma_mask || cnt - 1 > s->dma_mask - ram)
		return false;
	return true;
}

/*
 * One transfer, if one was started: see "Locking" at the top for why
 * vfio_dma_rw() runs without the lock, on the bounce buffer.
 */
static void edu_do_dma(struct edu_state *s)
{
	u8 *buf = s->dma_bounce;
	bool to_ram;
	u64 ram, dev, cnt, gen;
	int ret = 0;

	mutex_lock(&s->lock);
	if (!(s->dma_cmd & EDU_DMA_RUN)) {
		mutex_unlock(&s->lock);
		return;
	}
	to_ram = s->dma_cmd & EDU_DMA_TO_RAM;
	ram = to_ram ? s->dma_dst : s->dma_src;
	dev = to_ram ? s->dma_src : s->dma_dst;
	cnt = s->dma_cnt;
	gen = s->dma_gen;
	if (cnt && !edu_dma_ok(s, ram, dev, cnt))
		ret = -EINVAL;
	else if (cnt && to_ram)
		memcpy(buf, s->dma_buf + (dev - EDU_DMA_BUF_START), cnt);
	mutex_unlock(&s->lock);

	if (!ret && cnt)
		ret = vfio_dma_rw(&s->vdev, ram, buf, cnt, to_ram);

	mutex_lock(&s->lock);
	/* Reset or close while it ran: the result belongs to nobody. */
	if (gen != s->dma_gen || !(s->dma_cmd & EDU_DMA_RUN)) {
		mutex_unlock(&s->lock);
		return;
	}
	if (!ret && cnt && !to_ram)
		memcpy(s->dma_buf + (dev - EDU_DMA_BUF_START), buf, cnt);
	if (ret) {
		dev_dbg_ratelimited(s->vdev.dev,
				    "DMA %s ram %#llx dev %#llx len %llu failed: %d\n",
				    to_ram ? "to" : "from", ram, dev, cnt, ret);
		s->dma_cmd |= EDU_DMA_ERROR;
	}
	s->dma_cmd &= ~EDU_DMA_RUN;
	/* Raised on failure too, so a driver waiting for it never hangs. */
	if (s->dma_cmd & EDU_DMA_IRQ)
		edu_raise_irq(s, EDU_IRQ_DMA);
	mutex_unlock(&s->lock);
}

static int edu_dma_thread(void *data)
{
	struct edu_state *s = data;

	/* close_device() uses it to abort a fault on user memory. */
	allow_signal(SIGKILL);
	for (;;) {
		/* Idle, not interruptible: a pending SIGKILL must not spin here. */
		wait_event_idle(s->dma_wq, kthread_should_stop() ||
				test_bit(0, &s->dma_kick));
		if (kthread_should_stop())
			break;
		clear_bit(0, &s->dma_kick);
		edu_do_dma(s);
	}
	return 0;
}

static void edu_work(struct work_struct *work)
{
	struct edu_state *s = container_of(work, struct edu_state, work);

	mutex_lock(&s->lock);
	if (s->status & EDU_STATUS_COMPUTING) {
		s->fact = edu_factorial(s->fact);
		s->status &= ~EDU_STATUS_COMPUTING;
		if (s->status & EDU_STATUS_IRQFACT)
			edu_raise_irq(s, EDU_IRQ_FACT);
	}
	mutex_unlock(&s->lock);
}

/*
 * One BAR0 access. The model accepts 4-byte accesses below 0x80 and 4- or
 * 8-byte ones from 0x80; other sizes read as all ones and writes are dropped,
 * exactly as on the model.
 */
static u64 edu_bar0_read(struct edu_state *s, u64 off, unsigned int size)
{
	u64 val = ~0ULL;

	if (size != 4 && (off < 0x80 || size != 8))
		return val;

	switch (off) {
	case EDU_REG_ID:
		val = EDU_ID_VALUE;
		break;
	case EDU_REG_LIVENESS:
		val = s->liveness;
		break;
	case EDU_REG_FACT:
		val = s->fact;
		break;
	case EDU_REG_STATUS:
		val = s->status;
		break;
	case EDU_REG_IRQ_STATUS:
		val = s->irq_status;
		break;
	case EDU_REG_DMA_SRC:
		val = s->dma_src;
		break;
	case EDU_REG_DMA_DST:
		val = s->dma_dst;
		break;
	case EDU_REG_DMA_CNT:
		val = s->dma_cnt;
		break;
	case EDU_REG_DMA_CMD:
		val = s->dma_cmd;
		break;
	}
	return val;
}

static void edu_bar0_write(struct edu_state *s, u64 off, u64 val,
			   unsigned int size)
{
	bool dma_busy = s->dma_cmd & EDU_DMA_RUN;

	if (size != 4 && (off < 0x80 || size != 8))
		return;

	switch (off) {
	case EDU_REG_LIVENESS:
		s->liveness = ~(u32)val;
		break;
	case EDU_REG_FACT:
		if (s->status & EDU_STATUS_COMPUTING)
			break;
		s->fact = val;
		s->status |= EDU_STATUS_COMPUTING;
		schedule_work(&s->work);
		break;
	case EDU_REG_STATUS:
		s->status = (s->status & ~EDU_STATUS_IRQFACT) |
			    (val & EDU_STATUS_IRQFACT);
		break;
	case EDU_REG_IRQ_RAISE:
		edu_raise_irq(s, val);
		break;
	case EDU_REG_IRQ_ACK:
		edu_lower_irq(s, val);
		break;
	case EDU_REG_DMA_SRC:
		if (!dma_busy)
			s->dma_src = val;
		break;
	case EDU_REG_DMA_DST:
		if (!dma_busy)
			s->dma_dst = val;
		break;
	case EDU_REG_DMA_CNT:
		if (!dma_busy)
			s->dma_cnt = val;
		break;
	case EDU_REG_DMA_CMD:
		if (dma_busy || !(val & EDU_DMA_RUN))
			break;
		s->dma_cmd = val & ~(u64)EDU_DMA_ERROR;
		set_bit(0, &s->dma_kick);
		wake_up(&s->dma_wq);
		break;
	}
}

static u8 edu_cfg_read8(struct edu_state *s, unsigned int off)
{
	u8 val = s->config[off];

	/* The INTx status bit follows the line, whatever the disable bit. */
	if (off == PCI_STATUS && edu_intx_level(s))
		val |= PCI_STATUS_INTERRUPT;
	return val;
}

static void edu_cfg_write8(struct edu_state *s, unsigned int off, u8 val)
{
	u8 m = edu_config_wmask[off];

	s->config[off] = (s->config[off] & ~m) | (val & m);
	/* Clearing Interrupt Disable lets a pending INTx through. */
	if (off == PCI_COMMAND + 1)
		edu_intx_update(s);
}

/*
 * One naturally aligned access of 1, 2, 4 or 8 bytes inside a region whose
 * bounds the caller checked. Data is little endian, as on the PCI bus.
 */
static int edu_access(struct edu_state *s, unsigned int index, u64 off,
		      u8 *buf, unsigned int size, bool write)
{
	unsigned int i;
	u64 val = 0;

	if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		for (i = 0; i < size; i++) {
			if (write)
				edu_cfg_write8(s, off + i, buf[i]);
			else
				buf[i] = edu_cfg_read8(s, off + i);
		}
		return 0;
	}

	/* As vfio-pci: BAR access with memory decoding off is refused. */
	if (!(edu_cfg_get16(s, PCI_COMMAND) & PCI_COMMAND_MEMORY))
		return -EIO;

	if (write) {
		for (i = 0; i < size; i++)
			val |= (u64)buf[i] << (8 * i);
		edu_bar0_write(s, off, val, size);
	} else {
		val = edu_bar0_read(s, off, size);
		for (i = 0; i < size; i++)
			buf[i] = val >> (8 * i);
	}
	return 0;
}

static u64 edu_region_size(unsigned int index)
{
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return EDU_CONFIG_SIZE;
	case VFIO_PCI_BAR0_REGION_INDEX:
		return EDU_BAR0_SIZE;
	default:
		return 0;
	}
}

static ssize_t edu_rw(struct vfio_device *vdev, char __user *ubuf,
		      size_t count, loff_t *ppos, bool write)
{
	struct edu_state *s = to_edu(vdev);
	u64 pos = *ppos;
	unsigned int index = EDU_OFFSET_TO_INDEX(pos);
	u64 off = pos & EDU_OFFSET_MASK;
	u64 size = edu_region_size(index);
	size_t done = 0;
	int ret = 0;

	if (index >= VFIO_PCI_NUM_REGIONS || off >= size || count > size - off)
		return -EINVAL;

	/*
	 * Split like vfio-pci so a program sees the same register accesses on
	 * both; 8-byte pieces are added for the registers at 0x80 and up.
	 */
	while (count) {
		unsigned int len;
		u8 tmp[8];

		if (count >= 8 && !(off % 8) &&
		    index == VFIO_PCI_BAR0_REGION_INDEX && off >= 0x80)
			len = 8;
		else if (count >= 4 && !(off % 4))
			len = 4;
		else if (count >= 2 && !(off % 2))
			len = 2;
		else
			len = 1;

		if (write && copy_from_user(tmp, ubuf + done, len)) {
			ret = -EFAULT;
			break;
		}
		mutex_lock(&s->lock);
		ret = edu_access(s, index, off, tmp, len, write);
		mutex_unlock(&s->lock);
		if (ret)
			break;
		if (!write && copy_to_user(ubuf + done, tmp, len)) {
			ret = -EFAULT;
			break;
		}
		count -= len;
		done += len;
		off += len;
	}

	*ppos += done;
	return done ? done : ret;
}

static ssize_t edu_read(struct vfio_device *vdev, char __user *buf,
			size_t count, loff_t *ppos)
{
	return edu_rw(vdev, buf, count, ppos, false);
}

static ssize_t edu_write(struct vfio_device *vdev, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	return edu_rw(vdev, (char __user *)buf, count, ppos, true);
}

static int edu_get_region_info(struct vfio_device *vdev,
			       struct vfio_region_info *info,
			       struct vfio_info_cap *caps)
{
	if (info->index >= VFIO_PCI_NUM_REGIONS ||
	    info->index == VFIO_PCI_VGA_REGION_INDEX)
		return -EINVAL;
	info->offset = EDU_INDEX_TO_OFFSET(info->index);
	info->size = edu_region_size(info->index);
	info->flags = 0;
	if (info->size)
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
	return 0;
}

static unsigned int edu_irq_count(unsigned int index)
{
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return 0;
	}
}

static int edu_get_irq_info(struct vfio_irq_info *info)
{
	switch (info->index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX:
		break;
	default:
		/* A conventional PCI function has no error reporting IRQ. */
		return -EINVAL;
	}
	info->count = edu_irq_count(info->index);
	info->flags = VFIO_IRQ_INFO_EVENTFD;
	if (info->index == VFIO_PCI_INTX_IRQ_INDEX)
		info->flags |= VFIO_IRQ_INFO_MASKABLE |
			       VFIO_IRQ_INFO_AUTOMASKED;
	else
		info->flags |= VFIO_IRQ_INFO_NORESIZE;
	return 0;
}

/* Replaces *slot by the eventfd behind fd (-1: none). */
static int edu_set_eventfd(struct eventfd_ctx **slot, s32 fd)
{
	struct eventfd_ctx *ctx = NULL;

	if (fd < -1)
		return -EINVAL;
	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	if (*slot)
		eventfd_ctx_put(*slot);
	*slot = ctx;
	return 0;
}

static void edu_put_eventfd(struct eventfd_ctx **slot)
{
	if (*slot)
		eventfd_ctx_put(*slot);
	*slot = NULL;
}

static void edu_disable_irq_mode(struct edu_state *s)
{
	u16 flags = edu_cfg_get16(s, EDU_MSI_CAP + PCI_MSI_FLAGS);

	edu_put_eventfd(&s->intx_trigger);
	edu_put_eventfd(&s->msi_trigger);
	s->irq_mode = EDU_IRQ_NONE;
	s->intx_masked = false;
	edu_cfg_set16(s, EDU_MSI_CAP + PCI_MSI_FLAGS,
		      flags & ~PCI_MSI_FLAGS_ENABLE);
}

/* NONE and BOOL data: is this a "yes"? */
static bool edu_irq_data_true(u32 flags, const u8 *data)
{
	return (flags & VFIO_IRQ_SET_DATA_NONE) || (data && data[0]);
}

/* INTx, with vfio-pci's semantics for each action and data type. */
static int edu_set_intx(struct edu_state *s, u32 flags, u32 start, u32 count,
			const void *data)
{
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	int ret;

	if (action == VFIO_IRQ_SET_ACTION_TRIGGER &&
	    s->irq_mode == EDU_IRQ_INTX && !count &&
	    (flags & VFIO_IRQ_SET_DATA_NONE)) {
		edu_disable_irq_mode(s);
		return 0;
	}
	if (start != 0 || count != 1)
		return -EINVAL;

	switch (action) {
	case VFIO_IRQ_SET_ACTION_MASK:
	case VFIO_IRQ_SET_ACTION_UNMASK:
		if (s->irq_mode != EDU_IRQ_INTX)
			return -EINVAL;
		/* Unmasking through an eventfd (KVM resampling) is not offered. */
		if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
			return -ENOTTY;
		if (!edu_irq_data_true(flags, data))
			return 0;
		s->intx_masked = action == VFIO_IRQ_SET_ACTION_MASK;
		edu_intx_update(s);
		return 0;
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		if (s->irq_mode == EDU_IRQ_MSI)
			return -EINVAL;
		if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
			ret = edu_set_eventfd(&s->intx_trigger, *(const s32 *)data);
			if (ret)
				return ret;
			if (s->irq_mode == EDU_IRQ_NONE) {
				s->irq_mode = EDU_IRQ_INTX;
				s->intx_masked = false;
			}
			edu_intx_update(s);
			return 0;
		}
		if (s->irq_mode != EDU_IRQ_INTX)
			return -EINVAL;
		if (s->intx_trigger && edu_irq_data_true(flags, data))
			eventfd_signal(s->intx_trigger);
		return 0;
	}
	return -EINVAL;
}

static int edu_set_msi(struct edu_state *s, u32 flags, u32 start, u32 count,
		       const void *data)
{
	u16 msi_flags;
	int ret;

	if ((flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) !=
	    VFIO_IRQ_SET_ACTION_TRIGGER)
		return -ENOTTY;
	if (s->irq_mode == EDU_IRQ_MSI && !count &&
	    (flags & VFIO_IRQ_SET_DATA_NONE)) {
		edu_disable_irq_mode(s);
		return 0;
	}
	if (s->irq_mode == EDU_IRQ_INTX || start != 0 || count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		ret = edu_set_eventfd(&s->msi_trigger, *(const s32 *)data);
		if (ret)
			return ret;
		s->irq_mode = EDU_IRQ_MSI;
		msi_flags = edu_cfg_get16(s, EDU_MSI_CAP + PCI_MSI_FLAGS);
		edu_cfg_set16(s, EDU_MSI_CAP + PCI_MSI_FLAGS,
			      msi_flags | PCI_MSI_FLAGS_ENABLE);
		return 0;
	}
	if (s->irq_mode != EDU_IRQ_MSI)
		return -EINVAL;
	if (s->msi_trigger && edu_irq_data_true(flags, data))
		eventfd_signal(s->msi_trigger);
	return 0;
}

static int edu_set_req(struct edu_state *s, u32 flags, u32 start, u32 count,
		       const void *data)
{
	if ((flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) !=
	    VFIO_IRQ_SET_ACTION_TRIGGER)
		return -ENOTTY;
	if (!count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		edu_put_eventfd(&s->req_trigger);
		return 0;
	}
	if (start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return edu_set_eventfd(&s->req_trigger, *(const s32 *)data);
	if (s->req_trigger && edu_irq_data_true(flags, data))
		eventfd_signal(s->req_trigger);
	return 0;
}

static long edu_ioctl_set_irqs(struct edu_state *s, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	void *data = NULL;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	/* Checks argsz, index, flags, start + count against the IRQ count. */
	ret = vfio_set_irqs_validate_and_prepare(&hdr,
						 hdr.index < VFIO_PCI_NUM_IRQS ?
						 edu_irq_count(hdr.index) : 0,
						 VFIO_PCI_NUM_IRQS, &data_size);
	if (ret)
		return ret;
	/* The helper lets several actions through; exactly one makes sense. */
	if (hweight32(hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) != 1)
		return -EINVAL;
	if (data_size) {
		data = memdup_user(arg + minsz, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}
	if ((hdr.flags & VFIO_IRQ_SET_DATA_EVENTFD) && !data) {
		/* An eventfd action needs its fd; count 0 gives none. */
		return -EINVAL;
	}

	mutex_lock(&s->lock);
	switch (hdr.index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		ret = edu_set_intx(s, hdr.flags, hdr.start, hdr.count, data);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
		ret = edu_set_msi(s, hdr.flags, hdr.start, hdr.count, data);
		break;
	case VFIO_PCI_REQ_IRQ_INDEX:
		ret = edu_set_req(s, hdr.flags, hdr.start, hdr.count, data);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	mutex_unlock(&s->lock);
	kfree(data);
	return ret;
}

static long edu_ioctl(struct vfio_device *vdev, unsigned int cmd,
		      unsigned long arg)
{
	struct edu_state *s = to_edu(vdev);
	void __user *uarg = (void __user *)arg;
	unsigned long minsz;
	int ret;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info info = {};

		minsz = offsetofend(struct vfio_device_info, num_irqs);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
		info.num_regions = VFIO_PCI_NUM_REGIONS;
		info.num_irqs = VFIO_PCI_NUM_IRQS;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
#if !EDU_REGION_INFO_OP
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info info = {};

		minsz = offsetofend(struct vfio_region_info, offset);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		ret = edu_get_region_info(vdev, &info, NULL);
		if (ret)
			return ret;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
#endif
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info info = {};

		minsz = offsetofend(struct vfio_irq_info, count);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
			return -EINVAL;
		ret = edu_get_irq_info(&info);
		if (ret)
			return ret;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_SET_IRQS:
		return edu_ioctl_set_irqs(s, uarg);
	case VFIO_DEVICE_RESET:
		mutex_lock(&s->lock);
		edu_reset_regs(s);
		mutex_unlock(&s->lock);
		return 0;
	}
	return -ENOTTY;
}

static int edu_open_device(struct vfio_device *vdev)
{
	struct edu_state *s = to_edu(vdev);
	struct task_struct *t;

	/* Every user starts from a power-on device, as with vfio-pci. */
	mutex_lock(&s->lock);
	edu_init_config(s);
	edu_reset_regs(s);
	mutex_unlock(&s->lock);

	clear_bit(0, &s->dma_kick);
	t = kthread_run(edu_dma_thread, s, "mdev-edu-dma");
	if (IS_ERR(t))
		return PTR_ERR(t);
	s->dma_thread = t;
	return 0;
}

static void edu_close_device(struct vfio_device *vdev)
{
	struct edu_state *s = to_edu(vdev);

	mutex_lock(&s->lock);
	/* Cancels queued engine work: it checks these bits under the lock. */
	s->status &= ~EDU_STATUS_COMPUTING;
	s->dma_cmd &= ~EDU_DMA_RUN;
	edu_disable_irq_mode(s);
	edu_put_eventfd(&s->req_trigger);
	s->dma_gen++;
	mutex_unlock(&s->lock);
	cancel_work_sync(&s->work);
	/*
	 * vfio_dma_rw() needs the device open: the DMA thread may not outlive
	 * close. SIGKILL first ends a wait on user memory it may be in.
	 */
	send_sig(SIGKILL, s->dma_thread, 1);
	kthread_stop(s->dma_thread);
	s->dma_thread = NULL;
}

/* Called by the VFIO core while removal waits for the user to let go. */
static void edu_request(struct vfio_device *vdev, unsigned int count)
{
	struct edu_state *s = to_edu(vdev);

	mutex_lock(&s->lock);
	if (s->req_trigger) {
		if (!(count % 10))
			dev_notice_ratelimited(vdev->dev,
					       "Relaying device request to user (#%u)\n",
					       count);
		eventfd_signal(s->req_trigger);
	} else if (count == 0) {
		dev_notice(vdev->dev,
			   "No device request channel registered, blocked until released by user\n");
	}
	mutex_unlock(&s->lock);
}

static int edu_init_dev(struct vfio_device *vdev)
{
	struct edu_state *s = to_edu(vdev);

	mutex_init(&s->lock);
	INIT_WORK(&s->work, edu_work);
	init_waitqueue_head(&s->dma_wq);
	s->dma_mask = dma_bits >= 64 ? U64_MAX : BIT_ULL(dma_bits) - 1;
	edu_init_config(s);
	return 0;
}

static void edu_release_dev(struct vfio_device *vdev)
{
	struct edu_state *s = to_edu(vdev);

	mutex_destroy(&s->lock);
	edu_compat_free_device(vdev);
}

static const struct vfio_device_ops edu_dev_ops = {
	.name = "vfio-mdev-edu",
	.init = edu_init_dev,
	.release = edu_release_dev,
	.open_device = edu_open_device,
	.close_device = edu_close_device,
	.read = edu_read,
	.write = edu_write,
	.ioctl = edu_ioctl,
#if EDU_REGION_INFO_OP
	.get_region_info_caps = edu_get_region_info,
#endif
	.request = edu_request,
#if IS_ENABLED(CONFIG_IOMMUFD)
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
#endif
};

static int edu_probe(struct mdev_device *mdev)
{
	struct edu_state *s;
	int ret;

	s = vfio_alloc_device(edu_state, vdev, &mdev->dev, &edu_dev_ops);
	if (IS_ERR(s))
		return PTR_ERR(s);

	ret = vfio_register_emulated_iommu_dev(&s->vdev);
	if (ret) {
		vfio_put_device(&s->vdev);
		return ret;
	}
	dev_set_drvdata(&mdev->dev, s);
	return 0;
}

static void edu_remove(struct mdev_device *mdev)
{
	struct edu_state *s = dev_get_drvdata(&mdev->dev);

	/* Waits for the user to close (edu_request() asks it to). */
	vfio_unregister_group_dev(&s->vdev);
	vfio_put_device(&s->vdev);
}

static ssize_t edu_show_description(struct mdev_type *mtype, char *buf)
{
	return sysfs_emit(buf,
			  "QEMU edu compatible PCI function: 1 MiB BAR0, INTx, MSI, %u-bit DMA\n",
			  dma_bits);
}

static struct mdev_type edu_type = {
	.sysfs_name = "1",
	.pretty_name = "edu",
};

static struct mdev_type *edu_types[] = {
	&edu_type,
};

static struct mdev_driver edu_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = EDU_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = edu_probe,
	.remove = edu_remove,
	.show_description = edu_show_description,
};

static void edu_parent_release(struct device *dev)
{
	kfree(container_of(dev, struct edu_parent, dev));
}

static int __init edu_init(void)
{
	int ret;

	if (!instances || instances > 256) {
		pr_err("instances=%u: must be 1-256\n", instances);
		return -EINVAL;
	}
	if (dma_bits < 12 || dma_bits > 64) {
		pr_err("dma_bits=%u: must be 12-64\n", dma_bits);
		return -EINVAL;
	}
	edu_init_config_wmask();
	edu_driver.max_instances = instances;

	ret = mdev_register_driver(&edu_driver);
	if (ret)
		return ret;

	/* The class names the type directory: "mdev_edu-1". */
	ret = class_register(&edu_class);
	if (ret)
		goto err_driver;

	edu_parent = kzalloc_obj(*edu_parent, GFP_KERNEL);
	if (!edu_parent) {
		ret = -ENOMEM;
		goto err_class;
	}
	edu_parent->dev.class = &edu_class;
	edu_parent->dev.release = edu_parent_release;
	dev_set_name(&edu_parent->dev, EDU_NAME);
	ret = device_register(&edu_parent->dev);
	if (ret) {
		put_device(&edu_parent->dev);
		goto err_class;
	}

	ret = mdev_register_parent(&edu_parent->parent, &edu_parent->dev,
				   &edu_driver, edu_types,
				   ARRAY_SIZE(edu_types));
	if (ret)
		goto err_device;
	return 0;

err_device:
	device_unregister(&edu_parent->dev);
err_class:
	class_unregister(&edu_class);
err_driver:
	mdev_unregister_driver(&edu_driver);
	return ret;
}

static void __exit edu_exit(void)
{
	/* Removes every instance first, each waiting for its user. */
	mdev_unregister_parent(&edu_parent->parent);
	device_unregister(&edu_parent->dev);
	class_unregister(&edu_class);
	mdev_unregister_driver(&edu_driver);
}

module_init(edu_init);
module_exit(edu_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Mediated VFIO PCI device modelled on QEMU's edu device");
MODULE_AUTHOR("hvutils developers");
MODULE_VERSION("0.1.0");
MODULE_SOFTDEP("pre: mdev vfio_iommu_type1");
