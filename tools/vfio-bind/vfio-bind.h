/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-bind: sysfs driver binding and the VFIO container/group/device
 * protocol on the command line. Shared declarations of the verb files.
 *
 * Every path under /sys, /proc, /dev and /run goes through ctx->root so the
 * host tests can run the tool against a fake tree (--sysroot or
 * HVUTILS_SYSROOT). Paths in messages and in --dry-run output are the live
 * ones, without the prefix: they are what a user would type.
 */
#ifndef VFIO_BIND_H
#define VFIO_BIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "opts.h"
#include "sysfs.h"

struct pci_access;
struct kmod_ctx;
struct kmod_list;
struct kmod_module;

/* libs.c: libpci and libkmod, dlopen()ed on first use (start-up cost). */
struct vb_libpci {
	void *h;
	bool failed;
	struct pci_access *(*alloc)(void);
	void (*cleanup)(struct pci_access *);
	char *(*lookup_name)(struct pci_access *, char *, int, int, ...);
	void (*set_name_list_path)(struct pci_access *, char *, int);
};

struct vb_libkmod {
	void *h;
	struct kmod_ctx *(*new_ctx)(const char *, const char *const *);
	struct kmod_ctx *(*unref_ctx)(struct kmod_ctx *);
	int (*new_from_lookup)(struct kmod_ctx *, const char *, struct kmod_list **);
	struct kmod_module *(*get_module)(const struct kmod_list *);
	int (*probe_insert)(struct kmod_module *, unsigned int, const char *,
			    int (*)(struct kmod_module *, const char *, const char *), const void *,
			    void (*)(struct kmod_module *, bool, void *));
	struct kmod_module *(*unref_module)(struct kmod_module *);
	int (*unref_list)(struct kmod_list *);
	struct kmod_list *(*list_next)(const struct kmod_list *, const struct kmod_list *);
};

#define VB_DRIVER      "vfio-pci"
#define VB_STATE_DIR   "/run/hvutils/vfio-bind"
#define VB_PERSIST_DIR "/etc/driverctl.d" /* driverctl's: pci-ADDR holds the driver */
#define VB_NAME_MAX    64
#define VB_GETENT      "/usr/bin/getent" /* Debian; the same file as /bin/getent */

struct vb_ctx {
	struct hv_common common;
	struct hv_path root;
	const char *sysroot;
	struct vb_libpci libpci;
	struct vb_libkmod libkmod;
	struct pci_access *pacc; /* created on first name lookup only */
	int pci_flags;		 /* extra PCI_LOOKUP_* flags */
	const char *verb;	 /* the verb running, as its messages name it */
	/* the verbs' options */
	int dry_run;
	int group;
	int force;
	int all;
	int vfio_only;
	const char *user;
	const char *width;
	const char *file;
	int persist;
	int if_persistent;
	const char *uuid;   /* mdev create, define */
	int autostart;	    /* mdev define, modify: --auto */
	int manual;	    /* mdev define, modify */
	const char *type;   /* mdev modify */
	const char *parent; /* mdev start */
	int defined;	    /* mdev list */
};

/* 0, -ENOENT (library not installed) or -ENOSYS (a symbol is missing). */
int vb_libpci_open(struct vb_ctx *c);
int vb_libkmod_open(struct vb_ctx *c);
void vb_libs_close(struct vb_ctx *c);

/* ---- the verbs' option tables (HV_AT into struct vb_ctx), by verb file ---- */
extern const struct poptOption vb_bind_options[], vb_restore_options[], vb_list_options[];
extern const struct poptOption vb_access_options[], vb_regs_options[];
extern const struct poptOption vb_mdev_define_options[], vb_mdev_undefine_options[];
extern const struct poptOption vb_mdev_modify_options[], vb_mdev_start_options[];
/* mdev's own verbs (mdev.c). */
extern const struct hv_verb vb_mdev_verbs[];

/* ---- record.c: the state record restore trusts ------------------------- */
/* Driver names as sysfs shows them: [A-Za-z0-9_.-], shorter than VB_NAME_MAX. */
/* A name vfio-bind could have written: [A-Za-z0-9_.-], not "." or "..". */
bool vb_valid_driver_name(const char *s);
/*
 * A record's text ("driver=NAME\n[override=NAME\n]"), parsed in place into
 * driver and override (VB_NAME_MAX bytes each). -EINVAL unless every line is
 * one vfio-bind could have written.
 */
int vb_record_parse(char *buf, char *driver, char *override);

