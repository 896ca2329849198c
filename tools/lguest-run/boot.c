// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading what the guest boots: a bzImage through the 64-bit boot protocol
 * (Documentation/x86/boot.rst), or a flat test image with a small header of
 * our own. Both files are untrusted input: every header field is checked
 * against the file's size and the guest's memory before it is used.
 */
#include <asm/bootparam.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "fileio.h"
#include "hash.h"
#include "lguest-run.h"

#define KEY_CHUNK (64 << 10) /* payload_key()'s reads */

/*
 * Flat test image: this header at file offset 0, the file loaded as a whole
 * at load_addr, entered in 64-bit mode at entry with the launcher's identity
 * page tables, rsp = LG_FLAT_STACK and rsi = 0. Little-endian.
 */
struct lg_flat_hdr {
	char magic[8];	   /* "LGRUNFLT" */
	uint32_t version;  /* 1 */
	uint32_t hdr_size; /* 64 */
	uint64_t load_addr;
	uint64_t entry;
	uint64_t mem_size;    /* bytes from load_addr the image may use (>= file size) */
	uint64_t reserved[3]; /* 0 */
};
_Static_assert(sizeof(struct lg_flat_hdr) == 64, "flat header layout");

#define LG_FLAT_MAGIC  "LGRUNFLT"
#define HDRS_MAGIC     0x53726448 /* "HdrS" */
#define BZ_MIN_VERSION 0x020c	  /* 64-bit entry point and xloadflags */
#define BZ_KERNEL_ADDR 0x100000ULL

__attribute__((format(printf, 2, 3))) static int bad_image(const char *path, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	hv_err(0, "a bzImage or a flat test image is expected", "%s: invalid kernel image: %s",
	       path, why);
	return HV_EXIT_FAILURE;
}

static int too_small(const struct lg *lg, const char *what, uint64_t need)
{
	hv_err(0, "raise --memory", "%llu MiB of guest memory is too small for %s (needs %llu MiB)",
	       (unsigned long long)(lg->mem.size >> 20), what,
	       (unsigned long long)((need + (1 << 20) - 1) >> 20));
	return HV_EXIT_LIMIT;
}

/*
 * Opens a regular file of at most max bytes for reading; its size is fixed
 * at fstat() time and every bound is checked against it. Read, not mapped:
 * a shared mapping of a file another writer truncates raises SIGBUS, and
 * pread() straight into guest RAM copies no more (page cache to guest).
 */
static int open_file(const char *path, const char *what, uint64_t max, int *out, uint64_t *len)
{
	struct stat sb;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hv_fail(-errno, NULL, "opening %s %s", what, path);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		err = S_ISDIR(sb.st_mode) ? -EISDIR : -errno;
		close(fd);
		if (!err)
			err = -EINVAL;
		hv_err(err, NULL, "%s %s: not a regular file", what, path);
		return HV_EXIT_FAILURE;
	}
	if ((uint64_t)sb.st_size > max) {
		close(fd);
		hv_err(0, "raise --memory",
		       "%s %s: %llu bytes do not fit in %llu MiB of guest memory", what, path,
		       (unsigned long long)sb.st_size, (unsigned long long)(max >> 20));
		return HV_EXIT_LIMIT;
	}
	/* Read once from start to end: let the page cache read ahead. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	*out = fd;
	*len = sb.st_size;
	return 0;
}

/*
 * len bytes at off, all of them: the file was at least off + len bytes
 * long at fstat() time, so an early end means another writer truncated it.
 */
static int read_at(int fd, const char *what, const char *path, uint64_t off, void *dst,
		   uint64_t len)
{
	ssize_t n = hv_pread_full(fd, dst, len, off);

	if (n < 0)
		return hv_fail((int)n, NULL, "reading %s %s", what, path);
	if ((uint64_t)n < len) {
		hv_err(0, "was it changed while lguest-run started?",
		       "reading %s %s: it ends at byte %llu, it had %llu when opened", what, path,
		       (unsigned long long)(off + (uint64_t)n), (unsigned long long)(off + len));
		return HV_EXIT_FAILURE;
	}
	return 0;
}

