#!/usr/bin/env bats
# A fresh Debian 12 machine has only what `make deps` installs: these pin
# that every program the images, tests, demo and benchmarks use is named
# there, and that a build before `make deps` says what to do.

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	load "$BATS_TEST_DIRNAME/../assert"
}

@test "every program the images, tests, demo and benchmarks use comes from make deps" {
	run "$HV_TOP/tests/deps-check"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "deps-check names the package of a program make deps does not install" {
	# A copy of the tree whose package list lacks jq (the package a fresh
	# machine once lacked) must be caught.
	local t
	t=$(mktemp -d)
	mkdir -p "$t/tests/guest"
	cp "$HV_TOP/tests/deps-check" "$t/tests/"
	cp "$HV_TOP/tests/guest/lib.sh" "$t/tests/guest/"
	printf 'add_bin jq\n' >"$t/tests/guest/mkinitramfs"
	sed 's/ jq / /' "$HV_TOP/Makefile" >"$t/Makefile"
	run "$t/tests/deps-check"
	rm -rf "$t"
	fails_with 1 "deps-check: jq (/usr/bin/jq) comes from jq, which 'make deps' does not install: add jq to DEPS_PKGS*"
}

@test "a build before make deps says in one line to run make deps" {
	# A clone without configuration, on a PATH without autoreconf.
	local t bin
	t=$(mktemp -d)
	git -C "$HV_TOP" ls-files -z Makefile configure.ac config.mk.in | (cd "$HV_TOP" && xargs -0 cp --parents -t "$t")
	bin=$(mktemp -d)
	ln -s "$(command -v make)" "$bin/make"
	ln -s "$(command -v sh)" "$bin/sh"
	run env PATH="$bin" make -s -C "$t"
	rm -rf "$t" "$bin"
	fails_with 2 "*hvutils: autoreconf not found, the build dependencies are missing: run 'make deps' first*"
	[[ $output != *"Error 127"* ]]
}
