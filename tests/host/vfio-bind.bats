#!/usr/bin/env bats
# vfio-bind on the host, against a fake /sys, /proc, /dev and /run built by
# fixtures/vfio-sysfs.sh (the devices are listed there). This pins down what
# needs no kernel: usage and argument errors, DEV parsing, list, group
# viability, the in-use refusals, --dry-run output, records and doctor's
# findings. The kernel side (binding for real, VFIO ioctls) is the pci
# guest's job (tests/guest/pci/20-vfio-bind.bats).

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	VB=$HV_TOP/tools/vfio-bind/vfio-bind
	[ -x "$VB" ] || {
		echo "vfio-bind is not built: run make" >&2
		return 1
	}
	ROOT=$BATS_TEST_TMPDIR/root
	"$BATS_TEST_DIRNAME/fixtures/vfio-sysfs.sh" "$ROOT"
	export HVUTILS_SYSROOT=$ROOT HVUTILS_PCI_IDS=$ROOT/pci.ids
	unset HVUTILS_TEST_STOP_AFTER
	DEVS=$ROOT/sys/bus/pci/devices
}

load "$BATS_TEST_DIRNAME/../assert"

# The fake tree is exactly as the fixture built it: nothing was written.
unchanged() {
	local f
	for f in "$DEVS"/*/driver_override; do
		[ "$(<"$f")" = "(null)" ] || {
			echo "$f was written: $(<"$f")" >&2
			return 1
		}
	done
	for f in "$ROOT"/sys/bus/pci/drivers/*/{bind,unbind} "$ROOT/sys/bus/pci/drivers_probe"; do
		[ ! -s "$f" ] || {
			echo "$f was written: $(<"$f")" >&2
			return 1
		}
	done
	# The lock file may exist; no record may.
	[ -z "$(ls "$ROOT/run/hvutils/vfio-bind" 2>/dev/null)" ] || {
		echo "a record was written: $(ls "$ROOT/run/hvutils/vfio-bind")" >&2
		return 1
	}
}

json_ok() { python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$1"; }

# ---- usage -------------------------------------------------------------------

@test "--help lists every verb and the man page, exits 0" {
	run "$VB" --help
	[ "$status" -eq 0 ]
	for v in list bind restore unbind info peek poke regs doctor; do
		[[ $output == *"  $v "* ]] || { echo "verb $v missing" >&2; false; }
	done
	[[ $output == *"vfio-bind(1)"* ]]
}

@test "bind --help shows the verb's own options" {
	run "$VB" bind --help
	[ "$status" -eq 0 ]
	[[ $output == *"--group"* && $output == *"--dry-run"* && $output == *"--user"* ]]
	[[ $output == *"--force"* ]]
}

@test "--version prints the version" {
	run "$VB" --version
	[ "$status" -eq 0 ]
	[[ $output == "vfio-bind (hvutils) "[0-9]* ]]
}

@test "no verb is a usage error (exit 2)" {
	run "$VB"
	fails_with 2 "vfio-bind: no verb given (try 'vfio-bind --help')"
}

@test "an unknown verb suggests the closest one" {
	run "$VB" bnid 01:00.0
	fails_with 2 "vfio-bind: unknown verb 'bnid': did you mean 'bind'? *"
}

@test "an ambiguous verb prefix is refused, naming the verbs it matches" {
	run "$VB" p 01:00.0 bar0 0
	fails_with 2 "vfio-bind: ambiguous verb 'p': peek, poke (try 'vfio-bind --help')"
}

@test "a unique verb prefix works (li = list)" {
	run "$VB" li
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == ADDRESS* ]]
}

@test "an unknown option suggests the closest one" {
	run "$VB" bind --grop 01:00.0
	fails_with 2 "vfio-bind: unknown option '--grop': did you mean '--group'? *"
}

@test "bind without DEV is a usage error" {
	run "$VB" bind
	fails_with 2 "vfio-bind: bind: missing argument (usage: bind DEV... *"
}

@test "info takes exactly one DEV" {
	run "$VB" info 00:02.0 00:03.0
	fails_with 2 "vfio-bind: info: unexpected argument '00:03.0'*"
}

@test "list takes no arguments" {
	run "$VB" list 00:02.0
	fails_with 2 "vfio-bind: list: unexpected argument '00:02.0'*"
}

@test "restore needs DEV or --all, not both, not neither" {
	run "$VB" restore
	fails_with 2 "vfio-bind: restore: give DEV... or --all*"
	run "$VB" restore --all 00:03.0
	fails_with 2 "vfio-bind: restore: --all and DEV exclude each other*"
}

@test "--quiet and --verbose exclude each other" {
	run "$VB" list -q -v
	fails_with 2 "vfio-bind: --quiet and --verbose exclude each other*"
}

@test "--user with an unknown user fails before any change (exit 3)" {
	run "$VB" bind --user no-such-user-xyz 01:00.0
	fails_with 3 "vfio-bind: --user no-such-user-xyz: no such user*"
	unchanged
}

@test "peek: an unknown region is a usage error" {
	run "$VB" peek 00:03.0 bar9 0
	fails_with 2 "vfio-bind: peek: unknown region 'bar9' (bar0..bar5, rom, config, vga)"
}

@test "peek: widths other than 1, 2, 4, 8 are refused" {
	for w in 3 0 16 x; do
		run "$VB" peek --width "$w" 00:03.0 bar0 0
		fails_with 2 "vfio-bind: peek: bad width '$w' (1, 2, 4 or 8 bytes)"
	done
}

@test "peek: an offset not aligned to the width is refused" {
	run "$VB" peek --width 4 00:03.0 bar0 6
	fails_with 2 "vfio-bind: peek: offset 0x6 is not aligned to 4 bytes*"
}

@test "peek: a malformed offset is refused" {
	run "$VB" peek 00:03.0 bar0 4k
	fails_with 2 "vfio-bind: peek: bad offset '4k'*"
	run "$VB" peek 00:03.0 bar0 -- -4
	fails_with 2 "vfio-bind: peek: bad offset '-4'*"
}

