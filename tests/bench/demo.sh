#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot the bench's guest (the ims kernel when it is built or
# DEMO_KERNEL says so, else stock) and let tests/guest/demo.sh show the
# project at work.
. "$(dirname "$0")/lib.sh"

kernel=${DEMO_KERNEL:-stock}
log "booting the $kernel kernel under TCG; the first run builds everything (see README.md)"
"$TOP/tests/bench/run.sh" --demo "$kernel"
