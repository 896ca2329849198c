#!/usr/bin/env bats
# xsctl against a real store in the Xen dom0 (profiles xen: C xenstored, and
# xen-ocaml: oxenstored), over the daemon socket (the default in dom0) and
# over /dev/xen/xenbus (--xenbus and XENSTORED_PATH). Each test works under
# its own /xsctl-test/N subtree and removes it afterwards. Process start is
# slow in a PV dom0, so each test does a few purposeful calls.

setup() {
	command -v xsctl >/dev/null || {
		echo "xsctl is not installed in the guest" >&2
		return 1
	}
	T=/xsctl-test/$BATS_TEST_NUMBER
	D=$BATS_TEST_TMPDIR
	unset XENSTORED_PATH
}

teardown() {
	[ -n "${BG:-}" ] && kill "$BG" 2>/dev/null
	[ -n "${DOMU:-}" ] && xl destroy "$DOMU" 2>/dev/null
	# A test that changed C xenstored's node quota or log puts them back.
	[ -n "${NODES_QUOTA:-}" ] && xsctl control quota set nodes "$NODES_QUOTA"
	[ -n "${TRACE:-}" ] && xsctl control log off
	xenstore-rm /xsctl-test 2>/dev/null
	return 0
}

load "$BATS_TEST_DIRNAME/../../assert"
load "$BATS_TEST_DIRNAME/domu"

teardown_file() { domu_destroy_kept; }

# waitfor FILE PATTERN: until a line of FILE matches (10 s at most).
waitfor() {
	for _ in $(seq 200); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "no '$2' in $1: $(cat "$1" 2>/dev/null)" >&2
	return 1
}

@test "the $XENSTORED_FLAVOUR daemon is running, and xsctl needs only libc" {
	run xsctl read /local/domain/0/name
	[ "$status" -eq 0 ]
	[ "$output" = Domain-0 ]
	# Every scripted call pays the dynamic loader: the store libraries are
	# static. (No ldd in the guest: ld.so lists what it loads itself.)
	run env LD_TRACE_LOADED_OBJECTS=1 xsctl
	[ "$status" -eq 0 ]
	[[ $output == *libc.so.6* ]]
	[[ $output != *libxenstore* && $output != *libjson-c* && $output != *libpopt* ]]
}

@test "write and read several pairs, -p prefixes, --default, -j" {
	xsctl write $T/a 1 $T/b 'two words'
	run xsctl read -p $T/a $T/b
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$T/a: 1" ]
	[ "${lines[1]}" = "$T/b: two words" ]
	run xsctl read --default none $T/a $T/missing
	[ "$output" = $'1\nnone' ]
	run xsctl read -j $T/b
	[[ $output == *'"path": "'$T/b'"'* && $output == *'"value": "two words"'* ]]
}

@test "read of a missing path exits 3 with one line, and prints nothing of the others" {
	xsctl write $T/a 1
	run xsctl read $T/a $T/missing
	fails_with 3 "xsctl: read $T/missing: No such file or directory"
}

# bats test_tags=userspace
@test "values are escaped exactly like Xen's clients, both ways" {
	# xsctl writes with escapes, xenstore-read prints them back the same way.
	xsctl write $T/e 'a\x00b\001\tc\\d\n\xff'
	run xenstore-read $T/e
	x_out=$output
	run xsctl read $T/e
	[ "$output" = "$x_out" ]
	[ "$output" = 'a\000b\001\tc\\d\n\xff' ]
	# The bytes themselves, with -r.
	run bash -c "xsctl read -r $T/e | od -An -tx1 | tr -d ' \n'"
	[ "$output" = 6100620109635c640aff ]
	# And a value xenstore-write escaped reads back identically.
	xenstore-write $T/f 'x\x01\\y'
	[ "$(xsctl read -r $T/f | od -An -tx1 | tr -d ' \n')" = 78015c79 ]
}