@test "poke: a value wider than --width is refused" {
	run "$VB" poke --width 1 00:03.0 bar0 4 0x100
	fails_with 2 "vfio-bind: poke: bad value '0x100' (too large) (it must fit the width)"
	run "$VB" poke 00:03.0 bar0 4 0x100000000
	fails_with 2 "vfio-bind: poke: bad value '0x100000000' (too large)*"
}

@test "poke: VALUE is required" {
	run "$VB" poke 00:03.0 bar0 4
	fails_with 2 "vfio-bind: poke: missing argument*"
}

@test "peek on a device that is not on vfio-pci says so (exit 5)" {
	run "$VB" peek 00:02.0 bar0 0
	fails_with 5 "vfio-bind: 0000:00:02.0: on driver none, not vfio-pci (run 'vfio-bind bind' first)"
}

# ---- persistence: driverctl's /etc/driverctl.d/pci-ADDR ----------------------

PD=/etc/driverctl.d

@test "bind --persist writes driverctl's file: the driver name and a newline, 0644" {
	run "$VB" bind --persist 00:03.0
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "0000:00:03.0: persistent ($PD/pci-0000:00:03.0)" ]
	[ "$(od -An -c "$ROOT$PD/pci-0000:00:03.0" | tr -s ' ')" = " v f i o - p c i \n" ]
	[ "$(stat -c %a "$ROOT$PD/pci-0000:00:03.0")" = 644 ]
	[ "$(ls "$ROOT$PD")" = "pci-0000:00:03.0" ]
}

@test "bind --persist --dry-run prints the file it would write and writes nothing" {
	run "$VB" bind --persist -n 00:03.0
	[ "$status" -eq 0 ]
	[ "$output" = "# persist $PD/pci-0000:00:03.0: vfio-pci" ]
	[ ! -e "$ROOT$PD" ]
}

@test "bind --persist: a device vfio-pci did not take gets no persistent file" {
	run "$VB" bind --persist 00:02.0
	exits_with 1
	[ ! -e "$ROOT$PD/pci-0000:00:02.0" ]
}

@test "list shows persistent overrides, driverctl's own included (PERSIST, \"persistent\")" {
	mkdir -p "$ROOT$PD"
	echo vfio-pci >"$ROOT$PD/pci-0000:05:02.0" # as 'driverctl set-override' writes it
	echo e1000e >"$ROOT$PD/pci-0000:01:00.0"
	echo '../../x' >"$ROOT$PD/pci-0000:02:00.0"
	: >"$ROOT$PD/pci-0000:00:03.0.tmp.AbCdEf"
	run "$VB" list
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ \ MEMBERS\ +PERSIST\ +NAME ]]
	[[ $output =~ 0000:05:02.0\ [^$'\n']*\ vfio-pci\ +Ethernet ]]
	[[ $output =~ 0000:01:00.0\ [^$'\n']*\ e1000e\ +Ethernet ]]
	[[ $output =~ 0000:02:00.0\ [^$'\n']*\ \?\ +Ethernet ]]
	[[ $output =~ 0000:00:03.0\ [^$'\n']*\ -\ {2,} ]]
	run "$VB" list --json
	json_ok "$output"
	[ "$(grep -c '"persistent": "vfio-pci"' <<<"$output")" -eq 1 ]
	[ "$(grep -c '"persistent": null' <<<"$output")" -eq 6 ]
}

@test "restore --persist removes the override, whoever wrote it" {
	mkdir -p "$ROOT$PD"
	echo vfio-pci >"$ROOT$PD/pci-0000:00:03.0"
	run "$VB" restore --persist -n 00:03.0
	[ "${lines[0]}" = "rm -f $PD/pci-0000:00:03.0" ]
	[ -f "$ROOT$PD/pci-0000:00:03.0" ]
	# The fake tree has no kernel to take the device back: only the file is checked.
	run "$VB" restore --persist 00:03.0
	[[ $output == *"0000:00:03.0: persistent override removed"* ]]
	[ ! -e "$ROOT$PD/pci-0000:00:03.0" ]
}

@test "restore --all --persist: overrides of devices that are gone are removed with a warning" {
	mkdir -p "$ROOT$PD"
	echo vfio-pci >"$ROOT$PD/pci-0000:09:00.0"
	echo e1000e >"$ROOT$PD/pci-0000:01:00.0"
	run "$VB" restore --all --persist
	[[ $output == *"vfio-bind: warning: 0000:09:00.0: persistent but gone: removing its override"* ]]
	[[ $output == *"0000:09:00.0: persistent override removed"* ]]
	[ ! -e "$ROOT$PD/pci-0000:09:00.0" ]
	# Not a vfio-pci override: not vfio-bind's to drop with --all.
	[ -f "$ROOT$PD/pci-0000:01:00.0" ]
}

@test "doctor reports a persistent binding of a missing device, a bad file, one not applied" {
	mkdir -p "$ROOT$PD"
	echo vfio-pci >"$ROOT$PD/pci-0000:09:00.0"
	echo 'a b' >"$ROOT$PD/pci-0000:02:00.0"
	echo vfio-pci >"$ROOT$PD/pci-0000:01:00.0"
	echo vfio-pci >"$ROOT$PD/pci-0000:05:02.0"
	run "$VB" doctor
	[[ $output == *"warn persist   persistent vfio-pci binding of 0000:09:00.0, but the device is missing ($PD/pci-0000:09:00.0) (fix: 'vfio-bind restore --all --persist' removes it, or rm the file)"* ]]
	[[ $output == *"warn persist   $PD/pci-0000:02:00.0 does not name a driver"* ]]
	[[ $output == *"warn persist   0000:01:00.0 has a persistent override to vfio-pci but is on e1000e"* ]]
	[[ $output != *"0000:05:02.0 has"* ]]
	run "$VB" doctor --json
	json_ok "$output"
	rm "$ROOT$PD"/pci-0000:0[921]:00.0
	run "$VB" doctor
	[[ $output == *"ok   persist   1 persistent override in $PD, all applied"* ]]
}

