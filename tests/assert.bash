# shellcheck shell=bash
# Assertions shared by the bats suites (host and guest: the guest has this
# tree at /tests). Load with: load "$BATS_TEST_DIRNAME/../assert" (host) or
# load "$BATS_TEST_DIRNAME/../../assert" (guest).

# skip_or_fail REASON: a missing prerequisite skips the test, and fails it
# with CI=true: CI must never pass what it did not run.
skip_or_fail() {
	if [ "${CI:-}" = true ]; then
		echo "missing prerequisite: $*" >&2
		return 1
	fi
	skip "$*"
}

# fails_with CODE PATTERN: after `run`, the command exited CODE and printed
# exactly one line (the brief's one-line error) matching the glob PATTERN.
# status, output and lines are set by bats' run.
# shellcheck disable=SC2154
fails_with() {
	local code=$1 pattern=$2
	[ "$status" -eq "$code" ] || {
		echo "expected exit $code, got $status: $output" >&2
		return 1
	}
	[ "${#lines[@]}" -eq 1 ] || {
		echo "expected one line, got: $output" >&2
		return 1
	}
	# shellcheck disable=SC2053 # PATTERN is a glob on purpose
	[[ $output == $pattern ]] || {
		echo "message '$output' does not match '$pattern'" >&2
		return 1
	}
}

# exits_with CODE: after `run`, the command exited CODE. For a status whose
# output is legitimately not one message line (data on stdout, a trace, a
# killed process, a program's exit passed on): prints the output when the
# status differs. A tool's one-line error is checked with fails_with.
# shellcheck disable=SC2154
exits_with() {
	[ "$status" -eq "$1" ] || {
		echo "expected exit $1, got $status: $output" >&2
		return 1
	}
}
