#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz: the fuzzer of the suite (tests/guest/fuzz/vfio.c) run long, on
# each kernel named (both by default), in the guest run.sh boots for
# make check. Prints one result per device type with its seed and op
# count, what each type ran in how long, and "N passed, N failed".
#
#   fuzz.sh [stock] [ims]
#
# FUZZ_OPS (default 1000000) operations per device type, FUZZ_SEED
# (default random: each run fuzzes anew; the seed is in every result, and
# FUZZ_SEED=<it> replays it), FUZZ_TYPES (comma separated, default all),
# FUZZ_ONLY (comma separated operation names, default all: the fuzzer's
# --list names them), FUZZ_GUIDE (default 1: coverage-guided where the
# kernel has KCOV; 0: blind). FUZZ_TIMEOUT bounds each guest (default:
# 20 ms an operation). Each type's account ends with what each kind of
# operation cost and, guided, the coverage it reached.
#
# run.sh boots the cached kernel and initramfs; this boots them from a
# cache of its own (links to the real one) whose initramfs has one more
# archive appended, which the kernel unpacks over the first: a manifest
# that runs only the fuzzer, through a wrapper that gives it the settings.
. "$(dirname "$0")/lib.sh"

kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(stock ims)
B=$TOP/tests/bench
ops=${FUZZ_OPS:-1000000}
seed=${FUZZ_SEED:-random}
types=${FUZZ_TYPES:-}
only=${FUZZ_ONLY:-}
case "$ops" in ''|*[!0-9]*) die "FUZZ_OPS must be a number" ;; esac
ntypes=10
[ -z "$types" ] || ntypes=$(($(tr -cd , <<< "$types" | wc -c) + 1))
timeout=${FUZZ_TIMEOUT:-$((600 + ops * ntypes / 50))}

"$B/deps.sh"
"$B/qemu.sh"
for k in "${kernels[@]}"; do
	"$B/prepare.sh" "$k"
done

# fuzz_cache <kernel>: the cache run.sh boots from; its path.
fuzz_cache() {
	local k=$1 dir=$CACHE/fuzz-$1 extra
	mkdir -p "$dir"
	ln -sfn "$CACHE/qemu-build" "$dir/qemu-build"
	ln -sfn "$CACHE/kernel-$k" "$dir/kernel-$k"
	ln -sfn "$CACHE/logs" "$dir/logs"
	extra=$(mktemp -d)
	mkdir -p "$extra/mdev-ims/tests/fuzz"
	chmod 0755 "$extra/mdev-ims" "$extra/mdev-ims/tests" "$extra/mdev-ims/tests/fuzz"
	cat > "$extra/mdev-ims/tests/fuzz/long.sh" <<-EOF
	#!/bin/sh
	export FUZZ_OPS=$ops FUZZ_SEED=$seed FUZZ_TYPES=$types
	export FUZZ_ONLY=$only FUZZ_STATS=1 FUZZ_GUIDE=${FUZZ_GUIDE:-1}
	exec /mdev-ims/tests/fuzz/vfio
	EOF
	chmod 0755 "$extra/mdev-ims/tests/fuzz/long.sh"
	echo "fuzz/vfio $timeout /mdev-ims/tests/fuzz/long.sh base all" \
		> "$extra/mdev-ims/tests/manifest"
	{
		cat "$CACHE/initramfs-$k.cpio.gz"
		# Not ".": its mode would become the root's.
		(cd "$extra" && find . -mindepth 1 | LC_ALL=C sort |
			cpio -o -H newc --quiet | gzip -1)
	} > "$dir/initramfs-$k.cpio.gz.tmp"
	mv "$dir/initramfs-$k.cpio.gz.tmp" "$dir/initramfs-$k.cpio.gz"
	rm -rf "$extra"
	echo "$dir"
}

log "fuzzing ${types:-every device type} on ${kernels[*]}: $ops ops per type, seed $seed"
{
	for k in "${kernels[@]}"; do
		dir=$(fuzz_cache "$k")
		start=$SECONDS
		MDEV_IMS_CACHE=$dir MDEV_IMS_PREPARED=1 GUEST_TIMEOUT=$((timeout + 300)) \
			"$B/run.sh" --check 'fuzz/*' "$k" | tee "$dir/run.out"
		logdir=$(sed -n 's/^# .* boot: .*logs in //p' "$dir/run.out" | tail -n 1)
		# The fuzzer's own account: seed; per type ops, time, cost of
		# each kind of operation, coverage.
		[ -f "$logdir/results.log" ] &&
			grep -E '^# (seed=|[a-z_0-9-]+: ([0-9]+ ops in|out of time|coverage|blind)|  )' \
				"$logdir/results.log" | sed "s/^# /# $k: /"
		echo "# $k: fuzzed for $((SECONDS - start)) s"
	done
} | awk -v expected="$B/expected-skips" -f "$B/count.awk"
