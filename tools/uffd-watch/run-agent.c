// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * run's end of the agent protocol (proto.h): the socket, one connection per
 * traced process, and the requests on it: hello, the userfaultfd, and the
 * mappings to register.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agentmsg.h"
#include "clock.h"
#include "diag.h"
#include "proto.h"
#include "run.h"
#include "step.h"

int uw_agent_listen(struct run *r)
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
	err = uw_regs_add(p, addr, len);
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
			uw_proc_free(r, q);
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
	uw_proc_free(r, p);
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
	if (uw_ep_add(r, fd, &p->uffd_tag) < 0) {
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
		if (uw_regs_remove(p, m->addr, m->len) > 0) {
			/* moved or grown VMAs keep their registration */
			err = uw_regs_add(p, m->addr2, m->len2);
		} else if (m->len2 >= r->min_size) {
			err = do_register(r, p, m->addr2, m->len2);
		}
		reply(p, err, 0);
		return 0;
	case UW_UNMAP:
		uw_regs_remove(p, m->addr, m->len);
		reply(p, 0, 0);
		return 0;
	default:
		return -EPROTO;
	}
}

void uw_agent_conn(struct run *r, struct proc *p)
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
		uw_proc_free(r, p);
		return;
	}
	err = uw_msg_check(&m, got, fd >= 0);
	if (err) {
		/* A descriptor riding on a rejected message is never kept. */
		if (fd >= 0)
			close(fd);
	} else {
		err = on_msg(r, p, &m, fd);
	}
	if (err == -EPROTO) {
		hv_warn("pid %d: malformed message from the agent (%zu bytes, type %u): "
			"dropping that process's userfaultfd, it goes on untraced",
			p->pid, got, got >= 8 ? m.type : 0);
		uw_proc_free(r, p);
	}
}

void uw_agent_accept(struct run *r)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct proc *p;
	int s;

	s = accept4(r->listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s < 0)
		return;
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || !(p = uw_proc_new(r))) {
		close(s);
		return;
	}
	p->pid = cred.pid;
	p->conn = s;
	if (uw_ep_add(r, s, &p->conn_tag) < 0)
		uw_proc_free(r, p);
}
