// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 9P2000.L server for --share (see p9.h for what it promises).
 *
 * A fid is a path relative to the shared directory ("" is its root) and,
 * once Tlopen/Tlcreate opened it, a file descriptor. Paths are stored, not
 * descriptors of every walked name, so a guest that walks a million names
 * costs memory but no host descriptors; every operation resolves the path
 * again with openat2(2) beneath the root, so a symlink or mount that
 * appears in it meanwhile (a race by the guest or the host) makes that
 * operation fail with ELOOP or EXDEV instead of leading outside.
 *
 * Opening for I/O goes through an O_PATH descriptor first: only when that
 * is a regular file or a directory is it reopened (through
 * /proc/self/fd/N, our own pinned descriptor, not a guest-named path), so
 * the guest can never make the launcher open a device node or a FIFO.
 *
 * Requests are served one at a time on the vCPU thread: there is nothing
 * to flush and no locking.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "fileio.h"
#include "p9.h"

enum {
	RLERROR = 7,
	TSTATFS = 8,
	TLOPEN = 12,
	TLCREATE = 14,
	TSYMLINK = 16,
	TMKNOD = 18,
	TRENAME = 20,
	TREADLINK = 22,
	TGETATTR = 24,
	TSETATTR = 26,
	TXATTRWALK = 30,
	TXATTRCREATE = 32,
	TREADDIR = 40,
	TFSYNC = 50,
	TLOCK = 52,
	TGETLOCK = 54,
	TLINK = 70,
	TMKDIR = 72,
	TRENAMEAT = 74,
	TUNLINKAT = 76,
	TVERSION = 100,
	TAUTH = 102,
	TATTACH = 104,
	TFLUSH = 108,
	TWALK = 110,
	TREAD = 116,
	TWRITE = 118,
	TCLUNK = 120,
	TREMOVE = 122,
};

#define HDR	    7 /* size[4] type[1] tag[2] */
#define NOFID	    0xffffffffu
#define MAXWELEM    16
#define QID_DIR	    0x80
#define QID_SYMLINK 0x02
#define STATS_BASIC 0x7ffULL
/* Tsetattr's valid bits */
#define SA_MODE	     0x001
#define SA_UID	     0x002
#define SA_GID	     0x004
#define SA_SIZE	     0x008
#define SA_ATIME     0x010
#define SA_MTIME     0x020
#define SA_ATIME_SET 0x080
#define SA_MTIME_SET 0x100
/* Tlopen/Tlcreate flags: Linux's O_ values on every architecture 9P2000.L defines. */
#define L_ACCMODE    0003
#define L_EXCL	     0200
#define L_TRUNC	     01000
#define L_APPEND     02000
#define L_DIRECTORY  0200000
#define LOCK_SUCCESS 0
#define LOCK_UNLCK   2
#define RESOLVE_FLAGS                                                                              \
	(RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS)
/* Mode bits a guest may give what it creates or chmods: no set-ID bits. */
#define MODE_OK 01777

struct p9_fid {
	struct p9_fid *next;
	uint32_t fid;
	int fd;	  /* -1 until opened */
	bool dir; /* fd is a directory (Treaddir) */
	char *path;
};

/* ---- message buffers ------------------------------------------------------ */

/* A request, consumed front to back; any read past its end sets bad. */
struct rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static uint64_t get(struct rd *r, unsigned n)
{
	uint64_t v = 0;

	if (r->bad || r->len - r->off < n) {
		r->bad = true;
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)r->p[r->off + i] << (8 * i);
	r->off += n;
	return v;
}

/*
 * A string into buf (NUL-terminated, at most max bytes without it): too
 * long, or holding a NUL (which would cut a host path short), is bad.
 */
static void get_str(struct rd *r, char *buf, size_t max)
{
	size_t n = get(r, 2);

	buf[0] = 0;
	if (r->bad)
		return;
	if (n > max || r->len - r->off < n || memchr(r->p + r->off, 0, n)) {
		r->bad = true;
		return;
	}
	memcpy(buf, r->p + r->off, n);
	buf[n] = 0;
	r->off += n;
}

struct wr {
	uint8_t *p;
	size_t cap, len;
	bool over;
};

/* n <= 8 bytes of v, little-endian. */
static void put(struct wr *w, uint64_t v, unsigned n)
{
	if (w->over || w->cap - w->len < n) {
		w->over = true;
		return;
	}
	for (unsigned i = 0; i < n; i++)
		w->p[w->len++] = v >> (8 * i);
}

