// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --run [--] CMD [ARGS...]: the guest's root is the host's, shared
 * read-only over virtio-9p (tag "root"), each --rwdir a writable share
 * (tags rw0, rw1, ...) at its own path; lguest-run-init (init/) runs CMD
 * there and its status becomes ours.
 *
 * The initramfs is built in memory (a memfd, handed to the loader by its
 * /proc name: nothing is written to disk): the static init, the guest
 * kernel's modules for virtio-pci and 9p in load order (found from the
 * bzImage's version string in /lib/modules/VERSION, or --modules DIR,
 * through modules.dep), and /lguest-run.args (see the init).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "diag.h"
#include "fileio.h"
#include "lguest-run.h"

#define MODULES_DEP_MAX (16u << 20)
#define MODULE_MAX	(64u << 20)
#define INIT_MAX	(16u << 20)

/* ---- the bzImage's version string ------------------------------------------ */

/*
 * The kernel_version field (boot protocol 2.00+) points, from 0x200, at a
 * NUL-terminated "VERSION (builder) #1 SMP ..." in the setup code.
 */
static int kernel_release(const char *path, char *out, size_t size)
{
	uint8_t hdr[0x210];
	char buf[256];
	uint16_t off;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return hv_fail(-errno, NULL, "opening kernel %s", path);
	n = pread(fd, hdr, sizeof(hdr), 0);
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr + 0x202, "HdrS", 4)) {
		hv_err(0, "give --modules DIR", "kernel %s: not a bzImage: no version string",
		       path);
		rc = HV_EXIT_FAILURE;
		goto out;
	}
	off = hdr[0x20e] | hdr[0x20f] << 8;
	n = pread(fd, buf, sizeof(buf) - 1, 0x200 + (off_t)off);
	if (!off || n <= 0) {
		hv_err(0, "give --modules DIR", "kernel %s: no version string", path);
		rc = HV_EXIT_FAILURE;
		goto out;
	}
	buf[n] = 0;
	n = strcspn(buf, " ");
	if (!n || (size_t)n >= size || strchr(buf, '/')) {
		hv_err(0, "give --modules DIR", "kernel %s: unusable version string", path);
		rc = HV_EXIT_FAILURE;
		goto out;
	}
	memcpy(out, buf, n);
	out[n] = 0;
out:
	close(fd);
	return rc;
}

/* ---- modules.dep ------------------------------------------------------------ */

struct modlist {
	char *paths[64]; /* relative to the modules directory, load order */
	unsigned n;
};

/* "kernel/net/9p/9pnet_virtio.ko.xz" -> "9pnet_virtio", '-' as '_' (modprobe's rule). */
static void mod_name(const char *path, size_t len, char *out, size_t size)
{
	const char *base = path + len;
	size_t n = 0;

	while (base > path && base[-1] != '/')
		base--;
	for (; base < path + len && *base != '.' && n + 1 < size; base++)
		out[n++] = *base == '-' ? '_' : *base;
	out[n] = 0;
}

static int add_path(struct modlist *l, const char *p, size_t len)
{
	for (unsigned i = 0; i < l->n; i++)
		if (strlen(l->paths[i]) == len && !memcmp(l->paths[i], p, len))
			return 0;
	if (l->n >= sizeof(l->paths) / sizeof(l->paths[0]))
		return -E2BIG;
	if (!(l->paths[l->n] = strndup(p, len)))
		return -ENOMEM;
	l->n++;
	return 0;
}

/*
 * The line of modules.dep for module `want`, its dependencies first in the
 * reverse of the order listed (what modprobe loads first), then itself.
 * 0 if added, 1 if there is no such line (built in, or missing).
 */
static int resolve_module(struct modlist *l, const char *dep, const char *want)
{
	for (const char *line = dep; *line;) {
		const char *end = strchr(line, '\n'), *colon;
		char name[64];

		if (!end)
			end = line + strlen(line);
		colon = memchr(line, ':', end - line);
		if (colon) {
			mod_name(line, colon - line, name, sizeof(name));
			if (!strcmp(name, want)) {
				const char *words[64];
				size_t lens[64];
				unsigned nw = 0;
				int rc;

				for (const char *w = colon + 1; w < end;) {
					size_t wl;

					while (w < end && *w == ' ')
						w++;
					wl = strcspn(w, " \n");
					if (w + wl > end)
						wl = end - w;
					if (wl && nw < 64) {
						words[nw] = w;
						lens[nw++] = wl;
					}
					w += wl;
				}
				while (nw--)
					if ((rc = add_path(l, words[nw], lens[nw])))
						return rc;
				return add_path(l, line, colon - line);
			}
		}
		line = *end ? end + 1 : end;
	}
	return 1;
}

