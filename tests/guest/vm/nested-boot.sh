#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# TIMEOUT: 600
# The debian guest has a working /dev/kvm (TCG's -cpu max offers SVM), and
# Debian's QEMU boots a nested guest under KVM with the bench's kernel and
# initramfs (run.sh shares them in /mdev-ims/boot), whose runner reports
# on the nested guest's second serial port: the way nested tests boot
# (tests/guest/lib/vm.sh), here with no test to run.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/vm.sh

check kvm-amd-load modprobe kvm_amd
check dev-kvm test -c /dev/kvm
check qemu-accel-kvm sh -c "echo quit | qemu-system-x86_64 -M none -accel kvm \
	-nodefaults -display none -monitor stdio"

vm_boot nested-boot none
check_eq nested-qemu-exit 0 $?
dir=$VM_DIR/nested-boot
vm_retry_if_lost "$dir" nested-boot
check nested-kernel-runs-init grep -q 'Run /init as init process' "$dir/console.log"
check_eq nested-runner-kernel "# mdev-ims: kernel $(uname -r)" \
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
