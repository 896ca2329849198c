#!/usr/bin/env bats
# gntshare on the host: usage, argument checking (all of it happens before a
# device is opened), and the "no grant device" diagnosis. The host is not a
# Xen domain; HVUTILS_SYSROOT points the tool at fake /sys, /proc and /dev
# trees to reach the other diagnoses. Device work is in tests/guest/xen.

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	GS=$HV_TOP/tools/gntshare/gntshare
	[ -x "$GS" ] || {
		echo "gntshare is not built: run make" >&2
		return 1
	}
	unset HVUTILS_SYSROOT
	ROOT=$BATS_TEST_TMPDIR/root
}

load "$BATS_TEST_DIRNAME/../assert"

# A fake root: Xen domain (or not), modules loaded (or not), device nodes.
fake_root() {
	mkdir -p "$ROOT/sys/hypervisor" "$ROOT/proc" "$ROOT/dev/xen"
	[ "${1:-xen}" = xen ] && echo xen >"$ROOT/sys/hypervisor/type"
	return 0
}

@test "--help lists the verbs and the man page, exit 0" {
	run "$GS" --help
	[ "$status" -eq 0 ]
	[[ $output == *"share --domid D"* ]]
	[[ $output == *"map --refs-from XSPATH"* ]]
	[[ $output == *"status"* ]]
	[[ $output == *"gntshare(1)"* ]]
}

@test "share --help shows the share options" {
	run "$GS" share --help
	[ "$status" -eq 0 ]
	[[ $output == *"--notify-byte"* ]]
	[[ $output == *"--publish"* ]]
	[[ $output == *"--exec"* ]]
}

@test "--version prints the hvutils version" {
	run "$GS" --version
	[ "$status" -eq 0 ]
	[[ $output =~ ^gntshare\ \(hvutils\)\ [0-9] ]]
}

@test "no verb is a usage error (exit 2)" {
	run "$GS"
	fails_with 2 "gntshare: missing verb (share, map, status, evtchn or vchan) (try 'gntshare --help')"
}

@test "a misspelt verb gets a suggestion (exit 2)" {
	run "$GS" shrae --domid 0
	exits_with 2
	[[ $output == *"unknown verb 'shrae': did you mean 'share'?"* ]]
}

@test "a misspelt option gets a suggestion (exit 2)" {
	run "$GS" share --domid 0 --page 2
	exits_with 2
	[[ $output == *"did you mean '--pages'?"* ]]
}

@test "--quiet and --verbose exclude each other" {
	run "$GS" -q -v status
	exits_with 2
	[[ $output == *"--quiet and --verbose exclude each other"* ]]
}

@test "share needs --domid" {
	run "$GS" share --pages 2
	fails_with 2 "gntshare: share needs --domid D (the domain that will map the pages) (try 'gntshare --help')"
}

@test "share --domid: 32751 is the last domain id, 32752 (DOMID_FIRST_RESERVED) is refused" {
	run "$GS" share --domid 32752
	fails_with 2 "gntshare: --domid '32752': out of range (expected a domain id 0..32751) (try 'gntshare --help')"
	# 32751 passes the checks and gets as far as the device.
	run "$GS" share --domid 32751
	exits_with 5
}

@test "share --domid rejects signs, hex and garbage" {
	for d in -1 0x10 1x '' ' 1'; do
		run "$GS" share --domid "$d"
		[ "$status" -eq 2 ] || { echo "domid '$d': $status $output"; return 1; }
		[[ $output == *"--domid '$d'"* ]]
	done
}

@test "share --pages: 0, past 1048576 and garbage are usage errors" {
	for p in 0 1048577 4294967297 2k -3; do
		run "$GS" share --domid 0 --pages "$p"
		[ "$status" -eq 2 ] || { echo "pages '$p': $status $output"; return 1; }
		[[ $output == *"--pages '$p'"* ]]
	done
}

@test "share --notify-byte must fall inside the pages" {
	run "$GS" share --domid 0 --pages 2 --notify-byte 8192
	exits_with 2
	[[ $output == *"--notify-byte 8192 is outside the shared pages (8192 bytes)"* ]]
	run "$GS" share --domid 0 --pages 2 --notify-byte 8191
	exits_with 5
	run "$GS" share --domid 0 --pages 2 --notify-byte 4K
	exits_with 5
}

