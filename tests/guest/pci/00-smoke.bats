#!/usr/bin/env bats
# The pci bench is the machine the vfio-bind, mdev-edu and lguest-run suites
# rely on: q35 + intel-iommu, two edu devices and an e1000e on their own root
# ports, two e1000 sharing a group behind a pcie-pci-bridge, nested KVM.

load pci

@test "two edu devices (1234:11e8) are present" {
	run devices 0x1234 0x11e8
	[ "${#lines[@]}" -eq 2 ]
}

@test "each edu device is alone in its own IOMMU group" {
	local a b
	run devices 0x1234 0x11e8
	[ "${#lines[@]}" -eq 2 ]
	a=${lines[0]} b=${lines[1]}
	[ "$(group_of "$a")" != "$(group_of "$b")" ]
	[ "$(group_size "$(group_of "$a")")" -eq 1 ]
	[ "$(group_size "$(group_of "$b")")" -eq 1 ]
}

@test "the e1000e (8086:10d3) is alone in its own IOMMU group" {
	run devices 0x8086 0x10d3
	[ "${#lines[@]}" -eq 1 ]
	[ "$(group_size "$(group_of "${lines[0]}")")" -eq 1 ]
}

@test "the two e1000 (8086:100e) behind the pcie-pci-bridge share one IOMMU group" {
	run devices 0x8086 0x100e
	[ "${#lines[@]}" -eq 2 ]
	[ "$(group_of "${lines[0]}")" = "$(group_of "${lines[1]}")" ]
	# With the bridge itself in it: at least the two NICs.
	[ "$(group_size "$(group_of "${lines[0]}")")" -ge 2 ]
}

@test "interrupt remapping is on (VFIO_SET_IOMMU needs it)" {
	dmesg | grep -q 'Enabled IRQ remapping'
}

@test "vfio is ready: modules loaded and /dev/vfio/vfio present" {
	[ -d /sys/module/vfio_pci ]
	[ -d /sys/module/vfio_iommu_type1 ]
	[ -d /sys/module/mdev ]
	[ -c /dev/vfio/vfio ]
}

@test "/dev/kvm works: API version 12, a VM and a vCPU can be created" {
	[ -c /dev/kvm ]
	run "$BATS_TEST_DIRNAME/kvm-api"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "KVM_GET_API_VERSION=12" ]
}
