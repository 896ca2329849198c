// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

const char *hv_progname(void)
{
	return program_invocation_short_name;
}

int hv_exit_code(int err)
{
	switch (-err) {
	case 0:
		return HV_EXIT_OK;
	case EINVAL:
	case ERANGE:
	case E2BIG:
	case ENAMETOOLONG:
		return HV_EXIT_USAGE;
	case ENOENT:
	case ESRCH:
		return HV_EXIT_NOTFOUND;
	case EACCES:
	case EPERM:
	case EROFS:
		return HV_EXIT_PERM;
	case ENODEV:
	case ENXIO:
	case ECONNREFUSED:
	case ENOTSUP:
	case ENOSYS:
		return HV_EXIT_NODEV;
	case EBUSY:
	case EAGAIN:
	case EEXIST:
		return HV_EXIT_BUSY;
	case ETIMEDOUT:
		return HV_EXIT_TIMEOUT;
	case ENOSPC:
	case ENOMEM:
	case EDQUOT:
		return HV_EXIT_LIMIT;
	default:
		return HV_EXIT_FAILURE;
	}
}

void hv_verr(int err, const char *hint, const char *fmt, va_list ap)
{
	/* One fprintf for the whole line, so concurrent writers don't interleave. */
	char what[1024];

	vsnprintf(what, sizeof(what), fmt, ap);
	if (err && hint && *hint)
		fprintf(stderr, "%s: %s: %s (%s)\n", hv_progname(), what, strerror(-err), hint);
	else if (err)
		fprintf(stderr, "%s: %s: %s\n", hv_progname(), what, strerror(-err));
	else if (hint && *hint)
		fprintf(stderr, "%s: %s (%s)\n", hv_progname(), what, hint);
	else
		fprintf(stderr, "%s: %s\n", hv_progname(), what);
}

void hv_err(int err, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hv_verr(err, hint, fmt, ap);
	va_end(ap);
}

int hv_fail(int err, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hv_verr(err, hint, fmt, ap);
	va_end(ap);
	return err ? hv_exit_code(err) : HV_EXIT_FAILURE;
}

void hv_warn(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: warning: %s\n", hv_progname(), msg);
}

void hv_note(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", hv_progname(), msg);
}

int hv_usage_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s (try '%s --help')\n", hv_progname(), msg, hv_progname());
	return HV_EXIT_USAGE;
}
