#!/usr/bin/env bats
# lguest-run on the host: usage and every argument error, every kernel
# image error (the image is untrusted input: truncated files, wrong magic,
# out-of-range header fields, sizes that do not fit), the /dev/kvm errors,
# and the tiny test guests of tests/lguest/ on this host's /dev/kvm (a PVM
# host runs them: they are a few hundred instructions each).
# A real kernel boots in tests/guest/pci/40-lguest-run.bats (nested KVM).

bats_require_minimum_version 1.5.0

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	LG=$HV_TOP/tools/lguest-run/lguest-run
	G=$HV_TOP/tests/lguest
	[ -x "$LG" ] || {
		echo "lguest-run is not built: run make" >&2
		return 1
	}
	[ -f "$G/hello.img" ] || {
		echo "test guests are not built: run make check-build" >&2
		return 1
	}
	unset LGUEST_RUN_KVM LGUEST_RUN_HIDE_CAP
	T=$BATS_TEST_TMPDIR
}

# A missing prerequisite skips, except in CI where it fails.
missing() {
	[ "${CI:-}" = true ] && { echo "missing prerequisite: $*" >&2; return 1; }
	skip "$*"
}

need_kvm() {
	if [ ! -c /dev/kvm ] || [ ! -w /dev/kvm ]; then
		[ "${CI:-}" = true ] && { echo "no usable /dev/kvm" >&2; return 1; }
		skip "no usable /dev/kvm"
	fi
}

bzimage() {
	local k
	for k in /boot/vmlinuz-*; do
		[ -f "$k" ] && { echo "$k"; return 0; }
	done
	[ "${CI:-}" = true ] && { echo "no /boot/vmlinuz-* (Debian: linux-image-amd64)" >&2; return 1; }
	skip "no /boot/vmlinuz-*"
}

