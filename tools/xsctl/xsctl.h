/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xsctl: the XenStore protocol on argv and stdout. main.c parses options and
 * dispatches verbs; each verb family has its own file; common.c holds the
 * connection, path checks, value escaping and error reporting they share.
 */
#ifndef XSCTL_H
#define XSCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "opts.h"
#include "xs.h"

/* Options of every verb, parsed afresh for each verb (argv or a script line). */
struct xsctl_opts {
	struct hv_common c;
	char *socket;	  /* --socket PATH */
	int xenbus;	  /* --xenbus */
	int prefix;	  /* -p: read/ls print paths; tree: permissions */
	int raw;	  /* read/write -r: no escaping */
	int recursive;	  /* chmod -r */
	char *def;	  /* read --default */
	int tidy;	  /* rm -t */
	int full;	  /* tree -f */
	int depth;	  /* tree/watch --depth, -1 = unlimited */
	int up;		  /* chmod -u */
	int count;	  /* watch -n */
	char *timeout;	  /* watch/wait --timeout */
	int skip_initial; /* watch --skip-initial */
	char *value;	  /* wait --value */
	int exists;	  /* wait --exists */
	int gone;	  /* wait --gone */
	char *file;	  /* tx/batch -f, restore FILE */
	int retries;	  /* tx --retries, incr */
	int dry_run;	  /* tx/batch --dry-run */
	char *to;	  /* restore --to */
	int replace;	  /* restore --replace */
};

struct xsctl {
	struct xsctl_opts o;		/* options of the verb running now */
	enum hv_xs_transport transport; /* fixed by the command line */
	char *socket_path;
	struct hv_xs xs;
	bool connected;
	xs_transaction_t t; /* XBT_NULL, or the tx/restore transaction */
	bool in_script;	    /* running a tx/batch line */
	bool dry_run;	    /* parse scripts, touch nothing */
	const char *where;  /* "line 3: " inside scripts, else "" */
	char where_buf[40];
	FILE *out;	  /* stdout, or the tx's buffer */
	unsigned int rng; /* for the jitter between transaction retries */
};

/* main.c: parses a verb's options and runs it (argv[0] is the verb). */
int xsctl_dispatch(struct xsctl *x, int argc, const char **argv);

/* common.c (escape.c: xsctl_escape, xsctl_unescape) */
int xsctl_connect(struct xsctl *x);
/* Checks a path argument; reports and returns an exit code, 0 if fine. */
int xsctl_check_path(struct xsctl *x, const char *path, bool special);
/* Reports a failed store operation on path (EACCES shows the node's perms). */
int xsctl_fail(struct xsctl *x, int err, const char *op, const char *path);
/* Usage error prefixed with the script line when in one. */
int xsctl_usage(struct xsctl *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Checks path + value against the protocol's 4096-byte payload. */
int xsctl_check_size(struct xsctl *x, const char *path, size_t len);
/* Xen's client escaping: \t \n \r \\, \ooo below 8, \xNN other non-printables. */
void xsctl_escape(FILE *out, const char *val, size_t len);
/* The reverse (also \xN, \ooo, unknown \c = c); -EINVAL on a trailing '\'. */
int xsctl_unescape(const char *in, char **out, size_t *len);
/* Joins a parent and a child name into a new path (malloc'ed). */
char *xsctl_join(const char *dir, const char *name);
/*
 * Runs fn in a transaction of its own, retried on conflicts up to
 * --retries times (exit 6 after that), unless one is already open.
 */
int xsctl_atomic(struct xsctl *x, const char *what, int (*fn)(struct xsctl *x, void *arg),
		 void *arg);
/* Sleeps a random while growing with attempt, so contenders spread out. */
void xsctl_backoff(struct xsctl *x, int attempt);
/* Parses a --timeout into milliseconds; -1 when none was given. */
int xsctl_timeout(struct xsctl *x, int64_t *ms);

/* Verbs, one family per file. */
int xsctl_read(void *ctx, int argc, const char **argv);
int xsctl_write(void *ctx, int argc, const char **argv);
int xsctl_mkdir(void *ctx, int argc, const char **argv);
int xsctl_rm(void *ctx, int argc, const char **argv);
int xsctl_exists(void *ctx, int argc, const char **argv);
int xsctl_incr(void *ctx, int argc, const char **argv);
int xsctl_domain_path(void *ctx, int argc, const char **argv);
int xsctl_ls(void *ctx, int argc, const char **argv);
int xsctl_tree(void *ctx, int argc, const char **argv);
int xsctl_perms(void *ctx, int argc, const char **argv);
int xsctl_chmod(void *ctx, int argc, const char **argv);
int xsctl_watch(void *ctx, int argc, const char **argv);
int xsctl_wait(void *ctx, int argc, const char **argv);
int xsctl_tx(void *ctx, int argc, const char **argv);
int xsctl_batch(void *ctx, int argc, const char **argv);
int xsctl_dump(void *ctx, int argc, const char **argv);
int xsctl_restore(void *ctx, int argc, const char **argv);
int xsctl_control(void *ctx, int argc, const char **argv);
int xsctl_quota(void *ctx, int argc, const char **argv);

/*
 * ctlreply.c: the daemons' control replies read into records. A value
 * the reply does not give is -1.
 */
struct xsctl_quota {
	char name[24];	/* the daemon's name: nodes, watches, memory... */
	int64_t used;	/* this domain's use */
	int64_t limit;	/* the (hard) limit */
	int64_t soft;	/* the soft limit (C xenstored: memory) */
	char descr[64]; /* the daemon's description */
};
#define XSCTL_QUOTAS_MAX 24
struct xsctl_quotas {
	struct xsctl_quota q[XSCTL_QUOTAS_MAX];
	size_t n;
};
enum xsctl_quota_field { XSCTL_Q_USED, XSCTL_Q_LIMIT, XSCTL_Q_SOFT };
/*
 * C xenstored: "quota"/"quota-soft" ("Quota settings:" and NAME: VALUE
 * DESCRIPTION lines; what = LIMIT or SOFT) or "quota DOMID" ("Domain N:"
 * and NAME: VALUE lines; what = USED). Adds or completes records in qs.
 * 0, -EPROTO for a reply in another format, -E2BIG for too many names.
 */
int xsctl_quota_parse_c(const char *reply, enum xsctl_quota_field what, struct xsctl_quotas *qs);
/* oxenstored: "domN quota: USED/LIMIT" (nodes); -ENOENT for "not set". */
int xsctl_quota_parse_ocaml(const char *reply, unsigned int domid, struct xsctl_quotas *qs);
/*
 * Whether C xenstored's help reply lists cmd; *args (not NUL-terminated,
 * args_len bytes) is its synopsis when args is not NULL.
 */
int xsctl_help_has(const char *help, const char *cmd, const char **args, size_t *args_len);

/* tx.c: the script line parser (shell-like words), for tests and batch. */
int xsctl_split_line(const char *line, char ***argv, int *argc, const char **why);
void xsctl_free_argv(char **argv, int argc);

#endif
