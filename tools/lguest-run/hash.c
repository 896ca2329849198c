// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A 64-bit hash with XXH64's rounds, fed in pieces: the kernel cache's key
 * (the compressed payload, hashed as it is read) and its check of what it
 * loaded. Not a cryptographic hash: the cache's entries are the user's own.
 */
#include <string.h>

#include "hash.h"

static const uint64_t P1 = 0x9E3779B185EBCA87ULL, P2 = 0xC2B2AE3D27D4EB4FULL,
		      P3 = 0x165667B19E3779F9ULL, P4 = 0x85EBCA77C2B2AE63ULL,
		      P5 = 0x27D4EB2F165667C5ULL;

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint64_t round64(uint64_t acc, uint64_t in)
{
	return rotl(acc + in * P2, 31) * P1;
}

static uint64_t merge64(uint64_t h, uint64_t v)
{
	return (h ^ round64(0, v)) * P1 + P4;
}

/*
 * XXH64's rounds: four lanes of 8 bytes, several GB/s; the seed chains
 * hashes. Fed in pieces, so that a payload can be hashed as it is read.
 */
void lg_hash_init(struct lg_hash *h, uint64_t seed)
{
	*h = (struct lg_hash){
	    .v = {seed + P1 + P2, seed + P2, seed, seed - P1},
	    .seed = seed,
	};
}

static void stripe(struct lg_hash *h, const uint8_t *p)
{
	for (unsigned i = 0; i < 4; i++)
		h->v[i] = round64(h->v[i], rd64(p + 8 * i));
}

void lg_hash_update(struct lg_hash *h, const uint8_t *p, size_t n)
{
	h->total += n;
	if (h->used) {
		size_t take = 32 - h->used < n ? 32 - h->used : n;

		memcpy(h->buf + h->used, p, take);
		h->used += take;
		p += take;
		n -= take;
		if (h->used < 32)
			return;
		stripe(h, h->buf);
		h->used = 0;
	}
	for (; n >= 32; p += 32, n -= 32)
		stripe(h, p);
	memcpy(h->buf, p, n);
	h->used = n;
}

uint64_t lg_hash_final(const struct lg_hash *h)
{
	const uint8_t *p = h->buf, *end = h->buf + h->used;
	uint64_t r;

	if (h->total >= 32) {
		r = rotl(h->v[0], 1) + rotl(h->v[1], 7) + rotl(h->v[2], 12) + rotl(h->v[3], 18);
		for (unsigned i = 0; i < 4; i++)
			r = merge64(r, h->v[i]);
	} else {
		r = h->seed + P5;
	}
	r += h->total;
	for (; end - p >= 8; p += 8)
		r = rotl(r ^ round64(0, rd64(p)), 27) * P1 + P4;
	for (; p < end; p++)
		r = rotl(r ^ (*p * P5), 11) * P1;
	r ^= r >> 33;
	r *= P2;
	r ^= r >> 29;
	r *= P3;
	return r ^ (r >> 32);
}
