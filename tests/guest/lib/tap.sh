# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the guest's shell tests: source it, call check/ok/not_ok,
# end with tap_done. Exit status 4 means the whole test was skipped.

_tap_n=0
_tap_failed=0

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}

not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	[ -n "${2:-}" ] && echo "# $2"
	return 0
}

skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

# check <case> <command...>: the case passes when the command succeeds.
check() {
	_tap_case=$1
	shift
	if "$@" >/tmp/tap.out 2>&1; then
		ok "$_tap_case"
	else
		not_ok "$_tap_case" "failed: $* ($(head -c 300 /tmp/tap.out))"
	fi
}

# check_eq <case> <expected> <actual>
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "expected '$2', got '$3'"
	fi
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 4
}

tap_done() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
	exit $?
}
