#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the bench needs from Debian's packages. Extra suites come in
# through our own sources and pin files, pinned below the base system so
# nothing of the machine is upgraded by them; only missing packages are
# installed, so nothing installed is upgraded either.
. "$(dirname "$0")/lib.sh"

PACKAGES=(build-essential bc bison flex cpio kmod rsync xz-utils zstd
	libelf-dev libssl-dev dwarves python3 python3-venv
	libglib2.0-dev libpixman-1-dev libfdt-dev libslirp-dev ninja-build
	python3-pycotap dpkg-dev busybox-static seabios qemu-system-data
	ipxe-qemu sparse debootstrap e2fsprogs)
# QEMU 10 wants meson 1.5 or later; bookworm has 1.0.
MESON_MIN=1.5

STAMP=$CACHE/deps.stamp
key=$(inputs_key "$TOP/tests/bench/deps.sh")

# The packages of PACKAGES not installed, and meson when too old.
missing() {
	local installed ver
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" \
		2>/dev/null | awk '$2 == "ii" { print $1 }')
	printf '%s\n' "${PACKAGES[@]}" | grep -vxF -f <(echo "$installed") || true
	ver=$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}' meson 2>/dev/null || true)
	case "$ver" in
	ii*) dpkg --compare-versions "${ver#*|}" ge "$MESON_MIN" || echo meson ;;
	*) echo meson ;;
	esac
}

# Checked every run: a package removed since the last one comes back.
need=$(missing | paste -sd' ')
if [ -z "$need" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$key" ]; then
	exit 0
fi

[ "$(id -u)" = 0 ] || die "deps needs root (apt-get)${need:+ for: $need}"

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
# New sources need new lists, and lists older than a day may name
# versions the mirror has dropped since.
if [ "$(cat "$STAMP" 2>/dev/null)" != "$key" ] ||
   [ -z "$(find "$CACHE/apt-lists.stamp" -mmin -1440 2>/dev/null)" ]; then
	apt_refresh || die "apt-get update failed"
fi

# --no-upgrade: what is installed already stays as it is. meson comes
# from bookworm-backports, and is upgraded there when too old.
install_missing() {
	local base=() p
	for p in $need; do [ "$p" = meson ] || base+=("$p"); done
	if [ ${#base[@]} -gt 0 ]; then
		apt-get install -y -qq --no-install-recommends --no-upgrade \
			"${base[@]}" >/dev/null || return 1
	fi
	case " $need " in
	*" meson "*) apt-get install -y -qq --no-install-recommends \
		-t bookworm-backports meson >/dev/null || return 1 ;;
	esac
}
if [ -n "$need" ]; then
	log "installing: $need"
	# A failed install may be lists that miss a package or name a version
	# gone from the mirror: refresh them, once, and try again.
	install_missing || { apt_refresh && install_missing; } ||
		die "cannot install: $need"
fi
need=$(missing | paste -sd' ')
[ -z "$need" ] || die "still missing after apt-get install: $need"
echo "$key" > "$STAMP"
log "dependencies installed"
