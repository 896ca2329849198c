#!/usr/bin/env bats
# xsctl on the host: there is no XenStore here, so this pins down everything
# that must be decided before a daemon is contacted: usage, option parsing,
# path and size checks, the tx/batch script parser (--dry-run), dump
# validation, and the "no daemon" error for each transport.

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	X=$HV_TOP/tools/xsctl/xsctl
	[ -x "$X" ] || {
		echo "xsctl is not built: run make" >&2
		return 1
	}
	# A missing daemon must be missing for every transport the tests name.
	export XENSTORED_PATH=$BATS_TEST_TMPDIR/no-such-socket
}

teardown() {
	[ -n "${FAKE:-}" ] && kill "$FAKE" 2>/dev/null
	return 0
}

# fake FLAVOUR: a daemon answering control commands as Xen 4.17's C
# xenstored (c), oxenstored (ocaml) or C xenstored to a domU (denied) do
# (tests/host/fixtures/fake-xenstored.py); S is the option that reaches it.
fake() {
	local sock=$BATS_TEST_TMPDIR/fake-$1.sock
	python3 "$HV_TOP/tests/host/fixtures/fake-xenstored.py" "$sock" "$1" </dev/null \
		>/dev/null 2>&1 3>&- &
	FAKE=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && break
		sleep 0.05
	done
	S=(--socket "$sock")
}

load "$BATS_TEST_DIRNAME/../assert"

@test "--help lists every verb and the man page, exits 0" {
	run "$X" --help
	[ "$status" -eq 0 ]
	for v in read write mkdir rm exists incr ls tree perms chmod domain-path watch wait \
		tx batch dump restore control quota; do
		[[ $output == *"  $v "* ]] || { echo "verb $v missing" >&2; false; }
	done
	[[ $output == *"xsctl(1)"* ]]
}

@test "a verb's --help shows its own options" {
	run "$X" tree --help
	[ "$status" -eq 0 ]
	[[ $output == *"tree [-f] [-p] [--depth N] [PATH]"* ]]
	[[ $output == *"--depth"* ]]
	[[ $output != *"--skip-initial"* ]]
}

@test "--version prints the hvutils version" {
	run "$X" --version
	[ "$status" -eq 0 ]
	[[ $output == "xsctl (hvutils) "[0-9]* ]]
}

@test "no verb is a usage error (exit 2)" {
	run "$X"
	fails_with 2 "xsctl: no verb given (try 'xsctl --help')"
}

@test "an unknown verb exits 2 and suggests the closest" {
	run "$X" raed /x
	fails_with 2 "xsctl: unknown verb 'raed': did you mean 'read'?*"
	run "$X" frobnicate /x
	fails_with 2 "xsctl: unknown verb 'frobnicate'*"
}

@test "a command line without options skips popt but means the same as with '--'" {
	# Option-free command lines take a shorter path (bench/xsctl/README):
	# each pair must give the same status and the same one line.
	for args in "read /a:b" "raed /x" "re /x" "read" "domain-path x" "read /x"; do
		# shellcheck disable=SC2086 # the words are meant to split
		run "$X" $args
		local fast_status=$status fast_output=$output
		# shellcheck disable=SC2086
		run "$X" -- $args
		[ "$status" -eq "$fast_status" ] || { echo "$args: $fast_status vs $status"; return 1; }
		[ "$output" = "$fast_output" ] || { echo "$args: '$fast_output' vs '$output'"; return 1; }
		[ "$status" -ne 0 ]
	done
	# And a verb's own '--' ends its options on both paths alike.
	run "$X" read /a:b
	local fast=$output
	run "$X" read -- /a:b
	[ "$output" = "$fast" ]
	fails_with 2 "xsctl: invalid path '/a:b': *"
}

@test "an ambiguous verb prefix exits 2 naming the verbs it matches; a unique prefix runs the verb" {
	run "$X" re /x
	fails_with 2 "xsctl: ambiguous verb 're': read, restore (try 'xsctl --help')"
	run "$X" domain 0
	fails_with 5 "xsctl: cannot reach XenStore via XENSTORED_PATH=*"
}

