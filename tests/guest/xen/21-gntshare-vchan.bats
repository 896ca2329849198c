#!/usr/bin/env bats
# gntshare vchan in a Xen PV dom0 (profiles xen and xen-ocaml): a byte
# stream in libxenvchan's format, first with both ends in dom0 (domid 0),
# then between dom0 and a PV domU. Every test checks that nothing is left:
# no grant (gntshare status), no port (/proc/interrupts), no node.
# bats file_tags=gntshare
# Tagged xenstore: the dom0 handshakes through XenStore, which xen-ocaml
# repeats with oxenstored (a domU each is what the xen runs add). The 64 MiB
# transfer in dom0 is tagged load (6.1 only), those with a domU (gntshare's
# and vchan-socket-proxy's) long (make check-long).

bats_require_minimum_version 1.5.0
load "$BATS_TEST_DIRNAME/../../assert"
load "$BATS_TEST_DIRNAME/domu"
LIMIT_PARAM=/sys/module/xen_gntalloc/parameters/limit
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}
P=/local/domain/0/data/gs-vchan

setup() {
	GS=${GS:-gntshare}
	T=$BATS_TEST_TMPDIR
	command -v "$GS" >/dev/null || {
		echo "gntshare is not installed in the guest" >&2
		return 1
	}
}

teardown() {
	# A round's listener runs in a subshell: its pipeline goes too.
	for p in ${BG_PIDS:-}; do
		/tests/descendants "$p" | xargs -r kill -KILL 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	for n in "$P" "$P-1" "$P-2"; do xenstore-rm "$n" 2>/dev/null; done
	domu_kept gs-vchan || xl destroy gs-vchan 2>/dev/null
	return 0
}

teardown_file() { domu_destroy_kept; }

# Nothing of ours is left: every grant free again, no port bound.
nothing_left() {
	run "$GS" --json status
	[[ $output == *"\"available\": $(cat "$LIMIT_PARAM")"* ]] || {
		echo "grants still in use: $output" >&2
		return 1
	}
	! grep -q 'evtchn:gntshare' /proc/interrupts
}

# xfer SIZE: SIZE random bytes listen -> connect, then connect -> listen;
# both ends exit 0 (the receiver saw the end of the stream), data equal.
xfer() {
	local size=$1 rc=0
	head -c "$size" /dev/urandom >"$T/in"
	want=$(sha256sum <"$T/in" | cut -d' ' -f1)

	"$GS" vchan listen --domid 0 --path "$P" --timeout 60 <"$T/in" 2>"$T/l.err" &
	BG_PIDS=$!
	"$GS" vchan connect --domid 0 --path "$P" --timeout 60 --receive-only \
		>"$T/out" 2>"$T/c.err" || rc=$?
	wait "$BG_PIDS" || rc=$((rc + 100 * $?))
	BG_PIDS=
	[ "$rc" -eq 0 ] || {
		echo "listen->connect $size: $rc: $(cat "$T/l.err" "$T/c.err")" >&2
		return 1
	}
	[ "$(sha256sum <"$T/out" | cut -d' ' -f1)" = "$want" ]

	"$GS" vchan listen --domid 0 --path "$P" --timeout 60 --receive-only \
		>"$T/out" 2>"$T/l.err" &
	BG_PIDS=$!
	"$GS" vchan connect --domid 0 --path "$P" --timeout 60 <"$T/in" 2>"$T/c.err" || rc=$?
	wait "$BG_PIDS" || rc=$((rc + 100 * $?))
	BG_PIDS=
	[ "$rc" -eq 0 ] || {
		echo "connect->listen $size: $rc: $(cat "$T/l.err" "$T/c.err")" >&2
		return 1
	}
	[ "$(sha256sum <"$T/out" | cut -d' ' -f1)" = "$want" ]
	run xenstore-exists "$P"
	[ "$status" -ne 0 ]
}

