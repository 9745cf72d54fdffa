# SPDX-License-Identifier: GPL-2.0
# Helpers for the libvirt tests of the debian boot (tests/guest/libvirt/):
# source after tap.sh. libvirt 9.0 names node devices as its udev backend
# and nodeDeviceGenerateName() do: "<subsystem>_<sysfs name>[_<extra>]"
# with every character that is not a letter or digit made '_'.

new_uuid() {
	cat /proc/sys/kernel/random/uuid
}

# nodedev_safe <string>: the string as libvirt puts it in a device name.
nodedev_safe() {
	echo "$1" | tr -c 'A-Za-z0-9\n' '_'
}

# ims_accel_bdf: the PCI address of the ims-accel function (1b36:00f0).
ims_accel_bdf() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1b36:0x00f0 ] &&
			basename "$d"
	done
}

# mdev_nodedev <uuid> <parent address>: an instance's node device name,
# e.g. mdev_<uuid>_0000_00_02_0 or mdev_<uuid>_mtty.
mdev_nodedev() {
	echo "mdev_$(nodedev_safe "$1")_$(nodedev_safe "$2")"
}

# mdev_xml <parent node device> <type> [<uuid>]: node device XML for an
# instance, as nodedev-create and nodedev-define take it.
mdev_xml() {
	echo "<device>"
	echo "  <parent>$1</parent>"
	echo "  <capability type='mdev'>"
	echo "    <type id='$2'/>"
	[ -z "${3:-}" ] || echo "    <uuid>$3</uuid>"
	echo "  </capability>"
	echo "</device>"
}

# wait_for <seconds> <command...>: poll once a second until the command
# succeeds; fails when it still does not after that long. libvirt learns
# of sysfs changes through udev events, a little after they happen.
wait_for() {
	_wait_left=$1
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$_wait_left" -gt 0 ] || return 1
		sleep 1
		_wait_left=$((_wait_left - 1))
	done
}

# nodedev_listed <name> [virsh nodedev-list options...]
nodedev_listed() {
	_name=$1
	shift
	virsh -q nodedev-list "$@" | grep -qx "$_name"
}

# nodedev_gone <name>: libvirt no longer lists the device, active or not.
nodedev_gone() {
	! nodedev_listed "$1" --all
}

# instances: the UUIDs of sysfs's mdev instances, one a line, sorted.
instances() {
	ls /sys/bus/mdev/devices | sort
}
