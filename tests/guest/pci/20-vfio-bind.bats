#!/usr/bin/env bats
# vfio-bind in the pci bench: real driver binding through sysfs and real
# VFIO ioctls against QEMU's edu, the e1000e and the two e1000 that share
# one IOMMU group behind the pcie-pci-bridge. Every test leaves the devices
# on their original drivers (teardown restores whatever is recorded).

load pci
load "$BATS_TEST_DIRNAME/../../assert"

setup_file() {
	local edus nics
	edus=($(devices 0x1234 0x11e8))
	nics=($(devices 0x8086 0x100e))
	export EDU=${edus[0]:-} EDU2=${edus[1]:-} NIC1=${nics[0]:-} NIC2=${nics[1]:-}
	export E1000E=$(devices 0x8086 0x10d3)
}

setup() {
	command -v vfio-bind >/dev/null || {
		echo "vfio-bind is not installed in the guest image" >&2
		return 1
	}
	[ -n "$EDU2" ] && [ -n "$E1000E" ] && [ -n "$NIC2" ] || {
		echo "bench devices missing: edu='$EDU $EDU2' e1000e='$E1000E' e1000='$NIC1 $NIC2'" >&2
		return 1
	}
}

teardown() {
	vfio-bind -q restore --all >/dev/null 2>&1 || true
}

@test "doctor reports the IOMMU, interrupt remapping and vfio as working" {
	run vfio-bind doctor
	[ "$status" -eq 0 ]
	[[ $output == *"ok   iommu     IOMMU active (dmar0)"* ]]
	[[ $output == *"ok   intremap  interrupt remapping enabled"* ]]
	[[ $output == *"ok   modules   vfio, vfio_iommu_type1, vfio_pci loaded"* ]]
	! grep -q '^fail' <<<"$output"
}

@test "list: each edu is alone in a viable group, the bridge group is not viable" {
	run vfio-bind list
	[ "$status" -eq 0 ]
	[[ $output =~ $EDU\ +00ff\ +1234:11e8\ +-\ +[0-9]+\ +yes\ +$EDU\  ]]
	[[ $output =~ $NIC1\ +0200\ +8086:100e\ +e1000\ +[0-9]+\ +no\  ]]
	# The bench image has pci.ids: names come through libpci.
	[[ $output == *"Ethernet controller: Intel Corporation 82574L"* ]]
}

@test "bind --dry-run prints the steps and changes nothing" {
	run vfio-bind bind --dry-run "$E1000E"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "# record /run/hvutils/vfio-bind/$E1000E: driver=e1000e override=" ]
	[ "${lines[2]}" = "echo $E1000E > /sys/bus/pci/drivers/e1000e/unbind" ]
	[ "$(driver_of "$E1000E")" = e1000e ]
	[ "$(cat "/sys/bus/pci/devices/$E1000E/driver_override")" = "(null)" ]
	[ ! -e "/run/hvutils/vfio-bind/$E1000E" ]
}

@test "bind and restore an edu device: /dev/vfio/N comes and goes" {
	local g
	g=$(group_of "$EDU")
	[ "$(driver_of "$EDU")" = none ]
	run vfio-bind bind "$EDU"
	[ "$status" -eq 0 ]
	[ "$output" = "$EDU: bound to vfio-pci (was no driver), group $g, /dev/vfio/$g" ]
	[ "$(driver_of "$EDU")" = vfio-pci ]
	[ -c "/dev/vfio/$g" ]
	[ -f "/run/hvutils/vfio-bind/$EDU" ]
	run vfio-bind restore "$EDU"
	[ "$status" -eq 0 ]
	[ "$output" = "$EDU: restored to no driver" ]
	[ "$(driver_of "$EDU")" = none ]
	[ "$(cat "/sys/bus/pci/devices/$EDU/driver_override")" = "(null)" ]
	[ ! -e "/run/hvutils/vfio-bind/$EDU" ]
	[ ! -e "/dev/vfio/$g" ]
}

