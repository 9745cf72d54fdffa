#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# KERNELS: stock
# TIMEOUT: 300
# virsh makes and removes ims_accel instances through mdevctl, as libvirt
# 9.0 does for every mdev: nodedev-create / nodedev-destroy a transient
# instance (sysfs, nodedev-list --cap mdev and mdevctl list show it, and
# the type's available instances follow), nodedev-define / nodedev-start /
# nodedev-destroy / nodedev-undefine a persistent one (kept in mdevctl's
# store, listed inactive when stopped). Bad input (an unknown type or
# parent, a full type, a UUID in use) fails with mdevctl's or libvirt's
# message and changes nothing in sysfs, libvirt or mdevctl.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/libvirt.sh

bdf=$(ims_accel_bdf)
[ -n "$bdf" ] || skip_all "no ims-accel function (QEMU without the model)"
ims=pci_$(nodedev_safe "$bdf")
types=/sys/bus/pci/devices/$bdf/mdev_supported_types
dir=/tmp/libvirt-nodedev-create
rm -rf $dir
mkdir -p $dir
: > $dir/uuids

# Every UUID this test uses, so that a failed case leaves nothing behind.
use_uuid() {
	_u=$(new_uuid)
	echo "$_u" >> $dir/uuids
	echo "$_u"
}
cleanup() {
	_defined=$(mdevctl list --defined 2>/dev/null)
	while read -r u; do
		[ ! -e "/sys/bus/mdev/devices/$u" ] ||
			echo 1 > "/sys/bus/mdev/devices/$u/remove"
		case "$_defined" in
		*"$u"*) mdevctl undefine -u "$u" ;;
		esac
	done < $dir/uuids
}
# The UUIDs of this test that sysfs still has.
ours_left() {
	while read -r u; do
		[ ! -e "/sys/bus/mdev/devices/$u" ] || echo "$u"
	done < $dir/uuids
}
trap cleanup EXIT

available() {
	cat "$types/$1/available_instances"
}
# The type of a sysfs instance.
mdev_type() {
	basename "$(readlink "/sys/bus/mdev/devices/$1/mdev_type")"
}
# "<Active> <Persistent> <Autostart>" from nodedev-info.
info() {
	virsh nodedev-info "$1" | awk '$1 ~ /^(Active|Persistent|Autostart):$/ {
		printf "%s%s", sep, $2; sep = " " }'
}
# What bad input must not change: sysfs's instances, libvirt's mdev node
# devices, active or defined, and mdevctl's definitions.
state() {
	instances
	virsh -q nodedev-list --all --cap mdev | sort
	mdevctl list --defined
}
# virsh's output without its blank lines, and its status on a last line.
run_virsh() {
	virsh "$@" > $dir/out 2>&1
	_rc=$?
	sed '/^$/d' $dir/out
	echo "rc=$_rc"
}
# fails_with <case> <message> <virsh arguments...>: virsh fails with a
# message containing <message>, and nothing changes.
fails_with() {
	_case=$1 _msg=$2
	shift 2
	_before=$(state)
	_out=$(run_virsh "$@")
	case "$_out" in
	*"$_msg"*"rc=1") ok "$_case" ;;
	*) not_ok "$_case" "expected '$_msg' and status 1, got: $(echo "$_out" | tr '\n' ' ')" ;;
	esac
	check_eq "$_case-changes-nothing" "$_before" "$(state)"
}
# libvirt lists exactly the instances sysfs has, after udev told it.
libvirt_has_sysfs() {
	[ "$(virsh -q nodedev-list --cap mdev | sort)" = \
		"$(for u in $(instances); do
			mdev_nodedev "$u" "$(basename "$(dirname "$(readlink -f \
				"/sys/bus/mdev/devices/$u")")")"
		done | sort)" ]
}

# Each fails_with makes two cases.
plan 67

# nodedev-create and nodedev-destroy: a transient instance.
uuid=$(use_uuid)
name=$(mdev_nodedev "$uuid" "$bdf")
mdev_xml "$ims" ims_accel-1q4v "$uuid" > $dir/create.xml
avail=$(available ims_accel-1q4v)
check_eq create "Node device $name created from $dir/create.xml rc=0" \
	"$(run_virsh nodedev-create $dir/create.xml | tr '\n' ' ' | sed 's/ $//')"
