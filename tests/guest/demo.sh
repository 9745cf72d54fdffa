#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest side of "make demo": slice every mdev parent the project's
# modules register, use each instance through VFIO as a VMM would, and
# tear everything down, printing what a newcomer should see.
#
# In the debian boot it also gives an ims-accel instance to a nested VM
# under KVM; the same script, run by the nested guest, finds the instance
# (1b36:00f1) and drives it with the project's guest driver, iav_guest.
say() { printf '%s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }

. /mdev-ims/tests/lib/irq.sh

# The nested guest: submit descriptors through the instance's portals,
# each vector a different number of times, and show what was counted.
nested_guest() {
	. /mdev-ims/tests/lib/vm.sh
	section "nested VM: $(uname -r), ims-accel instance at ${1##*/}"
	modprobe iav_guest || return
	d=$(echo /sys/kernel/debug/iav_guest/*)
	m=$(awk '$1 == "vectors" { print $2 }' "$d/info")
	say "iav_guest bound: $(tr '\n' ' ' < "$d/info")"
	v=1
	for op in nop fill copy crc32c nop fill copy crc32c; do
		[ $v -le "$m" ] || break
		echo "$v $((10 * v)) $op" > "$d/submit" &&
			say "  $((10 * v)) $op descriptors asked for vector $v: all checked"
		v=$((v + 1))
	done
	say "interrupts the guest driver counted:"
	tr '\n' ' ' < "$d/counts" | fold -s -w 72 | sed 's/^/  /'
	say ""
	say "the guest's /proc/interrupts:"
	grep iav_guest /proc/interrupts | awk '{ s = 0; for (i = 2; i <= NF - 3; i++) s += $i
		printf "  %-28s %s\n", $NF, s }'
	vm_ask host-interrupts || say "the host did not answer"
	modprobe -r iav_guest && say "iav_guest unloaded"
}

instance=$(pci_devices 1b36:00f1)
if [ -n "$instance" ]; then
	nested_guest "$instance"
	exit
fi

section "guest: $(uname -r) ($MDEV_IMS_KERNEL kernel)"
say "interrupt remapping: $(dmesg | grep -o 'Enabled IRQ remapping in [a-z0-9]* mode' | head -n 1)"
for dev in /sys/bus/pci/devices/*; do
	id="$(cat "$dev/vendor"):$(cat "$dev/device")"
	[ "$id" = 0x1b36:0x00f0 ] && say "ims-accel function: ${dev##*/}"
done

# The parents; mdpy-fb is a guest driver and ims_proof a test module.
section "loading the project's modules"
for m in vfio_irqs ims_accel mtty mdpy; do
	modprobe "$m" && say "  $m"
done
[ -e /sys/bus/pci/drivers/ims_accel ] &&
	say "  ims_accel backs instance vectors with: $(cat /sys/bus/pci/devices/*/interrupt_backing 2>/dev/null)"
modprobe vfio_iommu_type1

uuids=""
n=0
for type in /sys/class/mdev_bus/*/mdev_supported_types/*; do
	[ -d "$type" ] || continue
	parent=$(basename "$(dirname "$(dirname "$type")")")
	section "parent $parent, type ${type##*/}: $(cat "$type/name" 2>/dev/null)"
	say "  description: $(tr '\n' ' ' < "$type/description" 2>/dev/null)"
	before=$(cat "$type/available_instances")
	n=$((n + 1))
	uuid=$(printf '83b8f4f2-509f-382f-3c1e-e6bfe0fa%04x' "$n")
	if echo "$uuid" > "$type/create"; then
		uuids="$uuids $uuid"
		say "  created $uuid: available_instances $before -> $(cat "$type/available_instances")"
		group=$(basename "$(readlink "/sys/bus/mdev/devices/$uuid/iommu_group")")
		say "  IOMMU group $group, /dev/vfio/$group"
		if [ -x /mdev-ims/tests/tools/vfio-demo ]; then
			/mdev-ims/tests/tools/vfio-demo "$uuid" | sed 's/^/  /'
		fi
	else
		say "  create failed"
	fi
done
[ -n "$uuids" ] || say "no mdev parent is registered"

section "removing the instances"
for uuid in $uuids; do
	echo 1 > "/sys/bus/mdev/devices/$uuid/remove" && say "  removed $uuid"
done

# The debian boot has Debian's QEMU and a working /dev/kvm (TCG offers
# SVM): give an instance to a nested VM, as a VMM would.
pf=$(pci_devices 1b36:00f0)
pf=${pf:+/sys/bus/pci/devices/$pf}
if [ -n "$pf" ] && command -v qemu-system-x86_64 > /dev/null &&
	modprobe kvm_amd 2> /dev/null && [ -c /dev/kvm ]; then
	. /mdev-ims/tests/lib/vm.sh
	uuid=$(cat /proc/sys/kernel/random/uuid)
	section "a nested VM owns an ims-accel instance"
	echo "$uuid" > "$pf/mdev_supported_types/ims_accel-2q8v/create" &&
		say "created $uuid (2q8v), given to QEMU with -accel kvm -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/$uuid"
	shown=0
	# Nested lines as they come, so that the host's part lands in order.
	show_nested() {
		total=$(wc -l < "$VM_DIR/demo/results.log")
		sed -n "$((shown + 1)),${total}p" "$VM_DIR/demo/results.log" |
			tr -d '\r' | grep -v '^# vm-ask:\|^# mdev-ims:' | sed 's/^/  | /'
		shown=$total
	}
	# The nested guest asks while its vectors are still armed.
	host_interrupts() {
		show_nested
		say "host IRQs behind the instance's vectors (vector 0 is emulated):"
		grep "($uuid)" /proc/interrupts | awk '{ s = 0
			for (i = 2; i <= NF - 3; i++) s += $i
			printf "  IRQ %-6s %-10s %-12s %s\n", $1, $(NF - 2), $NF, s }' |
			sed 's/(.*)//'
	}
	VM_HOOK=host_interrupts VM_APPEND=mdev_ims.mode=demo \
		vm_boot demo none -device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$uuid"
	say "  (nested VM exited with status $?)"
	show_nested
	echo 1 > "/sys/bus/mdev/devices/$uuid/remove" && say "removed $uuid"
fi