# Little-endian fields for hand-made headers.
le() { # le BYTES VALUE
	local i v=$2
	for ((i = 0; i < $1; i++)); do
		printf "\\$(printf %03o $((v & 255)))"
		v=$((v >> 8))
	done
}
# flat VERSION HDR_SIZE LOAD ENTRY MEM_SIZE [RESERVED]: a flat header + 64 bytes of hlt.
flat() {
	printf LGRUNFLT
	le 4 "$1"; le 4 "$2"; le 8 "$3"; le 8 "$4"; le 8 "$5"; le 8 "${6:-0}"; le 8 0; le 8 0
	head -c 64 /dev/zero | tr '\0' '\364'
}
# patch FILE OFFSET BYTES VALUE: overwrite a little-endian field in place.
patch() {
	le "$3" "$4" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# A copy of the real bzImage's first 64 KiB (header intact) to break.
bz_head() {
	head -c 65536 "$(bzimage)" >"$T/bz"
}

# ---- usage -------------------------------------------------------------------

@test "--help shows the synopsis, the options and the man page, exit 0" {
	run "$LG" --help
	[ "$status" -eq 0 ]
	[[ $output == *"lguest-run [options] KERNEL [-- KERNEL-ARGS...]"* ]]
	[[ $output == *"--memory=SIZE"* ]]
	[[ $output == *"--block=FILE[,ro]"* ]]
	[[ $output == *"--timeout=SEC"* ]]
	[[ $output == *"lguest-run(1)"* ]]
}

@test "--version prints the hvutils version" {
	run "$LG" --version
	[ "$status" -eq 0 ]
	[[ $output =~ ^lguest-run\ \(hvutils\)\ [0-9] ]]
}

@test "no KERNEL is a usage error (2)" {
	run "$LG"
	[ "$status" -eq 2 ]
	[ "$output" = "lguest-run: missing KERNEL (a bzImage or a flat test image) (try 'lguest-run --help')" ]
}

@test "kernel arguments without -- are refused (2)" {
	run "$LG" "$G/hello.img" quiet
	[ "$status" -eq 2 ]
	[[ $output == "lguest-run: unexpected argument 'quiet' (kernel arguments go after --)"* ]]
}

@test "an unknown option suggests the closest (2)" {
	run "$LG" --memroy 64M "$G/hello.img"
	[ "$status" -eq 2 ]
	[[ $output == "lguest-run: unknown option '--memroy': did you mean '--memory'?"* ]]
}

@test "--memory rejects garbage, too small and too large sizes (2)" {
	local m
	for m in abc 64Q 1M 0 2T -5M; do
		run "$LG" -m "$m" "$G/hello.img"
		[ "$status" -eq 2 ]
		[[ $output == "lguest-run: --memory '$m': expected a size from 2M to 1T (e.g. 512M)"* ]]
	done
}

@test "--timeout rejects zero, negative and non-numbers (2)" {
	local t
	for t in 0 -1 soon 5x; do
		run "$LG" --timeout "$t" "$G/hello.img"
		[ "$status" -eq 2 ]
		[[ $output == "lguest-run: --timeout '$t': expected a positive duration"* ]]
	done
}

@test "--cpus: only 1 is supported, others are usage errors (2)" {
	run "$LG" --cpus 2 "$G/hello.img"
	[ "$status" -eq 2 ]
	[[ $output == "lguest-run: --cpus 2: only 1 vCPU is supported so far"* ]]
	run "$LG" --cpus 0 "$G/hello.img"
	[ "$status" -eq 2 ]
	[[ $output == "lguest-run: --cpus '0': expected a number from 1"* ]]
}

@test "--block: empty name and a fifth disk are usage errors (2)" {
	run "$LG" --block ",ro" "$G/hello.img"
	[ "$status" -eq 2 ]
	[[ $output == "lguest-run: --block: empty file name"* ]]
	: >"$T/d"
	run "$LG" --block "$T/d" --block "$T/d" --block "$T/d" --block "$T/d" --block "$T/d" "$G/hello.img"
	[ "$status" -eq 2 ]
	[[ $output == "lguest-run: --block: at most 4 disks"* ]]
}

@test "--quiet and --verbose together are a usage error (2)" {
	run "$LG" -q -v "$G/hello.img"
	[ "$status" -eq 2 ]
	[[ $output == "lguest-run: --quiet and --verbose exclude each other"* ]]
}

# ---- files ---------------------------------------------------------------------

@test "a missing kernel file exits 3 with the path" {
	need_kvm
	run "$LG" "$T/nope"
	[ "$status" -eq 3 ]
	[ "$output" = "lguest-run: opening kernel $T/nope: No such file or directory" ]
}

@test "a directory as kernel is refused (1)" {
	need_kvm
	run "$LG" "$T"
	[ "$status" -eq 1 ]
	[[ $output == "lguest-run: kernel $T: not a regular file: Is a directory" ]]
}

@test "a missing disk image exits 3, a directory as disk 1" {
	need_kvm
	run "$LG" --block "$T/nodisk" "$G/hello.img"
	[ "$status" -eq 3 ]
	[ "$output" = "lguest-run: opening disk image $T/nodisk: No such file or directory" ]
	mkdir "$T/dir"
	run "$LG" --block "$T/dir,ro" "$G/hello.img"
	[ "$status" -eq 1 ]
	[[ $output == "lguest-run: disk image $T/dir: not a file or block device"* ]]
}

@test "a missing initrd exits 3" {
	need_kvm
	run "$LG" -i "$T/noinitrd" "$(bzimage)"
	[ "$status" -eq 3 ]
	[[ $output == *"lguest-run: opening initrd $T/noinitrd: No such file or directory" ]]
}

# ---- kernel image errors ---------------------------------------------------------

@test "an empty file is neither a bzImage nor a flat image (1)" {
	need_kvm
	: >"$T/empty"
	run "$LG" "$T/empty"
	[ "$status" -eq 1 ]
	[[ $output == "lguest-run: $T/empty: invalid kernel image: neither a bzImage (no \"HdrS\" at 0x202) nor a flat image (no \"LGRUNFLT\")"* ]]
}

@test "random bytes: wrong magic (1)" {
	need_kvm
	head -c 4096 /dev/urandom >"$T/junk"
	printf 'XXXX' | dd of="$T/junk" bs=1 seek=514 conv=notrunc status=none
	run "$LG" "$T/junk"
	[ "$status" -eq 1 ]
	[[ $output == *"invalid kernel image: neither a bzImage"* ]]
}

@test "bzImage cut inside its header: truncated (1)" {
	need_kvm
	head -c 600 "$(bzimage)" >"$T/bz"
	run "$LG" "$T/bz"
	[ "$status" -eq 1 ]
	[[ $output == *"invalid kernel image: truncated (600 bytes, a bzImage header needs 612)"* ]]
}

@test "bzImage cut inside its kernel: truncated per syssize (1)" {
	need_kvm
	bz_head
	run "$LG" "$T/bz"
	[ "$status" -eq 1 ]
	[[ $output =~ invalid\ kernel\ image:\ truncated:\ header\ says\ [0-9]+\ bytes\ of\ kernel,\ file\ has\ [0-9]+ ]]
}

@test "bzImage without the 0xaa55 boot flag (1)" {
	need_kvm
	bz_head
	patch "$T/bz" $((0x1fe)) 2 0
	run "$LG" "$T/bz"
	[ "$status" -eq 1 ]
	[[ $output == *"invalid kernel image: no boot sector signature 0xaa55"* ]]
}

@test "bzImage with an old boot protocol (2.00) (1)" {
	need_kvm
	bz_head
	patch "$T/bz" $((0x206)) 2 0x0200
	run "$LG" "$T/bz"
	[ "$status" -eq 1 ]
	[[ $output == *"invalid kernel image: boot protocol 2.00, 64-bit boot needs 2.12 or later"* ]]
}

@test "bzImage without a 64-bit entry point (1)" {
	need_kvm
	bz_head
	patch "$T/bz" $((0x236)) 2 0
	run "$LG" "$T/bz"
	[ "$status" -eq 1 ]
	[[ $output == *"invalid kernel image: kernel has no 64-bit entry point (XLF_KERNEL_64)"* ]]
}

@test "bzImage whose setup_sects run past the file (1)" {
	need_kvm
	head -c 4096 "$(bzimage)" >"$T/bz"
	patch "$T/bz" $((0x1f1)) 1 255
	run "$LG" "$T/bz"
	[ "$status" -eq 1 ]
	[[ $output == *"invalid kernel image: truncated: 131072 setup bytes, file has 4096"* ]]
}

@test "bzImage with a huge init_size or a bad alignment (1)" {
	need_kvm
	cp "$(bzimage)" "$T/bz"
	patch "$T/bz" $((0x260)) 4 0xffffffff
	run "$LG" "$T/bz"
	[ "$status" -eq 1 ]
	[[ $output == *"invalid kernel image: pref_address 0x1000000 or init_size 0xffffffff beyond 3 GiB"* ]]
	cp "$(bzimage)" "$T/bz"
	patch "$T/bz" $((0x230)) 4 0x3000
	run "$LG" "$T/bz"
	[ "$status" -eq 1 ]
	[[ $output == *"invalid kernel image: kernel_alignment 0x3000 is not a power of two in 4K..1G"* ]]
}

# bz_payload FILE: the file offset of the bzImage's compressed payload.
bz_payload() {
	local setup off
	setup=$(od -An -tu1 -j $((0x1f1)) -N1 "$1" | tr -d ' ')
	off=$(od -An -tu4 -j $((0x248)) -N4 "$1" | tr -d ' ')
	echo $(((setup + 1) * 512 + off))
}

need_lzma() {
	ldd "$LG" | grep -q liblzma || missing "lguest-run built without liblzma (Debian: liblzma-dev)"
}

@test "bzImage whose xz payload is corrupt: the launcher's unpacking says so (1)" {
	need_kvm
	need_lzma
	cp "$(bzimage)" "$T/bz"
	head -c 4096 /dev/zero | dd of="$T/bz" bs=1 seek=$(($(bz_payload "$T/bz") + 65536)) conv=notrunc status=none
	run "$LG" --unpack "$T/bz"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output =~ ^lguest-run:\ .*/bz:\ invalid\ kernel\ image:\ payload:\ corrupt\ xz\ data\ \(a\ bzImage\ or\ a\ flat\ test\ image\ is\ expected\)$ ]]
}

