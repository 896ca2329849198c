// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * status: what limits grant sharing here, and why a share or map would
 * fail. The kernel exposes no count of grants in use, so "available" is
 * measured: the largest ALLOC_GREF that succeeds now (released at once).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "gntshare.h"
#include "json.h"

struct status {
	bool have_domid;
	uint16_t domid;
	bool gntalloc_dev, gntdev_dev;
	bool have_alloc_limit, have_dev_limit, have_avail;
	uint64_t alloc_limit, dev_limit;
	uint32_t avail;
	const char *hints[6];
	int nhints;
};

static void hint(struct status *s, const char *h)
{
	if (s->nhints < (int)(sizeof(s->hints) / sizeof(s->hints[0])))
		s->hints[s->nhints++] = h;
}

static void print_text(const struct status *s)
{
	char buf[32];

	if (s->have_domid)
		printf("domid:           %u\n", s->domid);
	else
		printf("domid:           unknown\n");
	printf("gntalloc:        %s\n", s->gntalloc_dev ? GS_GNTALLOC : "missing");
	if (s->have_alloc_limit)
		printf("gntalloc limit:  %llu grants in use, system-wide\n",
		       (unsigned long long)s->alloc_limit);
	else
		printf("gntalloc limit:  unknown\n");
	if (s->have_avail) {
		snprintf(buf, sizeof(buf), "%s%u", s->avail == GS_PROBE_MAX ? ">= " : "", s->avail);
		printf("available:       %s grants (one allocation, measured now)\n", buf);
	} else {
		printf("available:       unknown\n");
	}
	printf("gntdev:          %s\n", s->gntdev_dev ? GS_GNTDEV : "missing");
	if (s->have_dev_limit)
		printf("gntdev limit:    %llu grants per map request\n",
		       (unsigned long long)s->dev_limit);
	else
		printf("gntdev limit:    unknown\n");
	for (int i = 0; i < s->nhints; i++)
		printf("hint:            %s\n", s->hints[i]);
}

static void print_json(const struct status *s)
{
	struct hv_json j;

	hv_json_init(&j, stdout, false);
	hv_json_object_open(&j, NULL);
	if (s->have_domid)
		hv_json_u64(&j, "domid", s->domid);
	else
		hv_json_null(&j, "domid");
	hv_json_object_open(&j, "gntalloc");
	hv_json_str(&j, "device", s->gntalloc_dev ? GS_GNTALLOC : NULL);
	if (s->have_alloc_limit)
		hv_json_u64(&j, "limit", s->alloc_limit);
	else
		hv_json_null(&j, "limit");
	if (s->have_avail)
		hv_json_u64(&j, "available", s->avail);
	else
		hv_json_null(&j, "available");
	hv_json_bool(&j, "available_capped", s->have_avail && s->avail == GS_PROBE_MAX);
	hv_json_object_close(&j);
	hv_json_object_open(&j, "gntdev");
	hv_json_str(&j, "device", s->gntdev_dev ? GS_GNTDEV : NULL);
	if (s->have_dev_limit)
		hv_json_u64(&j, "limit", s->dev_limit);
	else
		hv_json_null(&j, "limit");
	hv_json_object_close(&j);
	hv_json_array_open(&j, "hints");
	for (int i = 0; i < s->nhints; i++)
		hv_json_str(&j, NULL, s->hints[i]);
	hv_json_array_close(&j);
	hv_json_object_close(&j);
	hv_json_end(&j);
}

int gs_status(struct gs_ctx *c)
{
	struct status s = {0};
	struct gs_alloc a;
	struct gs_map m;
	int rc;

	s.have_domid = gs_self_domid(c, &s.domid) == 0;
	s.have_alloc_limit = hv_path_read_u64(&c->root, &s.alloc_limit, GS_GNTALLOC_LIMIT) == 0;
	s.have_dev_limit = hv_path_read_u64(&c->root, &s.dev_limit, GS_GNTDEV_LIMIT) == 0;

	/* Opening reports on stderr why a device is missing. */
	if (gs_alloc_open(c, &a) == 0) {
		s.gntalloc_dev = true;
		if (s.have_alloc_limit) {
			uint32_t max =
			    s.alloc_limit > GS_PROBE_MAX ? GS_PROBE_MAX : (uint32_t)s.alloc_limit;

			rc = gs_alloc_probe(&a, s.have_domid ? s.domid : 0, max, &s.avail);
			if (rc)
				hv_warn("cannot measure the available grants: %s", strerror(-rc));
			else
				s.have_avail = true;
		}
		gs_alloc_release(&a);
	}
	if (gs_map_open(c, &m) == 0) {
		s.gntdev_dev = true;
		gs_map_release(&m);
	}

	if (!s.gntalloc_dev)
		hint(&s, "share needs /dev/xen/gntalloc (see the message above)");
	if (!s.gntdev_dev)
		hint(&s, "map needs /dev/xen/gntdev (see the message above)");
	if (s.have_avail && s.have_alloc_limit && s.avail == 0)
		hint(&s, "no grant can be allocated: share fails with ENOSPC; raise the limit: "
			 "echo N > " GS_GNTALLOC_LIMIT);
	else if (s.have_avail && s.have_alloc_limit && s.avail < s.alloc_limit &&
		 s.avail < GS_PROBE_MAX)
		hint(&s, "other processes hold grants (on kernels before 5.17 also pages of "
			 "exited sharers that a peer still maps)");

	if (c->common.json)
		print_json(&s);
	else
		print_text(&s);
	fflush(stdout);
	return s.gntalloc_dev && s.gntdev_dev ? HV_EXIT_OK : HV_EXIT_NODEV;
}