check_eq create-sysfs-type ims_accel-1q4v "$(mdev_type "$uuid")"
check_eq create-sysfs-parent "/sys/devices/pci0000:00/$bdf/$uuid" \
	"$(readlink -f "/sys/bus/mdev/devices/$uuid")"
check_eq create-available "$((avail - 1))" "$(available ims_accel-1q4v)"
check create-listed nodedev_listed "$name" --cap mdev
xml=$(virsh nodedev-dumpxml "$name")
check_eq create-dumpxml "$ims ims_accel-1q4v $uuid $bdf" "$(echo "$xml" |
	sed -n "s:.*<parent>\(.*\)</parent>.*:\1:p;
		s:.*<type id='\([^']*\)'.*:\1:p;
		s:.*<uuid>\(.*\)</uuid>.*:\1:p;
		s:.*<parent_addr>\(.*\)</parent_addr>.*:\1:p" | tr '\n' ' ' | sed 's/ $//')"
check_eq create-info "yes no no" "$(info "$name")"
check_eq create-mdevctl "$uuid $bdf ims_accel-1q4v manual" \
	"$(mdevctl list | grep "$uuid")"

check_eq destroy "Destroyed node device '$name' rc=0" \
	"$(run_virsh nodedev-destroy "$name" | tr '\n' ' ' | sed 's/ $//')"
check destroy-sysfs test ! -e "/sys/bus/mdev/devices/$uuid"
check_eq destroy-available "$avail" "$(available ims_accel-1q4v)"
wait_for 30 nodedev_gone "$name"
check destroy-unlisted nodedev_gone "$name"
check destroy-mdevctl sh -c "! mdevctl list | grep -q $uuid"

# Without a UUID mdevctl picks one and libvirt names the device after it.
mdev_xml "$ims" ims_accel-1q1v > $dir/nouuid.xml
before=$(instances)
out=$(run_virsh nodedev-create $dir/nouuid.xml)
new=$(instances | grep -vxF "$before")
[ -z "$new" ] || echo "$new" >> $dir/uuids
check_eq create-no-uuid \
	"Node device $(mdev_nodedev "$new" "$bdf") created from $dir/nouuid.xml rc=0" \
	"$(echo "$out" | tr '\n' ' ' | sed 's/ $//')"
check_eq create-no-uuid-type ims_accel-1q1v "$(mdev_type "$new")"
check destroy-no-uuid virsh nodedev-destroy "$(mdev_nodedev "$new" "$bdf")"

# nodedev-define ... nodedev-undefine: a persistent instance.
uuid=$(use_uuid)
name=$(mdev_nodedev "$uuid" "$bdf")
mdev_xml "$ims" ims_accel-2q8v "$uuid" > $dir/define.xml
check_eq define "Node device '$name' defined from '$dir/define.xml' rc=0" \
	"$(run_virsh nodedev-define $dir/define.xml | tr '\n' ' ' | sed 's/ $//')"
check define-no-sysfs test ! -e "/sys/bus/mdev/devices/$uuid"
check define-listed-inactive nodedev_listed "$name" --inactive --cap mdev
check define-not-active sh -c "! virsh -q nodedev-list --cap mdev | grep -qx $name"
check_eq define-info "no yes no" "$(info "$name")"
check_eq define-mdevctl "$uuid $bdf ims_accel-2q8v manual" \
	"$(mdevctl list --defined | grep "$uuid")"

check_eq start "Device $name started rc=0" \
	"$(run_virsh nodedev-start "$name" | tr '\n' ' ' | sed 's/ $//')"
check_eq start-sysfs-type ims_accel-2q8v "$(mdev_type "$uuid")"
check start-listed-active nodedev_listed "$name" --cap mdev
check_eq start-info "yes yes no" "$(info "$name")"
check_eq start-mdevctl "$uuid $bdf ims_accel-2q8v manual (defined)" \
	"$(mdevctl list | grep "$uuid")"

check_eq stop "Destroyed node device '$name' rc=0" \
	"$(run_virsh nodedev-destroy "$name" | tr '\n' ' ' | sed 's/ $//')"
