#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole suite: host-side tests and QEMU qtests, then the guest suite on
# each kernel named, its boots shared out between the host's CPUs. Prints
# TAP ("ok N - <kernel>:<area>/<case>") and ends with "N passed, N
# failed[, N skipped]"; exits non-zero on any failure.
#
#   check.sh [stock] [ims]       TESTS='<area>/<name> ...' selects tests (globs)
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/guest/lib/select.sh"

kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(stock ims)
pattern=${TESTS:-*}
pattern=${pattern// /,}
B=$TOP/tests/bench

# Build everything first so that build output never interleaves with TAP.
"$B/deps.sh"
"$B/qemu.sh"
for k in "${kernels[@]}"; do
	"$B/prepare.sh" "$k"
done

export MDEV_IMS_PREPARED=1

# frame <area>/<name> <command...>: run a host-side test bounded in time,
# framed exactly as the guest's runner frames its tests.
frame() {
	local name=$1 rc start=$SECONDS
	shift
	selected "$name" "$pattern" || return 0
	echo "# mdev-ims: begin $name"
	timeout -s KILL 600 "$@" 2>&1 && rc=0 || rc=$?
	[ $rc -eq 137 ] && rc=timeout
	echo "# mdev-ims: end $name rc=$rc seconds=$((SECONDS - start))"
}

# tests/host/<area>/<name>.sh, then the qtests qemu/qtests lists. glib
# names its cases by path ("ok 3 /ims-accel/<case>"); keep the case.
host_suite() {
	local t
	for t in "$TOP"/tests/host/*/*.sh; do
		[ -f "$t" ] || continue
		frame "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" bash "$t"
	done
	if [ -f "$TOP/qemu/qtests" ]; then
		while read -r t; do
			case "$t" in ''|'#'*) continue ;; esac
			frame "qtest/$t" env -C "$CACHE/qemu-build" \
				QTEST_QEMU_BINARY=./qemu-system-x86_64 \
				"./tests/qtest/$t" --tap |
				sed -E 's,^((not )?ok [0-9]+ )/[^/ ]+/,\1,'
		done < "$TOP/qemu/qtests"
	fi
	echo "# mdev-ims: done"
}

# The boot profiles that the selected guest tests of kernel $1 need: one
# boot per profile. "nested" is never booted here: its tests
# run in the nested guests that tests of the debian boot start. None when
# no guest test is selected (TESTS='qtest/*'). "msix" (an IOMMU that
# refuses IMS) only for the kernel that has IMS to refuse.
profiles() {
	local name timeout path boot kernels
	while read -r name timeout path boot kernels; do
		case ",$kernels," in ",all,"|*",$1,"*) ;; *) continue ;; esac
		selected "$name" "$pattern" && tr , '\n' <<< "$boot"
	done < "$CACHE/guest-tests/manifest" | sort -u |
		awk -v kernel="$1" '$0 == "nested" { next }
		$0 == "msix" && kernel != "ims" { next } { print }'
}

# The whole run, builds included, is bounded so that a cold run ends well
# inside CI's 90 minutes with every result it has; each boot gets what is
# left, up to its own bound. A boot that cannot start fails, named.
budget=${MDEV_IMS_BUDGET:-4800}
boot() {
	local left=$((budget - SECONDS))
	if [ "$left" -lt 120 ]; then
		echo "RESULT not ok $1:bench/budget-$2 # not booted: the run's ${budget}s budget is spent"
		return
	fi
	GUEST_TIMEOUT=$((left < GUEST_TIMEOUT ? left : GUEST_TIMEOUT)) \
		"$B/run.sh" --check "$pattern" --boot "$2" "$1"
}

# Boots run MDEV_IMS_JOBS at a time (default: one per host CPU; each guest
# runs on one host thread, run.sh), whatever their kernel, longest first,
# each taken by the first free worker: a kernel whose boots take most of
# the run no longer leaves the other CPU idle. A boot's expected length is
# what it took last time with the same TESTS ($CACHE/boot-seconds), or
# else the sum of its tests' TIMEOUTs. Its results print whole when it ends, so that two boots never
# interleave; each boot's logs keep them too, whatever happens to the run.
jobs=${MDEV_IMS_JOBS:-$(nproc)}
times=$CACHE/boot-seconds

# expected <kernel> <profile>: seconds
expected() {
	local name timeout path boot kernels sum=0
	if [ -f "$times" ] && awk -v k="$1" -v p="$2" -v t="$pattern" \
		'$1 == k && $2 == p && $3 == t { print $4; found = 1 }
		END { exit !found }' "$times"; then
		return
	fi
	while read -r name timeout path boot kernels; do
		case ",$kernels," in ",all,"|*",$1,"*) ;; *) continue ;; esac
		case ",$boot," in *",$2,"*) ;; *) continue ;; esac
		selected "$name" "$pattern" && sum=$((sum + timeout))
	done < "$CACHE/guest-tests/manifest"
	echo "$sum"
}

# pop <queue>: its first line, removed; nothing when it is empty.
pop() {
	flock "$1.lock" sh -c 'head -n 1 "$1"; sed -i 1d "$1"' pop "$1"
}

worker() {
	local queue=$1 job k p out start
	while job=$(pop "$queue") && [ -n "$job" ]; do
		read -r k p <<< "$job"
		out=$(mktemp "$CACHE/logs/check-$k-$p-XXXX.results")
		start=$SECONDS
		boot "$k" "$p" > "$out"
		flock "$queue.lock" sh -c '
			awk -v k="$1" -v p="$2" -v t="$3" \
				"!(\$1 == k && \$2 == p && \$3 == t)" "$4" \
				2>/dev/null > "$4.new"
			echo "$1 $2 $3 $5" >> "$4.new"
			mv "$4.new" "$4"
			cat "$6"' times "$k" "$p" "$pattern" "$times" \
			$((SECONDS - start)) "$out"
		rm -f "$out"
	done
}

guest_suites() {
	local k p queue i
	mkdir -p "$CACHE/logs"
	queue=$(mktemp "$CACHE/logs/check-queue-XXXX")
	for k in "${kernels[@]}"; do
		for p in $(profiles "$k"); do
			echo "$(expected "$k" "$p") $k $p"
		done
	done | sort -s -k1,1nr | cut -d' ' -f2- > "$queue"
	for ((i = 1; i < jobs; i++)); do
		worker "$queue" &
	done
	worker "$queue"
	wait
	rm -f "$queue" "$queue.lock"
}

{
	host_suite | stream_awk -v kernel=host -f "$B/tap.awk"
	guest_suites
	echo "# mdev-ims: the run took $SECONDS s"
} | stream_awk -v expected="$B/expected-skips" -f "$B/count.awk"
