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

# runner.sh runs each test once, failed or not, and only on the kernels
# its manifest line names.
mkdir "$tmp/suite"
printf '%s\n' 'a/fails 10 ./fails.sh base all' 'a/ims-only 10 ./passes.sh base ims' \
	'a/both 10 ./passes.sh base stock,ims' 'a/old 10 ./passes.sh base' > "$tmp/suite/manifest"
printf '%s\n' 'a/hangs 1 ./hangs.sh base all' 'a/leaves 10 ./leaves.sh base all' \
	'a/twice 10 ./passes.sh base,msix all' >> "$tmp/suite/manifest"
printf '%s\n' '#!/bin/sh' '(sleep 2; echo leaked) &' 'echo ok 1 - x' 'sleep 30' > "$tmp/suite/hangs.sh"
printf '%s\n' '#!/bin/sh' '(sleep 2; echo leaked) &' 'echo ok 1 - x' > "$tmp/suite/leaves.sh"
printf '%s\n' '#!/bin/sh' 'echo not ok 1 - x; exit 1' > "$tmp/suite/fails.sh"
printf '%s\n' '#!/bin/sh' 'echo ok 1 - x' > "$tmp/suite/passes.sh"
chmod +x "$tmp/suite"/*.sh
runner() { # <kernel> <pattern> [<boot>]
	MDEV_IMS_KERNEL=$1 MDEV_IMS_TESTS=$tmp/suite MDEV_IMS_LIB=$top/tests/guest/lib \
		sh "$top/tests/guest/runner.sh" "$2" "${3:-base}" |
		grep -e '^# mdev-ims: [be]' -e 'ok 1' -e leaked | sed 's/ seconds=.*//'
}
expect runner-runs-a-failure-once "# mdev-ims: begin a/fails
not ok 1 - x
# mdev-ims: end a/fails rc=1" "$(runner stock a/fails)"
expect runner-bounds-the-process-group "# mdev-ims: begin a/hangs
ok 1 - x
# mdev-ims: end a/hangs rc=timeout
# mdev-ims: begin a/leaves
ok 1 - x
# mdev-ims: end a/leaves rc=0" "$(runner stock 'a/[hl]*')"
expect runner-kernels "# mdev-ims: begin a/both
ok 1 - x
# mdev-ims: end a/both rc=0
# mdev-ims: begin a/old
ok 1 - x
# mdev-ims: end a/old rc=0" "$(runner stock 'a/[bio]*')"
expect runner-kernels-named "# mdev-ims: begin a/ims-only
ok 1 - x
# mdev-ims: end a/ims-only rc=0
# mdev-ims: begin a/both
ok 1 - x
# mdev-ims: end a/both rc=0
# mdev-ims: begin a/old
ok 1 - x
# mdev-ims: end a/old rc=0" "$(runner ims 'a/[bio]*')"
# A test of two profiles runs in each boot of either, and in no other.
expect runner-profiles "# mdev-ims: begin a/twice
ok 1 - x
# mdev-ims: end a/twice rc=0
# mdev-ims: begin a/twice
ok 1 - x
# mdev-ims: end a/twice rc=0" "$(runner ims 'a/t*'; runner ims 'a/*' msix; runner ims 'a/*' wide)"
# TESTS='a b', passed on as "a,b": each test once, in the manifest's order.
expect runner-globs "# mdev-ims: begin a/both
ok 1 - x
# mdev-ims: end a/both rc=0
# mdev-ims: begin a/old
ok 1 - x
# mdev-ims: end a/old rc=0" "$(runner stock 'a/old,,a/b*,a/[bo]*')"

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
ubsan|UBSAN: array-index-out-of-bounds in drivers/vfio/x.c:1:2
kfence|BUG: KFENCE: out-of-bounds read in f+0x1/0x2
rcu-stall|rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
soft-lockup|watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [sh:1]
no-irq-handler|__common_interrupt: 1.55 No irq handler for vector
dmar-fault|DMAR: [DMA Read NO_PASID] Request device [00:03.0] fault addr 0x1000
ir-fault|DMAR: [INTR-REMAP] Request device [00:03.0] fault index 0x10
segfault|uapi[123]: segfault at 0 ip 0000000000401000 sp 00007ffc error 4
lockdep-off|mdev-ims: lockdep is off: debug_locks 0
REPORTS
# A kernel built with lockdep, kmemleak, KASAN and KFENCE must show each
# running.
mkdir -p "$tmp/cache/kernel-k/kdir"
printf '%s\n' CONFIG_PROVE_LOCKING=y CONFIG_DEBUG_KMEMLEAK=y CONFIG_KASAN=y \
	CONFIG_KFENCE_SAMPLE_INTERVAL=100 > "$tmp/cache/kernel-k/kdir/.config"
