#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build QEMU for x86_64 from Debian's source package plus the project's
# qemu/ tree. The unpacked source is a git repository so that the project's
# glue patches and files can be put back on a clean tree every time while
# the build directory stays warm (only what changed is rebuilt).
. "$(dirname "$0")/lib.sh"

QEMU_PKG=${QEMU_PKG:-qemu/trixie}
SRCROOT=$CACHE/qemu
OVERLAY=$TOP/qemu

mkdir -p "$SRCROOT"
lock qemu
cd "$SRCROOT"

dsc=$(ls -1 qemu_*.dsc 2>/dev/null | tail -n 1 || true)
if [ -z "$dsc" ]; then
	log "fetching QEMU source ($QEMU_PKG)"
	apt-get source --download-only -qq "$QEMU_PKG" >/dev/null 2>&1 ||
		die "apt-get source $QEMU_PKG failed"
	dsc=$(ls -1 qemu_*.dsc | tail -n 1)
fi
orig=$(ls -1 qemu_*.orig.tar.* | grep -v '\.asc$' | tail -n 1)
upver=${orig#qemu_}; upver=${upver%.orig.tar.*}
SRC=$SRCROOT/src-$upver
BUILD=$SRCROOT/build-$upver

if [ ! -d "$SRC/.git" ]; then
	log "unpacking QEMU $upver"
	rm -rf "$SRC" "$BUILD"
	mkdir -p "$SRC"
	tar -xf "$orig" -C "$SRC" --strip-components=1
	# The +ds tarball lacks the edk2 firmware blobs; we use Debian's
	# seabios and ROMs at run time, so do not try to unpack them.
	sed -i 's/^\( *unpack_edk2_blobs = \).*/\1false/' \
		"$SRC/meson.build"
	git -C "$SRC" init -q
	git -C "$SRC" add -A
	git -C "$SRC" -c user.name=bench -c user.email=bench@localhost \
		commit -qm "QEMU $upver as unpacked"
fi

# Remember the content and mtime of every file the last run changed, so
# that files coming back with the same content keep their mtime and ninja
# (and meson, for patched meson.build files) does not redo work.
UAPI_HDR=$TOP/include/uapi/linux/ims_accel.h
stamps=$(mktemp)
trap 'rm -f "$stamps"' EXIT
(cd "$SRC" && git ls-files -m -o --exclude-standard -z |
	xargs -0r stat -c '%Y %n' | while read -r t f; do
		printf '%s %s %s\n' "$t" "$(sha256sum <"$f" | cut -c1-64)" "$f"
	done) >"$stamps"

# Put the project's tree on a clean source: files under qemu/src/ are
# copied to the same paths, then qemu/patches/series is applied. The
# device's register header is shared with the kernel driver and lives in
# include/uapi; QEMU includes it as a standard header.
git -C "$SRC" checkout -q -- .
git -C "$SRC" clean -fdq
if [ -d "$OVERLAY/src" ]; then
	cp -a "$OVERLAY/src/." "$SRC/"
fi
if [ -f "$UAPI_HDR" ]; then
	cp -a "$UAPI_HDR" "$SRC/include/standard-headers/linux/"
fi
if [ -f "$OVERLAY/patches/series" ]; then
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		git -C "$SRC" apply --whitespace=nowarn "$OVERLAY/patches/$p" ||
			die "QEMU patch $p does not apply"
	done < "$OVERLAY/patches/series"
fi
while read -r t sum f; do
	if [ -f "$SRC/$f" ] &&
	   [ "$(sha256sum <"$SRC/$f" | cut -c1-64)" = "$sum" ]; then
		touch -d "@$t" "$SRC/$f"
	fi
done <"$stamps"
# The +ds source has no firmware blobs. An emulator run from the build
# tree (the qtests) looks in the build's qemu-bundle data directory, so
# link Debian's seabios and qemu-system-data files there.
link_firmware() {
	local dir=$BUILD/qemu-bundle/usr/local/share/qemu fw
	mkdir -p "$dir"
	for fw in /usr/share/seabios/* /usr/share/qemu/*; do
		[ -f "$fw" ] || continue
		[ -e "$dir/${fw##*/}" ] || ln -s "$fw" "$dir/"
	done
}

# Nothing to do when neither the project's tree nor QEMU moved.
key=$(inputs_key "$OVERLAY" "$UAPI_HDR" "$upver")
if [ -x "$BUILD/qemu-system-x86_64" ] && [ -f "$BUILD/.mdev-ims-key" ] &&
   [ "$(cat "$BUILD/.mdev-ims-key")" = "$key" ]; then
	link_firmware
	exit 0
fi

if [ ! -f "$BUILD/build.ninja" ]; then
	log "configuring QEMU $upver"
	mkdir -p "$BUILD"
	(cd "$BUILD" && "$SRC/configure" --target-list=x86_64-softmmu \
		--disable-docs --disable-user --disable-rust \
		--disable-install-blobs --disable-werror \
		--python=/usr/bin/python3 >configure.log 2>&1) ||
		{ tail -n 30 "$BUILD/configure.log"; die "QEMU configure failed"; }
fi
log "building QEMU $upver (the first build takes about 3 minutes on 2 cores)"
ninja -C "$BUILD" -j"$JOBS" qemu-system-x86_64 qemu-img >"$BUILD/ninja.log" 2>&1 ||
	{ grep -B2 -A20 -m3 'error' "$BUILD/ninja.log" | head -n 60; die "QEMU build failed"; }
if [ -f "$OVERLAY/qtests" ]; then
	tests=$(grep -v '^#' "$OVERLAY/qtests" | sed 's|^|tests/qtest/|')
	# shellcheck disable=SC2086
	ninja -C "$BUILD" -j"$JOBS" $tests >>"$BUILD/ninja.log" 2>&1 ||
		{ grep -B2 -A20 -m3 'error' "$BUILD/ninja.log" | head -n 60; die "qtest build failed"; }
fi
link_firmware
echo "$key" > "$BUILD/.mdev-ims-key"
ln -sfn "$BUILD" "$CACHE/qemu-build"
