#!/bin/sh
# domU side of tests/guest/xen/21-gntshare-vchan.bats' interop rounds with
# Xen's own vchan-socket-proxy on the domU's side. For each size N of
# data/vc-sizes, round I = 1, 2, ...: once dom0 says its listener is there
# (data/vc-go-I: the proxy's client connects once, without waiting), the
# proxy's client receives what gntshare listen in dom0 offers at
# /local/domain/0/data/gs-vchan-I; then its server offers N bytes of random
# data at /local/domain/<self>/data/gs-vchan-I (their sha256 in
# data/vc-sent-I once sent) to gntshare connect in dom0.
# "RC1 SHA256-RECEIVED RC2 ERRORS" goes to data/vc-result-I.
echo "domU: vchan-proxy job starts at $(cut -d' ' -f1 /proc/uptime) s"
me=$(xsctl read domid)
sizes=$(xsctl read data/vc-sizes 2>/dev/null) || sizes=1048576
i=0
for size in $sizes; do
	i=$((i + 1))
	xsctl wait --timeout 120 "data/vc-go-$i" 2>/tmp/err0
	# Its input stays open: the end of dom0's stream is what ends it.
	rm -f /tmp/hold
	mkfifo /tmp/hold
	sleep 280 >/tmp/hold &
	hold=$!
	{
		timeout 280 vchan-socket-proxy 0 "/local/domain/0/data/gs-vchan-$i" - </tmp/hold 2>/tmp/err1
		echo $? >/tmp/rc1
	} | sha256sum >/tmp/sum
	kill "$hold"
	# At once, for a dom0 whose listener saw the client go too early.
	xsctl write "data/vc-client-$i" "$(cat /tmp/rc1) $(cat /tmp/err0 /tmp/err1)"
	rm -f /tmp/tap
	mkfifo /tmp/tap
	sha256sum </tmp/tap >/tmp/sent &
	head -c "$size" /dev/urandom | tee /tmp/tap |
		timeout 280 vchan-socket-proxy -m server 0 "/local/domain/$me/data/gs-vchan-$i" - \
			>/dev/null 2>/tmp/err2
	rc2=$?
	wait
	xsctl write "data/vc-sent-$i" "$(cut -d' ' -f1 /tmp/sent)"
	xsctl write "data/vc-result-$i" \
		"$(cat /tmp/rc1) $(cut -d' ' -f1 /tmp/sum) $rc2 $(cat /tmp/err0 /tmp/err1 /tmp/err2)"
	echo "domU: vchan-proxy round $i ($size bytes) done at $(cut -d' ' -f1 /proc/uptime) s"
done
