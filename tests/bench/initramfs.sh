#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Assemble the guest's initramfs for one kernel: busybox, the kernel
# modules the tests need (decompressed, with a fresh modules.dep), the
# project's modules under updates/ (so modprobe prefers them over a kernel
# sample of the same name), the test suite and the in-guest runner.
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: initramfs.sh stock|ims}
kernel=$CACHE/kernel-$flavour
release=$(cat "$kernel/release")
moddir=$kernel/modroot/lib/modules/$release
out=$CACHE/initramfs-$flavour.cpio.gz
root=$CACHE/initramfs-$flavour.d
lock "initramfs-$flavour"

# Kernel modules the guest may load, with everything they depend on; the
# debian profile's init mounts its root (virtio_blk, ext4 and the crc32c
# it asks the crypto API for) and the host's boot files (9p).
WANTED="vfio vfio_iommu_type1 vfio-pci mdev kvm kvm_amd kvm_intel irqbypass
	mtty mdpy mdpy-fb virtio_blk ext4 crc32c_generic 9p 9pnet_virtio"

[ -f "$moddir/modules.dep" ] || depmod -b "$kernel/modroot" "$release"

rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,etc,mdev-ims} "$root/lib/modules/$release"
cp /bin/busybox "$root/bin/busybox"
for m in $WANTED; do
	modprobe -d "$kernel/modroot" -S "$release" --show-depends "$m" 2>/dev/null || true
done | awk '$1 == "insmod" { print $2 }' | sort -u | while read -r ko; do
	rel=${ko#"$moddir"/}
	dst=$root/lib/modules/$release/${rel%.xz}
	mkdir -p "$(dirname "$dst")"
	case "$ko" in
	*.xz) xz -dc "$ko" > "$dst" ;;
	*.zst) zstd -qdc "$ko" > "$dst" ;;
	*) cp "$ko" "$dst" ;;
	esac
done
cp "$moddir"/modules.builtin* "$moddir"/modules.order "$root/lib/modules/$release/" 2>/dev/null || true
mkdir -p "$root/lib/modules/$release/updates"
: > "$root/mdev-ims/modules.list"
for ko in "$CACHE/modules-$flavour/ko/"*.ko; do
	[ -f "$ko" ] || continue
	cp "$ko" "$root/lib/modules/$release/updates/"
	basename "$ko" .ko >> "$root/mdev-ims/modules.list"
done
depmod -b "$root" "$release"

cp -a "$CACHE/guest-tests" "$root/mdev-ims/tests"
install -m 0755 "$TOP/tests/guest/init" "$root/init"
install -m 0755 "$TOP/tests/guest/runner.sh" "$root/mdev-ims/runner.sh"
install -m 0755 "$TOP/tests/guest/debian-init" "$root/mdev-ims/debian-init"
install -m 0755 "$TOP/tests/guest/demo.sh" "$root/mdev-ims/demo.sh"
install -m 0755 "$TOP/tests/guest/bench.sh" "$root/mdev-ims/bench.sh"
echo "$flavour" > "$root/mdev-ims/kernel"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
