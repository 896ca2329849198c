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
