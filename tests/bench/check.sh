#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole suite: host-side tests and QEMU qtests, then the guest suite on each
# kernel named. Prints TAP ("ok N - <kernel>:<area>/<case>") and ends with
# "N passed, N failed[, N skipped]"; exits non-zero on any failure.
#
#   check.sh [stock] [ims]       TESTS='<area>/<name>' selects tests (glob)
. "$(dirname "$0")/lib.sh"

kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(stock ims)
pattern=${TESTS:-*}
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
	case "$name" in $pattern) ;; *) return 0 ;; esac
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

# The boot profiles the selected guest tests need, base first: one boot
# of each kernel per profile. "nested" is never booted here: its tests run
# in the nested guests that tests of the debian boot start.
profiles() {
	local name timeout path boot
	while read -r name timeout path boot; do
		[ "$boot" != nested ] || continue
		case "$name" in $pattern) echo "$boot" ;; esac
	done < "$CACHE/guest-tests/manifest" | sort -u |
		awk '$0 == "base" { print; next } { rest = rest $0 ORS }
		END { printf "%s", rest }'
}

# died_silently <kernel> <profile>: run.sh's results (stdin) say the guest
# stopped before its runner finished, without a kernel report in its log
# and without hanging: a reset that no kernel saw coming.
died_silently() {
	local suffix=${2#base} out
	suffix=${suffix:+-$suffix}
	out=$(cat)
	grep -q "^RESULT not ok $1:bench/guest-run$suffix " <<< "$out" &&
		grep -qx "RESULT ok $1:bench/guest-log$suffix" <<< "$out" &&
		! grep -q "^RESULT not ok $1:bench/guest-boot$suffix " <<< "$out"
}

# boot <kernel> <profile>: one boot's results. Nested guests under TCG's
# SVM can take the whole guest down silently (README); such a boot ran
# part of the suite and found nothing, so it is booted once more, says
# so, and the second boot's results count.
boot() {
	local out
	out=$("$B/run.sh" --check "$pattern" --boot "$2" "$1")
	if died_silently "$1" "$2" <<< "$out"; then
		echo "# $1 $2 boot: the guest stopped silently before its runner finished; booting it once more"
		grep '^RESULT not ok' <<< "$out" | sed 's/^RESULT /#   first boot: /'
		"$B/run.sh" --check "$pattern" --boot "$2" "$1"
	else
		printf '%s\n' "$out"
	fi
}

{
	host_suite | awk -v kernel=host -f "$B/tap.awk"
	if [[ "$pattern" != qtest/* ]]; then
		for k in "${kernels[@]}"; do
			for profile in $(profiles); do
				boot "$k" "$profile"
			done
		done
	fi
} | awk -f "$B/count.awk"
