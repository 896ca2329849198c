// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bind and restore: moving devices between their host driver and vfio-pci
 * through driver_override, the driver's unbind and the bus's drivers_probe.
 *
 * Safety rule: the original driver is recorded durably (atomic replace under
 * /run/hvutils/vfio-bind/<address>) BEFORE the first sysfs write, and a
 * record that already exists is never overwritten. So whatever kills a bind
 * half-way (SIGKILL, power loss of the shell, a bug), a later restore knows
 * where the device came from. restore removes the record only once the
 * original driver has taken the device back.
 *
 * Test hooks: the steps (modules, record, override, unbind, probe, bound;
 * restore: override, unbind, reprobe, returned) are hv_step()s, where
 * HVUTILS_STEP_STOP lets a test deliver any signal and
 * HVUTILS_TEST_STOP_AFTER makes the process kill itself with SIGKILL
 * (lib/step.h), so tests can reproduce a bind killed between its steps.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "fileio.h"
#include "parse.h"
#include "step.h"
#include "vfio-bind.h"

#define PROBE_WAIT_MS 2000

/*
 * Every change to sysfs goes through here: --dry-run prints it as the shell
 * command that would do the same, -v prints it as it happens.
 */
static int sys_write(struct vb_ctx *c, const char *val, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int sys_write(struct vb_ctx *c, const char *val, const char *fmt, ...)
{
	char live[PATH_MAX], full[PATH_MAX];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(live, sizeof(live), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(live))
		return -ENAMETOOLONG;
	if (c->dry_run || c->common.verbose) {
		size_t l = strcspn(val, "\n");

		fprintf(c->dry_run ? stdout : stderr, "%secho%s%.*s > %s\n",
			c->dry_run ? "" : "vfio-bind: ", l ? " " : "", (int)l, val, live);
	}
	if (c->dry_run)
		return 0;
	rc = hv_path_build(&c->root, full, sizeof(full), "%s", live);
	return rc ? rc : hv_write_attr(full, val);
}

/* driver_override reads "(null)" when unset. */
static void read_override(struct vb_ctx *c, const struct vb_dev *d, char *buf, size_t len)
{
	if (hv_path_read(&c->root, buf, len, "%s/driver_override", d->sysdir) < 0 ||
	    !strcmp(buf, "(null)") || !vb_valid_driver_name(buf))
		buf[0] = '\0';
}

/* ---- steps --------------------------------------------------------------- */

/* Waits for the device's driver to become want ("" = any but none). */
static void wait_driver(struct vb_ctx *c, const struct vb_dev *d, const char *want, char *drv,
			size_t len)
{
	for (int waited = 0;; waited += 10) {
		vb_dev_driver(c, d, drv, len);
		if (want[0] ? !strcmp(drv, want) : drv[0] != '\0')
			return;
		if (waited >= PROBE_WAIT_MS)
			return;
		hv_sleep_ms(10);
	}
}

/*
 * Back to the recorded driver. With no record (bound by another tool), the
 * kernel's own matching picks the driver, as driverctl unset-override does.
 */
static int restore_one(struct vb_ctx *c, const struct vb_dev *d, bool quiet_if_clean)
{
	char orig[VB_NAME_MAX], oovr[VB_NAME_MAX], cur[VB_NAME_MAX], ovr[VB_NAME_MAX];
	bool have_record;
	int rc;

	rc = vb_record_read(c, d->name, orig, oovr);
	if (rc == -EINVAL)
		return hv_fail(rc, "remove it by hand if it is not vfio-bind's",
			       "%s: unreadable record %s/%s", d->name, VB_STATE_DIR, d->name);
	if (rc && rc != -ENOENT)
		return hv_fail(rc, NULL, "%s: reading record", d->name);
	have_record = rc == 0;
	vb_dev_driver(c, d, cur, sizeof(cur));
	read_override(c, d, ovr, sizeof(ovr));
	if (!have_record) {
		if (strcmp(cur, VB_DRIVER) && strcmp(ovr, VB_DRIVER)) {
			if (!quiet_if_clean && !c->common.quiet)
				hv_note(
				    "%s: not bound by vfio-bind (driver %s): nothing to restore",
				    d->name, cur[0] ? cur : "none");
			return 0;
		}
		orig[0] = oovr[0] = '\0';
	}

	rc = sys_write(c, oovr[0] ? oovr : "\n", "%s/driver_override", d->sysdir);
	if (rc)
		return hv_fail(rc, NULL, "%s: writing driver_override", d->name);
	hv_step("override");
	if (cur[0] && (!have_record || strcmp(cur, orig))) {
		rc = sys_write(c, d->name, "/sys/bus/pci/drivers/%s/unbind", cur);
		if (rc)
			return hv_fail(rc, NULL, "%s: unbinding from %s", d->name, cur);
	}
	hv_step("unbind");
	if (orig[0] && strcmp(cur, orig) &&
	    !hv_path_exists(&c->root, "/sys/bus/pci/drivers/%s", orig)) {
		/* Its module was unloaded meanwhile: driver names are module names. */
		rc = vb_load_module(c, orig);
		if (rc)
			hv_warn("%s: loading module %s: %s", d->name, orig, strerror(-rc));
	}
	if (!have_record || (orig[0] && strcmp(cur, orig))) {
		rc = sys_write(c, d->name, "/sys/bus/pci/drivers_probe");
		/* ENODEV/EINVAL here only means no driver matched: checked below. */
		if (rc && rc != -ENODEV && rc != -EINVAL)
			return hv_fail(rc, NULL, "%s: probing drivers", d->name);
	}
	hv_step("reprobe");
	if (c->dry_run) {
		if (have_record)
			vb_record_remove(c, d->name);
		return 0;
	}
	if (orig[0]) {
		wait_driver(c, d, orig, cur, sizeof(cur));
		if (strcmp(cur, orig) &&
		    hv_path_exists(&c->root, "/sys/bus/pci/drivers/%s", orig)) {
			/* A driver that took it through new_id/override before: ask it by name. */
			sys_write(c, d->name, "/sys/bus/pci/drivers/%s/bind", orig);
			vb_dev_driver(c, d, cur, sizeof(cur));
		}
		if (strcmp(cur, orig)) {
			hv_err(0, "the record stays; check dmesg, then run restore again",
			       "%s: driver %s did not take the device back (driver now: %s)",
			       d->name, orig, cur[0] ? cur : "none");
			return HV_EXIT_FAILURE;
		}
	} else if (!have_record) {
		wait_driver(c, d, "", cur, sizeof(cur));
		if (!strcmp(cur, VB_DRIVER)) {
			hv_err(0, "no record of its original driver",
			       "%s: still on vfio-pci after clearing driver_override", d->name);
			return HV_EXIT_FAILURE;
		}
	} else {
		/* It had no driver before: it has none now (nothing was probed). */
		vb_dev_driver(c, d, cur, sizeof(cur));
	}
	hv_step("returned");
	if (have_record) {
		rc = vb_record_remove(c, d->name);
		if (rc)
			return hv_fail(rc, NULL, "%s: removing record", d->name);
	}
	if (!c->common.quiet)
		printf("%s: restored to %s\n", d->name, cur[0] ? cur : "no driver");
	return 0;
}

static int give_to_user(struct vb_ctx *c, int group, const struct vb_user *u)
{
	char path[PATH_MAX];
	struct stat st;
	int rc;

	if (c->dry_run) {
		printf("chown %s /dev/vfio/%d\n", u->name, group);
		return 0;
	}
	rc = hv_path_build(&c->root, path, sizeof(path), "/dev/vfio/%d", group);
	if (rc)
		return rc;
	/* devtmpfs creates the node when vfio-pci registers the group. */
	for (int waited = 0; access(path, F_OK) && waited < PROBE_WAIT_MS; waited += 10)
		hv_sleep_ms(10);
	/* The node itself, never what a symlink in its place names. */
	if (lstat(path, &st))
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (fchownat(AT_FDCWD, path, u->uid, (gid_t)-1, AT_SYMLINK_NOFOLLOW))
		return -errno;
	return fchmodat(AT_FDCWD, path, 0600, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

static int bind_one(struct vb_ctx *c, const struct vb_dev *d, const struct vb_user *u)
{
	char cur[VB_NAME_MAX], ovr[VB_NAME_MAX], orig[VB_NAME_MAX], oovr[VB_NAME_MAX];
	char before[VB_NAME_MAX];
	uint16_t ven, dev;
	uint32_t cls;
	int group, rc;

	rc = vb_dev_ids(c, d, &ven, &dev, &cls);
	if (rc)
		return hv_fail(rc, NULL, "%s: reading its ids", d->name);
	if ((cls >> 8) == 0x0604 || (cls >> 8) == 0x0607 || (cls >> 8) == 0x0609) {
		hv_err(0, "vfio-pci takes endpoints only", "%s: a PCI bridge", d->name);
		return HV_EXIT_USAGE;
	}
	group = vb_dev_group(c, d);
	if (group < 0)
		return hv_fail(group == -ENOENT ? -ENODEV : group,
			       "the IOMMU is off or missing: see 'vfio-bind doctor'",
			       "%s: no IOMMU group", d->name);
	vb_dev_driver(c, d, cur, sizeof(cur));
	read_override(c, d, ovr, sizeof(ovr));

	if (!strcmp(cur, VB_DRIVER)) {
		if (!c->common.quiet && !c->dry_run)
			printf("%s: already on %s (group %d)\n", d->name, VB_DRIVER, group);
		if (u->set) {
			rc = give_to_user(c, group, u);
			if (rc)
				return hv_fail(rc, NULL, "/dev/vfio/%d: handing to %s", group,
					       u->name);
		}
		return 0;
	}
	rc = vb_ensure_modules(c);
	if (rc)
		return rc;
	hv_step("modules");

	/* First the record, then sysfs: a kill between any two steps is restorable. */
	rc = vb_record_read(c, d->name, orig, oovr);
	snprintf(before, sizeof(before), "%s", cur);
	if (rc == -ENOENT) {
		rc = vb_record_write(c, d->name, cur, ovr);
		if (rc)
			return hv_fail(rc, "is /run writable?", "%s: recording driver %s in %s",
				       d->name, cur[0] ? cur : "(none)", VB_STATE_DIR);
	} else if (rc == 0) {
		/* An earlier bind died half-way: its record has the true original. */
		snprintf(before, sizeof(before), "%s", orig);
		if (c->common.verbose)
			hv_note("%s: keeping the earlier record (driver=%s)", d->name, orig);
	} else if (rc == -EINVAL) {
		return hv_fail(rc, "remove it by hand if it is not vfio-bind's",
			       "%s: unreadable record %s/%s", d->name, VB_STATE_DIR, d->name);
	} else {
		return hv_fail(rc, "is /run writable?", "%s: reading record %s/%s", d->name,
			       VB_STATE_DIR, d->name);
	}
	hv_step("record");

	rc = sys_write(c, VB_DRIVER, "%s/driver_override", d->sysdir);
	if (rc)
		return hv_fail(rc, "the kernel needs driver_override (3.16 or later)",
			       "%s: writing driver_override", d->name);
	hv_step("override");
	if (cur[0]) {
		rc = sys_write(c, d->name, "/sys/bus/pci/drivers/%s/unbind", cur);
		if (rc) {
			hv_err(rc, NULL, "%s: unbinding from %s", d->name, cur);
			restore_one(c, d, true);
			return hv_exit_code(rc);
		}
	}
	hv_step("unbind");
	rc = sys_write(c, d->name, "/sys/bus/pci/drivers_probe");
	hv_step("probe");
	if (c->dry_run)
		return u->set ? give_to_user(c, group, u) : 0;
	wait_driver(c, d, VB_DRIVER, cur, sizeof(cur));
	if (strcmp(cur, VB_DRIVER)) {
		hv_err(rc, "see dmesg; the device was given back",
		       "%s: vfio-pci refused the device (driver now: %s)", d->name,
		       cur[0] ? cur : "none");
		restore_one(c, d, true);
		return HV_EXIT_FAILURE;
	}
	hv_step("bound");
	if (u->set) {
		rc = give_to_user(c, group, u);
		if (rc)
			return hv_fail(rc, NULL, "/dev/vfio/%d: handing to %s", group, u->name);
	}
	if (!c->common.quiet)
		printf("%s: bound to %s (was %s), group %d, /dev/vfio/%d\n", d->name, VB_DRIVER,
		       before[0] ? before : "no driver", group, group);
	return 0;
}

/* The devices to bind: each DEV, or with --group every endpoint of its group. */
static int collect(struct vb_ctx *c, int nargs, const char **args, struct vb_devs *out)
{
	for (int i = 0; i < nargs; i++) {
		struct vb_devs one = {0};
		int rc = vb_resolve(c, args[i], &one);

		if (rc)
			return rc;
		for (size_t k = 0; k < one.n; k++) {
			struct vb_group g;
			int gid = c->group ? vb_dev_group(c, &one.v[k]) : -1;

			if (gid < 0 || vb_group_load(c, gid, &g)) {
				vb_devs_add(out, &one.v[k]);
				continue;
			}
			for (size_t m = 0; m < g.n; m++) {
				struct vb_dev md;
				uint16_t v, id;
				uint32_t cls;

				vb_dev_init_pci(&md, g.m[m].name);
				/* Bridges stay: vfio-pci refuses them and they never block. */
				if (!vb_dev_ids(c, &md, &v, &id, &cls) && (cls >> 16) == 0x06 &&
				    !g.m[m].blocks)
					continue;
				vb_devs_add(out, &md);
			}
			vb_group_free(&g);
		}
		vb_devs_free(&one);
	}
	return 0;
}

/*
 * --if-persistent (the boot-time udev rule): keeps the devices whose
 * driverctl file names vfio-pci. Others are driverctl's business, or
 * nobody's; a file that is not a driver name is reported and skipped.
 */
static int keep_persistent(struct vb_ctx *c, struct vb_devs *devs)
{
	size_t k = 0;

	for (size_t i = 0; i < devs->n; i++) {
		char drv[VB_NAME_MAX];
		int rc = vb_persist_read(c, devs->v[i].name, drv);

		if (rc == -EINVAL)
			hv_err(0, "write a driver name, or remove it",
			       "%s: %s/pci-%s is not a driver name: skipped", devs->v[i].name,
			       VB_PERSIST_DIR, devs->v[i].name);
		else if (rc && rc != -ENOENT)
			return hv_fail(rc, NULL, "%s: reading %s/pci-%s", devs->v[i].name,
				       VB_PERSIST_DIR, devs->v[i].name);
		else if (!rc && !strcmp(drv, VB_DRIVER))
			devs->v[k++] = devs->v[i];
		else if (c->common.verbose)
			hv_note("%s: no persistent vfio-pci override (%s): nothing to do",
				devs->v[i].name, rc ? "none" : drv);
	}
	devs->n = k;
	return 0;
}

const struct poptOption vb_bind_options[] = {
    {"group", 'g', POPT_ARG_NONE, HV_AT(struct vb_ctx, group), 0,
     "bind every member of the device's IOMMU group", NULL},
    {"force", 'f', POPT_ARG_NONE, HV_AT(struct vb_ctx, force), 0,
     "take devices that are in use (interface up, mounted)", NULL},
    {"user", 'u', POPT_ARG_STRING, HV_AT(struct vb_ctx, user), 0, "hand /dev/vfio/N to this user",
     "USER"},
    {"persist", '\0', POPT_ARG_NONE, HV_AT(struct vb_ctx, persist), 0,
     "also at every boot: write " VB_PERSIST_DIR "/pci-ADDR (driverctl's format)", NULL},
    {"if-persistent", '\0', POPT_ARG_NONE, HV_AT(struct vb_ctx, if_persistent), 0,
     "only devices whose persistent override names vfio-pci (the boot rule)", NULL},
    {"dry-run", 'n', POPT_ARG_NONE, HV_AT(struct vb_ctx, dry_run), 0,
     "print each sysfs write, change nothing", NULL},
    POPT_TABLEEND,
};

int vb_cmd_bind(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	struct vb_user u = {0};
	struct vb_devs devs = {0};
	int rc, lock, worst = 0;

	if (c->if_persistent && (c->persist || c->group)) {
		return hv_usage_error("bind: --if-persistent goes with neither --persist nor "
				      "--group");
	}
	if (c->user && vb_parse_user(c->user, &u)) {
		return hv_fail(-ENOENT, "a user name or numeric uid", "--user %s: no such user",
			       c->user);
	}
	/* Every DEV is checked before anything changes. */
	rc = collect(c, argc, argv, &devs);
	if (!rc && c->if_persistent)
		rc = keep_persistent(c, &devs);
	if (rc) {
		vb_devs_free(&devs);
		return rc;
	}
	if (!c->force) {
		for (size_t i = 0; i < devs.n; i++) {
			char why[256], cur[VB_NAME_MAX];

			vb_dev_driver(c, &devs.v[i], cur, sizeof(cur));
			if (!strcmp(cur, VB_DRIVER))
				continue;
			vb_dev_in_use(c, &devs.v[i], why, sizeof(why));
			if (why[0]) {
				hv_err(0, "stop using it first, or --force", "%s: in use: %s",
				       devs.v[i].name, why);
				vb_devs_free(&devs);
				return HV_EXIT_BUSY;
			}
		}
	}
	lock = vb_state_lock(c);
	if (lock < -1) {
		vb_devs_free(&devs);
		return hv_fail(lock, "is /run writable?", "locking " VB_STATE_DIR "/.lock");
	}
	for (size_t i = 0; i < devs.n; i++) {
		rc = bind_one(c, &devs.v[i], &u);
		/* Only a binding that holds now is made persistent. */
		if (!rc && c->persist) {
			rc = vb_persist_write(c, devs.v[i].name, VB_DRIVER);
			if (rc)
				rc = hv_fail(rc, "is /etc writable?",
					     "%s: bound, but writing %s/pci-%s", devs.v[i].name,
					     VB_PERSIST_DIR, devs.v[i].name);
			else if (!c->common.quiet && !c->dry_run)
				printf("%s: persistent (%s/pci-%s)\n", devs.v[i].name,
				       VB_PERSIST_DIR, devs.v[i].name);
		}
		if (rc && !worst)
			worst = rc;
	}
	if (lock >= 0)
		close(lock);
	/*
	 * A bound device in a group others still block cannot be opened yet.
	 * Only a warning: with --quiet the group is not even read.
	 */
	for (size_t i = 0; !worst && !c->dry_run && !c->common.quiet && i < devs.n; i++) {
		struct vb_group g;
		int gid = vb_dev_group(c, &devs.v[i]);
		char who[512];

		if (gid < 0 || vb_group_load(c, gid, &g))
			continue;
		if (!g.viable) {
			vb_group_blockers(&g, who, sizeof(who));
			hv_warn("%s: group %d is not viable yet: %s still on a host driver "
				"(bind them too, or use --group)",
				devs.v[i].name, gid, who);
		}
		vb_group_free(&g);
	}
	vb_devs_free(&devs);
	return worst;
}

static int unpersist(struct vb_ctx *c, const char *name)
{
	char drv[VB_NAME_MAX];
	bool had = vb_persist_read(c, name, drv) != -ENOENT;
	int rc = vb_persist_remove(c, name);

	if (rc)
		return hv_fail(rc, "is /etc writable?", "%s: removing %s/pci-%s", name,
			       VB_PERSIST_DIR, name);
	if (had && !c->common.quiet && !c->dry_run)
		printf("%s: persistent override removed\n", name);
	return 0;
}

/*
 * restore --all --persist: the devices with a vfio-pci override too, and the
 * overrides of devices that are gone (what doctor reports) are removed.
 */
static void persisted_too(struct vb_ctx *c, struct vb_devs *devs)
{
	char **addrs, drv[VB_NAME_MAX];
	int n = vb_persist_list(c, &addrs);

	if (n < 0) {
		hv_warn("reading %s: %s", VB_PERSIST_DIR, strerror(-n));
		return;
	}
	for (int i = 0; i < n; i++) {
		struct vb_dev d;
		bool dup = false;

		if (vb_persist_read(c, addrs[i], drv) || strcmp(drv, VB_DRIVER))
			continue;
		vb_dev_init_pci(&d, addrs[i]);
		if (!hv_path_exists(&c->root, "%s", d.sysdir)) {
			hv_warn("%s: persistent but gone: removing its override", addrs[i]);
			unpersist(c, addrs[i]);
			continue;
		}
		for (size_t k = 0; k < devs->n; k++)
			dup |= !strcmp(devs->v[k].name, d.name);
		if (!dup)
			vb_devs_add(devs, &d);
	}
	hv_strv_free(addrs);
}

const struct poptOption vb_restore_options[] = {
    {"all", 'a', POPT_ARG_NONE, HV_AT(struct vb_ctx, all), 0,
     "every device vfio-bind has a record of", NULL},
    {"persist", '\0', POPT_ARG_NONE, HV_AT(struct vb_ctx, persist), 0,
     "also remove the persistent override (" VB_PERSIST_DIR "/pci-ADDR)", NULL},
    {"dry-run", 'n', POPT_ARG_NONE, HV_AT(struct vb_ctx, dry_run), 0,
     "print each sysfs write, change nothing", NULL},
    POPT_TABLEEND,
};

int vb_cmd_restore(void *ctx, int argc, const char **argv)
{
	struct vb_ctx *c = ctx;
	struct vb_devs devs = {0};
	int rc, lock, worst = 0;

	if (c->all && argc)
		return hv_usage_error("%s: --all and DEV exclude each other", c->verb);
	if (!c->all && !argc) {
		return hv_usage_error("%s: give DEV... or --all", c->verb);
	}
	for (int i = 0; i < argc; i++) {
		rc = vb_resolve(c, argv[i], &devs);
		if (rc) {
			vb_devs_free(&devs);
			return rc;
		}
	}
	if (c->all) {
		char **names;
		int n = hv_path_list(&c->root, &names, VB_STATE_DIR);

		if (n == -ENOENT)
			n = 0, names = NULL;
		if (n < 0)
			return hv_fail(n, NULL, "reading " VB_STATE_DIR);
		for (int i = 0; i < n; i++) {
			struct vb_pciaddr a;
			struct vb_dev d;

			/* Leftover temp files of an interrupted atomic write are not records. */
			if (vb_parse_pci_addr(names[i], &a))
				continue;
			vb_dev_init_pci(&d, names[i]);
			if (!hv_path_exists(&c->root, "%s", d.sysdir)) {
				hv_warn("%s: recorded but gone (hot-unplugged?)", names[i]);
				continue;
			}
			vb_devs_add(&devs, &d);
		}
		if (names)
			hv_strv_free(names);
		if (c->persist)
			persisted_too(c, &devs);
		if (!devs.n && !c->common.quiet)
			hv_note("nothing to restore");
	}
	lock = devs.n ? vb_state_lock(c) : -1;
	if (lock < -1) {
		vb_devs_free(&devs);
		return hv_fail(lock, "is /run writable?", "locking " VB_STATE_DIR "/.lock");
	}
	for (size_t i = 0; i < devs.n; i++) {
		/* First the file: whatever restore does, the next boot leaves it alone. */
		rc = c->persist ? unpersist(c, devs.v[i].name) : 0;
		if (!rc)
			rc = restore_one(c, &devs.v[i], false);
		if (rc && !worst)
			worst = rc;
	}
	if (lock >= 0)
		close(lock);
	vb_devs_free(&devs);
	return worst;
}
