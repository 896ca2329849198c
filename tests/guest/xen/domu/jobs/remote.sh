#!/bin/sh
# The benchmark's far end (bench/gntshare/vchan.sh): runs each command dom0
# writes to data/cmd-N (N = 1, 2, ...) in the background, in order; the
# commands report through XenStore themselves (data/done-N).
echo "domU: remote job starts at $(cut -d' ' -f1 /proc/uptime) s"
i=0
while xsctl wait --timeout 3600 "data/cmd-$((i + 1))" 2>/dev/null; do
	i=$((i + 1))
	sh -c "$(xsctl read "data/cmd-$i")" </dev/null >/tmp/out-$i 2>&1 &
done