/* From the kernel: the file, or the fuzz harness's input (already bounds-checked). */
static int read_kernel(struct lg *lg, uint64_t off, void *dst, uint64_t len)
{
	const struct lg_boot *b = &lg->boot;

	if (b->img) {
		memcpy(dst, b->img + off, len);
		return 0;
	}
	return read_at(b->fd, "kernel", lg->kernel_path, off, dst, len);
}

static int check_flat(struct lg *lg, const uint8_t *head, size_t len)
{
	struct lg_boot *b = &lg->boot;
	const char *path = lg->kernel_path;
	struct lg_flat_hdr h;

	if (len < sizeof(h))
		return bad_image(path, "truncated flat header (%zu of 64 bytes)", len);
	memcpy(&h, head, sizeof(h));
	if (h.version != 1)
		return bad_image(path, "flat image version %u, expected 1", h.version);
	if (h.hdr_size < sizeof(h) || h.hdr_size > len)
		return bad_image(path, "flat header size %u outside 64..%zu", h.hdr_size, len);
	if (h.reserved[0] || h.reserved[1] || h.reserved[2])
		return bad_image(path, "reserved flat header fields are not zero");
	if (h.mem_size < len)
		return bad_image(path, "mem_size 0x%llx is smaller than the file (%zu bytes)",
				 (unsigned long long)h.mem_size, len);
	if (h.load_addr < LG_HIGH_START)
		return bad_image(path,
				 "load address 0x%llx is below 1 MiB (launcher data lives there)",
				 (unsigned long long)h.load_addr);
	/* Differences, not sums: load_addr + hdr_size may wrap around. */
	if (h.entry < h.load_addr || h.entry - h.load_addr < h.hdr_size ||
	    h.entry - h.load_addr >= len)
		return bad_image(path, "entry 0x%llx is outside the loaded code",
				 (unsigned long long)h.entry);
	if (!lg_ram_range(lg, h.load_addr, h.mem_size)) {
		if (h.load_addr > LG_4G * 1024 || h.mem_size > LG_4G * 1024)
			return bad_image(
			    path, "load address 0x%llx + size 0x%llx is not guest memory",
			    (unsigned long long)h.load_addr, (unsigned long long)h.mem_size);
		return too_small(lg, "the flat image", h.load_addr + h.mem_size);
	}
	if (lg->initrd_path) {
		hv_err(0, "only a bzImage takes one", "--initrd %s: %s is a flat test image",
		       lg->initrd_path, path);
		return HV_EXIT_USAGE;
	}
	b->is_bzimage = false;
	b->load_addr = h.load_addr;
	b->load_size = h.mem_size;
	b->entry = h.entry;
	b->rsi = 0;
	b->rsp = LG_FLAT_STACK;
	return 0;
}

/*
 * The part of the command line lguest-run always passes; see lguest-run(1).
 * khz is the vCPU's TSC rate, 0 if unknown.
 */
static int build_cmdline(const struct lg *lg, uint32_t khz, char *buf, size_t size)
{
	int n;

	/*
	 * lpj: the stock kernel otherwise calibrates its delay loop against
	 * the PIT, slow and unreliable under nested virtualization. It is TSC
	 * cycles per jiffy for HZ=250 (Debian's); a later lpj= overrides it.
	 * reboot=t: a triple fault ends the guest without an i8042 model.
	 * pci=noearly: on AMD family 0fh CPUs (QEMU's TCG "max" model, so
	 * every nested guest here) the GART aperture code walks all 256 buses
	 * twice with port I/O: 33,000 exits, most of a nested boot's time.
	 */
	n = snprintf(buf, size,
		     "console=ttyS0 panic=-1 reboot=t no_timer_check tsc=reliable pci=noearly");
	if (khz && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - n, " lpj=%u", khz * 4);
	if (lg->user_cmdline && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - n, " %s", lg->user_cmdline);
	if (n < 0 || (size_t)n >= size)
		return -E2BIG;
	return n;
}

