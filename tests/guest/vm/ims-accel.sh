#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# KERNELS: stock
# TIMEOUT: 1500
# On the stock kernel only, for now: under the ims kernel's KASAN the
# nested guest booted six times slower (still booting after 1200 s), and
# the IMS backing reaches VFIO users in the ims-accel tests of the base
# and msix boots; make demo still gives an IMS-backed instance to a VM.
# An ims-accel instance of type 2q8v in a nested guest under TCG, given to
# QEMU with -device vfio-pci,sysfsdev=. The nested guest (vm/ims-accel-
# guest) runs descriptors through the instance's portals with iav_guest
# and counts every interrupt per vector, exactly. Here, the host-backed
# vectors 1..8 (IMS entries, or MSI-X vectors of the function on a kernel
# without IMS) count exactly the interrupts the nested guest took on them,
# the function's event interrupt exactly its queue errors, QEMU prints
# nothing, and the instance, its queues, slots and eventfds are all given
# back afterwards.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/vm.sh
. /mdev-ims/tests/lib/irq.sh

type=ims_accel-2q8v
wqs=2
vectors=8
eventfds=/sys/kernel/debug/vfio_irqs/eventfds
uuid=$(cat /proc/sys/kernel/random/uuid)
cleanup() {
	[ -e "/sys/bus/mdev/devices/$uuid" ] &&
		echo 1 > "/sys/bus/mdev/devices/$uuid/remove"
}
trap cleanup EXIT

# VM_HOOK for "host-counts <vector 1..m> <events>", the nested guest's
# counts: the host's must be the same.
host_counts() {
	ims_accel_host_counts_hook "$uuid" $vectors "$events_before" "$@"
}

# Four cases before the nested guest, one for its host-counts request,
# vm_run's four, five after; and the nested runner's cases.
plan 14 nested
check ims-accel-load modprobe ims_accel
set -- /sys/bus/pci/drivers/ims_accel/0000:*
pf=$1
check ims-accel-function-bound test -d "$pf/mdev_supported_types/$type"
echo "# $(cat "$pf/interrupt_backing") backing"
free_wqs=$(cat "$pf/free_wqs")
free_slots=$(cat "$pf/free_slots")
available=$(cat "$pf/mdev_supported_types/$type/available_instances")
base=$(cat $eventfds)
events_before=$(irq_count ims_accel-event)
check ims-accel-create sh -c "echo $uuid > $pf/mdev_supported_types/$type/create"
check_eq ims-accel-queues-taken "$((free_wqs - wqs))" "$(cat "$pf/free_wqs")"

# shellcheck disable=SC2034 # read by vm.sh
VM_HOOK=host_counts VM_APPEND="mdev_ims.iav=$wqs,$vectors"
vm_run ims-accel vm/ims-accel-guest \
	-device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$uuid"
plan_forwarded "$VM_DIR/ims-accel/results.log"

check_eq ims-accel-eventfds-released "$base" "$(cat $eventfds)"
check ims-accel-remove sh -c "echo 1 > /sys/bus/mdev/devices/$uuid/remove"
check_eq ims-accel-queues-free "$free_wqs" "$(cat "$pf/free_wqs")"
check_eq ims-accel-slots-free "$free_slots" "$(cat "$pf/free_slots")"
check_eq ims-accel-instances-available "$available" \
	"$(cat "$pf/mdev_supported_types/$type/available_instances")"
tap_done
