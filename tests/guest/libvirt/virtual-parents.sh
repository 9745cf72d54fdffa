#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# KERNELS: stock
# TIMEOUT: 200
# What libvirt 9.0 does with the virtual (non-PCI) parents, asserted as it
# is so that a change is noticed (Documentation/admin-guide/mdev-tools.rst
# explains it). Its udev backend takes a device as an mdev parent by its
# subsystem: PCI, the s390 ones and, of the virtual parents, only "mtty",
# the class of the kernel's mtty sample and of ours. So mtty is the node
# device mtty_mtty with mdev_types, and nodedev-create makes instances on
# it; mdpy (class "mdpy") is no node device at all, and nodedev-create
# cannot name it, but its instances, made through sysfs or mdevctl, are
# node devices under "computer" that nodedev-start, nodedev-destroy and
# nodedev-undefine manage, and that a domain can be given by UUID
# (libvirt/domain.sh).
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/libvirt.sh

dir=/tmp/libvirt-virtual-parents
rm -rf $dir
mkdir -p $dir
u=$(new_uuid)
v=$(new_uuid)
cleanup() {
	for x in $u $v; do
		[ ! -e "/sys/bus/mdev/devices/$x" ] ||
			echo 1 > "/sys/bus/mdev/devices/$x/remove"
		mdevctl undefine -u "$x" 2>/dev/null
	done
}
trap cleanup EXIT

