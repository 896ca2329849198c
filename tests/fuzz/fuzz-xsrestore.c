// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xsctl restore: the input is a dump file, which restore reads as the
 * untrusted JSON it is (anyone may hand one over) and checks completely
 * (structure, paths, value sizes, hex, permissions) before it connects.
 * Here the connection goes to a socket that does not exist, so the run
 * ends either with a usage error (2: the dump was rejected) or with "cannot
 * reach XenStore" (5: the dump passed every check); never with a crash, a
 * leak or anything else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fuzz.h"
#include "xsctl.h"

/* An accepted dump is one JSON object, with nothing but blanks after it. */
static bool one_object(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new_ex(HV_XS_ABS_PATH_MAX + 2);
	struct json_object *o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	bool ok = o && json_tokener_get_error(tok) == json_tokener_success &&
		  json_object_is_type(o, json_type_object);

	for (size_t i = ok ? json_tokener_get_parse_end(tok) : size; i < size; i++)
		ok = ok && data[i] && strchr(" \t\r\n", data[i]);
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xsctl x = {.out = stdout, .t = XBT_NULL, .where = "", .xs = {.fd = -1}};
	char file[64];
	const char *argv[] = {"restore", file, NULL};
	int fd = memfd_create("fuzz-dump", MFD_CLOEXEC), rc;

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	snprintf(file, sizeof(file), "/proc/self/fd/%d", fd);
	x.transport = HV_XS_SOCKET;
	x.socket_path = "/nonexistent/hvutils-fuzz/socket";
	rc = xsctl_dispatch(&x, 2, argv);
	FUZZ_CHECK(rc == HV_EXIT_USAGE || rc == HV_EXIT_NODEV);
	FUZZ_CHECK(!x.connected);
	if (rc == HV_EXIT_NODEV)
		FUZZ_CHECK(one_object(data, size));
	hv_xs_close(&x.xs);
	close(fd);
	return 0;
}
