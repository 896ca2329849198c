#!/usr/bin/env bats
# lguest-run without a VM: usage and every argument error, every kernel
# image error (the image is untrusted input: truncated files, wrong magic,
# out-of-range header fields, sizes that do not fit) and the /dev/kvm
# errors. lguest-run checks all its inputs before it opens /dev/kvm, so
# these run on every host, with or without KVM. The tiny test guests run
# on a real KVM in tests/lguest/tiny-guests.bats (the pci guest: nested
# kvm_amd), a real kernel in tests/guest/pci/40-lguest-run.bats.

bats_require_minimum_version 1.5.0

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	# shellcheck source=../lguest/lguest-run.bash
	. "$HV_TOP/tests/lguest/lguest-run.bash"
	lg_setup
	# No test here may reach a KVM device: pin the path to one that is not there.
	export LGUEST_RUN_KVM=$BATS_TEST_TMPDIR/no-kvm
	# --unpack's kernel cache: one per test, never the user's.
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
	KC=$XDG_CACHE_HOME/hvutils/lguest-run
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
	need_bzimage
	head -c 65536 "$BZ" >"$T/bz"
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
	fails_with 2 "lguest-run: missing KERNEL (a bzImage or a flat test image) (try 'lguest-run --help')"
}

@test "kernel arguments without -- are refused (2)" {
	run "$LG" "$G/hello.img" quiet
	fails_with 2 "lguest-run: unexpected argument 'quiet' (kernel arguments go after --)*"
}

@test "an unknown option suggests the closest (2)" {
	run "$LG" --memroy 64M "$G/hello.img"
	exits_with 2
	[[ $output == "lguest-run: unknown option '--memroy': did you mean '--memory'?"* ]]
}

@test "--memory rejects garbage, too small and too large sizes (2)" {
	local m
	for m in abc 64Q 1M 0 2T -5M; do
		run "$LG" -m "$m" "$G/hello.img"
		fails_with 2 "lguest-run: --memory '$m': expected a size from 2M to 1T (e.g. 512M)*"
	done
}

@test "--timeout rejects zero, negative and non-numbers (2)" {
	local t
	for t in 0 -1 soon 5x; do
		run "$LG" --timeout "$t" "$G/hello.img"
		fails_with 2 "lguest-run: --timeout '$t': expected a positive duration*"
	done
}

@test "--cpus: 1 to 64, anything else is a usage error (2)" {
	for n in 0 65 -1 two 4x; do
		run "$LG" --cpus "$n" "$G/hello.img"
		fails_with 2 "lguest-run: --cpus '$n': expected a number from 1 to 64*"
	done
	# A valid count gets as far as KVM (none here: exit 5).
	run "$LG" --cpus 64 "$G/hello.img"
	exits_with 5
	[[ $output == *"$LGUEST_RUN_KVM"* ]]
}

@test "--block: empty name and a fifth disk are usage errors (2)" {
	run "$LG" --block ",ro" "$G/hello.img"
	fails_with 2 "lguest-run: --block: empty file name*"
	: >"$T/d"
	run "$LG" --block "$T/d" --block "$T/d" --block "$T/d" --block "$T/d" --block "$T/d" "$G/hello.img"
	fails_with 2 "lguest-run: --block: at most 4 disks*"
}

@test "--share: bad tags, an empty name, a tag twice and too many devices are usage errors (2)" {
	run "$LG" --share ",rw" "$G/hello.img"
	fails_with 2 "lguest-run: --share: empty directory name*"
	run "$LG" --share "$T,tag=a b" "$G/hello.img"
	fails_with 2 "lguest-run: --share: tag 'a b': use letters, digits, '_', '.' and '-'*"
	run "$LG" --share "$T,tag=$(printf 'x%.0s' {1..32})" "$G/hello.img"
	exits_with 2
	[[ $output == "lguest-run: --share: tag 'xxx"*"' longer than 31 bytes"* ]]
	run "$LG" --share "$T" --share "$T,tag=share" "$G/hello.img"
	fails_with 2 "lguest-run: --share: tag 'share' given twice (add ,tag=NAME)*"
	run "$LG" --share "$T" --share "$T" --share "$T" --share "$T" --share "$T" "$G/hello.img"
	fails_with 2 "lguest-run: --share: at most 4 directories*"
	: >"$T/d"
	run "$LG" --block "$T/d" --block "$T/d" --block "$T/d" --rng --share "$T" --share "$T" "$G/hello.img"
	fails_with 2 "lguest-run: too many virtio devices: --block, --share and --rng make at most 5*"
}

@test "--share: a missing directory exits 3, a file 1; commas stay in the name" {
	run "$LG" --share "$T/nodir,rw" "$G/hello.img"
	fails_with 3 "lguest-run: sharing $T/nodir: No such file or directory"
	: >"$T/file"
	run "$LG" --share "$T/file" "$G/hello.img"
	fails_with 1 "lguest-run: sharing $T/file: Not a directory (--share takes a directory)"
	mkdir "$T/a,b"
	run "$LG" --share "$T/a,b,tag=x,rw" "$G/hello.img"
	[[ $output != *"sharing"* ]]
}

