// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "parse.h"
#include "sysfs.h"

int hv_path_init(struct hv_path *p, const char *root)
{
	size_t len;

	p->root[0] = '\0';
	if (!root || !*root || !strcmp(root, "/"))
		return 0;
	len = strlen(root);
	if (len >= sizeof(p->root))
		return -ENAMETOOLONG;
	memcpy(p->root, root, len + 1);
	while (len > 1 && p->root[len - 1] == '/')
		p->root[--len] = '\0';
	return 0;
}

int hv_path_init_env(struct hv_path *p)
{
	return hv_path_init(p, getenv("HVUTILS_SYSROOT"));
}

static int vbuild(const struct hv_path *p, char *buf, size_t len, const char *fmt, va_list ap)
{
	size_t rl = strlen(p->root);
	int n;

	if (rl >= len)
		return -ENAMETOOLONG;
	memcpy(buf, p->root, rl);
	n = vsnprintf(buf + rl, len - rl, fmt, ap);
	if (n < 0 || (size_t)n >= len - rl)
		return -ENAMETOOLONG;
	return 0;
}

int hv_path_build(const struct hv_path *p, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vbuild(p, buf, len, fmt, ap);
	va_end(ap);
	return rc;
}

#define BUILD_OR_RETURN(p, path, fmt)                                                              \
	do {                                                                                       \
		va_list ap_;                                                                       \
		int rc_;                                                                           \
		va_start(ap_, fmt);                                                                \
		rc_ = vbuild(p, path, sizeof(path), fmt, ap_);                                     \
		va_end(ap_);                                                                       \
		if (rc_)                                                                           \
			return rc_;                                                                \
	} while (0)

int hv_path_read(const struct hv_path *p, char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	size_t n;
	int rc;

	BUILD_OR_RETURN(p, path, fmt);
	rc = hv_read_file(path, buf, len, &n);
	if (rc)
		return rc;
	return (int)hv_chomp(buf);
}

int hv_sysfs_parse_number(char *buf, bool hex, uint64_t *val)
{
	hv_chomp(buf);
	if (hex && strncmp(buf, "0x", 2)) {
		char tmp[68];

		if (strlen(buf) > sizeof(tmp) - 3)
			return -EINVAL;
		snprintf(tmp, sizeof(tmp), "0x%s", buf);
		return hv_parse_u64(tmp, 0, UINT64_MAX, val);
	}
	return hv_parse_u64(buf, 0, UINT64_MAX, val);
}

static int read_number(const char *path, uint64_t *val, int hex)
{
	char buf[64];
	size_t n;
	int rc = hv_read_file(path, buf, sizeof(buf), &n);

	if (rc)
		return rc;
	return hv_sysfs_parse_number(buf, hex, val);
}

int hv_path_read_u64(const struct hv_path *p, uint64_t *val, const char *fmt, ...)
{
	char path[PATH_MAX];

	BUILD_OR_RETURN(p, path, fmt);
	return read_number(path, val, 0);
}

int hv_path_read_hex(const struct hv_path *p, uint64_t *val, const char *fmt, ...)
{
	char path[PATH_MAX];

	BUILD_OR_RETURN(p, path, fmt);
	return read_number(path, val, 1);
}

int hv_path_write(const struct hv_path *p, const char *val, const char *fmt, ...)
{
	char path[PATH_MAX];

	BUILD_OR_RETURN(p, path, fmt);
	return hv_write_attr(path, val);
}

int hv_path_link_name(const struct hv_path *p, char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	BUILD_OR_RETURN(p, path, fmt);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

bool hv_path_exists(const struct hv_path *p, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vbuild(p, path, sizeof(path), fmt, ap);
	va_end(ap);
	return !rc && access(path, F_OK) == 0;
}

DIR *hv_path_opendir(const struct hv_path *p, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vbuild(p, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	return opendir(path);
}

static int cmp_names(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

int hv_path_list(const struct hv_path *p, char ***names, const char *fmt, ...)
{
	char path[PATH_MAX];
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;
	DIR *d;

	BUILD_OR_RETURN(p, path, fmt);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nv = realloc(v, ncap * sizeof(*nv));

			if (!nv)
				goto nomem;
			v = nv;
			cap = ncap;
		}
		v[n] = strdup(de->d_name);
		if (!v[n])
			goto nomem;
		v[++n] = NULL;
	}
	closedir(d);
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	return (int)n;
nomem:
	closedir(d);
	hv_strv_free(v);
	return -ENOMEM;
}

void hv_strv_free(char **v)
{
	if (!v)
		return;
	for (char **i = v; *i; i++)
		free(*i);
	free(v);
}
