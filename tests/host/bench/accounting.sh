#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The bench's own accounting, on crafted guest output: what counts as a
# failure must never pass. Prints TAP.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
n=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() { # <case> <expected RESULT lines> <actual>
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n - $1"
	else
		failed=$((failed + 1))
		echo "not ok $n - $1"
		printf '# expected:\n%s\n# got:\n%s\n' "$2" "$3" | sed 's/^/# /'
	fi
}

tap() { printf '%s\n' "$@" | awk -v kernel=k -f "$top/tests/bench/tap.awk" | grep '^RESULT'; }

expect passing-cases "RESULT ok k:a/one
RESULT ok k:a/two" "$(tap '# mdev-ims: begin a/t' 'ok 1 - one' 'ok 2 two' '1..2' \
	'# mdev-ims: end a/t rc=0 seconds=1' '# mdev-ims: done')"
expect failed-case "RESULT ok k:a/one
RESULT not ok k:a/two" "$(tap '# mdev-ims: begin a/t' 'ok 1 - one' 'not ok 2 - two' \
	'# mdev-ims: end a/t rc=1 seconds=1' '# mdev-ims: done')"
expect nonzero-exit-without-failed-case "RESULT ok k:a/one
RESULT not ok k:a/t # exited 139" "$(tap '# mdev-ims: begin a/t' 'ok 1 - one' \
	'# mdev-ims: end a/t rc=139 seconds=1' '# mdev-ims: done')"
expect no-results "RESULT not ok k:a/t # printed no results" "$(tap '# mdev-ims: begin a/t' \
	'# mdev-ims: end a/t rc=0 seconds=1' '# mdev-ims: done')"
expect short-of-plan "RESULT ok k:a/one
RESULT not ok k:a/t # planned 3 results, printed 1" "$(tap '# mdev-ims: begin a/t' '1..3' \
	'ok 1 - one' '# mdev-ims: end a/t rc=0 seconds=1' '# mdev-ims: done')"
expect timeout "RESULT not ok k:a/t # timed out after 120s" "$(tap '# mdev-ims: begin a/t' \
	'# mdev-ims: end a/t rc=timeout seconds=120' '# mdev-ims: done')"
expect skip-with-reason "RESULT skip k:a/t # no IMS here" "$(tap '# mdev-ims: begin a/t' \
	'1..0 # SKIP no IMS here' '# mdev-ims: end a/t rc=4 seconds=0' '# mdev-ims: done')"
expect skipped-case "RESULT skip k:a/one # why" "$(tap '# mdev-ims: begin a/t' \
	'ok 1 - one # SKIP why' '# mdev-ims: end a/t rc=0 seconds=0' '# mdev-ims: done')"
expect guest-died-mid-test "RESULT ok k:a/one
RESULT not ok k:a/t # the guest stopped during this test (crash or hang)
RESULT not ok k:bench/guest-run # the runner did not finish" "$(tap '# mdev-ims: begin a/t' 'ok 1 - one')"
expect nested-lines-ignored "RESULT ok k:a/top" "$(tap '# mdev-ims: begin a/t' \
	'    ok 1 nested' 'ok 1 - top' '# mdev-ims: end a/t rc=0 seconds=0' '# mdev-ims: done')"

# A test that runner.sh runs once more counts by its second run only.
expect rerun-second-run-counts "RESULT ok k:a/one
RESULT ok k:a/two" "$(tap '# mdev-ims: begin a/t' 'ok 1 - one' 'not ok 2 - two' \
	'# mdev-ims: end a/t rc=1 seconds=1' '# mdev-ims: again a/t: lost' \
	'# mdev-ims: begin a/t' 'ok 1 - one' 'ok 2 - two' \
	'# mdev-ims: end a/t rc=0 seconds=1' '# mdev-ims: done')"
expect rerun-first-failures-shown "# first run: RESULT not ok k:a/two" \
	"$(printf '%s\n' '# mdev-ims: begin a/t' 'ok 1 - one' 'not ok 2 - two' \
	'# mdev-ims: end a/t rc=1 seconds=1' '# mdev-ims: again a/t: lost' |
	awk -v kernel=k -f "$top/tests/bench/tap.awk" | grep '^# first run: RESULT')"
expect rerun-second-failure-counts "RESULT ok k:a/one
RESULT not ok k:a/t # the guest stopped during this test (crash or hang)
RESULT not ok k:bench/guest-run # the runner did not finish" \
	"$(tap '# mdev-ims: begin a/t' 'not ok 1 - one' \
	'# mdev-ims: end a/t rc=1 seconds=1' '# mdev-ims: again a/t: lost' \
	'# mdev-ims: begin a/t' 'ok 1 - one')"

# runner.sh runs a failed test once more when, and only when, it wrote
# why to $MDEV_IMS_RETRY; and never a third time.
mkdir "$tmp/suite"
printf '%s\n' 'a/lost 10 ./lost.sh base' 'a/fails 10 ./fails.sh base' \
	'a/lost-twice 10 ./lost-twice.sh base' > "$tmp/suite/manifest"
printf '%s\n' '#!/bin/sh' '[ -e ran ] && { echo ok 1 - x; exit 0; }' \
	': > ran; echo gone > "$MDEV_IMS_RETRY"; echo not ok 1 - x; exit 1' > "$tmp/suite/lost.sh"
printf '%s\n' '#!/bin/sh' 'echo not ok 1 - x; exit 1' > "$tmp/suite/fails.sh"
printf '%s\n' '#!/bin/sh' 'echo gone > "$MDEV_IMS_RETRY"; echo not ok 1 - x; exit 1' \
	> "$tmp/suite/lost-twice.sh"
