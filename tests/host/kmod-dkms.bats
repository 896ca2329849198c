#!/usr/bin/env bats
# The module bundle as a distribution would install it: DKMS adds, builds and
# installs every kmod/ module from its dkms.conf, for each kernel of the
# matrix (tests/README, "Kernels"): Debian 12's 6.1 (the host's headers),
# 6.12 (bookworm-backports, built with the host's gcc-12) and the newest
# Debian kernel (its headers need sid's gcc and kbuild: DKMS runs inside the
# cached sid build root). Each run is confined to a private mount namespace
# whose /lib/modules and /var/lib/dkms are scratch directories, so neither
# the host's nor the build root's module trees and DKMS state are touched.

load "$BATS_TEST_DIRNAME/../assert"

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	scratch=$(mktemp -d)
}

teardown() {
	[[ -z ${scratch:-} ]] || rm -rf "$scratch"
}

# missing WHAT: a prerequisite make deps provides is absent.
missing() { skip_or_fail "$1 (make deps)"; }

# kernel_for KERNEL: sets KVER, KDIR (as seen by DKMS) and ROOT (/ or the sid
# build root DKMS runs in), or fails/skips when the kernel is not there.
kernel_for() {
	local env
	command -v dkms >/dev/null || {
		missing "dkms not installed"
		return
	}
	if [[ $1 == 6.1 ]]; then
		KVER=$(sed -n 's/^KVER *:= *//p' "$HV_TOP/config.mk" 2>/dev/null)
		KDIR=/lib/modules/$KVER/build
		ROOT=/
	else
		[[ -x $HV_TOP/tests/guest/kernels ]] || {
			missing "no tests/guest/kernels"
			return
		}
		env=$("$HV_TOP/tests/guest/kernels" env "$1" 2>&1) || {
			missing "kernel $1 not fetched: $env"
			return
		}
		KVER=$(sed -n 's/^KVER=//p' <<<"$env")
		KDIR=$(sed -n 's/^KDIR=//p' <<<"$env")
		ROOT=$(sed -n 's/^HV_KBUILD_ROOT=//p' <<<"$env")
		if [[ -n $ROOT ]]; then
			[[ -d $ROOT/lib/modules/$KVER/build ]] || {
				missing "no sid build root with linux-headers-$KVER"
				return
			}
			KDIR=/lib/modules/$KVER/build
		else
			ROOT=/
		fi
	fi
	[[ -n $KVER && -d $ROOT/$KDIR ]] || missing "kernel $1: no headers at $ROOT$KDIR"
	# The scratch /lib/modules gets a build link to the same headers.
	KDIR=$(cd "$ROOT" && chroot . readlink -f "$KDIR")
}

# dkms_ ARGS: dkms in a private mount namespace (see the top), in ROOT.
dkms_() {
	mkdir -p "$scratch/modules/$KVER" "$scratch/dkms" "$scratch/tree" "$scratch/src"
	ln -sfn "$KDIR" "$scratch/modules/$KVER/build"
	# DKMS 3.2 runs depmod only for kernels that look installed.
	touch "$scratch/modules/$KVER/modules.dep"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private sh -c '
		root=$1 s=$2
		shift 2
		if [ "$root" != / ]; then
			mkdir -p "$root$s"
			mount --bind "$s" "$root$s" && mount -t proc proc "$root/proc" &&
				mount --rbind /dev "$root/dev" || exit 1
		fi
		mount --bind "$s/modules" "$root/lib/modules" &&
			mount --bind "$s/dkms" "$root/var/lib/dkms" || exit 1
		exec chroot "$root" dkms --dkmstree "$s/tree" --sourcetree "$s/src" \
			--installtree "$s/modules" "$@"
	' dkms "$ROOT" "$scratch" "$@"
}

# dkms_all KERNEL: add, build and install every kmod/ module for KERNEL.
dkms_all() {
	local d name ver ko n=0
	kernel_for "$1" || return
	for d in "$HV_TOP"/kmod/*/; do
		[[ -f $d/dkms.conf ]] || continue
		name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$d/dkms.conf")
		ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$d/dkms.conf")
		[[ -n $name && -n $ver ]]
		mkdir -p "$scratch/src/$name-$ver"
		# Only what git has: a built tree must not hide a missing source.
		git -C "$d" ls-files -z . | (cd "$d" && xargs -0 cp --parents -t "$scratch/src/$name-$ver")
		run dkms_ add "$name/$ver"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		run dkms_ build -k "$KVER" "$name/$ver"
		[ "$status" -eq 0 ] || {
			echo "$output"
			tail -n 30 "$scratch/tree/$name/$ver/build/make.log"
			false
		}
		run dkms_ install -k "$KVER" "$name/$ver"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		ko=$(find "$scratch/modules/$KVER" -name "$name.ko*" -print -quit)
		[ -n "$ko" ] || { echo "dkms install put no $name.ko under /lib/modules/$KVER"; false; }
		# Built for that kernel, registered with depmod, and with its version.
		[[ $(modinfo -F vermagic "$ko") == "$KVER "* ]]
		[ "$(modinfo -F version "$ko")" = "$ver" ]
		grep -q "$name.ko" "$scratch/modules/$KVER/modules.dep"
		run dkms_ status "$name/$ver" -k "$KVER"
		[[ $output == *"$KVER"*"installed"* ]] || { echo "$output"; false; }
		echo "# $name $ver installed for $KVER" >&3
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
}

@test "dkms builds and installs every kmod/ module for Debian 12's 6.1" {
	dkms_all 6.1
}

@test "dkms builds and installs every kmod/ module for 6.12 (bookworm-backports)" {
	dkms_all 6.12
}

@test "dkms builds and installs every kmod/ module for the newest Debian kernel (sid build root)" {
	dkms_all newest
}

@test "kmod/ modules carry configure.ac's version in dkms.conf and MODULE_VERSION" {
	local v d
	v=$(sed -n 's/^AC_INIT(\[hvutils\], \[\([^]]*\)\].*/\1/p' "$HV_TOP/configure.ac")
	[ -n "$v" ]
	for d in "$HV_TOP"/kmod/*/; do
		[[ -f $d/dkms.conf ]] || continue
		grep -qx "PACKAGE_VERSION=\"$v\"" "$d/dkms.conf"
		grep -q "^MODULE_VERSION(\"$v\");" "$d"/*.c
	done
}