# bats test_tags=xenstore
@test "vchan dom0<->dom0: 1 byte and 1 MiB both ways, checksums equal, the receiver ends with the stream" {
	xfer 1
	xfer 1048576
	nothing_left
}

# bats test_tags=load
@test "vchan dom0<->dom0: 64 MiB listen -> connect through 1 MiB rings" {
	head -c 67108864 /dev/urandom >"$T/in"
	want=$(sha256sum <"$T/in" | cut -d' ' -f1)
	"$GS" vchan listen --domid 0 --path "$P" --ring-size 1M --timeout 60 <"$T/in" \
		2>"$T/l.err" &
	BG_PIDS=$!
	start=$(date +%s)
	run --separate-stderr sh -c "'$GS' vchan connect --domid 0 --path '$P' --receive-only | sha256sum"
	wait "$BG_PIDS"
	BG_PIDS=
	echo "64 MiB in $(($(date +%s) - start)) s"
	[ "$status" -eq 0 ]
	[ "${output%% *}" = "$want" ]
	nothing_left
}

@test "vchan --exec: the command's stdout to the peer, the peer to its stdin" {
	export T
	"$GS" vchan listen --domid 0 --path "$P" --timeout 60 \
		--exec sh -c 'head -c 4 >"$T/got"; printf pong' 2>"$T/l.err" &
	BG_PIDS=$!
	# connect's input stays open: the listener's close ends the stream.
	mkfifo "$T/fifo"
	{ printf ping; exec sleep 60; } >"$T/fifo" 3>&- &
	writer=$!
	BG_PIDS="$BG_PIDS $writer"
	run --separate-stderr "$GS" vchan connect --domid 0 --path "$P" --timeout 60 <"$T/fifo"
	wait "${BG_PIDS%% *}"
	kill "$writer"
	BG_PIDS=
	[ "$status" -eq 0 ]
	[ "$output" = pong ]
	[ "$(cat "$T/got")" = ping ]
	nothing_left
}

@test "vchan: a receiver killed with SIGKILL mid-stream cuts the sender's stream, exit 10; grants and ports released" {
	"$GS" vchan connect --domid 0 --path "$P" --timeout 60 --receive-only >"$T/out" \
		2>/dev/null &
	BG_PIDS=$!
	# Killed once it has received something: mid-stream.
	(
		for _ in $(seq 600); do [ -s "$T/out" ] && break; sleep 0.1; done
		kill -KILL "$BG_PIDS"
	) 3>&- &
	run --separate-stderr "$GS" vchan listen --domid 0 --path "$P" --timeout 60 </dev/zero
	BG_PIDS=
	echo "listen: $status $stderr"
	exits_with 10
	[ "$stderr" = "gntshare: vchan listen: stream cut: domain 0 did not take all our input (it closed, or was killed, before reading all of it)" ]
	run xenstore-exists "$P"
	[ "$status" -ne 0 ]
	nothing_left
}

@test "vchan: a sender killed with SIGKILL ends the receiver's stream (exit 0: a close looks the same)" {
	"$GS" vchan listen --domid 0 --path "$P" --timeout 60 </dev/zero 2>/dev/null &
	BG_PIDS=$!
	(
		for _ in $(seq 600); do [ -s "$T/out" ] && break; sleep 0.1; done
		kill -KILL "$BG_PIDS"
	) 3>&- &
	rc=0
	"$GS" vchan connect --domid 0 --path "$P" --timeout 60 --receive-only >"$T/out" \
		2>"$T/c.err" || rc=$?
	BG_PIDS=
	[ "$rc" -eq 0 ] || { echo "connect: $rc $(cat "$T/c.err")" >&2; return 1; }
	[ -s "$T/out" ]
	# The killed listener could not remove its nodes.
	xenstore-rm "$P"
	nothing_left
}

