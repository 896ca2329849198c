// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lguest-run's 9P2000.L server (tools/lguest-run/p9.c) on the host, no
 * KVM: messages as the Linux client sends them, over a scratch tree with a
 * secret next to the share and symlinks that point at it. Pinned down:
 * walk/open/read/readdir/getattr, writes on a ,rw share and EROFS on a
 * read-only one, no way out through "..", absolute or escaping symlinks, a
 * symlink swapped in after the walk (once, and all the time by another
 * process), or a mount point; every malformed size, fid, string and count
 * is an Rlerror, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "p9.h"
#include "unit.h"

enum {
	RLERROR = 7,
	TSTATFS = 8,
	TLOPEN = 12,
	TLCREATE = 14,
	TSYMLINK = 16,
	TMKNOD = 18,
	TREADLINK = 22,
	TGETATTR = 24,
	TSETATTR = 26,
	TXATTRWALK = 30,
	TREADDIR = 40,
	TFSYNC = 50,
	TLOCK = 52,
	TMKDIR = 72,
	TRENAMEAT = 74,
	TUNLINKAT = 76,
	TVERSION = 100,
	TATTACH = 104,
	TFLUSH = 108,
	TWALK = 110,
	TREAD = 116,
	TWRITE = 118,
	TCLUNK = 120,
	TREMOVE = 122,
};
#define NOFID 0xffffffffu

static uint8_t req[P9_MSIZE_MAX], resp[P9_MSIZE_MAX];
static size_t req_len, resp_len, rpos;
static char root[64], share[128];

/* ---- building requests, reading replies ---------------------------------- */

static void begin(uint8_t type)
{
	req_len = 4;
	req[req_len++] = type;
	req[req_len++] = 1; /* tag 1 */
	req[req_len++] = 0;
}

/* n bytes of v, little-endian; past 8 bytes, zeros. */
static void p(uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		req[req_len++] = i < 8 ? v >> (8 * i) : 0;
}

static void ps(const char *s)
{
	size_t n = strlen(s);

	p(n, 2);
	memcpy(req + req_len, s, n);
	req_len += n;
}

/* Sends the request; returns the reply type (RLERROR + errno in *err). */
static unsigned send_to(struct p9_server *s, size_t room, int *err)
{
	for (unsigned i = 0; i < 4; i++)
		req[i] = req_len >> (8 * i);
	resp_len = p9_handle(s, req, req_len, resp, room);
	rpos = 7;
	*err = 0;
	if (resp_len < 7)
		return 0;
	if (resp[4] == RLERROR)
		*err = resp[7] | resp[8] << 8;
	return resp[4];
}

static int call(struct p9_server *s)
{
	int err;
	unsigned type = send_to(s, sizeof(resp), &err);

	if (!type)
		return -1000;
	if (type == RLERROR)
		return -err;
	return type == (unsigned)req[4] + 1 ? 0 : -2000;
}

static uint64_t r(unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n && rpos < resp_len; i++)
		v |= (uint64_t)resp[rpos++] << (8 * i);
	return v;
}

/* ---- operations ------------------------------------------------------------- */

static int walk(struct p9_server *s, uint32_t fid, uint32_t newfid, int n, ...)
{
	va_list ap;

	begin(TWALK);
	p(fid, 4);
	p(newfid, 4);
	p(n, 2);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		ps(va_arg(ap, const char *));
	va_end(ap);
	return call(s);
}

static int clunk(struct p9_server *s, uint32_t fid)
{
	begin(TCLUNK);
	p(fid, 4);
	return call(s);
}

static int lopen(struct p9_server *s, uint32_t fid, uint32_t flags)
{
	begin(TLOPEN);
	p(fid, 4);
	p(flags, 4);
	return call(s);
}

static int rd(struct p9_server *s, uint32_t fid, uint64_t off, uint32_t count)
{
	begin(TREAD);
	p(fid, 4);
	p(off, 8);
	p(count, 4);
	return call(s);
}

/* Walks from fid 0 to a fresh fid and opens it; the fid's number or -errno. */
static int open_path(struct p9_server *s, uint32_t fid, const char *name, uint32_t flags)
{
	int rc = walk(s, 0, fid, 1, name);

	if (rc)
		return rc;
	rc = lopen(s, fid, flags);
	if (rc)
		clunk(s, fid);
	return rc;
}

