// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-watch's preload agent: creates a userfaultfd inside an unmodified
 * program, hands it to uffd-watch over the socket named in
 * UFFD_WATCH_SOCKET, and reports anonymous mappings (existing ones at start,
 * new ones from mmap/mremap) so uffd-watch can register them.
 *
 * A preload library is the one place where process-global state is
 * unavoidable: the interposed mmap() has no context argument. All of it
 * lives in one struct, guarded by one mutex.
 *
 * The agent never calls into stdio or malloc after start-up: the mapping
 * calls it interposes are also made by libc internals, and a re-entry while
 * the mutex is held would deadlock. A thread-local flag catches the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../proto.h"

#define EXPORT __attribute__((visibility("default")))

static struct {
	pthread_mutex_t lock;
	int sock; /* -1: inactive (no socket, or uffd-watch went away) */
	uint64_t min_size;
	int mode;
	uint64_t features; /* enabled on our userfaultfd, from uffd-watch */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
} agent = {.lock = PTHREAD_MUTEX_INITIALIZER, .sock = -1};

static __thread int in_agent;

static void agent_disable(void)
{
	if (agent.sock >= 0)
		close(agent.sock);
	agent.sock = -1;
}

/* One request, one reply; a broken socket turns the agent off for good. */
static int agent_call(struct uw_msg *m, int fd_to_pass)
{
	struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct uw_msg r;
	ssize_t n;

	if (agent.sock < 0)
		return -ENOTCONN;
	m->magic = UW_MAGIC;
	m->version = UW_VERSION;
	if (fd_to_pass >= 0) {
		struct cmsghdr *h;

		memset(&c, 0, sizeof(c));
		mh.msg_control = c.buf;
		mh.msg_controllen = sizeof(c.buf);
		h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &fd_to_pass, sizeof(int));
	}
	do
		n = sendmsg(agent.sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*m))
		goto broken;
	do
		n = recv(agent.sock, &r, sizeof(r), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(r) || r.magic != UW_MAGIC || r.type != UW_REPLY)
		goto broken;
	m->features = r.features;
	return r.status;
broken:
	agent_disable();
	return -EPIPE;
}

static int agent_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s;

	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memcpy(sa.sun_path, agent.path, sizeof(sa.sun_path));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(s);
		return err;
	}
	agent.sock = s;
	return 0;
}

/*
 * The syscall first (what most programs would use), then /dev/userfaultfd
 * (6.1+: access by file mode, no sysctl), then user-mode-only faults.
 */
static int agent_new_uffd(uint64_t *entry)
{
	int flags = O_CLOEXEC | O_NONBLOCK;
	int fd, err;

	*entry = UW_ENTRY_SYSCALL;
	fd = (int)syscall(SYS_userfaultfd, flags);
	if (fd >= 0)
		return fd;
	err = -errno;
	{
		int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);

		if (dev >= 0) {
			fd = ioctl(dev, USERFAULTFD_IOC_NEW, flags);
			close(dev);
			*entry = UW_ENTRY_DEV;
			if (fd >= 0)
				return fd;
		}
	}
	*entry = UW_ENTRY_USER_MODE;
	fd = (int)syscall(SYS_userfaultfd, flags | UFFD_USER_MODE_ONLY);
	if (fd >= 0)
		return fd;
	return err;
}

static bool is_shmem_fd(int fd)
{
	struct statfs st;

	return fd >= 0 && fstatfs(fd, &st) == 0 && st.f_type == TMPFS_MAGIC;
}

/* Which new mappings uffd-watch wants to hear about. */
static bool agent_wants(size_t len, int flags, int fd)
{
	int type = flags & MAP_TYPE;

	if (len < agent.min_size)
		return false;
	if (agent.mode == UW_MODE_MINOR)
		return type == MAP_SHARED && ((flags & MAP_ANONYMOUS) || is_shmem_fd(fd));
	return type == MAP_PRIVATE && (flags & MAP_ANONYMOUS);
}

static void agent_map(uint64_t addr, uint64_t len)
{
	struct uw_msg m = {.type = UW_MAP, .addr = addr, .len = len};

	agent_call(&m, -1);
}

/*
 * One maps line: "start-end perms offset dev inode   path". Anonymous
 * private memory has inode 0 and no path (or [heap]); the stack, vdso and
 * vvar are never registered: the kernel touches them on our behalf.
 */
static void agent_scan_line(const char *l)
{
	unsigned long start, end, inode;
	unsigned int major, minor;
	unsigned long long off;
	char perms[8];
	const char *path;
	int pos = 0;

	if (sscanf(l, "%lx-%lx %7s %llx %x:%x %lu %n", &start, &end, perms, &off, &major, &minor,
		   &inode, &pos) < 7 ||
	    pos == 0)
		return;
	path = l + pos;
	if (end <= start || end - start < agent.min_size || strlen(perms) < 4)
		return;
	if (agent.mode == UW_MODE_MINOR) {
		if (perms[3] != 's' || (strncmp(path, "/memfd:", 7) &&
					strncmp(path, "/dev/zero", 9) && strncmp(path, "/SYSV", 5)))
			return;
	} else {
		if (perms[3] != 'p' || inode != 0 || (*path && strcmp(path, "[heap]")))
			return;
	}
	agent_map(start, end - start);
}

