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

# Host-side tests, tests/host/<area>/<name>.sh, framed and counted exactly
# as the guest's runner frames its tests.
host_tests() {
	local t name rc start
	for t in "$TOP"/tests/host/*/*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$(dirname "$t")")/$(basename "$t" .sh)
		case "$name" in $pattern) ;; *) continue ;; esac
		echo "# mdev-ims: begin $name"
		start=$SECONDS
		timeout -s KILL 600 bash "$t" 2>&1 && rc=0 || rc=$?
		[ $rc -eq 137 ] && rc=timeout
		echo "# mdev-ims: end $name rc=$rc seconds=$((SECONDS - start))"
	done
	echo "# mdev-ims: done"
}

export MDEV_IMS_PREPARED=1

# QEMU's glib tests print "ok N /ims-accel/<case>".
qtests() {
	local t bin out rc
	[ -f "$TOP/qemu/qtests" ] || return 0
	while read -r t; do
		case "$t" in ''|'#'*) continue ;; esac
		bin=$CACHE/qemu-build/tests/qtest/$t
		case "qtest/$t" in $pattern) ;; *) continue ;; esac
		set +e
		out=$(cd "$CACHE/qemu-build" &&
			QTEST_QEMU_BINARY=./qemu-system-x86_64 \
			QTEST_QEMU_STORAGE_DAEMON_BINARY=/bin/false \
			timeout 600 "$bin" --tap 2>&1)
		rc=$?
		set -e
		awk -v t="$t" -v rc="$rc" '
			/^(not )?ok [0-9]+ / {
				st = $1 == "not" ? "not ok" : "ok"
				n = st == "ok" ? 3 : 4
				name = $n; sub(/^\/[^\/]*\//, "", name)
				why = ""
				if ($0 ~ /# SKIP/) { st = "skip"; why = $0; sub(/.*# SKIP */, "", why) }
				if (st == "not ok") failed = 1
				res++
				printf "RESULT %s qtest/%s%s\n", st, name, why == "" ? "" : " # " why
				next
			}
			{ keep[++n_] = $0 }
			END {
				if ((rc != 0 && !failed) || res == 0) {
					printf "RESULT not ok qtest/%s # exited %s after %d results\n", t, rc, res
					for (i = (n_ > 30 ? n_ - 30 : 0) + 1; i <= n_; i++) print "#   " keep[i]
				}
			}' <<< "$out"
	done < "$TOP/qemu/qtests"
}

{
	host_tests | awk -v kernel=host -f "$B/tap.awk"
	qtests
	if [[ "$pattern" != qtest/* ]]; then
		for k in "${kernels[@]}"; do
			"$B/run.sh" --check "$pattern" "$k"
		done
	fi
} | awk -f "$B/count.awk"
