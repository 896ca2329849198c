// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tx and batch: scripts of xsctl command lines, one per line, with the
 * verbs, options and quoting of argv. tx runs them in one transaction and
 * prints nothing until the commit succeeded; batch runs them on one
 * connection. The whole script is parsed before anything is sent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "json.h"
#include "step.h"
#include "xsctl.h"

/* A script is meant for people and shells; 16 MiB is far beyond either. */
#define SCRIPT_MAX (16u << 20)

void xsctl_free_argv(char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/*
 * Shell-like words: blanks separate, '...' is literal, "..." takes \" and
 * \\ as escapes, a backslash outside quotes takes the next character
 * literally, and an unquoted # at the start of a word begins a comment.
 * Value escapes such as \x00 therefore survive inside single quotes, exactly
 * as they do on a shell's command line.
 */
int xsctl_split_line(const char *line, char ***argvp, int *argcp, const char **why)
{
	size_t len = strlen(line);
	char **argv = NULL, *word = NULL;
	int argc = 0;
	size_t wl = 0;
	bool in_word = false;
	const char *p = line;

	*why = NULL;
	word = malloc(len + 1);
	if (!word)
		return -ENOMEM;
	for (;;) {
		char c = *p;

		if (c == '\0' || c == ' ' || c == '\t' || c == '\r') {
			if (in_word) {
				char **nv = realloc(argv, sizeof(*argv) * (size_t)(argc + 2));

				if (!nv)
					goto nomem;
				argv = nv;
				word[wl] = '\0';
				argv[argc] = strdup(word);
				if (!argv[argc])
					goto nomem;
				argc++;
				argv[argc] = NULL;
				in_word = false;
				wl = 0;
			}
			if (c == '\0')
				break;
			p++;
			continue;
		}
		if (c == '#' && !in_word)
			break;
		in_word = true;
		if (c == '\'') {
			const char *end = strchr(p + 1, '\'');

			if (!end) {
				*why = "unterminated single quote";
				goto inval;
			}
			memcpy(word + wl, p + 1, (size_t)(end - p - 1));
			wl += (size_t)(end - p - 1);
			p = end + 1;
		} else if (c == '"') {
			for (p++; *p != '"'; p++) {
				if (!*p) {
					*why = "unterminated double quote";
					goto inval;
				}
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				word[wl++] = *p;
			}
			p++;
		} else if (c == '\\') {
			if (!p[1]) {
				*why = "lone backslash at the end of the line";
				goto inval;
			}
			word[wl++] = p[1];
			p += 2;
		} else {
			word[wl++] = c;
			p++;
		}
	}
	free(word);
	*argvp = argv;
	*argcp = argc;
	return 0;
nomem:
	free(word);
	xsctl_free_argv(argv, argc);
	return -ENOMEM;
inval:
	free(word);
	xsctl_free_argv(argv, argc);
	return -EINVAL;
}

struct script_line {
	int lineno;
	int argc;
	char **argv;
};

struct script {
	struct script_line *lines;
	int n;
};

static void script_free(struct script *s)
{
	for (int i = 0; i < s->n; i++)
		xsctl_free_argv(s->lines[i].argv, s->lines[i].argc);
	free(s->lines);
}

static int script_load(const char *file, struct script *s)
{
	char *buf, *line, *next;
	size_t len;
	int err, lineno = 0;

	memset(s, 0, sizeof(*s));
	if (file && strcmp(file, "-"))
		err = hv_read_file_alloc(file, SCRIPT_MAX, &buf, &len);
	else
		err = hv_read_fd_alloc(STDIN_FILENO, SCRIPT_MAX, &buf, &len);
	if (err)
		return hv_fail(err, NULL, "reading the script from %s",
			       file && strcmp(file, "-") ? file : "stdin");
	if (memchr(buf, '\0', len)) {
		free(buf);
		return hv_usage_error("the script contains a NUL byte (write \\000 for one)");
	}
	for (line = buf; line && *line; line = next) {
		struct script_line *sl, *nl;
		const char *why;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		nl = realloc(s->lines, sizeof(*nl) * (size_t)(s->n + 1));
		if (!nl) {
			err = -ENOMEM;
			break;
		}
		s->lines = nl;
		sl = &s->lines[s->n];
		sl->lineno = lineno;
		err = xsctl_split_line(line, &sl->argv, &sl->argc, &why);
		if (err == -EINVAL) {
			free(buf);
			script_free(s);
			return hv_usage_error("line %d: %s", lineno, why);
		}
		if (err)
			break;
		if (sl->argc)
			s->n++;
		else
			free(sl->argv);
	}
	free(buf);
	if (err) {
		script_free(s);
		return hv_fail(err, NULL, "reading the script");
	}
	return 0;
}

static void set_where(struct xsctl *x, int lineno)
{
	snprintf(x->where_buf, sizeof(x->where_buf), "line %d: ", lineno);
	x->where = x->where_buf;
}

/* Runs every line once; stops at the first that fails. */
static int script_run(struct xsctl *x, const struct script *s)
{
	int rc = 0;

	x->in_script = true;
	for (int i = 0; i < s->n && !rc; i++) {
		set_where(x, s->lines[i].lineno);
		rc = xsctl_dispatch(x, s->lines[i].argc, (const char **)s->lines[i].argv);
		hv_step("script-line");
	}
	x->in_script = false;
	x->where = "";
	return rc;
}

/* --dry-run: each line's words as JSON, after the same checks a real run makes. */
static int script_dry_run(struct xsctl *x, const struct script *s)
{
	struct hv_json j;
	int rc;

	x->dry_run = true;
	rc = script_run(x, s);
	if (rc)
		return rc;
	/* Printed only when every line passed, like a real run's output. */
	for (int i = 0; i < s->n; i++) {
		hv_json_init(&j, stdout, true);
		hv_json_object_open(&j, NULL);
		hv_json_u64(&j, "line", (uint64_t)s->lines[i].lineno);
		hv_json_array_open(&j, "argv");
		for (int k = 0; k < s->lines[i].argc; k++)
			hv_json_str(&j, NULL, s->lines[i].argv[k]);
		hv_json_array_close(&j);
		hv_json_object_close(&j);
		hv_json_end(&j);
	}
	return 0;
}

static int script_args(struct xsctl *x, int argc, const char *verb)
{
	if (argc)
		return xsctl_usage(x,
				   "%s: unexpected argument (the script comes from stdin or "
				   "-f FILE)",
				   verb);
	if (x->o.retries < 0)
		return xsctl_usage(x, "--retries must be 0 or more");
	return 0;
}

int xsctl_tx(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct xsctl_opts txo;
	struct script s;
	char *buf = NULL;
	size_t len = 0;
	int rc, err;

	(void)argv;
	rc = script_args(x, argc, "tx");
	if (rc || (rc = script_load(x->o.file, &s)))
		return rc;
	/* The lines' own option parsing reuses x->o. */
	txo = x->o;
	if (txo.dry_run) {
		rc = script_dry_run(x, &s);
		goto out;
	}
	rc = xsctl_connect(x);
	if (rc)
		goto out;
	hv_step("connected");
	for (int attempt = 0;; attempt++) {
		FILE *mem;

		if (attempt > txo.retries) {
			hv_err(-EAGAIN, "others keep changing the same nodes; raise --retries",
			       "tx: transaction still conflicting after %d retries", txo.retries);
			rc = HV_EXIT_BUSY;
			break;
		}
		err = hv_xs_tx_start(&x->xs, &x->t);
		if (err) {
			x->t = XBT_NULL;
			rc = hv_fail(err, NULL, "tx: starting the transaction");
			break;
		}
		hv_step("tx-started");
		/* Output waits for the commit: a retried attempt's output is dropped. */
		free(buf);
		buf = NULL;
		mem = open_memstream(&buf, &len);
		if (!mem) {
			hv_xs_tx_end(&x->xs, x->t, true);
			x->t = XBT_NULL;
			rc = hv_fail(-errno, NULL, "tx");
			break;
		}
		x->out = mem;
		rc = script_run(x, &s);
		fclose(mem);
		x->out = stdout;
		hv_step("tx-commit");
		err = hv_xs_tx_end(&x->xs, x->t, rc != 0);
		x->t = XBT_NULL;
		if (rc)
			break;
		if (!err) {
			hv_step("tx-committed");
			fwrite(buf, 1, len, stdout);
			break;
		}
		if (err != -EAGAIN) {
			rc = hv_fail(err, NULL, "tx: committing");
			break;
		}
		if (txo.c.verbose)
			hv_note("tx: conflict, re-running the script (attempt %d)", attempt + 2);
		xsctl_backoff(x, attempt);
	}
out:
	free(buf);
	script_free(&s);
	return rc;
}

int xsctl_batch(void *ctx, int argc, const char **argv)
{
	struct xsctl *x = ctx;
	struct script s;
	int rc;

	(void)argv;
	rc = script_args(x, argc, "batch");
	if (rc || (rc = script_load(x->o.file, &s)))
		return rc;
	if (x->o.dry_run)
		rc = script_dry_run(x, &s);
	else if (!(rc = xsctl_connect(x)))
		rc = script_run(x, &s);
	script_free(&s);
	return rc;
}
