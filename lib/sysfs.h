/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading /sys and /proc under a settable root prefix, so the same code
 * reads the live system or a fake tree in tests (tools take --sysroot or
 * the HVUTILS_SYSROOT environment variable). Paths given to these calls are
 * absolute as on a live system ("/sys/bus/pci/devices/%s/driver").
 */
#ifndef HV_SYSFS_H
#define HV_SYSFS_H

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hv_path {
	char root[PATH_MAX]; /* "" for the live system */
};

/* root NULL or "" or "/" means the live system. -ENAMETOOLONG if too long. */
int hv_path_init(struct hv_path *p, const char *root);
/* Root from the environment variable HVUTILS_SYSROOT when set. */
int hv_path_init_env(struct hv_path *p);

int hv_path_build(const struct hv_path *p, char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Attribute content without trailing newline; length or -errno (-EFBIG if too long). */
int hv_path_read(const struct hv_path *p, char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int hv_path_read_u64(const struct hv_path *p, uint64_t *val, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * The number in an attribute's text (buf is chomped in place): decimal/auto
 * base, or with hex, hex with or without "0x" (PCI "class" is 0x020000, some
 * attributes omit the prefix). 0, -EINVAL or -ERANGE as hv_parse_u64.
 */
int hv_sysfs_parse_number(char *buf, bool hex, uint64_t *val);
/* Hex attributes such as PCI "vendor" (0x8086). */
int hv_path_read_hex(const struct hv_path *p, uint64_t *val, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int hv_path_write(const struct hv_path *p, const char *val, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Last component of a symlink's target (a driver name, a group number). */
int hv_path_link_name(const struct hv_path *p, char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool hv_path_exists(const struct hv_path *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
DIR *hv_path_opendir(const struct hv_path *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Sorted names of a directory's entries (no "." or ".."), NULL-terminated,
 * freed with hv_strv_free. Returns the count or -errno.
 */
int hv_path_list(const struct hv_path *p, char ***names, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void hv_strv_free(char **v);

#endif
