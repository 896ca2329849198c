#!/usr/bin/env bats
# Boot 2 of 3 on one disk (tests/guest/pci-boot/boot.bash): what boot 1 made
# persistent came back with nobody running vfio-bind bind or mdev start
# (udev ran hvutils' rule at coldplug, and when mdev-edu registered), the
# refusal held for a NIC in use; then each tool removes what the other made.

load boot

setup_file() { boot_setup_file; }
setup() { boot_setup; }

@test "boot 2: both edus came up on vfio-pci, from vfio-bind's override and from driverctl's" {
	[ "$HV_BOOT_N" = 2 ]
	[ "$(driver_of "$EDU")" = vfio-pci ]
	[ "$(driver_of "$EDU2")" = vfio-pci ]
	[ -c "/dev/vfio/$(group_of "$EDU")" ]
	# udev ran hvutils' rule: without systemd, driverctl's cannot act.
	ran_at_boot "/usr/bin/vfio-bind -q bind --if-persistent $EDU"
	ran_at_boot "/usr/bin/vfio-bind -q bind --if-persistent $EDU2"
	[ ! -d /run/systemd/system ]
	run vfio-bind list
	[[ $output =~ $EDU\ [^$'\n']*\ vfio-pci\ +[A-Z] ]]
}

@test "boot 2: the e1000e, up before udev ran, was reported in udev's log and not taken" {
	[ "$(driver_of "$E1000E")" = e1000e ]
	ran_at_boot "/usr/bin/vfio-bind -q bind --if-persistent $E1000E"
	grep -q "$E1000E: in use: " /run/udevd.log
	run vfio-bind doctor
	[[ $output == *"warn persist   $E1000E has a persistent override to vfio-pci but is on e1000e"* ]]
}

@test "boot 2: both auto mdevs were created when mdev-edu registered" {
	[ -e "/sys/bus/mdev/devices/$U_VB" ]
	[ -e "/sys/bus/mdev/devices/$U_MC" ]
	ran_at_boot "/usr/bin/vfio-bind -q mdev start --parent mdev_edu"
	# Debian 12's mdevctl rule runs /usr/sbin/mdevctl, which the package
	# does not install: hvutils' rule is what started them.
	[ ! -e /usr/sbin/mdevctl ]
	run vfio-bind mdev list --defined
	[[ $output =~ $U_VB\ +mdev_edu\ +mdev_edu-1\ +auto\ +yes ]]
	[[ $output =~ $U_MC\ +mdev_edu\ +mdev_edu-1\ +auto\ +yes ]]
	must mdevctl list
	[[ $output == *"$U_VB mdev_edu mdev_edu-1"* ]]
	[[ $output == *"$U_MC mdev_edu mdev_edu-1"* ]]
	vfio-bind peek "$U_VB" bar0 0
}

@test "boot 2: vfio-bind removes driverctl's override and mdevctl's definition, and the other way round" {
	must vfio-bind restore --persist "$EDU2"
	# --noprobe: the edu has no host driver, and driverctl fails (keeping
	# the file) when the reprobe binds none.
	must driverctl --noprobe unset-override "$EDU"
	must vfio-bind restore --persist "$E1000E"
	[ -z "$(ls -A /etc/driverctl.d)" ]
	[ "$(driver_of "$EDU")" = none ]
	[ "$(driver_of "$EDU2")" = none ]
	[ "$(driver_of "$E1000E")" = e1000e ]
	must vfio-bind mdev stop "$U_MC"
	must vfio-bind mdev undefine "$U_MC"
	must mdevctl stop -u "$U_VB"
	must mdevctl undefine -u "$U_VB"
	[ -z "$(ls -A /etc/mdevctl.d/mdev_edu 2>/dev/null)" ]
	[ -z "$(ls -A /sys/bus/mdev/devices)" ]
	# driverctl lists the devices whose driver_override is set now; with
	# none it says "No overridable devices found".
	run driverctl list-overrides
	[[ $output != *0000:* ]] || {
		echo "still overridden: $output"
		false
	}
}
