#!/usr/bin/env bats
# Not a test: runs bench/gntshare/bench.sh inside the xen guest for
# bench/gntshare/run. The script and the reference program arrive in the
# image through tests/guest/xen/extra.sh; the report goes to the TAP output
# as comment lines.

@test "gntshare benchmark (bench/gntshare/bench.sh)" {
	[ -x /bench/gntshare/bench.sh ] && command -v gntshare-ref >/dev/null || {
		echo "bench.sh or gntshare-ref is not in the image (tests/guest/xen/extra.sh)" >&2
		return 1
	}
	bash /bench/gntshare/bench.sh >&3 2>&3
}

@test "gntshare vchan benchmark (bench/gntshare/vchan.sh)" {
	[ -x /bench/gntshare/vchan.sh ] || {
		echo "vchan.sh is not in the image (tests/guest/xen/extra.sh)" >&2
		return 1
	}
	bash /bench/gntshare/vchan.sh >&3 2>&3
}
