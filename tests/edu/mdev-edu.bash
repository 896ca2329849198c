# shellcheck shell=bash
# Helpers and test bodies shared by tests/guest/pci/50-mdev-edu.bats and
# tests/guest/pci-noiommu/50-mdev-edu.bats (loaded with bats' `load`).
# edu_load and edu_create take optional arguments (SC2119, SC2120); status
# and output are set by bats' run (SC2154).
# shellcheck disable=SC2119,SC2120,SC2154

EDU_BIN=${HV_TOP:-/}/tests/edu
EDU_KO=/lib/modules/$KVER/extra/mdev-edu.ko
EDU_PARENT=/sys/class/mdev_bus/mdev_edu
EDU_TYPE=$EDU_PARENT/mdev_supported_types/mdev_edu-1

edu_prereqs() {
	[ -f "$EDU_KO" ] || {
		# A kernel mdev-edu did not build for says why (tests/guest/mkinitramfs).
		if [ -s /etc/hvbench/kmod-missing ]; then
			echo "no $EDU_KO in the image: $(cat /etc/hvbench/kmod-missing)"
		else
			echo "no $EDU_KO in the image (build with 'make kmod')"
		fi
		return 1
	}
	{ [ -x "$EDU_BIN/edu-test" ] && [ -x "$EDU_BIN/edu-abuse" ]; } || {
		echo "no $EDU_BIN/edu-test or edu-abuse (build with 'make check-build')"
		return 1
	}
}

edu_load() {
	[ -d /sys/module/mdev_edu ] || insmod "$EDU_KO" "$@"
}

edu_unload() {
	[ ! -d /sys/module/mdev_edu ] || rmmod mdev_edu
}

edu_uuid() { cat /proc/sys/kernel/random/uuid; }

edu_create() {
	local u=${1:-$(edu_uuid)}
	echo "$u" >"$EDU_TYPE/create" || return 1
	echo "$u"
}

edu_remove() { echo 1 >"/sys/bus/mdev/devices/$1/remove"; }

# Background holders (edu-abuse hold) note their pids here.
edu_holder() { echo "$1" >>"$BATS_FILE_TMPDIR/holders"; }

