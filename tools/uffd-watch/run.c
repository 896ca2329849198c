// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * run: start a program with the preload agent, take the userfaultfd it
 * creates, register the mappings it reports and serve every fault from one
 * epoll loop (see proto.h for the agent protocol and the handler-death rule).
 *
 * One struct proc per traced process (the program, its fork children, and
 * what they exec). A fork child's context arrives twice: the kernel hands it
 * over with UFFD_EVENT_FORK while the parent is still inside fork(), then the
 * child's agent says hello with its parent's pid; the two are matched in
 * fork order. Until then the child's faults are served all the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agentmsg.h"
#include "clock.h"
#include "diag.h"
#include "dirty.h"
#include "exec.h"
#include "json.h"
#include "parse.h"
#include "proto.h"
#include "signals.h"
#include "step.h"
#include "fault.h"

enum tag_kind { T_LISTEN, T_SIGNAL, T_CONN, T_UFFD, T_TIMER };

struct tag {
	enum tag_kind kind;
	struct proc *p;
};

struct region {
	uint64_t start, len;
};

#define UW_STREAMS     8  /* sequential fault streams followed per process */
#define UW_AROUND_AUTO 64 /* --fault-around auto: the largest window, in pages */

/* A sequential fault stream, for adaptive fault-around (see window()). */
struct stream {
	uint64_t start; /* first page of the window it got last */
	uint64_t next;	/* the page after that window */
	uint64_t win;	/* its size in pages; 0: slot unused */
	uint64_t used;	/* for replacing the least recently used */
};

struct proc {
	struct proc *next;
	int pid;      /* 0 while a fork child has not said hello */
	int ppid;     /* fork children: the parent that forked them */
	uint64_t seq; /* fork order, to match hellos with contexts */
	int conn;
	int uffd;
	bool fork_child;
	bool dead; /* dropped: its memory lives until the end of the epoll batch */
	struct tag conn_tag, uffd_tag;
	struct region *regs;
	size_t nregs, cap;
	struct stream streams[UW_STREAMS];
	uint64_t clock;
};

struct run {
	struct uw_ctx *x;
	int mode;
	const char *serve_path;
	uint64_t min_size;
	uint64_t spin_ns;
	uint64_t around;      /* pages installed per missing fault (auto: at most) */
	bool adaptive;	      /* --fault-around auto */
	bool wp_unpop_off;    /* --wp-unpopulated off */
	bool wp_unpop;	      /* wp mode on pte markers: only writes fault */
	uint64_t interval_ns; /* wp-async: PAGEMAP_SCAN every this long */
	int timer;	      /* wp-async: timerfd of --interval */
	struct tag timer_tag;
	uint64_t st_written;	   /* wp-async: pages reported written */
	uint64_t st_mappings;	   /* mappings registered, over every process */
	const unsigned char *file; /* --serve file: the content */
	uint64_t file_len;
	int ep;
	struct hv_signals sig;
	int listen;
	char dir[256], sock[sizeof(((struct sockaddr_un *)0)->sun_path) + 300];
	struct tag listen_tag, sig_tag;
	struct proc *procs;
	struct proc *dead; /* dropped procs, freed after the batch (see proc_free) */
	uint64_t fork_seq;
	uint64_t kfeatures; /* what the kernel offers */
	uint64_t want;	    /* what we ask for on each context */
	pid_t child;
	int status;
	bool child_done;
	bool warned_fork_perm, warned_ioctl, warned_user_mode, warned_scan;
	struct uw_stats st;
	uint64_t st_around; /* pages installed by fault-around, beyond the faulting ones */
	void *zero;	    /* one zero page, source for written zero-fills */
};

static int mode_from_name(const char *s)
{
	if (!strcmp(s, "missing"))
		return UW_MODE_MISSING;
	if (!strcmp(s, "wp"))
		return UW_MODE_WP;
	if (!strcmp(s, "minor"))
		return UW_MODE_MINOR;
	if (!strcmp(s, "wp-async"))
		return UW_MODE_WP_ASYNC;
	return -1;
}

/* ---- regions ------------------------------------------------------------ */

static int regs_remove(struct proc *p, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;
	size_t i = 0;
	int hit = 0;

	while (i < p->nregs) {
		struct region *r = &p->regs[i];
		uint64_t rend = r->start + r->len;

		if (rend <= start || r->start >= end) {
			i++;
			continue;
		}
		hit = 1;
		if (r->start < start && rend > end) {
			/* the hole splits it in two */
			struct region tail = {end, rend - end};

			r->len = start - r->start;
			if (p->nregs == p->cap) {
				size_t cap = p->cap ? p->cap * 2 : 8;
				struct region *n = realloc(p->regs, cap * sizeof(*n));

				if (!n)
					return -ENOMEM;
				p->regs = n;
				p->cap = cap;
			}
			p->regs[p->nregs++] = tail;
			return hit;
		}
		if (r->start < start) {
			r->len = start - r->start;
			i++;
		} else if (rend > end) {
			r->len = rend - end;
			r->start = end;
			i++;
		} else {
			p->regs[i] = p->regs[--p->nregs];
		}
	}
	return hit;
}

static int regs_add(struct proc *p, uint64_t start, uint64_t len)
{
	if (regs_remove(p, start, len) < 0)
		return -ENOMEM;
	if (p->nregs == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct region *n = realloc(p->regs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->regs = n;
		p->cap = cap;
	}
	p->regs[p->nregs++] = (struct region){start, len};
	return 0;
}

static const struct region *regs_find(const struct proc *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nregs; i++)
		if (addr >= p->regs[i].start && addr - p->regs[i].start < p->regs[i].len)
			return &p->regs[i];
	return NULL;
}

