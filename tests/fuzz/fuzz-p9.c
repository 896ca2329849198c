// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lguest-run's 9P2000.L server (p9.c) as an untrusted guest drives it: the
 * input is a share mode and a script of messages, each sent whole or with
 * its size field as the input says, into a reply buffer of the size the
 * input says (the first byte: bit 0 a ,rw share, bit 1 --run's root with
 * its mount crossing, bits 5-7 the msize). The share is rebuilt for every input (a file, a
 * subdirectory, symlinks to a secret beside the share by absolute and by
 * relative path, one to ".."), after Tversion and Tattach of fid 0.
 *
 * Checked: every reply fits the buffer and msize, its size field is its
 * length, its tag the request's and its type the request's answer or
 * Rlerror; after each input the secret beside the share is unchanged and
 * nothing beside the share was created or removed (ASan/UBSan for the rest).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "p9.h"

#define SECRET "TOPSECRET"

struct harness {
	char root[64], share[80];
	uint8_t req[P9_MSIZE_MAX], resp[P9_MSIZE_MAX];
};
static struct harness *h;

/* Removes everything below dirfd (the share is rebuilt for each input). */
static void empty_dir(int dirfd)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd, e->d_name, 0) == 0)
			continue;
		{
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

			if (sub >= 0) {
				fchmod(sub, 0755);
				empty_dir(sub);
			}
			unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
		}
	}
	closedir(d);
}

static void put_file(int dirfd, const char *name, const char *content)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd >= 0) {
		FUZZ_CHECK(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
		close(fd);
	}
}

/* The scratch tree goes with the process (replays run in make check). */
static void cleanup(void)
{
	int fd = open(h->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		empty_dir(fd);
	rmdir(h->root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -1;
	snprintf(h->root, sizeof(h->root), "/tmp/hv-fuzz-p9-XXXXXX");
	if (!mkdtemp(h->root))
		return -1;
	snprintf(h->share, sizeof(h->share), "%s/share", h->root);
	if (mkdir(h->share, 0755))
		return -1;
	fd = open(h->root, O_RDONLY | O_DIRECTORY);
	put_file(fd, "secret", SECRET);
	close(fd);
	atexit(cleanup);
	return 0;
}

/* Fresh content: earlier inputs may have changed or removed it. */
static int rebuild_share(void)
{
	int fd = open(h->share, O_RDONLY | O_DIRECTORY | O_CLOEXEC), sub;
	char target[128];

	FUZZ_CHECK(fd >= 0);
	fchmod(fd, 0755);
	empty_dir(dup(fd));
	put_file(fd, "hello.txt", "hello world\n");
	FUZZ_CHECK(mkdirat(fd, "sub", 0755) == 0);
	sub = openat(fd, "sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	put_file(sub, "inner.txt", "inner\n");
	close(sub);
	snprintf(target, sizeof(target), "%s/secret", h->root);
	FUZZ_CHECK(symlinkat(target, fd, "abs-link") == 0);
	FUZZ_CHECK(symlinkat("../secret", fd, "up-link") == 0);
	FUZZ_CHECK(symlinkat("..", fd, "dir-link") == 0);
	close(fd);
	return open(h->share, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* The scratch root holds exactly the share and the untouched secret. */
static void check_outside(void)
{
	char path[128], buf[32] = {0};
	DIR *d = opendir(h->root);
	struct dirent *e;
	unsigned n = 0;
	int fd;

	FUZZ_CHECK(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		FUZZ_CHECK(!strcmp(e->d_name, "share") || !strcmp(e->d_name, "secret"));
		n++;
	}
	closedir(d);
	FUZZ_CHECK(n == 2);
	snprintf(path, sizeof(path), "%s/secret", h->root);
	fd = open(path, O_RDONLY | O_NOFOLLOW);
	FUZZ_CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == (ssize_t)strlen(SECRET));
	close(fd);
	FUZZ_CHECK(!strcmp(buf, SECRET));
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = v >> (8 * i);
}

/* Sends req[0, len) and checks the reply's framing. */
static void exchange(struct p9_server *s, size_t len, size_t room)
{
	size_t n = p9_handle(s, h->req, len, h->resp, room);

	FUZZ_CHECK(n <= room && n <= P9_MSIZE_MAX);
	if (!n)
		return;
	FUZZ_CHECK(n >= 7 && n <= s->msize);
	FUZZ_CHECK((h->resp[0] | h->resp[1] << 8 | h->resp[2] << 16 | (size_t)h->resp[3] << 24) ==
		   n);
	if (len >= 7) {
		FUZZ_CHECK(h->resp[4] == 7 || h->resp[4] == (uint8_t)(h->req[4] + 1));
		FUZZ_CHECK(h->resp[5] == h->req[5] && h->resp[6] == h->req[6]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p9_server s;
	size_t pos = 1;
	unsigned msgs = 0;
	int root_fd;

	FUZZ_CHECK(h);
	if (size < 1)
		return 0;
	root_fd = rebuild_share();
	FUZZ_CHECK(root_fd >= 0);
	p9_init(&s, root_fd, !(data[0] & 1));
	s.cross_mounts = data[0] & 2; /* --run's root: qids and the pseudo-fs check */
	/* Tversion (msize from the input's first byte) and Tattach of fid 0. */
	put_le(h->req, 19, 4);
	h->req[4] = 100;
	put_le(h->req + 5, 0xffff, 2);
	put_le(h->req + 7, 4096u << (data[0] >> 5), 4);
	put_le(h->req + 11, 8, 2);
	memcpy(h->req + 13, "9P2000.L", 8);
	put_le(h->req, 21, 4);
	exchange(&s, 21, sizeof(h->resp));
	{
		static const uint8_t attach[] = {19,   0,    0,	   0, 104, 1, 0, 0, 0, 0, 0, 0xff,
						 0xff, 0xff, 0xff, 0, 0,   0, 0, 0, 0, 0, 0};

		memcpy(h->req, attach, sizeof(attach));
		put_le(h->req, sizeof(attach), 4);
		exchange(&s, sizeof(attach), sizeof(h->resp));
	}
	/* Records: kind[1] len[2] bytes; kind bit 0: the size field as given. */
	while (pos + 3 <= size && msgs++ < 64) {
		uint8_t kind = data[pos];
		size_t len = data[pos + 1] | data[pos + 2] << 8, room;

		pos += 3;
		if (len > size - pos)
			len = size - pos;
		if (kind & 1) {
			memcpy(h->req, data + pos, len);
		} else {
			if (len + 4 > sizeof(h->req))
				break;
			put_le(h->req, len + 4, 4);
			memcpy(h->req + 4, data + pos, len);
			len += 4;
		}
		pos += kind & 1 ? len : len - 4;
		room = kind >> 1 ? (size_t)(kind >> 1) * 13 : sizeof(h->resp);
		exchange(&s, len, room);
	}
	p9_reset(&s);
	FUZZ_CHECK(s.nfids == 0);
	close(root_fd);
	check_outside();
	return 0;
}
