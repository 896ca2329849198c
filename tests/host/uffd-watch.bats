#!/usr/bin/env bats
# uffd-watch: probe, run (preload agent) and serve (Firecracker protocol).
# Needs root (userfaultfd with vm.unprivileged_userfaultfd=0), jq and the
# test programs from tests/uffd/ (make check-build). The same file runs in
# the pci guest through tests/guest/pci/30-uffd-watch.bats.

bats_require_minimum_version 1.5.0

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	# The build tree on the host; the installed tool in a guest (HV_TOP=/).
	# shellcheck source=../uffd/setup.bash
	. "$HV_TOP/tests/uffd/setup.bash"
	uffd_setup uffd-touch jq
}

# A failed test may leave a serve of several VMMs running: it would hold
# bats' output open. SIGTERM hands its VMMs their memory, so they end too.
teardown() {
	if [ -n "${SERVE:-}" ] && kill -0 "$SERVE" 2>/dev/null; then
		kill -TERM "$SERVE"
		wait "$SERVE" || true
	fi
}

# The region a test program printed ("region ADDR PAGES").
region() { awk '$1 == "region" { print $2 }' "$1"; }

# Fault lines of the text trace in $1 that fall into mapping $2: "kind offset".
faults_in() { awk -v m="$2" '$4 != "-" && $6 ~ "^"m"\\+" { sub(".*\\+", "", $6); print $4, $6 }' "$1"; }

# ---- usage ------------------------------------------------------------------

# bats test_tags=userspace
@test "no verb is a usage error (exit 2) naming the verbs" {
	run "$UW"
	fails_with 2 "uffd-watch: missing verb (probe, run, serve, dirty or plot)*"
}

# bats test_tags=userspace
@test "an unknown verb is a usage error with a suggestion" {
	run "$UW" prbe
	fails_with 2 "uffd-watch: unknown verb 'prbe': did you mean 'probe'? *"
}

# bats test_tags=userspace
@test "--help and --version exit 0" {
	run "$UW" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"serve --socket PATH --memory FILE"* ]]
	run "$UW" --version
	[ "$status" -eq 0 ]
	[[ "$output" == *"uffd-watch"* ]]
}

# bats test_tags=userspace
@test "run without a command is a usage error" {
	run "$UW" run --trace
	fails_with 2 "uffd-watch: run needs a command*"
}

# bats test_tags=userspace
@test "run --mode and --min-size are checked" {
	run "$UW" run --mode bogus -- true
	fails_with 2 "uffd-watch: --mode bogus: use missing, wp, minor or wp-async*"
	run "$UW" run --min-size 12Q -- true
	fails_with 2 "uffd-watch: --min-size 12Q: *"
	run "$UW" run --serve file: -- true
	fails_with 2 "uffd-watch: --serve file:: use zero or file:PATH*"
}

# bats test_tags=userspace
@test "run: a command that does not exist exits 127 with the reason" {
	run -127 "$UW" run -- /nonexistent/cmd
	fails_with 127 "uffd-watch: cannot run /nonexistent/cmd: No such file or directory*"
}

# bats test_tags=userspace
@test "run: a missing preload agent is reported (exit 3)" {
	UFFD_WATCH_AGENT=/nonexistent/agent.so run "$UW" run -- true
	fails_with 3 "uffd-watch: agent /nonexistent/agent.so: No such file or directory*"
}

# ---- probe ------------------------------------------------------------------

@test "the common options go before or after the verb alike" {
	run "$UW" --json probe
	[ "$status" -eq 0 ]
	local before=$output
	run "$UW" probe --json
	[ "$status" -eq 0 ]
	[ "$output" = "$before" ]
	[[ $before == "{"* ]]
}

@test "probe --json has every field" {
	run "$UW" probe --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '
		(.entry_points | keys == ["dev_userfaultfd","syscall","syscall_user_mode_only"]) and
		([.entry_points[] | has("works") and has("error") and has("hint")] | all) and
		has("unprivileged_userfaultfd") and (.dev_userfaultfd | has("exists")) and
		.api == 170 and
		([.features | keys[]] | length) == 17 and
		(.features | has("event_fork") and has("thread_id") and has("minor_shmem")) and
		(.ioctls | index("api") != null and index("register") != null) and
		(.memory | keys == ["anonymous","hugetlbfs","shmem"]) and
		([.memory[] | has("available") and has("missing") and has("wp") and has("minor")] | all) and
		.memory.anonymous.missing.works == true and
		(.memory.anonymous.missing.ioctls | index("copy") != null)'
}

