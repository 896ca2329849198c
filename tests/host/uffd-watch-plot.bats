#!/usr/bin/env bats
# uffd-watch plot: traces of run and serve (--trace --json) as SVG pictures.
# The SVG must be well-formed XML (xmllint) and render (rsvg-convert to a
# PNG); a trace that is not one is refused in one line with exit 2 and
# nothing written. Host only (the guests have no xmllint or rsvg-convert).
# Needs root for the real traces, jq, and `make check-build`.

bats_require_minimum_version 1.5.0

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	# shellcheck source=../uffd/setup.bash
	. "$HV_TOP/tests/uffd/setup.bash"
	uffd_setup uffd-touch jq
	command -v xmllint >/dev/null || skip_or_fail "xmllint (libxml2-utils)"
	command -v rsvg-convert >/dev/null || skip_or_fail "rsvg-convert (librsvg2-bin)"
}

# renders SVG: well-formed, and a PNG of the picture's size with content
renders() {
	xmllint --noout "$1"
	rsvg-convert "$1" -o "$1.png"
	[ "$(head -c 8 "$1.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	[ "$(stat -c %s "$1.png")" -gt 2000 ]
}

# The bands drawn: one monospace label (the mapping's address) each.
bands() { grep -c 'font-family="monospace"' "$1"; }

# A synthetic trace: NMAPS mappings of pid 100, NFAULTS faults each, every
# kind, with map records and other events between them.
synth() {
	awk -v maps="$1" -v n="$2" 'BEGIN {
		split("read write wp minor", k, " ")
		for (m = 0; m < maps; m++)
			printf "{\"time\":0.001,\"event\":\"map\",\"pid\":100,\"address\":\"0x%x\",\"length\":%d}\n", (m + 1) * 2^24, 1024 * 4096
		for (i = 0; i < n; i++)
			for (m = 0; m < maps; m++)
				printf "{\"time\":%.6f,\"event\":\"fault\",\"pid\":100,\"tid\":101,\"kind\":\"%s\",\"address\":\"0x%x\",\"mapping\":\"0x%x\",\"offset\":%d}\n",
					0.01 + i * 0.0001, k[i % 4 + 1], (m + 1) * 2^24 + (i * 7 % 1024) * 4096, (m + 1) * 2^24, (i * 7 % 1024) * 4096
		print "{\"time\":1.5,\"event\":\"exit\",\"pid\":100}"
	}'
}

# A well-formed fault record with one field replaced: fault FIELD VALUE
# (jq makes integers above 2^53 doubles: those records are written out)
fault() {
	jq -cn --arg f "$1" --argjson v "$2" \
		'{time: 0.5, event: "fault", pid: 7, tid: 7, kind: "read", address: "0x10000",
		  mapping: "0x10000", offset: 0} | .[$f] = $v'
}

@test "plot: a run trace is a well-formed SVG that renders, one band, reads and writes coloured" {
	run "$UW" run --trace --json --min-size 64K -o "$W/t" -- "$TU/uffd-touch" -p 64 -o 1,5,9,33,2w,40w
	[ "$status" -eq 0 ]
	run "$UW" plot -o "$W/t.svg" "$W/t"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	renders "$W/t.svg"
	[ "$(bands "$W/t.svg")" -eq 1 ]
	grep -q '<g fill="#1f77b4"><title>read</title>' "$W/t.svg"
	grep -q '<g fill="#d62728"><title>write</title>' "$W/t.svg"
	grep -q '>read 4<' "$W/t.svg"
	grep -q '>write 2<' "$W/t.svg"
	grep -q '>time (s)<' "$W/t.svg"
	grep -q '>page offset in the mapping<' "$W/t.svg"
	# 64 pages: the band's top row is page 63
	grep -q '>63</text>' "$W/t.svg"
}