# bats test_tags=xenstore
@test "vchan: --timeout when nobody comes (exit 7), SIGTERM on a waiting listener (exit 143), nodes removed" {
	run --separate-stderr "$GS" vchan connect --domid 0 --path "$P" --timeout 0.5
	exits_with 7
	[ "$stderr" = "gntshare: vchan connect: nobody listens at $P (domain 0) within 500 ms (is 'gntshare vchan listen' (or vchan-socket-proxy) running there?)" ]
	run --separate-stderr "$GS" vchan listen --domid 0 --path "$P" --timeout 0.5
	exits_with 7
	[ "$stderr" = "gntshare: vchan listen: nobody connected to $P within 500 ms" ]
	run xenstore-exists "$P"
	[ "$status" -ne 0 ]
	"$GS" vchan listen --domid 0 --path "$P" </dev/null 2>"$T/l.err" &
	BG_PIDS=$!
	xsctl wait --timeout 30 "$P/event-channel"
	kill -TERM "$BG_PIDS"
	rc=0
	wait "$BG_PIDS" || rc=$?
	BG_PIDS=
	[ "$rc" -eq 143 ]
	run xenstore-exists "$P"
	[ "$status" -ne 0 ]
	nothing_left
}

# bats test_tags=xenstore
@test "vchan connect refuses nodes the peer does not own (exit 4); usage errors" {
	xenstore-write "$P/ring-ref" 8
	xenstore-write "$P/event-channel" 9
	run "$GS" vchan connect --domid 1 --path "$P" --timeout 5
	fails_with 4 "gntshare: vchan connect: $P/ring-ref is not owned by domain 1: Permission denied (the listening domain writes the nodes: check --domid)"
	run "$GS" vchan connect --domid 0 --path "/local/domain/0/data/a-path-longer-than-libxenvchan-takes"
	fails_with 2 "gntshare: --path '*': 57 bytes, libxenvchan takes at most 49 (try 'gntshare --help')"
	run "$GS" vchan connect --domid 0 --path "$P" --ring-size 4096
	exits_with 2
}

# ---- interop with Xen's vchan-socket-proxy ----------------------------------
PROXY=/usr/sbin/vchan-socket-proxy

# bats test_tags=xenstore
@test "vchan interop: vchan-socket-proxy's server sends 1 MiB to gntshare connect, and gntshare listen to its client" {
	[ -x "$PROXY" ] || skip_or_fail "no vchan-socket-proxy in this image (xen-utils, make deps)"
	head -c 1048576 /dev/urandom >"$T/in"
	want=$(sha256sum <"$T/in" | cut -d' ' -f1)
	timeout 120 "$PROXY" -m server 0 "$P" - <"$T/in" >/dev/null 2>"$T/p.err" &
	BG_PIDS=$!
	rc=0
	timeout 120 "$GS" vchan connect --domid 0 --path "$P" --timeout 60 --receive-only \
		>"$T/out" 2>"$T/c.err" || rc=$?
	prc=0
	wait "$BG_PIDS" || prc=$?
	BG_PIDS=
	echo "proxy server: $prc $(cat "$T/p.err"); connect: $rc $(cat "$T/c.err")"
	[ "$rc" -eq 0 ]
	[ "$(sha256sum <"$T/out" | cut -d' ' -f1)" = "$want" ]
	xenstore-rm "$P" 2>/dev/null || true

	"$GS" vchan listen --domid 0 --path "$P" --timeout 60 <"$T/in" 2>"$T/l.err" &
	BG_PIDS=$!
	xsctl wait --timeout 30 "$P/event-channel"
	# The proxy's input stays open: our close ends its stream.
	mkfifo "$T/fifo"
	sleep 120 >"$T/fifo" 3>&- &
	BG_PIDS="$BG_PIDS $!"
	prc=0
	timeout 120 "$PROXY" 0 "$P" - <"$T/fifo" >"$T/out" 2>"$T/p.err" || prc=$?
	rc=0
	wait "${BG_PIDS%% *}" || rc=$?
	echo "proxy client: $prc $(cat "$T/p.err"); listen: $rc $(cat "$T/l.err")"
	[ "$rc" -eq 0 ]
	[ "$(sha256sum <"$T/out" | cut -d' ' -f1)" = "$want" ]
	nothing_left
}