@test "info on edu: BAR0 is 1 MiB and mmap-able, MSI has one vector, config decoded" {
	vfio-bind -q bind "$EDU"
	run vfio-bind info "$EDU"
	[ "$status" -eq 0 ]
	[[ $output =~ $'\n'\ +0\ bar0\ +1M\ +0x0\ +rwm\  ]]
	[[ $output =~ $'\n'\ +1\ +msi\ +1\ eventfd ]]
	[[ $output == *"config   vendor 0x1234 device 0x11e8"* ]]
	[[ $output == *"msi@0x"* ]]
	run vfio-bind info --json "$EDU"
	[ "$status" -eq 0 ]
	[[ $output == *'"name": "bar0",'*'"size": 1048576,'*'"mmap": true'* ]]
}

@test "peek bar0 0 reads the edu identification register 0x010000ed" {
	vfio-bind -q bind "$EDU"
	run vfio-bind peek "$EDU" bar0 0
	[ "$status" -eq 0 ]
	[ "$output" = 0x010000ed ]
	run vfio-bind peek --width 2 "$EDU" config 0
	[ "$output" = 0x1234 ]
}

@test "the liveness register at 0x04 inverts a poked value" {
	vfio-bind -q bind "$EDU"
	run vfio-bind poke "$EDU" bar0 4 0x12345678
	[ "$status" -eq 0 ]
	run vfio-bind peek "$EDU" bar0 4
	[ "$output" = 0xedcba987 ]
}

@test "factorial: 5 written to 0x08 reads back 120 once the busy bit clears" {
	vfio-bind -q bind "$EDU"
	vfio-bind poke "$EDU" bar0 8 5
	local i st
	for i in $(seq 50); do
		st=$(vfio-bind peek "$EDU" bar0 0x20)
		(((st & 1) == 0)) && break
		sleep 0.1
	done
	[ $((st & 1)) -eq 0 ]
	run vfio-bind peek "$EDU" bar0 8
	[ "$output" = 0x00000078 ]
}

# edu's specification (QEMU docs/specs/edu.rst) as regs scripts: one open each.
@test "regs: edu's identification, liveness and factorial sequences on one open" {
	vfio-bind -q bind "$EDU"
	run vfio-bind regs "$EDU" <<-'EOF'
		peek bar0 0                           # identification 0x010000ed
		poke bar0 0x4 0x12345678              # liveness: reads back inverted
		peek bar0 0x4
		poke bar0 0x8 5                       # factorial of 5
		wait bar0 0x20 0x1 0 --timeout 5s     # until the busy bit clears
		peek bar0 0x8
		peek config 0 2
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = $'0x010000ed\n0xedcba987\n0x00000078\n0x1234' ]
	run vfio-bind regs -j "$EDU" <<<$'poke bar0 8 6\nwait bar0 0x20 1 0 --timeout 5s\npeek bar0 8'
	[ "$status" -eq 0 ]
	[ "$output" = "{\"line\":3,\"address\":\"$EDU\",\"region\":\"bar0\",\"offset\":\"0x8\",\"width\":4,\"value\":\"0x2d0\",\"op\":\"read\"}" ]
}

@test "regs: a bad line anywhere, before or after opening, means nothing is written" {
	vfio-bind -q bind "$EDU"
	vfio-bind regs "$EDU" <<<"poke bar0 4 0x11111111"
	# A syntax error on the last line: the device is not even opened.
	run vfio-bind regs "$EDU" <<<$'poke bar0 4 0x22222222\npoke bar0 8 5\npeek bar0 6'
	fails_with 2 "vfio-bind: regs: line 3: offset 0x6 is not aligned to 4 bytes*"
	# Outside the region: found on the open device, before the first access.
	run vfio-bind regs "$EDU" <<<$'poke bar0 4 0x22222222\npoke bar0 8 5\npeek bar0 0x100000'
	fails_with 2 "vfio-bind: $EDU: line 3: offset 0x100000 + 4 is outside region bar0 (size 0x100000)*"
	run vfio-bind regs "$EDU" <<<$'poke bar0 4 0x22222222\npeek bar1 0'
	fails_with 3 "vfio-bind: $EDU: line 2: region bar1 is not implemented (size 0)"
	run vfio-bind regs "$EDU" <<<$'peek bar0 4\npeek bar0 8'
	[ "$status" -eq 0 ]
	# Still the liveness value of the first script, and no factorial was started.
	[ "${lines[0]}" = 0xeeeeeeee ]
	[ "${lines[1]}" != 0x00000078 ]
}

