#!/usr/bin/env bats
# Completions: every tool's bash and zsh completion offers its verbs and, for
# every verb, the options its --help lists, and completes the arguments that
# need care: PCI addresses (':' is a word break for readline and a separator
# for zsh's _describe), mdev parents, types and instances. vfio-bind's are
# read from the fake tree of fixtures/vfio-sysfs.sh through HVUTILS_SYSROOT,
# as vfio-bind itself reads it. bash is driven through the completion
# function with COMP_WORDS split as readline splits them, zsh through
# fixtures/zsh-complete (a zpty).

load "$BATS_TEST_DIRNAME/../assert"

U1=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
UDEF=6f1e2d3c-4b5a-4978-8a7b-6c5d4e3f2a1b

setup_file() {
	local root=$BATS_FILE_TMPDIR/root edu
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	export HV_TOP
	"$BATS_TEST_DIRNAME/fixtures/vfio-sysfs.sh" "$root"
	# One vfio-bind record, two mdev parents (one named like a PCI
	# address), a type on each and one instance.
	mkdir -p "$root/run/hvutils/vfio-bind"
	: >"$root/run/hvutils/vfio-bind/0000:01:00.0"
	edu=$root/sys/devices/virtual/mdev_edu/mdev_edu
	mkdir -p "$edu/mdev_supported_types/mdev_edu-1" "$edu/$U1" "$root/sys/class/mdev_bus" \
		"$root/sys/bus/mdev/devices" \
		"$root/sys/devices/pci0000:00/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4"
	ln -s ../../devices/virtual/mdev_edu/mdev_edu "$root/sys/class/mdev_bus/mdev_edu"
	ln -s ../../devices/pci0000:00/0000:00:02.0 "$root/sys/class/mdev_bus/0000:00:02.0"
	ln -s "../../../devices/virtual/mdev_edu/mdev_edu/$U1" "$root/sys/bus/mdev/devices/$U1"
	# One mdev definition (mdevctl's place).
	mkdir -p "$root/etc/mdevctl.d/mdev_edu"
	echo '{"mdev_type": "mdev_edu-1", "start": "auto"}' >"$root/etc/mdevctl.d/mdev_edu/$UDEF"
	command -v zsh >/dev/null || return 0
	local -a lines
	mapfile -t lines < <(zsh_lines)
	HVUTILS_SYSROOT=$root timeout 600 zsh -f "$BATS_TEST_DIRNAME/fixtures/zsh-complete" \
		"$HV_TOP/completions/zsh" "${lines[@]}" >"$BATS_FILE_TMPDIR/zsh.out"
}

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	export HVUTILS_SYSROOT=$BATS_FILE_TMPDIR/root
	local missing=
	[[ -r /usr/share/bash-completion/bash_completion ]] || missing+=" bash-completion"
	command -v zsh >/dev/null || missing+=" zsh"
	[[ -z $missing ]] && return 0
	skip_or_fail "not installed:$missing (make deps)"
}

# complete_bash LINE...: the words bash completion offers for the end of
# LINE, one a line, whole as readline leaves them on the line; with several
# LINEs, each one's words come after a line "== LINE" (one bash for all:
# loading bash-completion is slow on a loaded machine). Readline splits
# COMP_WORDS at blanks and makes each run of COMP_WORDBREAKS characters
# (':' and '=' among them) a word of its own, and replaces only the text
# after the last break character with a reply: both are done here.
complete_bash() {
	bash -c '
		. /usr/share/bash-completion/bash_completion
		for f in "$0"/completions/bash/*; do . "$f"; done
		breaks=$COMP_WORDBREAKS
		for line in "$@"; do
			[[ $# -eq 1 ]] || printf "== %s\n" "$line"
			COMP_WORDS=() COMPREPLY=()
			w= kind=
			for ((k = 0; k < ${#line}; k++)); do
				c=${line:k:1}
				if [[ $c == [[:blank:]] ]]; then
					[[ -n $w ]] && COMP_WORDS+=("$w")
					w= kind=
				elif [[ $breaks == *"$c"* ]]; then
					[[ -n $w && $kind != b ]] && { COMP_WORDS+=("$w"); w=; }
					w+=$c kind=b
				else
					[[ -n $w && $kind == b ]] && { COMP_WORDS+=("$w"); w=; }
					w+=$c kind=w
				fi
			done
			COMP_WORDS+=("$w")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMP_LINE=$line COMP_POINT=${#line}
			last=${line##*[[:blank:]]} keep=
			[[ $last == *[:=]* ]] && keep=${last%"${last##*[:=]}"}
			fn=$(complete -p "${COMP_WORDS[0]}" | sed -E "s/.*-F ([^ ]+).*/\1/")
			"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
			for r in "${COMPREPLY[@]}"; do printf "%s\n" "$keep$r"; done
		done
	' "$HV_TOP" "$@"
}