/* ---- processes ------------------------------------------------------------ */

static struct proc *proc_new(struct run *r)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->conn = p->uffd = -1;
	p->conn_tag = (struct tag){T_CONN, p};
	p->uffd_tag = (struct tag){T_UFFD, p};
	p->next = r->procs;
	r->procs = p;
	return p;
}

/*
 * Drops a process: its descriptors leave the epoll set explicitly, because
 * closing ours does not remove a registration while another reference to
 * the file lives (a traced program may hand over a userfaultfd and keep a
 * dup). The struct itself is only freed by proc_reap() after the current
 * epoll batch, whose events may still point at it: handlers skip dead ones.
 */
static void proc_free(struct run *r, struct proc *p)
{
	struct proc **pp;

	for (pp = &r->procs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	if (p->conn >= 0) {
		epoll_ctl(r->ep, EPOLL_CTL_DEL, p->conn, NULL);
		close(p->conn);
	}
	if (p->uffd >= 0) {
		epoll_ctl(r->ep, EPOLL_CTL_DEL, p->uffd, NULL);
		close(p->uffd); /* the last reference, unless the program kept one */
	}
	p->conn = p->uffd = -1;
	free(p->regs);
	p->regs = NULL;
	p->nregs = p->cap = 0;
	p->dead = true;
	p->next = r->dead;
	r->dead = p;
}

static void proc_reap(struct run *r)
{
	while (r->dead) {
		struct proc *p = r->dead;

		r->dead = p->next;
		free(p);
	}
}

static int ep_add(struct run *r, int fd, struct tag *t)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = t};

	return epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* ---- faults and events ------------------------------------------------------ */

/*
 * Adaptive fault-around, the kernel's readahead applied to missing faults: a
 * fault at the end of the window a stream got last time, or a little past it,
 * is sequential, and the stream's window grows (4, 8, 16, ... pages, up to
 * the maximum); any other fault starts a new stream of one page, so random
 * access costs one page per fault, as without fault-around. A fault inside a
 * window already installed (another thread's fault raced ours, or
 * MADV_DONTNEED dropped the page) gets its page and leaves the stream alone.
 * Returns the pages to install; *sp is the stream to update, or NULL.
 */
static uint64_t window(struct run *r, struct proc *p, uint64_t page, struct stream **sp)
{
	struct stream *s, *lru = &p->streams[0];

	*sp = NULL;
	if (!r->adaptive)
		return r->around;
	p->clock++;
	for (s = p->streams; s < p->streams + UW_STREAMS; s++) {
		if (s->win && page >= s->start &&
		    (page < s->next || page - s->next < s->win * UW_PAGE)) {
			s->used = p->clock;
			if (page < s->next)
				return 1;
			s->win = s->win < 4 ? 4 : s->win * 2;
			if (s->win > r->around)
				s->win = r->around;
			s->start = page;
			*sp = s;
			return s->win;
		}
		if (s->used < lru->used)
			lru = s;
	}
	*lru = (struct stream){.start = page, .next = page + UW_PAGE, .win = 1, .used = p->clock};
	return 1;
}

/*
 * Installs the faulting page and, with fault-around, the pages after it in
 * one ioctl: never past the end of its registered mapping, never across the
 * end of the --serve file (the rest of the mapping is zero), and never over
 * a page already present (the kernel stops there, and since the faulting
 * page comes first, a short copy still resolves the fault). Read faults on
 * zero content map the shared zero page, as the kernel itself would.
 */
static int install(struct run *r, struct proc *p, const struct region *reg, uint64_t page,
		   enum uw_kind k, uint64_t *installed)
{
	uint64_t n = 1, len, done = 0;
	const void *src = r->zero;
	struct stream *s = NULL;
	int err;

	if (reg && r->mode == UW_MODE_MISSING)
		n = window(r, p, page, &s);
	len = n * UW_PAGE;
	if (reg && len > reg->start + reg->len - page)
		len = reg->start + reg->len - page;
	if (r->file && reg) {
		uint64_t off = page - reg->start;

		if (off < r->file_len) {
			src = r->file + off;
			if (len > r->file_len - off)
				len = r->file_len - off;
		}
	}
	if (src == r->zero && k == UW_K_READ && r->mode == UW_MODE_MISSING)
		err = uw_zeropage(p->uffd, page, len, &done);
	else
		/* A read keeps wp mode's protection, so the first write still reports. */
		err = uw_copy(p->uffd, page, src, len,
			      k == UW_K_READ && r->mode == UW_MODE_WP ? UFFDIO_COPY_MODE_WP : 0,
			      &done);
	if (err == -EAGAIN && done >= UW_PAGE)
		err = 0;
	if (s)
		s->next = page + (done > UW_PAGE ? done : UW_PAGE);
	if (done > UW_PAGE)
		r->st_around += done / UW_PAGE - 1;
	*installed = err ? 0 : done;
	return err;
}

static void serve_fault(struct run *r, struct proc *p, struct uw_uffd *u, const struct uffd_msg *m)
{
	const struct region *reg;
	struct uw_fault f;
	uint64_t done = 0;
	int err;

	uw_fault_begin(u, m, &f);
	f.page = f.addr & ~(UW_PAGE - 1);
	f.len = UW_PAGE;
	reg = regs_find(p, f.page);
	switch (f.kind) {
	case UW_K_WP:
		err = uw_writeprotect(p->uffd, f.page, UW_PAGE, false);
		break;
	case UW_K_MINOR:
		err = uw_continue(p->uffd, f.page, UW_PAGE, NULL);
		break;
	default:
		if (uw_fault_shared(u, f.page)) {
			err = 0;
			break;
		}
		err = install(r, p, reg, f.page, f.kind, &done);
		uw_batch_add(&u->batch, f.page, done);
		break;
	}
	if (err == -ENOENT || err == -ESRCH) {
		err = 0; /* the mapping or the process went away meanwhile: nothing to wake */
	} else if (err && err != -EAGAIN && err != -EEXIST) {
		if (!r->warned_ioctl)
			hv_warn("pid %d: cannot resolve the fault at 0x%llx: %s; waking the thread",
				p->pid, (unsigned long long)f.addr, strerror(-err));
		r->warned_ioctl = true;
	}
	if (reg) {
		f.map = reg->start;
		f.off = f.page - reg->start;
	}
	uw_fault_end(u, &f, err);
}

