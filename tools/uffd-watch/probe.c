// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probe: which userfaultfd entry points work for this caller, why the others
 * do not, and what the kernel offers (API, features, ioctls per memory type).
 * Every claim is made by trying it, never by version numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "fileio.h"
#include "json.h"
#include "uffd-watch.h"
#include "uffd.h"

enum { EP_SYSCALL, EP_USER_MODE, EP_DEV, EP_NR };
static const char *const ep_names[EP_NR] = {"syscall", "syscall_user_mode_only", "dev_userfaultfd"};
static const char *const ep_labels[EP_NR] = {"userfaultfd(2)", "userfaultfd(2) UFFD_USER_MODE_ONLY",
					     "/dev/userfaultfd"};

enum { MT_ANON, MT_SHMEM, MT_HUGETLB, MT_NR };
static const char *const mt_names[MT_NR] = {"anonymous", "shmem", "hugetlbfs"};
static const char *const mode_names[3] = {"missing", "wp", "minor"};
static const uint64_t mode_bits[3] = {UFFDIO_REGISTER_MODE_MISSING, UFFDIO_REGISTER_MODE_WP,
				      UFFDIO_REGISTER_MODE_MINOR};

struct probe {
	int ep_err[EP_NR];
	const char *ep_hint[EP_NR];
	int sysctl; /* -1: not readable */
	int dev_exists;
	struct stat dev_st;
	int api_err;
	uint64_t api, features, ioctls;
	int mt_err[MT_NR];     /* mapping the memory type at all */
	int reg_err[MT_NR][3]; /* registering it in each mode */
	uint64_t reg_ioctls[MT_NR][3];
};

static int read_sysctl(void)
{
	char buf[32];

	if (hv_read_file("/proc/sys/vm/unprivileged_userfaultfd", buf, sizeof(buf), NULL) < 0)
		return -1;
	return atoi(buf);
}

static const char *ep_hint(const struct probe *p, int ep, int err)
{
	switch (ep) {
	case EP_SYSCALL:
		if (err == -EPERM)
			return p->sysctl == 0 ? "vm.unprivileged_userfaultfd is 0 and the caller "
						"lacks CAP_SYS_PTRACE: set the sysctl to 1, or use "
						"UFFD_USER_MODE_ONLY or /dev/userfaultfd"
					      : "the caller lacks CAP_SYS_PTRACE";
		if (err == -ENOSYS)
			return "kernel built without CONFIG_USERFAULTFD";
		break;
	case EP_USER_MODE:
		if (err == -EINVAL)
			return "UFFD_USER_MODE_ONLY needs Linux 5.11 or later";
		if (err == -EPERM)
			return "denied by a security module";
		if (err == -ENOSYS)
			return "kernel built without CONFIG_USERFAULTFD";
		break;
	case EP_DEV:
		if (err == -ENOENT)
			return "no /dev/userfaultfd: it needs Linux 6.1 or later (or create it: "
			       "mknod /dev/userfaultfd c 10 $(awk '$2==\"userfaultfd\"{print $1}' "
			       "/proc/misc))";
		if (err == -EACCES || err == -EPERM)
			return "grant access to the device: setfacl -m u:$USER:rw /dev/userfaultfd";
		break;
	}
	return NULL;
}

