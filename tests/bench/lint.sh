#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kernel style gates on the project's kernel C: checkpatch --strict on every
# file, and the modules built with W=1 and sparse (C=2) against both kernels.
. "$(dirname "$0")/lib.sh"

"$TOP/tests/bench/kernel.sh" uapi
cd "$TOP"
files=$(git ls-files 'drivers/*.[ch]' 'samples/*.[ch]' 'include/linux/*.h' 'include/uapi/*.h')
status=0
if [ -n "$files" ]; then
	# shellcheck disable=SC2086
	perl "$CACHE/linux-src/scripts/checkpatch.pl" --no-tree --strict --terse \
		--show-types -f $files | grep -E ': (ERROR|WARNING|CHECK):' && status=1
fi
for k in ${KERNELS:-stock ims}; do
	"$TOP/tests/bench/kernel.sh" "$k"
	out=$(C=2 W=1 "$TOP/tests/bench/modules.sh" "$k" 2>&1) || status=1
	grep -E 'warning:|error:' <<< "$out" && status=1
done
[ $status -eq 0 ] && log "lint: clean"
exit $status
