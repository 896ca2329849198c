# shellcheck shell=bash
# Shared by the guest sides of bench/lguest-run (bench-boot.bats and
# bench-run.bats), loaded with bats' load. MEM_MB is the guest RAM the
# suite gives every launcher.

say() { echo "# $*" >&3; }

# launcher_kb PID: resident KiB of all the process's mappings except its
# guest RAM (mappings of MEM_MB MiB or more). Summed from smaps: VmRSS lagged
# behind the guest-RAM mapping's Rss and gave negative differences.
launcher_kb() {
	awk -v want=$((MEM_MB * 1024)) '
		/^Size:/ { size = $2 }
		/^Rss:/ { if (size < want) kb += $2 }
		END { print kb + 0 }' "/proc/$1/smaps"
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# ratio A B: A/B to two places, NA when either is not a measurement.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "NA" }'; }
