#!/usr/bin/env bats
# lguest-run hit by SIGINT, SIGTERM and SIGKILL at every step
# (tests/interrupt.bash) on nested KVM, running the flat test guest that
# spins forever. It must end with 128+N (137 for SIGKILL), leave no process
# or thread behind, and leave KVM usable: the next run works.

setup() {
	command -v lguest-run >/dev/null || {
		echo "lguest-run is not installed in the guest image" >&2
		return 1
	}
	[ -c /dev/kvm ] || {
		echo "no /dev/kvm (kvm_amd not loaded?)" >&2
		return 1
	}
	# shellcheck source=../../interrupt.bash
	. "$BATS_TEST_DIRNAME/../../interrupt.bash"
	IR_DIR=$BATS_TEST_TMPDIR
	G=/tests/lguest
}

# --timeout 2: a signal that is not acted on shows as 124.
lg_cell() {
	ir_start "$1" lguest-run --timeout 2 "$G/hang.img"
	ir_stopped || return 1
	ir_hit "$2" || return 1
	# After the guest stopped (here at its timeout) a signal may come too
	# late to change the status: the guest's 124 is then right as well.
	[ "$1" = stopped ] && [ "$2" != KILL ] && [ "$IR_RC" -eq 124 ] && IR_RC=$((128 + $(ir_signo "$2")))
	ir_want_rc $((128 + $(ir_signo "$2"))) || return 1
	ir_gone $IR_KIDS
}

@test "every step x INT/TERM/KILL ends it with 128+N, nothing left, KVM still usable" {
	mapfile -t steps < <(ir_steps lguest-run --timeout 1 "$G/hang.img")
	echo "# steps: ${steps[*]}" >&2
	[ "${steps[*]}" = "signals-blocked loaded vm-created vcpu-created devices-added running stopped" ] || {
		echo "unexpected step list: ${steps[*]}" >&2
		return 1
	}
	ir_matrix lg_cell "${steps[@]}"
	run lguest-run "$G/hello.img"
	[ "$status" -eq 42 ] || {
		echo "a run after the matrix: exit $status: $output" >&2
		return 1
	}
}