@test "plot: a serve trace has one band per region" {
	"$TU/uffd-fc-client" make-memory "$W/mem" 40
	"$UW" serve --socket "$W/s.sock" --memory "$W/mem" --timeout 10s --trace --json --stats \
		-o "$W/t" &
	serve=$!
	for _ in $(seq 200); do [ -S "$W/s.sock" ] && break; sleep 0.05; done
	run "$TU/uffd-fc-client" run "$W/s.sock" "$W/mem" -o 3,20,1,17,31
	[ "$output" = "ok 5 pages" ]
	wait "$serve"
	run "$UW" plot -o "$W/t.svg" "$W/t"
	[ "$status" -eq 0 ]
	renders "$W/t.svg"
	[ "$(bands "$W/t.svg")" -eq 2 ]
	grep -q '5 faults in 2 mappings' "$W/t.svg"
}

@test "plot: every kind in its colour and a legend with the counts" {
	synth 3 400 >"$W/t"
	run "$UW" plot -o "$W/t.svg" "$W/t"
	[ "$status" -eq 0 ]
	renders "$W/t.svg"
	[ "$(bands "$W/t.svg")" -eq 3 ]
	for k in 'read 300' 'write 300' 'wp 300' 'minor 300'; do
		grep -q ">$k<" "$W/t.svg"
	done
	for c in 1f77b4 d62728 ff7f0e 2ca02c; do
		grep -q "<g fill=\"#$c\">" "$W/t.svg"
	done
	grep -q '1200 faults in 3 mappings over 39.900 ms' "$W/t.svg"
}

@test "plot: the 24 busiest mappings are drawn, the others counted" {
	synth 30 2 >"$W/t"
	run "$UW" plot -o "$W/t.svg" "$W/t"
	[ "$status" -eq 0 ]
	renders "$W/t.svg"
	[ "$(bands "$W/t.svg")" -eq 24 ]
	grep -q '48 faults in 24 mappings.*; 12 more in 6 mappings not drawn' "$W/t.svg"
}

@test "plot: stdout without -o, and - reads the trace from stdin" {
	synth 1 10 >"$W/t"
	run --separate-stderr "$UW" plot "$W/t"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$W/a.svg"
	renders "$W/a.svg"
	"$UW" plot - <"$W/t" >"$W/b.svg"
	renders "$W/b.svg"
	grep -q '<title>uffd-watch plot: stdin</title>' "$W/b.svg"
}

@test "plot: a trace named with markup characters still makes well-formed XML" {
	synth 1 10 >"$W/a&b<c>\"d'"
	run "$UW" plot -o "$W/t.svg" "$W/a&b<c>\"d'"
	[ "$status" -eq 0 ]
	renders "$W/t.svg"
	grep -qF 'a&amp;b&lt;c&gt;&quot;d' "$W/t.svg"
}

@test "plot: faults outside every mapping are counted, not drawn" {
	{
		synth 1 4
		fault mapping null | jq -c '.offset = null'
	} >"$W/t"
	run "$UW" plot -o "$W/t.svg" "$W/t"
	[ "$status" -eq 0 ]
	renders "$W/t.svg"
	grep -q '; 1 outside every mapping' "$W/t.svg"
}

