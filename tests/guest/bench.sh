#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest side of "make bench": each metric of tools/vfio-bench measured
# on the kernel's own mtty and mdpy samples (the upstream baseline) and on
# the project's rewrites, one after the other in this guest, median of
# RUNS runs; prints a table with project/upstream ratios (higher is
# better for every metric). Measures, asserts nothing.
RUNS=${RUNS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-2}
bench=/mdev-ims/tests/tools/vfio-bench
release=$(uname -r)
upstream_dir=/lib/modules/$release/kernel/samples/vfio-mdev
results=/tmp/bench.results
: > $results

say() { printf '%s\n' "$*"; }

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# measure <impl> <driver> <type>: create an instance, run the bench RUNS
# times, record "<impl> <driver> <metric> <median>".
measure() {
	impl=$1 driver=$2 type=$3
	uuid=$(cat /proc/sys/kernel/random/uuid)
	if ! echo "$uuid" > "/sys/class/mdev_bus/$driver/mdev_supported_types/$driver-$type/create"; then
		say "# $impl $driver: cannot create a $driver-$type instance"
		return 1
	fi
	i=0
	while [ $i -lt "$RUNS" ]; do
		$bench "$driver" "$uuid" "$SECONDS_PER_RUN" >> /tmp/bench.run ||
			say "# $impl $driver: run $i failed"
		i=$((i + 1))
	done
	echo 1 > "/sys/bus/mdev/devices/$uuid/remove"
	awk '{ print $1 }' /tmp/bench.run | sort -u | while read -r metric; do
		value=$(awk -v m="$metric" '$1 == m { print $2 }' /tmp/bench.run | median)
		unit=$(awk -v m="$metric" '$1 == m { print $3; exit }' /tmp/bench.run)
		echo "$impl $driver $metric $value $unit" >> $results
	done
	rm -f /tmp/bench.run
}

for driver in mtty mdpy; do
	case $driver in
	mtty) type=1 ;;
	mdpy) type=vga ;;
	esac
	# Unloading the previous driver may have taken mdev with it.
	modprobe -a vfio vfio_iommu_type1 mdev
	if [ -f "$upstream_dir/$driver.ko" ]; then
		if insmod "$upstream_dir/$driver.ko"; then
			measure upstream "$driver" "$type"
			rmmod "$driver"
		else
			dmesg | tail -n 3 | sed 's/^/# /'
		fi
	else
		say "# no upstream $driver sample in this kernel ($upstream_dir)"
	fi
	modprobe "$driver" && measure mdev-ims "$driver" "$type"
	modprobe -r "$driver"
done

say "kernel $release, $(nproc) vCPUs under TCG, median of $RUNS runs of ${SECONDS_PER_RUN} s"
say "(the ims kernel has lockdep and kmemleak on: allocations and locks cost more than in production)"
awk '
	{ key = $2 " " $3; unit[key] = $5; v[$1, key] = $4; if (!(key in seen)) { seen[key] = 1; keys[++n] = key } }
	END {
		printf "%-32s %12s %12s %7s  %s\n", "metric", "upstream", "mdev-ims", "ratio", "unit"
		for (i = 1; i <= n; i++) {
			k = keys[i]; u = v["upstream", k]; p = v["mdev-ims", k]
			r = (u > 0 && p != "") ? sprintf("%.2f", p / u) : "-"
			printf "%-32s %12s %12s %7s  %s\n", k, u == "" ? "-" : u, p == "" ? "-" : p, r, unit[k]
		}
	}' $results
