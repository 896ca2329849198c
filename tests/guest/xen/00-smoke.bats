#!/usr/bin/env bats
# The xen bench: Xen 4.17 with a PV dom0, xenfs, a running xenstored of the
# profile's flavour (C or OCaml), the grant and event-channel devices, xl.

@test "dom0 runs on Xen with xenfs at /proc/xen" {
	[ "$(cat /sys/hypervisor/type)" = xen ]
	grep -qw control_d /proc/xen/capabilities
}

@test "the store is served by the $XENSTORED_FLAVOUR daemon" {
	local pid exe
	pid=$(cat /run/xenstored.pid)
	exe=$(readlink "/proc/$pid/exe")
	case $XENSTORED_FLAVOUR in
	c) [ "${exe##*/}" = xenstored ] ;;
	ocaml) [ "${exe##*/}" = oxenstored ] ;;
	*) false ;;
	esac
}

@test "the store answers on its socket: xenstore-read and xenstore-ls of /local/domain/0" {
	run xenstore-read /local/domain/0/name
	[ "$status" -eq 0 ]
	[ "$output" = Domain-0 ]
	run xenstore-ls /local/domain/0
	[ "$status" -eq 0 ]
	[[ $output == *'name = "Domain-0"'* ]]
}

@test "the store answers through /dev/xen/xenbus too, and a write is seen on the socket" {
	run env XENSTORED_PATH=/dev/xen/xenbus xenstore-write /local/domain/0/hv-smoke xenbus
	[ "$status" -eq 0 ]
	run xenstore-read /local/domain/0/hv-smoke
	xenstore-rm /local/domain/0/hv-smoke
	[ "$output" = xenbus ]
}

@test "a bad XENSTORED_PATH fails, so the transport test above is not vacuous" {
	run env XENSTORED_PATH=/nonexistent xenstore-read /local/domain/0/name
	[ "$status" -ne 0 ]
}

@test "xl info reports Xen 4.17" {
	run xl info
	[ "$status" -eq 0 ]
	[[ $output == *"xen_major              : 4"* ]]
	[[ $output == *"xen_minor              : 17"* ]]
}

@test "the grant and event-channel devices exist" {
	[ -c /dev/xen/gntalloc ]
	[ -c /dev/xen/gntdev ]
	[ -c /dev/xen/evtchn ]
}
