#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the in-guest test suite: every tests/guest/<area>/<name>.c becomes a
# static binary, every <name>.sh is copied; tests/guest/tools/ is built the
# same way but holds no tests. A manifest lists
# "<area>/<name> <timeout> <path> <boot> <kernels>" per test for the in-guest
# runner.
# A test sets its own timeout with a line "TIMEOUT: <seconds>" in its source,
# the machines it runs on with "BOOT: <profile>[,<profile>...]" (run.sh
# lists the profiles; "base" when it says nothing), and with "KERNELS: stock,ims" the kernels
# it runs on ("all" when it says nothing): a test whose subject does not
# change with the kernel runs on one, so each behaviour is counted once.
. "$(dirname "$0")/lib.sh"

GUEST=$TOP/tests/guest
UAPI=$CACHE/uapi
[ -f "$UAPI/.done" ] || "$TOP/tests/bench/kernel.sh" uapi
out=$CACHE/guest-tests
lock guest-tests
mkdir -p "$out"

CFLAGS="-static -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror -D_GNU_SOURCE"
CFLAGS="$CFLAGS -isystem $UAPI/include -I$UAPI/kselftest -I$GUEST/lib"
libs=$(ls "$GUEST"/lib/*.c 2>/dev/null || true)
# What every test binary is built from besides its own source: the uAPI
# headers and kselftest harness installed from the kernel source (their
# content: a new uAPI rebuilds), lib's C, the driver headers tests include
# (register layouts), the flags, the compiler and the static libc. lib's
# shell helpers are not theirs.
common=$(inputs_key "$UAPI/include" "$UAPI/kselftest" "$GUEST"/lib/*.[ch] \
	"$TOP/include" "$TOP/samples" "$TOP/drivers" "$CFLAGS" \
	"$(gcc --version | head -n 1)" "$(dpkg-query -W -f='${Version}' libc6-dev)")

manifest=$out/manifest.new
: > "$manifest"
for src in "$GUEST"/*/*.c "$GUEST"/*/*.sh; do
	[ -f "$src" ] || continue
	area=$(basename "$(dirname "$src")")
	case "$area" in lib) continue ;; esac
	name=$(basename "$src"); name=${name%.*}
	timeout=$(sed -n 's/.*TIMEOUT: *\([0-9][0-9]*\).*/\1/p' "$src" | head -n 1)
	boot=$(sed -n 's/.*BOOT: *\([a-z][a-z,]*\).*/\1/p' "$src" | head -n 1)
	kernels=$(sed -n 's/.*KERNELS: *\([a-z,][a-z,]*\).*/\1/p' "$src" | head -n 1)
	mkdir -p "$out/$area"
	case "$src" in
	*.c)
		bin=$out/$area/$name
		key=$(inputs_key "$src" "$common")
		if [ ! -x "$bin" ] || [ "$(cat "$bin.key" 2>/dev/null)" != "$key" ]; then
			log "compiling $area/$name"
			# shellcheck disable=SC2086
			gcc $CFLAGS -o "$bin" "$src" $libs -lpthread ||
				die "cannot compile $src"
			echo "$key" > "$bin.key"
		fi
		;;
	*.sh)
		bin=$out/$area/$name.sh
		install -m 0755 "$src" "$bin"
		;;
	esac
	# tools/ holds programs for the demo and for people, not tests.
	[ "$area" = tools ] && continue
	echo "$area/$name ${timeout:-120} /mdev-ims/tests/${bin#"$out"/}" \
		"${boot:-base}" "${kernels:-all}" >> "$manifest"
done
for sh in "$GUEST"/lib/*.sh; do
	[ -f "$sh" ] && install -D -m 0644 "$sh" "$out/lib/$(basename "$sh")"
done
# The runner's framing, read by the bench here and by vm.sh in the guest.
install -D -m 0644 "$TOP/tests/bench/tap.awk" "$out/lib/tap.awk"
LC_ALL=C sort -o "$out/manifest" "$manifest"
rm -f "$manifest"