# section LINE: the part of complete_bash's output (stdin) for LINE.
section() { awk -v want="== $1" '$0 == want { f = 1; next } /^== / { f = 0 } f'; }

# Every line the zsh tests complete: one zsh session completes them all in
# setup_file (starting zsh's completion system takes seconds on a loaded
# machine).
zsh_lines() {
	local t tv
	for t in xsctl gntshare vfio-bind uffd-watch; do echo "$t "; done
	while read -r tv; do echo "$tv -"; done < <(all_verbs)
	cat <<-EOL
		vfio-bind info 0000:00:03
		vfio-bind bind 0000:00:0
		vfio-bind peek 
		vfio-bind peek 0000:00:03.0 
		vfio-bind restore 
		vfio-bind mdev 
		vfio-bind mdev create 
		vfio-bind mdev create 0000:00:02.0 
		vfio-bind mdev remove 
		vfio-bind mdev start 
		uffd-watch run --mode 
		xsctl -j re
	EOL
}

# complete_zsh LINE: the matches zsh offered for the end of LINE (one of
# zsh_lines), one a line (the match, then " -- " and its description); a
# completion function's error comes as a line "error: ...".
complete_zsh() {
	awk -v want="== $1" '$0 == want { f = 1; next } /^== / { f = 0 } f' "$BATS_FILE_TMPDIR/zsh.out"
	grep -qxF -- "== $1" "$BATS_FILE_TMPDIR/zsh.out" || echo "error: '$1' is not in zsh_lines"
}

# has_line LINE TEXT: TEXT has LINE as a whole line (no grep a check: the
# verb and option loops below make hundreds of them).
has_line() { [[ $'\n'$2$'\n' == *$'\n'"$1"$'\n'* ]]; }

# matches: the offered words of complete_zsh's output, sorted.
matches() { sed 's/ -- .*//' | LC_ALL=C sort -u; }

# verbs_of TOOL [VERB]: the verbs (subverbs) that --help lists.
verbs_of() {
	"$HV_TOP/tools/$1/$1" "${@:2}" --help | awk '/^Verbs:/{f=1;next} f&&/^  [a-z]/{print $1} f&&/^$/{f=0}'
}

# options_of TOOL [VERB...]: the options that --help lists, one a line.
options_of() {
	"$HV_TOP/tools/$1/$1" "${@:2}" --help 2>&1 | grep -oE -- '^ {2,}(-[A-Za-z0-9], )?--[a-z][-a-z0-9]*' |
		grep -oE -- '--?[A-Za-z0-9][-a-z0-9]*' | LC_ALL=C sort -u
}

# Every verb of every tool, as "TOOL VERB" (a verb with subverbs, as
# vfio-bind mdev and gntshare evtchn: each subverb too), and "TOOL" for a
# tool without verbs.
all_verbs() {
	local t v s
	for t in xsctl gntshare vfio-bind uffd-watch lguest-run; do
		[[ -x $HV_TOP/tools/$t/$t ]] || continue
		v=$(verbs_of "$t")
		[[ -n $v ]] || { echo "$t"; continue; }
		for v in $v; do
			echo "$t $v"
			for s in $(verbs_of "$t" "$v"); do
				echo "$t $v $s"
			done
		done
	done
}

