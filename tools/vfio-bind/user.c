// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bind --user NAME|UID: the owner /dev/vfio/GROUP is handed to, looked up
 * in /etc/passwd, then through getent for the other user databases.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "parse.h"
#include "vfio-bind.h"

/*
 * getent passwd NAME: the user databases nsswitch.conf names besides files
 * (systemd, sss, ldap). getpwnam() would load their NSS modules with dlopen,
 * which in this static program is fragile: on Debian 12 an unknown name
 * reached libnss_systemd and the program died of SIGSEGV. getent is glibc's
 * own NSS client, dynamically linked, so the modules load where they work.
 * By its absolute path: a root tool never runs what PATH happens to name.
 */
static int getent_user(const char *name, uid_t *uid, gid_t *gid)
{
	char *argv[] = {VB_GETENT, "passwd", "--", (char *)name, NULL};
	char line[1024];
	posix_spawn_file_actions_t fa;
	unsigned long long id, g;
	int pfd[2], status, rc;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	rc = posix_spawn(&pid, VB_GETENT, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc) {
		close(pfd[0]);
		return -ENOENT; /* no getent: only /etc/passwd and numeric ids */
	}
	n = hv_read_full(pfd[0], line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* name:passwd:uid:gid:...; exit 2 means no such key. */
	if (!WIFEXITED(status) || WEXITSTATUS(status) ||
	    sscanf(line, "%*[^:]:%*[^:]:%llu:%llu:", &id, &g) != 2 || id > UINT32_MAX - 1 ||
	    g > UINT32_MAX - 1)
		return -ENOENT;
	*uid = (uid_t)id;
	*gid = (gid_t)g;
	return 0;
}

static int lookup_user(const char *name, uid_t *uid, gid_t *gid)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;

	if (f) {
		while ((pw = fgetpwent(f))) {
			if (!strcmp(pw->pw_name, name)) {
				*uid = pw->pw_uid;
				*gid = pw->pw_gid;
				fclose(f);
				return 0;
			}
		}
		fclose(f);
	}
	return getent_user(name, uid, gid);
}

int vb_parse_user(const char *s, struct vb_user *u)
{
	uint64_t id;

	snprintf(u->name, sizeof(u->name), "%s", s);
	if (!lookup_user(s, &u->uid, &u->gid)) {
		u->set = true;
		return 0;
	}
	if (hv_parse_dec(s, 0, UINT32_MAX - 1, &id))
		return -ENOENT;
	u->uid = (uid_t)id;
	u->set = true;
	return 0;
}
