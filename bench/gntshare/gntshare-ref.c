// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The benchmark's reference: what a C programmer writes with Xen's own
 * libxengntshr/libxengnttab to do what gntshare does, with the same
 * process structure, so the ratio measures the tool and not the shape:
 *   gntshare-ref share DOMID PAGES INFILE CMD [ARGS...]
 *       grants PAGES pages filled from INFILE, runs CMD with GNTREF_REFS
 *       set, unshares when it exits; exits with CMD's status
 *   gntshare-ref map DOMID OUTFILE REF...
 *       maps the refs read-only, writes them to OUTFILE, unmaps
 * Errors are terse: this is a measuring stick, not a tool.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xengnttab.h>

#define PAGE 4096u

static int die(const char *what)
{
	perror(what);
	return 1;
}

static int share(int argc, char **argv)
{
	uint32_t domid = (uint32_t)strtoul(argv[2], NULL, 10);
	uint32_t n = (uint32_t)strtoul(argv[3], NULL, 10);
	uint32_t *refs = calloc(n, sizeof(*refs));
	char *env = malloc((size_t)n * 11 + 1);
	size_t used = 0;
	xengntshr_handle *h;
	int fd, status;
	ssize_t r;
	void *p;
	pid_t pid;

	if (argc < 6 || !refs || !env)
		return 2;
	h = xengntshr_open(NULL, 0);
	if (!h)
		return die("xengntshr_open");
	p = xengntshr_share_pages(h, domid, (int)n, refs, 1);
	if (!p)
		return die("xengntshr_share_pages");
	fd = open(argv[4], O_RDONLY);
	if (fd < 0)
		return die(argv[4]);
	for (size_t off = 0; off < (size_t)n * PAGE; off += (size_t)r) {
		r = read(fd, (char *)p + off, (size_t)n * PAGE - off);
		if (r <= 0)
			break;
	}
	close(fd);
	env[0] = '\0';
	for (uint32_t i = 0; i < n; i++)
		used += (size_t)sprintf(env + used, "%s%u", i ? " " : "", refs[i]);
	setenv("GNTREF_REFS", env, 1);
	pid = fork();
	if (pid == 0) {
		execvp(argv[5], argv + 5);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	xengntshr_unshare(h, p, n);
	xengntshr_close(h);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int map(int argc, char **argv)
{
	uint32_t domid = (uint32_t)strtoul(argv[2], NULL, 10);
	uint32_t n = (uint32_t)(argc - 4);
	uint32_t *refs = calloc(n, sizeof(*refs));
	xengnttab_handle *h;
	int fd, rc = 0;
	void *p;

	if (!n || !refs)
		return 2;
	for (uint32_t i = 0; i < n; i++)
		refs[i] = (uint32_t)strtoul(argv[4 + i], NULL, 10);
	h = xengnttab_open(NULL, 0);
	if (!h)
		return die("xengnttab_open");
	p = xengnttab_map_domain_grant_refs(h, n, domid, refs, PROT_READ);
	if (!p)
		return die("xengnttab_map_domain_grant_refs");
	fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0 || write(fd, p, (size_t)n * PAGE) != (ssize_t)((size_t)n * PAGE))
		rc = die(argv[3]);
	if (fd >= 0)
		close(fd);
	xengnttab_unmap(h, p, n);
	xengnttab_close(h);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "share"))
		return share(argc, argv);
	if (argc >= 5 && !strcmp(argv[1], "map"))
		return map(argc, argv);
	fprintf(stderr, "usage: gntshare-ref share DOMID PAGES INFILE CMD [ARGS...]\n"
			"       gntshare-ref map DOMID OUTFILE REF...\n");
	return 2;
}
