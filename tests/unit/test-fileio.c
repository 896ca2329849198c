// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "sysfs.h"
#include "unit.h"

static void put(const char *dir, const char *rel, const char *content)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

int main(void)
{
	struct unit u = {0};
	char dir[] = "/tmp/hv-unit-XXXXXX";
	char path[4096], buf[16], name[64], *big = NULL;
	struct hv_path p;
	uint64_t v = 0;
	size_t len = 0;
	char **names = NULL;
	int rc;

	if (!mkdtemp(dir))
		return 1;

	snprintf(path, sizeof(path), "%s/small", dir);
	put(dir, "small", "hello\n");
	CHECK(&u, hv_read_file(path, buf, sizeof(buf), &len) == 0 && len == 6, "read small");
	CHECK(&u, hv_chomp(buf) == 5 && !strcmp(buf, "hello"), "chomp");
	put(dir, "exact", "0123456789abcde"); /* 15 bytes: fills buf[16] exactly */
	snprintf(path, sizeof(path), "%s/exact", dir);
	CHECK(&u, hv_read_file(path, buf, sizeof(buf), &len) == 0 && len == 15, "exact fit");
	put(dir, "big", "0123456789abcdef0");
	snprintf(path, sizeof(path), "%s/big", dir);
	CHECK(&u, hv_read_file(path, buf, sizeof(buf), &len) == -EFBIG, "too big is EFBIG");
	CHECK(&u, hv_read_file_alloc(path, 100, &big, &len) == 0 && len == 17, "alloc read");
	free(big);
	CHECK(&u, hv_read_file_alloc(path, 10, &big, &len) == -EFBIG, "alloc read bounded");
	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK(&u, hv_read_file(path, buf, sizeof(buf), NULL) == -ENOENT, "missing is ENOENT");

	snprintf(path, sizeof(path), "%s/atomic", dir);
	CHECK(&u, hv_write_file_atomic(path, "one", 3, 0600) == 0, "atomic write");
	CHECK(&u,
	      hv_write_file_atomic(path, "two!", 4, 0600) == 0 &&
		  hv_read_file(path, buf, sizeof(buf), &len) == 0 && !strcmp(buf, "two!"),
	      "atomic replace");
	CHECK(&u,
	      hv_write_attr(path, "attr") == 0 && hv_read_file(path, buf, sizeof(buf), &len) == 0 &&
		  !strcmp(buf, "attr"),
	      "attribute write");
	snprintf(path, sizeof(path), "%s/nodir/x", dir);
	CHECK(&u, hv_write_attr(path, "x") == -ENOENT, "attribute write to missing");

	/* A fake sysfs under a root prefix. */
	snprintf(path, sizeof(path), "%s/sys", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/dev", dir);
	mkdir(path, 0755);
	put(dir, "sys/dev/vendor", "0x1234\n");
	put(dir, "sys/dev/count", "17\n");
	put(dir, "sys/dev/bad", "17x\n");
	snprintf(path, sizeof(path), "%s/sys/drivers/edu", dir);
	mkdir(path, 0755);
	path[strlen(path) - 4] = '\0';
	snprintf(path, sizeof(path), "%s/sys/dev/driver", dir);
	rc = symlink("../drivers/edu", path);
	CHECK(&u, rc == 0, "fixture symlink");

	CHECK(&u, hv_path_init(&p, dir) == 0, "path init");
	CHECK(&u,
	      hv_path_read(&p, name, sizeof(name), "/sys/dev/%s", "vendor") == 6 &&
		  !strcmp(name, "0x1234"),
	      "prefixed read");
	CHECK(&u, hv_path_read_hex(&p, &v, "/sys/dev/vendor") == 0 && v == 0x1234, "read hex");
	CHECK(&u, hv_path_read_u64(&p, &v, "/sys/dev/count") == 0 && v == 17, "read u64");
	CHECK(&u, hv_path_read_u64(&p, &v, "/sys/dev/bad") == -EINVAL, "read u64 garbage");
	CHECK(&u,
	      hv_path_link_name(&p, name, sizeof(name), "/sys/dev/driver") == 0 &&
		  !strcmp(name, "edu"),
	      "link name");
	CHECK(&u, hv_path_exists(&p, "/sys/dev/count") && !hv_path_exists(&p, "/sys/nope"),
	      "exists");
	CHECK(&u,
	      hv_path_write(&p, "5", "/sys/dev/count") == 0 &&
		  hv_path_read_u64(&p, &v, "/sys/dev/count") == 0 && v == 5,
	      "write");
	rc = hv_path_list(&p, &names, "/sys/dev");
	CHECK(&u, rc == 4 && !strcmp(names[0], "bad") && !strcmp(names[3], "vendor") && !names[4],
	      "sorted listing");
	hv_strv_free(names);
	CHECK(&u, hv_path_list(&p, &names, "/sys/none") == -ENOENT, "listing missing dir");
	CHECK(&u, hv_path_init(&p, "/") == 0 && p.root[0] == '\0', "root / is live system");

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return unit_done(&u);
}
