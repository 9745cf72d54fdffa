#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# KERNELS: stock
# TIMEOUT: 1800
# A transient libvirt domain (virsh create) of type qemu (TCG, as every
# nested guest of the bench: tests/guest/lib/vm.sh) owns five instances
# through <hostdev mode='subsystem' type='mdev' model='vfio-pci'>, made in
# every way there is, since libvirt takes any instance by UUID whatever
# its parent: an ims_accel-2q8v by virsh nodedev-create, an mtty-2 by
# mdevctl start, an mtty-1 through sysfs (shown with a NetMos 9912's IDs
# through <qemu:override>), an mdpy-xga defined by mdevctl and started by
# virsh nodedev-start, and an mdpy-vga through sysfs. The domain boots the
# bench's kernel and initramfs from /mdev-ims/boot; the nested kernel
# enumerates the five devices, and its runner runs the nested sides of
# vm/ims-accel and vm/mtty, which use the instances: descriptors and
# interrupts counted per vector, bytes through the UARTs on INTx and MSI.
# This test answers their requests (vm.sh's vm_ask) as vm/ims-accel does,
# with the host's interrupt counts. While the domain runs its instances
# cannot be destroyed; once it is gone every instance is removed as it
# was made, and nothing is left: no instance, node device, mdevctl
# definition or frontend eventfd.
#
# The mdpy instances have no display here; vm/mdpy checks what theirs show.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/libvirt.sh
. /mdev-ims/tests/lib/vm.sh
. /mdev-ims/tests/lib/irq.sh

bdf=$(ims_accel_bdf)
[ -n "$bdf" ] || skip_all "no ims-accel function (QEMU without the model)"
ims=pci_$(nodedev_safe "$bdf")
dom=mdev-ims-libvirt
dir=/tmp/libvirt-domain
rm -rf $dir
mkdir -p $dir
# vm.sh keeps its scratch files there.
# shellcheck disable=SC2034 # read by vm.sh
VM_DIR=$dir
# The nested sides of vm/ims-accel and vm/mtty, which expect exactly the
# devices of those tests.
nested_tests='vm/[im][mt]*-guest'
wqs=2
vectors=8
eventfds=/sys/kernel/debug/vfio_irqs/eventfds

a=$(new_uuid)   # ims_accel-2q8v, by virsh nodedev-create
m=$(new_uuid)   # mtty-2, by mdevctl start
n=$(new_uuid)   # mtty-1 as a NetMos 9912, through sysfs
x=$(new_uuid)   # mdpy-xga, by mdevctl define and virsh nodedev-start
v=$(new_uuid)   # mdpy-vga, through sysfs
cleanup() {
	virsh destroy $dom >/dev/null 2>&1
	for u in $a $m $n $x $v; do
		[ ! -e "/sys/bus/mdev/devices/$u" ] ||
			echo 1 > "/sys/bus/mdev/devices/$u/remove"
	done
	mdevctl undefine -u "$x" 2>/dev/null
}
trap cleanup EXIT
available() { # <parent> <type>
	cat "/sys/class/mdev_bus/$1/mdev_supported_types/$2/available_instances"
}
all_available() {
	echo "$(available "$bdf" ims_accel-2q8v) $(available mtty mtty-1)" \
		"$(available mdpy mdpy-vga)"
}
domain_gone() {
	! virsh domstate $dom >/dev/null 2>&1
}
# VM_HOOK for vm/ims-accel-guest's "host-counts <vectors 1..m> <events>":
# the host counted the same.
answer() {
	ims_accel_host_counts_hook "$a" $vectors "$events_before" "$@"
}

