#!/usr/bin/env bats
# Load: 16 processes doing transactional read-increment-write cycles on the
# same nodes of a real store (profiles xen: C xenstored, xen-ocaml:
# oxenstored). Every cycle is one `xsctl tx` run; xsctl re-runs a conflicting
# script by itself (man xsctl: tx, --retries), so the counters must come out
# exact and every run must exit 0. Half of the workers talk to the daemon's
# socket, half go through /dev/xen/xenbus. The conflicts are counted from the
# -v notes: a run without any would not have tested concurrency at all.
#
# Sizes: one xsctl start in the TCG-emulated PV dom0 costs tens of ms; the
# cycles per worker keep each test near 10 s on a busy 2-core host (measured:
# 8.4-10.2 s for 16 x 8 single increments; 16 x 6 three-counter runs with a
# reader 19.5 s on oxenstored, hence 5; 9.3 s for 16 x 5 without retries).

LOAD_WORKERS=16
LOAD_N=${LOAD_N:-8}
LOAD_N3=${LOAD_N3:-5}
LOAD_NBUSY=${LOAD_NBUSY:-5}

setup() {
	command -v xsctl >/dev/null || {
		echo "xsctl is not installed in the guest" >&2
		return 1
	}
	T=/xsctl-load/$BATS_TEST_NUMBER
	D=$BATS_TEST_TMPDIR
	unset XENSTORED_PATH
}

teardown() {
	local p
	for p in ${PIDS[@]+"${PIDS[@]}"}; do kill "$p" 2>/dev/null; done
	xenstore-rm /xsctl-load 2>/dev/null
	return 0
}

# Milliseconds (busybox date has no %N).
now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# worker ID N SCRIPT: N runs of `xsctl -v tx -f SCRIPT`; odd ids over the
# xenbus device. Failed runs leave "exit CODE" lines in $D/fail.ID, the
# conflict notes and any error go to $D/err.ID.
worker() {
	local id=$1 n=$2 script=$3 via=() i
	[ $((id % 2)) -eq 0 ] || via=(--xenbus)
	for ((i = 0; i < n; i++)); do
		xsctl "${via[@]}" -v tx -f "$script" >>"$D/out.$id" 2>>"$D/err.$id" ||
			echo "exit $?" >>"$D/fail.$id"
	done
}

# start_workers N SCRIPT: LOAD_WORKERS workers in the background.
start_workers() {
	local i
	PIDS=()
	for ((i = 0; i < LOAD_WORKERS; i++)); do
		worker "$i" "$1" "$2" &
		PIDS+=($!)
	done
}

any_worker_alive() {
	local p
	for p in "${PIDS[@]}"; do ! kill -0 "$p" 2>/dev/null || return 0; done
	return 1
}

wait_workers() {
	local p
	for p in "${PIDS[@]}"; do wait "$p"; done
	PIDS=()
}

# Prints the conflicts seen; fails (with the evidence) on a failed run or a
# line on stderr that is not a conflict note.
check_workers() {
	local fails other conflicts
	fails=$(cat "$D"/fail.* 2>/dev/null | wc -l)
	other=$(cat "$D"/err.* 2>/dev/null | grep -v ': conflict, re-running ' || true)
	conflicts=$(cat "$D"/err.* 2>/dev/null | grep -c ': conflict, re-running ' || true)
	if [ "$fails" -ne 0 ] || [ -n "$other" ]; then
		echo "$fails failed runs; stderr other than conflict notes:" >&2
		echo "$other" | head -20 >&2
		return 1
	fi
	echo "$conflicts"
}

# bats test_tags=load
@test "16 processes x N tx read-increment-write cycles of one counter lose nothing" {
	local t0 t1 conflicts
	xsctl write $T/c 0
	# One read-modify-write per run: incr reads, adds and writes inside tx.
	echo "incr -q $T/c" >"$D/script"
	t0=$(now_ms)
	start_workers "$LOAD_N" "$D/script"
	wait_workers
	t1=$(now_ms)
	conflicts=$(check_workers)
	echo "# $XENSTORED_FLAVOUR: $LOAD_WORKERS x $LOAD_N tx, $conflicts conflicts re-run," \
		"$((t1 - t0)) ms" >&3
	[ "$(xsctl read $T/c)" -eq $((LOAD_WORKERS * LOAD_N)) ]
	# Conflicts happened, so the retries were exercised (16 writers of one
	# node on one CPU: each request blocks, another runs in its window).
	[ "$conflicts" -gt 0 ]
}

