#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Proof of the kernel's PCI/IMS API on the ims-accel function, driven
# through samples/ims/ims_proof.ko (see the commands there): an IMS domain
# on the function, interrupts at chosen and at free entries, the messages
# the domain's chip writes into the entries, one handler run per
# descriptor through VT-d interrupt remapping, masking with the entry's
# MASK bit, the pending bit and its replay, freeing and reuse, every entry
# allocated and freed without leaks, and the domain's release with the
# driver. On a kernel without the API (stock) it skips, saying so.
# The plan comes before the first case, fixed by the path the function
# takes (33 cases, or the one refusal under a virtual IOMMU), so that a
# case that goes missing fails the test.
# TIMEOUT: 2400

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
skip_all() { echo "1..0 # SKIP $1"; exit 4; }
# check <case> <condition...>: the condition is a test(1) expression
check() { name=$1; shift; if [ "$@" ]; then pass "$name"; else fail "$name" "failed: [ $* ]" "last answer: $ans"; fi; }

# Run one command of the module and keep its answer in $ans
cmd() { echo "$*" > "$CMD" && ans=$(cat "$CMD") || ans="write failed: $*"; }
# The value of key $1 in $ans
val() { echo "$ans" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
irqs() { ls /sys/kernel/irq | wc -l; }

modprobe ims_proof 2>/dev/null || { fail "module-load" "modprobe ims_proof failed"; echo "1..$n"; exit 1; }
api=$(cat /sys/module/ims_proof/parameters/api)
[ "$api" = ims ] ||
	skip_all "PCI/IMS unavailable: kernel $(uname -r) has no PCI/IMS API (HAVE_PCI_IMS undefined; the ims kernel carries patches/linux-6.12)"

dev=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1b36 ] && [ "$(cat "$d/device")" = 0x00f0 ] && { dev=$d; break; }
done
[ -n "$dev" ] || skip_all "no ims-accel function (1b36:00f0) in this guest: QEMU lacks the model or -device ims-accel"
bdf=${dev##*/}

# A virtual IOMMU (VT-d caching mode, AMD-Vi NpCache) offers no IMS by
# design: see Documentation/driver-api/pci-ims.rst.
virt=
for cap in /sys/class/iommu/dmar*/intel-iommu/cap; do
	[ -f "$cap" ] && [ $(( (0x$(cat "$cap") >> 7) & 1 )) = 1 ] && virt="VT-d in caching mode"
done
for cap in /sys/class/iommu/ivhd*/amd-iommu/cap; do
	[ -f "$cap" ] && [ $(( (0x$(cat "$cap") >> 26) & 1 )) = 1 ] && virt="AMD-Vi with NpCache"
done
planned=33
[ -z "$virt" ] || planned=1
echo "1..$planned"

# Take the function from whichever driver has it, give it back at the end.
old=
[ -e "$dev/driver" ] && { old=$(basename "$(readlink "$dev/driver")"); echo "$bdf" > "$dev/driver/unbind"; }
restore() {
	[ -e "$dev/driver" ] && echo "$bdf" > "$dev/driver/unbind"
	echo > "$dev/driver_override"
	[ -n "$old" ] && echo "$bdf" > /sys/bus/pci/drivers_probe
}
base=$(irqs)
echo ims_proof > "$dev/driver_override"
echo "$bdf" > /sys/bus/pci/drivers/ims_proof/bind
CMD=/sys/kernel/debug/ims_proof/$bdf/cmd
if [ ! -e "$CMD" ]; then
	fail "bind" "ims_proof did not bind $bdf"
	restore; exit 1
fi
num=$(cat "/sys/kernel/debug/ims_proof/$bdf/num_ims")
echo "# $bdf: $num IMS entries; IOMMU: ${virt:-physical or emulated without caching mode}"

cmd create
if [ -n "$virt" ]; then
	echo "# $virt is a virtual IOMMU: IMS must be refused"
	check "refused-under-virtual-iommu" "$(val ret)" = -95
	restore; [ "$fails" = 0 ] && [ "$n" = "$planned" ]; exit $?
fi
check "domain-create" "$(val ret)" = 0 -a "$(val hwsize)" = "$num"
cmd create
check "domain-create-twice-eexist" "$(val ret)" = -17

# Allocation at chosen entries and at free ones
cmd alloc 7 0xc00c1e
check "alloc-at-index" "$(val ret)" = 0 -a "$(val index)" = 7 -a "$(val virq)" -gt 0
virq=$(val virq)
cmd alloc 7
check "alloc-at-used-index-ebusy" "$(val ret)" = -16
cmd alloc "$num"
check "alloc-beyond-store-erange" "$(val ret)" = -34
cmd alloc any
check "alloc-any-lowest-free" "$(val ret)" = 0 -a "$(val index)" = 0
cmd alloc any
check "alloc-any-next-free" "$(val ret)" = 0 -a "$(val index)" = 1

# The message goes into the entry when the interrupt starts
cmd entry 7
check "entry-masked-until-request" "$(val ctrl)" = 0x00000001 -a "$(val writes)" = 0
cmd request 7
check "request-irq" "$(val ret)" = 0
cmd entry 7
check "entry-holds-message" "$(val addr_lo)" = "$(val msg_lo)" -a "$(val addr_hi)" = "$(val msg_hi)" \
	-a "$(val data)" = "$(val msg_data)" -a "$(val writes)" -ge 1 -a "$(val msg_lo)" != 0x00000000
check "entry-unmasked-after-request" "$(val ctrl)" = 0x00000000
# VT-d remappable format: 0xfeeXXXXX with the format bit (4) set
lo=$(val addr_lo)
check "message-remappable-format" $(( (lo & 0xfff00000) == 0xfee00000 && (lo & 0x10) != 0 )) = 1
check "instance-cookie-reaches-chip" "$(val cookie)" = 0xc00c1e
line=$(grep "^ *$virq:" /proc/interrupts)
case "$line" in
*IR-IMS-$bdf*ims_proof*) pass "proc-interrupts-ir-ims-chip" ;;
*) fail "proc-interrupts-ir-ims-chip" "line: $line" ;;
esac

