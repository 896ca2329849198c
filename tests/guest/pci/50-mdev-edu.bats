#!/usr/bin/env bats
# kmod/mdev-edu in the pci bench: one behavioural suite (tests/edu/edu-test)
# against QEMU's edu bound to vfio-pci AND against an mdev-edu instance,
# with identical results; robustness, create/remove and load/unload cycles.

load ../../edu/mdev-edu

setup_file() {
	edu_dmesg_mark
}

setup() {
	edu_prereqs
}

teardown() {
	edu_remove_all
}

# The first QEMU edu (1234:11e8), bound to vfio-pci for the length of a test.
qemu_edu() {
	local d
	for d in /sys/bus/pci/devices/*; do
		if [[ $(<"$d/vendor") == 0x1234 && $(<"$d/device") == 0x11e8 ]]; then
			echo "${d##*/}"
			return 0
		fi
	done
	return 1
}

bind_vfio() {
	local a=$1 d=/sys/bus/pci/devices/$1
	[ ! -e "$d/driver" ] || echo "$a" >"$d/driver/unbind"
	echo vfio-pci >"$d/driver_override"
	echo "$a" >/sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "$d/driver")")" = vfio-pci ]
}

unbind_vfio() {
	local a=$1 d=/sys/bus/pci/devices/$1
	[ ! -e "$d/driver" ] || echo "$a" >"$d/driver/unbind"
	echo >"$d/driver_override"
}

@test "mdev-edu registers a parent with one type: mdev_edu-1, vfio-pci API, 4 instances" {
	edu_body_parent
}

@test "module parameters: instances and dma_bits are honoured, bad values refused at load" {
	edu_body_params
}

@test "edu-test passes against QEMU's edu through vfio-pci (type1 IOMMU)" {
	local a
	a=$(qemu_edu)
	bind_vfio "$a"
	run "$EDU_BIN/edu-test" "$a"
	echo "$output" >"$BATS_FILE_TMPDIR/qemu.tap"
	unbind_vfio "$a"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *", 0 failed"* ]]
}

@test "edu-test passes against an mdev-edu instance" {
	edu_body_mdev_test
}

@test "QEMU's edu and mdev-edu give identical results" {
	[ -s "$BATS_FILE_TMPDIR/qemu.tap" ] && [ -s "$BATS_FILE_TMPDIR/mdev.tap" ]
	diff <(edu_results "$BATS_FILE_TMPDIR/qemu.tap") <(edu_results "$BATS_FILE_TMPDIR/mdev.tap")
	[ "$(edu_results "$BATS_FILE_TMPDIR/qemu.tap" | wc -l)" -ge 25 ]
}

@test "available_instances counts, a fifth instance gets EUSERS, a duplicate UUID EEXIST" {
	edu_body_instances
}

@test "edu-abuse: bad offsets, sizes, IRQ indexes, eventfds and DMA ranges fail cleanly" {
	edu_body_abuse
}

@test "edu-test and edu-abuse report usage and unknown devices" {
	edu_body_abuse_refuses_pci
}

@test "rmmod is refused while a user holds an instance open" {
	edu_body_busy_unload
}

@test "100 create/remove cycles, 10 with a user holding the device: no leak, clean log" {
	edu_body_create_remove 100 10
}

@test "50 load/unload cycles, some with live instances: no leak, clean log" {
	edu_body_load_unload 50
}

@test "vfio-bind mdev types/create/list/remove, and info/peek/poke on the UUID" {
	edu_body_vfio_bind
}

@test "no WARNING, BUG or Oops in the kernel log" {
	edu_assert_clean_dmesg
}
