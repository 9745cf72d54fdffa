#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the project's kernel modules out of tree against one kernel. The
# sources are copied to a per-kernel directory so the checkout stays clean
# and the two kernels' objects never mix; rsync keeps mtimes, so kbuild
# only rebuilds what changed.
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: modules.sh stock|ims}
kernel=$CACHE/kernel-$flavour
[ -d "$kernel" ] || die "kernel $flavour is not built (make kernels)"
out=$CACHE/modules-$flavour
lock "modules-$flavour"
mkdir -p "$out"
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' \
	--exclude='.*.cmd' --exclude=Module.symvers --exclude=modules.order \
	--include='/Kbuild' --include='/include/***' --include='/drivers/***' \
	--include='/samples/***' --exclude='/*' \
	"$TOP/" "$out/src/"
make -s -C "$kernel/kdir" M="$out/src" -j"$JOBS" W="${W:-1}" \
	${C:+C=$C} modules >&2
mkdir -p "$out/ko"
rm -f "$out/ko/"*.ko
find "$out/src" -name '*.ko' -exec cp {} "$out/ko/" \;
log "modules for $flavour: $(cd "$out/ko" && ls | tr '\n' ' ')"
