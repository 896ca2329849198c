// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Starting the traced program with the preload agent: finding the agent,
 * and the fork and exec that hand it the socket, the mode and --min-size.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "exec.h"
#include "proto.h"
#include "run.h"

int uw_find_agent(char *buf, size_t len)
{
	const char *env = getenv("UFFD_WATCH_AGENT");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		if (access(env, R_OK) < 0)
			return hv_fail(-errno, "UFFD_WATCH_AGENT names the preload agent",
				       "agent %s", env);
		snprintf(buf, len, "%s", env);
		return 0;
	}
	/*
	 * Next to the binary (the build tree), then ../libexec/hvutils from it
	 * (an install whose prefix differs from the one compiled in).
	 */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		const char *dir;

		exe[n] = '\0';
		dir = dirname(exe);
		snprintf(buf, len, "%s/uffd-watch-agent.so", dir);
		if (access(buf, R_OK) == 0)
			return 0;
		snprintf(buf, len, "%s/../libexec/hvutils/uffd-watch-agent.so", dir);
		if (access(buf, R_OK) == 0)
			return 0;
	}
	snprintf(buf, len, "%s/uffd-watch-agent.so", HV_LIBEXECDIR);
	if (access(buf, R_OK) == 0)
		return 0;
	return hv_fail(-errno, "reinstall hvutils, or set UFFD_WATCH_AGENT",
		       "cannot find the preload agent %s", buf);
}

int uw_spawn(struct run *r, const char *agent, const char **cmd)
{
	char min[32], preload[PATH_MAX * 2];
	const char *old = getenv("LD_PRELOAD");
	int pfd[2], err = 0;
	ssize_t n;

	if (strpbrk(agent, " :"))
		return hv_fail(-EINVAL, "LD_PRELOAD cannot hold spaces or colons", "agent path %s",
			       agent);
	snprintf(preload, sizeof(preload), "%s%s%s", agent, old && *old ? " " : "", old ? old : "");
	snprintf(min, sizeof(min), "%llu", (unsigned long long)r->min_size);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return hv_fail(-errno, NULL, "pipe");
	fflush(NULL);
	r->child = fork();
	if (r->child < 0) {
		err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return hv_fail(err, NULL, "fork");
	}
	if (r->child == 0) {
		hv_signals_restore(&r->sig);
		close(pfd[0]);
		setenv("LD_PRELOAD", preload, 1);
		setenv(UW_ENV_SOCKET, r->sock, 1);
		setenv(UW_ENV_MIN_SIZE, min, 1);
		setenv(UW_ENV_MODE,
		       r->mode == UW_MODE_WP || r->mode == UW_MODE_WP_ASYNC ? "wp"
		       : r->mode == UW_MODE_MINOR			    ? "minor"
									    : "missing",
		       1);
		execvp(cmd[0], (char *const *)cmd);
		err = errno;
		if (write(pfd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(hv_exec_status(err));
	}
	close(pfd[1]);
	do
		n = read(pfd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == sizeof(err)) {
		waitpid(r->child, NULL, 0);
		r->child_done = true;
		hv_err(-err, err == ENOENT ? "check the name and PATH" : NULL, "cannot run %s",
		       cmd[0]);
		return hv_exec_status(err);
	}
	return 0;
}
