/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * serve's handshake message, parsed without any I/O: the JSON arrives in
 * pieces from the VMM's socket and becomes the checked region list. Kept
 * apart from serve.c so the fuzz harness runs exactly this code.
 */
#ifndef UW_REGIONS_H
#define UW_REGIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct json_tokener;

#define UW_MAX_REGIONS 1024

struct sregion {
	uint64_t base, size, offset;
	uint64_t psize;	   /* the handshake's page_size: 4 KiB or a 2 MiB hugetlbfs page */
	bool minor;	   /* "minor": true, registered for minor faults (shmem, hugetlbfs) */
	uint64_t *served;  /* bitmap: page installed (recorded once) */
	uint64_t *removed; /* bitmap: a balloon removed it, zero-fill from now on */
};

/* A rejected handshake: reports which region (i >= 0) and what; -EPROTO. */
int uw_bad(int i, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Feeds the next piece: buf[len, len + got) is new, buf[0, len) came before.
 * 0 with *root NULL while the JSON is incomplete, 0 with *root set once it
 * is complete (nothing but blanks may follow it), -EPROTO when it is not
 * valid (reported). The tokener should be JSON_TOKENER_STRICT.
 */
int uw_handshake_feed(struct json_tokener *tok, const char *buf, size_t len, size_t got,
		      struct json_object **root);

/*
 * The region array: every field type-checked, every range checked for
 * alignment (to the region's own page size), overflow, overlap and against
 * a memory file of mem_len bytes.
 * 0, -EPROTO (reported) or -ENOMEM. *regs and *nregs are set either way:
 * the first *nregs entries are complete; uw_regions_free releases them.
 */
int uw_regions_parse(struct json_object *root, uint64_t mem_len, struct sregion **regs,
		     size_t *nregs);
void uw_regions_free(struct sregion *regs, size_t nregs);

#endif
