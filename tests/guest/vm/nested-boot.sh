#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# TIMEOUT: 600
# Debian's QEMU boots a nested guest under TCG with the bench's stock
# kernel and initramfs (run.sh shares them in /mdev-ims/boot), whose
# runner reports on the nested guest's second serial port: the way nested
# tests boot (tests/guest/lib/vm.sh), here with no test to run.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/vm.sh

vm_boot nested-boot none
check_eq nested-qemu-exit 0 $?
check_eq nested-powered-off guest-shutdown "$(vm_end_reason)"
dir=$VM_DIR/nested-boot
check nested-kernel-runs-init grep -q 'Run /init as init process' "$dir/console.log"
check_eq nested-runner-kernel "# mdev-ims: kernel $(cat "$VM_BOOT_DIR/release")" \
	"$(grep '^# mdev-ims: kernel' "$dir/results.log" | tr -d '\r')"
if grep -q '^# mdev-ims: done' "$dir/results.log"; then
	ok nested-runner-done
else
	not_ok nested-runner-done "the nested guest's runner did not finish"
	tail -n 20 "$dir/console.log" "$dir/qemu.log" | sed 's/^/# /'
fi
vm_check_console nested-log-clean "$dir/console.log"
vm_check_qemu nested-qemu-quiet "$dir/qemu.log"
tap_done