@test "share --notify-port must be an event channel port" {
	for p in 0 131072 x; do
		run "$GS" share --domid 0 --notify-port "$p"
		[ "$status" -eq 2 ] || { echo "port '$p': $status $output"; return 1; }
		[[ $output == *"--notify-port '$p'"* ]]
	done
}

@test "share --publish checks the XenStore path syntax" {
	run "$GS" share --domid 0 --publish '/local/domain/0/a b'
	exits_with 2
	[[ $output == *"--publish '/local/domain/0/a b': only A-Z a-z 0-9 / _ @ - are allowed"* ]]
	run "$GS" share --domid 0 --publish '/local//x'
	exits_with 2
	run "$GS" share --domid 0 --publish "/$(printf 'a%.0s' {1..3100})"
	exits_with 2
	[[ $output == *"longer than 3072 bytes"* ]]
}

@test "share --hexdump needs --to; --exec needs a command; --hold excludes --exec" {
	run "$GS" share --domid 0 --hexdump
	exits_with 2
	[[ $output == *"--hexdump formats --to"* ]]
	run "$GS" share --domid 0 --exec
	exits_with 2
	[[ $output == *"--exec needs a command"* ]]
	run "$GS" share --domid 0 --hold --exec true
	exits_with 2
	[[ $output == *"--hold and --exec exclude each other"* ]]
}

@test "share: options after --exec belong to the command" {
	# --bogus is the command's argument, not ours: we get to the device.
	run "$GS" share --domid 0 --exec true --bogus
	exits_with 5
}

@test "share --from larger than the pages fails before any device is opened (exit 2)" {
	head -c 4097 /dev/zero >"$BATS_TEST_TMPDIR/big"
	run "$GS" share --domid 0 --from "$BATS_TEST_TMPDIR/big"
	fails_with 2 "gntshare: --from $BATS_TEST_TMPDIR/big is larger than 1 page (4096 bytes): Argument list too long (use more --pages or a smaller input)"
	# The same from stdin; exactly one page is fine (and reaches the device).
	run bash -c "head -c 8193 /dev/zero | '$GS' share --domid 0 --pages 2 --from -"
	exits_with 2
	[[ $output == *"--from - is larger than 2 pages (8192 bytes)"* ]]
	run bash -c "head -c 4096 /dev/zero | '$GS' share --domid 0 --from -"
	exits_with 5
}

@test "share --from a missing file: exit 3 with the file named" {
	run "$GS" share --domid 0 --from /nonexistent/file
	fails_with 3 "gntshare: cannot read --from /nonexistent/file: No such file or directory"
}

@test "share on a host that is not a Xen domain: exit 5, says so" {
	run "$GS" share --domid 0
	fails_with 5 "gntshare: cannot open /dev/xen/gntalloc: No such file or directory (not a Xen domain: /sys/hypervisor/type is not 'xen' and there is no /proc/xen)"
}

@test "share in a Xen domain without the gntalloc module: exit 5, names the module" {
	fake_root xen
	HVUTILS_SYSROOT=$ROOT run "$GS" share --domid 0
	fails_with 5 "gntshare: cannot open /dev/xen/gntalloc: No such file or directory (module not loaded: modprobe xen-gntalloc)"
}

@test "a Xen domain recognised by xenfs alone (no /sys/hypervisor) is still a Xen domain" {
	fake_root none
	mkdir -p "$ROOT/proc/xen" && : >"$ROOT/proc/xen/capabilities"
	HVUTILS_SYSROOT=$ROOT run "$GS" share --domid 0
	exits_with 5
	[[ $output == *"(module not loaded: modprobe xen-gntalloc)" ]]
}

@test "module loaded but no device node: the hint is devtmpfs" {
	fake_root xen
	mkdir -p "$ROOT/sys/module/xen_gntalloc"
	HVUTILS_SYSROOT=$ROOT run "$GS" share --domid 0
	exits_with 5
	[[ $output == *"(xen_gntalloc is loaded but /dev/xen/gntalloc is missing: is devtmpfs mounted on /dev?)" ]]
}

