#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Provide a guest kernel: "stock" is Debian's 6.12 image and its headers,
# extracted (never installed); "ims" is Debian's linux-source-6.12 with
# patches/linux-6.12/series applied, configured from the fragment there.
# Both are the exact versions pinned in tests/bench/versions.
# Either way the result is $CACHE/kernel-<flavour>, a link to a directory
# holding: vmlinuz, release, kdir (the tree modules build against), modroot
# (lib/modules/<release>) and uapi (installed uAPI headers).
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: kernel.sh stock|ims|uapi [--print-key]}
# --print-key prints the key of the cached result (building nothing), to
# see what would rebuild.
print_key=
[ "${2:-}" != --print-key ] || print_key=1
DL=$CACHE/dl
mkdir -p "$DL"

# download <package=version...>: the packages into $DL.
download() {
	local out rc=0
	out=$(cd "$DL" && apt-get download -qq "$@" 2>&1) || rc=$?
	grep -v unsandboxed <<<"$out" >&2 || true
	return "$rc"
}

# What the stock image's pin could move to: the pinned image's versions,
# and the image the meta package follows now (a new ABI, a new name).
offers_image() {
	local meta=linux-image-6.12-amd64 now
	now=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends:/ { print $2; exit }')
	echo "${1}: $(offers_binary "$1"); $now (what $meta depends on now):" \
		"$(offers_binary "$now")"
}

