#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot the bench's guest on its Debian root (the stock kernel,
# or DEMO_KERNEL) and let tests/guest/demo.sh show the project at work:
# every parent sliced, each instance used through VFIO, then a nested VM
# under KVM that owns an ims-accel instance.
. "$(dirname "$0")/lib.sh"

kernel=${DEMO_KERNEL:-stock}
log "booting the $kernel kernel under TCG; the first run builds everything (see README.md)"
"$TOP/tests/bench/run.sh" --demo --boot debian "$kernel"