@test "bzImage whose xz payload is not an ELF kernel, or ends early (1)" {
	need_kvm
	need_lzma
	local at
	at=$(bz_payload "$(bzimage)")
	head -c "$at" "$(bzimage)" >"$T/bz"
	printf 'not a kernel\n' | xz -C crc32 >"$T/xz"
	cat "$T/xz" >>"$T/bz"
	le 4 0 >>"$T/bz"
	patch "$T/bz" $((0x24c)) 4 $(($(stat -c %s "$T/xz") + 4))
	patch "$T/bz" $((0x1f4)) 4 1 # syssize: 16 bytes, the file has them
	run "$LG" --unpack "$T/bz"
	[ "$status" -eq 1 ]
	[[ $output == *"/bz: invalid kernel image: payload is not an ELF kernel (a bzImage or a flat test image is expected)" ]]
	# The real payload, cut in the middle: liblzma runs out of input.
	cp "$(bzimage)" "$T/bz"
	patch "$T/bz" $((0x24c)) 4 1000000
	run "$LG" --unpack "$T/bz"
	[ "$status" -eq 1 ]
	[[ $output == *"/bz: invalid kernel image: payload: truncated xz data (a bzImage or a flat test image is expected)" ]]
}

@test "a bzImage whose xz payload is a tiny ELF: loaded at its segment, entered at its entry" {
	need_kvm
	need_lzma
	# tests/fuzz/corpus/bzimage/bz-xz-elf: one load segment of hlt at 2 MiB.
	run --separate-stderr "$LG" --unpack -v -m 32M "$HV_TOP/tests/fuzz/corpus/bzimage/bz-xz-elf"
	[ "$status" -eq 0 ]
	[[ $stderr == *"lguest-run: kernel unpacked in the launcher: 1 ELF load segments, entry 0x200000"* ]]
	[[ $stderr == *"lguest-run: guest halted with interrupts disabled: powered off"* ]]
	# Its segment ends past 4 MiB of RAM: too small, exit 8.
	run "$LG" --unpack -m 4M "$HV_TOP/tests/fuzz/corpus/bzimage/bz-xz-seg-past-ram"
	[ "$status" -eq 8 ]
	[ "$output" = "lguest-run: 4 MiB of guest memory is too small for the kernel (needs 5 MiB) (raise --memory)" ]
}

