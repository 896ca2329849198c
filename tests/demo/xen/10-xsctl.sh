#!/bin/bash
# The demo's xsctl part: what a user sees driving XenStore from dom0.
set -uo pipefail

. "$(dirname "$0")/../lib.sh"

echo "== xsctl: XenStore from the command line =="
run xsctl read -p /local/domain/0/name /local/domain/0/domid
run xsctl domain-path 0
run xsctl write /demo/greeting 'hello\tworld' /demo/blob 'a\x00b'
run xsctl tree -f -p /demo
sh_run "xsctl read -r /demo/blob | od -An -c"
run xsctl read /demo/missing
run xsctl wrte /demo/x 1
sh_run "(sleep 1; xsctl write /demo/state ready) & xsctl wait --value ready --timeout 10 /demo/state && echo ready"
run xsctl wait --gone --timeout 1 /demo/state
sh_run "xsctl watch -j -n 3 /demo/w & sleep 1; xsctl batch <<'END'
write /demo/w/a 1
write /demo/w/b 2
END
wait"
sh_run "xsctl tx <<'END'
incr /demo/counter
incr /demo/counter 41
read -p /demo/counter
END"
run xsctl chmod /demo/greeting n0 r5
run xsctl perms -j /demo/greeting
sh_run "xsctl dump /demo/w | xsctl restore --to /demo/copy - && xsctl ls -p /demo/copy"
run xsctl rm /demo
echo "-- the store daemon's own accounting: a domain's quotas and use, and its control commands"
run xsctl quota 0
run xsctl control quota 0
run xsctl control print "a line in the daemon's log, from the demo"
