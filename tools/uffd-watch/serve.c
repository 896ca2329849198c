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
#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "diag.h"
#include "fileio.h"
#include "json.h"
#include "parse.h"
#include "signals.h"
#include "regions.h"
#include "step.h"
#include "uffd.h"

#define MAX_HANDSHAKE (256 * 1024)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; older kernels say EINVAL, harmless */
#endif
#define HANDSHAKE_MS 10000
#define PREFETCH_RUN (2ull << 20) /* one UFFDIO_COPY installs at most this much */
#define MAX_ALLOW_UIDS 64

struct serve {
	struct uw_ctx *x;
	const char *sock_path, *mem_path, *record_path, *prefetch_path;
	uint64_t timeout_ms;
	int listen, conn, uffd, pidfd, ep;
	pid_t vmm;
	uid_t allow[MAX_ALLOW_UIDS]; /* besides serve's own uid */
	size_t nallow;
	uint64_t refused; /* connections from a uid not allowed */
	struct hv_signals sig;
	bool sig_on;
	bool stopped; /* a signal ended the service: hand the VMM its memory */
	const unsigned char *mem;
	uint64_t mem_len;
	struct sregion *regs;
	size_t nregs;
	uint64_t *record; /* file offsets in first-touch order */
	size_t nrecord, caprecord;
	struct uw_stats st;
	uint64_t outside; /* faults outside every region (zero-filled) */
	uint64_t shared;  /* faults resolved by another of the same read (uw_batch) */
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

/* ---- the handshake ---------------------------------------------------------- */

/*
 * The signals are blocked for the signalfd, so a wait that does not watch it
 * would sit out SIGINT/SIGTERM until the VMM came. A signal sets s->stopped;
 * the wait ends with -EINTR only when fd has nothing: a VMM that has already
 * connected or sent part of its message is still taken, so that its memory
 * can be handed back instead of leaving it waiting on its first fault.
 */
static int wait_readable(struct serve *s, int fd, uint64_t timeout_ms, uint64_t t_end)
{
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = s->sig.fd, .events = POLLIN}};

	for (;;) {
		int ms = -1, n;

		if (timeout_ms) {
			uint64_t now = uw_now_ns() / 1000000;

			ms = now >= t_end ? 0 : (int)(t_end - now);
		}
		/* Once signalled, only the VMM's message is waited for. */
		n = poll(p, s->stopped ? 1 : 2, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ETIMEDOUT;
		if (p[0].revents)
			return 0;
		if (hv_signals_pending(&s->sig) > 0)
			s->stopped = true;
		if (s->stopped && fd == s->listen)
			return -EINTR;
	}
}

static bool uid_allowed(const struct serve *s, uid_t uid)
{
	if (uid == geteuid())
		return true;
	for (size_t i = 0; i < s->nallow; i++)
		if (s->allow[i] == uid)
			return true;
	return false;
}

