// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * serve: a page server for Firecracker's snapshot restore. The VMM connects
 * to --socket, sends its userfaultfd (SCM_RIGHTS) with a JSON array of
 * GuestRegionUffdMapping objects in the same message:
 *   [{"base_host_virt_addr": N, "size": N, "offset": N, "page_size": N}, ...]
 * and from then on every missing page of guest memory is filled from the
 * memory file at the region's offset. Firecracker may close the socket right
 * after the handshake, so the VMM's end is watched with a pidfd on its
 * SO_PEERCRED pid, not with the socket.
 *
 * Up to --max-clients VMMs are served at once, each by its own thread with
 * its own userfaultfd, regions, record and statistics: a VMM that is slow to
 * send its handshake, whose faults wait on a slow memory file, or that dies
 * mid-restore holds up only its own thread. The main thread accepts, checks
 * the peer and hands the connection over; it alone touches the client list
 * and the connection counters, and it joins each thread and prints its
 * statistics when the thread says it is done (donefd). A signal reaches
 * the threads through stopfd (an eventfd that stays readable).
 *
 * The JSON and the descriptor come from another process: every field is
 * type-checked and every range is checked for alignment, overflow, overlap
 * and against the memory file before a single page is copied.
 *
 * Whoever can connect gets the snapshot's memory, so the socket is created
 * with mode 0600 whatever the umask, and a peer whose SO_PEERCRED uid is
 * neither serve's own nor an --allow-uid one is turned away before it is
 * read from.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <linux/magic.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "fileio.h"
#include "json.h"
#include "parse.h"
#include "signals.h"
#include "regions.h"
#include "step.h"
#include "fault.h"

#define MAX_HANDSHAKE (256 * 1024)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; older kernels say EINVAL, harmless */
#endif
#define HANDSHAKE_MS   10000
#define PREFETCH_RUN   (2ull << 20) /* one UFFDIO_COPY installs at most this much */
#define MAX_ALLOW_UIDS 64
#define MAX_CLIENTS    1024 /* a thread, a userfaultfd and a pidfd each */

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

static bool bit_test(const uint64_t *b, uint64_t i)
{
	return b[i / 64] & (1ull << (i % 64));
}

static void bit_set(uint64_t *b, uint64_t i)
{
	b[i / 64] |= 1ull << (i % 64);
}

static bool stopped(const struct serve *s)
{
	return atomic_load(&s->stopped);
}

/* ---- the handshake (in the client's thread) ----------------------------------- */

/*
 * A connected VMM sends its one message at once, and is taken through the
 * handshake even after a signal, so that its memory can be handed back
 * instead of leaving it waiting on its first fault: no stopfd here.
 */
static int wait_message(struct client *c)
{
	struct pollfd p = {.fd = c->conn, .events = POLLIN};

	for (;;) {
		uint64_t now = hv_now_ms();
		int n = poll(&p, 1, now >= c->end_ms ? 0 : (int)(c->end_ms - now));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		return n ? 0 : -ETIMEDOUT;
	}
}

/*
 * The backing file of "minor" regions (a memfd, shmem or hugetlbfs), as
 * Firecracker's guest_memfd restore hands its handler the guest_memfd: a
 * minor fault's page is in its page cache, at the region's memory-file
 * offset, and serve writes the snapshot's page there before UFFDIO_CONTINUE.
 * It writes through a shared mapping (hugetlbfs has no write()), so the file
 * must be sealed against shrinking: a VMM truncating it under the mapping
 * would otherwise kill serve, and every other VMM's service with it.
 */
static int map_backing(struct client *c)
{
	struct stat st;
	struct statfs sf;
	bool huge, any = false;
	int seals;
	void *m;

	if (fstat(c->backing, &st) < 0 || fstatfs(c->backing, &sf) < 0 || !S_ISREG(st.st_mode) ||
	    (sf.f_type != TMPFS_MAGIC && sf.f_type != HUGETLBFS_MAGIC))
		return uw_bad(-1, "the second descriptor is not a shmem (memfd) or hugetlbfs file");
	huge = sf.f_type == HUGETLBFS_MAGIC;
	seals = fcntl(c->backing, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return uw_bad(-1,
			      "the backing file is not sealed against shrinking (F_SEAL_SHRINK): "
			      "serve writes into it through a mapping");
	for (size_t i = 0; i < c->nregs; i++) {
		const struct sregion *r = &c->regs[i];

		if (!r->minor)
			continue;
		any = true;
		if (r->psize != (huge ? UW_HPAGE : UW_PAGE) || (uint64_t)st.st_blksize != r->psize)
			return uw_bad((int)i,
				      "page size %llu does not match the backing file's "
				      "(%ld-byte pages)",
				      (unsigned long long)r->psize, (long)st.st_blksize);
		if (r->offset + r->size > (uint64_t)st.st_size)
			return uw_bad((int)i,
				      "offset 0x%llx + size 0x%llx runs past the end of the "
				      "backing file (0x%llx bytes)",
				      (unsigned long long)r->offset, (unsigned long long)r->size,
				      (unsigned long long)st.st_size);
	}
	if (!any)
		return uw_bad(-1, "a backing file came, but no region is \"minor\"");
	m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->backing, 0);
	if (m == MAP_FAILED)
		return uw_bad(-1, "the backing file cannot be mapped: %s", strerror(errno));
	c->bmap = m;
	c->blen = (uint64_t)st.st_size;
	return 0;
}

