#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scan-log.sh <kernel> <console log> [suffix]: one RESULT line for the guest's
# kernel log, failing on any report a kernel prints when something is
# wrong (tests/guest/lib/reports.sh), and on a kernel whose checkers,
# configured in, did not come up: their silence would prove nothing.
. "$(dirname "$0")/../guest/lib/reports.sh"
kernel=$1
console=$2
name=bench/guest-log${3:-}
reports=$KERNEL_REPORTS
config=${MDEV_IMS_CACHE:-$HOME/.cache/mdev-ims}/kernel-$kernel/kdir/.config
missing=
# <the .config line that turns it on>|<checker>|<what it prints once it
# runs>. KFENCE samples nothing with an interval of 0 (Debian's stock
# kernel), so its line is the interval's.
while IFS='|' read -r option checker banner; do
	if grep -Eqx "$option" "$config" 2>/dev/null &&
	   ! grep -q "$banner" "$console"; then
		missing="$missing${missing:+, }$checker"
	fi
done <<'EOF_CHECKERS'
CONFIG_PROVE_LOCKING=y|lockdep|Lock dependency validator
CONFIG_DEBUG_KMEMLEAK=y|kmemleak|kmemleak: Kernel memory leak detector initialized
CONFIG_KASAN=y|KASAN|KernelAddressSanitizer initialized
CONFIG_KFENCE_SAMPLE_INTERVAL=[1-9][0-9]*|KFENCE|kfence: initialized
EOF_CHECKERS
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