# kver_ge MAJOR MINOR: the running kernel is at least MAJOR.MINOR.
kver_ge() {
	local v maj min
	v=$(uname -r)
	maj=${v%%.*}
	min=${v#*.}
	min=${min%%[!0-9]*}
	[ "$maj" -gt "$1" ] || { [ "$maj" -eq "$1" ] && [ "$min" -ge "$2" ]; }
}

@test "probe: the newer features are offered exactly from their kernel on" {
	run "$UW" probe --json
	[ "$status" -eq 0 ]
	echo "kernel $(uname -r): $(echo "$output" | jq -c .features)"
	for f in wp_unpopulated:6.4 poison:6.6 wp_async:6.7 move:6.8; do
		v=${f#*:}
		want=false
		kver_ge "${v%.*}" "${v#*.}" && want=true
		[ "$(echo "$output" | jq ".features.${f%%:*}")" = "$want" ]
	done
	# Every kernel the project supports (6.1 on) has these.
	echo "$output" | jq -e '.features | .pagefault_flag_wp and .minor_shmem and
		.exact_address and .wp_hugetlbfs_shmem'
}

@test "probe: every entry point reported as working really works" {
	run "$UW" probe --json
	[ "$status" -eq 0 ]
	n=0
	for ep in syscall:syscall syscall_user_mode_only:user-mode dev_userfaultfd:dev; do
		if [ "$(echo "$output" | jq -r ".entry_points.${ep%%:*}.works")" = true ]; then
			run "$TU/uffd-entry" "${ep#*:}"
			echo "$ep: $output"
			[ "$status" -eq 0 ]
			[ "$output" = works ]
			n=$((n + 1))
		fi
	done
	[ "$n" -ge 1 ]
}

# The unprivileged paths hinge on userfaultfd(2) failing with EPERM; under
# tests/valgrind/run (valgrind 3.19 does not model that system call: ENOSYS)
# they run the real binary.
uw_native() {
	if [[ -n ${HV_VALGRIND_REAL_TOP:-} ]]; then
		echo "$HV_VALGRIND_REAL_TOP/tools/uffd-watch/uffd-watch"
	else
		echo "$UW"
	fi
}

@test "probe as an unprivileged user names the sysctl and the fix" {
	command -v setpriv >/dev/null || skip_or_fail "setpriv"
	[ "$(cat /proc/sys/vm/unprivileged_userfaultfd)" = 0 ] || skip "sysctl is 1 here"
	run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$(uw_native)" probe --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.entry_points.syscall.works == false and
		.entry_points.syscall.error == "Operation not permitted" and
		(.entry_points.syscall.hint | test("vm.unprivileged_userfaultfd"))'
	echo "$output" | jq -e '.entry_points.syscall_user_mode_only.works == true'
	if [ -e /dev/userfaultfd ]; then
		echo "$output" | jq -e '.entry_points.dev_userfaultfd.works == false and
			(.entry_points.dev_userfaultfd.hint | test("setfacl"))'
	fi
	run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$(uw_native)" probe
	[[ "$output" == *"userfaultfd(2)                       fails: Operation not permitted (vm.unprivileged_userfaultfd is 0"* ]]
}

# ---- run --------------------------------------------------------------------

@test "run --trace: exactly the touched pages, in touch order" {
	run "$UW" run --trace --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 16 -o 3,1,7,0,12 -w 7 -z
	[ "$status" -eq 0 ]
	echo "$output" >"$W/out"
	r=$(region "$W/out")
	[ -n "$r" ]
	grep -q "map address=$r length=65536" "$W/t"
	run faults_in "$W/t" "$r"
	[ "$output" = "$(printf 'read 0x3000\nread 0x1000\nwrite 0x7000\nread 0x0\nread 0xc000')" ]
}

@test "run --trace --json: the same pages as JSON objects with pid and tid" {
	run "$UW" run --trace --json --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 16 -o 5,2,9
	[ "$status" -eq 0 ]
	r=$(echo "$output" | awk '$1 == "region" { print $2 }')
	run jq -r --arg r "$r" 'select(.event == "fault" and .mapping == $r) | "\(.kind) \(.offset) \(.pid == .tid)"' "$W/t"
	[ "$output" = "$(printf 'read 20480 true\nread 8192 true\nread 36864 true')" ]
}

@test "run --mode wp reports exactly the pages written" {
	run "$UW" run --mode wp --trace --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 16 -o 0,1,2,3,4,5,1,4,9 -w 1,4,9
	[ "$status" -eq 0 ]
	r=$(region <(echo "$output"))
	run bash -c "awk -v m='$r' '(\$4 == \"write\" || \$4 == \"wp\") && \$6 ~ \"^\"m\"\\\\+\" { sub(\".*\\\\+\", \"\", \$6); print \$6 }' '$W/t' | sort -u"
	[ "$output" = "$(printf '0x1000\n0x4000\n0x9000')" ]
}

@test "run --mode wp --wp-unpopulated off: a page read first reports a wp fault when written" {
	run "$UW" run --mode wp --wp-unpopulated off --trace --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 16 -o 3,3w,5w,5
	[ "$status" -eq 0 ]
	r=$(region <(echo "$output"))
	run faults_in "$W/t" "$r"
	[ "$output" = "$(printf 'read 0x3000\nwp 0x3000\nwrite 0x5000')" ]
}

@test "run --mode wp: only writes fault where the kernel has WP_UNPOPULATED (6.4+)" {
	run "$UW" run --mode wp --trace --stats --json --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 16 -o 3,3w,5w,5,7
	[ "$status" -eq 0 ]
	r=$(region <(echo "$output"))
	run jq -r --arg r "$r" 'select(.event == "fault" and .mapping == $r) | "\(.kind) \(.offset)"' "$W/t"
	if kver_ge 6 4; then
		jq -se '.[-1].wp_unpopulated == true' "$W/t"
		[ "$output" = "$(printf 'wp 12288\nwp 20480')" ]
	else
		jq -se '.[-1].wp_unpopulated == false' "$W/t"
		[ "$output" = "$(printf 'read 12288\nwp 12288\nwrite 20480\nread 28672')" ]
	fi
}

@test "run --mode wp --serve file: keeps serving missing faults on every kernel" {
	"$TU/uffd-fc-client" make-memory "$W/content" 16
	run "$UW" run --mode wp --serve "file:$W/content" --stats --json --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 16 -o 4,4w -f "$W/content"
	[ "$status" -eq 0 ]
	jq -se '.[-1].wp_unpopulated == false and .[-1].faults.read >= 1 and .[-1].faults.wp >= 1' "$W/t"
}

# bats test_tags=userspace
@test "run --wp-unpopulated is checked" {
	run "$UW" run --mode wp --wp-unpopulated maybe -- true
	fails_with 2 "uffd-watch: --wp-unpopulated maybe: use auto or off*"
	run "$UW" run --wp-unpopulated off -- true
	fails_with 2 "uffd-watch: --wp-unpopulated applies to --mode wp only*"
}

@test "run: faults from threads carry the faulting thread's id" {
	run "$UW" run --trace --min-size 64K -o "$W/t" -- "$TU/uffd-threads" 4 32
	[ "$status" -eq 0 ]
	echo "$output" >"$W/out"
	r=$(region "$W/out")
	n=0
	while read -r _ tid pages; do
		for p in ${pages//,/ }; do
			off=$(printf '0x%x' $((p * 4096)))
			grep -q " $tid write 0x[0-9a-f]* $r+$off\$" "$W/t" || { echo "page $p not from $tid"; false; }
			n=$((n + 1))
		done
	done < <(grep '^thread ' "$W/out")
	[ "$n" -eq 32 ]
	[ "$(faults_in "$W/t" "$r" | wc -l)" -eq 32 ]
}

@test "run: a fork child's faults carry its pid, and the exit status comes through" {
	run "$UW" run --trace --min-size 64K -o "$W/t" -- "$TU/uffd-forker"
	exits_with 8
	echo "$output" >"$W/out"
	r=$(region "$W/out")
	parent=$(awk '$1 == "parent" { print $2 }' "$W/out")
	child=$(awk '$1 == "child" { print $2 }' "$W/out")
	grep -q "^[0-9.]* $parent - fork\$" "$W/t"
	grep -q "^[0-9.]* $child - attach parent=$parent\$" "$W/t"
	run awk -v m="$r" '$4 == "read" && $6 ~ "^"m"\\+" { sub(".*\\+", "", $6); print $2, $6 }' "$W/t"
	expect=""
	for i in 0 1 2 3; do expect+="$parent $(printf 0x%x $((i * 4096)))"$'\n'; done
	for i in 4 5 6 7; do expect+="$child $(printf 0x%x $((i * 4096)))"$'\n'; done
	for i in 8 9 10 11; do expect+="$parent $(printf 0x%x $((i * 4096)))"$'\n'; done
	[ "$output" = "${expect%$'\n'}" ]
}

@test "run: a program a shell forks and execs is traced under its own pid" {
	run "$UW" run --trace --min-size 64K -o "$W/t" -- sh -c "'$TU/uffd-touch' -p 16 -o 4,2; exit 5"
	exits_with 5
	echo "$output" >"$W/out"
	r=$(region "$W/out")
	pid=$(awk '$1 == "pid" { print $2 }' "$W/out")
	run awk -v m="$r" '$4 == "read" && $6 ~ "^"m"\\+" { print $2, $6 }' "$W/t"
	[ "$output" = "$(printf '%s %s+0x4000\n%s %s+0x2000' "$pid" "$r" "$pid" "$r")" ]
}

@test "run: the program's exit status and death by signal are passed on" {
	run "$UW" run -- "$TU/uffd-touch" -p 16 -x 42
	exits_with 42
	run "$UW" run -- sh -c 'kill -TERM $$'
	exits_with 143
	# killed outright: still a clean summary, no hang
	run "$UW" run --stats -- sh -c 'kill -KILL $$'
	exits_with 137
	[[ "$output" == *"faults:      0 (read 0"* ]]
}

@test "run --serve file: pages come from the file" {
	head -c $((16 * 4096)) /dev/urandom >"$W/content"
	run "$UW" run --serve "file:$W/content" --min-size 64K -- "$TU/uffd-touch" -p 16 -o 4,0,15 -f "$W/content"
	[ "$status" -eq 0 ]
	[[ "$output" == *ok* ]]
	# the same check fails without uffd-watch: the test can fail
	run "$TU/uffd-touch" -p 16 -o 4 -f "$W/content"
	exits_with 1
}

@test "run --fault-around: auto by default, off with --trace" {
	run "$UW" run --stats --json --min-size 64K -o "$W/s" -- "$TU/uffd-touch" -p 64 -z
	[ "$status" -eq 0 ]
	jq -e 'select(.event == "stats") | .fault_around.mode == "auto" and .faults.total < 20 and
		.fault_around.pages_ahead > 44' "$W/s"
	run "$UW" run --trace --stats --json --min-size 64K -o "$W/s" -- "$TU/uffd-touch" -p 64 -z
	[ "$status" -eq 0 ]
	jq -e 'select(.event == "stats") | .fault_around.mode == "off" and .faults.total >= 64 and
		.fault_around.pages_ahead == 0' "$W/s"
}

@test "run --fault-around auto: windows grow on sequential faults and stop at the mapping's end" {
	# 10 is a new stream (1 page), 11 follows it (4 pages: 11-14), 15 follows
	# that (8 pages, cut to the one page left in the mapping)
	run timeout 20 "$UW" run --fault-around auto --trace --json --stats --min-size 64K -o "$W/s" -- \
		"$TU/uffd-touch" -p 16 -o 10,11,12,13,14,15 -z
	[ "$status" -eq 0 ]
	r=$(echo "$output" | awk '$1 == "region" { print $2 }')
	run jq -r --arg r "$r" 'select(.event == "fault" and .mapping == $r) | .offset' "$W/s"
	[ "$output" = "$(printf '40960\n45056\n61440')" ]
	jq -e 'select(.event == "stats") | .fault_around.pages_ahead == 3' "$W/s"
}

@test "run --fault-around auto: random faults get one page each" {
	run "$UW" run --fault-around auto --stats --json --min-size 64K -o "$W/s" -- \
		"$TU/uffd-touch" -p 64 -o 40,3,17,58,9,30,51,22 -z
	[ "$status" -eq 0 ]
	jq -e 'select(.event == "stats") | .fault_around.pages_ahead == 0 and .faults.total == 8' "$W/s"
}

@test "run --fault-around: never over a page already present, never past the file" {
	# page 5 is written first; the windows of the sequential reads stop there
	run "$UW" run --fault-around auto --min-size 64K -- "$TU/uffd-touch" -p 64 \
		-o 5,$(seq -s, 0 63) -w 5 -z
	[ "$status" -eq 0 ]
	[[ "$output" == *ok* ]]
	# a 6-page file behind a 16-page mapping: pages 6-15 are zeros
	head -c $((6 * 4096)) /dev/urandom >"$W/content"
	run "$UW" run --serve "file:$W/content" --fault-around 16 --min-size 64K -- \
		"$TU/uffd-touch" -p 16 -o 0,$(seq -s, 6 15) -f "$W/content"
	[ "$status" -eq 0 ]
	[[ "$output" == *ok* ]]
}

# bats test_tags=userspace
@test "run --fault-around: values and modes are checked" {
	for v in 0 513 x auto:3 -1; do
		run "$UW" run --fault-around "$v" -- true
		fails_with 2 "uffd-watch: --fault-around $v: use auto, off or 1 to 512 pages*"
	done
	run "$UW" run --mode wp --fault-around auto -- true
	fails_with 2 "uffd-watch: --fault-around auto: only with --mode missing (use off)*"
	run "$UW" run --mode wp --fault-around off --min-size 64K -- "$TU/uffd-touch" -p 16
	[ "$status" -eq 0 ]
}

@test "run --stats: counts by kind, rate and latency percentiles" {
	run "$UW" run --stats --json --fault-around off --min-size 64K -o "$W/s" -- "$TU/uffd-touch" -p 16 -o 0,1,2,3,4 -w 3,4
	[ "$status" -eq 0 ]
	jq -e 'select(.event == "stats") | .faults.read >= 3 and .faults.write >= 2 and
		.faults_per_second > 0 and .latency_us.p50 > 0 and .latency_us.p99 >= .latency_us.p50' "$W/s"
	run "$UW" run --stats --min-size 64K -- "$TU/uffd-touch" -p 16
	[[ "$output" == *"latency:     p50 "* ]]
	[[ "$output" == *"faults/s"* ]]
}

@test "run --mode minor: shmem pages already in the page cache fault as minor" {
	run "$UW" run --mode minor --trace --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 16 -m -o 6,2
	[ "$status" -eq 0 ]
	r=$(region <(echo "$output"))
	run faults_in "$W/t" "$r"
	[ "$output" = "$(printf 'minor 0x6000\nminor 0x2000')" ]
}

@test "run: madvise and mremap show as remove, remap and new mapping events" {
	run "$UW" run --trace --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 16 -o 0,1 -d 1 -g
	[ "$status" -eq 0 ]
	echo "$output" >"$W/out"
	r=$(region "$W/out")
	g=$(awk '$1 == "grown" { print $2 }' "$W/out")
	grep -q " remove start=$(printf 0x%x $((r + 4096))) " "$W/t"
	grep -q " remap from=$r to=$g length=65536" "$W/t"
	[ "$(faults_in "$W/t" "$g" | wc -l)" -eq 16 ]
}

@test "run: uffd-watch killed while the program waits on a fault: the program finishes" {
	rm -f "$W/go"
	"$UW" run --min-size 64K -- "$TU/uffd-touch" -p 16 -W "$W/go" -z -x 3 >"$W/out" 2>&1 &
	uw=$!
	for _ in $(seq 100); do grep -q region "$W/out" && break; sleep 0.05; done
	target=$(awk '$1 == "pid" { print $2 }' "$W/out")
	kill -STOP "$uw"
	touch "$W/go"
	sleep 0.3
	# the target is blocked in its first fault now
	[ "$(awk '{ print $3 }' "/proc/$target/stat")" = S ]
	kill -KILL "$uw"
	wait "$uw" || true
	for _ in $(seq 100); do kill -0 "$target" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$target" 2>/dev/null
	grep -q '^ok$' "$W/out"
}

@test "run as an unprivileged user: traced through UFFD_USER_MODE_ONLY, with the caveat" {
	command -v setpriv >/dev/null || skip_or_fail "setpriv"
	[ "$(cat /proc/sys/vm/unprivileged_userfaultfd)" = 0 ] || skip "sysctl is 1 here"
	# a directory nobody can reach, unlike the test's own
	d=$(mktemp -d /tmp/uffd-watch-priv.XXXXXX)
	cp "$TU/uffd-touch" "$d/ut"
	uw=$(uw_native)
	# Where that user cannot reach the tool (a clone in root's 0700 home),
	# a copy of the tree's tool with its agent beside it.
	if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$uw"; then
		cp -L "$uw" "$d/uffd-watch"
		cp -L "$HV_TOP/tools/uffd-watch/uffd-watch-agent.so" "$d/"
		uw=$d/uffd-watch
	fi
	chmod -R a+rX "$d"
	run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$uw" run --trace --min-size 64K -- "$d/ut" -p 16 -o 2,1
	rm -rf "$d"
	[ "$status" -eq 0 ]
	[[ "$output" == *"only a UFFD_USER_MODE_ONLY userfaultfd was available: system calls that write into registered memory fail with EFAULT (run as root, or grant access to /dev/userfaultfd)"* ]]
	[[ "$output" == *"fork children are not followed (UFFD_FEATURE_EVENT_FORK needs CAP_SYS_PTRACE)"* ]]
	r=$(region <(echo "$output"))
	[ "$(echo "$output" | awk -v m="$r" '$4 == "read" && $6 ~ "^"m"\\+" { print $6 }' | tr '\n' ' ')" = "$r+0x2000 $r+0x1000 " ]
}

# bats test_tags=userspace
@test "run: malformed agent messages are rejected with a message" {
	for kind in garbage:"(7 bytes, type 0)" magic:"(64 bytes, type 1)" map:"(64 bytes, type 3)"; do
		run "$UW" run -- "$TU/uffd-bad-agent" "${kind%%:*}"
		echo "$kind: $output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"malformed message from the agent ${kind#*:}: dropping that process's userfaultfd"* ]]
		[[ "$output" == *"reply 0"* ]]
	done
}

# Under ASan (make SANITIZE=1) both were a heap-use-after-free in loop():
# a registration left in the epoll set, and an event of a proc dropped
# earlier in the same batch.
@test "run: a dropped process is never touched again (kept uffd dup, same-batch events)" {
	for kind in stale batch; do
		run timeout 30 "$UW" run -- "$TU/uffd-bad-agent" "$kind"
		echo "$kind: $output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"$kind ok"* ]]
	done
}

# bats test_tags=userspace
@test "run --trace: a text trace starts with a header naming its columns" {
	run "$UW" run --trace --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 16 -o 1
	[ "$status" -eq 0 ]
	[ "$(head -1 "$W/t")" = "# TIME PID TID KIND ADDRESS MAPPING+OFFSET  (events: TIME PID - EVENT KEY=VALUE...)" ]
	run "$UW" run --trace --json --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 16 -o 1
	jq -se 'length > 1' "$W/t"
}

@test "run --stats counts the mappings registered; a hint names --min-size when there were none" {
	run "$UW" run --stats --json --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 16 -o 1
	[ "$status" -eq 0 ]
	[[ "$output" != *hint* ]]
	jq -se '.[-1].registered_mappings >= 1' "$W/t"
	run "$UW" run --stats --min-size 1G -o "$W/t" -- "$TU/uffd-touch" -p 16 -o 1
	[ "$status" -eq 0 ]
	[[ "$output" == *"uffd-watch: hint: no mapping was registered: $TU/uffd-touch made none of at least --min-size 1073741824 bytes (try a smaller one), or it is statically linked (the agent cannot load)"* ]]
	grep -q "^mappings:    0 registered$" "$W/t"
	run "$UW" run -q --min-size 1G -- "$TU/uffd-touch" -p 16 -o 1
	[[ "$output" != *hint* ]]
}

# ---- dirty -------------------------------------------------------------------

@test "dirty reports exactly the pages a program wrote, per mapping, as ranges (6.7+; a clear error before)" {
	# The program pauses 1.5 s after writing: what it writes after the last
	# --interval scan before it exits is not reported (man page), and a
	# loaded TCG guest has missed a 50 ms tick in 400 ms.
	run "$UW" dirty --interval 50ms --json --stats --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 64 -o 0,1,5w,9w,10w,40w,41w,42w,63w,2 -P 1500
	if ! kver_ge 6 7; then
		exits_with 5
		[[ "$output" == *"dirty: the kernel lacks UFFD_FEATURE_WP_ASYNC: Operation not supported (write tracking without a fault round trip needs Linux 6.7 or later; use run --mode wp)"* ]]
		return
	fi
	[ "$status" -eq 0 ]
	r=$(region <(echo "$output"))
	run jq -r --arg r "$r" 'select(.event == "written" and .mapping == $r) | .ranges[] | range(.offset / 4096; .offset / 4096 + .pages)' "$W/t"
	[ "$(echo "$output" | sort -n | tr '\n' ' ')" = "5 9 10 40 41 42 63 " ]
	jq -se '.[-1].event == "stats" and .[-1].faults.total == 0 and .[-1].pages_written >= 7' "$W/t"
	# In text: one line per mapping and interval, offset ranges.
	run "$UW" dirty --interval 50ms --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 16 -o 3w,4w,8w -P 1500
	[ "$status" -eq 0 ]
	r=$(region <(echo "$output"))
	# Usually one line, "pages=3 +0x3000-0x5000 +0x8000-0x9000"; a tick may split it.
	grep " - written $r " "$W/t" | grep -Evq " pages=[0-9]+( \+0x[0-9a-f]+-0x[0-9a-f]+)+\$" && false
	pages=""
	for rg in $(grep " - written $r " "$W/t" | grep -oE '\+0x[0-9a-f]+-0x[0-9a-f]+'); do
		a=${rg#+}; b=${a#*-}; a=${a%-*}
		for ((pg = a / 4096; pg < b / 4096; pg++)); do pages+="$pg "; done
	done
	[ "$(echo $pages | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "3 4 8 " ]
}

# bats test_tags=userspace
@test "dirty and --interval are checked" {
	run "$UW" dirty --interval 1ms -- true
	fails_with 2 "uffd-watch: --interval 1ms: use a duration from 10ms to 24h*"
	run "$UW" run --interval 1s -- true
	fails_with 2 "uffd-watch: --interval applies to dirty (--mode wp-async) only*"
	run "$UW" dirty --mode wp -- true
	fails_with 2 "uffd-watch: dirty is --mode wp-async: no other --mode*"
	run "$UW" dirty --trace -- true
	fails_with 2 "uffd-watch: dirty (--mode wp-async)*: --trace and --serve do not apply*"
	run "$UW" dirty --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"dirty [--interval DURATION]"* ]]
}

# ---- serve ------------------------------------------------------------------

serve_bg() {
	rm -f "$W/s.sock"
	"$UW" serve --socket "$W/s.sock" --memory "$W/mem" --timeout 10s "$@" >"$W/serve.out" 2>"$W/serve.err" &
	SERVE=$!
}

@test "serve: pages match the memory file; the record is the first-touch order" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 40
	serve_bg --record "$W/rec" --stats --json
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -o 3,20,1,17,3,31
	[ "$status" -eq 0 ]
	[ "$output" = "ok 6 pages" ]
	wait "$SERVE"
	run grep -v '^#' "$W/rec"
	[ "$output" = "$(printf '0x3000\n0x14000\n0x1000\n0x11000\n0x1f000')" ]
	jq -e '.faults.total == 5' "$W/serve.out"
}

@test "serve: record then prefetch gives the same content with fewer faults" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 40
	serve_bg --record "$W/rec" --stats --json
	"$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -o 0,1,2,3,4,5,20,21,22
	wait "$SERVE"
	before=$(jq '.faults.total' "$W/serve.out")
	serve_bg --prefetch "$W/rec" --stats --json
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -R -o 0,1,2,3,4,5,20,21,22
	[ "$status" -eq 0 ]
	wait "$SERVE"
	after=$(jq '.faults.total' "$W/serve.out")
	[ "$before" -eq 9 ]
	[ "$after" -eq 0 ]
	jq -e '.prefetch.pages == 9 and .prefetch.pages_per_second > 0' "$W/serve.out"
}

@test "serve: a page removed by the balloon is zero when touched again" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 40
	serve_bg --trace
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -o 5,6 -d 5
	[ "$status" -eq 0 ]
	wait "$SERVE"
	grep -q ' remove start=0x' "$W/serve.out"
	[ "$(grep -c ' read 0x' "$W/serve.out")" -eq 3 ]
}

# bats test_tags=userspace
@test "serve: malformed region lists are rejected with a message (exit 1)" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 40
	while IFS='|' read -r json msg; do
		serve_bg
		run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -t -j "$json"
		[ "$output" = closed ]
		st=0; wait "$SERVE" || st=$?
		echo "$json -> $st $(cat "$W/serve.err")"
		[ "$st" -eq 1 ]
		grep -qF "$msg" "$W/serve.err"
		grep -qF "(the region list is rejected, nothing was served)" "$W/serve.err"
	done <<-'EOF'
	{"a":1}|the message is not a JSON array of regions
	[]|0 regions (1 to 1024 allowed)
	[1]|region 0: not a JSON object
	nonsense|the message is not valid JSON
	[{"size":8192,"offset":0,"page_size":4096}]|region 0: field "base_host_virt_addr" is missing
	[{"base_host_virt_addr":"4096","size":8192,"offset":0,"page_size":4096}]|field "base_host_virt_addr" is not an integer
	[{"base_host_virt_addr":-4096,"size":8192,"offset":0,"page_size":4096}]|field "base_host_virt_addr" is negative
	[{"base_host_virt_addr":4097,"size":8192,"offset":0,"page_size":4096}]|not a page-aligned user address
	[{"base_host_virt_addr":4096,"size":100,"offset":0,"page_size":4096}]|size 0x64 is not a non-zero multiple of the page size
	[{"base_host_virt_addr":4096,"size":8192,"offset":1638400,"page_size":4096}]|runs past the end of the memory file
	[{"base_host_virt_addr":4096,"size":8192,"offset":0,"page_size":8192}]|page size 8192: only 4096-byte and 2 MiB pages are served
	[{"base_host_virt_addr":4096,"size":8192,"offset":0}]|neither "page_size" nor "page_size_kib" is given
	[{"base_host_virt_addr":4096,"size":8192,"offset":0,"page_size":4096,"minor":1}]|field "minor" is not true or false
	[{"base_host_virt_addr":18446744073709547520,"size":8192,"offset":0,"page_size":4096}]|leaves the user address space
	[{"base_host_virt_addr":4096,"size":8192,"offset":0,"page_size":4096},{"base_host_virt_addr":8192,"size":4096,"offset":65536,"page_size":4096}]|region 1: host range overlaps region 0
	[{"base_host_virt_addr":4096,"size":8192,"offset":0,"page_size":4096},{"base_host_virt_addr":65536,"size":4096,"offset":4096,"page_size":4096}]|region 1: file range overlaps region 0
	EOF
}