static void put_str(struct wr *w, const char *s)
{
	size_t n = strlen(s);

	if (n > UINT16_MAX || w->over || w->cap - w->len < 2 + n) {
		w->over = true;
		return;
	}
	put(w, n, 2);
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

/* A qid's path is the inode, made unique across filesystems when mounts are crossed. */
static uint64_t qid_path(const struct p9_server *s, const struct stat *st)
{
	return s->cross_mounts ? st->st_ino ^ (st->st_dev * 0x9e3779b97f4a7c15ULL << 32)
			       : st->st_ino;
}

static void put_qid(struct wr *w, const struct p9_server *s, const struct stat *st)
{
	put(w, S_ISDIR(st->st_mode) ? QID_DIR : S_ISLNK(st->st_mode) ? QID_SYMLINK : 0, 1);
	/* The version changes when the file does: clients compare it for caching. */
	put(w, (uint32_t)(st->st_mtim.tv_sec ^ st->st_mtim.tv_nsec ^ st->st_size), 4);
	put(w, qid_path(s, st), 8);
}

/* ---- fids ---------------------------------------------------------------- */

static struct p9_fid **fid_slot(struct p9_server *s, uint32_t fid)
{
	struct p9_fid **pp = &s->fids[fid % P9_FID_BUCKETS];

	while (*pp && (*pp)->fid != fid)
		pp = &(*pp)->next;
	return pp;
}

static struct p9_fid *fid_get(struct p9_server *s, uint32_t fid)
{
	return *fid_slot(s, fid);
}

static void fid_close(struct p9_fid *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->dir = false;
}

static void fid_free(struct p9_server *s, uint32_t fid)
{
	struct p9_fid **pp = fid_slot(s, fid), *f = *pp;

	if (!f)
		return;
	*pp = f->next;
	fid_close(f);
	free(f->path);
	free(f);
	s->nfids--;
}

/* A new fid for path (copied); -EEXIST if fid is taken, -EMFILE past the limit. */
static int fid_new(struct p9_server *s, uint32_t fid, const char *path)
{
	struct p9_fid **pp = fid_slot(s, fid), *f;

	if (fid == NOFID || *pp)
		return -EEXIST;
	if (s->nfids >= P9_MAX_FIDS)
		return -EMFILE;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return -ENOMEM;
	}
	f->fid = fid;
	f->fd = -1;
	*pp = f;
	s->nfids++;
	return 0;
}

void p9_reset(struct p9_server *s)
{
	for (unsigned b = 0; b < P9_FID_BUCKETS; b++)
		while (s->fids[b])
			fid_free(s, s->fids[b]->fid);
}

void p9_init(struct p9_server *s, int root_fd, bool ro)
{
	memset(s, 0, sizeof(*s));
	s->root_fd = root_fd;
	s->ro = ro;
	s->msize = P9_MSIZE_MAX;
}

/* ---- paths --------------------------------------------------------------- */

/* One component a client may create or look up: not empty, ".", ".." or with a '/'. */
static bool name_ok(const char *name)
{
	return name[0] && strcmp(name, ".") && strcmp(name, "..") && !strchr(name, '/');
}

/* dir + "/" + name into out (PATH_MAX); -ENAMETOOLONG if it does not fit. */
static int join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s%s%s", dir, *dir ? "/" : "", name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* path's last component (path itself when it has one) and, in dir, the rest. */
static const char *split(const char *path, char *dir)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		dir[0] = 0;
		return path;
	}
	memcpy(dir, path, slash - path);
	dir[slash - path] = 0;
	return slash + 1;
}

/* The kernel's own filesystems: host state, not files to share. */
static bool pseudo_fs(long type)
{
	static const long types[] = {
	    PROC_SUPER_MAGIC,
	    SYSFS_MAGIC,
	    DEBUGFS_MAGIC,
	    TRACEFS_MAGIC,
	    SECURITYFS_MAGIC,
	    CGROUP_SUPER_MAGIC,
	    CGROUP2_SUPER_MAGIC,
	    BPF_FS_MAGIC,
	    EFIVARFS_MAGIC,
	    DEVPTS_SUPER_MAGIC,
	    SELINUX_MAGIC,
	    BINFMTFS_MAGIC,
	    PSTOREFS_MAGIC,
	    0x62656570 /* configfs */,
	    0x65735543 /* fusectl */,
	};

	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (type == types[i])
			return true;
	return false;
}

/*
 * With cross_mounts: refuses what lies in a pseudo filesystem, except its
 * mount point (the guest mounts its own /proc and /sys there).
 */
static int check_fs(int fd)
{
	struct statfs sf;
	struct statx sx;

	if (fstatfs(fd, &sf))
		return -errno;
	if (!pseudo_fs(sf.f_type))
		return 0;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, 0, &sx))
		return -errno;
	return sx.stx_attributes_mask & sx.stx_attributes & STATX_ATTR_MOUNT_ROOT ? 0 : -EXDEV;
}

