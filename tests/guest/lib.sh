# shellcheck shell=bash
# Shared by tests/guest/mkinitramfs, tests/guest/run, tests/run-all and
# tests/demo/run: where the bench's inputs are and what each guest profile is.
# Sourced, never run; callers have `set -euo pipefail` on.

# The make targets pass these in (from configure); a developer running a
# script by hand gets the same answers found here. Empty counts as unset
# because make passes empty values for things configure did not find.
hv_defaults() {
	: "${HV_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
	: "${KVER:=$(hv_detect_kver)}"
	: "${QEMU:=$(command -v qemu-system-x86_64 || true)}"
	: "${BATS:=$(command -v bats || true)}"
	: "${BUSYBOX:=$(command -v busybox || true)}"
	: "${XEN_IMAGE:=$(hv_first_file /boot/xen-4.17-amd64.gz /boot/xen-*.gz)}"
	: "${XEN_BIN_DIR:=$(hv_detect_xen_bin_dir)}"
	: "${XENSTORED:=$(hv_first_file "$XEN_BIN_DIR/xenstored")}"
	: "${OXENSTORED:=$(hv_first_file "$XEN_BIN_DIR/oxenstored")}"
	# Images, the Xen ELF and per-run files live outside tests/ so that the
	# copy of tests/ inside every initramfs does not contain them.
	: "${HV_GUEST_BUILD:=$HV_TOP/build/guest}"
	: "${HV_GUEST_LOGS:=$HV_TOP/tests/guest/logs}"
	# The guest kernel's files (see hv_kernel_select): the host's by default.
	: "${HV_KERNEL_ROOT:=}"
	: "${HV_KERNEL_IMAGE:=/boot/vmlinuz-$KVER}"
	export HV_TOP KVER QEMU BATS BUSYBOX XEN_IMAGE XEN_BIN_DIR XENSTORED OXENSTORED \
		HV_GUEST_BUILD HV_GUEST_LOGS HV_KERNEL_ROOT HV_KERNEL_IMAGE
}

# ---- the kernel axis ---------------------------------------------------------
# A guest profile may name its kernel: PROFILE@KERNEL, KERNEL one of the
# aliases of tests/guest/kernels (6.1, 6.12, newest) or an exact release.
# Without one, the guest runs KVER (Debian 12's 6.1 found on the host).
# shellcheck disable=SC2034 # used by the scripts that source this file
HV_KERNEL_ALIASES=(6.1 6.12 newest)

