#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# KERNELS: stock
# TIMEOUT: 1500
# mtty instances in a nested guest under TCG, given to QEMU with -device
# vfio-pci,sysfsdev=: a two-port one (null modem) as it is, and a
# one-port one (loopback plug) shown with the IDs of a NetMos 9912, one of
# the few cards 8250_pci drives with MSI (the others get INTx). The nested
# guest (vm/mtty-guest) finds the ports and moves bytes both ways through
# each, on INTx and on MSI. QEMU prints nothing (it warns when a SET_IRQS
# is refused, such as the INTx unmask eventfd of the kernel's mtty), and
# every instance and eventfd is gone afterwards.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/vm.sh

types=/sys/class/mdev_bus/mtty/mdev_supported_types
netmos=x-pci-vendor-id=0x9710,x-pci-device-id=0x9912
netmos=$netmos,x-pci-sub-vendor-id=0xa000,x-pci-sub-device-id=0x1000
eventfds=/sys/kernel/debug/vfio_irqs/eventfds
two=$(cat /proc/sys/kernel/random/uuid)
one=$(cat /proc/sys/kernel/random/uuid)
cleanup() {
	for u in $two $one; do
		[ -e "/sys/bus/mdev/devices/$u" ] &&
			echo 1 > "/sys/bus/mdev/devices/$u/remove"
	done
}
trap cleanup EXIT

# Three cases before the nested guest, vm_run's four, four after; and
# the nested runner's cases.
plan 11 nested
check mtty-load modprobe mtty
free=$(cat $types/mtty-1/available_instances)
base=$(cat $eventfds)
check mtty-create-two-port sh -c "echo $two > $types/mtty-2/create"
check mtty-create-one-port sh -c "echo $one > $types/mtty-1/create"

# Four legacy ports and the three of the cards.
# shellcheck disable=SC2034 # read by vm.sh
VM_APPEND=8250.nr_uarts=8
vm_run mtty vm/mtty-guest \
	-device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$two" \
	-device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$one,$netmos"
plan_forwarded "$VM_DIR/mtty/results.log"

check_eq mtty-eventfds-released "$base" "$(cat $eventfds)"
check mtty-remove-two-port sh -c "echo 1 > /sys/bus/mdev/devices/$two/remove"
check mtty-remove-one-port sh -c "echo 1 > /sys/bus/mdev/devices/$one/remove"
check_eq mtty-ports-free "$free" "$(cat $types/mtty-1/available_instances)"
tap_done