@test "bind --if-persistent (the boot rule) binds only what a vfio-pci override names" {
	mkdir -p "$ROOT$PD"
	echo e1000e >"$ROOT$PD/pci-0000:01:00.0"
	echo '..' >"$ROOT$PD/pci-0000:02:00.0"
	run "$VB" bind --if-persistent -n 01:00.0 02:00.0 00:02.0
	[ "$status" -eq 0 ]
	[ "$output" = "vfio-bind: 0000:02:00.0: $PD/pci-0000:02:00.0 is not a driver name: skipped (write a driver name, or remove it)" ]
	echo vfio-pci >"$ROOT$PD/pci-0000:02:00.0"
	# eth1 is up: the refusal holds at boot too, and is reported.
	run "$VB" bind --if-persistent 02:00.0
	fails_with 6 "vfio-bind: 0000:02:00.0: in use: *"
	run "$VB" bind --if-persistent --persist 02:00.0
	fails_with 2 "vfio-bind: bind: --if-persistent goes with neither --persist nor --group*"
	unchanged
}

@test "persistent writes: a failed write and a killed one leave no temporary file" {
	mkdir -p "$ROOT$PD"
	# A temporary file a SIGKILLed write left behind goes with the next write.
	: >"$ROOT$PD/pci-0000:00:03.0.tmp.Xy12Zz"
	"$VB" -q bind --persist 00:03.0
	[ "$(ls "$ROOT$PD")" = "pci-0000:00:03.0" ]
	# /etc/driverctl.d cannot be made: the error names the file, nothing is left.
	rm -rf "${ROOT:?}$PD"
	: >"$ROOT$PD"
	run "$VB" -q bind --persist 00:03.0
	fails_with 1 "vfio-bind: 0000:00:03.0: bound, but writing $PD/pci-0000:00:03.0: * (is /etc writable?)"
	[ "$(ls "$ROOT/etc")" = driverctl.d ]
}

# SIGINT and SIGQUIT are not tried: bash starts background jobs with them
# ignored. ir-sigdfl: SIGHUP at its default even in a run under nohup.
@test "persistent writes: SIGTERM or SIGHUP during the write ends the process after it, file whole" {
	local sig pid st
	for sig in TERM HUP; do
		rm -rf "${ROOT:?}$PD"
		HVUTILS_STEP_STOP=persist "$HV_TOP/tests/interrupt/ir-sigdfl" "$VB" -q bind --persist 00:03.0 &
		pid=$!
		for _ in $(seq 100); do
			st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || break
			[ "$st" = T ] && break
			sleep 0.05
		done
		[ "$st" = T ]
		kill -s "$sig" "$pid"
		kill -s CONT "$pid"
		st=0
		wait "$pid" || st=$?
		[ "$st" -ge 129 ] || { echo "SIG$sig: exit $st" >&2; false; }
		[ "$(cat "$ROOT$PD/pci-0000:00:03.0")" = vfio-pci ]
		[ "$(ls "$ROOT$PD")" = "pci-0000:00:03.0" ] || { echo "SIG$sig left: $(ls "$ROOT$PD")" >&2; false; }
	done
}

# ---- regs: register scripts ---------------------------------------------------

@test "regs --dry-run prints the script as understood, one command a line" {
	run "$VB" regs --dry-run 00:03.0 <<-'EOF'
		# edu's factorial
		poke bar0 0x8 5
		wait bar0 0x20 1 0 --timeout 1s   # busy bit clear
		peek bar0 8

		sleep 0.25
		wait --width=2 config 0 0xffff 0x1234 --timeout=500ms
		peek config 0x3e 2
	EOF
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 6 ]
	[ "${lines[0]}" = "poke bar0 0x8 0x5 4" ]
	[ "${lines[1]}" = "wait bar0 0x20 0x1 0x0 --timeout 1000ms --width 4" ]
	[ "${lines[2]}" = "peek bar0 0x8 4" ]
	[ "${lines[3]}" = "sleep 250ms" ]
	[ "${lines[4]}" = "wait config 0x0 0xffff 0x1234 --timeout 500ms --width 2" ]
	[ "${lines[5]}" = "peek config 0x3e 2" ]
	unchanged
}

@test "regs --dry-run --json: one record per command with its line number" {
	printf 'peek bar0 0\n\nsleep 1s\n' >"$BATS_TEST_TMPDIR/s"
	run "$VB" regs -n -j -f "$BATS_TEST_TMPDIR/s" 00:03.0
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"line":1,"command":"peek bar0 0x0 4"}' ]
	[ "${lines[1]}" = '{"line":3,"command":"sleep 1000ms"}' ]
	json_ok "${lines[1]}"
}

@test "regs: a bad line anywhere is named and the device is never opened" {
	local bad
	# The fake /dev/vfio/vfio answers no ioctl: reaching it would fail with exit 5.
	while IFS='|' read -r bad msg; do
		run "$VB" regs 00:03.0 < <(printf 'poke bar0 4 1\npeek bar0 4\n%s\npoke bar0 8 5\n' "$bad")
		fails_with 2 "vfio-bind: regs: line 3: $msg (nothing was done: see 'vfio-bind regs --help')"
	done <<-'EOF'
		peek bar9 0|unknown region 'bar9' (bar0..bar5, rom, config, vga)
		peek bar0 6|offset 0x6 is not aligned to 4 bytes
		peek bar0 4k|bad offset '4k' (a number: 16, 0x10)
		peek bar0 0 3|bad width '3' (1, 2, 4 or 8 bytes)
		peek bar0 0 4 4|peek: unexpected argument '4'
		peek bar0 0x10000000000 1|offset 0x10000000000 is beyond any VFIO region (1 TiB)
		poke bar0 0 0x100 1|bad value '0x100' (too large for 1 bytes)
		poke bar0 0|poke: missing argument (poke REGION OFFSET VALUE ?WIDTH?)
		wait bar0 0x20 1 0|wait: --timeout is required (a wait must end)
		wait bar0 0x20 1 2 --timeout 1s|wait: value 0x2 has bits outside mask 0x1 (the wait could never end)
		wait bar0 0x20 1 0 --timeout 2h|bad timeout '2h' (at most 1h)
		wait bar0 0x20 1 0 --timeout|wait: --timeout needs a value
		wait bar0 0x20 1 0 --timeout 1 --timeout 2|wait: --timeout given twice
		wait bar0 0x20 1 0 --time 1|wait: unknown option '--time' (--timeout, --width)
		sleep|sleep: missing argument (sleep DUR)
		sleep 1x|bad duration '1x' (a duration: 100ms, 1.5s, 2m)
		frob bar0 0|unknown command 'frob' (peek, poke, wait, sleep)
	EOF
}

