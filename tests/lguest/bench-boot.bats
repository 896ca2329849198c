#!/usr/bin/env bats
# Guest side of bench/lguest-run (not part of make check: it is not under
# tests/guest/ or tests/host/). Runs in the pci guest on nested kvm_amd:
# time from launch to the inner init's marker line, lguest-run vs QEMU
# -enable-kvm -M microvm and -M pc, same kernel, initrd and command line,
# interleaved rounds; and launcher memory = VmRSS minus the guest-RAM
# mapping's Rss, sampled at the marker. Results go to the TAP stream as
# "# " lines (bench/lguest-run/run prints them).

MEM_MB=256

setup_file() {
	export KERNEL=/boot/vmlinuz-$KVER INNER=/boot/lguest-inner.cpio.gz
}

say() { echo "# $*" >&3; }

# launcher_kb PID: resident KiB of all the process's mappings except its
# guest RAM (mappings of MEM_MB MiB or more). Summed from smaps: VmRSS lagged
# behind the guest-RAM mapping's Rss and gave negative differences.
launcher_kb() {
	awk -v want=$((MEM_MB * 1024)) '
		/^Size:/ { size = $2 }
		/^Rss:/ { if (size < want) kb += $2 }
		END { print kb + 0 }' "/proc/$1/smaps"
}

# measure CMD...: prints "ms kib" for one boot to the marker. The launcher
# is our direct child (no timeout(1): busybox's forks helpers); a launcher
# whose guest never prints the marker within 300 s is killed.
measure() {
	local fifo=$BATS_TEST_TMPDIR/fifo line t0 t1 pid kib=NA ms=NA
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
			break
		fi
	done
	[ "$ms" != NA ] || kill "$pid" 2>/dev/null
	cat <&4 >/dev/null
	exec 4<&-
	wait "$pid" || true
	echo "$ms $kib"
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

@test "boot to the init marker: lguest-run vs qemu microvm vs qemu pc" {
	command -v qemu-system-x86_64 >/dev/null || {
		echo "no qemu-system-x86_64 in the image: run bench/lguest-run/run" >&2
		return 1
	}
	local cmdline r ROUNDS=3
	# bench/lguest-run/run may leave LG_BENCH_ROUNDS here for the guest.
	[ ! -f "$BATS_TEST_DIRNAME/bench.env" ] || . "$BATS_TEST_DIRNAME/bench.env"
	ROUNDS=${LG_BENCH_ROUNDS:-$ROUNDS}
	# The same command line for all three: lguest-run's own prefix plus ours.
	cmdline=$(lguest-run -v --timeout 0.1 "$KERNEL" -- quiet lgmode=reboot 2>&1 >/dev/null |
		sed -n 's/.*command line: //p')
	[ -n "$cmdline" ]
	say "kernel $KERNEL, initrd $INNER, ${MEM_MB}M, 1 vCPU"
	say "command line: $cmdline"
	local -a lg_ms lg_kb mv_ms mv_kb pc_ms pc_kb
	local q=(qemu-system-x86_64 -enable-kvm -cpu host -smp 1 -m ${MEM_MB}M -nodefaults
		-no-reboot -display none -monitor none -serial stdio -L /usr/share/seabios
		-kernel "$KERNEL" -initrd "$INNER" -append "$cmdline")
	for ((r = 1; r <= ROUNDS; r++)); do
		read -r a b < <(measure lguest-run -q -m ${MEM_MB}M -i "$INNER" "$KERNEL" -- quiet lgmode=reboot)
		lg_ms+=("$a") lg_kb+=("$b")
		read -r a b < <(measure "${q[@]}" -M microvm)
		mv_ms+=("$a") mv_kb+=("$b")
		read -r a b < <(measure "${q[@]}" -M pc)
		pc_ms+=("$a") pc_kb+=("$b")
		say "round $r: lguest-run ${lg_ms[-1]} ms (${lg_kb[-1]} KiB), microvm ${mv_ms[-1]} ms (${mv_kb[-1]} KiB), pc ${pc_ms[-1]} ms (${pc_kb[-1]} KiB)"
	done
	local lm mm pm
	lm=$(median "${lg_ms[@]}") mm=$(median "${mv_ms[@]}") pm=$(median "${pc_ms[@]}")
	say "median time to marker: lguest-run $lm ms, qemu microvm $mm ms, qemu pc $pm ms"
	say "ratio lguest-run/microvm $(awk -v a="$lm" -v b="$mm" 'BEGIN { printf "%.2f", a / b }'), lguest-run/pc $(awk -v a="$lm" -v b="$pm" 'BEGIN { printf "%.2f", a / b }') (goal <= 0.5)"
	say "median launcher memory (RSS - guest RAM): lguest-run $(median "${lg_kb[@]}") KiB, microvm $(median "${mv_kb[@]}") KiB, pc $(median "${pc_kb[@]}") KiB (goal <= 5120)"
	# Where lguest-run's time goes: its exit statistics for one more boot.
	lguest-run -v -m ${MEM_MB}M -i "$INNER" "$KERNEL" -- quiet lgmode=reboot 2>&1 >/dev/null |
		grep -E 'guest ended|exits:' | while IFS= read -r l; do say "$l"; done
	[ "$lm" != NA ]
}
