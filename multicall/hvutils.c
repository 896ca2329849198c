// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hvutils: the tools as one multi-call program, BusyBox-style. The name it
 * is called by picks the applet (a link named xsctl runs xsctl); called as
 * hvutils, the first argument does. An applet is its tool's own main(),
 * compiled once more under another name (multicall/build.mk), so its
 * options, output and exit codes are the tool's, byte for byte: this file
 * only finds it and makes the tool's messages carry the applet's name.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applets.h"
#include "diag.h"
#include "opts.h"

#define MANPAGE "hvutils(1)"

/* Three tools take argv as const char **, the way popt reads it. */
#define APPLET_CONST(fn)                                                                           \
	static int fn(void *ctx, int argc, const char **argv)                                      \
	{                                                                                          \
		(void)ctx;                                                                         \
		return fn##_main(argc, argv);                                                      \
	}
#define APPLET_PLAIN(fn)                                                                           \
	static int fn(void *ctx, int argc, const char **argv)                                      \
	{                                                                                          \
		(void)ctx;                                                                         \
		return fn##_main(argc, (char **)argv);                                             \
	}

/* The applets this build has: a tool whose libraries are missing is not one. */
#ifdef HV_APPLET_gntshare
APPLET_CONST(gntshare)
#endif
#ifdef HV_APPLET_lguest_run
APPLET_PLAIN(lguest_run)
#endif
#ifdef HV_APPLET_uffd_watch
APPLET_CONST(uffd_watch)
#endif
#ifdef HV_APPLET_vfio_bind
APPLET_CONST(vfio_bind)
#endif
#ifdef HV_APPLET_xsctl
APPLET_PLAIN(xsctl)
#endif

static const struct hv_verb applets[] = {
#ifdef HV_APPLET_gntshare
    {.name = "gntshare", .run = gntshare, .summary = "Xen grants: share, map, status"},
#endif
#ifdef HV_APPLET_lguest_run
    {.name = "lguest-run", .run = lguest_run, .summary = "a tiny KVM launcher"},
#endif
#ifdef HV_APPLET_uffd_watch
    {.name = "uffd-watch", .run = uffd_watch, .summary = "userfaultfd: probe, run, serve"},
#endif
#ifdef HV_APPLET_vfio_bind
    {.name = "vfio-bind", .run = vfio_bind, .summary = "VFIO: bind, restore, info, mdev"},
#endif
#ifdef HV_APPLET_xsctl
    {.name = "xsctl", .run = xsctl, .summary = "XenStore: read, write, watch, tx"},
#endif
    {.name = NULL},
};

static const char synopsis[] = "APPLET [ARGS...]\n"
			       "--list\n"
			       "--install [-s] DIR";

static const struct hv_verb *applet_find(const char *name)
{
	for (const struct hv_verb *a = applets; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

/* "gntshare, lguest-run, ...": the applets for a one-line message. */
static const char *applet_names(char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const struct hv_verb *a = applets; a->name && used < size; a++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", a == applets ? "" : ", ",
					 a->name);
	return buf;
}

static int run_applet(const struct hv_verb *a, int argc, char **argv)
{
	/* Messages, --help and --version name the tool, as its own program does. */
	program_invocation_short_name = (char *)a->name;
	program_invocation_name = argv[0];
	return a->run(NULL, argc, (const char **)argv);
}

static int unknown_applet(const char *name)
{
	const char *cand[16], *s;
	char names[256];
	size_t n = 0;

	for (const struct hv_verb *a = applets; a->name && n < 16; a++)
		cand[n++] = a->name;
	s = hv_suggest(name, cand, n);
	applet_names(names, sizeof(names));
	if (s)
		return hv_usage_error("unknown applet '%s': did you mean '%s'? applets: %s", name,
				      s, names);
	return hv_usage_error("unknown applet '%s': not one of %s", name, names);
}

/* Is path, followed through symlinks, this very program? */
static bool is_self(const char *path, const struct stat *self)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_dev == self->st_dev && st.st_ino == self->st_ino;
}

/*
 * One link per applet in dir to this program: hard links (same file
 * system), or with symlinks absolute ones to the path the kernel ran.
 * A name that already leads to this program is left as it is; any other
 * file of that name is never replaced. Every applet is tried; the exit
 * code is the first failure's.
 */
