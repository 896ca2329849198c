#!/usr/bin/env bats
# xsctl tx and restore hit by SIGINT, SIGTERM and SIGKILL at every step
# (tests/interrupt.bash), against the profile's daemon (C xenstored or
# oxenstored). xsctl keeps the default dispositions, so every signal ends
# it (128+N) and the daemon aborts the open transaction when the
# connection closes: before the commit nothing is visible, after it all is.
# Tested over the daemon socket and, for SIGKILL, over /dev/xen/xenbus,
# where the kernel's xenbus device ends the transaction on close.

setup() {
	command -v xsctl >/dev/null || {
		echo "xsctl is not installed in the guest" >&2
		return 1
	}
	# shellcheck source=../../interrupt.bash
	. "$BATS_TEST_DIRNAME/../../interrupt.bash"
	IR_DIR=$BATS_TEST_TMPDIR
	P=/xsctl-ir
	unset XENSTORED_PATH
}

teardown() {
	xenstore-rm "$P" 2>/dev/null
	return 0
}

# The three values, "none" for a missing node.
tx_state() { xsctl read --default none "$P/a" "$P/b" "$P/c" | tr '\n' ' '; }

tx_cell() {
	local step=$1 sig=$2 want got
	xenstore-rm "$P" 2>/dev/null
	ir_start "$step" xsctl tx || return 1
	ir_stopped || return 1
	ir_hit "$sig" || return 1
	ir_want_rc $((128 + $(ir_signo "$sig"))) || return 1
	# Only a commit that reached the daemon shows, and then all of it.
	want="none none none "
	[ "$step" = tx-committed ] && want="1 two 3 "
	got=$(tx_state)
	[ "$got" = "$want" ] || ir_fail "store holds '$got', expected '$want'"
}

# bats test_tags=userspace
@test "tx: every step x INT/TERM/KILL shows all of the transaction or nothing" {
	printf '%s\n' "write $P/a 1" "write $P/b two" "write $P/c 3" >"$IR_DIR/script"
	IR_STDIN=$IR_DIR/script
	mapfile -t steps < <(ir_steps xsctl tx)
	xenstore-rm "$P"
	echo "# steps: ${steps[*]}" >&2
	[ "${steps[*]}" = "connected tx-started script-line tx-commit tx-committed" ] || {
		echo "unexpected step list: ${steps[*]}" >&2
		return 1
	}
	ir_matrix tx_cell "${steps[@]}"
}

@test "tx over /dev/xen/xenbus: SIGKILL before the commit leaves nothing" {
	printf '%s\n' "write $P/a 1" "write $P/b two" "write $P/c 3" >"$IR_DIR/script"
	IR_STDIN=$IR_DIR/script
	export XENSTORED_PATH=/dev/xen/xenbus
	IR_SIGNALS=KILL ir_matrix tx_cell script-line tx-commit tx-committed
}

restore_cell() {
	local step=$1 sig=$2 want got
	xenstore-rm "$P/dst" 2>/dev/null
	xsctl write "$P/dst/old" keep
	ir_start "$step" xsctl restore --replace --to "$P/dst" "$IR_DIR/dump" || return 1
	ir_stopped || return 1
	ir_hit "$sig" || return 1
	ir_want_rc $((128 + $(ir_signo "$sig"))) || return 1
	want="keep none none "
	[ "$step" = tx-committed ] && want="none x y "
	got=$(xsctl read --default none "$P/dst/old" "$P/dst/n1" "$P/dst/sub/n2" | tr '\n' ' ')
	[ "$got" = "$want" ] || ir_fail "store holds '$got', expected '$want'"
}

# bats test_tags=userspace
@test "restore --replace: every step x INT/TERM/KILL leaves the old subtree or the new one" {
	xsctl write "$P/src/n1" x "$P/src/sub/n2" y
	xsctl dump "$P/src" >"$IR_DIR/dump"
	xsctl write "$P/dst/old" keep
	mapfile -t steps < <(ir_steps xsctl restore --replace --to "$P/dst" "$IR_DIR/dump")
	echo "# steps: ${steps[*]}" >&2
	[ "${steps[*]}" = "connected tx-started removed node-written tx-commit tx-committed" ] || {
		echo "unexpected step list: ${steps[*]}" >&2
		return 1
	}
	ir_matrix restore_cell "${steps[@]}"
}
