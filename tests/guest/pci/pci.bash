# shellcheck shell=bash
# tests/guest/pci/pci.bash: the bench's PCI devices as sysfs shows them, for
# the pci and pci-noiommu suites (bats `load`).

# devices VENDOR DEVICE: the addresses of the devices with that vendor and
# device id (0x1234 0x11e8: QEMU's edu), one a line, possibly none.
devices() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[[ $(<"$d/vendor") == "$1" && $(<"$d/device") == "$2" ]] && echo "${d##*/}"
	done
	return 0
}

# first_device VENDOR DEVICE: the first of them; fails when there is none.
first_device() {
	local a
	a=$(devices "$1" "$2" | head -n 1)
	[ -n "$a" ] && echo "$a"
}

# driver_of ADDR: the name of the bound driver, "none" when unbound.
driver_of() {
	local l
	l=$(readlink "/sys/bus/pci/devices/$1/driver") || {
		echo none
		return 0
	}
	echo "${l##*/}"
}

# group_of ADDR: the IOMMU group's number (empty without an IOMMU group);
# group_size GROUP: how many devices it holds.
group_of() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }
group_size() { find "/sys/kernel/iommu_groups/$1/devices" -mindepth 1 -maxdepth 1 | wc -l; }

# iface_of ADDR: the network interface of a NIC, if it has one.
iface_of() {
	local n
	for n in "/sys/bus/pci/devices/$1/net"/*; do
		[ -e "$n" ] && echo "${n##*/}"
		return 0
	done
}