/* ---- proctext.c: /proc texts -------------------------------------------- */
/* word is a whole word of the kernel command line (blank-separated). */
bool vb_cmdline_has(const char *cmdline, const char *word);
/* CapEff of a /proc/PID/status text: 0, -ENOENT, -EINVAL or -ERANGE. */
int vb_status_capeff(const char *status, uint64_t *caps);
/*
 * Is the block device MAJ:MIN mounted, per a mountinfo text? The mount
 * point (may be cut to len, "" if the line has none) goes to mnt.
 */
bool vb_mountinfo_find(const char *mountinfo, const char *majmin, char *mnt, size_t len);

/* ---- pciaddr.c: argument syntax ----------------------------------------- */
struct vb_pciaddr {
	uint32_t domain;
	uint8_t bus, dev, fn;
};
/* "0000:01:00.0" or the short "01:00.0" (domain 0). -EINVAL / -ERANGE. */
int vb_parse_pci_addr(const char *s, struct vb_pciaddr *a);
void vb_format_pci_addr(const struct vb_pciaddr *a, char *buf, size_t len);
/* "8086:10d3": exactly four hex digits each. */
int vb_parse_ids(const char *s, uint16_t *vendor, uint16_t *device);
bool vb_looks_like_uuid(const char *s);

/* ---- dev.c: DEV resolution and device state ---------------------------- */
enum vb_dev_kind {
	VB_DEV_PCI,
	VB_DEV_MDEV, /* an mdev instance: name is its UUID (see mdev.c) */
};

struct vb_dev {
	enum vb_dev_kind kind;
	char name[VB_NAME_MAX]; /* sysfs name: 0000:01:00.0 */
	char sysdir[128];	/* live path: /sys/bus/pci/devices/0000:01:00.0 */
};

struct vb_devs {
	struct vb_dev *v;
	size_t n;
};

/*
 * The one place a DEV argument becomes devices: PCI address (long or short),
 * vendor:device (every match), or a /sys path. Reports its own errors and
 * returns an exit code (0 on success).
 */
int vb_resolve(struct vb_ctx *c, const char *arg, struct vb_devs *out);
/* Same, but exactly one device (info, peek, poke). */
int vb_resolve_one(struct vb_ctx *c, const char *arg, struct vb_dev *out);
void vb_devs_free(struct vb_devs *d);
int vb_devs_add(struct vb_devs *d, const struct vb_dev *dev);
int vb_dev_init_pci(struct vb_dev *d, const char *name);

/* Current driver name, "" when none. 0 or -errno. */
int vb_dev_driver(struct vb_ctx *c, const struct vb_dev *d, char *buf, size_t len);
/* IOMMU group number, -ENOENT when the device has none (no IOMMU). */
int vb_dev_group(struct vb_ctx *c, const struct vb_dev *d);
int vb_dev_ids(struct vb_ctx *c, const struct vb_dev *d, uint16_t *vendor, uint16_t *device,
	       uint32_t *class);
/* libpci names; "" when unknown (no pci.ids needed). */
void vb_names(struct vb_ctx *c, uint16_t vendor, uint16_t device, uint32_t class, char *vname,
	      size_t vlen, char *dname, size_t dlen, char *cname, size_t clen);
void vb_names_free(struct vb_ctx *c);

/*
 * Why a device must not be taken from its driver: an interface that is up,
 * a block device that is mounted, held or used as swap. "" when idle.
 */
void vb_dev_in_use(struct vb_ctx *c, const struct vb_dev *d, char *why, size_t len);

/* ---- group.c: IOMMU group viability ------------------------------------- */
struct vb_member {
	char name[VB_NAME_MAX];
	char driver[VB_NAME_MAX]; /* "" when none */
	bool blocks;		  /* its driver keeps the group from VFIO */
};

struct vb_group {
	int id;
	size_t n;
	struct vb_member *m;
	bool viable;
};

int vb_group_load(struct vb_ctx *c, int id, struct vb_group *g);
void vb_group_free(struct vb_group *g);
/* "0000:05:01.0 (e1000), 0000:05:02.0 (e1000)": the members that block. */
void vb_group_blockers(const struct vb_group *g, char *buf, size_t len);

/* ---- bind.c -------------------------------------------------------------- */
int vb_cmd_bind(void *ctx, int argc, const char **argv);
int vb_cmd_restore(void *ctx, int argc, const char **argv);

