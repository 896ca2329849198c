// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel cache: what --unpack decoded (the ELF vmlinux, up to the end
 * of its last load segment), kept so that the next start of the same
 * kernel reads it instead of decoding the payload again; xz decoding was
 * most of a nested TCG boot (bench/lguest-run/RESULTS).
 *
 * An entry is named after a 64-bit hash (XXH64's rounds) of the bzImage's
 * compressed payload, the only bytes the decoded kernel depends on, hashed
 * as it is read in small pieces (boot.c): a start that finds its entry
 * never holds the payload in memory. An entry is the ELF file (gaps
 * between segments as holes) followed by a trailer: magic, the ELF's length,
 * the key and a hash of the bytes that are loaded (the first LG_ELF_HDR_MAX
 * and every load segment). Entries are input like any other: size bounds,
 * the trailer, the ELF checks of unpack.c and the hash are checked before
 * the kernel is used; a bad entry is decoded afresh and replaced.
 *
 * Writers write a temporary file in the same directory, fsync it and rename
 * it over the entry: a reader sees a whole entry or none, concurrent starts
 * at worst both write the same bytes. Any failure (a full disk, a read-only
 * directory) leaves no temporary file and falls back to what was decoded
 * in memory: the cache never fails a boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "fileio.h"
#include "hash.h"
#include "lguest-run.h"

#define KC_MAGIC "LGRKC001" /* 8 bytes; the number changes with the format */
/* Load segments lie below 3 GiB: an entry is at most that plus the trailer. */
#define KC_MAX LG_LOWMEM_MAX

struct kc_trailer {
	char magic[8];
	uint64_t end, key, sum;
};

static uint64_t hash64(const uint8_t *p, size_t n, uint64_t seed)
{
	struct lg_hash h;

	lg_hash_init(&h, seed);
	lg_hash_update(&h, p, n);
	return lg_hash_final(&h);
}

/* The hash of what is loaded: the first bytes, then each segment. */
static uint64_t loaded_sum(const struct lg_elf *e, size_t first)
{
	uint64_t s = hash64(e->hdr, first, 0);

	for (unsigned i = 0; i < e->nseg; i++)
		s = hash64(e->seg[i].dst, e->seg[i].filesz, s);
	return s;
}

static uint64_t elf_end(const struct lg_elf *e)
{
	return e->seg[e->nseg - 1].off + e->seg[e->nseg - 1].filesz;
}

/* The entry's path; false if there is no cache directory or it is too long. */
static bool entry_path(struct lg *lg, uint64_t key, char *dir, char *path)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	/* No getpwuid(): NSS does not belong in the static multicall binary. */
	if (home && home[0] != '/')
		home = NULL;
	if (lg->cache_dir)
		n = snprintf(dir, PATH_MAX, "%s", lg->cache_dir);
	else if (xdg && xdg[0] == '/') /* the XDG spec: relative paths are ignored */
		n = snprintf(dir, PATH_MAX, "%s/hvutils/lguest-run", xdg);
	else if (home)
		n = snprintf(dir, PATH_MAX, "%s/.cache/hvutils/lguest-run", home);
	else
		return false;
	if (n <= 0 || n >= PATH_MAX - 40)
		return false;
	snprintf(path, PATH_MAX, "%s/%016llx.vmlinux", dir, (unsigned long long)key);
	return true;
}

/* All n bytes at off: 0, -ENODATA when the file ends first, or -errno. */
static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
	ssize_t r = hv_pread_full(fd, buf, n, off);

	return r < 0 ? (int)r : (size_t)r < n ? -ENODATA : 0;
}