@test "--run: no command, --initrd, a relative --rwdir and --rwdir without --run are usage errors (2)" {
	run "$LG" --run
	fails_with 2 "lguest-run: --run: missing the command to run*"
	run "$LG" -i "$G/hello.img" --run true
	fails_with 2 "lguest-run: --run builds its own initramfs: no --initrd*"
	run "$LG" --rwdir tmp --run true
	fails_with 2 "lguest-run: --rwdir 'tmp': give an absolute path*"
	run "$LG" --rwdir /tmp "$G/hello.img"
	fails_with 2 "lguest-run: --rwdir, --kernel and --modules go with --run*"
	run "$LG" --share "$T,tag=root" --run true
	fails_with 2 "lguest-run: --share: tag 'root' is --run's*"
}

@test "--run: a kernel without a version string, a missing modules.dep or module exit 1 or 3, before /dev/kvm" {
	run "$LG" --kernel "$G/hello.img" --run true
	fails_with 1 "lguest-run: kernel $G/hello.img: not a bzImage: no version string*"
	run "$LG" --kernel "$G/hello.img" --modules "$T/nomods" --run true
	fails_with 3 "lguest-run: --run: reading $T/nomods/modules.dep: No such file or directory"
	mkdir "$T/mods"
	echo "kernel/drivers/virtio/virtio_pci.ko:" >"$T/mods/modules.dep"
	run "$LG" --kernel "$G/hello.img" --modules "$T/mods" --run true
	fails_with 3 "lguest-run: --run: module 9pnet_virtio in $T/mods: No such file or directory*"
	[ ! -e "$LGUEST_RUN_KVM" ]
}

@test "--run: the initramfs holds the init, the modules in load order and the command (up to /dev/kvm)" {
	need_bzimage
	mkdir -p "$T/mods/kernel/a" "$T/mods/kernel/b"
	for m in virtio virtio_ring virtio_pci 9pnet 9pnet_virtio 9p; do
		echo "module $m" >"$T/mods/kernel/a/$m.ko"
	done
	cat >"$T/mods/modules.dep" <<-DEP
		kernel/a/virtio_ring.ko:
		kernel/a/virtio.ko: kernel/a/virtio_ring.ko
		kernel/a/virtio_pci.ko: kernel/a/virtio.ko kernel/a/virtio_ring.ko
		kernel/a/9pnet.ko:
		kernel/a/9pnet_virtio.ko: kernel/a/9pnet.ko kernel/a/virtio.ko kernel/a/virtio_ring.ko
	DEP
	echo "kernel/b/9p.ko" >"$T/mods/modules.builtin"
	run "$LG" --kernel "$BZ" --modules "$T/mods" --run -- sh -c 'exit 3'
	echo "$output"
	# Everything was built and checked: only the KVM device is missing.
	exits_with 5
	[[ $output == *"$LGUEST_RUN_KVM"* ]]
}

@test "--quiet and --verbose together are a usage error (2)" {
	run "$LG" -q -v "$G/hello.img"
	fails_with 2 "lguest-run: --quiet and --verbose exclude each other*"
}

# ---- files ---------------------------------------------------------------------

@test "a missing kernel file exits 3 with the path" {
	run "$LG" "$T/nope"
	fails_with 3 "lguest-run: opening kernel $T/nope: No such file or directory"
}

@test "a directory as kernel is refused (1)" {
	run "$LG" "$T"
	fails_with 1 "lguest-run: kernel $T: not a regular file: Is a directory"
}

@test "a missing disk image exits 3, a directory as disk 1" {
	run "$LG" --block "$T/nodisk" "$G/hello.img"
	fails_with 3 "lguest-run: opening disk image $T/nodisk: No such file or directory"
	mkdir "$T/dir"
	run "$LG" --block "$T/dir,ro" "$G/hello.img"
	fails_with 1 "lguest-run: disk image $T/dir: not a file or block device*"
}

@test "a missing initrd exits 3" {
	need_bzimage
	run "$LG" -i "$T/noinitrd" "$BZ"
	exits_with 3
	[[ $output == *"lguest-run: opening initrd $T/noinitrd: No such file or directory" ]]
}

# ---- kernel image errors ---------------------------------------------------------

@test "an empty file is neither a bzImage nor a flat image (1)" {
	: >"$T/empty"
	run "$LG" "$T/empty"
	exits_with 1
	[[ $output == "lguest-run: $T/empty: invalid kernel image: neither a bzImage (no \"HdrS\" at 0x202) nor a flat image (no \"LGRUNFLT\")"* ]]
}

@test "random bytes: wrong magic (1)" {
	head -c 4096 /dev/urandom >"$T/junk"
	printf 'XXXX' | dd of="$T/junk" bs=1 seek=514 conv=notrunc status=none
	run "$LG" "$T/junk"
	exits_with 1
	[[ $output == *"invalid kernel image: neither a bzImage"* ]]
}