check stop-sysfs test ! -e "/sys/bus/mdev/devices/$uuid"
wait_for 30 nodedev_listed "$name" --inactive --cap mdev
check stop-listed-inactive nodedev_listed "$name" --inactive --cap mdev
check_eq stop-info "no yes no" "$(info "$name")"
check_eq stop-mdevctl-defined "$uuid $bdf ims_accel-2q8v manual" \
	"$(mdevctl list --defined | grep "$uuid")"
fails_with stop-again "Device '$name' is not active" nodedev-destroy "$name"

check_eq undefine "Undefined node device '$name' rc=0" \
	"$(run_virsh nodedev-undefine "$name" | tr '\n' ' ' | sed 's/ $//')"
wait_for 30 nodedev_gone "$name"
check undefine-unlisted nodedev_gone "$name"
check undefine-mdevctl sh -c "! mdevctl list --defined | grep -q $uuid"

# Bad input.
uuid=$(use_uuid)
mdev_xml "$ims" ims_accel-9q9v "$uuid" > $dir/bad-type.xml
fails_with create-unknown-type \
	"Parent $bdf does not support mdev type ims_accel-9q9v" \
	nodedev-create $dir/bad-type.xml
mdev_xml pci_0000_ff_1f_7 ims_accel-1q4v "$uuid" > $dir/bad-parent.xml
fails_with create-unknown-parent \
	"invalid parent device 'pci_0000_ff_1f_7'" \
	nodedev-create $dir/bad-parent.xml
# A node device, but no mdev parent: the host bridge.
mdev_xml pci_0000_00_00_0 ims_accel-1q4v "$uuid" > $dir/not-parent.xml
fails_with create-not-a-parent "Unable to find parent device '0000:00:00.0'" \
	nodedev-create $dir/not-parent.xml
mdev_xml computer ims_accel-1q4v "$uuid" > $dir/computer.xml
fails_with create-computer "Unable to find address for parent device 'computer'" \
	nodedev-create $dir/computer.xml
fails_with define-computer "Unable to find address for parent device 'computer'" \
	nodedev-define $dir/computer.xml

# mdevctl keeps definitions of types a parent does not have (yet); such
# a definition cannot be started.
name=$(mdev_nodedev "$uuid" "$bdf")
check define-unknown-type virsh nodedev-define $dir/bad-type.xml
fails_with start-unknown-type \
	"Parent $bdf does not support mdev type ims_accel-9q9v" \
	nodedev-start "$name"
check undefine-unknown-type virsh nodedev-undefine "$name"
wait_for 30 nodedev_gone "$name"

# A UUID in use, with the same type or another.
uuid=$(use_uuid)
name=$(mdev_nodedev "$uuid" "$bdf")
mdev_xml "$ims" ims_accel-1q4v "$uuid" > $dir/dup.xml
mdev_xml "$ims" ims_accel-1q1v "$uuid" > $dir/dup-type.xml
check dup-first virsh nodedev-create $dir/dup.xml
fails_with create-duplicate-uuid "Device already exists" \
	nodedev-create $dir/dup.xml
fails_with create-duplicate-uuid-type "Device exists with different type" \
	nodedev-create $dir/dup-type.xml
check_eq dup-type-kept ims_accel-1q4v "$(mdev_type "$uuid")"
fails_with undefine-transient "Node device '$name' is not defined" \
	nodedev-undefine "$name"
check dup-destroy virsh nodedev-destroy "$name"
wait_for 30 nodedev_gone "$name"

# A full type: the type with the fewest instances, filled through sysfs.
full=$(for t in "$types"/*; do
	echo "$(cat "$t/available_instances") $(basename "$t")"
done | sort -n | head -n 1 | cut -d' ' -f2)
n=$(available "$full")
i=0
while [ $i -lt "$n" ]; do
	use_uuid > "$types/$full/create" || break
	i=$((i + 1))
done
check_eq full-available 0 "$(available "$full")"
wait_for 60 libvirt_has_sysfs
check full-listed libvirt_has_sysfs
uuid=$(use_uuid)
mdev_xml "$ims" "$full" "$uuid" > $dir/full.xml
fails_with create-full-type "No available instances of $full on $bdf" \
	nodedev-create $dir/full.xml
cleanup
check_eq full-removed "" "$(ours_left)"
check_eq full-available-after "$n" "$(available "$full")"
wait_for 60 libvirt_has_sysfs
check full-unlisted libvirt_has_sysfs
tap_done
