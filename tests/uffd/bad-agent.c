// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-bad-agent [garbage|magic|map|stale|batch]: run under `uffd-watch run`,
 * talks to the agent socket in UFFD_WATCH_SOCKET like a broken (or hostile)
 * agent.
 *
 * garbage, magic, map: 7 bytes of garbage, a full-size message with a wrong
 * magic, or a MAP of an unaligned range before any userfaultfd. uffd-watch
 * must drop the connection with a message; prints "reply N" with the bytes
 * it got back.
 *
 * stale: the traced program hands over a userfaultfd of its own but keeps a
 * dup, has a range registered on it, lets uffd-watch drop that process
 * (a third hello with the same pid looks like an exec) and then faults on
 * the range. The kernel keeps the context alive through the dup, so a
 * registration left in uffd-watch's epoll set would report a proc that is
 * gone. Prints "stale ok".
 *
 * batch: two connections of the same pid get a message each in one epoll
 * batch (uffd-watch is stopped meanwhile), the later connection's hello
 * first: handling it drops the other proc, whose event is still in the
 * batch. Prints "batch ok".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../tools/uffd-watch/proto.h"

static int agent_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = getenv(UW_ENV_SOCKET);
	int s;

	if (!path || strlen(path) >= sizeof(sa.sun_path))
		exit(2);
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		exit(3);
	return s;
}

static void say(int s, uint16_t type, uint64_t addr, uint64_t len, int fd)
{
	struct uw_msg m = {.magic = UW_MAGIC,
			   .version = UW_VERSION,
			   .type = type,
			   .pid = getpid(),
			   .ppid = getppid(),
			   .addr = addr,
			   .len = len};
	struct iovec iov = {&m, sizeof(m)};
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(s, &mh, 0) != sizeof(m))
		exit(4);
}

/* The reply's status; -1000 when uffd-watch hung up. */
static int answer(int s)
{
	struct uw_msg m;
	ssize_t n = recv(s, &m, sizeof(m), 0);

	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return -1000;
	if (n != sizeof(m) || m.type != UW_REPLY) {
		fprintf(stderr, "reply: %zd bytes, type %u\n", n, n >= 8 ? m.type : 0);
		exit(5);
	}
	return m.status;
}

static void *toucher(void *arg)
{
	*(volatile char *)arg = 1;
	return NULL;
}

static int stale(void)
{
	size_t len = 64 << 10; /* under the agent's --min-size: it is ours alone */
	char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct timespec pause = {0, 300 * 1000 * 1000};
	int s2, s3, uffd, st;
	pthread_t t;

	if (mem == MAP_FAILED)
		return 6;
	s2 = agent_connect();
	say(s2, UW_HELLO, 0, 0, -1);
	if ((st = answer(s2)) != UW_NEED_UFFD)
		return fprintf(stderr, "hello: %d\n", st), 7;
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		return 8;
	say(s2, UW_UFFD, 0, UW_ENTRY_SYSCALL, uffd); /* and keep our copy */
	if ((st = answer(s2)) != 0)
		return fprintf(stderr, "uffd: %d\n", st), 9;
	say(s2, UW_MAP, (uintptr_t)mem, len, -1);
	if ((st = answer(s2)) != 0)
		return fprintf(stderr, "map: %d\n", st), 10;
	s3 = agent_connect();
	say(s3, UW_HELLO, 0, 0, -1); /* "exec": uffd-watch drops the proc of s2 */
	if ((st = answer(s3)) != UW_NEED_UFFD)
		return fprintf(stderr, "hello 3: %d\n", st), 11;
	if (pthread_create(&t, NULL, toucher, mem))
		return 12;
	nanosleep(&pause, NULL);
	/* Nobody serves that fault now: closing the last reference lets it through. */
	close(uffd);
	pthread_join(t, NULL);
	printf("stale ok\n");
	return 0;
}

static int stopped(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'T';
}

static int batch(void)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	pid_t watcher = getppid();
	int s2, s3, st, i;

	s2 = agent_connect();
	say(s2, UW_HELLO, 0, 0, -1);
	if ((st = answer(s2)) != UW_NEED_UFFD)
		return fprintf(stderr, "hello: %d\n", st), 7;
	s3 = agent_connect();
	say(s3, UW_UNMAP, 0x10000, 4096, -1); /* accepted, and has a proc */
	if ((st = answer(s3)) != 0)
		return fprintf(stderr, "unmap: %d\n", st), 8;
	if (kill(watcher, SIGSTOP) < 0)
		return 9;
	for (i = 0; i < 500 && !stopped(watcher); i++)
		nanosleep(&tick, NULL);
	say(s3, UW_HELLO, 0, 0, -1); /* ready first: drops the proc of s2 */
	say(s2, UW_UNMAP, 0x10000, 4096, -1);
	kill(watcher, SIGCONT);
	if ((st = answer(s3)) != UW_NEED_UFFD)
		return fprintf(stderr, "hello 3: %d\n", st), 10;
	answer(s2); /* a reply or the hang-up, both fine */
	printf("batch ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "garbage";
	struct uw_msg m = {.magic = UW_MAGIC, .version = UW_VERSION};
	char buf[256];
	ssize_t n;
	int s;

	if (!strcmp(what, "stale"))
		return stale();
	if (!strcmp(what, "batch"))
		return batch();
	s = agent_connect();
	if (!strcmp(what, "garbage")) {
		n = send(s, "garbage", 7, 0);
	} else if (!strcmp(what, "magic")) {
		m.magic = 0xdeadbeef;
		m.type = UW_HELLO;
		n = send(s, &m, sizeof(m), 0);
	} else {
		m.type = UW_MAP;
		m.addr = 0x1001;
		m.len = 4096;
		n = send(s, &m, sizeof(m), 0);
	}
	if (n < 0)
		return 4;
	n = recv(s, buf, sizeof(buf), 0);
	printf("reply %zd\n", n);
	return 0;
}
