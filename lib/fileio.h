/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bounded file I/O with -errno results. Reads never trust a file's size:
 * sysfs reports 4096 for every attribute and procfs reports 0.
 */
#ifndef HV_FILEIO_H
#define HV_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads until EOF or len bytes, retrying EINTR and short reads. */
ssize_t hv_read_full(int fd, void *buf, size_t len);
/* Writes all of buf, retrying EINTR and short writes; 0 or -errno. */
int hv_write_full(int fd, const void *buf, size_t len);
/*
 * The same at a file offset (pread/pwrite: the descriptor's own offset
 * stays). hv_pread_full returns fewer than len bytes only at the end of
 * the file; hv_pwrite_full gives -EIO if a write takes nothing.
 */
ssize_t hv_pread_full(int fd, void *buf, size_t len, uint64_t off);
int hv_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

/*
 * Reads a whole file into buf (size bytes including the terminating NUL).
 * -EFBIG if the file holds more than size - 1 bytes. *len may be NULL.
 */
int hv_read_file(const char *path, char *buf, size_t size, size_t *len);
/* Like hv_read_file but allocates; at most max bytes. Caller frees *out. */
int hv_read_file_alloc(const char *path, size_t max, char **out, size_t *len);
/* Same for an open descriptor (stdin, pipes). */
int hv_read_fd_alloc(int fd, size_t max, char **out, size_t *len);

/*
 * Writes a sysfs-style attribute in one write(2): the kernel acts on that
 * single call, and its errno is the kernel's answer (EBUSY, ENODEV...).
 * A symlink at path is not followed (-ELOOP).
 */
int hv_write_attr(const char *path, const char *val);

/*
 * Replaces path atomically: temp file in the same directory, fsync, rename,
 * fsync of the directory. A crash leaves the old or the new content. The
 * temp file (path.tmp.XXXXXX) is created exclusively, so nothing planted
 * in the directory is written through.
 */
int hv_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Strips trailing newlines in place; returns the new length. */
size_t hv_chomp(char *s);

#endif