@test "-v: --unpack unpacks the bzImage's payload in the launcher; by default the guest does" {
	need_kvm
	need_lzma
	run --separate-stderr "$LG" -v --unpack --timeout 0.2 "$(bzimage)" -- quiet
	[ "$status" -eq 124 ]
	[[ $stderr =~ "lguest-run: kernel unpacked in the launcher: "[0-9]+" ELF load segments, entry 0x"[0-9a-f]+ ]]
	run --separate-stderr "$LG" -v --timeout 0.2 "$(bzimage)" -- quiet
	[ "$status" -eq 124 ]
	[[ $stderr != *"unpacked"* ]]
	[[ $stderr == *"lguest-run: bzImage: boot protocol "* ]]
}

@test "--unpack of a bzImage without a payload field or with a gzip payload (1)" {
	need_kvm
	need_lzma
	# tests/fuzz/corpus/bzimage/bz-ok: a valid header with payload_length 0.
	run "$LG" --unpack -m 32M "$HV_TOP/tests/fuzz/corpus/bzimage/bz-ok"
	[ "$status" -eq 1 ]
	[[ $output == *"/bz-ok: invalid kernel image: --unpack: no payload (boot protocol 2.08+ payload_offset/length) (a bzImage or a flat test image is expected)" ]]
	local at
	at=$(bz_payload "$(bzimage)")
	head -c "$at" "$(bzimage)" >"$T/bz"
	printf 'gzip, not xz\n' | gzip >"$T/gz"
	cat "$T/gz" >>"$T/bz"
	patch "$T/bz" $((0x24c)) 4 "$(stat -c %s "$T/gz")"
	patch "$T/bz" $((0x1f4)) 4 1
	run "$LG" --unpack "$T/bz"
	[ "$status" -eq 1 ]
	[[ $output == *"/bz: invalid kernel image: --unpack: the payload is not xz-compressed (a bzImage or a flat test image is expected)" ]]
}

