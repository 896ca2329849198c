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

# One domU for two tests of a suite (a domU's boot is ~20 s of TCG): the
# first creates it with both jobs (domu_create NAME FIRST,SECOND DIR), each
# job waiting for its own go from dom0, and once it has what it needs from
# the first job marks it with domu_keep NAME. The second takes it with
# domu_reuse NAME (sets domid; fails unless it was kept and is alive) and
# otherwise creates its own. Teardowns leave a kept domU alone
# (domu_kept NAME); teardown_file destroys any never reused
# (domu_destroy_kept).
domu_keep() { touch "$BATS_FILE_TMPDIR/domu-kept-$1"; }
domu_kept() { [ -e "$BATS_FILE_TMPDIR/domu-kept-$1" ]; }
domu_reuse() {
	local id
	domu_kept "$1" || return 1
	rm -f "$BATS_FILE_TMPDIR/domu-kept-$1"
	id=$(xl domid "$1" 2>/dev/null) || return 1
	domid=$id
}
domu_destroy_kept() {
	local f
	for f in "$BATS_FILE_TMPDIR"/domu-kept-*; do
		[ -e "$f" ] || continue
		xl destroy "${f##*/domu-kept-}" 2>/dev/null
		rm -f "$f"
	done
	return 0
}

# domu_console NAME: the domain list and NAME's last console lines, to
# stderr (why a domU gave no result).
domu_console() {
	xl list >&2 || true
	tail -n 30 "/var/log/xen/console/guest-$1.log" >&2 || true
}
