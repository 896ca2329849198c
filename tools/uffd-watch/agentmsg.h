/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run's checks of the preload agent's messages, apart from run-agent.c so the
 * fuzz harness runs exactly them. The agent lives inside the traced
 * program, which may scribble over it: every message is suspect.
 */
#ifndef UW_AGENTMSG_H
#define UW_AGENTMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * What holds for any message before run acts on it: got is a whole
 * struct uw_msg, magic, version and reserved are right, the type is one
 * the agent sends, a descriptor came with UW_UFFD only, and every range
 * is pages of user space (UW_UNMAP's length as munmap rounds it).
 * 0 or -EPROTO; a descriptor with a rejected message is the caller's to close.
 */
int uw_msg_check(const struct uw_msg *m, size_t got, bool with_fd);

#endif