/* Where the initrd goes: as high as the kernel allows, above the kernel. */
static int check_initrd(struct lg *lg, const struct setup_header *h)
{
	struct lg_boot *b = &lg->boot;
	uint64_t top = lg->mem.low_size;
	int rc;

	rc = open_file(lg->initrd_path, "initrd", lg->mem.low_size, &b->initrd_fd, &b->initrd_len);
	if (rc)
		return rc;
	if ((uint64_t)h->initrd_addr_max + 1 < top)
		top = (uint64_t)h->initrd_addr_max + 1;
	if (b->initrd_len > top || ((top - b->initrd_len) & ~0xfffULL) < b->kernel_end)
		return too_small(lg, "the kernel and the initrd",
				 b->kernel_end + b->initrd_len + 4096);
	b->initrd_addr = (top - b->initrd_len) & ~0xfffULL;
	if (!lg_ram_range(lg, b->initrd_addr, b->initrd_len))
		return too_small(lg, "the initrd", b->initrd_addr + b->initrd_len);
	return 0;
}

/* head: the file's first LG_HEAD bytes (zeros past its end), read once. */
static int check_bzimage(struct lg *lg, const uint8_t *head, size_t len)
{
	struct lg_boot *b = &lg->boot;
	const char *path = lg->kernel_path;
	struct setup_header hdr, *h = &hdr;
	uint64_t setup_size, payload, pref, init_size;
	size_t hdr_len;
	char *cmdline;
	int n, rc;

	if (len < 0x264)
		return bad_image(path, "truncated (%zu bytes, a bzImage header needs 612)", len);
	memcpy(&hdr, head + 0x1f1, sizeof(hdr));
	if (h->boot_flag != 0xaa55)
		return bad_image(path, "no boot sector signature 0xaa55");
	if (h->header != HDRS_MAGIC)
		return bad_image(path, "no \"HdrS\" boot protocol signature");
	if (h->version < BZ_MIN_VERSION)
		return bad_image(path, "boot protocol %u.%02u, 64-bit boot needs 2.12 or later",
				 h->version >> 8, h->version & 0xff);
	if (!(h->xloadflags & XLF_KERNEL_64))
		return bad_image(path, "kernel has no 64-bit entry point (XLF_KERNEL_64)");
	if (!(h->loadflags & LOADED_HIGH))
		return bad_image(path, "not a bzImage (zImage loaded low)");
	setup_size = ((uint64_t)(h->setup_sects ? h->setup_sects : 4) + 1) * 512;
	if (setup_size >= len)
		return bad_image(path, "truncated: %llu setup bytes, file has %zu",
				 (unsigned long long)setup_size, len);
	payload = len - setup_size;
	if ((uint64_t)h->syssize * 16 > payload)
		return bad_image(path, "truncated: header says %llu bytes of kernel, file has %llu",
				 (unsigned long long)h->syssize * 16, (unsigned long long)payload);
	/* The header's own length: it ends where the jump at 0x200 lands. */
	hdr_len = 0x202 + head[0x201] - 0x1f1;
	if (hdr_len > sizeof(struct setup_header) || 0x1f1 + hdr_len > setup_size)
		return bad_image(path, "setup header length %zu out of bounds", hdr_len);
	if (h->relocatable_kernel &&
	    (h->kernel_alignment < 4096 || h->kernel_alignment > (1u << 30) ||
	     (h->kernel_alignment & (h->kernel_alignment - 1))))
		return bad_image(path, "kernel_alignment 0x%x is not a power of two in 4K..1G",
				 h->kernel_alignment);
	pref = h->pref_address;
	init_size = h->init_size;
	if (pref >= LG_LOWMEM_MAX || init_size >= LG_LOWMEM_MAX)
		return bad_image(path, "pref_address 0x%llx or init_size 0x%llx beyond 3 GiB",
				 (unsigned long long)pref, (unsigned long long)init_size);
	if (init_size < payload)
		return bad_image(path, "init_size 0x%llx is smaller than the kernel (0x%llx)",
				 (unsigned long long)init_size, (unsigned long long)payload);
	if (pref < BZ_KERNEL_ADDR)
		pref = BZ_KERNEL_ADDR;
	/* The kernel decompresses itself to pref_address and needs init_size there. */
	b->kernel_end = pref + init_size;
	if (b->kernel_end > lg->mem.low_size || BZ_KERNEL_ADDR + payload > lg->mem.low_size)
		return too_small(lg, "the kernel", b->kernel_end);
	if (!lg_ram_range(lg, LG_BOOT_PARAMS_ADDR, sizeof(struct boot_params)) ||
	    !lg_ram_range(lg, LG_CMDLINE_ADDR, LG_CMDLINE_MAX))
		return too_small(lg, "the boot data", LG_CMDLINE_ADDR + LG_CMDLINE_MAX);

	/*
	 * The lpj= part depends on the vCPU's TSC rate, known only once KVM
	 * is open: the length counts it at its longest, so whether a command
	 * line fits does not depend on the host.
	 */
	cmdline = malloc(LG_CMDLINE_MAX);
	if (!cmdline)
		return hv_fail(-ENOMEM, NULL, "kernel command line");
	n = build_cmdline(lg, UINT32_MAX / 4, cmdline, LG_CMDLINE_MAX);
	free(cmdline);
	b->cmdline_max = h->version >= 0x0206 ? h->cmdline_size : 255;
	if (n < 0 || (uint64_t)n > b->cmdline_max) {
		hv_err(0, "shorten KERNEL-ARGS",
		       "kernel command line too long (%d bytes, the kernel takes %u)", n,
		       b->cmdline_max);
		return HV_EXIT_USAGE;
	}
	/* --run: the guest decompresses what the launcher cannot. */
	if (lg->unpack == LG_UNPACK_IF_ABLE) {
		uint8_t magic[8];
		size_t m = h->payload_length < sizeof(magic) ? h->payload_length : sizeof(magic);

		if (h->version < 0x0208 || !h->payload_length || h->payload_offset > payload ||
		    h->payload_length > payload - h->payload_offset ||
		    read_kernel(lg, setup_size + h->payload_offset, magic, m) ||
		    lg_unpack_check(magic, m))
			lg->unpack = 0;
	}
	if (lg->unpack) {
		if (h->version < 0x0208 || !h->payload_length || h->payload_offset > payload ||
		    h->payload_length > payload - h->payload_offset)
			return bad_image(
			    path,
			    "--unpack: no payload (boot protocol 2.08+ payload_offset/length)");
		uint8_t magic[8];
		size_t m = h->payload_length < sizeof(magic) ? h->payload_length : sizeof(magic);

		rc = read_kernel(lg, setup_size + h->payload_offset, magic, m);
		if (rc)
			return rc;
		rc = lg_unpack_check(magic, m);
		if (rc == -ENOSYS) {
			hv_err(0, "drop --unpack",
			       "--unpack: lguest-run was built without liblzma and libzstd");
			return HV_EXIT_USAGE;
		}
		if (rc == -ENOPKG) {
			hv_err(0, "drop --unpack",
			       "--unpack: lguest-run was built without %s, which this kernel's "
			       "payload needs",
			       magic[0] == 0xfd ? "liblzma" : "libzstd");
			return HV_EXIT_USAGE;
		}
		if (rc == -ENOTSUP)
			return bad_image(
			    path, "--unpack: the payload is neither xz- nor zstd-compressed");
		b->packed_off = setup_size + h->payload_offset;
		b->packed_len = h->payload_length;
	}
	if (lg->initrd_path) {
		rc = check_initrd(lg, h);
		if (rc)
			return rc;
	}
	/* Later stages use this copy, not the file: the file may change under us. */
	memcpy(&b->hdr, &hdr, hdr_len);
	b->hdr_len = hdr_len;
	b->version = h->version;
	b->setup_size = setup_size;
	b->payload_len = payload;
	b->is_bzimage = true;
	/* The 64-bit entry of the decompressor, as under firmware; --unpack sets the ELF's. */
	b->entry = BZ_KERNEL_ADDR + 0x200;
	b->rsi = LG_BOOT_PARAMS_ADDR;
	b->rsp = 0;
	return 0;
}