# A socket directory every uid can search (the test's own is root's alone).
pub_dir() {
	D=$(mktemp -d /tmp/uffd-watch-pub.XXXXXX)
	chmod 755 "$D"
}

wait_socket() {
	for _ in $(seq 200); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

@test "serve: the socket is 0600 whatever the umask; another uid cannot connect" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 32
	pub_dir
	(umask 000; exec "$UW" serve --socket "$D/s.sock" --memory "$W/mem" --timeout 10s \
		>"$W/serve.out" 2>"$W/serve.err") &
	SERVE=$!
	wait_socket "$D/s.sock"
	[ "$(stat -c %a "$D/s.sock")" = 600 ]
	[ "$(stat -c %u "$D/s.sock")" = 0 ]
	run "$TU/uffd-fc-client" run "$D/s.sock" "$W/mem" -U 65534
	fails_with 1 "uffd-fc-client: connect: Permission denied*"
	# The VMM of serve's own uid is still served.
	run "$TU/uffd-fc-client" run "$D/s.sock" "$W/mem" -o 0,31
	[ "$output" = "ok 2 pages" ]
	wait "$SERVE"
	rm -rf "$D"
}

@test "serve: a peer of another uid is refused, and served with --allow-uid" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 32
	pub_dir
	"$UW" serve --socket "$D/s.sock" --memory "$W/mem" --timeout 10s --stats --json \
		>"$W/serve.out" 2>"$W/serve.err" &
	SERVE=$!
	wait_socket "$D/s.sock"
	# Reachable by everyone (as with a socket made under umask 000 before):
	# SO_PEERCRED still turns uid 65534 away, before reading its message.
	chmod 666 "$D/s.sock"
	run "$TU/uffd-fc-client" run "$D/s.sock" "$W/mem" -U 65534 -t
	[ "$output" = closed ]
	grep -q "serve: refused a connection from uid 65534 (pid [0-9]*): not serve's uid nor an --allow-uid" "$W/serve.err"
	# serve waited on for its own VMM.
	run "$TU/uffd-fc-client" run "$D/s.sock" "$W/mem" -o 3,20
	[ "$output" = "ok 2 pages" ]
	wait "$SERVE"
	jq -e '.refused_connections == 1 and .faults.total == 2' "$W/serve.out"

	# With --allow-uid the socket is that uid's (mode 0600) and its VMM is served.
	"$UW" serve --socket "$D/s.sock" --memory "$W/mem" --timeout 10s --allow-uid 65534 \
		--stats --json >"$W/serve.out" 2>"$W/serve.err" &
	SERVE=$!
	wait_socket "$D/s.sock"
	[ "$(stat -c '%a %u' "$D/s.sock")" = "600 65534" ]
	run "$TU/uffd-fc-client" run "$D/s.sock" "$W/mem" -U 65534
	[ "$output" = "ok 32 pages" ]
	wait "$SERVE"
	jq -e '.refused_connections == 0 and .faults.total == 32' "$W/serve.out"
	rm -rf "$D"
}

