// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Standalone replay of a harness over its seed corpus, without libFuzzer:
 * make check runs it in the unit section, so every parser sees its seeds
 * (edge cases and the reproducers of fixed bugs) on every build, with
 * whatever compiler and sanitizers the build uses.
 *
 * Usage: fuzz-NAME-replay [FILE|DIR...]; without arguments the corpus
 * tests/fuzz/corpus/NAME under $HV_TOP (or the current directory). Prints
 * TAP, one test per input; a broken invariant aborts mid-plan.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A harness may rename its tool's main() with -Dmain=...: this one is the real one. */
#undef main

#include "fuzz.h"

#ifndef HV_FUZZ_NAME
#error "HV_FUZZ_NAME names the harness (its corpus directory)"
#endif

/* Harnesses without an initializer get this one (it is weak in libFuzzer too). */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/*
 * What a fatal signal handler needs to name the input that killed the
 * harness: file-scope because a handler has no other way to reach it.
 */
static int crash_fd = -1;
static char crash_line[512];

static void on_crash(int sig)
{
	ssize_t n = write(crash_fd, crash_line, strlen(crash_line));

	(void)n;
	signal(sig, SIG_DFL);
	raise(sig);
}

static int read_all(const char *path, uint8_t **out, size_t *len)
{
	struct stat sb;
	uint8_t *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return -errno;
	}
	/* One spare byte: harnesses must not rely on it, but malloc(0) may be NULL. */
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);

		if (n <= 0) {
			free(buf);
			close(fd);
			return n < 0 ? -errno : -EIO;
		}
		got += (size_t)n;
	}
	close(fd);
	*out = buf;
	*len = got;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends FILE, or every regular file of DIR in name order, to the list. */
static int collect(const char *arg, char ***list, size_t *n)
{
	struct stat sb;
	struct dirent *e;
	DIR *d;
	size_t first = *n;

	if (stat(arg, &sb) < 0)
		return -errno;
	if (!S_ISDIR(sb.st_mode)) {
		char **nl = realloc(*list, sizeof(**list) * (*n + 1));

		if (!nl || !(nl[*n] = strdup(arg)))
			return -ENOMEM;
		*list = nl;
		(*n)++;
		return 0;
	}
	d = opendir(arg);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char **nl;

		if (e->d_name[0] == '.')
			continue;
		nl = realloc(*list, sizeof(**list) * (*n + 1));
		if (!nl || asprintf(&nl[*n], "%s/%s", arg, e->d_name) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		*list = nl;
		(*n)++;
	}
	closedir(d);
	qsort(*list + first, *n - first, sizeof(**list), cmp_names);
	return 0;
}

int main(int argc, char **argv)
{
	char **files = NULL, *dflt = NULL;
	const char *top = getenv("HV_TOP");
	size_t n = 0;
	FILE *tap;
	int fd, null, failed = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (collect(argv[i], &files, &n)) {
				fprintf(stderr, "%s: %s: %s\n", argv[0], argv[i], strerror(errno));
				return 2;
			}
	} else {
		if (asprintf(&dflt, "%s/tests/fuzz/corpus/%s", top && *top ? top : ".",
			     HV_FUZZ_NAME) < 0)
			return 1;
		if (collect(dflt, &files, &n)) {
			printf("1..1\nnot ok 1 - %s: the seed corpus %s is missing\n", HV_FUZZ_NAME,
			       dflt);
			return 1;
		}
	}
	/* TAP keeps the real stdout; what the parsers print goes to /dev/null. */
	fd = dup(STDOUT_FILENO);
	tap = fd >= 0 ? fdopen(fd, "w") : NULL;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (!tap || null < 0) {
		perror("replay");
		return 1;
	}
	setvbuf(tap, NULL, _IOLBF, 0);
	fflush(stdout);
	dup2(null, STDOUT_FILENO);
	if (!getenv("HV_FUZZ_VERBOSE"))
		dup2(null, STDERR_FILENO);
	dup2(null, STDIN_FILENO);
	crash_fd = fd;
	signal(SIGABRT, on_crash);
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGFPE, on_crash);
	LLVMFuzzerInitialize(&argc, &argv);
	fprintf(tap, "1..%zu\n", n ? n : 1);
	if (!n) {
		fprintf(tap, "not ok 1 - %s: the seed corpus is empty\n", HV_FUZZ_NAME);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;
		int err = read_all(files[i], &buf, &len);

		if (err) {
			fprintf(tap, "not ok %zu - %s: %s\n", i + 1, files[i], strerror(-err));
			failed = 1;
			free(files[i]);
			continue;
		}
		snprintf(
		    crash_line, sizeof(crash_line),
		    "not ok %zu - %s: the harness crashed (rerun: tests/fuzz/fuzz-%s-replay %s "
		    "with HV_FUZZ_VERBOSE=1)\n",
		    i + 1, files[i], HV_FUZZ_NAME, files[i]);
		fflush(tap);
		/* A sanitizer report ends the process: the plan stays short, a failure too. */
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		fprintf(tap, "ok %zu - %s %s\n", i + 1, HV_FUZZ_NAME,
			strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i]);
		free(files[i]);
	}
	free(files);
	free(dflt);
	fclose(tap);
	return failed;
}
