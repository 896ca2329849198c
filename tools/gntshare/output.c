// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Content in and out of the pages: files, stdin/stdout, hexdump, and the
 * refs line (or JSON record) the sharer prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "fileio.h"
#include "gntshare.h"
#include "json.h"

int gs_read_input(const char *name, size_t max, char **buf, size_t *len)
{
	int fd = 0, rc;

	if (strcmp(name, "-")) {
		fd = open(name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	/* One byte past the pages is enough to know the input does not fit. */
	rc = hv_read_fd_alloc(fd, max, buf, len);
	if (fd)
		close(fd);
	return rc == -EFBIG ? -E2BIG : rc;
}

int gs_open_input_file(const char *name, size_t max, int *fd, size_t *size)
{
	struct stat st;

	*fd = -1;
	if (!strcmp(name, "-"))
		return 0;
	if (stat(name, &st) < 0)
		return -errno;
	/* Pipes, devices, /dev/stdin: only reading them tells their size. */
	if (!S_ISREG(st.st_mode))
		return 0;
	*fd = open(name, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	/* The descriptor's own size: the name may have moved since stat(). */
	if (fstat(*fd, &st) < 0) {
		int rc = -errno;

		close(*fd);
		*fd = -1;
		return rc;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(*fd);
		*fd = -1;
		return S_ISREG(st.st_mode) ? -E2BIG : 0;
	}
	*size = (size_t)st.st_size;
	return 0;
}

int gs_read_into(int fd, void *dst, size_t max, size_t *len)
{
	ssize_t n = hv_read_full(fd, dst, max);
	char extra;

	if (n < 0)
		return (int)n;
	*len = (size_t)n;
	/* A file that grew past the pages since fstat(): still too much. */
	if ((size_t)n == max) {
		ssize_t m = hv_read_full(fd, &extra, 1);

		if (m < 0)
			return (int)m;
		if (m > 0)
			return -E2BIG;
	}
	return 0;
}

int gs_open_output_file(const char *name, int *fd)
{
	struct stat st;

	*fd = -1;
	if (!name || !strcmp(name, "-"))
		return 0;
	if (stat(name, &st) == 0 && !S_ISREG(st.st_mode))
		return 0;
	/*
	 * O_NONBLOCK: should a FIFO take the file's place after stat(), the
	 * open fails (ENXIO) or returns at once instead of waiting for a
	 * reader while the caller holds its grants. Regular files ignore it.
	 */
	*fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0666);
	if (*fd < 0) {
		int rc = -errno;

		return rc == -ENXIO ? 0 : rc;
	}
	if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(*fd);
		*fd = -1;
	}
	return 0;
}

static int hexdump_to(FILE *f, const unsigned char *p, size_t len, size_t base)
{
	bool starred = false;

	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;

		/* Like hexdump -C: a run of identical full lines is one '*'. */
		if (off && n == 16 && len - off >= 16 && !memcmp(p + off, p + off - 16, 16)) {
			if (!starred)
				fputs("*\n", f);
			starred = true;
			continue;
		}
		starred = false;
		fprintf(f, "%08zx ", base + off);
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				fputc(' ', f);
			if (i < n)
				fprintf(f, " %02x", p[off + i]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (size_t i = 0; i < n; i++)
			fputc(p[off + i] >= 0x20 && p[off + i] < 0x7f ? p[off + i] : '.', f);
		fputs("|\n", f);
	}
	fprintf(f, "%08zx\n", base + len);
	return fflush(f) == EOF || ferror(f) ? -EIO : 0;
}

int gs_write_output(const char *name, const void *buf, size_t len, size_t base, bool hexdump)
{
	bool std = !name || !strcmp(name, "-");
	int fd = 1, rc;

	fflush(stdout);
	if (!std) {
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0)
			return -errno;
	}
	if (hexdump) {
		FILE *f = std ? stdout : fdopen(fd, "w");

		if (!f) {
			rc = -errno;
			close(fd);
			return rc;
		}
		rc = hexdump_to(f, buf, len, base);
		if (!std && fclose(f) == EOF && !rc)
			rc = -errno;
		return rc;
	}
	rc = hv_write_full(fd, buf, len);
	if (!std && close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

char *gs_format_u32(char *p, uint32_t v)
{
	char tmp[10];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = tmp[--n];
	*p = '\0';
	return p;
}

char *gs_format_refs(const uint32_t *refs, uint32_t count)
{
	char *s = malloc((size_t)count * 11 + 1), *p = s;

	if (!s)
		return NULL;
	*p = '\0';
	for (uint32_t i = 0; i < count; i++) {
		if (i)
			*p++ = ' ';
		p = gs_format_u32(p, refs[i]);
	}
	return s;
}

void gs_print_refs(const struct gs_ctx *c, uint16_t domid, const uint32_t *refs, uint32_t count,
		   uint64_t index)
{
	if (c->common.json) {
		struct hv_json j;

		hv_json_init(&j, stdout, true);
		hv_json_object_open(&j, NULL);
		hv_json_u64(&j, "domid", domid);
		hv_json_u64(&j, "count", count);
		hv_json_array_open(&j, "refs");
		for (uint32_t i = 0; i < count; i++)
			hv_json_u64(&j, NULL, refs[i]);
		hv_json_array_close(&j);
		hv_json_u64(&j, "index", index);
		hv_json_object_close(&j);
		hv_json_end(&j);
	} else {
		char *line = gs_format_refs(refs, count);

		if (line) {
			fputs(line, stdout);
			putchar('\n');
		} else {
			/* Without memory for the line, the refs still go out. */
			for (uint32_t i = 0; i < count; i++)
				printf("%s%u", i ? " " : "", refs[i]);
			putchar('\n');
		}
		free(line);
	}
	/* Scripts read the refs while we hold them. */
	fflush(stdout);
}