static bool builtin(const char *dir, const char *want)
{
	char path[4200], *text = NULL, name[64];
	size_t len;
	bool found = false;

	snprintf(path, sizeof(path), "%s/modules.builtin", dir);
	if (hv_read_file_alloc(path, MODULES_DEP_MAX, &text, &len))
		return false;
	for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n")) {
		mod_name(line, strlen(line), name, sizeof(name));
		found = !strcmp(name, want);
	}
	free(text);
	return found;
}

/* ---- newc cpio in a memfd ---------------------------------------------------- */

static int cpio_entry(int fd, const char *name, uint32_t mode, uint32_t rdev, const void *data,
		      uint32_t len)
{
	static const char zeros[4];
	char hdr[111];
	size_t nlen = strlen(name) + 1;
	int rc;

	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 0u,
		 mode, 0u, 0u, 1u, 0u, len, 0u, 0u, major(rdev), minor(rdev), (unsigned)nlen, 0u);
	rc = hv_write_full(fd, hdr, 110);
	if (!rc)
		rc = hv_write_full(fd, name, nlen);
	if (!rc)
		rc = hv_write_full(fd, zeros, (4 - (110 + nlen) % 4) % 4);
	if (!rc)
		rc = hv_write_full(fd, data, len);
	if (!rc)
		rc = hv_write_full(fd, zeros, (4 - len % 4) % 4);
	return rc;
}

static int cpio_file(int fd, const char *name, const char *path, size_t max, uint32_t mode)
{
	char *data = NULL;
	size_t len;
	int rc = hv_read_file_alloc(path, max, &data, &len);

	if (rc)
		return hv_fail(rc, rc == -ENOENT && mode & 0111 ? "is hvutils installed?" : NULL,
			       "--run: reading %s", path);
	rc = cpio_entry(fd, name, S_IFREG | mode, 0, data, len);
	free(data);
	return rc ? hv_fail(rc, NULL, "--run: initramfs") : 0;
}

/* Appends one args record: type letter, value, NUL. */
static int record(char **buf, size_t *len, char type, const char *v)
{
	size_t n = strlen(v) + 2;
	char *b = realloc(*buf, *len + n);

	if (!b)
		return -ENOMEM;
	b[*len] = type;
	memcpy(b + *len + 1, v, n - 1);
	*buf = b;
	*len += n;
	return 0;
}

/*
 * lguest-run-init: LGUEST_RUN_INIT, next to our binary (the build tree),
 * in ../libexec/hvutils from it (an installation, whatever its prefix), or
 * in the libexecdir compiled in.
 */
