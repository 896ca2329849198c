# shellcheck shell=bash
# Shared set-up of the uffd-watch bats suites, on the host and in the pci
# guest (HV_TOP=/, the tool installed in /usr/bin, this tree at /tests).
#
# uffd_setup PROGRAM [jq]: finds uffd-watch (UW) and the test programs (TU),
# and checks the prerequisites: the tool, tests/uffd/PROGRAM, jq when asked
# for, root (userfaultfd with vm.unprivileged_userfaultfd=0). With CI=true a
# missing one fails the test instead of skipping it (skip_or_fail).
# shellcheck source=tests/assert.bash
. "$(dirname "${BASH_SOURCE[0]}")/../assert.bash"
uffd_setup() {
	if [ -z "${UW:-}" ]; then
		UW=$HV_TOP/tools/uffd-watch/uffd-watch
		[ -x "$UW" ] || UW=$(command -v uffd-watch || echo "$UW")
	fi
	TU=${TU:-$HV_TOP/tests/uffd}
	[ -x "$UW" ] || skip_or_fail "uffd-watch not built ($UW)"
	[ -x "$TU/$1" ] || skip_or_fail "test programs not built (make check-build)"
	if [ "${2:-}" = jq ]; then
		command -v jq >/dev/null || skip_or_fail "jq"
	fi
	[ "$(id -u)" = 0 ] || skip_or_fail "root (userfaultfd with vm.unprivileged_userfaultfd=0)"
	# shellcheck disable=SC2034 # used by the suites that source this
	W=$BATS_TEST_TMPDIR
}
