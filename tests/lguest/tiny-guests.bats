#!/usr/bin/env bats
# lguest-run running guests on a real KVM: the tiny flat guests of
# tests/lguest/*.S (serial, stdin, interrupts, MMIO and port I/O, virtio-blk,
# crash, reboot, halt, hang, signals, the terminal's raw mode, huge-page
# RAM), a tiny --unpack ELF, and the first instants of the Debian bzImage.
# Runs in the pci guest on nested kvm_amd, where KVM always exists
# (tests/guest/pci/41-lguest-run-tiny.bats is this file), and in the host
# section of tests/run-all only where the host has a usable /dev/kvm. The
# errors that need no VM are tests/host/lguest-run.bats.

bats_require_minimum_version 1.5.0

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	# shellcheck source=lguest-run.bash
	. "$HV_TOP/tests/lguest/lguest-run.bash"
	lg_setup
	# Never a skip: whoever runs this file promised a KVM.
	if [ ! -c /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "no usable /dev/kvm (kvm_amd not loaded?)" >&2
		return 1
	fi
}

@test "a missing KVM capability is named, exit 5" {
	LGUEST_RUN_HIDE_CAP=KVM_CAP_PIT2 run "$LG" "$G/hello.img"
	exits_with 5
	[[ $output == "lguest-run: /dev/kvm lacks KVM_CAP_PIT2: No such device (a newer host kernel or a real x86 KVM module is needed)" ]]
}

@test "hello guest: serial output exactly, exit-port code 42" {
	run --separate-stderr "$LG" "$G/hello.img"
	exits_with 42
	[ "$output" = "Hello from a lguest-run test guest" ]
	[ -z "$stderr" ]
}

@test "echo guest: stdin reaches the guest, its number becomes the exit status" {
	local n
	for n in 0 5 200 255; do
		run --separate-stderr "$LG" "$G/echo.img" <<<"$n"
		[ "$status" -eq "$n" ]
		[ "$output" = "number? got $n" ]
	done
}

@test "irq guest: THR-empty and received-data interrupts arrive on IRQ 4" {
	# An interrupt that never comes ends at --timeout with what the guest
	# printed by then (tests/lguest/irq.S spins for each one: why not hlt).
	run --separate-stderr "$LG" --timeout 20 "$G/irq.img" < <(printf Q)
	printf '%s\n' "${lines[@]}" "$stderr"
	exits_with 17
	[ "${lines[0]}" = "irq: waiting" ]
	[ "${lines[1]}" = "irq: THR empty on IRQ 4" ]
	[ "${lines[2]}" = "irq: received Q" ]
}

@test "devices guest: MMIO, RAM, CMOS, PCI config and unassigned ports behave" {
	run --separate-stderr "$LG" -m 32M -v "$G/devices.img"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "mmio 0xd0000000: ffffffff" ]
	[ "${lines[1]}" = "ram 0x1ff0000: 0000cafe" ]
	[ "${lines[2]}" = "cmos register D: 00000080" ]
	[ "${lines[3]}" = "pci 00:00.0 id: 00081b36" ]
	[ "${lines[4]}" = "pci 00:01.0 id: ffffffff" ]
	[ "${lines[5]}" = "port 0x2f8: 000000ff" ]
	[[ $stderr =~ "lguest-run: guest ended by exit-port, status 0, after "[0-9.]+" s (launcher set-up "[0-9.]+" s)" ]]
	[[ $stderr == *"mmio 2;"* ]]
}

@test "devices guest: a virtio disk appears as 00:01.0 (1af4:1001)" {
	: >"$T/disk"
	run --separate-stderr "$LG" -m 32M --block "$T/disk" "$G/devices.img"
	[ "$status" -eq 0 ]
	[ "${lines[4]}" = "pci 00:01.0 id: 10011af4" ]
}

# bats test_tags=userspace
@test "devices guest with -v --json: one JSON statistics object on stderr" {
	run --separate-stderr "$LG" -m 32M -v --json --rng "$G/devices.img"
	[ "$status" -eq 0 ]
	[[ $stderr == '{"end":"exit-port","status":0,"seconds":'*',"setup_seconds":'*'"mmio":2,'*'"virtio":[{"device":"virtio-rng","requests":0,"bytes":0}]}' ]]
}

@test "blk guest: virtio-blk reads, writes, refuses out-of-range sectors, raises its ISR" {
	printf 'lguest-run test disk, sector 0\n' >"$T/disk"
	truncate -s 64K "$T/disk"
	run --separate-stderr "$LG" -m 32M -v --block "$T/disk" "$G/blk.img"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "blk: sector 0: lguest-run test disk, sector 0" ]
	[ "${lines[1]}" = "blk: wrote sector 1" ]
	[ "${lines[2]}" = "blk: read past the end: IOERR" ]
	[ "${lines[3]}" = "blk: interrupt status set, cleared by reading" ]
	[ "$(dd if="$T/disk" bs=512 skip=1 count=1 status=none | head -n 1)" = "written by the blk guest" ]
	[[ $stderr == *"virtio-blk at 00:01.0 (irq 10): 3 requests, 1024 bytes"* ]]
}

