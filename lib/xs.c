// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xs.h"

#define DEFAULT_SOCKET "/run/xenstored/socket"
#define XENBUS_DEV     "/dev/xen/xenbus"

/*
 * x->tried = a b c (any may be ""), cut to fit. Not snprintf(): every
 * connection sets it, and a short-lived client should not run the printf
 * engine for a message it prints only on failure.
 */
static void set_tried(struct hv_xs *x, const char *a, const char *b, const char *c)
{
	const char *parts[] = {a, b, c};
	size_t used = 0;

	for (size_t i = 0; i < 3; i++) {
		size_t n = strnlen(parts[i], sizeof(x->tried) - 1 - used);

		memcpy(x->tried + used, parts[i], n);
		used += n;
	}
	x->tried[used] = '\0';
}

int hv_xs_open(struct hv_xs *x, enum hv_xs_transport t, const char *socket_path)
{
	return hv_xs_open_with(x, t, socket_path, xs_open);
}

int hv_xs_open_with(struct hv_xs *x, enum hv_xs_transport t, const char *socket_path,
		    struct xs_handle *(*open_fn)(unsigned long flags))
{
	const char *env = getenv("XENSTORED_PATH");
	unsigned long flags = 0;

	x->h = NULL;
	x->fd = -1;
	switch (t) {
	case HV_XS_SOCKET:
		/* libxenstore takes the socket path only from the environment. */
		if (!socket_path)
			socket_path = env ? env : DEFAULT_SOCKET;
		if (setenv("XENSTORED_PATH", socket_path, 1) < 0)
			return -errno;
		flags = XS_OPEN_SOCKETONLY;
		set_tried(x, "socket ", socket_path, "");
		/*
		 * libxenstore opens anything that is not a socket as a device:
		 * a forced socket must really be one.
		 */
		{
			struct stat st;

			if (stat(socket_path, &st) < 0)
				return -errno;
			if (!S_ISSOCK(st.st_mode))
				return -ENOTSOCK;
		}
		break;
	case HV_XS_XENBUS:
		if (setenv("XENSTORED_PATH", XENBUS_DEV, 1) < 0)
			return -errno;
		set_tried(x, XENBUS_DEV, "", "");
		break;
	default:
		if (env)
			set_tried(x, "XENSTORED_PATH=", env, "");
		else
			set_tried(x, "socket " DEFAULT_SOCKET ", then ", XENBUS_DEV, "");
		break;
	}
	/*
	 * xs_open() opens exactly one descriptor, the lowest free one: note
	 * which that is, and keep it only if it turns out to be a socket or a
	 * character device (the two kinds of XenStore connection).
	 */
	x->fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (x->fd >= 0)
		close(x->fd);
	errno = 0;
	x->h = open_fn(flags);
	if (!x->h) {
		x->fd = -1;
		return errno ? -errno : -ENOENT;
	}
	{
		struct stat st;

		if (x->fd < 0 || fstat(x->fd, &st) < 0 ||
		    !(S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode)))
			x->fd = -1;
	}
	return 0;
}

void hv_xs_close(struct hv_xs *x)
{
	if (x->h)
		xs_close(x->h);
	x->h = NULL;
	x->fd = -1;
}

int hv_xs_read(struct hv_xs *x, xs_transaction_t t, const char *path, char **val, size_t *len)
{
	unsigned int n = 0;
	char *v;

	errno = 0;
	v = xs_read(x->h, t, path, &n);
	if (!v)
		return errno ? -errno : -EIO;
	*val = v;
	if (len)
		*len = n;
	return 0;
}

int hv_xs_write(struct hv_xs *x, xs_transaction_t t, const char *path, const void *val, size_t len)
{
	if (len > HV_XS_PAYLOAD_MAX)
		return -E2BIG;
	errno = 0;
	if (!xs_write(x->h, t, path, val, (unsigned int)len))
		return errno ? -errno : -EIO;
	return 0;
}

int hv_xs_rm(struct hv_xs *x, xs_transaction_t t, const char *path)
{
	errno = 0;
	if (!xs_rm(x->h, t, path))
		return errno ? -errno : -EIO;
	return 0;
}

int hv_xs_mkdir(struct hv_xs *x, xs_transaction_t t, const char *path)
{
	errno = 0;
	if (!xs_mkdir(x->h, t, path))
		return errno ? -errno : -EIO;
	return 0;
}

int hv_xs_directory(struct hv_xs *x, xs_transaction_t t, const char *path, char ***names,
		    unsigned int *n)
{
	char **d;

	errno = 0;
	d = xs_directory(x->h, t, path, n);
	if (!d)
		return errno ? -errno : -EIO;
	*names = d;
	return 0;
}

