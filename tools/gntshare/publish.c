// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Grant refs in XenStore, so a peer domain can find them:
 *   XSPATH/refs     "8 9 10 ..." (continued in refs-1, refs-2... past
 *                   2048 bytes, oxenstored's default limit of a value)
 *   XSPATH/domid    the granting domain (what the peer maps from)
 *   XSPATH/count    number of refs
 * all in one transaction, owned by this domain and readable by the peer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "diag.h"
#include "gntshare.h"
#include "parse.h"
#include "step.h"
#include "xs.h"

/*
 * The store's 4096-byte payload holds the node's path, a NUL and the value,
 * and oxenstored's default quota-maxsize caps a value at 2048 bytes: a chunk
 * fits both and never splits a number.
 */
#define GS_VALUE_MAX 2048
static size_t chunk_max(const char *path)
{
	size_t room = HV_XS_PAYLOAD_MAX - (strlen(path) + sizeof("/refs-999999"));

	return room < GS_VALUE_MAX ? room : GS_VALUE_MAX;
}

static int node(char *buf, size_t len, const char *path, const char *leaf)
{
	int n = snprintf(buf, len, "%s/%s", path, leaf);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int chunk_name(char *buf, size_t len, const char *path, unsigned int i)
{
	char leaf[32];

	if (i == 0)
		return node(buf, len, path, "refs");
	snprintf(leaf, sizeof(leaf), "refs-%u", i);
	return node(buf, len, path, leaf);
}

static int write_perm(struct hv_xs *x, xs_transaction_t t, const char *p, const char *val,
		      struct xs_permissions *perms, unsigned int nperms)
{
	int rc = val ? hv_xs_write(x, t, p, val, strlen(val)) : 0;

	return rc ? rc : hv_xs_set_perms(x, t, p, perms, nperms);
}

static int publish_once(struct hv_xs *x, const char *path, uint16_t self, uint16_t peer,
			const uint32_t *refs, uint32_t count)
{
	struct xs_permissions perms[2] = {
	    {.id = self, .perms = XS_PERM_NONE},
	    {.id = peer, .perms = XS_PERM_READ},
	};
	unsigned int nperms = peer == self ? 1 : 2;
	char p[HV_XS_ABS_PATH_MAX + 32], num[16], *chunk, *val;
	xs_transaction_t t;
	size_t used = 0;
	unsigned int ci = 0;
	size_t cmax = chunk_max(path);
	int rc;

	chunk = malloc(cmax + 16);
	if (!chunk)
		return -ENOMEM;
	rc = hv_xs_tx_start(x, &t);
	if (rc)
		goto out;
	/* Never take over a node someone else owns: release removes it all. */
	rc = hv_xs_read(x, t, path, &val, NULL);
	if (!rc) {
		free(val);
		rc = -EEXIST;
		goto abort;
	}
	if (rc != -ENOENT)
		goto abort;
	rc = hv_xs_write(x, t, path, "", 0);
	if (!rc)
		rc = hv_xs_set_perms(x, t, path, perms, nperms);
	for (uint32_t i = 0; !rc && i <= count; i++) {
		int n =
		    i < count ? snprintf(num, sizeof(num), "%s%u", used ? " " : "", refs[i]) : 0;

		if (i == count || used + (size_t)n > cmax) {
			chunk[used] = '\0';
			rc = chunk_name(p, sizeof(p), path, ci++);
			if (!rc)
				rc = write_perm(x, t, p, chunk, perms, nperms);
			used = 0;
			if (i < count)
				n = snprintf(num, sizeof(num), "%u", refs[i]);
		}
		if (i < count) {
			memcpy(chunk + used, num, (size_t)n);
			used += (size_t)n;
		}
	}
	snprintf(num, sizeof(num), "%u", self);
	if (!rc)
		rc = node(p, sizeof(p), path, "domid");
	if (!rc)
		rc = write_perm(x, t, p, num, perms, nperms);
	snprintf(num, sizeof(num), "%u", count);
	if (!rc)
		rc = node(p, sizeof(p), path, "count");
	if (!rc)
		rc = write_perm(x, t, p, num, perms, nperms);
	if (rc)
		goto abort;
	hv_step("publish-commit");
	rc = hv_xs_tx_end(x, t, false);
	goto out;
abort:
	hv_xs_tx_end(x, t, true);
out:
	free(chunk);
	return rc;
}

int gs_publish(struct hv_xs *x, const char *path, uint16_t self, uint16_t peer,
	       const uint32_t *refs, uint32_t count, bool writable)
{
	int rc = -EAGAIN;

	(void)writable;
	for (int attempt = 0; attempt < 16 && rc == -EAGAIN; attempt++)
		rc = publish_once(x, path, self, peer, refs, count);
	return rc;
}

int gs_unpublish(struct hv_xs *x, const char *path)
{
	int rc = hv_xs_rm(x, XBT_NULL, path);

	return rc == -ENOENT ? 0 : rc;
}

/* The first entry of a node's permissions: the domain that owns it. */
static int node_owner(struct hv_xs *x, xs_transaction_t t, const char *p, unsigned int *owner)
{
	struct xs_permissions *perms;
	unsigned int n;
	int rc = hv_xs_get_perms(x, t, p, &perms, &n);

	if (rc)
		return rc;
	if (!n) {
		free(perms);
		return -EINVAL;
	}
	*owner = perms[0].id;
	free(perms);
	return 0;
}

/*
 * Reads PATH/LEAF (PATH itself for a NULL leaf) and checks that it has the
 * owner of the others (*owner, or sets it for the first node read).
 */
static int read_owned(struct hv_xs *x, xs_transaction_t t, const char *path, const char *leaf,
		      int *owner, char **val)
{
	char p[HV_XS_ABS_PATH_MAX + 32];
	unsigned int o;
	int rc = leaf ? node(p, sizeof(p), path, leaf) : 0;

	if (!rc)
		rc = hv_xs_read(x, t, leaf ? p : path, val, NULL);
	if (rc)
		return rc;
	rc = node_owner(x, t, leaf ? p : path, &o);
	if (rc) {
		free(*val);
		return rc;
	}
	if (*owner == GS_OWNER_UNSET)
		*owner = (int)o;
	else if (*owner != (int)o)
		*owner = GS_OWNER_MIXED;
	return 0;
}

static int read_u64(struct hv_xs *x, xs_transaction_t t, const char *path, const char *leaf,
		    uint64_t max, int *owner, uint64_t *out)
{
	char *val;
	int rc = read_owned(x, t, path, leaf, owner, &val);

	if (rc)
		return rc;
	rc = hv_parse_dec(val, 0, max, out);
	free(val);
	return rc;
}

/* One consistent read: a sharer that republishes meanwhile makes the commit fail (-EAGAIN). */
static int read_published_once(struct hv_xs *x, xs_transaction_t t, const char *path,
			       struct gs_published *pub)
{
	char p[HV_XS_ABS_PATH_MAX + 32], *val;
	uint64_t n, d;
	uint32_t got = 0, *r;
	int rc;

	pub->owner = GS_OWNER_UNSET;
	rc = read_owned(x, t, path, NULL, &pub->owner, &val);
	if (rc)
		return rc;
	free(val);
	rc = read_u64(x, t, path, "count", GS_PAGES_MAX, &pub->owner, &n);
	if (rc)
		return rc;
	if (!n)
		return -EINVAL;
	hv_step("refs-count-read");
	rc = read_u64(x, t, path, "domid", GS_DOMID_MAX, &pub->owner, &d);
	if (rc)
		return rc;
	r = calloc(n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (unsigned int ci = 0; got < n; ci++) {
		rc = chunk_name(p, sizeof(p), path, ci);
		if (!rc)
			rc = read_owned(x, t, p, NULL, &pub->owner, &val);
		if (rc)
			goto fail;
		rc = gs_parse_refs_chunk(val, r, (uint32_t)n, &got);
		free(val);
		if (rc)
			goto fail;
	}
	pub->refs = r;
	pub->count = (uint32_t)n;
	pub->domid = (uint16_t)d;
	return 0;
fail:
	free(r);
	return rc;
}

int gs_read_published(struct hv_xs *x, const char *path, struct gs_published *pub)
{
	int rc = -EAGAIN, err;

	for (int attempt = 0; attempt < 16; attempt++) {
		xs_transaction_t t;

		rc = hv_xs_tx_start(x, &t);
		if (rc)
			return rc;
		rc = read_published_once(x, t, path, pub);
		/* Nothing was written: the commit only says whether the reads were consistent. */
		err = hv_xs_tx_end(x, t, false);
		if (!rc && !err)
			return 0;
		if (!rc) {
			free(pub->refs);
			pub->refs = NULL;
			rc = err;
		}
		/*
		 * C xenstored reads the live store inside a transaction (the
		 * commit fails if a node read changed), but not every daemon
		 * fails a commit that wrote nothing: count and refs that do not
		 * agree (refs-1 gone after count said 2) under a node that
		 * exists may be a republish in progress too. Either way, read
		 * again; what is still wrong after the last attempt is.
		 */
		if (rc != -EAGAIN && (pub->owner == GS_OWNER_UNSET ||
				      (rc != -ENOENT && rc != -EINVAL && rc != -ERANGE)))
			return rc;
		hv_sleep_ms(2);
	}
	return rc;
}

int gs_self_domid(const struct gs_ctx *c, uint16_t *domid)
{
	struct hv_xs x;
	char caps[256], *val;
	uint64_t d;
	int rc;

	rc = hv_xs_open(&x, HV_XS_DEFAULT, NULL);
	if (!rc) {
		rc = hv_xs_read(&x, XBT_NULL, "domid", &val, NULL);
		if (!rc) {
			rc = hv_parse_dec(val, 0, GS_DOMID_MAX, &d);
			free(val);
		}
		hv_xs_close(&x);
		if (!rc) {
			*domid = (uint16_t)d;
			return 0;
		}
	}
	/* Without a store: only the control domain says so in xenfs. */
	if (hv_path_read(&c->root, caps, sizeof(caps), "/proc/xen/capabilities") >= 0 &&
	    strstr(caps, "control_d")) {
		*domid = 0;
		return 0;
	}
	return rc ? rc : -ENOENT;
}