/* The child's context, served from now on; its process says hello later. */
static void on_fork(struct run *r, struct proc *parent, const struct uffd_msg *m)
{
	int fd = (int)m->arg.fork.ufd;
	struct proc *c;

	c = proc_new(r);
	if (!c || (parent->nregs && !(c->regs = malloc(parent->nregs * sizeof(*c->regs))))) {
		hv_warn("pid %d: out of memory for a fork child: it runs untraced", parent->pid);
		if (c)
			proc_free(r, c);
		close(fd);
		return;
	}
	c->uffd = fd;
	c->fork_child = true;
	c->ppid = parent->pid;
	c->seq = ++r->fork_seq;
	memcpy(c->regs, parent->regs, parent->nregs * sizeof(*c->regs));
	c->nregs = c->cap = parent->nregs;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (ep_add(r, fd, &c->uffd_tag) < 0) {
		hv_warn("pid %d: cannot watch a fork child's userfaultfd", parent->pid);
		proc_free(r, c);
	}
}

static void handle_uffd(struct run *r, struct proc *p)
{
	const struct uffd_msg *m;
	struct uw_uffd u;

	uw_uffd_init(&u, r->x, &r->st, p->uffd, p->pid, r->spin_ns);
	while ((m = uw_uffd_next(&u))) {
		if (m->event != UFFD_EVENT_PAGEFAULT)
			uw_event_note(&u, m);
		switch (m->event) {
		case UFFD_EVENT_PAGEFAULT:
			serve_fault(r, p, &u, m);
			break;
		case UFFD_EVENT_FORK:
			on_fork(r, p, m);
			break;
		case UFFD_EVENT_REMAP:
			if (regs_remove(p, m->arg.remap.from, m->arg.remap.len) > 0)
				regs_add(p, m->arg.remap.to, m->arg.remap.len);
			break;
		case UFFD_EVENT_UNMAP:
			if (m->arg.remove.end > m->arg.remove.start)
				regs_remove(p, m->arg.remove.start,
					    m->arg.remove.end - m->arg.remove.start);
			break;
		default:
			break;
		}
	}
}

/* ---- the agent connection ---------------------------------------------------- */

static void reply(struct proc *p, int status, uint64_t features)
{
	struct uw_msg m = {.magic = UW_MAGIC,
			   .version = UW_VERSION,
			   .type = UW_REPLY,
			   .status = status,
			   .features = features};

	send(p->conn, &m, sizeof(m), MSG_NOSIGNAL);
}

static uint64_t reg_mode(const struct run *r)
{
	switch (r->mode) {
	case UW_MODE_WP:
		/* With markers on empty entries a read is the kernel's own business. */
		return r->wp_unpop ? UFFDIO_REGISTER_MODE_WP
				   : UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
	case UW_MODE_WP_ASYNC:
		return UFFDIO_REGISTER_MODE_WP;
	case UW_MODE_MINOR:
		return UFFDIO_REGISTER_MODE_MINOR;
	default:
		return UFFDIO_REGISTER_MODE_MISSING;
	}
}

static int do_register(struct run *r, struct proc *p, uint64_t addr, uint64_t len)
{
	int err = uw_register(p->uffd, addr, len, reg_mode(r), NULL);

	if (err)
		return err;
	/*
	 * Pages already present are protected now; absent ones arrive
	 * protected (a copy with UFFDIO_COPY_MODE_WP), or, with
	 * WP_UNPOPULATED, get a marker now that makes their first write fault.
	 */
	if (r->mode == UW_MODE_WP || r->mode == UW_MODE_WP_ASYNC)
		uw_writeprotect(p->uffd, addr, len, true);
	err = regs_add(p, addr, len);
	if (!err) {
		r->st_mappings++;
		hv_step("registered");
	}
	if (!err && r->x->trace)
		uw_trace_event(r->x, hv_now_ns(), p->pid, "map", "address", addr, "length", len,
			       NULL, 0);
	return err;
}

/* A process's first words. A fork child is matched with its context. */
static int on_hello(struct run *r, struct proc *p, const struct uw_msg *m)
{
	struct proc *q, *best = NULL, *next;

	/* exec: the old image's context is dead, whatever epoll says first */
	for (q = r->procs; q; q = next) {
		next = q->next;
		if (q != p && q->pid == p->pid && !q->fork_child)
			proc_free(r, q);
	}
	/* Only a fork child can own a forked context; a new image never does. */
	for (q = r->procs; q && m->addr == UW_HELLO_FORKED; q = q->next)
		if (q->fork_child && q->pid == 0 && q->ppid == m->ppid && m->ppid > 0 &&
		    (!best || q->seq < best->seq))
			best = q;
	if (!best) {
		reply(p, UW_NEED_UFFD, 0);
		return 0;
	}
	/* The context found its process: move the connection over to it. */
	best->pid = p->pid;
	best->conn = p->conn;
	p->conn = -1;
	{
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &best->conn_tag};

		epoll_ctl(r->ep, EPOLL_CTL_MOD, best->conn, &ev);
	}
	proc_free(r, p);
	if (r->x->trace)
		uw_trace_event(r->x, hv_now_ns(), best->pid, "attach", "parent",
			       (uint64_t)best->ppid, NULL, 0, NULL, 0);
	reply(best, UW_LINKED, 0);
	return 0;
}

