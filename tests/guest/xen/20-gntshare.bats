#!/usr/bin/env bats
# gntshare in a Xen PV dom0 (profiles xen and xen-ocaml): dom0 grants pages
# to itself (domid 0) through gntalloc and maps them back through gntdev,
# which test-bench.md measured to work, and the last test maps them from a
# PV domU started with xl create. Each test leaves no grant behind.
# bats file_tags=gntshare

bats_require_minimum_version 1.5.0
load "$BATS_TEST_DIRNAME/../../assert"
load "$BATS_TEST_DIRNAME/domu"
LIMIT_PARAM=/sys/module/xen_gntalloc/parameters/limit
# A hung device call fails its test instead of the whole guest run.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-240}

setup() {
	GS=${GS:-gntshare}
	T=$BATS_TEST_TMPDIR
	command -v "$GS" >/dev/null || {
		echo "gntshare is not installed in the guest" >&2
		return 1
	}
}

teardown() {
	# Whatever a failed test left holding: released here, not in the next test.
	[ -n "${SH_PID:-}" ] && kill -TERM "$SH_PID" 2>/dev/null && wait "$SH_PID" 2>/dev/null
	[ -n "${SAVED_LIMIT:-}" ] && echo "$SAVED_LIMIT" >"$LIMIT_PARAM"
	xenstore-rm /local/domain/0/gs-test 2>/dev/null
	domu_kept gs-domu || xl destroy gs-domu 2>/dev/null
	return 0
}

teardown_file() { domu_destroy_kept; }

# share ARGS...: starts a holding sharer for domain SH_DOMID (default 0);
# REFS is its refs line.
start_share() {
	"$GS" share --domid "${SH_DOMID:-0}" --hold "$@" >"$T/refs" 2>"$T/share.err" &
	SH_PID=$!
	for _ in $(seq 200); do
		[ -s "$T/refs" ] && break
		kill -0 "$SH_PID" 2>/dev/null || break
		sleep 0.05
	done
	REFS=$(head -n 1 "$T/refs")
	[ -n "$REFS" ] || {
		echo "share printed no refs: $(cat "$T/share.err")" >&2
		return 1
	}
}

# stop_share SIG: ends the sharer and checks its exit status (128 + SIG).
stop_share() {
	local sig=${1:-TERM} want rc=0
	kill -"$sig" "$SH_PID"
	wait "$SH_PID" || rc=$?
	SH_PID=
	case $sig in INT) want=130 ;; TERM) want=143 ;; KILL) want=137 ;; esac
	[ "$rc" -eq "$want" ] || {
		echo "share ended with $rc after SIG$sig, expected $want: $(cat "$T/share.err")" >&2
		return 1
	}
}

@test "round trip through domid 0: 1, 16 and 256 pages read back identical" {
	for n in 1 16 256; do
		head -c $((n * 4096)) /dev/urandom >"$T/in"
		start_share --pages "$n" --from "$T/in"
		[ "$(echo "$REFS" | wc -w)" -eq "$n" ]
		run "$GS" map --domid 0 $REFS --to "$T/out"
		[ "$status" -eq 0 ] || { echo "map $n pages: $output"; return 1; }
		cmp "$T/in" "$T/out"
		stop_share TERM
	done
}

@test "a short --from is zero-padded; --json prints domid, count, refs, index" {
	printf 'abc' >"$T/in"
	"$GS" --json share --domid 0 --pages 2 --from "$T/in" >"$T/rec" </dev/null
	grep -Eq '^\{"domid":0,"count":2,"refs":\[[0-9]+,[0-9]+\],"index":[0-9]+\}$' "$T/rec"
	start_share --pages 2 --from "$T/in"
	run "$GS" map --domid 0 $REFS --to "$T/out"
	[ "$status" -eq 0 ]
	{ printf 'abc'; head -c $((8192 - 3)) /dev/zero; } >"$T/want"
	cmp "$T/want" "$T/out"
	stop_share TERM
}

@test "writes through the mapping are seen by the sharer, --offset/--length/--hexdump" {
	start_share --pages 2 --to "$T/seen"
	printf 'hello' | "$GS" map --domid 0 $REFS --offset 4100 --from -
	run "$GS" map --domid 0 $REFS --offset 4096 --length 16 --hexdump
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "00001000  00 00 00 00 68 65 6c 6c  6f 00 00 00 00 00 00 00  |....hello.......|" ]
	[ "${lines[1]}" = "00001010" ]
	stop_share TERM
	[ "$(head -c 4105 "$T/seen" | tail -c 5)" = hello ]
	[ "$(stat -c %s "$T/seen")" -eq 8192 ]
}

