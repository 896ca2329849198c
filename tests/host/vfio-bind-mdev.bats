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

@test "mdev list shows UUID, parent, type, driver, IOMMU group and start" {
	run "$VB" mdev list
	[ "$status" -eq 0 ]
	[[ ${lines[1]} =~ ^$U1\ +mdev_edu\ +mdev_edu-1\ +mdev_edu\ +7\ +-$ ]]
	run "$VB" mdev list --json
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
m = json.load(sys.stdin)["mdevs"]
assert m == [{"uuid": "'"$U1"'", "parent": "mdev_edu", "type": "mdev_edu-1", "driver": "mdev_edu", "group": 7, "start": None}], m
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
	fails_with 2 "vfio-bind: mdev create: missing argument (usage: mdev create PARENT TYPE*"
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
	fails_with 2 "vfio-bind: mdev needs types, create, remove, stop, list*"
	run "$VB" mdev lsit
	fails_with 2 "vfio-bind: unknown verb 'lsit': did you mean 'list'? *"
	run "$VB" mdev cr mdev_edu 1 --uuid "$U2" --dry-run
	[ "$status" -eq 0 ]
}

@test "an mdev UUID is a DEV for info, but not for bind" {
	run "$VB" bind "$U1"
	fails_with 2 "vfio-bind: $U1: an mdev device, not PCI*"
	# info resolves it and goes on to VFIO, which the fake tree lacks.
	run "$VB" info "$U1"
	fails_with 3 "vfio-bind: opening /dev/vfio/vfio: No such file or directory*"
	[[ $output != *"not PCI"* && $output != *"no such"* ]]
}

# ---- definitions: mdevctl's /etc/mdevctl.d/PARENT/UUID -------------------------

CONF=/etc/mdevctl.d

@test "mdev define writes mdevctl's layout, manual by default, and prints the UUID" {
	run "$VB" mdev define mdev_edu 1
	[ "$status" -eq 0 ]
	[ "$output" = "$UGEN" ]
	[ "$(cat "$ROOT$CONF/mdev_edu/$UGEN")" = "$(printf '{\n  "mdev_type": "mdev_edu-1",\n  "start": "manual",\n  "attrs": []\n}')" ]
	[ "$(stat -c %a "$ROOT$CONF/mdev_edu/$UGEN")" = 644 ]
	# Nothing was created: that is start's job.
	[ ! -s "$TYPE/create" ]
	run "$VB" mdev define --auto -u "$U2" mdev_edu mdev_edu-1
	[ "$status" -eq 0 ]
	grep -q '"start": "auto"' "$ROOT$CONF/mdev_edu/$U2"
	[ "$(ls "$ROOT$CONF/mdev_edu")" = "$(printf '%s\n' "$U2" "$UGEN")" ]
}

@test "mdev define --dry-run prints the file and writes nothing" {
	run "$VB" mdev define -n --auto -u "$U2" mdev_edu 1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "# write $CONF/mdev_edu/$U2:" ]
	[ "${lines[2]}" = '  "mdev_type": "mdev_edu-1",' ]
	[ ! -e "$ROOT$CONF" ]
}

@test "mdev define refuses a defined UUID, a bad UUID, an unknown type, --auto with --manual" {
	"$VB" mdev define -u "$U2" mdev_edu 1 >/dev/null
	run "$VB" mdev define -u "$U2" mdev_edu 1
	fails_with 6 "vfio-bind: define: $U2 is already defined (on mdev_edu) ('vfio-bind mdev modify' changes it)"
	run "$VB" mdev define -u nope mdev_edu 1
	fails_with 2 "vfio-bind: define: bad UUID 'nope'*"
	run "$VB" mdev define mdev_edu 9
	fails_with 3 "vfio-bind: define: mdev_edu: no type '9'*"
	run "$VB" mdev define mdev_edu 1 --auto --manual
	fails_with 2 "vfio-bind: define: --auto and --manual exclude each other*"
	run "$VB" mdev define ../x 1
	fails_with 2 "vfio-bind: define: bad parent name '../x'*"
	# A parent that is not here takes the type as written, with a warning.
	run "$VB" mdev define -u "$UGEN" 0000:09:00.0 nvidia-63
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "vfio-bind: warning: define: parent 0000:09:00.0 is not present: type nvidia-63 is not checked" ]
	grep -q '"mdev_type": "nvidia-63"' "$ROOT$CONF/0000:09:00.0/$UGEN"
}

