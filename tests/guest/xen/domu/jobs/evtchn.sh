#!/bin/sh
# domU side of tests/guest/xen/20-gntshare.bats' evtchn test: bind the port
# dom0 allocated for this domain (data/ev-port), kick dom0, wait for its
# answer, see a further wait time out, kick again. "EXIT LOCAL-PORT
# MESSAGES" goes to data/ev-result. It may run after another job, tests
# before dom0 writes the port: a watch, not a polling loop, which would
# take the CPU that dom0's tests share under TCG.
echo "domU: evtchn job starts at $(cut -d' ' -f1 /proc/uptime) s"
if ! xsctl wait --timeout 300 data/ev-port 2>/tmp/err || ! port=$(xsctl read data/ev-port); then
	xsctl write data/ev-result "error: no data/ev-port: $(cat /tmp/err)"
	exit 1
fi
gntshare evtchn bind --domid 0 --remote-port "$port" --exec sh -c '
	gntshare evtchn notify || exit 10
	gntshare evtchn wait --timeout 120 || exit 11
	gntshare evtchn wait --timeout 1 2>/tmp/werr
	[ $? -eq 7 ] || exit 12
	gntshare evtchn notify || exit 13' >/tmp/bport 2>/tmp/err
rc=$?
# On the console too: the suite shows it when the result is not as expected.
echo "domU: bind exited $rc, printed [$(cat /tmp/bport)], stderr [$(cat /tmp/err)]"
xsctl write data/ev-result "$rc $(cat /tmp/bport) $(cat /tmp/err /tmp/werr)"
echo "domU: evtchn job done at $(cut -d' ' -f1 /proc/uptime) s"
exit $rc
