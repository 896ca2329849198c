/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics: every message is one line on stderr,
 *   tool: what failed: why (hint)
 * so scripts can grep it and people can act on it.
 */
#ifndef HV_DIAG_H
#define HV_DIAG_H

#include <stdarg.h>

/* Exit codes shared by every tool; each man page documents them. */
enum hv_exit {
	HV_EXIT_OK = 0,
	HV_EXIT_FAILURE = 1,	 /* the operation failed */
	HV_EXIT_USAGE = 2,	 /* bad option, argument or input syntax */
	HV_EXIT_NOTFOUND = 3,	 /* path, device, ref or key does not exist */
	HV_EXIT_PERM = 4,	 /* permission denied */
	HV_EXIT_NODEV = 5,	 /* device, module or daemon unavailable */
	HV_EXIT_BUSY = 6,	 /* busy, or still conflicting after retries */
	HV_EXIT_TIMEOUT = 7,	 /* a --timeout expired */
	HV_EXIT_LIMIT = 8,	 /* a resource limit was hit (ENOSPC, memlock) */
	HV_EXIT_UNSUPPORTED = 9, /* the other side does not offer the operation */
};

/* Maps a negative errno to the exit code above. */
int hv_exit_code(int err);

/* "tool: <fmt>: strerror(-err) (hint)"; err <= 0, 0 omits the why part. */
void hv_err(int err, const char *hint, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void hv_verr(int err, const char *hint, const char *fmt, va_list ap);
/* "tool: warning: <fmt>" */
void hv_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "tool: <fmt>" on stderr, for -v output. */
void hv_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Errors are reported and turned into an exit code in one step. */
int hv_fail(int err, const char *hint, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Usage error: prints the message plus "Try 'tool --help'." and returns 2. */
int hv_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The program name used as message prefix. */
const char *hv_progname(void);

#endif