static int handshake(struct client *c)
{
	struct json_tokener *tok;
	struct json_object *root = NULL;
	char *buf;
	size_t len = 0;
	int err = 0;

	buf = malloc(MAX_HANDSHAKE);
	tok = json_tokener_new();
	if (!buf || !tok) {
		free(buf);
		if (tok)
			json_tokener_free(tok);
		return hv_fail(-ENOMEM, NULL, "serve");
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* The JSON may arrive in pieces on a stream socket; the fd rides on the first. */
	while (!root) {
		size_t got;
		int fds[2], nfds;

		if ((err = wait_message(c))) {
			hv_err(err, "the VMM sent no complete region list", "serve: handshake");
			break;
		}
		err = uw_recv_fds(c->conn, buf + len, MAX_HANDSHAKE - len, fds, 2, &nfds, &got);
		if (err) {
			hv_err(err,
			       "a userfaultfd, and the backing file of \"minor\" regions, are "
			       "expected",
			       "serve: handshake");
			err = -EPROTO;
			break;
		}
		if (nfds && c->uffd >= 0) {
			for (int i = 0; i < nfds; i++)
				close(fds[i]);
			err = uw_bad(-1, "a second descriptor arrived");
			break;
		}
		if (nfds)
			c->uffd = fds[0];
		if (nfds == 2)
			c->backing = fds[1];
		if (got == 0) {
			err = uw_bad(
			    -1, "the VMM hung up before a complete region list (%zu bytes)", len);
			break;
		}
		err = uw_handshake_feed(tok, buf, len, got, &root);
		len += got;
		if (err)
			break;
		if (!root && len >= MAX_HANDSHAKE) {
			err = uw_bad(-1, "the region list exceeds %d bytes", MAX_HANDSHAKE);
			break;
		}
	}
	json_tokener_free(tok);
	free(buf);
	if (!err && c->uffd < 0)
		err = uw_bad(-1, "no userfaultfd came with the region list (SCM_RIGHTS)");
	if (!err && !uw_is_uffd(c->uffd))
		err = uw_bad(-1, "the descriptor sent is not a userfaultfd");
	if (!err)
		err = uw_regions_parse(root, c->s->mem_len, &c->regs, &c->nregs);
	if (!err && c->backing >= 0)
		err = map_backing(c);
	if (root)
		json_object_put(root);
	if (err == -ENOMEM)
		return hv_fail(err, NULL, "serve");
	if (err)
		return err == -ETIMEDOUT ? HV_EXIT_TIMEOUT : HV_EXIT_FAILURE;
	fcntl(c->uffd, F_SETFL, fcntl(c->uffd, F_GETFL) | O_NONBLOCK);
	if (c->s->x->c.verbose)
		hv_note("serve: VMM pid %d (client %u), %zu regions", c->vmm, c->id, c->nregs);
	hv_step("handshake-done");
	return 0;
}

/* ---- serving ---------------------------------------------------------------- */

static struct sregion *find_region(struct client *c, uint64_t addr)
{
	for (size_t i = 0; i < c->nregs; i++)
		if (addr >= c->regs[i].base && addr - c->regs[i].base < c->regs[i].size)
			return &c->regs[i];
	return NULL;
}

static void record(struct client *c, struct sregion *r, uint64_t pg)
{
	if (bit_test(r->served, pg))
		return;
	bit_set(r->served, pg);
	if (!c->recording)
		return;
	if (c->nrecord == c->caprecord) {
		size_t cap = c->caprecord ? c->caprecord * 2 : 1024;
		uint64_t *n = realloc(c->record, cap * sizeof(*n));

		if (!n)
			return; /* the record is best effort; serving goes on */
		c->record = n;
		c->caprecord = cap;
	}
	c->record[c->nrecord++] = r->offset + pg * r->psize;
}

/*
 * UFFDIO_ZEROPAGE has no hugetlbfs form: a huge page of zeros is a copy of
 * zeros (a private mapping, populated only where it is read).
 */
static int zero_fill(struct client *c, uint64_t page, uint64_t len)
{
	if (len == UW_PAGE)
		return uw_zeropage(c->uffd, page, len, NULL);
	if (!c->zero) {
		void *z = mmap(NULL, UW_HPAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (z == MAP_FAILED)
			return -ENOMEM;
		c->zero = z;
	}
	return uw_copy(c->uffd, page, c->zero, len, 0, NULL);
}

/*
 * UFFDIO_COPY says EFAULT when the source cannot be read: the memory file
 * shrank under its mapping, or its storage failed (both a SIGBUS on a plain
 * read). Waking the thread would only make it fault again, forever. Linux
 * 6.6+ installs a poison marker: the VMM's access gets SIGBUS (a memory
 * error in the guest), which says what happened. Before 6.6 the page is
 * zero-filled, as a fault outside every region is: the VMM runs on with
 * wrong memory, so both are warned about and counted.
 */
static int serve_unreadable(struct client *c, uint64_t page, uint64_t len, uint64_t off)
{
	int err = -EINVAL;

	if (!c->no_poison) {
		err = uw_poison(c->uffd, page, len);
		if (err == -EINVAL || err == -ENOTTY)
			c->no_poison = true;
	}
	if (!c->unservable++)
		hv_warn("serve: memory-file offset 0x%llx cannot be read (the file shrank, or a "
			"read error): %s",
			(unsigned long long)off,
			c->no_poison ? "zero-filled (no UFFDIO_POISON before Linux 6.6)"
				     : "poisoned, the VMM gets SIGBUS there");
	if (!err) {
		c->poisoned++;
		return 0;
	}
	return c->no_poison ? zero_fill(c, page, len) : err;
}

/*
 * Puts the snapshot's bytes [off, off + len) into the backing file's page
 * cache at the same offset. pread, not memcpy from the memory file's
 * mapping: a memory file that shrank gives a short read here, not SIGBUS.
 * -EFAULT when the memory file cannot give them.
 */
static int fill_backing(struct client *c, uint64_t off, uint64_t len)
{
	if (hv_pread_full(c->s->mem_fd, c->bmap + off, len, off) != (ssize_t)len)
		return -EFAULT;
	c->bwritten += len / UW_PAGE;
	return 0;
}

/*
 * A minor fault: the page is in the backing file's page cache, not mapped.
 * Its first time, with the backing file known, the snapshot's page is
 * written there; then UFFDIO_CONTINUE maps it. A page served before or
 * removed by the balloon keeps what the page cache holds (a shared
 * mapping's MADV_DONTNEED leaves the page in the file). Without a backing
 * file the VMM filled the file itself: only the mapping is ours to do.
 */
static int serve_minor(struct client *c, struct sregion *r, uint64_t page, uint64_t pg, uint64_t ps)
{
	uint64_t off = r->offset + pg * ps;
	int err;

	if (c->bmap && !bit_test(r->served, pg) && !bit_test(r->removed, pg) &&
	    fill_backing(c, off, ps)) {
		if (!c->unservable++)
			hv_warn("serve: memory-file offset 0x%llx cannot be read (the file shrank, "
				"or a read error): %s",
				(unsigned long long)off,
				c->no_poison ? "zero-filled"
					     : "poisoned, the VMM gets SIGBUS there");
		err = c->no_poison ? -EINVAL : uw_poison(c->uffd, page, ps);
		if (!err) {
			c->poisoned++;
			return 0;
		}
		c->no_poison = c->no_poison || err == -EINVAL || err == -ENOTTY;
		memset(c->bmap + off, 0, ps);
	}
	return uw_continue(c->uffd, page, ps, NULL);
}

static void serve_fault(struct client *c, struct uw_uffd *u, const struct uffd_msg *m)
{
	struct uw_fault f;
	struct sregion *r;
	int err;

	uw_fault_begin(u, m, &f);
	r = find_region(c, f.addr);
	/* A hugetlbfs region faults and is filled a huge page at a time. */
	f.len = r ? r->psize : UW_PAGE;
	f.page = f.addr & ~(f.len - 1);
	if (!r) {
		if (!c->outside++)
			hv_warn("serve: fault at 0x%llx is outside every region: %s",
				(unsigned long long)f.addr,
				f.kind == UW_K_MINOR ? "mapped as the page cache has it"
						     : "zero-filled");
		err = f.kind == UW_K_MINOR ? uw_continue(c->uffd, f.page, UW_PAGE, NULL)
					   : uw_zeropage(c->uffd, f.page, UW_PAGE, NULL);
	} else if (uw_fault_shared(u, f.page)) {
		err = 0; /* a vCPU sharing the page: the first one's copy woke it too */
	} else {
		uint64_t ps = f.len, pg = (f.page - r->base) / ps;

		if (f.kind == UW_K_MINOR)
			err = serve_minor(c, r, f.page, pg, ps);
		else if (bit_test(r->removed, pg))
			err = zero_fill(c, f.page, ps);
		else {
			const unsigned char *src = c->s->mem + r->offset + pg * ps;

			/*
			 * A 2 MiB copy from a source not mapped yet fails inside
			 * the kernel, which faults the source in page by page
			 * and tries again; one call maps it all first.
			 */
			if (ps == UW_HPAGE)
				madvise((void *)src, ps, MADV_POPULATE_READ);
			err = uw_copy(c->uffd, f.page, src, ps, 0, NULL);
		}
		if (err == -EFAULT)
			err = serve_unreadable(c, f.page, ps, r->offset + pg * ps);
		if (!err)
			uw_batch_add(&u->batch, f.page, ps);
		record(c, r, pg);
	}
	if (r) {
		f.map = r->base;
		f.off = f.page - r->base;
	}
	uw_fault_end(u, &f, err);
}

static void on_remove(struct client *c, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < c->nregs; i++) {
		struct sregion *r = &c->regs[i];
		uint64_t a = start > r->base ? start : r->base;
		uint64_t b = end < r->base + r->size ? end : r->base + r->size;

		/* "served" stays set: the record keeps first touches only */
		for (uint64_t p = a; p < b; p += r->psize)
			bit_set(r->removed, (p - r->base) / r->psize);
	}
}

static void handle_uffd(struct client *c)
{
	const struct uffd_msg *m;
	struct uw_uffd u;

	uw_uffd_init(&u, c->s->x, &c->st, c->uffd, c->vmm, 0);
	while ((m = uw_uffd_next(&u))) {
		if (m->event == UFFD_EVENT_PAGEFAULT) {
			serve_fault(c, &u, m);
		} else if (m->event == UFFD_EVENT_REMOVE) {
			on_remove(c, m->arg.remove.start, m->arg.remove.end);
			uw_event_note(&u, m);
		} else if (m->event == UFFD_EVENT_UNMAP) {
			uw_event_note(&u, m);
		}
	}
}

/* ---- record and prefetch ------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int write_record(struct serve *s, const struct client *c)
{
	size_t cap = 64 + c->nrecord * 20, n = 0;
	char *buf = malloc(cap);
	int err;

	if (!buf)
		return hv_fail(-ENOMEM, NULL, "serve: --record");
	n += (size_t)snprintf(buf, cap,
			      "# uffd-watch record v1: memory-file offsets, first "
			      "touch first\n");
	for (size_t i = 0; i < c->nrecord; i++)
		n += (size_t)snprintf(buf + n, cap - n, "0x%llx\n",
				      (unsigned long long)c->record[i]);
	err = hv_write_file_atomic(s->record_path, buf, n, 0644);
	free(buf);
	if (err)
		return hv_fail(err, NULL, "serve: --record %s", s->record_path);
	return 0;
}

/* Read once, before listening: every VMM gets the same working set. */
static int read_prefetch(struct serve *s)
{
	char *text, *line, *save = NULL;
	size_t len, n = 0, cap = 0, lineno = 0;
	uint64_t *offs = NULL;
	int err;

	err = hv_read_file_alloc(s->prefetch_path, 1u << 30, &text, &len);
	if (err)
		return hv_fail(err, NULL, "serve: --prefetch %s", s->prefetch_path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint64_t off;

		lineno++;
		hv_chomp(line);
		if (!*line || *line == '#')
			continue;
		if (hv_parse_u64(line, 0, UINT64_MAX, &off) < 0 || off % UW_PAGE) {
			free(text);
			free(offs);
			return hv_fail(-EINVAL, "one page-aligned memory-file offset per line",
				       "serve: --prefetch %s: line %zu", s->prefetch_path, lineno);
		}
		if (n == cap) {
			uint64_t *m = realloc(offs, (cap = cap ? cap * 2 : 1024) * sizeof(*m));

			if (!m) {
				free(text);
				free(offs);
				return hv_fail(-ENOMEM, NULL, "serve: --prefetch");
			}
			offs = m;
		}
		offs[n++] = off;
	}
	free(text);
	qsort(offs, n, sizeof(*offs), cmp_u64);
	s->pf_offs = offs;
	s->pf_n = n;
	return 0;
}

static struct sregion *region_of_offset(struct client *c, uint64_t off)
{
	for (size_t i = 0; i < c->nregs; i++)
		if (off >= c->regs[i].offset && off - c->regs[i].offset < c->regs[i].size)
			return &c->regs[i];
	return NULL;
}

/*
 * Installs n pages of r from page pg on, for prefetch and hand-back: one
 * UFFDIO_COPY, or in a "minor" region the bytes written into the backing
 * file (when there is one) and one UFFDIO_CONTINUE. *done as uw_copy's.
 */
static int install_run(struct client *c, struct sregion *r, uint64_t pg, uint64_t n, uint64_t *done)
{
	uint64_t ps = r->psize, off = r->offset + pg * ps, dst = r->base + pg * ps;
	int err;

	*done = 0;
	if (!r->minor) {
		/* Map the source in one call: faulting it in page by page costs more. */
		madvise((void *)(c->s->mem + off), n * ps, MADV_POPULATE_READ);
		return uw_copy(c->uffd, dst, c->s->mem + off, n * ps, 0, done);
	}
	/* A page the memory file cannot give ends the run: its fault will say so. */
	if (c->bmap)
		for (uint64_t k = 0; k < n; k++)
			if ((err = fill_backing(c, off + k * ps, ps))) {
				if (!k)
					return err;
				n = k;
				break;
			}
	return uw_continue(c->uffd, dst, n * ps, done);
}

/*
 * Installs the recorded working set before the first fault is served:
 * sorted, so neighbours become one UFFDIO_COPY of up to 2 MiB.
 */
static int prefetch(struct client *c)
{
	const uint64_t *offs = c->s->pf_offs;
	size_t n = c->s->pf_n, i = 0;
	uint64_t t0 = hv_now_ns();
	int err;

	while (i < n) {
		struct sregion *r = region_of_offset(c, offs[i]);
		size_t j = i + 1;
		uint64_t done = 0, dst;

		if (!r || (i && offs[i] == offs[i - 1])) {
			c->pf_skipped += r ? 0 : 1;
			i++;
			continue;
		}
		/* A recorded 4 KiB offset inside a huge page stands for all of it. */
		if (offs[i] % r->psize) {
			c->pf_skipped++;
			i++;
			continue;
		}
		while (j < n && offs[j] == offs[j - 1] + r->psize &&
		       offs[j] < r->offset + r->size && (j - i + 1) * r->psize <= PREFETCH_RUN)
			j++;
		dst = r->base + (offs[i] - r->offset);
		err = install_run(c, r, (offs[i] - r->offset) / r->psize, j - i, &done);
		/*
		 * EFAULT: an unreadable source page, left to serve_unreadable on
		 * its fault; in a "minor" region without a backing file, a page
		 * not in the page cache (its missing fault will come).
		 */
		if (err && err != -EEXIST && err != -EAGAIN && err != -EFAULT)
			return hv_fail(err, "the VMM's registration does not match its region list",
				       "serve: prefetch at 0x%llx", (unsigned long long)dst);
		for (uint64_t k = 0; k < done / r->psize; k++) {
			c->pf_pages++;
			record(c, r, (offs[i + k] - r->offset) / r->psize);
		}
		/* A page the VMM faulted in meanwhile stops the run: step over it. */
		i += done / r->psize + (err ? 1 : 0);
	}
	c->pf_ns = hv_now_ns() - t0;
	if (c->pf_skipped)
		hv_warn("serve: --prefetch: %llu offsets outside every region were skipped",
			(unsigned long long)c->pf_skipped);
	return 0;
}

static void stats_extra(struct uw_ctx *x, struct hv_json *j, void *arg)
{
	struct client *c = arg;
	struct serve *s = c->s;
	double secs = (double)c->pf_ns / 1e9;
	double rate = secs > 0 ? (double)c->pf_pages / secs : 0;

	if (j) {
		hv_json_u64(j, "client", c->id);
		hv_json_i64(j, "vmm_pid", c->vmm);
		hv_json_u64(j, "outside_faults", c->outside);
		hv_json_object_open(j, "prefetch");
		hv_json_u64(j, "pages", c->pf_pages);
		hv_json_double(j, "seconds", secs);
		hv_json_double(j, "pages_per_second", rate);
		hv_json_object_close(j);
		hv_json_u64(j, "recorded", c->nrecord);
		hv_json_u64(j, "faults_resolved_by_another", c->st.shared);
		hv_json_u64(j, "written_to_backing_file", c->bwritten);
		hv_json_u64(j, "refused_connections", s->refused);
		hv_json_u64(j, "turned_away", s->turned_away);
		hv_json_object_open(j, "unservable");
		hv_json_u64(j, "pages", c->unservable);
		hv_json_u64(j, "poisoned", c->poisoned);
		hv_json_u64(j, "zero_filled", c->unservable - c->poisoned);
		hv_json_object_close(j);
		return;
	}
	fprintf(x->out, "vmm:         pid %d (client %u)\n", (int)c->vmm, c->id);
	fprintf(x->out, "prefetch:    %llu pages in %.6f s (%.0f pages/s)\n",
		(unsigned long long)c->pf_pages, secs, rate);
	fprintf(x->out, "recorded:    %zu pages; outside regions: %llu faults\n", c->nrecord,
		(unsigned long long)c->outside);
	fprintf(x->out, "shared:      %llu faults resolved by another fault's ioctl\n",
		(unsigned long long)c->st.shared);
	if (c->bmap)
		fprintf(x->out, "minor:       %llu pages written into the backing file\n",
			(unsigned long long)c->bwritten);
	fprintf(x->out,
		"refused:     %llu connections from a uid not allowed, %llu beyond "
		"--max-clients\n",
		(unsigned long long)s->refused, (unsigned long long)s->turned_away);
	fprintf(x->out,
		"unservable:  %llu pages the memory file could not give (%llu poisoned, "
		"%llu zero-filled)\n",
		(unsigned long long)c->unservable, (unsigned long long)c->poisoned,
		(unsigned long long)(c->unservable - c->poisoned));
}

/* With several VMMs, what the server saw besides them, at the end. */
static void print_summary(struct serve *s)
{
	struct uw_ctx *x = s->x;

	if (x->c.json) {
		struct hv_json j;

		hv_json_init(&j, x->out, true);
		hv_json_object_open(&j, NULL);
		hv_json_str(&j, "event", "summary");
		hv_json_u64(&j, "clients", s->accepted);
		hv_json_u64(&j, "rejected", s->rejected);
		hv_json_u64(&j, "refused_connections", s->refused);
		hv_json_u64(&j, "turned_away", s->turned_away);
		hv_json_object_close(&j);
		hv_json_end(&j);
		return;
	}
	fprintf(x->out,
		"summary:     %u VMMs served (%llu handshakes rejected); refused %llu, turned "
		"away %llu\n",
		s->accepted, (unsigned long long)s->rejected, (unsigned long long)s->refused,
		(unsigned long long)s->turned_away);
}

/*
 * A signal ends the service while the VMM runs on, and the VMM keeps its own
 * copy of the userfaultfd: its next missing fault would wait forever. So the
 * pages not installed yet are installed now, as a prefetch would (the guest
 * sees its true memory), and then the regions are unregistered, which wakes
 * any waiter and leaves later faults (on balloon-removed pages) to the
 * kernel's zero-fill. This costs a copy of the rest of the memory file.
 */
static void hand_back(struct client *c)
{
	hv_step("hand-back");
	for (size_t i = 0; i < c->nregs; i++) {
		struct sregion *r = &c->regs[i];
		uint64_t ps = r->psize, n = r->size / ps, pg = 0;

		while (pg < n) {
			uint64_t j = pg, done = 0;
			int err;

			while (j < n && !bit_test(r->served, j) && !bit_test(r->removed, j) &&
			       (j - pg) * ps < PREFETCH_RUN)
				j++;
			if (j == pg) {
				pg++;
				continue;
			}
			err = install_run(c, r, pg, j - pg, &done);
			if (err == -ESRCH)
				return; /* the VMM exited meanwhile: nothing to hand back */
			/* EEXIST: a page the VMM has already (a racing fault): step over it. */
			pg += done / ps + (err ? 1 : 0);
		}
		uw_unregister(c->uffd, r->base, r->size);
	}
	if (c->s->x->c.verbose)
		hv_note("serve: VMM pid %d: stopped by a signal: the rest of the memory was "
			"installed and the regions unregistered",
			c->vmm);
}

static int loop(struct client *c)
{
	struct serve *s = c->s;
	struct epoll_event ev, evs[8];
	bool done = false;
	int watch;

	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (c->ep < 0)
		return hv_fail(-errno, NULL, "serve: epoll");
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = c->uffd};
	epoll_ctl(c->ep, EPOLL_CTL_ADD, c->uffd, &ev);
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = s->stopfd};
	epoll_ctl(c->ep, EPOLL_CTL_ADD, s->stopfd, &ev);
	/* The VMM's exit ends the service; without a pidfd, its socket's hang-up does. */
	c->pidfd = c->vmm > 0 ? (int)syscall(SYS_pidfd_open, c->vmm, 0) : -1;
	watch = c->pidfd >= 0 ? c->pidfd : c->conn;
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = watch};
	epoll_ctl(c->ep, EPOLL_CTL_ADD, watch, &ev);
	while (!done) {
		int n = epoll_wait(c->ep, evs, 8, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hv_fail(-errno, NULL, "serve: epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == c->uffd)
				handle_uffd(c);
			else if (fd == s->stopfd || fd == c->pidfd)
				done = true;
			else if (fd == c->conn) {
				char b;

				done = recv(c->conn, &b, 1, MSG_DONTWAIT) <= 0;
				if (!done)
					return uw_bad(-1, "unexpected bytes after the handshake")
						   ? HV_EXIT_FAILURE
						   : 0;
			}
		}
		if (s->x->trace)
			fflush(s->x->out);
	}
	/* The VMM is gone: whatever is still queued is moot, but drain for the counts. */
	handle_uffd(c);
	if (stopped(s))
		hand_back(c);
	return 0;
}

