#!/usr/bin/env bats
# The version is written once, in configure.ac: everything else that states
# one must agree with it (kmod/'s dkms.conf and MODULE_VERSION: kmod-dkms.bats).

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

