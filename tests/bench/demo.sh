#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot the bench's guest on its Debian root and let
# tests/guest/demo.sh show the project at work: ims-accel instances made
# through sysfs, mdevctl and virsh, used through VFIO, mtty and mdpy on the
# same frontend, and an instance owned by a nested VM.
#
# DEMO_KERNEL picks the kernel, or kernels one after the other ("ims
# stock"). The ims kernel by default: its instances' vectors are host IMS
# vectors, which is the point of the project; the stock kernel has no
# PCI/IMS and backs them with the function's MSI-X vectors instead.
. "$(dirname "$0")/lib.sh"

kernels=${DEMO_KERNEL:-ims}
for kernel in $kernels; do
	case "$kernel" in
	stock | ims) ;;
	*) die "DEMO_KERNEL: ims, stock or both ('ims stock'), not '$kernel'" ;;
	esac
done
for kernel in $kernels; do
	log "the demo on the $kernel kernel, under TCG; a first run builds everything first (see README.md)"
	start=$SECONDS
	status=0
	"$TOP/tests/bench/run.sh" --demo --boot debian "$kernel" || status=$?
	logdir=$(readlink -f "$CACHE/logs/latest-$kernel-debian-demo")
	[ "$status" = 0 ] || die "QEMU exited with status $status; logs in $logdir"
	# The guest powers off whatever its script did: a failed step, a demo
	# that stopped early or a kernel report must not look like a success.
	last=$(grep -v '^# mdev-ims:' "$logdir/results.log" | tail -n 1)
	case "$last" in
	"demo: every step worked") ;;
	"demo: FAILED: "*) die "${last#demo: }; logs in $logdir" ;;
	*) die "the demo stopped before its end; logs in $logdir" ;;
	esac
	report=$("$TOP/tests/bench/scan-log.sh" "$kernel" "$logdir/console.log")
	[[ "$report" == "RESULT ok "* ]] ||
		die "the guest's kernel log is not clean: ${report#RESULT not ok }"
	log "the $kernel kernel's demo took $((SECONDS - start)) s; logs in $logdir"
done