@test "a read-only grant maps for reading; mapping it writable fails with exit 4 naming the ref" {
	printf 'ro' >"$T/in"
	start_share --pages 1 --readonly --from "$T/in"
	run "$GS" map --domid 0 $REFS --length 2
	[ "$status" -eq 0 ]
	[ "$output" = ro ]
	run "$GS" map --domid 0 $REFS --writable
	fails_with 4 "gntshare: ref $REFS of domain 0 is granted read-only: Permission denied (map it without --writable, --from or --notify-byte)"
	run "$GS" map --domid 0 $REFS --notify-byte 0
	exits_with 4
	stop_share TERM
}

@test "a ref that was not granted: exit 3 naming it, also behind good refs" {
	start_share --pages 1
	run "$GS" map --domid 0 $REFS 1000000
	exits_with 3
	[ "$output" = "gntshare: ref 1000000: domain 0 has no grant with this ref for this domain: No such file or directory (is the sharer still holding it, and did it grant this domain?)" ]
	stop_share TERM
	# Once released, the sharer's own ref is gone too.
	run "$GS" map --domid 0 $REFS
	exits_with 3
}

@test "gntalloc notify: the sharer's release clears the byte in the peer's mapping, only that byte" {
	printf '\001\002' >"$T/in"
	# Page 1 starts with the same bytes: the control that stays.
	{ cat "$T/in"; head -c 4094 /dev/zero; cat "$T/in"; } >"$T/in2"
	start_share --pages 2 --from "$T/in2" --notify-byte 0
	"$GS" map --domid 0 $REFS --hold --to "$T/mapped" 2>"$T/map.err" &
	map_pid=$!
	sleep 1
	# The mapper holds: the sharer's release cannot free the pages yet, but
	# since Linux 5.17 (XSA-396) gntalloc gives their slots under the limit
	# back at once and leaves the pages to the deferred grant-end queue.
	stop_share TERM
	run "$GS" --json status
	[[ $output == *"\"available\": $(cat "$LIMIT_PARAM")"* ]]
	kill -TERM "$map_pid"
	rc=0
	wait "$map_pid" || rc=$?
	[ "$rc" -eq 143 ] || { echo "map: $rc $(cat "$T/map.err")"; return 1; }
	[ "$(od -An -tx1 -N2 "$T/mapped" | tr -d ' ')" = 0002 ]
	[ "$(od -An -tx1 -j4096 -N2 "$T/mapped" | tr -d ' ')" = 0102 ]
}

@test "gntdev notify: the mapper's unmap clears the byte in the sharer's pages" {
	printf '\001\002\003' >"$T/in"
	start_share --pages 1 --from "$T/in" --to "$T/seen"
	# A mapping without a notify leaves the page as it was ...
	"$GS" map --domid 0 $REFS --writable --length 1 >/dev/null
	# ... one with --notify-byte 1 clears byte 1 when it unmaps.
	run "$GS" map --domid 0 $REFS --notify-byte 1 --length 3 --to "$T/during"
	[ "$status" -eq 0 ]
	stop_share TERM
	[ "$(od -An -tx1 -N3 "$T/during" | tr -d ' ')" = 010203 ]
	[ "$(od -An -tx1 -N3 "$T/seen" | tr -d ' ')" = 010003 ]
}

@test "map --to a FIFO: the grants are unmapped before the write waits for a reader" {
	# A regular file is written straight from the mapping; anything that
	# may block gets a copy, so a reader that never comes holds no grant.
	printf '\001\002\003' >"$T/in"
	mkfifo "$T/fifo"
	start_share --pages 1 --from "$T/in" --to "$T/seen"
	"$GS" map --domid 0 $REFS --notify-byte 1 --length 3 --to "$T/fifo" 2>"$T/map.err" &
	map_pid=$!
	sleep 1
	# map waits for a reader of the FIFO: its unmap (and notify) came first.
	kill -0 "$map_pid"
	stop_share TERM
	[ "$(od -An -tx1 -N3 "$T/seen" | tr -d ' ')" = 010003 ]
	[ "$(od -An -tx1 -N3 "$T/fifo" | tr -d ' ')" = 010203 ]
	rc=0
	wait "$map_pid" || rc=$?
	[ "$rc" -eq 0 ] || { echo "map: $rc $(cat "$T/map.err")"; return 1; }
}

