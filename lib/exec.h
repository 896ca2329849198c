/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running a user's command in a child: the exit statuses a shell gives a
 * command it could not run, so that a script cannot tell a tool's --exec
 * from sh -c.
 */
#ifndef HV_EXEC_H
#define HV_EXEC_H

/* 127 when execvp() failed with err ENOENT (not found), 126 otherwise. */
int hv_exec_status(int err);

/*
 * For a child after fork(): execvp(argv[0], argv); when that fails, reports
 * "tool: WHAT ARGV0: why" on stderr and _exit()s with hv_exec_status().
 */
_Noreturn void hv_exec_or_exit(const char *what, const char *const *argv);

#endif
