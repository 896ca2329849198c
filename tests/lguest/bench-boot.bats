#!/usr/bin/env bats
# Guest side of bench/lguest-run (not part of make check: it is not under
# tests/guest/ or tests/host/). Runs in the pci guest on nested kvm_amd:
# time from launch to the inner init's marker line, lguest-run vs QEMU
# -enable-kvm -M microvm and -M pc, same kernel, initrd, command line and
# guest RAM, interleaved rounds; lguest-run also with --unpack (the
# launcher decodes the xz payload instead of the bzImage's decompressor). At the marker it also samples launcher
# memory (RSS outside the guest-RAM mapping), the guest kernel's own uptime
# (so the time splits into "before the kernel's clock started": launcher,
# firmware, decompression; and "the kernel's own boot") and the host KVM's
# statistics for that VM (debugfs: exits handled in the kernel too, nested
# page faults, 4 KiB / 2 MiB mappings). Then the launcher is killed: the
# inner init hangs (lgmode=hang), so all three stop at the same point.
# Results go to the TAP stream as "# " lines (bench/lguest-run/run prints
# them).

MEM_MB=256

setup_file() {
	export KERNEL=/boot/vmlinuz-$KVER INNER=/boot/lguest-inner.cpio.gz
}

load bench


# kvm_stats PID: the host KVM's counters for the VM of process PID.
kvm_stats() {
	local d f v out=
	for d in /sys/kernel/debug/kvm/"$1"-*; do
		[ -d "$d" ] || continue
		for f in exits io_exits mmio_exits halt_exits pf_fixed pages_4k pages_2m; do
			v=$(cat "$d/$f" 2>/dev/null) || v=NA
			out+="$f=$v "
		done
	done
	echo "${out:-no-debugfs}"
}

