#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# KERNELS: stock
# TIMEOUT: 300
# mdevctl types lists every mdev parent of the project (the ims-accel
# function, mtty, mdpy) with every type and the name, description, device
# API and available instances sysfs has, as text and as JSON, and follows
# sysfs when an instance of a parent is made and removed.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/mdevctl.sh

# "<parent> <type> <field>\t<value>" per type and field, sorted, from
# sysfs, from mdevctl's text and from its JSON. A type without a
# description file would have no description line in any of them.
from_sysfs() {
	for t in /sys/class/mdev_bus/${1:-*}/mdev_supported_types/*; do
		[ -d "$t" ] || continue
		pt="$(basename "$(dirname "$(dirname "$t")")") $(basename "$t")"
		for f in available_instances device_api name description; do
			[ -f "$t/$f" ] && printf '%s %s\t%s\n' "$pt" $f "$(cat "$t/$f")"
		done
	done | sort
}
from_text() {
	mdevctl types ${1:+-p "$1"} | awk '
		/^[^ ]/ { parent = $0; next }
		/^  [^ ]/ { type = substr($0, 3); next }
		/^    / {
			line = substr($0, 5)
			i = index(line, ": ")
			field = substr(line, 1, i - 1)
			if (field == "Available instances") field = "available_instances"
			else if (field == "Device API") field = "device_api"
			else field = tolower(field)
			printf "%s %s %s\t%s\n", parent, type, field, substr(line, i + 2)
		}' | sort
}
from_json() {
	mdevctl types --dumpjson ${1:+-p "$1"} | json_flat | sort
}
# The parents a listing names.
parents_of() {
	cut -d' ' -f1 | sort -u | tr '\n' ' '
}

# Nine cases a parent, ten more.
plan $((10 + 9 * $(parent_count)))
check types-parents-present mdevctl_parents
check types-start-clean clean_state
want_parents=$(for p in $PARENTS; do echo "$p"; done | sort | tr '\n' ' ')
check_eq sysfs-parents "$want_parents" "$(ls /sys/class/mdev_bus | tr '\n' ' ')"
check_eq text-parents "$want_parents" "$(from_text | parents_of)"
check_eq json-parents "$want_parents" "$(from_json | parents_of)"

sysfs=$(from_sysfs)
check_eq text-matches-sysfs "$sysfs" "$(from_text)"
check_eq json-matches-sysfs "$sysfs" "$(from_json)"

for p in $PARENTS; do
	n=$(pname "$p")
	check_eq "$n-types" "$(parent_types "$p")" \
		"$(from_text "$p" | cut -d' ' -f2 | sort -u | tr '\n' ' ' | sed 's/ $//')"
	# -p lists that parent alone, with what sysfs has.
	check_eq "$n-text-p" "$(from_sysfs "$p")" "$(from_text "$p")"
	check_eq "$n-json-p" "$(from_sysfs "$p")" "$(from_json "$p")"

	# One instance changes the counts of its type and of the types that
	# share the parent's resources; mdevctl follows sysfs both ways.
	before=$(from_text)
	t=$(type_a "$p")
	u=$(new_uuid)
	track "$u"
	check "$n-create-$t" sh -c "echo $u > /sys/class/mdev_bus/$p/mdev_supported_types/$t/create"
	check_eq "$n-available-after-create" \
		"$(printf '%s\n' "$before" | awk -v p="$p" -v t="$t" -F'\t' \
			'$1 == p " " t " available_instances" { print $2 - 1 }')" \
		"$(from_text "$p" | awk -v p="$p" -v t="$t" -F'\t' \
			'$1 == p " " t " available_instances" { print $2 }')"
	check_eq "$n-text-after-create" "$(from_sysfs)" "$(from_text)"
	check_eq "$n-json-after-create" "$(from_sysfs)" "$(from_json)"
	check "$n-remove" sh -c "echo 1 > /sys/bus/mdev/devices/$u/remove"
	check_eq "$n-after-remove" "$before" "$(from_text)"
done

# A parent mdevctl does not know is a filter that matches nothing:
# mdevctl 1.2.0 lists no parent and succeeds.
run mdevctl types -p nosuch
check_eq unknown-parent-lists-nothing "0:" "$rc:$out"
run mdevctl types --dumpjson -p nosuch
check_eq unknown-parent-json-empty "0:[]" "$rc:$out"
check types-end-clean clean_state
tap_done
