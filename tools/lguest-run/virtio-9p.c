// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-9p (--share HOSTDIR[,tag=TAG][,rw]): the transport half. Each
 * chain the guest offers is one 9P request (its readable buffers) and room
 * for the reply (its writable ones); the request is gathered into a bounce
 * buffer, answered by p9.c, and the reply scattered back. The Linux client
 * puts a read's or readdir's 11-byte reply header in a buffer of its own
 * and the data in the pages after it, which a linear scatter fills as it
 * expects. Requests are served on the vCPU thread as they come.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "diag.h"
#include "lguest-run.h"
#include "p9.h"

#define VIRTIO_9P_MOUNT_TAG 1u

struct p9_dev {
	struct p9_server srv;
	char tag[LG_TAG_MAX + 1];
	uint8_t *req, *resp; /* P9_MSIZE_MAX each, allocated with the device */
};

static uint32_t p9_features(struct lg_virtio *v)
{
	(void)v;
	return VIRTIO_9P_MOUNT_TAG;
}

/* tag_len (le16), then the tag without a NUL. */
static void p9_config(struct lg_virtio *v, unsigned off, uint8_t *buf, unsigned len)
{
	const struct p9_dev *d = v->priv;
	uint8_t cfg[2 + LG_TAG_MAX] = {0};
	size_t n = strlen(d->tag);

	cfg[0] = n;
	memcpy(cfg + 2, d->tag, n);
	memcpy(buf, cfg + off, len);
}

/* One chain: gather, answer, scatter; returns the bytes written to the guest. */
static uint32_t serve(struct lg *lg, struct p9_dev *d, const struct lg_desc_chain *c)
{
	size_t in = 0, room = 0, reply, done = 0;

	for (unsigned i = 0; i < c->n; i++) {
		size_t len = c->d[i].len;

		if (c->d[i].write) {
			room += len;
			continue;
		}
		/* A request longer than any msize is cut: its size field then fails the check. */
		if (len > P9_MSIZE_MAX - in)
			len = P9_MSIZE_MAX - in;
		memcpy(d->req + in, lg_gpa(lg, c->d[i].addr, len), len);
		in += len;
	}
	reply = p9_handle(&d->srv, d->req, in, d->resp, room < P9_MSIZE_MAX ? room : P9_MSIZE_MAX);
	for (unsigned i = 0; i < c->n && done < reply; i++) {
		size_t len = c->d[i].len;

		if (!c->d[i].write)
			continue;
		if (len > reply - done)
			len = reply - done;
		memcpy(lg_gpa(lg, c->d[i].addr, len), d->resp + done, len);
		done += len;
	}
	return done;
}

static bool p9_notify(struct lg *lg, struct lg_virtio *v, unsigned q)
{
	struct p9_dev *d = v->priv;
	struct lg_desc_chain c;
	bool used = false;

	while (lg_vq_pop(lg, v, q, &c) > 0) {
		lg_vq_push(lg, v, q, c.head, serve(lg, d, &c));
		used = true;
	}
	v->requests = d->srv.requests;
	v->bytes = d->srv.bytes;
	return used;
}

static void p9_dev_reset(struct lg_virtio *v)
{
	p9_reset(&((struct p9_dev *)v->priv)->srv);
}

static void p9_release(struct lg_virtio *v)
{
	struct p9_dev *d = v->priv;

	if (!d)
		return;
	p9_reset(&d->srv);
	free(d->req);
	free(d->resp);
	free(d);
	v->priv = NULL;
}

static const struct lg_virtio_ops p9_ops = {
    .name = "virtio-9p",
    .pci_device = 0x1009,
    .type = 9,
    .class_code = 0x00ff00,
    .nqueues = 1,
    .features = p9_features,
    .config_read = p9_config,
    .config_size = 2 + LG_TAG_MAX,
    .notify = p9_notify,
    .reset = p9_dev_reset,
    .release = p9_release,
};