@test "regs: a script with a NUL byte or over 1 MiB is refused before anything" {
	run "$VB" regs 00:03.0 < <(printf 'peek bar0 0\n\0')
	fails_with 2 "vfio-bind: regs: the script contains a NUL byte*"
	run "$VB" regs 00:03.0 < <(head -c 1048577 /dev/zero | tr '\0' '\n')
	fails_with 1 "vfio-bind: regs: reading the script from stdin: File too large ?at most 1 MiB?"
}

@test "regs: a missing script file and a missing DEV are reported" {
	run "$VB" regs -f "$BATS_TEST_TMPDIR/none" 00:03.0
	fails_with 3 "vfio-bind: regs: reading the script from $BATS_TEST_TMPDIR/none: No such file or directory"
	run "$VB" regs
	fails_with 2 "vfio-bind: regs: missing argument*"
	run "$VB" regs 0000:0f:00.0 </dev/null
	fails_with 3 "vfio-bind: 0000:0f:00.0: no such PCI device: *"
}

@test "regs on a device that is not on vfio-pci says so (exit 5)" {
	run "$VB" regs 00:02.0 <<<"peek bar0 0"
	fails_with 5 "vfio-bind: 0000:00:02.0: on driver none, not vfio-pci (run 'vfio-bind bind' first)"
}

# ---- DEV parsing ---------------------------------------------------------------

@test "DEV: full and short PCI addresses name the same device" {
	run "$VB" bind -n 0000:01:00.0
	[ "$status" -eq 0 ]
	long=$output
	run "$VB" bind -n 01:00.0
	[ "$status" -eq 0 ]
	[ "$output" = "$long" ]
	[[ $output == *"0000:01:00.0 > /sys/bus/pci/drivers/e1000e/unbind"* ]]
}

@test "DEV: hex digits in any case and without leading zeros" {
	run "$VB" bind -n 0:1:0.0
	[ "$status" -eq 0 ]
	[[ $output == *"/sys/bus/pci/devices/0000:01:00.0/driver_override"* ]]
	run "$VB" bind -n 0000:00:02.0
	[ "$status" -eq 0 ]
}

@test "DEV: vendor:device names every matching device" {
	run "$VB" bind -n 8086:10d3 --force
	[ "$status" -eq 0 ]
	[[ $output == *"0000:01:00.0 > /sys/bus/pci/drivers/e1000e/unbind"* ]]
	[[ $output == *"0000:02:00.0 > /sys/bus/pci/drivers/e1000e/unbind"* ]]
}

@test "DEV: vendor:device matching several devices is refused where one is needed" {
	run "$VB" info 1234:11e8
	fails_with 2 "vfio-bind: 1234:11e8: matches 2 devices (0000:00:02.0, 0000:00:03.0) (give its address)"
}

@test "DEV: vendor:device without a match is not found (exit 3)" {
	run "$VB" bind 1af4:1041
	fails_with 3 "vfio-bind: 1af4:1041: no PCI device with these ids: No such file or directory (see 'vfio-bind list')"
}

@test "DEV: an address of no device is not found (exit 3)" {
	run "$VB" bind 09:00.0
	fails_with 3 "vfio-bind: 0000:09:00.0: no such PCI device: No such file or directory (see 'vfio-bind list')"
}

@test "DEV: out-of-range fields are refused (exit 2)" {
	for a in 00:20.0 00:00.8 100:00.0 10000:00:00.0; do
		run "$VB" bind "$a"
		fails_with 2 "vfio-bind: $a: PCI address out of range*"
	done
}

@test "DEV: malformed addresses are refused (exit 2)" {
	for a in 01:00 01:00.0x 01.00.0 :01:00.0 0000:01:00:0.0 1:2 "" 8086:10d3x 8086:1d3 g1:00.0; do
		run "$VB" bind "$a"
		fails_with 2 "vfio-bind: $a: not a PCI address or vendor:device*"
	done
}

@test "DEV: a /sys path of a PCI device is accepted" {
	run "$VB" bind -n /sys/bus/pci/devices/0000:01:00.0
	[ "$status" -eq 0 ]
	[[ $output == *"echo 0000:01:00.0 > /sys/bus/pci/drivers/e1000e/unbind"* ]]
}

@test "DEV: a device on another bus is not PCI (exit 2)" {
	run "$VB" bind /sys/devices/platform/serial8250
	fails_with 2 "vfio-bind: /sys/devices/platform/serial8250: not a PCI device (bus 'platform') (vfio-bind handles PCI devices)"
}

@test "DEV: an unknown UUID is not found (exit 3)" {
	run "$VB" info 0b3c5e4e-7a1c-4c39-9a7b-2e0c6f3d1a55
	fails_with 3 "vfio-bind: 0b3c5e4e-7a1c-4c39-9a7b-2e0c6f3d1a55: no such device*"
}

# ---- list ------------------------------------------------------------------------

@test "list shows every device with ids, names, driver, group and viability" {
	run "$VB" list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 10 ]
	[[ ${lines[0]} =~ ^ADDRESS\ +CLASS\ +IDS\ +DRIVER\ +GROUP\ +VIABLE\ +MEMBERS\ +PERSIST\ +NAME$ ]]
	[[ $output =~ 0000:00:02.0\ +00ff\ +1234:11e8\ +-\ +1\ +yes\ +0000:00:02.0\ +-\ +Unassigned\ class:\ Technical\ Corp.\ QEMU\ edu\ device ]]
	[[ $output =~ 0000:01:00.0\ +0200\ +8086:10d3\ +e1000e\ +3\ +no\  ]]
	[[ $output =~ 0000:05:02.0\ +0200\ +8086:100e\ +vfio-pci\ +6\ +no\ +0000:04:00.0,0000:05:01.0,0000:05:02.0\  ]]
}