/* ---- state.c: the records bind leaves for restore, and the lock ---------- */
/* mkdir -p of a live path below the root. 0 or -errno. */
int vb_mkdir_p(struct vb_ctx *c, const char *live);
/* driver and override: VB_NAME_MAX bytes. 0, -ENOENT (none), -EINVAL (not ours). */
int vb_record_read(struct vb_ctx *c, const char *name, char *driver, char *override);
/* Atomic, never over an existing record's bytes half-written; --dry-run prints it. */
int vb_record_write(struct vb_ctx *c, const char *name, const char *driver, const char *override);
int vb_record_remove(struct vb_ctx *c, const char *name);
/*
 * Removes dir (a live path)/file below the root; one that is not there is
 * no error. A dry run prints "DRY dir/file" instead ("rm -f" where a user
 * could run it, "# remove record" for vfio-bind's own state). 0 or -errno.
 */
int vb_file_remove(struct vb_ctx *c, const char *dry, const char *dir, const char *file);
/* The state lock, held until the fd is closed: an fd, -1 on a dry run, or -errno. */
int vb_state_lock(struct vb_ctx *c);

/* ---- modules.c: vfio-pci and vfio_iommu_type1 through libkmod ------------ */
/* 0 or the exit code, the error already printed. */
int vb_ensure_modules(struct vb_ctx *c);
/* The module NAME (also its /sys/module name), unless loaded. 0 or -errno. */
int vb_load_module(struct vb_ctx *c, const char *name);

/* ---- user.c: bind --user ------------------------------------------------- */
struct vb_user {
	bool set;
	uid_t uid;
	gid_t gid;
	char name[64];
};

/* NAME (passwd, getent) or a numeric uid into u. 0 or -ENOENT. */
int vb_parse_user(const char *s, struct vb_user *u);

/* ---- persist.c: driverctl's /etc/driverctl.d/pci-ADDR ------------------- */
/* drv: VB_NAME_MAX bytes. 0, -ENOENT (none), -EINVAL (not a driver name), -errno. */
int vb_persist_read(struct vb_ctx *c, const char *name, char *drv);
/* Atomic; no temporary file survives an error or a catchable signal. */
int vb_persist_write(struct vb_ctx *c, const char *name, const char *drv);
/*
 * The same for any file under /etc: dir (live path, made if missing)/name,
 * mode 0644. Temporary files of name a killed write left are removed first.
 */
int vb_conf_write(struct vb_ctx *c, const char *dir, const char *name, const void *data,
		  size_t len);
int vb_persist_remove(struct vb_ctx *c, const char *name);
/* Addresses with a pci-ADDR file, NULL-terminated (hv_strv_free). Count or -errno. */
int vb_persist_list(struct vb_ctx *c, char ***addrs);

/* ---- list.c, info.c, regs.c, doctor.c ------------------------------------ */
int vb_cmd_list(void *ctx, int argc, const char **argv);
int vb_cmd_info(void *ctx, int argc, const char **argv);
int vb_cmd_peek(void *ctx, int argc, const char **argv);
int vb_cmd_poke(void *ctx, int argc, const char **argv);
int vb_cmd_regs(void *ctx, int argc, const char **argv);
int vb_cmd_doctor(void *ctx, int argc, const char **argv);

/* ---- mdev.c: mdev types/create/remove/list; UUIDs as DEV ---------------- */
/* An existing mdev instance by UUID. Reports its errors; returns an exit code. */
int vb_mdev_resolve(struct vb_ctx *c, const char *arg, struct vb_dev *out);
/* TYPE as given, or the one type of PARENT whose name ends in "-TYPE". 0 or -errno. */
int vb_mdev_find_type(struct vb_ctx *c, const char *parent, const char *type, char *out,
		      size_t len);
int vb_mdev_new_uuid(struct vb_ctx *c, char *buf, size_t len);

/* ---- mdevjson.c: mdevctl's definition files ----------------------------- */
#define VB_MDEV_CONF	  "/etc/mdevctl.d" /* PARENT/UUID, mdevctl's place */
#define VB_MDEF_MAX	  (64u << 10)
#define VB_MDEF_MAX_ATTRS 64
#define VB_MDEF_MAX_VALUE 4096

struct vb_mdef_attr {
	char *key;
	char *val;
};

struct vb_mdef {
	char uuid[40];
	char parent[VB_NAME_MAX];
	char type[128];
	bool autostart;		    /* "start": "auto" */
	struct vb_mdef_attr *attrs; /* applied in order after creation */
	size_t nattrs;
};

