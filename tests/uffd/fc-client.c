// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-fc-client: plays Firecracker's part of the snapshot-restore handler
 * protocol against `uffd-watch serve`, so serve can be tested without a VMM.
 *
 *   uffd-fc-client make-memory FILE PAGES
 *       page i of FILE: its index as a 64-bit number, then bytes (i*31+7)
 *   uffd-fc-client run SOCKET FILE [-o ORDER] [-R] [-d PAGE] [-j JSON] [-n] [-t]
 *       Maps two regions (file pages 0-15 and 16-31 unless -r), registers
 *       them with a userfaultfd (EVENT_REMOVE on), connects to SOCKET and
 *       sends the region JSON and the descriptor in one message, as
 *       Firecracker does. Then reads the pages in ORDER (file page indices)
 *       and checks each against FILE.
 *       -r N      one region of N pages instead
 *       -R        first wait until every page is resident (prefetch tests)
 *       -d PAGE   then madvise(MADV_DONTNEED) it (a balloon) and expect zeros
 *       -j JSON   send JSON verbatim instead (malformed-message tests)
 *       -n        send no descriptor
 *       -t        touch nothing: wait for the server to hang up, print "closed"
 *       -U UID    first become UID (gid UID, no groups): a VMM of another user
 *       -b PAGE   then read PAGE, which serve cannot give: prints "sigbus PAGE"
 *                 when the read raised SIGBUS, "zero PAGE" when it read zeros
 *       -H        back the regions with 2 MiB hugetlbfs pages (MAP_HUGETLB, as
 *                 a VMM with huge pages does; vm.nr_hugepages must allow
 *                 it) and say page_size 2097152: the regions are 512 pages
 *                 (one huge page) each, or -r N with N a multiple of 512
 *       -s US     sleep US microseconds after each page checked (a slow restore,
 *                 so that several run at once, or one can be killed midway)
 *       -w MS     wait MS milliseconds after connecting before sending the
 *                 message (a VMM slow to hand over)
 *       -M        MINOR mode: the regions are shared mappings of one memfd
 *                 (hugetlbfs with -H) laid out as the memory file, sealed
 *                 against shrinking, registered missing+minor and said
 *                 "minor": true; every even page (huge page with -H) of the
 *                 memfd is put in its page cache holding garbage (0xee), so
 *                 its first touch is a minor fault serve must fill, the odd
 *                 ones are missing faults; the memfd goes along as the
 *                 second descriptor
 *       -P        with -M: the VMM fills the memfd with the snapshot itself,
 *                 registers minor only and sends no second descriptor
 *       -u        with -M: leave the memfd unsealed
 *       -F FILE   with -M: send FILE as the second descriptor instead
 *       -R waits for the pages to be mapped here (pagemap), with -M too
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <grp.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PG  4096
#define HPG ((size_t)2 << 20)

static void fill(unsigned char *pg, uint64_t i)
{
	for (int b = 0; b < PG; b++)
		pg[b] = (unsigned char)(i * 31 + 7);
	memcpy(pg, &i, sizeof(i));
}

