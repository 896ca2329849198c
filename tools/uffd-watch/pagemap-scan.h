/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PAGEMAP_SCAN ioctl's ABI (include/uapi/linux/fs.h, Linux 6.7), which
 * Debian 12's headers predate. Needs nothing of hvutils: `uffd-watch dirty`
 * (dirty.c) and the floor program of bench/uffd-watch/wp (wp-bench.c) both
 * include it.
 */
#ifndef UW_PAGEMAP_SCAN_H
#define UW_PAGEMAP_SCAN_H

#include <stdint.h>
#include <sys/ioctl.h>

#define PAGE_IS_WRITTEN	      (1 << 1)
#define PM_SCAN_WP_MATCHING   (1 << 0) /* protect what matched again */
#define PM_SCAN_CHECK_WPASYNC (1 << 1) /* fail unless the range is WP_ASYNC */

struct uw_page_region {
	uint64_t start, end, categories;
};

struct uw_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};

#define UW_PAGEMAP_SCAN _IOWR('f', 16, struct uw_pm_scan_arg)

#endif
