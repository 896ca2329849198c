#!/usr/bin/env bats
# The version is written once, in configure.ac: everything else that states
# one must agree with it.

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	version=$(grep -m1 '^AC_INIT' "$HV_TOP/configure.ac" | cut -d[ -f3 | cut -d] -f1)
	[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "debian/changelog's newest entry has configure.ac's version" {
	run dpkg-parsechangelog -l "$HV_TOP/debian/changelog" -S Version
	[ "$status" -eq 0 ]
	# Native package: no Debian revision.
	[ "$output" = "$version" ]
}

@test "every kmod/ dkms.conf has configure.ac's version" {
	local f n=0
	for f in "$HV_TOP"/kmod/*/dkms.conf; do
		grep -qx "PACKAGE_VERSION=\"$version\"" "$f" || {
			echo "$f: $(grep PACKAGE_VERSION "$f") (configure.ac: $version)"
			false
		}
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

@test "every tool's --version prints configure.ac's version" {
	local t n=0
	for t in "$HV_TOP"/tools/*/; do
		t=${t%/}
		t=${t##*/}
		[[ -x $HV_TOP/tools/$t/$t ]] || continue
		run "$HV_TOP/tools/$t/$t" --version
		[ "$status" -eq 0 ]
		[[ $output == *"$version"* ]] || { echo "$t --version: $output"; false; }
		n=$((n + 1))
	done
	[ "$n" -eq 5 ]
}

@test "every kmod/ module's MODULE_VERSION is configure.ac's version" {
	local f
	for f in "$HV_TOP"/kmod/*/Kbuild; do
		grep -rqF "MODULE_VERSION(\"$version\")" "${f%/Kbuild}"/*.c || {
			echo "${f%/Kbuild}: $(grep -rh MODULE_VERSION "${f%/Kbuild}"/*.c) (configure.ac: $version)"
			false
		}
	done
}