@test "bzImage with too little memory for the kernel exits 8" {
	need_kvm
	run "$LG" -m 32M "$(bzimage)"
	[ "$status" -eq 8 ]
	[[ $output =~ lguest-run:\ 32\ MiB\ of\ guest\ memory\ is\ too\ small\ for\ the\ kernel\ \(needs\ [0-9]+\ MiB\)\ \(raise\ --memory\) ]]
}

@test "an initrd that does not fit next to the kernel exits 8" {
	need_kvm
	head -c $((40 << 20)) /dev/zero >"$T/initrd"
	run "$LG" -m 100M -i "$T/initrd" "$(bzimage)"
	[ "$status" -eq 8 ]
	[[ $output == *"lguest-run: 100 MiB of guest memory is too small for the kernel and the initrd"* ]]
}

@test "a kernel command line longer than the kernel takes is refused (2)" {
	need_kvm
	run "$LG" "$(bzimage)" -- "x=$(head -c 3000 /dev/zero | tr '\0' a)"
	[ "$status" -eq 2 ]
	[[ $output == *"kernel command line too long"*"(shorten KERNEL-ARGS)" ]]
}

@test "flat image: truncated header (1)" {
	need_kvm
	printf 'LGRUNFLT\001\000' >"$T/f"
	run "$LG" "$T/f"
	[ "$status" -eq 1 ]
	[[ $output == *"invalid kernel image: truncated flat header (10 of 64 bytes)"* ]]
}

@test "flat image: wrong version, header size, reserved fields (1)" {
	need_kvm
	flat 2 64 0x100000 0x100040 4096 >"$T/f"
	run "$LG" "$T/f"
	[ "$status" -eq 1 ]
	[[ $output == *"flat image version 2, expected 1"* ]]
	flat 1 8 0x100000 0x100040 4096 >"$T/f"
	run "$LG" "$T/f"
	[ "$status" -eq 1 ]
	[[ $output == *"flat header size 8 outside 64..128"* ]]
	flat 1 64 0x100000 0x100040 4096 7 >"$T/f"
	run "$LG" "$T/f"
	[ "$status" -eq 1 ]
	[[ $output == *"reserved flat header fields are not zero"* ]]
}

@test "flat image: load address, entry and sizes are bounds-checked (1, 8)" {
	need_kvm
	flat 1 64 0x1000 0x1040 4096 >"$T/f"
	run "$LG" "$T/f"
	[ "$status" -eq 1 ]
	[[ $output == *"load address 0x1000 is below 1 MiB"* ]]
	flat 1 64 0x100000 0x200000 4096 >"$T/f"
	run "$LG" "$T/f"
	[ "$status" -eq 1 ]
	[[ $output == *"entry 0x200000 is outside the loaded code"* ]]
	flat 1 64 0x100000 0x100010 4096 >"$T/f"
	run "$LG" "$T/f"
	[ "$status" -eq 1 ]
	[[ $output == *"entry 0x100010 is outside the loaded code"* ]]
	flat 1 64 0x100000 0x100040 16 >"$T/f"
	run "$LG" "$T/f"
	[ "$status" -eq 1 ]
	[[ $output == *"mem_size 0x10 is smaller than the file (128 bytes)"* ]]
	flat 1 64 0x100000 0x100040 $((0x7fffffffffffffff)) >"$T/f"
	run "$LG" "$T/f"
	[ "$status" -eq 1 ]
	[[ $output == *"load address 0x100000 + size 0x7fffffffffffffff is not guest memory"* ]]
	flat 1 64 $((0x8000000)) $((0x8000040)) 4096 >"$T/f"
	run "$LG" -m 16M "$T/f"
	[ "$status" -eq 8 ]
	[[ $output == *"16 MiB of guest memory is too small for the flat image (needs 129 MiB) (raise --memory)"* ]]
}