static bool path_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '/' || c == '_' || c == '-' || c == '@';
}

int hv_xs_check_path(const char *path, bool allow_special, const char **why)
{
	size_t len = strlen(path);

	*why = NULL;
	if (allow_special && (!strcmp(path, "@introduceDomain") || !strcmp(path, "@releaseDomain")))
		return 0;
	if (!len) {
		*why = "empty path";
		return -EINVAL;
	}
	if (path[0] == '/' ? len > HV_XS_ABS_PATH_MAX : len > HV_XS_REL_PATH_MAX) {
		*why = path[0] == '/' ? "longer than 3072 bytes (absolute path limit)"
				      : "longer than 2048 bytes (relative path limit)";
		return -ENAMETOOLONG;
	}
	for (size_t i = 0; i < len; i++) {
		if (!path_char_ok(path[i])) {
			*why = "only A-Z a-z 0-9 / _ @ - are allowed";
			return -EINVAL;
		}
		if (path[i] == '/' && path[i + 1] == '/') {
			*why = "empty path component ('//')";
			return -EINVAL;
		}
	}
	if (len > 1 && path[len - 1] == '/') {
		*why = "trailing '/'";
		return -EINVAL;
	}
	return 0;
}

int hv_xs_get_perms(struct hv_xs *x, xs_transaction_t t, const char *path,
		    struct xs_permissions **perms, unsigned int *n)
{
	struct xs_permissions *p;

	errno = 0;
	p = xs_get_permissions(x->h, t, path, n);
	if (!p)
		return errno ? -errno : -EIO;
	*perms = p;
	return 0;
}

int hv_xs_set_perms(struct hv_xs *x, xs_transaction_t t, const char *path,
		    struct xs_permissions *perms, unsigned int n)
{
	errno = 0;
	if (!xs_set_permissions(x->h, t, path, perms, n))
		return errno ? -errno : -EIO;
	return 0;
}

int hv_xs_perm_parse(const char *tok, struct xs_permissions *p)
{
	char *end;
	unsigned long id;

	switch (tok[0]) {
	case 'n':
		p->perms = XS_PERM_NONE;
		break;
	case 'r':
		p->perms = XS_PERM_READ;
		break;
	case 'w':
		p->perms = XS_PERM_WRITE;
		break;
	case 'b':
		p->perms = XS_PERM_READ | XS_PERM_WRITE;
		break;
	default:
		return -EINVAL;
	}
	/* Domain ids are 16 bits (DOMID_FIRST_RESERVED is 0x7ff0). */
	if (tok[1] < '0' || tok[1] > '9')
		return -EINVAL;
	errno = 0;
	id = strtoul(tok + 1, &end, 10);
	if (errno || *end || id > 65535)
		return -EINVAL;
	p->id = (unsigned int)id;
	return 0;
}

char *hv_xs_perm_format(const struct xs_permissions *p, char *buf, size_t len)
{
	char c;

	switch (p->perms & (XS_PERM_READ | XS_PERM_WRITE)) {
	case XS_PERM_READ:
		c = 'r';
		break;
	case XS_PERM_WRITE:
		c = 'w';
		break;
	case XS_PERM_READ | XS_PERM_WRITE:
		c = 'b';
		break;
	default:
		c = 'n';
		break;
	}
	snprintf(buf, len, "%c%u", c, p->id);
	return buf;
}

char *hv_xs_perms_string(const struct xs_permissions *perms, unsigned int n)
{
	char *s = malloc((size_t)n * 16 + 1), tok[16];
	size_t used = 0;

	if (!s)
		return NULL;
	s[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		hv_xs_perm_format(&perms[i], tok, sizeof(tok));
		used += (size_t)sprintf(s + used, "%s%s", i ? " " : "", tok);
	}
	return s;
}

int hv_xs_domain_path(struct hv_xs *x, unsigned int domid, char **path)
{
	char *p;

	errno = 0;
	p = xs_get_domain_path(x->h, domid);
	if (!p)
		return errno ? -errno : -EIO;
	*path = p;
	return 0;
}

int hv_xs_tx_start(struct hv_xs *x, xs_transaction_t *t)
{
	errno = 0;
	*t = xs_transaction_start(x->h);
	if (*t == XBT_NULL)
		return errno ? -errno : -EIO;
	return 0;
}

int hv_xs_tx_end(struct hv_xs *x, xs_transaction_t t, bool abort)
{
	errno = 0;
	if (!xs_transaction_end(x->h, t, abort))
		return errno ? -errno : -EIO;
	return 0;
}
