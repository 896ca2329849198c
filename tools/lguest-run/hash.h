/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LG_HASH_H
#define LG_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * A 64-bit hash with XXH64's rounds, fed in pieces: the same value however
 * the bytes are split (tests/unit/test-hash.c). The seed chains hashes.
 */
struct lg_hash {
	uint64_t v[4], seed, total;
	uint8_t buf[32];
	size_t used;
};
void lg_hash_init(struct lg_hash *h, uint64_t seed);
void lg_hash_update(struct lg_hash *h, const uint8_t *p, size_t n);
uint64_t lg_hash_final(const struct lg_hash *h);

#endif
