#!/usr/bin/env bats
# vfio-bind mdev (types, create, remove, list) and mdev UUIDs as DEV, on the
# host against a fake /sys and /proc built here: two parents (mdev_edu with
# one instance, an i915-like one with no instance left). The kernel side is
# tested in the pci guests (tests/guest/pci*/50-mdev-edu.bats).

U1=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
U2=0b4f4c5a-7a0e-4c5b-9d6b-1c2d3e4f5a6b
UGEN=6f1e2d3c-4b5a-4978-8a7b-6c5d4e3f2a1b

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	VB=$HV_TOP/tools/vfio-bind/vfio-bind
	[ -x "$VB" ] || {
		echo "vfio-bind is not built: run make" >&2
		return 1
	}
	ROOT=$BATS_TEST_TMPDIR/root
	local edu=$ROOT/sys/devices/virtual/mdev_edu/mdev_edu gpu=$ROOT/sys/devices/pci0000:00/0000:00:02.0
	local t=$edu/mdev_supported_types/mdev_edu-1 g=$gpu/mdev_supported_types/i915-GVTg_V5_4
	mkdir -p "$t/devices" "$g/devices" "$ROOT/sys/class/mdev_bus" "$ROOT/sys/bus/mdev/devices" \
		"$ROOT/sys/bus/mdev/drivers/mdev_edu" "$ROOT/sys/kernel/iommu_groups/7" \
		"$ROOT/proc/sys/kernel/random" "$edu/$U1"
	echo edu >"$t/name"
	echo vfio-pci >"$t/device_api"
	echo 3 >"$t/available_instances"
	printf 'QEMU edu compatible PCI function\nsecond line\n' >"$t/description"
	: >"$t/create"
	echo GVTg_V5_4 >"$g/name"
	echo vfio-pci >"$g/device_api"
	echo 0 >"$g/available_instances"
	: >"$g/create"
	ln -s ../../devices/virtual/mdev_edu/mdev_edu "$ROOT/sys/class/mdev_bus/mdev_edu"
	ln -s ../../devices/pci0000:00/0000:00:02.0 "$ROOT/sys/class/mdev_bus/0000:00:02.0"
	# The existing instance.
	: >"$edu/$U1/remove"
	ln -s ../mdev_supported_types/mdev_edu-1 "$edu/$U1/mdev_type"
	ln -s ../../../../bus/mdev/drivers/mdev_edu "$edu/$U1/driver"
	ln -s ../../../../kernel/iommu_groups/7 "$edu/$U1/iommu_group"
	ln -s "../../../devices/virtual/mdev_edu/mdev_edu/$U1" "$ROOT/sys/bus/mdev/devices/$U1"
	echo "$UGEN" >"$ROOT/proc/sys/kernel/random/uuid"
	export HVUTILS_SYSROOT=$ROOT
	TYPE=$t EDU=$edu
}

load "$BATS_TEST_DIRNAME/../assert"

@test "mdev types lists every parent's types with api and available instances" {
	run "$VB" mdev types
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == PARENT*TYPE*NAME*API*AVAILABLE*DESCRIPTION ]]
	[[ $output == *"0000:00:02.0"*"i915-GVTg_V5_4"*"GVTg_V5_4"*"vfio-pci"*" 0 "* ]]
	[[ $output == *"mdev_edu"*"mdev_edu-1"*"edu"*"vfio-pci"*" 3 "*"QEMU edu compatible PCI function second line"* ]]
	[ "${#lines[@]}" -eq 3 ]
}

@test "mdev types --json is valid JSON with numbers for available instances" {
	run "$VB" mdev types --json
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)["types"]
assert len(d) == 2, d
e = [t for t in d if t["type"] == "mdev_edu-1"][0]
assert e["parent"] == "mdev_edu" and e["available"] == 3 and e["api"] == "vfio-pci", e
'
}

@test "mdev list shows UUID, parent, type, driver and IOMMU group" {
	run "$VB" mdev list
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == "$U1"*mdev_edu*mdev_edu-1*mdev_edu*7 ]]
	run "$VB" mdev list --json
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
m = json.load(sys.stdin)["mdevs"]
assert m == [{"uuid": "'"$U1"'", "parent": "mdev_edu", "type": "mdev_edu-1", "driver": "mdev_edu", "group": 7}], m
'
}

