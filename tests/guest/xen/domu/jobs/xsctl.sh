#!/bin/sh
# domU side of tests/guest/xen/10-xsctl.bats: this domain may not write the
# dom0 nodes named in its data/xsctl-target. Each attempt's exit status and
# one-line message go to data/xsctl-result (its own home, over xenbus).
target=$(xsctl read data/xsctl-target) || exit 1
# A new node under a dom0 directory this domain may read (its permissions
# are shown), then an existing dom0 node it may not even read.
xsctl write "$target/new" 1 2>/tmp/err1
rc1=$?
xsctl write "$target/x" 1 2>/tmp/err2
rc2=$?
xsctl write data/xsctl-result "$rc1 $(cat /tmp/err1)
$rc2 $(cat /tmp/err2)"