static int client_serve(struct client *c)
{
	struct serve *s = c->s;
	int rc;

	if ((rc = handshake(c))) {
		c->rejected = true;
		return rc;
	}
	c->recording = s->record_path && !atomic_exchange(&s->record_taken, true);
	if (stopped(s)) {
		/* Signalled before serving began: a VMM that came gets its memory. */
		hand_back(c);
		return 0;
	}
	if (s->pf_n && (rc = prefetch(c)))
		return rc;
	if ((rc = loop(c)))
		return rc;
	c->served = true;
	return 0;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	uint64_t one = 1;

	c->rc = client_serve(c);
	atomic_store(&c->finished, true);
	/* An eventfd write of 1 cannot fail short of a bug: nothing to do on error. */
	if (write(c->s->donefd, &one, sizeof(one)) < 0)
		hv_warn("serve: eventfd: %s", strerror(errno));
	return NULL;
}

static void client_free(struct client *c)
{
	if (c->conn >= 0)
		close(c->conn);
	if (c->uffd >= 0)
		close(c->uffd); /* the VMM keeps its own copy: closing ours wakes nothing */
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->ep >= 0)
		close(c->ep);
	if (c->zero)
		munmap(c->zero, UW_HPAGE);
	if (c->bmap)
		munmap(c->bmap, c->blen);
	if (c->backing >= 0)
		close(c->backing);
	uw_regions_free(c->regs, c->nregs);
	free(c->record);
	free(c);
}