# bats test_tags=userspace
@test "serve: --allow-uid takes numeric uids only" {
	run "$UW" serve --socket "$W/x.sock" --memory "$W/mem" --allow-uid nobody
	fails_with 2 "uffd-watch: --allow-uid nobody: give a numeric uid*"
}

# bats test_tags=userspace
@test "serve: an existing socket path is not replaced" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 4
	: >"$W/taken"
	run "$UW" serve --socket "$W/taken" --memory "$W/mem" --timeout 200ms
	fails_with 6 "uffd-watch: serve: bind $W/taken: File exists (remove the stale socket first)*"
	[ -f "$W/taken" ]
	[ -z "$(find "$W" -name '.uffd-watch.*')" ]
}

@test "serve: a page the memory file cannot give is poisoned (SIGBUS) from 6.6, zero-filled before" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 32
	serve_bg --stats --json
	wait_socket "$W/s.sock"
	# serve has mapped all 32 pages; the file shrinks under it.
	truncate -s $((20 * 4096)) "$W/mem"
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -o 3,19 -b 25
	[ "$status" -eq 0 ]
	wait "$SERVE"
	cat "$W/serve.err"
	grep -q "serve: memory-file offset 0x19000 cannot be read (the file shrank, or a read error)" "$W/serve.err"
	if kver_ge 6 6; then
		[ "$output" = "$(printf 'sigbus 25\nok 2 pages')" ]
		jq -e '.unservable == {"pages": 1, "poisoned": 1, "zero_filled": 0}' "$W/serve.out"
	else
		[ "$output" = "$(printf 'zero 25\nok 2 pages')" ]
		jq -e '.unservable == {"pages": 1, "poisoned": 0, "zero_filled": 1}' "$W/serve.out"
	fi
}

