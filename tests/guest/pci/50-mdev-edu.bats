#!/usr/bin/env bats
# kmod/mdev-edu in the pci bench: one behavioural suite (tests/edu/edu-test)
# against QEMU's edu bound to vfio-pci AND against an mdev-edu instance,
# with identical results; robustness, create/remove and load/unload cycles.

load ../../edu/mdev-edu
load pci

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
qemu_edu() { first_device 0x1234 0x11e8; }

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

# The cycles repeat at length the create, remove, load and unload paths
# every test here crosses, and 60-load-mdev-edu.bats races them with
# rmmod/insmod on every kernel: load (6.1 only, tests/guest/run).
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

@test "vfio-bind regs: edu's liveness and factorial on one open of an instance that resets on open" {
	edu_body_regs
}

@test "vfio-bind mdev define/start --parent/stop/undefine in mdevctl's format" {
	edu_body_define
}

# edu-uffd: the DMA engine faults on memory behind a userfaultfd that only a
# holder process keeps open and never answers (it exits after --hold s, so a
# hang is bounded). The device must answer, close, be removed and the module
# unloaded while that transfer still waits (man/mdev-edu.4, DMA AND FAULTS).
edu_uffd_run() {
	local u=$1
	shift
	run timeout 90 "$EDU_BIN/edu-uffd" "$u" --hold 20 --limit 3 "$@"
	echo "$output"
	[[ $output =~ holder\ ([0-9]+) ]] && edu_holder "${BASH_REMATCH[1]}"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "edu-uffd: ok" ]
}

# Removal and unload while the holder still keeps the fault unanswered.
edu_uffd_remove_unload() {
	local u=$1 t0=$SECONDS
	timeout 10 sh -c "echo 1 > /sys/bus/mdev/devices/$u/remove"
	timeout 10 rmmod mdev_edu
	[ ! -d /sys/module/mdev_edu ]
	[ $((SECONDS - t0)) -lt 5 ]
}

@test "a DMA stuck on an unanswered userfaultfd: registers, close, remove and rmmod finish at once" {
	local u
	[ -x "$EDU_BIN/edu-uffd" ]
	edu_load
	u=$(edu_create)
	edu_uffd_run "$u"
	[[ $output == *"transfer still waiting on the fault"* ]]
	edu_uffd_remove_unload "$u"
}

@test "a user exiting with such a DMA in flight: its exit, remove and rmmod finish at once" {
	local u
	[ -x "$EDU_BIN/edu-uffd" ]
	edu_load
	u=$(edu_create)
	edu_uffd_run "$u" --exit
	edu_uffd_remove_unload "$u"
}

@test "no WARNING, BUG or Oops in the kernel log" {
	edu_assert_clean_dmesg
}