@test "share --from a pipe or a grown file: read whole first; a short regular file read into the pages" {
	head -c 5000 /dev/urandom >"$T/in"
	# Not a regular file: read into memory first, size known only then.
	run "$GS" share --domid 0 --pages 1 --from <(cat "$T/in") --exec true
	exits_with 2
	[[ $output == *"is larger than 1 page (4096 bytes)"* ]]
	"$GS" share --domid 0 --pages 2 --from <(cat "$T/in") --exec \
		sh -c "$GS map --domid 0 \$GNTSHARE_REFS --length 5000 --to $T/out"
	cmp "$T/in" "$T/out"
	# A regular file: its size checked by fstat, its bytes read straight in.
	"$GS" share --domid 0 --pages 2 --from "$T/in" --exec \
		sh -c "$GS map --domid 0 \$GNTSHARE_REFS --to $T/out2"
	cmp "$T/in" <(head -c 5000 "$T/out2")
	[ "$(tail -c +5001 "$T/out2" | tr -d '\0' | wc -c)" -eq 0 ]
}

# bats test_tags=xenstore
@test "--publish writes refs, domid and count; map --refs-from reads them (1000 refs span several nodes)" {
	head -c $((1000 * 4096)) /dev/urandom >"$T/in"
	start_share --pages 1000 --from "$T/in" --publish /local/domain/0/gs-test
	[ "$(xenstore-read /local/domain/0/gs-test/count)" = 1000 ]
	[ "$(xenstore-read /local/domain/0/gs-test/domid)" = 0 ]
	# The line is longer than a store value may be (2048 bytes under
	# oxenstored's default quota): it continues in refs-1, refs-2...
	[ "${#REFS}" -gt 2048 ]
	published=$(xenstore-read /local/domain/0/gs-test/refs)
	[ "${#published}" -le 2048 ]
	for i in 1 2 3 4; do
		xenstore-exists /local/domain/0/gs-test/refs-$i || break
		published="$published $(xenstore-read /local/domain/0/gs-test/refs-$i)"
	done
	[ "$i" -ge 2 ]
	[ "$published" = "$REFS" ]
	run "$GS" map --refs-from /local/domain/0/gs-test --to "$T/out"
	[ "$status" -eq 0 ]
	cmp "$T/in" "$T/out"
	# A second share may not take the node over.
	run "$GS" share --domid 0 --publish /local/domain/0/gs-test </dev/null
	exits_with 6
	[[ $output == "gntshare: --publish /local/domain/0/gs-test: File exists (another share uses it? remove it or pick another path)" ]]
	stop_share TERM
	run xenstore-exists /local/domain/0/gs-test
	[ "$status" -ne 0 ]
}

# Issue 17: the domid was taken from the node as written, whoever wrote it.
# bats test_tags=xenstore
@test "map --refs-from refuses a domid that is not the node's owner (exit 4)" {
	# dom0 owns these nodes but names domain 7: a claim, not who published.
	xenstore-write /local/domain/0/gs-test "" /local/domain/0/gs-test/count 1 \
		/local/domain/0/gs-test/domid 7 /local/domain/0/gs-test/refs 8
	run "$GS" map --refs-from /local/domain/0/gs-test --to "$T/out"
	fails_with 4 "gntshare: --refs-from /local/domain/0/gs-test: domid 7 is not the node's owner (domain 0): refusing to map (only the owner's own domid is trusted)"
	[ ! -e "$T/out" ]
}