chmod +x "$tmp/suite"/*.sh
runner() {
	MDEV_IMS_TESTS=$tmp/suite MDEV_IMS_RETRY=$tmp/retry sh "$top/tests/guest/runner.sh" "$1" |
		grep -e '^# mdev-ims: [bea]' -e 'ok 1' | sed 's/ seconds=.*//'
}
expect runner-reruns-lost "# mdev-ims: begin a/lost
not ok 1 - x
# mdev-ims: end a/lost rc=1
# mdev-ims: again a/lost: gone
# mdev-ims: begin a/lost
ok 1 - x
# mdev-ims: end a/lost rc=0" "$(runner a/lost)"
expect runner-keeps-failure "# mdev-ims: begin a/fails
not ok 1 - x
# mdev-ims: end a/fails rc=1" "$(runner a/fails)"
expect runner-reruns-once "# mdev-ims: begin a/lost-twice
not ok 1 - x
# mdev-ims: end a/lost-twice rc=1
# mdev-ims: again a/lost-twice: gone
# mdev-ims: begin a/lost-twice
not ok 1 - x
# mdev-ims: end a/lost-twice rc=1" "$(runner a/lost-twice)"

scan() { printf '%s\n' "$@" > "$tmp/console"; "$top/tests/bench/scan-log.sh" k "$tmp/console" | head -n 1; }
expect clean-log "RESULT ok k:bench/guest-log" "$(scan '[ 1.0] Linux version' '[ 2.0] ok')"
while IFS='|' read -r name report; do
	expect "log-report-$name" "RESULT not ok k:bench/guest-log # kernel reports in $tmp/console" \
		"$(scan '[ 1.0] Linux version' "[ 2.0] $report")"
done <<'REPORTS'
warn|WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2
bug|BUG: kernel NULL pointer dereference, address: 0000000000000000
oops|Oops: 0002 [#1] PREEMPT SMP
lockdep|WARNING: possible circular locking dependency detected
kmemleak|kmemleak: unreferenced object 0xffff888 (size 64):
hung-task|INFO: task sh:1 blocked for more than 60 seconds.
kasan|BUG: KASAN: slab-use-after-free in f
panic|Kernel panic - not syncing: Fatal exception
REPORTS
expect profile-names-its-log "RESULT not ok k:bench/guest-log-wide # kernel reports in $tmp/console" \
	"$(scan '[ 1.0] Oops: 0002 [#1] SMP' > /dev/null; "$top/tests/bench/scan-log.sh" k "$tmp/console" -wide | head -n 1)"
expect profile-names-its-run "RESULT not ok k:bench/guest-run-wide # the runner did not finish" \
	"$(printf '%s\n' '# mdev-ims: begin a/t' | awk -v kernel=k -v suffix=-wide -f "$top/tests/bench/tap.awk" | grep '^RESULT' | tail -n 1)"
expect empty-log "RESULT not ok k:bench/guest-log # no console log at $tmp/console" "$(: > "$tmp/console"; "$top/tests/bench/scan-log.sh" k "$tmp/console" | head -n 1)"

count() { printf '%s\n' "$@" | awk -f "$top/tests/bench/count.awk"; echo "exit $?"; }
expect count-all-passed "ok 1 - k:a/x
# note
1..1
1 passed, 0 failed
exit 0" "$(count 'RESULT ok k:a/x' '# note')"
expect count-failure-fails "ok 1 - k:a/x
not ok 2 - k:a/y # why
1..2
1 passed, 1 failed
exit 1" "$(count 'RESULT ok k:a/x' 'RESULT not ok k:a/y # why')"
expect count-skip-says-why "ok 1 - k:a/x # SKIP no IMS
1..1
0 passed, 0 failed, 1 skipped
exit 0" "$(count 'RESULT skip k:a/x # no IMS')"
expect count-nothing-ran-fails "# nothing
1..0
0 passed, 0 failed
exit 1" "$(count '# nothing')"
expect count-malformed-fails "not ok 1 - malformed result line: maybe k:a/x
1..1
0 passed, 1 failed
exit 1" "$(count 'RESULT maybe k:a/x')"

# vm.sh's vm_forward reads a nested guest's runner with tap.awk and
# reports each result as a case of the test on the outer guest.
forward() {
	printf '%s\n' "$@" > "$tmp/nested"
	# shellcheck disable=SC2016 # expanded by dash
	dash -c '. "$1/tests/guest/lib/tap.sh"; . "$1/tests/guest/lib/vm.sh"
		VM_TAP_AWK=$1/tests/bench/tap.awk vm_forward vm "$2"
		echo "failed $_tap_failed"' forward "$top" "$tmp/nested" | grep -v '^#'
}
expect forward-cases "ok 1 - vm-one
not ok 2 - vm-two
ok 3 - vm-three # SKIP why
failed 1" "$(forward '# mdev-ims: begin v/t' '1..3' 'ok 1 - one' '# vm-ask: x' \
	'not ok 2 - two' 'ok 3 - three # SKIP why' '# mdev-ims: end v/t rc=1 seconds=1' \
	'# mdev-ims: done')"
expect forward-test-failures "ok 1 - vm-one
not ok 2 - vm-t
not ok 3 - vm-u
not ok 4 - vm-guest-run
failed 3" "$(forward '# mdev-ims: begin v/t' 'ok 1 - one' '# mdev-ims: end v/t rc=2 seconds=1' \
	'# mdev-ims: begin v/u')"
expect forward-nothing-ran "not ok 1 - vm-ran-tests
not ok 2 - vm-guest-run
failed 2" "$(forward 'Linux version')"

echo "1..$n"
[ $failed -eq 0 ]