# Every test starts without instances and holders, whatever the previous
# one left behind when it failed.
edu_remove_all() {
	local d p
	# shellcheck disable=SC2013 # pids: one word each
	for p in $(cat "$BATS_FILE_TMPDIR/holders" 2>/dev/null); do
		kill "$p" 2>/dev/null || true
	done
	rm -f "$BATS_FILE_TMPDIR/holders"
	for d in "$EDU_TYPE"/devices/*; do
		[ ! -e "$d/remove" ] || echo 1 >"$d/remove"
	done
	return 0
}

edu_avail() { cat "$EDU_TYPE/available_instances"; }

# Kernel log lines that mean the kernel itself went wrong.
edu_dmesg_mark() { dmesg | wc -l >"$BATS_FILE_TMPDIR/dmesg.mark"; }
edu_dmesg_bad() {
	dmesg | tail -n +"$(($(cat "$BATS_FILE_TMPDIR/dmesg.mark") + 1))" |
		grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|refcount_t|list_(add|del) corruption|KASAN' || true
}
edu_assert_clean_dmesg() {
	local bad
	bad=$(edu_dmesg_bad)
	if [ -n "$bad" ]; then
		echo "kernel log since the suite started:"
		echo "$bad"
		return 1
	fi
}

# Unreclaimable slab in kB: where a leaked device state would show up.
edu_slab_kb() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo
}

# Only the result lines (no diagnostics, no numbers): what must be equal.
edu_results() { grep -E '^(not )?ok ' "$1"; }

# ---- test bodies ---------------------------------------------------------------

edu_body_parent() {
	edu_load
	[ -d "$EDU_TYPE" ]
	[ "$(cat "$EDU_TYPE/name")" = edu ]
	[ "$(cat "$EDU_TYPE/device_api")" = vfio-pci ]
	[ "$(edu_avail)" -eq 4 ]
	grep -q '1 MiB BAR0' "$EDU_TYPE/description"
}

edu_body_params() {
	edu_unload
	run insmod "$EDU_KO" instances=0
	[ "$status" -ne 0 ]
	[ ! -d /sys/module/mdev_edu ]
	dmesg | grep -q 'mdev_edu: instances=0: must be 1-256'
	run insmod "$EDU_KO" dma_bits=65
	[ "$status" -ne 0 ]
	dmesg | grep -q 'mdev_edu: dma_bits=65: must be 12-64'
	insmod "$EDU_KO" instances=2 dma_bits=32
	[ "$(edu_avail)" -eq 2 ]
	[ "$(cat /sys/module/mdev_edu/parameters/dma_bits)" -eq 32 ]
	rmmod mdev_edu
	edu_load
	[ "$(edu_avail)" -eq 4 ]
}

edu_body_mdev_test() {
	local u
	edu_load
	u=$(edu_create)
	[ -e "/sys/bus/mdev/devices/$u/iommu_group" ]
	run "$EDU_BIN/edu-test" "$u"
	echo "$output" >"$BATS_FILE_TMPDIR/mdev.tap"
	edu_remove "$u"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *", 0 failed"* ]]
}

edu_body_instances() {
	local u1 u2 u3 u4
	edu_load
	[ "$(edu_avail)" -eq 4 ]
	u1=$(edu_create) && u2=$(edu_create) && u3=$(edu_create) && u4=$(edu_create)
	[ "$(edu_avail)" -eq 0 ]
	# shellcheck disable=SC2012 # UUIDs: plain names
	[ "$(ls "$EDU_TYPE/devices" | wc -l)" -eq 4 ]
	# A fifth is refused with EUSERS, and a duplicate UUID with EEXIST.
	run sh -c "echo $(edu_uuid) > $EDU_TYPE/create"
	[ "$status" -ne 0 ]
	[[ $output == *"Too many users"* ]]
	edu_remove "$u4"
	run sh -c "echo $u1 > $EDU_TYPE/create"
	[ "$status" -ne 0 ]
	[[ $output == *"exists"* ]]
	run sh -c "echo not-a-uuid > $EDU_TYPE/create"
	[ "$status" -ne 0 ]
	edu_remove "$u1" && edu_remove "$u2" && edu_remove "$u3"
	[ "$(edu_avail)" -eq 4 ]
	[ -z "$(ls "$EDU_TYPE/devices")" ]
}

edu_body_abuse() {
	local u
	edu_load
	u=$(edu_create)
	run "$EDU_BIN/edu-abuse" "$u"
	edu_remove "$u"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *", 0 failed"* ]]
	edu_assert_clean_dmesg
}

edu_body_abuse_refuses_pci() {
	run "$EDU_BIN/edu-abuse" 0000:ff:1f.7
	[ "$status" -eq 3 ]
	[[ $output == *"no IOMMU group"* ]]
	run "$EDU_BIN/edu-test" "$(edu_uuid)"
	[ "$status" -eq 3 ]
	run "$EDU_BIN/edu-test"
	[ "$status" -eq 2 ]
	[[ $output == *"usage:"* ]]
}

edu_body_busy_unload() {
	local u pid out=$BATS_FILE_TMPDIR/hold.out
	edu_load
	u=$(edu_create)
	"$EDU_BIN/edu-abuse" hold "$u" --ignore-request --max 30 >"$out" 3>&- &
	pid=$!
	edu_holder "$pid"
	for _ in $(seq 100); do grep -q holding "$out" && break; sleep 0.1; done
	grep -q holding "$out"
	# A user holds the device: the module cannot go.
	run rmmod mdev_edu
	[ "$status" -ne 0 ]
	[ -d /sys/module/mdev_edu ]
	kill "$pid"
	wait "$pid" || true
	edu_remove "$u"
	rmmod mdev_edu
	[ ! -d /sys/module/mdev_edu ]
}

# COUNT create/remove cycles; every HOLD_EVERY-th cycle a user holds the
# device across the removal: alternately one that gives it back when asked
# (device request eventfd) and one that ignores the request and is killed
# while the removal waits.
edu_body_create_remove() {
	local count=$1 hold_every=$2 i u pid rpid out=$BATS_FILE_TMPDIR/hold.out before after held=0
	edu_load
	u=$(edu_create) && edu_remove "$u" # warm the caches before measuring
	before=$(edu_slab_kb)
	for i in $(seq "$count"); do
		u=$(edu_create)
		if [ $((i % hold_every)) -ne 0 ]; then
			edu_remove "$u"
			continue
		fi
		held=$((held + 1))
		: >"$out"
		if [ $((held % 2)) -eq 1 ]; then
			"$EDU_BIN/edu-abuse" hold "$u" --max 30 >"$out" 3>&- &
			pid=$!
			edu_holder "$pid"
			for _ in $(seq 100); do grep -q holding "$out" && break; sleep 0.1; done
			edu_remove "$u"
			wait "$pid"
			grep -q "released on request" "$out"
		else
			"$EDU_BIN/edu-abuse" hold "$u" --ignore-request --max 30 >"$out" 3>&- &
			pid=$!
			edu_holder "$pid"
			for _ in $(seq 100); do grep -q holding "$out" && break; sleep 0.1; done
			edu_remove "$u" 3>&- &
			rpid=$!
			sleep 0.3
			# The removal waits for the user (the instance is not released)...
			kill -0 "$rpid"
			[ "$(edu_avail)" -eq 3 ]
			kill "$pid"
			wait "$pid" || true
			# ...and completes once it is gone.
			wait "$rpid"
		fi
		[ ! -e "/sys/bus/mdev/devices/$u" ]
	done
	[ "$(edu_avail)" -eq 4 ]
	after=$(edu_slab_kb)
	echo "# unreclaimable slab: $before kB before, $after kB after $count cycles ($held held)" >&3
	# One leaked instance is more than 8 kB (state, 4 KiB DMA buffer, vfio_device).
	[ $((after - before)) -lt $((count * 8 / 4)) ]
	edu_assert_clean_dmesg
}

edu_body_load_unload() {
	local count=$1 i before after
	edu_unload
	insmod "$EDU_KO" && edu_create >/dev/null && rmmod mdev_edu
	before=$(edu_slab_kb)
	for i in $(seq "$count"); do
		insmod "$EDU_KO"
		# Every fifth time with live instances: unloading removes them.
		if [ $((i % 5)) -eq 0 ]; then
			edu_create >/dev/null
			edu_create >/dev/null
		fi
		rmmod mdev_edu
	done
	[ ! -d /sys/module/mdev_edu ]
	[ ! -e "$EDU_PARENT" ]
	[ -z "$(ls /sys/bus/mdev/devices)" ]
	after=$(edu_slab_kb)
	echo "# unreclaimable slab: $before kB before, $after kB after $count load/unload cycles" >&3
	[ $((after - before)) -lt 256 ]
	edu_assert_clean_dmesg
}

# vfio-bind's mdev verbs and an mdev UUID as DEV, against the real kernel.
# Runs vfio-bind with `run` and shows the command and its output (seen
# only when the test fails).
vbrun() {
	run vfio-bind "$@"
	echo "\$ vfio-bind $* (exit $status)"
	echo "$output"
}

edu_body_vfio_bind() {
	local u
	command -v vfio-bind >/dev/null || {
		echo "vfio-bind is not installed in the guest"
		return 1
	}
	edu_load
	vbrun mdev types
	[ "$status" -eq 0 ]
	[[ $output == *"mdev_edu"*"mdev_edu-1"*"edu"*"vfio-pci"*" 4 "* ]]
	vbrun mdev create mdev_edu 1
	[ "$status" -eq 0 ]
	u=$output
	[ -e "/sys/bus/mdev/devices/$u" ]
	[ "$(edu_avail)" -eq 3 ]
	vbrun mdev list --json
	[ "$status" -eq 0 ]
	[[ $output == *"\"uuid\": \"$u\""*"\"parent\": \"mdev_edu\""*"\"type\": \"mdev_edu-1\""*"\"driver\": \"mdev_edu\""* ]]
	vbrun info "$u"
	[ "$status" -eq 0 ]
	[[ $output == *"1234"*"11e8"* ]]
	vbrun peek "$u" bar0 0
	[ "$status" -eq 0 ]
	[ "$output" = 0x010000ed ]
	vbrun poke "$u" bar0 4 0x12345678
	[ "$status" -eq 0 ]
	vbrun peek "$u" bar0 0x100000
	[ "$status" -ne 0 ]
	vbrun mdev create mdev_edu mdev_edu-1 --uuid "$u"
	[ "$status" -eq 6 ]
	[[ $output == *"exists"* ]]
	vbrun mdev remove "$u"
	[ "$status" -eq 0 ]
	[ ! -e "/sys/bus/mdev/devices/$u" ]
	[ "$(edu_avail)" -eq 4 ]
}

# vfio-bind regs on an instance: it resets on every open, so a poke and the
# peek that reads its effect only meet inside one script.
edu_body_regs() {
	local u
	command -v vfio-bind >/dev/null || {
		echo "vfio-bind is not installed in the guest"
		return 1
	}
	edu_load
	u=$(edu_create)
	vbrun poke "$u" bar0 4 0x12345678
	[ "$status" -eq 0 ]
	vbrun peek "$u" bar0 4
	[ "$status" -eq 0 ]
	[ "$output" != 0xedcba987 ]
	vbrun regs "$u" <<-'EOF'
		peek bar0 0                           # identification 0x010000ed
		poke bar0 0x4 0x12345678              # liveness: reads back inverted
		peek bar0 0x4
		poke bar0 0x8 5                       # factorial of 5
		wait bar0 0x20 0x1 0 --timeout 5s     # until the busy bit clears
		peek bar0 0x8
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = $'0x010000ed\n0xedcba987\n0x00000078' ]
	vbrun regs -j "$u" <<<$'poke bar0 8 4\nwait bar0 0x20 1 0 --timeout 5s\npeek bar0 8'
	[ "$status" -eq 0 ]
	[[ $output == *'"line":3,"address":"'"$u"'","region":"bar0","offset":"0x8","width":4,"value":"0x18","op":"read"}' ]]
	# A bad line after the pokes: refused on the open device, nothing written.
	vbrun regs "$u" <<<$'poke bar0 4 1\npoke bar0 8 5\npeek bar0 0x100000'
	[ "$status" -eq 2 ]
	[[ $output == *"line 3: offset 0x100000 + 4 is outside region bar0"* ]]
	vbrun regs "$u" <<<$'poke bar0 4 1\npoke bar0 8 5\nwait bar0 0x20 1 0'
	[ "$status" -eq 2 ]
	[[ $output == *"line 3: wait: --timeout is required"* ]]
	edu_remove "$u"
}

# A definition in mdevctl's format: defined (nothing created), started the
# way hvutils' udev rule does at boot (start --parent, auto ones only),
# listed as active, stopped, undefined.
edu_body_define() {
	local u m d=/etc/mdevctl.d/mdev_edu
	command -v vfio-bind >/dev/null || {
		echo "vfio-bind is not installed in the guest"
		return 1
	}
	rm -rf /etc/mdevctl.d
	edu_load
	vbrun mdev define --auto mdev_edu 1
	[ "$status" -eq 0 ]
	u=$output
	[ -f "$d/$u" ]
	[ ! -e "/sys/bus/mdev/devices/$u" ]
	m=$(edu_uuid)
	vbrun mdev define --uuid "$m" mdev_edu mdev_edu-1
	[ "$status" -eq 0 ]
	# A file mdevctl would not read either: named, skipped, nothing applied.
	echo '{"mdev_type": "mdev_edu-1", "start": "auto", "attrs": [{"../../remove": "1"}]}' \
		>"$d/$(edu_uuid)"
	vbrun -q mdev start --parent mdev_edu
	[ "$status" -eq 0 ]
	[[ $output == *"skipped: an attribute name is not a plain file name"* ]]
	[ -e "/sys/bus/mdev/devices/$u" ]
	[ ! -e "/sys/bus/mdev/devices/$m" ]
	[ "$(edu_avail)" -eq 3 ]
	# Started twice (mdevctl's rule and ours, or two events): no error, no second instance.
	vbrun -q mdev start --parent mdev_edu
	[ "$status" -eq 0 ]
	[ "$(edu_avail)" -eq 3 ]
	vbrun mdev list --defined
	[[ $output =~ $u\ +mdev_edu\ +mdev_edu-1\ +auto\ +yes ]]
	[[ $output =~ $m\ +mdev_edu\ +mdev_edu-1\ +manual\ +no ]]
	vbrun mdev start "$m"
	[ "$status" -eq 0 ]
	[ -e "/sys/bus/mdev/devices/$m" ]
	vbrun peek "$m" bar0 0
	[ "$output" = 0x010000ed ]
	vbrun mdev start "$m"
	[ "$status" -eq 6 ]
	vbrun mdev stop "$m"
	[ "$status" -eq 0 ]
	[ ! -e "/sys/bus/mdev/devices/$m" ]
	vbrun mdev undefine "$m"
	[ ! -e "$d/$m" ]
	vbrun mdev stop "$u"
	vbrun mdev undefine "$u"
	[ "$status" -eq 0 ]
	rm -rf /etc/mdevctl.d
	[ "$(edu_avail)" -eq 4 ]
}
