/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * XenStore connection shared by xsctl and gntshare (publishing grant refs).
 * Transport selection follows libxenstore: by default /dev/xen/xenbus (or
 * $XENSTORED_PATH) then the daemon socket; a tool may force either.
 */
#ifndef HV_XS_H
#define HV_XS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <xenstore.h>

enum hv_xs_transport {
	HV_XS_DEFAULT,	/* as libxenstore decides (XENSTORED_PATH honoured) */
	HV_XS_SOCKET,	/* the daemon's unix socket (path or default) */
	HV_XS_XENBUS,	/* the kernel's /dev/xen/xenbus */
};

struct hv_xs {
	struct xs_handle *h;
	char tried[PATH_MAX + 64];	/* what was tried, for error messages */
};

/* The XenStore protocol's payload limit (XENSTORE_PAYLOAD_MAX). */
#define HV_XS_PAYLOAD_MAX 4096
#define HV_XS_HINT_CONNECT "is xenstored running? is xenfs mounted on /proc/xen?"

/* Opens the connection; on failure -errno and x->tried names the transport(s). */
int hv_xs_open(struct hv_xs *x, enum hv_xs_transport t, const char *socket_path);
void hv_xs_close(struct hv_xs *x);

/* Thin -errno wrappers over libxenstore; t is XBT_NULL or a transaction. */
int hv_xs_read(struct hv_xs *x, xs_transaction_t t, const char *path, char **val, size_t *len);
int hv_xs_write(struct hv_xs *x, xs_transaction_t t, const char *path, const void *val,
		size_t len);
int hv_xs_rm(struct hv_xs *x, xs_transaction_t t, const char *path);

#endif