/* ---- the main thread: accept, start, join ------------------------------------- */

static bool uid_allowed(const struct serve *s, uid_t uid)
{
	if (uid == geteuid())
		return true;
	for (size_t i = 0; i < s->nallow; i++)
		if (s->allow[i] == uid)
			return true;
	return false;
}

static void start_client(struct serve *s, int conn, pid_t pid)
{
	struct client *c = calloc(1, sizeof(*c));
	int err;

	if (!c) {
		hv_warn("serve: VMM pid %d not served: out of memory", (int)pid);
		close(conn);
		return;
	}
	*c = (struct client){
	    .s = s, .conn = conn, .uffd = -1, .backing = -1, .pidfd = -1, .ep = -1, .vmm = pid};
	c->id = s->accepted + 1;
	/* --timeout counts for the first VMM from serve's start, as it always did. */
	if (c->id == 1 && s->timeout_ms)
		c->end_ms = s->first_end_ms;
	else
		c->end_ms = hv_now_ms() + (s->timeout_ms ? s->timeout_ms : HANDSHAKE_MS);
	err = pthread_create(&c->th, NULL, client_main, c);
	if (err) {
		hv_warn("serve: VMM pid %d not served: no thread: %s", (int)pid, strerror(err));
		client_free(c);
		return;
	}
	s->accepted++;
	s->live++;
	c->next = s->clients;
	s->clients = c;
}