# Thirty cases of its own, one of them the answer to vm/ims-accel-guest's
# host-counts request; and the nested runner's cases.
plan 30 nested
check modules-load modprobe -a vfio_iommu_type1 mtty mdpy
avail=$(all_available)
base=$(cat $eventfds)
events_before=$(irq_count ims_accel-event)
mdev_xml "$ims" ims_accel-2q8v "$a" > $dir/ims.xml
check create-ims-accel virsh nodedev-create $dir/ims.xml
check create-mtty-2 mdevctl start -p mtty -t mtty-2 -u "$m"
check create-mtty-1 sh -c "echo $n > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create"
check define-mdpy-xga mdevctl define -p mdpy -t mdpy-xga -u "$x"
wait_for 30 nodedev_listed "$(mdev_nodedev "$x" mdpy)" --inactive --cap mdev
check start-mdpy-xga virsh nodedev-start "$(mdev_nodedev "$x" mdpy)"
check create-mdpy-vga sh -c "echo $v > /sys/class/mdev_bus/mdpy/mdev_supported_types/mdpy-vga/create"

# On the root bus, as vm.sh's -device puts them (vm/mtty-guest expects its
# INTx on an IO-APIC line): libvirt would give each a PCIe root port of
# its own, behind which the nested kernel found no INTx route for the
# mtty card ("PCI INT A: no GSI").
hostdev() { # <uuid> <alias> <slot>
	echo "    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>"
	echo "      <alias name='ua-$2'/>"
	echo "      <source><address uuid='$1'/></source>"
	echo "      <address type='pci' domain='0' bus='0' slot='$3' function='0'/>"
	echo "    </hostdev>"
}
property() { # <name> <value>
	echo "        <qemu:property name='$1' type='unsigned' value='$(printf %d "$2")'/>"
}
# ttyS0 the console, ttyS1 the runner's results, ttyS2 the answers to
# vm_ask (vm.sh); 8250 has four ports unless told, the cards bring three.
mkfifo $dir/ctl.in $dir/ctl.out
cat > $dir/dom.xml <<EOF
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$dom</name>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>/mdev-ims/boot/vmlinuz</kernel>
    <initrd>/mdev-ims/boot/initramfs.cpio.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 oops=panic no_timer_check mdev_ims.mode=check mdev_ims.tests=$nested_tests mdev_ims.boot=nested mdev_ims.iav=$wqs,$vectors 8250.nr_uarts=8</cmdline>
  </os>
  <cpu mode='custom' match='exact'>
    <model fallback='forbid'>qemu64</model>
    <feature policy='disable' name='cx16'/>
  </cpu>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'><source path='$dir/console.log'/><target port='0'/></serial>
    <serial type='file'><source path='$dir/results.log'/><target port='1'/></serial>
    <serial type='pipe'><source path='$dir/ctl'/><target port='2'/></serial>
$(hostdev "$a" ims-accel 2)
$(hostdev "$m" mtty-2 3)
$(hostdev "$n" netmos 4)
$(hostdev "$x" xga 5)
$(hostdev "$v" vga 6)
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
  <qemu:override>
    <qemu:device alias='ua-netmos'>
      <qemu:frontend>
$(property x-pci-vendor-id 0x9710)
$(property x-pci-device-id 0x9912)
$(property x-pci-sub-vendor-id 0xa000)
$(property x-pci-sub-device-id 0x1000)
      </qemu:frontend>
    </qemu:device>
  </qemu:override>
</domain>
EOF

start=$(cut -d' ' -f1 /proc/uptime)
check_eq domain-create "Domain '$dom' created from $dir/dom.xml" \
	"$(virsh create $dir/dom.xml 2>&1 | sed '/^$/d')"
# What the domain owns, as libvirt says and as QEMU was told.
check_eq domain-hostdevs "$a $m $n $x $v" "$(virsh dumpxml $dom |
	sed -n "s/.*<address uuid='\([^']*\)'.*/\1/p" | tr '\n' ' ' | sed 's/ $//')"
check_eq qemu-sysfsdev "$a $m $n $x $v" "$(tr '\0' '\n' < "/proc/$(cat /run/libvirt/qemu/$dom.pid)/cmdline" |
	sed -n 's|.*"sysfsdev":"/sys/bus/mdev/devices/\([^"]*\)".*|\1|p' |
	tr '\n' ' ' | sed 's/ $//')"

