# shellcheck shell=bash
# tests/guest/xen/domu.bash: the small PV domU of the xen suites (bats `load`).
#
# domu_create NAME JOB DIR: creates the domU NAME, paused, from
# tests/guest/xen/domu/domu.cfg (its config goes to DIR/domu.cfg); once
# unpaused it runs the job JOB of tests/guest/xen/domu/jobs. Sets domid.
domu_create() {
	local name=$1 job=$2 dir=$3
	[ -f /var/lib/hvbench/domu.cpio.gz ] || {
		echo "no domU image (tests/guest/xen/domu/mkdomu)" >&2
		return 1
	}
	# libxl waits for the console daemon before it starts a domain. It
	# stays in the background: none of bats' descriptors (3 included) may
	# go with it, or bats waits for it at the end of the suite.
	mkdir -p /var/log/xen/console
	pidof xenconsoled >/dev/null ||
		xenconsoled --log=guest </dev/null >/dev/null 2>&1 3>&-
	cp /tests/guest/xen/domu/domu.cfg "$dir/domu.cfg"
	# mitigations=off: as dom0's (tests/guest/run), for the same reason.
	printf '%s\n' "name = \"$name\"" \
		"extra = \"console=hvc0 quiet mitigations=off hvjob=$job\"" >>"$dir/domu.cfg"
	xl create -p -q "$dir/domu.cfg"
	domid=$(xl domid "$name")
	[ "$domid" -gt 0 ]
}

# domu_console NAME: the domain list and NAME's last console lines, to
# stderr (why a domU gave no result).
domu_console() {
	xl list >&2 || true
	tail -n 30 "/var/log/xen/console/guest-$1.log" >&2 || true
}