@test "mdev create writes the UUID to the type's create file and prints it" {
	# The kernel would create the device; the fake tree has it in advance.
	mkdir -p "$EDU/$U2"
	ln -s "../../../devices/virtual/mdev_edu/mdev_edu/$U2" "$ROOT/sys/bus/mdev/devices/$U2"
	run "$VB" mdev create mdev_edu mdev_edu-1 --uuid "$U2"
	[ "$status" -eq 0 ]
	[ "$output" = "$U2" ]
	[ "$(cat "$TYPE/create")" = "$U2" ]
}

@test "mdev create takes the type's short name and makes up a UUID" {
	run "$VB" mdev create mdev_edu 1
	# No kernel behind the fake tree: the device never appears.
	fails_with 5 "vfio-bind: create: $UGEN: accepted, but no /sys/bus/mdev/devices/$UGEN*"
	[ "$(cat "$TYPE/create")" = "$UGEN" ]
}

@test "mdev create --dry-run prints the write and changes nothing" {
	run "$VB" mdev create mdev_edu mdev_edu-1 --uuid "$U2" --dry-run
	[ "$status" -eq 0 ]
	[ "$output" = "write $U2 > /sys/class/mdev_bus/mdev_edu/mdev_supported_types/mdev_edu-1/create" ]
	[ ! -s "$TYPE/create" ]
}

@test "mdev create refuses unknown parents and types, bad UUIDs, and exhausted types" {
	run "$VB" mdev create nosuch mdev_edu-1
	fails_with 3 "vfio-bind: create: nosuch: no such mdev parent: * (see 'vfio-bind mdev types')"
	run "$VB" mdev create ../mdev_edu mdev_edu-1
	fails_with 3 "vfio-bind: create: ../mdev_edu: no such mdev parent*"
	run "$VB" mdev create mdev_edu nosuch
	fails_with 3 "vfio-bind: create: mdev_edu: no type 'nosuch'*"
	run "$VB" mdev create mdev_edu ../mdev_edu-1
	fails_with 3 "vfio-bind: create: mdev_edu: no type '../mdev_edu-1'*"
	run "$VB" mdev create mdev_edu mdev_edu-1 --uuid not-a-uuid
	fails_with 2 "vfio-bind: create: bad UUID 'not-a-uuid'*"
	run "$VB" mdev create 0000:00:02.0 i915-GVTg_V5_4
	fails_with 8 "vfio-bind: create: 0000:00:02.0/i915-GVTg_V5_4: no instances left*"
	run "$VB" mdev create mdev_edu
	[ "$status" -eq 2 ]
	[[ $output == *"missing argument"* ]]
	[ ! -s "$TYPE/create" ]
}

@test "mdev remove writes 1 to the instance's remove file" {
	run "$VB" mdev remove "$U1"
	[ "$status" -eq 0 ]
	[ "$(cat "$EDU/$U1/remove")" = 1 ]
}

@test "mdev remove refuses unknown UUIDs and non-UUIDs" {
	run "$VB" mdev remove "$U2"
	fails_with 3 "vfio-bind: $U2: no such mdev device: * (see 'vfio-bind mdev list')"
	run "$VB" mdev remove 0000:01:00.0
	fails_with 2 "vfio-bind: 0000:01:00.0: not an mdev UUID*"
	[ ! -s "$EDU/$U1/remove" ]
}

@test "mdev with no or an unknown subverb is a usage error with a suggestion" {
	run "$VB" mdev
	[ "$status" -eq 2 ]
	[[ $output == *"missing subverb"* ]]
	run "$VB" mdev lsit
	[ "$status" -eq 2 ]
	[[ $output == *"list"* ]]
	run "$VB" mdev cr mdev_edu 1 --uuid "$U2" --dry-run
	[ "$status" -eq 0 ]
}

@test "an mdev UUID is a DEV for info, but not for bind" {
	run "$VB" bind "$U1"
	fails_with 2 "vfio-bind: $U1: an mdev device, not PCI*"
	# info resolves it and goes on to VFIO, which the fake tree lacks.
	run "$VB" info "$U1"
	[ "$status" -ne 0 ]
	[[ $output != *"not PCI"* && $output != *"no such"* ]]
	[[ $output == *"/dev/vfio/vfio"* ]]
}