@test "an unknown option exits 2 and suggests the closest, before and after the verb" {
	run "$X" --jsno read /x
	fails_with 2 "xsctl: unknown option '--jsno': did you mean '--json'?*"
	run "$X" read --prefx /x
	fails_with 2 "xsctl: unknown option '--prefx': did you mean '--prefix'?*"
	run "$X" watch --skip-initail /x
	fails_with 2 "*did you mean '--skip-initial'?*"
}

@test "an option of another verb is unknown to this one" {
	run "$X" read --tidy /x
	fails_with 2 "xsctl: *--tidy*"
}

@test "--quiet with --verbose, and --socket with --xenbus, exclude each other" {
	run "$X" -q -v read /x
	fails_with 2 "xsctl: --quiet and --verbose exclude each other*"
	run "$X" --socket /run/s --xenbus read /x
	fails_with 2 "xsctl: --socket and --xenbus exclude each other*"
}

@test "missing or extra arguments are usage errors naming the verb" {
	run "$X" read
	fails_with 2 "xsctl: read: expected PATH...*"
	run "$X" write /a
	fails_with 2 "xsctl: write: expected PATH VALUE*"
	run "$X" write /a 1 /b
	fails_with 2 "xsctl: write: expected PATH VALUE*"
	run "$X" ls /a /b
	fails_with 2 "xsctl: ls: expected one PATH*"
	run "$X" chmod /a
	fails_with 2 "xsctl: chmod: expected PATH PERM...*"
	run "$X" wait /a /b --timeout 1
	fails_with 2 "xsctl: wait: expected one PATH*"
	run "$X" tx extra
	fails_with 2 "xsctl: tx: unexpected argument*"
}

@test "invalid path characters exit 2 before any daemon is contacted" {
	for p in 'a b' '/a:b' '/a/é' '/a.b' '/a*'; do
		run "$X" read "$p"
		fails_with 2 "xsctl: invalid path '*': only A-Z a-z 0-9 / _ @ - are allowed*"
	done
}

@test "empty components, trailing slashes and empty paths are invalid" {
	run "$X" write //a 1
	fails_with 2 "xsctl: invalid path '//a': empty path component ('//')*"
	run "$X" rm /a/
	fails_with 2 "xsctl: invalid path '/a/': trailing '/'*"
	run "$X" read ''
	fails_with 2 "xsctl: invalid path '': empty path*"
}

@test "paths over 3072 bytes (absolute) or 2048 (relative) exit 2; the limits themselves pass" {
	abs=/$(printf 'a%.0s' $(seq 3072))
	run "$X" read "$abs"
	fails_with 2 "*longer than 3072 bytes (absolute path limit)*"
	run "$X" read "${abs:0:3072}"
	fails_with 5 "xsctl: cannot reach XenStore*"
	rel=$(printf 'b%.0s' $(seq 2049))
	run "$X" read "$rel"
	fails_with 2 "*longer than 2048 bytes (relative path limit)*"
	run "$X" read "${rel:0:2048}"
	fails_with 5 "xsctl: cannot reach XenStore*"
}

@test "watch accepts the special @introduceDomain and @releaseDomain paths" {
	run "$X" watch @introduceDomain @releaseDomain
	fails_with 5 "xsctl: cannot reach XenStore*"
}

@test "a value over 4096 bytes exits 2 before sending, from argv or from stdin" {
	big=$(head -c 4097 /dev/zero | tr '\0' v)
	run "$X" write /a "$big"
	fails_with 2 "xsctl: value for /a is 4097 bytes, over the 4096-byte XenStore payload limit*"
	run bash -c "head -c 5000 /dev/zero | '$X' write /a -"
	fails_with 2 "xsctl: value for /a from stdin is over the 4096-byte XenStore payload limit*"
}

@test "path plus value over the 4096-byte payload exits 2; escapes count decoded" {
	run "$X" write /abc "$(head -c 4094 /dev/zero | tr '\0' v)"
	fails_with 2 "xsctl: path and value for /abc are 4099 bytes together*"
	# 1400 escapes of 4 characters are 1400 bytes: fine, so it gets to the daemon.
	run "$X" write /a "$(printf '\\x00%.0s' $(seq 1400))"
	fails_with 5 "xsctl: cannot reach XenStore*"
}

