#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest runner: runs every test of the manifest whose "<area>/<name>"
# matches the pattern and whose boot profile is this boot's, each bounded
# by its timeout, framing each test's output so the host can name, count
# and judge it. MDEV_IMS_TESTS and MDEV_IMS_RETRY are for the bench's own
# tests (tests/host/bench/accounting.sh).
pattern=${1:-*}
boot=${2:-base}
cd "${MDEV_IMS_TESTS:-/mdev-ims/tests}" || exit 1
export MDEV_IMS_RETRY=${MDEV_IMS_RETRY:-/tmp/mdev-ims-retry}
echo "# mdev-ims: kernel $(uname -r)"
while read -r name timeout path profile; do
	case "$name" in
	$pattern) ;;
	*) continue ;;
	esac
	[ "$profile" = "$boot" ] || continue
	attempt=1
	while :; do
		echo "# mdev-ims: begin $name"
		rm -f "$MDEV_IMS_RETRY"
		start=$(cut -d. -f1 /proc/uptime)
		timeout -s KILL "$timeout" "$path" < /dev/null 2>&1
		rc=$?
		end=$(cut -d. -f1 /proc/uptime)
		# timeout(1) reports a killed test as 128 + SIGKILL.
		[ $rc -eq 137 ] && rc=timeout
		echo "# mdev-ims: end $name rc=$rc seconds=$((end - start))"
		# A failed test that wrote why to $MDEV_IMS_RETRY lost a nested
		# guest to TCG's nested SVM (tests/guest/lib/vm.sh): it runs
		# once more, and tap.awk counts the second run only.
		[ $rc != 0 ] && [ $attempt = 1 ] && [ -s "$MDEV_IMS_RETRY" ] ||
			break
		echo "# mdev-ims: again $name: $(head -n 1 "$MDEV_IMS_RETRY")"
		attempt=2
	done
done < manifest
# Leaks found after every test ran go to the kernel log, where the host
# looks for kernel reports of any kind.
leaks=/sys/kernel/debug/kmemleak
if [ -w "$leaks" ]; then
	echo scan > "$leaks"
	echo scan > "$leaks"
	cat "$leaks" | while IFS= read -r line; do
		echo "kmemleak: $line" > /dev/kmsg
	done
fi
echo "# mdev-ims: done"