/* The headers of both formats lie in this much of the file's start. */
#define LG_HEAD (0x1f1 + sizeof(struct setup_header))

/* The checks over the kernel's first bytes, the only header read. */
static int check_head(struct lg *lg)
{
	uint8_t head[LG_HEAD] = {0};
	size_t len = lg->boot.img_len;
	int rc;

	rc = read_kernel(lg, 0, head, len < sizeof(head) ? len : sizeof(head));
	if (rc)
		return rc;
	if (len >= 8 && !memcmp(head, LG_FLAT_MAGIC, 8))
		return check_flat(lg, head, len);
	if (len >= 0x206 && !memcmp(head + 0x202, "HdrS", 4))
		return check_bzimage(lg, head, len);
	if (len < 0x206 && len >= 0x200 && head[0x1fe] == 0x55 && head[0x1ff] == 0xaa)
		return bad_image(lg->kernel_path,
				 "truncated (%zu bytes, a bzImage header needs 612)", len);
	return bad_image(
	    lg->kernel_path,
	    "neither a bzImage (no \"HdrS\" at 0x202) nor a flat image (no \"LGRUNFLT\")");
}

int lg_check_image(struct lg *lg, const uint8_t *img, size_t len)
{
	lg->boot.fd = lg->boot.initrd_fd = -1;
	lg->boot.img = img;
	lg->boot.img_len = len;
	return check_head(lg);
}

