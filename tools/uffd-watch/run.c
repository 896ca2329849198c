// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * run: start a program with the preload agent, take the userfaultfd it
 * creates, register the mappings it reports and serve every fault from one
 * epoll loop (see proto.h for the agent protocol and the handler-death rule).
 * This file holds the options, the setup and the outcome; run.h names the
 * files that do the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "dirty.h"
#include "json.h"
#include "parse.h"
#include "proto.h"
#include "run.h"
#include "step.h"

static int mode_from_name(const char *s)
{
	if (!strcmp(s, "missing"))
		return UW_MODE_MISSING;
	if (!strcmp(s, "wp"))
		return UW_MODE_WP;
	if (!strcmp(s, "minor"))
		return UW_MODE_MINOR;
	if (!strcmp(s, "wp-async"))
		return UW_MODE_WP_ASYNC;
	return -1;
}

static void stats_extra(struct uw_ctx *x, struct hv_json *j, void *arg)
{
	const struct run *r = arg;
	const char *how = r->adaptive ? "auto" : r->around > 1 ? "fixed" : "off";

	if (j) {
		hv_json_object_open(j, "fault_around");
		hv_json_str(j, "mode", how);
		hv_json_u64(j, "max_pages", r->around);
		hv_json_u64(j, "pages_ahead", r->st_around);
		hv_json_object_close(j);
		hv_json_u64(j, "faults_resolved_by_another", r->st.shared);
		if (r->mode == UW_MODE_WP)
			hv_json_bool(j, "wp_unpopulated", r->wp_unpop);
		if (r->mode == UW_MODE_WP_ASYNC)
			hv_json_u64(j, "pages_written", r->st_written);
		hv_json_u64(j, "registered_mappings", r->st_mappings);
		return;
	}
	fprintf(x->out, "mappings:    %llu registered\n", (unsigned long long)r->st_mappings);
	if (r->mode == UW_MODE_WP_ASYNC)
		fprintf(x->out, "written:     %llu pages (PAGEMAP_SCAN every %.3f s)\n",
			(unsigned long long)r->st_written, (double)r->interval_ns / 1e9);
	if (r->mode == UW_MODE_WP)
		fprintf(x->out, "wp:          %s\n",
			r->wp_unpop ? "unpopulated pages write-protected (only writes fault)"
				    : "unpopulated pages served on their first touch");
	fprintf(x->out,
		"fault-around: %s, up to %llu pages; %llu pages installed ahead of a fault\n", how,
		(unsigned long long)r->around, (unsigned long long)r->st_around);
	fprintf(x->out, "shared:      %llu faults resolved by another fault's ioctl\n",
		(unsigned long long)r->st.shared);
}

