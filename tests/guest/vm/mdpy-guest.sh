#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: nested
# The nested side of vm/mdpy: mdpy-fb binds every mdpy instance vm/mdpy
# assigned, the frame tick comes as MSIs while a framebuffer is open, and
# the test pattern drawn on each framebuffer is what QEMU's display of it
# shows: vm/mdpy takes the screendumps and compares them pixel by pixel.
#
# The device counts its frames (FRAMES in config space) and sends one MSI
# a frame, but the nested guest may take two of them as one: QEMU's
# vfio-pci reads the eventfd once for all the messages signalled since
# its last read, and the APIC merges a message that arrives while the
# last one is still pending, as hardware does. So the exact counts here
# are the device's: the frames advance while a framebuffer is open and
# stop at its close, with not one interrupt after it; the interrupts
# while open number at least one and never more than the frames.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/vm.sh
. /mdev-ims/tests/lib/irq.sh

MDPY=1b36:000f
fbpattern=/mdev-ims/tests/tools/fbpattern
# FRAMES of mdpy-defs.h, at 0x60 in config space.
FRAMES=96

frames() {
	od -An -tu4 -j $FRAMES -N 4 "/sys/bus/pci/devices/$1/config" | tr -d ' '
}
# wait_frames <device> <frames>: until FRAMES reads at least that many,
# for at most a minute of a slow nested guest.
wait_frames() {
	_i=0
	while [ "$(frames "$1")" -lt "$2" ] && [ $_i -lt 600 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(frames "$1")" -ge "$2" ]
}

# Six cases a display, and the two of vm/mdpy's answer and unloading.
plan 17
check mdpy-fb-load modprobe mdpy-fb
devs=$(pci_devices $MDPY)
check_eq displays-found 2 "$(echo "$devs" | wc -w)"

# fbcon, where the kernel has it, would draw a console and its blinking
# cursor on the first framebuffer.
for v in /sys/class/vtconsole/vtcon*; do
	grep -q 'frame buffer' "$v/name" && echo 0 > "$v/bind"
done
check_eq fbcon-unbound "" \
	"$(grep -l 'frame buffer' /sys/class/vtconsole/vtcon*/name 2>/dev/null |
		while read -r n; do grep -l 1 "${n%/name}/bind"; done)"

for d in $devs; do
	fb=$(ls "/sys/bus/pci/devices/$d/graphics" 2>/dev/null)
	mode=$(tr , x < "/sys/class/graphics/$fb/virtual_size")
	check_eq "$mode-driver" mdpy-fb \
		"$(basename "$(readlink "/sys/bus/pci/devices/$d/driver")")"
	irq=$(cat "/sys/bus/pci/devices/$d/irq")
	check_eq "$mode-msi" "PCI-MSI-$d 0-edge" "$(irq_chip "$irq")"
	# The tick runs while the framebuffer is open, and only then.
	before=$(irq_count "$irq")
	f0=$(frames "$d")
	exec 7<>"/dev/$fb"
	check "$mode-frames-while-open" wait_frames "$d" $((f0 + 10))
	exec 7<&-
	# QEMU's main loop may still pass on a message of the last frame.
	sleep 1
	f=$(($(frames "$d") - f0))
	n=$(($(irq_count "$irq") - before))
	echo "# $fb ($mode): $n frame ticks for $f frames"
	if [ "$n" -ge 1 ] && [ "$n" -le "$f" ]; then
		ok "$mode-frame-ticks"
	else
		not_ok "$mode-frame-ticks" "$n interrupts for $f frames"
	fi
	sleep 1
	check_eq "$mode-tick-stops-at-close" "$f $n" \
		"$(($(frames "$d") - f0)) $(($(irq_count "$irq") - before))"
	check "$mode-draw" "$fbpattern" draw "/dev/$fb"
done

# vm/mdpy answers 0 when every display shows its pattern.
if vm_ask screendump; then
	ok displays-show-pattern
else
	not_ok displays-show-pattern "vm/mdpy saw another picture"
fi
check mdpy-fb-unload modprobe -r mdpy-fb
tap_done
