// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lguest-run's kernel-cache hash (tools/lguest-run/hash.c): XXH64's values
 * where its tail handling agrees with XXH64's, and the same value however
 * the input is fed, which the cache key relies on (the payload is hashed
 * in 64 KiB reads, the decoder's copy in one piece).
 */
#include <stdbool.h>
#include <stdint.h>

#include "hash.h"
#include "unit.h"

static uint64_t oneshot(const uint8_t *p, size_t n, uint64_t seed)
{
	struct lg_hash h;

	lg_hash_init(&h, seed);
	lg_hash_update(&h, p, n);
	return lg_hash_final(&h);
}

/* Feeds p in pieces of the sizes a small generator picks (0 included). */
static uint64_t pieces(const uint8_t *p, size_t n, uint64_t seed, uint32_t *rng)
{
	struct lg_hash h;
	size_t off = 0;

	lg_hash_init(&h, seed);
	while (off < n) {
		size_t k;

		*rng = *rng * 1103515245u + 12345u;
		k = (*rng >> 16) % 97;
		if (k > n - off)
			k = n - off;
		lg_hash_update(&h, p + off, k);
		off += k;
	}
	return lg_hash_final(&h);
}

int main(void)
{
	static uint8_t buf[200000];
	struct unit u = {0};
	uint32_t rng = 1;
	uint64_t before;
	bool same = true;

	/* XXH64's published values (seed 0); no 4-byte tail in these. */
	CHECK(&u, oneshot((const uint8_t *)"", 0, 0) == 0xef46db3751d8e999ULL,
	      "empty input: XXH64's value");
	CHECK(&u, oneshot((const uint8_t *)"a", 1, 0) == 0xd24ec4f1a98c6e5bULL,
	      "\"a\": XXH64's value");
	CHECK(&u, oneshot((const uint8_t *)"abc", 3, 0) == 0x44bc2cf5ad770999ULL,
	      "\"abc\": XXH64's value");

	for (size_t i = 0; i < sizeof(buf); i++) {
		rng = rng * 1103515245u + 12345u;
		buf[i] = (uint8_t)(rng >> 16);
	}
	for (size_t n = 0; n < 300 && same; n++)
		same = pieces(buf, n, n, &rng) == oneshot(buf, n, n);
	CHECK(&u, same, "every length up to 300: in pieces as in one");
	same = true;
	for (int round = 0; round < 20 && same; round++)
		same = pieces(buf, sizeof(buf), 7, &rng) == oneshot(buf, sizeof(buf), 7);
	CHECK(&u, same, "200000 bytes in 20 random splittings: as in one");
	CHECK(&u, oneshot(buf, 1000, 0) != oneshot(buf, 1000, 1), "the seed changes the value");
	before = oneshot(buf, 1000, 0);
	buf[500] ^= 1;
	CHECK(&u, oneshot(buf, 1000, 0) != before, "one bit changes the value");
	return unit_done(&u);
}