@test "list --vfio shows only devices on vfio-pci" {
	run "$VB" list --vfio
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[1]} == 0000:00:03.0* && ${lines[2]} == 0000:05:02.0* ]]
}

@test "list works without a pci.ids file: ids, no names" {
	HVUTILS_PCI_IDS=$ROOT/no-such-pci.ids run "$VB" list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 10 ]
	[[ $output =~ 0000:00:02.0\ +00ff\ +1234:11e8\ +-\ +1\ +yes\ +0000:00:02.0\ +-\ +-$'\n' ]]
	[[ $output != *"QEMU edu"* ]]
}

@test "list --json: valid JSON with groups, members and the blocking member" {
	run "$VB" list --json
	[ "$status" -eq 0 ]
	json_ok "$output"
	run python3 -c '
import json, sys
d = {x["address"]: x for x in json.load(sys.stdin)["devices"]}
g = d["0000:05:02.0"]
assert g["iommu_group"] == 6, g
assert g["group_members"] == ["0000:04:00.0", "0000:05:01.0", "0000:05:02.0"], g
assert g["viable"] is False, g
assert g["blocking"] == [{"address": "0000:05:01.0", "driver": "e1000"}], g
assert d["0000:00:02.0"]["viable"] is True and d["0000:00:02.0"]["driver"] is None
assert d["0000:00:02.0"]["device_name"] == "QEMU edu device"
assert d["0000:01:00.0"]["vendor"] == "0x8086" and d["0000:01:00.0"]["class"] == "0x020000"
print("ok")' <<<"$output"
	[ "$output" = ok ]
}

@test "list without an IOMMU shows no groups" {
	"$BATS_TEST_DIRNAME/fixtures/vfio-sysfs.sh" "$ROOT" --no-iommu
	run "$VB" list
	[ "$status" -eq 0 ]
	[[ $output =~ 0000:00:02.0\ +00ff\ +1234:11e8\ +-\ +-\ +no-iommu\  ]]
}

@test "--sysroot works like HVUTILS_SYSROOT, before or after the verb" {
	unset HVUTILS_SYSROOT
	run "$VB" --sysroot "$ROOT" list --vfio
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	run "$VB" list --vfio --sysroot "$ROOT"
	[ "${#lines[@]}" -eq 3 ]
}

@test "list fails clearly without sysfs (exit 3)" {
	mkdir "$BATS_TEST_TMPDIR/empty"
	run "$VB" --sysroot "$BATS_TEST_TMPDIR/empty" list
	fails_with 3 "vfio-bind: reading /sys/bus/pci/devices: No such file or directory (is sysfs mounted?)"
}

# ---- group viability ------------------------------------------------------------------

viable_of() {
	"$VB" list --json | python3 -c "
import json, sys
print({x['address']: x for x in json.load(sys.stdin)['devices']}['$1']['viable'])"
}

@test "group: a member on a host driver blocks the whole group" {
	[ "$(viable_of 0000:05:02.0)" = False ]
	[ "$(viable_of 0000:04:00.0)" = False ]
}

@test "group: members without a driver or on pci-stub/pcieport/vfio-pci leave it viable" {
	for drv in pci-stub pcieport vfio-pci; do
		mkdir -p "$ROOT/sys/bus/pci/drivers/$drv"
		ln -sfn "../../drivers/$drv" "$DEVS/0000:05:01.0/driver"
		[ "$(viable_of 0000:05:02.0)" = True ] || { echo "$drv blocks" >&2; false; }
	done
	rm "$DEVS/0000:05:01.0/driver"
	[ "$(viable_of 0000:05:02.0)" = True ]
}

@test "group: a bridge on a driver without managed DMA (shpchp) blocks too" {
	ln -s ../../drivers/shpchp "$DEVS/0000:04:00.0/driver"
	rm "$DEVS/0000:05:01.0/driver"
	[ "$(viable_of 0000:05:02.0)" = False ]
}

@test "info on a non-viable group names the blocking member and its driver (exit 6)" {
	run "$VB" info 05:02.0
	fails_with 6 "vfio-bind: 0000:05:02.0: IOMMU group 6 is not viable: 0000:05:01.0 (e1000) (bind them to vfio-pci too ('vfio-bind bind --group') or unbind them)"
}

@test "bind --group takes every endpoint of the group, never the bridge" {
	run "$VB" bind -n --group 05:02.0
	[ "$status" -eq 0 ]
	[[ $output == *"echo 0000:05:01.0 > /sys/bus/pci/drivers/e1000/unbind"* ]]
	[[ $output != *"0000:04:00.0"* ]]
	# 05:02.0 is on vfio-pci already: nothing to write for it.
	[[ $output != *"devices/0000:05:02.0/driver_override"* ]]
	unchanged
}

# ---- refusals ------------------------------------------------------------------------------

@test "bind refuses a network interface that is up (exit 6), changes nothing" {
	run "$VB" bind 02:00.0
	fails_with 6 "vfio-bind: 0000:02:00.0: in use: network interface eth1 is up (stop using it first, or --force)"
	unchanged
}

@test "bind refuses a device with a mounted block device (exit 6)" {
	run "$VB" bind 03:00.0
	fails_with 6 "vfio-bind: 0000:03:00.0: in use: block device nvme0n1p1 is mounted on /srv/data (stop using it first, or --force)"
	unchanged
}

@test "bind refuses a device whose disk is held (device mapper, md)" {
	sed -i '/259:1/d' "$ROOT/proc/self/mountinfo"
	mkdir "$DEVS/0000:03:00.0/nvme/nvme0/nvme0n1/holders/dm-0"
	run "$VB" bind 03:00.0
	fails_with 6 "vfio-bind: 0000:03:00.0: in use: block device nvme0n1 is held by dm-0*"
}

@test "bind refuses a swap partition" {
	sed -i '/259:1/d' "$ROOT/proc/self/mountinfo"
	printf '/dev/nvme0n1p1 partition\t1024\t0\t-2\n' >>"$ROOT/proc/swaps"
	run "$VB" bind 03:00.0
	fails_with 6 "vfio-bind: 0000:03:00.0: in use: block device nvme0n1p1 is used as swap*"
}

