# SPDX-License-Identifier: GPL-2.0
# Interrupt counts and PCI devices for the shell tests, host or nested
# guest. POSIX sh (dash, busybox).

# irq_count <irq|action>: what /proc/interrupts counted, summed over the
# CPUs, for IRQ number <irq> or for the IRQ whose action is <action>.
irq_count() {
	awk -v key="$1" '$1 == key ":" || $NF == key {
		n = 0
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i
		print n
		exit
	}' /proc/interrupts
}

# irq_chip <irq>: the chip and the hardware IRQ /proc/interrupts shows for
# IRQ number <irq>, such as "IO-APIC 11-fasteoi" or "PCI-MSI-<bdf> 0-edge".
irq_chip() {
	awk -v irq="$1:" '$1 == irq {
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) ;
		print $i, $(i + 1)
	}' /proc/interrupts
}

# pci_devices <vendor>:<device>: the addresses of the PCI functions with
# these IDs (hex, without 0x), one a line.
pci_devices() {
	for _irq_d in /sys/bus/pci/devices/*; do
		[ "$(cut -c3- "$_irq_d/vendor"):$(cut -c3- "$_irq_d/device")" = "$1" ] &&
			echo "${_irq_d##*/}"
	done
}

# ims_accel_host_counts <uuid> <m> <events before>: what the host counted
# for an ims-accel instance given to a nested guest, in the words of
# vm/ims-accel-guest's "host-counts" request: the interrupts of the
# instance's vectors 1..<m>, and the function's event interrupts since
# <events before>.
ims_accel_host_counts() {
	_irq_v=1
	while [ $_irq_v -le "$2" ]; do
		printf '%d ' "$(irq_count "vfio-irqs-msix[$_irq_v]($1)")"
		_irq_v=$((_irq_v + 1))
	done
	echo $(($(irq_count ims_accel-event) - $3))
}

# ims_accel_host_counts_hook <uuid> <m> <events before> <request...>: a
# VM_HOOK body for vm/ims-accel-guest's "host-counts <vector 1..m>
# <events>": case ims-accel-host-vector-counts, and the status, pass when
# the host counted what the nested guest did. Source tap.sh first.
ims_accel_host_counts_hook() {
	[ "$4" = host-counts ] || return 127
	_irq_host=$(ims_accel_host_counts "$1" "$2" "$3")
	shift 4
	check_eq ims-accel-host-vector-counts "$*" "$_irq_host"
	[ "$*" = "$_irq_host" ]
}
