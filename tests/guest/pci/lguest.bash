# shellcheck shell=bash
# tests/guest/pci/lguest.bash: what the pci suites that boot the Debian
# kernel under lguest-run share (bats `load`). They set KERNEL.

# shellcheck source=tests/assert.bash
. "$(dirname "${BASH_SOURCE[0]}")/../../assert.bash"

# lg_prereqs FILE...: lguest-run, /dev/kvm, $KERNEL and each FILE of the
# image are there.
lg_prereqs() {
	local f
	[ -x "$(command -v lguest-run)" ] || skip_or_fail "lguest-run is not installed"
	[ -c /dev/kvm ] || skip_or_fail "no /dev/kvm (kvm_amd not loaded?)"
	for f in "$KERNEL" "$@"; do
		[ -e "$f" ] || skip_or_fail "no $f in the image (tests/guest/pci/extra.sh)"
	done
}

# has_line LINE: bats' $lines holds LINE. Console lines end in CR LF;
# compare without the CR.
has_line() {
	# shellcheck disable=SC2154 # bats' run sets lines
	printf '%s\n' "${lines[@]}" | tr -d '\r' | grep -qx -- "$1"
}