# "<type> <available instances>" of a parent, as libvirt and sysfs say.
types_libvirt() {
	virsh nodedev-dumpxml "$1" | sed -n "s/.*<type id='\([^']*\)'.*/\1/p;
		s/.*<availableInstances>\([0-9]*\)<.*/\1/p" | paste -d ' ' - -
}
types_sysfs() {
	for t in "/sys/class/mdev_bus/$1"/mdev_supported_types/*; do
		echo "$(basename "$t") $(cat "$t/available_instances")"
	done
}
# "<parent> <type> <uuid> <parent_addr>" of an mdev node device.
mdev_desc() {
	virsh nodedev-dumpxml "$1" | sed -n "s:.*<parent>\(.*\)</parent>.*:\1:p;
		s:.*<type id='\([^']*\)'.*:\1:p;
		s:.*<uuid>\(.*\)</uuid>.*:\1:p;
		s:.*<parent_addr>\(.*\)</parent_addr>.*:\1:p" |
		tr '\n' ' ' | sed 's/ $//'
}
state() {
	instances
	virsh -q nodedev-list --all --cap mdev | sort
	mdevctl list --defined
}
# fails_with <case> <message> <virsh arguments...>
fails_with() {
	_case=$1 _msg=$2
	shift 2
	_before=$(state)
	_out=$(virsh "$@" 2>&1)
	_rc=$?
	case "$_rc $_out" in
	"1 "*"$_msg"*) ok "$_case" ;;
	*) not_ok "$_case" "expected '$_msg' and status 1, got $_rc: $(echo "$_out" | tr '\n' ' ')" ;;
	esac
	check_eq "$_case-changes-nothing" "$_before" "$(state)"
}

# The bench's QEMU has the ims-accel function when it says so on the
# kernel command line; four cases use it. Each fails_with makes two.
ims_cases=0
grep -q 'mdev_ims.device=' /proc/cmdline && ims_cases=4
plan $((42 + ims_cases))
check modules-load modprobe -a mtty mdpy

# mtty: a node device with mdev_types, like a PCI parent.
check_eq mtty-udev-subsystem mtty \
	"$(udevadm info -q property /sys/devices/virtual/mtty/mtty | sed -n 's/^SUBSYSTEM=//p')"
wait_for 30 nodedev_listed mtty_mtty --cap mdev_types
check mtty-listed nodedev_listed mtty_mtty --cap mdev_types
check_eq mtty-path /sys/devices/virtual/mtty/mtty \
	"$(virsh nodedev-dumpxml mtty_mtty | sed -n 's:.*<path>\(.*\)</path>.*:\1:p')"
check_eq mtty-types "$(types_sysfs mtty)" "$(types_libvirt mtty_mtty)"

name=$(mdev_nodedev "$u" mtty)
mdev_xml mtty_mtty mtty-2 "$u" > $dir/mtty.xml
check_eq mtty-create "Node device $name created from $dir/mtty.xml" \
	"$(virsh nodedev-create $dir/mtty.xml 2>&1 | sed '/^$/d')"
check_eq mtty-create-sysfs "/sys/devices/virtual/mtty/mtty/$u" \
	"$(readlink -f "/sys/bus/mdev/devices/$u")"
check_eq mtty-create-dumpxml "mtty_mtty mtty-2 $u mtty" "$(mdev_desc "$name")"
check_eq mtty-types-after-create "$(types_sysfs mtty)" "$(types_libvirt mtty_mtty)"
check mtty-destroy virsh nodedev-destroy "$name"
check mtty-destroy-sysfs test ! -e "/sys/bus/mdev/devices/$u"
wait_for 30 nodedev_gone "$name"
check mtty-destroy-unlisted nodedev_gone "$name"

# A UUID an instance of another parent has.
bdf=$(ims_accel_bdf)
if [ $ims_cases -gt 0 ]; then
	check other-parent-create sh -c "echo $u > /sys/bus/pci/devices/$bdf/mdev_supported_types/ims_accel-1q1v/create"
	wait_for 30 nodedev_listed "$(mdev_nodedev "$u" "$bdf")" --cap mdev
	fails_with mtty-create-uuid-of-other-parent \
		"Device exists under different parent" nodedev-create $dir/mtty.xml
	check other-parent-remove sh -c "echo 1 > /sys/bus/mdev/devices/$u/remove"
fi

# mdpy: udev knows it, libvirt's node device driver does not.
check_eq mdpy-udev-subsystem mdpy \
	"$(udevadm info -q property /sys/devices/virtual/mdpy/mdpy | sed -n 's/^SUBSYSTEM=//p')"
check_eq mdpy-in-mdev-bus /sys/devices/virtual/mdpy/mdpy \
	"$(readlink -f /sys/class/mdev_bus/mdpy)"
check mdpy-not-listed sh -c "! virsh -q nodedev-list | grep -q mdpy"
fails_with mdpy-no-nodedev "no node device with matching name 'mdpy_mdpy'" \
	nodedev-dumpxml mdpy_mdpy
for parent in mdpy_mdpy mdpy; do
	mdev_xml $parent mdpy-vga "$v" > $dir/mdpy-$parent.xml
	fails_with "mdpy-create-parent-$parent" "invalid parent device '$parent'" \
		nodedev-create $dir/mdpy-$parent.xml
	fails_with "mdpy-define-parent-$parent" "invalid parent device '$parent'" \
		nodedev-define $dir/mdpy-$parent.xml
done

# An mdpy instance made through sysfs is a node device under "computer".
name=$(mdev_nodedev "$v" mdpy)
check mdpy-sysfs-create sh -c "echo $v > /sys/class/mdev_bus/mdpy/mdev_supported_types/mdpy-xga/create"
wait_for 30 nodedev_listed "$name" --cap mdev
check mdpy-instance-listed nodedev_listed "$name" --cap mdev
check_eq mdpy-instance-dumpxml "computer mdpy-xga $v mdpy" "$(mdev_desc "$name")"
check_eq mdpy-instance-mdevctl "$v mdpy mdpy-xga manual" "$(mdevctl list | grep "$v")"
check mdpy-instance-destroy virsh nodedev-destroy "$name"
check mdpy-instance-destroy-sysfs test ! -e "/sys/bus/mdev/devices/$v"
wait_for 30 nodedev_gone "$name"
check mdpy-instance-unlisted nodedev_gone "$name"

# One defined with mdevctl: libvirt lists it (inactive) and manages it.
check mdpy-mdevctl-define mdevctl define -p mdpy -t mdpy-vga -u "$v"
wait_for 30 nodedev_listed "$name" --inactive --cap mdev
check mdpy-defined-listed nodedev_listed "$name" --inactive --cap mdev
check_eq mdpy-defined-dumpxml "computer mdpy-vga $v mdpy" "$(mdev_desc "$name")"
check mdpy-defined-start virsh nodedev-start "$name"
check_eq mdpy-defined-sysfs "/sys/devices/virtual/mdpy/mdpy/$v" \
	"$(readlink -f "/sys/bus/mdev/devices/$v")"
check mdpy-defined-destroy virsh nodedev-destroy "$name"
check mdpy-defined-destroy-sysfs test ! -e "/sys/bus/mdev/devices/$v"
check mdpy-defined-undefine virsh nodedev-undefine "$name"
wait_for 30 nodedev_gone "$name"
check mdpy-defined-unlisted nodedev_gone "$name"
check mdpy-defined-mdevctl-gone sh -c "! mdevctl list --defined | grep -q $v"
tap_done
