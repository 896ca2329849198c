#!/usr/bin/env bats
# hvutils, the multi-call program: every tool as an applet, picked by the
# name it is called by or by its first argument; --list, --install and the
# bad names. Both links are checked: multicall/hvutils (libc shared) and
# multicall/hvutils-static (what the guest images carry). tests/multicall/run
# runs all the host suites through the applets as well.

load "$BATS_TEST_DIRNAME/../assert"

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	BINS=()
	for b in hvutils hvutils-static; do
		[ -x "$HV_TOP/multicall/$b" ] && BINS+=("$HV_TOP/multicall/$b")
	done
	[ "${#BINS[@]}" -gt 0 ] || {
		echo "hvutils is not built: run make" >&2
		return 1
	}
	# The applets this build has: the tools that were built.
	APPLETS=()
	for d in "$HV_TOP"/tools/*/; do
		t=$(basename "$d")
		[ -x "$d$t" ] && APPLETS+=("$t")
	done
	T=$BATS_TEST_TMPDIR
}

@test "--list prints every built tool, one a line, and nothing else" {
	for b in "${BINS[@]}"; do
		run "$b" --list
		[ "$status" -eq 0 ]
		[ "$output" = "$(printf '%s\n' "${APPLETS[@]}")" ]
	done
}

@test "an applet's --help, --version, output, messages and exit codes are its tool's" {
	local b t a out1 out2 out3
	for b in "${BINS[@]}"; do
		mkdir -p "$T/links"
		for t in "${APPLETS[@]}"; do
			ln -sf "$b" "$T/links/$t"
			for a in --help --version "" --no-such-option no-such-verb -q; do
				out1=$("$HV_TOP/tools/$t/$t" $a 2>&1; echo "exit $?")
				# By the link's name, and as hvutils' first argument.
				out2=$("$T/links/$t" $a 2>&1; echo "exit $?")
				out3=$("$b" "$t" $a 2>&1; echo "exit $?")
				[ "$out1" = "$out2" ] || { diff <(echo "$out1") <(echo "$out2"); false; }
				[ "$out1" = "$out3" ] || { diff <(echo "$out1") <(echo "$out3"); false; }
			done
		done
	done
}

@test "a hard link and a path with directories pick the applet by the last component" {
	local b=${BINS[-1]}
	ln "$b" "$T/xsctl" 2>/dev/null || cp "$b" "$T/xsctl"
	run "$T/xsctl" --version
	[ "$status" -eq 0 ]
	[[ $output == "xsctl (hvutils) "* ]]
	run "$T/../${T##*/}/xsctl" --no-such-option
	fails_with 2 "xsctl: --no-such-option: unknown option*"
}

@test "an unknown applet is one line listing the applets, exit 2" {
	local b list
	list=$(printf '%s, ' "${APPLETS[@]}")
	list=${list%, }
	for b in "${BINS[@]}"; do
		run "$b" frobnicate
		fails_with 2 "${b##*/}: unknown applet 'frobnicate': not one of $list (try '${b##*/} --help')"
		run "$b" xsctrl
		fails_with 2 "${b##*/}: unknown applet 'xsctrl': did you mean 'xsctl'? applets: $list (try*"
		# Applets are whole names: no prefixes, as with a link.
		run "$b" xs read /x
		fails_with 2 "${b##*/}: unknown applet 'xs'*"
	done
}

@test "no applet, or options before it, is a usage error (2)" {
	local b
	for b in "${BINS[@]}"; do
		run "$b"
		fails_with 2 "${b##*/}: missing applet: ${APPLETS[0]}, *"
		run "$b" -s
		fails_with 2 "${b##*/}: -s goes with --install*"
		run "$b" --no-such-option
		fails_with 2 "${b##*/}: --no-such-option: unknown option*"
		run "$b" -l xsctl
		fails_with 2 "${b##*/}: --list: unexpected argument 'xsctl'*"
		run "$b" --list --install "$T"
		fails_with 2 "${b##*/}: --list and --install exclude each other*"
	done
}

@test "a link to hvutils under an unknown name says how it was called (2)" {
	ln -s "${BINS[0]}" "$T/frob"
	run "$T/frob" read /x
	fails_with 2 "hvutils: called as 'frob', which is no applet: link it as ${APPLETS[0]}, * or hvutils (try 'hvutils --help')"
}

