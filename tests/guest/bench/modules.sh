#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# VFIO, mdev and every module of the project load and unload cleanly.
. /mdev-ims/tests/lib/tap.sh

loaded() { [ -d "/sys/module/$1" ]; }
# Taint bit 9 (W) is set by any WARN.
warned() { [ $(( $(cat /proc/sys/kernel/tainted) & 512 )) -ne 0 ]; }

project=$(cat /mdev-ims/modules.list)
# shellcheck disable=SC2086 # one word per module
set -- $project
# vfio, vfio_iommu_type1 and mdev in and out, five cases per module of
# the project, and the taint
plan $((11 + 5 * $#))

for m in vfio vfio_iommu_type1 mdev; do
	check "load-$m" modprobe "$m"
	check "loaded-$m" loaded "$m"
done

if [ -n "$project" ]; then
	ok "project-modules-built"
else
	not_ok "project-modules-built" "the initramfs holds no project module"
fi
for file in $project; do
	# The kernel knows a module by its file name with '-' as '_'.
	m=$(echo "$file" | tr - _)
	# Take from the project's directory, not a kernel sample of the same name.
	path=$(modinfo -n "$m" 2>/dev/null)
	case "$path" in
	*/updates/*) ok "resolve-$m" ;;
	*) not_ok "resolve-$m" "modprobe would load '$path'" ;;
	esac
	check "load-$m" modprobe "$m"
	check "loaded-$m" loaded "$m"
	check "unload-$m" modprobe -r "$m"
	if loaded "$m"; then not_ok "unloaded-$m"; else ok "unloaded-$m"; fi
done

for m in mdev vfio_iommu_type1 vfio; do
	check "unload-$m" modprobe -r "$m"
done
if warned; then not_ok "no-warn-taint" "$(cat /proc/sys/kernel/tainted)"; else ok "no-warn-taint"; fi
tap_done