static int install_links(const char *dir, bool symlinks)
{
	char self[PATH_MAX], path[PATH_MAX];
	struct stat self_st, dir_st;
	ssize_t n;
	int rc = HV_EXIT_OK;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return hv_fail(-errno, "is /proc mounted?", "install: cannot find this program");
	self[n] = '\0';
	if (stat(self, &self_st) < 0)
		return hv_fail(-errno, NULL, "install: %s", self);
	if (stat(dir, &dir_st) < 0)
		return hv_fail(-errno, NULL, "install: %s", dir);
	if (!S_ISDIR(dir_st.st_mode))
		return hv_fail(-ENOTDIR, NULL, "install: %s", dir);
	for (const struct hv_verb *a = applets; a->name; a++) {
		int err = 0;

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, a->name) >= sizeof(path))
			err = -ENAMETOOLONG;
		else if ((symlinks ? symlink(self, path) : link(self, path)) < 0)
			err = -errno;
		if (err == -EEXIST && is_self(path, &self_st))
			continue;
		if (!err)
			continue;
		hv_err(err,
		       err == -EEXIST  ? "not replaced: remove it first"
		       : err == -EXDEV ? "another file system: use -s for symlinks"
				       : NULL,
		       "install %s", path);
		if (rc == HV_EXIT_OK)
			rc = hv_exit_code(err);
	}
	return rc;
}

/* Called as hvutils (or hvutils-static, ...): an applet name or an option first. */
static int front_end(int argc, char **argv)
{
	struct hv_common c = {0};
	int list = 0, install = 0, symlinks = 0, nargs, rc;
	const struct poptOption table[] = {
	    {"list", 'l', POPT_ARG_NONE, &list, 0, "print the applets, one a line", NULL},
	    {"install", '\0', POPT_ARG_NONE, &install, 0,
	     "link every applet's name in DIR to this program", NULL},
	    {"symlinks", 's', POPT_ARG_NONE, &symlinks, 0,
	     "with --install: symbolic links instead of hard links", NULL},
	    {"help", 'h', POPT_ARG_NONE, &c.help, 0, "show this help and exit", NULL},
	    {"version", 'V', POPT_ARG_NONE, &c.version, 0, "show the version and exit", NULL},
	    POPT_TABLEEND,
	};
	const char **args;
	poptContext pc;
	char names[256];

	if (argc > 1 && argv[1][0] != '-') {
		const struct hv_verb *a = applet_find(argv[1]);

		if (!a)
			return unknown_applet(argv[1]);
		return run_applet(a, argc - 1, argv + 1);
	}
	if (argc < 2)
		return hv_usage_error("missing applet: %s", applet_names(names, sizeof(names)));
	pc = poptGetContext(NULL, argc, (const char **)argv, table, POPT_CONTEXT_POSIXMEHARDER);
	rc = hv_popt_parse(pc, table, &c, synopsis, applets, MANPAGE);
	if (rc >= 0)
		goto out;
	args = hv_popt_args(pc, &nargs);
	if (list && install) {
		rc = hv_usage_error("--list and --install exclude each other");
	} else if (symlinks && !install) {
		rc = hv_usage_error("-s goes with --install");
	} else if (list) {
		if (nargs)
			rc = hv_usage_error("--list: unexpected argument '%s'", args[0]);
		for (const struct hv_verb *a = applets; !nargs && a->name; a++)
			printf("%s\n", a->name);
		if (!nargs)
			rc = fflush(stdout) ? hv_fail(-errno, NULL, "--list: stdout") : HV_EXIT_OK;
	} else if (install) {
		if (!nargs)
			rc = hv_usage_error("--install needs DIR");
		else if (nargs > 1)
			rc = hv_usage_error("--install: unexpected argument '%s'", args[1]);
		else
			rc = install_links(args[0], symlinks);
	} else {
		/* Options, then an applet: the options belong to no one. */
		rc = nargs
			 ? hv_usage_error("options go after the applet: hvutils %s [OPTIONS]",
					  args[0])
			 : hv_usage_error("missing applet: %s", applet_names(names, sizeof(names)));
	}
out:
	poptFreeContext(pc);
	hv_common_free(&c);
	return rc;
}

int main(int argc, char **argv)
{
	const char *name = argc > 0 && argv[0] ? argv[0] : "hvutils";
	const struct hv_verb *a;
	char names[256];

	if (strrchr(name, '/'))
		name = strrchr(name, '/') + 1;
	a = applet_find(name);
	if (a)
		return run_applet(a, argc, argv);
	if (!strncmp(name, "hvutils", strlen("hvutils")))
		return front_end(argc, argv);
	/* A link to hvutils under a name no applet has. */
	program_invocation_short_name = (char *)"hvutils";
	return hv_usage_error("called as '%s', which is no applet: link it as %s or hvutils", name,
			      applet_names(names, sizeof(names)));
}
