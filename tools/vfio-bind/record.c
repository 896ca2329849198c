// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state record bind leaves for restore, read back as the untrusted text
 * it is (anyone with root may have edited it): a pure function over the
 * buffer, so the fuzz harness checks exactly what restore runs.
 */
#include <errno.h>
#include <string.h>

#include "vfio-bind.h"

bool vb_valid_driver_name(const char *s)
{
	size_t n = strlen(s);

	/* It names a directory under /sys/bus/pci/drivers: never that one or its parent. */
	if (n >= VB_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

int vb_record_parse(char *buf, char *driver, char *override)
{
	char *line, *save = NULL;
	bool have_driver = false;

	driver[0] = override[0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *val = strchr(line, '=');

		if (!val)
			return -EINVAL;
		*val++ = '\0';
		/* The record is input like any other: only names we could have written. */
		if (!vb_valid_driver_name(val))
			return -EINVAL;
		if (!strcmp(line, "driver")) {
			strcpy(driver, val);
			have_driver = true;
		} else if (!strcmp(line, "override")) {
			strcpy(override, val);
		}
	}
	return have_driver ? 0 : -EINVAL;
}