@test "bash: every verb in a tool's --help is offered" {
	local t v out all missing=
	all=$(complete_bash "xsctl " "gntshare " "vfio-bind " "uffd-watch ")
	for t in xsctl gntshare vfio-bind uffd-watch; do
		out=$(section "$t " <<<"$all")
		for v in $(verbs_of "$t"); do
			has_line "$v" "$out" || missing+=" $t:$v"
		done
	done
	[[ -z $missing ]] || { echo "not completed:$missing"; false; }
}

@test "bash: every long option of every verb's --help is offered after --" {
	local tv o out all missing=
	local -a lines
	mapfile -t lines < <(all_verbs | sed 's/$/ --/')
	all=$(complete_bash "${lines[@]}")
	while read -r tv; do
		out=$(section "$tv --" <<<"$all")
		for o in $(options_of $tv | grep -- '^--'); do
			has_line "$o" "$out" || missing+=" ${tv// /_}:$o"
		done
	done < <(all_verbs)
	[[ -z $missing ]] || { echo "not completed:$missing"; false; }
}

@test "bash: xsctl completes verb prefixes and --json" {
	run complete_bash "xsctl re"
	[ "$output" = "$(printf 'read\nrestore')" ]
	run complete_bash "xsctl read --js"
	[ "$output" = "--json" ]
}

@test "bash: uffd-watch run --fault-around offers auto and off" {
	run complete_bash "uffd-watch run --fault-around "
	[ "$output" = "$(printf 'auto\noff')" ]
}

@test "bash: lguest-run completes its options" {
	run complete_bash "lguest-run --me"
	[ "$output" = "--memory" ]
}

@test "bash: vfio-bind bind 0000:00:0<Tab> offers whole PCI addresses" {
	run complete_bash "vfio-bind bind 0000:00:0"
	[ "$output" = "$(printf '0000:00:00.0\n0000:00:02.0\n0000:00:03.0')" ]
}

@test "bash: vfio-bind info 0000:00:03<Tab> completes the address" {
	run complete_bash "vfio-bind info 0000:00:03"
	[ "$output" = "0000:00:03.0" ]
	run complete_bash "vfio-bind info 0000:05:"
	[ "$output" = "$(printf '0000:05:01.0\n0000:05:02.0')" ]
}

@test "bash: vfio-bind completes the short form of domain 0's addresses" {
	run complete_bash "vfio-bind bind 01:"
	[ "$output" = "01:00.0" ]
}

@test "bash: vfio-bind restore offers the devices with a record" {
	run complete_bash "vfio-bind restore "
	[ "$output" = "0000:01:00.0" ]
}

@test "bash: vfio-bind peek and poke take a device, then a region" {
	run complete_bash "vfio-bind peek 0000:00:03.0 "
	[ "$output" = "$(printf '%s\n' bar0 bar1 bar2 bar3 bar4 bar5 rom config vga)" ]
	run complete_bash "vfio-bind poke 0000:00:03.0 co"
	[ "$output" = "config" ]
	run complete_bash "vfio-bind peek --width "
	[ "$output" = "$(printf '1\n2\n4\n8')" ]
	run complete_bash "vfio-bind peek 83"
	[ "$output" = "$U1" ]
}

@test "bash: vfio-bind mdev offers subverbs, parents, types and instances" {
	run complete_bash "vfio-bind mdev "
	[ "$output" = "$(printf 'types\ncreate\nremove\nstop\nlist\ndefine\nundefine\nmodify\nstart')" ]
	run complete_bash "vfio-bind mdev create "
	[ "$output" = "$(printf '0000:00:02.0\nmdev_edu')" ]
	run complete_bash "vfio-bind mdev create 0000:00:0"
	[ "$output" = "0000:00:02.0" ]
	run complete_bash "vfio-bind mdev create 0000:00:02.0 "
	[ "$output" = "i915-GVTg_V5_4" ]
	run complete_bash "vfio-bind mdev create mdev_edu "
	[ "$output" = "mdev_edu-1" ]
	run complete_bash "vfio-bind mdev remove "
	[ "$output" = "$U1" ]
	run complete_bash "vfio-bind mdev start "
	[ "$output" = "$UDEF" ]
	run complete_bash "vfio-bind mdev define mdev_edu "
	[ "$output" = "mdev_edu-1" ]
}

