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

# Nested guests (tests/guest/lib/vm.sh) boot the stock kernel with an
# initramfs of their own: TCG inside TCG unpacks every byte slowly, and
# they need only busybox, the nested side of the tests (BOOT: nested),
# the demo, its tools and the guest drivers of our devices.
NESTED_MODULES="iav_guest mdpy-fb"
nested() {
	local nroot=$CACHE/initramfs-nested.d nout=$CACHE/initramfs-nested.cpio.gz
	local tests=$nroot/mdev-ims/tests m name timeout path boot kernels
	rm -rf "$nroot"
	mkdir -p "$nroot"/{bin,dev,proc,sys,tmp,run,etc} "$tests" \
		"$nroot/lib/modules/$release/updates"
	cp /bin/busybox "$nroot/bin/busybox"
	cp "$moddir"/modules.builtin* "$moddir"/modules.order \
		"$nroot/lib/modules/$release/"
	for m in $NESTED_MODULES; do
		[ -z "$(modinfo -F depends "$root/lib/modules/$release/updates/$m.ko")" ] ||
			die "$m.ko depends on modules the nested initramfs lacks"
		cp "$root/lib/modules/$release/updates/$m.ko" \
			"$nroot/lib/modules/$release/updates/"
	done
	depmod -b "$nroot" "$release"
	cp -a "$root/mdev-ims/tests/lib" "$root/mdev-ims/tests/tools" "$tests/"
	awk '$4 == "nested"' "$root/mdev-ims/tests/manifest" > "$tests/manifest"
	while read -r name timeout path boot kernels; do
		install -D "$root$path" "$nroot$path"
	done < "$tests/manifest"
	[ -s "$tests/manifest" ] || die "no nested test in the suite's manifest"
	cp -a "$root/init" "$root/mdev-ims/runner.sh" "$root/mdev-ims/demo.sh" \
		"$root/mdev-ims/kernel" "$nroot/mdev-ims/"
	mv "$nroot/mdev-ims/init" "$nroot/init"
	(cd "$nroot" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) > "$nout.tmp"
	mv "$nout.tmp" "$nout"
}
[ "$flavour" != stock ] || nested
