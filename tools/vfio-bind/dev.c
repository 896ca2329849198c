// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DEV resolution and what sysfs says about a device: its driver, IOMMU
 * group, ids, names (libpci, which works without a pci.ids file) and whether
 * something on the host still uses it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pci/pci.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "diag.h"
#include "fileio.h"
#include "parse.h"
#include "vfio-bind.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

int vb_dev_init_pci(struct vb_dev *d, const char *name)
{
	int a, b;

	memset(d, 0, sizeof(*d));
	d->kind = VB_DEV_PCI;
	a = snprintf(d->name, sizeof(d->name), "%s", name);
	b = snprintf(d->sysdir, sizeof(d->sysdir), PCI_DEVICES "/%s", name);
	return a < 0 || (size_t)a >= sizeof(d->name) || b < 0 || (size_t)b >= sizeof(d->sysdir)
		   ? -ENAMETOOLONG
		   : 0;
}

int vb_devs_add(struct vb_devs *d, const struct vb_dev *dev)
{
	struct vb_dev *nv;

	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].sysdir, dev->sysdir))
			return 0; /* the same device named twice is bound once */
	nv = realloc(d->v, (d->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	d->v = nv;
	d->v[d->n++] = *dev;
	return 0;
}

void vb_devs_free(struct vb_devs *d)
{
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

static int resolve_ids(struct vb_ctx *c, const char *arg, uint16_t ven, uint16_t dev,
		       struct vb_devs *out)
{
	char **names;
	size_t before = out->n;
	int n = hv_path_list(&c->root, &names, PCI_DEVICES);

	if (n < 0)
		return hv_fail(n, "is sysfs mounted?", "reading " PCI_DEVICES);
	for (int i = 0; i < n; i++) {
		struct vb_dev d;
		uint16_t v, id;
		uint32_t cls;

		vb_dev_init_pci(&d, names[i]);
		if (vb_dev_ids(c, &d, &v, &id, &cls) || v != ven || id != dev)
			continue;
		if (vb_devs_add(out, &d)) {
			hv_strv_free(names);
			return hv_fail(-ENOMEM, NULL, "%s", arg);
		}
	}
	hv_strv_free(names);
	if (out->n == before)
		return hv_fail(-ENOENT, "see 'vfio-bind list'", "%s: no PCI device with these ids",
			       arg);
	return 0;
}

/* A /sys path: accepted when it is a PCI device once symlinks are resolved. */
static int resolve_path(struct vb_ctx *c, const char *arg, struct vb_devs *out)
{
	char path[PATH_MAX], real[PATH_MAX], bus[VB_NAME_MAX];
	size_t rl = strlen(c->root.root);
	const char *base;
	struct vb_dev d;
	int rc;

	rc = hv_path_build(&c->root, path, sizeof(path), "%s", arg);
	if (rc)
		return hv_fail(rc, NULL, "%s", arg);
	if (!realpath(path, real))
		return hv_fail(-errno, "see 'vfio-bind list'", "%s", arg);
	if (strncmp(real, c->root.root, rl) || (rl && real[rl] != '/'))
		return hv_fail(-ENOENT, NULL, "%s: outside of the system root", arg);
	rc = hv_path_link_name(&c->root, bus, sizeof(bus), "%s/subsystem", real + rl);
	if (rc)
		return hv_fail(rc == -ENOENT ? -ENOENT : rc, "give a device directory",
			       "%s: not a device", arg);
	if (strcmp(bus, "pci")) {
		hv_err(0, "vfio-bind handles PCI devices", "%s: not a PCI device (bus '%s')", arg,
		       bus);
		return HV_EXIT_USAGE;
	}
	base = strrchr(real, '/');
	if (vb_dev_init_pci(&d, base ? base + 1 : real) ||
	    !hv_path_exists(&c->root, "%s", d.sysdir))
		return hv_fail(-ENOENT, NULL, "%s: not in " PCI_DEVICES, arg);
	return vb_devs_add(out, &d) ? hv_fail(-ENOMEM, NULL, "%s", arg) : 0;
}

int vb_resolve(struct vb_ctx *c, const char *arg, struct vb_devs *out)
{
	struct vb_pciaddr a;
	uint16_t ven, dev;
	struct vb_dev d;
	char name[VB_NAME_MAX];
	int rc;

	if (arg[0] == '/')
		return resolve_path(c, arg, out);
	if (!vb_parse_ids(arg, &ven, &dev))
		return resolve_ids(c, arg, ven, dev, out);
	if (vb_looks_like_uuid(arg)) {
		/* Only PCI devices here: info, peek and poke try vb_mdev_resolve() first. */
		if (hv_path_exists(&c->root, "/sys/bus/mdev/devices/%s", arg)) {
			hv_err(0, "this verb takes PCI devices", "%s: an mdev device, not PCI",
			       arg);
			return HV_EXIT_USAGE;
		}
		return hv_fail(-ENOENT, "see 'vfio-bind list'", "%s: no such device", arg);
	}
	rc = vb_parse_pci_addr(arg, &a);
	if (rc == -ERANGE) {
		hv_err(0, "bus 00-ff, device 00-1f, function 0-7, domain up to ffff",
		       "%s: PCI address out of range", arg);
		return HV_EXIT_USAGE;
	}
	if (rc) {
		hv_err(0, "0000:01:00.0, 01:00.0, 8086:10d3 or a /sys/bus/pci/devices path",
		       "%s: not a PCI address or vendor:device", arg);
		return HV_EXIT_USAGE;
	}
	vb_format_pci_addr(&a, name, sizeof(name));
	vb_dev_init_pci(&d, name);
	if (!hv_path_exists(&c->root, "%s", d.sysdir))
		return hv_fail(-ENOENT, "see 'vfio-bind list'", "%s: no such PCI device", name);
	return vb_devs_add(out, &d) ? hv_fail(-ENOMEM, NULL, "%s", arg) : 0;
}

int vb_resolve_one(struct vb_ctx *c, const char *arg, struct vb_dev *out)
{
	struct vb_devs d = {0};
	int rc;

	/* info, peek and poke also open mdev instances; bind and restore do not. */
	if (vb_looks_like_uuid(arg) && hv_path_exists(&c->root, "/sys/bus/mdev/devices/%s", arg))
		return vb_mdev_resolve(c, arg, out);
	rc = vb_resolve(c, arg, &d);
	if (rc)
		return rc;
	if (d.n != 1) {
		hv_err(0, "give its address", "%s: matches %zu devices (%s, %s%s)", arg, d.n,
		       d.v[0].name, d.v[1].name, d.n > 2 ? ", ..." : "");
		vb_devs_free(&d);
		return HV_EXIT_USAGE;
	}
	*out = d.v[0];
	vb_devs_free(&d);
	return 0;
}

int vb_dev_driver(struct vb_ctx *c, const struct vb_dev *d, char *buf, size_t len)
{
	int rc = hv_path_link_name(&c->root, buf, len, "%s/driver", d->sysdir);

	if (rc == -ENOENT) {
		buf[0] = '\0';
		return 0;
	}
	return rc;
}

int vb_dev_group(struct vb_ctx *c, const struct vb_dev *d)
{
	char buf[32];
	uint64_t id;
	int rc = hv_path_link_name(&c->root, buf, sizeof(buf), "%s/iommu_group", d->sysdir);

	if (rc)
		return rc;
	rc = hv_parse_dec(buf, 0, INT_MAX, &id);
	return rc ? rc : (int)id;
}

int vb_dev_ids(struct vb_ctx *c, const struct vb_dev *d, uint16_t *vendor, uint16_t *device,
	       uint32_t *class)
{
	uint64_t v, id, cls;
	int rc;

	rc = hv_path_read_hex(&c->root, &v, "%s/vendor", d->sysdir);
	if (!rc)
		rc = hv_path_read_hex(&c->root, &id, "%s/device", d->sysdir);
	if (!rc)
		rc = hv_path_read_hex(&c->root, &cls, "%s/class", d->sysdir);
	if (rc)
		return rc;
	if (v > 0xffff || id > 0xffff || cls > 0xffffff)
		return -ERANGE;
	*vendor = (uint16_t)v;
	*device = (uint16_t)id;
	*class = (uint32_t)cls;
	return 0;
}

static void quiet_warning(char *msg, ...)
{
	(void)msg;
}

/* libpci calls this only for fatal internal errors; it must not return. */
static void __attribute__((noreturn)) pci_fatal(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	hv_verr(0, NULL, msg, ap);
	va_end(ap);
	exit(HV_EXIT_FAILURE);
}

void vb_names(struct vb_ctx *c, uint16_t vendor, uint16_t device, uint32_t class, char *vname,
	      size_t vlen, char *dname, size_t dlen, char *cname, size_t clen)
{
	int f = PCI_LOOKUP_NO_NUMBERS | c->pci_flags;
	char *r;

	vname[0] = dname[0] = cname[0] = '\0';
	if (!c->pacc) {
		const char *ids = getenv("HVUTILS_PCI_IDS");

		/* Without libpci the names are left out, like without pci.ids. */
		if (vb_libpci_open(c))
			return;
		c->pacc = c->libpci.alloc();
		if (!c->pacc)
			return;
		/* A missing or broken pci.ids only costs the names. */
		c->pacc->warning = quiet_warning;
		c->pacc->debug = quiet_warning;
		c->pacc->error = pci_fatal;
		/*
		 * No udev hwdb (the bench guests have none): libpci asks it
		 * anyway and loses a 16-byte block per lookup doing so
		 * (LeakSanitizer: libpci 3.9 with libudev); it can answer
		 * nothing, so only pci.ids is asked.
		 */
		if (access("/etc/udev/hwdb.bin", F_OK) && access("/usr/lib/udev/hwdb.bin", F_OK) &&
		    access("/lib/udev/hwdb.bin", F_OK)) {
			c->pci_flags |= PCI_LOOKUP_NO_HWDB;
			f |= PCI_LOOKUP_NO_HWDB;
		}
		if (ids && *ids) {
			char *copy = strdup(ids);

			if (copy)
				c->libpci.set_name_list_path(c->pacc, copy, 1);
			/* An explicit file is the only source: no udev hwdb. */
			c->pci_flags |= PCI_LOOKUP_NO_HWDB;
			f |= PCI_LOOKUP_NO_HWDB;
		}
	}
	r = c->libpci.lookup_name(c->pacc, vname, (int)vlen, f | PCI_LOOKUP_VENDOR, vendor);
	if (!r)
		vname[0] = '\0';
	r = c->libpci.lookup_name(c->pacc, dname, (int)dlen, f | PCI_LOOKUP_DEVICE, vendor, device);
	if (!r)
		dname[0] = '\0';
	r = c->libpci.lookup_name(c->pacc, cname, (int)clen, f | PCI_LOOKUP_CLASS, class >> 8);
	if (!r)
		cname[0] = '\0';
}

void vb_names_free(struct vb_ctx *c)
{
	if (c->pacc)
		c->libpci.cleanup(c->pacc);
	c->pacc = NULL;
	vb_libs_close(c);
}

/* ---- in use ------------------------------------------------------------- */

struct use_scan {
	struct vb_ctx *c;
	char *why;
	size_t len;
	bool loaded;	 /* mountinfo and swaps read (only once a disk turns up) */
	char *mountinfo; /* /proc/self/mountinfo */
	char *swaps;
};

/* Most devices have no disk: their bind never reads the mount table. */
static void load_tables(struct use_scan *s)
{
	char path[PATH_MAX];

	if (s->loaded)
		return;
	s->loaded = true;
	if (!hv_path_build(&s->c->root, path, sizeof(path), "/proc/self/mountinfo"))
		hv_read_file_alloc(path, 1 << 22, &s->mountinfo, NULL);
	if (!hv_path_build(&s->c->root, path, sizeof(path), "/proc/swaps"))
		hv_read_file_alloc(path, 1 << 20, &s->swaps, NULL);
}

static void block_in_use(struct use_scan *s, const char *dir, const char *name)
{
	char dev[32], needle[40], mnt[256], **holders;
	int n;

	n = hv_path_list(&s->c->root, &holders, "%s/holders", dir);
	if (n > 0) {
		snprintf(s->why, s->len, "block device %s is held by %s", name, holders[0]);
		hv_strv_free(holders);
		return;
	}
	if (n >= 0)
		hv_strv_free(holders);
	if (hv_path_read(&s->c->root, dev, sizeof(dev), "%s/dev", dir) < 0)
		return;
	load_tables(s);
	if (s->mountinfo && vb_mountinfo_find(s->mountinfo, dev, mnt, sizeof(mnt))) {
		if (mnt[0])
			snprintf(s->why, s->len, "block device %s is mounted on %s", name, mnt);
		else
			snprintf(s->why, s->len, "block device %s is mounted", name);
		return;
	}
	snprintf(needle, sizeof(needle), "/dev/%s ", name);
	if (s->swaps && strstr(s->swaps, needle))
		snprintf(s->why, s->len, "block device %s is used as swap", name);
}

static void net_in_use(struct use_scan *s, const char *dir, const char *name)
{
	uint64_t flags;

	/* IFF_UP: an interface someone configured; down ones are fair game. */
	if (!hv_path_read_hex(&s->c->root, &flags, "%s/flags", dir) && (flags & 0x1))
		snprintf(s->why, s->len, "network interface %s is up", name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The subdirectories of dir, sorted (so the reason reported is the same from
 * run to run). readdir's d_type tells directories apart: sysfs fills it in,
 * so a device directory with its 30-100 attributes costs one getdents, not an
 * lstat per attribute. Symlinks (driver, subsystem, iommu) are never followed.
 */
static int subdirs(struct use_scan *s, const char *dir, char ***out)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dd = hv_path_opendir(&s->c->root, "%s", dir);

	if (!dd)
		return -errno;
	while ((de = readdir(dd))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_UNKNOWN) {
			char full[PATH_MAX];
			struct stat st;

			/* Filesystems without d_type (fake trees): ask lstat. */
			if (hv_path_build(&s->c->root, full, sizeof(full), "%s/%s", dir,
					  de->d_name) ||
			    lstat(full, &st) || !S_ISDIR(st.st_mode))
				continue;
		} else if (de->d_type != DT_DIR) {
			continue;
		}
		if (n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **nv = realloc(v, ncap * sizeof(*nv));

			if (!nv)
				goto nomem;
			v = nv;
			cap = ncap;
		}
		v[n] = strdup(de->d_name);
		if (!v[n])
			goto nomem;
		v[++n] = NULL;
	}
	closedir(dd);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	return (int)n;
nomem:
	closedir(dd);
	if (v)
		hv_strv_free(v);
	return -ENOMEM;
}

/* Walks the device's own subtree (never symlinks): net/<if>, block/<disk>/<part>. */
static void scan(struct use_scan *s, const char *dir, const char *parent, int depth)
{
	char **names = NULL;
	int n;

	if (depth > 5 || s->why[0])
		return;
	n = subdirs(s, dir, &names);
	if (n <= 0)
		return;
	for (int i = 0; i < n && !s->why[0]; i++) {
		char sub[PATH_MAX];

		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]) >= sizeof(sub))
			continue;
		if (!strcmp(parent, "net") && hv_path_exists(&s->c->root, "%s/flags", sub)) {
			net_in_use(s, sub, names[i]);
			continue;
		}
		if (hv_path_exists(&s->c->root, "%s/holders", sub) &&
		    hv_path_exists(&s->c->root, "%s/dev", sub))
			block_in_use(s, sub, names[i]);
		scan(s, sub, names[i], depth + 1);
	}
	hv_strv_free(names);
}

void vb_dev_in_use(struct vb_ctx *c, const struct vb_dev *d, char *why, size_t len)
{
	struct use_scan s = {.c = c, .why = why, .len = len};

	why[0] = '\0';
	scan(&s, d->sysdir, "", 0);
	free(s.mountinfo);
	free(s.swaps);
}
