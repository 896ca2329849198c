#!/usr/bin/env bats
# vfio-bind in the pci bench without intel-iommu: the same devices, no IOMMU
# groups. doctor must say what is missing and how to enable it; bind and
# info must refuse with the same explanation instead of half-binding.

load ../pci/pci
load "$BATS_TEST_DIRNAME/../../assert"

edu() { first_device 0x1234 0x11e8; }

setup() {
	command -v vfio-bind >/dev/null || {
		echo "vfio-bind is not installed in the guest image" >&2
		return 1
	}
	EDU=$(edu)
}

@test "doctor says the IOMMU is missing and names intel_iommu=on and amd_iommu=on" {
	run vfio-bind doctor
	exits_with 1
	[[ ${lines[0]} == "fail iommu     no IOMMU: "* ]]
	[[ ${lines[0]} == *"intel_iommu=on"* && ${lines[0]} == *"amd_iommu=on"* ]]
	run vfio-bind doctor --json
	exits_with 1
	[[ $output == *'"ok": false'* ]]
}

@test "bind refuses a device without an IOMMU group and changes nothing (exit 5)" {
	run vfio-bind bind "$EDU"
	fails_with 5 "vfio-bind: $EDU: no IOMMU group: No such device (the IOMMU is off or missing: see 'vfio-bind doctor')"
	[ ! -e "/sys/bus/pci/devices/$EDU/driver" ]
	[ "$(cat "/sys/bus/pci/devices/$EDU/driver_override")" = "(null)" ]
	[ ! -e "/run/hvutils/vfio-bind/$EDU" ]
}

@test "list shows the devices without groups" {
	run vfio-bind list
	[ "$status" -eq 0 ]
	[[ $output =~ $EDU\ +00ff\ +1234:11e8\ +-\ +-\ +no-iommu ]]
}
