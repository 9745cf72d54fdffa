#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build QEMU for x86_64 from Debian's source package plus the project's
# qemu/ tree. The unpacked source is a git repository so that the project's
# glue patches and files can be put back on a clean tree every time while
# the build directory stays warm (only what changed is rebuilt).
. "$(dirname "$0")/lib.sh"

SRCROOT=$CACHE/qemu
OVERLAY=$TOP/qemu
# The source version qemu/patches/ was made against. Debian names the
# files without the epoch, and the tarball by the upstream version.
pin qemu
QEMU_VER=$PIN_VER
debver=${QEMU_VER#*:}
upver=${debver%-*}

mkdir -p "$SRCROOT"
lock qemu
cd "$SRCROOT"

# apt-get source checks what it downloads against the .dsc.
fetch_source() {
	local out rc=0
	out=$(apt-get source --download-only -qq "qemu=$QEMU_VER" 2>&1 >/dev/null) || rc=$?
	grep -v unsandboxed <<<"$out" >&2 || true
	return "$rc"
}
if [ ! -f "qemu_$debver.dsc" ] || ! ls "qemu_$upver".orig.tar.* >/dev/null 2>&1; then
	log "fetching QEMU source ($QEMU_VER)"
	fetch_pinned qemu "$QEMU_VER" offers_source \
		"check that qemu/patches/series applies to it" fetch_source
fi
orig=$(find . -maxdepth 1 -name "qemu_$upver.orig.tar.*" ! -name '*.asc' -printf '%f\n' | head -n 1)
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
	git -C "$SRC" -c gc.auto=0 -c user.name=bench -c user.email=bench@localhost \
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

# configure_qemu: set the build directory up. Its text, with the toolchain,
# keys the configuration: when it changes, configure runs again (meson
# sets the build directory up anew) rather than ninja building with the
# old options; a new toolchain starts from an empty build directory, since
# ninja would keep objects of the old one.
configure_qemu() {
	log "configuring QEMU $upver"
	mkdir -p "$BUILD"
	(cd "$BUILD" && "$SRC/configure" --target-list=x86_64-softmmu \
		--disable-docs --disable-user --disable-rust \
		--disable-install-blobs --disable-werror \
		--python=/usr/bin/python3 >configure.log 2>&1) ||
		{ tail -n 30 "$BUILD/configure.log"; die "QEMU configure failed"; }
}
toolchain=$(inputs_key "$(gcc --version | head -n 1)" "$(meson --version)")
configured=$(inputs_key "$(declare -f configure_qemu)" "$toolchain")

# Nothing to do when neither the project's tree, this script, the
# configuration nor QEMU moved.
key=$(inputs_key "$OVERLAY" "$UAPI_HDR" "$TOP/tests/bench/qemu.sh" "$QEMU_VER" "$configured")
if [ -x "$BUILD/qemu-system-x86_64" ] && [ -f "$BUILD/.mdev-ims-key" ] &&
   [ "$(cat "$BUILD/.mdev-ims-key")" = "$key" ]; then
	link_firmware
	exit 0
fi

# (A build directory older than these records keeps its objects and is
# configured again.)
if [ -f "$BUILD/.mdev-ims-toolchain" ] && [ "$(cat "$BUILD/.mdev-ims-toolchain")" != "$toolchain" ]; then
	log "a new toolchain: building QEMU $upver from scratch"
	rm -rf "$BUILD"
fi
if [ ! -f "$BUILD/build.ninja" ] ||
   [ "$(cat "$BUILD/.mdev-ims-configured" 2>/dev/null)" != "$configured" ]; then
	rm -f "$BUILD/.mdev-ims-configured"
	configure_qemu
	echo "$toolchain" > "$BUILD/.mdev-ims-toolchain"
	echo "$configured" > "$BUILD/.mdev-ims-configured"
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
