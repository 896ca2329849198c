// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lguest-run [options] KERNEL [-- KERNEL-ARGS...]
 *
 * Options and the order of start-up and tear-down; the work is in kvm.c
 * (VM and vCPU), boot.c (images), mem.c, the device models and console.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "json.h"
#include "lguest-run.h"
#include "parse.h"
#include "step.h"

#define SYNOPSIS                                                                                   \
	"[options] KERNEL [-- KERNEL-ARGS...]\n[options] --run [--kernel KERNEL] [--] CMD "        \
	"[ARGS...]"
#define MANPAGE "lguest-run(1)"

enum { OPT_BLOCK = 1, OPT_MEMORY, OPT_TIMEOUT, OPT_CPUS, OPT_SHARE, OPT_RWDIR };

/*
 * hv_run's context: the launcher, and the option strings popt allocated,
 * which hv_run frees when the command returns (what the launcher keeps of
 * them it copies).
 */
struct lg_args {
	struct lg lg;
	char *memory, *timeout, *cpus, *block, *share, *rwdir, *kernel, *initrd, *modules,
	    *cache_dir;
	/* The words after the first "--": the kernel's command line, or --run's command. */
	const char **tail;
	int ntail;
};

static int parse_block(struct lg *lg, const char *arg)
{
	struct lg_block_opt *b;
	const char *comma = strrchr(arg, ',');
	char *path;

	if (lg->nblocks >= LG_MAX_BLOCKS)
		return hv_usage_error("--block: at most %d disks", LG_MAX_BLOCKS);
	b = &lg->blocks[lg->nblocks];
	b->ro = false;
	b->fd = -1;
	/* Only a known suffix is an option: other commas belong to the path. */
	if (comma && (!strcmp(comma, ",ro") || !strcmp(comma, ",rw"))) {
		b->ro = !strcmp(comma, ",ro");
		path = strndup(arg, comma - arg);
	} else {
		path = strdup(arg);
	}
	if (!path)
		return hv_fail(-ENOMEM, NULL, "--block");
	if (!*path) {
		free(path);
		return hv_usage_error("--block: empty file name");
	}
	b->path = path;
	lg->nblocks++;
	return 0;
}

static int parse_share(struct lg *lg, const char *arg)
{
	struct lg_share_opt *o;
	int rc;

	if (lg->nshares >= LG_MAX_SHARES)
		return hv_usage_error("--share: at most %d directories", LG_MAX_SHARES);
	o = &lg->shares[lg->nshares];
	rc = lg_share_parse(o, arg, lg->nshares);
	if (rc)
		return rc;
	lg->nshares++;
	for (unsigned i = 0; i + 1 < lg->nshares; i++)
		if (!strcmp(lg->shares[i].tag, o->tag))
			return hv_usage_error("--share: tag '%s' given twice (add ,tag=NAME)",
					      o->tag);
	return 0;
}

static int parse_rwdir(struct lg *lg, const char *arg)
{
	if (lg->nrwdirs >= LG_MAX_SHARES - 1)
		return hv_usage_error("--rwdir: at most %d directories", LG_MAX_SHARES - 1);
	if (arg[0] != '/')
		return hv_usage_error(
		    "--rwdir '%s': give an absolute path (the guest mounts it there)", arg);
	lg->rwdirs[lg->nrwdirs] = strdup(arg);
	if (!lg->rwdirs[lg->nrwdirs])
		return hv_fail(-ENOMEM, NULL, "--rwdir");
	lg->nrwdirs++;
	return 0;
}

/*
 * --run: the command from the arguments, the kernel from --kernel or the
 * running one's, the root and --rwdir shares; the initramfs comes later.
 */