static void init_path(char *out, size_t size)
{
	static const char *const rel[] = {"", "/../libexec/hvutils"};
	const char *env = getenv("LGUEST_RUN_INIT");
	char self[4096];
	ssize_t n;

	if (env && *env) {
		snprintf(out, size, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0 && memchr(self, '/', n)) {
		self[n] = 0;
		*strrchr(self, '/') = 0;
		for (unsigned i = 0; i < 2; i++) {
			snprintf(out, size, "%s%s/lguest-run-init", self, rel[i]);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, size, "%s/lguest-run-init", HV_LIBEXECDIR);
}

static int build_args(struct lg *lg, char **args, size_t *alen, const struct modlist *mods)
{
	static const char *const keep[] = {"PATH", "TERM", "HOME", "LANG", "USER"};
	char cwd[4096];
	int rc = 0;

	for (unsigned i = 0; i < mods->n && !rc; i++)
		rc = record(args, alen, 'M',
			    strrchr(mods->paths[i], '/') ? strrchr(mods->paths[i], '/') + 1
							 : mods->paths[i]);
	if (!rc && getcwd(cwd, sizeof(cwd)))
		rc = record(args, alen, 'C', cwd);
	for (unsigned i = 0; i < sizeof(keep) / sizeof(keep[0]) && !rc; i++) {
		const char *v = getenv(keep[i]);
		char e[4200];

		if (!v)
			continue;
		snprintf(e, sizeof(e), "%s=%s", keep[i], v);
		rc = record(args, alen, 'E', e);
	}
	for (unsigned i = 0; i < lg->nrwdirs && !rc; i++)
		rc = record(args, alen, 'W', lg->rwdirs[i]);
	for (int i = 0; i < lg->run_argc && !rc; i++)
		rc = record(args, alen, 'A', lg->run_argv[i]);
	if (!rc && isatty(0))
		rc = record(args, alen, 'T', "1");
	return rc;
}

int lg_run_prepare(struct lg *lg)
{
	static const char *const wanted[] = {"virtio_pci", "9pnet_virtio", "9p"};
	struct modlist mods = {0};
	char rel[128], dir[4096], path[4300], ipath[4200], *dep = NULL, *args = NULL;
	size_t dlen, alen = 0;
	int fd = -1, rc;

	if (lg->modules_dir) {
		snprintf(dir, sizeof(dir), "%s", lg->modules_dir);
	} else {
		rc = kernel_release(lg->kernel_path, rel, sizeof(rel));
		if (rc)
			return rc;
		snprintf(dir, sizeof(dir), "/lib/modules/%s", rel);
	}
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	rc = hv_read_file_alloc(path, MODULES_DEP_MAX, &dep, &dlen);
	if (rc) {
		rc = hv_fail(rc,
			     lg->modules_dir ? NULL
					     : "install the kernel's modules or give --modules DIR",
			     "--run: reading %s", path);
		goto out;
	}
	for (unsigned i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		rc = resolve_module(&mods, dep, wanted[i]);
		if (rc == 1 && builtin(dir, wanted[i]))
			rc = 0;
		if (rc) {
			rc = hv_fail(rc < 0 ? rc : -ENOENT, NULL, "--run: module %s in %s",
				     wanted[i], dir);
			goto out;
		}
	}

	fd = memfd_create("lguest-run-initramfs", MFD_CLOEXEC);
	if (fd < 0) {
		rc = hv_fail(-errno, NULL, "--run: memfd_create");
		goto out;
	}
	rc = cpio_entry(fd, "dev", S_IFDIR | 0755, 0, NULL, 0);
	if (!rc)
		rc = cpio_entry(fd, "dev/console", S_IFCHR | 0600, makedev(5, 1), NULL, 0);
	if (!rc)
		rc = cpio_entry(fd, "newroot", S_IFDIR | 0755, 0, NULL, 0);
	if (!rc)
		rc = cpio_entry(fd, "lib", S_IFDIR | 0755, 0, NULL, 0);
	if (!rc)
		rc = cpio_entry(fd, "lib/modules", S_IFDIR | 0755, 0, NULL, 0);
	if (rc) {
		rc = hv_fail(rc, NULL, "--run: initramfs");
		goto out;
	}
	init_path(ipath, sizeof(ipath));
	rc = cpio_file(fd, "init", ipath, INIT_MAX, 0755);
	for (unsigned i = 0; i < mods.n && !rc; i++) {
		char name[300];
		const char *base = strrchr(mods.paths[i], '/');

		snprintf(name, sizeof(name), "lib/modules/%s", base ? base + 1 : mods.paths[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, mods.paths[i]);
		rc = cpio_file(fd, name, path, MODULE_MAX, 0644);
	}
	if (rc)
		goto out;
	rc = build_args(lg, &args, &alen, &mods);
	if (!rc)
		rc = cpio_entry(fd, "lguest-run.args", S_IFREG | 0644, 0, args, alen);
	if (!rc)
		rc = cpio_entry(fd, "TRAILER!!!", 0, 0, NULL, 0);
	if (rc) {
		rc = hv_fail(rc, NULL, "--run: initramfs");
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	lg->initrd_path = strdup(path);
	if (!lg->initrd_path) {
		rc = hv_fail(-ENOMEM, NULL, "--run");
		goto out;
	}
	lg->run_fd = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	for (unsigned i = 0; i < mods.n; i++)
		free(mods.paths[i]);
	free(dep);
	free(args);
	return rc;
}