static void agent_scan(void)
{
	static char buf[256 * 1024];
	size_t len = 0;
	ssize_t n;
	char *l, *nl;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* Read it all before registering: registration splits VMAs. */
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	for (l = buf; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (!nl)
			break;
		*nl = '\0';
		agent_scan_line(l);
	}
}

/* Connect, introduce this process, hand over a userfaultfd if asked. */
static void agent_start(bool forked)
{
	struct uw_msg m = {.type = UW_HELLO, .addr = forked ? UW_HELLO_FORKED : 0};
	int st, fd;

	if (agent_connect() < 0)
		return;
	m.pid = getpid();
	m.ppid = getppid();
	st = agent_call(&m, -1);
	if (st == UW_LINKED)
		return; /* a fork child: its context came with UFFD_EVENT_FORK */
	if (st != UW_NEED_UFFD) {
		agent_disable();
		return;
	}
	memset(&m, 0, sizeof(m));
	fd = agent_new_uffd(&m.len);
	m.type = UW_UFFD;
	m.status = fd < 0 ? fd : 0;
	st = agent_call(&m, fd);
	if (fd >= 0)
		close(fd); /* uffd-watch's copy is the only one left: see proto.h */
	if (st < 0) {
		agent_disable();
		return;
	}
	agent.features = m.features;
	agent_scan();
}

static void agent_prepare(void)
{
	pthread_mutex_lock(&agent.lock);
}

static void agent_parent(void)
{
	pthread_mutex_unlock(&agent.lock);
}

/* The child must not share the parent's connection: replies would cross. */
static void agent_child(void)
{
	bool was_on = agent.sock >= 0;

	pthread_mutex_init(&agent.lock, NULL);
	if (!was_on)
		return;
	close(agent.sock);
	agent.sock = -1;
	in_agent++;
	agent_start(true);
	in_agent--;
}

__attribute__((constructor)) static void agent_init(void)
{
	const char *path = getenv(UW_ENV_SOCKET);
	const char *min = getenv(UW_ENV_MIN_SIZE);
	const char *mode = getenv(UW_ENV_MODE);

	if (!path || !*path || strlen(path) >= sizeof(agent.path))
		return;
	memcpy(agent.path, path, strlen(path) + 1);
	agent.min_size = min ? strtoull(min, NULL, 10) : 0;
	if (agent.min_size < 4096)
		agent.min_size = 4096;
	if (mode && !strcmp(mode, "wp"))
		agent.mode = UW_MODE_WP;
	else if (mode && !strcmp(mode, "minor"))
		agent.mode = UW_MODE_MINOR;
	pthread_atfork(agent_prepare, agent_parent, agent_child);
	in_agent++;
	pthread_mutex_lock(&agent.lock);
	agent_start(false);
	pthread_mutex_unlock(&agent.lock);
	in_agent--;
}

static bool agent_enter(void)
{
	if (in_agent || agent.sock < 0)
		return false;
	in_agent++;
	pthread_mutex_lock(&agent.lock);
	return true;
}

static void agent_leave(void)
{
	pthread_mutex_unlock(&agent.lock);
	in_agent--;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);

	if (p == MAP_FAILED || !agent_wants(len, flags, fd))
		return p;
	if (agent_enter()) {
		agent_map((uintptr_t)p, (len + 4095) & ~(size_t)4095);
		agent_leave();
	}
	return p;
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
    __attribute__((alias("mmap")));

EXPORT int munmap(void *addr, size_t len)
{
	int ret = (int)syscall(SYS_munmap, addr, len);

	/* With UFFD_EVENT_UNMAP the kernel itself tells uffd-watch. */
	if (ret == 0 && len >= agent.min_size && !(agent.features & UFFD_FEATURE_EVENT_UNMAP) &&
	    agent_enter()) {
		struct uw_msg m = {.type = UW_UNMAP, .addr = (uintptr_t)addr, .len = len};

		agent_call(&m, -1);
		agent_leave();
	}
	return ret;
}

EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = NULL, *p;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	p = (void *)syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
	if (p == MAP_FAILED || (p == old && new_len == old_len))
		return p;
	/* Growing in place sends no kernel event; moving does, but only with EVENT_REMAP. */
	if ((old_len >= agent.min_size || new_len >= agent.min_size) && agent_enter()) {
		struct uw_msg m = {.type = UW_REMAP,
				   .addr = (uintptr_t)old,
				   .len = old_len,
				   .addr2 = (uintptr_t)p,
				   .len2 = new_len};

		agent_call(&m, -1);
		agent_leave();
	}
	return p;
}