# measure CMD...: prints "ms kib uptime_ms stats..." for one boot to the
# marker. The launcher is our direct child (no timeout(1): busybox's forks
# helpers); a guest that prints no marker within 300 s is killed.
measure() {
	local fifo=$BATS_TEST_TMPDIR/fifo line t0 t1 pid kib=NA ms=NA up=NA st=NA
	rm -f "$fifo"
	mkfifo "$fifo"
	t0=${EPOCHREALTIME/./} # microseconds; busybox date has no %N
	"$@" >"$fifo" 2>&1 </dev/null 3>&- &
	pid=$!
	exec 4<"$fifo"
	while IFS= read -r -t 300 line <&4; do
		if [[ $line == *LGUEST-RUN-INIT-MARKER* ]]; then
			t1=${EPOCHREALTIME/./}
			ms=$(((t1 - t0) / 1000))
			kib=$(launcher_kb "$pid" 2>/dev/null || echo NA)
			st=$(kvm_stats "$pid")
			break
		fi
	done
	if [ "$ms" != NA ] && IFS= read -r -t 60 line <&4 && [[ $line =~ LGUEST-RUN-UPTIME\ ([0-9]+)\.([0-9]+) ]]; then
		up=$((10#${BASH_REMATCH[1]} * 1000 + 10#${BASH_REMATCH[2]} * 10))
	fi
	kill "$pid" 2>/dev/null
	cat <&4 >/dev/null
	exec 4<&-
	wait "$pid" || true
	echo "$ms $kib $up $st"
}


# The floor no launcher goes below: decompressing the bzImage's payload
# (xz, what every launcher, or its guest, must do) in this guest's
# userspace with xz (liblzma, as lguest-run does), to /dev/null.
decompress_floor() {
	local setup off len t0 t1
	setup=$(od -An -tu1 -j $((0x1f1)) -N1 "$KERNEL" | tr -d ' ')
	off=$(od -An -tu4 -j $((0x248)) -N4 "$KERNEL" | tr -d ' ')
	len=$(od -An -tu4 -j $((0x24c)) -N4 "$KERNEL" | tr -d ' ')
	# The payload ends with 4 bytes of decompressed size (mkpiggy).
	tail -c +$(((setup + 1) * 512 + off + 1)) "$KERNEL" | head -c $((len - 4)) >"$BATS_TEST_TMPDIR/payload.xz"
	t0=${EPOCHREALTIME/./}
	xz -dc "$BATS_TEST_TMPDIR/payload.xz" >/dev/null || return 1
	t1=${EPOCHREALTIME/./}
	say "decompressing the kernel payload ($len bytes of xz) with xz in this guest: $(((t1 - t0) / 1000)) ms"
	rm -f "$BATS_TEST_TMPDIR/payload.xz"
}

@test "boot to the init marker: lguest-run vs qemu microvm vs qemu pc" {
	command -v qemu-system-x86_64 >/dev/null || {
		echo "no qemu-system-x86_64 in the image: run bench/lguest-run/run" >&2
		return 1
	}
	local cmdline r a b c d ROUNDS=3
	# bench/lguest-run/run may leave LG_BENCH_ROUNDS here for the guest.
	[ ! -f "$BATS_TEST_DIRNAME/bench.env" ] || . "$BATS_TEST_DIRNAME/bench.env"
	ROUNDS=${LG_BENCH_ROUNDS:-$ROUNDS}
	grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug || true
	# The same command line for all three: lguest-run's own prefix plus ours.
	cmdline=$(lguest-run -v --timeout 0.1 "$KERNEL" -- quiet lgmode=hang 2>&1 >/dev/null |
		sed -n 's/.*command line: //p')
	[ -n "$cmdline" ]
	say "kernel $KERNEL, initrd $INNER, ${MEM_MB}M, 1 vCPU; load: $(cat /proc/loadavg)"
	say "command line: $cmdline"
	say "transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled), defrag $(cat /sys/kernel/mm/transparent_hugepage/defrag)"
	local -a lg_ms lg_kb lg_up gd_ms gd_up mv_ms mv_kb mv_up pc_ms pc_kb pc_up
	local q=(qemu-system-x86_64 -enable-kvm -cpu host -smp 1 -m ${MEM_MB}M -nodefaults
		-no-reboot -display none -monitor none -serial stdio -L /usr/share/seabios
		-kernel "$KERNEL" -initrd "$INNER" -append "$cmdline")
	for ((r = 1; r <= ROUNDS; r++)); do
		read -r a b c d < <(measure lguest-run -q -m ${MEM_MB}M -i "$INNER" "$KERNEL" -- quiet lgmode=hang)
		lg_ms+=("$a") lg_kb+=("$b") lg_up+=("$c")
		say "round $r lguest-run: $a ms to the marker, kernel's own $c ms; $b KiB; kvm: $d"
		read -r a b c d < <(measure lguest-run -q --unpack -m ${MEM_MB}M -i "$INNER" "$KERNEL" -- quiet lgmode=hang)
		gd_ms+=("$a") gd_up+=("$c")
		say "round $r lguest-run --unpack: $a ms to the marker, kernel's own $c ms; $b KiB; kvm: $d"
		read -r a b c d < <(measure "${q[@]}" -M microvm)
		mv_ms+=("$a") mv_kb+=("$b") mv_up+=("$c")
		say "round $r microvm:    $a ms to the marker, kernel's own $c ms; $b KiB; kvm: $d"
		read -r a b c d < <(measure "${q[@]}" -M pc)
		pc_ms+=("$a") pc_kb+=("$b") pc_up+=("$c")
		say "round $r pc:         $a ms to the marker, kernel's own $c ms; $b KiB; kvm: $d"
	done
	local lm mm pm gm
	lm=$(median "${lg_ms[@]}") mm=$(median "${mv_ms[@]}") pm=$(median "${pc_ms[@]}")
	say "median time to marker: lguest-run $lm ms, qemu microvm $mm ms, qemu pc $pm ms"
	say "median kernel's own boot (uptime at the marker): lguest-run $(median "${lg_up[@]}") ms, microvm $(median "${mv_up[@]}") ms, pc $(median "${pc_up[@]}") ms"
	say "ratio lguest-run/microvm $(ratio "$lm" "$mm"), lguest-run/pc $(ratio "$lm" "$pm") (goal <= 0.5)"
	gm=$(median "${gd_ms[@]}")
	say "lguest-run --unpack (xz payload decoded by the launcher): median $gm ms, kernel's own $(median "${gd_up[@]}") ms; ratio to microvm $(ratio "$gm" "$mm"), to pc $(ratio "$gm" "$pm")"
	say "median launcher memory (RSS - guest RAM): lguest-run $(median "${lg_kb[@]}") KiB, microvm $(median "${mv_kb[@]}") KiB, pc $(median "${pc_kb[@]}") KiB (goal <= 5120)"
	decompress_floor
	# Where lguest-run's time goes: its exit statistics for one more boot.
	lguest-run -v -m ${MEM_MB}M -i "$INNER" "$KERNEL" -- quiet lgmode=reboot 2>&1 >/dev/null |
		grep -E 'guest ended|exits:' | while IFS= read -r l; do say "$l"; done
	say "load after: $(cat /proc/loadavg)"
	[ "$lm" != NA ]
}