@test "regs: a wait that is never satisfied ends with exit 7 after its timeout" {
	vfio-bind -q bind "$EDU"
	local t0=$SECONDS
	run vfio-bind regs "$EDU" <<<$'peek bar0 0\nwait bar0 0x20 0x1 0x1 --timeout 300ms\npeek bar0 4'
	exits_with 7
	[ "${lines[0]}" = 0x010000ed ]
	[[ ${lines[1]} == "vfio-bind: $EDU: line 2: wait bar0 0x20: still 0x000000"??" (& 0x1 != 0x1) after 300 ms" ]]
	[ "${#lines[@]}" -eq 2 ]
	[ $((SECONDS - t0)) -lt 10 ]
}

@test "register access outside the region is refused before the device is touched" {
	vfio-bind -q bind "$EDU"
	run vfio-bind peek "$EDU" bar0 0x100000
	fails_with 2 "vfio-bind: $EDU: offset 0x100000 + 4 is outside region bar0 (size 0x100000) (see 'vfio-bind info')"
	run vfio-bind peek "$EDU" bar0 0xffffc --width 8
	fails_with 2 "vfio-bind: peek: offset 0xffffc is not aligned to 8 bytes*"
	run vfio-bind peek "$EDU" bar1 0
	fails_with 3 "vfio-bind: $EDU: region bar1 is not implemented (size 0)"
}

@test "bind --persist, the boot rule's bind --if-persistent, restore --persist on an edu" {
	local f=/etc/driverctl.d/pci-$EDU2
	rm -f "$f"
	run vfio-bind bind --persist "$EDU2"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "$EDU2: persistent ($f)" ]
	[ "$(cat "$f")" = vfio-pci ]
	[[ $(vfio-bind list) =~ $EDU2\ [^$'\n']*\ vfio-pci\ +[A-Z] ]]
	# As after a reboot: on its own driver (none), the file still there.
	vfio-bind -q restore "$EDU2"
	[ "$(driver_of "$EDU2")" = none ]
	run vfio-bind doctor
	[[ $output == *"warn persist   $EDU2 has a persistent override to vfio-pci but is on no driver"* ]]
	# What hvutils' udev rule runs when the device appears at boot.
	run vfio-bind -q bind --if-persistent "$EDU2" "$EDU"
	[ "$status" -eq 0 ]
	[ "$(driver_of "$EDU2")" = vfio-pci ]
	[ "$(driver_of "$EDU")" = none ]
	run vfio-bind restore --persist "$EDU2"
	[ "$status" -eq 0 ]
	[ ! -e "$f" ]
	[ "$(driver_of "$EDU2")" = none ]
}

@test "a persistent binding of a NIC in use is reported at boot, not forced" {
	local ifc f=/etc/driverctl.d/pci-$E1000E
	ifc=$(iface_of "$E1000E")
	ip link set "$ifc" up
	echo vfio-pci >"$f"
	run vfio-bind -q bind --if-persistent "$E1000E"
	rm -f "$f"
	ip link set "$ifc" down
	exits_with 6
	[[ $output == *"$E1000E: in use: "* ]]
	[ "$(driver_of "$E1000E")" = e1000e ]
}

@test "bind --user hands /dev/vfio/N to that user" {
	run vfio-bind bind --user 1000 "$EDU2"
	[ "$status" -eq 0 ]
	[ "$(stat -c %u "/dev/vfio/$(group_of "$EDU2")")" = 1000 ]
}

@test "the e1000e goes to vfio-pci and comes back to e1000e with its link up" {
	local ifc i
	ifc=$(iface_of "$E1000E")
	[ -n "$ifc" ]
	run vfio-bind bind "$E1000E"
	[ "$status" -eq 0 ]
	[ "$output" = "$E1000E: bound to vfio-pci (was e1000e), group $(group_of "$E1000E"), /dev/vfio/$(group_of "$E1000E")" ]
	[ -z "$(iface_of "$E1000E")" ]
	run vfio-bind restore "$E1000E"
	[ "$status" -eq 0 ]
	[ "$output" = "$E1000E: restored to e1000e" ]
	ifc=$(iface_of "$E1000E")
	[ -n "$ifc" ]
	ip link set "$ifc" up
	for i in $(seq 100); do
		[ "$(cat "/sys/class/net/$ifc/carrier" 2>/dev/null)" = 1 ] && break
		sleep 0.1
	done
	[ "$(cat "/sys/class/net/$ifc/carrier")" = 1 ]
	ip link set "$ifc" down
}