/* [A-Za-z0-9_.:-], not "." or "..", shorter than max: a name safe as a path component. */
bool vb_mdev_name_ok(const char *s, size_t max);
/*
 * A definition file's text: type, start and attrs (uuid and parent come from
 * its path). 0, -ENOMEM, or -EINVAL with *why; on error d holds nothing.
 */
int vb_mdef_parse(const char *buf, size_t len, struct vb_mdef *d, const char **why);
void vb_mdef_free(struct vb_mdef *d);
/* The file's text in mdevctl's layout; caller frees. NULL on ENOMEM. */
char *vb_mdef_format(const struct vb_mdef *d, size_t *len);

/* ---- mdevdef.c: define/undefine/modify/start, list --defined ------------ */
int vb_mdev_cmd_define(void *ctx, int argc, const char **argv);
int vb_mdev_cmd_undefine(void *ctx, int argc, const char **argv);
int vb_mdev_cmd_modify(void *ctx, int argc, const char **argv);
int vb_mdev_cmd_start(void *ctx, int argc, const char **argv);
int vb_mdev_list_defined(struct vb_ctx *c);
/* 1 auto, 0 manual, -1 not defined. */
int vb_mdef_start_mode(struct vb_ctx *c, const char *uuid);
/* doctor's findings on definitions: report(arg, ok, fix, what). */
void vb_mdef_doctor(struct vb_ctx *c, void (*report)(void *, bool, const char *, const char *),
		    void *arg);

/* ---- vfio.c: container → group → device ---------------------------------- */
struct vb_vfio {
	int container;
	int group;
	int device;
	int group_id;
	uint32_t flags; /* VFIO_DEVICE_FLAGS_* */
	uint32_t num_regions;
	uint32_t num_irqs;
};

/*
 * Opens the device through VFIO: checks it is on a VFIO driver and its group
 * is viable (explaining which members block it), then container, group,
 * IOMMU model and device fd. Works for any device with an iommu_group link
 * under d->sysdir: a PCI function or an mdev instance. Reports its errors;
 * returns an exit code.
 */
int vb_vfio_open(struct vb_ctx *c, const struct vb_dev *d, struct vb_vfio *v);
void vb_vfio_close(struct vb_vfio *v);

struct vfio_region_info;
/* Region info with its capability chain; caller frees. 0 or -errno. */
int vb_vfio_region(const struct vb_vfio *v, uint32_t index, struct vfio_region_info **out);

/* ---- regscript.c: region names and register scripts (regs) ------------- */
#define VB_NUM_REGIONS 9
/* bar0..bar5, rom, config, vga → index; -EINVAL when unknown. */
int vb_region_index(const char *name);
const char *vb_region_name(uint32_t index);

/* vfio-pci's offset space: region i starts at i << 40 in the device file. */
#define VB_REGION_SPAN	  (1ULL << 40)
#define VB_SCRIPT_MAX	  (1u << 20) /* bytes: far beyond any hand-written script */
#define VB_SCRIPT_MAX_OPS 100000u
#define VB_SCRIPT_MAX_MS  3600000u /* a sleep or a wait's --timeout: 1 h at most */

enum vb_op_kind { VB_OP_PEEK, VB_OP_POKE, VB_OP_WAIT, VB_OP_SLEEP };

struct vb_op {
	enum vb_op_kind kind;
	int lineno;
	int region;	    /* vb_region_index(); -1 for sleep */
	unsigned int width; /* 1, 2, 4 or 8; 0 for sleep */
	uint64_t offset;    /* aligned to width, below VB_REGION_SPAN */
	uint64_t value;	    /* poke: what to write; wait: the masked value awaited */
	uint64_t mask;	    /* wait */
	uint64_t ms;	    /* sleep: its length; wait: --timeout */
};

struct vb_script {
	struct vb_op *ops;
	size_t n;
};

/*
 * Parses and checks a whole script of len bytes (peek, poke, wait and sleep
 * lines; # comments; blank lines). 0, -ENOMEM, or -EINVAL / -EFBIG with the
 * reason ("line N: ...") in err. On error s holds nothing.
 */
int vb_script_parse(const char *buf, size_t len, struct vb_script *s, char *err, size_t errlen);
void vb_script_free(struct vb_script *s);
/* One operation as the script line that parses back to it. 0 or -ENAMETOOLONG. */
int vb_script_format(const struct vb_op *op, char *buf, size_t len);

#endif