static int map_file(struct run *r)
{
	struct stat st;
	int fd = open(r->serve_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return hv_fail(-errno, NULL, "--serve file: %s", r->serve_path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hv_fail(-EINVAL, "give a regular file", "--serve file: %s", r->serve_path);
	}
	r->file_len = (uint64_t)st.st_size;
	if (r->file_len) {
		/* populated now, so serving a fault never waits on a fault of our own */
		void *p = mmap(NULL, r->file_len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);

		if (p == MAP_FAILED) {
			int err = -errno;

			close(fd);
			return hv_fail(err, NULL, "mmap %s", r->serve_path);
		}
		r->file = p;
	}
	close(fd);
	/* Pages past the end of the file come from the zero page instead. */
	r->file_len = r->file_len / UW_PAGE * UW_PAGE;
	return 0;
}

static void cleanup(struct run *r)
{
	while (r->procs)
		uw_proc_free(r, r->procs);
	uw_proc_reap(r);
	if (r->listen >= 0)
		close(r->listen);
	if (r->sock[0])
		unlink(r->sock);
	if (r->dir[0])
		rmdir(r->dir);
	if (r->ep >= 0)
		close(r->ep);
	if (r->timer >= 0)
		close(r->timer);
	r->timer = -1;
}

const struct poptOption uw_run_options[] = {
    {"mode", 'm', POPT_ARG_STRING, HV_AT(struct uw_ctx, o.mode), 0,
     "missing (default), wp, minor or wp-async", "MODE"},
    {"interval", 'i', POPT_ARG_STRING, HV_AT(struct uw_ctx, o.interval), 0,
     "wp-async (dirty): report the pages written every DURATION (default 1s)", "DURATION"},
    {"serve", 's', POPT_ARG_STRING, HV_AT(struct uw_ctx, o.serve), 0, "zero (default) or file:PATH",
     "HOW"},
    {"trace", 't', POPT_ARG_NONE, HV_AT(struct uw_ctx, trace), 0, "print every fault and event",
     NULL},
    {"stats", 0, POPT_ARG_NONE, HV_AT(struct uw_ctx, stats), 0, "print fault statistics at exit",
     NULL},
    {"min-size", 0, POPT_ARG_STRING, HV_AT(struct uw_ctx, o.min_size), 0,
     "register anonymous mappings of at least SIZE (default 1M)", "SIZE"},
    {"output", 'o', POPT_ARG_STRING, HV_AT(struct uw_ctx, output), 0,
     "write trace and stats to FILE", "FILE"},
    {"fault-around", 0, POPT_ARG_STRING, HV_AT(struct uw_ctx, o.around), 0,
     "pages per missing fault: auto (default without --trace: grows on sequential "
     "faults), off, or a fixed N",
     "auto|off|N"},
    {"wp-unpopulated", 0, POPT_ARG_STRING, HV_AT(struct uw_ctx, o.wp_unpopulated), 0,
     "--mode wp: auto (default: UFFD_FEATURE_WP_UNPOPULATED where the kernel has it) "
     "or off",
     "auto|off"},
    {"spin", 0, POPT_ARG_STRING, HV_AT(struct uw_ctx, o.spin), 0,
     "after a fault, poll USEC microseconds for the next (default 50; 0: never)", "USEC"},
    POPT_TABLEEND,
};

/* run and dirty: dirty is run --mode wp-async, with its own words for it. */
static int run_command(struct uw_ctx *x, int nargs, const char **cmd, bool dirty)
{
	const struct uw_opts *o = &x->o;
	struct run r = {.x = x,
			.ep = -1,
			.listen = -1,
			.timer = -1,
			.min_size = 1 << 20,
			.spin_ns = 50000,
			.interval_ns = 1000000000};
	char agent[PATH_MAX];
	int rc;
	uint64_t kioctls;

	if (!nargs) {
		rc = hv_usage_error("run needs a command: run [OPTIONS] -- CMD [ARGS...]");
		goto out_args;
	}
	r.mode = o->mode ? mode_from_name(o->mode) : dirty ? UW_MODE_WP_ASYNC : UW_MODE_MISSING;
	if (r.mode < 0) {
		rc = hv_usage_error("--mode %s: use missing, wp, minor or wp-async", o->mode);
		goto out_args;
	}
	if (dirty && r.mode != UW_MODE_WP_ASYNC) {
		rc = hv_usage_error("dirty is --mode wp-async: no other --mode");
		goto out_args;
	}
	if (o->interval && r.mode != UW_MODE_WP_ASYNC) {
		rc = hv_usage_error("--interval applies to dirty (--mode wp-async) only");
		goto out_args;
	}
	if (o->interval) {
		uint64_t ms;

		if (hv_parse_duration_ms(o->interval, 86400000, &ms) < 0 || ms < 10) {
			rc = hv_usage_error("--interval %s: use a duration from 10ms to 24h, like "
					    "500ms or 2s",
					    o->interval);
			goto out_args;
		}
		r.interval_ns = ms * 1000000;
	}
	if (r.mode == UW_MODE_WP_ASYNC && (x->trace || o->serve)) {
		rc = hv_usage_error("dirty (--mode wp-async) reports pages written, no faults: "
				    "--trace and --serve do not apply");
		goto out_args;
	}
	if (o->serve && strcmp(o->serve, "zero")) {
		if (strncmp(o->serve, "file:", 5) || !o->serve[5]) {
			rc = hv_usage_error("--serve %s: use zero or file:PATH", o->serve);
			goto out_args;
		}
		if (r.mode == UW_MODE_MINOR) {
			rc =
			    hv_usage_error("--serve file: does not apply to --mode minor (the page "
					   "cache already holds the content)");
			goto out_args;
		}
		r.serve_path = o->serve + 5;
	}
	if (o->min_size && hv_parse_size(o->min_size, UW_PAGE, UW_ADDR_LIMIT, &r.min_size) < 0) {
		rc = hv_usage_error("--min-size %s: use a size of at least 4K, like 64K or 1M",
				    o->min_size);
		goto out_args;
	}
	if (o->spin) {
		uint64_t us;

		if (hv_parse_dec(o->spin, 0, 1000000, &us) < 0) {
			rc = hv_usage_error("--spin %s: use microseconds, 0 to 1000000", o->spin);
			goto out_args;
		}
		r.spin_ns = us * 1000;
	}
	/*
	 * A trace is there to show every first touch, and fault-around would
	 * hide the touches it anticipates: off by default with --trace.
	 */
	if (!o->around) {
		r.adaptive = r.mode == UW_MODE_MISSING && !x->trace;
		r.around = r.adaptive ? UW_AROUND_AUTO : 1;
	} else if (!strcmp(o->around, "auto")) {
		r.adaptive = true;
		r.around = UW_AROUND_AUTO;
	} else if (!strcmp(o->around, "off")) {
		r.around = 1;
	} else if (hv_parse_dec(o->around, 1, 512, &r.around) < 0) {
		rc =
		    hv_usage_error("--fault-around %s: use auto, off or 1 to 512 pages", o->around);
		goto out_args;
	}
	if (o->wp_unpopulated && strcmp(o->wp_unpopulated, "auto") &&
	    strcmp(o->wp_unpopulated, "off")) {
		rc = hv_usage_error("--wp-unpopulated %s: use auto or off", o->wp_unpopulated);
		goto out_args;
	}
	if (o->wp_unpopulated && r.mode != UW_MODE_WP) {
		rc = hv_usage_error("--wp-unpopulated applies to --mode wp only");
		goto out_args;
	}
	r.wp_unpop_off = o->wp_unpopulated && !strcmp(o->wp_unpopulated, "off");
	if (r.around > 1 && r.mode != UW_MODE_MISSING) {
		rc = hv_usage_error("--fault-around %s: only with --mode missing (use off)",
				    o->around);
		goto out_args;
	}

	rc = uw_kernel_features(&r.kfeatures, &kioctls);
	if (rc < 0) {
		rc = hv_fail(rc,
			     rc == -EPERM ? "run as root, set vm.unprivileged_userfaultfd=1 or "
					    "grant access to /dev/userfaultfd"
					  : NULL,
			     "cannot create a userfaultfd");
		goto out_args;
	}
	r.want = UFFD_FEATURE_THREAD_ID | UFFD_FEATURE_EVENT_FORK | UFFD_FEATURE_EVENT_REMAP |
		 UFFD_FEATURE_EVENT_REMOVE | UFFD_FEATURE_EVENT_UNMAP;
	if (r.mode == UW_MODE_WP) {
		if (!(r.kfeatures & UFFD_FEATURE_PAGEFAULT_FLAG_WP)) {
			rc = hv_fail(-EOPNOTSUPP, "write-protect faults need Linux 5.7 or later",
				     "--mode wp: the kernel lacks UFFD_FEATURE_PAGEFAULT_FLAG_WP");
			goto out_args;
		}
		r.want |= UFFD_FEATURE_PAGEFAULT_FLAG_WP;
		/*
		 * Linux 6.4+: write-protecting an empty entry leaves a marker,
		 * so a page nobody wrote costs no round trip at all (reads map
		 * the zero page). --serve file: needs its missing faults.
		 */
		r.wp_unpop =
		    (r.kfeatures & UFFD_FEATURE_WP_UNPOPULATED) && !r.serve_path && !r.wp_unpop_off;
		if (r.wp_unpop)
			r.want |= UFFD_FEATURE_WP_UNPOPULATED;
	}
	if (r.mode == UW_MODE_WP_ASYNC) {
		const uint64_t need = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED;

		if ((r.kfeatures & need) != need || !uw_dirty_have_scan()) {
			rc =
			    hv_fail(-EOPNOTSUPP,
				    "write tracking without a fault round trip needs Linux 6.7 or "
				    "later; use run --mode wp",
				    "dirty: the kernel lacks %s",
				    !(r.kfeatures & UFFD_FEATURE_WP_ASYNC) ? "UFFD_FEATURE_WP_ASYNC"
				    : !(r.kfeatures & UFFD_FEATURE_WP_UNPOPULATED)
					? "UFFD_FEATURE_WP_UNPOPULATED"
					: "the PAGEMAP_SCAN ioctl");
			goto out_args;
		}
		r.want |= UFFD_FEATURE_PAGEFAULT_FLAG_WP | need;
	}
	if (r.mode == UW_MODE_MINOR) {
		if (!(r.kfeatures & UFFD_FEATURE_MINOR_SHMEM)) {
			rc = hv_fail(-EOPNOTSUPP, "minor faults on shmem need Linux 5.14 or later",
				     "--mode minor: the kernel lacks UFFD_FEATURE_MINOR_SHMEM");
			goto out_args;
		}
		r.want |= UFFD_FEATURE_MINOR_SHMEM;
	}
	if ((rc = uw_find_agent(agent, sizeof(agent))))
		goto out_args;
	r.zero = mmap(NULL, r.around * UW_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r.zero == MAP_FAILED) {
		rc = hv_fail(-errno, NULL, "mmap");
		goto out_args;
	}
	if (r.serve_path && (rc = map_file(&r)))
		goto out_args;
	if ((rc = uw_output_open(x)))
		goto out_args;
	if (r.mode == UW_MODE_WP_ASYNC && !x->c.json)
		fprintf(x->out, "# TIME PID - written MAPPING pages=N +OFFSET-END...  (the pages "
				"written in each --interval)\n");
	if (hv_signals_block(&r.sig, 1) < 0) {
		rc = hv_fail(-errno, NULL, "signalfd");
		goto out_args;
	}
	r.ep = epoll_create1(EPOLL_CLOEXEC);
	if (r.ep < 0) {
		rc = hv_fail(-errno, NULL, "epoll_create1");
		goto out;
	}
	if ((rc = uw_agent_listen(&r)))
		goto out;
	if (r.mode == UW_MODE_WP_ASYNC) {
		struct itimerspec its = {
		    .it_interval = {(time_t)(r.interval_ns / 1000000000),
				    (long)(r.interval_ns % 1000000000)},
		};

		its.it_value = its.it_interval;
		r.timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		r.timer_tag = (struct tag){T_TIMER, NULL};
		if (r.timer < 0 || timerfd_settime(r.timer, 0, &its, NULL) < 0 ||
		    uw_ep_add(&r, r.timer, &r.timer_tag) < 0) {
			rc = hv_fail(-errno, NULL, "timerfd");
			goto out;
		}
	}
	r.listen_tag = (struct tag){T_LISTEN, NULL};
	r.sig_tag = (struct tag){T_SIGNAL, NULL};
	if (uw_ep_add(&r, r.listen, &r.listen_tag) < 0 || uw_ep_add(&r, r.sig.fd, &r.sig_tag) < 0) {
		rc = hv_fail(-errno, NULL, "epoll_ctl");
		goto out;
	}
	x->t0_ns = hv_now_ns();
	hv_step("listening");
	/* A signal that came during setup: the program is not started at all. */
	rc = hv_signals_pending(&r.sig);
	if (rc > 0 && rc != SIGCHLD) {
		rc = hv_signal_exit_code(rc);
		goto out;
	}
	if ((rc = uw_spawn(&r, agent, cmd)))
		goto out;
	hv_step("spawned");
	if ((rc = uw_run_loop(&r)))
		goto out;
	hv_step("exited");
	if (x->stats)
		uw_print_stats(x, &r.st, stats_extra, &r);
	if (!r.st_mappings && !x->c.quiet)
		hv_note("hint: no mapping was registered: %s made none of at least --min-size "
			"%llu bytes (try a smaller one), or it is statically linked (the agent "
			"cannot load)",
			cmd[0], (unsigned long long)r.min_size);
	if (WIFEXITED(r.status)) {
		rc = WEXITSTATUS(r.status);
	} else if (WIFSIGNALED(r.status)) {
		rc = hv_signal_exit_code(WTERMSIG(r.status));
		if (x->c.verbose)
			hv_note("%s: killed by signal %d", cmd[0], WTERMSIG(r.status));
	}
out:
	if (!r.child_done && r.child > 0) {
		/* we are failing: do not leave the program waiting on us */
		cleanup(&r);
		r.ep = -1;
		r.listen = -1;
		r.sock[0] = r.dir[0] = '\0';
	}
	cleanup(&r);
	hv_signals_restore(&r.sig);
	uw_output_close(x);
out_args:
	return rc;
}

int uw_run(void *ctx, int argc, const char **argv)
{
	return run_command(ctx, argc, argv, false);
}

int uw_dirty(void *ctx, int argc, const char **argv)
{
	return run_command(ctx, argc, argv, true);
}