debug_scan() { printf '%s\n' "$@" > "$tmp/console"; MDEV_IMS_CACHE=$tmp/cache "$top/tests/bench/scan-log.sh" k "$tmp/console" | head -n 1; }
lockdep='[ 0.1] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar'
kasan='[ 0.0] KernelAddressSanitizer initialized (generic)'
kfence='[ 0.3] kfence: initialized - using 2097152 bytes for 255 objects'
expect debug-kernel-alive "RESULT ok k:bench/guest-log" "$(debug_scan "$kasan" "$lockdep" \
	'[ 0.2] kmemleak: Kernel memory leak detector initialized (mem pool available: 15000)' "$kfence")"
expect debug-kernel-without-kmemleak "RESULT not ok k:bench/guest-log # kmemleak configured but not running in $tmp/console" \
	"$(debug_scan "$kasan" "$lockdep" '[ 0.2] kmemleak: Kernel memory leak detector disabled' "$kfence")"
expect debug-kernel-without-any "RESULT not ok k:bench/guest-log # lockdep, kmemleak, KASAN, KFENCE configured but not running in $tmp/console" \
	"$(debug_scan '[ 0.1] Linux version')"
expect profile-names-its-log "RESULT not ok k:bench/guest-log-wide # kernel reports in $tmp/console" \
	"$(scan '[ 1.0] Oops: 0002 [#1] SMP' > /dev/null; "$top/tests/bench/scan-log.sh" k "$tmp/console" -wide | head -n 1)"
expect profile-names-its-run "RESULT not ok k:bench/guest-run-wide # the runner did not finish" \
	"$(printf '%s\n' '# mdev-ims: begin a/t' | awk -v kernel=k -v suffix=-wide -f "$top/tests/bench/tap.awk" | grep '^RESULT' | tail -n 1)"
expect empty-log "RESULT not ok k:bench/guest-log # no console log at $tmp/console" "$(: > "$tmp/console"; "$top/tests/bench/scan-log.sh" k "$tmp/console" | head -n 1)"

printf '%s\n' '# why' 'k:a/x	no IMS' 'k:g/*	glob' > "$tmp/expected"
count() {
	printf '%s\n' "$@" | awk -v expected="$tmp/expected" -f "$top/tests/bench/count.awk"
	echo "exit $?"
}
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
expect count-expected-skip-glob "ok 1 - k:g/y # SKIP why
1..1
0 passed, 0 failed, 1 skipped
exit 0" "$(count 'RESULT skip k:g/y # why')"
expect count-unexpected-skip-fails "not ok 1 - k:a/y # skipped, but not in $tmp/expected: no device
not ok 2 - s:a/x # skipped, but not in $tmp/expected: no IMS
1..2
0 passed, 2 failed
exit 1" "$(count 'RESULT skip k:a/y # no device' 'RESULT skip s:a/x # no IMS')"
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
	MDEV_IMS_LIB=$top/tests/guest/lib dash -c '. "$1/tests/guest/lib/tap.sh"; . "$1/tests/guest/lib/vm.sh"
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

# tap.sh: a shell test's plan is what it declared, never what it printed,
# and a nested guest's cases count as forwarded (vm_forward, tap.awk).
shtest() {
	# shellcheck disable=SC2016 # expanded by dash
	MDEV_IMS_LIB=$top/tests/guest/lib dash -c '. "$1/tests/guest/lib/tap.sh"
		. "$1/tests/guest/lib/vm.sh"; VM_TAP_AWK=$1/tests/bench/tap.awk
		eval "$2"' shtest "$top" "$1" 2>&1
	echo "exit $?"
}
expect tap-plan-first "1..2
ok 1 - a
ok 2 - b
exit 0" "$(shtest 'plan 2; ok a; ok b; tap_done')"
expect tap-short-of-plan "1..2
ok 1 - a
# tap: planned 2 cases, made 1
exit 1" "$(shtest 'plan 2; ok a; tap_done')"
expect tap-no-plan "ok 1 - a
# tap: no plan declared
exit 1" "$(shtest 'ok a; tap_done')"
expect tap-case-before-plan "ok 1 - a
1..1
# tap: case 'a' came before the plan
exit 1" "$(shtest 'ok a; plan 1; tap_done')"
printf '%s\n' '# mdev-ims: begin v/t' '1..2' 'ok 1 - one' 'ok 2 - two' \
	'# mdev-ims: end v/t rc=0 seconds=1' '# mdev-ims: done' > "$tmp/nested"
expect tap-plan-forwarded "ok 1 - own
ok 2 - vm-one
ok 3 - vm-two
1..3
exit 0" "$(shtest "plan 1 nested; ok own; vm_forward vm $tmp/nested
	plan_forwarded $tmp/nested; tap_done")"
expect tap-plan-forwarded-short "ok 1 - vm-one
ok 2 - vm-two
1..3
# tap: planned 3 cases, made 2
exit 1" "$(shtest "plan 1 nested; vm_forward vm $tmp/nested
	plan_forwarded $tmp/nested; tap_done")"

echo "1..$n"
[ $failed -eq 0 ]
