#!/bin/bash
# The demo's gntshare part: dom0 grants a page to itself through gntalloc,
# maps it back through gntdev, and shows the bytes both ways.
set -uo pipefail

. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

echo "== gntshare: sharing memory through Xen grants =="
run gntshare status
sh_run "printf 'Hello from dom0 through a Xen grant' >msg"
# The sharer holds the page in the background until SIGTERM, and saves the
# page as it is at release, with what the mapper wrote.
sh_run "gntshare share --domid 0 --from msg --publish /local/domain/0/demo-share --to - --hexdump --hold >shared.out & echo \$! >share.pid; sleep 1; head -n 1 shared.out"
run xenstore-ls /local/domain/0/demo-share
sh_run "gntshare map --refs-from /local/domain/0/demo-share --length 64 --hexdump"
sh_run "printf 'ACK' | gntshare map --refs-from /local/domain/0/demo-share --offset 48 --from -"
sh_run "kill -TERM \$(cat share.pid); sleep 1; tail -n +2 shared.out | head -n 5"
run xenstore-exists /local/domain/0/demo-share
sh_run "gntshare map --domid 0 \$(head -n 1 shared.out)"
echo "(the grant ended with the share: the ref is gone)"

echo "-- a byte stream between domains (vchan, libxenvchan's format): the end of input ends the peer's stream"
P=/local/domain/0/demo-vchan
sh_run "gntshare vchan listen --domid 0 --path $P --timeout 30 --receive-only >received & sleep 1; seq 100000 | gntshare vchan connect --domid 0 --path $P --timeout 30; wait; wc -l <received; tail -n 1 received"
# connect's input stays open a while: its end would close the stream before the answer.
sh_run "gntshare vchan listen --domid 0 --path $P --timeout 30 --exec sh -c 'read -r line; echo \"the listener read: \$line\"' & sleep 1; { echo 'a line from dom0'; sleep 3; } | gntshare vchan connect --domid 0 --path $P --timeout 30; wait"
run xenstore-exists $P
echo "(the handshake's nodes left with the stream)"

echo "-- event channels: a port for --notify-port, kicked and waited on; the second wait times out (exit 7)"
sh_run "gntshare evtchn alloc --domid 0 --exec sh -c 'echo \"allocated port \$GNTSHARE_PORT\"; gntshare evtchn bind --domid 0 --remote-port \$GNTSHARE_PORT --notify >/dev/null & gntshare evtchn wait --timeout 10 && echo \"kicked by the bound end\"; wait; gntshare evtchn wait --timeout 0.5'"