@test "one busy DEV stops the whole bind before any change" {
	run "$VB" bind 01:00.0 02:00.0
	fails_with 6 "vfio-bind: 0000:02:00.0: in use: network interface eth1 is up*"
	unchanged
}

@test "bind --force takes a device in use" {
	run "$VB" bind -n --force 02:00.0
	[ "$status" -eq 0 ]
	[[ $output == *"echo 0000:02:00.0 > /sys/bus/pci/drivers/e1000e/unbind"* ]]
}

@test "bind refuses a PCI bridge (exit 2)" {
	run "$VB" bind 04:00.0
	fails_with 2 "vfio-bind: 0000:04:00.0: a PCI bridge (vfio-pci takes endpoints only)"
}

@test "bind without an IOMMU group explains and points to doctor (exit 5)" {
	"$BATS_TEST_DIRNAME/fixtures/vfio-sysfs.sh" "$ROOT" --no-iommu
	run "$VB" bind 00:02.0
	fails_with 5 "vfio-bind: 0000:00:02.0: no IOMMU group: No such device (the IOMMU is off or missing: see 'vfio-bind doctor')"
	unchanged
}

@test "bind fails clearly when vfio-pci cannot be loaded (exit 3), changes nothing" {
	rm -r "$ROOT/sys/module/vfio_pci"
	run "$VB" bind 01:00.0
	fails_with 3 "vfio-bind: loading module vfio-pci: No such file or directory*"
	unchanged
}

# ---- dry run ---------------------------------------------------------------------------------

@test "bind --dry-run prints the record and each sysfs write in order, changes nothing" {
	run "$VB" bind --dry-run 01:00.0
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[0]}" = "# record /run/hvutils/vfio-bind/0000:01:00.0: driver=e1000e override=" ]
	[ "${lines[1]}" = "echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override" ]
	[ "${lines[2]}" = "echo 0000:01:00.0 > /sys/bus/pci/drivers/e1000e/unbind" ]
	[ "${lines[3]}" = "echo 0000:01:00.0 > /sys/bus/pci/drivers_probe" ]
	unchanged
}

@test "bind --dry-run of a driverless device has no unbind step" {
	run "$VB" bind -n 00:02.0
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "# record /run/hvutils/vfio-bind/0000:00:02.0: driver= override=" ]
	[[ $output != *unbind* ]]
}

@test "bind --dry-run shows the module loads it would do" {
	rm -r "$ROOT/sys/module/vfio_pci" "$ROOT/sys/module/vfio_iommu_type1"
	run "$VB" bind -n 00:02.0
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "modprobe vfio-pci" ]
	[ "${lines[1]}" = "modprobe vfio_iommu_type1" ]
	unchanged
}

@test "bind --dry-run --user shows the chown of the group node" {
	run "$VB" bind -n --user root 01:00.0
	[ "$status" -eq 0 ]
	[ "${lines[4]}" = "chown root /dev/vfio/3" ]
	unchanged
}

# A stand-in getent that knows one user, as an LDAP or sss setup would.
fake_getent() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cat >"$BATS_TEST_TMPDIR/bin/getent" <<'SH'
#!/bin/sh
[ "$1 $2 $3 $4" = "passwd -- ldap-qemu " ] || exit 2
echo "ldap-qemu:*:70001:70001::/var/lib/qemu:/bin/false"
SH
	chmod +x "$BATS_TEST_TMPDIR/bin/getent"
}

@test "bind --user asks /usr/bin/getent for users not in /etc/passwd (directory users)" {
	command -v unshare >/dev/null || skip_or_fail "needs unshare (util-linux)"
	fake_getent
	# Over the real one, in a mount namespace of the test's own.
	in_ns() {
		unshare -m sh -c 'mount --bind "$1" /usr/bin/getent && shift && exec "$@"' _ \
			"$BATS_TEST_TMPDIR/bin/getent" "$@"
	}
	run in_ns "$VB" bind -n --user ldap-qemu 01:00.0
	[ "$status" -eq 0 ]
	[ "${lines[4]}" = "chown ldap-qemu /dev/vfio/3" ]
	run in_ns "$VB" bind -n --user ldap-other 01:00.0
	fails_with 3 "vfio-bind: --user ldap-other: no such user*"
	unchanged
}

@test "bind --user never runs a getent found through PATH" {
	fake_getent
	PATH=$BATS_TEST_TMPDIR/bin:$PATH run "$VB" bind -n --user ldap-qemu 01:00.0
	fails_with 3 "vfio-bind: --user ldap-qemu: no such user*"
	unchanged
}

@test "restore --dry-run of a device with a record: override, unbind, probe, record" {
	mkdir -p "$ROOT/run/hvutils/vfio-bind"
	printf 'driver=e1000\noverride=\n' >"$ROOT/run/hvutils/vfio-bind/0000:05:02.0"
	run "$VB" restore -n 05:02.0
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "echo > /sys/bus/pci/devices/0000:05:02.0/driver_override" ]
	[ "${lines[1]}" = "echo 0000:05:02.0 > /sys/bus/pci/drivers/vfio-pci/unbind" ]
	[ "${lines[2]}" = "echo 0000:05:02.0 > /sys/bus/pci/drivers_probe" ]
	[ "${lines[3]}" = "# remove record /run/hvutils/vfio-bind/0000:05:02.0" ]
	[ -f "$ROOT/run/hvutils/vfio-bind/0000:05:02.0" ]
}

@test "restore --dry-run without a record lets the kernel choose the driver" {
	run "$VB" unbind -n 00:03.0
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[1]}" = "echo 0000:00:03.0 > /sys/bus/pci/drivers/vfio-pci/unbind" ]
	unchanged
}

@test "restore --all --dry-run covers every record and skips temp files" {
	mkdir -p "$ROOT/run/hvutils/vfio-bind"
	printf 'driver=e1000\noverride=\n' >"$ROOT/run/hvutils/vfio-bind/0000:05:02.0"
	printf 'driver=\noverride=\n' >"$ROOT/run/hvutils/vfio-bind/0000:00:03.0"
	printf 'junk' >"$ROOT/run/hvutils/vfio-bind/0000:00:03.0.tmp.123"
	run "$VB" restore --all -n
	[ "$status" -eq 0 ]
	[[ $output == *"0000:05:02.0 > /sys/bus/pci/drivers/vfio-pci/unbind"* ]]
	[[ $output == *"0000:00:03.0 > /sys/bus/pci/drivers/vfio-pci/unbind"* ]]
	# The driverless original is left driverless: no probe for 00:03.0.
	[[ $output != *"echo 0000:00:03.0 > /sys/bus/pci/drivers_probe"* ]]
}

