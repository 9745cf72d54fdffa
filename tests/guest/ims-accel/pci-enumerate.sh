#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The bench's ims-accel function enumerates in the guest as the contract
# says, with the BAR sizes its QEMU properties imply.
. /mdev-ims/tests/lib/tap.sh

device=$(sed -n 's/.*mdev_ims.device=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$device" ] || skip_all "the bench's QEMU has no ims-accel device"
plan 8

# Properties given on the command line, else the model's defaults.
prop() {
	v=$(echo "$device" | tr ',' '\n' | sed -n "s/^$1=//p")
	echo "${v:-$2}"
}
pow2() {
	p=1
	while [ $p -lt "$1" ]; do p=$((p * 2)); done
	echo $p
}
wqs=$(prop wqs 64)
sram=$(prop sram 16384)
msix=$(prop msix 16)

fn=""
for dev in /sys/bus/pci/devices/*; do
	if [ "$(cat "$dev/vendor"):$(cat "$dev/device")" = 0x1b36:0x00f0 ]; then
		fn=$dev
	fi
done
if [ -z "$fn" ]; then
	not_ok function-present "no PCI function 1b36:00f0"
	tap_done
fi
ok function-present
check_eq class-processing-accelerator 0x120000 "$(cat "$fn/class")"

# resource: one "start end flags" line per BAR.
bar() { sed -n "$(($1 + 1))p" "$fn/resource"; }
bar_size() { set -- $(bar "$1"); echo $(($2 - $1 + 1)); }
bar_flags() { set -- $(bar "$1"); echo $(($3)); }
MEM=0x200
PREFETCH=0x2000
MEM64=0x100000

check_eq bar0-size $((1024 * 1024)) "$(bar_size 0)"
check_eq bar2-size "$(pow2 $((wqs * 4096)))" "$(bar_size 2)"
check_eq bar4-size "$(pow2 $((wqs * sram)))" "$(bar_size 4)"
f0=$(bar_flags 0)
f4=$(bar_flags 4)
check bar0-64bit-not-prefetchable test $((f0 & MEM64)) -ne 0 -a $((f0 & PREFETCH)) -eq 0 -a $((f0 & MEM)) -ne 0
check bar4-64bit-prefetchable test $((f4 & MEM64)) -ne 0 -a $((f4 & PREFETCH)) -ne 0

# Walk the capability list in config space for MSI-X (ID 0x11); its
# message control field holds the table size minus one.
cfg=/tmp/ims-accel-config
cat "$fn/config" > "$cfg"
byte() { od -An -tu1 -j "$1" -N 1 "$cfg" | tr -d ' '; }
word() { od -An -tu2 -j "$1" -N 2 "$cfg" | tr -d ' '; }
pos=$(byte 52)
table=""
hops=0
while [ "$pos" -ne 0 ] && [ $hops -lt 48 ]; do
	if [ "$(byte "$pos")" -eq 17 ]; then
		table=$(( ($(word $((pos + 2))) & 0x7ff) + 1 ))
	fi
	pos=$(byte $((pos + 1)))
	hops=$((hops + 1))
done
check_eq msix-table-size "$msix" "$table"
tap_done
