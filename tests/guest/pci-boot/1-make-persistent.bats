#!/usr/bin/env bats
# Boot 1 of 3 on one disk (tests/guest/pci-boot/boot.bash): bindings and
# mdev definitions made persistent, one of each with vfio-bind and one with
# driverctl / mdevctl, and each tool sees what the other wrote.

load boot

setup_file() { boot_setup_file; }
setup() { boot_setup; }

@test "boot 1: a fresh /etc, no override and no definition yet" {
	[ "$HV_BOOT_N" = 1 ]
	[ -z "$(ls -A /etc/driverctl.d 2>/dev/null)" ]
	[ ! -e /etc/mdevctl.d/mdev_edu ]
	[ "$(driver_of "$EDU")" = none ]
	[ "$(driver_of "$EDU2")" = none ]
}

@test "boot 1: vfio-bind bind --persist and driverctl set-override, each seen by the other" {
	must vfio-bind bind --persist "$EDU"
	[ "$(cat "/etc/driverctl.d/pci-$EDU")" = vfio-pci ]
	must driverctl set-override "$EDU2" vfio-pci
	[ "$(driver_of "$EDU")" = vfio-pci ]
	[ "$(driver_of "$EDU2")" = vfio-pci ]
	must driverctl list-overrides
	[[ $output == *"$EDU vfio-pci"* ]]
	[[ $output == *"$EDU2 vfio-pci"* ]]
	[ "$(persist_of "$EDU")" = vfio-pci ]
	[ "$(persist_of "$EDU2")" = vfio-pci ]
}

@test "boot 1: an override of the e1000e made while it was free (driverctl --nosave unset-override keeps the file)" {
	driverctl set-override "$E1000E" vfio-pci
	[ "$(driver_of "$E1000E")" = vfio-pci ]
	driverctl --nosave unset-override "$E1000E"
	[ "$(driver_of "$E1000E")" = e1000e ]
	[ "$(cat "/etc/driverctl.d/pci-$E1000E")" = vfio-pci ]
	[ "$(persist_of "$E1000E")" = vfio-pci ]
}

@test "boot 1: auto mdevs defined with vfio-bind and with mdevctl, mdev-edu loaded at every boot" {
	modprobe mdev_edu
	mkdir -p /etc/modules-load.d
	echo mdev_edu >/etc/modules-load.d/mdev-edu.conf
	must vfio-bind mdev define --auto --uuid "$U_VB" mdev_edu mdev_edu-1
	must mdevctl define --auto -u "$U_MC" -p mdev_edu -t mdev_edu-1
	[ -f "/etc/mdevctl.d/mdev_edu/$U_VB" ]
	[ -f "/etc/mdevctl.d/mdev_edu/$U_MC" ]
	must mdevctl list --defined
	[[ $output == *"$U_VB mdev_edu mdev_edu-1 auto"* ]]
	[[ $output == *"$U_MC mdev_edu mdev_edu-1 auto"* ]]
	must vfio-bind mdev list --defined
	[[ $output =~ $U_VB\ +mdev_edu\ +mdev_edu-1\ +auto\ +no ]]
	[[ $output =~ $U_MC\ +mdev_edu\ +mdev_edu-1\ +auto\ +no ]]
	# Defined, not started: that is the next boot's job.
	[ ! -e "/sys/bus/mdev/devices/$U_VB" ]
	[ ! -e "/sys/bus/mdev/devices/$U_MC" ]
}
