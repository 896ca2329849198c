#!/usr/bin/env bats
# Lint: every shell script of the tree (scripts with a sh or bash shebang,
# *.sh, *.bash, the bash completions) passes shellcheck. The bats suites
# themselves are not checked; the helpers they load are.

load "$BATS_TEST_DIRNAME/../assert"

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	if ! command -v shellcheck >/dev/null; then
		skip_or_fail "shellcheck not installed (make deps)"
	fi
}

# The shell scripts git knows of, one a line, relative to HV_TOP: by name,
# or by a sh/bash shebang (one awk over all the others: a head and a grep a
# file took half a minute of make check).
shell_scripts() {
	local f
	local -a rest=()
	while IFS= read -r f; do
		[[ -f $HV_TOP/$f ]] || continue
		case $f in
		*.bats | *.c | *.h | *.mk | *.[1-8] | completions/zsh/*) ;;
		*.sh | *.bash | completions/bash/*) echo "$f" ;;
		*) rest+=("$f") ;;
		esac
	done < <(git -C "$HV_TOP" ls-files 2>/dev/null)
	[[ ${#rest[@]} -gt 0 ]] || return 0
	(cd "$HV_TOP" && awk 'FNR == 1 { if ($0 ~ /^#!.*[\/ ](ba)?sh( |$)/) print FILENAME; nextfile }' "${rest[@]}")
}

@test "the tree has shell scripts to check" {
	[ -d "$HV_TOP/.git" ] || [ -f "$HV_TOP/.git" ] || skip "not a git checkout"
	run shell_scripts
	[[ $output == *tests/run-all* && $output == *completions/bash/vfio-bind* ]]
}

@test "every shell script passes shellcheck" {
	[ -d "$HV_TOP/.git" ] || [ -f "$HV_TOP/.git" ] || skip "not a git checkout"
	local -a files
	mapfile -t files < <(shell_scripts)
	cd "$HV_TOP"
	# -x follows sourced files (.shellcheckrc: relative to the script).
	run shellcheck -x "${files[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

# The userspace C sources (kmod/ follows the kernel's style and checkpatch);
# tests/lguest/guest.h is assembler macros for the .S guests, not C.
c_sources() {
	git -C "$HV_TOP" ls-files '*.c' '*.h' 2>/dev/null | grep -v -e '^kmod/' -e '^tests/lguest/guest\.h$'
}

@test "every userspace C source is clang-format clean" {
	[ -d "$HV_TOP/.git" ] || [ -f "$HV_TOP/.git" ] || skip "not a git checkout"
	if ! command -v clang-format >/dev/null; then
		skip_or_fail "clang-format not installed (make deps)"
	fi
	local f bad=
	local -a files=()
	while read -r f; do
		[[ -f $HV_TOP/$f ]] && files+=("$f")
	done < <(c_sources)
	[[ ${#files[@]} -gt 100 ]] || { echo "only ${#files[@]} C sources found"; false; }
	# One clang-format for all; file by file only to name the culprits.
	if ! (cd "$HV_TOP" && clang-format --dry-run -Werror "${files[@]}" >/dev/null 2>&1); then
		for f in "${files[@]}"; do
			(cd "$HV_TOP" && clang-format --dry-run -Werror "$f" >/dev/null 2>&1) || bad+=" $f"
		done
		[[ -n $bad ]] || bad=" (clang-format failed on the whole list)"
	fi
	[[ -z $bad ]] || { echo "not clang-format clean (run clang-format -i):$bad"; false; }
}
