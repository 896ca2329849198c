/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Answering a userfaultfd's messages, the part run and serve share
 * (fault.c): reading them in batches, how a fault ends (the wake of a
 * thread whose fault was not resolved, its latency, counts and trace
 * record) and the count and trace record of the other events. What goes
 * into a page, and what an event changes, is each verb's own.
 */
#ifndef UW_FAULT_H
#define UW_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uffd-watch.h"

/*
 * Ranges resolved while serving one read() of messages. Every fault in the
 * batch was already waiting when it was read, and the ioctl that installed
 * a range woke every thread waiting inside it: another message of the same
 * batch for a page in there (threads sharing a page each send one) needs
 * neither a copy that can only fail with EEXIST nor a wake. Reset per read
 * and after any non-fault event: the mm may have changed.
 */
#define UW_BATCH 64 /* messages per read() */
struct uw_batch {
	uint64_t start[UW_BATCH], end[UW_BATCH];
	size_t n;
};

/* One userfaultfd being answered, for as long as it has messages. */
struct uw_uffd {
	struct uw_ctx *x;
	struct uw_stats *st; /* where its faults and events count */
	int fd;
	int pid;	  /* the process its trace records name */
	uint64_t spin_ns; /* once the queue is empty, poll this long for more */
	uint64_t t;	  /* when the current messages were read */
	struct uw_batch batch;
	/* uw_uffd_next's own */
	struct uffd_msg msgs[UW_BATCH];
	size_t n, next;
	bool last;
	uint64_t quiet_since;
};

/* One pagefault message being answered. */
struct uw_fault {
	const struct uffd_msg *m;
	uint64_t addr;
	enum uw_kind kind;
	uint64_t page, len; /* woken if the fault is not resolved */
	uint64_t map, off;  /* the mapping hit (0: none) and the page's offset, for the trace */
};

void uw_uffd_init(struct uw_uffd *u, struct uw_ctx *x, struct uw_stats *st, int fd, int pid,
		  uint64_t spin_ns);
/*
 * The next message, read as needed; NULL once the queue is empty (and
 * stayed so for spin_ns) or the read fails. u->batch is reset for each
 * read and before any message that is not a pagefault.
 */
const struct uffd_msg *uw_uffd_next(struct uw_uffd *u);

/* Starts answering a pagefault: f's message, address and kind are set. */
void uw_fault_begin(struct uw_uffd *u, const struct uffd_msg *m, struct uw_fault *f);
/*
 * Was the page installed by another fault of the same read? Then this one is
 * resolved too, and counted as shared.
 */
bool uw_fault_shared(struct uw_uffd *u, uint64_t page);
/* Records [page, page + len) as installed and woken; len 0 records nothing. */
void uw_batch_add(struct uw_batch *b, uint64_t page, uint64_t len);
/*
 * Ends it: err is 0 when the fault was resolved (or there is nobody to
 * wake), else the thread is woken to fault again; then the latency, the
 * counts and the trace record.
 */
void uw_fault_end(struct uw_uffd *u, const struct uw_fault *f, int err);

/* Counts and traces a fork, remap, remove or unmap event. */
void uw_event_note(struct uw_uffd *u, const struct uffd_msg *m);

#endif
