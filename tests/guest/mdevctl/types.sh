#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# mdevctl types lists every mdev parent of sysfs with its types and the
# instances each still has, and follows sysfs when an instance is made
# and removed.
. /mdev-ims/tests/lib/tap.sh

# "<parent> <type> <available instances>" per type, sorted, as mdevctl
# lists them and as sysfs has them.
from_mdevctl() {
	mdevctl types | awk '
		/^[^ ]/ { parent = $1 }
		/^  [^ ]/ { type = $1 }
		/^    Available instances:/ { print parent, type, $3 }' | sort
}
from_sysfs() {
	for t in /sys/class/mdev_bus/*/mdev_supported_types/*; do
		[ -d "$t" ] || continue
		parent=$(basename "$(dirname "$(dirname "$t")")")
		echo "$parent $(basename "$t") $(cat "$t/available_instances")"
	done | sort
}
available() { # <type> in mdevctl's listing
	from_mdevctl | awk -v t="$1" '$1 == "mtty" && $2 == t { print $3 }'
}

types=/sys/class/mdev_bus/mtty/mdev_supported_types
uuid=$(cat /proc/sys/kernel/random/uuid)
trap 'echo 1 > /sys/bus/mdev/devices/$uuid/remove 2>/dev/null' EXIT

check mtty-load modprobe mtty
check_eq mtty-types "$(for t in "$types"/*; do printf '%s ' "${t##*/}"; done)" \
	"$(from_mdevctl | awk '$1 == "mtty" { printf "%s ", $2 }')"
before=$(from_mdevctl)
check_eq types-match-sysfs "$(from_sysfs)" "$before"

one=$(available mtty-1)
two=$(available mtty-2)
check create-mtty-2 sh -c "echo $uuid > $types/mtty-2/create"
check list-shows-instance sh -c "mdevctl list | grep -q $uuid"
# One two-port instance takes two of the parent's ports.
check_eq mtty-1-after-create "$((one - 2))" "$(available mtty-1)"
check_eq mtty-2-after-create "$((two - 1))" "$(available mtty-2)"
check_eq types-match-sysfs-after-create "$(from_sysfs)" "$(from_mdevctl)"

check remove-mtty-2 sh -c "echo 1 > /sys/bus/mdev/devices/$uuid/remove"
check_eq types-after-remove "$before" "$(from_mdevctl)"
tap_done