/* The one way a guest-named path becomes a host descriptor. */
static int resolve(struct p9_server *s, const char *path, uint64_t flags, uint64_t mode)
{
	struct open_how how = {
	    .flags = flags | O_NOFOLLOW | O_CLOEXEC,
	    .mode = mode,
	    .resolve = RESOLVE_FLAGS & ~(s->cross_mounts ? RESOLVE_NO_XDEV : 0),
	};
	long fd;
	int rc;

	do
		fd = syscall(SYS_openat2, s->root_fd, *path ? path : ".", &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	if (s->cross_mounts && (rc = check_fs(fd))) {
		close(fd);
		return rc;
	}
	return fd;
}

static int stat_fd(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

/* lstat(2) of a path beneath the root. */
static int stat_path(struct p9_server *s, const char *path, struct stat *st)
{
	int fd = resolve(s, path, O_PATH, 0), rc;

	if (fd < 0)
		return fd;
	rc = stat_fd(fd, st);
	close(fd);
	return rc;
}

/* The fid's object: its open file, else its path. */
static int stat_fid(struct p9_server *s, struct p9_fid *f, struct stat *st)
{
	return f->fd >= 0 ? stat_fd(f->fd, st) : stat_path(s, f->path, st);
}

/* The directory of a create/remove: path's parent, O_PATH. */
static int open_dir(struct p9_server *s, const char *path)
{
	return resolve(s, path, O_PATH | O_DIRECTORY, 0);
}

/*
 * A second, real open of what the O_PATH descriptor pins: only a regular
 * file or a directory, so no guest can make us open a device or a FIFO.
 */
static int reopen(int pfd, const struct stat *st, int flags)
{
	char proc[32];
	int fd;

	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return S_ISLNK(st->st_mode) ? -ELOOP : -EPERM;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	do
		fd = open(proc, flags | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

/*
 * After a rename, fids below the old name follow it, as the client's
 * dentries do; paths are the fids' identity here.
 */
static void rename_fids(struct p9_server *s, const char *from, const char *to)
{
	size_t n = strlen(from);

	for (unsigned b = 0; b < P9_FID_BUCKETS; b++) {
		for (struct p9_fid *f = s->fids[b]; f; f = f->next) {
			char *p;

			if (strncmp(f->path, from, n) || (f->path[n] && f->path[n] != '/'))
				continue;
			if (asprintf(&p, "%s%s", to, f->path + n) < 0)
				continue; /* the fid keeps the old path and fails later */
			free(f->path);
			f->path = p;
		}
	}
}

/* ---- messages ------------------------------------------------------------ */

struct msg {
	struct p9_server *s;
	struct rd in;
	struct wr out;
	char name[NAME_MAX + 1], path[PATH_MAX], dir[PATH_MAX];
};

static int do_version(struct msg *m)
{
	uint32_t msize = get(&m->in, 4);
	char version[32];

	get_str(&m->in, version, sizeof(version) - 1);
	if (m->in.bad)
		return -EINVAL;
	p9_reset(m->s);
	if (msize < P9_MSIZE_MIN)
		return -EINVAL;
	m->s->msize = msize < P9_MSIZE_MAX ? msize : P9_MSIZE_MAX;
	put(&m->out, m->s->msize, 4);
	put_str(&m->out, strcmp(version, "9P2000.L") ? "unknown" : "9P2000.L");
	return 0;
}

static int do_attach(struct msg *m)
{
	uint32_t fid = get(&m->in, 4), afid = get(&m->in, 4);
	struct stat st;
	int rc;

	get_str(&m->in, m->name, NAME_MAX);	/* uname */
	get_str(&m->in, m->path, PATH_MAX - 1); /* aname: there is one tree */
	get(&m->in, 4);				/* n_uname */
	if (m->in.bad)
		return -EINVAL;
	if (afid != NOFID)
		return -EINVAL;
	rc = stat_path(m->s, "", &st);
	if (!rc)
		rc = fid_new(m->s, fid, "");
	if (!rc)
		put_qid(&m->out, m->s, &st);
	return rc;
}

static int do_walk(struct msg *m)
{
	uint32_t fid = get(&m->in, 4), newfid = get(&m->in, 4);
	unsigned nw = get(&m->in, 2), done = 0;
	struct p9_fid *f = fid_get(m->s, fid);
	size_t nwqid_at;
	int rc = 0;

	if (m->in.bad || nw > MAXWELEM)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (f->fd >= 0 && newfid == fid && nw)
		return -EBUSY; /* an opened fid keeps its name */
	if (newfid != fid && fid_get(m->s, newfid))
		return -EEXIST;
	snprintf(m->path, sizeof(m->path), "%s", f->path);
	nwqid_at = m->out.len;
	put(&m->out, 0, 2);
	for (; done < nw; done++) {
		struct stat st;

		get_str(&m->in, m->name, NAME_MAX);
		if (m->in.bad) {
			rc = -EINVAL;
			break;
		}
		if (!strcmp(m->name, "..")) {
			/* Lexical, clamped at the root: no component is a symlink. */
			char *slash = strrchr(m->path, '/');

			if (slash)
				*slash = 0;
			else
				m->path[0] = 0;
		} else if (strcmp(m->name, ".")) {
			if (!name_ok(m->name)) {
				rc = -EINVAL;
				break;
			}
			snprintf(m->dir, sizeof(m->dir), "%s", m->path);
			rc = join(m->path, m->dir, m->name);
			if (rc)
				break;
		}
		rc = stat_path(m->s, m->path, &st);
		if (rc)
			break;
		put_qid(&m->out, m->s, &st);
	}
	/* The first element failing is an error; a later one a short walk. */
	if (done == 0 && nw > 0)
		return rc;
	m->out.p[nwqid_at] = done;
	m->out.p[nwqid_at + 1] = 0;
	if (done < nw)
		return 0;
	if (newfid == fid) {
		char *p = strdup(m->path);

		if (!p)
			return -ENOMEM;
		free(f->path);
		f->path = p;
		return 0;
	}
	return fid_new(m->s, newfid, m->path);
}

static int do_getattr(struct msg *m)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	struct stat st;
	int rc;

	get(&m->in, 8); /* request_mask: everything basic is always returned */
	if (m->in.bad)
		return -EINVAL;
	if (!f)
		return -EBADF;
	rc = stat_fid(m->s, f, &st);
	if (rc)
		return rc;
	put(&m->out, STATS_BASIC, 8);
	put_qid(&m->out, m->s, &st);
	put(&m->out, st.st_mode, 4);
	put(&m->out, st.st_uid, 4);
	put(&m->out, st.st_gid, 4);
	put(&m->out, st.st_nlink, 8);
	put(&m->out, st.st_rdev, 8);
	put(&m->out, st.st_size, 8);
	put(&m->out, st.st_blksize, 8);
	put(&m->out, st.st_blocks, 8);
	put(&m->out, st.st_atim.tv_sec, 8);
	put(&m->out, st.st_atim.tv_nsec, 8);
	put(&m->out, st.st_mtim.tv_sec, 8);
	put(&m->out, st.st_mtim.tv_nsec, 8);
	put(&m->out, st.st_ctim.tv_sec, 8);
	put(&m->out, st.st_ctim.tv_nsec, 8);
	for (unsigned i = 0; i < 4; i++)
		put(&m->out, 0, 8); /* btime (2), gen, data_version: not given */
	return 0;
}

static uint32_t iounit(struct msg *m)
{
	return m->s->msize - HDR - 4 - 4 - 8; /* Tread/Twrite's header: fid, offset, count */
}

static int do_lopen(struct msg *m)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	uint32_t lflags = get(&m->in, 4);
	int pfd, fd, flags;
	struct stat st;

	if (m->in.bad)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (f->fd >= 0)
		return -EBUSY;
	if (m->s->ro && ((lflags & L_ACCMODE) != O_RDONLY || (lflags & L_TRUNC)))
		return -EROFS;
	pfd = resolve(m->s, f->path, O_PATH, 0);
	if (pfd < 0)
		return pfd;
	fd = stat_fd(pfd, &st);
	if (!fd) {
		if (S_ISDIR(st.st_mode))
			flags = O_RDONLY | O_DIRECTORY;
		else if ((lflags & L_ACCMODE) == L_ACCMODE)
			flags = -1;
		else
			flags = (lflags & (L_ACCMODE | L_TRUNC | L_APPEND));
		fd = flags < 0 ? -EINVAL : reopen(pfd, &st, flags);
	}
	close(pfd);
	if (fd < 0)
		return fd;
	f->fd = fd;
	f->dir = S_ISDIR(st.st_mode);
	put_qid(&m->out, m->s, &st);
	put(&m->out, iounit(m), 4);
	return 0;
}

/* The fid's directory and a valid new name in it; fills m->path with the joined path. */
static int dir_and_name(struct msg *m, struct p9_fid *f)
{
	if (m->in.bad)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (!name_ok(m->name))
		return -EINVAL;
	if (m->s->ro)
		return -EROFS;
	return join(m->path, f->path, m->name);
}

/* The qid of name in directory dfd, for the reply to a create. */
static int put_new_qid(struct msg *m, int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	put_qid(&m->out, m->s, &st);
	return 0;
}

static int do_lcreate(struct msg *m)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	uint32_t lflags, mode;
	struct stat st;
	char *p;
	int fd, rc;

	get_str(&m->in, m->name, NAME_MAX);
	lflags = get(&m->in, 4);
	mode = get(&m->in, 4);
	get(&m->in, 4); /* gid: files belong to whoever runs the launcher */
	rc = dir_and_name(m, f);
	if (rc)
		return rc;
	if (f->fd >= 0)
		return -EBUSY;
	if ((lflags & L_ACCMODE) == L_ACCMODE)
		return -EINVAL;
	fd = resolve(m->s, m->path, O_CREAT | (lflags & (L_ACCMODE | L_EXCL | L_TRUNC | L_APPEND)),
		     mode & MODE_OK);
	if (fd < 0)
		return fd;
	rc = stat_fd(fd, &st);
	if (!rc && !S_ISREG(st.st_mode))
		rc = -EPERM; /* an existing directory: O_CREAT refuses those itself */
	p = rc ? NULL : strdup(m->path);
	if (!rc && !p)
		rc = -ENOMEM;
	if (rc) {
		close(fd);
		return rc;
	}
	free(f->path);
	f->path = p;
	f->fd = fd;
	put_qid(&m->out, m->s, &st);
	put(&m->out, iounit(m), 4);
	return 0;
}

/* Tmkdir, Tsymlink, Tmknod: an object created by name in the fid's directory. */
static int do_create_node(struct msg *m, uint8_t type)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	uint32_t mode = 0;
	int dfd, rc;

	get_str(&m->in, m->name, NAME_MAX);
	if (type == TSYMLINK)
		get_str(&m->in, m->dir, PATH_MAX - 1); /* the target: stored, never followed */
	else
		mode = get(&m->in, 4);
	if (type == TMKNOD)
		get(&m->in, 8); /* major, minor: no device nodes */
	get(&m->in, 4);		/* gid */
	rc = dir_and_name(m, f);
	if (rc)
		return rc;
	dfd = open_dir(m->s, f->path);
	if (dfd < 0)
		return dfd;
	if (type == TMKDIR)
		rc = mkdirat(dfd, m->name, mode & MODE_OK) ? -errno : 0;
	else if (type == TSYMLINK)
		rc = symlinkat(m->dir, dfd, m->name) ? -errno : 0;
	else if (S_ISFIFO(mode) || S_ISSOCK(mode) || S_ISREG(mode) || !(mode & S_IFMT))
		rc = mknodat(dfd, m->name, (mode & S_IFMT) | (mode & MODE_OK), 0) ? -errno : 0;
	else
		rc = -EPERM; /* device nodes would hand the guest host devices */
	if (!rc)
		rc = put_new_qid(m, dfd, m->name);
	close(dfd);
	return rc;
}

