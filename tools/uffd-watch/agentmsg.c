// SPDX-License-Identifier: GPL-2.0-or-later
/* The agent protocol's per-message checks (see agentmsg.h), without I/O. */
#include <errno.h>

#include "agentmsg.h"
#include "uffd.h"

/* Pages of user address space: non-empty, page-aligned, below UW_ADDR_LIMIT. */
static bool uw_range_ok(uint64_t addr, uint64_t len)
{
	return len && !(addr % UW_PAGE) && !(len % UW_PAGE) && addr < UW_ADDR_LIMIT &&
	       len <= UW_ADDR_LIMIT - addr;
}

int uw_msg_check(const struct uw_msg *m, size_t got, bool with_fd)
{
	if (got != sizeof(*m) || m->magic != UW_MAGIC || m->version != UW_VERSION || m->reserved)
		return -EPROTO;
	if (with_fd && m->type != UW_UFFD)
		return -EPROTO;
	switch (m->type) {
	case UW_HELLO:
	case UW_UFFD:
		return 0;
	case UW_MAP:
		return uw_range_ok(m->addr, m->len) ? 0 : -EPROTO;
	case UW_REMAP:
		return uw_range_ok(m->addr, m->len) && uw_range_ok(m->addr2, m->len2) ? 0 : -EPROTO;
	case UW_UNMAP:
		/* munmap takes any length and rounds it up; a length that wraps is not pages. */
		if (m->len > UINT64_MAX - (UW_PAGE - 1))
			return -EPROTO;
		return uw_range_ok(m->addr, (m->len + UW_PAGE - 1) & ~(UW_PAGE - 1)) ? 0 : -EPROTO;
	default:
		return -EPROTO;
	}
}
