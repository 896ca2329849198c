#!/bin/sh
# domU side of tests/guest/xen/21-gntshare-vchan.bats: receive the stream
# dom0 offers at /local/domain/0/data/gs-vchan, then offer 1 MiB of random
# data to dom0 at /local/domain/<self>/data/gs-vchan (its sha256 written to
# data/vc-sent first). "RC1 SHA256-RECEIVED RC2 ERRORS" goes to
# data/vc-result.
echo "domU: vchan job starts at $(cut -d' ' -f1 /proc/uptime) s"
me=$(xsctl read domid)
{
	gntshare vchan connect --domid 0 --path /local/domain/0/data/gs-vchan --timeout 150 \
		--receive-only 2>/tmp/err1
	echo $? >/tmp/rc1
} | sha256sum >/tmp/sum
head -c 1048576 /dev/urandom >/tmp/in
xsctl write data/vc-sent "$(sha256sum </tmp/in | cut -d' ' -f1)"
gntshare vchan listen --domid 0 --path "/local/domain/$me/data/gs-vchan" --timeout 150 \
	</tmp/in 2>/tmp/err2
rc2=$?
xsctl write data/vc-result "$(cat /tmp/rc1) $(cut -d' ' -f1 /tmp/sum) $rc2 $(cat /tmp/err1 /tmp/err2)"
echo "domU: vchan job done at $(cut -d' ' -f1 /proc/uptime) s"