@test "plot: input that is not a JSON trace is one line naming the line and field, exit 2, nothing written" {
	echo old >"$W/t.svg"
	while IFS='|' read -r line msg; do
		{ synth 1 3; printf '%s\n' "$line"; } >"$W/bad"
		run "$UW" plot -o "$W/t.svg" "$W/bad"
		echo "$line -> $status $output"
		fails_with 2 "uffd-watch: plot: $W/bad line 6: $msg (plot reads the trace of run or serve with --trace --json)"
		[ "$(cat "$W/t.svg")" = old ]
	done <<-EOF
	garbage|not JSON: unexpected character at byte 0
	0.0268 11106 11106 read 0x7f986d411000 0x7f986d40c000+0x5000|not JSON: unexpected character at byte 7
	[1]|not a trace record (a JSON object)
	42|not a trace record (a JSON object)
	{"a":1}|not a trace record (no "event" string)
	{"event":"fault","pid":7}|field "time" is missing
	$(fault time '"1"')|field "time" is not a number
	$(fault time -1)|field "time" is out of range (0 to 1000000000 seconds)
	$(fault time 1e400)|field "time" is out of range (0 to 1000000000 seconds)
	$(fault time 1e10)|field "time" is out of range (0 to 1000000000 seconds)
	$(fault pid 1.5)|field "pid" is not an integer
	$(fault pid -1)|field "pid" is negative
	$(fault pid 4294967296)|field "pid" is out of range (0 to 2147483647)
	$(fault kind '"execute"')|field "kind" is not read, write, wp or minor
	$(fault kind 3)|field "kind" is not read, write, wp or minor
	$(fault address 65536)|field "address" is not a string
	$(fault address '"65536"')|field "address" is not a hex address (0x0 to 0x1ffffffffffffff)
	$(fault mapping '"0x200000000000000"')|field "mapping" is not a hex address (0x1000 to 0x1ffffffffffffff)
	$(fault mapping '"0xffffffffffffffffffff"')|field "mapping" is not a hex address (0x1000 to 0x1ffffffffffffff)
	{"time":0.5,"event":"fault","pid":7,"tid":7,"kind":"read","address":"0x10000","mapping":"0x10000","offset":18446744073709551616}|field "offset" is out of range (0 to 144115188075790335)
	{"time":0.5,"event":"fault","pid":7,"tid":7,"kind":"read","address":"0x10000","mapping":"0x10000","offset":99999999999999999999999999}|field "offset" is out of range (0 to 144115188075790335)
	$(fault offset '"0"')|field "offset" is not an integer
	$(fault offset null)|field "offset" is not an integer
	$(fault mapping null)|field "offset" is set but "mapping" is null
	{"time":1,"event":"fault","pid":7,"tid":7,"kind":"read","address":"0x10000","mapping":"0x10000"}|field "offset" is missing
	{"time":1,"event":"map","pid":7,"address":"0x10000","length":0}|field "length" is 0
	{"time":1,"event":"map","pid":7,"address":"0x10000","length":-4096}|field "length" is negative
	{"time":1,"event":"fault","pid":7,"tid":7,"kind":"read"|not JSON: unexpected end of data at byte 55
	EOF
	[ "$(find "$W" -name 't.svg.tmp.*' | wc -l)" -eq 0 ]
}

@test "plot: a line too long or with a NUL byte is refused" {
	{ synth 1 1; printf '{"pad":"%05000d"}\n' 0; } >"$W/bad"
	run "$UW" plot -o "$W/t.svg" "$W/bad"
	fails_with 2 "uffd-watch: plot: $W/bad line 4: longer than 4096 bytes*"
	{ synth 1 1; printf '{"a":\0}\n'; } >"$W/bad"
	run "$UW" plot -o "$W/t.svg" "$W/bad"
	fails_with 2 "uffd-watch: plot: $W/bad line 4: not text (a NUL byte)*"
	[ ! -e "$W/t.svg" ]
}

@test "plot: a trace without faults exits 1 with nothing written; a missing one exits 3" {
	: >"$W/empty"
	run "$UW" plot -o "$W/t.svg" "$W/empty"
	fails_with 1 "uffd-watch: plot: $W/empty has no fault in a registered mapping: nothing to plot (run or serve with --trace --json writes one)"
	synth 1 0 >"$W/nofaults"
	run "$UW" plot -o "$W/t.svg" "$W/nofaults"
	fails_with 1 "uffd-watch: plot: $W/nofaults has no fault in a registered mapping: nothing to plot*"
	[ ! -e "$W/t.svg" ]
	run "$UW" plot -o "$W/t.svg" "$W/none"
	fails_with 3 "uffd-watch: plot: cannot open $W/none: No such file or directory"
}

@test "plot takes exactly one TRACE (usage error, exit 2)" {
	run "$UW" plot
	fails_with 2 "uffd-watch: plot needs one TRACE*"
	run "$UW" plot a b
	fails_with 2 "uffd-watch: plot needs one TRACE*"
}
