#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole suite: host-side tests and QEMU qtests, then the guest suite on each
# kernel named. Prints TAP ("ok N - <kernel>:<area>/<case>") and ends with
# "N passed, N failed[, N skipped]"; exits non-zero on any failure.
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

# The boot profiles that the selected guest tests of kernel $1 need, base
# first: one boot per profile. "nested" is never booted here: its tests
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
		$0 == "msix" && kernel != "ims" { next }
		$0 == "base" { print; next } { rest = rest $0 ORS }
		END { printf "%s", rest }'
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

# Every boot of one kernel, in turn.
boots() {
	local profile
	for profile in $(profiles "$1"); do
		boot "$1" "$profile"
	done
}

# The kernels boot side by side, each guest on one host thread (run.sh);
# the first kernel's results stream, the others' wait in the logs (kept
# there whatever happens to this run) and follow.
guest_suites() {
	local k later=()
	mkdir -p "$CACHE/logs"
	for k in "${kernels[@]:1}"; do
		later+=("$(mktemp "$CACHE/logs/check-$k-XXXX.results")")
		boots "$k" > "${later[-1]}" &
	done
	boots "${kernels[0]}"
	wait
	for k in "${later[@]}"; do
		cat "$k"
		rm -f "$k"
	done
}

{
	host_suite | stream_awk -v kernel=host -f "$B/tap.awk"
	guest_suites
	echo "# mdev-ims: the run took $SECONDS s"
} | stream_awk -v expected="$B/expected-skips" -f "$B/count.awk"
