#!/usr/bin/env bats
# Not a test: runs bench/xsctl/bench.sh inside the xen guest for
# bench/xsctl/run (tests/guest/run only boots suites). The script arrives in
# the image through tests/guest/xen/extra.sh; its report goes to the TAP
# output as comment lines.

@test "xsctl benchmark (bench/xsctl/bench.sh)" {
	[ -x /bench/xsctl/bench.sh ] || {
		echo "/bench/xsctl/bench.sh is not in the image (tests/guest/xen/extra.sh)" >&2
		return 1
	}
	bash /bench/xsctl/bench.sh >&3 2>&3
}
