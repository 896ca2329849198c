#!/bin/bash
# The demo's mdev-edu part: the kernel module bundle's VFIO test device.
# Load it, create an instance with vfio-bind's mdev verbs, talk to it through
# VFIO like to any PCI device, run the behavioural suite, remove it.
set -uo pipefail

. "$(dirname "$0")/../lib.sh"

echo "== mdev-edu: a VFIO PCI device without hardware or IOMMU (kmod/mdev-edu) =="
run insmod "/lib/modules/$KVER/extra/mdev-edu.ko" instances=2
run vfio-bind mdev types
printf '$ %s\n' "u=\$(vfio-bind mdev create mdev_edu mdev_edu-1)"
u=$(vfio-bind mdev create mdev_edu mdev_edu-1)
echo "(u=$u)"
run vfio-bind mdev list
run vfio-bind info "$u"
run vfio-bind peek "$u" bar0 0
run vfio-bind poke "$u" bar0 4 0x12345678
run vfio-bind peek "$u" bar0 4
run /tests/edu/edu-test "$u"
run vfio-bind mdev remove "$u"
run rmmod mdev_edu