# One descriptor, one handler run, through interrupt remapping
cmd request 0
cmd request 1
cmd fire 7
check "descriptor-interrupt-once" "$(val ret)" = 0 -a "$(val fired)" = 1 -a "$(val others)" = 0
total=0
for c in $(grep "^ *$virq:" /proc/interrupts | sed 's/^ *[0-9]*://'); do
	case "$c" in *[!0-9]*) break ;; esac
	total=$((total + c))
done
check "proc-interrupts-count-once" "$total" = 1
cmd fire 0
check "other-entry-interrupt-once" "$(val ret)" = 0 -a "$(val fired)" = 1 -a "$(val others)" = 0

# Mask, pending, replay on unmask
cmd mask 7
cmd entry 7
check "mask-sets-entry-mask-bit" "$(val ctrl)" = 0x00000001
cmd fire 7 0
check "masked-no-interrupt-pending" "$(val ret)" = 0 -a "$(val fired)" = 0 -a "$(val pending)" = 1
cmd unmask 7
check "unmask-replays-once" "$(val fired)" = 1 -a "$(val pending)" = 0
cmd entry 7
check "unmask-clears-entry-mask-bit" "$(val ctrl)" = 0x00000000

# Free and re-allocate
cmd free 7
check "free" "$(val ret)" = 0
cmd entry 7
check "freed-entry-masked-no-virq" "$(val ctrl)" = 0x00000001 -a "$(val virq)" = 0
cmd alloc 7 0x2
check "realloc-same-index" "$(val ret)" = 0 -a "$(val index)" = 7
cmd request 7
cmd fire 7
check "realloc-interrupt-once" "$(val fired)" = 1 -a "$(val others)" = 0
cmd entry 7
check "realloc-new-cookie" "$(val cookie)" = 0x2
for i in 7 0 1; do cmd free $i; done
check "all-freed-no-irq-leak" "$(irqs)" = "$base"

# Every entry, twice: leaked entries, descriptors or remapping slots would
# make the second round fail.
cmd stress "$num" 2
echo "# stress: $ans"
check "alloc-all-$num-entries-twice" "$(val ret)" = 0 -a "$(val allocated)" = $((2 * num)) \
	-a "$(val freed)" = $((2 * num)) -a "$(val duplicates)" = 0
check "store-full-ebusy" "$(val full)" = -16
check "stress-no-irq-leak" "$(irqs)" = "$base"

# Removing the domain, and the driver leaving with interrupts allocated
cmd remove
cmd alloc any
check "alloc-after-remove-enodev" "$(val ret)" = -19
cmd create
check "domain-recreate" "$(val ret)" = 0
cmd alloc any
cmd alloc 100
cmd request 100
echo "$bdf" > "/sys/bus/pci/drivers/ims_proof/unbind"
check "unbind-releases-domain-no-irq-leak" "$(irqs)" = "$base"

restore
[ "$n" = "$planned" ] || echo "# planned $planned cases, made $n"
[ "$fails" = 0 ] && [ "$n" = "$planned" ]
