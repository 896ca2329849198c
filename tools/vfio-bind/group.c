// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IOMMU group viability, as the kernel decides it. A VFIO group is usable
 * ("viable") only while no member is bound to a driver that does its own DMA
 * through the kernel's DMA API: since Linux 5.19 that is every driver without
 * driver_managed_dma. The ones with it that matter for PCI are vfio-pci,
 * pci-stub and pcieport; a member without a driver never blocks. This is the
 * same answer VFIO_GROUP_GET_STATUS gives, but it can name the culprits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfio-bind.h"

/* Drivers that leave a group usable by VFIO (none counts as allowed). */
static bool vb_driver_allows_vfio(const char *driver)
{
	static const char *const ok[] = {"vfio-pci", "pci-stub", "pcieport"};

	if (!driver[0])
		return true;
	/* vfio-pci variant drivers (mlx5-vfio-pci, ...) are VFIO drivers too. */
	if (!strncmp(driver, "vfio", 4) || strstr(driver, "-vfio-pci"))
		return true;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(driver, ok[i]))
			return true;
	return false;
}

int vb_group_load(struct vb_ctx *c, int id, struct vb_group *g)
{
	char **names;
	int n;

	memset(g, 0, sizeof(*g));
	g->id = id;
	n = hv_path_list(&c->root, &names, "/sys/kernel/iommu_groups/%d/devices", id);
	if (n < 0)
		return n;
	g->m = calloc((size_t)n + 1, sizeof(*g->m));
	if (!g->m) {
		hv_strv_free(names);
		return -ENOMEM;
	}
	g->viable = true;
	for (int i = 0; i < n; i++) {
		struct vb_member *m = &g->m[g->n++];
		int rc;

		snprintf(m->name, sizeof(m->name), "%s", names[i]);
		rc = hv_path_link_name(&c->root, m->driver, sizeof(m->driver),
				       "/sys/kernel/iommu_groups/%d/devices/%s/driver", id,
				       names[i]);
		if (rc)
			m->driver[0] = '\0';
		m->blocks = !vb_driver_allows_vfio(m->driver);
		if (m->blocks)
			g->viable = false;
	}
	hv_strv_free(names);
	return 0;
}

void vb_group_free(struct vb_group *g)
{
	free(g->m);
	g->m = NULL;
	g->n = 0;
}

void vb_group_blockers(const struct vb_group *g, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < g->n && off < len; i++) {
		int w;

		if (!g->m[i].blocks)
			continue;
		w = snprintf(buf + off, len - off, "%s%s (%s)", off ? ", " : "", g->m[i].name,
			     g->m[i].driver);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}