int lg_check_kernel(struct lg *lg)
{
	struct lg_boot *b = &lg->boot;
	int rc;

	rc = open_file(lg->kernel_path, "kernel", lg->mem.size, &b->fd, &b->img_len);
	if (rc)
		return rc;
	b->img = NULL;
	return check_head(lg);
}

/*
 * The cache key, from the payload read in 64 KiB pieces: a start that finds
 * its kernel in the cache never holds the compressed payload (about 8 MiB)
 * in memory, which put the launcher's peak well above its working size.
 */
static int payload_key(struct lg *lg, uint64_t *key)
{
	const struct lg_boot *b = &lg->boot;
	struct lg_hash h;
	uint8_t *chunk;
	int rc = 0;

	lg_hash_init(&h, b->packed_len);
	if (b->img) {
		lg_hash_update(&h, b->img + b->packed_off, b->packed_len);
		*key = lg_hash_final(&h);
		return 0;
	}
	chunk = malloc(KEY_CHUNK);
	if (!chunk)
		return hv_fail(-ENOMEM, NULL, "reading the kernel's payload");
	for (uint64_t off = 0; off < b->packed_len && !rc; off += KEY_CHUNK) {
		uint64_t n = b->packed_len - off < KEY_CHUNK ? b->packed_len - off : KEY_CHUNK;

		rc = read_kernel(lg, b->packed_off + off, chunk, n);
		if (!rc)
			lg_hash_update(&h, chunk, n);
	}
	free(chunk);
	*key = lg_hash_final(&h);
	return rc;
}

