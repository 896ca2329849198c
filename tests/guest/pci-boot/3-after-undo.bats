#!/usr/bin/env bats
# Boot 3 of 3 on one disk (tests/guest/pci-boot/boot.bash): boot 2 removed
# every override and definition, so the devices come up on their own
# drivers and no mdev is created, though mdev-edu still loads at boot.

load boot

setup_file() { boot_setup_file; }
setup() { boot_setup; }

@test "boot 3: the edus on no driver, the e1000e on e1000e, no override left" {
	[ "$HV_BOOT_N" = 3 ]
	[ "$(driver_of "$EDU")" = none ]
	[ "$(driver_of "$EDU2")" = none ]
	[ "$(driver_of "$E1000E")" = e1000e ]
	! grep -q 'vfio-bind -q bind --if-persistent' /run/udevd.log
	[ "$(persist_of "$EDU")" = null ]
	run vfio-bind doctor
	[[ $output != *"persist"* ]]
}

@test "boot 3: mdev-edu registered, and no mdev was created" {
	[ -d "$EDU_TYPE" ]
	[ -z "$(ls -A /sys/bus/mdev/devices)" ]
	must vfio-bind mdev list --defined
	[[ $output != *"$U_VB"* && $output != *"$U_MC"* ]]
	run mdevctl list --defined
	[ -z "$output" ]
}
