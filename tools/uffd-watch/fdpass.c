// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Descriptors received over a socket (SCM_RIGHTS): a userfaultfd from the
 * preload agent, a userfaultfd and a backing file from a VMM. Whatever
 * comes beyond what is expected is closed, never kept.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uffd-watch.h"

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
