# shellcheck shell=bash
# tests/guest/pci-boot/boot.bash: what the boots of the pci-boot profile
# share (bats `load`). Each NN-*.bats file is one boot of the pci machine,
# in name order, on one disk holding /etc (tests/guest/run, tests/guest/init):
# boot 1 makes bindings and mdevs persistent, with vfio-bind and with
# driverctl and mdevctl (Debian 12's, tests/guest/debs); boot 2 checks that
# the boot applied them, with nobody running vfio-bind, and removes them
# each with the other tool; boot 3 checks that nothing came back.
# status and output are set by bats' run (SC2154).
# shellcheck disable=SC2154

load ../pci/pci
load ../../edu/mdev-edu
load ../../assert

# The same every boot: definitions must be found again by their UUID.
export U_VB=6f1c5a2e-8b1d-4d3e-9a5b-0000000000b1 # defined with vfio-bind
export U_MC=6f1c5a2e-8b1d-4d3e-9a5b-0000000000c2 # defined with mdevctl

boot_setup_file() {
	local edus
	mapfile -t edus < <(devices 0x1234 0x11e8)
	E1000E=$(devices 0x8086 0x10d3)
	export EDU=${edus[0]:-} EDU2=${edus[1]:-} E1000E
}

boot_setup() {
	if [ -z "$EDU2" ] || [ -z "$E1000E" ]; then
		echo "bench devices missing: edu='$EDU $EDU2' e1000e='$E1000E'" >&2
		return 1
	fi
	[ -S /run/udev/control ] || {
		echo "no udev running: this suite is booted by tests/guest/run pci-boot" >&2
		return 1
	}
	grep -q ' /etc ' /proc/mounts || {
		echo "/etc is not on the boot disk: this suite is booted by tests/guest/run pci-boot" >&2
		return 1
	}
}

# must CMD...: bats' run, failing with the command's output unless it exits 0.
must() {
	run "$@"
	[ "$status" -eq 0 ] || {
		echo "$*: exit status $status: $output"
		return 1
	}
}

# ran_at_boot CMD: udev ran CMD (its debug log names every program it runs).
ran_at_boot() { grep -qF "'$1'" /run/udevd.log; }

# persist_of ADDR: the "persistent" field of vfio-bind list --json for ADDR.
persist_of() {
	vfio-bind list --json | jq -r --arg a "$1" '.devices[] | select(.address == $a) | .persistent'
}
