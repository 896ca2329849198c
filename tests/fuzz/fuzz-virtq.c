// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lguest-run's device models as an untrusted guest sees them: the input is
 * a script of guest actions (stores into guest RAM, port reads and writes,
 * and shortcuts that build descriptors and avail entries where the queue
 * currently lives) run against virtio-blk (slot 1, over a memfd disk) and
 * virtio-rng (slot 2) through the same entry points the vCPU's port exits
 * use: lg_pci_io (config space), lg_virtio_io (legacy registers; a notify
 * walks the rings with lg_vq_pop/lg_vq_push), lg_uart_io, lg_rtc_io.
 *
 * With the first byte's bit 7 set, a virtio-9p device (--share of a
 * scratch directory, read-only) is slot 3, and an action's device byte
 * with bit 7 set picks it: chains become 9P requests gathered, answered by
 * p9.c and scattered back (tests/fuzz/fuzz-p9.c fuzzes the messages
 * themselves).
 *
 * Checked: no access outside guest RAM (ASan on a buffer of exactly the
 * RAM's size), and, for a notify whose chains cannot rewrite the rings,
 * the used ring gets one element per chain taken, in order, whose id is
 * that chain's head and whose len is no more than the chain's writable
 * bytes (exactly them for rng). Guest RAM is 64 KiB low + 16 KiB at 4 GiB.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "lguest-run.h"

#define LOW	     (64u << 10)
#define HIGH	     (16u << 10)
#define DISK_SECTORS 8

struct harness {
	uint8_t *ram;
	int disk_fd, null_fd;
	char share[64];
};
/* Set up once: the RAM buffer, the disk and the UART's sink. */
static struct harness h;

static int check_irq_line(struct lg *lg, unsigned irq, int level)
{
	(void)lg;
	/* Only the lines lg_virtio_add wires (10, 11, 5) and the UART's (4). */
	FUZZ_CHECK((irq == 10 || irq == 11 || irq == 5 || irq == 4) && (level == 0 || level == 1));
	return 0;
}

static void cleanup(void)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/file", h.share);
	unlink(path);
	rmdir(h.share);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	h.ram = malloc(LOW + HIGH);
	h.disk_fd = memfd_create("fuzz-virtq-disk", MFD_CLOEXEC);
	h.null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	snprintf(h.share, sizeof(h.share), "/tmp/hv-fuzz-virtq-XXXXXX");
	if (!h.ram || h.disk_fd < 0 || h.null_fd < 0 ||
	    ftruncate(h.disk_fd, DISK_SECTORS * 512) < 0 || !mkdtemp(h.share))
		return -1;
	atexit(cleanup);
	{
		char path[96];
		int fd;

		snprintf(path, sizeof(path), "%s/file", h.share);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, "hello\n", 6) != 6)
			return -1;
		close(fd);
	}
	return 0;
}