static int on_uffd(struct run *r, struct proc *p, const struct uw_msg *m, int fd)
{
	uint64_t want = r->want & r->kfeatures, got;
	int err;

	if (m->status < 0 || fd < 0) {
		err = m->status < 0 ? m->status : -EBADF;
		hv_err(err,
		       err == -EPERM ? "run as root, set vm.unprivileged_userfaultfd=1 or grant "
				       "access to /dev/userfaultfd"
				     : NULL,
		       "pid %d: the agent cannot create a userfaultfd; the process runs untraced",
		       p->pid);
		if (fd >= 0)
			close(fd);
		reply(p, err, 0);
		return 0;
	}
	if (p->uffd >= 0 || !uw_is_uffd(fd) || m->len > UW_ENTRY_USER_MODE) {
		close(fd);
		return -EPROTO;
	}
	if (m->len == UW_ENTRY_USER_MODE && !r->warned_user_mode) {
		hv_warn(
		    "pid %d: only a UFFD_USER_MODE_ONLY userfaultfd was available: system calls "
		    "that write into registered memory fail with EFAULT (run as root, or grant "
		    "access to /dev/userfaultfd)",
		    p->pid);
		r->warned_user_mode = true;
	}
	err = uw_api(fd, want, NULL, NULL);
	if (err == -EPERM && (want & UFFD_FEATURE_EVENT_FORK)) {
		if (!r->warned_fork_perm)
			hv_warn("fork children are not followed (UFFD_FEATURE_EVENT_FORK needs "
				"CAP_SYS_PTRACE)");
		r->warned_fork_perm = true;
		want &= ~(uint64_t)UFFD_FEATURE_EVENT_FORK;
		err = uw_api(fd, want, NULL, NULL);
	}
	if (err) {
		hv_err(err, NULL, "pid %d: UFFDIO_API", p->pid);
		close(fd);
		reply(p, err, 0);
		return 0;
	}
	got = want;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	p->uffd = fd;
	if (ep_add(r, fd, &p->uffd_tag) < 0) {
		close(fd);
		p->uffd = -1;
		reply(p, -ENOMEM, 0);
		return 0;
	}
	hv_step("uffd-taken");
	reply(p, 0, got);
	return 0;
}

static int on_msg(struct run *r, struct proc *p, const struct uw_msg *m, int fd)
{
	int err;

	/* uw_msg_check (agentmsg.c) has vetted the header, the ranges and the fd. */
	switch (m->type) {
	case UW_HELLO:
		return on_hello(r, p, m);
	case UW_UFFD:
		return on_uffd(r, p, m, fd);
	case UW_MAP:
		if (p->uffd < 0)
			return -EPROTO;
		err = do_register(r, p, m->addr, m->len);
		reply(p, err, 0);
		return 0;
	case UW_REMAP:
		if (p->uffd < 0)
			return -EPROTO;
		err = 0;
		if (regs_remove(p, m->addr, m->len) > 0) {
			/* moved or grown VMAs keep their registration */
			err = regs_add(p, m->addr2, m->len2);
		} else if (m->len2 >= r->min_size) {
			err = do_register(r, p, m->addr2, m->len2);
		}
		reply(p, err, 0);
		return 0;
	case UW_UNMAP:
		regs_remove(p, m->addr, m->len);
		reply(p, 0, 0);
		return 0;
	default:
		return -EPROTO;
	}
}

static void handle_conn(struct run *r, struct proc *p)
{
	struct uw_msg m;
	size_t got;
	int fd, err;

	err = uw_recv_fd(p->conn, &m, sizeof(m), &fd, &got);
	if (err == -EAGAIN)
		return;
	if (err || got == 0) {
		/* exit or exec: the process's context goes with its connection */
		if (r->x->trace && p->pid)
			uw_trace_event(r->x, hv_now_ns(), p->pid, "exit", NULL, 0, NULL, 0, NULL,
				       0);
		proc_free(r, p);
		return;
	}
	err = uw_msg_check(&m, got, fd >= 0);
	if (err) {
		/* A descriptor riding on a rejected message is never kept (it was, with a bad
		 * header). */
		if (fd >= 0)
			close(fd);
	} else {
		err = on_msg(r, p, &m, fd);
	}
	if (err == -EPROTO) {
		hv_warn("pid %d: malformed message from the agent (%zu bytes, type %u): "
			"dropping that process's userfaultfd, it goes on untraced",
			p->pid, got, got >= 8 ? m.type : 0);
		proc_free(r, p);
	}
}

static void handle_accept(struct run *r)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct proc *p;
	int s;

	s = accept4(r->listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s < 0)
		return;
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || !(p = proc_new(r))) {
		close(s);
		return;
	}
	p->pid = cred.pid;
	p->conn = s;
	if (ep_add(r, s, &p->conn_tag) < 0)
		proc_free(r, p);
}

/* ---- child and signals ---------------------------------------------------- */

static void handle_signals(struct run *r)
{
	int sig;

	while ((sig = hv_signals_pending(&r->sig)) > 0) {
		if (sig == SIGCHLD) {
			int st;
			pid_t pid;

			while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
				if (pid == r->child) {
					r->status = st;
					r->child_done = true;
				}
		} else if (!r->child_done) {
			kill(r->child, sig); /* the program decides what the signal means */
		}
	}
}

