// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * map: map another domain's grants through gntdev, write into them, read
 * them out, unmap. Signals are blocked while anything is mapped and acted
 * on after the unmap, so the gntdev unmap notify fires exactly when the
 * mapping goes, and output that blocks on a slow reader holds no grant:
 * pipes, terminals and devices get a copy written after the unmap, while a
 * regular file, which never waits for a reader, is written straight from
 * the mapping (a copy of 1024 pages costs a PV domain 2048 page faults).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/gntalloc.h>

#include "diag.h"
#include "fileio.h"
#include "gntshare.h"
#include "json.h"
#include "signals.h"
#include "step.h"
#include "xs.h"

static int refs_from_store(struct gs_map_opts *o)
{
	struct gs_published pub = {.refs = NULL};
	struct hv_xs x;
	int rc;

	rc = hv_xs_open(&x, HV_XS_DEFAULT, NULL);
	if (rc) {
		/* ENOENT here is a missing daemon, not a missing node: exit 5. */
		hv_err(rc, HV_XS_HINT_CONNECT, "--refs-from: cannot reach XenStore (%s)", x.tried);
		return HV_EXIT_NODEV;
	}
	rc = gs_read_published(&x, o->refs_from, &pub);
	hv_xs_close(&x);
	if (rc == -ENOENT)
		return hv_fail(rc, "nothing published there (is the sharer running?)",
			       "--refs-from %s", o->refs_from);
	if (rc == -EINVAL || rc == -ERANGE)
		return hv_fail(
		    -EINVAL,
		    "expected count, domid and refs as 'gntshare share --publish' writes them",
		    "--refs-from %s: malformed", o->refs_from);
	if (rc)
		return hv_fail(rc, NULL, "--refs-from %s", o->refs_from);
	/*
	 * Only the owner of a node can have written it: a domid that is not
	 * the owner's is a claim by someone else, who could point the map at
	 * a third domain's grants.
	 */
	if (pub.owner != pub.domid) {
		if (pub.owner == GS_OWNER_MIXED)
			hv_err(0, "only nodes one domain owns are trusted",
			       "--refs-from %s: its nodes have different owners: refusing to map",
			       o->refs_from);
		else
			hv_err(0, "only the owner's own domid is trusted",
			       "--refs-from %s: domid %u is not the node's owner (domain %d): "
			       "refusing to map",
			       o->refs_from, pub.domid, pub.owner);
		free(pub.refs);
		return HV_EXIT_PERM;
	}
	o->refs = pub.refs;
	o->count = pub.count;
	if (!o->have_domid)
		o->domid = pub.domid;
	return 0;
}

/* Like share --hold: a signal ends it; stdin stays free for --from -. */
static int hold(struct hv_signals *sig)
{
	struct pollfd pfd = {.fd = sig->fd, .events = POLLIN};

	while (poll(&pfd, 1, -1) < 0)
		if (errno != EINTR)
			return -errno;
	return 0; /* the signal is read and acted on after the unmap */
}

static int map_failed(const struct gs_ctx *c, const struct gs_map_opts *o, int err, bool writable)
{
	bool ro = false;
	char hint[256];
	uint64_t limit;
	int i;

	if (err == -E2BIG) {
		if (hv_path_read_u64(&c->root, &limit, GS_GNTDEV_LIMIT) == 0)
			snprintf(
			    hint, sizeof(hint),
			    "gntdev maps at most %llu grants per request; raise it: echo N > %s",
			    (unsigned long long)limit, GS_GNTDEV_LIMIT);
		else
			snprintf(hint, sizeof(hint), "gntdev's per-request limit: %s",
				 GS_GNTDEV_LIMIT);
		hv_err(err, hint, "cannot map %u grants of domain %u", o->count, o->domid);
		return HV_EXIT_LIMIT;
	}
	if (err != -EINVAL)
		return hv_fail(err, NULL, "cannot map %u grant%s of domain %u", o->count,
			       o->count == 1 ? "" : "s", o->domid);
	/* Xen refused a ref: say which, and whether only write access failed. */
	i = gs_map_diagnose(c, o->domid, o->refs, o->count, writable, &ro);
	if (i >= 0 && ro) {
		hv_err(-EACCES, "map it without --writable, --from or --notify-byte",
		       "ref %u of domain %u is granted read-only", o->refs[i], o->domid);
		return HV_EXIT_PERM;
	}
	if (i >= 0) {
		hv_err(-ENOENT, "is the sharer still holding it, and did it grant this domain?",
		       "ref %u: domain %u has no grant with this ref for this domain", o->refs[i],
		       o->domid);
		return HV_EXIT_NOTFOUND;
	}
	return hv_fail(err, NULL, "cannot map %u grants of domain %u", o->count, o->domid);
}

static void print_record(const struct gs_map_opts *o, uint64_t off, uint64_t len, size_t written)
{
	struct hv_json j;

	hv_json_init(&j, stdout, true);
	hv_json_object_open(&j, NULL);
	hv_json_u64(&j, "domid", o->domid);
	hv_json_u64(&j, "count", o->count);
	hv_json_array_open(&j, "refs");
	for (uint32_t i = 0; i < o->count; i++)
		hv_json_u64(&j, NULL, o->refs[i]);
	hv_json_array_close(&j);
	hv_json_bool(&j, "writable", o->writable || o->from || o->notify.byte);
	hv_json_u64(&j, "offset", off);
	hv_json_u64(&j, "length", len);
	hv_json_u64(&j, "written", written);
	hv_json_object_close(&j);
	hv_json_end(&j);
}