@test "something that is not the grant device: the ioctl's error, exit 1" {
	fake_root xen
	: >"$ROOT/dev/xen/gntalloc"
	HVUTILS_SYSROOT=$ROOT run "$GS" share --domid 0
	fails_with 1 "gntshare: cannot grant 1 page to domain 0: Inappropriate ioctl for device"
}

@test "map needs --domid and refs" {
	run "$GS" map 8
	exits_with 2
	[[ $output == *"map needs --domid D (the domain that granted the refs)"* ]]
	run "$GS" map --domid 0
	exits_with 2
	[[ $output == *"map needs at least one REF, or --refs-from XSPATH"* ]]
	run "$GS" map --domid 0 " "
	exits_with 2
	[[ $output == *"map needs at least one REF"* ]]
}

@test "map checks every ref, also inside a space-separated list" {
	run "$GS" map --domid 0 8 -1
	exits_with 2
	[[ $output == *"-1: unknown option"* ]]
	for r in 4294967296 abc 0x8 1.5; do
		run "$GS" map --domid 0 8 "$r"
		[ "$status" -eq 2 ] || { echo "ref '$r': $status $output"; return 1; }
		[[ $output == *"REF '$r'"* ]]
	done
	run "$GS" map --domid 0 "8 9 zz 10"
	exits_with 2
	[[ $output == *"REF 'zz': not a number"* ]]
	# A refs line as share prints it is accepted (and reaches the device).
	run "$GS" map --domid 0 "8 9 10"
	exits_with 5
	[[ $output == *"/dev/xen/gntdev"* ]]
}

@test "map --offset and --length must stay inside the pages" {
	run "$GS" map --domid 0 8 --offset 4096
	exits_with 2
	[[ $output == *"--offset 4096 is outside the 1 page (4096 bytes)"* ]]
	run "$GS" map --domid 0 8 9 --offset 4K --length 4097
	exits_with 2
	[[ $output == *"--length 4097 goes past the 2 pages (8192 bytes)"* ]]
	run "$GS" map --domid 0 8 --length 0
	exits_with 2
	run "$GS" map --domid 0 8 --offset 1G5
	exits_with 2
	run "$GS" map --domid 0 8 9 --offset 4K --length 4096
	exits_with 5
}

@test "map --notify-byte must fall inside the pages" {
	run "$GS" map --domid 0 8 --notify-byte 4096
	exits_with 2
	[[ $output == *"--notify-byte 4096 is outside the mapped pages (4096 bytes)"* ]]
}

@test "map --from larger than the mapped window fails before the device (exit 2)" {
	head -c 100 /dev/zero >"$BATS_TEST_TMPDIR/in"
	run "$GS" map --domid 0 8 --offset 4000 --from "$BATS_TEST_TMPDIR/in"
	exits_with 2
	[[ $output == *"is larger than the 96 bytes mapped at offset 4000"* ]]
}

@test "map option conflicts: --refs-from with REFs, --json with --to -" {
	run "$GS" map --refs-from /local/domain/0/x 8
	exits_with 2
	[[ $output == *"--refs-from and REF arguments exclude each other"* ]]
	run "$GS" map --refs-from 'bad path'
	exits_with 2
	run "$GS" --json map --domid 0 8 --to -
	exits_with 2
	[[ $output == *"--json prints a record on stdout"* ]]
}

@test "map on a host that is not a Xen domain: exit 5, names gntdev" {
	run "$GS" map --domid 0 8
	fails_with 5 "gntshare: cannot open /dev/xen/gntdev: No such file or directory (not a Xen domain: /sys/hypervisor/type is not 'xen' and there is no /proc/xen)"
}

@test "map --refs-from without a store: exit 5 with the XenStore hint" {
	XENSTORED_PATH=$BATS_TEST_TMPDIR/nosocket run "$GS" map --refs-from /local/domain/0/gs
	exits_with 5
	[[ $output == "gntshare: --refs-from: cannot reach XenStore"*"is xenstored running?"* ]]
}

@test "share --publish without a store: exit 5 with the XenStore hint" {
	XENSTORED_PATH=$BATS_TEST_TMPDIR/nosocket run "$GS" share --domid 0 --publish /local/domain/0/gs </dev/null
	exits_with 5
	[[ $output == "gntshare: --publish: cannot reach XenStore"*"is xenstored running?"* ]]
}

