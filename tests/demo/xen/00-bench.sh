#!/bin/bash
# The demo's first xen part: the bench itself, as dom0 sees it. Xen's version
# and the store's top levels show that the hypervisor, xenfs and xenstored
# every later part relies on are up.
set -uo pipefail

echo "== The bench: Xen with a PV dom0, booted under QEMU =="
echo '$ xl info   (excerpt)'
xl info | grep -E '^(release|xen_version|xen_caps|xen_scheduler|total_memory|free_memory|xen_commandline) '
echo
echo "xenstored flavour: ${XENSTORED_FLAVOUR:-?}"
echo '$ xenstore-ls /   (three levels; the rest of the tree is cut)'
# xenstore-ls indents one space per level.
xenstore-ls / | awk '{ match($0, /^ */) } RLENGTH < 3' | cut -c1-78
echo
