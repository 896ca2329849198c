// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <unistd.h>

#include "diag.h"
#include "exec.h"

int hv_exec_status(int err)
{
	return err == ENOENT ? 127 : 126;
}

void hv_exec_or_exit(const char *what, const char *const *argv)
{
	int err;

	execvp(argv[0], (char *const *)argv);
	/* Saved first: writing the message may change errno. */
	err = errno;
	hv_err(-err, NULL, "%s %s", what, argv[0]);
	_exit(hv_exec_status(err));
}