# ---- serve: MINOR mode -------------------------------------------------------

@test "serve: \"minor\" shmem regions: a page in the page cache is written from the file and continued, a missing one copied" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 40
	serve_bg --stats --json
	# Even pages sit in the memfd's page cache holding garbage: minor faults.
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -M
	[ "$status" -eq 0 ]
	[ "$output" = "ok 32 pages" ]
	wait "$SERVE"
	jq -e '.faults.minor == 16 and .faults.read == 16 and .written_to_backing_file == 16' "$W/serve.out"
}

@test "serve: \"minor\" regions the VMM filled itself are only continued; record and prefetch work on them" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 40
	serve_bg --record "$W/rec" --stats --json
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -M -P -o 3,20,1
	[ "$output" = "ok 3 pages" ]
	wait "$SERVE"
	jq -e '.faults.total == 3 and .faults.minor == 3 and .written_to_backing_file == 0' "$W/serve.out"
	run grep -v '^#' "$W/rec"
	[ "$output" = "$(printf '0x3000\n0x14000\n0x1000')" ]
	# With the backing file, the prefetch writes the pages and maps them: no fault.
	serve_bg --prefetch "$W/rec" --stats --json
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -M -R -o 3,20,1
	[ "$output" = "ok 3 pages" ]
	wait "$SERVE"
	jq -e '.faults.total == 0 and .prefetch.pages == 3 and .written_to_backing_file == 3' "$W/serve.out"
}

