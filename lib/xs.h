/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * XenStore client code shared by xsctl and gntshare (publishing grant refs).
 * Transport selection follows libxenstore 4.17: by default $XENSTORED_PATH,
 * else the daemon socket and then /dev/xen/xenbus; a tool may force either.
 * Every call returns 0 or -errno; libxenstore's errno is passed through.
 */
#ifndef HV_XS_H
#define HV_XS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <xenstore.h>

enum hv_xs_transport {
	HV_XS_DEFAULT, /* as libxenstore decides (XENSTORED_PATH honoured) */
	HV_XS_SOCKET,  /* the daemon's unix socket (path or default) */
	HV_XS_XENBUS,  /* the kernel's /dev/xen/xenbus */
};

struct hv_xs {
	struct xs_handle *h;
	char tried[PATH_MAX + 64]; /* what was tried, for error messages */
	/*
	 * The connection's own descriptor, or -1. libxenstore built without
	 * threads (Debian's static libxenstore.a) reads watch events only when
	 * called, so waiting for them means polling this descriptor; the
	 * threaded shared library signals them on xs_fileno() instead.
	 */
	int fd;
};

/* The XenStore protocol's payload limit (XENSTORE_PAYLOAD_MAX). */
#define HV_XS_PAYLOAD_MAX  4096
#define HV_XS_HINT_CONNECT "is xenstored running? is xenfs mounted on /proc/xen?"

/* Opens the connection; on failure -errno and x->tried names the transport(s). */
int hv_xs_open(struct hv_xs *x, enum hv_xs_transport t, const char *socket_path);
/*
 * The same with another xs_open(), e.g. one of a dlopen()ed libxenstore
 * (close that handle with its own xs_close(), not hv_xs_close()).
 */
int hv_xs_open_with(struct hv_xs *x, enum hv_xs_transport t, const char *socket_path,
		    struct xs_handle *(*open_fn)(unsigned long flags));
void hv_xs_close(struct hv_xs *x);

/* Thin -errno wrappers over libxenstore; t is XBT_NULL or a transaction. */
int hv_xs_read(struct hv_xs *x, xs_transaction_t t, const char *path, char **val, size_t *len);
int hv_xs_write(struct hv_xs *x, xs_transaction_t t, const char *path, const void *val, size_t len);
int hv_xs_rm(struct hv_xs *x, xs_transaction_t t, const char *path);
int hv_xs_mkdir(struct hv_xs *x, xs_transaction_t t, const char *path);
/* Children names; free(*names) releases them all (one allocation). */
int hv_xs_directory(struct hv_xs *x, xs_transaction_t t, const char *path, char ***names,
		    unsigned int *n);

/*
 * Path rules of the daemons, checked before anything is sent: characters
 * [A-Za-z0-9/_@-], no empty component ("//"), no trailing '/' except the
 * root, at most 3072 bytes absolute and 2048 relative (relative paths are
 * under the caller's /local/domain/<domid>). Watches may also name the
 * special "@introduceDomain" and "@releaseDomain" (allow_special).
 * Returns 0, -EINVAL (*why says what is wrong) or -ENAMETOOLONG.
 */
int hv_xs_check_path(const char *path, bool allow_special, const char **why);
#define HV_XS_ABS_PATH_MAX 3072
#define HV_XS_REL_PATH_MAX 2048

/*
 * Permissions: the first entry is the owner (who may always read and write)
 * and the access of every domain not listed; the others are per domain.
 * Tokens as Xen's tools write them: n (none), r (read), w (write), b (both)
 * followed by the domid, e.g. "n0 r5".
 */
int hv_xs_get_perms(struct hv_xs *x, xs_transaction_t t, const char *path,
		    struct xs_permissions **perms, unsigned int *n);
int hv_xs_set_perms(struct hv_xs *x, xs_transaction_t t, const char *path,
		    struct xs_permissions *perms, unsigned int n);
/* Parses one token ("r5"); -EINVAL on anything else. */
int hv_xs_perm_parse(const char *tok, struct xs_permissions *p);
/* Formats one entry as a token into buf (at least 16 bytes). */
char *hv_xs_perm_format(const struct xs_permissions *p, char *buf, size_t len);
/* All entries as space-separated tokens; malloc'ed, NULL on ENOMEM. */
char *hv_xs_perms_string(const struct xs_permissions *perms, unsigned int n);

/* /local/domain/<domid> as the daemon reports it (malloc'ed). */
int hv_xs_domain_path(struct hv_xs *x, unsigned int domid, char **path);

/* Transactions: start gives *t; end commits (abort=false) or aborts. A commit
 * that lost a race returns -EAGAIN: the caller re-runs its operations. */
int hv_xs_tx_start(struct hv_xs *x, xs_transaction_t *t);
int hv_xs_tx_end(struct hv_xs *x, xs_transaction_t t, bool abort);

#endif