# Issue 17: count, domid and refs were three reads outside a transaction.
# bats test_tags=xenstore
@test "map --refs-from reads count, domid and refs in one transaction: a republish in between is seen whole" {
	local pid st
	head -c $((2 * 4096)) /dev/urandom >"$T/in"
	start_share --pages 2 --from "$T/in" --publish /local/domain/0/gs-test
	HVUTILS_STEP_STOP=refs-count-read "$GS" map --refs-from /local/domain/0/gs-test \
		--to "$T/out" 2>"$T/map.err" &
	pid=$!
	for _ in $(seq 250); do
		st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)
		[ "$st" = T ] || [ -z "$st" ] || [ "$st" = Z ] && break
		sleep 0.02
	done
	[ "$st" = T ] || { kill -KILL "$pid"; echo "map never stopped at refs-count-read: $(cat "$T/map.err")"; return 1; }
	# Republished meanwhile as one page (one transaction, as xenstore-write does).
	xenstore-write /local/domain/0/gs-test/count 1 /local/domain/0/gs-test/refs "${REFS%% *}"
	# It stops at the step again each time it reads anew: let it go on.
	kill -CONT "$pid"
	for _ in $(seq 250); do
		st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)
		case $st in '' | Z) break ;; T) kill -CONT "$pid" ;; esac
		sleep 0.02
	done
	wait "$pid" || { echo "map failed: $(cat "$T/map.err")"; return 1; }
	# Either view, never a mix of both: 2 pages before, 1 page after.
	head -c 4096 "$T/in" >"$T/page0"
	cmp "$T/in" "$T/out" || cmp "$T/page0" "$T/out"
	stop_share TERM
}

# bats test_tags=xenstore
@test "the published node is gone after every clean release: EOF, SIGINT, --exec" {
	"$GS" share --domid 0 --publish /local/domain/0/gs-test </dev/null >/dev/null
	run xenstore-exists /local/domain/0/gs-test
	[ "$status" -ne 0 ]
	start_share --publish /local/domain/0/gs-test
	xenstore-exists /local/domain/0/gs-test
	stop_share INT
	run xenstore-exists /local/domain/0/gs-test
	[ "$status" -ne 0 ]
	run "$GS" share --domid 0 --publish /local/domain/0/gs-test \
		--exec sh -c 'xenstore-read "$GNTSHARE_PUBLISH/count"; exit 7'
	exits_with 7
	[ "${lines[1]}" = "1" ]
	run xenstore-exists /local/domain/0/gs-test
	[ "$status" -ne 0 ]
}

@test "--exec: the child gets the refs in its environment and its exit status is ours" {
	printf 'xyz' >"$T/in"
	run "$GS" share --domid 0 --pages 3 --from "$T/in" --exec \
		sh -c 'echo "$GNTSHARE_DOMID $GNTSHARE_COUNT"; gntshare map --domid 0 $GNTSHARE_REFS --length 3'
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]]
	[ "${lines[1]}" = "0 3" ]
	[ "${lines[2]}" = xyz ]
	run -127 "$GS" share --domid 0 --exec /nonexistent/cmd
	[[ $output == *"gntshare: --exec /nonexistent/cmd: No such file or directory"* ]]
}

@test "SIGINT, SIGTERM and SIGKILL while holding leak nothing: the whole limit allocates again" {
	limit=$(cat "$LIMIT_PARAM")
	for sig in INT TERM KILL; do
		start_share --pages 64
		stop_share "$sig"
		[ ! -s "$T/share.err" ] || [ "$sig" = KILL ]
	done
	# A sharer killed with --exec's child still running releases too.
	"$GS" share --domid 0 --pages 8 --exec sleep 30 >/dev/null &
	pid=$!
	sleep 0.5
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 143 ]
	run "$GS" share --domid 0 --pages "$limit" </dev/null
	[ "$status" -eq 0 ] || { echo "full limit $limit: $output"; return 1; }
	run "$GS" --json status
	[ "$status" -eq 0 ]
	[[ $output == *"\"available\": $limit"* ]]
	[[ $output == *'"domid": 0'* ]]
}

@test "lowered limit: ENOSPC says the limit and how to raise it, exit 8" {
	SAVED_LIMIT=$(cat "$LIMIT_PARAM")
	echo 4 >"$LIMIT_PARAM"
	run "$GS" share --domid 0 --pages 5 </dev/null
	fails_with 8 "gntshare: cannot grant 5 pages to domain 0: No space left on device (gntalloc allows 4 grants system-wide, 5 asked; raise it: echo 5 > $LIMIT_PARAM)"
	# Within the limit but with others holding: the other hint, and status shows it.
	start_share --pages 3
	run "$GS" share --domid 0 --pages 2 </dev/null
	exits_with 8
	[[ $output == *"gntalloc allows 4 grants system-wide and others hold some"* ]]
	run "$GS" status
	[[ $output == *"available:       1 grants"* ]]
	[[ $output == *"hint:            other processes hold grants"* ]]
	stop_share TERM
	run "$GS" share --domid 0 --pages 4 </dev/null
	[ "$status" -eq 0 ]
}

