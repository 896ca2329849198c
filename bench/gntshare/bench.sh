#!/bin/bash
# The op_* functions run through timed, which shellcheck cannot follow;
# their inner sh expands $GNTSHARE_REFS and $GNTREF_REFS itself.
# shellcheck disable=SC2317,SC2016
# bench/gntshare/bench.sh: gntshare side by side with a C program on Xen's
# libxengntshr/libxengnttab (gntshare-ref, same process structure), in one
# run, inside the xen bench guest's dom0 (started by bench/gntshare/run).
# One operation = share N pages filled from a file, map them in a child
# process, write them out, cmp with the input, release. Each side runs
# REPS operations per round, rounds alternate, the best round counts (the
# guest shares two host cores with other developers). Prints one "# " line
# per size with both times and the ratio gntshare / reference.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
REPS=${REPS:-5}
SIZES=${SIZES:-"1 64 1024"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# busybox date has no %N: bash's clock, in microseconds.
now() { echo "${EPOCHREALTIME/./}"; }
declare -A best=()
timed() {
	local name=$1 t0 t1 ms
	shift
	t0=$(now)
	for ((r = 0; r < REPS; r++)); do
		"$@" >/dev/null || {
			echo "# $name failed: $*" >&2
			return 1
		}
	done
	t1=$(now)
	ms=$(((t1 - t0) / 1000))
	if [[ -z ${best[$name]:-} || $ms -lt ${best[$name]} ]]; then
		best[$name]=$ms
	fi
}

op_gntshare() {
	gntshare share --domid 0 --pages "$1" --from "in.$1" --exec \
		sh -c 'gntshare map --domid 0 $GNTSHARE_REFS --to out && cmp in.'"$1"' out'
}
op_ref() {
	gntshare-ref share 0 "$1" "in.$1" \
		sh -c 'gntshare-ref map 0 out $GNTREF_REFS && cmp in.'"$1"' out'
}

echo "# gntshare benchmark: $(gntshare --version), $REPS operations per round, best of $ROUNDS"
echo "# gntshare needs: $(ldd "$(command -v gntshare)" | awk '{print $1}' | tr '\n' ' ')"
echo "# gntshare-ref needs: $(ldd "$(command -v gntshare-ref)" | awk '{print $1}' | tr '\n' ' ')"
rc=0
for n in $SIZES; do
	head -c $((n * 4096)) /dev/urandom >"in.$n"
	for ((round = 0; round < ROUNDS; round++)); do
		timed "g$n" op_gntshare "$n" || rc=1
		timed "r$n" op_ref "$n" || rc=1
	done
	[[ $rc -eq 0 ]] || break
	printf '# %5d pages: gntshare %6d ms  reference %6d ms  per op %5d / %5d ms  ratio %s  (goal <= 1.10)\n' \
		"$n" "${best[g$n]}" "${best[r$n]}" $((${best[g$n]} / REPS)) $((${best[r$n]} / REPS)) \
		"$(awk -v a="${best[g$n]}" -v b="${best[r$n]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
done
exit $rc
