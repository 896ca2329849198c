// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gntshare vchan's rings as a hostile peer sees them: the peer owns the
 * shared control page (indexes, live and notify bytes) and may rewrite it
 * between any two of our calls. The input is a script of such rewrites and
 * of the calls vchan.c makes into Xen's libxenvchan (read, write, the
 * space and data counts, recv/send, wait), on a vchan set up the way
 * libxenvchan_client_init/server_init leave it (ring orders 10..20, the
 * ones init.c accepts), with the event channel calls wrapped
 * (-Wl,--wrap): nothing touches a device.
 *
 * Checked: no access outside the rings (ASan: each ring is a buffer of
 * exactly its size, apart from the control page, so even the in-page
 * sizes are bounded); every count within the ring and the request; our
 * index moves by exactly what a call reports; at most one notification
 * per call (a non-blocking call never loops on the peer's state).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libxenvchan.h>

#include "fuzz.h"

#define BUF (64u * 1024)

struct harness {
	struct libxenvchan v;
	struct vchan_interface *page;
	unsigned notifies;
	bool pending;
	uint8_t buf[BUF];
};
/* The wrapped event channel calls find the harness here (one input at a time). */
static struct harness *cur;

int __wrap_xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port);
xenevtchn_port_or_error_t __wrap_xenevtchn_pending(xenevtchn_handle *xce);
int __wrap_xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port);

int __wrap_xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	(void)port;
	cur->notifies++;
	return 0;
}

xenevtchn_port_or_error_t __wrap_xenevtchn_pending(xenevtchn_handle *xce)
{
	(void)xce;
	if (!cur->pending)
		return -1;
	cur->pending = false;
	return 7;
}

int __wrap_xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	(void)port;
	return 0;
}

struct script {
	const uint8_t *p;
	size_t left;
};

static uint32_t take(struct script *s, unsigned bytes)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v = v << 8 | (s->left ? *s->p : 0);
		if (s->left) {
			s->p++;
			s->left--;
		}
	}
	return v;
}

static uint32_t size_of(const struct libxenvchan_ring *r)
{
	return 1u << r->order;
}

/* One of our calls; checks what it reports against the ring. */
static void call(struct harness *h, struct script *s, unsigned op)
{
	struct libxenvchan *v = &h->v;
	uint32_t rsize = size_of(&v->read), wsize = size_of(&v->write);
	uint32_t n = 1 + take(s, 2) % BUF;
	uint32_t cons = v->read.shr->cons, prod = v->write.shr->prod;
	int r;

	h->notifies = 0;
	switch (op) {
	case 0:
		r = libxenvchan_read(v, h->buf, n);
		FUZZ_CHECK(r == -1 || (r >= 0 && (uint32_t)r <= n && (uint32_t)r <= rsize));
		if (r > 0)
			FUZZ_CHECK(v->read.shr->cons == cons + (uint32_t)r);
		break;
	case 1:
		r = libxenvchan_write(v, h->buf, n);
		FUZZ_CHECK(r == -1 || (r >= 0 && (uint32_t)r <= n && (uint32_t)r <= wsize));
		if (r > 0)
			FUZZ_CHECK(v->write.shr->prod == prod + (uint32_t)r);
		break;
	case 2:
		r = libxenvchan_recv(v, h->buf, n);
		FUZZ_CHECK(r == -1 || r == 0 || (uint32_t)r == n);
		if (r > 0)
			FUZZ_CHECK(n <= rsize && v->read.shr->cons == cons + n);
		break;
	case 3:
		r = libxenvchan_send(v, h->buf, n);
		FUZZ_CHECK(r == -1 || r == 0 || (uint32_t)r == n);
		if (r > 0)
			FUZZ_CHECK(n <= wsize && v->write.shr->prod == prod + n);
		break;
	case 4:
		r = libxenvchan_data_ready(v);
		FUZZ_CHECK(r >= 0 && (uint32_t)r <= rsize);
		r = libxenvchan_buffer_space(v);
		FUZZ_CHECK(r >= 0 && (uint32_t)r <= wsize);
		(void)libxenvchan_is_open(v);
		break;
	default:
		h->pending = true;
		FUZZ_CHECK(libxenvchan_wait(v) == 0);
		break;
	}
	FUZZ_CHECK(h->notifies <= 1);
}

/* The peer rewrites a field of the control page. */
static void peer(struct harness *h, struct script *s, unsigned op)
{
	struct vchan_interface *pg = h->page;
	uint32_t val = take(s, 4);

	switch (op) {
	case 0:
		pg->left.prod = val;
		break;
	case 1:
		pg->left.cons = val;
		break;
	case 2:
		pg->right.prod = val;
		break;
	case 3:
		pg->right.cons = val;
		break;
	case 4:
		pg->cli_live = (uint8_t)val;
		pg->srv_live = (uint8_t)(val >> 8);
		break;
	case 5:
		pg->cli_notify = (uint8_t)val;
		pg->srv_notify = (uint8_t)(val >> 8);
		break;
	/* The orders in the page: libxenvchan keeps its own copy from connect. */
	default:
		pg->left_order = (uint16_t)val;
		pg->right_order = (uint16_t)(val >> 16);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct harness h;
	struct script s = {data, size};
	uint8_t *rring, *wring;
	uint32_t setup = take(&s, 2);

	memset(&h.v, 0, sizeof(h.v));
	h.page = calloc(1, 4096);
	FUZZ_CHECK(h.page != NULL);
	cur = &h;
	h.v.ring = h.page;
	h.v.event = NULL; /* only the wrapped calls see it */
	h.v.event_port = 7;
	h.v.is_server = setup & 1;
	h.v.blocking = 0;
	/* Orders as init.c accepts them: 10..20. */
	h.v.read.order = 10 + (int)((setup >> 1) % 11);
	h.v.write.order = 10 + (int)((setup >> 5) % 11);
	h.v.read.shr = h.v.is_server ? &h.page->left : &h.page->right;
	h.v.write.shr = h.v.is_server ? &h.page->right : &h.page->left;
	h.page->left_order = h.v.is_server ? h.v.read.order : h.v.write.order;
	h.page->right_order = h.v.is_server ? h.v.write.order : h.v.read.order;
	h.page->cli_live = h.page->srv_live = 1;
	rring = malloc(size_of(&h.v.read));
	wring = malloc(size_of(&h.v.write));
	FUZZ_CHECK(rring && wring);
	memset(rring, 0xa5, size_of(&h.v.read));
	h.v.read.buffer = rring;
	h.v.write.buffer = wring;

	while (s.left) {
		unsigned op = take(&s, 1);

		if (op & 0x80)
			peer(&h, &s, op & 7);
		else
			call(&h, &s, op % 6);
	}
	free(rring);
	free(wring);
	free(h.page);
	return 0;
}
