/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Write tracking without a fault round trip (Linux 6.7+): registered memory
 * is write-protected with UFFD_FEATURE_WP_ASYNC, so the kernel resolves a
 * write itself and only notes it; the PAGEMAP_SCAN ioctl on
 * /proc/PID/pagemap then reads the written pages and protects them again,
 * in one atomic pass, once per interval.
 */
#ifndef UW_DIRTY_H
#define UW_DIRTY_H

#include <stdbool.h>
#include <stdint.h>

#include "uffd-watch.h"

/* Does this kernel have PAGEMAP_SCAN? (WP_ASYNC is in probe's features.) */
bool uw_dirty_have_scan(void);

/*
 * Reports the pages of [start, start + len) in process pid written since the
 * last call (or since registration), and protects them again: one trace
 * record per mapping with a write, none without. Adds the pages to *pages.
 * Returns 0, or -errno (-ESRCH: the process has gone).
 */
int uw_dirty_scan(struct uw_ctx *x, uint64_t t_ns, int pid, uint64_t start, uint64_t len,
		  uint64_t *pages);

#endif