/* The whole file through Tread, into buf; bytes read or -errno. */
static long read_all(struct p9_server *s, uint32_t fid, char *buf, size_t max, uint32_t chunk)
{
	size_t got = 0;

	for (;;) {
		int rc = rd(s, fid, got, chunk);
		uint32_t n;

		if (rc)
			return rc;
		n = r(4);
		if (!n)
			return got;
		if (got + n > max)
			return -EFBIG;
		memcpy(buf + got, resp + rpos, n);
		got += n;
	}
}

static void mkfile(const char *rel, const char *content, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, content, len) != (ssize_t)len)
			perror(path);
		close(fd);
	}
}

static bool host_file_is(const char *rel, const char *want)
{
	char path[256], buf[256] = {0};
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n == (ssize_t)strlen(want) && !memcmp(buf, want, n);
}

static int version_attach(struct p9_server *s, uint32_t msize)
{
	begin(TVERSION);
	p(msize, 4);
	ps("9P2000.L");
	if (call(s))
		return -1;
	begin(TATTACH);
	p(0, 4);
	p(NOFID, 4);
	ps("root");
	ps("");
	p(0, 4);
	return call(s);
}

/* ---- the tests ------------------------------------------------------------ */

static void test_read_side(struct unit *u, struct p9_server *s, const char *big, size_t big_len)
{
	static char buf[300 << 10];
	struct stat st;
	long n;
	int rc;

	begin(TVERSION);
	p(8192, 4);
	ps("9P2000.u");
	CHECK(u, call(s) == 0 && r(4) == 8192 && r(2) == 7 && !memcmp(resp + rpos, "unknown", 7),
	      "Tversion: another dialect is 'unknown'");
	begin(TVERSION);
	p(1u << 30, 4);
	ps("9P2000.L");
	CHECK(u, call(s) == 0 && r(4) == P9_MSIZE_MAX, "Tversion: msize capped at %u",
	      P9_MSIZE_MAX);
	CHECK(u, version_attach(s, 131072) == 0 && s->msize == 131072, "Tversion + Tattach");
	stat(share, &st);
	rpos = 7;
	CHECK(u, r(1) == 0x80 && (r(4), r(8)) == st.st_ino, "Tattach: the share root's qid");

	CHECK(u, open_path(s, 1, "hello.txt", O_RDONLY) == 0, "walk + Tlopen hello.txt");
	n = read_all(s, 1, buf, sizeof(buf), 4096);
	CHECK(u, n == 12 && !memcmp(buf, "hello world\n", 12), "Tread: the content byte for byte");
	CHECK(u, rd(s, 1, 1ull << 62, 10) == 0 && r(4) == 0, "Tread past the end: 0 bytes");
	CHECK(u, rd(s, 1, 1ull << 63, 10) == -EINVAL, "Tread at an offset over 2^63: EINVAL");
	begin(TWRITE);
	p(1, 4);
	p(0, 8);
	p(1, 4);
	p('x', 1);
	CHECK(u, call(s) == -EROFS, "Twrite on a read-only share: EROFS");
	clunk(s, 1);

	CHECK(u, open_path(s, 2, "big.bin", O_RDONLY) == 0, "Tlopen big.bin");
	n = read_all(s, 2, buf, sizeof(buf), 200000);
	CHECK(u, n == (long)big_len && !memcmp(buf, big, big_len),
	      "Tread in msize-capped chunks: %ld of %zu bytes match", n, big_len);
	/* A reply buffer of 100 bytes: the count shrinks to what fits. */
	begin(TREAD);
	p(2, 4);
	p(0, 8);
	p(65536, 4);
	{
		int err;
		unsigned t = send_to(s, 100, &err);

		CHECK(u,
		      t == TREAD + 1 && resp_len == 100 && r(4) == 89 &&
			  !memcmp(resp + 11, big, 89),
		      "Tread: count clamped to the reply buffer");
	}
	clunk(s, 2);

	CHECK(u, walk(s, 0, 3, 2, "sub", "inner.txt") == 0 && r(2) == 2, "walk two names");
	begin(TGETATTR);
	p(3, 4);
	p(0x3fff, 8);
	stat(share, &st);
	snprintf(buf, sizeof(buf), "%s/sub/inner.txt", share);
	stat(buf, &st);
	rc = call(s);
	r(8);
	r(13);
	CHECK(u,
	      rc == 0 && r(4) == st.st_mode && r(4) == st.st_uid && r(4) == st.st_gid &&
		  r(8) == st.st_nlink && r(8) == st.st_rdev && r(8) == (uint64_t)st.st_size,
	      "Tgetattr: mode, owner, links, size as lstat says");
	clunk(s, 3);

	/* readdir in small pieces: every name once. */
	CHECK(u, walk(s, 0, 4, 0) == 0 && lopen(s, 4, O_RDONLY | O_DIRECTORY) == 0,
	      "Tlopen the root directory");
	{
		uint64_t off = 0;
		unsigned seen = 0, entries = 0, rounds = 0;
		const char *want[] = {"hello.txt", "sub",     "big.bin",
				      "abs-link",  "up-link", "dir-link"};

		for (;;) {
			uint32_t count;
			size_t end;

			begin(TREADDIR);
			p(4, 4);
			p(off, 8);
			p(64, 4);
			if (call(s) || ++rounds > 100)
				break;
			count = r(4);
			if (!count)
				break;
			end = rpos + count;
			while (rpos < end) {
				unsigned len;

				r(13);
				off = r(8);
				r(1);
				len = r(2);
				for (unsigned i = 0; i < 6; i++)
					if (strlen(want[i]) == len &&
					    !memcmp(resp + rpos, want[i], len))
						seen |= 1u << i;
				rpos += len;
				entries++;
			}
		}
		CHECK(u, seen == 0x3f && entries == 8,
		      "Treaddir 64 bytes at a time: all %u entries", entries);
	}
	CHECK(u, rd(s, 4, 0, 10) == -EBADF, "Tread on a directory: EBADF");
	clunk(s, 4);
}

