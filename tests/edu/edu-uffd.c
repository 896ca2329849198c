// SPDX-License-Identifier: GPL-2.0-only
/*
 * edu-uffd: an mdev-edu DMA that faults on user memory behind a userfaultfd
 * nobody resolves, then the device is used and closed (or its user exits).
 *
 * The DMA buffer is registered with a userfaultfd (missing pages) and the
 * only other holder of that userfaultfd is a child that never answers and
 * exits after --hold seconds, which keeps every run bounded: once it exits
 * the fault is resolved with a zero page and whatever waited on it goes on.
 * A transfer to RAM is started, then the program reads the DMA command
 * register and closes the device (or, with --exit, a child does all of this
 * and exits with its descriptors open), timing each step. The device must
 * answer and close while the transfer is stuck: a step that takes --limit
 * seconds or more (it waited for the holder) is a failure.
 *
 * Output: one line per step, "edu-uffd: ok" at the end and exit 0; 1 when a
 * step was too slow, 2 when the set-up failed. The holder's pid is printed
 * first so that a caller can kill it early.
 */
#include "edu-vfio.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DMA_IOVA 0x100000u
#define DMA_SIZE 0x4000u

struct opts {
	const char *dev;
	int hold_s, limit_s;
	int exit_mode;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int usage(void)
{
	fprintf(stderr, "usage: edu-uffd UUID [--hold SECONDS] [--limit SECONDS] [--exit]\n");
	return 2;
}

static int parse_secs(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 3600)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int i;

	o->hold_s = 15;
	o->limit_s = 3;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--exit")) {
			o->exit_mode = 1;
		} else if (!strcmp(argv[i], "--hold") && i + 1 < argc) {
			if (parse_secs(argv[++i], &o->hold_s))
				return -1;
		} else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
			if (parse_secs(argv[++i], &o->limit_s))
				return -1;
		} else if (argv[i][0] != '-' && !o->dev) {
			o->dev = argv[i];
		} else {
			return -1;
		}
	}
	return o->dev && o->limit_s < o->hold_s ? 0 : -1;
}

/* Anonymous memory whose missing pages are reported to a userfaultfd. */
static int uffd_region(void **mem)
{
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg = {.mode = UFFDIO_REGISTER_MODE_MISSING};
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		fprintf(stderr, "edu-uffd: userfaultfd: %s\n", strerror(errno));
		return -1;
	}
	*mem = mmap(NULL, DMA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (unsigned long)*mem;
	reg.range.len = DMA_SIZE;
	if (*mem == MAP_FAILED || ioctl(fd, UFFDIO_API, &api) < 0 ||
	    ioctl(fd, UFFDIO_REGISTER, &reg) < 0) {
		fprintf(stderr, "edu-uffd: userfaultfd set-up: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A child that holds the userfaultfd, never answers it and exits later. */
static pid_t start_holder(int uffd, int hold_s)
{
	pid_t pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	/* Nothing else of ours stays open here: a caller's pipe must close. */
	for (fd = 0; fd < 1024; fd++)
		if (fd != uffd)
			close(fd);
	sleep((unsigned int)hold_s);
	_exit(0);
}

static int map_dma(struct edu *e, void *mem)
{
	struct vfio_iommu_type1_dma_map m = {.argsz = sizeof(m)};

	m.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	m.vaddr = (uintptr_t)mem;
	m.iova = DMA_IOVA;
	m.size = DMA_SIZE;
	if (ioctl(e->container, VFIO_IOMMU_MAP_DMA, &m) < 0) {
		fprintf(stderr, "edu-uffd: VFIO_IOMMU_MAP_DMA: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Opens the device and starts a transfer into the registered memory. */
static int start_stuck_dma(struct edu *e, const char *dev, void *mem)
{
	if (edu_open(e, dev) || edu_enable(e) || map_dma(e, mem))
		return -1;
	if (edu_wr(e, EDU_REG_DMA_SRC, EDU_DMA_BUF) || edu_wr(e, EDU_REG_DMA_DST, DMA_IOVA) ||
	    edu_wr(e, EDU_REG_DMA_CNT, EDU_DMA_BUF_SIZE) ||
	    edu_wr(e, EDU_REG_DMA_CMD, EDU_DMA_RUN | EDU_DMA_TO_RAM)) {
		fprintf(stderr, "edu-uffd: starting the DMA failed\n");
		return -1;
	}
	/* Time for the engine to reach the missing page and wait there. */
	usleep(300 * 1000);
	return 0;
}

static int step(const char *what, long t0, const struct opts *o)
{
	long ms = now_ms() - t0;
	int slow = ms >= o->limit_s * 1000L;

	printf("edu-uffd: %s took %ld ms%s\n", what, ms, slow ? " (waited for the fault)" : "");
	return slow;
}

/*
 * The userfaultfd over the DMA memory, handed to the holder and closed
 * here: from then on only the holder keeps it alive.
 */
static int setup(const struct opts *o, void **mem)
{
	pid_t holder;
	int uffd = uffd_region(mem);

	if (uffd < 0)
		return -1;
	holder = start_holder(uffd, o->hold_s);
	close(uffd);
	if (holder < 0) {
		fprintf(stderr, "edu-uffd: fork: %s\n", strerror(errno));
		return -1;
	}
	printf("edu-uffd: holder %d keeps the userfaultfd unanswered for %d s\n", (int)holder,
	       o->hold_s);
	return 0;
}

static int run_here(const struct opts *o)
{
	struct edu e;
	void *mem;
	uint32_t cmd;
	int slow = 0;
	long t0;

	if (setup(o, &mem))
		return 2;
	if (start_stuck_dma(&e, o->dev, mem)) {
		edu_close(&e);
		return 2;
	}
	t0 = now_ms();
	cmd = edu_rd(&e, EDU_REG_DMA_CMD);
	slow |= step("a register read during the DMA", t0, o);
	printf("edu-uffd: DMA command register %#x (%s)\n", cmd,
	       cmd & EDU_DMA_RUN ? "transfer still waiting on the fault" : "transfer done");
	t0 = now_ms();
	edu_close(&e);
	slow |= step("close", t0, o);
	return slow;
}

static int run_exit(const struct opts *o)
{
	long *exit_at =
	    mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status = 0;
	pid_t pid;

	if (exit_at == MAP_FAILED)
		return 2;
	*exit_at = 0;
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		struct edu e;
		void *mem;

		/* The registration is per process: this child makes its own. */
		if (setup(o, &mem) || start_stuck_dma(&e, o->dev, mem))
			_exit(2);
		/* Exits with the device, group and container open. */
		*exit_at = now_ms();
		_exit(0);
	}
	/* Reaped once its exit released every file: that is what is timed. */
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) || !*exit_at)
		return 2;
	return step("exiting with the device open", *exit_at, o);
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	int ret;

	if (parse(argc, argv, &o))
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = o.exit_mode ? run_exit(&o) : run_here(&o);
	if (ret == 0)
		printf("edu-uffd: ok\n");
	else if (ret == 2)
		fprintf(stderr, "edu-uffd: set-up failed\n");
	return ret;
}