@test "restore of a device vfio-bind never bound does nothing" {
	run "$VB" restore 01:00.0
	[ "$status" -eq 0 ]
	[[ $output == *"0000:01:00.0: not bound by vfio-bind (driver e1000e): nothing to restore" ]]
	unchanged
}

@test "restore --all with no records says so" {
	run "$VB" restore --all
	[ "$status" -eq 0 ]
	[ "$output" = "vfio-bind: nothing to restore" ]
}

@test "restore refuses a record it did not write (exit 2)" {
	mkdir -p "$ROOT/run/hvutils/vfio-bind"
	for d in ../../evil .. .; do
		printf 'driver=%s\n' "$d" >"$ROOT/run/hvutils/vfio-bind/0000:05:02.0"
		run "$VB" restore 05:02.0
		fails_with 2 "vfio-bind: 0000:05:02.0: unreadable record /run/hvutils/vfio-bind/0000:05:02.0*"
	done
}

# ---- records and the kill points ------------------------------------------------------------

@test "bind writes the record before the first sysfs write (killed after 'record')" {
	HVUTILS_TEST_STOP_AFTER=record run "$VB" bind 01:00.0
	exits_with 137
	[ "$(cat "$ROOT/run/hvutils/vfio-bind/0000:01:00.0")" = $'driver=e1000e\noverride=' ]
	[ "$(<"$DEVS/0000:01:00.0/driver_override")" = "(null)" ]
}

@test "killed after 'override': driver_override is set, the driver not yet unbound" {
	HVUTILS_TEST_STOP_AFTER=override run "$VB" bind 01:00.0
	exits_with 137
	[ "$(<"$DEVS/0000:01:00.0/driver_override")" = "vfio-pci" ]
	[ ! -s "$ROOT/sys/bus/pci/drivers/e1000e/unbind" ]
	[ -f "$ROOT/run/hvutils/vfio-bind/0000:01:00.0" ]
}

@test "a second bind keeps the first record: it holds the true original driver" {
	mkdir -p "$ROOT/run/hvutils/vfio-bind"
	printf 'driver=e1000\noverride=\n' >"$ROOT/run/hvutils/vfio-bind/0000:01:00.0"
	HVUTILS_TEST_STOP_AFTER=record run "$VB" bind 01:00.0
	exits_with 137
	[ "$(head -n 1 "$ROOT/run/hvutils/vfio-bind/0000:01:00.0")" = "driver=e1000" ]
}

@test "a driver that does not take the device: exit 1, device given back to its driver" {
	# The fake kernel never rebinds: the driver link keeps saying e1000e.
	run "$VB" bind 01:00.0
	exits_with 1
	[[ $output == *"vfio-bind: 0000:01:00.0: vfio-pci refused the device (driver now: e1000e) (see dmesg; the device was given back)"* ]]
	[[ $output == *"0000:01:00.0: restored to e1000e"* ]]
	[ "$(<"$ROOT/sys/bus/pci/drivers/e1000e/unbind")" = "0000:01:00.0" ]
	# driver_override was set, then cleared again by the give-back.
	[ -z "$(<"$DEVS/0000:01:00.0/driver_override")" ]
	[ ! -f "$ROOT/run/hvutils/vfio-bind/0000:01:00.0" ]
}

@test "a record that cannot be written stops bind before any sysfs write" {
	mkdir -p "$ROOT/run/hvutils"
	: >"$ROOT/run/hvutils/vfio-bind" # a file where the directory should be
	run "$VB" bind 01:00.0
	fails_with 1 "vfio-bind: locking /run/hvutils/vfio-bind/.lock: Not a directory (is /run writable?)"
	[ "$(<"$DEVS/0000:01:00.0/driver_override")" = "(null)" ]
	[ ! -s "$ROOT/sys/bus/pci/drivers/e1000e/unbind" ]
}

# ---- symlinks and the sysroot (vfio-bind runs as root) -------------------------------------

# A root-owned file the tests point symlinks at: it must stay as it is.
victim() {
	V=$BATS_TEST_TMPDIR/victim
	printf 'precious\n' >"$V"
	chmod 0644 "$V"
}

@test "bind does not follow a symlinked driver_override: the link's target is untouched" {
	victim
	ln -sf "$V" "$DEVS/0000:01:00.0/driver_override"
	run "$VB" bind 01:00.0
	fails_with 1 "vfio-bind: 0000:01:00.0: writing driver_override: Too many levels of symbolic links*"
	[ "$(<"$V")" = precious ]
}

@test "bind creates the record's temp file exclusively: a planted symlink is not followed" {
	victim
	mkdir -p "$ROOT/run/hvutils/vfio-bind"
	# exec keeps the pid, the one the temp file's name used to be made of
	HVUTILS_TEST_STOP_AFTER=record run bash -c \
		'ln -s "$1" "$2/0000:01:00.0.tmp.$$" && exec "$3" bind 01:00.0' \
		_ "$V" "$ROOT/run/hvutils/vfio-bind" "$VB"
	exits_with 137
	[ "$(<"$V")" = precious ]
	[ "$(cat "$ROOT/run/hvutils/vfio-bind/0000:01:00.0")" = $'driver=e1000e\noverride=' ]
}

@test "bind --user does not follow a symlinked /dev/vfio/N: the link's target keeps owner and mode" {
	victim
	rm "$ROOT/dev/vfio/2"
	ln -s "$V" "$ROOT/dev/vfio/2"
	run "$VB" bind --user nobody 00:03.0
	exits_with 1
	[[ $output == *"vfio-bind: /dev/vfio/2: handing to nobody: Too many levels of symbolic links"* ]]
	[ "$(stat -c %u:%a "$V")" = 0:644 ]
}

