/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gntshare: Xen grant sharing on argv and stdout, straight on the kernel's
 * /dev/xen/gntalloc (this domain grants its pages) and /dev/xen/gntdev (this
 * domain maps another domain's grants). See gntshare(1) and gntalloc(4).
 */
#ifndef GNTSHARE_H
#define GNTSHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "opts.h"
#include "sysfs.h"

#define GS_PAGE_SIZE 4096u
/* DOMID_FIRST_RESERVED is 0x7FF0: ids above are DOMID_SELF, DOMID_IO... */
#define GS_DOMID_MAX 0x7FEFu
/* A syntax bound only; the kernel's limits (gntshare status) apply on top. */
#define GS_PAGES_MAX (1u << 20)

#define GS_GNTALLOC	  "/dev/xen/gntalloc"
#define GS_GNTDEV	  "/dev/xen/gntdev"
#define GS_GNTALLOC_LIMIT "/sys/module/xen_gntalloc/parameters/limit"
#define GS_GNTDEV_LIMIT	  "/sys/module/xen_gntdev/parameters/limit"

/*
 * The options as the verbs' tables store them (main.c): strings as typed,
 * checked by the verb's handler. popt's copies are freed when hv_run
 * returns, so nothing may keep them past the verb.
 */
struct gs_args {
	const char *domid, *pages, *from, *to, *notify_byte, *notify_port, *publish;
	const char *offset, *length, *refs_from;
	const char *remote_port, *timeout, *fd;
	const char *path, *ring_size;
	int readonly, writable, hold, hexdump, notify, wait, receive_only;
	const char **exec_argv; /* after --exec: NULL-terminated, or NULL */
};

struct gs_ctx {
	struct hv_common common;
	struct hv_path root; /* HVUTILS_SYSROOT: /sys, /proc and /dev/xen for tests */
	struct gs_args arg;
};

/* Everything argv says, validated by main.c before any device is opened. */
struct gs_notify {
	bool byte; /* UNMAP_NOTIFY_CLEAR_BYTE at byte_off */
	uint64_t byte_off;
	bool event; /* UNMAP_NOTIFY_SEND_EVENT on port */
	uint32_t port;
};

struct gs_share_opts {
	uint16_t domid;
	uint32_t pages;
	bool readonly;
	bool hold; /* ignore stdin: release on a signal only */
	bool hexdump;
	const char *from;
	const char *to; /* the content at release */
	const char *publish;
	struct gs_notify notify;
	const char **exec_argv; /* NULL-terminated, or NULL */
};

struct gs_map_opts {
	uint16_t domid;
	bool have_domid;
	uint32_t *refs;
	uint32_t count;
	bool writable;
	bool hold;
	bool hexdump;
	bool have_offset, have_length;
	uint64_t offset, length;
	const char *from;
	const char *to;
	const char *refs_from;
	struct gs_notify notify;
};

/* ---- gntalloc.c: this domain grants pages -------------------------------- */
struct gs_alloc {
	int fd;
	uint32_t count;
	uint64_t index; /* mmap offset the kernel chose */
	uint32_t *refs;
	void *map;	/* count pages, MAP_SHARED, read/write */
	bool allocated; /* DEALLOC_GREF still owed */
};

/*
 * Opens a grant device; on failure reports why in one line (not a Xen
 * domain, or which module is missing) and returns the exit code as -code.
 */
int gs_open_dev(const struct gs_ctx *c, const char *dev, const char *module, int flags);
int gs_alloc_open(const struct gs_ctx *c, struct gs_alloc *a);
/* ALLOC_GREF of count pages for domid, then mmap; -errno, nothing held on error. */
int gs_alloc_grant(struct gs_alloc *a, uint16_t domid, uint32_t count, bool writable);
/* SET_UNMAP_NOTIFY on the page holding byte off; flags UNMAP_NOTIFY_*. */
int gs_alloc_notify(struct gs_alloc *a, uint64_t off, uint32_t action, uint32_t port);
/* munmap + DEALLOC_GREF + close, whatever state a is in; first error or 0. */
int gs_alloc_release(struct gs_alloc *a);
/*
 * How many grants one ALLOC_GREF could take now, up to max: allocates and
 * releases at once (the kernel exposes no count of grants in use).
 */
int gs_alloc_probe(struct gs_alloc *a, uint16_t domid, uint32_t max, uint32_t *avail);
#define GS_PROBE_MAX 8192u
/* Reports an ALLOC_GREF failure with the limit and how to raise it. */
int gs_alloc_fail(const struct gs_ctx *c, int err, uint32_t count, uint16_t domid);

/* ---- gntdev.c: this domain maps another domain's grants ------------------- */
struct gs_map {
	int fd;
	uint32_t count;
	uint64_t index;
	void *map;
	bool mapped; /* UNMAP_GRANT_REF still owed */
	bool writable;
};

int gs_map_open(const struct gs_ctx *c, struct gs_map *m);
/* MAP_GRANT_REF + mmap of refs from domid; -errno, nothing held on error. */
int gs_map_refs(struct gs_map *m, uint16_t domid, const uint32_t *refs, uint32_t count,
		bool writable);
int gs_map_notify(struct gs_map *m, uint64_t off, uint32_t action, uint32_t port);
int gs_map_release(struct gs_map *m);
/*
 * After gs_map_refs failed with EINVAL (Xen refused a ref): finds the first
 * ref that cannot be mapped alone, and whether it maps read-only. Returns
 * its position or -1.
 */
int gs_map_diagnose(const struct gs_ctx *c, uint16_t domid, const uint32_t *refs, uint32_t count,
		    bool writable, bool *maps_readonly);

/* ---- publish.c: grant refs in XenStore ------------------------------------- */
/*
 * XSPATH/refs (space-separated, continued in refs-1, refs-2... past 2048
 * bytes), XSPATH/domid (the granting domain),
 * XSPATH/count written last, so a reader that sees count sees all.
 */
struct hv_xs;
int gs_publish(struct hv_xs *x, const char *path, uint16_t self, uint16_t peer,
	       const uint32_t *refs, uint32_t count, bool writable);
int gs_unpublish(struct hv_xs *x, const char *path);
/*
 * refs.c: one chunk node's value (refs in decimal, blank-separated), written
 * by the peer: appended to refs[*got..n); -EINVAL if empty, not decimal
 * 0..2^32-1, or more than n in all. Parsed in place.
 */
int gs_parse_refs_chunk(char *val, uint32_t *refs, uint32_t n, uint32_t *got);
/*
 * What gs_read_published found, read in one transaction: owner is the
 * domain owning the nodes (the first entry of their permissions), the only
 * one that can have written them, or GS_OWNER_MIXED when they disagree.
 * domid is what the nodes claim: trusted only when it is the owner.
 */
#define GS_OWNER_UNSET (-1)
#define GS_OWNER_MIXED (-2)
struct gs_published {
	uint32_t *refs; /* malloc'ed */
	uint32_t count;
	uint16_t domid;
	int owner;
};
int gs_read_published(struct hv_xs *x, const char *path, struct gs_published *pub);
/* This domain's id: XenStore "domid", else 0 for the control domain. */
int gs_self_domid(const struct gs_ctx *c, uint16_t *domid);

/* ---- output.c: content out and in ------------------------------------------ */
/* Reads FILE or "-" (stdin) completely; -E2BIG when it holds more than max. */
int gs_read_input(const char *name, size_t max, char **buf, size_t *len);
/*
 * The fast paths for regular files, which need no buffer of their own.
 * gs_open_input_file: *fd is the open FILE when it is a regular file of at
 * most max bytes (*size), -1 for "-" and anything else (read those with
 * gs_read_input); -E2BIG when it is larger, -errno when it cannot be opened.
 * gs_read_into: reads it into dst (max bytes); -E2BIG if it grew past max.
 */
int gs_open_input_file(const char *name, size_t max, int *fd, size_t *size);
int gs_read_into(int fd, void *dst, size_t max, size_t *len);
/*
 * Opens --to FILE when it is (or becomes) a regular file: writing one
 * never waits for a reader, so it may be written straight from a mapping.
 * *fd is -1 for "-", NULL and anything else (pipes, ttys, devices: those
 * get a copy, see map.c). 0 or -errno.
 */
int gs_open_output_file(const char *name, int *fd);
/* Raw bytes to FILE or "-", or a hexdump -C style dump with hexdump. */
int gs_write_output(const char *name, const void *buf, size_t len, size_t base, bool hexdump);
/*
 * Decimal without the printf engine: share's whole run (refs line, the
 * --exec environment) needs only these, and each process in the bench's
 * emulated PV dom0 pays for every piece of code it runs the first time.
 * gs_format_u32 writes v and a NUL at p, returns the NUL's address;
 * gs_format_refs returns "R1 R2 ..." malloc'ed (NULL on ENOMEM).
 */
char *gs_format_u32(char *p, uint32_t v);
char *gs_format_refs(const uint32_t *refs, uint32_t count);
void gs_print_refs(const struct gs_ctx *c, uint16_t domid, const uint32_t *refs, uint32_t count,
		   uint64_t index);

/* Checks a notify byte against the mapped size; a usage error code or 0. */
int gs_check_notify(const struct gs_notify *n, uint64_t size, const char *what);

/* ---- evtchn.c: event channels on /dev/xen/evtchn --------------------------- */
struct gs_evtchn_opts {
	const char *verb;	/* alloc, bind, notify, wait, close */
	bool bind;		/* bind (interdomain), else alloc (unbound) */
	uint16_t domid;		/* alloc/bind: the remote domain */
	uint32_t remote_port;	/* bind */
	uint32_t port;		/* notify/wait/close */
	int fd;			/* notify/wait/close --fd, -1 for GNTSHARE_EVTCHN_FD */
	bool notify;		/* bind --notify: kick the peer once bound */
	bool wait;		/* alloc/bind --wait: hold until the first event */
	int64_t timeout_ms;	/* --timeout, -1 for none */
	const char **exec_argv; /* NULL-terminated, or NULL */
};
int gs_evtchn(struct gs_ctx *c, const struct gs_evtchn_opts *o);

/* ---- vchan.c: a byte stream in libxenvchan's format --------------------- */
/* The peer went away (closed, killed, its domain gone) before taking all our input. */
#define GS_EXIT_CUT 10
/* libxenvchan keeps XSPATH in 64-byte buffers with "/event-channel" appended. */
#define GS_VCHAN_PATH_MAX     49
#define GS_VCHAN_RING_DEFAULT (64u * 1024)
#define GS_VCHAN_RING_MAX     (1u << 20)
struct gs_vchan_opts {
	const char *verb; /* listen, connect */
	bool listen;
	uint16_t domid;		/* the peer */
	const char *path;	/* XSPATH */
	size_t ring_size;	/* listen: bytes per direction */
	int64_t timeout_ms;	/* the connection phase, -1 for none */
	bool receive_only;	/* never read our input: the peer ends the stream */
	const char **exec_argv; /* NULL-terminated, or NULL */
};
int gs_vchan(struct gs_ctx *c, const struct gs_vchan_opts *o);

/* ---- child.c: the --exec child --------------------------------------------- */
struct hv_signals;
/*
 * Waits for child, forwarding SIGINT/SIGTERM/SIGHUP (read from sig, which
 * blocks SIGCHLD too) to it. Returns its exit status, 128+n for a signal
 * it died of or that this process got.
 */
int gs_wait_child(struct hv_signals *sig, pid_t child);

int gs_share(struct gs_ctx *c, const struct gs_share_opts *o);
int gs_map(struct gs_ctx *c, struct gs_map_opts *o);
int gs_status(struct gs_ctx *c);

#endif