@test "serve: a backing file not shmem, not sealed, too small or with no \"minor\" region is rejected" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 40
	while IFS='|' read -r args msg; do
		serve_bg
		# shellcheck disable=SC2086 # the client's options, split
		run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -t -M $args
		[ "$output" = closed ]
		st=0; wait "$SERVE" || st=$?
		echo "$args -> $st $(cat "$W/serve.err")"
		[ "$st" -eq 1 ]
		grep -qF "$msg" "$W/serve.err"
	done <<-EOF
	-F /dev/null|the second descriptor is not a shmem (memfd) or hugetlbfs file
	-u|the backing file is not sealed against shrinking (F_SEAL_SHRINK)
	-j [{"base_host_virt_addr":4096,"size":8192,"offset":131072,"page_size":4096,"minor":true}]|runs past the end of the backing file (0x20000 bytes)
	-j [{"base_host_virt_addr":4096,"size":8192,"offset":0,"page_size":4096}]|a backing file came, but no region is "minor"
	EOF
}

# ---- serve: several VMMs -----------------------------------------------------

# The orders four clients read their 64 pages in: forward, backward, two shuffles.
orders() {
	seq -s, 0 63
	seq -s, 63 -1 0
	shuf -i 0-63 | paste -sd,
	shuf -i 0-63 | paste -sd,
}

