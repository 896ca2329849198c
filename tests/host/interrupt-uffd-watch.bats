#!/usr/bin/env bats
# uffd-watch run and serve hit by SIGINT, SIGTERM and SIGKILL at every step
# (tests/interrupt.bash). What must hold afterwards:
#   run    INT/TERM go to the program (exit 128+N, the program is gone);
#          KILL: the kernel releases the only userfaultfd, the program goes
#          on with ordinary faults and finishes ("ok"). Nothing is left.
#   serve  INT/TERM: the rest of the memory is installed and the regions
#          unregistered, so the VMM (uffd-fc-client) reads true content and
#          ends; serve exits 0. KILL: the VMM keeps its own userfaultfd, so
#          nobody serves its faults any more (documented): it is not left
#          unkillable, and a SIGKILL ends it.

bats_require_minimum_version 1.5.0

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	# shellcheck source=../uffd/setup.bash
	. "$HV_TOP/tests/uffd/setup.bash"
	uffd_setup uffd-touch
	# shellcheck source=../interrupt.bash
	. "$HV_TOP/tests/interrupt.bash"
	IR_DIR=$BATS_TEST_TMPDIR
	IR_TIMEOUT=5
}

# ---- run --------------------------------------------------------------------

run_cmd() {
	TMPDIR=$IR_DIR/tmp "$UW" run --min-size 16K -- "$TU/uffd-touch" -p 8 -z -S
}

run_cell() {
	local step=$1 sig=$2 kids
	rm -rf "$IR_DIR/tmp" && mkdir "$IR_DIR/tmp"
	ir_start "$step" env TMPDIR="$IR_DIR/tmp" "$UW" run --min-size 16K -- "$TU/uffd-touch" -p 8 -z -S
	ir_stopped || return 1
	ir_hit "$sig" || return 1
	kids=$IR_KIDS
	case $sig in
	KILL)
		ir_want_rc 137 || return 1
		ir_gone $kids || return 1
		# Once spawned, the program ran to its end without us.
		if [ -n "$kids" ] && ! grep -qx ok "$IR_DIR/out"; then
			ir_fail "the program did not finish after uffd-watch was killed: $(cat "$IR_DIR/out" "$IR_DIR/err" | tr '\n' '|')"
			return 1
		fi
		;;
	*)
		ir_want_rc $((128 + $(ir_signo "$sig"))) || return 1
		ir_gone $kids || return 1
		# Cleaned up: no socket directory is left behind.
		if [ -n "$(ls -A "$IR_DIR/tmp")" ]; then
			ir_fail "left in TMPDIR: $(ls -A "$IR_DIR/tmp")"
			return 1
		fi
		;;
	esac
}


@test "run: every step x INT/TERM/KILL leaves no process, no hung program, no socket" {
	mkdir -p "$IR_DIR/tmp"
	mapfile -t steps < <(ir_steps run_cmd)
	echo "# steps: ${steps[*]}" >&2
	[ "${steps[*]}" = "listening spawned uffd-taken registered first-fault exited" ] || {
		echo "unexpected step list: ${steps[*]}" >&2
		return 1
	}
	ir_matrix run_cell "${steps[@]}"
}

# ---- serve ------------------------------------------------------------------

client_start() {
	"$TU/uffd-fc-client" run "$IR_DIR/s.sock" "$IR_DIR/mem" -o 3,20,1,17,31 \
		>"$IR_DIR/client.out" 2>&1 &
	CLIENT=$!
}

serve_cell() {
	local step=$1 sig=$2 i crc=0
	rm -f "$IR_DIR/s.sock"
	ir_start "$step" "$UW" serve --socket "$IR_DIR/s.sock" --memory "$IR_DIR/mem"
	if [ "$step" = listening ]; then
		ir_stopped || return 1
		client_start
		# Connected and sent: the client is then blocked on its first fault.
		sleep 0.3
	else
		for i in $(seq 250); do
			[ -S "$IR_DIR/s.sock" ] && break
			sleep 0.02
		done
		client_start
		ir_stopped || {
			kill -KILL "$CLIENT"
			wait "$CLIENT"
			return 1
		}
	fi
	ir_hit "$sig" || {
		kill -KILL "$CLIENT"
		wait "$CLIENT"
		return 1
	}
	if [ "$sig" = KILL ]; then
		ir_want_rc 137 || return 1
		# Documented: nothing serves the VMM now; it stays killable.
		kill -KILL "$CLIENT"
		ir_gone "$CLIENT" || return 1
		wait "$CLIENT" 2>/dev/null
		return 0
	fi
	ir_want_rc 0 || return 1
	ir_gone "$CLIENT" || return 1
	wait "$CLIENT" || crc=$?
	if [ "$crc" -ne 0 ] || ! grep -q '^ok 5 pages' "$IR_DIR/client.out"; then
		ir_fail "the VMM did not read its true memory (exit $crc): $(tr '\n' '|' <"$IR_DIR/client.out")"
		return 1
	fi
	if [ -e "$IR_DIR/s.sock" ]; then
		ir_fail "the socket was left behind"
		return 1
	fi
}

@test "serve: every step x INT/TERM/KILL leaves the VMM served or killable, no process" {
	"$TU/uffd-fc-client" make-memory "$IR_DIR/mem" 40
	# The traced run: serve until the client is done.
	HVUTILS_STEP_TRACE=1 "$UW" serve --socket "$IR_DIR/s.sock" --memory "$IR_DIR/mem" \
		2>"$IR_DIR/trace" &
	local pid=$!
	for _ in $(seq 250); do
		[ -S "$IR_DIR/s.sock" ] && break
		sleep 0.02
	done
	"$TU/uffd-fc-client" run "$IR_DIR/s.sock" "$IR_DIR/mem" -o 3 >/dev/null
	wait "$pid"
	mapfile -t steps < <(sed -n 's/^[^ ]*: step //p' "$IR_DIR/trace" | awk '!seen[$0]++')
	echo "# steps: ${steps[*]}" >&2
	[ "${steps[*]}" = "listening connected handshake-done first-fault" ] || {
		echo "unexpected step list: ${steps[*]}" >&2
		return 1
	}
	ir_matrix serve_cell "${steps[@]}"
}

@test "serve: SIGTERM while waiting for the VMM ends it at once (exit 0, socket removed)" {
	"$TU/uffd-fc-client" make-memory "$IR_DIR/mem" 4
	ir_start none "$UW" serve --socket "$IR_DIR/s.sock" --memory "$IR_DIR/mem"
	for _ in $(seq 250); do
		[ -S "$IR_DIR/s.sock" ] && break
		sleep 0.02
	done
	IR_STEP=waiting
	ir_hit TERM
	ir_want_rc 0
	[ ! -e "$IR_DIR/s.sock" ]
}