static int setup_run(struct lg_args *a, int nrest, const char **rest)
{
	struct lg *lg = &a->lg;
	int n = nrest + a->ntail, k = 0;
	char path[300];

	if (n == 0)
		return hv_usage_error("--run: missing the command to run");
	if (lg->initrd_path)
		return hv_usage_error("--run builds its own initramfs: no --initrd");
	lg->run_argv = calloc(n + 1, sizeof(char *));
	if (!lg->run_argv)
		return hv_fail(-ENOMEM, NULL, "--run");
	for (int i = 0; i < nrest; i++)
		if (!(lg->run_argv[k++] = strdup(rest[i])))
			return hv_fail(-ENOMEM, NULL, "--run");
	for (int i = 0; i < a->ntail; i++)
		if (!(lg->run_argv[k++] = strdup(a->tail[i])))
			return hv_fail(-ENOMEM, NULL, "--run");
	lg->run_argc = n;
	if (a->kernel) {
		lg->kernel_path = strdup(a->kernel);
	} else {
		struct utsname u;

		uname(&u);
		snprintf(path, sizeof(path), "/boot/vmlinuz-%s", u.release);
		lg->kernel_path = strdup(path);
	}
	/* Errors and panics only: the command's output is what the caller reads. */
	lg->user_cmdline = strdup("quiet loglevel=1");
	if (!lg->kernel_path || !lg->user_cmdline)
		return hv_fail(-ENOMEM, NULL, "--run");
	/* The root first (tag root), then each --rwdir as rw0, rw1, ... */
	if (lg->nshares + 1 + lg->nrwdirs > LG_MAX_SHARES)
		return hv_usage_error("--run: the root share and --rwdir leave room for %d --share",
				      LG_MAX_SHARES - 1 - (int)lg->nrwdirs);
	memmove(lg->shares + 1 + lg->nrwdirs, lg->shares, lg->nshares * sizeof(lg->shares[0]));
	lg->shares[0] = (struct lg_share_opt){
	    .path = strdup("/"), .tag = "root", .cross_mounts = true, .fd = -1};
	for (unsigned i = 0; i < lg->nrwdirs; i++) {
		struct lg_share_opt *o = &lg->shares[1 + i];

		*o = (struct lg_share_opt){.path = strdup(lg->rwdirs[i]), .rw = true, .fd = -1};
		snprintf(o->tag, sizeof(o->tag), "rw%u", i);
	}
	lg->nshares += 1 + lg->nrwdirs;
	for (unsigned i = 0; i < lg->nshares; i++) {
		if (!lg->shares[i].path)
			return hv_fail(-ENOMEM, NULL, "--run");
		for (unsigned j = 1 + lg->nrwdirs; j < lg->nshares && i < 1 + lg->nrwdirs; j++)
			if (!strcmp(lg->shares[i].tag, lg->shares[j].tag))
				return hv_usage_error("--share: tag '%s' is --run's",
						      lg->shares[j].tag);
	}
	return 0;
}

static void free_args(struct lg *lg)
{
	free((char *)lg->kernel_path);
	free((char *)lg->initrd_path);
	free((char *)lg->user_cmdline);
	for (unsigned i = 0; i < lg->nblocks; i++) {
		free((char *)lg->blocks[i].path);
		if (lg->blocks[i].fd >= 0)
			close(lg->blocks[i].fd);
	}
	for (unsigned i = 0; i < lg->nshares; i++) {
		free((char *)lg->shares[i].path);
		if (lg->shares[i].fd >= 0)
			close(lg->shares[i].fd);
	}
	for (unsigned i = 0; i < lg->nrwdirs; i++)
		free((char *)lg->rwdirs[i]);
	for (int i = 0; lg->run_argv && lg->run_argv[i]; i++)
		free(lg->run_argv[i]);
	free(lg->run_argv);
	free((char *)lg->modules_dir);
	free((char *)lg->cache_dir);
	if (lg->run_fd >= 0)
		close(lg->run_fd);
}

