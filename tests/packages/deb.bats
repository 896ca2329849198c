#!/usr/bin/env bats
# make deb: both Debian packages built by dpkg-buildpackage from a clean copy
# of the tree, lintian clean (the make target fails on any error or warning),
# holding what an operator expects where Debian puts it. Built once for the
# file (setup_file); the tests read the .debs.

setup_file() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	export HV_TOP
	version=$(grep -m1 '^AC_INIT' "$HV_TOP/configure.ac" | cut -d[ -f3 | cut -d] -f1)
	export version
	make -s -C "$HV_TOP" --no-print-directory deb >"$BATS_FILE_TMPDIR/deb.log" 2>&1 ||
		echo failed >"$BATS_FILE_TMPDIR/deb.failed"
}

setup() {
	deb=$HV_TOP/build/deb
}

contents() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|'; }

@test "make deb builds hvutils, hvutils-dbgsym and mdev-edu-dkms, lintian clean" {
	[ ! -e "$BATS_FILE_TMPDIR/deb.failed" ] || {
		tail -n 40 "$BATS_FILE_TMPDIR/deb.log"
		false
	}
	[ -f "$deb/hvutils_${version}_amd64.deb" ]
	[ -f "$deb/hvutils-dbgsym_${version}_amd64.deb" ]
	[ -f "$deb/mdev-edu-dkms_${version}_all.deb" ]
}

@test "hvutils holds the tools, the agent, man pages and both completions" {
	local c t
	c=$(contents "$deb/hvutils_${version}_amd64.deb")
	for t in xsctl gntshare vfio-bind uffd-watch lguest-run; do
		grep -qx "/usr/bin/$t" <<<"$c"
		grep -qx "/usr/share/man/man1/$t.1.gz" <<<"$c"
		grep -qx "/usr/share/bash-completion/completions/$t" <<<"$c"
		grep -qx "/usr/share/zsh/vendor-completions/_$t" <<<"$c"
	done
	grep -qx /usr/libexec/hvutils/uffd-watch-agent.so <<<"$c"
	# Persistent vfio-pci bindings at boot where driverctl is not installed.
	grep -qx /usr/lib/udev/rules.d/60-hvutils-vfio-bind.rules <<<"$c"
	! grep -q '^/usr/local' <<<"$c"
}

@test "hvutils is stripped and depends on what its tools load" {
	local d
	d=$(dpkg-deb -f "$deb/hvutils_${version}_amd64.deb" Depends)
	for lib in libc6 libpopt0 libjson-c5 liblzma5 libzstd1 libkmod2 libpci3 libxenstore4; do
		[[ $d == *"$lib"* ]] || { echo "Depends: $d (no $lib)"; false; }
	done
	dpkg-deb -x "$deb/hvutils_${version}_amd64.deb" "$BATS_TEST_TMPDIR/x"
	run file "$BATS_TEST_TMPDIR/x/usr/bin/xsctl"
	[[ $output == *", stripped"* ]]
}

@test "mdev-edu-dkms holds the module source and its dkms.conf under /usr/src/mdev-edu-VERSION" {
	local c
	c=$(contents "$deb/mdev-edu-dkms_${version}_all.deb")
	grep -qx "/usr/src/mdev-edu-$version/dkms.conf" <<<"$c"
	grep -qx "/usr/src/mdev-edu-$version/Kbuild" <<<"$c"
	grep -qx "/usr/src/mdev-edu-$version/mdev-edu.c" <<<"$c"
	# Sources only: kbuild's generated mdev-edu.mod.c is the build kernel's
	# symbol versions, which DKMS would compile into another kernel's module.
	! grep -q '\.ko$\|\.o$\|\.mod\.c$\|\.mod$\|Module\.symvers$\|modules\.order$' <<<"$c"
}
