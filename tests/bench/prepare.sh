#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Everything a guest of one kernel needs: QEMU, the kernel, the project's
# modules, the test suite and the initramfs. Each step is cached.
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: prepare.sh stock|ims}
B=$TOP/tests/bench
"$B/deps.sh"
"$B/qemu.sh"
"$B/kernel.sh" "$flavour"
"$B/kernel.sh" uapi
"$B/modules.sh" "$flavour"
"$B/guest-tests.sh"
"$B/initramfs.sh" "$flavour"
