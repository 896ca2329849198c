#!/usr/bin/env bats
# gntshare share and map hit by SIGINT, SIGTERM and SIGKILL at every step
# (tests/interrupt.bash), dom0 sharing with itself. What must hold:
#   share  INT/TERM: exit 128+N, the --publish node is gone, no grant is
#          held (status: everything under gntalloc's limit is available).
#          KILL: exit 137, the kernel ended the grants; the node stays
#          exactly when the publish had committed and the release had not
#          removed it yet (documented).
#   map    INT/TERM are acted on once the map is done: exit 128+N after
#          the unmap. The grant is unmapped in every case: the
#          --notify-byte set through gntdev fires on the unmap, by gntshare
#          or by the kernel's release of the device after SIGKILL.
# bats file_tags=gntshare

setup() {
	GS=${GS:-gntshare}
	command -v "$GS" >/dev/null || {
		echo "gntshare is not installed in the guest" >&2
		return 1
	}
	# shellcheck source=../../interrupt.bash
	. "$BATS_TEST_DIRNAME/../../interrupt.bash"
	IR_DIR=$BATS_TEST_TMPDIR
	P=/local/domain/0/gs-ir
	# status finds what is available by allocating it: a small limit keeps
	# each check cheap and still sees one page held.
	LIMIT_PARAM=/sys/module/xen_gntalloc/parameters/limit
	SAVED_LIMIT=$(cat "$LIMIT_PARAM")
	LIMIT=16
	echo "$LIMIT" >"$LIMIT_PARAM"
}

teardown() {
	[ -n "${SH_PID:-}" ] && kill -TERM "$SH_PID" 2>/dev/null && wait "$SH_PID" 2>/dev/null
	xenstore-rm "$P" 2>/dev/null
	[ -n "${SAVED_LIMIT:-}" ] && echo "$SAVED_LIMIT" >"$LIMIT_PARAM"
	return 0
}

no_grant_held() {
	local out
	out=$("$GS" --json status)
	[[ $out == *"\"available\": $LIMIT"* ]] || ir_fail "grants still held: $out"
}

share_cell() {
	local step=$1 sig=$2 node=absent want=absent
	xenstore-rm "$P" 2>/dev/null
	ir_start "$step" "$GS" share --domid 0 --pages 2 --publish "$P"
	ir_stopped || return 1
	ir_hit "$sig" || return 1
	ir_want_rc $((128 + $(ir_signo "$sig"))) || return 1
	xenstore-read "$P/count" >/dev/null 2>&1 && node=present
	if [ "$sig" = KILL ]; then
		case $step in published | refs-printed) want=present ;; esac
	fi
	[ "$node" = "$want" ] || {
		ir_fail "the --publish node is $node, expected $want"
		return 1
	}
	no_grant_held
}

# bats test_tags=xenstore
@test "share --publish: every step x INT/TERM/KILL releases every grant and the node" {
	mapfile -t steps < <(ir_steps "$GS" share --domid 0 --pages 2 --publish "$P")
	echo "# steps: ${steps[*]}" >&2
	[ "${steps[*]}" = "signals-blocked opened granted publish-commit published refs-printed unpublished released" ] || {
		echo "unexpected step list: ${steps[*]}" >&2
		return 1
	}
	ir_matrix share_cell "${steps[@]}"
}

# byte0: the first byte of the shared page, as two hex digits.
byte0() { "$GS" map --domid 0 "$REF" --length 1 | od -An -tx1 | tr -d ' \n'; }

map_cell() {
	local step=$1 sig=$2 want=ff got
	"$GS" map --domid 0 "$REF" --from "$IR_DIR/ff" >/dev/null || return 1
	ir_start "$step" "$GS" map --domid 0 "$REF" --notify-byte 0 --to /dev/null
	ir_stopped || return 1
	ir_hit "$sig" || return 1
	ir_want_rc $((128 + $(ir_signo "$sig"))) || return 1
	# INT/TERM wait for the map to finish (notification set, then
	# unmapped); KILL before notify-set leaves no notification to fire.
	case $sig:$step in INT:* | TERM:* | *:notify-set | *:unmapped) want=00 ;; esac
	got=$(byte0)
	[ "$got" = "$want" ] || ir_fail "byte 0 is '$got', expected $want (the unmap notification)"
}

@test "map --notify-byte: every step x INT/TERM/KILL unmaps; then no grant is held" {
	printf '\377' >"$IR_DIR/ff"
	"$GS" share --domid 0 --pages 1 --hold >"$IR_DIR/refs" 2>"$IR_DIR/share.err" &
	SH_PID=$!
	for _ in $(seq 200); do
		[ -s "$IR_DIR/refs" ] && break
		sleep 0.05
	done
	REF=$(head -n 1 "$IR_DIR/refs")
	[ -n "$REF" ] || {
		echo "share printed no ref: $(cat "$IR_DIR/share.err")" >&2
		return 1
	}
	mapfile -t steps < <(ir_steps "$GS" map --domid 0 "$REF" --notify-byte 0 --to /dev/null)
	echo "# steps: ${steps[*]}" >&2
	[ "${steps[*]}" = "signals-blocked opened mapped notify-set unmapped" ] || {
		echo "unexpected step list: ${steps[*]}" >&2
		return 1
	}
	ir_matrix map_cell "${steps[@]}"
	kill -TERM "$SH_PID"
	wait "$SH_PID" || true
	SH_PID=
	IR_STEP=end IR_SIG=none
	no_grant_held
}
