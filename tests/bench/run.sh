#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the bench's guest under TCG on q35 with a VT-d IOMMU doing interrupt
# remapping and (when QEMU has the model) the ims-accel device.
#
#   run.sh [--check PATTERN | --demo | --bench | --shell] [--boot PROFILE] stock|ims
#
# PROFILE is the machine: "base" (2 vCPUs, what most tests need), "wide"
# (16 vCPUs: x86 gives each CPU about 200 interrupt vectors, so arming
# thousands of host vectors at once needs more CPUs than TCG runs fast) or
# "debian" (the Debian root of rootfs.sh on a virtio disk, with udev,
# libvirt and mdevctl running, and memory for nested guests under TCG) or
# "msix" (base with a VT-d in caching mode, which refuses IMS, so that the
# ims kernel's debug options watch the MSI-X backing the stock kernel
# uses; its results are named <kernel>-msix:...).
# Tests ask for a profile with "BOOT: <profile>" (guest-tests.sh). One more
# profile is never booted here: "nested", the tests that a test of the
# debian boot runs in a nested guest of this kernel and initramfs
# (tests/guest/lib/vm.sh).
#
# With --check the guest runs the matching tests and this script prints one
# line per result, "RESULT ok|not ok|skip <kernel>:<area>/<case>[ # why]",
# for check.sh to number and count; comment lines start with '#'. The
# guest's console goes to a log that is scanned for kernel reports.
. "$(dirname "$0")/lib.sh"

usage="usage: run.sh [--check PATTERN | --demo | --bench | --shell] [--boot PROFILE] stock|ims"
mode=check
pattern='*'
boot=base
while [ $# -gt 1 ]; do
	case "$1" in
	--check) mode=check; pattern=${2:?$usage}; shift 2 ;;
	--demo) mode=demo; shift ;;
	--bench) mode=bench; shift ;;
	--shell) mode=shell; shift ;;
	--boot) boot=${2:?$usage}; shift 2 ;;
	*) die "$usage" ;;
	esac
done
flavour=${1:?$usage}
case "$boot" in
base) machine=(-smp 2 -m 3G) ;;
wide) machine=(-smp 16 -m 4G) ;;
debian) machine=(-smp 2 -m 6G) ;;
msix) machine=(-smp 2 -m 3G) ;;
*) die "unknown boot profile $boot" ;;
esac
[ "$boot" != msix ] || [ "$flavour" = ims ] ||
	die "the msix profile refuses IMS, which only the ims kernel has"
