// SPDX-License-Identifier: GPL-2.0-only
/*
 * edu-load UUID [--seconds S] [--sessions N] [--workers K] [--remove-ms MS]
 *          [--hold-ms MS]
 *
 * Concurrent open/ioctl/remove load on one mdev-edu instance, for
 * tests/guest/pci/60-load-mdev-edu.bats. Runs for S seconds (default 8):
 *
 *  - N session processes (default 2) each loop: find the instance's IOMMU
 *    group, open a container and the group, map a shared DMA buffer and fork
 *    K workers (default 3) that share the group. VFIO lets one process at a
 *    time hold a group, so sessions also race for the group (EBUSY).
 *  - Each worker loops: VFIO_GROUP_GET_DEVICE_FD, then device/region/IRQ
 *    info, BAR0 and config reads and writes, the factorial and DMA engines,
 *    MSI and INTx eventfds, the device-request eventfd, VFIO_DEVICE_RESET,
 *    and close, holding the device for a random few ms. Once the instance is
 *    being removed, opening fails and the worker ends; the session then lets
 *    the group go and starts over with the recreated instance.
 *  - A session holds one fd of its own with the device-request eventfd (as
 *    a VMM does) and stops its workers when the kernel asks for the device;
 *    with --hold-ms MS it also lets go after MS ms and starts over, which
 *    leaves moments without any fd open (MS/4 ms) for rmmod to get through.
 *  - With --remove-ms MS (default 300; 0: never), a remover removes the
 *    instance every MS ms through its sysfs remove attribute, sometimes with
 *    two writers at once, and recreates it with the same UUID.
 *
 * Invariants checked: every ioctl that must work on an open device works,
 * the ID register always reads 0x010000ed, the engines always finish, every
 * failure is one of the errors the kernel documents for the situation
 * (counted apart), and a removal completes once the users let go. Prints
 * one "# ..." line of numbers and "edu-load: ok" or the first failures;
 * exit 0 when nothing unexpected happened, 1 otherwise, 2 on usage errors.
 */
#include "edu-vfio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#define EDU_TYPE_CREATE "/sys/class/mdev_bus/mdev_edu/mdev_supported_types/mdev_edu-1/create"
#define DMA_IOVA	0x100000u
#define DMA_SIZE	0x10000u
#define MAX_FAIL_MSGS	8

/* Counters shared by every process of the run (a MAP_SHARED page). */
struct stats {
	long opens, open_gone, group_busy, group_gone, sessions;
	long iterations, ioctls, rw, dma, dma_left, fact, irq_signals, irq_mode_conflicts;
	long requests, resets;
	long removals, double_removals, twin_ok, twin_gone, creates, remove_max_ms, remove_total_ms;
	long unexpected;
	char msgs[MAX_FAIL_MSGS][160];
};

