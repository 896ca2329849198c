/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What uffd-watch's verbs (probe, run, dirty, serve, plot) share: the tool
 * context, their entry points, the fault statistics, the trace and
 * statistics output (output.c) and descriptor passing over the agent and
 * VMM sockets (fdpass.c). The kernel interface is in uffd.h.
 */
#ifndef UW_UFFD_WATCH_H
#define UW_UFFD_WATCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "opts.h"
#include "uffd.h"

struct hv_json;

/* The tool's state: the common options and where trace and stats go. */
/* The verbs' option values, as popt stored them; each verb checks its own. */
struct uw_opts {
	const char *mode, *interval, *serve, *min_size, *around, *wp_unpopulated, *spin; /* run */
	const char *socket, *memory, *max_clients, *record, *prefetch, *timeout;	 /* serve */
	char **allow_uid; /* serve --allow-uid, repeatable: popt's array, freed by main() */
};

struct uw_ctx {
	struct hv_common c;
	struct uw_opts o;
	const char *output; /* -o: trace and stats (plot: the SVG) go there instead of stdout */
	FILE *out;
	int trace;
	int stats;
	uint64_t t0_ns; /* event times are relative to this */
};

/* The verbs: each gets the words after its options. */
int uw_probe(void *ctx, int argc, const char **argv);
int uw_run(void *ctx, int argc, const char **argv);
/* run --mode wp-async, told in dirty's words. */
int uw_dirty(void *ctx, int argc, const char **argv);
int uw_serve(void *ctx, int argc, const char **argv);
int uw_plot(void *ctx, int argc, const char **argv);
/* Their option tables (HV_AT into struct uw_ctx); dirty takes run's. */
extern const struct poptOption uw_run_options[], uw_serve_options[], uw_plot_options[];

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
	/* Faults another fault's ioctl of the same read resolved (in the verbs' extras). */
	uint64_t shared;
};

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

#endif
