# shellcheck shell=bash
# The interruption matrix of the */NN-interrupt-*.bats suites: a tool run
# is stopped at one of its named steps (hv_step, lib/step.h), hit with a
# signal there, and the suite then checks what must hold afterwards.
#
#   ir_steps CMD...        the steps a normal run of CMD passes, in order
#   ir_start STEP CMD...   CMD in the background, to stop itself at STEP
#                          (through ir-sigdfl: SIGINT at its default)
#   ir_stopped             waits until it did (state T); 1 if it never did
#   ir_hit SIG             SIG, then SIGCONT; waits (IR_TIMEOUT s) for the
#                          end: IR_RC is the exit status, IR_KIDS the
#                          processes it had started, still to be checked
#   ir_gone PID...         each PID ends within IR_TIMEOUT seconds
#   ir_want_rc N           IR_RC is N, else says what the tool printed
#
# CMD's stdin is IR_STDIN (default /dev/null), its output $IR_DIR/out and
# $IR_DIR/err. A check prints "step S, SIGX: what is wrong" and returns 1;
# the matrix loop collects those and fails once at the end, so one run
# names every broken cell.

: "${IR_TIMEOUT:=10}"
# The signals of a matrix: IR_SIGNALS for one matrix, else HV_IR_SIGNALS
# (tests/guest/run sets it per run: KILL only where the kernel or the store
# daemon is not the reference one), else INT/TERM KILL. A word A/B takes
# turns: the first step gets A, the next B, and so on. INT and TERM reach
# one handler (lib/signals.c: the same signalfd, the same exit path), so
# every step gets a handled signal and each of the two half the steps, at
# two thirds of the cost of both everywhere ("INT TERM KILL" runs that).
IR_ALL_SIGNALS=${HV_IR_SIGNALS:-INT/TERM KILL}
IR_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IR_SIGDFL=$IR_TESTS/interrupt/ir-sigdfl

ir_steps() {
	HVUTILS_STEP_TRACE=1 "$@" 2>&1 >/dev/null <"${IR_STDIN:-/dev/null}" |
		sed -n 's/^[^ ]*: step //p' | awk '!seen[$0]++'
}

ir_start() {
	local step=$1
	shift
	# A background job of a script starts with SIGINT ignored; a user's
	# Ctrl-C is not, so ir-sigdfl gives the tool the default disposition.
	(
		export HVUTILS_STEP_STOP=$step
		exec "$IR_SIGDFL" "$@" <"${IR_STDIN:-/dev/null}" >"$IR_DIR/out" 2>"$IR_DIR/err"
	) &
	IR_PID=$!
	IR_STEP=$step
}

# ir_state PID: IR_ST is its state letter, empty when it is gone. Builtins
# only, no $(...): the matrices poll it every 20 ms, and forks are what a
# TCG guest is slow at.
ir_state() {
	local line
	IR_ST=
	read -r line 2>/dev/null <"/proc/$1/stat" || return 0
	line=${line##*) }
	IR_ST=${line:0:1}
}

ir_stopped() {
	local st i
	for ((i = 0; i < IR_TIMEOUT * 50; i++)); do
		ir_state "$IR_PID"
		st=$IR_ST
		[ "$st" = T ] && return 0
		case $st in '' | Z | X)
			wait "$IR_PID" 2>/dev/null
			echo "step $IR_STEP: the tool ended before reaching it: $(cat "$IR_DIR/err")" >&2
			return 1
			;;
		esac
		sleep 0.02
	done
	echo "step $IR_STEP: not reached within ${IR_TIMEOUT}s" >&2
	kill -KILL "$IR_PID" 2>/dev/null
	wait "$IR_PID" 2>/dev/null
	return 1
}

# Every descendant of $1, each before its own children (from the parent
# pids, in one pass: not every kernel has /proc/PID/task/TID/children).
ir_descendants() {
	"$IR_TESTS/descendants" "$1"
}

ir_hit() {
	local st i
	IR_SIG=$1
	# shellcheck disable=SC2034 # for the suites: what to check is gone
	IR_KIDS=$(ir_descendants "$IR_PID")
	kill -"$1" "$IR_PID"
	kill -CONT "$IR_PID" 2>/dev/null || true
	for ((i = 0; i < IR_TIMEOUT * 50; i++)); do
		ir_state "$IR_PID"
		st=$IR_ST
		case $st in '' | Z | X) break ;; esac
		sleep 0.02
	done
	IR_RC=0
	case $st in '' | Z | X) ;; *)
		echo "step $IR_STEP, SIG$IR_SIG: still running after ${IR_TIMEOUT}s (state $st): killed" >&2
		kill -KILL "$IR_PID"
		wait "$IR_PID" 2>/dev/null
		IR_RC=-1
		return 1
		;;
	esac
	# Braces: bash reports a job killed by a signal on the shell's stderr.
	{ wait "$IR_PID" || IR_RC=$?; } 2>/dev/null
}

ir_gone() {
	local p st i
	for p in "$@"; do
		for ((i = 0; i < IR_TIMEOUT * 50; i++)); do
			ir_state "$p"
			st=$IR_ST
			case $st in '' | Z | X) continue 2 ;; esac
			sleep 0.02
		done
		echo "step $IR_STEP, SIG$IR_SIG: process $p ($(cat /proc/"$p"/comm 2>/dev/null)) is left, state $st" >&2
		kill -KILL "$p" 2>/dev/null
		return 1
	done
}

ir_signo() { case $1 in INT) echo 2 ;; TERM) echo 15 ;; KILL) echo 9 ;; HUP) echo 1 ;; esac; }

ir_want_rc() {
	[ "$IR_RC" -eq "$1" ] && return 0
	echo "step $IR_STEP, SIG$IR_SIG: exit status $IR_RC, expected $1: $(tail -n 3 "$IR_DIR/err" | tr '\n' '|')" >&2
	return 1
}

# ir_fail MSG: one failed check of the current cell.
ir_fail() {
	echo "step $IR_STEP, SIG$IR_SIG: $*" >&2
	return 1
}

# ir_matrix CELL STEPS...: runs `CELL STEP SIG` for every step and each
# signal word (IR_SIGNALS, HV_IR_SIGNALS, default INT/TERM KILL; A/B takes
# turns by step); fails at the end if any cell did, after all of them ran.
ir_matrix() {
	local cell=$1 step sig word bad=0 n=0 i=0 t0=$SECONDS
	local -a turns
	shift
	[ $# -gt 0 ] || {
		echo "no steps: is the tool built with lib/step.c?" >&2
		return 1
	}
	[ -x "$IR_SIGDFL" ] || {
		echo "missing prerequisite: $IR_SIGDFL (make check-build)" >&2
		return 1
	}
	for step in "$@"; do
		for word in ${IR_SIGNALS:-$IR_ALL_SIGNALS}; do
			IFS=/ read -ra turns <<<"$word"
			sig=${turns[i % ${#turns[@]}]}
			n=$((n + 1))
			IR_STEP=$step IR_SIG=$sig
			"$cell" "$step" "$sig" || bad=$((bad + 1))
		done
		i=$((i + 1))
	done
	# On fd 3, bats shows it with the result: the matrix's size and cost.
	echo "# $cell: $# steps x ${IR_SIGNALS:-$IR_ALL_SIGNALS}: $n cells, $bad failed, $((SECONDS - t0)) s" >&3
	[ "$bad" -eq 0 ]
}