static void test_escapes(struct unit *u, struct p9_server *s)
{
	static char buf[4096];
	struct stat st;
	int rc;

	stat(share, &st);
	CHECK(u,
	      walk(s, 0, 5, 3, "..", "..", "..") == 0 && r(2) == 3 &&
		  (r(1), r(4), r(8)) == st.st_ino,
	      "walk ../../.. stays at the share root");
	CHECK(u, walk(s, 5, 6, 1, "secret") == -ENOENT, "walk ../secret: not found");
	clunk(s, 5);
	CHECK(u,
	      walk(s, 0, 7, 2, "sub", "../../secret") == -EINVAL ||
		  (r(2) == 1 && walk(s, 0, 7, 1, "x") != 0),
	      "walk a name with a slash: refused");
	CHECK(u, walk(s, 0, 7, 1, "/etc") == -EINVAL, "walk /etc: refused");

	CHECK(u, walk(s, 0, 8, 1, "abs-link") == 0 && r(2) == 1 && r(1) == 0x02,
	      "walk abs-link: a symlink's qid");
	CHECK(u, lopen(s, 8, O_RDONLY) == -ELOOP, "Tlopen of an absolute symlink: ELOOP");
	begin(TREADLINK);
	p(8, 4);
	CHECK(u, call(s) == 0 && r(2) == 11 && !memcmp(resp + rpos, "/etc/passwd", 11),
	      "Treadlink gives the target as text");
	clunk(s, 8);
	rc = walk(s, 0, 9, 2, "abs-link", "x");
	CHECK(u, rc == 0 ? r(2) == 1 : rc == -ELOOP || rc == -ENOTDIR,
	      "walk through an absolute symlink stops at it");
	clunk(s, 9);
	rc = walk(s, 0, 9, 2, "dir-link", "secret");
	CHECK(u, rc == 0 && r(2) == 1, "walk dir-link/secret (dir-link -> ..): stops at the link");
	clunk(s, 9);
	CHECK(u, walk(s, 0, 9, 1, "up-link") == 0 && lopen(s, 9, O_RDONLY) == -ELOOP,
	      "Tlopen of up-link (-> ../secret): ELOOP");
	clunk(s, 9);

	/* The guest walks sub/inner.txt, then the host swaps sub for a symlink outside. */
	CHECK(u, walk(s, 0, 10, 2, "sub", "inner.txt") == 0, "walk sub/inner.txt");
	snprintf(buf, sizeof(buf), "%s/sub", share);
	{
		char moved[256], outside[256];

		snprintf(moved, sizeof(moved), "%s/sub.moved", share);
		snprintf(outside, sizeof(outside), "%s/outside", root);
		mkdir(outside, 0755);
		mkfile("outside/inner.txt", "TOPSECRET", 9);
		rc = rename(buf, moved) || symlink(outside, buf);
		CHECK(u, rc == 0, "host: sub replaced by a symlink to a directory outside");
		rc = lopen(s, 10, O_RDONLY);
		CHECK(u, rc == -ELOOP, "Tlopen after the swap: ELOOP (%d), not the outside file",
		      rc);
		begin(TGETATTR);
		p(10, 4);
		p(0x7ff, 8);
		CHECK(u, call(s) == -ELOOP, "Tgetattr after the swap: ELOOP");
		unlink(buf);
		rename(moved, buf);
	}
	clunk(s, 10);

	/* A mount point inside the share is not crossed (only as root). */
	snprintf(buf, sizeof(buf), "%s/mnt", share);
	mkdir(buf, 0755);
	if (mount("p9unit", buf, "tmpfs", 0, NULL) == 0) {
		CHECK(u, walk(s, 0, 11, 1, "mnt") == -EXDEV, "walk into a mount point: EXDEV");
		umount(buf);
	} else {
		CHECK(u, 1, "# SKIP mount point: cannot mount here (%s)", strerror(errno));
	}
	rmdir(buf);
}

