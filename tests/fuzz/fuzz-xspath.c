// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * XenStore text that xsctl takes from argv and scripts: paths, permission
 * tokens and escaped values. Each parser must agree with an independent
 * reading of its documented rules (lib/xs.h, xsctl(1)), and what xsctl
 * prints must parse back to the same bytes:
 *   - hv_xs_check_path accepts exactly the daemons' path rules;
 *   - hv_xs_perm_parse accepts exactly [nrwb]<domid <= 65535>, and the
 *     formatted token parses back to the same entry;
 *   - xsctl_escape output is printable ASCII that xsctl_unescape turns back
 *     into the original bytes, for any bytes (NUL included), and whatever
 *     xsctl_unescape makes of any text escapes and unescapes to itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "xs.h"
#include "xsctl.h"

static void check_path(const char *s, size_t len)
{
	for (int special = 0; special < 2; special++) {
		const char *why = NULL;
		int rc = hv_xs_check_path(s, special, &why);
		bool ok = len > 0 && len <= (s[0] == '/' ? HV_XS_ABS_PATH_MAX : HV_XS_REL_PATH_MAX);

		for (size_t i = 0; ok && i < len; i++) {
			char c = s[i];

			ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-' || c == '@';
			if (c == '/' && i + 1 < len && s[i + 1] == '/')
				ok = false;
		}
		if (len > 1 && s[len - 1] == '/')
			ok = false;
		if (special && (!strcmp(s, "@introduceDomain") || !strcmp(s, "@releaseDomain")))
			ok = true;
		FUZZ_CHECK(ok == !rc);
		/* A rejection always says why, in one of the two documented ways. */
		if (rc)
			FUZZ_CHECK(why && *why && (rc == -EINVAL || rc == -ENAMETOOLONG));
	}
}

static void check_perm(const char *tok)
{
	struct xs_permissions p, q;
	char buf[16];
	bool ok = strchr("nrwb", tok[0]) && tok[0] && tok[1];
	unsigned long id = 0;

	for (const char *d = tok + 1; ok && *d; d++) {
		ok = *d >= '0' && *d <= '9';
		if (id <= 65535)
			id = id * 10 + (unsigned long)(*d - '0');
	}
	ok = ok && id <= 65535;
	FUZZ_CHECK(ok == !hv_xs_perm_parse(tok, &p));
	if (!ok)
		return;
	FUZZ_CHECK(p.id == id);
	hv_xs_perm_format(&p, buf, sizeof(buf));
	FUZZ_CHECK(buf[0] == tok[0] && !hv_xs_perm_parse(buf, &q) && q.id == p.id &&
		   q.perms == p.perms);
}

/* xsctl_escape into a malloc'ed string. */
static char *escape(const char *v, size_t len)
{
	char *out = NULL;
	size_t ol = 0;
	FILE *f = open_memstream(&out, &ol);

	FUZZ_CHECK(f);
	xsctl_escape(f, v, len);
	fclose(f);
	FUZZ_CHECK(out && strlen(out) == ol);
	for (size_t i = 0; i < ol; i++)
		FUZZ_CHECK(out[i] >= ' ' && out[i] <= '~');
	return out;
}

static void check_escape(const char *v, size_t len)
{
	char *e = escape(v, len), *u;
	size_t ul;

	FUZZ_CHECK(!xsctl_unescape(e, &u, &ul));
	FUZZ_CHECK(ul == len && !memcmp(u, v, len));
	free(u);
	free(e);
}

static void check_unescape(const char *s)
{
	char *u, *e, *u2;
	size_t ul, ul2, n = strlen(s);
	int rc = xsctl_unescape(s, &u, &ul);

	/* Only a trailing lone backslash is an error. */
	if (rc) {
		size_t bs = 0;

		for (size_t i = n; i > 0 && s[i - 1] == '\\'; i--)
			bs++;
		FUZZ_CHECK(rc == -EINVAL && bs % 2 == 1);
		return;
	}
	FUZZ_CHECK(ul <= n && u[ul] == '\0');
	e = escape(u, ul);
	FUZZ_CHECK(!xsctl_unescape(e, &u2, &ul2));
	FUZZ_CHECK(ul2 == ul && !memcmp(u2, u, ul));
	free(u2);
	free(e);
	free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *save = NULL, *tok;
	size_t len;

	FUZZ_CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	/* Values are binary-safe: escaping takes every byte, NULs included. */
	check_escape(s, size);
	/* Everything else is a C string from argv or a script line. */
	len = strlen(s);
	check_path(s, len);
	check_unescape(s);
	check_perm(s);
	for (tok = strtok_r(s, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		check_perm(tok);
	free(s);
	return 0;
}
