/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run's state, shared by its files: run.c (options, setup, outcome),
 * run-spawn.c (the program), run-agent.c (the agent protocol), run-procs.c
 * (the traced processes), run-faults.c (their faults) and run-loop.c.
 */
#ifndef UW_RUN_H
#define UW_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "proto.h"
#include "signals.h"
#include "uffd-watch.h"

/* What an epoll event is about: its data.ptr points to one. */
enum tag_kind { T_LISTEN, T_SIGNAL, T_CONN, T_UFFD, T_TIMER };

struct tag {
	enum tag_kind kind;
	struct proc *p;
};

/* A registered range of a process. */
struct region {
	uint64_t start, len;
};

#define UW_STREAMS     8  /* sequential fault streams followed per process */
#define UW_AROUND_AUTO 64 /* --fault-around auto: the largest window, in pages */

/* A sequential fault stream, for adaptive fault-around (see window() in run-faults.c). */
struct stream {
	uint64_t start; /* first page of the window it got last */
	uint64_t next;	/* the page after that window */
	uint64_t win;	/* its size in pages; 0: slot unused */
	uint64_t used;	/* for replacing the least recently used */
};

/*
 * One per traced process (the program, its fork children, and what they
 * exec). A fork child's context arrives twice: the kernel hands it over
 * with UFFD_EVENT_FORK while the parent is still inside fork(), then the
 * child's agent says hello with its parent's pid; the two are matched in
 * fork order. Until then the child's faults are served all the same.
 */
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

/* run and dirty, from the options to the program's exit. */
struct run {
	struct uw_ctx *x;
	int mode; /* enum uw_mode */
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
	struct proc *dead; /* dropped procs, freed after the batch (see uw_proc_free) */
	uint64_t fork_seq;
	uint64_t kfeatures; /* what the kernel offers */
	uint64_t want;	    /* what we ask for on each context */
	pid_t child;
	int status;
	bool child_done;
	bool warned_fork_perm, warned_ioctl, warned_user_mode, warned_scan;
	struct uw_stats st;
	uint64_t st_around; /* pages installed by fault-around, beyond the faulting ones */
	void *zero; /* zeros, a fault-around window of them: the source of written zero-fills */
};

/* run-procs.c */
/* 1: something was removed, 0: nothing, -ENOMEM. */
int uw_regs_remove(struct proc *p, uint64_t start, uint64_t len);
int uw_regs_add(struct proc *p, uint64_t start, uint64_t len);
const struct region *uw_regs_find(const struct proc *p, uint64_t addr);
struct proc *uw_proc_new(struct run *r);
void uw_proc_free(struct run *r, struct proc *p);
void uw_proc_reap(struct run *r);
int uw_ep_add(struct run *r, int fd, struct tag *t);

/* run-faults.c: serves what the process's userfaultfd has queued. */
void uw_run_faults(struct run *r, struct proc *p);

/* run-agent.c */
int uw_agent_listen(struct run *r);
void uw_agent_accept(struct run *r);
void uw_agent_conn(struct run *r, struct proc *p);

/* run-spawn.c */
int uw_find_agent(char *buf, size_t len);
int uw_spawn(struct run *r, const char *agent, const char **cmd);

/* run-loop.c: until the program exits; 0 or an exit code. */
int uw_run_loop(struct run *r);

#endif
