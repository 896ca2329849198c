#!/usr/bin/env bats
# lguest-run --run on nested KVM: the Debian kernel boots with lguest-run's
# own init (tools/lguest-run/init) in an in-memory initramfs, the pci
# guest's root shared read-only, and runs one command whose status becomes
# lguest-run's. Modules come from /boot/lguest-modules (extra.sh: the inner
# kernel's virtio-pci and 9p, with a modules.dep of their own). One inner
# boot per test.

bats_require_minimum_version 1.5.0

load lguest

setup_file() {
	KERNEL=$(echo /boot/vmlinuz-*)
	export KERNEL
	export MODS=/boot/lguest-modules
}

setup() {
	lg_prereqs "$MODS/modules.dep"
	cd "$BATS_TEST_TMPDIR" || return 1
}

lgrun() {
	lguest-run --kernel "$KERNEL" --modules "$MODS" --timeout 240 "$@"
}

@test "--run: the command's output and exit status, in the caller's directory (--rwdir), host root read-only and byte for byte, fresh /tmp" {
	local sum tree
	echo "from the host" >in.txt
	echo "not in the guest" >/tmp/lguest-run-host-only
	sum=$(sha256sum "$(command -v bash)")
	tree=$(find /tests /usr/lib/bats-core -type f | LC_ALL=C sort | xargs sha256sum | sha256sum)
	# shellcheck disable=SC2016 # expanded in the guest
	run lgrun --rwdir "$BATS_TEST_TMPDIR" --run -- sh -c '
		cat in.txt; pwd; echo "written in the guest" >out.txt
		sha256sum "$(command -v bash)"
		touch /lguest-run-ro 2>/dev/null || echo ROOT-RO
		[ ! -e /tmp/lguest-run-host-only ] && echo x >/tmp/lguest-run-guest && echo TMP-OK
		echo "PATH=$PATH"
		find /tests /usr/lib/bats-core -type f | LC_ALL=C sort | xargs sha256sum | sha256sum
		exit 7'
	printf '%s\n' "${lines[@]}" | tail -n 20
	exits_with 7
	[ "${lines[0]}" = "from the host" ]
	[ "${lines[1]}" = "$BATS_TEST_TMPDIR" ]
	[ "${lines[2]}" = "$sum" ]
	[ "${lines[3]}" = ROOT-RO ]
	[ "${lines[4]}" = TMP-OK ]
	[ "${lines[5]}" = "PATH=$PATH" ]
	# A tree of the shared root, byte for byte.
	[ "${lines[6]}" = "$tree" ]
	[ "$(cat out.txt)" = "written in the guest" ]
	[ ! -e /lguest-run-ro ] && [ ! -e /tmp/lguest-run-guest ]
	rm -f /tmp/lguest-run-host-only
}

# How --run's agent and the launcher turn an end into a status: the same
# programs on every kernel (40-lguest-run.bats boots each kernel into a
# panic and a timeout).
# bats test_tags=userspace
@test "--run: killed by a signal 128+N, a missing command 127" {
	run lgrun --run -- sh -c 'kill -TERM $$'
	exits_with 143
	run -127 lgrun --run no-such-command-here
	echo "$output"
	exits_with 127
	[[ $output == *"no-such-command-here: No such file or directory"* ]]
}

# bats test_tags=userspace
# A real kernel's panic (a reset without an orderly shutdown), and its boot
# stopped from outside wherever --timeout finds it (MMIO, port I/O,
# interrupts in flight): the tiny hang guest of 41-lguest-run-tiny.bats
# stops after its own output.
@test "--run: a guest panic 255, --timeout 124" {
	run lgrun --run -- sh -c 'echo c >/proc/sysrq-trigger'
	exits_with 255
	[[ ${lines[-1]} == "lguest-run: guest crashed: "* ]]
	run lguest-run --kernel "$KERNEL" --modules "$MODS" --timeout 5 --run -- sleep 1000
	exits_with 124
	[[ ${lines[-1]} == "lguest-run: guest still running after --timeout: stopped it" ]]
}

# --cpus: the MP table, the I/O APIC and the APs' INIT/SIPI, on the nested
# 6.1 every kernel runs (userspace: the same guest kernel everywhere). A
# powered-off SMP guest is 40-lguest-run.bats' poweroff test.
# bats test_tags=userspace
@test "--cpus 4: nproc says 4, a job pinned to each CPU runs there" {
	# shellcheck disable=SC2016 # expanded in the guest
	# /tmp: the guest's own (the test's directory is not shared here).
	run lgrun --cpus 4 --run -- sh -c '
		nproc
		busy() { awk "/^cpu$1 / { print \$2 + \$4 }" /proc/stat; }
		for c in 0 1 2 3; do echo "$c $(busy $c)"; done >/tmp/before
		for c in 0 1 2 3; do
			taskset -c $c sh -c "i=0; while [ \$i -lt 5000 ]; do i=\$((i+1)); done" &
		done
		wait
		while read -r c t; do
			[ "$(busy $c)" -gt "$t" ] && echo "cpu$c busy" || echo "cpu$c idle"
		done </tmp/before
		exit 3'
	printf '%s\n' "${lines[@]}" | tail -n 8
	exits_with 3
	has_line 4
	[ "$(printf '%s\n' "${lines[@]:1}" | grep -c '^cpu[0-3] busy$')" -eq 4 ]
}

# The symlink race through a real 9p client: p9-race swaps out/race between
# a directory and a symlink to ../outside while it reads race/f and writes
# race/w (both in the guest, one vCPU: the kernel's preemption interleaves
# them). The server holds a walked fid's directory, not its path, so a
# link swapped in after a walk is never followed on the host; the guest
# follows it in its own tree, where ../outside does not exist.
# tests/unit/test-p9.c runs the same race at full speed without KVM.
# bats test_tags=userspace
@test "--run --rwdir: a symlink swapped in during the guest's walks never leads the 9p server outside" {
	mkdir out outside
	echo outside >outside/f
	run lgrun --rwdir "$BATS_TEST_TMPDIR/out" --run -- \
		"$BATS_TEST_DIRNAME/p9-race" "$BATS_TEST_TMPDIR/out" 3
	printf '%s\n' "${lines[@]}" | tail -n 5
	# In the TAP stream: how many reads went through, and how many swaps.
	printf '# %s\n' "${lines[@]}" | grep '^# RACE ' >&3 || true
	[ "$status" -eq 0 ]
	[[ $output =~ RACE\ inside\ ([0-9]+)\ outside\ 0\ errors\ [0-9]+\ swaps\ ([0-9]+) ]]
	# Both sides ran: reads went through the directory, and it was swapped.
	[ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[2]}" -gt 0 ]
	[ "$(ls outside)" = f ] && [ "$(cat outside/f)" = outside ]
	# The guest's link is a link on the host, to where the guest said.
	[ "$(readlink out/race.l || readlink out/race)" = ../outside ]
}
