#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# KERNELS: stock
# TIMEOUT: 300
# Auto-start for real: mdevctl 1.2.0 starts the "auto" definitions of a
# parent from its udev rule (60-mdevctl.rules), which runs "mdevctl
# start-parent-mdevs <parent>" on the parent's change uevent with
# MDEV_STATE=registered (sent by mdev_register_parent) and on its add
# uevent. Each parent is taken away and brought back in turn, with udevd
# running: the ims-accel function unbound from and bound to its driver,
# mtty and mdpy unloaded and loaded. Its auto definition comes up with
# its type, its manual one does not, and no other parent's does.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/mdevctl.sh

trap mdevctl_cleanup EXIT

# The program mdevctl's udev rule runs when a parent registers (Debian's
# package needs a link for it, which tests/bench/rootfs.sh adds).
rule_prog=$(grep -o '/[a-z/]*bin/mdevctl' /lib/udev/rules.d/60-mdevctl.rules |
	head -n 1)
# Nine cases a parent, eleven more.
plan $((11 + 9 * $(parent_count)))
check udev-rule-runs-mdevctl test -x "${rule_prog:-/nonexistent}"

# take_away / bring_back <parent>
take_away() {
	case "$1" in
	mtty | mdpy) rmmod "$1" ;;
	*) echo "$1" > /sys/bus/pci/drivers/ims_accel/unbind ;;
	esac
	udevadm settle
}
bring_back() {
	case "$1" in
	mtty | mdpy) modprobe "$1" ;;
	*) echo "$1" > /sys/bus/pci/drivers/ims_accel/bind ;;
	esac
	udevadm settle
}
# wait_instance <uuid>: udev has run the rule once settle returns; allow
# a few seconds more for a loaded machine.
wait_instance() {
	i=0
	while [ ! -e "/sys/bus/mdev/devices/$1" ] && [ $i -lt 10 ]; do
		sleep 1
		i=$((i + 1))
	done
}

check autostart-parents-present mdevctl_parents
check autostart-start-clean clean_state
check udev-rule grep -q 'ENV{MDEV_STATE}=="registered".*mdevctl start-parent-mdevs %k' \
	/lib/udev/rules.d/60-mdevctl.rules
check udevd-running pgrep -x systemd-udevd

# An auto and a manual definition on every parent.
for p in $PARENTS; do
	a=$(new_uuid)
	m=$(new_uuid)
	track "$a" "$m"
	eval "auto_$(pname "$p" | tr - _)=$a manual_$(pname "$p" | tr - _)=$m"
	mdevctl define -a -p "$p" -t "$(type_a "$p")" -u "$a"
	mdevctl define -p "$p" -t "$(type_b "$p")" -u "$m"
done
defined=$(mdevctl list --defined)
check_eq defined-nothing-started "" "$(ls /sys/bus/mdev/devices)"

for p in $PARENTS; do
	n=$(pname "$p")
	eval "a=\$auto_$(echo $n | tr - _) m=\$manual_$(echo $n | tr - _)"
	ta=$(type_a "$p")

	check "$n-take-away" take_away "$p"
	check "$n-gone" test ! -e "/sys/class/mdev_bus/$p"
	check_eq "$n-definitions-kept" "$defined" "$(mdevctl list --defined)"
	check "$n-bring-back" bring_back "$p"
	wait_instance "$a"
	check_eq "$n-auto-started" "$p $ta" "$(instance_of "$a")"
	check_eq "$n-manual-not-started" none "$(instance_of "$m")"
	check_eq "$n-only-its-own" "$a" "$(ls /sys/bus/mdev/devices)"
	check_eq "$n-list" "$a $p $ta auto (defined)" "$(mdevctl list)"
	run mdevctl stop -u "$a"
	check_eq "$n-auto-stop" "0:none" "$rc:$out$(instance_of "$a")"
done

# Without definitions, bringing a parent back starts nothing.
for p in $PARENTS; do
	eval "a=\$auto_$(pname "$p" | tr - _) m=\$manual_$(pname "$p" | tr - _)"
	mdevctl undefine -u "$a"
	mdevctl undefine -u "$m"
done
check_eq undefined-all "" "$(mdevctl list --defined)"
p=mtty
check undefined-take-away take_away $p
check undefined-bring-back bring_back $p
check_eq undefined-nothing-started "" "$(ls /sys/bus/mdev/devices)"

check autostart-end-clean clean_state
tap_done
