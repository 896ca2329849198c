#!/bin/bash
# The demo's first pci part: the bench itself. Every IOMMU group with its
# devices (address, ids, name, driver), read from sysfs like lspci would;
# this is what vfio-bind's group handling is about.
set -uo pipefail

ids=/usr/share/misc/pci.ids

# name VENDOR DEVICE: the device's name from pci.ids when the image has it;
# QEMU's own test devices are not all in pci.ids.
name() {
	case $1:$2 in
	1234:11e8) echo "QEMU edu test device (docs/specs/edu.rst)" && return 0 ;;
	1b36:000e) echo "QEMU PCIe-to-PCI bridge" && return 0 ;;
	esac
	[[ -r $ids ]] || return 0
	awk -v v="$1" -v d="$2" '
		/^[0-9a-f]{4} / { invendor = ($1 == v); if (invendor) vname = substr($0, 7); next }
		invendor && /^\t[0-9a-f]{4} / && $1 == d { print vname " " substr($0, 8); found = 1; exit }
		END { if (!found && vname != "") print vname }' "$ids"
}

echo "== The bench: q35 with an emulated Intel IOMMU, booted under QEMU =="
svm=no
grep -qw svm /proc/cpuinfo && svm=yes
echo "kernel $(uname -r); AMD SVM for nested KVM: $svm; /dev/kvm: $([[ -c /dev/kvm ]] && echo yes || echo no)"
echo
if [[ -z $(ls -A /sys/kernel/iommu_groups 2>/dev/null) ]]; then
	echo "no IOMMU groups: this guest has no IOMMU"
	exit 0
fi
echo "IOMMU groups and their devices:"
# Group numbers in numeric order (busybox find has no -printf).
for g in $(printf '%s\n' /sys/kernel/iommu_groups/* | sed 's|.*/||' | sort -n); do
	echo "group $g"
	for dev in /sys/kernel/iommu_groups/"$g"/devices/*; do
		bdf=${dev##*/}
		v=$(<"$dev/vendor") d=$(<"$dev/device") c=$(<"$dev/class")
		drv=-
		[[ -e $dev/driver ]] && drv=$(basename "$(readlink "$dev/driver")")
		printf '  %s  [%s:%s] class %s  driver %-10s %s\n' "$bdf" "${v#0x}" "${d#0x}" \
			"${c:2:4}" "$drv" "$(name "${v#0x}" "${d#0x}")"
	done
done
echo
