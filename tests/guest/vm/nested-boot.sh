#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# TIMEOUT: 400
# The debian guest has a working /dev/kvm (TCG's -cpu max offers SVM), and
# Debian's QEMU boots a nested guest under KVM with the bench's kernel and
# initramfs (run.sh shares them in /mdev-ims/boot), whose runner reports
# on the nested guest's second serial port: the way nested tests boot.
. /mdev-ims/tests/lib/tap.sh

dir=/tmp/nested-boot
rm -rf $dir
mkdir -p $dir

check kvm-amd-load modprobe kvm_amd
check dev-kvm test -c /dev/kvm
check qemu-accel-kvm sh -c "echo quit | qemu-system-x86_64 -M none -accel kvm \
	-nodefaults -display none -monitor stdio"

start=$(cut -d' ' -f1 /proc/uptime)
timeout -s KILL 300 qemu-system-x86_64 -M q35 -accel kvm -cpu host -smp 1 \
	-m 1G -nodefaults -no-reboot -display none -nic none \
	-kernel /mdev-ims/boot/vmlinuz -initrd /mdev-ims/boot/initramfs.cpio.gz \
	-append "console=ttyS0 panic=-1 oops=panic mdev_ims.mode=check mdev_ims.tests=none mdev_ims.boot=base" \
	-serial file:$dir/console.log -serial file:$dir/results.log \
	> $dir/qemu.log 2>&1
rc=$?
end=$(cut -d' ' -f1 /proc/uptime)
echo "# nested guest: $(echo "$start $end" | awk '{ print $2 - $1 }') s from QEMU's start to its exit"
check_eq nested-qemu-exit 0 "$rc"
check nested-kernel-runs-init grep -q 'Run /init as init process' $dir/console.log
check_eq nested-runner-kernel "# mdev-ims: kernel $(uname -r)" \
	"$(grep '^# mdev-ims: kernel' $dir/results.log | tr -d '\r')"
if grep -q '^# mdev-ims: done' $dir/results.log; then
	ok nested-runner-done
else
	not_ok nested-runner-done "the nested guest's runner did not finish"
	tail -n 20 $dir/console.log $dir/qemu.log | sed 's/^/# /'
fi
if grep -Eq 'Oops|BUG:|WARNING:|Kernel panic|Call Trace:' $dir/console.log; then
	not_ok nested-log-clean "kernel reports in the nested guest's log"
	grep -E -A 12 'Oops|BUG:|WARNING:|Kernel panic|Call Trace:' $dir/console.log |
		head -n 40 | sed 's/^/# /'
else
	ok nested-log-clean
fi
tap_done