static int handshake(struct serve *s)
{
	uint64_t t_end = uw_now_ns() / 1000000 + s->timeout_ms;
	struct json_tokener *tok;
	struct json_object *root = NULL;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char *buf;
	size_t len = 0;
	int err;

	for (;;) {
		if ((err = wait_readable(s, s->listen, s->timeout_ms, t_end)) == -EINTR)
			return 0;
		if (err)
			return hv_fail(err, "the VMM never connected", "serve: waiting on %s",
				       s->sock_path);
		s->conn = accept4(s->listen, NULL, NULL, SOCK_CLOEXEC);
		if (s->conn < 0)
			return hv_fail(-errno, NULL, "serve: accept");
		clen = sizeof(cred);
		if (getsockopt(s->conn, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
			return hv_fail(-errno, NULL, "serve: SO_PEERCRED");
		if (uid_allowed(s, cred.uid))
			break;
		/* A stranger neither gets memory nor ends the wait for the real VMM. */
		s->refused++;
		hv_warn("serve: refused a connection from uid %u (pid %d): not serve's uid nor an "
			"--allow-uid",
			(unsigned)cred.uid, (int)cred.pid);
		close(s->conn);
		s->conn = -1;
	}
	hv_step("connected");
	s->vmm = cred.pid;
	/* A connected VMM sends its one message at once: never wait on it forever. */
	if (!s->timeout_ms)
		t_end = uw_now_ns() / 1000000 + HANDSHAKE_MS;
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
		int fd;

		if ((err = wait_readable(s, s->conn, 1, t_end))) {
			hv_err(err, "the VMM sent no complete region list", "serve: handshake");
			break;
		}
		err = uw_recv_fd(s->conn, buf + len, MAX_HANDSHAKE - len, &fd, &got);
		if (err) {
			hv_err(err, "one userfaultfd is expected", "serve: handshake");
			err = -EPROTO;
			break;
		}
		if (fd >= 0 && s->uffd >= 0) {
			close(fd);
			err = uw_bad(-1, "a second descriptor arrived");
			break;
		}
		if (fd >= 0)
			s->uffd = fd;
		if (got == 0) {
			err = uw_bad(-1, "the VMM hung up before a complete region list (%zu bytes)",
				  len);
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
	if (!err && s->uffd < 0)
		err = uw_bad(-1, "no userfaultfd came with the region list (SCM_RIGHTS)");
	if (!err && !uw_is_uffd(s->uffd))
		err = uw_bad(-1, "the descriptor sent is not a userfaultfd");
	if (!err)
		err = uw_regions_parse(root, s->mem_len, &s->regs, &s->nregs);
	if (root)
		json_object_put(root);
	if (err == -ENOMEM)
		return hv_fail(err, NULL, "serve");
	if (err)
		return err == -ETIMEDOUT ? HV_EXIT_TIMEOUT : HV_EXIT_FAILURE;
	fcntl(s->uffd, F_SETFL, fcntl(s->uffd, F_GETFL) | O_NONBLOCK);
	if (s->x->c.verbose)
		hv_note("serve: VMM pid %d, %zu regions", s->vmm, s->nregs);
	hv_step("handshake-done");
	return 0;
}

/* ---- serving ---------------------------------------------------------------- */

static struct sregion *find_region(struct serve *s, uint64_t addr)
{
	for (size_t i = 0; i < s->nregs; i++)
		if (addr >= s->regs[i].base && addr - s->regs[i].base < s->regs[i].size)
			return &s->regs[i];
	return NULL;
}

static void record(struct serve *s, struct sregion *r, uint64_t pg)
{
	if (bit_test(r->served, pg))
		return;
	bit_set(r->served, pg);
	if (!s->record_path)
		return;
	if (s->nrecord == s->caprecord) {
		size_t cap = s->caprecord ? s->caprecord * 2 : 1024;
		uint64_t *n = realloc(s->record, cap * sizeof(*n));

		if (!n)
			return; /* the record is best effort; serving goes on */
		s->record = n;
		s->caprecord = cap;
	}
	s->record[s->nrecord++] = r->offset + pg * r->psize;
}

/*
 * UFFDIO_ZEROPAGE has no hugetlbfs form: a huge page of zeros is a copy of
 * zeros (a private mapping, populated only where it is read).
 */
static int zero_fill(struct serve *s, uint64_t page, uint64_t len)
{
	if (len == UW_PAGE)
		return uw_zeropage(s->uffd, page, len, NULL);
	if (!s->zero) {
		void *z = mmap(NULL, UW_HPAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (z == MAP_FAILED)
			return -ENOMEM;
		s->zero = z;
	}
	return uw_copy(s->uffd, page, s->zero, len, 0, NULL);
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
static int serve_unreadable(struct serve *s, uint64_t page, uint64_t len, uint64_t off)
{
	int err = -EINVAL;

	if (!s->no_poison) {
		err = uw_poison(s->uffd, page, len);
		if (err == -EINVAL || err == -ENOTTY)
			s->no_poison = true;
	}
	if (!s->unservable++)
		hv_warn("serve: memory-file offset 0x%llx cannot be read (the file shrank, or a "
			"read error): %s",
			(unsigned long long)off,
			s->no_poison ? "zero-filled (no UFFDIO_POISON before Linux 6.6)"
				     : "poisoned, the VMM gets SIGBUS there");
	if (!err) {
		s->poisoned++;
		return 0;
	}
	return s->no_poison ? zero_fill(s, page, len) : err;
}

static void serve_fault(struct serve *s, const struct uffd_msg *m, uint64_t t0, struct uw_batch *b)
{
	uint64_t addr = m->arg.pagefault.address, t1;
	struct sregion *r = find_region(s, addr);
	/* A hugetlbfs region faults and is filled a huge page at a time. */
	uint64_t ps = r ? r->psize : UW_PAGE, page = addr & ~(ps - 1);
	enum uw_kind k = uw_fault_kind(m);
	int err;

	if (!s->st.first_ns)
		hv_step("first-fault"); /* the VMM waits on this fault */
	if (!r) {
		if (!s->outside++)
			hv_warn("serve: fault at 0x%llx is outside every region: zero-filled",
				(unsigned long long)addr);
		err = uw_zeropage(s->uffd, page, UW_PAGE, NULL);
	} else if (uw_batch_has(b, page)) {
		err = 0; /* a vCPU sharing the page: the first one's copy woke it too */
		s->shared++;
	} else {
		uint64_t pg = (page - r->base) / ps;

		if (bit_test(r->removed, pg))
			err = zero_fill(s, page, ps);
		else
			err = uw_copy(s->uffd, page, s->mem + r->offset + pg * ps, ps, 0, NULL);
		if (err == -EFAULT)
			err = serve_unreadable(s, page, ps, r->offset + pg * ps);
		if (!err)
			uw_batch_add(b, page, ps);
		record(s, r, pg);
	}
	if (err == -EAGAIN)
		s->st.retries++;
	if (err)
		uw_wake(s->uffd, page, ps);
	t1 = uw_now_ns();
	uw_hist_add(&s->st.lat, t1 - t0);
	if (!s->st.first_ns)
		s->st.first_ns = t1;
	s->st.last_ns = t1;
	s->st.faults[k]++;
	if (s->x->trace)
		uw_trace_fault(s->x, t0, s->vmm, m->arg.pagefault.feat.ptid, k, addr,
			       r ? r->base : 0, r ? page - r->base : 0);
}

static void on_remove(struct serve *s, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < s->nregs; i++) {
		struct sregion *r = &s->regs[i];
		uint64_t a = start > r->base ? start : r->base;
		uint64_t b = end < r->base + r->size ? end : r->base + r->size;

		/* "served" stays set: the record keeps first touches only */
		for (uint64_t p = a; p < b; p += r->psize)
			bit_set(r->removed, (p - r->base) / r->psize);
	}
}

static void handle_uffd(struct serve *s)
{
	struct uffd_msg msgs[UW_BATCH];
	struct uw_batch b;

	for (;;) {
		ssize_t n = read(s->uffd, msgs, sizeof(msgs));
		uint64_t t = uw_now_ns();

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		b.n = 0;
		for (size_t i = 0; i < (size_t)n / sizeof(msgs[0]); i++) {
			const struct uffd_msg *m = &msgs[i];

			if (m->event != UFFD_EVENT_PAGEFAULT)
				b.n = 0;
			if (m->event == UFFD_EVENT_PAGEFAULT) {
				serve_fault(s, m, t, &b);
			} else if (m->event == UFFD_EVENT_REMOVE) {
				s->st.events[UW_E_REMOVE]++;
				on_remove(s, m->arg.remove.start, m->arg.remove.end);
				if (s->x->trace)
					uw_trace_event(s->x, t, s->vmm, "remove", "start",
						       m->arg.remove.start, "end",
						       m->arg.remove.end, NULL, 0);
			} else if (m->event == UFFD_EVENT_UNMAP) {
				s->st.events[UW_E_UNMAP]++;
				if (s->x->trace)
					uw_trace_event(s->x, t, s->vmm, "unmap", "start",
						       m->arg.remove.start, "end",
						       m->arg.remove.end, NULL, 0);
			}
		}
		/*
		 * A short batch emptied the queue: epoll (level triggered)
		 * reports the next message, no read that can only say EAGAIN.
		 */
		if ((size_t)n < sizeof(msgs))
			return;
	}
}

/* ---- record and prefetch ------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int write_record(struct serve *s)
{
	size_t cap = 64 + s->nrecord * 20, n = 0;
	char *buf = malloc(cap);
	int err;

	if (!buf)
		return hv_fail(-ENOMEM, NULL, "serve: --record");
	n += (size_t)snprintf(buf, cap,
			      "# uffd-watch record v1: memory-file offsets, first "
			      "touch first\n");
	for (size_t i = 0; i < s->nrecord; i++)
		n += (size_t)snprintf(buf + n, cap - n, "0x%llx\n",
				      (unsigned long long)s->record[i]);
	err = hv_write_file_atomic(s->record_path, buf, n, 0644);
	free(buf);
	if (err)
		return hv_fail(err, NULL, "serve: --record %s", s->record_path);
	return 0;
}

static int read_prefetch(struct serve *s, uint64_t **out, size_t *count)
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
	*out = offs;
	*count = n;
	return 0;
}

static struct sregion *region_of_offset(struct serve *s, uint64_t off)
{
	for (size_t i = 0; i < s->nregs; i++)
		if (off >= s->regs[i].offset && off - s->regs[i].offset < s->regs[i].size)
			return &s->regs[i];
	return NULL;
}

/*
 * Installs the recorded working set before the first fault is served:
 * sorted, so neighbours become one UFFDIO_COPY of up to 2 MiB.
 */
static int prefetch(struct serve *s)
{
	uint64_t *offs = NULL, t0;
	size_t n = 0, i = 0;
	int err;

	if ((err = read_prefetch(s, &offs, &n)))
		return err;
	qsort(offs, n, sizeof(*offs), cmp_u64);
	t0 = uw_now_ns();
	while (i < n) {
		struct sregion *r = region_of_offset(s, offs[i]);
		size_t j = i + 1;
		uint64_t len, done = 0, dst;

		if (!r || (i && offs[i] == offs[i - 1])) {
			s->pf_skipped += r ? 0 : 1;
			i++;
			continue;
		}
		/* A recorded 4 KiB offset inside a huge page stands for all of it. */
		if (offs[i] % r->psize) {
			s->pf_skipped++;
			i++;
			continue;
		}
		while (j < n && offs[j] == offs[j - 1] + r->psize && offs[j] < r->offset + r->size &&
		       (j - i + 1) * r->psize <= PREFETCH_RUN)
			j++;
		len = (j - i) * r->psize;
		dst = r->base + (offs[i] - r->offset);
		/* Map the source in one call: faulting it in page by page costs more. */
		madvise((void *)(s->mem + offs[i]), len, MADV_POPULATE_READ);
		err = uw_copy(s->uffd, dst, s->mem + offs[i], len, 0, &done);
		/* EFAULT: an unreadable source page, left to serve_unreadable on its fault. */
		if (err && err != -EEXIST && err != -EAGAIN && err != -EFAULT) {
			free(offs);
			return hv_fail(err, "the VMM's registration does not match its region list",
				       "serve: prefetch at 0x%llx", (unsigned long long)dst);
		}
		for (uint64_t k = 0; k < done / r->psize; k++) {
			s->pf_pages++;
			record(s, r, (offs[i + k] - r->offset) / r->psize);
		}
		/* A page the VMM faulted in meanwhile stops the run: step over it. */
		i += done / r->psize + (err ? 1 : 0);
	}
	s->pf_ns = uw_now_ns() - t0;
	free(offs);
	if (s->pf_skipped)
		hv_warn("serve: --prefetch: %llu offsets outside every region were skipped",
			(unsigned long long)s->pf_skipped);
	return 0;
}

static void stats_extra(struct uw_ctx *x, struct hv_json *j, void *arg)
{
	struct serve *s = arg;
	double secs = (double)s->pf_ns / 1e9;
	double rate = secs > 0 ? (double)s->pf_pages / secs : 0;

	if (j) {
		hv_json_i64(j, "vmm_pid", s->vmm);
		hv_json_u64(j, "outside_faults", s->outside);
		hv_json_object_open(j, "prefetch");
		hv_json_u64(j, "pages", s->pf_pages);
		hv_json_double(j, "seconds", secs);
		hv_json_double(j, "pages_per_second", rate);
		hv_json_object_close(j);
		hv_json_u64(j, "recorded", s->nrecord);
		hv_json_u64(j, "faults_resolved_by_another", s->shared);
		hv_json_u64(j, "refused_connections", s->refused);
		hv_json_object_open(j, "unservable");
		hv_json_u64(j, "pages", s->unservable);
		hv_json_u64(j, "poisoned", s->poisoned);
		hv_json_u64(j, "zero_filled", s->unservable - s->poisoned);
		hv_json_object_close(j);
		return;
	}
	fprintf(x->out, "prefetch:    %llu pages in %.6f s (%.0f pages/s)\n",
		(unsigned long long)s->pf_pages, secs, rate);
	fprintf(x->out, "recorded:    %zu pages; outside regions: %llu faults\n", s->nrecord,
		(unsigned long long)s->outside);
	fprintf(x->out, "shared:      %llu faults resolved by another fault's ioctl\n",
		(unsigned long long)s->shared);
	fprintf(x->out, "refused:     %llu connections from a uid not allowed\n",
		(unsigned long long)s->refused);
	fprintf(x->out, "unservable:  %llu pages the memory file could not give (%llu poisoned, "
			"%llu zero-filled)\n",
		(unsigned long long)s->unservable, (unsigned long long)s->poisoned,
		(unsigned long long)(s->unservable - s->poisoned));
}

/* ---- setup --------------------------------------------------------------------- */

static int listen_private(struct serve *s);

static int setup(struct serve *s)
{
	struct stat st;
	int fd;

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
	close(fd);
	if (s->mem == MAP_FAILED) {
		s->mem = NULL;
		return hv_fail(-errno, NULL, "serve: mmap %s", s->mem_path);
	}
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
	s->listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->listen < 0)
		err = hv_fail(-errno, NULL, "serve: socket");
	else if (bind(s->listen, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = hv_fail(-errno, NULL, "serve: bind %s", sa.sun_path);
	else if (listen(s->listen, 1) < 0)
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

/*
 * A signal ends the service while the VMM runs on, and the VMM keeps its own
 * copy of the userfaultfd: its next missing fault would wait forever. So the
 * pages not installed yet are installed now, as a prefetch would (the guest
 * sees its true memory), and then the regions are unregistered, which wakes
 * any waiter and leaves later faults (on balloon-removed pages) to the
 * kernel's zero-fill. This costs a copy of the rest of the memory file.
 */
static void hand_back(struct serve *s)
{
	hv_step("hand-back");
	for (size_t i = 0; i < s->nregs; i++) {
		struct sregion *r = &s->regs[i];
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
			madvise((void *)(s->mem + r->offset + pg * ps), (j - pg) * ps,
				MADV_POPULATE_READ);
			err = uw_copy(s->uffd, r->base + pg * ps,
				      s->mem + r->offset + pg * ps, (j - pg) * ps, 0, &done);
			if (err == -ESRCH)
				return; /* the VMM exited meanwhile: nothing to hand back */
			/* EEXIST: a page the VMM has already (a racing fault): step over it. */
			pg += done / ps + (err ? 1 : 0);
		}
		uw_unregister(s->uffd, r->base, r->size);
	}
	if (s->x->c.verbose)
		hv_note("serve: stopped by a signal: the rest of the memory was installed and "
			"the regions unregistered");
}

static int loop(struct serve *s)
{
	struct epoll_event ev, evs[8];
	bool done = false;

	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0)
		return hv_fail(-errno, NULL, "serve: epoll");
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = s->uffd};
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->uffd, &ev);
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = s->sig.fd};
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->sig.fd, &ev);
	/* The VMM's exit ends the service; without a pidfd, its socket's hang-up does. */
	s->pidfd = s->vmm > 0 ? (int)syscall(SYS_pidfd_open, s->vmm, 0) : -1;
	ev = (struct epoll_event){.events = EPOLLIN, .data.fd = s->pidfd >= 0 ? s->pidfd : s->conn};
	epoll_ctl(s->ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	while (!done) {
		int n = epoll_wait(s->ep, evs, 8, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hv_fail(-errno, NULL, "serve: epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == s->uffd)
				handle_uffd(s);
			else if (fd == s->sig.fd)
				done = s->stopped = hv_signals_pending(&s->sig) > 0;
			else if (fd == s->pidfd)
				done = true;
			else if (fd == s->conn) {
				char b;

				done = recv(s->conn, &b, 1, MSG_DONTWAIT) <= 0;
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
	handle_uffd(s);
	if (s->stopped)
		hand_back(s);
	return 0;
}

int uw_serve(void *ctx, int argc, const char **argv)
{
	struct uw_ctx *x = ctx;
	struct serve s = {.x = x, .listen = -1, .conn = -1, .uffd = -1, .pidfd = -1, .ep = -1};
	char *sock = NULL, *mem = NULL, *rec = NULL, *pf = NULL, *timeout = NULL, *output = NULL;
	char **allow = NULL;
	struct poptOption opts[] = {
	    {"socket", 's', POPT_ARG_STRING, &sock, 0, "listen on this unix socket", "PATH"},
	    {"memory", 'm', POPT_ARG_STRING, &mem, 0, "the snapshot's guest memory file", "FILE"},
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

	rc = hv_popt_parse(pc, opts, &x->c,
			    "serve --socket PATH --memory FILE [--allow-uid UID]... [--record TRACE] "
			    "[--prefetch TRACE] [--timeout DURATION] [--trace] [--stats] [--json] "
			    "[-o FILE]",
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
	if (hv_signals_block(&s.sig, 0) < 0) {
		rc = hv_fail(-errno, NULL, "signalfd");
		goto out;
	}
	s.sig_on = true;
	x->t0_ns = uw_now_ns();
	if ((rc = setup(&s)))
		goto out;
	hv_step("listening");
	if ((rc = handshake(&s)))
		goto out;
	if (s.stopped) {
		/* Signalled before serving began: a VMM that came gets its memory. */
		if (s.uffd >= 0)
			hand_back(&s);
		goto out;
	}
	if (pf && (rc = prefetch(&s)))
		goto out;
	if ((rc = loop(&s)))
		goto out;
	if (rec && (rc = write_record(&s)))
		goto out;
	if (x->stats)
		uw_print_stats(x, &s.st, stats_extra, &s);
out:
	if (s.listen >= 0) {
		close(s.listen);
		unlink(sock);
	}
	if (s.conn >= 0)
		close(s.conn);
	if (s.uffd >= 0)
		close(s.uffd); /* the VMM keeps its own copy: closing ours wakes nothing */
	if (s.pidfd >= 0)
		close(s.pidfd);
	if (s.ep >= 0)
		close(s.ep);
	uw_regions_free(s.regs, s.nregs);
	free(s.record);
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