@test "a NIC that is up is refused unless --force" {
	local ifc
	ifc=$(iface_of "$E1000E")
	ip link set "$ifc" up
	run vfio-bind bind "$E1000E"
	ip link set "$ifc" down
	fails_with 6 "vfio-bind: $E1000E: in use: network interface $ifc is up (stop using it first, or --force)"
	[ "$(driver_of "$E1000E")" = e1000e ]
}

@test "shared group: one NIC alone is not viable (blocker named), --group makes it usable" {
	run vfio-bind bind "$NIC2"
	[ "$status" -eq 0 ]
	[[ $output == *"warning: $NIC2: group $(group_of "$NIC2") is not viable yet: $NIC1 (e1000) still on a host driver"* ]]
	run vfio-bind info "$NIC2"
	fails_with 6 "vfio-bind: $NIC2: IOMMU group $(group_of "$NIC2") is not viable: $NIC1 (e1000) (bind them to vfio-pci too ('vfio-bind bind --group') or unbind them)"
	run vfio-bind bind --group "$NIC2"
	[ "$status" -eq 0 ]
	[ "$(driver_of "$NIC1")" = vfio-pci ]
	run vfio-bind info "$NIC2"
	[ "$status" -eq 0 ]
	[[ $output == *"0 bar0 "* ]]
	run vfio-bind restore "$NIC1" "$NIC2"
	[ "$status" -eq 0 ]
	[ "$(driver_of "$NIC1")" = e1000 ]
	[ "$(driver_of "$NIC2")" = e1000 ]
}

@test "bind killed after each step: restore puts the e1000e back on e1000e" {
	local step
	for step in record override unbind probe; do
		HVUTILS_TEST_STOP_AFTER=$step run vfio-bind bind "$E1000E"
		[ "$status" -eq 137 ] || { echo "$step: exit $status" >&2; false; }
		grep -qx driver=e1000e "/run/hvutils/vfio-bind/$E1000E"
		run vfio-bind restore "$E1000E"
		[ "$status" -eq 0 ] || { echo "$step: restore: $output" >&2; false; }
		[ "$(driver_of "$E1000E")" = e1000e ] || { echo "after $step" >&2; false; }
		[ "$(cat "/sys/bus/pci/devices/$E1000E/driver_override")" = "(null)" ]
		[ ! -e "/run/hvutils/vfio-bind/$E1000E" ]
	done
}

@test "a bind killed half-way, then bound again, still restores the original driver" {
	HVUTILS_TEST_STOP_AFTER=unbind run vfio-bind bind "$E1000E"
	exits_with 137
	[ "$(driver_of "$E1000E")" = none ]
	run vfio-bind bind "$E1000E"
	[ "$status" -eq 0 ]
	[[ $output == *"(was e1000e)"* ]]
	run vfio-bind restore --all
	[ "$status" -eq 0 ]
	[ "$(driver_of "$E1000E")" = e1000e ]
}

@test "bind loads vfio-pci through libkmod when it is not loaded" {
	# vfio-bind is a static program that dlopen()s libkmod only for this.
	rmmod vfio_pci
	[ ! -d /sys/module/vfio_pci ]
	run vfio-bind -v bind "$EDU"
	# Later suites need vfio-pci whatever happened above.
	[ -d /sys/module/vfio_pci ] || modprobe vfio-pci
	[ "$status" -eq 0 ]
	[[ $output == *"vfio-bind: loaded module vfio-pci"* ]]
	[ "$(driver_of "$EDU")" = vfio-pci ]
	run vfio-bind restore "$EDU"
	[ "$status" -eq 0 ]
	[ "$(driver_of "$EDU")" = none ]
}