@test "blk guest: a ,ro disk fails the write (guest exits 4), the file is unchanged" {
	printf 'read-only disk\n' >"$T/disk"
	truncate -s 64K "$T/disk"
	local sum
	sum=$(sha256sum <"$T/disk")
	run --separate-stderr "$LG" -m 32M --block "$T/disk,ro" "$G/blk.img"
	exits_with 4
	[ "${lines[0]}" = "blk: sector 0: read-only disk" ]
	[ "$(sha256sum <"$T/disk")" = "$sum" ]
}

@test "crash guest: a triple fault without orderly shutdown exits 255" {
	run --separate-stderr "$LG" "$G/crash.img"
	exits_with 255
	[ "$output" = "crash: triple fault" ]
	run --separate-stderr "$LG" -q "$G/crash.img"
	exits_with 255
	[ -z "$stderr" ]
}

@test "reboot guest: a reset after masking the PIC is orderly, exit 0" {
	run --separate-stderr "$LG" "$G/reboot.img"
	[ "$status" -eq 0 ]
	[ "$output" = "reboot: orderly" ]
	[ -z "$stderr" ]
}

@test "halt guest: halted with interrupts off is powered off, exit 0" {
	run --separate-stderr "$LG" -v "$G/halt.img"
	[ "$status" -eq 0 ]
	[ "$output" = "halt: interrupts off, halted" ]
	[[ $stderr == *"lguest-run: guest halted with interrupts disabled: powered off"* ]]
	[[ $stderr == *"lguest-run: guest ended by halt, status 0, after "* ]]
}

@test "hang guest: --timeout stops it with 124 after the timeout" {
	local t0 t1
	t0=$(now_ms)
	run --separate-stderr "$LG" --timeout 0.5 "$G/hang.img"
	t1=$(now_ms)
	exits_with 124
	[ "$output" = "hang: idle forever" ]
	[ "$stderr" = "lguest-run: guest still running after --timeout: stopped it" ]
	[ $((t1 - t0)) -ge 500 ]
	[ $((t1 - t0)) -lt 5000 ]
}

@test "hang guest: -v at --timeout says where the vCPU stood: halted, interrupts on, nothing requested" {
	run --separate-stderr "$LG" -v --timeout 0.5 "$G/hang.img"
	exits_with 124
	printf '%s\n' "$stderr"
	[[ $stderr == *"lguest-run: vCPU at the timeout: halted (waiting for an interrupt), rip 0x"*", interrupts on; PIC: requested 0x00, in service 0x00, masked 0x"* ]]
	run --separate-stderr "$LG" -v -j --timeout 0.5 "$G/hang.img"
	exits_with 124
	[[ $stderr == *'{"end":"timeout","status":124,'*'"vcpu":{"halted":true,"interrupts":true,"rip":'*',"pic_requested":0,"pic_in_service":0,"pic_masked":'*'}}' ]]
}

@test "hang guest: SIGTERM ends lguest-run with 143" {
	"$LG" "$G/hang.img" >"$T/out" 2>&1 &
	local pid=$! rc=0
	sleep 0.5
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 143 ]
	[ "$(cat "$T/out")" = "hang: idle forever" ]
}

# KVM backs guest memory with 2 MiB nested page table entries only where
# the host mapping and the guest-physical address agree modulo 2 MiB and a
# huge page is there: one nested page fault per 2 MiB instead of per 4 KiB.
@test "guest RAM: one mapping starting on a 2 MiB boundary, advised for huge pages" {
	"$LG" -m 64M "$G/hang.img" >"$T/out" 2>&1 &
	local pid=$! rc=0 i ram=
	for ((i = 0; i < 50; i++)); do
		ram=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { range = $1 }
			/^Size:/ { size = $2 }
			/^VmFlags:/ { if (size == 65536) print range, $0 }' "/proc/$pid/smaps")
		[ -z "$ram" ] || break
		sleep 0.1
	done
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 143 ]
	echo "guest RAM mapping: $ram"
	[ -n "$ram" ]
	[ $((0x${ram%%-*} % 0x200000)) -eq 0 ]
	[[ " $ram " == *" hg "* ]]
}

# The stop kick (SIGUSR1 to the vCPU thread) could find it still setting
# up; it stayed pending and killed lguest-run when the mask was restored.
@test "SIGTERM during set-up still ends lguest-run with 143 (12 tries)" {
	local i pid rc
	for ((i = 0; i < 12; i++)); do
		"$LG" -m 64M "$G/hang.img" >/dev/null 2>&1 &
		pid=$! rc=0
		sleep "0.00$((i % 8 + 1))"
		kill -TERM "$pid"
		wait "$pid" || rc=$?
		echo "try $i: exit $rc"
		[ "$rc" -eq 143 ]
	done
}

