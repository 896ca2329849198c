#!/usr/bin/env bats
# Man pages: every page in man/ renders without a warning from groff and
# mandoc, writes each .TP tag on one line, carries a real date and the
# version, and documents exactly the options the tool's --help lists.

load "$BATS_TEST_DIRNAME/../assert"

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	local missing=
	command -v groff >/dev/null || missing+=" groff"
	command -v mandoc >/dev/null || missing+=" mandoc"
	command -v perl >/dev/null || missing+=" perl"
	[[ -z $missing ]] && return 0
	skip_or_fail "not installed:$missing (make deps)"
}

pages() { ls "$HV_TOP"/man/*.[1-8]; }

# The tools that have a page of section 1 and are built.
tools() {
	local p t
	for p in "$HV_TOP"/man/*.1; do
		t=$(basename "$p" .1)
		[[ -d $HV_TOP/tools/$t ]] || continue
		if [[ ! -x $HV_TOP/tools/$t/$t ]]; then
			[[ ${CI:-} == true ]] && { echo "tools/$t/$t is not built" >&2; return 1; }
			continue
		fi
		echo "$t"
	done
}

# help_commands TOOL: the arguments before --help of the tool's own help
# (an empty line), each verb it lists, and each subverb a verb's help lists
# (vfio-bind mdev, gntshare evtchn and vchan).
help_commands() {
	local bin=$HV_TOP/tools/$1/$1 v s
	local verbs='/^Verbs:/{f=1;next} f&&/^  [a-z]/{print $1} f&&/^$/{f=0}'
	echo
	for v in $("$bin" --help | awk "$verbs"); do
		echo "$v"
		for s in $("$bin" "$v" --help | awk "$verbs"); do
			echo "$v $s"
		done
	done
}

# tool_help TOOL: all those helps, one after the other.
tool_help() {
	local bin=$HV_TOP/tools/$1/$1 args
	while read -r args; do
		# shellcheck disable=SC2086 # the words of one command line
		"$bin" $args --help
	done < <(help_commands "$1")
}

# help_options TOOL: every option name its help lists, one a line.
help_options() {
	tool_help "$1" 2>&1 | grep -oE -- '^ {2,}(-[A-Za-z0-9], )?--[a-z][-a-z0-9]*' |
		grep -oE -- '--?[A-Za-z0-9][-a-z0-9]*' | LC_ALL=C sort -u
}

# help_pairs TOOL: "-X --long" for each option listed with both names.
help_pairs() {
	tool_help "$1" 2>&1 | sed -nE 's/^ {2,}(-[A-Za-z0-9]), (--[a-z][-a-z0-9]*).*/\1 \2/p' |
		LC_ALL=C sort -u
}