# hv_kernel_select KERNEL: points KVER, HV_KERNEL_ROOT (the root the kernel
# is unpacked in, empty for the host's own), HV_KERNEL_IMAGE (its vmlinuz)
# at KERNEL, fetched beforehand by tests/guest/kernels (make deps). KDIR and
# HV_KBUILD_ROOT are set, not exported: make would build kmod/ against KDIR.
# Returns 1 with the reason in HV_KERNEL_ERROR when it is not there.
hv_kernel_select() {
	local env
	env=$("$HV_TOP/tests/guest/kernels" env "$1" 2>&1) || {
		# shellcheck disable=SC2034 # for the caller's message
		HV_KERNEL_ERROR=${env#kernels: }
		return 1
	}
	eval "$env"
	export KVER HV_KERNEL_ROOT HV_KERNEL_IMAGE
}

# hv_split_profile PROFILE[@KERNEL]: prints "PROFILE KERNEL" (KERNEL "-" when
# none was named).
hv_split_profile() {
	local p=${1%%@*} k=-
	[[ $1 != *@* ]] || k=${1#*@}
	[[ -n $k ]] || k=-
	echo "$p $k"
}

# hv_show_depends NAME: modprobe's load list for NAME in the guest kernel's
# module tree (insmod PATH lines; PATH under $HV_KERNEL_ROOT).
hv_show_depends() {
	if [[ -n $HV_KERNEL_ROOT ]]; then
		modprobe -d "$HV_KERNEL_ROOT" -S "$KVER" --show-depends "$1"
	else
		modprobe -S "$KVER" --show-depends "$1"
	fi
}

hv_first_file() {
	local f
	for f in "$@"; do
		if [[ -f $f ]]; then
			printf '%s\n' "$f"
			return 0
		fi
	done
}

# The guest kernel is the newest Debian release with both an image to boot
# and a build dir (the one kmod/ is built against); the host's running
# kernel is a different one and has no modules.
hv_detect_kver() {
	local f v best=
	for f in /boot/vmlinuz-*; do
		[[ -e $f ]] || continue
		v=${f#/boot/vmlinuz-}
		[[ -d /lib/modules/$v/build ]] || continue
		if [[ -z $best ]] || [[ $(printf '%s\n%s\n' "$best" "$v" | sort -V | tail -n 1) == "$v" ]]; then
			best=$v
		fi
	done
	printf '%s\n' "$best"
}

# Debian's /usr/sbin/xenstored and friends are wrappers that pick the tools
# of the running hypervisor's version; the image carries the real binaries.
hv_detect_xen_bin_dir() {
	local d best=
	for d in /usr/lib/xen-*/bin; do
		[[ -x $d/xenstored ]] && best=$d
	done
	printf '%s\n' "$best"
}

# shellcheck disable=SC2034 # used by the scripts that source this file
HV_PROFILES=(xen xen-ocaml pci pci-noiommu pci-boot)

# A family is a directory of suites (tests/guest/<family>/) and one cached
# initramfs; several profiles (machines) can run the same family. pci-boot
# boots the pci machine and image, once per file of tests/guest/pci-boot,
# on one disk (tests/guest/run).
hv_family() {
	case $1 in
	xen | xen-ocaml) echo xen ;;
	pci | pci-boot) echo pci ;;
	pci-noiommu) echo pci-noiommu ;;
	*) return 1 ;;
	esac
}

# hv_suite_dir PROFILE: the directory under tests/guest of its suites.
hv_suite_dir() {
	case $1 in
	pci-boot) echo pci-boot ;;
	*) hv_family "$1" ;;
	esac
}

# Modules every guest of a family loads at boot, in this order (the order
# test-bench.md found to work; dependencies are added before each).
hv_family_modules() {
	case $1 in
	xen) echo xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc ;;
	pci | pci-noiommu)
		# vfio_iommu_type1 is only a soft dependency of vfio: name it.
		# NAME? is a module only some kernels have: vfio_virqfd was merged
		# into vfio in 6.2.
		echo vfio vfio_iommu_type1 vfio_virqfd? irqbypass vfio-pci-core vfio-pci mdev \
			kvm kvm_amd e1000e e1000
		;;
	esac
}

# Prints one line per missing prerequisite of a profile; prints nothing when
# the profile can run.
hv_missing_prereqs() {
	local profile=$1
	[[ -n $QEMU && -x $QEMU ]] || echo "qemu-system-x86_64 not found (Debian: qemu-system-x86)"
	if [[ -n $HV_KERNEL_ROOT ]]; then
		[[ -f $HV_KERNEL_IMAGE && -d $HV_KERNEL_ROOT/lib/modules/$KVER ]] ||
			echo "kernel $KVER is not unpacked in $HV_KERNEL_ROOT (run 'make deps')"
	else
		[[ -n $KVER && -f /boot/vmlinuz-$KVER && -d /lib/modules/$KVER ]] ||
			echo "no guest kernel with /boot/vmlinuz-KVER and /lib/modules/KVER/build (Debian: linux-image-amd64 linux-headers-amd64)"
	fi
	[[ -n $BUSYBOX && -x $BUSYBOX ]] || echo "busybox not found (Debian: busybox-static)"
	[[ -n $BATS && -x $BATS ]] || echo "bats not found (Debian: bats)"
	if [[ $(hv_family "$profile") == pci ]]; then
		"$HV_TOP/tests/guest/debs" root >/dev/null 2>&1 ||
			echo "udev, driverctl and mdevctl for the pci image are not unpacked (tests/guest/debs)"
	fi
	command -v cpio >/dev/null || echo "cpio not found (Debian: cpio)"
	command -v modprobe >/dev/null || echo "modprobe not found (Debian: kmod)"
	case $profile in
	xen | xen-ocaml)
		[[ -n $XEN_IMAGE && -f $XEN_IMAGE ]] || echo "no Xen hypervisor image in /boot (Debian: xen-hypervisor-4.17-amd64)"
		[[ -n $XEN_BIN_DIR && -x $XEN_BIN_DIR/xl ]] || echo "Xen tools not found (Debian: xen-utils-4.17)"
		command -v xenstore-read >/dev/null || echo "xenstore clients not found (Debian: xenstore-utils)"
		;;
	esac
	case $profile in
	xen) [[ -n $XENSTORED && -x $XENSTORED ]] || echo "xenstored not found (Debian: xen-utils-4.17)" ;;
	xen-ocaml) [[ -n $OXENSTORED && -x $OXENSTORED ]] || echo "oxenstored not found (Debian: xen-utils-4.17)" ;;
	esac
}