@test "mdev list --defined shows definitions running or not; mdev list their start" {
	"$VB" mdev define -u "$U1" --auto mdev_edu 1 >/dev/null
	"$VB" mdev define -u "$U2" mdev_edu 1 >/dev/null
	run "$VB" mdev list --defined
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^UUID\ +PARENT\ +TYPE\ +START\ +ACTIVE$ ]]
	[[ ${lines[1]} =~ ^$U2\ +mdev_edu\ +mdev_edu-1\ +manual\ +no$ ]]
	[[ ${lines[2]} =~ ^$U1\ +mdev_edu\ +mdev_edu-1\ +auto\ +yes$ ]]
	run "$VB" mdev list --defined --json
	[[ $output == *'"uuid": "'$U1'",'*'"start": "auto",'*'"active": true'* ]]
	run "$VB" mdev list
	[[ ${lines[1]} =~ ^$U1\ .*\ auto$ ]]
	run "$VB" mdev list --json
	[[ $output == *'"start": "auto"'* ]]
}

@test "invalid definition files are named in one line each and skipped" {
	local d=$ROOT$CONF/mdev_edu
	mkdir -p "$d" "$ROOT$CONF/scripts.d"
	"$VB" mdev define -u "$U2" mdev_edu 1 >/dev/null
	echo '{"mdev_type": "mdev_edu-1", "start": "auto"' >"$d/11111111-1111-1111-1111-111111111111"
	echo '{"mdev_type": "../../x", "start": "auto"}' >"$d/22222222-2222-2222-2222-222222222222"
	echo '{"mdev_type": "mdev_edu-1", "start": "auto", "attrs": [{"../remove": "1"}]}' >"$d/33333333-3333-3333-3333-333333333333"
	echo '{"mdev_type": "mdev_edu-1", "start": "often"}' >"$d/44444444-4444-4444-4444-444444444444"
	echo '{"mdev_type": "mdev_edu-1", "start": "auto"}' >"$d/not-a-uuid"
	run "$VB" mdev list --defined
	[ "$status" -eq 0 ]
	[[ $output == *"vfio-bind: warning: $CONF/mdev_edu/11111111-1111-1111-1111-111111111111: skipped: not valid JSON"* ]]
	[[ $output == *"vfio-bind: warning: $CONF/mdev_edu/22222222-2222-2222-2222-222222222222: skipped: \"mdev_type\" is not a plain type name"* ]]
	[[ $output == *"vfio-bind: warning: $CONF/mdev_edu/33333333-3333-3333-3333-333333333333: skipped: an attribute name is not a plain file name"* ]]
	[[ $output == *"vfio-bind: warning: $CONF/mdev_edu/44444444-4444-4444-4444-444444444444: skipped: \"start\" is neither \"auto\" nor \"manual\""* ]]
	[[ $output == *"vfio-bind: warning: $CONF/mdev_edu/not-a-uuid: skipped: the file name is not a UUID"* ]]
	[ "$(grep -c "^$U2 " <<<"$output")" -eq 1 ]
	[ "${#lines[@]}" -eq 7 ]
	# start --parent (the boot rule) skips them too: only the valid auto one would start.
	"$VB" -q mdev modify --auto "$U2"
	run "$VB" mdev start --parent mdev_edu -n
	[ "$status" -eq 0 ]
	[[ $output == *"write $U2 > /sys/class/mdev_bus/mdev_edu/mdev_supported_types/mdev_edu-1/create"* ]]
	[ "$(grep -c '^write' <<<"$output")" -eq 1 ]
	run "$VB" doctor
	[[ $output == *"warn mdev      5 definition files in $CONF skipped (named above) (fix: fix or remove them)"* ]]
}