@test "nothing is sent when any pair of a multi-pair write is bad" {
	run "$X" write /a 1 '/b c' 2
	fails_with 2 "xsctl: invalid path '/b c'*"
}

@test "a value ending in a lone backslash exits 2" {
	run "$X" write /a 'abc\'
	fails_with 2 "xsctl: value for /a ends in a lone * (write * for a backslash)*"
}

@test "chmod rejects permission tokens that are not n/r/w/b<domid>" {
	for t in x5 r rr5 r-1 r70000 'r 5' n0x; do
		run "$X" chmod /a n0 "$t"
		fails_with 2 "xsctl: chmod: invalid permission '$t'*"
	done
}

@test "domain-path, incr, tree, watch and wait check their numbers" {
	run "$X" domain-path 99999
	fails_with 2 "xsctl: domain-path: DOMID '99999' is not a domain id*"
	run "$X" domain-path 0x1
	fails_with 2 "xsctl: domain-path: DOMID*"
	run "$X" incr /c 1.5
	fails_with 2 "xsctl: incr: DELTA '1.5' is not an integer*"
	run "$X" tree --depth 0 /
	fails_with 2 "xsctl: --depth must be 1 or more*"
	run "$X" watch -n -1 /a
	fails_with 2 "xsctl: --count must be 1 or more*"
	run "$X" wait --timeout soon /a
	fails_with 2 "xsctl: --timeout 'soon': expected seconds*"
	run "$X" wait --value 1 --gone --timeout 1 /a
	fails_with 2 "xsctl: --value, --exists and --gone exclude each other*"
	run "$X" tx --retries -1 </dev/null
	fails_with 2 "xsctl: --retries must be 0 or more*"
}

@test "no daemon: the default transport names the socket and xenbus, exit 5 with the hint" {
	run env -u XENSTORED_PATH "$X" read /local/domain/0/name
	fails_with 5 "xsctl: cannot reach XenStore via socket /run/xenstored/socket, then /dev/xen/xenbus: No such file or directory (is xenstored running? is xenfs mounted on /proc/xen?)*"
}

@test "no daemon: XENSTORED_PATH, --socket and --xenbus each name what was tried" {
	run "$X" read /a
	fails_with 5 "xsctl: cannot reach XenStore via XENSTORED_PATH=$XENSTORED_PATH: No such file or directory (is xenstored running?*"
	run "$X" --socket /nonexistent/sock read /a
	fails_with 5 "xsctl: cannot reach XenStore via socket /nonexistent/sock: *"
	run "$X" read --xenbus /a
	fails_with 5 "xsctl: cannot reach XenStore via /dev/xen/xenbus: *"
}

@test "--socket on something that is not a socket is refused, not opened as a device" {
	: >"$BATS_TEST_TMPDIR/plain"
	run "$X" --socket "$BATS_TEST_TMPDIR/plain" read /a
	fails_with 5 "xsctl: cannot reach XenStore via socket $BATS_TEST_TMPDIR/plain: Socket operation on non-socket*"
}

@test "batch --dry-run prints each line's words as JSON, without a daemon" {
	cat >"$BATS_TEST_TMPDIR/s" <<'EOF'
# a comment line

write /a "two words"   # trailing comment
write /b 'single \x00 "quoted"' /c ""
read -p /a\ b/../c
write /d "say \"hi\" \\ \n"
EOF
	sed -i 's|^read -p .*|read -p /a /b|' "$BATS_TEST_TMPDIR/s"
	run "$X" batch --dry-run -f "$BATS_TEST_TMPDIR/s"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"line":3,"argv":["write","/a","two words"]}' ]
	[ "${lines[1]}" = '{"line":4,"argv":["write","/b","single \\x00 \"quoted\"","/c",""]}' ]
	[ "${lines[2]}" = '{"line":5,"argv":["read","-p","/a","/b"]}' ]
	[ "${lines[3]}" = '{"line":6,"argv":["write","/d","say \"hi\" \\ \\n"]}' ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "the script parser: backslash outside quotes, # inside a word, tabs" {
	run "$X" batch -n < <(printf 'write\t/a\\_b x\\ y\nwrite /e x#y #z\n')
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"line":1,"argv":["write","/a_b","x y"]}' ]
	[ "${lines[1]}" = '{"line":2,"argv":["write","/e","x#y"]}' ]
}

