// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-watch serve's handshake: the VMM's JSON region list, as it arrives
 * on the socket. The first input byte is the size of the pieces the rest is
 * fed in (0: all at once; a stream socket may cut anywhere), the rest is
 * the message. Whatever the pieces, the outcome must be the same as for the
 * whole message, and an accepted region list must hold exactly what serve
 * relies on to copy pages: aligned, non-empty, inside the user address
 * space and the memory file, no two regions overlapping on either side.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "regions.h"
#include "uffd.h"

/* The memory file's size for this harness: 1 GiB. */
#define MEM_LEN (1ull << 30)

/*
 * The message fed in pieces of chunk bytes; 0, -EPROTO or -ENOMEM. Bytes
 * after the piece that completed the JSON are left for serve's main loop
 * (which rejects them as "unexpected bytes after the handshake"): *left.
 */
static int handshake(const char *msg, size_t len, size_t chunk, struct sregion **regs, size_t *n,
		     size_t *left)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root = NULL;
	size_t done = 0;
	int err = 0;

	FUZZ_CHECK(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	*regs = NULL;
	*n = 0;
	while (!root && done < len) {
		size_t got = chunk && chunk < len - done ? chunk : len - done;

		err = uw_handshake_feed(tok, msg, done, got, &root);
		done += got;
		if (err)
			break;
	}
	json_tokener_free(tok);
	*left = len - done;
	if (err)
		return err;
	/* serve: the VMM hung up before a complete region list. */
	if (!root)
		return -EPROTO;
	err = uw_regions_parse(root, MEM_LEN, regs, n);
	json_object_put(root);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sregion *a, *b;
	size_t na, nb, la, lb;
	int ra, rb;

	if (size < 1)
		return 0;
	ra = handshake((const char *)data + 1, size - 1, 0, &a, &na, &la);
	rb = handshake((const char *)data + 1, size - 1, data[0], &b, &nb, &lb);
	FUZZ_CHECK(la == 0);
	/* In pieces, the same answer, unless serve's loop is left to reject the rest. */
	FUZZ_CHECK((ra == rb && (ra || na == nb)) || (!rb && lb));
	FUZZ_CHECK(ra == 0 || ra == -EPROTO || ra == -ENOMEM);
	if (!ra) {
		FUZZ_CHECK(na >= 1 && na <= UW_MAX_REGIONS);
		for (size_t i = 0; i < na; i++) {
			const struct sregion *r = &a[i];

			if (!lb)
				FUZZ_CHECK(!memcmp(r, &b[i], offsetof(struct sregion, served)));
			FUZZ_CHECK(r->psize == UW_PAGE || r->psize == UW_HPAGE);
			FUZZ_CHECK(r->size && r->size % r->psize == 0 && r->base % r->psize == 0);
			FUZZ_CHECK(r->base >= r->psize && r->offset % r->psize == 0);
			FUZZ_CHECK(r->base < UW_ADDR_LIMIT && r->size <= UW_ADDR_LIMIT - r->base);
			FUZZ_CHECK(r->offset <= MEM_LEN && r->size <= MEM_LEN - r->offset);
			FUZZ_CHECK(r->served && r->removed);
			/* The bitmaps cover every page: serve indexes them by page. */
			r->served[(r->size / r->psize - 1) / 64] |= 1;
			r->removed[(r->size / r->psize - 1) / 64] |= 1;
			for (size_t j = 0; j < i; j++) {
				const struct sregion *q = &a[j];

				FUZZ_CHECK(r->base + r->size <= q->base ||
					   q->base + q->size <= r->base);
				FUZZ_CHECK(r->offset + r->size <= q->offset ||
					   q->offset + q->size <= r->offset);
			}
		}
	}
	uw_regions_free(a, na);
	uw_regions_free(b, nb);
	return 0;
}