@test "bzImage cut inside its header: truncated (1)" {
	need_bzimage
	head -c 600 "$BZ" >"$T/bz"
	run "$LG" "$T/bz"
	exits_with 1
	[[ $output == *"invalid kernel image: truncated (600 bytes, a bzImage header needs 612)"* ]]
}

@test "bzImage cut inside its kernel: truncated per syssize (1)" {
	bz_head
	run "$LG" "$T/bz"
	exits_with 1
	[[ $output =~ invalid\ kernel\ image:\ truncated:\ header\ says\ [0-9]+\ bytes\ of\ kernel,\ file\ has\ [0-9]+ ]]
}

@test "bzImage without the 0xaa55 boot flag (1)" {
	bz_head
	patch "$T/bz" $((0x1fe)) 2 0
	run "$LG" "$T/bz"
	exits_with 1
	[[ $output == *"invalid kernel image: no boot sector signature 0xaa55"* ]]
}

@test "bzImage with an old boot protocol (2.00) (1)" {
	bz_head
	patch "$T/bz" $((0x206)) 2 0x0200
	run "$LG" "$T/bz"
	exits_with 1
	[[ $output == *"invalid kernel image: boot protocol 2.00, 64-bit boot needs 2.12 or later"* ]]
}

@test "bzImage without a 64-bit entry point (1)" {
	bz_head
	patch "$T/bz" $((0x236)) 2 0
	run "$LG" "$T/bz"
	exits_with 1
	[[ $output == *"invalid kernel image: kernel has no 64-bit entry point (XLF_KERNEL_64)"* ]]
}

@test "bzImage whose setup_sects run past the file (1)" {
	need_bzimage
	head -c 4096 "$BZ" >"$T/bz"
	patch "$T/bz" $((0x1f1)) 1 255
	run "$LG" "$T/bz"
	exits_with 1
	[[ $output == *"invalid kernel image: truncated: 131072 setup bytes, file has 4096"* ]]
}

@test "bzImage with a huge init_size or a bad alignment (1)" {
	need_bzimage
	cp "$BZ" "$T/bz"
	patch "$T/bz" $((0x260)) 4 0xffffffff
	run "$LG" "$T/bz"
	exits_with 1
	[[ $output == *"invalid kernel image: pref_address 0x1000000 or init_size 0xffffffff beyond 3 GiB"* ]]
	cp "$BZ" "$T/bz"
	patch "$T/bz" $((0x230)) 4 0x3000
	run "$LG" "$T/bz"
	exits_with 1
	[[ $output == *"invalid kernel image: kernel_alignment 0x3000 is not a power of two in 4K..1G"* ]]
}

# bz_payload FILE: the file offset of the bzImage's compressed payload.
bz_payload() {
	local setup off
	setup=$(od -An -tu1 -j $((0x1f1)) -N1 "$1" | tr -d ' ')
	off=$(od -An -tu4 -j $((0x248)) -N4 "$1" | tr -d ' ')
	echo $(((setup + 1) * 512 + off))
}

@test "bzImage whose xz payload is corrupt: the launcher's unpacking says so (1)" {
	need_lzma
	need_bzimage
	cp "$BZ" "$T/bz"
	head -c 4096 /dev/zero | dd of="$T/bz" bs=1 seek=$(($(bz_payload "$T/bz") + 65536)) conv=notrunc status=none
	run "$LG" --unpack "$T/bz"
	exits_with 1
	[ "${#lines[@]}" -eq 1 ]
	[[ $output =~ ^lguest-run:\ .*/bz:\ invalid\ kernel\ image:\ payload:\ corrupt\ xz\ data\ \(a\ bzImage\ or\ a\ flat\ test\ image\ is\ expected\)$ ]]
}

@test "bzImage whose xz payload is not an ELF kernel, or ends early (1)" {
	need_lzma
	need_bzimage
	local at
	at=$(bz_payload "$BZ")
	head -c "$at" "$BZ" >"$T/bz"
	printf 'not a kernel\n' | xz -C crc32 >"$T/xz"
	cat "$T/xz" >>"$T/bz"
	le 4 0 >>"$T/bz"
	patch "$T/bz" $((0x24c)) 4 $(($(stat -c %s "$T/xz") + 4))
	patch "$T/bz" $((0x1f4)) 4 1 # syssize: 16 bytes, the file has them
	run "$LG" --unpack "$T/bz"
	exits_with 1
	[[ $output == *"/bz: invalid kernel image: payload is not an ELF kernel (a bzImage or a flat test image is expected)" ]]
	# The real payload, cut in the middle: liblzma runs out of input.
	cp "$BZ" "$T/bz"
	patch "$T/bz" $((0x24c)) 4 1000000
	run "$LG" --unpack "$T/bz"
	exits_with 1
	[[ $output == *"/bz: invalid kernel image: payload: truncated xz data (a bzImage or a flat test image is expected)" ]]
}

