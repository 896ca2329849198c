# shellcheck shell=bash
# Sourced by every demo part: show each command as typed, then its output.
# A failing command does not stop the tour; its status is shown instead.
# DEMO_SHOW_STATUS=1 shows every status (lguest-run's exit code is the point).
# A command that could not run at all (126, 127: not built, not in the image)
# is the demo's own fault: the part ends there and fails.

_demo_status() {
	local rc=$1
	if [ "$rc" -ne 0 ] || [ "${DEMO_SHOW_STATUS:-0}" = 1 ]; then
		echo "(exit status $rc)"
	fi
	if [ "$rc" -eq 126 ] || [ "$rc" -eq 127 ]; then
		echo "demo: a command of this part could not run (exit $rc): the demo is broken" >&2
		exit "$rc"
	fi
}

# run CMD ARGS...: a plain command.
run() {
	printf '$ %s\n' "$*"
	"$@"
	_demo_status $?
	return 0
}

# sh_run 'LINE': a shell line with a pipe or a here-document, shown as typed.
sh_run() {
	printf '$ %s\n' "$1"
	bash -c "$1"
	_demo_status $?
	return 0
}
