/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the verbs (probe, run, serve, plot) share: the tool context,
 * userfaultfd entry points and names, page resolution ioctls, the batch of
 * ranges resolved per read, the event line/JSON writer, the fault
 * statistics (counts, rate, latency histogram) and descriptor passing over
 * the agent and VMM sockets.
 */
#ifndef UW_UFFD_H
#define UW_UFFD_H

#include <linux/userfaultfd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "opts.h"

struct hv_json;

/* Newer than Debian 12's headers; named so probe can report them. */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_POISON
#define UFFD_FEATURE_POISON (1 << 14)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE (1 << 16)
#endif
#ifndef UFFDIO_POISON
/* Linux 6.6: a page that faults with SIGBUS (a memory error), not a copy. */
struct uffdio_poison {
	struct uffdio_range range;
	__u64 mode;
	__s64 updated;
};
#define _UFFDIO_POISON (0x08)
#define UFFDIO_POISON  _IOWR(UFFDIO, _UFFDIO_POISON, struct uffdio_poison)
#endif

#define UW_PAGE 4096ull
/* A hugetlbfs page of x86-64's default size, as serve's handshake may give. */
#define UW_HPAGE (2ull << 20)
/* Above any user address, 5-level paging included: nothing maps there. */
#define UW_ADDR_LIMIT (1ull << 57)

struct uw_ctx {
	struct hv_common c;
	const char *output; /* -o: trace and stats go there instead of stdout */
	FILE *out;
	int trace;
	int stats;
	uint64_t t0_ns; /* event times are relative to this */
};

struct uw_name {
	uint64_t bit;
	const char *name;
};
/* NULL-name terminated tables. */
extern const struct uw_name uw_feature_names[];
extern const struct uw_name uw_ioctl_names[];

/* Entry points; each returns an fd or -errno. */
int uw_open_syscall(int flags);
int uw_open_dev(int flags);
/* Any entry point that works, for the handler's own feature query. */
int uw_open_any(int flags);
int uw_api(int fd, uint64_t want, uint64_t *features, uint64_t *ioctls);
/* Features and ioctls this kernel offers, from a throwaway context. */
int uw_kernel_features(uint64_t *features, uint64_t *ioctls);
/* Is fd really a userfaultfd (never trust a passed descriptor)? */
bool uw_is_uffd(int fd);

/*
 * Resolution. All return 0 or -errno; copy and zeropage report the bytes
 * done, which on -EAGAIN is a prefix of the range: the kernel stops at the
 * first page already present and never overwrites it.
 */
int uw_copy(int uffd, uint64_t dst, const void *src, uint64_t len, uint64_t mode, uint64_t *done);
int uw_zeropage(int uffd, uint64_t dst, uint64_t len, uint64_t *done);
/* -EINVAL or -ENOTTY: the kernel has no UFFDIO_POISON (before 6.6). */
int uw_poison(int uffd, uint64_t dst, uint64_t len);
int uw_wake(int uffd, uint64_t start, uint64_t len);
int uw_writeprotect(int uffd, uint64_t start, uint64_t len, bool wp);
/* Maps pages already in the page cache (minor faults); *done as for copy. */
int uw_continue(int uffd, uint64_t start, uint64_t len, uint64_t *done);
int uw_register(int uffd, uint64_t start, uint64_t len, uint64_t mode, uint64_t *ioctls);
int uw_unregister(int uffd, uint64_t start, uint64_t len);

/*
 * Ranges resolved while serving one read() of messages. Every fault in the
 * batch was already waiting when it was read, and the ioctl that installed
 * a range woke every thread waiting inside it: another message of the same
 * batch for a page in there (threads sharing a page each send one) needs
 * neither a copy that can only fail with EEXIST nor a wake. Reset (n = 0)
 * per read and after any non-fault event: the mm may have changed.
 */
#define UW_BATCH 64 /* messages per read() */
struct uw_batch {
	uint64_t start[UW_BATCH], end[UW_BATCH];
	size_t n;
};
bool uw_batch_has(const struct uw_batch *b, uint64_t page);
/* Records [page, page + len) as installed and woken; len 0 records nothing. */
void uw_batch_add(struct uw_batch *b, uint64_t page, uint64_t len);

/* Log-linear histogram: 32 sub-buckets per power of two, so ±3% per value. */
#define UW_HIST_BUCKETS (64 + 58 * 32)
struct uw_hist {
	uint64_t count;
	uint64_t sum;
	uint64_t max;
	uint32_t b[UW_HIST_BUCKETS];
};
void uw_hist_add(struct uw_hist *h, uint64_t v);

enum uw_kind { UW_K_READ, UW_K_WRITE, UW_K_WP, UW_K_MINOR, UW_K_NR };
extern const char *const uw_kind_names[UW_K_NR];

enum uw_ev { UW_E_FORK, UW_E_REMAP, UW_E_REMOVE, UW_E_UNMAP, UW_E_NR };
extern const char *const uw_ev_names[UW_E_NR];

struct uw_stats {
	uint64_t faults[UW_K_NR];
	uint64_t events[UW_E_NR];
	uint64_t first_ns, last_ns; /* first and last fault served */
	uint64_t retries;	    /* faults woken to retry after EAGAIN */
	struct uw_hist lat;	    /* read of the message to page installed */
};

/* Classifies a pagefault message. */
enum uw_kind uw_fault_kind(const struct uffd_msg *m);

/* Trace records. */
void uw_trace_fault(struct uw_ctx *x, uint64_t t_ns, int pid, uint32_t tid, enum uw_kind k,
		    uint64_t addr, uint64_t map, uint64_t off);
/* Non-fault events: a, b are addresses or lengths as the event defines. */
void uw_trace_event(struct uw_ctx *x, uint64_t t_ns, int pid, const char *ev, const char *ka,
		    uint64_t a, const char *kb, uint64_t b, const char *kc, uint64_t c);
/* --stats block; extra JSON members are written by the callback (may be NULL). */
void uw_print_stats(struct uw_ctx *x, const struct uw_stats *s,
		    void (*extra)(struct uw_ctx *, struct hv_json *, void *), void *arg);

/* Opens -o or uses stdout. */
int uw_output_open(struct uw_ctx *x);
void uw_output_close(struct uw_ctx *x);

/* Receives one message with at most one fd (-E2BIG: more came; all closed). */
int uw_recv_fd(int sock, void *buf, size_t len, int *fd, size_t *got);
/* The same with up to maxfds (at most 4), in the order sent, in fds[*nfds]. */
int uw_recv_fds(int sock, void *buf, size_t len, int *fds, int maxfds, int *nfds, size_t *got);

int uw_probe(void *ctx, int argc, const char **argv);
int uw_run(void *ctx, int argc, const char **argv);
int uw_serve(void *ctx, int argc, const char **argv);
int uw_plot(void *ctx, int argc, const char **argv);

#endif
