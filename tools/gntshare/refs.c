// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The grant references a peer domain published in XenStore, parsed as the
 * untrusted text they are: a pure function, shared with the fuzz harness.
 */
#include <errno.h>
#include <string.h>

#include "gntshare.h"
#include "parse.h"

int gs_parse_refs_chunk(char *val, uint32_t *refs, uint32_t n, uint32_t *got)
{
	char *s, *tok, *save = NULL;
	bool any = false;

	/* gntshare never writes a chunk without refs: a blank one is not ours. */
	for (s = val; (tok = strtok_r(s, " ", &save)); s = NULL) {
		uint64_t ref;
		int rc = hv_parse_dec(tok, 0, UINT32_MAX, &ref);

		if (!rc && *got >= n)
			rc = -EINVAL;
		if (rc)
			return rc;
		refs[(*got)++] = (uint32_t)ref;
		any = true;
	}
	return any ? 0 : -EINVAL;
}
