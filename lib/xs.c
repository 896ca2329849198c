// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs.h"

#define DEFAULT_SOCKET "/run/xenstored/socket"
#define XENBUS_DEV "/dev/xen/xenbus"

int hv_xs_open(struct hv_xs *x, enum hv_xs_transport t, const char *socket_path)
{
	const char *env = getenv("XENSTORED_PATH");
	unsigned long flags = 0;

	x->h = NULL;
	switch (t) {
	case HV_XS_SOCKET:
		/* libxenstore takes the socket path only from the environment. */
		if (!socket_path)
			socket_path = env ? env : DEFAULT_SOCKET;
		if (setenv("XENSTORED_PATH", socket_path, 1) < 0)
			return -errno;
		flags = XS_OPEN_SOCKETONLY;
		snprintf(x->tried, sizeof(x->tried), "socket %s", socket_path);
		break;
	case HV_XS_XENBUS:
		if (setenv("XENSTORED_PATH", XENBUS_DEV, 1) < 0)
			return -errno;
		snprintf(x->tried, sizeof(x->tried), "%s", XENBUS_DEV);
		break;
	default:
		if (env)
			snprintf(x->tried, sizeof(x->tried), "XENSTORED_PATH=%s", env);
		else
			snprintf(x->tried, sizeof(x->tried), "%s and socket %s", XENBUS_DEV,
				 DEFAULT_SOCKET);
		break;
	}
	errno = 0;
	x->h = xs_open(flags);
	if (!x->h)
		return errno ? -errno : -ENOENT;
	return 0;
}

void hv_xs_close(struct hv_xs *x)
{
	if (x->h)
		xs_close(x->h);
	x->h = NULL;
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

int hv_xs_write(struct hv_xs *x, xs_transaction_t t, const char *path, const void *val,
		size_t len)
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
