#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: boot the ims kernel, whose build carries the kernel's own
# mtty and mdpy samples as the upstream baseline, and let
# tests/guest/bench.sh measure them against the project's rewrites in the
# same guest. Prints the table of ratios; asserts nothing.
. "$(dirname "$0")/lib.sh"

log "booting the ims kernel under TCG to measure; the first run builds everything (see README.md)"
"$TOP/tests/bench/run.sh" --bench ims