/*
 * The swap as a race: another process keeps replacing race/ by a symlink to
 * a directory outside the share and putting it back, while we walk, open,
 * read and create through it. Every request gets a reply, a read only ever
 * finds the inside file, nothing is created outside. Here the server alone
 * is driven, at full speed; 44-lguest-run-run.bats races through a real
 * guest's 9p client (tests/guest/pci/p9-race).
 */
#define RACE_ROUNDS 20000
static void test_race(struct unit *u, struct p9_server *s)
{
	char race[256], real[256], outside[256];
	int inside = 0, secret = 0, unanswered = 0, created = 0;
	pid_t swapper;

	snprintf(race, sizeof(race), "%s/race", share);
	snprintf(real, sizeof(real), "%s/race.real", share);
	snprintf(outside, sizeof(outside), "%s/outside-race", root);
	mkdir(race, 0755);
	mkdir(outside, 0755);
	mkfile("share/race/f", "inside", 6);
	mkfile("outside-race/f", "TOPSECRET", 9);
	swapper = fork();
	if (swapper == 0) {
		for (;;) {
			if (rename(race, real) == 0) {
				if (symlink(outside, race) == 0)
					unlink(race);
				rename(real, race);
			}
		}
	}
	for (int i = 0; i < RACE_ROUNDS && swapper > 0; i++) {
		int rc = walk(s, 0, 20, 2, "race", "f");

		if (rc <= -1000)
			unanswered++;
		if (rc == 0 && (rc = lopen(s, 20, O_RDONLY)) <= -1000)
			unanswered++;
		if (rc == 0 && (rc = rd(s, 20, 0, 64)) <= -1000)
			unanswered++;
		if (rc == 0) {
			uint32_t n = (uint32_t)r(4);

			if (n == 6 && !memcmp(resp + rpos, "inside", 6))
				inside++;
			else
				secret++;
		}
		clunk(s, 20);
		rc = walk(s, 0, 21, 1, "race");
		if (rc == 0) {
			begin(TLCREATE);
			p(21, 4);
			ps("w");
			p(O_WRONLY | O_CREAT | O_TRUNC, 4);
			p(0644, 4);
			p(0, 4);
			rc = call(s);
			unanswered += rc <= -1000;
			created += rc == 0;
		}
		clunk(s, 21);
	}
	if (swapper > 0) {
		kill(swapper, SIGKILL);
		waitpid(swapper, NULL, 0);
	}
	/* Put race/ back if the swapper died between its two renames. */
	if (access(real, F_OK) == 0) {
		unlink(race);
		rename(real, race);
	}
	CHECK(u, swapper > 0, "a swapper process runs");
	CHECK(u, unanswered == 0, "%d rounds against the swapper: every request answered (%d not)",
	      RACE_ROUNDS, unanswered);
	CHECK(u, inside > 0 && secret == 0,
	      "reads found the inside file %d times, anything else %d times", inside, secret);
	snprintf(race, sizeof(race), "%s/outside-race/w", root);
	CHECK(u, access(race, F_OK) != 0, "nothing created outside (%d creates inside)", created);
	CHECK(u, host_file_is("outside-race/f", "TOPSECRET"), "the outside file is unchanged");
}

