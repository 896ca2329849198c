// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-watch run's agent messages (tools/uffd-watch/agentmsg.c): the agent
 * runs inside the traced program, so each message is whatever bytes the
 * program wrote. Input: the message as received (any length), then one
 * byte whose low bit says whether a descriptor came with it. A message is
 * acted on only if an independent 128-bit reading of proto.h accepts it.
 */
#include <string.h>

#include "agentmsg.h"
#include "fuzz.h"
#include "uffd.h"

typedef unsigned __int128 u128;

/* Pages of user space, by exact arithmetic. */
static bool ref_pages(u128 addr, u128 len)
{
	return len > 0 && addr % 4096 == 0 && len % 4096 == 0 && addr + len <= ((u128)1 << 57);
}

static bool ref_ok(const struct uw_msg *m, size_t got, bool fd)
{
	if (got != 64 || m->magic != 0x55465757u || m->version != 1 || m->reserved)
		return false;
	if (fd && m->type != UW_UFFD)
		return false;
	switch (m->type) {
	case UW_HELLO:
	case UW_UFFD:
		return true;
	case UW_MAP:
		return ref_pages(m->addr, m->len);
	case UW_REMAP:
		return ref_pages(m->addr, m->len) && ref_pages(m->addr2, m->len2);
	case UW_UNMAP:
		return ref_pages(m->addr, ((u128)m->len + 4095) / 4096 * 4096);
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uw_msg m;
	size_t got;
	bool fd;

	if (!size)
		return 0;
	got = size - 1;
	fd = data[got] & 1;
	/* recvmsg fills at most the struct; a longer datagram is cut (got says so). */
	memset(&m, 0, sizeof(m));
	memcpy(&m, data, got < sizeof(m) ? got : sizeof(m));
	FUZZ_CHECK(sizeof(m) == 64);
	FUZZ_CHECK(ref_ok(&m, got, fd) == !uw_msg_check(&m, got, fd));
	return 0;
}