@test "--unpack: an ELF segment past guest RAM exits 8" {
	need_lzma
	# tests/fuzz/corpus/bzimage/bz-xz-seg-past-ram: its segment ends past 4 MiB.
	run "$LG" --unpack -m 4M "$HV_TOP/tests/fuzz/corpus/bzimage/bz-xz-seg-past-ram"
	fails_with 8 "lguest-run: 4 MiB of guest memory is too small for the kernel (needs 5 MiB) (raise --memory)"
}

# tiny_elf: $T/elf, the ELF of tests/fuzz/corpus/bzimage/bz-xz-elf up to the
# end of its one load segment (64 bytes of hlt at file offset 4096, at
# 2 MiB), where that payload ends (xz says so: not an error here).
tiny_elf() {
	tail -c +$((0xa00 + 1)) "$HV_TOP/tests/fuzz/corpus/bzimage/bz-xz-elf" | head -c $((0x88)) |
		{ xz -dc 2>/dev/null || :; } | head -c 4160 >"$T/elf"
	[ "$(stat -c %s "$T/elf")" -eq 4160 ]
}
# bz_packed FILE CUT CMD...: a bzImage with bz-xz-elf's header whose payload
# is stdin compressed by CMD, less its last CUT bytes.
bz_packed() {
	local n
	"${@:3}" >"$T/payload"
	n=$(($(stat -c %s "$T/payload") - $2))
	head -c $((0xa00)) "$HV_TOP/tests/fuzz/corpus/bzimage/bz-xz-elf" >"$1"
	head -c "$n" "$T/payload" >>"$1"
	patch "$1" $((0x24c)) 4 "$n"
	patch "$1" $((0x1f4)) 4 $((n / 16))
}
# bz_xz FILE [CUT], bz_zstd FILE [CUT]: xz as Debian 12's 6.1 kernel, zstd
# as 6.12 and newer.
bz_xz() { bz_packed "$1" "${2:-0}" xz -0 -C crc32; }
bz_zstd() { bz_packed "$1" "${2:-0}" zstd -q -3 -c; }
# big_elf: tiny_elf with a 2 MiB segment (hlt, then zeros): more than one
# decoding chunk.
big_elf() {
	tiny_elf
	patch "$T/elf" $((0x60)) 8 $((2 << 20))
	patch "$T/elf" $((0x68)) 8 $((2 << 20))
	cat "$T/elf"
	head -c $(((2 << 20) - 64)) /dev/zero
}
# stop_at STEP CMD...: CMD in the background (SIGINT at its default, as in
# a terminal: tests/interrupt/ir-sigdfl), stopped at its step STEP
# (lib/step.h); PID is its pid, $T/out and $T/err its output.
stop_at() {
	local st
	HVUTILS_STEP_STOP=$1 "$HV_TOP/tests/interrupt/ir-sigdfl" "${@:2}" >"$T/out" 2>"$T/err" &
	PID=$!
	for _ in $(seq 250); do
		st=$(sed 's/.*) //' "/proc/$PID/stat" 2>/dev/null | cut -c1)
		[ "$st" = T ] && return 0
		case $st in '' | Z | X) break ;; esac
		sleep 0.02
	done
	kill -KILL "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	echo "never stopped at step $1: $(cat "$T/err")" >&2
	return 1
}
# resume SIG...: sends each SIG, then SIGCONT; RC is the exit status.
resume() {
	local sig
	for sig in "$@"; do kill -"$sig" "$PID"; done
	kill -CONT "$PID"
	RC=0
	wait "$PID" || RC=$?
}

# Issue 17: the payload was decoded to its end, the part after the last
# segment too, with signals blocked and no deadline: a few KiB of xz are
# GiBs of zeros. Here what follows the segment is cut short: decoding it
# failed ("truncated xz data"); now it is never decoded.
@test "--unpack stops decoding at the end of the last ELF segment, xz or zstd: what follows is never decoded" {
	need_lzma
	need_zstd
	tiny_elf
	for pack in bz_xz bz_zstd; do
		cat "$T/elf" - </dev/zero | head -c $((64 << 20)) | "$pack" "$T/bz" 200
		run "$LG" --unpack -v -m 32M "$T/bz"
		echo "$pack: $output"
		exits_with 5
		[[ $output == *"lguest-run: kernel unpacked in the launcher: 1 ELF load segments, entry 0x200000"* ]]
		[[ $output != *payload* ]]
	done
}

@test "--unpack decodes Debian's own kernels: xz on 6.1, zstd on 6.12 and newest (up to /dev/kvm)" {
	need_lzma
	need_zstd
	local k img
	for k in 6.1 6.12 newest; do
		img=$("$HV_TOP/tests/guest/kernels" env "$k" 2>/dev/null | sed -n 's/^HV_KERNEL_IMAGE=//p')
		[ -f "$img" ] || skip_or_fail "kernel $k not fetched (make deps; tests/guest/kernels)"
		run "$LG" --unpack -v -m 512M "$img"
		echo "$k: $output"
		exits_with 5
		[[ $output == *"lguest-run: kernel unpacked in the launcher: "[0-9]*" ELF load segments, entry 0x"* ]]
	done
}

