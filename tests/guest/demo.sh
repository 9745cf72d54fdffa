#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest side of "make demo", in the debian boot: make an ims-accel
# instance each way a user does (sysfs, mdevctl, virsh nodedev-create),
# use each through VFIO as a VMM would, show mtty and mdpy on the same
# interrupt frontend, then give an instance to a nested VM. Everything
# made is removed again; a newcomer reads this output, so it prints the
# commands as typed and nothing that is not a real failure.
#
# The same script, run by the nested guest, finds the instance
# (1b36:00f1) and drives it with the project's guest driver, iav_guest.
say() { printf '%s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }

# A step that fails is said at once, and the demo goes on; its last line
# says whether every step worked, for bench/demo.sh and for the nested
# VM's host to read.
failures=""
failed() {
	say "  FAILED: $*"
	failures="$failures${failures:+; }$*"
}
finish() {
	if [ -z "$failures" ]; then
		say "demo: every step worked"
	else
		say "demo: FAILED: $failures"
	fi
}

. /mdev-ims/tests/lib/irq.sh

# The nested guest: submit descriptors through the instance's portals,
# each vector a different number of times, and show what was counted.
nested_guest() {
	. /mdev-ims/tests/lib/vm.sh
	section "nested VM: $(uname -r), ims-accel instance at ${1##*/}"
	modprobe iav_guest || { failed "modprobe iav_guest"; return; }
	d=$(echo /sys/kernel/debug/iav_guest/*)
	m=$(awk '$1 == "vectors" { print $2 }' "$d/info")
	say "iav_guest bound: $(tr '\n' ' ' < "$d/info")"
	v=1
	for op in nop fill copy crc32c nop fill copy crc32c; do
		[ $v -le "$m" ] || break
		if echo "$v $((10 * v)) $op" > "$d/submit"; then
			say "  $((10 * v)) $op descriptors asked for vector $v: all checked"
		else
			failed "$((10 * v)) $op descriptors for vector $v"
		fi
		v=$((v + 1))
	done
	say "interrupts the guest driver counted:"
	tr '\n' ' ' < "$d/counts" | fold -s -w 72 | sed 's/^/  /'
	say ""
	say "the guest's /proc/interrupts:"
	grep iav_guest /proc/interrupts | awk '{ s = 0; for (i = 2; i <= NF - 3; i++) s += $i
		printf "  %-28s %s\n", $NF, s }'
	vm_ask host-interrupts || failed "the host's interrupt counts"
	if modprobe -r iav_guest; then
		say "iav_guest unloaded"
	else
		failed "modprobe -r iav_guest"
	fi
}

instance=$(pci_devices 1b36:00f1)
if [ -n "$instance" ]; then
	nested_guest "$instance"
	finish
	exit
fi

# mdevctl.sh: the parents, run, instance_of, and a clean-up on exit of
# every UUID tracked; libvirt.sh: node device names and XML.
. /mdev-ims/tests/lib/mdevctl.sh
. /mdev-ims/tests/lib/libvirt.sh
PATH=$PATH:/mdev-ims/tests/tools

# cmd <command line>: print it as a user types it, run it, and indent
# what it printed; its status.
cmd() {
	say "  \$ $*"
	run sh -c "$*"
	[ -z "$out" ] || printf '%s\n' "$out" | sed '/^$/d; s/^/    /'
	# shellcheck disable=SC2154 # set by mdevctl.sh's run
	[ "$rc" = 0 ] || failed "$* (status $rc)"
	return "$rc"
}

# use <uuid>: where the instance is, then open it through VFIO as a VMM
# does (vfio-demo: regions, interrupts, and on ims-accel descriptors run
# and the interrupts each vector counted).
use() {
	g=$(basename "$(readlink "/sys/bus/mdev/devices/$1/iommu_group")")
	say "  instance of $(instance_of "$1" | tr ' ' /), IOMMU group $g (/dev/vfio/$g)"
	cmd vfio-demo "$1" || return
	# vfio-demo shows what it got beside what it expected; it judges
	# nothing itself.
	if printf '%s\n' "$out" | grep -q WRONG ||
		printf '%s\n' "$out" | awk '$1 == "vector" && "(expected " $3 ")" != $4 " " $5 { bad = 1 }
			END { exit !bad }'; then
		failed "vfio-demo $1 did not get what it expected"
	fi
}

section "guest: $(uname -r) ($MDEV_IMS_KERNEL kernel)"
say "interrupt remapping: $(dmesg | grep -o 'Enabled IRQ remapping in [a-z0-9]* mode' | head -n 1)"

section "loading the project's modules"
for m in vfio_irqs ims_accel mtty mdpy vfio_iommu_type1; do
	if modprobe "$m"; then
		say "  $m"
	else
		failed "modprobe $m"
	fi
done
if ! mdevctl_parents || [ -z "$IMS_PARENT" ]; then
	failed "the mdev parents did not all come up: $(cd /sys/class/mdev_bus && echo *)"
	finish
	exit 1
fi
bdf=$IMS_PARENT
types=/sys/class/mdev_bus/$bdf/mdev_supported_types
say "ims-accel function $bdf: instance vectors backed by" \
	"$(cat "/sys/bus/pci/devices/$bdf/interrupt_backing")"

section "the parents and their types (name: instances available; description)"
for p in $PARENTS; do
	say "$(pname "$p") ($p):"
	for t in "/sys/class/mdev_bus/$p/mdev_supported_types"/*; do
		say "  ${t##*/}: $(cat "$t/available_instances"); $(cat "$t/description")"
	done
done

uuid=$(new_uuid)
track "$uuid"
section "1. an instance through sysfs"
before=$(available "$bdf" ims_accel-2q8v)
cmd "echo $uuid > $types/ims_accel-2q8v/create"
say "  ims_accel-2q8v available: $before -> $(available "$bdf" ims_accel-2q8v)"
use "$uuid"
cmd "echo 1 > /sys/bus/mdev/devices/$uuid/remove"

uuid=$(new_uuid)
track "$uuid"
section "2. an instance through mdevctl"
cmd mdevctl start -p "$bdf" -t ims_accel-1q4v -u "$uuid"
cmd mdevctl list
use "$uuid"
cmd mdevctl stop -u "$uuid"

uuid=$(new_uuid)
track "$uuid"
section "3. an instance through libvirt (which hands it to mdevctl)"
xml=/tmp/demo-mdev.xml
mdev_xml "pci_$(nodedev_safe "$bdf")" ims_accel-4q16v "$uuid" > $xml
say "  $xml:"
sed 's/^/    /' $xml
name=$(mdev_nodedev "$uuid" "$bdf")
cmd virsh nodedev-create $xml
# libvirt lists the instance once udev told it about the new device.
wait_for 30 nodedev_listed "$name" --cap mdev || failed "libvirt did not list $name"
cmd virsh nodedev-list --cap mdev
use "$uuid"
cmd virsh nodedev-destroy "$name"

section "mtty and mdpy on the same interrupt frontend"
for t in mtty/mtty-2 mdpy/mdpy-xga; do
	uuid=$(new_uuid)
	track "$uuid"
	cmd "echo $uuid > /sys/class/mdev_bus/${t%/*}/mdev_supported_types/${t#*/}/create"
	use "$uuid"
	cmd "echo 1 > /sys/bus/mdev/devices/$uuid/remove"
done

# A VM's instance is usually a persistent one, kept by mdevctl. The
# debian boot has Debian's QEMU for the nested VM (tests/guest/lib/vm.sh).
section "4. a nested VM owns an ims-accel instance"
uuid=$(new_uuid)
track "$uuid"
cmd mdevctl define -p "$bdf" -t ims_accel-2q8v -u "$uuid"
cmd mdevctl start -u "$uuid"
cmd mdevctl list
if command -v qemu-system-x86_64 > /dev/null; then
	. /mdev-ims/tests/lib/vm.sh
	say "  given to a nested QEMU: -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/$uuid"
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
		say "  this guest's IRQs behind the instance's vectors 1..8 (IRQ, chip, action, count):"
		grep "($uuid)" /proc/interrupts | awk '{ s = 0
			for (i = 2; i <= NF - 3; i++) s += $i
			printf "    %-4s %-26s %-18s %s\n", $1 + 0, $(NF - 2), $NF, s }' |
			sed 's/(.*)//' | grep .
	}
	VM_HOOK=host_interrupts VM_APPEND=mdev_ims.mode=demo \
		vm_boot demo none -device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$uuid"
	vm_status=$?
	show_nested
	if [ "$vm_status" != 0 ] || [ "$(vm_end_reason)" != guest-shutdown ] ||
		! tr -d '\r' < "$VM_DIR/demo/results.log" |
		grep -qx 'demo: every step worked'; then
		failed "the nested VM (QEMU exit status $vm_status, $(vm_end_reason))"
		vm_tail "$VM_DIR/demo/console.log" 20
	fi
else
	failed "no nested VM: this guest has no QEMU"
fi
cmd mdevctl stop -u "$uuid"
cmd mdevctl undefine -u "$uuid"

section "done"
if clean_state; then
	say "nothing left behind: no instance in sysfs, none running or defined in mdevctl"
else
	failed "instances or definitions left behind"
	state | sed 's/^/  /'
fi
finish