static void test_ro_writes(struct unit *u, struct p9_server *s)
{
	CHECK(u, walk(s, 0, 20, 1, "hello.txt") == 0 && lopen(s, 20, O_WRONLY) == -EROFS,
	      "read-only: Tlopen O_WRONLY: EROFS");
	CHECK(u, lopen(s, 20, O_RDONLY | O_TRUNC) == -EROFS, "read-only: Tlopen O_TRUNC: EROFS");
	begin(TSETATTR);
	p(20, 4);
	p(1, 4);
	p(0777, 4);
	p(0, 4 + 4 + 8 + 32);
	CHECK(u, call(s) == -EROFS, "read-only: Tsetattr: EROFS");
	clunk(s, 20);
	CHECK(u, walk(s, 0, 21, 0) == 0, "clone the root fid");
	begin(TLCREATE);
	p(21, 4);
	ps("new");
	p(O_WRONLY, 4);
	p(0644, 4);
	p(0, 4);
	CHECK(u, call(s) == -EROFS, "read-only: Tlcreate: EROFS");
	begin(TMKDIR);
	p(0, 4);
	ps("d");
	p(0755, 4);
	p(0, 4);
	CHECK(u, call(s) == -EROFS, "read-only: Tmkdir: EROFS");
	begin(TUNLINKAT);
	p(0, 4);
	ps("hello.txt");
	p(0, 4);
	CHECK(u, call(s) == -EROFS && host_file_is("share/hello.txt", "hello world\n"),
	      "read-only: Tunlinkat: EROFS, the file stays");
	clunk(s, 21);
}

