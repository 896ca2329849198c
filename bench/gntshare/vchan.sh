#!/bin/bash
# bench/gntshare/vchan.sh: gntshare vchan next to Xen's vchan-socket-proxy,
# in one run, both ends in the xen bench guest's dom0 (domid 0; started by
# bench/gntshare/run). Throughput: MIB MiB of random data from a listening
# end (stdin a file) to a connecting one (stdout /dev/null), each tool with
# its default rings (gntshare 64 KiB, the proxy 1 and 2 KiB in the control
# page) and gntshare with 1 MiB rings. Latency: PINGS 1-byte round trips
# from a bash coprocess through a connecting end to a listening end whose
# data goes through cat and back. Best of ROUNDS; the bash loop costs the
# same on both sides. Prints "# " lines.
set -euo pipefail

ROUNDS=${ROUNDS:-2}
MIB=${MIB:-64}
PINGS=${PINGS:-100}
PROXY=${PROXY:-/usr/sbin/vchan-socket-proxy}
P=/local/domain/0/data/gs-bench
work=$(mktemp -d)
trap 'rm -rf "$work"; xenstore-rm "$P" 2>/dev/null || true' EXIT
cd "$work"

# busybox date has no %N: bash's clock, in microseconds.
now() { echo "${EPOCHREALTIME/./}"; }
declare -A best=()
keep() { # NAME MICROSECONDS
	if [[ -z ${best[$1]:-} || $2 -lt ${best[$1]} ]]; then best[$1]=$2; fi
}
wait_node() {
	for _ in $(seq 300); do xenstore-exists "$P/event-channel" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# ---- throughput: listen < in, connect > a reader of MIB MiB ----------------
# The time runs until the last byte is read: vchan-socket-proxy's server,
# after its last write, waits for one more event before it closes, which
# its own client may never send; what runs after that is killed.
through() { # SERVER-CMD... -- CLIENT-CMD...: microseconds
	local t0 t1 srv=() s c l
	while [[ $1 != -- ]]; do srv+=("$1"); shift; done
	shift
	rm -f data hold
	mkfifo data hold
	sleep 3600 >hold &
	l=$!
	t0=$(now)
	"${srv[@]}" <in >/dev/null 2>&1 &
	s=$!
	wait_node
	"$@" <hold >data &
	c=$!
	t1=$(head -c $((MIB << 20)) <data | wc -c >/dev/null; now)
	kill "$s" "$c" "$l" 2>/dev/null || true
	wait "$s" "$c" "$l" 2>/dev/null || true
	xenstore-rm "$P" 2>/dev/null || true
	echo $((t1 - t0))
}
tp_gntshare() { # [RING]
	through gntshare vchan listen --domid 0 --path "$P" ${1:+--ring-size "$1"} -- \
		gntshare vchan connect --domid 0 --path "$P" --receive-only
}
tp_proxy() {
	through "$PROXY" -m server 0 "$P" - -- "$PROXY" 0 "$P" -
}

# ---- latency: PINGS round trips through an echo (cat) at the listening end ---
pingpong() { # FD-IN FD-OUT: microseconds for PINGS round trips
	local t0 t1 _
	t0=$(now)
	for ((i = 0; i < PINGS; i++)); do
		printf x >&"$2"
		IFS= read -r -N 1 _ <&"$1"
	done
	t1=$(now)
	echo $((t1 - t0))
}
lat_gntshare() {
	local us
	gntshare vchan listen --domid 0 --path "$P" --exec cat &
	coproc GS { gntshare vchan connect --domid 0 --path "$P" --timeout 60; }
	us=$(pingpong "${GS[0]}" "${GS[1]}")
	eval "exec ${GS[1]}>&-"
	wait
	echo "$us"
}
lat_proxy() {
	local us
	mkfifo loop.fifo
	# The proxy's output back to its input through cat: an echo.
	# shellcheck disable=SC2094
	"$PROXY" -m server 0 "$P" - <loop.fifo | cat >loop.fifo &
	wait_node
	coproc PX { "$PROXY" 0 "$P" -; }
	us=$(pingpong "${PX[0]}" "${PX[1]}")
	eval "exec ${PX[1]}>&-"
	wait || true
	rm -f loop.fifo
	xenstore-rm "$P" 2>/dev/null || true
	echo "$us"
}

# ---- the same with the far end in a PV domU -----------------------------
# The domU (tests/guest/xen/domu, job remote) runs the commands dom0 writes
# to its data/cmd-N; a transfer is timed in dom0 until the domU's reader
# says it has read everything (data/done-N: a XenStore round, milliseconds
# against seconds). The ping-pong echo (cat) runs in the domU.
DOMU_NAME=vchan-bench
# The commands' numbers: in a file, as the timed parts run in $(...).
echo 0 >cmd.n
next_cmd() { # sets rn to the next command's number
	rn=$(($(cat cmd.n) + 1))
	echo "$rn" >cmd.n
}
remote() { # CMD: command number $rn, started in the domU in the background
	xenstore-write "$DU/data/cmd-$rn" "$1"
}
remote_done() { # waits for the domU's data/done-$rn
	xsctl wait --timeout 900 "$DU/data/done-$rn" >/dev/null
}
domu_up() {
	# shellcheck source=tests/guest/xen/domu.bash
	. /tests/guest/xen/domu.bash
	domu_create "$DOMU_NAME" remote "$work" >/dev/null
	DID=$domid
	DU=/local/domain/$DID
	DP=$DU/data/gs-bench
	xl unpause "$DOMU_NAME"
}
tpu_gntshare() { # dom0 listens (stdin the file), the domU reads to the end
	local t0 t1 s
	next_cmd
	t0=$(now)
	gntshare vchan listen --domid "$DID" --path "$P" <in >/dev/null 2>&1 &
	s=$!
	remote "gntshare vchan connect --domid 0 --path $P --receive-only | wc -c >/tmp/n; xsctl write data/done-$rn 1"
	remote_done
	t1=$(now)
	wait "$s" 2>/dev/null || true
	echo $((t1 - t0))
}
tpu_proxy() { # the proxy's server in dom0, its client in the domU
	local t0 t1 s
	next_cmd
	t0=$(now)
	"$PROXY" -m server "$DID" "$P" - <in >/dev/null 2>&1 &
	s=$!
	wait_node
	remote "sleep 3600 | vchan-socket-proxy 0 $P - | { head -c $((MIB << 20)) | wc -c >/tmp/n; xsctl write data/done-$rn 1; }"
	remote_done
	t1=$(now)
	kill "$s" 2>/dev/null || true
	wait "$s" 2>/dev/null || true
	xenstore-rm "$P" 2>/dev/null || true
	echo $((t1 - t0))
}
latu_gntshare() { # the echo listens in the domU
	local us
	next_cmd
	remote "gntshare vchan listen --domid 0 --path $DP-$rn --exec cat; xsctl write data/done-$rn 1"
	coproc GS { gntshare vchan connect --domid "$DID" --path "$DP-$rn" --timeout 60; }
	us=$(pingpong "${GS[0]}" "${GS[1]}")
	eval "exec ${GS[1]}>&-"
	wait "$GS_PID" 2>/dev/null || true
	remote_done
	echo "$us"
}
latu_proxy() {
	local us
	next_cmd
	remote "rm -f /tmp/loop; mkfifo /tmp/loop; vchan-socket-proxy -m server 0 $DP-$rn - </tmp/loop | cat >/tmp/loop"
	coproc PX {
		xsctl wait --timeout 60 "$DP-$rn/event-channel" >/dev/null
		"$PROXY" "$DID" "$DP-$rn" -
	}
	us=$(pingpong "${PX[0]}" "${PX[1]}")
	eval "exec ${PX[1]}>&-"
	kill "$PX_PID" 2>/dev/null || true
	wait "$PX_PID" 2>/dev/null || true
	echo "$us"
}

PEERS=${PEERS:-dom0 domU}
echo "# gntshare vchan benchmark: $(gntshare --version), $MIB MiB, $PINGS pings, best of $ROUNDS, far end in: $PEERS"
[[ -x $PROXY ]] || { echo "# no $PROXY in this image" >&2; exit 1; }
head -c $((MIB << 20)) /dev/urandom >in
mibs() { awk -v m="$MIB" -v us="$1" 'BEGIN { printf "%.1f", m / (us / 1e6) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
for peer in $PEERS; do
	best=()
	if [[ $peer == dom0 ]]; then
		for ((round = 0; round < ROUNDS; round++)); do
			keep tp_g "$(tp_gntshare)"
			keep tp_g1m "$(tp_gntshare 1M)"
			keep tp_p "$(tp_proxy)"
			keep lat_g "$(lat_gntshare)"
			keep lat_p "$(lat_proxy)"
		done
		printf '# dom0 -> dom0 throughput %d MiB: gntshare %s MiB/s (1 MiB rings: %s)  vchan-socket-proxy %s MiB/s  ratio %s  (goal >= 1.0)\n' \
			"$MIB" "$(mibs "${best[tp_g]}")" "$(mibs "${best[tp_g1m]}")" "$(mibs "${best[tp_p]}")" \
			"$(ratio "${best[tp_p]}" "${best[tp_g]}")"
		printf '# dom0 <-> dom0 ping-pong 1 byte: gntshare %d us  vchan-socket-proxy %d us per round trip  ratio %s  (goal <= 1.0)\n' \
			$((best[lat_g] / PINGS)) $((best[lat_p] / PINGS)) "$(ratio "${best[lat_g]}" "${best[lat_p]}")"
	else
		domu_up
		for ((round = 0; round < ROUNDS; round++)); do
			keep tp_g "$(tpu_gntshare)"
			keep tp_p "$(tpu_proxy)"
			keep lat_g "$(latu_gntshare)"
			keep lat_p "$(latu_proxy)"
		done
		xl destroy "$DOMU_NAME"
		printf '# dom0 -> domU throughput %d MiB: gntshare %s MiB/s  vchan-socket-proxy %s MiB/s  ratio %s  (goal >= 1.0)\n' \
			"$MIB" "$(mibs "${best[tp_g]}")" "$(mibs "${best[tp_p]}")" "$(ratio "${best[tp_p]}" "${best[tp_g]}")"
		printf '# dom0 <-> domU ping-pong 1 byte: gntshare %d us  vchan-socket-proxy %d us per round trip  ratio %s  (goal <= 1.0)\n' \
			$((best[lat_g] / PINGS)) $((best[lat_p] / PINGS)) "$(ratio "${best[lat_g]}" "${best[lat_p]}")"
	fi
done
