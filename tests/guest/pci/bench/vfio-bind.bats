#!/usr/bin/env bats
# Wrapper that runs bench/vfio-bind/bench.sh inside the pci guest
# (bench/vfio-bind/run). Kept out of tests/guest/pci/*.bats: `make check`
# never runs benchmarks.

@test "vfio-bind vs driverctl vs dpdk-devbind.py: bind+restore cycles" {
	run bash /bench/vfio-bind/bench.sh
	printf '# %s\n' "${lines[@]}" >&3
	[ "$status" -eq 0 ]
}
