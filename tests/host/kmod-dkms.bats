#!/usr/bin/env bats
# The module bundle as a distribution would install it: DKMS builds every
# kmod/ module from its dkms.conf for the guest kernel. DKMS state lives in a
# scratch tree so the host's /var/lib/dkms is never touched.

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	KVER=${KVER:-$(sed -n 's/^KVER *:= *//p' "$HV_TOP/config.mk" 2>/dev/null)}
	if ! command -v dkms >/dev/null || [[ -z $KVER || ! -d /lib/modules/$KVER/build ]]; then
		[[ ${CI:-} == true ]] && { echo "dkms or the guest kernel's headers missing (make deps)"; return 1; }
		skip "dkms or kernel headers missing"
	fi
	scratch=$(mktemp -d)
}

teardown() {
	[[ -z ${scratch:-} ]] || rm -rf "$scratch"
}

dkms_() {
	dkms --dkmstree "$scratch/tree" --sourcetree "$scratch/src" --installtree "$scratch/inst" "$@"
}

@test "dkms builds every kmod/ module for the guest kernel from its dkms.conf" {
	local d name ver n=0
	mkdir -p "$scratch/src" "$scratch/tree" "$scratch/inst"
	for d in "$HV_TOP"/kmod/*/; do
		[[ -f $d/dkms.conf ]] || continue
		name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$d/dkms.conf")
		ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$d/dkms.conf")
		[[ -n $name && -n $ver ]]
		mkdir "$scratch/src/$name-$ver"
		# Only what git has: a built tree must not hide a missing source.
		git -C "$d" ls-files -z . | (cd "$d" && xargs -0 cp --parents -t "$scratch/src/$name-$ver")
		run dkms_ add "$name/$ver"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		run dkms_ build -k "$KVER" "$name/$ver"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		ls "$scratch/tree/$name/$ver/$KVER"/*/module/"$name".ko*
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
}