/* Joins KERNEL-ARGS with spaces; NULL when there are none. */
static char *join_args(int argc, const char **argv)
{
	size_t len = 1;
	char *s;

	if (argc <= 0)
		return NULL;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static const struct poptOption options[] = {
    {"memory", 'm', POPT_ARG_STRING, HV_AT(struct lg_args, memory), OPT_MEMORY,
     "guest memory (default 256M; K, M, G suffixes)", "SIZE"},
    {"initrd", 'i', POPT_ARG_STRING, HV_AT(struct lg_args, initrd), 0,
     "initial ramdisk for a bzImage", "FILE"},
    {"block", 0, POPT_ARG_STRING, HV_AT(struct lg_args, block), OPT_BLOCK,
     "virtio-blk disk (repeatable, at most 4; ,ro for read-only)", "FILE[,ro]"},
    {"rng", 0, POPT_ARG_NONE, HV_AT(struct lg_args, lg.rng), 0,
     "virtio-rng fed from the host's getrandom(2)", NULL},
    {"share", 0, POPT_ARG_STRING, HV_AT(struct lg_args, share), OPT_SHARE,
     "share a host directory over virtio-9p, read-only unless ,rw (repeatable; tag "
     "'share' by default)",
     "DIR[,tag=TAG][,rw]"},
    {"run", 0, POPT_ARG_NONE, HV_AT(struct lg_args, lg.run_mode), 0,
     "run CMD in the guest on the host's root (read-only), exit with its status", NULL},
    {"rwdir", 0, POPT_ARG_STRING, HV_AT(struct lg_args, rwdir), OPT_RWDIR,
     "with --run: a host directory the command may write to, at the same path "
     "(repeatable)",
     "DIR"},
    {"kernel", 'k', POPT_ARG_STRING, HV_AT(struct lg_args, kernel), 0,
     "with --run: the kernel (default /boot/vmlinuz-$(uname -r))", "FILE"},
    {"modules", 0, POPT_ARG_STRING, HV_AT(struct lg_args, modules), 0,
     "with --run: the kernel's modules (default /lib/modules/ its version)", "DIR"},
    {"timeout", 0, POPT_ARG_STRING, HV_AT(struct lg_args, timeout), OPT_TIMEOUT,
     "stop the guest after this long, exit 124 (s, ms, m suffixes)", "SEC"},
    {"cpus", 0, POPT_ARG_STRING, HV_AT(struct lg_args, cpus), OPT_CPUS,
     "vCPUs (default 1, at most 64; more than 1 adds an MP table and the I/O APIC)", "N"},
    {"unpack", 0, POPT_ARG_NONE, HV_AT(struct lg_args, lg.unpack), 0,
     "unpack a bzImage's xz or zstd payload in the launcher, through the kernel cache "
     "(no KASLR)",
     NULL},
    {"no-cache", 0, POPT_ARG_NONE, HV_AT(struct lg_args, lg.no_cache), 0,
     "with --unpack or --run: decode the payload every time, no kernel cache", NULL},
    {"cache-dir", 0, POPT_ARG_STRING, HV_AT(struct lg_args, cache_dir), 0,
     "with --unpack or --run: the kernel cache's directory (default "
     "$XDG_CACHE_HOME/hvutils/lguest-run)",
     "DIR"},
    POPT_TABLEEND,
};

/* The options validated, or appended to their lists, as they come. */
static int parse_option(void *ctx, int val)
{
	struct lg_args *a = ctx;
	struct lg *lg = &a->lg;
	uint64_t v;
	int rc = 0;

	switch (val) {
	case OPT_MEMORY:
		/* 2 MiB holds a flat image; the 1 TiB cap only keeps sums from wrapping. */
		if (hv_parse_size(a->memory, 2ULL << 20, 1ULL << 40, &lg->mem_size))
			rc = hv_usage_error(
			    "--memory '%s': expected a size from 2M to 1T (e.g. 512M)", a->memory);
		break;
	case OPT_TIMEOUT:
		if (hv_parse_duration_ms(a->timeout, 100ULL * 24 * 3600 * 1000, &lg->timeout_ms) ||
		    !lg->timeout_ms)
			rc = hv_usage_error("--timeout '%s': expected a positive duration "
					    "(e.g. 30, 1.5, 500ms)",
					    a->timeout);
		break;
	case OPT_CPUS:
		if (hv_parse_dec(a->cpus, 1, LG_MAX_CPUS, &v))
			rc = hv_usage_error("--cpus '%s': expected a number from 1 to %d", a->cpus,
					    LG_MAX_CPUS);
		else
			lg->cpus = v;
		break;
	case OPT_BLOCK:
		rc = parse_block(lg, a->block);
		break;
	case OPT_SHARE:
		rc = parse_share(lg, a->share);
		break;
	case OPT_RWDIR:
		rc = parse_rwdir(lg, a->rwdir);
		break;
	}
	return rc ? rc : -1;
}

/*
 * The checks across options and the arguments, once every option is in.
 * The launcher keeps copies of the strings: popt's go when hv_run returns,
 * and free_args frees every one of lg's alike (--run makes its own initrd).
 */
static int finish_args(struct lg_args *a, int nrest, const char **rest)
{
	struct lg *lg = &a->lg;
	int rc;

	if ((a->initrd && !(lg->initrd_path = strdup(a->initrd))) ||
	    (a->modules && !(lg->modules_dir = strdup(a->modules))) ||
	    (a->cache_dir && !(lg->cache_dir = strdup(a->cache_dir))))
		return hv_fail(-ENOMEM, NULL, "arguments");
	if (!lg->unpack && !lg->run_mode && (lg->no_cache || lg->cache_dir))
		return hv_usage_error("--no-cache and --cache-dir go with --unpack or --run");
	if (lg->cache_dir && !lg->cache_dir[0])
		return hv_usage_error("--cache-dir: empty directory name");
	/* --run boots the same kernel again and again: the cache pays most there. */
	if (lg->run_mode && !lg->unpack)
		lg->unpack = LG_UNPACK_IF_ABLE;
	lg->kcache = lg->unpack && !lg->no_cache;
	if (!lg->run_mode && (lg->nrwdirs || a->kernel || lg->modules_dir))
		return hv_usage_error("--rwdir, --kernel and --modules go with --run");
	if (lg->run_mode) {
		rc = setup_run(a, nrest, rest);
		if (!rc && lg->nblocks + lg->nshares + !!lg->rng > LG_MAX_VIRTIO)
			rc = hv_usage_error("too many virtio devices: --block, --share, --rwdir, "
					    "--run's root and --rng make at most %d",
					    LG_MAX_VIRTIO);
		return rc;
	}
	if (lg->nblocks + lg->nshares + !!lg->rng > LG_MAX_VIRTIO)
		return hv_usage_error(
		    "too many virtio devices: --block, --share and --rng make at most %d",
		    LG_MAX_VIRTIO);
	if (nrest == 0)
		return hv_usage_error("missing KERNEL (a bzImage or a flat test image)");
	if (nrest > 1)
		return hv_usage_error("unexpected argument '%s' (kernel arguments go after --)",
				      rest[1]);
	lg->kernel_path = strdup(rest[0]);
	if (a->ntail)
		lg->user_cmdline = join_args(a->ntail, a->tail);
	if (!lg->kernel_path || (a->ntail && !lg->user_cmdline))
		return hv_fail(-ENOMEM, NULL, "arguments");
	return 0;
}

static const char *stop_name(int stop)
{
	switch (stop) {
	case LG_STOP_EXITPORT:
		return "exit-port";
	case LG_STOP_RESET:
		return "reset";
	case LG_STOP_HALT:
		return "halt";
	case LG_STOP_CRASH:
		return "crash";
	case LG_STOP_TIMEOUT:
		return "timeout";
	case LG_STOP_SIGNAL:
		return "signal";
	case LG_STOP_ESCAPE:
		return "escape";
	default:
		return "error";
	}
}

static void print_stats(struct lg *lg, int status)
{
	const struct lg_stats *s = &lg->st;
	double secs = (lg->t_end_ns - lg->t_start_ns) / 1e9;
	/* Launcher start-up (KVM, memory, image loading) is part of the boot time. */
	double setup_secs = (lg->t_run_ns - lg->t_start_ns) / 1e9;
	/* A guest stopped at --timeout: where it hung (waiting for what). */
	struct lg_vcpu_state vs;
	bool have_vcpu = atomic_load(&lg->stop) == LG_STOP_TIMEOUT && !lg_kvm_vcpu_state(lg, &vs);

	if (lg->common.json) {
		struct hv_json j;

		hv_json_init(&j, stderr, true);
		hv_json_object_open(&j, NULL);
		hv_json_str(&j, "end", stop_name(atomic_load(&lg->stop)));
		hv_json_i64(&j, "status", status);
		hv_json_double(&j, "seconds", secs);
		hv_json_double(&j, "setup_seconds", setup_secs);
		hv_json_u64(&j, "exits", s->exits);
		hv_json_u64(&j, "io", s->io);
		hv_json_u64(&j, "io_serial", s->io_serial);
		hv_json_u64(&j, "io_pci", s->io_pci);
		hv_json_u64(&j, "io_rtc", s->io_rtc);
		hv_json_u64(&j, "io_virtio", s->io_virtio);
		hv_json_u64(&j, "io_unhandled", s->io_unhandled);
		hv_json_u64(&j, "mmio", s->mmio);
		hv_json_u64(&j, "interrupted", s->intr);
		hv_json_array_open(&j, "virtio");
		for (unsigned i = 0; i < lg->nvirtio; i++) {
			hv_json_object_open(&j, NULL);
			hv_json_str(&j, "device", lg->virtio[i]->ops->name);
			hv_json_u64(&j, "requests", lg->virtio[i]->requests);
			hv_json_u64(&j, "bytes", lg->virtio[i]->bytes);
			hv_json_object_close(&j);
		}
		hv_json_array_close(&j);
		if (have_vcpu) {
			hv_json_object_open(&j, "vcpu");
			hv_json_bool(&j, "halted", vs.halted);
			hv_json_bool(&j, "interrupts", vs.interrupts);
			hv_json_u64(&j, "rip", vs.rip);
			hv_json_u64(&j, "pic_requested", vs.pic_irr);
			hv_json_u64(&j, "pic_in_service", vs.pic_isr);
			hv_json_u64(&j, "pic_masked", vs.pic_imr);
			hv_json_object_close(&j);
		}
		hv_json_object_close(&j);
		hv_json_end(&j);
		return;
	}
	hv_note("guest ended by %s, status %d, after %.3f s (launcher set-up %.3f s)",
		stop_name(atomic_load(&lg->stop)), status, secs, setup_secs);
	if (have_vcpu)
		hv_note("vCPU at the timeout: %s, rip %#llx, interrupts %s; PIC: requested 0x%02x, "
			"in service 0x%02x, masked 0x%02x",
			vs.halted ? "halted (waiting for an interrupt)" : "running",
			(unsigned long long)vs.rip, vs.interrupts ? "on" : "off", vs.pic_irr,
			vs.pic_isr, vs.pic_imr);
	hv_note("exits: %llu (port I/O %llu: serial %llu, pci %llu, rtc %llu, virtio %llu, "
		"unhandled %llu; mmio %llu; interrupted %llu)",
		(unsigned long long)s->exits, (unsigned long long)s->io,
		(unsigned long long)s->io_serial, (unsigned long long)s->io_pci,
		(unsigned long long)s->io_rtc, (unsigned long long)s->io_virtio,
		(unsigned long long)s->io_unhandled, (unsigned long long)s->mmio,
		(unsigned long long)s->intr);
	for (unsigned i = 0; i < lg->nvirtio; i++)
		hv_note("%s at 00:%02x.0 (irq %u): %llu requests, %llu bytes",
			lg->virtio[i]->ops->name, lg->virtio[i]->slot, lg->virtio[i]->irq,
			(unsigned long long)lg->virtio[i]->requests,
			(unsigned long long)lg->virtio[i]->bytes);
}

/* The exit status for how the guest ended; see EXIT STATUS in lguest-run(1). */
static int guest_status(struct lg *lg, int run_rc)
{
	switch (atomic_load(&lg->stop)) {
	case LG_STOP_EXITPORT:
		return lg->exit_code;
	case LG_STOP_RESET:
	case LG_STOP_HALT:
		return 0;
	case LG_STOP_CRASH:
		if (!lg->common.quiet)
			hv_err(0, NULL, "guest crashed: %s",
			       lg->crash_why[0] ? lg->crash_why
						: "it reset without an orderly shutdown (panic?)");
		return LG_EXIT_GUEST_CRASH;
	case LG_STOP_TIMEOUT:
		if (!lg->common.quiet)
			hv_err(0, NULL, "guest still running after --timeout: stopped it");
		return LG_EXIT_TIMEOUT;
	case LG_STOP_SIGNAL:
	case LG_STOP_ESCAPE:
		return lg->exit_code;
	default:
		return run_rc ? run_rc : HV_EXIT_FAILURE;
	}
}

/*
 * Everything that can be wrong with the arguments and the files they name,
 * checked before any resource is taken: these errors and their exit codes
 * are the same on a machine without KVM. What is left to fail afterwards
 * is the host (memory, KVM) and an --unpack payload's contents.
 */
static int check_inputs(struct lg *lg)
{
	int rc;

	lg_mem_layout(lg);
	rc = lg->run_mode ? lg_run_prepare(lg) : 0;
	if (!rc)
		rc = lg_check_kernel(lg);
	for (unsigned i = 0; i < lg->nblocks && !rc; i++)
		rc = lg_blk_open(&lg->blocks[i]);
	for (unsigned i = 0; i < lg->nshares && !rc; i++)
		rc = lg_share_open(&lg->shares[i]);
	return rc;
}

/* Guest RAM with the kernel in it first, then KVM, the vCPU and the devices. */
static int setup(struct lg *lg)
{
	int rc;

	rc = lg_mem_alloc(lg);
	if (!rc)
		rc = lg_load_kernel(lg);
	if (rc)
		return rc;
	hv_step("loaded");
	rc = lg_kvm_open(lg);
	if (!rc) {
		hv_step("vm-created");
		rc = lg_mem_register(lg);
	}
	if (!rc)
		rc = lg_kvm_create_vcpus(lg);
	if (!rc)
		rc = lg_start_kernel(lg);
	if (rc)
		return rc;
	hv_step("vcpu-created");
	lg_uart_init(lg);
	lg_rtc_init(lg);
	for (unsigned i = 0; i < lg->nblocks && !rc; i++)
		rc = lg_blk_add(lg, &lg->blocks[i]);
	if (!rc && lg->rng)
		rc = lg_rng_add(lg);
	for (unsigned i = 0; i < lg->nshares && !rc; i++)
		rc = lg_9p_add(lg, &lg->shares[i]);
	if (!rc && lg->cpus > 1)
		rc = lg_mptable_write(lg);
	if (rc)
		return rc;
	hv_step("devices-added");
	if (lg->boot.is_bzimage && !lg->common.quiet && access("/sys/module/kvm_pvm", F_OK) == 0)
		hv_warn(
		    "this host's KVM is PVM (/sys/module/kvm_pvm): it emulates guest kernel code "
		    "at about 1M instructions/s, a Linux kernel will not boot in useful time");
	return 0;
}

/*
 * The command: its arguments checked, the guest started, run and torn
 * down. Returns the exit status.
 */
static int run_guest(void *ctx, int argc, const char **argv)
{
	struct lg_args *a = ctx;
	struct lg *lg = &a->lg;
	sigset_t usr1;
	int rc, run_rc = 0;

	rc = finish_args(a, argc, argv);
	if (rc)
		return rc;
	for (unsigned i = 0; i < LG_MAX_CPUS; i++)
		lg->vcpu[i] = (struct lg_vcpu){.lg = lg, .id = i, .fd = -1};
	atomic_init(&lg->stop, LG_RUNNING);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	rc = check_inputs(lg);
	if (rc)
		goto out;

	/* Blocked before any thread exists, so every thread inherits it. */
	rc = hv_signals_block(&lg->sigs, 0);
	if (rc) {
		rc = hv_fail(rc, NULL, "signalfd");
		goto out;
	}
	lg->sigs_blocked = true;
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);

	hv_step("signals-blocked");
	rc = setup(lg);
	if (rc)
		goto out;
	rc = lg_console_start(lg);
	if (rc) {
		lg_console_stop(lg); /* the terminal may already be raw */
		goto out;
	}
	hv_step("running");
	lg->t_run_ns = hv_now_ns();
	run_rc = lg_kvm_run(lg);
	lg->t_end_ns = hv_now_ns();
	hv_step("stopped");
	/* Guest output and the terminal first, then our own messages. */
	lg_console_stop(lg);
	rc = guest_status(lg, run_rc);
	if (lg->common.verbose)
		print_stats(lg, rc);
out:
	lg_virtio_free(lg);
	lg_release_kernel(lg);
	lg_mem_free(lg);
	lg_kvm_close(lg);
	if (lg->sigs_blocked) {
		struct timespec zero = {0, 0};

		/*
		 * A kick that found the vCPU thread outside KVM_RUN (a SIGTERM
		 * during set-up) is still pending: restoring the old mask would
		 * deliver it, and SIGUSR1's default action kills us.
		 */
		while (sigtimedwait(&usr1, NULL, &zero) > 0)
			;
		hv_signals_restore(&lg->sigs);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct lg_args a = {
	    .lg =
		{
		    .mem_size = 256ULL << 20,
		    .cpus = 1,
		    .kvm_fd = -1,
		    .vm_fd = -1,
		    .wake_fd = -1,
		    .stdin_fd = -1,
		    .run_fd = -1,
		    .io_lock = PTHREAD_MUTEX_INITIALIZER,
		    .sigs = {.fd = -1},
		    .boot = {.fd = -1, .initrd_fd = -1},
		},
	};
	struct hv_verb cmd = {
	    .name = "lguest-run",
	    .run = run_guest,
	    .options = options,
	    /* KERNEL or --run's command: finish_args counts them, with its own messages. */
	    .max_args = -1,
	    .usage = SYNOPSIS,
	};
	const struct hv_tool tool = {
	    .synopsis = SYNOPSIS,
	    .manpage = MANPAGE,
	    .self = &cmd,
	    .common = HV_AT(struct lg_args, lg.common),
	    .option = parse_option,
	};
	int nwords = argc, rc;

	a.lg.t_start_ns = hv_now_ns();
	/* Everything after the first "--" is the kernel's, untouched by popt. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			nwords = i;
			break;
		}
	}
	if (nwords < argc) {
		a.tail = (const char **)argv + nwords + 1;
		a.ntail = argc - nwords - 1;
		/* hv_run wants its words NULL-terminated: the "--" goes. */
		argv[nwords] = NULL;
	}
	/* With --run, options end at the command's name: `--run ls -l` runs ls -l. */
	for (int i = 1; i < nwords; i++)
		if (!strcmp(argv[i], "--run"))
			cmd.flags = HV_VERB_POSIX;
	rc = hv_run(&tool, &a, nwords, (const char **)argv);
	free_args(&a.lg);
	return rc;
}
