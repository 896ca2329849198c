#!/usr/bin/env bats
# kmod/mdev-edu without any IOMMU: mdev needs none, so the same behavioural
# suite (tests/edu/edu-test) runs against an instance here too, with the
# robustness and lifetime checks.

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

@test "no IOMMU here, yet mdev-edu registers its parent and type" {
	[ -z "$(ls -A /sys/kernel/iommu_groups 2>/dev/null)" ]
	edu_body_parent
}

@test "an mdev-edu instance gets an (emulated) IOMMU group and /dev/vfio node" {
	local u g
	edu_load
	u=$(edu_create)
	g=$(basename "$(readlink "/sys/bus/mdev/devices/$u/iommu_group")")
	[ -c "/dev/vfio/$g" ]
	edu_remove "$u"
	[ ! -e "/dev/vfio/$g" ]
}

@test "edu-test passes against an mdev-edu instance" {
	edu_body_mdev_test
}

@test "available_instances counts, a fifth instance gets EUSERS, a duplicate UUID EEXIST" {
	edu_body_instances
}

@test "edu-abuse: bad offsets, sizes, IRQ indexes, eventfds and DMA ranges fail cleanly" {
	edu_body_abuse
}

@test "rmmod is refused while a user holds an instance open" {
	edu_body_busy_unload
}

# The two cycles, as in the pci guest (50-mdev-edu.bats), on 6.1 only (the
# tag load: tests/guest/run).
# bats test_tags=load
@test "100 create/remove cycles, 10 with a user holding the device: no leak, clean log" {
	edu_body_create_remove 100 10
}

# bats test_tags=load
@test "50 load/unload cycles, some with live instances: no leak, clean log" {
	edu_body_load_unload 50
}

@test "vfio-bind mdev types/create/list/remove, and info/peek/poke on the UUID" {
	edu_body_vfio_bind
}

@test "no WARNING, BUG or Oops in the kernel log" {
	edu_assert_clean_dmesg
}