@test "a kernel file larger than guest memory exits 8" {
	need_kvm
	flat 1 64 0x100000 0x100040 $((4 << 20)) >"$T/f"
	head -c $((3 << 20)) /dev/zero >>"$T/f"
	run "$LG" -m 2M "$T/f"
	[ "$status" -eq 8 ]
	[[ $output == *"kernel $T/f: 3145856 bytes do not fit in 2 MiB of guest memory (raise --memory)"* ]]
}

# ---- /dev/kvm --------------------------------------------------------------------

@test "no KVM device exits 5 with a hint" {
	LGUEST_RUN_KVM=$T/kvm run "$LG" "$G/hello.img"
	[ "$status" -eq 5 ]
	[ "$output" = "lguest-run: opening $T/kvm: No such device (load kvm_intel or kvm_amd; in a VM enable nested virtualization)" ]
}

@test "a device that is not KVM exits 5" {
	LGUEST_RUN_KVM=/dev/null run "$LG" "$G/hello.img"
	[ "$status" -eq 5 ]
	[[ $output == "lguest-run: /dev/null: not a KVM device (KVM_GET_API_VERSION: "* ]]
}

@test "a missing KVM capability is named, exit 5" {
	need_kvm
	LGUEST_RUN_HIDE_CAP=KVM_CAP_PIT2 run "$LG" "$G/hello.img"
	[ "$status" -eq 5 ]
	[[ $output == "lguest-run: /dev/kvm lacks KVM_CAP_PIT2: No such device (a newer host kernel or a real x86 KVM module is needed)" ]]
}

@test "/dev/kvm without permission exits 4 with a hint" {
	need_kvm
	command -v setpriv >/dev/null || missing "no setpriv (Debian: util-linux)"
	[ "$(id -u)" -eq 0 ] || missing "needs root to drop privileges"
	cp "$LG" "$G/hello.img" "$T/" && chmod 0755 "$T" "$T/lguest-run" && chmod 0644 "$T/hello.img"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$T/lguest-run" "$T/hello.img"
	[ "$status" -eq 4 ]
	[ "$output" = "lguest-run: opening /dev/kvm: Permission denied (run as root or join the kvm group)" ]
}

# ---- tiny guests on this host's /dev/kvm -------------------------------------------

@test "hello guest: serial output exactly, exit-port code 42" {
	need_kvm
	run --separate-stderr "$LG" "$G/hello.img"
	[ "$status" -eq 42 ]
	[ "$output" = "Hello from a lguest-run test guest" ]
	[ -z "$stderr" ]
}

@test "echo guest: stdin reaches the guest, its number becomes the exit status" {
	need_kvm
	local n
	for n in 0 5 200 255; do
		run --separate-stderr "$LG" "$G/echo.img" <<<"$n"
		[ "$status" -eq "$n" ]
		[ "$output" = "number? got $n" ]
	done
}

@test "irq guest: THR-empty and received-data interrupts arrive on IRQ 4" {
	need_kvm
	run --separate-stderr "$LG" "$G/irq.img" < <(printf Q)
	[ "$status" -eq 17 ]
	[ "${lines[0]}" = "irq: waiting" ]
	[ "${lines[1]}" = "irq: THR empty on IRQ 4" ]
	[ "${lines[2]}" = "irq: received Q" ]
}

@test "devices guest: MMIO, RAM, CMOS, PCI config and unassigned ports behave" {
	need_kvm
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
	need_kvm
	: >"$T/disk"
	run --separate-stderr "$LG" -m 32M --block "$T/disk" "$G/devices.img"
	[ "$status" -eq 0 ]
	[ "${lines[4]}" = "pci 00:01.0 id: 10011af4" ]
}

@test "devices guest with -v --json: one JSON statistics object on stderr" {
	need_kvm
	run --separate-stderr "$LG" -m 32M -v --json --rng "$G/devices.img"
	[ "$status" -eq 0 ]
	[[ $stderr == '{"end":"exit-port","status":0,"seconds":'*',"setup_seconds":'*'"mmio":2,'*'"virtio":[{"device":"virtio-rng","requests":0,"bytes":0}]}' ]]
}

