#!/bin/bash
# bench/vfio-bind/bench.sh: runs INSIDE the pci bench guest (bench/vfio-bind/run).
#
# Bind + restore cycles of the same device, side by side in one run:
#   vfio-bind   bind DEV; restore DEV
#   driverctl   set-override DEV vfio-pci; unset-override DEV     (Debian driverctl)
#   dpdk        dpdk-devbind.py -b vfio-pci DEV; -u DEV / -b ORIG DEV   (Debian dpdk)
# and three lower bounds: the same sysfs writes from bash builtins (floor:
# the kernel's share), from a minimal static C program (floor-c: kernel plus
# two process start-ups) and the same program linked dynamically (floor-cdyn).
# Rounds interleave the tools (A B C, A B C, ...) so drift hits all alike.
# Each step's result is checked outside the timed region. Prints one line
# per tool and device (median, min, max of a whole cycle in ms) and the
# ratios; exits non-zero if any cycle left the device on the wrong driver.
set -uo pipefail

# shellcheck source=/dev/null # written by bench/vfio-bind/run in the guest
[[ -f /bench/vfio-bind/bench.env ]] && . /bench/vfio-bind/bench.env
N=${N:-15}
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
driver_of() {
	local l
	l=$(readlink "/sys/bus/pci/devices/$1/driver") || {
		echo none
		return
	}
	echo "${l##*/}"
}
first() {
	local d
	for d in /sys/bus/pci/devices/*; do
		if [[ $(<"$d/vendor") == "$1" && $(<"$d/device") == "$2" ]]; then
			echo "${d##*/}"
			return
		fi
	done
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

bad=0
# cycle TOOL DEV ORIG: one timed bind + one timed restore; prints µs.
cycle() {
	local tool=$1 dev=$2 orig=$3 t0 t1 t1b t2
	case $tool in
	vfio-bind)
		t0=$(now_us)
		vfio-bind -q bind "$dev" >/dev/null
		t1=$(now_us)
		[[ $(driver_of "$dev") == vfio-pci ]] || bad=1
		t1b=$(now_us)
		vfio-bind -q restore "$dev" >/dev/null
		t2=$(now_us)
		;;
	driverctl)
		t0=$(now_us)
		driverctl set-override "$dev" vfio-pci
		t1=$(now_us)
		[[ $(driver_of "$dev") == vfio-pci ]] || bad=1
		t1b=$(now_us)
		driverctl unset-override "$dev" 2>/dev/null
		t2=$(now_us)
		;;
	floor-c | floor-cdyn)
		local prog=/bench/vfio-bind/vb-floor
		[[ $tool == floor-c ]] || prog+=-dyn
		t0=$(now_us)
		"$prog" bind "$dev" "$orig"
		t1=$(now_us)
		[[ $(driver_of "$dev") == vfio-pci ]] || bad=1
		t1b=$(now_us)
		"$prog" restore "$dev" "$orig"
		t2=$(now_us)
		;;
	floor)
		# The kernel's share: the same sysfs writes from shell builtins, no process.
		local d=/sys/bus/pci/devices/$dev
		t0=$(now_us)
		echo vfio-pci >"$d/driver_override"
		[[ $orig == none ]] || echo "$dev" >"$d/driver/unbind"
		echo "$dev" >/sys/bus/pci/drivers_probe
		t1=$(now_us)
		[[ $(driver_of "$dev") == vfio-pci ]] || bad=1
		t1b=$(now_us)
		echo >"$d/driver_override"
		echo "$dev" >/sys/bus/pci/drivers/vfio-pci/unbind
		[[ $orig == none ]] || echo "$dev" >/sys/bus/pci/drivers_probe
		t2=$(now_us)
		;;
	dpdk)
		t0=$(now_us)
		dpdk-devbind.py -b vfio-pci "$dev" >/dev/null
		t1=$(now_us)
		[[ $(driver_of "$dev") == vfio-pci ]] || bad=1
		t1b=$(now_us)
		if [[ $orig == none ]]; then
			dpdk-devbind.py -u "$dev" >/dev/null 2>&1
		else
			dpdk-devbind.py -b "$orig" "$dev" >/dev/null
		fi
		t2=$(now_us)
		;;
	esac
	[[ $(driver_of "$dev") == "$orig" ]] || {
		echo "# $tool left $dev on $(driver_of "$dev"), expected $orig" >&2
		bad=1
	}
	echo $(((t1 - t0) + (t2 - t1b)))
}

