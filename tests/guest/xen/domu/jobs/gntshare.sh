#!/bin/sh
# domU side of tests/guest/xen/20-gntshare.bats: map the refs dom0 published
# under this domain's data/gs (relative path: /local/domain/<self>/...),
# report the content's md5 in data/gs-result, write an acknowledgement into
# the shared page for dom0 to read back.
echo "domU: gntshare job starts at $(cut -d' ' -f1 /proc/uptime) s"
i=0
until gntshare map --refs-from data/gs --to /tmp/content 2>/tmp/err; do
	i=$((i + 1))
	if [ $i -ge 150 ]; then
		xenstore-write data/gs-result "error: $(cat /tmp/err)"
		exit 1
	fi
	usleep 200000
done
sum=$(md5sum /tmp/content | cut -d' ' -f1)
if ! printf 'ACK from domU' | gntshare map --refs-from data/gs --offset 2048 --from - 2>/tmp/err; then
	xenstore-write data/gs-result "error: ack: $(cat /tmp/err)"
	exit 1
fi
xenstore-write data/gs-result "ok $sum"
rc=$?
echo "domU: gntshare job done at $(cut -d' ' -f1 /proc/uptime) s"
exit $rc
