#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Provide a guest kernel: "stock" is Debian's linux-image-6.12-amd64 and its
# headers, extracted (never installed); "ims" is Debian's linux-source-6.12
# with patches/linux-6.12/series applied, configured from the fragment there.
# Either way the result is $CACHE/kernel-<flavour>, a link to a directory
# holding: vmlinuz, release, kdir (the tree modules build against), modroot
# (lib/modules/<release>) and uapi (installed uAPI headers).
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: kernel.sh stock|ims}
lock "kernel-$flavour"
DL=$CACHE/dl
mkdir -p "$DL"

# The exact package a meta package currently points at.
resolve() {
	apt-cache depends "$1" | awk '/Depends:/ { print $2; exit }'
}

fetch() {
	(cd "$DL" && apt-get download -qq "$@" 2>&1 | grep -v unsandboxed >&2 || true)
}

stock() {
	local image headers common kbuild abi out
	image=$(resolve linux-image-6.12-amd64)
	[ -n "$image" ] || die "cannot resolve linux-image-6.12-amd64"
	abi=${image#linux-image-}
	headers=linux-headers-$abi
	common=linux-headers-${abi%-amd64}-common
	kbuild=linux-kbuild-${abi%-amd64}
	out=$CACHE/kernel-stock-$abi
	if [ ! -f "$out/.done" ]; then
		log "extracting Debian kernel $abi"
		rm -rf "$out"
		mkdir -p "$out/root"
		ls "$DL"/"$image"_*.deb >/dev/null 2>&1 || fetch "$image" "$headers" "$common" "$kbuild"
		local deb
		for deb in "$DL/$image"_*.deb "$DL/$headers"_*.deb "$DL/$common"_*.deb "$DL/$kbuild"_*.deb; do
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
	fi
	ln -sfn "$out" "$CACHE/kernel-stock"
}

# Debian's linux-source tarball, unpacked once as a git repository so the
# series can be put back on a clean tree while the build stays warm.
source_tree() {
	local pkg ver src
	pkg=linux-source-6.12
	ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
	src=$CACHE/linux-$ver/src
	if [ ! -d "$src/.git" ]; then
		log "unpacking $pkg $ver"
		rm -rf "$src"
		mkdir -p "$src"
		ls "$DL"/"$pkg"_"$ver"_all.deb >/dev/null 2>&1 || fetch "$pkg=$ver"
		dpkg-deb --fsys-tarfile "$DL/${pkg}_${ver}_all.deb" |
			tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
			tar -xJ -C "$src" --strip-components=1
		git -C "$src" init -q
		git -C "$src" add -A -f
		git -C "$src" -c user.name=bench -c user.email=bench@localhost \
			commit -qm "$pkg $ver as unpacked"
	fi
	echo "$src"
}

ims() {
	local src build key out series=$TOP/patches/linux-6.12
	src=$(source_tree)
	build=${src%/src}/build-ims
	key=$(inputs_key "$series" "$0" "$(gcc --version | head -n 1)")
	out=${src%/src}/ims-$key
	if [ -f "$out/.done" ]; then
		ln -sfn "$out" "$CACHE/kernel-ims"
		return
	fi
	git -C "$src" checkout -q -- .
	git -C "$src" clean -fdq
	local p
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
	# merge_config.sh warns but does not fail when a symbol is dropped;
	# we want to know.
	local want
	while IFS= read -r want; do
		case "$want" in CONFIG_*=n|'#'*|'') continue ;; esac
		grep -qxF "$want" "$build/.config" ||
			log "warning: ims.config asks for '$want' but .config has '$(grep "^${want%%=*}=" "$build/.config" || echo unset)'"
	done < "$series/ims.config"
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
	touch "$out/.done"
	ln -sfn "$out" "$CACHE/kernel-ims"
	# Older results share the one build directory, so they are stale now.
	find "${src%/src}" -maxdepth 1 -name 'ims-*' ! -path "$out" -exec rm -rf {} +
}

# Installed uAPI headers and the kselftest harness of the same source, for
# the userspace tests (both kernels are 6.12 with the same VFIO uAPI).
uapi() {
	local src dst
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
uapi) uapi ;;
*) die "unknown kernel flavour '$flavour'" ;;
esac
