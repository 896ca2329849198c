// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lguest-run-init: PID 1 of a `lguest-run --run` guest, linked statically
 * and packed by the launcher (run.c) into an in-memory initramfs with the
 * guest kernel's virtio and 9p modules and /lguest-run.args. It loads the
 * modules, mounts the host's root (9p tag "root", read-only) with fresh
 * tmpfs /tmp and /run and each --rwdir (tags "rw0", "rw1", ...) at its own
 * path, enters it, runs the command in the caller's directory and hands
 * its status to the launcher through port 0x501: the exit code, 128+N for
 * signal N, 127 for a command that cannot be found, 126 for one that
 * cannot be run. Anything that fails before the command runs is reported
 * on the console and ends with status 125 (the launcher's own 255 means
 * a guest panic).
 *
 * /lguest-run.args: NUL-terminated records, each a type letter and its
 * value: M module file (in load order), C working directory, E
 * environment entry, W a writable directory (its tag is rw0, rw1, ... in
 * order), A an argument of the command, T stdin is a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define EXIT_PORT    0x501
#define SETUP_FAILED 125
#define MAX_ARGS     4096
/* The root is read-only: the guest may cache it; writable directories it may not. */
#define P9_ROOT_OPTS		    "trans=virtio,version=9p2000.L,msize=131072,cache=loose"
#define P9_RW_OPTS		    "trans=virtio,version=9p2000.L,msize=131072"
#define MODULE_INIT_COMPRESSED_FILE 4

struct plan {
	char *buf;
	size_t len;
	const char *cwd;
	const char *argv[MAX_ARGS + 1], *envp[MAX_ARGS + 1];
	unsigned argc, envc;
	bool tty;
};

static void say(const char *fmt, const char *a, int err)
{
	fprintf(stderr, "lguest-run-init: ");
	fprintf(stderr, fmt, a);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fprintf(stderr, "\n");
}

/* The status goes out through the launcher's exit port; the guest never returns. */
static void __attribute__((noreturn)) finish(int status)
{
	sync();
	if (ioperm(EXIT_PORT, 1, 1) == 0)
		outb(status, EXIT_PORT);
	say("%s", "the exit port did not end the guest: rebooting", errno);
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static void __attribute__((noreturn)) fail(const char *what, const char *arg)
{
	say(what, arg, errno);
	finish(SETUP_FAILED);
}

static int read_plan(struct plan *p)
{
	struct stat st;
	int fd = open("/lguest-run.args", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) || !(p->buf = malloc(st.st_size + 1)) ||
	    read(fd, p->buf, st.st_size) != st.st_size)
		return -1;
	close(fd);
	p->len = st.st_size;
	p->buf[p->len] = 0; /* a last record without its NUL still ends */
	return 0;
}

static void load_modules(struct plan *p)
{
	for (size_t off = 0; off < p->len; off += strlen(p->buf + off) + 1) {
		char path[300];
		const char *name = p->buf + off + 1;
		int fd, flags = 0;

		if (p->buf[off] != 'M')
			continue;
		snprintf(path, sizeof(path), "/lib/modules/%s", name);
		if (strstr(name, ".ko.xz") || strstr(name, ".ko.zst") || strstr(name, ".ko.gz"))
			flags = MODULE_INIT_COMPRESSED_FILE;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", flags) && errno != EEXIST))
			fail("loading module %s", name);
		close(fd);
	}
}

static void mount_or_fail(const char *src, const char *dst, const char *type, unsigned long flags,
			  const char *opts)
{
	if (mount(src, dst, type, flags, opts))
		fail("mounting %s", dst);
}

/* mkdir -p below /newroot: only on the fresh tmpfs, the root share is read-only. */
static void make_path(const char *path)
{
	char buf[4200];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		mkdir(buf, 0755);
		*s = '/';
	}
	mkdir(buf, 0755);
}

static void mount_root(struct plan *p)
{
	unsigned rw = 0;

	mount_or_fail("root", "/newroot", "9p", MS_RDONLY, P9_ROOT_OPTS);
	mount_or_fail("proc", "/newroot/proc", "proc", 0, NULL);
	mount_or_fail("sysfs", "/newroot/sys", "sysfs", 0, NULL);
	mount_or_fail("devtmpfs", "/newroot/dev", "devtmpfs", 0, NULL);
	mount_or_fail("tmpfs", "/newroot/tmp", "tmpfs", 0, "mode=1777");
	mount_or_fail("tmpfs", "/newroot/run", "tmpfs", 0, "mode=0755");
	for (size_t off = 0; off < p->len; off += strlen(p->buf + off) + 1) {
		char tag[16], dst[4200];

		if (p->buf[off] != 'W')
			continue;
		snprintf(tag, sizeof(tag), "rw%u", rw++);
		snprintf(dst, sizeof(dst), "/newroot%s", p->buf + off + 1);
		make_path(dst);
		mount_or_fail(tag, dst, "9p", 0, P9_RW_OPTS);
	}
	if (chdir("/newroot") || chroot(".") || chdir("/"))
		fail("entering %s", "the host's root");
}

static void parse_rest(struct plan *p)
{
	for (size_t off = 0; off < p->len; off += strlen(p->buf + off) + 1) {
		char type = p->buf[off];
		const char *v = p->buf + off + 1;

		if (type == 'A' && p->argc < MAX_ARGS)
			p->argv[p->argc++] = v;
		else if (type == 'E' && p->envc < MAX_ARGS)
			p->envp[p->envc++] = v;
		else if (type == 'C')
			p->cwd = v;
		else if (type == 'T')
			p->tty = true;
	}
}

/*
 * The console as the caller's terminal or pipe: output bytes unchanged (no
 * CR added), and with a pipe as stdin no echo of it into the output.
 */
static void set_console(const struct plan *p)
{
	struct termios t;

	if (tcgetattr(0, &t))
		return;
	t.c_oflag &= ~OPOST;
	if (!p->tty)
		t.c_lflag &= ~(ECHO | ECHONL | ICANON);
	tcsetattr(0, TCSANOW, &t);
}

int main(void)
{
	static struct plan p;
	int status;
	pid_t child;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	if (read_plan(&p))
		fail("reading %s", "/lguest-run.args");
	parse_rest(&p);
	if (!p.argc)
		fail("%s", "no command");
	load_modules(&p);
	mount_root(&p);
	set_console(&p);
	child = fork();
	if (child < 0)
		fail("%s", "fork");
	if (child == 0) {
		setsid();
		ioctl(0, TIOCSCTTY, 0);
		if (p.cwd && chdir(p.cwd))
			say("cannot enter %s, running in /", p.cwd, errno);
		environ = (char **)p.envp;
		execvp(p.argv[0], (char **)p.argv);
		status = errno;
		say("%s", p.argv[0], status);
		_exit(status == ENOENT ? 127 : 126);
	}
	/* PID 1 reaps every orphan; the command's own status is the guest's. */
	for (;;) {
		int st;
		pid_t w = wait(&st);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			finish(SETUP_FAILED);
		if (w != child)
			continue;
		finish(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
}