# ---- dom0 <-> a PV domU -----------------------------------------------------
# Short-lived clients in this TCG dom0 have died of SIGSEGV now and then
# (xl destroy, xenstore-read; 20-gntshare.bats saw it in sleep): once more
# before failing.
destroy_domu() {
	xl destroy gs-vchan || { sleep 1; xl destroy gs-vchan; }
}
read_node() {
	xenstore-read "$1" 2>/dev/null || { sleep 1; xenstore-read "$1"; }
}

# domu_rounds JOB SIZE...: a domU running jobs/JOB.sh (vchan: gntshare
# vchan, vchan-proxy: Xen's vchan-socket-proxy; with DOMU_NEXT=JOB2 it
# runs jobs/JOB2.sh next and is kept for the next test), then per SIZE (round I):
# SIZE random bytes dom0 -> domU (dom0 listens at $P-I), then SIZE domU ->
# dom0 (the domU listens at its data/gs-vchan-I); every checksum equal, and
# with gntshare at both ends every exit status 0. The proxy's client connects once, without waiting for a
# server, so a vchan-proxy domU starts a round when dom0's nodes are there
# (data/vc-go-I); the gntshare domU's connect waits for them itself.
# The data streams through sha256sum on both sides, never into a file: 64
# MiB each way would not fit in the guests' RAM-backed /tmp.
domu_rounds() {
	local job=$1 i=0 size rc sent result DP want got sumpid
	shift
	domu_create gs-vchan "$job${DOMU_NEXT:+,$DOMU_NEXT}" "$T"
	xenstore-write "/local/domain/$domid/data/vc-sizes" "$*"
	DP=/local/domain/$domid/data/gs-vchan
	for size in "$@"; do
		i=$((i + 1))
		rm -f "$T/tap" "$T/c.rc"
		mkfifo "$T/tap"
		sha256sum <"$T/tap" >"$T/want" &
		sumpid=$!
		(
			set +e
			head -c "$size" /dev/urandom | tee "$T/tap" |
				"$GS" vchan listen --domid "$domid" --path "$P-$i" --timeout 150 \
					2>"$T/l.err"
			exit "${PIPESTATUS[2]}"
		) &
		# Named PIDs only: a bare wait would also wait for bats' own
		# timeout watcher, a child of this shell.
		BG_PIDS="$! $sumpid"
		if [ "$job" = vchan-proxy ]; then
			xsctl wait --timeout 60 "$P-$i/event-channel"
			xenstore-write "/local/domain/$domid/data/vc-go-$i" 1
		fi
		[ "$i" -gt 1 ] || xl unpause gs-vchan
		rc=0
		wait "${BG_PIDS%% *}" || rc=$?
		wait "$sumpid" || true
		BG_PIDS=
		[ "$rc" -eq 0 ] || {
			echo "$size: listen: $rc $(cat "$T/l.err")" >&2
			if [ "$job" = vchan-proxy ]; then
				xsctl wait --timeout 20 "/local/domain/$domid/data/vc-client-$i" || true
				echo "the proxy's client: $(read_node "/local/domain/$domid/data/vc-client-$i")" >&2
			fi
			domu_console gs-vchan
			return 1
		}
		want=$(cut -d' ' -f1 "$T/want")
		{
			timeout 280 "$GS" vchan connect --domid "$domid" --path "$DP-$i" --timeout 150 \
				--receive-only 2>"$T/c.err" || echo $? >"$T/c.rc"
		} | sha256sum >"$T/got"
		[ ! -e "$T/c.rc" ] || {
			echo "$size: connect: $(cat "$T/c.rc" "$T/c.err")" >&2
			domu_console gs-vchan
			return 1
		}
		xsctl wait --timeout 60 "/local/domain/$domid/data/vc-sent-$i" || true
		sent=$(read_node "/local/domain/$domid/data/vc-sent-$i")
		got=$(cut -d' ' -f1 "$T/got")
		[ "$got" = "$sent" ] || { echo "$size: domU -> dom0 differs" >&2; return 1; }
		xsctl wait --timeout 60 "/local/domain/$domid/data/vc-result-$i" || true
		result=$(read_node "/local/domain/$domid/data/vc-result-$i") || result=
		echo "$size: domU: $result"
		if [ "$job" = vchan-proxy ]; then
			# The proxy's exit statuses are printed, not judged: what it moved is.
			[ "$(echo "$result" | cut -d' ' -f2)" = "$want" ] || { domu_console gs-vchan; return 1; }
		else
			[ "$result" = "0 $want 0 " ] || { domu_console gs-vchan; return 1; }
		fi
		run xenstore-exists "$P-$i"
		[ "$status" -ne 0 ]
	done
	if [ -n "${DOMU_NEXT:-}" ]; then
		domu_keep gs-vchan
	else
		destroy_domu
	fi
	nothing_left
}

