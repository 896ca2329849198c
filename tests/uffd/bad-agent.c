// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-bad-agent [garbage|magic|map]: run under `uffd-watch run`, talks to
 * the agent socket in UFFD_WATCH_SOCKET like a broken (or hostile) agent:
 * 7 bytes of garbage, a full-size message with a wrong magic, or a MAP of an
 * unaligned range before any userfaultfd. uffd-watch must drop the
 * connection with a message; prints "reply N" with the bytes it got back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../tools/uffd-watch/proto.h"

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = getenv(UW_ENV_SOCKET), *what = argc > 1 ? argv[1] : "garbage";
	struct uw_msg m = {.magic = UW_MAGIC, .version = UW_VERSION};
	char buf[256];
	ssize_t n;
	int s;

	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return 2;
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 3;
	if (!strcmp(what, "garbage")) {
		n = send(s, "garbage", 7, 0);
	} else if (!strcmp(what, "magic")) {
		m.magic = 0xdeadbeef;
		m.type = UW_HELLO;
		n = send(s, &m, sizeof(m), 0);
	} else {
		m.type = UW_MAP;
		m.addr = 0x1001;
		m.len = 4096;
		n = send(s, &m, sizeof(m), 0);
	}
	if (n < 0)
		return 4;
	n = recv(s, buf, sizeof(buf), 0);
	printf("reply %zd\n", n);
	return 0;
}
