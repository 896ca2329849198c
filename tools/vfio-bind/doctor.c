// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * doctor: can this host give devices to user space through VFIO, and if
 * not, what exactly to change. One finding per line: status, topic, what
 * was found and the fix.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "diag.h"
#include "fileio.h"
#include "json.h"
#include "parse.h"
#include "vfio-bind.h"

enum status { OK, WARN, FAIL };

struct finding {
	enum status st;
	char topic[16];
	char msg[400];
	char fix[400];
};

struct doctor {
	struct vb_ctx *c;
	struct finding f[64];
	size_t n;
	bool have_iommu;
};

static void add(struct doctor *d, enum status st, const char *topic, const char *fix,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void add(struct doctor *d, enum status st, const char *topic, const char *fix,
		const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	if (d->n >= sizeof(d->f) / sizeof(d->f[0]))
		return;
	f = &d->f[d->n++];
	f->st = st;
	snprintf(f->topic, sizeof(f->topic), "%s", topic);
	snprintf(f->fix, sizeof(f->fix), "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

static void check_iommu(struct doctor *d)
{
	struct vb_ctx *c = d->c;
	char cmdline[4096] = "", **names, list[256] = "";
	int n, ngroups;

	if (hv_path_read(&c->root, cmdline, sizeof(cmdline), "/proc/cmdline") < 0)
		cmdline[0] = '\0';
	n = hv_path_list(&c->root, &names, "/sys/class/iommu");
	if (n > 0) {
		size_t off = 0;

		for (int i = 0; i < n && off < sizeof(list); i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
						i ? ", " : "", names[i]);
		hv_strv_free(names);
	} else if (n == 0) {
		hv_strv_free(names);
	}
	ngroups = hv_path_list(&c->root, &names, "/sys/kernel/iommu_groups");
	if (ngroups >= 0)
		hv_strv_free(names);
	if (n > 0 && ngroups > 0) {
		d->have_iommu = true;
		add(d, OK, "iommu", NULL, "IOMMU active (%s), %d IOMMU groups", list, ngroups);
		return;
	}
	if (vb_cmdline_has(cmdline, "intel_iommu=off") ||
	    vb_cmdline_has(cmdline, "amd_iommu=off") || vb_cmdline_has(cmdline, "iommu=off"))
		add(d, FAIL, "iommu",
		    "remove it and boot with intel_iommu=on (Intel) or amd_iommu=on (AMD)",
		    "no IOMMU: the kernel command line turns it off");
	else if (hv_path_exists(&c->root, "/sys/firmware/acpi/tables/DMAR"))
		add(d, FAIL, "iommu", "add intel_iommu=on to the kernel command line",
		    "no IOMMU active, but the firmware describes Intel VT-d (ACPI DMAR table)");
	else if (hv_path_exists(&c->root, "/sys/firmware/acpi/tables/IVRS"))
		add(d, FAIL, "iommu",
		    "add amd_iommu=on iommu=pt to the kernel command line; check amd_iommu=off is "
		    "not set",
		    "no IOMMU active, but the firmware describes AMD-Vi (ACPI IVRS table)");
	else
		add(d, FAIL, "iommu",
		    "enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on (Intel) or "
		    "amd_iommu=on (AMD); in QEMU add -device intel-iommu,intremap=on",
		    "no IOMMU: none is active and the firmware describes none (no ACPI DMAR or "
		    "IVRS table)");
}

static void check_intremap(struct doctor *d)
{
	struct vb_ctx *c = d->c;
	char path[PATH_MAX], *irqs = NULL, unsafe[8] = "";

	if (!d->have_iommu)
		return;
	if (!hv_path_build(&c->root, path, sizeof(path), "/proc/interrupts"))
		hv_read_file_alloc(path, 1 << 22, &irqs, NULL);
	/* Remapped interrupt chips are named IR-IO-APIC, IR-PCI-MSI... */
	if (irqs && strstr(irqs, " IR-")) {
		add(d, OK, "intremap", NULL, "interrupt remapping enabled");
	} else if (hv_path_read(&c->root, unsafe, sizeof(unsafe),
				"/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts") >
		       0 &&
		   unsafe[0] == 'Y') {
		add(d, WARN, "intremap",
		    "enable interrupt remapping and drop allow_unsafe_interrupts",
		    "interrupt remapping off; vfio_iommu_type1 allows unsafe interrupts, so a "
		    "device can inject interrupts into the host");
	} else {
		add(d, FAIL, "intremap",
		    "enable it (QEMU: -device intel-iommu,intremap=on; do not boot with "
		    "intremap=off), or load vfio_iommu_type1 allow_unsafe_interrupts=1 at your "
		    "risk",
		    "interrupt remapping is off: VFIO_SET_IOMMU fails with EPERM");
	}
	free(irqs);
}

static void check_modules(struct doctor *d)
{
	static const char *const mods[] = {"vfio", "vfio_iommu_type1", "vfio_pci"};
	struct vb_ctx *c = d->c;
	char missing[128] = "";
	size_t off = 0;

	for (size_t i = 0; i < 3; i++)
		if (!hv_path_exists(&c->root, "/sys/module/%s", mods[i]))
			off += (size_t)snprintf(missing + off, sizeof(missing) - off, "%s%s",
						off ? " " : "", mods[i]);
	if (off)
		add(d, WARN, "modules",
		    "'vfio-bind bind' loads them, or: modprobe vfio-pci vfio_iommu_type1",
		    "not loaded: %s", missing);
	else if (!hv_path_exists(&c->root, "/dev/vfio/vfio"))
		add(d, FAIL, "modules", "is devtmpfs mounted on /dev?",
		    "vfio modules loaded but /dev/vfio/vfio is missing");
	else
		add(d, OK, "modules", NULL,
		    "vfio, vfio_iommu_type1, vfio_pci loaded; /dev/vfio/vfio present");
}

static bool has_cap_ipc_lock(struct vb_ctx *c)
{
	char status[8192];
	uint64_t caps;

	if (hv_path_read(&c->root, status, sizeof(status), "/proc/self/status") < 0 ||
	    vb_status_capeff(status, &caps))
		return false;
	return caps & (1ULL << 14); /* CAP_IPC_LOCK */
}

static void check_memlock(struct doctor *d)
{
	struct vb_ctx *c = d->c;
	struct rlimit rl;
	char meminfo[4096], a[32], b[32], *p;
	unsigned long long total_kb = 0;

	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return;
	if (hv_path_read(&c->root, meminfo, sizeof(meminfo), "/proc/meminfo") > 0 &&
	    (p = strstr(meminfo, "MemTotal:")))
		sscanf(p + 9, "%llu", &total_kb);
	if (rl.rlim_cur == RLIM_INFINITY) {
		add(d, OK, "memlock", NULL,
		    "memlock limit unlimited: DMA mappings are not limited");
		return;
	}
	if (has_cap_ipc_lock(c)) {
		add(d, OK, "memlock", NULL,
		    "memlock limit %s, but this user has CAP_IPC_LOCK: DMA mappings are not "
		    "limited",
		    hv_format_size(rl.rlim_cur, a, sizeof(a)));
		return;
	}
	if (total_kb && rl.rlim_cur / 1024 >= total_kb) {
		add(d, OK, "memlock", NULL, "memlock limit %s covers all memory",
		    hv_format_size(rl.rlim_cur, a, sizeof(a)));
		return;
	}
	add(d, WARN, "memlock",
	    "raise it for the VFIO user: ulimit -l, LimitMEMLOCK= (systemd) or memlock in "
	    "/etc/security/limits.conf",
	    "memlock limit %s: VFIO_IOMMU_MAP_DMA pins memory and fails with ENOMEM beyond it "
	    "(a VM needs all its RAM pinned: %s here)",
	    hv_format_size(rl.rlim_cur, a, sizeof(a)),
	    total_kb ? hv_format_size(total_kb * 1024, b, sizeof(b)) : "?");
}

/* Groups a user evidently wants (a member is on vfio-pci) but cannot open. */
static void check_groups(struct doctor *d)
{
	struct vb_ctx *c = d->c;
	char **names;
	int n = hv_path_list(&c->root, &names, "/sys/kernel/iommu_groups");
	int bad = 0;

	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		struct vb_group g;
		uint64_t id;
		bool wanted = false;

		if (hv_parse_dec(names[i], 0, INT32_MAX, &id) || vb_group_load(c, (int)id, &g))
			continue;
		for (size_t k = 0; k < g.n; k++)
			wanted |= !strcmp(g.m[k].driver, VB_DRIVER);
		if (wanted && !g.viable) {
			char who[400];

			vb_group_blockers(&g, who, sizeof(who));
			add(d, FAIL, "groups",
			    "bind the rest with 'vfio-bind bind --group', or unbind them",
			    "group %d has devices on vfio-pci but is not viable: %s", g.id, who);
			bad++;
		} else if (wanted && !hv_path_exists(&c->root, "/dev/vfio/%d", g.id)) {
			add(d, FAIL, "groups", "is devtmpfs mounted on /dev?",
			    "group %d is viable but /dev/vfio/%d is missing", g.id, g.id);
			bad++;
		}
		vb_group_free(&g);
	}
	hv_strv_free(names);
	if (!bad && d->have_iommu)
		add(d, OK, "groups", NULL, "no group with vfio-pci devices is blocked");
}

/*
 * Persistent overrides (driverctl's files): one whose device is gone, or
 * that is not a driver name, or that boot did not apply (the device was in
 * use, the group not viable...). Silent when there are none.
 */
static void check_persist(struct doctor *d)
{
	struct vb_ctx *c = d->c;
	char **addrs, drv[VB_NAME_MAX], cur[VB_NAME_MAX];
	int n = vb_persist_list(c, &addrs), bad = 0;

	if (n < 0) {
		add(d, WARN, "persist", NULL, "reading %s: %s", VB_PERSIST_DIR, strerror(-n));
		return;
	}
	for (int i = 0; i < n; i++) {
		struct vb_dev dev;
		int rc = vb_persist_read(c, addrs[i], drv);

		vb_dev_init_pci(&dev, addrs[i]);
		if (rc == -EINVAL) {
			add(d, WARN, "persist", "write a driver name into it, or remove it",
			    "%s/pci-%s does not name a driver", VB_PERSIST_DIR, addrs[i]);
			bad++;
		} else if (rc) {
			continue;
		} else if (!hv_path_exists(&c->root, "%s", dev.sysdir)) {
			add(d, WARN, "persist",
			    "'vfio-bind restore --all --persist' removes it, or rm the file",
			    "persistent %s binding of %s, but the device is missing (%s/pci-%s)",
			    drv, addrs[i], VB_PERSIST_DIR, addrs[i]);
			bad++;
		} else {
			vb_dev_driver(c, &dev, cur, sizeof(cur));
			/* driverctl's "none" means: no driver at all. */
			if (!strcmp(cur, drv) || (!cur[0] && !strcmp(drv, "none")))
				continue;
			add(d, WARN, "persist", "'vfio-bind bind' says why it refuses",
			    "%s has a persistent override to %s but is on %s", addrs[i], drv,
			    cur[0] ? cur : "no driver");
			bad++;
		}
	}
	if (n > 0 && !bad)
		add(d, OK, "persist", NULL, "%d persistent override%s in %s, all applied", n,
		    n == 1 ? "" : "s", VB_PERSIST_DIR);
	hv_strv_free(addrs);
}

static void mdef_finding(void *arg, bool ok, const char *fix, const char *what)
{
	add(arg, ok ? OK : WARN, "mdev", fix, "%s", what);
}

int vb_cmd_doctor(void *ctx, int argc, const char **argv)
{
	static const char *const st_names[] = {"ok", "warn", "fail"};
	struct vb_ctx *c = ctx;
	struct doctor *d;
	bool failed = false;

	(void)argc;
	(void)argv;
	d = calloc(1, sizeof(*d));
	if (!d)
		return hv_fail(-ENOMEM, NULL, "doctor");
	d->c = c;
	check_iommu(d);
	check_intremap(d);
	check_modules(d);
	check_memlock(d);
	check_groups(d);
	check_persist(d);
	vb_mdef_doctor(c, mdef_finding, d);
	for (size_t i = 0; i < d->n; i++)
		failed |= d->f[i].st == FAIL;
	if (c->common.json) {
		struct hv_json j;

		hv_json_init(&j, stdout, false);
		hv_json_object_open(&j, NULL);
		hv_json_bool(&j, "ok", !failed);
		hv_json_array_open(&j, "findings");
		for (size_t i = 0; i < d->n; i++) {
			hv_json_object_open(&j, NULL);
			hv_json_str(&j, "status", st_names[d->f[i].st]);
			hv_json_str(&j, "topic", d->f[i].topic);
			hv_json_str(&j, "finding", d->f[i].msg);
			hv_json_str(&j, "fix", d->f[i].fix[0] ? d->f[i].fix : NULL);
			hv_json_object_close(&j);
		}
		hv_json_array_close(&j);
		hv_json_object_close(&j);
		hv_json_end(&j);
	} else {
		for (size_t i = 0; i < d->n; i++) {
			const struct finding *f = &d->f[i];

			printf("%-4s %-9s %s%s%s%s\n", st_names[f->st], f->topic, f->msg,
			       f->fix[0] ? " (fix: " : "", f->fix, f->fix[0] ? ")" : "");
		}
	}
	free(d);
	return failed ? HV_EXIT_FAILURE : HV_EXIT_OK;
}