int gs_map(struct gs_ctx *c, struct gs_map_opts *o)
{
	struct hv_signals sig = {.fd = -1};
	struct gs_map m = {.fd = -1};
	char *input = NULL, *out = NULL;
	size_t inlen = 0;
	uint64_t size, off, len;
	bool writable, want_out;
	int rc, ret = 0, s;

	if (o->refs_from) {
		ret = refs_from_store(o);
		if (ret)
			return ret;
	}
	size = (uint64_t)o->count * GS_PAGE_SIZE;
	off = o->have_offset ? o->offset : 0;
	if (off >= size)
		return hv_usage_error("--offset %llu is outside the %u page%s (%llu bytes)",
				      (unsigned long long)off, o->count, o->count == 1 ? "" : "s",
				      (unsigned long long)size);
	len = o->have_length ? o->length : size - off;
	if (len > size - off)
		return hv_usage_error(
		    "--offset %llu --length %llu goes past the %u page%s (%llu bytes)",
		    (unsigned long long)off, (unsigned long long)len, o->count,
		    o->count == 1 ? "" : "s", (unsigned long long)size);
	rc = gs_check_notify(&o->notify, size, "mapped pages");
	if (rc)
		return rc;
	if (o->from) {
		rc = gs_read_input(o->from, len, &input, &inlen);
		if (rc == -E2BIG)
			return hv_fail(
			    rc, "map more refs or use a smaller input",
			    "--from %s is larger than the %llu bytes mapped at offset %llu",
			    o->from, (unsigned long long)len, (unsigned long long)off);
		if (rc)
			return hv_fail(rc, NULL, "cannot read --from %s", o->from);
	}
	writable = o->writable || o->from || o->notify.byte;
	want_out = o->to || o->hexdump || (!o->from && !c->common.json);

	rc = hv_signals_block(&sig, 0);
	if (rc) {
		free(input);
		return hv_fail(rc, NULL, "cannot block signals");
	}
	hv_step("signals-blocked");
	rc = gs_map_open(c, &m);
	if (rc) {
		ret = -rc;
		goto out;
	}
	hv_step("opened");
	rc = gs_map_refs(&m, o->domid, o->refs, o->count, writable);
	if (rc) {
		gs_map_release(&m);
		ret = map_failed(c, o, rc, writable);
		goto out;
	}
	hv_step("mapped");
	if (inlen)
		memcpy((char *)m.map + off, input, inlen);
	if (o->notify.byte || o->notify.event) {
		uint32_t action = (o->notify.byte ? UNMAP_NOTIFY_CLEAR_BYTE : 0) |
				  (o->notify.event ? UNMAP_NOTIFY_SEND_EVENT : 0);

		rc = gs_map_notify(&m, o->notify.byte ? o->notify.byte_off : 0, action,
				   o->notify.port);
		if (rc) {
			ret = hv_fail(rc,
				      o->notify.event
					  ? "the port must be a bound event channel of this domain"
					  : NULL,
				      "cannot set the unmap notification");
			goto unmap;
		}
		hv_step("notify-set");
	}
	if (o->hold) {
		if (c->common.verbose)
			hv_note("holding the mapping until a signal");
		rc = hold(&sig);
		if (rc)
			hv_err(rc, NULL, "poll");
	}
	if (want_out && !o->hexdump) {
		int fd;

		rc = gs_open_output_file(o->to, &fd);
		if (rc) {
			ret = hv_fail(rc, NULL, "cannot write the content to %s", o->to);
			goto unmap;
		}
		if (fd >= 0) {
			want_out = false;
			rc = hv_write_full(fd, (char *)m.map + off, len);
			if (close(fd) < 0 && !rc)
				rc = -errno;
			if (rc) {
				ret = hv_fail(rc, NULL, "cannot write the content to %s", o->to);
				goto unmap;
			}
		}
	}
	if (want_out) {
		out = malloc(len ? len : 1);
		if (!out)
			ret = hv_fail(-ENOMEM, NULL, "copying %llu bytes", (unsigned long long)len);
		else
			memcpy(out, (char *)m.map + off, len);
	}
unmap:
	rc = gs_map_release(&m);
	if (rc && !ret)
		ret = hv_fail(rc, NULL, "unmapping the grants");
	hv_step("unmapped");
out:
	s = sig.fd >= 0 ? hv_signals_pending(&sig) : 0;
	hv_signals_restore(&sig);
	free(input);
	/* A signal ends a --hold like EOF does; the content still goes out. */
	if (!ret && c->common.json)
		print_record(o, off, len, inlen);
	if (!ret && out) {
		rc = gs_write_output(o->to, out, len, off, o->hexdump);
		if (rc)
			ret = hv_fail(rc, NULL, "cannot write the content to %s",
				      o->to ? o->to : "stdout");
	}
	free(out);
	if (!ret && s > 0)
		ret = hv_signal_exit_code(s);
	return ret;
}