static int do_read(struct msg *m)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	uint64_t off = get(&m->in, 8);
	uint32_t count = get(&m->in, 4);
	size_t room;
	ssize_t n;

	if (m->in.bad || off > INT64_MAX)
		return -EINVAL;
	if (!f || f->fd < 0 || f->dir)
		return -EBADF;
	room = m->out.cap - m->out.len;
	if (room < 4)
		return -ENOBUFS;
	if (count > room - 4)
		count = room - 4;
	/* count bytes unless the file ends first, as a local read(2) gives. */
	n = hv_pread_full(f->fd, m->out.p + m->out.len + 4, count, off);
	if (n < 0)
		return (int)n;
	put(&m->out, n, 4);
	m->out.len += n;
	m->s->bytes += n;
	return 0;
}

static int do_write(struct msg *m)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	uint64_t off = get(&m->in, 8);
	uint32_t count = get(&m->in, 4);
	ssize_t n;

	if (m->in.bad || off > INT64_MAX || count != m->in.len - m->in.off)
		return -EINVAL;
	if (m->s->ro)
		return -EROFS;
	if (!f || f->fd < 0 || f->dir)
		return -EBADF;
	do
		n = pwrite(f->fd, m->in.p + m->in.off, count, off);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	put(&m->out, n, 4);
	m->s->bytes += n;
	return 0;
}

