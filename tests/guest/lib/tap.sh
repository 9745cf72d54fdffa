# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the guest's shell tests: source it, declare the plan,
# call check/check_eq/ok/not_ok/skip, end with tap_done. Exit status 4
# means the whole test was skipped (skip_all, called before the plan).
#
# The plan is the number of cases the test makes, fixed before its first
# case from what the test is given (the kernel command line, the parents
# it expects, a module list), never from the cases it printed. tap.awk
# fails a test whose cases are not its plan, so a case that goes missing
# (a loop cut short, an early tap_done or exit) fails the test.
#   plan <n>
#       Before the first case: prints "1..<n>" at once.
#   plan <n> nested
#       For a test that forwards the cases of a nested guest's runner
#       (vm.sh's vm_run and vm_forward): <n> counts the test's own cases,
#       vm_run's checks of the nested guest among them. How many cases
#       the nested runner makes is known only once it has run, so:
#   plan_forwarded <runner output>
#       After vm_run or vm_forward: adds to the plan the cases vm_forward
#       made of that output, read the same way (tap.awk). Each of them is
#       sound on its own: tap.awk fails a nested test whose cases are not
#       its own plan, and a nested runner that did not finish. tap_done
#       then prints the plan last: <n> plus the cases forwarded.
# tap_done fails a test that declared no plan, made a case before it, or
# made other than its plan; tap.awk checks the printed plan again.

_tap_n=0
_tap_failed=0
_tap_plan=
_tap_nested=
_tap_early=

_tap_case() {
	[ -n "$_tap_plan" ] || _tap_early=${_tap_early:-$1}
	_tap_n=$((_tap_n + 1))
}

ok() {
	_tap_case "$1"
	echo "ok $_tap_n - $1"
}

not_ok() {
	_tap_case "$1"
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	# Every line of why as a comment: a line of it must not read as TAP.
	[ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/# /'
	return 0
}

skip() {
	_tap_case "$1"
	echo "ok $_tap_n - $1 # SKIP $2"
}

# check <case> <command...>: the case passes when the command succeeds.
check() {
	_tap_check=$1
	shift
	if "$@" >/tmp/tap.out 2>&1; then
		ok "$_tap_check"
	else
		not_ok "$_tap_check" "failed: $* ($(head -c 300 /tmp/tap.out))"
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

plan() {
	_tap_plan=$1
	if [ "${2:-}" = nested ]; then
		_tap_nested=1
	else
		echo "1..$1"
	fi
}

plan_forwarded() {
	_tap_fw=$(tr -d '\r' < "$1" |
		awk -v kernel=k -f "${VM_TAP_AWK:-/mdev-ims/tests/lib/tap.awk}" |
		grep -c '^RESULT ')
	_tap_plan=$((_tap_plan + _tap_fw))
}

tap_done() {
	_tap_rc=0
	[ "$_tap_failed" -eq 0 ] || _tap_rc=1
	if [ -z "$_tap_plan" ]; then
		echo "# tap: no plan declared"
		_tap_rc=1
	elif [ -n "$_tap_early" ]; then
		echo "# tap: case '$_tap_early' came before the plan"
		_tap_rc=1
	fi
	[ -z "$_tap_nested" ] || echo "1..$_tap_plan"
	if [ -n "$_tap_plan" ] && [ "$_tap_n" -ne "$_tap_plan" ]; then
		echo "# tap: planned $_tap_plan cases, made $_tap_n"
		_tap_rc=1
	fi
	exit $_tap_rc
}