@test "mdev start --dry-run: create, then each attribute in order; refusals named" {
	mkdir -p "$ROOT$CONF/mdev_edu" "$ROOT$CONF/0000:00:02.0"
	printf '{"mdev_type": "mdev_edu-1", "start": "manual", "attrs": [{"a": "1"}, {"b": "x y"}]}' \
		>"$ROOT$CONF/mdev_edu/$U2"
	run "$VB" mdev start -n "$U2"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'write %s > /sys/class/mdev_bus/mdev_edu/mdev_supported_types/mdev_edu-1/create\nwrite 1 > /sys/bus/mdev/devices/%s/a\nwrite x y > /sys/bus/mdev/devices/%s/b' "$U2" "$U2" "$U2")" ]
	[ ! -s "$TYPE/create" ]
	echo '{"mdev_type": "mdev_edu-9", "start": "auto"}' >"$ROOT$CONF/mdev_edu/$UGEN"
	run "$VB" mdev start "$UGEN"
	fails_with 3 "vfio-bind: start: $UGEN: mdev_edu offers no type mdev_edu-9 (see 'vfio-bind mdev types')"
	echo '{"mdev_type": "mdev_edu-1", "start": "auto"}' >"$ROOT$CONF/mdev_edu/$U1"
	run "$VB" mdev start "$U1"
	fails_with 6 "vfio-bind: start: $U1 is already running ('vfio-bind mdev stop' first)"
	run "$VB" mdev start "$U2" --parent mdev_edu
	fails_with 2 "vfio-bind: start: give UUID or --parent PARENT*"
	run "$VB" mdev start 12345678-1234-1234-1234-123456789abc
	fails_with 3 "vfio-bind: start: 12345678-1234-1234-1234-123456789abc is not defined: *"
	run "$VB" doctor
	[[ $output == *"warn mdev      mdev $UGEN is defined as type mdev_edu-9, which mdev_edu does not offer"* ]]
}

@test "mdev start writes the UUID to the type's create file" {
	"$VB" -q mdev define -u "$U2" mdev_edu 1
	run "$VB" mdev start "$U2"
	# The fake tree has no kernel: the instance never appears, which start reports.
	fails_with 5 "vfio-bind: start: $U2: accepted, but no /sys/bus/mdev/devices/$U2*"
	[ "$(cat "$TYPE/create")" = "$U2" ]
}

@test "mdev modify and undefine change and remove the file; stop is remove" {
	"$VB" -q mdev define -u "$U2" mdev_edu 1
	run "$VB" mdev modify "$U2" --auto
	[ "$status" -eq 0 ]
	grep -q '"start": "auto"' "$ROOT$CONF/mdev_edu/$U2"
	run "$VB" mdev modify "$U2"
	fails_with 2 "vfio-bind: modify: nothing to change*"
	run "$VB" mdev modify "$U2" --type 9
	fails_with 3 "vfio-bind: modify: mdev_edu: no type '9'*"
	run "$VB" mdev undefine -n "$U2"
	[ "$output" = "rm -f $CONF/mdev_edu/$U2" ]
	run "$VB" mdev undefine "$U2"
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT$CONF/mdev_edu/$U2" ]
	run "$VB" mdev undefine "$U2"
	fails_with 3 "vfio-bind: undefine: $U2 is not defined: *"
	run "$VB" mdev stop "$U1"
	[ "$status" -eq 0 ]
	[ "$(cat "$EDU/$U1/remove")" = 1 ]
}

@test "doctor names a definition whose parent is gone" {
	"$VB" -q mdev define -u "$U2" 0000:09:00.0 nvidia-63 2>/dev/null
	run "$VB" doctor
	[[ $output == *"warn mdev      mdev $U2 is defined on parent 0000:09:00.0, which is missing (fix: 'vfio-bind mdev undefine UUID' removes it)"* ]]
}
