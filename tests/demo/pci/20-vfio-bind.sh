#!/bin/bash
# The demo's vfio-bind part: what a user sees handing QEMU's edu device to
# user space and talking to it through VFIO, then giving it back.
set -uo pipefail

. "$(dirname "$0")/../lib.sh"

edu=
for d in /sys/bus/pci/devices/*; do
	if [[ $(<"$d/vendor") == 0x1234 && $(<"$d/device") == 0x11e8 ]]; then
		edu=${d##*/}
		break
	fi
done
nic=
for d in /sys/bus/pci/devices/*; do
	if [[ $(<"$d/vendor") == 0x8086 && $(<"$d/device") == 0x100e ]]; then
		nic=${d##*/}
		break
	fi
done

echo "== vfio-bind: PCI devices to user space through VFIO =="
run vfio-bind list
run vfio-bind doctor
run vfio-bind bind --dry-run "${edu#0000:}"
run vfio-bind bind "${edu#0000:}"
run vfio-bind info "$edu"
run vfio-bind peek "$edu" bar0 0
run vfio-bind poke "$edu" bar0 4 0x12345678
run vfio-bind peek "$edu" bar0 4
run vfio-bind peek "$edu" bar0 0x100000
# The two e1000 behind the pcie-pci-bridge share a group: one alone is not enough.
run vfio-bind bind "$nic"
run vfio-bind info "$nic"
run vfio-bind bind --group "$nic"
run vfio-bind list --vfio
run vfio-bind restore --all
