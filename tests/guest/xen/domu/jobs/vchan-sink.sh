#!/bin/sh
# domU side of tests/guest/xen/21-gntshare-vchan.bats' domain death test:
# connect to dom0's stream and read it for ever; dom0 destroys this domain
# mid-stream.
echo "domU: vchan-sink job starts at $(cut -d' ' -f1 /proc/uptime) s"
gntshare vchan connect --domid 0 --path /local/domain/0/data/gs-vchan --timeout 150 \
	--receive-only >/dev/null
echo "domU: vchan-sink job: connect exited $?"