# ---- the kernel cache (--unpack) ------------------------------------------

@test "--unpack: the first start writes the kernel cache entry, the next reads it instead of decoding" {
	need_lzma
	big_elf | bz_xz "$T/bz"
	run "$LG" --unpack -v -m 32M "$T/bz"
	echo "$output"
	exits_with 5
	[[ $output == *"lguest-run: kernel unpacked in the launcher: 1 ELF load segments, entry 0x200000"* ]]
	[[ $output == *"lguest-run: kernel cache: wrote $KC/"*.vmlinux* ]]
	[ "$(find "$KC" -type f | wc -l)" -eq 1 ]
	[ "$(stat -c %a "$KC")" = 700 ]
	run "$LG" --unpack -v -m 32M "$T/bz"
	echo "$output"
	exits_with 5
	[[ $output == *"lguest-run: kernel cache: read $KC/"*".vmlinux (entry 0x200000)"* ]]
	[[ $output != *"unpacked in the launcher"* ]]
	# Without XDG_CACHE_HOME: ~/.cache, for root too.
	XDG_CACHE_HOME='' HOME=$T/home run "$LG" --unpack -v -m 32M "$T/bz"
	exits_with 5
	[[ $output == *"kernel cache: wrote $T/home/.cache/hvutils/lguest-run/"* ]]
}

@test "--unpack --no-cache decodes and writes nothing; --cache-dir DIR holds the cache; both only with --unpack or --run (2)" {
	need_lzma
	big_elf | bz_xz "$T/bz"
	run "$LG" --unpack --no-cache -v -m 32M "$T/bz"
	exits_with 5
	[[ $output == *"kernel unpacked in the launcher"* ]]
	[[ $output != *"kernel cache"* ]]
	[ ! -e "$XDG_CACHE_HOME" ]
	run "$LG" --unpack --cache-dir "$T/kc/sub" -v -m 32M "$T/bz"
	exits_with 5
	[[ $output == *"kernel cache: wrote $T/kc/sub/"* ]]
	[ ! -e "$XDG_CACHE_HOME" ]
	run "$LG" --no-cache "$T/bz"
	exits_with 2
	[[ $output == *"--no-cache and --cache-dir go with --unpack or --run"* ]]
	run "$LG" --cache-dir "$T/kc" "$T/bz"
	exits_with 2
}

@test "--unpack: a corrupt or truncated cache entry is detected, decoded afresh and replaced" {
	need_lzma
	local f
	big_elf | bz_xz "$T/bz"
	run "$LG" --unpack -m 32M "$T/bz"
	exits_with 5
	f=$(find "$KC" -name '*.vmlinux')
	[ -f "$f" ]
	cp "$f" "$T/good"
	# A byte in the segment (zeros there): only the checksum can tell.
	printf '\001' | dd of="$f" bs=1 seek=$((1 << 20)) conv=notrunc status=none
	run "$LG" --unpack -v -m 32M "$T/bz"
	echo "$output"
	exits_with 5
	[[ $output == *"kernel cache: $f: invalid entry: checksum mismatch: decoding the payload"* ]]
	[[ $output == *"kernel unpacked in the launcher"* ]]
	[[ $output == *"kernel cache: wrote $f"* ]]
	cmp "$f" "$T/good"
	for size in 100000 50 0; do
		truncate -s "$size" "$f"
		run "$LG" --unpack -v -m 32M "$T/bz"
		echo "$size: $output"
		exits_with 5
		[[ $output == *"kernel cache: $f: invalid entry: "* ]]
		[[ $output == *"kernel cache: wrote $f"* ]]
		cmp "$f" "$T/good"
	done
	# The ELF header broken, the checksum made to match: the ELF checks catch it.
	rm "$f"
	run "$LG" --unpack -v -m 32M "$T/bz"
	exits_with 5
	printf '\002' | dd of="$f" bs=1 seek=$((0x12)) conv=notrunc status=none
	run "$LG" --unpack -v -m 32M "$T/bz"
	echo "$output"
	[[ $output == *"kernel cache: $f: invalid entry: "* ]]
	cmp "$f" "$T/good"
	run "$LG" --unpack -v -m 32M "$T/bz"
	[[ $output == *"kernel cache: read $f"* ]]
}

@test "--unpack: a cache directory that cannot be written falls back to decoding in memory, quietly without -v" {
	need_lzma
	big_elf | bz_xz "$T/bz"
	: >"$T/file"
	run "$LG" --unpack --cache-dir "$T/file/kc" -m 32M "$T/bz"
	echo "$output"
	exits_with 5
	[[ $output != *"cache"* ]]
	run "$LG" --unpack --cache-dir "$T/file/kc" -v -m 32M "$T/bz"
	echo "$output"
	exits_with 5
	[[ $output == *"lguest-run: warning: kernel cache: creating the directory $T/file/kc: Not a directory: the kernel was decoded in memory"* ]]
	[ "$(grep -c "kernel cache" <<<"$output")" -eq 1 ]
	# Not root: a read-only directory too (root writes anyway).
	if [ "$(id -u)" -ne 0 ]; then
		mkdir -p "$T/ro"
		chmod 500 "$T/ro"
		run "$LG" --unpack --cache-dir "$T/ro" -v -m 32M "$T/bz"
		exits_with 5
		[[ $output == *"kernel cache: writing $T/ro"*"Permission denied"* ]]
		[ -z "$(ls -A "$T/ro")" ]
	fi
}