@test "script lines are checked like argv: the line number is in the one-line error" {
	run "$X" tx -n < <(printf 'write /a 1\n\nmkdir /e#f\n')
	fails_with 2 "xsctl: line 3: invalid path '/e#f': only A-Z*"
	run "$X" batch -n < <(printf 'read /a\nread /b\nwrte /c 1\n')
	fails_with 2 "xsctl: line 3: unknown verb 'wrte': did you mean 'write'?*"
	run "$X" batch -n < <(printf 'read --prefx /a\n')
	fails_with 2 "xsctl: unknown option '--prefx': did you mean '--prefix'?*"
	run "$X" tx -n < <(printf 'write /a\n')
	fails_with 2 "xsctl: line 1: write: expected PATH VALUE*"
}

@test "unterminated quotes and a trailing backslash are syntax errors with the line" {
	run "$X" batch -n < <(printf 'read /a\nwrite /a "x\n')
	fails_with 2 "xsctl: line 2: unterminated double quote*"
	run "$X" tx -n < <(printf "write /a 'x\n")
	fails_with 2 "xsctl: line 1: unterminated single quote*"
	run "$X" tx -n < <(printf 'write /a x\\')
	fails_with 2 "xsctl: line 1: lone backslash at the end of the line*"
}

@test "a syntax error anywhere stops the script before the daemon is contacted" {
	# Without --dry-run: the parse error wins over the missing daemon.
	run "$X" tx < <(printf 'write /a 1\nwrite /b "2\n')
	fails_with 2 "xsctl: line 2: unterminated double quote*"
}

@test "watch, wait, tx, batch, restore and transport options are refused inside scripts" {
	for v in "watch /a" "wait /a" "tx" "batch" "restore f" "control check" "quota 1"; do
		run "$X" batch -n < <(echo "$v")
		fails_with 2 "xsctl: line 1: '${v%% *}' cannot run inside a tx or batch script*"
	done
	run "$X" tx -n < <(echo "read --xenbus /a")
	fails_with 2 "xsctl: line 1: --socket and --xenbus belong on the command line*"
	run "$X" tx -n < <(echo "write /a -")
	fails_with 2 "xsctl: line 1: write: a value of '-' (stdin) is not available in scripts*"
}

@test "tx and batch without --dry-run need the daemon (exit 5); a missing -f file exits 3" {
	run "$X" tx < <(echo "read /a")
	fails_with 5 "xsctl: cannot reach XenStore*"
	run "$X" batch -f "$BATS_TEST_TMPDIR/none"
	fails_with 3 "xsctl: reading the script from $BATS_TEST_TMPDIR/none: No such file or directory"
}

@test "restore checks the whole dump before connecting" {
	d=$BATS_TEST_TMPDIR
	echo '{"path": "/a", "value": "x"' >"$d/trunc.json"
	run "$X" restore "$d/trunc.json"
	fails_with 2 "xsctl: restore: $d/trunc.json is not JSON*"
	echo '{"value": "x"}' >"$d/nopath.json"
	run "$X" restore "$d/nopath.json"
	fails_with 2 "xsctl: restore: $d/nopath.json has no \"path\": give --to PATH*"
	echo '{"path": "/a", "children": {"b": {"perms": ["q1"]}}}' >"$d/perm.json"
	run "$X" restore "$d/perm.json"
	fails_with 2 "xsctl: restore: /a/b: invalid permission in \"perms\"*"
	echo '{"path": "/a", "children": {"b c": {}}}' >"$d/name.json"
	run "$X" restore "$d/name.json"
	fails_with 2 "xsctl: invalid path '/a/b c'*"
	echo '{"path": "/a", "value_hex": "0g"}' >"$d/hex.json"
	run "$X" restore "$d/hex.json"
	fails_with 2 "xsctl: restore: /a: \"value_hex\" is not hexadecimal*"
	printf '{"path": "/a", "value": "%s"}' "$(head -c 4100 /dev/zero | tr '\0' v)" >"$d/big.json"
	run "$X" restore "$d/big.json"
	fails_with 2 "xsctl: value for /a is 4100 bytes*"
	# A valid dump passes every check and then needs the daemon.
	echo '{"path": "/a", "value_hex": "00ff", "perms": ["n0", "r5"], "children": {"b": {"value": "é"}}}' >"$d/ok.json"
	run "$X" restore --to /z "$d/ok.json"
	fails_with 5 "xsctl: cannot reach XenStore*"
}