static void stats_extra(struct uw_ctx *x, struct hv_json *j, void *arg)
{
	const struct run *r = arg;
	const char *how = r->adaptive ? "auto" : r->around > 1 ? "fixed" : "off";

	if (j) {
		hv_json_object_open(j, "fault_around");
		hv_json_str(j, "mode", how);
		hv_json_u64(j, "max_pages", r->around);
		hv_json_u64(j, "pages_ahead", r->st_around);
		hv_json_object_close(j);
		hv_json_u64(j, "faults_resolved_by_another", r->st.shared);
		if (r->mode == UW_MODE_WP)
			hv_json_bool(j, "wp_unpopulated", r->wp_unpop);
		if (r->mode == UW_MODE_WP_ASYNC)
			hv_json_u64(j, "pages_written", r->st_written);
		hv_json_u64(j, "registered_mappings", r->st_mappings);
		return;
	}
	fprintf(x->out, "mappings:    %llu registered\n", (unsigned long long)r->st_mappings);
	if (r->mode == UW_MODE_WP_ASYNC)
		fprintf(x->out, "written:     %llu pages (PAGEMAP_SCAN every %.3f s)\n",
			(unsigned long long)r->st_written, (double)r->interval_ns / 1e9);
	if (r->mode == UW_MODE_WP)
		fprintf(x->out, "wp:          %s\n",
			r->wp_unpop ? "unpopulated pages write-protected (only writes fault)"
				    : "unpopulated pages served on their first touch");
	fprintf(x->out,
		"fault-around: %s, up to %llu pages; %llu pages installed ahead of a fault\n", how,
		(unsigned long long)r->around, (unsigned long long)r->st_around);
	fprintf(x->out, "shared:      %llu faults resolved by another fault's ioctl\n",
		(unsigned long long)r->st.shared);
}

static int find_agent(char *buf, size_t len)
{
	const char *env = getenv("UFFD_WATCH_AGENT");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		if (access(env, R_OK) < 0)
			return hv_fail(-errno, "UFFD_WATCH_AGENT names the preload agent",
				       "agent %s", env);
		snprintf(buf, len, "%s", env);
		return 0;
	}
	/*
	 * Next to the binary (the build tree), then ../libexec/hvutils from it
	 * (an install whose prefix differs from the one compiled in).
	 */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		const char *dir;

		exe[n] = '\0';
		dir = dirname(exe);
		snprintf(buf, len, "%s/uffd-watch-agent.so", dir);
		if (access(buf, R_OK) == 0)
			return 0;
		snprintf(buf, len, "%s/../libexec/hvutils/uffd-watch-agent.so", dir);
		if (access(buf, R_OK) == 0)
			return 0;
	}
	snprintf(buf, len, "%s/uffd-watch-agent.so", HV_LIBEXECDIR);
	if (access(buf, R_OK) == 0)
		return 0;
	return hv_fail(-errno, "reinstall hvutils, or set UFFD_WATCH_AGENT",
		       "cannot find the preload agent %s", buf);
}

