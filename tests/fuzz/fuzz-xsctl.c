// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xsctl tx/batch scripts: the input is a script as `xsctl tx -f FILE
 * --dry-run` reads it. Every line goes through the real word splitter and
 * the real verb dispatcher (options, paths, values, permissions, limits) in
 * dry-run mode, which must never touch the store (there is no connection:
 * a verb that tried would crash here). The splitter must also be exact:
 * the words, quoted again, split back to the same words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "xsctl.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	(void)argc;
	(void)argv;
	/* "write PATH -" reads stdin: give it an empty one, never a terminal. */
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	return 0;
}

/* Quotes words for a script line: '...' with ' written as '\''. */
static char *quote(char **argv, int argc)
{
	char *out = NULL;
	size_t ol = 0;
	FILE *f = open_memstream(&out, &ol);

	FUZZ_CHECK(f);
	for (int i = 0; i < argc; i++) {
		fputs(i ? " '" : "'", f);
		for (const char *p = argv[i]; *p; p++)
			if (*p == '\'')
				fputs("'\\''", f);
			else
				fputc(*p, f);
		fputc('\'', f);
	}
	fclose(f);
	FUZZ_CHECK(out);
	return out;
}

static void check_split(char **argv, int argc)
{
	char *line = quote(argv, argc), **again;
	const char *why;
	int n;

	FUZZ_CHECK(!xsctl_split_line(line, &again, &n, &why));
	FUZZ_CHECK(n == argc);
	for (int i = 0; i < argc; i++)
		FUZZ_CHECK(!strcmp(again[i], argv[i]));
	FUZZ_CHECK(!argc || again[argc] == NULL);
	xsctl_free_argv(again, n);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xsctl x = {.out = stdout, .t = XBT_NULL, .where = "", .xs = {.fd = -1}};
	char *buf, *line, *next;
	int lineno = 0;

	/* tx and batch refuse a script with a NUL byte before splitting it. */
	if (memchr(data, '\0', size))
		return 0;
	buf = malloc(size + 1);
	FUZZ_CHECK(buf);
	memcpy(buf, data, size);
	buf[size] = '\0';
	x.in_script = true;
	x.dry_run = true;
	x.o.retries = 100;
	for (line = buf; line && *line; line = next) {
		const char *why;
		char **argv;
		int argc, err;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		err = xsctl_split_line(line, &argv, &argc, &why);
		if (err) {
			FUZZ_CHECK(why && *why);
			continue;
		}
		if (argc) {
			check_split(argv, argc);
			snprintf(x.where_buf, sizeof(x.where_buf), "line %d: ", lineno);
			x.where = x.where_buf;
			xsctl_dispatch(&x, argc, (const char **)argv);
			/* Dry runs open nothing and start nothing. */
			FUZZ_CHECK(!x.connected && x.t == XBT_NULL && x.xs.h == NULL);
		}
		xsctl_free_argv(argv, argc);
	}
	free(buf);
	return 0;
}
