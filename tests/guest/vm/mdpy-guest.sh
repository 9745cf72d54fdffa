#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: nested
# The nested side of vm/mdpy: mdpy-fb binds every mdpy instance vm/mdpy
# assigned, the frame tick comes as MSIs while a framebuffer is open, and
# the test pattern drawn on each framebuffer is what QEMU's display of it
# shows: vm/mdpy takes the screendumps and compares them pixel by pixel.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/vm.sh

MDPY=1b36:000f
fbpattern=/mdev-ims/tests/tools/fbpattern

irq_count() {
	awk -v irq="$1:" '$1 == irq {
		n = 0
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i
		print n
	}' /proc/interrupts
}
irq_chip() {
	awk -v irq="$1:" '$1 == irq {
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) ;
		print $i, $(i + 1)
	}' /proc/interrupts
}

check mdpy-fb-load modprobe mdpy-fb
devs=
for d in /sys/bus/pci/devices/*; do
	[ "$(cut -c3- "$d/vendor"):$(cut -c3- "$d/device")" = $MDPY ] &&
		devs="$devs ${d##*/}"
done
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
	# The tick runs while the framebuffer is open.
	before=$(irq_count "$irq")
	exec 7<>"/dev/$fb"
	sleep 1
	exec 7<&-
	n=$(($(irq_count "$irq") - before))
	echo "# $fb ($mode): $n frame ticks in a second open"
	check "$mode-frame-ticks" test "$n" -gt 0
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