tools=(floor floor-c floor-cdyn vfio-bind driverctl dpdk)
for t in driverctl dpdk-devbind.py; do
	command -v "$t" >/dev/null || {
		echo "bench: $t missing (run bench/vfio-bind/run, which adds it to the image)" >&2
		exit 1
	}
done

# tools and samples are expanded unquoted on purpose: the dpdk entry
# emptied in bench_dev must vanish, and samples hold space-separated numbers.
# shellcheck disable=SC2068,SC2086
bench_dev() {
	local label=$1 dev=$2 n=$3 orig t i
	local tools=("${tools[@]}")
	# dpdk-devbind.py only knows network, crypto, DMA and a few other classes:
	# it refuses the edu (class 00ff) as an "Unknown device".
	[[ $(<"/sys/bus/pci/devices/$dev/class") == 0x02* ]] || tools=("${tools[@]/dpdk/}")
	orig=$(driver_of "$dev")
	declare -A samples=()
	# One unmeasured round: page cache, module loads, first probe.
	for t in ${tools[@]}; do cycle "$t" "$dev" "$orig" >/dev/null; done
	for ((i = 0; i < n; i++)); do
		for t in ${tools[@]}; do
			samples[$t]+="$(cycle "$t" "$dev" "$orig") "
		done
	done
	declare -A med=([dpdk]=0)
	for t in ${tools[@]}; do
		med[$t]=$(printf '%s\n' ${samples[$t]} | median)
		printf '%-10s %-10s %-12s cycles %3d  median %8.1f ms  min %8.1f  max %8.1f\n' \
			"$label" "$t" "$dev" "$n" "$(awk -v m="${med[$t]}" 'BEGIN{print m/1000}')" \
			"$(printf '%s\n' ${samples[$t]} | sort -n | head -n1 | awk '{print $1/1000}')" \
			"$(printf '%s\n' ${samples[$t]} | sort -n | tail -n1 | awk '{print $1/1000}')"
	done
	awk -v a="${med[vfio-bind]}" -v b="${med[driverctl]}" -v c="${med[dpdk]}" \
		-v f="${med[floor]}" -v fc="${med[floor-c]}" -v fd="${med[floor-cdyn]}" -v l="$label" 'BEGIN {
		printf "%-10s ratio    driverctl/vfio-bind %.1fx   dpdk-devbind/vfio-bind %s   (goal >= 5x)\n",
			l, b/a, c ? sprintf("%.1fx", c/a) : "n/a (refuses the device)"
		printf "%-10s minus the kernel floor (tool overhead only): vfio-bind %.1f ms, driverctl %.1f ms (%.1fx)%s\n",
			l, (a-f)/1000, (b-f)/1000, ((a-f) > 0 ? (b-f)/(a-f) : 0),
			(c ? sprintf(", dpdk-devbind %.1f ms (%.1fx)", (c-f)/1000, ((a-f) > 0 ? (c-f)/(a-f) : 0)) : "")
		printf "%-10s best reachable driverctl ratio: %.1fx with no processes, %.1fx for any static two-process tool, %.1fx if dynamically linked\n",
			l, b/f, b/fc, b/fd
		printf "%-10s vfio-bind above floor-c (its own work in both processes): %.1f ms\n", l, (a-fc)/1000
	}'
}

# Process start-up alone: what every scripted call pays.
startup() {
	local t0 t1 i n=20
	t0=$(now_us)
	for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
	t1=$(now_us)
	awk -v t=$((t1 - t0)) -v n=$n -v c="$*" 'BEGIN { printf "startup    %-34s %6.1f ms per run\n", c, t/n/1000 }'
}

edu=$(first 0x1234 0x11e8)
e1000e=$(first 0x8086 0x10d3)
echo "vfio-bind bench: bind+restore cycles, median of $N (e1000e: $((N / 3 > 3 ? N / 3 : 3)))"
startup vfio-bind --version
startup driverctl --help
startup dpdk-devbind.py --help
startup /bin/true
startup /bench/vfio-bind/vb-floor
startup /bench/vfio-bind/vb-floor-dyn
bench_dev edu "$edu" "$N"
bench_dev e1000e "$e1000e" $((N / 3 > 3 ? N / 3 : 3))
exit $bad
