#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# mdpy-fb loads, registers its PCI driver for the mdpy device ID (the
# device itself appears only in a nested guest), and unloads.
. /mdev-ims/tests/lib/tap.sh

plan 5
# busybox modinfo wants the file for a module name with a dash
ko=$(find "/lib/modules/$(uname -r)/updates" -name mdpy-fb.ko | head -n 1)
alias=$(modinfo -F alias "$ko" 2>/dev/null | tr 'A-Z' 'a-z')
case "$alias" in
*v00001b36d0000000fsv00001af4sd00001100*) ok "fb-alias" ;;
*) not_ok "fb-alias" "alias of '$ko': '$alias'" ;;
esac
check "fb-load" modprobe mdpy-fb
check "fb-pci-driver" test -d /sys/bus/pci/drivers/mdpy-fb
check "fb-unload" modprobe -r mdpy-fb
if [ -d /sys/module/mdpy_fb ]; then not_ok "fb-unloaded"; else ok "fb-unloaded"; fi
tap_done