@test "restore --replace without --to says which subtree the dump makes it remove" {
	d=$BATS_TEST_TMPDIR
	printf '{"path": "/local/domain/0/victim", "value": "x"}\n' >"$d/crafted.json"
	run "$X" restore --replace "$d/crafted.json"
	[[ ${lines[0]} == "xsctl: restore: --replace removes /local/domain/0/victim and everything below it, the path the dump names (give --to PATH to name it yourself)" ]]
	run "$X" restore --replace --to /z "$d/crafted.json"
	[[ $output != *"--replace removes"* ]]
	run "$X" -q restore --replace "$d/crafted.json"
	[[ $output != *"--replace removes"* ]]
}

@test "restore takes a dump as deep as dump writes it, and nothing after it" {
	d=$BATS_TEST_TMPDIR
	# 40 nested nodes are 81 JSON levels (json-c stops at 32 by default).
	python3 -c '
import json
node = {"value": "leaf"}
for i in range(40):
    node = {"value": str(i), "children": {"n%d" % i: node}}
node["path"] = "/deep"
print(json.dumps(node))' >"$d/deep.json"
	run "$X" restore "$d/deep.json"
	fails_with 5 "xsctl: cannot reach XenStore*"
	echo '{"path": "/a", "value": "x"} {"path": "/b"}' >"$d/two.json"
	run "$X" restore "$d/two.json"
	fails_with 2 "xsctl: restore: $d/two.json is not JSON: bytes after the end of the dump*"
	echo '{"path": "/a", "value": "x"' >"$d/trunc.json"
	run "$X" restore "$d/trunc.json"
	fails_with 2 "xsctl: restore: $d/trunc.json is not JSON: empty or incomplete*"
}

@test "control and quota check their arguments before connecting" {
	run "$X" control
	fails_with 2 "xsctl: control: expected CMD \\[ARGS...\\]*"
	run "$X" control live-update /usr/sbin/xenstored
	fails_with 2 "xsctl: control: live-update replaces the daemon: use xenstore-control for it*"
	run "$X" control print "$(head -c 4090 /dev/zero | tr '\0' x)"
	fails_with 2 "xsctl: control print: command and arguments are 4097 bytes, over the 4096-byte*"
	for d in x -1 32752 0x5; do
		run "$X" quota -- "$d"
		fails_with 2 "xsctl: quota: DOMID '$d' is not a domain id (0-32751)*"
	done
	run "$X" quota 1 2
	fails_with 2 "xsctl: quota: expected at most one DOMID*"
	run "$X" quota 1
	fails_with 5 "xsctl: cannot reach XenStore*"
}

@test "control passes C xenstored's replies on; an acknowledgement prints nothing" {
	fake c
	run "$X" "${S[@]}" control quota
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Quota settings:" ]
	[ "${lines[1]}" = "nodes            :     1000 Nodes per domain" ]
	run "$X" "${S[@]}" control check
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$X" "${S[@]}" -j control print hello
	[ "$status" -eq 0 ]
	[ "$(jq -c . <<<"$output")" = '{"daemon":"xenstored","command":"print","args":["hello"],"ack":true,"reply":null}' ]
	run "$X" "${S[@]}" control -j quota 5
	[ "$(jq -r .reply <<<"$output" | sed -n 2p)" = "nodes           :       23" ]
	run "$X" "${S[@]}" control help
	[[ ${lines[0]} == check$'\t' ]]
}

