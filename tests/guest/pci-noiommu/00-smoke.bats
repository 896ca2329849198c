#!/usr/bin/env bats
# The pci-noiommu bench: the pci machine without intel-iommu, where VFIO has
# no groups and only mdev (no IOMMU needed) can give user space a device.

@test "there is no IOMMU: no IOMMU groups at all" {
	[ -z "$(ls -A /sys/kernel/iommu_groups 2>/dev/null)" ]
	run ls -d /sys/bus/pci/devices/*/iommu_group
	[ "$status" -ne 0 ]
}

@test "both edu devices (1234:11e8) are present" {
	local d n=0
	for d in /sys/bus/pci/devices/*; do
		[[ $(<"$d/vendor") == 0x1234 && $(<"$d/device") == 0x11e8 ]] && n=$((n + 1))
	done
	[ "$n" -eq 2 ]
}

@test "vfio and mdev are loaded, yet no VFIO group exists" {
	[ -d /sys/module/vfio_pci ]
	[ -d /sys/module/mdev ]
	[ -c /dev/vfio/vfio ]
	[ "$(ls /dev/vfio)" = vfio ]
}
