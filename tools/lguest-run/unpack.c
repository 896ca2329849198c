// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --unpack: unpacking a bzImage in the launcher. The payload is the kernel
 * proper (vmlinux, an ELF file), xz-compressed (Debian 12's 6.1) or
 * zstd-compressed (Debian 13's 6.12 and newer), which the bzImage's own
 * decompressor would unpack inside the guest. Here liblzma or libzstd
 * decodes it straight into guest memory, each ELF load segment to its
 * physical address, and the vCPU starts at the ELF entry (the kernel's
 * 64-bit startup_64) with the boot parameters, as Firecracker and Cloud
 * Hypervisor start a vmlinux. The same
 * work, done by the host's fast decoder instead of the guest's; not the
 * default for a plain boot (in the nested bench guest, TCG, liblzma was no
 * faster than the guest's XZ Embedded and varied more: bench/lguest-run/
 * RESULTS), but what --run does, because kcache.c keeps the decoded kernel
 * and the next start skips decompression altogether.
 *
 * The payload is untrusted input: decoder memory is capped, the ELF headers
 * are checked against what was decoded, and every segment must lie in
 * guest RAM above 1 MiB. Output between segments is discarded and bounded
 * (SKIP_MAX each); decoding stops at the end of the last segment, so what
 * follows (vmlinux's relocations, unused at the link address; or, from a
 * hostile file, gigabytes of zeros: xz packs them 7000:1) is never
 * decoded. The kernel's zstd payload is one frame followed by the
 * decompressed size (4 bytes), which is left unread. Signals and --timeout
 * are looked at every CHUNK of output.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "lguest-run.h"
#include "step.h"

#if defined(HAVE_LZMA) || defined(HAVE_ZSTD)
#ifdef HAVE_LZMA
#include <lzma.h>
#endif
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif

#define HDR_MAX	 LG_ELF_HDR_MAX
#define MAX_LOAD LG_ELF_MAX_LOAD
#define MEMLIMIT (128 << 20) /* the kernel's xz payload uses a 32 MiB dictionary */
/* zstd -22 --ultra, as the kernel packs its payload, uses a 128 MiB window. */
#define ZSTD_WINDOWLOG_CAP 27
/* Before the first segment and between two: vmlinux aligns segments to 2 MiB. */
#define SKIP_MAX (16 << 20)
#define CHUNK	 (1 << 20) /* decoded between two looks at signals and the clock */

static const uint8_t xz_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
static const uint8_t zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};

/*
 * One decoder over the whole payload: step fills out with up to cap bytes
 * and says how many (*made); 1 at the end of the stream, 0 if there is
 * more, -1 with why set on corrupt or truncated input.
 */
struct dec {
	int (*step)(struct dec *d, uint8_t *out, size_t cap, size_t *made, char *why,
		    size_t whylen);
	void (*end)(struct dec *d);
#ifdef HAVE_LZMA
	lzma_stream xz;
#endif
#ifdef HAVE_ZSTD
	ZSTD_DCtx *zs;
	ZSTD_inBuffer zin;
#endif
};

#ifdef HAVE_LZMA
static const char *lzma_why(lzma_ret r)
{
	switch (r) {
	case LZMA_MEM_ERROR:
		return "out of memory";
	case LZMA_MEMLIMIT_ERROR:
		return "needs more than 128 MiB of decoder memory";
	case LZMA_FORMAT_ERROR:
		return "not an xz stream";
	case LZMA_OPTIONS_ERROR:
		return "unsupported xz options";
	case LZMA_DATA_ERROR:
		return "corrupt xz data";
	case LZMA_BUF_ERROR:
		return "truncated xz data";
	default:
		return "xz decoder error";
	}
}

static int xz_step(struct dec *d, uint8_t *out, size_t cap, size_t *made, char *why, size_t whylen)
{
	lzma_ret r;

	d->xz.next_out = out;
	d->xz.avail_out = cap;
	do
		r = lzma_code(&d->xz, LZMA_FINISH);
	while (r == LZMA_OK && d->xz.avail_out);
	*made = cap - d->xz.avail_out;
	if (r == LZMA_STREAM_END)
		return 1;
	if (r != LZMA_OK) {
		snprintf(why, whylen, "payload: %s", lzma_why(r));
		return -1;
	}
	return 0;
}

static void xz_end(struct dec *d)
{
	lzma_end(&d->xz);
}
#endif

#ifdef HAVE_ZSTD
static int zstd_step(struct dec *d, uint8_t *out, size_t cap, size_t *made, char *why,
		     size_t whylen)
{
	ZSTD_outBuffer o = {out, cap, 0};

	while (o.pos < o.size) {
		size_t r;

		if (d->zin.pos == d->zin.size) {
			*made = o.pos;
			snprintf(why, whylen, "payload: truncated zstd data");
			return -1;
		}
		r = ZSTD_decompressStream(d->zs, &o, &d->zin);
		if (ZSTD_isError(r)) {
			*made = o.pos;
			snprintf(why, whylen, "payload: zstd: %s", ZSTD_getErrorName(r));
			return -1;
		}
		if (!r) { /* the frame is decoded and flushed */
			*made = o.pos;
			return 1;
		}
	}
	*made = o.pos;
	return 0;
}

static void zstd_end(struct dec *d)
{
	ZSTD_freeDCtx(d->zs);
}
#endif

/* 0, or an exit code after printing why the decoder could not start. */
static int dec_start(struct dec *d, const uint8_t *payload, size_t len)
{
#ifdef HAVE_LZMA
	if (len >= sizeof(xz_magic) && !memcmp(payload, xz_magic, sizeof(xz_magic))) {
		lzma_stream init = LZMA_STREAM_INIT;
		lzma_ret r;

		d->xz = init;
		r = lzma_stream_decoder(&d->xz, MEMLIMIT, 0);
		if (r != LZMA_OK)
			return hv_fail(-ENOMEM, NULL, "unpacking the kernel: liblzma: %s",
				       lzma_why(r));
		d->xz.next_in = payload;
		d->xz.avail_in = len;
		d->step = xz_step;
		d->end = xz_end;
		return 0;
	}
#endif
#ifdef HAVE_ZSTD
	if (len >= sizeof(zstd_magic) && !memcmp(payload, zstd_magic, sizeof(zstd_magic))) {
		d->zs = ZSTD_createDCtx();
		if (!d->zs)
			return hv_fail(-ENOMEM, NULL, "unpacking the kernel: libzstd");
		if (ZSTD_isError(
			ZSTD_DCtx_setParameter(d->zs, ZSTD_d_windowLogMax, ZSTD_WINDOWLOG_CAP))) {
			ZSTD_freeDCtx(d->zs);
			return hv_fail(-EINVAL, NULL,
				       "unpacking the kernel: libzstd: window limit");
		}
		d->zin = (ZSTD_inBuffer){payload, len, 0};
		d->step = zstd_step;
		d->end = zstd_end;
		return 0;
	}
#endif
	(void)payload;
	(void)len;
	return hv_fail(-ENOTSUP, NULL, "--unpack"); /* lg_unpack_check said otherwise */
}

int lg_elf_parse(struct lg *lg, struct lg_elf *e, uint64_t *need, char *why, size_t whylen)
{
	const uint8_t *h = e->hdr;
	size_t n = e->hdr_len;
	struct lg_seg *segs = e->seg;
	Elf64_Ehdr eh;
	unsigned nseg = 0;
	uint64_t prev_end = 0;

	if (n < sizeof(eh) || memcmp(h, ELFMAG, SELFMAG)) {
		snprintf(why, whylen, "payload is not an ELF kernel");
		return -1;
	}
	memcpy(&eh, h, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64 || eh.e_type != ET_EXEC) {
		snprintf(why, whylen, "payload ELF is not a 64-bit x86 executable");
		return -1;
	}
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || !eh.e_phnum || eh.e_phoff > n ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > n - eh.e_phoff) {
		snprintf(why, whylen, "payload ELF program headers out of bounds");
		return -1;
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, h + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (nseg == MAX_LOAD) {
			snprintf(why, whylen, "payload ELF has more than %d load segments",
				 MAX_LOAD);
			return -1;
		}
		if (ph.p_filesz > ph.p_memsz || ph.p_offset < prev_end ||
		    ph.p_offset > UINT64_MAX - ph.p_filesz) {
			snprintf(why, whylen, "payload ELF segment %u: bad file range", i);
			return -1;
		}
		if (ph.p_offset - prev_end > SKIP_MAX) {
			snprintf(why, whylen,
				 "payload ELF segment %u: %llu MiB to skip before it (at most %d)",
				 i, (unsigned long long)((ph.p_offset - prev_end) >> 20),
				 SKIP_MAX >> 20);
			return -1;
		}
		if (ph.p_paddr < LG_HIGH_START || ph.p_paddr >= LG_LOWMEM_MAX ||
		    ph.p_memsz >= LG_LOWMEM_MAX) {
			snprintf(
			    why, whylen,
			    "payload ELF segment %u: physical address 0x%llx outside 1 MiB..3 GiB",
			    i, (unsigned long long)ph.p_paddr);
			return -1;
		}
		segs[nseg].dst = lg_gpa(lg, ph.p_paddr, ph.p_memsz);
		if (!segs[nseg].dst) {
			*need = ph.p_paddr + ph.p_memsz;
			return -2;
		}
		segs[nseg].off = ph.p_offset;
		segs[nseg].filesz = ph.p_filesz;
		segs[nseg].paddr = ph.p_paddr;
		segs[nseg].memsz = ph.p_memsz;
		prev_end = ph.p_offset + ph.p_filesz;
		nseg++;
	}
	if (!nseg) {
		snprintf(why, whylen, "payload ELF has no load segment");
		return -1;
	}
	for (unsigned i = 0; i < nseg; i++)
		if (eh.e_entry >= segs[i].paddr && eh.e_entry - segs[i].paddr < segs[i].filesz) {
			e->entry = eh.e_entry;
			e->nseg = nseg;
			return (int)nseg;
		}
	snprintf(why, whylen, "payload ELF entry 0x%llx is not in a load segment",
		 (unsigned long long)eh.e_entry);
	return -1;
}

