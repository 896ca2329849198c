#!/bin/sh
# domU side of tests/guest/xen/10-xsctl.bats' quota test: create nodes in
# this domain's home until the store refuses one, then report in
# data/quota-result "EXIT NODES-MADE ERROR-LINE". That node is made first:
# rewriting an existing node needs no new one, so the report fits in a
# full quota. dom0 says when the quota is set (data/quota-go): this job may
# run after another one, tests before.
xsctl wait --timeout 600 data/quota-go || exit 1
xsctl write data/quota-result "" || exit 1
# One connection for all of them; batch stops at the first refusal.
seq 1 1100 | sed 's|.*|write data/q/& x|' | xsctl batch 2>/tmp/err
rc=$?
n=$(xsctl ls data/q | wc -l)
xsctl write data/quota-result "$rc $n $(cat /tmp/err)"
