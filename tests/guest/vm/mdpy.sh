#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# KERNELS: stock
# TIMEOUT: 1500
# mdpy instances in a nested guest under TCG, given to QEMU with -device
# vfio-pci,sysfsdev=...,display=on, which makes each a display of QEMU's
# from the region plane mdpy reports (-display none still keeps the
# consoles). The nested guest (vm/mdpy-guest) draws a test pattern on each
# framebuffer with mdpy-fb; then a QMP screendump of each display must show
# it, every pixel (tools/fbpattern, the same pattern on both sides). QEMU
# prints nothing, and every instance and eventfd is gone afterwards.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/vm.sh
. /mdev-ims/tests/lib/mdpy.sh

types=/sys/class/mdpy/mdpy/mdev_supported_types
eventfds=/sys/kernel/debug/vfio_irqs/eventfds
vga=$(cat /proc/sys/kernel/random/uuid)
xga=$(cat /proc/sys/kernel/random/uuid)
cleanup() {
	for u in $vga $xga; do
		[ -e "/sys/bus/mdev/devices/$u" ] &&
			echo 1 > "/sys/bus/mdev/devices/$u/remove"
	done
}
trap cleanup EXIT

# A QMP screendump of display $1 to $2.
qmp_screendump() {
	vm_qmp "{\"execute\": \"screendump\", \"arguments\": {\"device\": \"$1\", \"filename\": \"$2\"}}"
}
# VM_HOOK for "screendump": each display shows the pattern.
screendump() {
	[ "$1" = screendump ] || return 127
	rc=0
	mdpy_check_display qmp_screendump vga "$vga" "$VM_DIR/mdpy/vga.ppm" || rc=1
	mdpy_check_display qmp_screendump xga "$xga" "$VM_DIR/mdpy/xga.ppm" || rc=1
	return $rc
}

# Three cases before the nested guest, two a display for its answer,
# vm_run's four, five after; and the nested runner's cases.
plan 16 nested
check mdpy-load modprobe mdpy
free=$(cat $types/mdpy-vga/available_instances)
base=$(cat $eventfds)
check mdpy-create-vga sh -c "echo $vga > $types/mdpy-vga/create"
check mdpy-create-xga sh -c "echo $xga > $types/mdpy-xga/create"

# shellcheck disable=SC2034 # read by vm.sh
VM_HOOK=screendump
vm_run mdpy vm/mdpy-guest \
	-device "vfio-pci,id=vga,sysfsdev=/sys/bus/mdev/devices/$vga,display=on" \
	-device "vfio-pci,id=xga,sysfsdev=/sys/bus/mdev/devices/$xga,display=on"
plan_forwarded "$VM_DIR/mdpy/results.log"
check mdpy-screendumps-taken test -s "$VM_DIR/mdpy/xga.ppm"

check_eq mdpy-eventfds-released "$base" "$(cat $eventfds)"
check mdpy-remove-vga sh -c "echo 1 > /sys/bus/mdev/devices/$vga/remove"
check mdpy-remove-xga sh -c "echo 1 > /sys/bus/mdev/devices/$xga/remove"
check_eq mdpy-instances-free "$free" \
	"$(cat $types/mdpy-vga/available_instances)"
tap_done
