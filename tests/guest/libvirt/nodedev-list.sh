#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# KERNELS: stock
# libvirt's node devices with the mdev_types capability are the mdev
# parents of sysfs that libvirt 9.0 can handle, with the types and
# available instances sysfs has: every PCI parent (the ims_accel function
# among them) and mtty, the one virtual parent its udev backend knows by
# subsystem (libvirt/virtual-parents.sh has the others). The ims_accel
# parent's counts follow sysfs as instances come and go.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/libvirt.sh

# The sysfs path of every node device listed with mdev_types.
paths() {
	for n in $(virsh -q nodedev-list --cap mdev_types); do
		virsh nodedev-dumpxml "$n" | sed -n 's:.*<path>\(.*\)</path>.*:\1:p'
	done | sort
}
# The sysfs path of every mdev parent libvirt 9.0 handles: its udev
# backend takes PCI devices and the "mtty" subsystem as mdev parents
# (udevGetDeviceType()), the s390 css and ap_matrix ones aside.
handled() {
	for p in /sys/class/mdev_bus/*; do
		[ -e "$p" ] || continue
		case "$(basename "$(readlink -f "$p/subsystem")")" in
		pci|mtty) basename "$p" ;;
		esac
	done
}
want_paths() {
	for p in $(handled); do
		readlink -f "/sys/class/mdev_bus/$p"
	done | sort
}
parents_listed() {
	[ "$(paths)" = "$(want_paths)" ]
}
# "<parent> <type> <available instances>" per type, sorted, as libvirt
# describes a parent (or all it lists) and as sysfs has them (for a parent
# or all libvirt handles).
types_libvirt() { # [node device]
	for n in ${1:-$(virsh -q nodedev-list --cap mdev_types)}; do
		xml=$(virsh nodedev-dumpxml "$n")
		parent=$(echo "$xml" | sed -n 's:.*<path>.*/\(.*\)</path>.*:\1:p')
		echo "$xml" | sed -n "s/.*<type id='\([^']*\)'.*/\1/p;
			s/.*<availableInstances>\([0-9]*\)<.*/\1/p" |
			paste -d ' ' - - | sed "s/^/$parent /"
	done | sort
}
types_sysfs() { # [parent]
	for parent in ${1:-$(handled)}; do
		for t in "/sys/class/mdev_bus/$parent"/mdev_supported_types/*; do
			echo "$parent $(basename "$t") $(cat "$t/available_instances")"
		done
	done | sort
}

bdf=$(ims_accel_bdf)
[ -n "$bdf" ] || skip_all "no ims-accel function (QEMU without the model)"
ims=pci_$(nodedev_safe "$bdf")
types=/sys/bus/pci/devices/$bdf/mdev_supported_types
uuid=$(new_uuid)
trap '[ ! -e /sys/bus/mdev/devices/$uuid ] ||
	echo 1 > /sys/bus/mdev/devices/$uuid/remove' EXIT

plan 13

check mtty-load modprobe mtty
# libvirt hears of the new parent through a udev event of its own.
wait_for 30 parents_listed
check_eq mdev-types-parents "$(want_paths)" "$(paths)"
check_eq mdev-types-match-sysfs "$(types_sysfs)" "$(types_libvirt)"

check ims-accel-listed nodedev_listed "$ims" --cap mdev_types
xml=$(virsh nodedev-dumpxml "$ims")
check_eq ims-accel-ids "0x1b36 0x00f0 ims_accel" \
	"$(echo "$xml" | sed -n "s/.*<vendor id='\([^']*\)'.*/\1/p") $(echo "$xml" |
		sed -n "s/.*<product id='\([^']*\)'.*/\1/p") $(echo "$xml" |
		sed -n '/<driver>/,/<\/driver>/s:.*<name>\(.*\)</name>.*:\1:p')"
check_eq ims-accel-types "$(ls "$types" | sort | tr '\n' ' ')" \
	"$(types_libvirt "$ims" | awk '{ printf "%s ", $2 }')"
check_eq ims-accel-device-api "$(ls "$types" | sed 's/.*/vfio-pci/' | tr '\n' ' ')" \
	"$(echo "$xml" | sed -n 's:.*<deviceAPI>\(.*\)</deviceAPI>.*:\1:p' | tr '\n' ' ')"
check_eq ims-accel-available "$(types_sysfs "$bdf")" "$(types_libvirt "$ims")"

# An instance made through sysfs takes resources of every type; libvirt
# reads the counts again for each dumpxml.
before=$(types_sysfs "$bdf")
check create-4q16v sh -c "echo $uuid > $types/ims_accel-4q16v/create"
check available-changed test "$before" != "$(types_sysfs "$bdf")"
check_eq ims-accel-available-after-create "$(types_sysfs "$bdf")" \
	"$(types_libvirt "$ims")"
check remove-4q16v sh -c "echo 1 > /sys/bus/mdev/devices/$uuid/remove"
check_eq ims-accel-available-after-remove "$before" "$(types_libvirt "$ims")"
tap_done
