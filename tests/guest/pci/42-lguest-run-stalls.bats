#!/usr/bin/env bats
# lguest-run must end at --timeout and at a signal whatever its stdout does
# (issue 17): guest output goes out from the console thread, never with the
# UART lock held and never by a write that waits on the reader. Tiny test
# guests on nested kvm_amd, each a few seconds.

load "$BATS_TEST_DIRNAME/../../assert"

setup() {
	if ! [ -x "$(command -v lguest-run)" ] || ! [ -c /dev/kvm ]; then
		skip_or_fail "no lguest-run or no /dev/kvm"
	fi
	G=/tests/lguest
	# A FIFO with a reader that never reads (this shell), filled up first:
	# the guest's first line finds it full.
	mkfifo "$BATS_TEST_TMPDIR/out"
	exec 7<>"$BATS_TEST_TMPDIR/out"
	head -c 65536 /dev/zero >&7
}

teardown() {
	exec 7>&-
}

@test "--timeout 1 ends a guest whose stdout reader never reads: exit 124 in about a second" {
	local t0 t1
	t0=${EPOCHREALTIME/./}
	run timeout -s KILL 20 lguest-run --timeout 1 "$G/hang.img" 7>&- >"$BATS_TEST_TMPDIR/out"
	t1=${EPOCHREALTIME/./}
	echo "status $status after $(((t1 - t0) / 1000)) ms: $output"
	exits_with 124
	[ $(((t1 - t0) / 1000)) -lt 4000 ]
	[[ $output == *"lguest-run: guest still running after --timeout: stopped it"* ]]
}

@test "SIGTERM ends a guest whose stdout reader never reads (exit 143)" {
	local pid t0 t1 st=0
	lguest-run "$G/hang.img" 7>&- >"$BATS_TEST_TMPDIR/out" 2>/dev/null &
	pid=$!
	sleep 1
	t0=${EPOCHREALTIME/./}
	kill -TERM "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	t1=${EPOCHREALTIME/./}
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" || st=$?
	echo "status $st after $(((t1 - t0) / 1000)) ms"
	[ "$st" -eq 143 ]
	[ $(((t1 - t0) / 1000)) -lt 3000 ]
}

@test "a guest that ended waits for a late reader: every line arrives" {
	local pid st=0
	# Drain the filler, then read what the guest wrote while it was full.
	lguest-run "$G/hello.img" 7>&- >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	sleep 1
	head -c 65536 <&7 >/dev/null
	run timeout 10 head -n 1 <&7
	wait "$pid" || st=$?
	[ "$st" -eq 42 ]
	[ "$output" = "Hello from a lguest-run test guest" ]
}
