#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest runner: runs every test of the manifest whose "<area>/<name>"
# matches one of the globs (lib/select.sh), whose boot profile is this boot's and whose kernels
# include this one ($MDEV_IMS_KERNEL), each once, bounded by its timeout,
# framing each test's output so the host can name, count and judge it.
# MDEV_IMS_TESTS is for the bench's own tests (tests/host/bench/).
pattern=${1:-*}
boot=${2:-base}
. "${MDEV_IMS_LIB:-/mdev-ims/tests/lib}/select.sh"
cd "${MDEV_IMS_TESTS:-/mdev-ims/tests}" || exit 1
echo "# mdev-ims: kernel $(uname -r)"
timed_out=${TMPDIR:-/tmp}/mdev-ims-timed-out.$$
while read -r name timeout path profile kernels; do
	selected "$name" "$pattern" || continue
	case ",$profile," in
	*",$boot,"*) ;;
	*) continue ;;
	esac
	case ",${kernels:-all}," in
	*",$MDEV_IMS_KERNEL,"* | ,all,) ;;
	*) continue ;;
	esac
	echo "# mdev-ims: begin $name"
	start=$(cut -d. -f1 /proc/uptime)
	# The test runs in a process group of its own, and the bound and the
	# clean-up apply to all of it: a test's children (the kselftest
	# harness forks one per case) must not outlive it into the next test.
	rm -f "$timed_out"
	setsid "$path" < /dev/null 2>&1 &
	pid=$!
	setsid sh -c 'sleep "$1" && : > "$2" && kill -KILL -"$3"' watchdog \
		"$timeout" "$timed_out" "$pid" 2>/dev/null &
	watchdog=$!
	wait "$pid" 2>/dev/null
	rc=$?
	# The watchdog by its pid too: a test that ends at once can end before
	# the watchdog's setsid has made it a group of its own.
	kill -KILL -"$pid" "$watchdog" -"$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
	end=$(cut -d. -f1 /proc/uptime)
	[ -e "$timed_out" ] && rc=timeout
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
rm -f "$timed_out"
echo "# mdev-ims: done"
