#!/usr/bin/env bats
# Guest side of bench/lguest-run's --run part (not part of make check).
# Runs in the pci guest on nested kvm_amd: wall time from start to exit of
# `lguest-run --run true` (the pci guest's root shared read-only over
# virtio-9p, lguest-run's own init) against QEMU -enable-kvm -M microvm and
# -M pc booting the same kernel with the same root shared by -virtfs
# (9p, read-only) and an init doing the same (tests/lguest/inner-init
# lgmode=runroot: modules, the 9p root, /proc /sys /dev, fresh /tmp and
# /run, chroot, `true`, its status to port 0x501 through isa-debug-exit).
# lguest-run's first run (an empty kernel cache: it decodes the payload)
# is reported apart from the repeat runs (the cached kernel), as a user
# sees them. Results go to the TAP stream as "# " lines.

MEM_MB=256

setup_file() {
	export KERNEL=/boot/vmlinuz-$KVER INNER=/boot/lguest-inner.cpio.gz MODS=/boot/lguest-modules
}

load bench

# timed WANT CMD...: runs CMD to its end, prints its wall time in ms, or
# "NA" when its exit status is not WANT (its output then goes to the TAP
# stream).
timed() {
	local want=$1 t0 t1 rc=0 out=$BATS_TEST_TMPDIR/out
	shift
	t0=${EPOCHREALTIME/./}
	timeout 300 "$@" >"$out" 2>&1 </dev/null 3>&- || rc=$?
	t1=${EPOCHREALTIME/./}
	if [ "$rc" -ne "$want" ]; then
		say "exit $rc, not $want: $*"
		tail -n 5 "$out" | while IFS= read -r l; do say "  $l"; done
		echo NA
		return
	fi
	echo $(((t1 - t0) / 1000))
}

# peak_kb CMD...: runs CMD (status 0 wanted) and prints the largest resident
# KiB of its mappings outside guest RAM (mappings of MEM_MB MiB or more),
# sampled every 0.2 s: the launcher's own memory with its 9p server working.
peak_kb() {
	local pid kb peak=0
	"$@" >/dev/null 2>&1 </dev/null 3>&- &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		kb=$(launcher_kb "$pid" 2>/dev/null) || kb=0
		[ "${kb:-0}" -le "$peak" ] || peak=$kb
		sleep 0.2
	done
	wait "$pid" || { echo NA; return; }
	echo "$peak"
}


@test "--run true, start to exit: lguest-run (first run, then the cached kernel) vs qemu microvm vs qemu pc with -virtfs" {
	command -v qemu-system-x86_64 >/dev/null || {
		echo "no qemu-system-x86_64 in the image: run bench/lguest-run/run" >&2
		return 1
	}
	local cmdline r ms ROUNDS=5 cache=$BATS_TEST_TMPDIR/cache
	# shellcheck source=/dev/null # bench/lguest-run/run may leave LG_BENCH_ROUNDS here
	[ ! -f "$BATS_TEST_DIRNAME/bench.env" ] || . "$BATS_TEST_DIRNAME/bench.env"
	ROUNDS=${LG_BENCH_ROUNDS:-$ROUNDS}
	cmdline=$(lguest-run -v --timeout 0.1 "$KERNEL" -- quiet 2>&1 >/dev/null |
		sed -n 's/.*command line: //p')
	[ -n "$cmdline" ]
	say "kernel $KERNEL, ${MEM_MB}M, 1 vCPU, the pci guest's / read-only over 9p; load: $(cat /proc/loadavg)"
	local lg=(lguest-run -q -m "${MEM_MB}M" --kernel "$KERNEL" --modules "$MODS" --cache-dir "$cache" --run true)
	# shellcheck disable=SC2054 # QEMU's options are comma lists
	local q=(qemu-system-x86_64 -enable-kvm -cpu host -smp 1 -m "${MEM_MB}M" -nodefaults
		-no-reboot -display none -monitor none -serial stdio -L /usr/share/seabios
		-kernel "$KERNEL" -initrd "$INNER" -append "$cmdline quiet lgmode=runroot lgcmd=true"
		-fsdev local,id=root,path=/,security_model=none,readonly=on
		-device isa-debug-exit,iobase=0x501,iosize=1)
	# QEMU's isa-debug-exit exits (status << 1) | 1: `true` is 1.
	ms=$(timed 0 "${lg[@]}")
	say "lguest-run --run true, first run (empty kernel cache: decodes the payload, stores it): $ms ms"
	local -a lg_ms mv_ms pc_ms
	for ((r = 1; r <= ROUNDS; r++)); do
		ms=$(timed 0 "${lg[@]}")
		lg_ms+=("$ms")
		say "round $r lguest-run --run true (cached kernel): $ms ms"
		ms=$(timed 1 "${q[@]}" -M microvm -device virtio-9p-device,fsdev=root,mount_tag=root)
		mv_ms+=("$ms")
		say "round $r qemu -M microvm, virtio-9p-device:   $ms ms"
		ms=$(timed 1 "${q[@]}" -M pc -device virtio-9p-pci,fsdev=root,mount_tag=root)
		pc_ms+=("$ms")
		say "round $r qemu -M pc, virtio-9p-pci:           $ms ms"
	done
	local lm mm pm
	lm=$(median "${lg_ms[@]}") mm=$(median "${mv_ms[@]}") pm=$(median "${pc_ms[@]}")
	say "median start to exit: lguest-run --run $lm ms, qemu microvm $mm ms, qemu pc $pm ms"
	say "ratio lguest-run/microvm $(ratio "$lm" "$mm"), lguest-run/pc $(ratio "$lm" "$pm") (goal <= 0.5)"
	say "lguest-run --run (cached kernel), peak launcher memory (RSS outside guest RAM): $(peak_kb "${lg[@]}") KiB (goal <= 5120)"
	say "load after: $(cat /proc/loadavg)"
	[ "$lm" != NA ]
}
