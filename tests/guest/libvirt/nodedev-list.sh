#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# libvirt's node devices with the mdev_types capability are exactly the
# mdev parents of sysfs, with the types and available instances sysfs has.
. /mdev-ims/tests/lib/tap.sh

# The sysfs path of every node device listed with mdev_types.
paths() {
	for n in $(virsh -q nodedev-list --cap mdev_types); do
		virsh nodedev-dumpxml "$n" | sed -n 's:.*<path>\(.*\)</path>.*:\1:p'
	done | sort
}
# "<parent> <type> <available instances>" per type, sorted, as libvirt
# describes the parents and as sysfs has them.
from_libvirt() {
	for n in $(virsh -q nodedev-list --cap mdev_types); do
		xml=$(virsh nodedev-dumpxml "$n")
		parent=$(echo "$xml" | sed -n 's:.*<path>.*/\(.*\)</path>.*:\1:p')
		echo "$xml" | sed -n "s/.*<type id='\([^']*\)'.*/\1/p;
			s/.*<availableInstances>\([0-9]*\)<.*/\1/p" |
			paste -d ' ' - - | sed "s/^/$parent /"
	done | sort
}
from_sysfs() {
	for t in /sys/class/mdev_bus/*/mdev_supported_types/*; do
		[ -d "$t" ] || continue
		parent=$(basename "$(dirname "$(dirname "$t")")")
		echo "$parent $(basename "$t") $(cat "$t/available_instances")"
	done | sort
}

check mtty-load modprobe mtty
want=$(for p in /sys/class/mdev_bus/*; do readlink -f "$p"; done | sort)
# libvirt hears of the new parent through a udev event of its own.
i=0
while [ "$(paths)" != "$want" ] && [ $i -lt 30 ]; do
	sleep 1
	i=$((i + 1))
done
check_eq mdev-types-parents "$want" "$(paths)"
check_eq mdev-types-match-sysfs "$(from_sysfs)" "$(from_libvirt)"
tap_done
