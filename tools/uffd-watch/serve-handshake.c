// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A VMM's handshake, in its client's thread: the userfaultfd (and the
 * backing file of "minor" regions) with the JSON region list, received and
 * checked (regions.c) before a single page is copied.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "clock.h"
#include "diag.h"
#include "regions.h"
#include "serve.h"
#include "step.h"

#define MAX_HANDSHAKE (256 * 1024)

/*
 * A connected VMM sends its one message at once, and is taken through the
 * handshake even after a signal, so that its memory can be handed back
 * instead of leaving it waiting on its first fault: no stopfd here.
 */
static int wait_message(struct client *c)
{
	struct pollfd p = {.fd = c->conn, .events = POLLIN};

	for (;;) {
		uint64_t now = hv_now_ms();
		int n = poll(&p, 1, now >= c->end_ms ? 0 : (int)(c->end_ms - now));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		return n ? 0 : -ETIMEDOUT;
	}
}

/*
 * The backing file of "minor" regions (a memfd, shmem or hugetlbfs), as
 * Firecracker's guest_memfd restore hands its handler the guest_memfd: a
 * minor fault's page is in its page cache, at the region's memory-file
 * offset, and serve writes the snapshot's page there before UFFDIO_CONTINUE.
 * It writes through a shared mapping (hugetlbfs has no write()), so the file
 * must be sealed against shrinking: a VMM truncating it under the mapping
 * would otherwise kill serve, and every other VMM's service with it.
 */
static int map_backing(struct client *c)
{
	struct stat st;
	struct statfs sf;
	bool huge, any = false;
	int seals;
	void *m;

	if (fstat(c->backing, &st) < 0 || fstatfs(c->backing, &sf) < 0 || !S_ISREG(st.st_mode) ||
	    (sf.f_type != TMPFS_MAGIC && sf.f_type != HUGETLBFS_MAGIC))
		return uw_bad(-1, "the second descriptor is not a shmem (memfd) or hugetlbfs file");
	huge = sf.f_type == HUGETLBFS_MAGIC;
	seals = fcntl(c->backing, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return uw_bad(-1,
			      "the backing file is not sealed against shrinking (F_SEAL_SHRINK): "
			      "serve writes into it through a mapping");
	for (size_t i = 0; i < c->nregs; i++) {
		const struct sregion *r = &c->regs[i];

		if (!r->minor)
			continue;
		any = true;
		if (r->psize != (huge ? UW_HPAGE : UW_PAGE) || (uint64_t)st.st_blksize != r->psize)
			return uw_bad((int)i,
				      "page size %llu does not match the backing file's "
				      "(%ld-byte pages)",
				      (unsigned long long)r->psize, (long)st.st_blksize);
		if (r->offset + r->size > (uint64_t)st.st_size)
			return uw_bad((int)i,
				      "offset 0x%llx + size 0x%llx runs past the end of the "
				      "backing file (0x%llx bytes)",
				      (unsigned long long)r->offset, (unsigned long long)r->size,
				      (unsigned long long)st.st_size);
	}
	if (!any)
		return uw_bad(-1, "a backing file came, but no region is \"minor\"");
	m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->backing, 0);
	if (m == MAP_FAILED)
		return uw_bad(-1, "the backing file cannot be mapped: %s", strerror(errno));
	c->bmap = m;
	c->blen = (uint64_t)st.st_size;
	return 0;
}

int uw_handshake(struct client *c)
{
	struct json_tokener *tok;
	struct json_object *root = NULL;
	char *buf;
	size_t len = 0;
	int err = 0;

	buf = malloc(MAX_HANDSHAKE);
	tok = json_tokener_new();
	if (!buf || !tok) {
		free(buf);
		if (tok)
			json_tokener_free(tok);
		return hv_fail(-ENOMEM, NULL, "serve");
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* The JSON may arrive in pieces on a stream socket; the fd rides on the first. */
	while (!root) {
		size_t got;
		int fds[2], nfds;

		if ((err = wait_message(c))) {
			hv_err(err, "the VMM sent no complete region list", "serve: handshake");
			break;
		}
		err = uw_recv_fds(c->conn, buf + len, MAX_HANDSHAKE - len, fds, 2, &nfds, &got);
		if (err) {
			hv_err(err,
			       "a userfaultfd, and the backing file of \"minor\" regions, are "
			       "expected",
			       "serve: handshake");
			err = -EPROTO;
			break;
		}
		if (nfds && c->uffd >= 0) {
			for (int i = 0; i < nfds; i++)
				close(fds[i]);
			err = uw_bad(-1, "a second descriptor arrived");
			break;
		}
		if (nfds)
			c->uffd = fds[0];
		if (nfds == 2)
			c->backing = fds[1];
		if (got == 0) {
			err = uw_bad(
			    -1, "the VMM hung up before a complete region list (%zu bytes)", len);
			break;
		}
		err = uw_handshake_feed(tok, buf, len, got, &root);
		len += got;
		if (err)
			break;
		if (!root && len >= MAX_HANDSHAKE) {
			err = uw_bad(-1, "the region list exceeds %d bytes", MAX_HANDSHAKE);
			break;
		}
	}
	json_tokener_free(tok);
	free(buf);
	if (!err && c->uffd < 0)
		err = uw_bad(-1, "no userfaultfd came with the region list (SCM_RIGHTS)");
	if (!err && !uw_is_uffd(c->uffd))
		err = uw_bad(-1, "the descriptor sent is not a userfaultfd");
	if (!err)
		err = uw_regions_parse(root, c->s->mem_len, &c->regs, &c->nregs);
	if (!err && c->backing >= 0)
		err = map_backing(c);
	if (root)
		json_object_put(root);
	if (err == -ENOMEM)
		return hv_fail(err, NULL, "serve");
	if (err)
		return err == -ETIMEDOUT ? HV_EXIT_TIMEOUT : HV_EXIT_FAILURE;
	fcntl(c->uffd, F_SETFL, fcntl(c->uffd, F_GETFL) | O_NONBLOCK);
	if (c->s->x->c.verbose)
		hv_note("serve: VMM pid %d (client %u), %zu regions", c->vmm, c->id, c->nregs);
	hv_step("handshake-done");
	return 0;
}