@test "blk guest: virtio-blk reads, writes, refuses out-of-range sectors, raises its ISR" {
	need_kvm
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
	need_kvm
	printf 'read-only disk\n' >"$T/disk"
	truncate -s 64K "$T/disk"
	local sum
	sum=$(sha256sum <"$T/disk")
	run --separate-stderr "$LG" -m 32M --block "$T/disk,ro" "$G/blk.img"
	[ "$status" -eq 4 ]
	[ "${lines[0]}" = "blk: sector 0: read-only disk" ]
	[ "$(sha256sum <"$T/disk")" = "$sum" ]
}

@test "crash guest: a triple fault without orderly shutdown exits 255" {
	need_kvm
	run --separate-stderr "$LG" "$G/crash.img"
	[ "$status" -eq 255 ]
	[ "$output" = "crash: triple fault" ]
	run --separate-stderr "$LG" -q "$G/crash.img"
	[ "$status" -eq 255 ]
	[ -z "$stderr" ]
}

@test "reboot guest: a reset after masking the PIC is orderly, exit 0" {
	need_kvm
	run --separate-stderr "$LG" "$G/reboot.img"
	[ "$status" -eq 0 ]
	[ "$output" = "reboot: orderly" ]
	[ -z "$stderr" ]
}

@test "halt guest: halted with interrupts off is powered off, exit 0" {
	need_kvm
	run --separate-stderr "$LG" -v "$G/halt.img"
	[ "$status" -eq 0 ]
	[ "$output" = "halt: interrupts off, halted" ]
	[[ $stderr == *"lguest-run: guest halted with interrupts disabled: powered off"* ]]
	[[ $stderr == *"lguest-run: guest ended by halt, status 0, after "* ]]
}

@test "hang guest: --timeout stops it with 124 after the timeout" {
	need_kvm
	local t0 t1
	t0=$(date +%s%N)
	run --separate-stderr "$LG" --timeout 0.5 "$G/hang.img"
	t1=$(date +%s%N)
	[ "$status" -eq 124 ]
	[ "$output" = "hang: idle forever" ]
	[ "$stderr" = "lguest-run: guest still running after --timeout: stopped it" ]
	[ $(((t1 - t0) / 1000000)) -ge 500 ]
	[ $(((t1 - t0) / 1000000)) -lt 5000 ]
}

@test "hang guest: SIGTERM ends lguest-run with 143" {
	need_kvm
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
	need_kvm
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
	need_kvm
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

@test "on a terminal (raw mode) Ctrl-A x quits with 130" {
	need_kvm
	command -v script >/dev/null || missing "no script(1) (Debian: bsdutils)"
	run bash -c "(sleep 0.5; printf '\\001x') | script -qec '$LG $G/hang.img' /dev/null"
	[ "$status" -eq 130 ]
	[[ $output == "hang: idle forever"* ]]
}

@test "on a terminal Ctrl-A Ctrl-A sends one Ctrl-A to the guest" {
	need_kvm
	command -v script >/dev/null || missing "no script(1) (Debian: bsdutils)"
	run bash -c "(sleep 0.5; printf '\\001\\0017\\n') | script -qec '$LG $G/echo.img' /dev/null"
	[ "$status" -eq 7 ]
	[[ $output == *$'got \x017'* ]]
}

@test "a bzImage on a PVM host gets the warning; --timeout still ends it with 124" {
	need_kvm
	run --separate-stderr "$LG" --timeout 1 "$(bzimage)" -- quiet
	[ "$status" -eq 124 ]
	if [ -d /sys/module/kvm_pvm ]; then
		[[ $stderr == *"lguest-run: warning: this host's KVM is PVM (/sys/module/kvm_pvm)"* ]]
	else
		[[ $stderr != *"warning"* ]]
	fi
	[[ $stderr == *"guest still running after --timeout: stopped it" ]]
}

@test "-v shows the kernel command line lguest-run builds, user arguments last" {
	need_kvm
	run --separate-stderr "$LG" -v --timeout 0.2 "$(bzimage)" -- quiet lpj=1234
	[ "$status" -eq 124 ]
	[[ $stderr =~ command\ line:\ console=ttyS0\ panic=-1\ reboot=t\ no_timer_check\ tsc=reliable\ pci=noearly(\ lpj=[0-9]+)?\ quiet\ lpj=1234 ]]
}
