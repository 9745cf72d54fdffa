# SPDX-License-Identifier: GPL-2.0
# What a kernel prints when something is wrong, as one extended regular
# expression: the one list that the bench's scan of a guest's console
# (tests/bench/scan-log.sh) and of a nested guest's (vm.sh) both read.
# Sourced by sh and bash alike.
#
# Besides oopses, BUGs (KFENCE and soft lockups among them), WARNs and
# the debug options' reports: RCU stalls, hard lockups, interrupts that
# arrive where no handler or no remapping entry is (the bugs an interrupt
# frontend makes), DMA remapping faults, and user space killed by a
# fault (a test program that crashed); and runner.sh's word that lockdep
# turned itself off.
KERNEL_REPORTS='(Oops|BUG:|WARNING:|KASAN|UBSAN:|kernel BUG|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|INFO: task .* blocked for more than|unreferenced object|suspected memory leak|Kernel panic|Call Trace:|rcu: INFO: .*detected stall|self-detected stall|hard LOCKUP|No irq handler for vector|unexpected IRQ trap|spurious APIC interrupt|nobody cared|DMAR: \[(DMA|INTR-REMAP)|DMAR: DRHD: handling fault|segfault at|traps: .*(general protection|trap )|Bad page state|list_(add|del) corruption|ODEBUG:|lockdep is off)'