@test "bash: vfio-bind reads the tree --sysroot names" {
	run complete_bash "vfio-bind --sysroot $BATS_TEST_TMPDIR/none bind "
	[ -z "$output" ]
	HVUTILS_SYSROOT=/nonexistent run complete_bash \
		"vfio-bind --sysroot $BATS_FILE_TMPDIR/root info 0000:00:03"
	[ "$output" = "0000:00:03.0" ]
}

@test "zsh: completion files parse and name their command" {
	local f
	for f in "$HV_TOP"/completions/zsh/_*; do
		zsh -n "$f" || { echo "zsh cannot parse $f"; false; }
		head -n1 "$f" | grep -q '^#compdef ' || { echo "$f lacks #compdef"; false; }
	done
}

@test "zsh: every verb in a tool's --help is offered" {
	local t v out missing=
	for t in xsctl gntshare vfio-bind uffd-watch; do
		out=$(complete_zsh "$t " | matches)
		for v in $(verbs_of "$t"); do
			has_line "$v" "$out" || missing+=" $t:$v"
		done
	done
	[[ -z $missing ]] || { echo "not completed:$missing"; false; }
}

@test "zsh: every option of every verb's --help is offered after -, without an error" {
	local tv o out bad=
	while read -r tv; do
		out=$(complete_zsh "$tv -")
		bad+=$(grep '^error' <<<"$out" | sed "s/^/ ${tv// /_}: /")
		out=$(matches <<<"$out")
		for o in $(options_of $tv); do
			has_line "$o" "$out" || bad+=" ${tv// /_}:$o"
		done
	done < <(all_verbs)
	[[ -z $bad ]] || { echo "not completed:$bad"; false; }
}

@test "zsh: vfio-bind info 0000:00:03<Tab> completes the whole address" {
	run complete_zsh "vfio-bind info 0000:00:03"
	[ "$(matches <<<"$output")" = "0000:00:03.0" ]
	run complete_zsh "vfio-bind bind 0000:00:0"
	[ "$(matches <<<"$output")" = "$(printf '0000:00:00.0\n0000:00:02.0\n0000:00:03.0')" ]
}

@test "zsh: vfio-bind peek offers devices, then regions, without an error" {
	run complete_zsh "vfio-bind peek "
	[[ $output != *error* ]]
	[[ $(matches <<<"$output") == *0000:00:03.0*0000:05:02.0*$U1* ]]
	run complete_zsh "vfio-bind peek 0000:00:03.0 "
	[ "$(matches <<<"$output")" = "$(printf '%s\n' bar0 bar1 bar2 bar3 bar4 bar5 config rom vga)" ]
}

@test "zsh: vfio-bind restore offers the devices with a record" {
	run complete_zsh "vfio-bind restore "
	[ "$(matches <<<"$output")" = "0000:01:00.0" ]
}

@test "zsh: vfio-bind mdev offers subverbs, parents, types and instances" {
	run complete_zsh "vfio-bind mdev "
	[ "$(matches <<<"$output")" = "$(printf 'create\ndefine\nlist\nmodify\nremove\nstart\nstop\ntypes\nundefine')" ]
	run complete_zsh "vfio-bind mdev create "
	[ "$(matches <<<"$output")" = "$(printf '0000:00:02.0\nmdev_edu')" ]
	run complete_zsh "vfio-bind mdev create 0000:00:02.0 "
	[ "$(matches <<<"$output")" = "i915-GVTg_V5_4" ]
	run complete_zsh "vfio-bind mdev remove "
	[ "$(matches <<<"$output")" = "$U1" ]
	run complete_zsh "vfio-bind mdev start "
	[ "$(matches <<<"$output")" = "$UDEF" ]
}

@test "zsh: uffd-watch run --mode and xsctl verbs after a common option" {
	run complete_zsh "uffd-watch run --mode "
	[ "$(matches <<<"$output")" = "$(printf 'minor\nmissing\nwp\nwp-async')" ]
	run complete_zsh "xsctl -j re"
	[ "$(matches <<<"$output")" = "$(printf 'read\nrestore')" ]
}
