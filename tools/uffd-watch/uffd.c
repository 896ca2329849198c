// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "diag.h"
#include "json.h"
#include "uffd.h"

const struct uw_name uw_feature_names[] = {
    {UFFD_FEATURE_PAGEFAULT_FLAG_WP, "pagefault_flag_wp"},
    {UFFD_FEATURE_EVENT_FORK, "event_fork"},
    {UFFD_FEATURE_EVENT_REMAP, "event_remap"},
    {UFFD_FEATURE_EVENT_REMOVE, "event_remove"},
    {UFFD_FEATURE_MISSING_HUGETLBFS, "missing_hugetlbfs"},
    {UFFD_FEATURE_MISSING_SHMEM, "missing_shmem"},
    {UFFD_FEATURE_EVENT_UNMAP, "event_unmap"},
    {UFFD_FEATURE_SIGBUS, "sigbus"},
    {UFFD_FEATURE_THREAD_ID, "thread_id"},
    {UFFD_FEATURE_MINOR_HUGETLBFS, "minor_hugetlbfs"},
    {UFFD_FEATURE_MINOR_SHMEM, "minor_shmem"},
    {UFFD_FEATURE_EXACT_ADDRESS, "exact_address"},
    {UFFD_FEATURE_WP_HUGETLBFS_SHMEM, "wp_hugetlbfs_shmem"},
    {UFFD_FEATURE_WP_UNPOPULATED, "wp_unpopulated"},
    {UFFD_FEATURE_POISON, "poison"},
    {UFFD_FEATURE_WP_ASYNC, "wp_async"},
    {UFFD_FEATURE_MOVE, "move"},
    {0, NULL},
};

/* Bit numbers are the _UFFDIO_* command numbers. */
const struct uw_name uw_ioctl_names[] = {
    {1ull << 0x00, "register"},
    {1ull << 0x01, "unregister"},
    {1ull << 0x02, "wake"},
    {1ull << 0x03, "copy"},
    {1ull << 0x04, "zeropage"},
    {1ull << 0x05, "move"},
    {1ull << 0x06, "writeprotect"},
    {1ull << 0x07, "continue"},
    {1ull << 0x08, "poison"},
    {1ull << 0x3f, "api"},
    {0, NULL},
};

const char *const uw_kind_names[UW_K_NR] = {"read", "write", "wp", "minor"};
const char *const uw_ev_names[UW_E_NR] = {"fork", "remap", "remove", "unmap"};

int uw_open_syscall(int flags)
{
	int fd = (int)syscall(SYS_userfaultfd, flags);

	return fd < 0 ? -errno : fd;
}

int uw_open_dev(int flags)
{
	int dev, fd;

	dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	fd = ioctl(dev, USERFAULTFD_IOC_NEW, flags);
	fd = fd < 0 ? -errno : fd;
	close(dev);
	return fd;
}

int uw_open_any(int flags)
{
	int fd = uw_open_syscall(flags);

	if (fd >= 0)
		return fd;
	fd = uw_open_dev(flags);
	if (fd >= 0)
		return fd;
	return uw_open_syscall(flags | UFFD_USER_MODE_ONLY);
}

int uw_api(int fd, uint64_t want, uint64_t *features, uint64_t *ioctls)
{
	struct uffdio_api a = {.api = UFFD_API, .features = want};

	if (ioctl(fd, UFFDIO_API, &a) < 0)
		return -errno;
	if (features)
		*features = a.features;
	if (ioctls)
		*ioctls = a.ioctls;
	return 0;
}

int uw_kernel_features(uint64_t *features, uint64_t *ioctls)
{
	int fd = uw_open_any(O_CLOEXEC), err;

	if (fd < 0)
		return fd;
	err = uw_api(fd, 0, features, ioctls);
	close(fd);
	return err;
}

bool uw_is_uffd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return !strcmp(link, "anon_inode:[userfaultfd]");
}

int uw_copy(int uffd, uint64_t dst, const void *src, uint64_t len, uint64_t mode, uint64_t *done)
{
	struct uffdio_copy c = {.dst = dst, .src = (uintptr_t)src, .len = len, .mode = mode};
	int err = ioctl(uffd, UFFDIO_COPY, &c) < 0 ? -errno : 0;

	if (done)
		*done = c.copy > 0 ? (uint64_t)c.copy : 0;
	return err;
}