static int do_readdir(struct msg *m)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	uint64_t off = get(&m->in, 8);
	uint32_t count = get(&m->in, 4);
	size_t count_at, start;
	uint8_t buf[8192] __attribute__((aligned(8)));
	bool full = false;
	dev_t dir_dev;

	if (m->in.bad || off > INT64_MAX)
		return -EINVAL;
	if (!f || f->fd < 0 || !f->dir)
		return -EBADF;
	/* Offsets are the host's d_off cookies, as the client hands them back. */
	if (lseek(f->fd, off, SEEK_SET) < 0)
		return -errno;
	{
		struct stat dst;

		if (stat_fd(f->fd, &dst))
			return -errno;
		dir_dev = dst.st_dev;
	}
	count_at = m->out.len;
	put(&m->out, 0, 4);
	if (m->out.over)
		return -ENOBUFS;
	start = m->out.len;
	if (count > m->out.cap - start)
		count = m->out.cap - start;
	while (!full) {
		long n = syscall(SYS_getdents64, f->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		for (long pos = 0; pos < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + pos);
			size_t nlen = strlen(d->d_name);
			struct stat st = {.st_ino = d->d_ino};

			if (m->out.len - start + 13 + 8 + 1 + 2 + nlen > count) {
				full = true;
				break;
			}
			st.st_mode = d->d_type == DT_DIR   ? S_IFDIR
				     : d->d_type == DT_LNK ? S_IFLNK
							   : S_IFREG;
			st.st_dev = dir_dev;
			put_qid(&m->out, m->s, &st);
			put(&m->out, d->d_off, 8);
			put(&m->out, d->d_type, 1);
			put_str(&m->out, d->d_name);
			pos += d->d_reclen;
		}
	}
	for (unsigned i = 0; i < 4; i++)
		m->out.p[count_at + i] = (m->out.len - start) >> (8 * i);
	return 0;
}