# Seconds since the epoch with centiseconds, and a difference of two of those.
hv_now() { date +%s.%N | cut -c1-13; }
hv_elapsed() { awk -v a="$1" -v b="$(hv_now)" 'BEGIN { printf "%.1f", b - a }'; }

# hv_cpio_gz DIR OUT: DIR as a gzipped newc archive whose bytes depend only on
# what DIR holds (names, modes, link targets, data): owners, times and inode
# numbers fixed, names sorted, no gzip timestamp. An archive built this way
# inside an extra.sh (a nested guest's initramfs) does not change the image's
# content hash on every run, so it does not defeat mkinitramfs's cache.
# It sets the times of everything in DIR to the epoch.
hv_cpio_gz() {
	local dir=$1 out=$2
	find "$dir" -exec touch -h -d @0 {} +
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -n -9 >"$out"
}

# hv_sanitizer_options DIR: the ASan and UBSan options every suite runs with,
# as two shell assignments (run-all evals them, tests/guest/run puts them in
# the guest's run.env). They matter only to a `make SANITIZE=1` build and are
# harmless otherwise. Any report must fail the run: ASan stops at the first
# error, UBSan too (its default is to go on), both with exit codes no tool
# uses (86, 87) so a test expecting "exit 1" cannot pass on a report, with
# stack traces, and LeakSanitizer on. The reports go to DIR/asan.PID and
# DIR/ubsan.PID (DIR is world-writable: some tests run tools as another
# user), so that a report from a process whose exit status no test looks at
# (a daemon in the background, a child killed by the test) is still seen:
# hv_sanitizer_reports turns every file there into a failure. (UBSan inside
# an ASan build writes to stderr whatever log_path says: there the exit code
# 87 is what fails a test.) Options the
# caller already has in ASAN_OPTIONS / UBSAN_OPTIONS come last and win.
hv_sanitizer_options() {
	local dir=$1
	printf "ASAN_OPTIONS='%s'\n" "halt_on_error=1:exitcode=86:detect_leaks=1:print_stacktrace=1:log_path=$dir/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
	printf "UBSAN_OPTIONS='%s'\n" "halt_on_error=1:exitcode=87:print_stacktrace=1:log_path=$dir/ubsan${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
}

# hv_sanitizer_reports DIR LABEL: one TAP failure per report file in DIR
# (with the report as comments), then empties DIR. Returns 1 if there was one.
hv_sanitizer_reports() {
	local dir=$1 label=$2 f n=0
	for f in "$dir"/asan.* "$dir"/ubsan.*; do
		[[ -f $f ]] || continue
		n=$((n + 1))
		echo "not ok - $label: sanitizer report ${f##*/}: $(grep -m1 -E 'ERROR|runtime error' "$f" | cut -c1-200)"
		sed 's/^/# /' "$f"
		rm -f "$f"
	done
	[[ $n -eq 0 ]]
}
