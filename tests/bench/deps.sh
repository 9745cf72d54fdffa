#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the bench needs from Debian's packages. Extra suites come in
# through our own sources and pin files, pinned below the base system so
# nothing of the machine is upgraded by them.
. "$(dirname "$0")/lib.sh"

STAMP=$CACHE/deps.stamp
key=$(inputs_key "$0")
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$key" ]; then
	exit 0
fi

[ "$(id -u)" = 0 ] || die "deps needs root (apt-get)"

cat > /etc/apt/sources.list.d/mdev-ims.sources <<'SRC'
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
cat > /etc/apt/preferences.d/mdev-ims.pref <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 50

Package: *
Pin: release n=bookworm-backports
Pin-Priority: 100
PIN

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential bc bison flex cpio kmod rsync xz-utils zstd \
	libelf-dev libssl-dev dwarves python3 python3-venv \
	libglib2.0-dev libpixman-1-dev libfdt-dev libslirp-dev ninja-build \
	python3-pycotap dpkg-dev busybox-static seabios qemu-system-data \
	ipxe-qemu sparse debootstrap e2fsprogs >/dev/null
apt-get install -y -qq --no-install-recommends -t bookworm-backports \
	meson >/dev/null
echo "$key" > "$STAMP"
log "dependencies installed"
