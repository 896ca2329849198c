// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-rng (--rng): fills every buffer the guest offers from the host's
 * getrandom(2), so a guest's entropy pool is ready at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "diag.h"
#include "lguest-run.h"

static uint32_t rng_features(struct lg_virtio *v)
{
	(void)v;
	return 0;
}

static void rng_config(struct lg_virtio *v, unsigned off, uint8_t *buf, unsigned len)
{
	(void)v;
	(void)off;
	(void)buf;
	(void)len;
}

static bool rng_notify(struct lg *lg, struct lg_virtio *v, unsigned q)
{
	struct lg_desc_chain c;
	bool used = false;

	while (lg_vq_pop(lg, v, q, &c) > 0) {
		uint32_t written = 0;

		for (unsigned i = 0; i < c.n; i++) {
			uint8_t *p;
			uint32_t done = 0;
			ssize_t n;

			if (!c.d[i].write)
				continue;
			p = lg_gpa(lg, c.d[i].addr, c.d[i].len);
			/*
			 * Above 256 bytes getrandom(2) may stop short when a signal
			 * arrives: a buffer handed back half filled would break the
			 * chain's accounting of what was written where.
			 */
			while (done < c.d[i].len) {
				n = getrandom(p + done, c.d[i].len - done, 0);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					break;
				done += n;
			}
			written += done;
			v->bytes += done;
		}
		v->requests++;
		lg_vq_push(lg, v, q, c.head, written);
		used = true;
	}
	return used;
}

static const struct lg_virtio_ops rng_ops = {
    .name = "virtio-rng",
    .pci_device = 0x1005,
    .type = 4,
    .class_code = 0x00ff00,
    .nqueues = 1,
    .features = rng_features,
    .config_read = rng_config,
    .config_size = 0,
    .notify = rng_notify,
};

int lg_rng_add(struct lg *lg)
{
	struct lg_virtio *v = calloc(1, sizeof(*v));
	int rc;

	if (!v)
		return hv_fail(-ENOMEM, NULL, "virtio-rng");
	v->ops = &rng_ops;
	v->fd = -1;
	rc = lg_virtio_add(lg, v);
	if (rc)
		free(v);
	return rc;
}