# evtchn-peer: an event channel loopback; prints the port to notify.
start_peer() {
	/tests/guest/xen/evtchn-peer 10000 >"$T/ep" 2>&1 &
	EP_PID=$!
	for _ in $(seq 100); do
		[ -s "$T/ep" ] && break
		sleep 0.05
	done
	PORT=$(head -n 1 "$T/ep")
	[[ $PORT =~ ^[0-9]+$ ]] || { echo "evtchn-peer: $(cat "$T/ep")" >&2; return 1; }
}

@test "--notify-port: share signals the port when it releases, map when it unmaps" {
	start_peer
	"$GS" share --domid 0 --notify-port "$PORT" </dev/null >/dev/null
	wait "$EP_PID"
	grep -q '^event on port' "$T/ep"
	start_share --pages 1
	start_peer
	"$GS" map --domid 0 $REFS --notify-port "$PORT" >/dev/null
	wait "$EP_PID"
	stop_share TERM
}

@test "--notify-port on a port that is not bound: exit 2, and the grant is released anyway" {
	run "$GS" share --domid 0 --notify-port 4000 </dev/null
	fails_with 2 "gntshare: --notify-port 4000: Invalid argument (the port must be a bound event channel of this domain)"
	run "$GS" --json status
	[[ $output == *"\"available\": $(cat "$LIMIT_PARAM")"* ]]
}

# bats test_tags=xenstore
@test "a PV domU started with xl create maps the refs dom0 published, checks them, acks through the page" {
	# Paused until the refs are published: the domU finds them at once.
	# Its evtchn job comes next, for the evtchn test below (domu_keep).
	domu_create gs-domu gntshare,evtchn "$T"
	head -c 8192 /dev/urandom >"$T/in"
	SH_DOMID=$domid start_share --pages 2 --from "$T/in" --to "$T/seen" \
		--publish "/local/domain/$domid/data/gs"
	[ "$(xenstore-read "/local/domain/$domid/data/gs/domid")" = 0 ]
	xl unpause gs-domu
	# The domU boots under TCG on the one CPU dom0 also uses: a watch, not a
	# polling loop (a fork a second; once in CI its sleep died of SIGSEGV).
	xsctl wait --timeout 150 "/local/domain/$domid/data/gs-result" || true
	result=$(xenstore-read "/local/domain/$domid/data/gs-result" 2>/dev/null) || result=
	[ "$result" = "ok $(md5sum <"$T/in" | cut -d' ' -f1)" ] || {
		echo "domU result: '$result'" >&2
		domu_console gs-domu
		return 1
	}
	domu_keep gs-domu
	stop_share TERM
	[ "$(head -c 2061 "$T/seen" | tail -c 13)" = "ACK from domU" ]
	run xenstore-exists "/local/domain/$domid/data/gs"
	[ "$status" -ne 0 ]
}

# ---- evtchn ---------------------------------------------------------------

# No port of a gntshare process is left bound (the kernel names each
# descriptor's interrupts evtchn:<command>).
no_gntshare_ports() {
	! grep -q 'evtchn:gntshare' /proc/interrupts
}

@test "evtchn in dom0: alloc --exec, a bind that kicks and waits, notify and wait both ways, close" {
	export GS T
	run --separate-stderr "$GS" evtchn alloc --domid 0 --exec sh -c '
		# Another process binds our port, kicks it and waits for the answer.
		"$GS" evtchn bind --domid 0 --remote-port "$GNTSHARE_PORT" --notify --wait \
			--timeout 30 >"$T/bport" 2>"$T/berr" &
		b=$!
		"$GS" evtchn wait --timeout 30 || exit 10
		"$GS" evtchn notify || exit 11
		wait $b || exit 12
		# Nothing more comes: the next wait times out.
		"$GS" evtchn wait --timeout 0.3 2>"$T/werr"
		[ $? -eq 7 ] || exit 13
		"$GS" evtchn close || exit 14
		"$GS" evtchn notify 2>"$T/nerr"
		[ $? -eq 3 ] || exit 15
		echo "$GNTSHARE_DOMID $GNTSHARE_PORT"'
	echo "stderr: $stderr; bind: $(cat "$T/berr" 2>/dev/null)"
	[ "$status" -eq 0 ]
	port=${lines[0]}
	[[ $port =~ ^[0-9]+$ ]]
	[ "${lines[1]}" = "0 $port" ]
	[[ $(cat "$T/bport") =~ ^[0-9]+$ ]]
	[ "$(cat "$T/werr")" = "gntshare: evtchn wait: no event on port $port within 300 ms" ]
	[ "$(cat "$T/nerr")" = "gntshare: evtchn notify: port $port: No such file or directory (not bound on this descriptor: closed, or bound by another process)" ]
	no_gntshare_ports
}