# bats test_tags=load
@test "16 processes x N tx incrementing three counters stay equal in every snapshot" {
	local t0 t1 conflicts r snaps=0
	xsctl write $T/a 0 $T/b 0 $T/c 0
	# A read in the middle widens the window in which others can commit.
	printf 'incr -q %s\nread %s\nincr -q %s\nincr -q %s\n' $T/a $T/a $T/b $T/c >"$D/script"
	echo "read $T/a $T/b $T/c" >"$D/snap"
	t0=$(now_ms)
	start_workers "$LOAD_N3" "$D/script"
	# Meanwhile a reader takes snapshots in read-only transactions: the
	# three values are always equal (the daemon commits all or nothing).
	while any_worker_alive; do
		r=$(xsctl tx -f "$D/snap" | tr '\n' ' ')
		snaps=$((snaps + 1))
		read -r a b c <<<"$r"
		[ "$a" = "$b" ] && [ "$b" = "$c" ] || {
			echo "snapshot $snaps not atomic: $r" >&2
			return 1
		}
	done
	wait_workers
	t1=$(now_ms)
	conflicts=$(check_workers)
	echo "# $XENSTORED_FLAVOUR: $LOAD_WORKERS x $LOAD_N3 3-counter tx, $conflicts conflicts" \
		"re-run, $snaps snapshots, $((t1 - t0)) ms" >&3
	r=$((LOAD_WORKERS * LOAD_N3))
	[ "$(xsctl read $T/a $T/b $T/c | tr '\n' ' ')" = "$r $r $r " ]
	# Each run printed the value it read, once: held back until its commit,
	# a re-run's output is dropped. So the printed values are exactly 1..N*16.
	[ "$(cat "$D"/out.* | sort -n | uniq | wc -l)" -eq "$r" ]
	[ "$(cat "$D"/out.* | wc -l)" -eq "$r" ]
	[ "$(cat "$D"/out.* | sort -n | tail -1)" -eq "$r" ]
	[ "$snaps" -gt 1 ]
	[ "$conflicts" -gt 0 ]
}

# bats test_tags=load
@test "with --retries 0 under the same load, conflicts fail with exit 6 and are not applied" {
	local ok=0 busy=0 other=0 i p rc t0 t1
	xsctl write $T/c 0
	echo "incr -q $T/c" >"$D/script"
	t0=$(now_ms)
	PIDS=()
	for ((i = 0; i < LOAD_WORKERS; i++)); do
		(
			for ((k = 0; k < LOAD_NBUSY; k++)); do
				rc=0
				xsctl tx --retries 0 -f "$D/script" 2>>"$D/err.$i" || rc=$?
				echo "$rc" >>"$D/rc.$i"
			done
		) &
		PIDS+=($!)
	done
	for p in "${PIDS[@]}"; do wait "$p"; done
	PIDS=()
	t1=$(now_ms)
	for rc in $(cat "$D"/rc.*); do
		case $rc in
		0) ok=$((ok + 1)) ;;
		6) busy=$((busy + 1)) ;;
		*) other=$((other + 1)) ;;
		esac
	done
	echo "# $XENSTORED_FLAVOUR: $ok committed, $busy refused with exit 6, $((t1 - t0)) ms" >&3
	[ "$other" -eq 0 ]
	[ $((ok + busy)) -eq $((LOAD_WORKERS * LOAD_NBUSY)) ]
	# The counter counts the commits exactly: a refused run changed nothing.
	[ "$(xsctl read $T/c)" -eq "$ok" ]
	[ "$busy" -gt 0 ]
	# And each refusal said so in one line.
	[ "$(cat "$D"/err.* | wc -l)" -eq "$busy" ]
	[ "$(grep -c 'xsctl: tx: transaction still conflicting after 0 retries' "$D"/err.* |
		awk -F: '{ s += $NF } END { print s }')" -eq "$busy" ]
}
