#!/usr/bin/env bats
# vfio-bind bind and restore hit by SIGINT, SIGTERM and SIGKILL at every
# step (tests/interrupt.bash), on the e1000e. vfio-bind keeps the default
# dispositions: every signal ends it at once (128+N). What must hold is
# what the record promises: a later `restore` puts the device back on
# e1000e, driver_override cleared, the record removed.

load pci

setup() {
	command -v vfio-bind >/dev/null || {
		echo "vfio-bind is not installed in the guest image" >&2
		return 1
	}
	# shellcheck source=../../interrupt.bash
	. "$BATS_TEST_DIRNAME/../../interrupt.bash"
	IR_DIR=$BATS_TEST_TMPDIR
	DEV=$(devices 0x8086 0x10d3)
	[ -n "$DEV" ] || {
		echo "no e1000e in this machine" >&2
		return 1
	}
}

teardown() {
	vfio-bind restore --all >/dev/null 2>&1
	return 0
}

# After the interrupted command: restore, then the device is as it was.
restored() {
	local out
	out=$(vfio-bind restore "$DEV" 2>&1) || {
		ir_fail "restore failed: $out"
		return 1
	}
	[ "$(driver_of "$DEV")" = e1000e ] || {
		ir_fail "after restore the driver is $(driver_of "$DEV"), not e1000e"
		return 1
	}
	[ "$(cat "/sys/bus/pci/devices/$DEV/driver_override")" = "(null)" ] || {
		ir_fail "driver_override is $(cat "/sys/bus/pci/devices/$DEV/driver_override")"
		return 1
	}
	[ ! -e "/run/hvutils/vfio-bind/$DEV" ] || ir_fail "the record is left"
}

bind_cell() {
	ir_start "$1" vfio-bind bind "$DEV"
	ir_stopped || return 1
	ir_hit "$2" || return 1
	ir_want_rc $((128 + $(ir_signo "$2"))) || return 1
	restored
}

restore_cell() {
	vfio-bind -q bind "$DEV" || return 1
	ir_start "$1" vfio-bind restore "$DEV"
	ir_stopped || return 1
	ir_hit "$2" || return 1
	ir_want_rc $((128 + $(ir_signo "$2"))) || return 1
	restored
}

@test "bind: every step x INT/TERM/KILL, then restore: on e1000e, no override, no record" {
	mapfile -t steps < <(ir_steps vfio-bind bind "$DEV")
	vfio-bind restore "$DEV" >/dev/null
	echo "# steps: ${steps[*]}" >&2
	[ "${steps[*]}" = "modules record override unbind probe bound" ] || {
		echo "unexpected step list: ${steps[*]}" >&2
		return 1
	}
	ir_matrix bind_cell "${steps[@]}"
}

@test "restore: every step x INT/TERM/KILL, then restore again: on e1000e, no override, no record" {
	vfio-bind -q bind "$DEV"
	mapfile -t steps < <(ir_steps vfio-bind restore "$DEV")
	echo "# steps: ${steps[*]}" >&2
	[ "${steps[*]}" = "override unbind reprobe returned" ] || {
		echo "unexpected step list: ${steps[*]}" >&2
		return 1
	}
	ir_matrix restore_cell "${steps[@]}"
}