static int load_bzimage(struct lg *lg)
{
	struct lg_boot *b = &lg->boot;
	struct boot_params *bp = lg_gpa(lg, LG_BOOT_PARAMS_ADDR, sizeof(*bp));
	const uint8_t *packed;
	uint8_t *buf = NULL;
	struct lg_elf e = {0};
	uint64_t need, key = 0;
	int rc;

	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, &b->hdr, b->hdr_len);
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.cmd_line_ptr = LG_CMDLINE_ADDR;
	bp->hdr.vid_mode = 0xffff;
	bp->e820_entries = lg_e820(lg, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
	if (b->initrd_fd >= 0) {
		rc = read_at(b->initrd_fd, "initrd", lg->initrd_path, 0,
			     lg_gpa(lg, b->initrd_addr, b->initrd_len), b->initrd_len);
		if (rc)
			return rc;
		bp->hdr.ramdisk_image = (uint32_t)b->initrd_addr;
		bp->hdr.ramdisk_size = (uint32_t)b->initrd_len;
		if (lg->common.verbose)
			hv_note("initrd: %llu bytes at 0x%llx", (unsigned long long)b->initrd_len,
				(unsigned long long)b->initrd_addr);
	}
	if (!lg->unpack) {
		/* The bzImage decompresses itself from 1 MiB, as under firmware. */
		return read_kernel(lg, b->setup_size, lg_gpa(lg, BZ_KERNEL_ADDR, b->payload_len),
				   b->payload_len);
	}
	/* The key is a pass over the payload: only when the cache is used. */
	if (lg->kcache) {
		rc = payload_key(lg, &key);
		if (rc)
			return rc;
		if (lg_kcache_load(lg, key, &b->entry)) {
			lg->unpacked = true;
			return 0;
		}
	}
	/* The decoder's input: the file's bytes, a private copy. */
	if (b->img) {
		packed = b->img + b->packed_off;
	} else {
		buf = malloc(b->packed_len);
		if (!buf)
			return hv_fail(-ENOMEM, NULL, "reading the kernel's payload");
		rc = read_kernel(lg, b->packed_off, buf, b->packed_len);
		if (rc) {
			free(buf);
			return rc;
		}
		packed = buf;
	}
	/* Only decoding tells whether the payload is sound: checked here, still before KVM. */
	rc = lg_unpack(lg, packed, b->packed_len, &e, &need);
	free(buf);
	if (!rc) {
		b->entry = e.entry;
		if (lg->kcache)
			lg_kcache_store(lg, key, &e);
	}
	free(e.hdr);
	if (rc == -E2BIG)
		return too_small(lg, "the kernel", need);
	if (rc == -ENOSYS || rc == -ENOPKG || rc == -ENOTSUP) /* lg_unpack_check said otherwise */
		return hv_fail(rc, NULL, "--unpack");
	if (rc)
		return rc;
	lg->unpacked = true;
	return 0;
}

int lg_load_kernel(struct lg *lg)
{
	struct lg_boot *b = &lg->boot;
	int rc = 0;

	if (b->is_bzimage) {
		rc = load_bzimage(lg);
	} else {
		uint8_t *dst = lg_gpa(lg, b->load_addr, b->load_size);

		rc = read_kernel(lg, 0, dst, b->img_len);
		memset(dst + b->img_len, 0, b->load_size - b->img_len);
	}
	/* Every byte is in guest memory now. */
	lg_release_kernel(lg);
	return rc;
}

int lg_start_kernel(struct lg *lg)
{
	struct lg_boot *b = &lg->boot;

	if (b->is_bzimage) {
		char *cmdline = lg_gpa(lg, LG_CMDLINE_ADDR, LG_CMDLINE_MAX);
		int n = build_cmdline(lg, lg_tsc_khz(lg), cmdline, LG_CMDLINE_MAX);

		/* lg_check_kernel counted the longest lpj=. */
		if (n < 0 || (uint64_t)n > b->cmdline_max)
			return hv_fail(-E2BIG, NULL, "kernel command line");
		if (lg->common.verbose)
			hv_note("bzImage: boot protocol %u.%02u, %llu bytes at 0x%llx, init_size "
				"0x%llx; command line: %s",
				b->version >> 8, b->version & 0xff,
				(unsigned long long)b->payload_len,
				(unsigned long long)BZ_KERNEL_ADDR,
				(unsigned long long)b->hdr.init_size, cmdline);
	}
	return lg_kvm_set_long_mode(lg, b->entry, b->rsi, b->rsp);
}

void lg_release_kernel(struct lg *lg)
{
	struct lg_boot *b = &lg->boot;

	if (b->fd >= 0)
		close(b->fd);
	if (b->initrd_fd >= 0)
		close(b->initrd_fd);
	b->fd = b->initrd_fd = -1;
	b->img = NULL;
	b->img_len = b->initrd_len = 0;
}
