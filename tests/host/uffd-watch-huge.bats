#!/usr/bin/env bats
# uffd-watch serve with 2 MiB hugetlbfs regions (page_size 2097152 in the
# handshake, as a VMM whose guest memory is huge-page backed sends): one
# UFFDIO_COPY of 2 MiB per fault, the record and the prefetch in huge pages,
# a balloon-removed huge page refilled with zeros. The test reserves 2 MiB
# pages with vm.nr_hugepages and puts the old value back (8 more: 16 MiB,
# which the pci guest's 1 GiB spares). Runs on the host and in the pci
# guest, on each kernel (tests/guest/pci/31-uffd-watch-huge.bats is this
# file). Needs root, jq and `make check-build`.

bats_require_minimum_version 1.5.0

HP=/proc/sys/vm/nr_hugepages

setup_file() {
	[ -w "$HP" ] || return 0
	cat "$HP" >"$BATS_FILE_TMPDIR/nr_hugepages"
	# serve's tests map at most 4 huge pages at a time
	echo $(($(cat "$HP") + 8)) >"$HP" || true
}

teardown_file() {
	[ -r "$BATS_FILE_TMPDIR/nr_hugepages" ] || return 0
	cat "$BATS_FILE_TMPDIR/nr_hugepages" >"$HP"
}

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	# shellcheck source=../uffd/setup.bash
	. "$HV_TOP/tests/uffd/setup.bash"
	uffd_setup uffd-fc-client jq
	free=$(awk '$1 == "HugePages_Free:" { print $2 }' /proc/meminfo)
	[ "${free:-0}" -ge 4 ] || skip_or_fail "4 free 2 MiB pages (vm.nr_hugepages: the kernel could not reserve them)"
}

serve_bg() {
	"$UW" serve --socket "$W/s.sock" --memory "$W/mem" --timeout 10s "$@" >"$W/serve.out" 2>"$W/serve.err" &
	SERVE=$!
}

@test "serve: 2 MiB regions get one 2 MiB copy per fault, every 4 KiB page right" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 1024
	serve_bg --stats --json
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -H
	[ "$status" -eq 0 ]
	[ "$output" = "ok 1024 pages" ]
	wait "$SERVE"
	jq -e '.faults.total == 2' "$W/serve.out"
}

@test "serve: the record lists huge pages; its prefetch leaves no fault" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 1024
	serve_bg --record "$W/rec" --stats --json
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -H -o 700,3,511
	[ "$status" -eq 0 ]
	wait "$SERVE"
	run grep -v '^#' "$W/rec"
	[ "$output" = "$(printf '0x200000\n0x0')" ]
	serve_bg --prefetch "$W/rec" --stats --json
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -H -R -o 700,3,511
	[ "$status" -eq 0 ]
	wait "$SERVE"
	jq -e '.faults.total == 0 and .prefetch.pages == 2' "$W/serve.out"
}

@test "serve: a huge page removed by the balloon is zero when touched again" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 1024
	serve_bg --stats --json
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -H -o 5,600 -d 5
	[ "$status" -eq 0 ]
	wait "$SERVE"
	jq -e '.faults.total == 3 and .events.remove == 1' "$W/serve.out"
}

@test "serve: a 2 MiB region not aligned to 2 MiB is rejected" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 1024
	serve_bg
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -t -j \
		'[{"base_host_virt_addr":4096,"size":2097152,"offset":0,"page_size":2097152}]'
	[ "$output" = closed ]
	st=0; wait "$SERVE" || st=$?
	[ "$st" -eq 1 ]
	grep -qF 'not a page-aligned user address' "$W/serve.err"
}

@test "serve: \"minor\" hugetlbfs regions: a huge page in the page cache is written and continued, a missing one copied" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 1024
	serve_bg --stats --json
	# The memfd's first huge page is in its page cache (garbage), the second is not.
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -H -M
	[ "$status" -eq 0 ]
	[ "$output" = "ok 1024 pages" ]
	wait "$SERVE"
	jq -e '.faults.minor == 1 and .faults.read == 1 and .written_to_backing_file == 512' "$W/serve.out"
}