/* One fresh mapping of the memory type; -errno if the type is unavailable. */
static int map_type(int mt, size_t *len, void **addr)
{
	int fd = -1, err = 0;
	void *p;

	*len = mt == MT_HUGETLB ? 2u << 20 : 2 * UW_PAGE;
	if (mt == MT_ANON) {
		p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else {
		fd = memfd_create("uffd-watch-probe",
				  MFD_CLOEXEC | (mt == MT_HUGETLB ? MFD_HUGETLB : 0));
		if (fd < 0)
			return -errno;
		if (ftruncate(fd, (off_t)*len) < 0) {
			err = -errno;
			close(fd);
			return err;
		}
		p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	}
	if (p == MAP_FAILED)
		err = -errno;
	if (fd >= 0)
		close(fd);
	*addr = p;
	return err;
}

static void probe_memory(struct probe *p)
{
	for (int mt = 0; mt < MT_NR; mt++) {
		for (int m = 0; m < 3; m++) {
			size_t len;
			void *addr;
			int fd, err;

			err = map_type(mt, &len, &addr);
			if (err) {
				p->mt_err[mt] = err;
				break;
			}
			fd = uw_open_any(O_CLOEXEC);
			if (fd < 0) {
				p->reg_err[mt][m] = fd;
			} else {
				err = uw_api(fd, p->features & ~(uint64_t)UFFD_FEATURE_EVENT_FORK,
					     NULL, NULL);
				if (!err)
					err = uw_register(fd, (uintptr_t)addr, len, mode_bits[m],
							  &p->reg_ioctls[mt][m]);
				p->reg_err[mt][m] = err;
				close(fd);
			}
			munmap(addr, len);
		}
	}
}

static void probe_all(struct probe *p)
{
	int fd;

	memset(p, 0, sizeof(*p));
	p->sysctl = read_sysctl();
	p->dev_exists = stat("/dev/userfaultfd", &p->dev_st) == 0;
	for (int ep = 0; ep < EP_NR; ep++) {
		fd = ep == EP_SYSCALL	  ? uw_open_syscall(O_CLOEXEC)
		     : ep == EP_USER_MODE ? uw_open_syscall(O_CLOEXEC | UFFD_USER_MODE_ONLY)
					  : uw_open_dev(O_CLOEXEC);
		if (fd >= 0) {
			/* An entry point "works" when the API handshake works too. */
			int err = uw_api(fd, 0, NULL, NULL);

			close(fd);
			fd = err;
		}
		p->ep_err[ep] = fd < 0 ? fd : 0;
		p->ep_hint[ep] = fd < 0 ? ep_hint(p, ep, fd) : NULL;
	}
	fd = uw_open_any(O_CLOEXEC);
	if (fd < 0) {
		p->api_err = fd;
		return;
	}
	p->api_err = uw_api(fd, 0, &p->features, &p->ioctls);
	p->api = UFFD_API;
	close(fd);
	if (!p->api_err)
		probe_memory(p);
}

static void json_names(struct hv_json *j, const char *key, uint64_t bits)
{
	hv_json_array_open(j, key);
	for (const struct uw_name *n = uw_ioctl_names; n->name; n++)
		if (bits & n->bit)
			hv_json_str(j, NULL, n->name);
	hv_json_array_close(j);
}

static void json_err(struct hv_json *j, int err, const char *hint)
{
	hv_json_bool(j, "works", err == 0);
	if (err)
		hv_json_str(j, "error", strerror(-err));
	else
		hv_json_null(j, "error");
	hv_json_str(j, "hint", hint);
}

static void print_json(const struct probe *p)
{
	struct hv_json j;
	char mode[8];

	hv_json_init(&j, stdout, false);
	hv_json_object_open(&j, NULL);
	hv_json_object_open(&j, "entry_points");
	for (int ep = 0; ep < EP_NR; ep++) {
		hv_json_object_open(&j, ep_names[ep]);
		json_err(&j, p->ep_err[ep], p->ep_hint[ep]);
		hv_json_object_close(&j);
	}
	hv_json_object_close(&j);
	if (p->sysctl >= 0)
		hv_json_i64(&j, "unprivileged_userfaultfd", p->sysctl);
	else
		hv_json_null(&j, "unprivileged_userfaultfd");
	hv_json_object_open(&j, "dev_userfaultfd");
	hv_json_bool(&j, "exists", p->dev_exists);
	if (p->dev_exists) {
		snprintf(mode, sizeof(mode), "%04o", p->dev_st.st_mode & 07777);
		hv_json_str(&j, "mode", mode);
		hv_json_u64(&j, "uid", p->dev_st.st_uid);
		hv_json_u64(&j, "gid", p->dev_st.st_gid);
	}
	hv_json_object_close(&j);
	if (p->api_err) {
		hv_json_null(&j, "api");
		hv_json_str(&j, "api_error", strerror(-p->api_err));
	} else {
		hv_json_u64(&j, "api", p->api);
		hv_json_null(&j, "api_error");
	}
	hv_json_object_open(&j, "features");
	for (const struct uw_name *n = uw_feature_names; n->name; n++)
		hv_json_bool(&j, n->name, (p->features & n->bit) != 0);
	hv_json_object_close(&j);
	json_names(&j, "ioctls", p->ioctls);
	hv_json_object_open(&j, "memory");
	for (int mt = 0; mt < MT_NR; mt++) {
		hv_json_object_open(&j, mt_names[mt]);
		hv_json_bool(&j, "available", !p->api_err && !p->mt_err[mt]);
		if (p->mt_err[mt])
			hv_json_str(&j, "error", strerror(-p->mt_err[mt]));
		else
			hv_json_null(&j, "error");
		for (int m = 0; m < 3; m++) {
			bool ok = !p->api_err && !p->mt_err[mt] && !p->reg_err[mt][m];

			hv_json_object_open(&j, mode_names[m]);
			hv_json_bool(&j, "works", ok);
			if (ok)
				json_names(&j, "ioctls", p->reg_ioctls[mt][m]);
			else
				hv_json_null(&j, "ioctls");
			hv_json_object_close(&j);
		}
		hv_json_object_close(&j);
	}
	hv_json_object_close(&j);
	hv_json_object_close(&j);
	hv_json_end(&j);
}

static void print_names(uint64_t bits, const struct uw_name *names, bool want)
{
	int n = 0;

	for (const struct uw_name *i = names; i->name; i++)
		if (((bits & i->bit) != 0) == want)
			printf("%s%s", n++ ? " " : "", i->name);
	printf("%s\n", n ? "" : "-");
}

static void print_text(const struct probe *p)
{
	printf("entry points:\n");
	for (int ep = 0; ep < EP_NR; ep++) {
		if (!p->ep_err[ep])
			printf("  %-36s works\n", ep_labels[ep]);
		else
			printf("  %-36s fails: %s%s%s%s\n", ep_labels[ep], strerror(-p->ep_err[ep]),
			       p->ep_hint[ep] ? " (" : "", p->ep_hint[ep] ? p->ep_hint[ep] : "",
			       p->ep_hint[ep] ? ")" : "");
	}
	if (p->sysctl >= 0)
		printf("vm.unprivileged_userfaultfd:           %d\n", p->sysctl);
	else
		printf("vm.unprivileged_userfaultfd:           - (not readable)\n");
	if (p->dev_exists)
		printf("/dev/userfaultfd:                      mode %04o uid %u gid %u\n",
		       p->dev_st.st_mode & 07777, p->dev_st.st_uid, p->dev_st.st_gid);
	else
		printf("/dev/userfaultfd:                      absent\n");
	if (p->api_err) {
		printf("api:                                   - (%s)\n", strerror(-p->api_err));
		return;
	}
	printf("api:                                   0x%llx\n", (unsigned long long)p->api);
	printf("features:                              ");
	print_names(p->features, uw_feature_names, true);
	printf("features missing:                      ");
	print_names(p->features, uw_feature_names, false);
	printf("ioctls:                                ");
	print_names(p->ioctls, uw_ioctl_names, true);
	printf("%-11s %-8s %-8s %-8s %s\n", "MEMORY", "MISSING", "WP", "MINOR",
	       "IOCTLS (missing mode)");
	for (int mt = 0; mt < MT_NR; mt++) {
		printf("%-11s ", mt_names[mt]);
		if (p->mt_err[mt]) {
			printf("%-8s %-8s %-8s (cannot map it: %s%s)\n", "-", "-", "-",
			       strerror(-p->mt_err[mt]),
			       mt == MT_HUGETLB && p->mt_err[mt] == -ENOMEM
				   ? "; no free huge pages: set vm.nr_hugepages"
				   : "");
			continue;
		}
		for (int m = 0; m < 3; m++)
			printf("%-8s ", p->reg_err[mt][m] ? "no" : "yes");
		if (p->reg_err[mt][0])
			printf("-\n");
		else
			print_names(p->reg_ioctls[mt][0], uw_ioctl_names, true);
	}
}

int uw_probe(void *ctx, int argc, const char **argv)
{
	struct uw_ctx *x = ctx;
	struct probe *p;
	int rc;

	(void)argv;
	if (argc)
		return hv_usage_error("probe takes no arguments");
	p = calloc(1, sizeof(*p));
	if (!p)
		return hv_fail(-ENOMEM, NULL, "probe");
	probe_all(p);
	if (x->c.json)
		print_json(p);
	else
		print_text(p);
	rc = HV_EXIT_OK;
	/* No entry point at all is a failure the caller must see in $?. */
	if (p->ep_err[EP_SYSCALL] && p->ep_err[EP_USER_MODE] && p->ep_err[EP_DEV]) {
		if (!x->c.quiet)
			hv_err(p->ep_err[EP_SYSCALL], p->ep_hint[EP_SYSCALL],
			       "no userfaultfd entry point works");
		rc = hv_exit_code(p->ep_err[EP_SYSCALL]);
	}
	free(p);
	return rc;
}
