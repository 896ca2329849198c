#!/usr/bin/env bats
# uffd-watch under load: 8 threads of tests/uffd/uffd-load fault at the same
# time on distinct pages (one owner each) and on shared pages (every thread
# reads every one), under `run --trace` and `serve --trace`. The trace is
# checked fault by fault against what each thread says it touched: no fault
# lost, none twice, none from a thread that did not touch the page; and the
# program checks the data it got. Needs root, jq and `make check-build`.

bats_require_minimum_version 1.5.0

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	# shellcheck source=../uffd/setup.bash
	. "$HV_TOP/tests/uffd/setup.bash"
	uffd_setup uffd-load jq
	# 8 threads x 512 distinct pages + 64 shared: 16.25 MiB, so --min-size 16M
	# registers this region and not the threads' 8 MiB stacks
	LOAD=(-t 8 -p 512 -s 64)
	PAGES=$((8 * 512 + 64))
}

# layout OUT: what uffd-load printed, as JSON for check
layout() {
	awk '$1 == "region" { r = $2; n = $3 }
	     $1 == "thread" { t = t sep "[" $2 "," $3 "," $4 "]"; sep = ","; d = $4 + 1 }
	     END { printf "{\"region\":\"%s\",\"total\":%d,\"distinct\":%d,\"threads\":[%s]}\n", r, n, d, t }' "$1"
}

# check TRACE OUT [exact|around]: prints one line per fault that is wrong,
# lost or doubled (nothing when the trace is right). exact: every distinct
# page faults once, as a write, from its owner; every shared page faults
# once per thread at most, at least once, as reads from the 8 threads; the
# --stats total equals the faults traced. around (fault-around on): a page
# may not fault at all, but a fault still comes from a thread that touched
# the page, at most once per thread.
check() {
	jq -rn --slurpfile ev "$1" --argjson x "$(layout "$2")" --arg how "${3:-exact}" '
	def owner($p): [$x.threads[] | select(.[1] <= $p and $p <= .[2]) | .[0]][0];
	[$x.threads[][0]] as $tids
	| [$ev[] | select(.event == "fault" and .mapping == $x.region)
	   | {p: (.offset / 4096 | floor), tid, kind}] as $f
	| ($f | group_by(.p) | map({key: (.[0].p | tostring), value: .}) | from_entries) as $by
	| [range(0; $x.distinct) as $p | ($by[$p | tostring] // []) as $l
	   | if $how == "exact" and ($l | length) != 1 then "page \($p): \($l | length) faults, expected 1"
	     elif ($l | length) > 1 then "page \($p): \($l | length) faults"
	     elif ($l | length) == 1 and $l[0].tid != owner($p) then "page \($p): fault from \($l[0].tid), only \(owner($p)) touched it"
	     elif ($l | length) == 1 and $l[0].kind != "write" then "page \($p): a \($l[0].kind) fault, it was written"
	     else empty end]
	+ [range($x.distinct; $x.total) as $p | ($by[$p | tostring] // []) as $l
	   | if $how == "exact" and ($l | length) < 1 then "shared page \($p): no fault"
	     elif ($l | map(.tid) | unique | length) != ($l | length) then "shared page \($p): one thread faulted twice"
	     elif any($l[]; .tid as $t | $tids | index([$t]) | not) then "shared page \($p): a fault from an unknown thread"
	     elif any($l[]; .kind != "read") then "shared page \($p): a write fault, it was only read"
	     else empty end]
	+ [$f[] | select(.p >= $x.total) | "page \(.p): outside the region"]
	+ ([$ev[] | select(.event == "stats") | .faults.total] as $s
	   | if $how == "exact" and $s != [$f | length] then ["stats count \($s) faults, the trace \($f | length)"] else [] end)
	+ (if ($x.threads | length) != 8 then ["\($x.threads | length) threads reported"] else [] end)
	| .[]'
}

@test "load: 8 threads under run --trace: every fault traced once, data right (3 runs)" {
	for _ in 1 2 3; do
		run timeout 60 "$UW" run --trace --json --stats --min-size 16M -o "$W/t" -- "$TU/uffd-load" "${LOAD[@]}"
		[ "$status" -eq 0 ]
		echo "$output" >"$W/out"
		run check "$W/t" "$W/out"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		# only shared pages can be resolved by another thread's fault
		jq -e 'select(.event == "stats") | .faults_resolved_by_another <= .faults.read' "$W/t"
	done
	# the check can fail: a lost fault and a doubled one are both named
	grep -v '"kind":"write"' "$W/t" >"$W/lost"
	grep -m1 '"kind":"write"' "$W/t" >>"$W/lost"
	run check "$W/lost" "$W/out"
	[[ "$output" == *"faults, expected 1"* ]]
	[[ "$output" == *"stats count"* ]]
	{ cat "$W/t"; grep -m1 '"kind":"read"' "$W/t"; } >"$W/dup"
	run check "$W/dup" "$W/out"
	[[ "$output" == *"one thread faulted twice"* ]]
}

@test "load: 8 threads under run --serve file: --trace: every fault once, pages from the file" {
	head -c $((PAGES * 4096)) /dev/urandom >"$W/content"
	run timeout 60 "$UW" run --serve "file:$W/content" --trace --json --stats --min-size 16M -o "$W/t" -- \
		"$TU/uffd-load" "${LOAD[@]}" -f "$W/content"
	[ "$status" -eq 0 ]
	echo "$output" >"$W/out"
	run check "$W/t" "$W/out"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# the data check can fail: zeros are not the file's bytes
	run "$UW" run --min-size 16M -- "$TU/uffd-load" "${LOAD[@]}" -f "$W/content"
	exits_with 1
	[[ "$output" == *"wrong content"* ]]
}

@test "load: 8 threads of a VMM under serve --trace: every fault once, pages from the memory file" {
	"$TU/uffd-fc-client" make-memory "$W/mem" "$PAGES"
	rm -f "$W/s.sock"
	"$UW" serve --socket "$W/s.sock" --memory "$W/mem" --timeout 10s --trace --json --stats \
		-o "$W/t" 2>"$W/serve.err" &
	serve=$!
	run timeout 60 "$TU/uffd-load" "${LOAD[@]}" -f "$W/mem" -c "$W/s.sock"
	wait "$serve"
	[ "$status" -eq 0 ]
	echo "$output" >"$W/out"
	run check "$W/t" "$W/out"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	jq -e 'select(.event == "stats") | .faults_resolved_by_another <= .faults.read' "$W/t"
}

@test "load: 8 threads with --fault-around auto: data right, no fault doubled, fewer faults" {
	head -c $((PAGES * 4096)) /dev/urandom >"$W/content"
	for serve in zero "file:$W/content"; do
		f=()
		[ "$serve" = zero ] || f=(-f "$W/content")
		run timeout 60 "$UW" run --serve "$serve" --fault-around auto --trace --json --stats --min-size 16M \
			-o "$W/t" -- "$TU/uffd-load" "${LOAD[@]}" "${f[@]}"
		[ "$status" -eq 0 ]
		echo "$output" >"$W/out"
		run check "$W/t" "$W/out" around
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		jq -e "select(.event == \"stats\") | .fault_around.pages_ahead > 0 and .faults.total < $PAGES" "$W/t"
	done
}