@test "--unpack: a full disk (ENOSPC) falls back to decoding in memory and leaves no temporary file" {
	need_lzma
	big_elf | bz_xz "$T/bz"
	mkdir "$T/m"
	# A 1 MiB tmpfs: the 2 MiB segment does not fit. Root mounts it here;
	# others in a private mount namespace (unshare -rm, which a chroot such
	# as tests/fresh-root's refuses).
	# shellcheck disable=SC2016 # expanded by the inner shell
	local unpack='"$2" --unpack --cache-dir "$1/kc" -m 32M "$3" 2>&1; echo "rc=$?"
		"$2" --unpack --cache-dir "$1/kc" -v -m 32M "$3" 2>&1; echo "rc=$?"
		echo "files: $(ls -A "$1/kc" | wc -l)"'
	if [ "$(id -u)" -eq 0 ]; then
		mount -t tmpfs -o size=1M none "$T/m" || skip "cannot mount a tmpfs"
		run sh -c "$unpack" sh "$T/m" "$LG" "$T/bz"
		umount "$T/m"
	else
		unshare -rm true 2>/dev/null || skip "no user namespaces (unshare -rm) to mount a small tmpfs"
		run unshare -rm sh -c "mount -t tmpfs -o size=1M none \"\$1\" || exit 99
			$unpack" sh "$T/m" "$LG" "$T/bz"
	fi
	echo "$output"
	[ "$status" -ne 99 ] || skip "cannot mount a tmpfs in a user namespace"
	[ "$(grep -c "^rc=5$" <<<"$output")" -eq 2 ]
	[[ $output == *"lguest-run: warning: kernel cache: writing $T/m/kc/"*".vmlinux: No space left on device: the kernel was decoded in memory"* ]]
	[ "$(grep -c "kernel cache" <<<"$output")" -eq 1 ]
	[[ $output == *"files: 0"* ]]
}

@test "--unpack: two starts at once leave one valid entry and no temporary file" {
	need_lzma
	local pids=() i
	big_elf | bz_xz "$T/bz"
	for i in 1 2 3; do
		"$LG" --unpack -v -m 32M "$T/bz" >"$T/out$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || [ $? -eq 5 ]; done
	cat "$T"/out*
	[ "$(find "$KC" -type f | wc -l)" -eq 1 ]
	[ -z "$(find "$KC" -name '.tmp-*')" ]
	run "$LG" --unpack -v -m 32M "$T/bz"
	exits_with 5
	[[ $output == *"kernel cache: read $KC/"* ]]
}

@test "--unpack of a corrupt or truncated zstd payload says so (1)" {
	need_zstd
	tiny_elf
	bz_zstd "$T/bz" 8 <"$T/elf"
	run "$LG" --unpack -m 32M "$T/bz"
	fails_with 1 "lguest-run: $T/bz: invalid kernel image: payload: truncated zstd data (a bzImage or a flat test image is expected)"
	bz_zstd "$T/bz" <"$T/elf"
	# The frame header's first byte: reserved bit set, a frame no decoder takes.
	patch "$T/bz" $((0xa00 + 4)) 1 0x08
	run "$LG" --unpack -m 32M "$T/bz"
	exits_with 1
	[[ $output == "lguest-run: $T/bz: invalid kernel image: payload: zstd: "*" (a bzImage or a flat test image is expected)" ]]
}

@test "--unpack refuses more than 16 MiB of payload to skip before a segment (1)" {
	need_lzma
	tiny_elf
	patch "$T/elf" $((0x48)) 8 $((32 << 20)) # p_offset: 32 MiB into the payload
	bz_xz "$T/bz" <"$T/elf"
	run "$LG" --unpack -m 32M "$T/bz"
	fails_with 1 "lguest-run: $T/bz: invalid kernel image: payload ELF segment 0: 32 MiB to skip before it (at most 16) (a bzImage or a flat test image is expected)"
}

# Issue 17: signals were blocked and nobody read them while decoding.
@test "SIGTERM or SIGINT while --unpack decodes ends lguest-run at once with 143 or 130, before /dev/kvm" {
	need_lzma
	big_elf | bz_xz "$T/bz"
	stop_at unpacking "$LG" --unpack -m 32M "$T/bz"
	resume TERM
	[ "$RC" -eq 143 ]
	[ ! -s "$T/err" ] || { cat "$T/err"; return 1; }
	stop_at unpacking "$LG" --unpack -m 32M "$T/bz"
	resume INT
	[ "$RC" -eq 130 ]
	[ ! -s "$T/err" ] || { cat "$T/err"; return 1; }
}

