#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The KUnit suite of the VFIO interrupt frontend (vfio_irqs_kunit.ko): load
# it, which runs it, and report each KTAP case as a TAP line.
# TIMEOUT: 120
. /mdev-ims/tests/lib/tap.sh

debugfs=/sys/kernel/debug
[ -d $debugfs/kunit ] || mount -t debugfs none $debugfs 2>/dev/null
[ -d $debugfs/kunit ] ||
	skip_all "kernel $(uname -r) has no KUnit (CONFIG_KUNIT/KUNIT_DEBUGFS), so vfio_irqs_kunit is not built for it"

rmmod vfio_irqs_kunit 2>/dev/null
if ! modprobe vfio_irqs_kunit; then
	not_ok "vfio_irqs/load" "modprobe vfio_irqs_kunit failed"
	tap_done
fi
results=$debugfs/kunit/vfio_irqs/results
if [ ! -r $results ]; then
	not_ok "vfio_irqs/results" "no $results"
	tap_done
fi
# KTAP cases are indented under the suite; the suite line is not a case.
cases=$(sed -n 's/^[[:space:]]\{1,\}\(\(not \)\{0,1\}ok [0-9]* vfio_irqs_test_[a-z_]*.*\)$/\1/p' $results)
n=0
while IFS= read -r line; do
	[ -n "$line" ] || continue
	name=$(echo "$line" | sed 's/^\(not \)\{0,1\}ok [0-9]* \([a-z_]*\).*/\2/')
	n=$((n + 1))
	case "$line" in
	not*) not_ok "vfio_irqs/$name" "$(grep -B20 "not ok [0-9]* $name" $results | grep '#' | tail -n 8 | tr '\n' ' ')" ;;
	*"# SKIP"*) skip "vfio_irqs/$name" "${line#*# SKIP}" ;;
	*) ok "vfio_irqs/$name" ;;
	esac
done <<EOT
$cases
EOT
[ $n -gt 0 ] || not_ok "vfio_irqs/cases" "no cases in $results: $(head -c 300 $results)"
rmmod vfio_irqs_kunit
tap_done
