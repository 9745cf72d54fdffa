#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest's VT-d unit is up and remaps interrupts: the parent domain that
# PCI/IMS needs, and the path every host-backed vector of the project takes.
. /mdev-ims/tests/lib/tap.sh

plan 3
check dmar-unit-registered test -e /sys/class/iommu/dmar0
check irq-remapping-enabled sh -c 'dmesg | grep -q "Enabled IRQ remapping"'
# The legacy serial line goes through the remapped IO-APIC domain.
check ioapic-lines-remapped grep -q 'IR-IO-APIC' /proc/interrupts
tap_done