static void test_rw(struct unit *u, struct p9_server *s)
{
	char path[256];
	struct stat st;

	CHECK(u, version_attach(s, 65536) == 0, "rw share: attach");
	CHECK(u, walk(s, 0, 1, 0) == 0, "clone root");
	begin(TLCREATE);
	p(1, 4);
	ps("new.txt");
	p(O_RDWR | O_EXCL, 4);
	p(04755, 4);
	p(0, 4);
	CHECK(u, call(s) == 0, "Tlcreate new.txt");
	begin(TWRITE);
	p(1, 4);
	p(0, 8);
	p(5, 4);
	memcpy(req + req_len, "abcde", 5);
	req_len += 5;
	CHECK(u, call(s) == 0 && r(4) == 5 && host_file_is("share/new.txt", "abcde"),
	      "Twrite lands on the host");
	snprintf(path, sizeof(path), "%s/new.txt", share);
	CHECK(u, stat(path, &st) == 0 && (st.st_mode & 07777) == 0755,
	      "created without the set-user-ID bit (mode %o)", st.st_mode & 07777);
	begin(TWRITE);
	p(1, 4);
	p(0, 8);
	p(6, 4);
	memcpy(req + req_len, "abcde", 5);
	req_len += 5;
	CHECK(u, call(s) == -EINVAL, "Twrite whose count overruns the message: EINVAL");
	clunk(s, 1);

	begin(TSETATTR);
	CHECK(u, walk(s, 0, 2, 1, "new.txt") == 0, "walk new.txt");
	begin(TSETATTR);
	p(2, 4);
	p(1 | 8, 4);
	p(06777, 4);
	p(0, 8);
	p(2, 8);
	p(0, 32);
	CHECK(u,
	      call(s) == 0 && host_file_is("share/new.txt", "ab") && stat(path, &st) == 0 &&
		  (st.st_mode & 07777) == 0777,
	      "Tsetattr: truncate to 2 bytes, chmod without set-ID bits");
	clunk(s, 2);

	begin(TMKDIR);
	p(0, 4);
	ps("d");
	p(0755, 4);
	p(0, 4);
	CHECK(u, call(s) == 0, "Tmkdir d");
	begin(TRENAMEAT);
	p(0, 4);
	ps("new.txt");
	p(0, 4);
	ps("moved.txt");
	CHECK(u, call(s) == 0 && host_file_is("share/moved.txt", "ab"), "Trenameat");
	begin(TSYMLINK);
	p(0, 4);
	ps("ln");
	ps("/etc/shadow");
	p(0, 4);
	CHECK(u, call(s) == 0, "Tsymlink to an absolute target (stored as text)");
	CHECK(u, walk(s, 0, 3, 1, "ln") == 0 && lopen(s, 3, O_RDONLY) == -ELOOP,
	      "... and never followed by the server");
	clunk(s, 3);
	begin(TLCREATE);
	CHECK(u, walk(s, 0, 4, 0) == 0, "clone root");
	begin(TLCREATE);
	p(4, 4);
	ps("ln");
	p(O_WRONLY, 4);
	p(0644, 4);
	p(0, 4);
	CHECK(u, call(s) == -ELOOP, "Tlcreate over a symlink: ELOOP, nothing written through it");
	begin(TLCREATE);
	p(4, 4);
	ps("..");
	p(O_WRONLY, 4);
	p(0644, 4);
	p(0, 4);
	CHECK(u, call(s) == -EINVAL, "Tlcreate '..': EINVAL");
	begin(TLCREATE);
	p(4, 4);
	ps("a/b");
	p(O_WRONLY, 4);
	p(0644, 4);
	p(0, 4);
	CHECK(u, call(s) == -EINVAL, "Tlcreate 'a/b': EINVAL");
	clunk(s, 4);
	begin(TMKNOD);
	p(0, 4);
	ps("sda");
	p(S_IFBLK | 0600, 4);
	p(8, 4);
	p(0, 4);
	p(0, 4);
	CHECK(u, call(s) == -EPERM, "Tmknod of a block device: EPERM");
	begin(TUNLINKAT);
	p(0, 4);
	ps("moved.txt");
	p(0, 4);
	CHECK(u, call(s) == 0 && access(path, F_OK) != 0, "Tunlinkat");
	begin(TUNLINKAT);
	p(0, 4);
	ps("d");
	p(AT_REMOVEDIR, 4);
	CHECK(u, call(s) == 0, "Tunlinkat AT_REMOVEDIR");
	CHECK(u, walk(s, 0, 5, 1, "ln") == 0, "walk ln");
	begin(TREMOVE);
	p(5, 4);
	CHECK(u, call(s) == 0 && walk(s, 5, 6, 0) == -EBADF, "Tremove removes and clunks");
	begin(TREMOVE);
	CHECK(u, walk(s, 0, 7, 0) == 0, "clone root");
	begin(TREMOVE);
	p(7, 4);
	CHECK(u, call(s) == -EBUSY, "Tremove of the root: EBUSY");
}