stock() {
	local image ver abi headers common kbuild key out deb pkg missing=()
	pin 'linux-image-*'
	image=$PIN_PKG ver=$PIN_VER
	abi=${image#linux-image-}
	headers=linux-headers-$abi
	common=linux-headers-${abi%-amd64}-common
	kbuild=linux-kbuild-${abi%-amd64}
	# Keyed by the pinned version and this function, so that a pin bump or
	# a change of the extraction extracts again.
	key=$(inputs_key "$ver" "$(declare -f stock)")
	if [ -n "$print_key" ]; then echo "$key"; return; fi
	lock kernel-stock
	out=$CACHE/kernel-stock-$abi-$key
	if [ ! -f "$out/.done" ]; then
		log "extracting Debian kernel $abi ($ver)"
		for pkg in "$image:amd64" "$headers:amd64" "$common:all" "$kbuild:amd64"; do
			[ -f "$DL/${pkg%:*}_${ver}_${pkg#*:}.deb" ] || missing+=("${pkg%:*}=$ver")
		done
		[ ${#missing[@]} -eq 0 ] ||
			fetch_pinned "$image" "$ver" offers_image \
				"check that the suite passes on the new stock kernel" \
				download "${missing[@]}"
		rm -rf "$out"
		mkdir -p "$out/root"
		for pkg in "$image:amd64" "$headers:amd64" "$common:all" "$kbuild:amd64"; do
			deb=$DL/${pkg%:*}_${ver}_${pkg#*:}.deb
			[ -f "$deb" ] || die "missing $deb"
			dpkg-deb -x "$deb" "$out/root"
		done
		# The headers package names its common half by absolute path.
		sed -i "s|/usr/src/|$out/root/usr/src/|" \
			"$out/root/usr/src/$headers/Makefile"
		ln -s "root/boot/vmlinuz-$abi" "$out/vmlinuz"
		ln -s "root/usr/src/$headers" "$out/kdir"
		mkdir -p "$out/modroot/lib"
		ln -s "../../root/lib/modules" "$out/modroot/lib/modules"
		echo "$abi" > "$out/release"
		touch "$out/.done"
		# Other keyed extractions are of older pins or code.
		find "$CACHE" -maxdepth 1 -regextype posix-extended \
			-regex '.*/kernel-stock-.*-[0-9a-f]{16}' \
			! -path "$out" -exec rm -rf {} +
	fi
	ln -sfn "$out" "$CACHE/kernel-stock"
}

# Debian's linux-source tarball of the pinned version, unpacked once as a
# git repository so the series can be put back on a clean tree while the
# build stays warm.
source_tree() {
	local pkg ver src deb
	pin linux-source-6.12
	pkg=$PIN_PKG ver=$PIN_VER
	src=$CACHE/linux-$ver/src
	if [ ! -d "$src/.git" ]; then
		deb=$DL/${pkg}_${ver}_all.deb
		[ -f "$deb" ] ||
			fetch_pinned "$pkg" "$ver" offers_binary \
				"check that patches/linux-6.12/series applies to it" \
				download "$pkg=$ver"
		log "unpacking $pkg $ver"
		rm -rf "$src"
		mkdir -p "$src"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
			tar -xJ -C "$src" --strip-components=1
		git -C "$src" init -q
		git -C "$src" add -A -f
		git -C "$src" -c gc.auto=0 -c user.name=bench -c user.email=bench@localhost \
			commit -qm "$pkg $ver as unpacked"
	fi
	echo "$src"
}

# build_ims <src> <build> <out>: everything that makes the ims kernel, from
# the unpacked source into <out>. Its text is part of the kernel's key.
build_ims() {
	local src=$1 build=$2 out=$3 series=$TOP/patches/linux-6.12 p want dropped
	git -C "$src" checkout -q -- .
	git -C "$src" clean -fdq
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		git -C "$src" apply "$series/$p" || die "kernel patch $p does not apply"
	done < "$series/series"
	mkdir -p "$build"
	log "configuring the ims kernel"
	make -s -C "$src" O="$build" x86_64_defconfig >/dev/null
	(cd "$build" && "$src/scripts/kconfig/merge_config.sh" -m .config \
		"$src/kernel/configs/kvm_guest.config" "$series/ims.config" >/dev/null)
	make -s -C "$src" O="$build" olddefconfig >/dev/null
	# merge_config.sh warns but does not fail when a symbol is dropped (a
	# dependency unmet, a symbol renamed): a sanitizer silently off is a
	# bench that sees less than it says.
	dropped=$(while IFS= read -r want; do
		case "$want" in '#'*|'') continue ;; esac
		case "$want" in
		*=n) ! grep -q "^${want%=n}=[ym]" "$build/.config" ;;
		*) grep -qxF "$want" "$build/.config" ;;
		esac ||
			echo "  $want, but .config has '$(grep "^${want%%=*}=" "$build/.config" || echo unset)'"
	done < "$series/ims.config")
	[ -z "$dropped" ] ||
		die "olddefconfig dropped what ims.config asks for:"$'\n'"$dropped"
	log "building the ims kernel (the first build takes about 15 minutes on 2 cores)"
	make -s -C "$src" O="$build" -j"$JOBS" bzImage modules >"$build/make.log" 2>&1 ||
		{ grep -E -B2 -A10 'error|Error' "$build/make.log" | head -n 60; die "kernel build failed"; }
	rm -rf "$out"
	mkdir -p "$out"
	make -s -C "$src" O="$build" INSTALL_MOD_PATH="$out/modroot" \
		INSTALL_MOD_STRIP=1 modules_install >/dev/null
	cp "$build/arch/x86/boot/bzImage" "$out/vmlinuz"
	cp "$build/include/config/kernel.release" "$out/release"
	ln -s "$build" "$out/kdir"
}

# The ims kernel's real inputs: the series, its patches and ims.config,
# the pinned source, the toolchain, and build_ims as bash prints it
# (without comments), so an edit elsewhere in this script rebuilds nothing
# and any edit of the build rebuilds.
ims_key() {
	pin linux-source-6.12
	inputs_key "$TOP/patches/linux-6.12" "$PIN_VER" "$(declare -f build_ims)" \
		"$(gcc --version | head -n 1)" "$(ld --version | head -n 1)"
}

ims() {
	local src key out
	key=$(ims_key)
	if [ -n "$print_key" ]; then echo "$key"; return; fi
	lock kernel-ims
	src=$(source_tree)
	out=${src%/src}/ims-$key
	if [ ! -f "$out/.done" ]; then
		build_ims "$src" "${src%/src}/build-ims" "$out"
		touch "$out/.done"
	fi
	ln -sfn "$out" "$CACHE/kernel-ims"
	# Older results share the one build directory, so they are stale now.
	find "${src%/src}" -maxdepth 1 -name 'ims-*' ! -path "$out" -exec rm -rf {} +
}

# Installed uAPI headers and the kselftest harness of the same source, for
# the userspace tests (both kernels are 6.12 with the same VFIO uAPI).
uapi() {
	local src dst
	lock kernel-uapi
	src=$(source_tree)
	dst=${src%/src}/usr
	if [ ! -f "$dst/.done" ]; then
		log "installing uAPI headers"
		make -s -C "$src" O="${src%/src}/build-headers" ARCH=x86 \
			INSTALL_HDR_PATH="$dst" headers_install >/dev/null
		mkdir -p "$dst/kselftest"
		cp "$src/tools/testing/selftests/kselftest_harness.h" \
			"$src/tools/testing/selftests/kselftest.h" "$dst/kselftest/"
		touch "$dst/.done"
	fi
	ln -sfn "$dst" "$CACHE/uapi"
	# checkpatch.pl for the before-stop hook and make lint.
	ln -sfn "$src" "$CACHE/linux-src"
}

case "$flavour" in
stock) stock ;;
ims) ims ;;
uapi) [ -z "$print_key" ] || die "uapi has no key"; uapi ;;
*) die "unknown kernel flavour '$flavour'" ;;
esac