# on_terminal GUEST PROMPT KEYS: runs lguest-run on GUEST under script(1),
# so its stdin is a terminal it puts in raw mode, and types KEYS (printf
# escapes) once the guest has printed PROMPT; sets status and output. Keys
# typed earlier, before the terminal is raw (a slow start, as nested under
# TCG), would be echoed and could stop the guest before it printed.
on_terminal() {
	local i
	: >"$T/term"
	status=0
	{
		for ((i = 0; i < 100; i++)); do
			grep -q "$2" "$T/term" && break
			sleep 0.1
		done
		# shellcheck disable=SC2059 # KEYS are printf escapes
		printf "$3"
	} | script -qec "$LG $G/$1" /dev/null >"$T/term" 2>&1 || status=$?
	output=$(cat "$T/term")
	echo "exit $status: $output"
}

# bats test_tags=userspace
@test "on a terminal (raw mode) Ctrl-A x quits with 130" {
	command -v script >/dev/null || skip_or_fail "no script(1) (Debian: bsdutils)"
	on_terminal hang.img "idle forever" '\001x'
	exits_with 130
	[[ $output == "hang: idle forever"* ]]
}

# bats test_tags=userspace
@test "on a terminal Ctrl-A Ctrl-A sends one Ctrl-A to the guest" {
	command -v script >/dev/null || skip_or_fail "no script(1) (Debian: bsdutils)"
	on_terminal echo.img "number?" '\001\0017\n'
	exits_with 7
	[[ $output == *$'got \x017'* ]]
}

# bats test_tags=userspace
@test "a bzImage on a PVM host gets the warning; --timeout still ends it with 124" {
	need_bzimage
	run --separate-stderr "$LG" --timeout 1 "$BZ" -- quiet
	exits_with 124
	if [ -d /sys/module/kvm_pvm ]; then
		[[ $stderr == *"lguest-run: warning: this host's KVM is PVM (/sys/module/kvm_pvm)"* ]]
	else
		[[ $stderr != *"warning"* ]]
	fi
	[[ $stderr == *"guest still running after --timeout: stopped it" ]]
}

# bats test_tags=userspace
@test "-v shows the kernel command line lguest-run builds, user arguments last" {
	need_bzimage
	run --separate-stderr "$LG" -v --timeout 0.2 "$BZ" -- quiet lpj=1234
	exits_with 124
	[[ $stderr =~ command\ line:\ console=ttyS0\ panic=-1\ reboot=t\ no_timer_check\ tsc=reliable\ pci=noearly(\ lpj=[0-9]+)?\ quiet\ lpj=1234 ]]
}

# bats test_tags=userspace
@test "--unpack: a bzImage whose xz payload is a tiny ELF is loaded at its segment, entered at its entry" {
	need_lzma
	# tests/fuzz/corpus/bzimage/bz-xz-elf: one load segment of hlt at 2 MiB.
	run --separate-stderr "$LG" --unpack -v -m 32M "$HV_TOP/tests/fuzz/corpus/bzimage/bz-xz-elf"
	[ "$status" -eq 0 ]
	[[ $stderr == *"lguest-run: kernel unpacked in the launcher: 1 ELF load segments, entry 0x200000"* ]]
	[[ $stderr == *"lguest-run: guest halted with interrupts disabled: powered off"* ]]
}

# The launcher's decoding (seconds of TCG) and its choice: userspace.
# bats test_tags=userspace
@test "-v: --unpack unpacks the bzImage's payload in the launcher; by default the guest does" {
	need_lzma
	need_bzimage
	local pid st rc=0
	# --timeout counts decoding too (TCG takes seconds for it): stopped
	# at the step after loading instead, then SIGTERM (exit 143).
	# --no-cache: a kernel cache that an earlier run filled skips the decoding.
	HVUTILS_STEP_STOP=loaded "$LG" -v --no-cache --unpack "$BZ" -- quiet 2>"$T/err" &
	pid=$!
	for _ in $(seq 3000); do
		st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)
		[ "$st" = T ] || [ -z "$st" ] || [ "$st" = Z ] && break
		sleep 0.02
	done
	[ "$st" = T ] || { kill -KILL "$pid"; echo "never stopped at step loaded: $(cat "$T/err")"; return 1; }
	kill -TERM "$pid"
	kill -CONT "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 143 ] || { echo "exit $rc: $(cat "$T/err")"; return 1; }
	[[ $(cat "$T/err") =~ "lguest-run: kernel unpacked in the launcher: "[0-9]+" ELF load segments, entry 0x"[0-9a-f]+ ]]
	run --separate-stderr "$LG" -v --timeout 0.2 "$BZ" -- quiet
	exits_with 124
	[[ $stderr != *"unpacked"* ]]
	[[ $stderr == *"lguest-run: bzImage: boot protocol "* ]]
}