static bool tag_ok(const char *t)
{
	if (!*t || strlen(t) > LG_TAG_MAX)
		return false;
	for (; *t; t++)
		if (!(*t >= 'a' && *t <= 'z') && !(*t >= 'A' && *t <= 'Z') &&
		    !(*t >= '0' && *t <= '9') && !strchr("_.-", *t))
			return false;
	return true;
}

int lg_share_parse(struct lg_share_opt *opt, const char *arg, unsigned index)
{
	size_t len = strlen(arg);
	bool have_tag = false;
	char *path;

	*opt = (struct lg_share_opt){.fd = -1};
	/* Known suffixes are options, from the end; other commas belong to the path. */
	for (;;) {
		const char *comma = memrchr(arg, ',', len);
		size_t n = comma ? len - (comma - arg) - 1 : 0;

		if (!comma)
			break;
		if ((n == 2 && !strncmp(comma + 1, "rw", 2)) ||
		    (n == 2 && !strncmp(comma + 1, "ro", 2))) {
			opt->rw = comma[2] == 'w';
		} else if (n > 4 && !strncmp(comma + 1, "tag=", 4) && !have_tag) {
			if (n - 4 > LG_TAG_MAX)
				return hv_usage_error("--share: tag '%.*s' longer than %d bytes",
						      (int)(n - 4), comma + 5, LG_TAG_MAX);
			memcpy(opt->tag, comma + 5, n - 4);
			opt->tag[n - 4] = 0;
			if (!tag_ok(opt->tag))
				return hv_usage_error(
				    "--share: tag '%s': use letters, digits, '_', '.' and '-'",
				    opt->tag);
			have_tag = true;
		} else {
			break;
		}
		len = comma - arg;
	}
	if (!have_tag) {
		if (index)
			snprintf(opt->tag, sizeof(opt->tag), "share%u", index);
		else
			snprintf(opt->tag, sizeof(opt->tag), "share");
	}
	if (!len)
		return hv_usage_error("--share: empty directory name");
	path = strndup(arg, len);
	if (!path)
		return hv_fail(-ENOMEM, NULL, "--share");
	opt->path = path;
	return 0;
}

int lg_share_open(struct lg_share_opt *opt)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
	struct rlimit rl;
	long fd;
	int rc;

	opt->fd = open(opt->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (opt->fd < 0) {
		rc = -errno;
		return hv_fail(rc, rc == -ENOTDIR ? "--share takes a directory" : NULL,
			       "sharing %s", opt->path);
	}
	/* Every path the guest names goes through openat2: no sharing without it. */
	fd = syscall(SYS_openat2, opt->fd, ".", &how, sizeof(how));
	if (fd < 0)
		return hv_fail(-errno, errno == ENOSYS ? "openat2(2) needs Linux 5.6" : NULL,
			       "sharing %s: openat2", opt->path);
	close(fd);
	/* Each file the guest opens is one of ours: allow as many as the hard limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return 0;
}

int lg_9p_add(struct lg *lg, struct lg_share_opt *opt)
{
	struct lg_virtio *v = calloc(1, sizeof(*v));
	struct p9_dev *d = calloc(1, sizeof(*d));
	int rc = -ENOMEM;

	if (v && d) {
		d->req = malloc(P9_MSIZE_MAX);
		d->resp = malloc(P9_MSIZE_MAX);
	}
	if (!v || !d || !d->req || !d->resp)
		goto fail;
	p9_init(&d->srv, opt->fd, !opt->rw);
	d->srv.cross_mounts = opt->cross_mounts;
	snprintf(d->tag, sizeof(d->tag), "%s", opt->tag);
	v->ops = &p9_ops;
	v->priv = d;
	v->ro = !opt->rw;
	v->fd = opt->fd;
	rc = lg_virtio_add(lg, v);
	if (rc) {
		free(d->req);
		free(d->resp);
		free(d);
		free(v);
		return rc;
	}
	/* The device owns the descriptor now (lg_virtio_free closes it). */
	opt->fd = -1;
	return 0;
fail:
	if (d) {
		free(d->req);
		free(d->resp);
	}
	free(d);
	free(v);
	return hv_fail(rc, NULL, "virtio-9p");
}
