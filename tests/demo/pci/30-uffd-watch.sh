#!/bin/bash
# The demo's uffd-watch part: what this kernel offers, a small program's
# first touches traced page by page, and a Firecracker-style restore served,
# recorded and served again with the working set installed up front.
set -uo pipefail

. "$(dirname "$0")/../lib.sh"

T=/tests/uffd
D=$(mktemp -d /tmp/uffd-demo.XXXXXX)
trap 'rm -rf "$D"' EXIT

echo "== uffd-watch: page faults through userfaultfd =="
run uffd-watch probe
echo
echo "# A program touching pages 3, 1, 7 (written) and 0 of a 64 KiB mapping:"
run uffd-watch run --trace --stats --min-size 64K -- "$T/uffd-touch" -p 16 -o 3,1,7w,0 -x 3
echo
echo "# Which pages does it write? (write-protect mode)"
run uffd-watch run --mode wp --trace --min-size 64K -- "$T/uffd-touch" -p 16 -o 0,1,2,2w,5w
echo
echo "# A fork: the child's faults carry its own pid"
run uffd-watch run --trace --min-size 64K -- "$T/uffd-forker"
echo
echo "# serve: a Firecracker-protocol client restores 32 pages from a memory file"
"$T/uffd-fc-client" make-memory "$D/mem" 32
uffd-watch serve --socket "$D/s.sock" --memory "$D/mem" --record "$D/ws" --stats --timeout 10s &
run "$T/uffd-fc-client" run "$D/s.sock" "$D/mem" -o 3,20,1,17
wait
run cat "$D/ws"
echo "# ...and again with the recorded working set installed before the first fault"
uffd-watch serve --socket "$D/s.sock" --memory "$D/mem" --prefetch "$D/ws" --stats --timeout 10s &
run "$T/uffd-fc-client" run "$D/s.sock" "$D/mem" -R -o 3,20,1,17
wait
