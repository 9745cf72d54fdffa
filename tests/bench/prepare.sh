#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Everything a guest of one kernel needs: QEMU, the kernel, the project's
# modules, the test suite, the initramfs, and for the debian boot the
# Debian image and the stock kernel its nested guests boot. Each step is
# cached, so all of it is ready before the first boot.
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: prepare.sh stock|ims}
B=$TOP/tests/bench
"$B/deps.sh"
"$B/qemu.sh"
"$B/kernel.sh" uapi
"$B/guest-tests.sh"
for k in $(printf '%s\n' "$flavour" stock | sort -u); do
	"$B/kernel.sh" "$k"
	"$B/modules.sh" "$k"
	"$B/initramfs.sh" "$k"
done
"$B/rootfs.sh"