# bats test_tags=userspace
@test "a binary value from stdin round-trips byte for byte; the payload limit holds" {
	head -c 2000 /dev/urandom >"$D/bin"
	xsctl write $T/bin - <"$D/bin"
	xsctl read -r $T/bin >"$D/back"
	cmp "$D/bin" "$D/back"
	# Path + NUL + value may fill the 4096-byte payload exactly, not one more
	# (checked before sending, whatever the daemon).
	p=$T/p
	n=$((4096 - ${#p} - 1))
	run bash -c "head -c $((n + 1)) /dev/zero | tr '\0' v | xsctl write $p -"
	fails_with 2 "xsctl: path and value for $p are 4097 bytes together*"
	if [ "$XENSTORED_FLAVOUR" = c ]; then
		head -c $n /dev/zero | tr '\0' v | xsctl write $p -
		[ "$(xsctl read -r $p | wc -c)" -eq $n ]
	else
		# oxenstored refuses values over its quota-maxsize (2048) itself.
		run bash -c "head -c $n /dev/zero | tr '\0' v | xsctl write $p -"
		fails_with 2 "xsctl: write $p: Argument list too long (over the daemon's size limit*"
	fi
}

# bats test_tags=userspace
@test "mkdir, exists, rm, and rm -t removing parents left empty" {
	xsctl mkdir $T/x/y/z $T/keep
	xsctl exists $T/x/y/z $T/keep
	run xsctl exists $T/x/nope
	exits_with 3
	[ -z "$output" ]
	[ "$(xsctl read $T/x/y/z)" = "" ]
	xsctl rm -t $T/x/y/z
	run xsctl exists $T/x
	exits_with 3
	# $T still has a child: -t stops there.
	xsctl exists $T/keep
	xsctl rm $T
	run xsctl exists $T
	exits_with 3
}

# bats test_tags=userspace
@test "ls lists children in name order, -p full paths, -j records" {
	xsctl write $T/b 2 $T/a 1 $T/c/d 3
	run xsctl ls $T
	[ "$output" = $'a\nb\nc' ]
	run xsctl ls -p $T
	[ "$output" = "$T/a"$'\n'"$T/b"$'\n'"$T/c" ]
	run xsctl ls -j $T
	[[ $output == *'"name": "a"'* && $output == *'"path": "'$T/c'"'* ]]
	run xsctl ls $T/nope
	fails_with 3 "xsctl: ls $T/nope: No such file or directory"
}

# bats test_tags=userspace
@test "tree -f prints what xenstore-ls -f prints; --depth and -p" {
	xsctl write $T/a 1 $T/b/c 2 $T/b/d/e 'x y'
	diff <(xsctl tree -f $T | sort) <(xenstore-ls -f $T | sort)
	run xsctl tree $T
	[ "$output" = $'a = "1"\nb = ""\n c = "2"\n d = ""\n  e = "x y"' ]
	run xsctl tree -f --depth 1 $T
	[ "$output" = "$T/a = \"1\""$'\n'"$T/b = \"\"" ]
	run xsctl tree -p $T/b
	[[ ${lines[0]} == 'c = "2"  (n0)' ]]
}

# bats test_tags=userspace
@test "chmod and perms round-trip n/r/w/b tokens, -r recursive, -u parents, -j" {
	xsctl write $T/n/m 1
	xsctl chmod $T/n n0 r5 w7 b9
	run xsctl perms $T/n
	[ "$output" = "n0 r5 w7 b9" ]
	# Agrees with Xen's own lister.
	[[ $(xenstore-ls -p $T) == *"(n0,r5,w7,b9)"* ]]
	run xsctl perms $T/n/m
	[ "$output" = n0 ]
	xsctl chmod -r $T/n b0 r3
	run xsctl perms -p $T/n $T/n/m
	[ "$output" = "$T/n: b0 r3"$'\n'"$T/n/m: b0 r3" ]
	xsctl chmod -u $T/n/m n0 r4
	[ "$(xsctl perms $T)" = "n0 r4" ]
	run xsctl perms -j $T/n
	[[ $output == *'"owner": 0'* && $output == *'"perms": ['* && $output == *'"r4"'* ]]
}

# bats test_tags=userspace
@test "domain-path and incr" {
	[ "$(xsctl domain-path 0)" = /local/domain/0 ]
	[ "$(xsctl domain-path 7)" = /local/domain/7 ]
	[ "$(xsctl incr $T/c)" = 1 ]
	[ "$(xsctl incr $T/c 41)" = 42 ]
	xsctl write $T/t abc
	run xsctl incr $T/t
	fails_with 1 "xsctl: incr $T/t: value 'abc' is not an integer"
}

# bats test_tags=userspace
@test "watch sees every write in order, one flushed line per event" {
	xsctl mkdir $T
	xsctl watch -n 11 $T >"$D/ev" &
	BG=$!
	# The event every watch fires when it is set: now it is registered.
	waitfor "$D/ev" "^$T\$"
	printf 'write %s/w%d %d\n' $(for i in 1 2 3 4 5 6 7 8 9 10; do echo $T $i $i; done) |
		xsctl batch
	wait "$BG"
	BG=
	expected=$(echo $T; for i in 1 2 3 4 5 6 7 8 9 10; do echo $T/w$i; done)
	[ "$(cat "$D/ev")" = "$expected" ]
}

# bats test_tags=userspace
@test "watch --skip-initial, --depth, -j, and --timeout exits 7" {
	xsctl mkdir $T/a/b
	xsctl watch -j --skip-initial --depth 2 --timeout 3 $T >"$D/ev" 2>"$D/err" &
	BG=$!
	sleep 1
	xsctl write $T/a/b/deep 1 $T/a/x 1 $T/top 1
	st=0
	wait "$BG" || st=$?
	BG=
	[ "$st" -eq 7 ]
	[ "$(cat "$D/err")" = "xsctl: watch: timed out after 3 s (2 events)" ]
	[ "$(sed -n 1p "$D/ev")" = '{"path":"'$T/a/x'","watch":"'$T'"}' ] ||
		[ "$(sed -n 1p "$D/ev")" = '{"path":"'$T/top'","watch":"'$T'"}' ]
	[ "$(wc -l <"$D/ev")" -eq 2 ]
}

# bats test_tags=userspace
@test "wait returns when the value arrives, and at once when it already holds" {
	xsctl write $T/state init
	(sleep 1 && xsctl write $T/state ready) &
	BG=$!
	run xsctl wait --value ready --timeout 20 $T/state
	[ "$status" -eq 0 ]
	[ "$(xsctl read $T/state)" = ready ]
	run xsctl wait --exists --timeout 1 $T/state
	[ "$status" -eq 0 ]
	(sleep 1 && xsctl rm $T/state) &
	run xsctl wait --gone --timeout 20 $T/state
	[ "$status" -eq 0 ]
}

# bats test_tags=userspace
@test "wait times out with exit 7 when the condition never holds" {
	xsctl write $T/state init
	run xsctl wait --value ready --timeout 1 $T/state
	fails_with 7 "xsctl: wait $T/state: value still differs after 1 s*"
	run xsctl wait --timeout 0.5 $T/never
	fails_with 7 "xsctl: wait $T/never: still missing after 0.5 s*"
}

# bats test_tags=userspace
@test "tx prints its output only after the commit, and -j applies to its lines" {
	xsctl write $T/a 1
	run xsctl tx <<EOF
write $T/b 2
read -p $T/a $T/b
incr $T/a 10
EOF
	[ "$status" -eq 0 ]
	[ "$output" = "$T/a: 1"$'\n'"$T/b: 2"$'\n'11 ]
	run xsctl -j tx <<<"read $T/b"
	[[ $output == *'"value": "2"'* ]]
}

# bats test_tags=userspace
@test "a failing tx line aborts the whole transaction: nothing written, nothing printed" {
	xsctl write $T/a 1
	run xsctl tx <<EOF
write $T/a changed
write $T/new 1
read $T/missing
EOF
	fails_with 3 "xsctl: line 3: read $T/missing: No such file or directory"
	[ "$(xsctl read $T/a)" = 1 ]
	run xsctl exists $T/new
	exits_with 3
}

# bats test_tags=userspace
@test "batch stops at the first failing line; the lines before it stay done" {
	run xsctl batch <<EOF
write $T/a 1
read $T/missing
write $T/b 2
EOF
	fails_with 3 "xsctl: line 2: read $T/missing: No such file or directory"
	[ "$(xsctl read $T/a)" = 1 ]
	run xsctl exists $T/b
	exits_with 3
}

@test "8 concurrent processes x 50 transactional increments of one counter give 400" {
	# Half over the socket, half over /dev/xen/xenbus; each process sends 50
	# incr lines on one connection, each incr its own retried transaction.
	# (60-load-xsctl.bats is the load test: 200 each took 80 s of a suite.)
	xsctl write $T/c 0
	printf "incr -q $T/c\n%.0s" $(seq 50) >"$D/script"
	pids=()
	for i in 1 2 3 4; do
		xsctl batch -f "$D/script" &
		pids+=($!)
		xsctl --xenbus batch -f "$D/script" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	[ "$(xsctl read $T/c)" = 400 ]
}

# bats test_tags=userspace
@test "concurrent tx scripts conflict and are re-run whole: nothing lost" {
	xsctl write $T/c 0
	printf "incr -q $T/c\n%.0s" $(seq 50) >"$D/script"
	pids=()
	for i in 1 2 3 4; do
		xsctl -v tx -f "$D/script" 2>>"$D/notes" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	[ "$(xsctl read $T/c)" = 200 ]
}

# bats test_tags=userspace
@test "tx still conflicting after --retries exits 6, and writes nothing of its own" {
	xsctl write $T/c 0
	# A writer keeps changing the counter while slow read-only scripts run.
	printf "incr -q $T/c\n%.0s" $(seq 150) | xsctl batch &
	BG=$!
	{ printf "read $T/c\n%.0s" $(seq 60); echo "write $T/mine 1"; } >"$D/script"
	run xsctl tx --retries 0 -f "$D/script"
	wait "$BG"
	BG=
	fails_with 6 "xsctl: tx: transaction still conflicting after 0 retries: Resource temporarily unavailable*"
	run xsctl exists $T/mine
	exits_with 3
}

# bats test_tags=userspace
@test "dump | restore --to another subtree gives an identical dump, binary values too" {
	xsctl write $T/src/a 1 $T/src/b/c 'x y' $T/src/bin 'a\x00\xfe'
	xsctl chmod $T/src/b n0 r5
	xsctl dump $T/src >"$D/d1"
	grep -q '"value_hex": "6100fe"' "$D/d1"
	xsctl restore --to $T/dst "$D/d1"
	xsctl dump $T/dst | sed "s|\"path\": \"$T/dst\"|\"path\": \"$T/src\"|" >"$D/d2"
	diff "$D/d1" "$D/d2"
	# And in place from stdin, replacing what changed meanwhile.
	xsctl write $T/src/a changed $T/src/extra 1
	xsctl restore --replace - <"$D/d1"
	xsctl dump $T/src | diff "$D/d1" -
}

@test "every verb works over /dev/xen/xenbus: --xenbus and XENSTORED_PATH" {
	xsctl --xenbus write $T/a 1
	[ "$(XENSTORED_PATH=/dev/xen/xenbus xsctl read $T/a)" = 1 ]
	[ "$(xsctl read $T/a)" = 1 ]
	export XENSTORED_PATH=/dev/xen/xenbus
	xsctl mkdir $T/d
	[ "$(xsctl ls $T)" = $'a\nd' ]
	xsctl chmod $T/d n0 r2
	[ "$(xsctl perms $T/d)" = "n0 r2" ]
	[ "$(xsctl tree -f $T)" = "$T/a = \"1\""$'\n'"$T/d = \"\"" ]
	[ "$(printf 'incr %s\nread %s\n' $T/a $T/a | xsctl tx)" = $'2\n2' ]
	xsctl dump $T | xsctl restore --to $T/copy -
	[ "$(xsctl read $T/copy/a)" = 2 ]
	xsctl rm -t $T/copy/d
	(sleep 1 && xsctl write $T/w ok) &
	xsctl wait --value ok --timeout 20 $T/w
	xsctl watch -n 1 $T/w
	[ "$(xsctl domain-path 3)" = /local/domain/3 ]
}

@test "a forced transport that is not there exits 5 and names it" {
	run xsctl --socket /run/xenstored/nope read /local/domain/0/name
	fails_with 5 "xsctl: cannot reach XenStore via socket /run/xenstored/nope: No such file or directory (is xenstored running?*"
	run env XENSTORED_PATH=/dev/xen/nope xsctl read /local/domain/0/name
	fails_with 5 "xsctl: cannot reach XenStore via XENSTORED_PATH=/dev/xen/nope*"
}

@test "a domU may not write a dom0 node: exit 4 with the deciding node's permissions" {
	# The domU of tests/guest/xen/domu runs jobs/xsctl.sh over its xenbus.
	[ -f /var/lib/hvbench/domu.cpio.gz ] || {
		echo "no domU image (tests/guest/xen/domu/mkdomu)" >&2
		return 1
	}
	xsctl write $T/dom0/x keep
	DOMU=xsctl-domu
	# Its quota job comes next, for the quota test below (domu_keep).
	domu_create xsctl-domu xsctl,quota "$D"
	id=$domid
	# The domU may read the directory's permissions, not write in it.
	xsctl chmod $T/dom0 n0 r$id
	xsctl write /local/domain/$id/data/xsctl-target $T/dom0
	xl unpause xsctl-domu
	xsctl wait --timeout 90 /local/domain/$id/data/xsctl-result || {
		echo "no result from the domU" >&2
		domu_console xsctl-domu
		return 1
	}
	run xsctl read -r /local/domain/$id/data/xsctl-result
	printf 'domU said: %s\n' "$output"
	domu_keep xsctl-domu
	DOMU=
	[ "${lines[0]}" = "4 xsctl: write $T/dom0/new: Permission denied (permissions of $T/dom0: n0 r$id)" ]
	[ "${lines[1]}" = "4 xsctl: write $T/dom0/x: Permission denied (the node's permissions are not readable by this domain either)" ]
	[ "$(xsctl read $T/dom0/x)" = keep ]
	run xsctl exists $T/dom0/new
	exits_with 3
}

# field QUOTA OUTPUT COLUMN: a column of xsctl quota's table (2 used, 3 limit).
field() { awk -v q="$1" -v c="$3" '$1 == q { print $c }' <<<"$2"; }

@test "control: $XENSTORED_FLAVOUR's commands; one it does not know exits 9 where xenstore-control says OK or fails" {
	if [ "$XENSTORED_FLAVOUR" = c ]; then
		run xsctl control help
		[ "$status" -eq 0 ]
		[[ $output == *$'\nquota\t[set <name> <val>|<domid>]\n'* ]]
		# The same bytes as Xen's own client prints.
		[ "$(xsctl control quota)" = "$(xenstore-control quota)" ]
		[ "$(xsctl control quota 0)" = "$(xenstore-control quota 0)" ]
		run xsctl control check
		[ "$status" -eq 0 ] && [ -z "$output" ]
		run xsctl control watches
		fails_with 9 "xsctl: control watches: xenstored does not know this command (its commands: check log live-update logfile memreport print quota quota-soft help)"
		run xsctl control quota set nodes 0
		fails_with 2 "xsctl: control quota: Invalid argument (the daemon refused the arguments; it takes: quota*"
		run xsctl control memreport
		fails_with 2 "xsctl: control memreport: Invalid argument (without FILE the daemon writes to its log file*"
	else
		# oxenstored acknowledges what it does not know: Xen's client says OK.
		run xenstore-control check
		[ "$status" -eq 0 ] && [ "$output" = OK ]
		run xsctl control check
		fails_with 9 "xsctl: control check: oxenstored does not know this command (its commands: print quota watches xenbus mfn)"
		run xsctl control quota-soft
		fails_with 9 "xsctl: control quota-soft: oxenstored does not know this command*"
		run xsctl control quota
		fails_with 9 "xsctl: control quota: oxenstored offers only 'quota <domid>'*"
		[ "$(xsctl control quota 0)" = "$(xenstore-control quota 0)" ]
		[[ $(xsctl control quota 0) =~ ^dom0\ quota:\ ([0-9]+/1000|not\ set)$ ]]
		run xsctl control watches
		[ "$status" -eq 0 ]
		run xsctl control mfn 4242
		fails_with 1 "xsctl: control mfn: oxenstored answered OK instead of data*"
	fi
	run xsctl control live-update /usr/sbin/xenstored
	fails_with 2 "xsctl: control: live-update replaces the daemon*"
	run xsctl -j control print hello
	[ "$status" -eq 0 ]
	[[ $output == *'"daemon": "'$([ "$XENSTORED_FLAVOUR" = c ] && echo xenstored || echo oxenstored)'"'* ]]
	[[ $output == *'"ack": true'* ]]
	# Over /dev/xen/xenbus as well.
	run xsctl --xenbus control print hello
	[ "$status" -eq 0 ]
}

# bats test_tags=userspace
@test "control logfile, print, memreport FILE and log off (C xenstored); oxenstored has none of them but print" {
	if [ "$XENSTORED_FLAVOUR" != c ]; then
		run xsctl control logfile /tmp/xs-trace
		fails_with 9 "xsctl: control logfile: oxenstored does not know this command*"
		run xsctl control memreport
		fails_with 9 "xsctl: control memreport: oxenstored does not know this command*"
		return 0
	fi
	TRACE=/tmp/xsctl-trace-$$
	xsctl control logfile "$TRACE"
	xsctl control print "marker-$$"
	grep -q "control: marker-$$" "$TRACE"
	xsctl control memreport "$D/mem"
	[ -s "$D/mem" ]
	grep -q "talloc" "$D/mem"
	xsctl control log off
	TRACE=
	n=$(wc -l <"/tmp/xsctl-trace-$$")
	xsctl read /local/domain/0/name
	[ "$(wc -l <"/tmp/xsctl-trace-$$")" -eq "$n" ]
	rm -f "/tmp/xsctl-trace-$$"
}

# bats test_tags=userspace
@test "quota: dom0's use grows with its nodes; C xenstored's limits change with control quota set" {
	run xsctl quota
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^QUOTA\ +USED\ +LIMIT\ +SOFT\ DESCRIPTION$ ]]
	before=$(field nodes "$output" 2)
	printf 'write %s/n%d 1\n' $(for i in 1 2 3 4 5; do echo $T $i; done) | xsctl batch
	after=$(field nodes "$(xsctl quota 0)" 2)
	if [ "$XENSTORED_FLAVOUR" = c ]; then
		# $T's two levels and five children.
		[ "$after" -eq $((before + 7)) ]
		[ "$(field nodes "$(xsctl quota)" 3)" = 1000 ]
		[ "$(field memory "$(xsctl quota)" 4)" -gt 0 ]
		NODES_QUOTA=1000
		xsctl control quota set nodes 1234
		[ "$(field nodes "$(xsctl quota 0)" 3)" = 1234 ]
		run xsctl -j quota
		[[ $output == *'"daemon": "xenstored"'* && $output == *'"limit": 1234'* ]]
		xsctl control quota set nodes 1000
		NODES_QUOTA=
	else
		# oxenstored counts dom0's nodes too (and does not limit them).
		[ "$after" -eq $((before + 7)) ]
		[ "$(field nodes "$(xsctl quota)" 3)" = 1000 ]
		run xsctl quota
		[ "${#lines[@]}" -eq 2 ]
	fi
	run xsctl quota 4242
	fails_with 3 "xsctl: quota 4242: No such file or directory (no domain with that id is known to the store)"
}

@test "a domU filling its node quota is refused (C: exit 8; oxenstored: EQUOTA arrives as EINVAL), and quota shows it at the limit" {
	# The first domU test's domain, its quota job waiting for data/quota-go.
	if domu_reuse xsctl-domu; then
		DOMU=xsctl-domu
	else
		DOMU=quota-domu
		domu_create quota-domu quota "$D"
	fi
	id=$domid
	if [ "$XENSTORED_FLAVOUR" = c ]; then
		# Room for 60 more than it owns now: quick to fill.
		limit=$(($(field nodes "$(xsctl quota "$id")" 2) + 60))
		NODES_QUOTA=1000
		xsctl control quota set nodes $limit
	else
		limit=1000
	fi
	xsctl write "/local/domain/$id/data/quota-go" 1
	[ "$DOMU" = xsctl-domu ] || xl unpause quota-domu
	for _ in $(seq 600); do
		r=$(xsctl read "/local/domain/$id/data/quota-result" 2>/dev/null) || r=
		[ -n "$r" ] && break
		sleep 0.5
	done
	[ -n "$r" ] || {
		echo "no result from the domU" >&2
		domu_console "$DOMU"
		return 1
	}
	echo "domU said: $r"
	run xsctl quota "$id"
	echo "$output"
	[ "$(field nodes "$output" 2)" -eq "$limit" ]
	[ "$(field nodes "$output" 3)" -eq "$limit" ]
	xl destroy "$DOMU" 2>/dev/null || true
	DOMU=
	if [ "$XENSTORED_FLAVOUR" = c ]; then
		[[ $r =~ ^8\ [0-9]+\ xsctl:\ line\ [0-9]+:\ write\ data/q/[0-9]+:\ No\ space\ left\ on\ device\ \(a\ daemon\ quota\ was\ hit\)$ ]]
	else
		[[ $r =~ ^2\ [0-9]+\ xsctl:\ line\ [0-9]+:\ write\ data/q/[0-9]+:\ Invalid\ argument\ \(.*quota.*\)$ ]]
	fi
}