static int do_setattr(struct msg *m)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	uint32_t valid = get(&m->in, 4), mode = get(&m->in, 4), uid = get(&m->in, 4),
		 gid = get(&m->in, 4);
	uint64_t size = get(&m->in, 8);
	struct timespec ts[2];
	char proc[32];
	struct stat st;
	int pfd, rc = 0;

	ts[0].tv_sec = get(&m->in, 8);
	ts[0].tv_nsec = get(&m->in, 8);
	ts[1].tv_sec = get(&m->in, 8);
	ts[1].tv_nsec = get(&m->in, 8);
	if (m->in.bad || size > INT64_MAX)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (m->s->ro)
		return -EROFS;
	pfd = f->fd >= 0 ? dup(f->fd) : resolve(m->s, f->path, O_PATH, 0);
	if (pfd < 0)
		return pfd == -1 ? -errno : pfd;
	rc = stat_fd(pfd, &st);
	/* Our own pinned descriptor by its /proc name: never a guest-named path. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	if (!rc && (valid & (SA_UID | SA_GID)) &&
	    fchownat(pfd, "", valid & SA_UID ? uid : (uid_t)-1, valid & SA_GID ? gid : (gid_t)-1,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		rc = -errno;
	if (!rc && (valid & (SA_MODE | SA_SIZE | SA_ATIME | SA_MTIME)) && S_ISLNK(st.st_mode))
		rc = (valid & (SA_MODE | SA_SIZE)) ? -EOPNOTSUPP : 0; /* symlink times: left */
	else if (!rc && (valid & SA_MODE) && chmod(proc, mode & MODE_OK))
		rc = -errno;
	if (!rc && (valid & SA_SIZE)) {
		int fd = S_ISREG(st.st_mode) ? reopen(pfd, &st, O_WRONLY) : -EINVAL;

		if (fd < 0)
			rc = fd;
		else if (ftruncate(fd, size))
			rc = -errno;
		if (fd >= 0)
			close(fd);
	}
	if (!rc && (valid & (SA_ATIME | SA_MTIME)) && !S_ISLNK(st.st_mode)) {
		if (!(valid & SA_ATIME))
			ts[0].tv_nsec = UTIME_OMIT;
		else if (!(valid & SA_ATIME_SET))
			ts[0].tv_nsec = UTIME_NOW;
		if (!(valid & SA_MTIME))
			ts[1].tv_nsec = UTIME_OMIT;
		else if (!(valid & SA_MTIME_SET))
			ts[1].tv_nsec = UTIME_NOW;
		if (utimensat(AT_FDCWD, proc, ts, 0))
			rc = -errno;
	}
	close(pfd);
	return rc;
}

static int do_statfs(struct msg *m)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	struct statfs sf;
	int fd, rc;

	if (m->in.bad)
		return -EINVAL;
	if (!f)
		return -EBADF;
	fd = resolve(m->s, f->path, O_PATH, 0);
	if (fd < 0)
		return fd;
	rc = fstatfs(fd, &sf) ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	put(&m->out, sf.f_type, 4);
	put(&m->out, sf.f_bsize, 4);
	put(&m->out, sf.f_blocks, 8);
	put(&m->out, sf.f_bfree, 8);
	put(&m->out, sf.f_bavail, 8);
	put(&m->out, sf.f_files, 8);
	put(&m->out, sf.f_ffree, 8);
	put(&m->out, (uint64_t)(uint32_t)sf.f_fsid.__val[0] | (uint64_t)sf.f_fsid.__val[1] << 32,
	    8);
	put(&m->out, sf.f_namelen, 4);
	return 0;
}