@test "evtchn alloc --wait times out with exit 7 after printing the port; bind of a port nobody allocated exits 2" {
	run --separate-stderr "$GS" evtchn alloc --domid 0 --wait --timeout 0.5
	exits_with 7
	[[ $output =~ ^[0-9]+$ ]]
	[ "$stderr" = "gntshare: evtchn alloc: no event on port $output within 500 ms" ]
	run "$GS" evtchn bind --domid 0 --remote-port "$output"
	exits_with 2
	[[ $output == "gntshare: evtchn bind --domid 0 --remote-port "*": Invalid argument (the remote port must be one that domain allocated for this domain and nobody bound yet)" ]]
	# Xen checks the remote domain when the port is bound, not when it is made.
	run "$GS" evtchn bind --domid 4242 --remote-port 5
	fails_with 3 "gntshare: evtchn bind --domid 4242: No such process (no such domain)"
	run "$GS" evtchn alloc --domid 4242 </dev/null
	[ "$status" -eq 0 ]
	no_gntshare_ports
}

@test "evtchn alloc holds its port until EOF, a line per event (-j too); notify from another process exits 3" {
	mkfifo "$T/in"
	"$GS" -j evtchn alloc --domid 0 <"$T/in" >"$T/out" 2>"$T/err" &
	SH_PID=$!
	exec 5>"$T/in"
	for _ in $(seq 100); do
		[ -s "$T/out" ] && break
		sleep 0.05
	done
	[[ $(head -n 1 "$T/out") =~ ^\{\"port\":\ ([0-9]+),\ \"domid\":\ 0\}$ ]]
	port=${BASH_REMATCH[1]}
	# A bind that kicks and lets go at once (EOF on its stdin).
	"$GS" evtchn bind --domid 0 --remote-port "$port" --notify </dev/null >/dev/null
	for _ in $(seq 100); do
		grep -q '^{"event": ' "$T/out" && break
		sleep 0.05
	done
	[ "$(sed -n 2p "$T/out")" = "{\"event\": $port}" ]
	# The port is the alloc's descriptor's: another one cannot use it.
	run "$GS" evtchn notify --fd 6 "$port" 6<>/dev/xen/evtchn
	fails_with 3 "gntshare: evtchn notify: port $port: No such file or directory (not bound on this descriptor*"
	exec 5>&-
	wait "$SH_PID"
	SH_PID=
	no_gntshare_ports
}

@test "evtchn between dom0 and a PV domU: alloc in dom0, bind in the domU, notify and wait both ways" {
	# The gntshare test's domU, its evtchn job waiting for data/ev-port.
	REUSED=
	domu_reuse gs-domu && REUSED=1
	[ -n "$REUSED" ] || domu_create gs-domu evtchn "$T"
	export GS domid REUSED
	# dom0 makes the port, tells the domU, lets it run, waits for its kick,
	# answers, and waits for its second kick (the proof it got the answer).
	run --separate-stderr "$GS" evtchn alloc --domid "$domid" --exec sh -c '
		xsctl write "/local/domain/$domid/data/ev-port" "$GNTSHARE_PORT" || exit 9
		[ -n "$REUSED" ] || xl unpause gs-domu || exit 9
		"$GS" evtchn wait --timeout 150 || exit 10
		"$GS" evtchn notify || exit 11
		"$GS" evtchn wait --timeout 150 || exit 12'
	st=$status
	xsctl wait --timeout 60 "/local/domain/$domid/data/ev-result" || true
	result=$(xsctl read "/local/domain/$domid/data/ev-result" 2>/dev/null) || result=
	echo "dom0 alloc: $st $output $stderr; domU: $result"
	# The domU's bind printed its port, and its wait after the exchange
	# timed out on that port.
	[ "$st" -eq 0 ] &&
		[[ $result =~ ^0\ ([0-9]+)\ gntshare:\ evtchn\ wait:\ no\ event\ on\ port\ ([0-9]+)\ within\ 1000\ ms$ ]] &&
		[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] || {
		domu_console gs-domu
		return 1
	}
	xl destroy gs-domu
	no_gntshare_ports
}