@test "--help lists the applets and the man page; --version is hvutils'" {
	run "${BINS[0]}" --help
	[ "$status" -eq 0 ]
	[[ $output == *"hvutils APPLET [ARGS...]"* && $output == *"hvutils --install [-s] DIR"* ]]
	for t in "${APPLETS[@]}"; do
		[[ $output == *"  $t "* ]]
	done
	[[ $output == *"hvutils(1)"* ]]
	run "${BINS[0]}" --version
	[ "$status" -eq 0 ]
	[[ $output =~ ^hvutils\ \(hvutils\)\ [0-9] ]]
}

@test "--install DIR makes a hard link per applet, -s symlinks; again changes nothing" {
	local b=${BINS[-1]} t
	# Hard links need one file system: a copy of the binary beside the
	# directories (/tmp may be a tmpfs of its own).
	cp "$b" "$T/${b##*/}"
	b=$T/${b##*/}
	mkdir "$T/hard" "$T/soft"
	run "$b" --install "$T/hard"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$b" --install -s "$T/soft"
	[ "$status" -eq 0 ]
	for t in "${APPLETS[@]}"; do
		[ "$T/hard/$t" -ef "$b" ] && [ ! -L "$T/hard/$t" ]
		[ "$(readlink "$T/soft/$t")" = "$(readlink -f "$b")" ]
		run "$T/soft/$t" --version
		[ "$output" = "$t (hvutils) $("$b" --version | cut -d' ' -f3)" ]
	done
	[ "$(ls "$T/hard" | wc -l)" -eq "${#APPLETS[@]}" ]
	run "$b" --install "$T/hard"
	[ "$status" -eq 0 ]
	run "$b" -s --install "$T/soft"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "--install never replaces another file, and still links the other applets (6)" {
	local b=${BINS[-1]}
	mkdir "$T/d"
	echo mine >"$T/d/xsctl"
	run "$b" --install -s "$T/d"
	fails_with 6 "${b##*/}: install $T/d/xsctl: File exists (not replaced: remove it first)"
	[ "$(cat "$T/d/xsctl")" = mine ]
	[ "$(ls "$T/d" | wc -l)" -eq "${#APPLETS[@]}" ]
}

@test "--install: a missing DIR exits 3, a file 1, no DIR or two are usage errors" {
	local b=${BINS[-1]}
	run "$b" --install "$T/none"
	fails_with 3 "${b##*/}: install: $T/none: No such file or directory"
	touch "$T/file"
	run "$b" --install "$T/file"
	fails_with 1 "${b##*/}: install: $T/file: Not a directory"
	run "$b" --install
	fails_with 2 "${b##*/}: --install needs DIR*"
	run "$b" --install "$T" "$T"
	fails_with 2 "${b##*/}: --install: unexpected argument*"
}

@test "hvutils needs only libc; hvutils-static nothing" {
	if [ -x "$HV_TOP/multicall/hvutils" ]; then
		run ldd "$HV_TOP/multicall/hvutils"
		[[ $output == *libc.so.6* ]]
		[[ $output != *libxenstore* && $output != *libjson-c* && $output != *libpopt* &&
			$output != *liblzma* && $output != *libzstd* ]]
	fi
	if [ -x "$HV_TOP/multicall/hvutils-static" ]; then
		run file -L "$HV_TOP/multicall/hvutils-static"
		[[ $output == *"statically linked"* ]]
	fi
}

@test "the uffd-watch applet finds its preload agent next to the binary" {
	[[ " ${APPLETS[*]} " == *" uffd-watch "* ]] || skip_or_fail "uffd-watch not built"
	[ -e "$HV_TOP/multicall/uffd-watch-agent.so" ]
	[ "$HV_TOP/multicall/uffd-watch-agent.so" -ef "$HV_TOP/tools/uffd-watch/uffd-watch-agent.so" ]
}

# complete_words WORDS...: what bash completion offers for the last word.
complete_words() {
	bash -c '
		. /usr/share/bash-completion/bash_completion
		for f in "$0"/*; do . "$f"; done
		COMP_WORDS=("$@")
		COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		_hvutils hvutils "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' "$HV_TOP/completions/bash" "$@"
}

@test "bash: hvutils completes applets and options, then the applet's own words" {
	if [[ ! -r /usr/share/bash-completion/bash_completion ]]; then
		skip_or_fail "bash-completion not installed (make deps)"
	fi
	run complete_words hvutils ""
	for t in gntshare lguest-run uffd-watch vfio-bind xsctl; do
		grep -qx -- "$t" <<<"$output"
	done
	run complete_words hvutils --ins
	[ "$output" = --install ]
	run complete_words hvutils uffd-watch ""
	[ "$output" = "$(printf 'probe\nrun\nserve\ndirty\nplot\n--help\n--version')" ]
	run complete_words hvutils uffd-watch run --fault-around ""
	[ "$output" = "$(printf 'auto\noff')" ]
}