@test "control: a command the daemon does not know exits 9 with one line naming its commands" {
	fake c
	run "$X" "${S[@]}" control watches
	fails_with 9 "xsctl: control watches: xenstored does not know this command (its commands: check log live-update logfile memreport print quota quota-soft help)"
	kill "$FAKE"
	fake ocaml
	run "$X" "${S[@]}" control check
	fails_with 9 "xsctl: control check: oxenstored does not know this command (its commands: print quota watches xenbus mfn)"
	run "$X" "${S[@]}" control quota set nodes 5
	fails_with 9 "xsctl: control quota: oxenstored offers only 'quota <domid>' (its commands:*"
}

@test "control: arguments the daemon refuses exit 2 with its synopsis; no log file is named" {
	fake c
	run "$X" "${S[@]}" control quota set nodes 0
	fails_with 2 "xsctl: control quota: Invalid argument (the daemon refused the arguments; it takes: quota \\[set <name> <val>|<domid>\\])"
	run "$X" "${S[@]}" control memreport
	fails_with 2 "xsctl: control memreport: Invalid argument (without FILE the daemon writes to its log file*"
	run "$X" "${S[@]}" control quota 9
	fails_with 3 "xsctl: control quota: No such file or directory"
}

@test "control on oxenstored: help from xsctl, data replies, and OK instead of data exits 1" {
	fake ocaml
	run "$X" "${S[@]}" control help
	[ "$status" -eq 0 ]
	[ "$output" = $'print\t<string>\nquota\t<domid>\nwatches\t\nxenbus\t<domid>\nmfn\t<domid>' ]
	run "$X" "${S[@]}" control quota 5
	[ "$output" = "dom5 quota: 23/1000" ]
	run "$X" "${S[@]}" control quota x
	fails_with 1 "xsctl: control quota: oxenstored answered OK instead of data (oxenstored answers so when it cannot do what was asked*"
	run "$X" "${S[@]}" control print hello
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "a domain the daemon does not privilege: control and quota exit 4" {
	fake denied
	run "$X" "${S[@]}" control check
	fails_with 4 "xsctl: control check: Permission denied (only dom0 (or a domain the daemon privileges) may send control commands)"
	run "$X" "${S[@]}" quota
	fails_with 4 "xsctl: control quota: Permission denied*"
}

@test "quota on C xenstored: use, limits and soft limits in one table, and -j" {
	fake c
	run "$X" "${S[@]}" quota 5
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "QUOTA             USED   LIMIT    SOFT DESCRIPTION" ]
	[ "${lines[1]}" = "nodes               23    1000       - Nodes per domain" ]
	[ "${lines[6]}" = "memory            4567 2621440 2097152 Total Xenstore memory per domain (error level)" ]
	[ "${#lines[@]}" -eq 10 ]
	run "$X" "${S[@]}" quota -j
	[ "$(jq -c '[.domid, .daemon, .quotas[0].quota, .quotas[0].used, .quotas[4].used]' <<<"$output")" = '[0,"xenstored","nodes",57,null]' ]
	run "$X" "${S[@]}" quota 7
	fails_with 3 "xsctl: quota 7: No such file or directory (no domain with that id is known to the store)"
}

@test "quota on oxenstored: its node count and limit; an unknown domain exits 3" {
	fake ocaml
	run "$X" "${S[@]}" quota 5
	[ "$status" -eq 0 ]
	[ "$output" = $'QUOTA USED LIMIT SOFT DESCRIPTION\nnodes   23  1000    - Nodes per domain' ]
	run "$X" "${S[@]}" -j quota 5
	[ "$(jq -c '[.daemon, .quotas]' <<<"$output")" = '["oxenstored",[{"quota":"nodes","used":23,"limit":1000,"soft":null,"description":"Nodes per domain"}]]' ]
	run "$X" "${S[@]}" quota 7
	fails_with 3 "xsctl: quota 7: No such file or directory (no domain with that id is known to the store)"
}