@test "--timeout expiring while --unpack decodes exits 124, before /dev/kvm" {
	need_lzma
	big_elf | bz_xz "$T/bz"
	stop_at unpacking "$LG" --unpack --timeout 100ms -m 32M "$T/bz"
	sleep 0.3
	resume
	[ "$RC" -eq 124 ]
	[ "$(cat "$T/err")" = "lguest-run: --timeout expired while setting up the guest" ]
}

@test "--unpack of a bzImage without a payload field or with a gzip payload (1)" {
	need_lzma
	need_bzimage
	# tests/fuzz/corpus/bzimage/bz-ok: a valid header with payload_length 0.
	run "$LG" --unpack -m 32M "$HV_TOP/tests/fuzz/corpus/bzimage/bz-ok"
	exits_with 1
	[[ $output == *"/bz-ok: invalid kernel image: --unpack: no payload (boot protocol 2.08+ payload_offset/length) (a bzImage or a flat test image is expected)" ]]
	local at
	at=$(bz_payload "$BZ")
	head -c "$at" "$BZ" >"$T/bz"
	printf 'gzip, not xz or zstd\n' | gzip >"$T/gz"
	cat "$T/gz" >>"$T/bz"
	patch "$T/bz" $((0x24c)) 4 "$(stat -c %s "$T/gz")"
	patch "$T/bz" $((0x1f4)) 4 1
	run "$LG" --unpack "$T/bz"
	exits_with 1
	[[ $output == *"/bz: invalid kernel image: --unpack: the payload is neither xz- nor zstd-compressed (a bzImage or a flat test image is expected)" ]]
}

@test "bzImage with too little memory for the kernel exits 8" {
	need_bzimage
	run "$LG" -m 32M "$BZ"
	exits_with 8
	[[ $output =~ lguest-run:\ 32\ MiB\ of\ guest\ memory\ is\ too\ small\ for\ the\ kernel\ \(needs\ [0-9]+\ MiB\)\ \(raise\ --memory\) ]]
}

@test "an initrd that does not fit next to the kernel exits 8" {
	need_bzimage
	head -c $((40 << 20)) /dev/zero >"$T/initrd"
	run "$LG" -m 100M -i "$T/initrd" "$BZ"
	exits_with 8
	[[ $output == *"lguest-run: 100 MiB of guest memory is too small for the kernel and the initrd"* ]]
}

@test "a kernel command line longer than the kernel takes is refused (2)" {
	need_bzimage
	run "$LG" "$BZ" -- "x=$(head -c 3000 /dev/zero | tr '\0' a)"
	exits_with 2
	[[ $output == *"kernel command line too long"*"(shorten KERNEL-ARGS)" ]]
}

@test "flat image: truncated header (1)" {
	printf 'LGRUNFLT\001\000' >"$T/f"
	run "$LG" "$T/f"
	exits_with 1
	[[ $output == *"invalid kernel image: truncated flat header (10 of 64 bytes)"* ]]
}

@test "flat image: wrong version, header size, reserved fields (1)" {
	flat 2 64 0x100000 0x100040 4096 >"$T/f"
	run "$LG" "$T/f"
	exits_with 1
	[[ $output == *"flat image version 2, expected 1"* ]]
	flat 1 8 0x100000 0x100040 4096 >"$T/f"
	run "$LG" "$T/f"
	exits_with 1
	[[ $output == *"flat header size 8 outside 64..128"* ]]
	flat 1 64 0x100000 0x100040 4096 7 >"$T/f"
	run "$LG" "$T/f"
	exits_with 1
	[[ $output == *"reserved flat header fields are not zero"* ]]
}

@test "flat image: load address, entry and sizes are bounds-checked (1, 8)" {
	flat 1 64 0x1000 0x1040 4096 >"$T/f"
	run "$LG" "$T/f"
	exits_with 1
	[[ $output == *"load address 0x1000 is below 1 MiB"* ]]
	flat 1 64 0x100000 0x200000 4096 >"$T/f"
	run "$LG" "$T/f"
	exits_with 1
	[[ $output == *"entry 0x200000 is outside the loaded code"* ]]
	flat 1 64 0x100000 0x100010 4096 >"$T/f"
	run "$LG" "$T/f"
	exits_with 1
	[[ $output == *"entry 0x100010 is outside the loaded code"* ]]
	flat 1 64 0x100000 0x100040 16 >"$T/f"
	run "$LG" "$T/f"
	exits_with 1
	[[ $output == *"mem_size 0x10 is smaller than the file (128 bytes)"* ]]
	flat 1 64 0x100000 0x100040 $((0x7fffffffffffffff)) >"$T/f"
	run "$LG" "$T/f"
	exits_with 1
	[[ $output == *"load address 0x100000 + size 0x7fffffffffffffff is not guest memory"* ]]
	flat 1 64 $((0x8000000)) $((0x8000040)) 4096 >"$T/f"
	run "$LG" -m 16M "$T/f"
	exits_with 8
	[[ $output == *"16 MiB of guest memory is too small for the flat image (needs 129 MiB) (raise --memory)"* ]]
}

