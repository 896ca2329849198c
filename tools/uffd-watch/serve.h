/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * serve's state, shared by its files: serve.c (options, setup, outcome),
 * serve-clients.c (the main thread), serve-vmm.c (a VMM's thread),
 * serve-handshake.c, serve-faults.c and serve-prefetch.c.
 */
#ifndef UW_SERVE_H
#define UW_SERVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>

#include "regions.h"
#include "signals.h"
#include "uffd-watch.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; older kernels say EINVAL, harmless */
#endif
#define HANDSHAKE_MS   10000
#define PREFETCH_RUN   (2ull << 20) /* one UFFDIO_COPY installs at most this much */
#define MAX_ALLOW_UIDS 64

struct client;

/* The server: what every VMM shares. Written by the main thread only. */
struct serve {
	struct uw_ctx *x;
	const char *sock_path, *mem_path, *record_path, *prefetch_path;
	uint64_t timeout_ms;
	uint64_t first_end_ms; /* --timeout: the first VMM's deadline */
	unsigned max_clients;
	int listen, ep;
	int stopfd;		     /* eventfd: readable once a signal ended the service */
	int donefd;		     /* eventfd: a client thread has finished */
	uid_t allow[MAX_ALLOW_UIDS]; /* besides serve's own uid */
	size_t nallow;
	struct hv_signals sig;
	bool sig_on;
	atomic_bool stopped;	  /* a signal ended the service: hand the VMMs their memory */
	atomic_bool record_taken; /* a client records (--record: the first one served) */
	const unsigned char *mem;
	uint64_t mem_len;
	int mem_fd;	   /* read with pread into a backing file: a short read, never SIGBUS */
	uint64_t *pf_offs; /* --prefetch: sorted memory-file offsets */
	size_t pf_n;
	struct client *clients; /* accepted, not joined yet */
	unsigned live;		/* threads running */
	unsigned accepted;	/* clients started (their ids are 1, 2, ...) */
	uint64_t refused;	/* connections from a uid not allowed */
	uint64_t turned_away;	/* connections beyond --max-clients */
	uint64_t rejected;	/* handshakes rejected */
	int rc;			/* --max-clients 1: the one VMM's outcome */
};

/* One VMM: its thread owns everything here until it sets finished. */
struct client {
	struct serve *s;
	struct client *next;
	unsigned id;
	pthread_t th;
	atomic_bool finished;
	int rc;
	bool rejected; /* the handshake was */
	bool served;   /* faults were served until the VMM went or a signal came */
	bool recording;
	int conn, uffd, pidfd, ep;
	int backing;	     /* the second descriptor: the file behind "minor" regions */
	unsigned char *bmap; /* ... mapped shared, to fill its page cache */
	uint64_t blen;
	uint64_t bwritten; /* pages written into it before UFFDIO_CONTINUE */
	pid_t vmm;
	uint64_t end_ms; /* handshake deadline */
	struct sregion *regs;
	size_t nregs;
	uint64_t *record; /* file offsets in first-touch order */
	size_t nrecord, caprecord;
	struct uw_stats st;
	uint64_t outside;    /* faults outside every region (zero-filled) */
	uint64_t unservable; /* pages the memory file could not give (serve_unreadable) */
	uint64_t poisoned;   /* ... of which answered with UFFDIO_POISON */
	bool no_poison;	     /* the kernel has no UFFDIO_POISON: zeros instead */
	uint64_t pf_pages, pf_ns, pf_skipped;
	void *zero;
};

static inline bool bit_test(const uint64_t *b, uint64_t i)
{
	return b[i / 64] & (1ull << (i % 64));
}

static inline void bit_set(uint64_t *b, uint64_t i)
{
	b[i / 64] |= 1ull << (i % 64);
}

static inline bool stopped(const struct serve *s)
{
	return atomic_load(&s->stopped);
}

/* serve-clients.c */
int uw_serve_loop(struct serve *s);
int uw_clients_reap(struct serve *s, bool wait_all);
/* Ends the service after a signal: each thread hands its VMM the memory. */
void uw_clients_stop(struct serve *s);
void uw_print_summary(struct serve *s);

/* serve-vmm.c: a client's thread, and what is left of it once joined. */
void *uw_client_main(void *arg);
void uw_client_free(struct client *c);

/* serve-handshake.c: 0, or the exit code of a failed handshake (reported). */
int uw_handshake(struct client *c);

/* serve-faults.c: serves what the VMM's userfaultfd has queued. */
void uw_serve_faults(struct client *c);
/* Page pg of r is served: set in its bitmap, and recorded if c records. */
void uw_record_page(struct client *c, struct sregion *r, uint64_t pg);
int uw_install_run(struct client *c, struct sregion *r, uint64_t pg, uint64_t n, uint64_t *done);

/* serve-prefetch.c */
int uw_read_prefetch(struct serve *s);
int uw_prefetch(struct client *c);
int uw_write_record(struct serve *s, const struct client *c);

#endif