# man_options PAGE: every option name the page shows in bold (mandoc's
# ASCII output writes bold as X backspace X), one a line.
man_options() {
	mandoc -Tascii -O width=1000 "$1" | perl -ne '
		s/_\x08(.)/$1/g;
		while (/((?:(.)\x08\2)+)/g) { (my $b = $1) =~ s/.\x08//g; print "$b\n" }' |
		grep -oE -- '(^|[][ (|,])--?[A-Za-z0-9][-a-z0-9]*' | grep -oE -- '--?[A-Za-z0-9][-a-z0-9]*' |
		LC_ALL=C sort -u
}

man_text() { mandoc -Tascii -O width=1000 "$1" | perl -pe 's/.\x08//g'; }

@test "every page renders with groff -ww without a warning" {
	local p out bad=
	for p in $(pages); do
		out=$(groff -man -ww -z "$p" 2>&1 || true)
		[[ -z $out ]] || bad+=$'\n'$out
	done
	[[ -z $bad ]] || { echo "groff:$bad"; false; }
}

@test "every page passes mandoc -Tlint without a message" {
	local p out bad=
	for p in $(pages); do
		out=$(mandoc -Tlint "$p" 2>&1 || true)
		[[ -z $out ]] || bad+=$'\n'$out
	done
	[[ -z $bad ]] || { echo "mandoc:$bad"; false; }
}

# A .TP tag is the one input line after .TP: a tag written over several
# macro lines spills its rest into the body. Such a tag leaves its
# brackets open, and the body then starts with an italic macro (the
# placeholder that belonged to the tag).
@test "every .TP tag is one line" {
	run awk '
		function count(s, c) { return gsub("\\" c, "", s) }
		/^\.TP/ {
			if ((getline tag) <= 0) exit
			t = tag
			gsub(/\\\(..|\\f.|\\[-&|^e]/, "", t)
			if (count(t, "[") != count(t, "]") || count(t, "(") != count(t, ")"))
				printf "%s:%d: tag with unbalanced brackets: %s\n", FILENAME, FNR, tag
			if ((getline body) <= 0) exit
			if (body ~ /^\.(I|IR|RI|IB)( |$)/)
				printf "%s:%d: body starts with an italic macro (rest of the tag?): %s\n", FILENAME, FNR, body
		}' $(pages)
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test ".TH carries a date and the version of configure.ac" {
	local version p th bad=
	version=$(sed -nE 's/^AC_INIT\(\[hvutils\], \[([^]]+)\].*/\1/p' "$HV_TOP/configure.ac")
	[[ -n $version ]]
	for p in $(pages); do
		th=$(head -n1 "$p")
		[[ $th =~ ^\.TH\ [^\ ]+\ [1-8]\ [0-9]{4}-[0-9]{2}-[0-9]{2}\ \"hvutils\ ([^\"]+)\" ]] &&
			[[ ${BASH_REMATCH[1]} == "$version" ]] || bad+=$'\n'"$p: $th"
	done
	[[ -z $bad ]] || { echo "want .TH NAME SECTION YYYY-MM-DD \"hvutils $version\":$bad"; false; }
}

@test "signals are explained in a SIGNALS section of each tool's page" {
	local t bad=
	for t in $(tools); do
		grep -qx '\.SH SIGNALS' "$HV_TOP/man/$t.1" || bad+=" $t"
	done
	[[ -z $bad ]] || { echo "no SIGNALS section:$bad"; false; }
}

@test "every option of a tool's --help is in bold on its man page" {
	local t missing=
	for t in $(tools); do
		missing+=$(LC_ALL=C comm -23 <(help_options "$t") <(man_options "$HV_TOP/man/$t.1") | sed "s/^/$t:/" | tr '\n' ' ')
	done
	[[ -z $missing ]] || { echo "not on the man page:$missing"; false; }
}

@test "a short and long option pair of --help is paired on the man page" {
	local t s l txt missing=
	for t in $(tools); do
		txt=$(man_text "$HV_TOP/man/$t.1")
		while read -r s l; do
			grep -qF -e "$s, $l" -e "$s ($l)" <<<"$txt" || missing+=" $t:$s,$l"
		done < <(help_pairs "$t")
	done
	[[ -z $missing ]] || { echo "not written '-X, --long' or '-X (--long)' on the man page:$missing"; false; }
}

# Options of other programs a page shows in bold.
foreign_options() {
	case $1 in
	gntshare) echo -C ;; # hexdump -C
	esac
}

@test "every option a man page shows in bold is in the tool's --help" {
	local t extra=
	for t in $(tools); do
		extra+=$(LC_ALL=C comm -13 <({ help_options "$t"; foreign_options "$t"; } | LC_ALL=C sort -u) \
			<(man_options "$HV_TOP/man/$t.1") | sed "s/^/$t:/" | tr '\n' ' ')
	done
	[[ -z $extra ]] || { echo "not in --help:$extra"; false; }
}

# The exit codes of lib/diag.h a tool's sources return by name must be in
# its page's EXIT STATUS (those that come through hv_exit_code(-errno)
# are not seen here).
@test "every named exit code a tool returns is in its EXIT STATUS" {
	local t n code used doc missing=
	for t in $(tools); do
		doc=" $(sed -n '/^\.SH EXIT STATUS/,/^\.SH [^E]/p' "$HV_TOP/man/$t.1" |
			sed -n '/^\.TP/{n;p;}' | sed -nE 's/^\.B ([0-9]+)$/\1/p' | tr '\n' ' ')"
		for n in $(grep -ohE 'HV_EXIT_[A-Z]+' "$HV_TOP/tools/$t"/*.c | LC_ALL=C sort -u); do
			code=$(sed -nE "s/^\s*$n = ([0-9]+),.*/\1/p" "$HV_TOP/lib/diag.h")
			[[ -n $code ]] || { missing+=" $t:$n(not in lib/diag.h)"; continue; }
			[[ $doc == *" $code "* ]] || missing+=" $t:$code($n)"
		done
	done
	[[ -z $missing ]] || { echo "not in EXIT STATUS:$missing"; false; }
}

@test "every --help (tool, verb, subverb) is one Usage: block within 80 columns" {
	local t args out n l bad=
	for t in $(tools); do
		while read -r args; do
			# shellcheck disable=SC2086 # the words of one command line
			out=$("$HV_TOP/tools/$t/$t" $args --help 2>&1)
			n=$(grep -c '^Usage:' <<<"$out" || true)
			[[ $n -eq 1 ]] || bad+=$'\n'"$t $args: $n Usage: blocks"
			while IFS= read -r l; do
				bad+=$'\n'"$t $args: ${#l} columns: $l"
			done < <(awk 'length > 80' <<<"$out")
		done < <(help_commands "$t")
	done
	[[ -z $bad ]] || {
		echo "$bad"
		false
	}
}
