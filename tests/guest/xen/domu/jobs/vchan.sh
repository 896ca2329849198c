#!/bin/sh
# domU side of tests/guest/xen/21-gntshare-vchan.bats. For each size N of
# data/vc-sizes (default 1048576), round I = 1, 2, ...: receive the stream
# dom0 offers at /local/domain/0/data/gs-vchan-I, then offer N bytes of
# random data to dom0 at /local/domain/<self>/data/gs-vchan-I (their sha256
# written to data/vc-sent-I once sent). "RC1 SHA256-RECEIVED RC2 ERRORS" goes to
# data/vc-result-I.
echo "domU: vchan job starts at $(cut -d' ' -f1 /proc/uptime) s"
me=$(xsctl read domid)
sizes=$(xsctl read data/vc-sizes 2>/dev/null) || sizes=1048576
i=0
for size in $sizes; do
	i=$((i + 1))
	{
		gntshare vchan connect --domid 0 --path "/local/domain/0/data/gs-vchan-$i" \
			--timeout 150 --receive-only 2>/tmp/err1
		echo $? >/tmp/rc1
	} | sha256sum >/tmp/sum
	# Summed on the way out, not kept: 64 MiB would not fit in this domU.
	rm -f /tmp/tap
	mkfifo /tmp/tap
	sha256sum </tmp/tap >/tmp/sent &
	head -c "$size" /dev/urandom | tee /tmp/tap |
		gntshare vchan listen --domid 0 --path "/local/domain/$me/data/gs-vchan-$i" \
			--timeout 150 2>/tmp/err2
	rc2=$?
	wait
	xsctl write "data/vc-sent-$i" "$(cut -d' ' -f1 /tmp/sent)"
	xsctl write "data/vc-result-$i" \
		"$(cat /tmp/rc1) $(cut -d' ' -f1 /tmp/sum) $rc2 $(cat /tmp/err1 /tmp/err2)"
	echo "domU: vchan round $i ($size bytes) done at $(cut -d' ' -f1 /proc/uptime) s"
done
