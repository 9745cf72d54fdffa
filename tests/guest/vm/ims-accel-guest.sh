#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: nested
# TIMEOUT: 300
# The nested side of vm/ims-accel: iav_guest binds the ims-accel instance
# vm/ims-accel assigned (its geometry on the kernel command line as
# mdev_ims.iav=<queues>,<vectors>) and runs descriptors through its
# portals. Every descriptor asking for an interrupt raises exactly one, on
# the vector it names, error descriptors raise exactly one event each on
# vector 0, concurrent submissions on all vectors lose nothing, and bad
# commands change nothing. /proc/interrupts and the host's interrupt counts
# (vm/ims-accel looks) agree with iav_guest's.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/vm.sh

dir=/tmp/ims-accel-guest
rm -rf $dir
mkdir -p $dir
geometry=$(sed -n 's/.*mdev_ims\.iav=\([0-9]*,[0-9]*\).*/\1/p' /proc/cmdline)
[ -n "$geometry" ] || skip_all "no mdev_ims.iav=<queues>,<vectors>: run by vm/ims-accel"
wqs=${geometry%,*}
m=${geometry#*,}
# Two cases a vector (nop, concurrent) and three a queue (fill, copy,
# crc32c), and 26 more.
plan $((2 * m + 3 * wqs + 26))

# What the counts must read: vector<v> in v<v>, and the descriptors.
v=0
while [ $v -le "$m" ]; do
	eval "v$v=0"
	v=$((v + 1))
done
events=0
done_=0
# ran <vector> <count> [error]: count descriptors completed, raising
# vector (0: none) and, for errors, one event each on vector 0.
ran() {
	[ "$1" = 0 ] || eval "v$1=\$((v$1 + $2))"
	done_=$((done_ + $2))
	if [ "${3:-}" = error ]; then
		v0=$((v0 + $2))
		events=$((events + $2))
	fi
}
expect() {
	want=$(
		v=0
		while [ $v -le "$m" ]; do
			eval "echo vector$v \$v$v"
			v=$((v + 1))
		done
		echo "events $events"
		echo "submitted $done_"
		echo "completed $done_"
		echo "failed 0"
		echo "timeouts 0"
	)
	check_eq "$1" "$(echo "$want" | xargs)" "$(xargs < "$d/counts")"
}
submit() {
	echo "$*" > "$d/submit"
}
# The interrupts /proc/interrupts counted for iav_guest's vector 0..m.
proc_counts() {
	awk -v name="iav_guest-$bdf-" '
		index($NF, name) == 1 {
			n = 0
			for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i
			v = substr($NF, length(name) + 1)
			count[v] = n
		}
		END { for (v = 0; v in count; v++) printf "%d ", count[v] }' \
		/proc/interrupts
}

check iav-guest-load modprobe iav_guest
# A directory per instance iav_guest bound; a glob that matched nothing
# stays the pattern, which is no instance.
set -- /sys/kernel/debug/iav_guest/*
[ -d "$1" ] || shift
check_eq one-instance 1 $#
d=${1:-}
bdf=${d##*/}
# Nothing below can run without the instance; the plan fails it as well.
[ -n "$d" ] || tap_done
sram=$(sed -n 's/^sram //p' "$d/info")
len=$((sram / 4 > 4096 ? 4096 : sram / 4))
check_eq info "wqs $wqs vectors $m sram $sram depth $(sed -n 's/^depth //p' "$d/info") len $len" \
	"$(xargs < "$d/info")"
set -- "/sys/bus/pci/devices/$bdf/msi_irqs/"*
check_eq msix-vectors "$((m + 1))" $#

check counts-zero sh -c "echo 0 > $d/counts"
expect counts-zeroed

# One queue after another, each vector alone.
v=1
while [ $v -le "$m" ]; do
	check "nop-vector-$v" submit $v 100 nop
	ran $v 100
	v=$((v + 1))
done
expect counts-after-nop

# Every operation on every queue, completions on vector 1.
q=0
while [ $q -lt "$wqs" ]; do
	for op in fill copy crc32c; do
		check "$op-queue-$q" submit 1 20 $op $q
		ran 1 20
	done
	q=$((q + 1))
done
expect counts-after-data

# All vectors at once: no interrupt lost or counted twice.
v=1
while [ $v -le "$m" ]; do
	(submit $v 200 nop; echo $? > $dir/rc.$v) &
	v=$((v + 1))
done
wait
v=1
while [ $v -le "$m" ]; do
	check_eq "concurrent-vector-$v" 0 "$(cat $dir/rc.$v 2>/dev/null)"
	ran $v 200
	v=$((v + 1))
done
expect counts-after-concurrent

# Errors: one event each on vector 0, the completion interrupt besides
# when one is asked for.
check badop-no-vector submit 0 3 badop
ran 0 3 error
expect counts-after-badop
check badop-vector-2 submit 2 1 badop
ran 2 1 error
expect counts-after-badop-vector-2
check badhandle submit 0 1 badhandle
ran 0 1 error
expect counts-after-badhandle

# Bad commands fail with EINVAL and run nothing.
for cmd in "$((m + 1)) 1 nop" "1 1 nop $wqs" "1 0 nop" "1 1 frobnicate" \
	"1 1 badhandle"; do
	check_eq "einval-$(echo "$cmd" | tr ' ' -)" "Invalid argument" \
		"$( (submit "$cmd") 2>&1 | sed -n 's/.*: //p')"
done
expect counts-after-einval

want=$(
	v=0
	while [ $v -le "$m" ]; do
		eval "printf '%d ' \$v$v"
		v=$((v + 1))
	done
)
check_eq proc-interrupts "$want" "$(proc_counts)"
# vm/ims-accel compares the host's counts of vectors 1..m and events.
# shellcheck disable=SC2086 # one word per vector
if vm_ask host-counts ${want#* } $events; then
	ok host-counts
else
	not_ok host-counts "vm/ims-accel counted otherwise on the host"
fi

check iav-guest-unload modprobe -r iav_guest
check debugfs-gone test ! -e /sys/kernel/debug/iav_guest
check_eq irqs-freed "" "$(proc_counts)"
tap_done