int uw_zeropage(int uffd, uint64_t dst, uint64_t len, uint64_t *done)
{
	struct uffdio_zeropage z = {.range = {.start = dst, .len = len}};
	int err = ioctl(uffd, UFFDIO_ZEROPAGE, &z) < 0 ? -errno : 0;

	if (done)
		*done = z.zeropage > 0 ? (uint64_t)z.zeropage : 0;
	return err;
}

int uw_poison(int uffd, uint64_t dst, uint64_t len)
{
	struct uffdio_poison z = {.range = {.start = dst, .len = len}};

	return ioctl(uffd, UFFDIO_POISON, &z) < 0 ? -errno : 0;
}

int uw_wake(int uffd, uint64_t start, uint64_t len)
{
	struct uffdio_range r = {.start = start, .len = len};

	return ioctl(uffd, UFFDIO_WAKE, &r) < 0 ? -errno : 0;
}

int uw_writeprotect(int uffd, uint64_t start, uint64_t len, bool wp)
{
	struct uffdio_writeprotect w = {
	    .range = {.start = start, .len = len},
	    .mode = wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return ioctl(uffd, UFFDIO_WRITEPROTECT, &w) < 0 ? -errno : 0;
}

int uw_continue(int uffd, uint64_t start, uint64_t len, uint64_t *done)
{
	struct uffdio_continue c = {.range = {.start = start, .len = len}};
	int err = ioctl(uffd, UFFDIO_CONTINUE, &c) < 0 ? -errno : 0;

	if (done)
		*done = err ? (c.mapped > 0 ? (uint64_t)c.mapped : 0) : len;
	return err;
}

int uw_register(int uffd, uint64_t start, uint64_t len, uint64_t mode, uint64_t *ioctls)
{
	struct uffdio_register r = {.range = {.start = start, .len = len}, .mode = mode};

	if (ioctl(uffd, UFFDIO_REGISTER, &r) < 0)
		return -errno;
	if (ioctls)
		*ioctls = r.ioctls;
	return 0;
}

int uw_unregister(int uffd, uint64_t start, uint64_t len)
{
	struct uffdio_range r = {.start = start, .len = len};

	return ioctl(uffd, UFFDIO_UNREGISTER, &r) < 0 ? -errno : 0;
}

bool uw_batch_has(const struct uw_batch *b, uint64_t page)
{
	for (size_t i = 0; i < b->n; i++)
		if (page >= b->start[i] && page < b->end[i])
			return true;
	return false;
}

void uw_batch_add(struct uw_batch *b, uint64_t page, uint64_t len)
{
	if (!len || b->n == UW_BATCH)
		return;
	b->start[b->n] = page;
	b->end[b->n++] = page + len;
}

static unsigned int hist_index(uint64_t v)
{
	unsigned int m;

	if (v < 64)
		return (unsigned int)v;
	m = 63u - (unsigned int)__builtin_clzll(v);
	return 64 + (m - 6) * 32 + (unsigned int)((v >> (m - 5)) - 32);
}

/* The middle of a bucket, so percentiles are not biased low. */
static uint64_t hist_value(unsigned int i)
{
	unsigned int m;
	uint64_t lo;

	if (i < 64)
		return i;
	m = (i - 64) / 32 + 6;
	lo = (uint64_t)(32 + (i - 64) % 32) << (m - 5);
	return lo + ((1ull << (m - 5)) >> 1);
}

void uw_hist_add(struct uw_hist *h, uint64_t v)
{
	h->b[hist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

static uint64_t uw_hist_pct(const struct uw_hist *h, double pct)
{
	uint64_t want, seen = 0;

	if (!h->count)
		return 0;
	want = (uint64_t)((double)h->count * pct / 100.0 + 0.5);
	if (want < 1)
		want = 1;
	for (unsigned int i = 0; i < UW_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want)
			return hist_value(i) > h->max ? h->max : hist_value(i);
	}
	return h->max;
}

enum uw_kind uw_fault_kind(const struct uffd_msg *m)
{
	uint64_t f = m->arg.pagefault.flags;

	if (f & UFFD_PAGEFAULT_FLAG_WP)
		return UW_K_WP;
	if (f & UFFD_PAGEFAULT_FLAG_MINOR)
		return UW_K_MINOR;
	return (f & UFFD_PAGEFAULT_FLAG_WRITE) ? UW_K_WRITE : UW_K_READ;
}

static double rel_s(const struct uw_ctx *x, uint64_t t_ns)
{
	return (double)(t_ns - x->t0_ns) / 1e9;
}

void uw_trace_fault(struct uw_ctx *x, uint64_t t_ns, int pid, uint32_t tid, enum uw_kind k,
		    uint64_t addr, uint64_t map, uint64_t off)
{
	if (x->c.json) {
		struct hv_json j;

		hv_json_init(&j, x->out, true);
		hv_json_object_open(&j, NULL);
		hv_json_double(&j, "time", rel_s(x, t_ns));
		hv_json_str(&j, "event", "fault");
		hv_json_i64(&j, "pid", pid);
		hv_json_u64(&j, "tid", tid);
		hv_json_str(&j, "kind", uw_kind_names[k]);
		hv_json_hex(&j, "address", addr);
		if (map) {
			hv_json_hex(&j, "mapping", map);
			hv_json_u64(&j, "offset", off);
		} else {
			hv_json_null(&j, "mapping");
			hv_json_null(&j, "offset");
		}
		hv_json_object_close(&j);
		hv_json_end(&j);
		return;
	}
	if (map)
		fprintf(x->out, "%.6f %d %u %s 0x%llx 0x%llx+0x%llx\n", rel_s(x, t_ns), pid, tid,
			uw_kind_names[k], (unsigned long long)addr, (unsigned long long)map,
			(unsigned long long)off);
	else
		fprintf(x->out, "%.6f %d %u %s 0x%llx -\n", rel_s(x, t_ns), pid, tid,
			uw_kind_names[k], (unsigned long long)addr);
}

void uw_trace_event(struct uw_ctx *x, uint64_t t_ns, int pid, const char *ev, const char *ka,
		    uint64_t a, const char *kb, uint64_t b, const char *kc, uint64_t c)
{
	const char *keys[3] = {ka, kb, kc};
	uint64_t vals[3] = {a, b, c};

	if (x->c.json) {
		struct hv_json j;

		hv_json_init(&j, x->out, true);
		hv_json_object_open(&j, NULL);
		hv_json_double(&j, "time", rel_s(x, t_ns));
		hv_json_str(&j, "event", ev);
		hv_json_i64(&j, "pid", pid);
		for (int i = 0; i < 3; i++) {
			if (!keys[i])
				continue;
			/* lengths and pids are numbers, addresses hex strings */
			if (!strcmp(keys[i], "length") || !strcmp(keys[i], "parent"))
				hv_json_u64(&j, keys[i], vals[i]);
			else
				hv_json_hex(&j, keys[i], vals[i]);
		}
		hv_json_object_close(&j);
		hv_json_end(&j);
		return;
	}
	fprintf(x->out, "%.6f %d - %s", rel_s(x, t_ns), pid, ev);
	for (int i = 0; i < 3; i++) {
		if (!keys[i])
			continue;
		if (!strcmp(keys[i], "length") || !strcmp(keys[i], "parent"))
			fprintf(x->out, " %s=%llu", keys[i], (unsigned long long)vals[i]);
		else
			fprintf(x->out, " %s=0x%llx", keys[i], (unsigned long long)vals[i]);
	}
	fputc('\n', x->out);
}

void uw_print_stats(struct uw_ctx *x, const struct uw_stats *s,
		    void (*extra)(struct uw_ctx *, struct hv_json *, void *), void *arg)
{
	uint64_t total = 0;
	double secs, rate;
	static const double pcts[] = {50, 90, 99, 99.9};
	static const char *const pnames[] = {"p50", "p90", "p99", "p99.9"};

	for (int k = 0; k < UW_K_NR; k++)
		total += s->faults[k];
	secs = total && s->last_ns > s->first_ns ? (double)(s->last_ns - s->first_ns) / 1e9 : 0;
	rate = secs > 0 ? (double)(total > 1 ? total - 1 : total) / secs : 0;
	if (x->c.json) {
		struct hv_json j;

		hv_json_init(&j, x->out, true);
		hv_json_object_open(&j, NULL);
		hv_json_str(&j, "event", "stats");
		hv_json_object_open(&j, "faults");
		hv_json_u64(&j, "total", total);
		for (int k = 0; k < UW_K_NR; k++)
			hv_json_u64(&j, uw_kind_names[k], s->faults[k]);
		hv_json_u64(&j, "retried", s->retries);
		hv_json_object_close(&j);
		hv_json_object_open(&j, "events");
		for (int e = 0; e < UW_E_NR; e++)
			hv_json_u64(&j, uw_ev_names[e], s->events[e]);
		hv_json_object_close(&j);
		hv_json_double(&j, "seconds", secs);
		hv_json_double(&j, "faults_per_second", rate);
		hv_json_object_open(&j, "latency_us");
		for (int i = 0; i < 4; i++)
			hv_json_double(&j, pnames[i], (double)uw_hist_pct(&s->lat, pcts[i]) / 1e3);
		hv_json_double(&j, "max", (double)s->lat.max / 1e3);
		hv_json_double(&j, "mean",
			       s->lat.count ? (double)s->lat.sum / (double)s->lat.count / 1e3 : 0);
		hv_json_object_close(&j);
		if (extra)
			extra(x, &j, arg);
		hv_json_object_close(&j);
		hv_json_end(&j);
		return;
	}
	fprintf(x->out, "faults:      %llu (", (unsigned long long)total);
	for (int k = 0; k < UW_K_NR; k++)
		fprintf(x->out, "%s%s %llu", k ? ", " : "", uw_kind_names[k],
			(unsigned long long)s->faults[k]);
	fprintf(x->out, "; retried %llu)\n", (unsigned long long)s->retries);
	fprintf(x->out, "events:      ");
	for (int e = 0; e < UW_E_NR; e++)
		fprintf(x->out, "%s%s %llu", e ? ", " : "", uw_ev_names[e],
			(unsigned long long)s->events[e]);
	fprintf(x->out, "\nrate:        %.0f faults/s over %.6f s\n", rate, secs);
	fprintf(x->out, "latency:     ");
	for (int i = 0; i < 4; i++)
		fprintf(x->out, "%s %.1f us, ", pnames[i],
			(double)uw_hist_pct(&s->lat, pcts[i]) / 1e3);
	fprintf(x->out, "max %.1f us (message read to page installed)\n", (double)s->lat.max / 1e3);
	if (extra)
		extra(x, NULL, arg);
}

int uw_output_open(struct uw_ctx *x)
{
	if (!x->output || !strcmp(x->output, "-")) {
		x->out = stdout;
	} else {
		x->out = fopen(x->output, "we");
		if (!x->out) {
			int err = -errno;

			x->out = stdout;
			return hv_fail(err, NULL, "cannot open output %s", x->output);
		}
	}
	/* A text trace says what its columns are; JSON records name theirs. */
	if (x->trace && !x->c.json)
		fprintf(x->out, "# TIME PID TID KIND ADDRESS MAPPING+OFFSET  (events: TIME PID - "
				"EVENT KEY=VALUE...)\n");
	return 0;
}

void uw_output_close(struct uw_ctx *x)
{
	if (x->out && x->out != stdout)
		fclose(x->out);
	else
		fflush(stdout);
	x->out = NULL;
}

int uw_recv_fds(int sock, void *buf, size_t len, int *fds, int maxfds, int *nfds, size_t *got)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} c;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof(c.b)};
	struct cmsghdr *h;
	ssize_t n;
	int all = 0;

	*nfds = 0;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	*got = (size_t)n;
	/* Close whatever came beyond the descriptors we expect. */
	for (h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i * sizeof(int) + CMSG_LEN(0) < h->cmsg_len; i++) {
			int f;

			memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (all++ < maxfds)
				fds[(*nfds)++] = f;
			else
				close(f);
		}
	}
	if ((mh.msg_flags & MSG_CTRUNC) || all > maxfds) {
		for (int i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		return (mh.msg_flags & MSG_CTRUNC) ? -EMSGSIZE : -E2BIG;
	}
	return 0;
}

int uw_recv_fd(int sock, void *buf, size_t len, int *fd, size_t *got)
{
	int n, err = uw_recv_fds(sock, buf, len, fd, 1, &n, got);

	if (err || !n)
		*fd = -1;
	return err;
}