# wait_lines FILE PATTERN N: until FILE has N lines matching PATTERN (20 s).
wait_lines() {
	for _ in $(seq 400); do
		[ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}

# stop_serve: SIGTERM, as a supervisor ends a serve that has several VMMs; exit 0.
stop_serve() {
	kill -TERM "$SERVE"
	st=0; wait "$SERVE" || st=$?
	[ "$st" -eq 0 ]
}

@test "serve --max-clients 4: four VMMs at once, every page of each checked, each its own stats" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 64
	serve_bg --max-clients 4 --stats --json
	mapfile -t order < <(orders)
	pids=()
	for i in 0 1 2 3; do
		# 5 ms a page: the four restores overlap
		"$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -r 64 -s 5000 -o "${order[$i]}" \
			>"$W/c$i.out" 2>&1 &
		pids+=($!)
	done
	for i in 0 1 2 3; do
		st=0; wait "${pids[$i]}" || st=$?
		echo "client $i: exit $st: $(cat "$W/c$i.out")"
		[ "$st" -eq 0 ]
		[ "$(cat "$W/c$i.out")" = "ok 64 pages" ]
	done
	stop_serve
	cat "$W/serve.err"
	jq -se '[.[] | select(.event == "stats")] | length == 4 and
		all(.faults.total == 64) and ([.[].vmm_pid] | unique | length == 4) and
		([.[].client] | sort == [1, 2, 3, 4])' "$W/serve.out"
	jq -se '.[-1] | .event == "summary" and .clients == 4 and .turned_away == 0 and .rejected == 0' \
		"$W/serve.out"
}