@test "a kernel file larger than guest memory exits 8" {
	flat 1 64 0x100000 0x100040 $((4 << 20)) >"$T/f"
	head -c $((3 << 20)) /dev/zero >>"$T/f"
	run "$LG" -m 2M "$T/f"
	exits_with 8
	[[ $output == *"kernel $T/f: 3145856 bytes do not fit in 2 MiB of guest memory (raise --memory)"* ]]
}

# Issue 17: the kernel and the initrd were read from a shared mapping: a
# file truncated after lguest-run checked it raised SIGBUS (status 135).
# Truncated here at the step after the checks, before loading.
@test "a kernel truncated after its checks is a clean error (1), not SIGBUS" {
	flat 1 64 0x100000 0x100040 $((1 << 20)) >"$T/f"
	head -c 65536 /dev/zero >>"$T/f"
	stop_at signals-blocked "$LG" -m 16M "$T/f"
	truncate -s 4096 "$T/f"
	resume
	[ "$RC" -eq 1 ]
	[ "$(cat "$T/err")" = "lguest-run: reading kernel $T/f: it ends at byte 4096, it had 65664 when opened (was it changed while lguest-run started?)" ]
}

@test "an initrd truncated after its checks is a clean error (1), not SIGBUS" {
	head -c $((1 << 20)) /dev/urandom >"$T/initrd"
	stop_at signals-blocked "$LG" -m 32M -i "$T/initrd" "$HV_TOP/tests/fuzz/corpus/bzimage/bz-xz-elf"
	truncate -s 0 "$T/initrd"
	resume
	[ "$RC" -eq 1 ]
	[ "$(cat "$T/err")" = "lguest-run: reading initrd $T/initrd: it ends at byte 0, it had 1048576 when opened (was it changed while lguest-run started?)" ]
}

# ---- /dev/kvm --------------------------------------------------------------------

@test "no KVM device exits 5 with a hint" {
	LGUEST_RUN_KVM=$T/kvm run "$LG" "$G/hello.img"
	fails_with 5 "lguest-run: opening $T/kvm: No such device (load kvm_intel or kvm_amd; in a VM enable nested virtualization)"
}

@test "a device that is not KVM exits 5" {
	LGUEST_RUN_KVM=/dev/null run "$LG" "$G/hello.img"
	fails_with 5 "lguest-run: /dev/null: not a KVM device (KVM_GET_API_VERSION: *"
}

teardown() {
	[ -z "${PERM_DIR:-}" ] || rm -rf "$PERM_DIR"
}

@test "a KVM device without permission exits 4 with a hint" {
	command -v setpriv >/dev/null || skip_or_fail "no setpriv (Debian: util-linux)"
	[ "$(id -u)" -eq 0 ] || skip_or_fail "needs root to drop privileges"
	# Outside bats' run directory (0700): nobody must reach the files.
	PERM_DIR=$(mktemp -d /tmp/lguest-run-perm.XXXXXX)
	cp "$LG" "$G/hello.img" "$PERM_DIR/"
	chmod 0755 "$PERM_DIR" "$PERM_DIR/lguest-run" && chmod 0644 "$PERM_DIR/hello.img"
	# Root's, mode 0600, as /dev/kvm is where nobody may use it.
	: >"$PERM_DIR/kvm" && chmod 0600 "$PERM_DIR/kvm"
	LGUEST_RUN_KVM=$PERM_DIR/kvm run setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PERM_DIR/lguest-run" "$PERM_DIR/hello.img"
	fails_with 4 "lguest-run: opening $PERM_DIR/kvm: Permission denied (run as root or join the kvm group)"
}

# Issue 13: lguest-run opened /dev/kvm, allocated guest RAM and created the
# vCPU before it looked at its files, so every error below read "opening
# /dev/kvm: No such device" (5) on a host without KVM. The whole suite runs
# without a KVM device; this test says so on every host.
@test "every argument and file is checked before the KVM device is opened" {
	need_bzimage
	mkdir "$T/dir"
	: >"$T/empty"
	local args want
	while IFS='|' read -r want args; do
		# shellcheck disable=SC2086 # args are words
		run "$LG" $args
		echo "$args: exit $status: $output"
		[ "$status" -eq "$want" ]
		[[ $output != *"kvm"* ]]
	done <<LIST
3|$T/nope
3|-i $T/nope $BZ
3|--block $T/nope $G/hello.img
2|-i $G/hello.img $G/hello.img
1|$T/dir
1|$T/empty
1|--block $T/dir $G/hello.img
3|--share $T/nope $G/hello.img
1|--share $T/empty $G/hello.img
8|-m 32M $BZ
2|$BZ -- $(head -c 3000 /dev/zero | tr '\0' a)
LIST
	[ ! -e "$LGUEST_RUN_KVM" ]
}

