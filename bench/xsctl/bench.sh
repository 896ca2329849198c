#!/bin/bash
# bench/xsctl/bench.sh: xsctl side by side with Xen's xenstore-* clients, in
# one run, inside the xen bench guest's dom0 (started by bench/xsctl/run).
# Prints one "# " line per measurement and the ratio xsctl / peer (below 1.0
# means xsctl is faster). Each pair runs alternately, ROUNDS times; the best
# time of each side counts (the guest shares two host cores with others).
set -euo pipefail

ROUNDS=${ROUNDS:-2}
READS=${READS:-200}
WRITES=${WRITES:-500}
NODES=${NODES:-10000}
B=/xsctl-bench
work=$(mktemp -d)
trap 'rm -rf "$work"; xenstore-rm $B 2>/dev/null || true' EXIT

# Microseconds (bash's own clock: busybox date has no %N).
now() { echo "${EPOCHREALTIME/./}"; }
# best NAME CMD...: runs CMD, keeps the smallest wall time in ms in best_NAME.
declare -A best=()
timed() {
	local name=$1 t0 t1 ms
	shift
	t0=$(now)
	"$@" >/dev/null
	t1=$(now)
	ms=$(((t1 - t0) / 1000))
	if [[ -z ${best[$name]:-} || $ms -lt ${best[$name]} ]]; then
		best[$name]=$ms
	fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
report() {
	local what=$1 mine=$2 peer=$3 goal=$4
	printf '# %-44s xsctl %6d ms  peer %6d ms  ratio %s  (goal %s)\n' \
		"$what" "${best[$mine]}" "${best[$peer]}" "$(ratio "${best[$mine]}" "${best[$peer]}")" "$goal"
}

reads_xsctl() { for ((i = 0; i < READS; i++)); do xsctl read $B/r; done; }
reads_xen() { for ((i = 0; i < READS; i++)); do xenstore-read $B/r; done; }
writes_tx() { xsctl tx -f "$work/writes"; }
writes_batch() { xsctl batch -f "$work/writes"; }
writes_xen() { for ((i = 0; i < WRITES; i++)); do xenstore-write $B/w/k$i v$i; done; }
writes_xen_one() { xenstore-write "${pairs[@]}"; }
tree_xsctl() { xsctl tree -f $B/t; }
tree_xen() { xenstore-ls -f $B/t; }

echo "# xsctl benchmark: $(xsctl --version), $XENSTORED_FLAVOUR daemon (${XENSTORED_FLAVOUR:+xenstored flavour }$(readlink "/proc/$(cat /run/xenstored.pid)/exe" 2>/dev/null || echo ?))"
libs() { LD_TRACE_LOADED_OBJECTS=1 "$1" | awk '{print $1}' | tr '\n' ' '; }
echo "# xsctl loads: $(libs "$(command -v xsctl)")"
echo "# xenstore-read loads: $(libs "$(command -v xenstore-read)")"

xsctl write $B/r value
for ((i = 0; i < WRITES; i++)); do echo "write $B/w/k$i v$i"; done >"$work/writes"
pairs=()
for ((i = 0; i < WRITES; i++)); do pairs+=("$B/w/k$i" "v$i"); done

for ((r = 0; r < ROUNDS; r++)); do
	timed read_x reads_xsctl
	timed read_p reads_xen
	xenstore-rm $B/w 2>/dev/null || true
	timed tx_x writes_tx
	xenstore-rm $B/w
	timed batch_x writes_batch
	xenstore-rm $B/w
	timed one_p writes_xen_one
	xenstore-rm $B/w
done
# 500 processes take most of a minute in a PV dom0: once is enough.
timed write_p writes_xen
xenstore-rm $B/w

report "$READS x read (one process each)" read_x read_p "<= 1.00"
report "$WRITES writes: xsctl tx vs $WRITES xenstore-write" tx_x write_p "<= 0.05 (>= 20x)"
report "$WRITES writes: xsctl batch vs $WRITES xenstore-write" batch_x write_p "<= 0.05 (>= 20x)"
report "$WRITES writes: xsctl tx vs one xenstore-write" tx_x one_p "(reference)"

# A 10,000-node tree: 100 directories of 100 leaves, written by batch.
t0=$(now)
for ((d = 0; d < NODES / 100; d++)); do
	for ((l = 0; l < 100; l++)); do echo "write $B/t/d$d/n$l value-$d-$l"; done
done | xsctl batch
echo "# built the $NODES-node tree with one xsctl batch in $((($(now) - t0) / 1000)) ms"
n_x=$(xsctl tree -f $B/t | wc -l)
n_p=$(xenstore-ls -f $B/t | wc -l)
echo "# lines printed: xsctl tree -f $n_x, xenstore-ls -f $n_p"
for ((r = 0; r < ROUNDS; r++)); do
	timed tree_x tree_xsctl
	timed tree_p tree_xen
done
report "tree -f vs xenstore-ls -f, $n_x nodes" tree_x tree_p "<= 1.00"
