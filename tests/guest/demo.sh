#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest side of "make demo": slice every mdev parent the project's
# modules register, use each instance through VFIO as a VMM would, and
# tear everything down, printing what a newcomer should see.
say() { printf '%s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }

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
	say "  description: $(cat "$type/description" 2>/dev/null | tr '\n' ' ')"
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