/* Takes every pending connection: serves, refuses or turns each away. */
static int accept_all(struct serve *s)
{
	for (;;) {
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		int conn = accept4(s->listen, NULL, NULL, SOCK_CLOEXEC);

		if (conn < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (conn < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (conn < 0)
			return hv_fail(-errno, NULL, "serve: accept");
		if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
			int err = -errno;

			close(conn);
			return hv_fail(err, NULL, "serve: SO_PEERCRED");
		}
		if (!uid_allowed(s, cred.uid)) {
			/* A stranger neither gets memory nor ends the wait for the real VMM. */
			s->refused++;
			hv_warn("serve: refused a connection from uid %u (pid %d): not serve's uid "
				"nor an --allow-uid",
				(unsigned)cred.uid, (int)cred.pid);
			close(conn);
			continue;
		}
		if (s->live >= s->max_clients) {
			/* The protocol has no reply: the VMM sees the hang-up, the log says why. */
			s->turned_away++;
			hv_warn("serve: turned away VMM pid %d (uid %u): already serving %u VMM%s "
				"(--max-clients %u)",
				(int)cred.pid, (unsigned)cred.uid, s->live, s->live == 1 ? "" : "s",
				s->max_clients);
			close(conn);
			continue;
		}
		hv_step("connected");
		start_client(s, conn, cred.pid);
	}
}

/* Joins the finished threads (all of them with wait_all), reporting each. */
static int reap(struct serve *s, bool wait_all)
{
	struct uw_ctx *x = s->x;
	struct client **pp = &s->clients;
	int rc = 0;

	while (*pp) {
		struct client *c = *pp;

		if (!wait_all && !atomic_load(&c->finished)) {
			pp = &c->next;
			continue;
		}
		pthread_join(c->th, NULL);
		*pp = c->next;
		s->live--;
		if (s->max_clients == 1)
			s->rc = c->rc;
		if (c->rejected)
			s->rejected++;
		if (c->rc && s->max_clients > 1)
			hv_warn("serve: VMM pid %d (client %u) was not served to its end; the "
				"others go on",
				(int)c->vmm, c->id);
		if (c->served && c->recording && (rc = write_record(s, c)))
			s->rc = rc;
		if (c->served && x->stats) {
			flockfile(x->out);
			uw_print_stats(x, &c->st, stats_extra, c);
			funlockfile(x->out);
			fflush(x->out);
		}
		client_free(c);
	}
	return rc;
}

static void stop_all(struct serve *s)
{
	uint64_t one = 1;

	if (!atomic_exchange(&s->stopped, true) && write(s->stopfd, &one, sizeof(one)) < 0)
		hv_warn("serve: eventfd: %s", strerror(errno));
}

static int serve_loop(struct serve *s)
{
	struct epoll_event ev, evs[8];
	bool listening = true;

	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0)
		return hv_fail(-errno, NULL, "serve: epoll");
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = s->listen};
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->listen, &ev);
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = s->sig.fd};
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->sig.fd, &ev);
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = s->donefd};
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->donefd, &ev);
	for (;;) {
		int n, ms = -1, err;

		/*
		 * --max-clients 1 is the one-VMM handler it always was: it ends
		 * with its VMM. With more, serve runs until a signal.
		 */
		if (!s->live && (stopped(s) || (s->max_clients == 1 && s->accepted)))
			return 0;
		if (listening && !s->accepted && s->timeout_ms) {
			uint64_t now = hv_now_ms();

			ms = now >= s->first_end_ms ? 0 : (int)(s->first_end_ms - now);
		}
		n = epoll_wait(s->ep, evs, 8, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hv_fail(-errno, NULL, "serve: epoll_wait");
		if (n == 0)
			return hv_fail(-ETIMEDOUT, "the VMM never connected",
				       "serve: waiting on %s", s->sock_path);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			uint64_t cnt;

			if (fd == s->listen && listening && (err = accept_all(s))) {
				stop_all(s);
				return err;
			}
			if (fd == s->sig.fd && hv_signals_pending(&s->sig) > 0 && listening) {
				stop_all(s);
				/* VMMs that connected before the signal still get their memory. */
				if ((err = accept_all(s)))
					return err;
				epoll_ctl(s->ep, EPOLL_CTL_DEL, s->listen, NULL);
				listening = false;
			}
			if (fd == s->donefd) {
				if (read(s->donefd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
					return hv_fail(-errno, NULL, "serve: eventfd");
				reap(s, false);
			}
		}
		if (s->x->trace)
			fflush(s->x->out);
	}
}

/* ---- setup --------------------------------------------------------------------- */

static int listen_private(struct serve *s);

static int setup(struct serve *s)
{
	struct stat st;
	int fd, err;

	fd = open(s->mem_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hv_fail(-errno, NULL, "serve: memory file %s", s->mem_path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		return hv_fail(-EINVAL, "give the snapshot's non-empty memory file",
			       "serve: memory file %s", s->mem_path);
	}
	s->mem_len = (uint64_t)st.st_size / UW_PAGE * UW_PAGE;
	s->mem = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	s->mem_fd = fd;
	if (s->mem == MAP_FAILED) {
		s->mem = NULL;
		return hv_fail(-errno, NULL, "serve: mmap %s", s->mem_path);
	}
	if (s->prefetch_path && (err = read_prefetch(s)))
		return err;
	s->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->donefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stopfd < 0 || s->donefd < 0)
		return hv_fail(-errno, NULL, "serve: eventfd");
	return listen_private(s);
}

/*
 * bind() gives the socket the umask's mode, and a chmod() after it leaves a
 * window in which anyone may connect. So the socket is bound inside a fresh
 * 0700 directory next to PATH, chmod-ed to 0600 (and handed to the one
 * --allow-uid when serve is root, so that uid can connect), and only then
 * linked to PATH: link() fails on an existing PATH, as bind() did.
 */
static int listen_private(struct serve *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *copy = strdup(s->sock_path), *dir, tmp[sizeof(sa.sun_path)];
	int err = 0;

	if (!copy)
		return hv_fail(-ENOMEM, NULL, "serve");
	dir = dirname(copy);
	if (strlen(s->sock_path) >= sizeof(sa.sun_path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.uffd-watch.XXXXXX", dir) >= sizeof(tmp) - 2) {
		free(copy);
		return hv_fail(-ENAMETOOLONG, "use a shorter path", "serve: --socket %s",
			       s->sock_path);
	}
	free(copy);
	if (!mkdtemp(tmp))
		return hv_fail(-errno, NULL, "serve: --socket %s: private directory", s->sock_path);
	/* tmp is shorter than sun_path by more than the "/s" (checked above). */
	memcpy(sa.sun_path, tmp, strlen(tmp));
	memcpy(sa.sun_path + strlen(tmp), "/s", 3);
	/* Non-blocking: the main thread takes every pending connection, then waits. */
	s->listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen < 0)
		err = hv_fail(-errno, NULL, "serve: socket");
	else if (bind(s->listen, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = hv_fail(-errno, NULL, "serve: bind %s", sa.sun_path);
	else if (listen(s->listen, SOMAXCONN) < 0)
		err = hv_fail(-errno, NULL, "serve: listen %s", s->sock_path);
	else if (chmod(sa.sun_path, 0600) < 0)
		err = hv_fail(-errno, NULL, "serve: chmod %s", sa.sun_path);
	else if (s->nallow == 1 && geteuid() == 0 && lchown(sa.sun_path, s->allow[0], -1) < 0)
		err = hv_fail(-errno, NULL, "serve: chown %s", sa.sun_path);
	else if (link(sa.sun_path, s->sock_path) < 0)
		err = hv_fail(-errno, errno == EEXIST ? "remove the stale socket first" : NULL,
			      "serve: bind %s", s->sock_path);
	unlink(sa.sun_path);
	rmdir(tmp);
	if (err) {
		if (s->listen >= 0)
			close(s->listen);
		s->listen = -1; /* PATH was not created: nothing to unlink */
		return err;
	}
	return 0;
}

int uw_serve(void *ctx, int argc, const char **argv)
{
	struct uw_ctx *x = ctx;
	struct serve s = {.x = x, .listen = -1, .ep = -1, .stopfd = -1, .donefd = -1, .mem_fd = -1};
	char *sock = NULL, *mem = NULL, *rec = NULL, *pf = NULL, *timeout = NULL, *output = NULL;
	char *maxc = NULL;
	char **allow = NULL;
	struct poptOption opts[] = {
	    {"socket", 's', POPT_ARG_STRING, &sock, 0, "listen on this unix socket", "PATH"},
	    {"memory", 'm', POPT_ARG_STRING, &mem, 0, "the snapshot's guest memory file", "FILE"},
	    {"max-clients", 0, POPT_ARG_STRING, &maxc, 0,
	     "serve up to N VMMs at once, until a signal (default 1: one VMM, then exit)", "N"},
	    {"record", 'r', POPT_ARG_STRING, &rec, 0,
	     "write the first-touch order of pages to TRACE at the end", "TRACE"},
	    {"prefetch", 'p', POPT_ARG_STRING, &pf, 0,
	     "install the pages listed in TRACE before serving faults", "TRACE"},
	    {"timeout", 0, POPT_ARG_STRING, &timeout, 0,
	     "give up if the VMM has not completed the handshake by then", "DURATION"},
	    {"allow-uid", 0, POPT_ARG_ARGV, &allow, 0,
	     "also serve a VMM running as UID (repeatable; default: serve's own uid only)", "UID"},
	    {"trace", 't', POPT_ARG_NONE, &x->trace, 0, "print every fault and event", NULL},
	    {"stats", 0, POPT_ARG_NONE, &x->stats, 0, "print statistics at the end", NULL},
	    {"output", 'o', POPT_ARG_STRING, &output, 0, "write trace and stats to FILE", "FILE"},
	    HV_POPT_COMMON(x->c),
	    POPT_TABLEEND};
	poptContext pc = poptGetContext(NULL, argc, argv, opts, 0);
	int rc, nargs;

	rc = hv_popt_parse(
	    pc, opts, &x->c,
	    "serve --socket PATH --memory FILE [--max-clients N] [--allow-uid UID]... "
	    "[--record TRACE] [--prefetch TRACE] [--timeout DURATION] [--trace] "
	    "[--stats] [--json] [-o FILE]",
	    NULL, "uffd-watch(1)");
	if (rc >= 0)
		goto out_popt;
	hv_popt_args(pc, &nargs);
	if (nargs) {
		rc = hv_usage_error("serve takes no arguments");
		goto out_popt;
	}
	if (!sock || !mem) {
		rc = hv_usage_error("serve needs --socket PATH and --memory FILE");
		goto out_popt;
	}
	if (timeout && hv_parse_duration_ms(timeout, 86400000ull * 365, &s.timeout_ms) < 0) {
		rc = hv_usage_error("--timeout %s: use a duration like 10s or 500ms", timeout);
		goto out_popt;
	}
	s.max_clients = 1;
	if (maxc) {
		uint32_t n;

		if (hv_parse_u32(maxc, 1, MAX_CLIENTS, &n) < 0) {
			rc = hv_usage_error("--max-clients %s: give a number from 1 to %d", maxc,
					    MAX_CLIENTS);
			goto out_popt;
		}
		s.max_clients = n;
	}
	for (size_t i = 0; allow && allow[i]; i++) {
		uint32_t uid;

		if (hv_parse_u32(allow[i], 0, UINT32_MAX - 1, &uid) < 0) {
			rc = hv_usage_error("--allow-uid %s: give a numeric uid", allow[i]);
			goto out_popt;
		}
		if (s.nallow == MAX_ALLOW_UIDS) {
			rc = hv_usage_error("--allow-uid: at most %d uids", MAX_ALLOW_UIDS);
			goto out_popt;
		}
		s.allow[s.nallow++] = (uid_t)uid;
	}
	s.sock_path = sock;
	s.mem_path = mem;
	s.record_path = rec;
	s.prefetch_path = pf;
	x->output = output;
	if ((rc = uw_output_open(x)))
		goto out_popt;
	/* Before any thread: they inherit the blocked mask, the main thread takes the signals. */
	if (hv_signals_block(&s.sig, 0) < 0) {
		rc = hv_fail(-errno, NULL, "signalfd");
		goto out;
	}
	s.sig_on = true;
	x->t0_ns = hv_now_ns();
	s.first_end_ms = hv_now_ms() + s.timeout_ms;
	if ((rc = setup(&s)))
		goto out;
	hv_step("listening");
	rc = serve_loop(&s);
	/* Every thread ends (handing back its memory after a failure) before the rest. */
	if (s.live) {
		stop_all(&s);
		reap(&s, true);
	}
	if (!rc)
		rc = s.rc;
	if (!rc && x->stats && s.max_clients > 1)
		print_summary(&s);
out:
	if (s.listen >= 0) {
		close(s.listen);
		unlink(sock);
	}
	if (s.ep >= 0)
		close(s.ep);
	if (s.stopfd >= 0)
		close(s.stopfd);
	if (s.donefd >= 0)
		close(s.donefd);
	if (s.mem_fd >= 0)
		close(s.mem_fd);
	free(s.pf_offs);
	if (s.sig_on)
		hv_signals_restore(&s.sig);
	uw_output_close(x);
out_popt:
	for (size_t i = 0; allow && allow[i]; i++)
		free(allow[i]);
	free(allow);
	poptFreeContext(pc);
	return rc;
}