static int do_readlink(struct msg *m)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	ssize_t n;
	int fd;

	if (m->in.bad)
		return -EINVAL;
	if (!f)
		return -EBADF;
	fd = resolve(m->s, f->path, O_PATH, 0);
	if (fd < 0)
		return fd;
	n = readlinkat(fd, "", m->path, sizeof(m->path) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	m->path[n] = 0;
	if (memchr(m->path, 0, n))
		return -EINVAL;
	put_str(&m->out, m->path);
	return 0;
}

/* Trenameat (names in two directory fids) and Trename (a fid to a directory fid). */
static int do_rename(struct msg *m, uint8_t type)
{
	struct p9_fid *of = fid_get(m->s, get(&m->in, 4)), *nf;
	char *from = NULL, *to = NULL;
	int odfd = -1, ndfd = -1, rc;

	if (type == TRENAMEAT) {
		get_str(&m->in, m->name, NAME_MAX);
		nf = fid_get(m->s, get(&m->in, 4));
		rc = dir_and_name(m, of);
		if (!rc && !(from = strdup(m->path)))
			rc = -ENOMEM;
	} else {
		nf = fid_get(m->s, get(&m->in, 4));
		rc = m->in.bad ? -EINVAL : !of ? -EBADF : !*of->path ? -EBUSY : 0;
		if (!rc && !(from = strdup(of->path)))
			rc = -ENOMEM;
	}
	get_str(&m->in, m->name, NAME_MAX);
	if (!rc)
		rc = dir_and_name(m, nf);
	if (!rc && !(to = strdup(m->path)))
		rc = -ENOMEM;
	if (!rc) {
		/* obase and nbase point into from and to; m->dir is reused. */
		const char *obase = split(from, m->dir), *nbase;

		odfd = open_dir(m->s, m->dir);
		nbase = split(to, m->dir);
		ndfd = open_dir(m->s, m->dir);
		if (odfd < 0 || ndfd < 0)
			rc = odfd < 0 ? odfd : ndfd;
		else if (renameat(odfd, obase, ndfd, nbase))
			rc = -errno;
		else
			rename_fids(m->s, from, to);
	}
	if (odfd >= 0)
		close(odfd);
	if (ndfd >= 0)
		close(ndfd);
	free(from);
	free(to);
	return rc;
}

static int do_unlinkat(struct msg *m)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	uint32_t flags;
	int dfd, rc;

	get_str(&m->in, m->name, NAME_MAX);
	flags = get(&m->in, 4);
	rc = dir_and_name(m, f);
	if (rc)
		return rc;
	if (flags & ~(uint32_t)AT_REMOVEDIR)
		return -EINVAL;
	dfd = open_dir(m->s, f->path);
	if (dfd < 0)
		return dfd;
	rc = unlinkat(dfd, m->name, flags) ? -errno : 0;
	close(dfd);
	return rc;
}

static int do_remove(struct msg *m)
{
	uint32_t fid = get(&m->in, 4);
	struct p9_fid *f = fid_get(m->s, fid);
	const char *base;
	struct stat st;
	int dfd, rc;

	if (m->in.bad)
		return -EINVAL;
	if (!f)
		return -EBADF;
	/* Tremove clunks the fid whatever happens. */
	base = split(f->path, m->dir);
	dfd = !*f->path ? -EBUSY : m->s->ro ? -EROFS : open_dir(m->s, m->dir);
	rc = dfd < 0 ? dfd : 0;
	if (!rc && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW))
		rc = -errno;
	if (!rc && unlinkat(dfd, base, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0))
		rc = -errno;
	if (dfd >= 0)
		close(dfd);
	fid_free(m->s, fid);
	return rc;
}