static int spawn(struct run *r, const char *agent, const char **cmd)
{
	char min[32], preload[PATH_MAX * 2];
	const char *old = getenv("LD_PRELOAD");
	int pfd[2], err = 0;
	ssize_t n;

	if (strpbrk(agent, " :"))
		return hv_fail(-EINVAL, "LD_PRELOAD cannot hold spaces or colons", "agent path %s",
			       agent);
	snprintf(preload, sizeof(preload), "%s%s%s", agent, old && *old ? " " : "", old ? old : "");
	snprintf(min, sizeof(min), "%llu", (unsigned long long)r->min_size);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return hv_fail(-errno, NULL, "pipe");
	fflush(NULL);
	r->child = fork();
	if (r->child < 0) {
		err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return hv_fail(err, NULL, "fork");
	}
	if (r->child == 0) {
		hv_signals_restore(&r->sig);
		close(pfd[0]);
		setenv("LD_PRELOAD", preload, 1);
		setenv(UW_ENV_SOCKET, r->sock, 1);
		setenv(UW_ENV_MIN_SIZE, min, 1);
		setenv(UW_ENV_MODE,
		       r->mode == UW_MODE_WP || r->mode == UW_MODE_WP_ASYNC ? "wp"
		       : r->mode == UW_MODE_MINOR			    ? "minor"
									    : "missing",
		       1);
		execvp(cmd[0], (char *const *)cmd);
		err = errno;
		if (write(pfd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(hv_exec_status(err));
	}
	close(pfd[1]);
	do
		n = read(pfd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == sizeof(err)) {
		waitpid(r->child, NULL, 0);
		r->child_done = true;
		hv_err(-err, err == ENOENT ? "check the name and PATH" : NULL, "cannot run %s",
		       cmd[0]);
		return hv_exec_status(err);
	}
	return 0;
}

static int setup_socket(struct run *r)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *tmp = getenv("TMPDIR");

	snprintf(r->dir, sizeof(r->dir), "%s/uffd-watch.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(r->dir)) {
		r->dir[0] = '\0';
		return hv_fail(-errno, "set TMPDIR to a writable directory",
			       "cannot create a socket directory");
	}
	snprintf(r->sock, sizeof(r->sock), "%s/agent.sock", r->dir);
	if (strlen(r->sock) >= sizeof(sa.sun_path))
		return hv_fail(-ENAMETOOLONG, "set TMPDIR to a shorter path", "socket %s", r->sock);
	memcpy(sa.sun_path, r->sock, strlen(r->sock) + 1);
	r->listen = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->listen < 0 || bind(r->listen, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(r->listen, 64) < 0)
		return hv_fail(-errno, NULL, "agent socket %s", r->sock);
	return 0;
}

static int map_file(struct run *r)
{
	struct stat st;
	int fd = open(r->serve_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return hv_fail(-errno, NULL, "--serve file: %s", r->serve_path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hv_fail(-EINVAL, "give a regular file", "--serve file: %s", r->serve_path);
	}
	r->file_len = (uint64_t)st.st_size;
	if (r->file_len) {
		/* populated now, so serving a fault never waits on a fault of our own */
		void *p = mmap(NULL, r->file_len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);

		if (p == MAP_FAILED) {
			int err = -errno;

			close(fd);
			return hv_fail(err, NULL, "mmap %s", r->serve_path);
		}
		r->file = p;
	}
	close(fd);
	/* Pages past the end of the file come from the zero page instead. */
	r->file_len = r->file_len / UW_PAGE * UW_PAGE;
	return 0;
}

static void cleanup(struct run *r)
{
	while (r->procs)
		proc_free(r, r->procs);
	proc_reap(r);
	if (r->listen >= 0)
		close(r->listen);
	if (r->sock[0])
		unlink(r->sock);
	if (r->dir[0])
		rmdir(r->dir);
	if (r->ep >= 0)
		close(r->ep);
	if (r->timer >= 0)
		close(r->timer);
	r->timer = -1;
}

/*
 * wp-async: the pages each process wrote since the last tick, per mapping.
 * A process that has exited has no pagemap any more: what it wrote after
 * the last tick is not reported.
 */
static void scan_written(struct run *r)
{
	uint64_t ticks, t = hv_now_ns();

	if (read(r->timer, &ticks, sizeof(ticks)) < 0)
		return;
	for (struct proc *p = r->procs; p; p = p->next) {
		if (p->pid <= 0 || p->uffd < 0)
			continue;
		for (size_t i = 0; i < p->nregs; i++) {
			int err = uw_dirty_scan(r->x, t, p->pid, p->regs[i].start, p->regs[i].len,
						&r->st_written);

			if (err == -ESRCH)
				break;
			if (err && !r->warned_scan) {
				hv_err(err, NULL, "pid %d: PAGEMAP_SCAN of 0x%llx", p->pid,
				       (unsigned long long)p->regs[i].start);
				r->warned_scan = true;
			}
		}
	}
	fflush(r->x->out);
}

static int loop(struct run *r)
{
	struct epoll_event evs[32];

	while (!r->child_done) {
		int n = epoll_wait(r->ep, evs, 32, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hv_fail(-errno, NULL, "epoll_wait");
		/*
		 * Faults first: a process may be blocked on one while it talks to
		 * us. A proc dropped earlier in this batch is still allocated
		 * (proc_reap below) and marked dead: its events are skipped.
		 */
		for (int i = 0; i < n; i++) {
			struct tag *t = evs[i].data.ptr;

			if (t->kind == T_UFFD && !t->p->dead)
				handle_uffd(r, t->p);
		}
		for (int i = 0; i < n; i++) {
			struct tag *t = evs[i].data.ptr;

			if (t->kind == T_LISTEN)
				handle_accept(r);
			else if (t->kind == T_SIGNAL)
				handle_signals(r);
			else if (t->kind == T_TIMER)
				scan_written(r);
		}
		/* Connections last: one may drop a proc another event points to. */
		for (int i = 0; i < n; i++) {
			struct tag *t = evs[i].data.ptr;

			if (t->kind == T_CONN && !t->p->dead)
				handle_conn(r, t->p);
		}
		proc_reap(r);
		/* A live trace is read as it happens: flush once per wake-up. */
		if (r->x->trace)
			fflush(r->x->out);
	}
	return 0;
}

int uw_run(void *ctx, int argc, const char **argv)
{
	struct uw_ctx *x = ctx;
	struct run r = {.x = x,
			.ep = -1,
			.listen = -1,
			.timer = -1,
			.min_size = 1 << 20,
			.spin_ns = 50000,
			.interval_ns = 1000000000};
	bool dirty = !strcmp(argv[0], "dirty");
	char *mode = NULL, *serve = NULL, *min = NULL, *output = NULL, *spin = NULL, *around = NULL;
	char *wpu = NULL, *interval = NULL;
	struct poptOption opts[] = {
	    {"mode", 'm', POPT_ARG_STRING, &mode, 0, "missing (default), wp, minor or wp-async",
	     "MODE"},
	    {"interval", 'i', POPT_ARG_STRING, &interval, 0,
	     "wp-async (dirty): report the pages written every DURATION (default 1s)", "DURATION"},
	    {"serve", 's', POPT_ARG_STRING, &serve, 0, "zero (default) or file:PATH", "HOW"},
	    {"trace", 't', POPT_ARG_NONE, &x->trace, 0, "print every fault and event", NULL},
	    {"stats", 0, POPT_ARG_NONE, &x->stats, 0, "print fault statistics at exit", NULL},
	    {"min-size", 0, POPT_ARG_STRING, &min, 0,
	     "register anonymous mappings of at least SIZE (default 1M)", "SIZE"},
	    {"output", 'o', POPT_ARG_STRING, &output, 0, "write trace and stats to FILE", "FILE"},
	    {"fault-around", 0, POPT_ARG_STRING, &around, 0,
	     "pages per missing fault: auto (default without --trace: grows on sequential "
	     "faults), off, or a fixed N",
	     "auto|off|N"},
	    {"wp-unpopulated", 0, POPT_ARG_STRING, &wpu, 0,
	     "--mode wp: auto (default: UFFD_FEATURE_WP_UNPOPULATED where the kernel has it) "
	     "or off",
	     "auto|off"},
	    {"spin", 0, POPT_ARG_STRING, &spin, 0,
	     "after a fault, poll USEC microseconds for the next (default 50; 0: never)", "USEC"},
	    HV_POPT_COMMON(x->c),
	    POPT_TABLEEND};
	poptContext pc = poptGetContext(NULL, argc, argv, opts, POPT_CONTEXT_POSIXMEHARDER);
	const char **cmd;
	char agent[PATH_MAX];
	int rc, nargs;
	uint64_t kioctls;

	rc = hv_popt_parse(pc, opts, &x->c,
			   dirty
			       ? "dirty [--interval DURATION] [--stats] [--json] [--min-size SIZE] "
				 "[-o FILE] -- CMD [ARGS...]"
			       : "run [--mode missing|wp|minor|wp-async] [--serve zero|file:PATH] "
				 "[--interval DURATION] [--trace] [--stats] [--json] "
				 "[--min-size SIZE] [-o FILE] -- CMD [ARGS...]",
			   NULL, "uffd-watch(1)");
	if (rc >= 0)
		goto out_popt;
	cmd = hv_popt_args(pc, &nargs);
	if (!nargs) {
		rc = hv_usage_error("run needs a command: run [OPTIONS] -- CMD [ARGS...]");
		goto out_popt;
	}
	r.mode = mode ? mode_from_name(mode) : dirty ? UW_MODE_WP_ASYNC : UW_MODE_MISSING;
	if (r.mode < 0) {
		rc = hv_usage_error("--mode %s: use missing, wp, minor or wp-async", mode);
		goto out_popt;
	}
	if (dirty && r.mode != UW_MODE_WP_ASYNC) {
		rc = hv_usage_error("dirty is --mode wp-async: no other --mode");
		goto out_popt;
	}
	if (interval && r.mode != UW_MODE_WP_ASYNC) {
		rc = hv_usage_error("--interval applies to dirty (--mode wp-async) only");
		goto out_popt;
	}
	if (interval) {
		uint64_t ms;

		if (hv_parse_duration_ms(interval, 86400000, &ms) < 0 || ms < 10) {
			rc = hv_usage_error("--interval %s: use a duration from 10ms to 24h, like "
					    "500ms or 2s",
					    interval);
			goto out_popt;
		}
		r.interval_ns = ms * 1000000;
	}
	if (r.mode == UW_MODE_WP_ASYNC && (x->trace || serve)) {
		rc = hv_usage_error("dirty (--mode wp-async) reports pages written, no faults: "
				    "--trace and --serve do not apply");
		goto out_popt;
	}
	if (serve && strcmp(serve, "zero")) {
		if (strncmp(serve, "file:", 5) || !serve[5]) {
			rc = hv_usage_error("--serve %s: use zero or file:PATH", serve);
			goto out_popt;
		}
		if (r.mode == UW_MODE_MINOR) {
			rc =
			    hv_usage_error("--serve file: does not apply to --mode minor (the page "
					   "cache already holds the content)");
			goto out_popt;
		}
		r.serve_path = serve + 5;
	}
	if (min && hv_parse_size(min, UW_PAGE, UW_ADDR_LIMIT, &r.min_size) < 0) {
		rc =
		    hv_usage_error("--min-size %s: use a size of at least 4K, like 64K or 1M", min);
		goto out_popt;
	}
	if (spin) {
		uint64_t us;

		if (hv_parse_dec(spin, 0, 1000000, &us) < 0) {
			rc = hv_usage_error("--spin %s: use microseconds, 0 to 1000000", spin);
			goto out_popt;
		}
		r.spin_ns = us * 1000;
	}
	/*
	 * A trace is there to show every first touch, and fault-around would
	 * hide the touches it anticipates: off by default with --trace.
	 */
	if (!around) {
		r.adaptive = r.mode == UW_MODE_MISSING && !x->trace;
		r.around = r.adaptive ? UW_AROUND_AUTO : 1;
	} else if (!strcmp(around, "auto")) {
		r.adaptive = true;
		r.around = UW_AROUND_AUTO;
	} else if (!strcmp(around, "off")) {
		r.around = 1;
	} else if (hv_parse_dec(around, 1, 512, &r.around) < 0) {
		rc = hv_usage_error("--fault-around %s: use auto, off or 1 to 512 pages", around);
		goto out_popt;
	}
	if (wpu && strcmp(wpu, "auto") && strcmp(wpu, "off")) {
		rc = hv_usage_error("--wp-unpopulated %s: use auto or off", wpu);
		goto out_popt;
	}
	if (wpu && r.mode != UW_MODE_WP) {
		rc = hv_usage_error("--wp-unpopulated applies to --mode wp only");
		goto out_popt;
	}
	r.wp_unpop_off = wpu && !strcmp(wpu, "off");
	if (r.around > 1 && r.mode != UW_MODE_MISSING) {
		rc =
		    hv_usage_error("--fault-around %s: only with --mode missing (use off)", around);
		goto out_popt;
	}
	x->output = output;

	rc = uw_kernel_features(&r.kfeatures, &kioctls);
	if (rc < 0) {
		rc = hv_fail(rc,
			     rc == -EPERM ? "run as root, set vm.unprivileged_userfaultfd=1 or "
					    "grant access to /dev/userfaultfd"
					  : NULL,
			     "cannot create a userfaultfd");
		goto out_popt;
	}
	r.want = UFFD_FEATURE_THREAD_ID | UFFD_FEATURE_EVENT_FORK | UFFD_FEATURE_EVENT_REMAP |
		 UFFD_FEATURE_EVENT_REMOVE | UFFD_FEATURE_EVENT_UNMAP;
	if (r.mode == UW_MODE_WP) {
		if (!(r.kfeatures & UFFD_FEATURE_PAGEFAULT_FLAG_WP)) {
			rc = hv_fail(-EOPNOTSUPP, "write-protect faults need Linux 5.7 or later",
				     "--mode wp: the kernel lacks UFFD_FEATURE_PAGEFAULT_FLAG_WP");
			goto out_popt;
		}
		r.want |= UFFD_FEATURE_PAGEFAULT_FLAG_WP;
		/*
		 * Linux 6.4+: write-protecting an empty entry leaves a marker,
		 * so a page nobody wrote costs no round trip at all (reads map
		 * the zero page). --serve file: needs its missing faults.
		 */
		r.wp_unpop =
		    (r.kfeatures & UFFD_FEATURE_WP_UNPOPULATED) && !r.serve_path && !r.wp_unpop_off;
		if (r.wp_unpop)
			r.want |= UFFD_FEATURE_WP_UNPOPULATED;
	}
	if (r.mode == UW_MODE_WP_ASYNC) {
		const uint64_t need = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED;

		if ((r.kfeatures & need) != need || !uw_dirty_have_scan()) {
			rc =
			    hv_fail(-EOPNOTSUPP,
				    "write tracking without a fault round trip needs Linux 6.7 or "
				    "later; use run --mode wp",
				    "dirty: the kernel lacks %s",
				    !(r.kfeatures & UFFD_FEATURE_WP_ASYNC) ? "UFFD_FEATURE_WP_ASYNC"
				    : !(r.kfeatures & UFFD_FEATURE_WP_UNPOPULATED)
					? "UFFD_FEATURE_WP_UNPOPULATED"
					: "the PAGEMAP_SCAN ioctl");
			goto out_popt;
		}
		r.want |= UFFD_FEATURE_PAGEFAULT_FLAG_WP | need;
	}
	if (r.mode == UW_MODE_MINOR) {
		if (!(r.kfeatures & UFFD_FEATURE_MINOR_SHMEM)) {
			rc = hv_fail(-EOPNOTSUPP, "minor faults on shmem need Linux 5.14 or later",
				     "--mode minor: the kernel lacks UFFD_FEATURE_MINOR_SHMEM");
			goto out_popt;
		}
		r.want |= UFFD_FEATURE_MINOR_SHMEM;
	}
	if ((rc = find_agent(agent, sizeof(agent))))
		goto out_popt;
	r.zero = mmap(NULL, r.around * UW_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r.zero == MAP_FAILED) {
		rc = hv_fail(-errno, NULL, "mmap");
		goto out_popt;
	}
	if (r.serve_path && (rc = map_file(&r)))
		goto out_popt;
	if ((rc = uw_output_open(x)))
		goto out_popt;
	if (r.mode == UW_MODE_WP_ASYNC && !x->c.json)
		fprintf(x->out, "# TIME PID - written MAPPING pages=N +OFFSET-END...  (the pages "
				"written in each --interval)\n");
	if (hv_signals_block(&r.sig, 1) < 0) {
		rc = hv_fail(-errno, NULL, "signalfd");
		goto out_popt;
	}
	r.ep = epoll_create1(EPOLL_CLOEXEC);
	if (r.ep < 0) {
		rc = hv_fail(-errno, NULL, "epoll_create1");
		goto out;
	}
	if ((rc = setup_socket(&r)))
		goto out;
	if (r.mode == UW_MODE_WP_ASYNC) {
		struct itimerspec its = {
		    .it_interval = {(time_t)(r.interval_ns / 1000000000),
				    (long)(r.interval_ns % 1000000000)},
		};

		its.it_value = its.it_interval;
		r.timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		r.timer_tag = (struct tag){T_TIMER, NULL};
		if (r.timer < 0 || timerfd_settime(r.timer, 0, &its, NULL) < 0 ||
		    ep_add(&r, r.timer, &r.timer_tag) < 0) {
			rc = hv_fail(-errno, NULL, "timerfd");
			goto out;
		}
	}
	r.listen_tag = (struct tag){T_LISTEN, NULL};
	r.sig_tag = (struct tag){T_SIGNAL, NULL};
	if (ep_add(&r, r.listen, &r.listen_tag) < 0 || ep_add(&r, r.sig.fd, &r.sig_tag) < 0) {
		rc = hv_fail(-errno, NULL, "epoll_ctl");
		goto out;
	}
	x->t0_ns = hv_now_ns();
	hv_step("listening");
	/* A signal that came during setup: the program is not started at all. */
	rc = hv_signals_pending(&r.sig);
	if (rc > 0 && rc != SIGCHLD) {
		rc = hv_signal_exit_code(rc);
		goto out;
	}
	if ((rc = spawn(&r, agent, cmd)))
		goto out;
	hv_step("spawned");
	if ((rc = loop(&r)))
		goto out;
	hv_step("exited");
	if (x->stats)
		uw_print_stats(x, &r.st, stats_extra, &r);
	if (!r.st_mappings && !x->c.quiet)
		hv_note("hint: no mapping was registered: %s made none of at least --min-size "
			"%llu bytes (try a smaller one), or it is statically linked (the agent "
			"cannot load)",
			cmd[0], (unsigned long long)r.min_size);
	if (WIFEXITED(r.status)) {
		rc = WEXITSTATUS(r.status);
	} else if (WIFSIGNALED(r.status)) {
		rc = hv_signal_exit_code(WTERMSIG(r.status));
		if (x->c.verbose)
			hv_note("%s: killed by signal %d", cmd[0], WTERMSIG(r.status));
	}
out:
	if (!r.child_done && r.child > 0) {
		/* we are failing: do not leave the program waiting on us */
		cleanup(&r);
		r.ep = -1;
		r.listen = -1;
		r.sock[0] = r.dir[0] = '\0';
	}
	cleanup(&r);
	hv_signals_restore(&r.sig);
	uw_output_close(x);
out_popt:
	poptFreeContext(pc);
	return rc;
}
