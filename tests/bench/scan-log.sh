#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scan-log.sh <kernel> <console log> [suffix]: one RESULT line for the guest's
# kernel log, failing on any report a kernel prints when something is
# wrong: oops, BUG, WARN, KASAN, lockdep, hung task, kmemleak, panic.
kernel=$1
console=$2
name=bench/guest-log${3:-}
reports='(Oops|BUG:|WARNING:|KASAN|kernel BUG|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|INFO: task .* blocked for more than|unreferenced object|suspected memory leak|Kernel panic|Call Trace:)'
if [ ! -s "$console" ]; then
	echo "RESULT not ok $kernel:$name # no console log at $console"
elif grep -Eq "$reports" "$console"; then
	echo "RESULT not ok $kernel:$name # kernel reports in $console"
	grep -E -m 20 -A 12 "$reports" "$console" | sed 's/^/#   /' | head -n 80
else
	echo "RESULT ok $kernel:$name"
fi
