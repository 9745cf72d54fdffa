#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The KUnit suite of the VFIO interrupt frontend (vfio_irqs_kunit.ko): load
# it, which runs it, and report each KTAP case as a TAP line. The cases
# are named here as drivers/vfio/vfio_irqs_kunit.c defines them: the
# suite's own KTAP plan follows its case array, so only a list kept apart
# from it notices a case dropped from the array (or added without a test
# here that expects it).
# TIMEOUT: 120
. /mdev-ims/tests/lib/tap.sh

# vfio_irqs_test_cases[] of drivers/vfio/vfio_irqs_kunit.c, in order.
want="vfio_irqs_test_validation vfio_irqs_test_err_layout
vfio_irqs_test_intx_level vfio_irqs_test_host_vectors"

debugfs=/sys/kernel/debug
[ -d $debugfs/kunit ] || mount -t debugfs none $debugfs 2>/dev/null
[ -d $debugfs/kunit ] ||
	skip_all "kernel $(uname -r) has no KUnit (CONFIG_KUNIT/KUNIT_DEBUGFS), so vfio_irqs_kunit is not built for it"

# shellcheck disable=SC2086 # one word per case
set -- $want
# load, the list of cases, then each case
plan $((2 + $#))

rmmod vfio_irqs_kunit 2>/dev/null
check vfio_irqs/load modprobe vfio_irqs_kunit
results=$debugfs/kunit/vfio_irqs/results
# The cases' result lines, one indent (four spaces) under the suite.
cases=$(sed -n 's/^ \{4\}\(\(not \)\{0,1\}ok [0-9][0-9]* [A-Za-z0-9_]*.*\)$/\1/p' \
	$results 2>/dev/null)
check_eq vfio_irqs/cases "$(echo $want)" \
	"$(echo "$cases" | sed 's/^\(not \)\{0,1\}ok [0-9]* \([A-Za-z0-9_]*\).*/\2/' | xargs)"
for name in $want; do
	line=$(echo "$cases" | grep -E "^(not )?ok [0-9]+ $name( |\$)" | head -n 1)
	case "$line" in
	"") not_ok "vfio_irqs/$name" "did not run: $(head -c 300 $results 2>/dev/null | tr '\n' ' ')" ;;
	not*) not_ok "vfio_irqs/$name" "$(grep -B20 "not ok [0-9]* $name" $results | grep '#' | tail -n 8 | tr '\n' ' ')" ;;
	*"# SKIP"*) skip "vfio_irqs/$name" "${line#*# SKIP}" ;;
	*) ok "vfio_irqs/$name" ;;
	esac
done
rmmod vfio_irqs_kunit
tap_done