static void test_malformed(struct unit *u, struct p9_server *s)
{
	int err;

	CHECK(u, version_attach(s, 8192) == 0, "attach");
	begin(TWALK);
	p(0, 4);
	p(1, 4);
	p(17, 2);
	for (int i = 0; i < 17; i++)
		ps("sub");
	CHECK(u, call(s) == -EINVAL, "Twalk of 17 names: EINVAL");
	CHECK(u, walk(s, 99, 1, 0) == -EBADF, "unknown fid: EBADF");
	CHECK(u, walk(s, 0, 0, 0) == 0 && walk(s, 0, NOFID, 0) == -EEXIST,
	      "NOFID as newfid: refused");
	CHECK(u, walk(s, 0, 1, 0) == 0 && walk(s, 0, 1, 0) == -EEXIST, "a taken newfid: EEXIST");
	clunk(s, 1);
	begin(TWALK);
	p(0, 4);
	p(1, 4);
	p(1, 2);
	p(3, 2);
	req[req_len++] = 's';
	req[req_len++] = 0;
	req[req_len++] = 'b';
	CHECK(u, call(s) == -EINVAL, "a name with a NUL byte: EINVAL");
	begin(TWALK);
	p(0, 4);
	p(1, 4);
	p(1, 2);
	p(50, 2);
	CHECK(u, call(s) == -EINVAL, "a string past the message's end: EINVAL");
	begin(TREAD);
	p(0, 4);
	CHECK(u, call(s) == -EINVAL, "a truncated Tread: EINVAL");
	begin(TCLUNK);
	p(0, 4);
	for (unsigned i = 0; i < 4; i++)
		req[i] = 200;
	resp_len = p9_handle(s, req, req_len, resp, sizeof(resp));
	CHECK(u, resp_len == 11 && resp[4] == RLERROR,
	      "size field larger than the buffer: Rlerror");
	begin(TCLUNK);
	req[0] = 3;
	req[1] = req[2] = req[3] = 0;
	resp_len = p9_handle(s, req, req_len, resp, sizeof(resp));
	CHECK(u, resp_len == 11 && resp[4] == RLERROR, "size field below the header: Rlerror");
	begin(TCLUNK);
	p(0, 4);
	req_len = 9000;
	CHECK(u, call(s) == -EINVAL, "a message larger than msize: EINVAL");
	begin(TCLUNK);
	p(0, 4);
	CHECK(u, send_to(s, 8, &err) == 0, "no room even for Rlerror: no reply");
	begin(200);
	CHECK(u, call(s) == -EOPNOTSUPP, "an unknown type: EOPNOTSUPP");
	begin(TXATTRWALK);
	p(0, 4);
	p(1, 4);
	ps("security.selinux");
	CHECK(u, call(s) == -EOPNOTSUPP, "Txattrwalk: EOPNOTSUPP");
	begin(TFLUSH);
	p(5, 2);
	CHECK(u, call(s) == 0, "Tflush");
	/* Fids are bounded: the client cannot make the server allocate forever. */
	{
		unsigned made = 0;
		int rc = 0;

		for (uint32_t f = 1000; f < 1000 + P9_MAX_FIDS + 10 && !rc; f++)
			if (!(rc = walk(s, 0, f, 0)))
				made++;
		CHECK(u, rc == -EMFILE && made == P9_MAX_FIDS - 1 && s->nfids == P9_MAX_FIDS,
		      "fid %u past the limit: EMFILE", made);
	}
	p9_reset(s);
	CHECK(u, s->nfids == 0, "p9_reset drops every fid");
}

int main(void)
{
	struct unit u = {0};
	struct p9_server s;
	static char big[200000];
	char path[256];
	int fd;

	snprintf(root, sizeof(root), "/tmp/hv-p9-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	snprintf(share, sizeof(share), "%s/share", root);
	mkdir(share, 0755);
	snprintf(path, sizeof(path), "%s/sub", share);
	mkdir(path, 0755);
	mkfile("secret", "TOPSECRET", 9);
	mkfile("share/hello.txt", "hello world\n", 12);
	mkfile("share/sub/inner.txt", "inner\n", 6);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 251);
	mkfile("share/big.bin", big, sizeof(big));
	snprintf(path, sizeof(path), "%s/abs-link", share);
	if (symlink("/etc/passwd", path))
		return 1;
	snprintf(path, sizeof(path), "%s/up-link", share);
	if (symlink("../secret", path))
		return 1;
	snprintf(path, sizeof(path), "%s/dir-link", share);
	if (symlink("..", path))
		return 1;

	fd = open(share, O_PATH | O_DIRECTORY | O_CLOEXEC);
	p9_init(&s, fd, true);
	test_read_side(&u, &s, big, sizeof(big));
	test_escapes(&u, &s);
	test_ro_writes(&u, &s);
	p9_reset(&s);
	p9_init(&s, fd, false);
	test_rw(&u, &s);
	test_race(&u, &s);
	test_malformed(&u, &s);
	p9_reset(&s);
	CHECK(&u, host_file_is("secret", "TOPSECRET"), "the secret outside is unchanged");
	close(fd);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path))
		perror("rm");
	return unit_done(&u);
}
