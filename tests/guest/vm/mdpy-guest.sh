#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: nested
# The nested side of vm/mdpy: mdpy-fb binds every mdpy instance vm/mdpy
# assigned, the frame tick comes as MSIs while a framebuffer is open, and
# the test pattern drawn on each framebuffer is what QEMU's display of it
# shows: vm/mdpy takes the screendumps and compares them pixel by pixel.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/vm.sh
. /mdev-ims/tests/lib/irq.sh

MDPY=1b36:000f
fbpattern=/mdev-ims/tests/tools/fbpattern

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