iommu=intel-iommu,intremap=on
[ "$boot" != msix ] || iommu=$iommu,caching-mode=on
label=$flavour
[ "$boot" != msix ] || label=$flavour-msix
# Results of a boot other than base carry its name, e.g. bench/guest-log-wide.
suffix=${boot#base}
suffix=${suffix:+-$suffix}

# check.sh prepares every kernel before the first boot.
[ -n "${MDEV_IMS_PREPARED:-}" ] || "$TOP/tests/bench/prepare.sh" "$flavour"

QEMU=$CACHE/qemu-build/qemu-system-x86_64
# The device the tests are written against; tests read it back from the
# kernel command line (mdev_ims.device=...).
IMS_ACCEL=${IMS_ACCEL:-wqs=256,ims=32768,msix=64}
# One directory per boot, so that concurrent runs keep their own logs.
mkdir -p "$CACHE/logs"
logdir=$(mktemp -d "$CACHE/logs/$(date +%Y%m%d-%H%M%S)-$flavour$suffix-$mode-XXXX")
ln -sfn "$logdir" "$CACHE/logs/latest-$flavour$suffix-$mode"
# Keep the newest 30, and any boot still writing to its logs: a directory's
# own time does not move while a long boot of another run appends to it.
ls -1dt "$CACHE"/logs/2*/ | tail -n +31 | while read -r old; do
	[ -n "$(find "$old" -mmin -$((GUEST_TIMEOUT / 60 + 1)) -print -quit)" ] ||
		rm -rf "$old"
done
console=$logdir/console.log

# -nodefaults: q35's default CD-ROM alone keeps SeaBIOS busy for 30 s.
# thread=single: every vCPU on one host thread, in turn, so that no race
# between TCG's vCPU threads can make a run differ from the next, and the
# host's other core runs the other kernel's guest (check.sh).
args=(-M q35 -accel tcg,thread=single -cpu max "${machine[@]}" -nodefaults -no-reboot -display none
	-nic none -L /usr/share/seabios -L /usr/share/qemu
	-device "$iommu"
	-kernel "$CACHE/kernel-$flavour/vmlinuz"
	-initrd "$CACHE/initramfs-$flavour.cpio.gz")
# no_timer_check: a loaded host can delay TCG's first timer interrupts
# past the kernel's check of the IO-APIC timer, which then panics.
# no5lvl: with 5-level paging, KASAN reads the paging depth from the CPU
# feature bits that identify_cpu() clears and fills again at boot; a timer
# interrupt in between made KASAN take the IRQ descriptor's address for a
# wild access. Nothing here needs 57-bit addresses.
cmdline="console=ttyS0 panic=-1 oops=panic no_timer_check no5lvl intel_iommu=on mdev_ims.mode=$mode"
cmdline="$cmdline mdev_ims.tests=$pattern mdev_ims.boot=$boot"
# The suite is written against the device; a QEMU without it would turn
# half the suite into skips, so that is an error, not a skip.
"$QEMU" -device help 2>/dev/null | grep -q '"ims-accel"' ||
	die "$QEMU has no ims-accel device (qemu/ not built into it?)"
args+=(-device "ims-accel,$IMS_ACCEL")
cmdline="$cmdline mdev_ims.device=$IMS_ACCEL"

if [ "$boot" = debian ]; then
	# Nested guests (tests/guest/lib/vm.sh) boot the stock kernel and
	# the small initramfs of initramfs.sh under TCG whatever this guest
	# runs: what is under test is this guest's kernel. Hard links, so a
	# rebuild during the boot does not change them under the guest.
	mkdir "$logdir/boot"
	ln -L "$CACHE/kernel-stock/vmlinuz" "$logdir/boot/vmlinuz"
	ln "$CACHE/initramfs-nested.cpio.gz" "$logdir/boot/initramfs.cpio.gz"
	cp "$CACHE/kernel-stock/release" "$logdir/boot/release"
	trap 'rm -rf "$logdir/boot"' EXIT
	# snapshot=on: the guest's writes go to a temporary overlay, so the
	# cached image stays as rootfs.sh made it.
	args+=(-drive "file=$(readlink -f "$CACHE/rootfs.img"),format=raw,if=virtio,snapshot=on"
		-virtfs "local,path=$logdir/boot,mount_tag=mdev-ims-boot,security_model=none,readonly=on")
fi

if [ "$mode" = shell ]; then
	"$QEMU" "${args[@]}" -append "$cmdline" -serial mon:stdio -serial null
	exit
fi

# Results arrive on the guest's second serial port, on our stdout; QEMU's
# own messages (an assertion, say) go to qemu.log beside the console.
start=$SECONDS
set +e
timeout -k 10 "$GUEST_TIMEOUT" "$QEMU" "${args[@]}" -append "$cmdline" \
	-serial "file:$console" -chardev stdio,id=results,signal=off \
	-serial chardev:results < /dev/null 2> "$logdir/qemu.log" |
	stdbuf -oL tr -d '\r' | tee "$logdir/results.log" |
	if [ "$mode" != check ]; then
		grep --line-buffered -v '^# mdev-ims:'
	else
		stream_awk -v kernel="$label" -v suffix="$suffix" \
			-f "$TOP/tests/bench/tap.awk"
	fi
status=${PIPESTATUS[0]}
set -e
echo "$status" > "$logdir/qemu.status"

[ "$mode" = check ] || exit "$status"
echo "# $flavour $boot boot: $((SECONDS - start)) s, QEMU exit status $status, logs in $logdir"
case "$status" in
0) ;;
124|137)
	echo "RESULT not ok $flavour:bench/guest-boot$suffix # the guest hung: killed after ${GUEST_TIMEOUT}s" ;;
*)
	echo "RESULT not ok $flavour:bench/guest-boot$suffix # QEMU exited with status $status"
	sed 's/^/#   qemu: /' "$logdir/qemu.log" | tail -n 20 ;;
esac
[ "$status" != 0 ] || [ ! -s "$logdir/qemu.log" ] ||
	sed 's/^/# qemu: /' "$logdir/qemu.log" | head -n 20
# Kernel reports anywhere in the guest's log fail the run.
"$TOP/tests/bench/scan-log.sh" "$flavour" "$console" "$suffix"