static int make_memory(const char *path, long pages)
{
	unsigned char pg[PG];
	FILE *f = fopen(path, "w");

	if (!f || pages < 1)
		return 1;
	for (long i = 0; i < pages; i++) {
		fill(pg, (uint64_t)i);
		if (fwrite(pg, PG, 1, f) != 1)
			return 1;
	}
	return fclose(f) ? 1 : 0;
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* What reading a page gives: "sigbus", "zero" or "data". */
static const char *read_bad(const unsigned char *page)
{
	static const unsigned char zero[PG];
	struct sigaction sa_bus = {.sa_handler = on_bus};

	sigaction(SIGBUS, &sa_bus, NULL);
	if (sigsetjmp(bus_jmp, 1))
		return "sigbus";
	return memcmp(page, zero, PG) ? "data" : "zero";
}

static int die(const char *what)
{
	fprintf(stderr, "uffd-fc-client: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_EVENT_REMOVE};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int order[4096], norder = -1, one = 0, resident = 0, dontneed = -1, nofd = 0, notouch = 0;
	long as_uid = -1;
	int bad = -1;
	const char *json = NULL;
	char body[4096];
	unsigned char *base[2], expect[PG];
	int nreg, sizes[2], fd, s, opt, huge = 0;
	long sleep_us = 0, wait_ms = 0;
	int minor = 0, selffill = 0, memfd = -1, unsealed = 0;
	const char *wrong = NULL;
	size_t gap = PG;

	if (argc == 4 && !strcmp(argv[1], "make-memory"))
		return make_memory(argv[2], atol(argv[3]));
	if (argc < 4 || strcmp(argv[1], "run"))
		return 2;
	optind = 4;
	while ((opt = getopt(argc, argv, "o:r:Rd:j:ntU:b:Hs:w:MPuF:")) != -1) {
		switch (opt) {
		case 'o': {
			char *p = optarg, *end;

			for (norder = 0; *p && norder < 4096; p = *end ? end + 1 : end) {
				order[norder++] = (int)strtol(p, &end, 10);
				if (end == p)
					return 2;
			}
			break;
		}
		case 'r':
			one = atoi(optarg);
			break;
		case 'R':
			resident = 1;
			break;
		case 'd':
			dontneed = atoi(optarg);
			break;
		case 'j':
			json = optarg;
			break;
		case 'n':
			nofd = 1;
			break;
		case 't':
			notouch = 1;
			break;
		case 'U':
			as_uid = atol(optarg);
			break;
		case 'b':
			bad = atoi(optarg);
			break;
		case 'H':
			huge = 1;
			gap = HPG;
			break;
		case 's':
			sleep_us = atol(optarg);
			break;
		case 'w':
			wait_ms = atol(optarg);
			break;
		case 'M':
			minor = 1;
			break;
		case 'P':
			selffill = 1;
			break;
		case 'u':
			unsealed = 1;
			break;
		case 'F':
			wrong = optarg;
			break;
		default:
			return 2;
		}
	}
	nreg = one ? 1 : 2;
	sizes[0] = one ? one : huge ? (int)(HPG / PG) : 16;
	sizes[1] = huge ? (int)(HPG / PG) : 16;
	if (huge && sizes[0] % (int)(HPG / PG))
		return 2;
	if (as_uid >= 0 &&
	    (setgroups(0, NULL) < 0 || setresgid((gid_t)as_uid, (gid_t)as_uid, (gid_t)as_uid) < 0 ||
	     setresuid((uid_t)as_uid, (uid_t)as_uid, (uid_t)as_uid) < 0))
		return die("-U");
	if (minor) {
		size_t total = (size_t)(sizes[0] + (nreg > 1 ? sizes[1] : 0)) * PG;
		size_t unit = huge ? HPG : PG;
		unsigned char *m;

		api.features |= huge ? UFFD_FEATURE_MINOR_HUGETLBFS : UFFD_FEATURE_MINOR_SHMEM;
		memfd = memfd_create("guest",
				     MFD_CLOEXEC | MFD_ALLOW_SEALING | (huge ? MFD_HUGETLB : 0));
		if (memfd < 0 || ftruncate(memfd, (off_t)total) < 0 ||
		    (!unsealed && fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0))
			return die("memfd");
		m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
		if (m == MAP_FAILED)
			return die("mmap memfd");
		for (size_t i = 0; i < total / PG; i++) {
			if (selffill)
				fill(m + i * PG, i);
			else if ((i * PG / unit) % 2 == 0)
				memset(m + i * PG, 0xee, PG);
		}
		/* The pages stay in the memfd's page cache: not mapped in the regions yet. */
		munmap(m, total);
	}
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	/* Run as another uid (vm.unprivileged_userfaultfd=0): user faults only. */
	if (fd < 0 && errno == EPERM)
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) < 0)
		return die("userfaultfd");
	for (int r = 0; r < nreg; r++) {
		struct uffdio_register reg = {.mode = UFFDIO_REGISTER_MODE_MISSING};

		if (minor)
			reg.mode = UFFDIO_REGISTER_MODE_MINOR |
				   (selffill ? 0 : UFFDIO_REGISTER_MODE_MISSING);
		/* a guard page between regions, like the MMIO gap of a real guest */
		if (minor)
			base[r] = mmap(NULL, (size_t)sizes[r] * PG + gap, PROT_READ | PROT_WRITE,
				       MAP_SHARED, memfd, r ? (off_t)sizes[0] * PG : 0);
		else
			base[r] =
			    mmap(NULL, (size_t)sizes[r] * PG + gap, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | (huge ? MAP_HUGETLB : 0), -1, 0);
		if (base[r] == MAP_FAILED)
			return die(huge ? "mmap MAP_HUGETLB (vm.nr_hugepages)" : "mmap");
		munmap(base[r] + (size_t)sizes[r] * PG, gap);
		reg.range.start = (unsigned long)base[r];
		reg.range.len = (unsigned long)sizes[r] * PG;
		if (ioctl(fd, UFFDIO_REGISTER, &reg) < 0)
			return die("UFFDIO_REGISTER");
	}
	if (!json) {
		int n = snprintf(body, sizeof(body), "[");

		for (int r = 0; r < nreg; r++)
			n += snprintf(body + n, sizeof(body) - (size_t)n,
				      "%s{\"base_host_virt_addr\":%lu,\"size\":%d,\"offset\":%d,"
				      "\"page_size\":%zu,\"page_size_kib\":%zu%s}",
				      r ? "," : "", (unsigned long)base[r], sizes[r] * PG,
				      r ? sizes[0] * PG : 0, huge ? HPG : PG, huge ? HPG : PG,
				      minor ? ",\"minor\":true" : "");
		snprintf(body + n, sizeof(body) - (size_t)n, "]");
		json = body;
	}
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[2]);
	for (int i = 0; connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0; i++) {
		struct timespec ts = {0, 10000000};

		/* Only a server not listening yet is waited for. */
		if (i > 500 || (errno != ENOENT && errno != ECONNREFUSED))
			return die("connect");
		nanosleep(&ts, NULL);
	}
	if (wait_ms > 0) {
		struct timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1000000};

		nanosleep(&ts, NULL);
	}
	{
		struct iovec iov = {.iov_base = (void *)json, .iov_len = strlen(json)};
		union {
			char b[CMSG_SPACE(sizeof(int) * 2)];
			struct cmsghdr a;
		} c;
		int fds[2] = {fd, memfd}, nfds = minor && !selffill ? 2 : 1;

		if (wrong && (fds[1] = open(wrong, O_RDONLY | O_CLOEXEC)) < 0)
			return die(wrong);
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

		if (!nofd) {
			struct cmsghdr *h;

			memset(&c, 0, sizeof(c));
			mh.msg_control = c.b;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
			h = CMSG_FIRSTHDR(&mh);
			h->cmsg_level = SOL_SOCKET;
			h->cmsg_type = SCM_RIGHTS;
			h->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
			memcpy(CMSG_DATA(h), fds, sizeof(int) * (size_t)nfds);
		}
		if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0) {
			/* -t waits for the hang-up: one before the message is one too. */
			if (notouch && (errno == EPIPE || errno == ECONNRESET)) {
				printf("closed\n");
				return 0;
			}
			return die("sendmsg");
		}
	}
	if (notouch) {
		char b;

		while (read(s, &b, 1) > 0)
			;
		printf("closed\n");
		return 0;
	}
	if (norder < 0) {
		norder = sizes[0] + (nreg > 1 ? sizes[1] : 0);
		for (int i = 0; i < norder; i++)
			order[i] = i;
	}
	if (resident) {
		for (int tries = 0;; tries++) {
			int all = 1;

			for (int i = 0; i < norder && all; i++) {
				int r = order[i] >= sizes[0],
				    pg = r ? order[i] - sizes[0] : order[i];
				unsigned char v = 0;

				if (minor) {
					/* mincore says page cache: the mapping is pagemap's */
					uint64_t e = 0;
					int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
					off_t at = (off_t)((uintptr_t)(base[r] + (size_t)pg * PG) /
							   PG * sizeof(e));

					if (pm < 0 || pread(pm, &e, sizeof(e), at) != sizeof(e))
						return die("pagemap");
					close(pm);
					all = (e >> 63) & 1;
				} else {
					mincore(base[r] + (size_t)pg * PG, PG, &v);
					all = v & 1;
				}
			}
			if (all)
				break;
			if (tries > 1000) {
				fprintf(stderr, "uffd-fc-client: pages not resident after 10 s\n");
				return 1;
			}
			{
				struct timespec ts = {0, 10000000};

				nanosleep(&ts, NULL);
			}
		}
	}
	for (int i = 0; i < norder; i++) {
		int r = order[i] >= sizes[0], pg = r ? order[i] - sizes[0] : order[i];

		if (order[i] < 0 || r >= nreg || pg >= sizes[r])
			return 2;
		fill(expect, (uint64_t)order[i]);
		if (memcmp(base[r] + (size_t)pg * PG, expect, PG)) {
			fprintf(stderr, "uffd-fc-client: page %d: content differs from the file\n",
				order[i]);
			return 1;
		}
		if (sleep_us > 0) {
			struct timespec ts = {sleep_us / 1000000, (sleep_us % 1000000) * 1000};

			nanosleep(&ts, NULL);
		}
	}
	if (dontneed >= 0) {
		int r = dontneed >= sizes[0], pg = r ? dontneed - sizes[0] : dontneed;
		static const unsigned char zero[PG];
		size_t off = (size_t)pg * PG, len = PG;

		/* A huge page is removed whole. */
		if (huge) {
			off -= off % HPG;
			len = HPG;
		}
		if (madvise(base[r] + off, len, MADV_DONTNEED) < 0)
			return die("madvise");
		if (memcmp(base[r] + (size_t)pg * PG, zero, PG)) {
			fprintf(stderr, "uffd-fc-client: page %d: not zero after removal\n",
				dontneed);
			return 1;
		}
	}
	if (bad >= 0) {
		int r = bad >= sizes[0], pg = r ? bad - sizes[0] : bad;

		if (r >= nreg || pg >= sizes[r])
			return 2;
		printf("%s %d\n", read_bad(base[r] + (size_t)pg * PG), bad);
	}
	printf("ok %d pages\n", norder);
	return 0;
}