struct run {
	const char *uuid;
	long end_ms;
	int sessions, workers, remove_ms, hold_ms;
	struct stats *st;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void add(long *c, long n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static void note_max(long *c, long v)
{
	long cur = __atomic_load_n(c, __ATOMIC_RELAXED);

	while (v > cur &&
	       !__atomic_compare_exchange_n(c, &cur, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Something the kernel must not do: counted, the first few kept verbatim. */
static void unexpected(struct stats *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void unexpected(struct stats *st, const char *fmt, ...)
{
	long n = __atomic_fetch_add(&st->unexpected, 1, __ATOMIC_RELAXED);
	va_list ap;

	if (n >= MAX_FAIL_MSGS)
		return;
	va_start(ap, fmt);
	vsnprintf(st->msgs[n], sizeof(st->msgs[n]), fmt, ap);
	va_end(ap);
}

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 8) % n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* An ioctl that must succeed on an open device. */
static int must(struct run *r, int ret, const char *what)
{
	add(&r->st->ioctls, 1);
	if (ret < 0)
		unexpected(r->st, "%s: %s", what, strerror(errno));
	return ret;
}

static void info_ioctls(struct run *r, struct edu *e)
{
	struct vfio_device_info di = {.argsz = sizeof(di)};

	if (must(r, ioctl(e->device, VFIO_DEVICE_GET_INFO, &di), "VFIO_DEVICE_GET_INFO") == 0 &&
	    (!(di.flags & VFIO_DEVICE_FLAGS_PCI) || di.num_regions != VFIO_PCI_NUM_REGIONS))
		unexpected(r->st, "device info: flags %#x, %u regions", di.flags, di.num_regions);
	for (unsigned int i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		struct vfio_region_info ri = {.argsz = sizeof(ri), .index = i};
		int ret = ioctl(e->device, VFIO_DEVICE_GET_REGION_INFO, &ri);

		add(&r->st->ioctls, 1);
		/* The VGA region does not exist on edu: EINVAL, documented. */
		if (i == VFIO_PCI_VGA_REGION_INDEX ? ret != -1 || errno != EINVAL : ret < 0)
			unexpected(r->st, "region info %u: %s", i,
				   ret ? strerror(errno) : "no error");
		else if (i == VFIO_PCI_BAR0_REGION_INDEX && ri.size != 0x100000)
			unexpected(r->st, "BAR0 size %#llx", (unsigned long long)ri.size);
		if (!ret && i == VFIO_PCI_BAR0_REGION_INDEX)
			e->bar0_off = ri.offset;
		if (!ret && i == VFIO_PCI_CONFIG_REGION_INDEX)
			e->cfg_off = ri.offset;
	}
	for (unsigned int i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		struct vfio_irq_info ii = {.argsz = sizeof(ii), .index = i};
		int ret = ioctl(e->device, VFIO_DEVICE_GET_IRQ_INFO, &ii);

		add(&r->st->ioctls, 1);
		if (i == VFIO_PCI_ERR_IRQ_INDEX ? ret != -1 || errno != EINVAL : ret < 0)
			unexpected(r->st, "IRQ info %u: %s", i, ret ? strerror(errno) : "no error");
	}
}

/* Polls a BAR0 register; the engines run in a work item, so they must end. */
static void engine_wait(struct run *r, struct edu *e, unsigned int reg, uint32_t bit,
			const char *what)
{
	if (edu_wait_reg(e, reg, bit, 0, 3000))
		unexpected(r->st, "%s still busy after 3 s (register %#x = %#x)", what, reg,
			   edu_rd(e, reg));
}

/*
 * An eventfd per IRQ kind. Several workers share the device and switch its
 * IRQ mode under each other, so EINVAL (the other mode is on) is expected
 * and counted; anything else is not.
 */
static void irq_ops(struct run *r, struct edu *e, int efd, unsigned int index)
{
	int ret = edu_set_irq_eventfd(e, index, efd);

	add(&r->st->ioctls, 1);
	if (ret == -EINVAL) {
		add(&r->st->irq_mode_conflicts, 1);
		return;
	}
	if (ret) {
		unexpected(r->st, "SET_IRQS eventfd index %u: %s", index, strerror(-ret));
		return;
	}
	edu_wr(e, EDU_REG_IRQ_RAISE, 0x1000);
	if (index == VFIO_PCI_INTX_IRQ_INDEX) {
		edu_wr(e, EDU_REG_IRQ_ACK, 0x1000);
		/* EINVAL when another worker switched to MSI in between. */
		ret = edu_unmask_intx(e);
		if (ret && ret != -EINVAL)
			unexpected(r->st, "INTx unmask: %s", strerror(-ret));
	} else {
		edu_wr(e, EDU_REG_IRQ_ACK, 0x1000);
	}
	if (edu_wait_eventfd(efd, 0))
		add(&r->st->irq_signals, 1);
	ret = edu_disable_irq(e, index);
	add(&r->st->ioctls, 1);
	if (ret && ret != -EINVAL)
		unexpected(r->st, "SET_IRQS disable index %u: %s", index, strerror(-ret));
}

/* One open, a round of everything, one close. 0, or -1 when the device is gone. */
static int worker_round(struct run *r, struct edu *e, int grp, int irq, unsigned int *seed, int wid)
{
	uint32_t v;
	int dev;

	dev = ioctl(grp, VFIO_GROUP_GET_DEVICE_FD, r->uuid);
	if (dev < 0) {
		/* Removal or unload started (the group lost its device, or the
		 * module is going away): documented. */
		if (errno == ENODEV || errno == EINVAL) {
			add(&r->st->open_gone, 1);
			return -1;
		}
		unexpected(r->st, "VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
		return -1;
	}
	add(&r->st->opens, 1);
	e->device = dev;
	info_ioctls(r, e);

	for (int k = 0; k < 4; k++) {
		v = edu_rd(e, EDU_REG_ID);
		add(&r->st->rw, 1);
		if (v != 0x010000ed)
			unexpected(r->st, "ID register read %#x", v);
		edu_wr(e, EDU_REG_LIVENESS, (uint32_t)(wid << 16 | k));
		edu_rd(e, EDU_REG_LIVENESS);
		if (edu_cfg_r16(e, PCI_VENDOR_ID) != 0x1234)
			unexpected(r->st, "config vendor id changed");
		add(&r->st->rw, 3);
	}
	if (edu_enable(e))
		unexpected(r->st, "enabling memory and bus master: %s", strerror(errno));

	switch (rnd(seed, 7)) {
	case 0:
		edu_wr(e, EDU_REG_FACT, 5 + rnd(seed, 8));
		engine_wait(r, e, EDU_REG_STATUS, 1, "factorial");
		add(&r->st->fact, 1);
		break;
	case 1: {
		/* Each worker has its own slice of the shared buffer. */
		uint32_t iova = DMA_IOVA + (uint32_t)(wid % 16) * (DMA_SIZE / 16);

		edu_dma(e, iova, EDU_DMA_BUF, 64, EDU_DMA_IRQ, 3000);
		engine_wait(r, e, EDU_REG_DMA_CMD, EDU_DMA_RUN, "DMA to the device");
		edu_dma(e, EDU_DMA_BUF, iova + 64, 64, EDU_DMA_TO_RAM, 3000);
		engine_wait(r, e, EDU_REG_DMA_CMD, EDU_DMA_RUN, "DMA to RAM");
		add(&r->st->dma, 2);
		break;
	}
	case 2:
		irq_ops(r, e, irq, VFIO_PCI_MSI_IRQ_INDEX);
		break;
	case 3:
		irq_ops(r, e, irq, VFIO_PCI_INTX_IRQ_INDEX);
		break;
	case 4:
		must(r, ioctl(dev, VFIO_DEVICE_RESET), "VFIO_DEVICE_RESET");
		add(&r->st->resets, 1);
		break;
	case 5:
		/* A factorial left running when the device is closed. */
		edu_wr(e, EDU_REG_FACT, 12);
		break;
	default:
		/* A DMA left running at close (the last close: see session_round()). */
		edu_wr(e, EDU_REG_DMA_SRC, DMA_IOVA);
		edu_wr(e, EDU_REG_DMA_DST, EDU_DMA_BUF);
		edu_wr(e, EDU_REG_DMA_CNT, EDU_DMA_BUF_SIZE);
		edu_wr(e, EDU_REG_DMA_CMD, EDU_DMA_RUN | EDU_DMA_IRQ);
		close(dev);
		e->device = -1;
		add(&r->st->iterations, 1);
		add(&r->st->dma_left, 1);
		return 0;
	}

	/* Hold the device a little, so that removals find users. */
	sleep_ms(rnd(seed, 15));
	/* Not unregistering the eventfds: close must drop them all. */
	close(dev);
	e->device = -1;
	add(&r->st->iterations, 1);
	return 0;
}

/*
 * Opens and closes the device until the session says stop (the instance is
 * being removed) or the time is up. The VFIO core lets a group's user open
 * the device again as long as another of its fds is open, even during a
 * removal, so users that did not stop on the request would starve it.
 */
static void worker(struct run *r, struct edu *e, const int *stop, int wid)
{
	unsigned int seed = (unsigned int)getpid() * 2654435761u;
	int irq = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (irq < 0) {
		unexpected(r->st, "eventfd: %s", strerror(errno));
		_exit(1);
	}
	while (!__atomic_load_n(stop, __ATOMIC_RELAXED) && now_ms() < r->end_ms &&
	       !worker_round(r, e, e->group, irq, &seed, wid))
		;
	_exit(0);
}

/* The instance's group node, or -errno. */
static int find_group(const char *uuid, char *path, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/mdev/devices/%s/iommu_group", uuid);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(path, len, "/dev/vfio/%.16s", base ? base + 1 : target);
	return 0;
}

/*
 * One session: the group for as long as the instance lives. Returns after
 * its workers ended. Errors of the group and container setup that a removal
 * in progress explains are counted, not failures.
 */
static void session_round(struct run *r, int sid)
{
	struct vfio_group_status gs = {.argsz = sizeof(gs)};
	struct vfio_iommu_type1_dma_map m = {.argsz = sizeof(m)};
	struct edu e = {
	    .name = r->uuid, .is_mdev = true, .container = -1, .group = -1, .device = -1};
	char group[PATH_MAX];
	void *mem = MAP_FAILED;
	int *stop = MAP_FAILED;
	pid_t pids[64];
	int n = 0, ret, owner = -1, req = -1;
	long t0;

	ret = find_group(r->uuid, group, sizeof(group));
	if (ret) {
		add(&r->st->group_gone, 1);
		sleep_ms(5);
		return;
	}
	e.container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (e.container < 0) {
		unexpected(r->st, "open /dev/vfio/vfio: %s", strerror(errno));
		sleep_ms(50);
		return;
	}
	e.group = open(group, O_RDWR | O_CLOEXEC);
	if (e.group < 0) {
		/* EBUSY: the other session holds it; ENOENT: removed meanwhile. */
		if (errno == EBUSY)
			add(&r->st->group_busy, 1);
		else if (errno == ENOENT || errno == ENODEV)
			add(&r->st->group_gone, 1);
		else
			unexpected(r->st, "open %s: %s", group, strerror(errno));
		sleep_ms(5);
		goto out;
	}
	if (ioctl(e.group, VFIO_GROUP_GET_STATUS, &gs) < 0 ||
	    !(gs.flags & VFIO_GROUP_FLAGS_VIABLE) ||
	    ioctl(e.group, VFIO_GROUP_SET_CONTAINER, &e.container) < 0 ||
	    ioctl(e.container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) < 0) {
		/* A group whose device went away is no longer viable. */
		if (errno == ENODEV || errno == EINVAL || errno == EPERM ||
		    !(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
			add(&r->st->group_gone, 1);
		else
			unexpected(r->st, "setting up %s: %s", group, strerror(errno));
		goto out;
	}
	add(&r->st->sessions, 1);
	/* Shared, so the workers see what the device wrote into the session's mm. */
	mem = mmap(NULL, DMA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		unexpected(r->st, "mmap: %s", strerror(errno));
		goto out;
	}
	m.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	m.vaddr = (uintptr_t)mem;
	m.iova = DMA_IOVA;
	m.size = DMA_SIZE;
	if (ioctl(e.container, VFIO_IOMMU_MAP_DMA, &m) < 0) {
		unexpected(r->st, "VFIO_IOMMU_MAP_DMA: %s", strerror(errno));
		goto out;
	}
	/*
	 * Like a VMM, the session owns the device: it holds one fd with the
	 * request eventfd for as long as the instance lives and, when the
	 * kernel asks for the device back, tells its workers to stop.
	 */
	owner = ioctl(e.group, VFIO_GROUP_GET_DEVICE_FD, r->uuid);
	if (owner < 0) {
		if (errno == ENODEV || errno == EINVAL)
			add(&r->st->open_gone, 1);
		else
			unexpected(r->st, "VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
		goto out;
	}
	add(&r->st->opens, 1);
	req = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	stop = mmap(NULL, sizeof(*stop), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (req < 0 || stop == MAP_FAILED) {
		unexpected(r->st, "eventfd or mmap: %s", strerror(errno));
		goto out;
	}
	*stop = 0;
	e.device = owner;
	ret = edu_set_irq_eventfd(&e, VFIO_PCI_REQ_IRQ_INDEX, req);
	e.device = -1;
	if (ret)
		unexpected(r->st, "SET_IRQS request eventfd: %s", strerror(-ret));
	for (int i = 0; i < r->workers && n < 64; i++) {
		pid_t p = fork();

		if (p == 0)
			worker(r, &e, stop, sid * 16 + i);
		if (p > 0)
			pids[n++] = p;
	}
	t0 = now_ms();
	for (int i = 0; i < n;) {
		if (r->hold_ms && now_ms() - t0 > r->hold_ms)
			__atomic_store_n(stop, 1, __ATOMIC_RELAXED);
		if (waitpid(pids[i], NULL, WNOHANG) == pids[i]) {
			i++;
			continue;
		}
		if (edu_wait_eventfd(req, 10)) {
			add(&r->st->requests, 1);
			__atomic_store_n(stop, 1, __ATOMIC_RELAXED);
		}
	}
	/*
	 * The owner's close is the last one: leave a DMA and a factorial
	 * running, so that closing has to cancel them. An engine that outlived
	 * it would touch a closed device (vfio_dma_rw() warns) or, after a
	 * removal, freed memory.
	 */
	e.device = owner;
	if (edu_enable(&e) == 0) {
		edu_wr(&e, EDU_REG_DMA_SRC, DMA_IOVA);
		edu_wr(&e, EDU_REG_DMA_DST, EDU_DMA_BUF);
		edu_wr(&e, EDU_REG_DMA_CNT, EDU_DMA_BUF_SIZE);
		edu_wr(&e, EDU_REG_DMA_CMD, EDU_DMA_RUN | EDU_DMA_IRQ);
		edu_wr(&e, EDU_REG_FACT, 20);
		add(&r->st->dma_left, 1);
	}
	e.device = -1;
out:
	if (owner >= 0)
		close(owner);
	if (req >= 0)
		close(req);
	if (stop != MAP_FAILED)
		munmap(stop, sizeof(*stop));
	/* A moment without any fd open, as a VMM between two guests. */
	if (r->hold_ms && n)
		sleep_ms(r->hold_ms / 4);
	if (mem != MAP_FAILED)
		munmap(mem, DMA_SIZE);
	edu_close(&e);
}

static void session(struct run *r, int sid)
{
	while (now_ms() < r->end_ms)
		session_round(r, sid);
	_exit(0);
}

static int write_attr(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

static void remover(struct run *r)
{
	char rm[PATH_MAX + 8], dir[PATH_MAX];
	unsigned int seed = (unsigned int)getpid();
	int ret;

	snprintf(dir, sizeof(dir), "/sys/bus/mdev/devices/%s", r->uuid);
	snprintf(rm, sizeof(rm), "%s/remove", dir);
	while (now_ms() + r->remove_ms < r->end_ms) {
		long t0;
		pid_t twin = -1;

		sleep_ms(r->remove_ms / 2 + rnd(&seed, (unsigned int)r->remove_ms));
		t0 = now_ms();
		/* Every third time a second writer removes the same instance. */
		if (!rnd(&seed, 3)) {
			twin = fork();
			if (twin == 0) {
				ret = write_attr(rm, "1");
				/* Losing the race: the attribute is gone or says so. */
				if (!ret)
					add(&r->st->twin_ok, 1);
				else if (ret == -ENOENT || ret == -ENODEV)
					add(&r->st->twin_gone, 1);
				else
					unexpected(r->st, "second remove: %s", strerror(-ret));
				_exit(0);
			}
		}
		ret = write_attr(rm, "1");
		if (ret && !(twin > 0 && (ret == -ENOENT || ret == -ENODEV)))
			unexpected(r->st, "remove: %s", strerror(-ret));
		if (twin > 0) {
			waitpid(twin, NULL, 0);
			add(&r->st->double_removals, 1);
		}
		t0 = now_ms() - t0;
		note_max(&r->st->remove_max_ms, t0);
		add(&r->st->remove_total_ms, t0);
		add(&r->st->removals, 1);
		if (access(dir, F_OK) == 0)
			unexpected(r->st, "instance still there after its removal returned");
		ret = write_attr(EDU_TYPE_CREATE, r->uuid);
		if (ret)
			unexpected(r->st, "create %s: %s", r->uuid, strerror(-ret));
		else
			add(&r->st->creates, 1);
	}
	_exit(0);
}

static int usage(void)
{
	fprintf(stderr, "usage: edu-load MDEV-UUID [--seconds S] [--sessions N] [--workers K] "
			"[--remove-ms MS] [--hold-ms MS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct run r = {.sessions = 2, .workers = 3, .remove_ms = 300};
	pid_t pids[16];
	int n = 0, seconds = 8;
	long t0;
	struct stats *st;

	if (argc < 2 || argv[1][0] == '-')
		return usage();
	r.uuid = argv[1];
	for (int i = 2; i < argc; i += 2) {
		int *dst = !strcmp(argv[i], "--seconds")     ? &seconds
			   : !strcmp(argv[i], "--sessions")  ? &r.sessions
			   : !strcmp(argv[i], "--workers")   ? &r.workers
			   : !strcmp(argv[i], "--remove-ms") ? &r.remove_ms
			   : !strcmp(argv[i], "--hold-ms")   ? &r.hold_ms
							     : NULL;
		char *end;

		if (!dst || i + 1 >= argc)
			return usage();
		*dst = (int)strtol(argv[i + 1], &end, 10);
		if (*end || *dst < 0)
			return usage();
	}
	if (r.sessions < 1 || r.sessions > 8 || r.workers < 1 || r.workers > 16)
		return usage();
	if (access("/sys/bus/mdev/devices", F_OK) ||
	    find_group(r.uuid, (char[PATH_MAX]){0}, PATH_MAX)) {
		fprintf(stderr, "edu-load: %s: no such mdev instance\n", r.uuid);
		return 3;
	}
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		return 1;
	memset(st, 0, sizeof(*st));
	r.st = st;
	t0 = now_ms();
	r.end_ms = t0 + seconds * 1000L;
	fflush(stdout);
	for (int i = 0; i < r.sessions; i++) {
		pid_t p = fork();

		if (p == 0)
			session(&r, i);
		if (p > 0)
			pids[n++] = p;
	}
	if (r.remove_ms) {
		pid_t p = fork();

		if (p == 0)
			remover(&r);
		if (p > 0)
			pids[n++] = p;
	}
	for (int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);

	printf("# %ld ms: %ld opens, %ld rounds, %ld ioctls, %ld register accesses, %ld DMA, "
	       "%ld left running at close, %ld factorials, %ld resets, %ld IRQ signals, "
	       "%ld IRQ mode conflicts, %ld requests seen; %ld sessions, "
	       "%ld group busy, %ld group gone, %ld opens "
	       "refused (removing); %ld removals (%ld doubled: the second writer %ld times "
	       "ok, %ld times ENOENT; max %ld ms, avg %ld ms), %ld creates\n",
	       now_ms() - t0, st->opens, st->iterations, st->ioctls, st->rw, st->dma, st->dma_left,
	       st->fact, st->resets, st->irq_signals, st->irq_mode_conflicts, st->requests,
	       st->sessions, st->group_busy, st->group_gone, st->open_gone, st->removals,
	       st->double_removals, st->twin_ok, st->twin_gone, st->remove_max_ms,
	       st->removals ? st->remove_total_ms / st->removals : 0, st->creates);
	for (long i = 0; i < st->unexpected && i < MAX_FAIL_MSGS; i++)
		printf("edu-load: unexpected: %s\n", st->msgs[i]);
	if (st->unexpected) {
		printf("edu-load: %ld unexpected results\n", st->unexpected);
		return 1;
	}
	printf("edu-load: ok\n");
	return 0;
}