# In use by the domain: libvirt refuses to destroy the node devices.
for d in "ims-accel $a $bdf" "mtty-2 $m mtty" "mdpy-xga $x mdpy"; do
	# shellcheck disable=SC2086 # case, uuid and parent
	set -- $d
	name=$(mdev_nodedev "$2" "$3")
	out=$(virsh nodedev-destroy "$name" 2>&1)
	case "$out" in
	*"Unable to destroy '$name': device in use"*)
		ok "destroy-in-use-refused-$1" ;;
	*) not_ok "destroy-in-use-refused-$1" "$(echo "$out" | tr '\n' ' ')" ;;
	esac
done
check_eq in-use-kept "" "$(for u in $a $m $n $x $v; do
	[ -e "/sys/bus/mdev/devices/$u" ] || echo "$u"; done)"

# The nested runner powers its guest off when done; the domain goes.
# shellcheck disable=SC2034 # read by vm.sh
VM_HOOK=answer
until domain_gone || [ $(($(cut -d. -f1 /proc/uptime) - ${start%.*})) -ge 1500 ]; do
	vm_serve $dir
	sleep 0.2
done
vm_serve $dir
end=$(cut -d' ' -f1 /proc/uptime)
echo "# domain: $(echo "$start $end" | awk '{ print $2 - $1 }') s from virsh create to its end"
check domain-ended domain_gone

# The nested kernel enumerates the five instances as their devices.
pci_ids() {
	sed -n 's/.*pci \([0-9a-f:.]*\): \[\([0-9a-f:]*\)\] type 00 class \(0x[0-9a-f]*\).*/\2 \3/p' \
		$dir/console.log | grep -v '^8086:' | sort
}
check_eq nested-sees-devices "1b36:000f 0x038000
1b36:000f 0x038000
1b36:00f1 0x120000
4d54:545a 0x070002
9710:9912 0x070002" "$(pci_ids)"
vm_forward nested $dir/results.log
plan_forwarded $dir/results.log
vm_check_console nested-log-clean $dir/console.log
qlog=/var/log/libvirt/qemu/$dom.log
if grep -Ei 'qemu-system-x86_64: .*(warning|error)' $qlog > $dir/qemu-warnings; then
	not_ok qemu-quiet "$(head -n 5 $dir/qemu-warnings | tr '\n' ' ')"
else
	ok qemu-quiet
fi
check_eq eventfds-released "$base" "$(cat $eventfds)"

# The domain let go of its instances: each is removed as it was made.
check destroy-ims-accel virsh nodedev-destroy "$(mdev_nodedev "$a" "$bdf")"
check stop-mtty-2 mdevctl stop -u "$m"
check remove-mtty-1 sh -c "echo 1 > /sys/bus/mdev/devices/$n/remove"
check destroy-mdpy-xga virsh nodedev-destroy "$(mdev_nodedev "$x" mdpy)"
check undefine-mdpy-xga virsh nodedev-undefine "$(mdev_nodedev "$x" mdpy)"
check remove-mdpy-vga sh -c "echo 1 > /sys/bus/mdev/devices/$v/remove"
check_eq no-instances-left "" "$(for u in $a $m $n $x $v; do
	[ ! -e "/sys/bus/mdev/devices/$u" ] || echo "$u"; done)"
check_eq available-restored "$avail" "$(all_available)"
check_eq no-definitions-left "" "$(mdevctl list --defined | grep -e "$a" -e "$m" \
	-e "$n" -e "$x" -e "$v")"
# libvirt drops the node devices when udev tells it of the removals.
ours_listed() {
	virsh -q nodedev-list --all --cap mdev | grep -e "$(nodedev_safe "$a")" \
		-e "$(nodedev_safe "$m")" -e "$(nodedev_safe "$n")" \
		-e "$(nodedev_safe "$x")" -e "$(nodedev_safe "$v")"
}
none_listed() {
	[ -z "$(ours_listed)" ]
}
wait_for 30 none_listed
check_eq no-nodedevs-left "" "$(ours_listed)"
tap_done