@test "vchan dom0<->PV domU: 1 byte and 1 MiB each way (dom0 listens, then the domU), checksums equal" {
	DOMU_NEXT=vchan-sink domu_rounds vchan 1 1048576
}

@test "vchan dom0<->PV domU: the domU destroyed mid-stream ends dom0's listen with exit 10" {
	local reused=false
	# The previous test's domU, its vchan-sink job waiting for dom0's nodes.
	if domu_reuse gs-vchan; then
		reused=true
	else
		domu_create gs-vchan vchan-sink "$T"
	fi
	"$GS" -v vchan listen --domid "$domid" --path "$P" --timeout 150 </dev/zero 2>"$T/l.err" &
	BG_PIDS=$!
	$reused || xl unpause gs-vchan
	for _ in $(seq 300); do
		grep -q "connected to domain" "$T/l.err" && break
		kill -0 "$BG_PIDS" 2>/dev/null || break
		sleep 0.5
	done
	grep -q "connected to domain" "$T/l.err" || { cat "$T/l.err" >&2; domu_console gs-vchan; return 1; }
	sleep 3
	destroy_domu
	rc=0
	wait "$BG_PIDS" || rc=$?
	BG_PIDS=
	echo "listen: $rc $(cat "$T/l.err")"
	[ "$rc" -eq 10 ]
	[[ $(tail -n 1 "$T/l.err") == "gntshare: vchan listen: "* ]]
	run xenstore-exists "$P"
	[ "$status" -ne 0 ]
	nothing_left
}

# About 150 s of TCG (64 KiB or 1 MiB rings alike): make check-long.
# bats test_tags=long
@test "vchan dom0<->PV domU: 64 MiB each way, checksums equal" {
	domu_rounds vchan 67108864
}

# Two programs' interop through the devices the rounds above cross on
# every kernel: userspace; xenstore for its handshake (xen-ocaml).
# bats test_tags=userspace,xenstore
@test "vchan interop with a PV domU: vchan-socket-proxy there receives 1 byte, then 1 MiB, from gntshare listen, and sends as much to gntshare connect" {
	[ -x "$PROXY" ] || skip_or_fail "no vchan-socket-proxy in this image"
	domu_rounds vchan-proxy 1 1048576
}

# The proxy's 1-2 KiB rings: about a minute of TCG for 64 MiB to dom0.
# bats test_tags=long
@test "vchan interop with a PV domU: 64 MiB each way between vchan-socket-proxy there and gntshare in dom0" {
	[ -x "$PROXY" ] || skip_or_fail "no vchan-socket-proxy in this image"
	domu_rounds vchan-proxy 67108864
}