@test "bind --user hands a real /dev/vfio/N over: owner and mode 0600" {
	chmod 0644 "$ROOT/dev/vfio/2"
	run "$VB" bind --user nobody 00:03.0
	[ "$status" -eq 0 ]
	[ "$(stat -c %U:%a "$ROOT/dev/vfio/2")" = nobody:600 ]
}

@test "as root, a sysroot owned by another user or writable by others is refused (exit 4)" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	chown 65534 "$ROOT"
	run "$VB" list
	fails_with 4 "vfio-bind: sysroot $ROOT: owned by uid 65534, not by you (use a tree you own)"
	chown 0 "$ROOT"
	chmod o+w "$ROOT"
	run "$VB" list
	fails_with 4 "vfio-bind: sysroot $ROOT: writable by others (use a tree only you can change)"
	chmod o-w "$ROOT"
	mkdir "$BATS_TEST_TMPDIR/open"
	chmod 0777 "$BATS_TEST_TMPDIR/open"
	mv "$ROOT" "$BATS_TEST_TMPDIR/open/root"
	run "$VB" --sysroot "$BATS_TEST_TMPDIR/open/root" list
	fails_with 4 "vfio-bind: sysroot $BATS_TEST_TMPDIR/open/root: $BATS_TEST_TMPDIR/open is writable by others (use a tree only you can change)"
	chmod +t "$BATS_TEST_TMPDIR/open" # like /tmp: others cannot move our tree
	run "$VB" --sysroot "$BATS_TEST_TMPDIR/open/root" list
	[ "$status" -eq 0 ]
}

# ---- doctor ---------------------------------------------------------------------------------

@test "doctor: IOMMU, interrupt remapping and modules fine; a blocked group fails (exit 1)" {
	run "$VB" doctor
	exits_with 1
	[[ $output == *"ok   iommu     IOMMU active (dmar0), 7 IOMMU groups"* ]]
	[[ $output == *"ok   intremap  interrupt remapping enabled"* ]]
	[[ $output == *"ok   modules "* ]]
	[[ $output == *"fail groups    group 6 has devices on vfio-pci but is not viable: 0000:05:01.0 (e1000) (fix: bind the rest with 'vfio-bind bind --group', or unbind them)"* ]]
}

@test "doctor exits 0 when nothing fails" {
	rm "$DEVS/0000:05:01.0/driver"
	run "$VB" doctor
	[ "$status" -eq 0 ]
	! grep -q '^fail' <<<"$output"
	[[ $output == *"ok   groups    no group with vfio-pci devices is blocked"* ]]
}

@test "doctor without an IOMMU names intel_iommu=on and amd_iommu=on (exit 1)" {
	"$BATS_TEST_DIRNAME/fixtures/vfio-sysfs.sh" "$ROOT" --no-iommu
	run "$VB" doctor
	exits_with 1
	[[ ${lines[0]} == "fail iommu     no IOMMU: "*"intel_iommu=on"*"amd_iommu=on"* ]]
}

@test "doctor with a DMAR table but no IOMMU says the kernel argument is missing" {
	"$BATS_TEST_DIRNAME/fixtures/vfio-sysfs.sh" "$ROOT" --no-iommu
	mkdir -p "$ROOT/sys/firmware/acpi/tables"
	: >"$ROOT/sys/firmware/acpi/tables/DMAR"
	run "$VB" doctor
	[ "${lines[0]}" = "fail iommu     no IOMMU active, but the firmware describes Intel VT-d (ACPI DMAR table) (fix: add intel_iommu=on to the kernel command line)" ]
}

@test "doctor with intel_iommu=off on the command line names it" {
	"$BATS_TEST_DIRNAME/fixtures/vfio-sysfs.sh" "$ROOT" --no-iommu
	echo "root=/dev/vda intel_iommu=off" >"$ROOT/proc/cmdline"
	run "$VB" doctor
	[[ ${lines[0]} == "fail iommu     no IOMMU: the kernel command line turns it off"* ]]
}

@test "doctor: no interrupt remapping is a failure with the fix" {
	sed -i 's/IR-IO-APIC/IO-APIC/' "$ROOT/proc/interrupts"
	run "$VB" doctor
	[[ $output == *"fail intremap  interrupt remapping is off: VFIO_SET_IOMMU fails with EPERM (fix: "*"intremap=on"* ]]
	echo Y >"$ROOT/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"
	run "$VB" doctor
	[[ $output == *"warn intremap  interrupt remapping off; vfio_iommu_type1 allows unsafe interrupts"* ]]
}

@test "doctor: missing vfio modules are a warning with the fix" {
	rm -r "$ROOT/sys/module/vfio_pci"
	run "$VB" doctor
	[[ $output == *"warn modules   not loaded: vfio_pci (fix: 'vfio-bind bind' loads them, or: modprobe vfio-pci vfio_iommu_type1)"* ]]
}

@test "doctor: a memlock limit below the memory size is a warning" {
	run bash -c "ulimit -l 64 && exec '$VB' doctor"
	[[ $output == *"warn memlock   memlock limit 64K: VFIO_IOMMU_MAP_DMA pins memory"*"(fix: raise it"* ]]
	# A limit that covers all memory is fine.
	printf 'MemTotal:          32 kB\n' >"$ROOT/proc/meminfo"
	run bash -c "ulimit -l 64 && exec '$VB' doctor"
	[[ $output == *"ok   memlock   memlock limit 64K covers all memory"* ]]
	# CAP_IPC_LOCK lifts the limit.
	sed -i 's/^CapEff:.*/CapEff:\t0000000000004000/' "$ROOT/proc/self/status"
	run bash -c "ulimit -l 64 && exec '$VB' doctor"
	[[ $output == *"ok   memlock   memlock limit 64K, but this user has CAP_IPC_LOCK"* ]]
}

@test "doctor --json: valid JSON with a status per finding" {
	run "$VB" doctor --json
	exits_with 1
	json_ok "$output"
	run python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["ok"] is False
t = {f["topic"]: f for f in d["findings"]}
assert t["iommu"]["status"] == "ok" and t["groups"]["status"] == "fail"
assert "--group" in t["groups"]["fix"]
print("ok")' <<<"$output"
	[ "$output" = ok ]
}