int lg_unpack_check(const uint8_t *payload, size_t len)
{
	bool xz = len >= sizeof(xz_magic) && !memcmp(payload, xz_magic, sizeof(xz_magic));
	bool zstd = len >= sizeof(zstd_magic) && !memcmp(payload, zstd_magic, sizeof(zstd_magic));

#ifndef HAVE_LZMA
	if (xz)
		return -ENOPKG;
#endif
#ifndef HAVE_ZSTD
	if (zstd)
		return -ENOPKG;
#endif
	return xz || zstd ? 0 : -ENOTSUP;
}

/*
 * Decodes an xz or zstd payload into guest memory. Returns 0 with e filled
 * (the caller frees e->hdr), e->entry
 * and *need (end of the kernel in guest-physical memory) set; -ENOTSUP if
 * the payload is neither; -ENOPKG if its decoder was not built in; -ENOSYS
 * without any; -E2BIG with *need set if guest memory is too small (the
 * caller words these); or an exit code after printing the error.
 */
int lg_unpack(struct lg *lg, const uint8_t *payload, size_t len, struct lg_elf *e, uint64_t *need)
{
	struct dec d = {0};
	struct lg_seg *segs = e->seg;
	uint8_t *hdr = NULL, *scratch = NULL;
	char why[160] = "";
	uint64_t pos = 0, end, next_check = 0;
	int nseg = 0, rc = HV_EXIT_FAILURE, st;
	unsigned cur = 0;
	size_t made;

	*need = 0;
	rc = lg_unpack_check(payload, len);
	if (rc)
		return rc;
	rc = HV_EXIT_FAILURE;
	hdr = malloc(HDR_MAX);
	scratch = malloc(HDR_MAX);
	if (!hdr || !scratch) {
		rc = hv_fail(-ENOMEM, NULL, "unpacking the kernel");
		goto out;
	}
	rc = dec_start(&d, payload, len);
	if (rc)
		goto out;
	rc = HV_EXIT_FAILURE;
	/* First the headers, to learn where the rest goes. */
	st = d.step(&d, hdr, HDR_MAX, &made, why, sizeof(why));
	if (st < 0)
		goto bad;
	pos = made;
	e->hdr = hdr;
	e->hdr_len = made;
	nseg = lg_elf_parse(lg, e, need, why, sizeof(why));
	if (nseg == -2) {
		rc = -E2BIG;
		goto out;
	}
	if (nseg < 0)
		goto bad;
	/* Whatever of the segments the header buffer already holds. */
	for (int i = 0; i < nseg && segs[i].off < pos; i++) {
		uint64_t n = pos - segs[i].off;

		if (n > segs[i].filesz)
			n = segs[i].filesz;
		memcpy(segs[i].dst, hdr + segs[i].off, n);
	}
	hv_step("unpacking");
	end = segs[nseg - 1].off + segs[nseg - 1].filesz;
	while (!st && pos < end) {
		uint8_t *out;
		size_t cap;

		if (pos >= next_check) {
			next_check = pos + CHUNK;
			rc = lg_setup_interrupted(lg);
			if (rc)
				goto out;
		}

		while (cur < (unsigned)nseg && pos >= segs[cur].off + segs[cur].filesz)
			cur++;
		if (pos >= segs[cur].off) {
			/* Straight into guest memory. */
			uint64_t left = segs[cur].off + segs[cur].filesz - pos;

			out = segs[cur].dst + (pos - segs[cur].off);
			cap = left < CHUNK ? left : CHUNK;
		} else {
			/* Between segments: dropped (lg_elf_parse bounded the gap). */
			uint64_t gap = segs[cur].off - pos;

			out = scratch;
			cap = gap < HDR_MAX ? gap : HDR_MAX;
		}
		st = d.step(&d, out, cap, &made, why, sizeof(why));
		pos += made;
		if (st < 0)
			goto bad;
	}
	for (int i = 0; i < nseg; i++) {
		if (pos < segs[i].off + segs[i].filesz) {
			snprintf(why, sizeof(why), "payload ends inside ELF segment %d", i);
			goto bad;
		}
		/* Guest RAM is a fresh anonymous mapping: the rest (bss, brk) is already zero. */
		if (segs[i].paddr + segs[i].memsz > *need)
			*need = segs[i].paddr + segs[i].memsz;
	}
	if (lg->common.verbose)
		hv_note("kernel unpacked in the launcher: %d ELF load segments, entry 0x%llx", nseg,
			(unsigned long long)e->entry);
	rc = 0;
	hdr = NULL; /* the caller's, in e */
	goto out;
bad:
	hv_err(0, "a bzImage or a flat test image is expected", "%s: invalid kernel image: %s",
	       lg->kernel_path, why);
	rc = HV_EXIT_FAILURE;
out:
	if (d.end)
		d.end(&d);
	if (hdr) {
		free(hdr);
		e->hdr = NULL;
	}
	free(scratch);
	return rc;
}
#else
int lg_unpack_check(const uint8_t *payload, size_t len)
{
	(void)payload;
	(void)len;
	return -ENOSYS;
}

int lg_elf_parse(struct lg *lg, struct lg_elf *e, uint64_t *need, char *why, size_t whylen)
{
	(void)lg;
	(void)e;
	(void)need;
	snprintf(why, whylen, "built without liblzma and libzstd");
	return -1;
}

int lg_unpack(struct lg *lg, const uint8_t *payload, size_t len, struct lg_elf *e, uint64_t *need)
{
	(void)lg;
	(void)payload;
	(void)len;
	(void)e;
	*need = 0;
	return -ENOSYS;
}
#endif