@test "status on the host: the report, why each device is missing, exit 5" {
	run "$GS" status
	exits_with 5
	[[ $output == *"gntalloc:        missing"* ]]
	[[ $output == *"gntdev:          missing"* ]]
	[[ $output == *"cannot open /dev/xen/gntalloc"*"not a Xen domain"* ]]
	[[ $output == *"hint:            share needs /dev/xen/gntalloc"* ]]
}

@test "status reads both limits from the module parameters (fake tree, --json)" {
	fake_root xen
	mkdir -p "$ROOT/sys/module/xen_gntalloc/parameters" "$ROOT/sys/module/xen_gntdev/parameters"
	echo 77 >"$ROOT/sys/module/xen_gntalloc/parameters/limit"
	echo 65536 >"$ROOT/sys/module/xen_gntdev/parameters/limit"
	HVUTILS_SYSROOT=$ROOT run "$GS" --json status
	exits_with 5
	[[ $output == *'"limit": 77'* ]]
	[[ $output == *'"limit": 65536'* ]]
	[[ $output == *'"available": null'* ]]
	[[ $output == *"xen_gntalloc is loaded but /dev/xen/gntalloc is missing"* ]]
	HVUTILS_SYSROOT=$ROOT run "$GS" status
	[[ $output == *"gntalloc limit:  77 grants in use, system-wide"* ]]
	[[ $output == *"gntdev limit:    65536 grants per map request"* ]]
}

@test "status takes no arguments" {
	run "$GS" status now
	exits_with 2
	[[ $output == *"status: unexpected argument 'now'"* ]]
}

@test "evtchn --help lists every sub-verb with its options" {
	run "$GS" evtchn --help
	[ "$status" -eq 0 ]
	for w in "evtchn alloc --domid D" "evtchn bind --domid D --remote-port P" \
		"evtchn wait [--fd N] [--timeout S] [PORT]" --notify --wait --exec --fd; do
		[[ $output == *"$w"* ]] || { echo "missing: $w" >&2; false; }
	done
}

@test "evtchn: a sub-verb is needed, prefixes work, unknown ones exit 2" {
	run "$GS" evtchn
	fails_with 2 "gntshare: evtchn needs alloc, bind, notify, wait or close*"
	run "$GS" evtchn frob
	fails_with 2 "gntshare: unknown verb 'frob'*"
	run "$GS" ev al
	fails_with 2 "gntshare: evtchn alloc needs --domid D*"
}

@test "evtchn alloc and bind check --domid, --remote-port and option pairs before the device" {
	run "$GS" evtchn bind --domid 0
	fails_with 2 "gntshare: evtchn bind needs --remote-port P*"
	for p in 0 131072 x -1; do
		run "$GS" evtchn bind --domid 0 --remote-port "$p"
		fails_with 2 "gntshare: --remote-port '$p': * (expected an event channel port 1..131071)*"
	done
	run "$GS" evtchn alloc --domid 32752
	fails_with 2 "gntshare: --domid '32752': out of range*"
	run "$GS" evtchn alloc --domid 1 --notify
	fails_with 2 "gntshare: evtchn alloc: --notify is for bind*"
	run "$GS" evtchn alloc --domid 1 --timeout 1
	fails_with 2 "gntshare: evtchn alloc: --timeout goes with --wait*"
	run "$GS" evtchn alloc --domid 1 --wait --timeout soon
	fails_with 2 "gntshare: --timeout 'soon': expected seconds*"
	run "$GS" evtchn alloc --domid 1 --wait --exec true
	fails_with 2 "gntshare: --wait and --exec exclude each other*"
	run "$GS" evtchn alloc --domid 1 --fd 3
	fails_with 2 "gntshare: evtchn alloc opens a descriptor of its own*"
	run "$GS" evtchn alloc --domid 1 --exec
	fails_with 2 "gntshare: --exec needs a command*"
}

