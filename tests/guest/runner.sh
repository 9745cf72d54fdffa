#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest runner: runs every test of the manifest whose "<area>/<name>"
# matches the pattern, whose boot profile is this boot's and whose kernels
# include this one ($MDEV_IMS_KERNEL), each once, bounded by its timeout,
# framing each test's output so the host can name, count and judge it.
# MDEV_IMS_TESTS is for the bench's own tests (tests/host/bench/).
pattern=${1:-*}
boot=${2:-base}
cd "${MDEV_IMS_TESTS:-/mdev-ims/tests}" || exit 1
echo "# mdev-ims: kernel $(uname -r)"
while read -r name timeout path profile kernels; do
	case "$name" in
	$pattern) ;;
	*) continue ;;
	esac
	[ "$profile" = "$boot" ] || continue
	case ",${kernels:-all}," in
	*",$MDEV_IMS_KERNEL,"* | ,all,) ;;
	*) continue ;;
	esac
	echo "# mdev-ims: begin $name"
	start=$(cut -d. -f1 /proc/uptime)
	timeout -s KILL "$timeout" "$path" < /dev/null 2>&1
	rc=$?
	end=$(cut -d. -f1 /proc/uptime)
	# timeout(1) reports a killed test as 128 + SIGKILL.
	[ $rc -eq 137 ] && rc=timeout
	echo "# mdev-ims: end $name rc=$rc seconds=$((end - start))"
done < manifest
# Lockdep turns itself off after its first report, or quietly on some
# taints: a run it no longer watched must not pass as clean (the host
# looks for this line among the kernel reports).
if [ -r /proc/lockdep_stats ] &&
   ! grep -Eq '^ *debug_locks: +1$' /proc/lockdep_stats; then
	echo "mdev-ims: lockdep is off: debug_locks 0" > /dev/kmsg
fi
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
