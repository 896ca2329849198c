# shellcheck shell=bash
# Shared set-up of the lguest-run suites: tests/host/lguest-run.bats (every
# argument and image error, no KVM needed) and tests/lguest/tiny-guests.bats
# (the tiny guests of tests/lguest/*.S on a real KVM: in the pci guest,
# tests/guest/pci/41-lguest-run-tiny.bats, and on a host with a usable
# /dev/kvm). Sets LG (the tool: the build tree on the host, the installed
# one in a guest where HV_TOP=/), G (the test guests) and T.

lg_setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	LG=$HV_TOP/tools/lguest-run/lguest-run
	[ -x "$LG" ] || LG=$(command -v lguest-run) || {
		echo "lguest-run is not built: run make" >&2
		return 1
	}
	G=$HV_TOP/tests/lguest
	[ -f "$G/hello.img" ] || {
		echo "test guests are not built: run make check-build" >&2
		return 1
	}
	unset LGUEST_RUN_KVM LGUEST_RUN_HIDE_CAP
	# shellcheck disable=SC2034 # used by the suites
	T=$BATS_TEST_TMPDIR
}

# shellcheck source=tests/assert.bash
. "$(dirname "${BASH_SOURCE[0]}")/../assert.bash"

# BZ: the Debian bzImage (linux-image-amd64; in the pci image by extra.sh).
need_bzimage() {
	local k
	for k in /boot/vmlinuz-*; do
		[ -f "$k" ] && {
			# shellcheck disable=SC2034 # used by the suites
			BZ=$k
			return 0
		}
	done
	skip_or_fail "no /boot/vmlinuz-* (Debian: linux-image-amd64)"
}

need_lzma() {
	# Under tests/valgrind/run LG is a wrapper: ask the real binary.
	local bin=$LG
	[ -z "${HV_VALGRIND_REAL_TOP:-}" ] || bin=$HV_VALGRIND_REAL_TOP/tools/lguest-run/lguest-run
	# An applet of hvutils has liblzma linked in: its decoder's message then.
	ldd "$bin" 2>/dev/null | grep -q liblzma || grep -qa 'corrupt xz data' "$bin" ||
		skip_or_fail "lguest-run built without liblzma (Debian: liblzma-dev)"
}

need_zstd() {
	local bin=$LG
	[ -z "${HV_VALGRIND_REAL_TOP:-}" ] || bin=$HV_VALGRIND_REAL_TOP/tools/lguest-run/lguest-run
	ldd "$bin" 2>/dev/null | grep -q libzstd || grep -qa 'truncated zstd data' "$bin" ||
		skip_or_fail "lguest-run built without libzstd (Debian: libzstd-dev)"
	command -v zstd >/dev/null || skip_or_fail "no zstd (Debian: zstd)"
}

# Milliseconds since the epoch (busybox date has no %N).
now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}