/* The input, consumed front to back; reads past the end give zeros. */
struct in {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct in *in, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n && in->left; i++, in->left--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

/* The host pointer of a guest-physical address the harness itself writes. */
static uint8_t *ram_at(struct lg *lg, uint64_t gpa, uint64_t len)
{
	return lg_gpa(lg, gpa, len);
}

/* One chain as the harness reads it from the rings before a notify. */
struct expect {
	uint16_t head;
	uint64_t writable;
	bool ok;
};

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * Reads the chains the device will take, by the virtio 1.0 legacy rules
 * (independently of lg_vq_pop). Returns how many are predicted, or -1 if a
 * writable buffer of one of them covers the rings: the device then changes
 * what it reads next, and only memory safety is checked.
 */
static int predict(struct lg *lg, struct lg_virtq *q, struct expect *e, unsigned max)
{
	uint64_t ring_len = q->used + 4 + 8ULL * q->size - q->desc;
	uint16_t *avail = (uint16_t *)ram_at(lg, q->avail, 4 + 2ULL * q->size);
	uint16_t pending = avail[1] - q->last_avail;
	unsigned n = 0;

	if (pending > q->size)
		return 0;
	for (uint16_t k = 0; k < pending && n < max; k++, n++) {
		uint16_t i = avail[2 + (uint16_t)(q->last_avail + k) % q->size];
		unsigned steps = 0;

		e[n] = (struct expect){.head = i, .ok = true};
		for (;;) {
			uint8_t *d;
			uint64_t addr;
			uint32_t len;
			uint16_t flags;

			if (i >= q->size || steps++ >= q->size || steps > 130) {
				e[n].ok = false;
				break;
			}
			d = ram_at(lg, q->desc + 16ULL * i, 16);
			memcpy(&addr, d, 8);
			memcpy(&len, d + 8, 4);
			memcpy(&flags, d + 12, 2);
			memcpy(&i, d + 14, 2);
			if ((flags & 4) || !lg_gpa(lg, addr, len)) {
				e[n].ok = false;
				break;
			}
			if (flags & 2) {
				if (overlaps(addr, len, q->desc, ring_len))
					return -1;
				e[n].writable += len;
			}
			if (!(flags & 1))
				break;
		}
		if (!e[n].ok)
			return (int)n + 1; /* the device stops at the broken one */
	}
	return (int)n;
}

/*
 * True if another device may take v's notify (the guest moved a BAR over
 * v's, or turned v's decoding off) or shares a ring with v: its chains and
 * writes then land in v's rings, and only memory safety is checked.
 */
static bool shared(struct lg *lg, struct lg_virtio *v)
{
	const struct lg_virtq *q = &v->vq[0];
	uint16_t port = v->io_base + 16;
	bool before = true;

	for (unsigned i = 0; i < lg->nvirtio; i++) {
		struct lg_virtio *w = lg->virtio[i];
		const struct lg_virtq *o = &w->vq[0];

		if (w == v) {
			before = false;
			continue;
		}
		/* lg_virtio_io hands a port to the first device decoding it. */
		if (before && (w->command & 1) && port >= w->io_base && port < w->io_base + 0x100)
			return true;
		if (o->pfn && overlaps(o->desc, o->used + 4 + 8ULL * o->size - o->desc, q->desc,
				       q->used + 4 + 8ULL * q->size - q->desc))
			return true;
	}
	return !(v->command & 1) || port < v->io_base;
}

static void notify(struct lg *lg, struct lg_virtio *v)
{
	struct lg_virtq *q = &v->vq[0];
	struct expect e[128];
	uint16_t used_before = 0, avail_before = q->last_avail;
	bool broken_before = v->status & 0x40;
	uint8_t val[2] = {0, 0};
	uint16_t *used;
	int n = -1;

	if (q->pfn && !broken_before && !shared(lg, v)) {
		used = (uint16_t *)ram_at(lg, q->used, 4 + 8ULL * q->size);
		used_before = used[1];
		n = predict(lg, q, e, 128);
	}
	lg_virtio_io(lg, v->io_base + 16, true, 2, val);
	if (n < 0)
		return;
	/* Every chain the device took (the last one may have been broken) is used once. */
	used = (uint16_t *)ram_at(lg, q->used, 4 + 8ULL * q->size);
	{
		uint16_t taken = q->last_avail - avail_before, got = used[1] - used_before;
		bool broke = v->status & 0x40;

		FUZZ_CHECK(taken <= (unsigned)n || (n == 128 && taken <= q->size));
		/* A broken chain is taken from avail but never used. */
		FUZZ_CHECK(broke && taken ? got + 1 == taken : got == taken);
		for (uint16_t k = 0; k < got && k < (unsigned)n; k++) {
			uint8_t *el =
			    (uint8_t *)(used + 2) + 8 * ((uint16_t)(used_before + k) % q->size);
			uint32_t id, len;

			memcpy(&id, el, 4);
			memcpy(&len, el + 4, 4);
			FUZZ_CHECK(e[k].ok && id == e[k].head && id < q->size);
			FUZZ_CHECK(len <= e[k].writable);
			if (v->ops->type == 4)
				FUZZ_CHECK(len == e[k].writable);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	struct lg_block_opt opt = {.path = "fuzz-disk", .ro = false};
	struct lg *lg = calloc(1, sizeof(*lg));
	struct lg_virtio *blk, *rng, *p9 = NULL;
	char path[64];
	unsigned ops = 0;
	uint8_t first;

	FUZZ_CHECK(lg && h.ram);
	lg->irq_line = check_irq_line;
	/* A fresh, zeroed disk per input: runs must not depend on earlier ones. */
	FUZZ_CHECK(ftruncate(h.disk_fd, 0) == 0 && ftruncate(h.disk_fd, DISK_SECTORS * 512) == 0);
	memset(h.ram, 0, LOW + HIGH);
	lg->mem =
	    (struct lg_mem){.base = h.ram, .size = LOW + HIGH, .low_size = LOW, .high_size = HIGH};
	lg->vm_fd = -1;
	lg_uart_init(lg);
	lg->uart.out_fd = h.null_fd;
	lg_rtc_init(lg);

	first = take(&in, 1);
	opt.ro = first & 1;
	/* The real lg_blk_open and lg_blk_add, over the memfd by its /proc name. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", h.disk_fd);
	opt.path = path;
	FUZZ_CHECK(lg_blk_open(&opt) == 0 && lg_blk_add(lg, &opt) == 0);
	FUZZ_CHECK(lg_rng_add(lg) == 0);
	blk = lg->virtio[0];
	rng = lg->virtio[1];
	FUZZ_CHECK(blk->capacity == DISK_SECTORS);
	if (first & 0x80) {
		struct lg_share_opt share = {.fd = -1};

		FUZZ_CHECK(lg_share_parse(&share, h.share, 0) == 0 && lg_share_open(&share) == 0 &&
			   lg_9p_add(lg, &share) == 0);
		free((char *)share.path);
		p9 = lg->virtio[2];
	}

	while (in.left && ops++ < 256) {
		unsigned op = take(&in, 1) % 9;
		uint8_t sel = take(&in, 1);
		struct lg_virtio *v = p9 && (sel & 0x80) ? p9 : sel & 1 ? rng : blk;
		struct lg_virtq *q = &v->vq[0];

		switch (op) {
		case 0: { /* store bytes anywhere in RAM */
			uint32_t off = take(&in, 3) % (LOW + HIGH);
			unsigned len = take(&in, 1);

			for (unsigned i = 0; i < len && off + i < LOW + HIGH; i++)
				h.ram[off + i] = take(&in, 1);
			break;
		}
		case 1: { /* port write */
			uint16_t port = take(&in, 2);
			unsigned sz = 1u << (take(&in, 1) % 3);
			uint8_t val[4];
			uint32_t x = take(&in, 4);

			memcpy(val, &x, 4);
			if (port >= 0x3f8 && port <= 0x3ff)
				lg_uart_io(lg, port, true, val);
			else if (port == 0x70 || port == 0x71)
				lg_rtc_io(lg, port, true, val);
			else if (port >= 0xcf8 && port <= 0xcff)
				lg_pci_io(lg, port, true, sz, val);
			else
				lg_virtio_io(lg, port, true, sz, val);
			break;
		}
		case 2: { /* port read */
			uint16_t port = take(&in, 2);
			unsigned sz = 1u << (take(&in, 1) % 3);
			uint8_t val[4];

			if (port >= 0x3f8 && port <= 0x3ff)
				lg_uart_io(lg, port, false, val);
			else if (port == 0x70 || port == 0x71)
				lg_rtc_io(lg, port, false, val);
			else if (port >= 0xcf8 && port <= 0xcff)
				lg_pci_io(lg, port, false, sz, val);
			else
				lg_virtio_io(lg, port, false, sz, val);
			break;
		}
		case 3: { /* the queue's page frame, as the driver sets it */
			uint32_t pfn = take(&in, 4);
			uint8_t val[4];

			memcpy(val, &pfn, 4);
			lg_virtio_io(lg, v->io_base + 8, true, 4, val);
			break;
		}
		case 4: { /* one descriptor in the current table */
			uint16_t i = take(&in, 2);
			uint8_t *d;

			if (!q->pfn || !(d = ram_at(lg, q->desc + 16ULL * (i % q->size), 16)))
				break;
			for (unsigned b = 0; b < 16; b++)
				d[b] = take(&in, 1);
			break;
		}
		case 5: { /* publish a head in the avail ring */
			uint16_t head = take(&in, 2), *avail;

			if (!q->pfn)
				break;
			avail = (uint16_t *)ram_at(lg, q->avail, 4 + 2ULL * q->size);
			avail[2 + avail[1] % q->size] = head;
			avail[1]++;
			break;
		}
		case 6:
			notify(lg, v);
			break;
		case 7: { /* status register: 0 resets, DRIVER_OK etc. */
			uint8_t val = take(&in, 1);

			lg_virtio_io(lg, v->io_base + 18, true, 1, &val);
			break;
		}
		default: { /* move avail/used indexes directly */
			uint16_t *r;

			if (!q->pfn)
				break;
			r = (uint16_t *)ram_at(lg, take(&in, 1) & 1 ? q->used : q->avail, 4);
			r[1] = take(&in, 2);
			break;
		}
		}
		/* A queue the device accepted always lies in RAM, whatever happened. */
		FUZZ_CHECK(!q->pfn || lg_gpa(lg, q->desc, q->used + 4 + 8ULL * q->size - q->desc));
	}
	lg_virtio_free(lg);
	pthread_mutex_destroy(&lg->uart.lock);
	free(lg);
	return 0;
}