@test "evtchn notify, wait and close need a port and the descriptor that bound it" {
	run env -u GNTSHARE_PORT "$GS" evtchn notify
	fails_with 2 "gntshare: evtchn notify needs PORT (or GNTSHARE_PORT from alloc|bind --exec)*"
	run env -u GNTSHARE_EVTCHN_FD "$GS" evtchn wait 5
	fails_with 2 "gntshare: evtchn wait: no event channel descriptor: a port lives on the descriptor that bound it*"
	run env GNTSHARE_PORT=0 "$GS" evtchn close
	fails_with 2 "gntshare: GNTSHARE_PORT '0': out of range*"
	run "$GS" evtchn notify --fd 99 5
	fails_with 2 "gntshare: evtchn notify: descriptor 99 is not open in this process*"
	# Any open descriptor that is not the device is refused.
	run env GNTSHARE_EVTCHN_FD=0 "$GS" evtchn close 5 </dev/null
	fails_with 2 "gntshare: evtchn close: descriptor 0 is not /dev/xen/evtchn*"
	run "$GS" evtchn close --timeout 1 5
	fails_with 2 "gntshare: evtchn close: --timeout is for wait*"
	run "$GS" evtchn wait --domid 1 5
	fails_with 2 "gntshare: evtchn wait takes only \\[--fd N\\] \\[--timeout S\\] \\[PORT\\]*"
	run "$GS" evtchn notify 5 6
	fails_with 2 "gntshare: evtchn notify: unexpected argument '6'*"
}

@test "evtchn alloc outside Xen exits 5 and says so; in Xen without the module names it" {
	run "$GS" evtchn alloc --domid 0
	fails_with 5 "gntshare: cannot open /dev/xen/evtchn: No such file or directory (not a Xen domain*"
	fake_root xen
	HVUTILS_SYSROOT=$ROOT run "$GS" evtchn alloc --domid 0
	fails_with 5 "gntshare: cannot open /dev/xen/evtchn: No such file or directory (module not loaded: modprobe xen-evtchn)"
}

@test "vchan --help lists both sub-verbs with their options" {
	run "$GS" vchan --help
	[ "$status" -eq 0 ]
	for w in "vchan listen --domid D --path XSPATH" "vchan connect --domid D --path XSPATH" \
		--ring-size --timeout --receive-only --exec; do
		[[ $output == *"$w"* ]] || { echo "missing: $w"; return 1; }
	done
}

@test "vchan checks its arguments before any device: sub-verb, --domid, --path, --ring-size, option pairs" {
	run "$GS" vchan
	fails_with 2 "gntshare: vchan needs listen or connect*"
	run "$GS" vchan frob
	exits_with 2
	run "$GS" vchan listen --path /a
	fails_with 2 "gntshare: vchan listen needs --domid D*"
	run "$GS" vchan conn --domid 0
	fails_with 2 "gntshare: vchan connect needs --path XSPATH*"
	run "$GS" vchan connect --domid 32752 --path /a
	fails_with 2 "gntshare: --domid '32752': out of range*"
	run "$GS" vchan connect --domid 0 --path /a//b
	exits_with 2
	run "$GS" vchan connect --domid 0 --path /local/domain/0/data/a-path-longer-than-libxenvchan-takes
	fails_with 2 "gntshare: --path '/local/domain/0/data/a-path-longer-than-libxenvchan-takes': 57 bytes, libxenvchan takes at most 49*"
	run "$GS" vchan connect --domid 0 --path /a --ring-size 4096
	fails_with 2 "gntshare: vchan connect: --ring-size is for listen*"
	for n in 1023 2M 1x; do
		run "$GS" vchan listen --domid 0 --path /a --ring-size "$n"
		fails_with 2 "gntshare: --ring-size '$n': * (expected 1024..1048576 bytes)*"
	done
	run "$GS" vchan listen --domid 0 --path /a --timeout soon
	fails_with 2 "gntshare: --timeout 'soon': expected seconds*"
	run "$GS" vchan listen --domid 0 --path /a --receive-only --exec cat
	fails_with 2 "gntshare: --receive-only and --exec exclude each other*"
	run "$GS" vchan listen --domid 0 --path /a extra
	fails_with 2 "gntshare: vchan listen: unexpected argument 'extra'*"
}

@test "vchan outside Xen exits 5 and names the device listen or connect needs" {
	run "$GS" vchan listen --domid 0 --path /a
	fails_with 5 "gntshare: cannot open /dev/xen/gntalloc: No such file or directory (not a Xen domain*"
	run "$GS" vchan connect --domid 0 --path /a
	fails_with 5 "gntshare: cannot open /dev/xen/gntdev: No such file or directory (not a Xen domain*"
}
