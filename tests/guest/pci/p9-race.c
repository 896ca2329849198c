/*
 * p9-race DIR SECONDS: a symlink race against lguest-run's 9p server, run
 * inside the nested guest on a writable share (44-lguest-run-run.bats).
 *
 * DIR/race is, in turns, a directory holding f ("inside") and a symlink
 * to ../outside, which on the host is a directory beside the share (its f
 * says "outside"); in the guest nothing is there. A child swaps the two by
 * renames as fast as it can while this process opens race/f to read and
 * race/w to write. The guest's own VFS follows the symlink in its own tree
 * (ENOENT); a server that resolved a fid by its path again, after the walk,
 * would follow the swapped-in link on the host and read "outside" or
 * create the host's ../outside/w. The host side checks that file too.
 *
 * Prints "RACE inside I outside O errors E swaps S"; exit 0 when O is 0,
 * 1 on an escape, 2 on a setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int setup_failed(const char *what)
{
	fprintf(stderr, "p9-race: %s: %s\n", what, strerror(errno));
	return 2;
}

/* The swapper: race/ a directory, then a symlink, and back, until killed. */
static void swap_forever(int dir, volatile unsigned long *swaps)
{
	for (;;) {
		if (renameat(dir, "race", dir, "race.d") == 0 &&
		    renameat(dir, "race.l", dir, "race") == 0 &&
		    renameat(dir, "race", dir, "race.l") == 0 &&
		    renameat(dir, "race.d", dir, "race") == 0)
			(*swaps)++;
	}
}

int main(int argc, char **argv)
{
	unsigned long inside = 0, outside = 0, errors = 0;
	volatile unsigned long *swaps;
	char buf[32];
	double end, seconds;
	int dir, fd;
	ssize_t n;
	pid_t pid;

	if (argc != 3 || (seconds = atof(argv[2])) <= 0 || seconds > 600) {
		fprintf(stderr, "usage: p9-race DIR SECONDS (0 < SECONDS <= 600)\n");
		return 2;
	}
	dir = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return setup_failed(argv[1]);
	if (mkdirat(dir, "race", 0755) < 0)
		return setup_failed("mkdir race");
	fd = openat(dir, "race/f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "inside\n", 7) != 7 || close(fd) < 0)
		return setup_failed("race/f");
	if (symlinkat("../outside", dir, "race.l") < 0)
		return setup_failed("symlink race.l");
	/* The swapper's count, shared across the fork. */
	swaps =
	    mmap(NULL, sizeof(*swaps), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (swaps == MAP_FAILED)
		return setup_failed("mmap");
	pid = fork();
	if (pid < 0)
		return setup_failed("fork");
	if (pid == 0)
		swap_forever(dir, swaps);

	end = now() + seconds;
	while (now() < end) {
		fd = openat(dir, "race/f", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[n > 0 ? n : 0] = '\0';
			if (!strcmp(buf, "inside\n"))
				inside++;
			else if (n > 0) {
				outside++;
				printf("RACE-READ %s", buf);
			}
		} else {
			errors++;
		}
		fd = openat(dir, "race/w", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			if (write(fd, "guest\n", 6) != 6)
				errors++;
			close(fd);
		} else {
			errors++;
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("RACE inside %lu outside %lu errors %lu swaps %lu\n", inside, outside, errors,
	       *swaps);
	return outside ? 1 : 0;
}