/* Reads and checks the entry into guest memory; why set on failure. */
static bool read_entry(struct lg *lg, int fd, uint64_t key, uint64_t *entry, char *why,
		       size_t whylen)
{
	struct lg_elf e = {0};
	struct kc_trailer t;
	struct stat st;
	uint64_t need, end;
	unsigned loaded = 0;
	bool ok = false;
	int rc;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(t) + 64 ||
	    (uint64_t)st.st_size > KC_MAX + sizeof(t)) {
		snprintf(why, whylen, "not a regular file of 64 bytes to 3 GiB");
		return false;
	}
	end = st.st_size - sizeof(t);
	if (read_at(fd, &t, sizeof(t), end) || memcmp(t.magic, KC_MAGIC, 8) || t.end != end ||
	    t.key != key) {
		snprintf(why, whylen, "no trailer for this kernel (truncated?)");
		return false;
	}
	e.hdr_len = end < LG_ELF_HDR_MAX ? end : LG_ELF_HDR_MAX;
	e.hdr = malloc(e.hdr_len);
	if (!e.hdr) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	rc = read_at(fd, e.hdr, e.hdr_len, 0);
	if (rc) {
		snprintf(why, whylen, "reading: %s", strerror(-rc));
		goto out;
	}
	rc = lg_elf_parse(lg, &e, &need, why, whylen);
	if (rc == -2) /* decoding says so, with the payload's own numbers */
		snprintf(why, whylen, "its kernel does not fit in guest memory");
	if (rc < 0)
		goto out;
	if (elf_end(&e) != end) {
		snprintf(why, whylen, "ELF length %llu, the trailer says %llu",
			 (unsigned long long)elf_end(&e), (unsigned long long)end);
		goto out;
	}
	for (; loaded < e.nseg; loaded++) {
		rc = read_at(fd, e.seg[loaded].dst, e.seg[loaded].filesz, e.seg[loaded].off);
		if (rc) {
			snprintf(why, whylen, "reading segment %u: %s", loaded, strerror(-rc));
			goto out;
		}
	}
	if (loaded_sum(&e, e.hdr_len) != t.sum) {
		snprintf(why, whylen, "checksum mismatch");
		goto out;
	}
	*entry = e.entry;
	ok = true;
out:
	/* Guest RAM is assumed zero where the decoded kernel's bss lies. */
	for (unsigned i = 0; !ok && i < loaded; i++)
		memset(e.seg[i].dst, 0, e.seg[i].filesz);
	free(e.hdr);
	return ok;
}

bool lg_kcache_load(struct lg *lg, uint64_t key, uint64_t *entry)
{
	char dir[PATH_MAX], path[PATH_MAX], why[160] = "";
	bool ok;
	int fd;

	if (!entry_path(lg, key, dir, path))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		/* A directory that is not there or not one: the store says so, once. */
		if (lg->common.verbose && errno != ENOENT && errno != ENOTDIR)
			hv_note("kernel cache: %s: %s: decoding the payload", path,
				strerror(errno));
		return false;
	}
	ok = read_entry(lg, fd, key, entry, why, sizeof(why));
	close(fd);
	if (lg->common.verbose && ok)
		hv_note("kernel cache: read %s (entry 0x%llx)", path, (unsigned long long)*entry);
	else if (lg->common.verbose)
		hv_note("kernel cache: %s: invalid entry: %s: decoding the payload", path, why);
	return ok;
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(char *dir)
{
	for (char *p = dir + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;

		*p = 0;
		if (mkdir(dir, 0700) && errno != EEXIST) {
			*p = c;
			return -errno;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

static int write_entry(int fd, uint64_t key, const struct lg_elf *e)
{
	uint64_t end = elf_end(e);
	size_t first = e->hdr_len < end ? e->hdr_len : end;
	struct kc_trailer t = {.end = end, .key = key};
	int rc;

	/* read_entry reads min(end, LG_ELF_HDR_MAX) first bytes: the decoder gave as many. */
	if (first < (end < LG_ELF_HDR_MAX ? end : LG_ELF_HDR_MAX))
		return -EINVAL;
	memcpy(t.magic, KC_MAGIC, 8);
	t.sum = loaded_sum(e, first);
	rc = hv_pwrite_full(fd, e->hdr, first, 0);
	for (unsigned i = 0; i < e->nseg && !rc; i++)
		rc = hv_pwrite_full(fd, e->seg[i].dst, e->seg[i].filesz, e->seg[i].off);
	if (!rc)
		rc = hv_pwrite_full(fd, &t, sizeof(t), end);
	if (!rc && fsync(fd))
		rc = -errno;
	return rc;
}

void lg_kcache_store(struct lg *lg, uint64_t key, const struct lg_elf *e)
{
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 32];
	const char *what = "creating the directory";
	int fd = -1, rc;

	if (!entry_path(lg, key, dir, path)) {
		if (lg->common.verbose)
			hv_warn("kernel cache: no cache directory (set HOME or use --cache-dir): "
				"the kernel was decoded in memory");
		return;
	}
	rc = make_dirs(dir);
	if (!rc) {
		what = "writing";
		snprintf(tmp, sizeof(tmp), "%s/.tmp-%016llx-XXXXXX", dir, (unsigned long long)key);
		fd = mkostemp(tmp, O_CLOEXEC);
		rc = fd < 0 ? -errno : write_entry(fd, key, e);
	}
	if (fd >= 0 && close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc && fd >= 0)
		unlink(tmp);
	if (!lg->common.verbose)
		return;
	if (rc)
		hv_warn("kernel cache: %s %s: %s: the kernel was decoded in memory", what,
			fd >= 0 ? path : dir, strerror(-rc));
	else
		hv_note("kernel cache: wrote %s", path);
}