static int do_link(struct msg *m)
{
	struct p9_fid *d = fid_get(m->s, get(&m->in, 4)), *f = fid_get(m->s, get(&m->in, 4));
	int ofd, dfd, rc;

	get_str(&m->in, m->name, NAME_MAX);
	rc = dir_and_name(m, d);
	if (rc)
		return rc;
	if (!f)
		return -EBADF;
	ofd = resolve(m->s, f->path, O_PATH, 0);
	if (ofd < 0)
		return ofd;
	dfd = open_dir(m->s, d->path);
	/* The pinned source by AT_EMPTY_PATH: a hard link to what the fid is, nothing else. */
	rc = dfd < 0 ? dfd : linkat(ofd, "", dfd, m->name, AT_EMPTY_PATH) ? -errno : 0;
	close(ofd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

static int do_fsync(struct msg *m)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	uint32_t datasync = get(&m->in, 4);

	if (m->in.bad)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (f->fd < 0 || m->s->ro)
		return 0;
	return (datasync ? fdatasync(f->fd) : fsync(f->fd)) ? -errno : 0;
}

/* POSIX locks are the guest kernel's business: one guest, nobody to contend with. */
static int do_lock(struct msg *m, uint8_t type)
{
	struct p9_fid *f = fid_get(m->s, get(&m->in, 4));
	uint8_t ltype = get(&m->in, 1);
	uint64_t start, length;
	uint32_t proc_id;

	if (type == TLOCK)
		get(&m->in, 4); /* flags */
	start = get(&m->in, 8);
	length = get(&m->in, 8);
	proc_id = get(&m->in, 4);
	get_str(&m->in, m->name, NAME_MAX); /* client_id */
	if (m->in.bad)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (type == TLOCK) {
		put(&m->out, LOCK_SUCCESS, 1);
		return 0;
	}
	(void)ltype;
	put(&m->out, LOCK_UNLCK, 1);
	put(&m->out, start, 8);
	put(&m->out, length, 8);
	put(&m->out, proc_id, 4);
	put_str(&m->out, m->name);
	return 0;
}

static int dispatch(struct msg *m, uint8_t type)
{
	switch (type) {
	case TVERSION:
		return do_version(m);
	case TATTACH:
		return do_attach(m);
	case TAUTH:
		return -EOPNOTSUPP;
	case TFLUSH:
		get(&m->in, 2); /* requests never wait: there is nothing to flush */
		return m->in.bad ? -EINVAL : 0;
	case TWALK:
		return do_walk(m);
	case TCLUNK: {
		uint32_t fid = get(&m->in, 4);

		if (m->in.bad)
			return -EINVAL;
		if (!fid_get(m->s, fid))
			return -EBADF;
		fid_free(m->s, fid);
		return 0;
	}
	case TGETATTR:
		return do_getattr(m);
	case TSETATTR:
		return do_setattr(m);
	case TLOPEN:
		return do_lopen(m);
	case TLCREATE:
		return do_lcreate(m);
	case TMKDIR:
	case TSYMLINK:
	case TMKNOD:
		return do_create_node(m, type);
	case TREAD:
		return do_read(m);
	case TWRITE:
		return do_write(m);
	case TREADDIR:
		return do_readdir(m);
	case TSTATFS:
		return do_statfs(m);
	case TREADLINK:
		return do_readlink(m);
	case TRENAME:
	case TRENAMEAT:
		return do_rename(m, type);
	case TUNLINKAT:
		return do_unlinkat(m);
	case TREMOVE:
		return do_remove(m);
	case TLINK:
		return do_link(m);
	case TFSYNC:
		return do_fsync(m);
	case TLOCK:
	case TGETLOCK:
		return do_lock(m, type);
	case TXATTRWALK:
	case TXATTRCREATE:
		return -EOPNOTSUPP; /* no extended attributes: ls and cp do without */
	default:
		return -EOPNOTSUPP;
	}
}

size_t p9_handle(struct p9_server *s, const uint8_t *req, size_t len, uint8_t *resp,
		 size_t resp_max)
{
	struct msg *m = malloc(sizeof(*m));
	uint32_t size;
	uint16_t tag = 0xffff;
	uint8_t type = 0;
	size_t cap = resp_max < s->msize ? resp_max : s->msize;
	int rc = -EINVAL;

	if (!m || cap < HDR + 4) {
		free(m);
		return 0;
	}
	m->s = s;
	m->in = (struct rd){.p = req, .len = len};
	size = get(&m->in, 4);
	type = get(&m->in, 1);
	tag = get(&m->in, 2);
	/*
	 * The header's size says where the message ends (more bytes after it
	 * are padding); only a Tversion, which renegotiates it, may exceed msize.
	 */
	if (!m->in.bad && size >= HDR && size <= len && (size <= s->msize || type == TVERSION)) {
		m->in.len = size;
		m->out = (struct wr){.p = resp, .cap = cap, .len = HDR};
		rc = dispatch(m, type);
		if (!rc && m->out.over)
			rc = -ENOBUFS;
	}
	s->requests++;
	if (rc) {
		m->out = (struct wr){.p = resp, .cap = cap, .len = HDR};
		put(&m->out, -rc, 4);
		type = RLERROR - 1;
	}
	size = m->out.len;
	free(m);
	resp[0] = size;
	resp[1] = size >> 8;
	resp[2] = size >> 16;
	resp[3] = size >> 24;
	resp[4] = type + 1;
	resp[5] = tag;
	resp[6] = tag >> 8;
	return size;
}
