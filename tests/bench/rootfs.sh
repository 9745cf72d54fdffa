#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A Debian root filesystem for the bench's "debian" boot profile: bookworm
# with QEMU, libvirt (libvirtd, virtlogd, virsh) and mdevctl, made with
# debootstrap and packed into a raw ext4 image without loop mounts:
# $CACHE/rootfs-<key>.img, linked from $CACHE/rootfs.img. It holds nothing
# of the project: the guest's init copies the booted kernel's modules and
# the test suite in at boot, so the image only changes with this script.
. "$(dirname "$0")/lib.sh"

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Only Depends are followed (debootstrap ignores Recommends), which keeps
# out libvirt's network and storage extras and QEMU's GUI.
PACKAGES="qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu
	libvirt-clients mdevctl udev kmod procps jq"
# Room for what the guest writes at run time (modules, tests, libvirt's
# caches and logs); the image file is sparse, so it costs nothing unused.
SPARE_MB=1024

key=$(inputs_key "$0")
img=$CACHE/rootfs-$key.img
lock rootfs
if [ -f "$img" ]; then
	ln -sfn "rootfs-$key.img" "$CACHE/rootfs.img"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "rootfs needs root (debootstrap)"
command -v debootstrap >/dev/null || die "debootstrap missing (tests/bench/deps.sh)"

tree=$CACHE/rootfs-$key.d
# debootstrap mounts proc and sys inside the tree; a run that was killed
# may have left them there, and rm must never walk into them.
cleanup() {
	findmnt -rn -o TARGET | { grep -F "$tree/" || true; } | sort -r |
		xargs -r umount -l
	rm -rf --one-file-system "$tree"
}
cleanup
trap cleanup EXIT
mkdir -p "$CACHE/dl/debootstrap"

start=$SECONDS
log "debootstrapping Debian $SUITE for the debian profile (about a minute)"
# shellcheck disable=SC2086
debootstrap --variant=minbase --include="$(echo $PACKAGES | tr ' ' ,)" \
	--cache-dir="$CACHE/dl/debootstrap" "$SUITE" "$tree" "$MIRROR" \
	> "$CACHE/rootfs.log" 2>&1 < /dev/null ||
	{ tail -n 20 "$CACHE/rootfs.log" >&2; die "debootstrap failed (log: $CACHE/rootfs.log)"; }

# The guest boots without systemd: libvirtd runs QEMU as root, with no
# mount namespace, cgroups or security driver to set up, and answers root
# on its socket without polkit.
mkdir -p "$tree/etc/libvirt" "$tree/var/lib/libvirt" \
	"$tree/var/cache/libvirt" "$tree/var/log/libvirt"
cat > "$tree/etc/libvirt/libvirtd.conf" <<'CONF'
# mdev-ims bench (tests/bench/rootfs.sh)
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
cat > "$tree/etc/libvirt/virtlogd.conf" <<'CONF'
# mdev-ims bench (tests/bench/rootfs.sh)
log_outputs = "3:file:/var/log/libvirt/virtlogd.log"
CONF
cat > "$tree/etc/libvirt/qemu.conf" <<'CONF'
# mdev-ims bench (tests/bench/rootfs.sh)
user = "root"
group = "root"
namespaces = []
cgroup_controllers = []
security_driver = "none"
remember_owner = 0
CONF
# libvirtd looks up its built-in QEMU user and group (Debian's) before it
# reads qemu.conf and gives up when they are missing; libvirt-daemon-system,
# which would add them, brings polkit, dnsmasq and iptables along.
chroot "$tree" groupadd --system libvirt-qemu
chroot "$tree" useradd --system --gid libvirt-qemu --groups kvm \
	--home-dir /var/lib/libvirt --no-create-home --shell /usr/sbin/nologin \
	libvirt-qemu
# libvirt-daemon-config-network is not installed, so there is no default
# network to autostart; nested guests run with no NIC.
[ ! -e "$tree/etc/libvirt/qemu/networks/autostart" ] ||
	die "the image would autostart a libvirt network"
# Debian's mdevctl 1.2.0-3 installs /usr/bin/mdevctl while its udev rule
# runs /usr/sbin/mdevctl, so as packaged no defined device ever starts
# with its parent (upstream mdevctl issue #82): the link an admin adds.
[ -e "$tree/usr/sbin/mdevctl" ] || ln -s ../bin/mdevctl "$tree/usr/sbin/mdevctl"
echo mdev-ims-debian > "$tree/etc/hostname"
rm -f "$tree/etc/resolv.conf"
: > "$tree/etc/fstab"
mkdir -p "$tree/mdev-ims"

# Nothing in the guest reads documentation or translations, and the guest
# has no network to use apt's lists with.
find "$tree/usr/share/doc" -type f ! -name copyright -delete
rm -rf "$tree"/usr/share/{man,info,locale}/* "$tree"/var/lib/apt/lists/* \
	"$tree"/var/cache/apt/* "$tree"/var/cache/debconf/*-old \
	"$tree"/var/log/*.log "$tree"/var/log/apt/*

# The image is attached with snapshot=on, so it is never written and a
# journal would only cost space.
used=$(du -sm --one-file-system "$tree" | cut -f1)
mkfs.ext4 -q -F -L mdev-ims-root -O ^has_journal -d "$tree" \
	"$img.tmp" "$((used + used / 10 + SPARE_MB))M" >/dev/null ||
	die "mkfs.ext4 -d failed"
mv "$img.tmp" "$img"
ln -sfn "rootfs-$key.img" "$CACHE/rootfs.img"
find "$CACHE" -maxdepth 1 -name 'rootfs-*.img' ! -name "rootfs-$key.img" -delete
log "rootfs: $img, $(du -h "$img" | cut -f1) used of $((used + used / 10 + SPARE_MB)) MiB, in $((SECONDS - start)) s"
