// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper for gntshare's --notify-port: an event channel loopback in
 * dom0. Binds an unbound port A for remote domain 0, binds B to (0, A),
 * prints B (the port to give gntshare: notifying B signals A), then waits
 * up to TIMEOUT_MS for an event. Exit 0 when A fired, 1 on errors, 2 on
 * timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* <xen/evtchn.h> uses domid_t without defining it. */
typedef uint16_t domid_t;
#include <xen/evtchn.h>

int main(int argc, char **argv)
{
	struct ioctl_evtchn_bind_unbound_port ub = {.remote_domain = 0};
	struct ioctl_evtchn_bind_interdomain id = {.remote_domain = 0};
	int fd, a, b, timeout = argc > 1 ? atoi(argv[1]) : 10000;
	struct pollfd pfd;
	uint32_t port;

	fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("/dev/xen/evtchn");
		return 1;
	}
	a = ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub);
	if (a < 0) {
		perror("BIND_UNBOUND_PORT");
		return 1;
	}
	id.remote_port = (unsigned int)a;
	b = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &id);
	if (b < 0) {
		perror("BIND_INTERDOMAIN");
		return 1;
	}
	printf("%d\n", b);
	fflush(stdout);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		int n = poll(&pfd, 1, timeout);

		if (n == 0) {
			fprintf(stderr, "evtchn-peer: no event on port %d\n", a);
			return 2;
		}
		if (n < 0) {
			perror("poll");
			return 1;
		}
		if (read(fd, &port, sizeof(port)) != sizeof(port)) {
			perror("read");
			return 1;
		}
		if ((int)port == a) {
			printf("event on port %d\n", a);
			return 0;
		}
	}
}