@test "serve: a VMM killed mid-restore leaves the others to finish, and its place free" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 64
	serve_bg --max-clients 4 --stats --json -v
	mapfile -t order < <(orders)
	# Paced to 6.4 s for its 64 pages: still mid-restore when killed, even
	# on a loaded machine (at 20 ms a page it once finished first).
	"$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -r 64 -s 100000 >"$W/victim.out" 2>&1 &
	victim=$!
	wait_lines "$W/serve.err" "serve: VMM pid $victim (client 1)" 1
	pids=()
	for i in 0 1 2; do
		"$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -r 64 -s 10000 -o "${order[$i]}" \
			>"$W/c$i.out" 2>&1 &
		pids+=($!)
	done
	sleep 0.3
	kill -KILL "$victim"
	wait "$victim" || true
	for i in 0 1 2; do
		st=0; wait "${pids[$i]}" || st=$?
		echo "client $i: exit $st: $(cat "$W/c$i.out")"
		[ "$st" -eq 0 ]
		[ "$(cat "$W/c$i.out")" = "ok 64 pages" ]
	done
	# The victim's place went back: a new VMM is served.
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -r 64
	[ "$output" = "ok 64 pages" ]
	stop_serve
	cat "$W/serve.err"
	# The victim's record: fewer pages than the others, no error.
	jq -se --argjson v "$victim" '[.[] | select(.event == "stats")] | length == 5 and
		(map(select(.vmm_pid == $v)) | length == 1 and .[0].faults.total < 64) and
		(map(select(.vmm_pid != $v)) | all(.faults.total == 64))' "$W/serve.out"
	[ "$(grep -c "was not served to its end" "$W/serve.err")" -eq 0 ]
}

# bats test_tags=userspace
@test "serve --max-clients 2: a third VMM is turned away with a message, the two are served" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 64
	serve_bg --max-clients 2 --stats --json -v
	pids=()
	for i in 0 1; do
		"$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -r 64 -s 20000 >"$W/c$i.out" 2>&1 &
		pids+=($!)
	done
	wait_lines "$W/serve.err" 'serve: VMM pid [0-9]* (client [12]), 1 regions' 2
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -t
	[ "$output" = closed ]
	grep -q "warning: serve: turned away VMM pid [0-9]* (uid 0): already serving 2 VMMs (--max-clients 2)" \
		"$W/serve.err"
	for i in 0 1; do
		wait "${pids[$i]}"
		[ "$(cat "$W/c$i.out")" = "ok 64 pages" ]
	done
	stop_serve
	jq -se '.[-1] | .clients == 2 and .turned_away == 1' "$W/serve.out"
	# The default is one VMM: a second one is turned away, and serve ends with the first.
	serve_bg --stats --json -v
	"$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -r 64 -s 20000 >"$W/c0.out" 2>&1 &
	first=$!
	wait_lines "$W/serve.err" "serve: VMM pid $first (client 1)" 1
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -t
	[ "$output" = closed ]
	grep -q "already serving 1 VMM (--max-clients 1)" "$W/serve.err"
	wait "$first"
	[ "$(cat "$W/c0.out")" = "ok 64 pages" ]
	wait "$SERVE"
	jq -e '.faults.total == 64 and .turned_away == 1' "$W/serve.out"
}

# bats test_tags=userspace
@test "serve: a VMM slow to send its handshake holds up no other" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 64
	serve_bg --max-clients 2 --stats --json
	# Connected, silent for 5 s.
	"$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -w 5000 -o 5 >"$W/slow.out" 2>&1 &
	slow=$!
	sleep 0.3
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -r 64
	[ "$output" = "ok 64 pages" ]
	# Served while the slow one has not even sent its message.
	kill -0 "$slow"
	[ ! -s "$W/slow.out" ]
	wait "$slow"
	[ "$(cat "$W/slow.out")" = "ok 1 pages" ]
	stop_serve
	jq -se '[.[] | select(.event == "stats")] | map(.faults.total) | sort == [1, 64]' "$W/serve.out"
}

# bats test_tags=userspace
@test "serve --max-clients is checked" {
	for bad in 0 1025 many -1; do
		run "$UW" serve --socket "$W/x.sock" --memory "$W/mem" --max-clients "$bad"
		fails_with 2 "uffd-watch: --max-clients $bad: give a number from 1 to 1024*"
	done
}

@test "serve: a handshake without a userfaultfd is rejected" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 40
	serve_bg
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -n -t
	st=0; wait "$SERVE" || st=$?
	[ "$st" -eq 1 ]
	grep -q "no userfaultfd came with the region list (SCM_RIGHTS)" "$W/serve.err"
}

# bats test_tags=userspace
@test "serve: --timeout when no VMM connects (exit 7)" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 4
	run "$UW" serve --socket "$W/t.sock" --memory "$W/mem" --timeout 200ms
	fails_with 7 "uffd-watch: serve: waiting on $W/t.sock: Connection timed out (the VMM never connected)*"
}

# bats test_tags=userspace
@test "serve: usage and memory file errors" {
	run "$UW" serve --socket "$W/x.sock"
	fails_with 2 "uffd-watch: serve needs --socket PATH and --memory FILE*"
	run "$UW" serve --socket "$W/x.sock" --memory "$W/nope"
	fails_with 3 "uffd-watch: serve: memory file $W/nope: No such file or directory*"
	: >"$W/empty"
	run "$UW" serve --socket "$W/x.sock" --memory "$W/empty"
	fails_with 2 "uffd-watch: serve: memory file $W/empty: * (give the snapshot's non-empty memory file)"
}
