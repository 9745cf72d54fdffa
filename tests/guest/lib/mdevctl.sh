# SPDX-License-Identifier: GPL-2.0
# Helpers for the mdevctl tests (tests/guest/mdevctl/, debian boot): the
# project's mdev parents, mdevctl's output as values to compare, a
# snapshot of everything a command could change, and a clean-up that
# removes whatever a test made. Source it after tap.sh.

# mdevctl colours its errors and warnings even on a pipe; a script would
# ask for plain text.
export NO_COLOR=1

# The parents: the ims-accel function (when the bench's QEMU has the
# device), mtty and mdpy. IMS_PARENT is the function's name as mdevctl
# knows it, its PCI address.
mdevctl_parents() {
	modprobe -a mtty mdpy || return
	IMS_PARENT=""
	for dev in /sys/bus/pci/devices/*; do
		if [ "$(cat "$dev/vendor"):$(cat "$dev/device")" = 0x1b36:0x00f0 ]; then
			IMS_PARENT=$(basename "$dev")
		fi
	done
	PARENTS="mtty mdpy"
	if grep -q 'mdev_ims.device=' /proc/cmdline; then
		[ -n "$IMS_PARENT" ] || return 1
		PARENTS="$IMS_PARENT $PARENTS"
	fi
	# udev must have seen the parents before a test uses them.
	udevadm settle
	for p in $PARENTS; do
		[ -d "/sys/class/mdev_bus/$p/mdev_supported_types" ] || return 1
	done
}

# How many parents mdevctl_parents must find: a test's loops over them
# make cases, and its plan comes before it looks.
parent_count() {
	if grep -q 'mdev_ims.device=' /proc/cmdline; then echo 3; else echo 2; fi
}

# A short name for a parent, for case names: ims-accel, mtty or mdpy.
pname() {
	case "$1" in
	mtty | mdpy) echo "$1" ;;
	*) echo ims-accel ;;
	esac
}

# The types of each parent, as the admin guides list them.
parent_types() {
	case "$1" in
	mtty) echo "mtty-1 mtty-2" ;;
	mdpy) echo "mdpy-hd mdpy-vga mdpy-xga" ;;
	*) echo "ims_accel-1q16v ims_accel-1q1v ims_accel-1q4v ims_accel-2q8v ims_accel-4q16v" ;;
	esac
}

# Two types of each parent for the tests to use, and a third parent's type
# that the parent does not have.
type_a() {
	case "$1" in
	mtty) echo mtty-2 ;;
	mdpy) echo mdpy-xga ;;
	*) echo ims_accel-2q8v ;;
	esac
}
type_b() {
	case "$1" in
	mtty) echo mtty-1 ;;
	mdpy) echo mdpy-vga ;;
	*) echo ims_accel-1q4v ;;
	esac
}
foreign_type() {
	case "$1" in
	mtty) echo mdpy-vga ;;
	*) echo mtty-1 ;;
	esac
}

available() { # <parent> <type>
	cat "/sys/class/mdev_bus/$1/mdev_supported_types/$2/available_instances"
}

new_uuid() {
	cat /proc/sys/kernel/random/uuid
}

# run <command...>: run it; $rc is its exit status, $out its stdout and
# stderr with any colour codes removed.
run() {
	out=$("$@" 2>&1)
	rc=$?
	out=$(printf '%s\n' "$out" | sed 's/\x1b\[[0-9;]*m//g')
}

# The parent and type of an instance, as sysfs has them.
instance_of() { # <uuid>
	d=/sys/bus/mdev/devices/$1
	[ -e "$d" ] || { echo none; return; }
	echo "$(basename "$(readlink -f "$d/..")") $(basename "$(readlink -f "$d/mdev_type")")"
}

# Everything a command could change: the instances sysfs has, the
# instances every type has left, what mdevctl lists running and defined,
# and its config files.
state() {
	echo "instances:"
	ls /sys/bus/mdev/devices
	echo "available:"
	for t in /sys/class/mdev_bus/*/mdev_supported_types/*; do
		[ -d "$t" ] && echo "${t#/sys/class/mdev_bus/} $(cat "$t/available_instances")"
	done
	echo "list:"
	mdevctl list 2>&1
	echo "defined:"
	mdevctl list --defined 2>&1
	echo "config:"
	find /etc/mdevctl.d -path /etc/mdevctl.d/scripts.d -prune -o -type f -print | sort
}

# json_flat: mdevctl's JSON on stdin as one line per value, "<keys>\t<value>"
# where <keys> are the object keys leading to it (array positions left
# out), e.g. "mtty mtty-1 available_instances\t16".
json_flat() {
	jq -r 'paths(type | . != "object" and . != "array") as $p |
		[($p | map(strings) | join(" ")), (getpath($p) | tostring)] |
		join("\t")'
}

# Clean-up: every instance and definition a test made goes, whatever path
# the test took. A test tracks each UUID it uses; the trap removes the
# instance through sysfs and the definition's file, not through mdevctl,
# so that it works even when mdevctl does not.
_mdevctl_uuids=""
_mdevctl_dirs=$(ls /etc/mdevctl.d 2>/dev/null)
track() {
	_mdevctl_uuids="$_mdevctl_uuids $*"
}
mdevctl_cleanup() {
	for u in $_mdevctl_uuids; do
		[ -e "/sys/bus/mdev/devices/$u" ] &&
			echo 1 > "/sys/bus/mdev/devices/$u/remove"
		rm -f /etc/mdevctl.d/*/"$u"
	done
	# mdevctl leaves a directory per parent it defined a device for.
	for d in /etc/mdevctl.d/*; do
		case " $(echo $_mdevctl_dirs) " in
		*" ${d##*/} "*) ;;
		*) rmdir "$d" 2>/dev/null ;;
		esac
	done
	return 0
}
trap mdevctl_cleanup EXIT

# Nothing of mdevctl's or of sysfs's: the state a test starts from and
# leaves behind.
clean_state() {
	[ -z "$(ls /sys/bus/mdev/devices)" ] &&
		[ -z "$(mdevctl list 2>&1)" ] &&
		[ -z "$(mdevctl list --defined 2>&1)" ]
}
