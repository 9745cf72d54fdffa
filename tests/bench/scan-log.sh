#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scan-log.sh <kernel> <console log> [suffix]: one RESULT line for the guest's
# kernel log, failing on any report a kernel prints when something is
# wrong (tests/guest/lib/reports.sh), and on a kernel whose lockdep or
# kmemleak, configured in, did not come up: its silence would prove nothing.
. "$(dirname "$0")/../guest/lib/reports.sh"
kernel=$1
console=$2
name=bench/guest-log${3:-}
reports=$KERNEL_REPORTS
config=${MDEV_IMS_CACHE:-$HOME/.cache/mdev-ims}/kernel-$kernel/kdir/.config
missing=
if grep -qx CONFIG_PROVE_LOCKING=y "$config" 2>/dev/null &&
   ! grep -q 'Lock dependency validator' "$console"; then
	missing="lockdep"
fi
if grep -qx CONFIG_DEBUG_KMEMLEAK=y "$config" 2>/dev/null &&
   ! grep -q 'kmemleak: Kernel memory leak detector initialized' "$console"; then
	missing="$missing${missing:+ and }kmemleak"
fi
if [ ! -s "$console" ]; then
	echo "RESULT not ok $kernel:$name # no console log at $console"
elif [ -n "$missing" ]; then
	echo "RESULT not ok $kernel:$name # $missing configured but not running in $console"
elif grep -Eq "$reports" "$console"; then
	echo "RESULT not ok $kernel:$name # kernel reports in $console"
	grep -E -m 20 -A 12 "$reports" "$console" | sed 's/^/#   /' | head -n 80
else
	echo "RESULT ok $kernel:$name"
fi
