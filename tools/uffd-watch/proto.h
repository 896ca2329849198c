/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wire protocol between uffd-watch and its preload agent. One
 * SOCK_SEQPACKET connection per traced process; every request gets exactly
 * one reply, so a request is never acted on late: when mmap() returns in the
 * target, the new mapping is already registered.
 *
 * The agent only creates the userfaultfd and reports mappings. uffd-watch
 * does UFFDIO_API and UFFDIO_REGISTER itself and the agent closes its copy of
 * the descriptor, so uffd-watch holds the only reference: if it dies, the
 * kernel releases the context, unregisters the ranges and wakes every
 * faulting thread, and the target goes on with ordinary page faults.
 *
 * uffd-watch trusts nothing in these messages (a traced program can scribble
 * over the agent): sizes, magic, version, types, alignment and ranges are
 * checked, and the sender's pid comes from SO_PEERCRED, not from the message.
 */
#ifndef UW_PROTO_H
#define UW_PROTO_H

#include <stdint.h>

#define UW_MAGIC   0x55465757u /* "UFWW" */
#define UW_VERSION 1

/* Environment the agent reads. */
#define UW_ENV_SOCKET	"UFFD_WATCH_SOCKET"
#define UW_ENV_MIN_SIZE "UFFD_WATCH_MIN_SIZE"
#define UW_ENV_MODE	"UFFD_WATCH_MODE"

enum uw_type {
	UW_HELLO = 1,  /* agent → tool: a process starts (exec or fork) */
	UW_UFFD = 2,   /* agent → tool: the new userfaultfd, as SCM_RIGHTS */
	UW_MAP = 3,    /* agent → tool: register [addr, addr+len) */
	UW_REMAP = 4,  /* agent → tool: mremap moved/resized addr/len → addr2/len2 */
	UW_UNMAP = 5,  /* agent → tool: munmap, only without UFFD_EVENT_UNMAP */
	UW_REPLY = 16, /* tool → agent: status of the request */
};

/*
 * UW_HELLO: addr says whether the hello comes from a fork child (which may
 * own a context from UFFD_EVENT_FORK) or from a new program image.
 */
#define UW_HELLO_FORKED 1

/* UW_REPLY status for UW_HELLO: a fork child's context is already known. */
#define UW_LINKED    0
#define UW_NEED_UFFD 1

/* UW_UFFD: len says which entry point made the descriptor. */
enum uw_entry {
	UW_ENTRY_SYSCALL = 0,
	UW_ENTRY_DEV = 1,
	UW_ENTRY_USER_MODE = 2, /* faults taken in kernel mode are not served */
};

enum uw_mode {
	UW_MODE_MISSING = 0,
	UW_MODE_WP = 1,
	UW_MODE_MINOR = 2,
	UW_MODE_WP_ASYNC = 3, /* the server's own: the agent is told "wp" */
};

struct uw_msg {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	int32_t pid;  /* HELLO: getpid() (informational; SO_PEERCRED rules) */
	int32_t ppid; /* HELLO: getppid(), to find the fork parent */
	uint64_t addr;
	uint64_t len;
	uint64_t addr2;
	uint64_t len2;
	int32_t status;	   /* REPLY: 0, UW_NEED_UFFD or -errno */
	uint32_t reserved; /* zero */
	uint64_t features; /* REPLY to UW_UFFD: the UFFD_FEATURE_* bits enabled */
};

#endif
