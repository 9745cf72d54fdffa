#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# TIMEOUT: 500
# A transient libvirt domain (virsh create) of type kvm owns three
# instances through <hostdev mode='subsystem' type='mdev' model='vfio-pci'>,
# each made another way: an ims_accel-1q4v by virsh nodedev-create, an
# mtty-2 by mdevctl and an mdpy-xga (with display='on') through sysfs;
# libvirt takes any of them by UUID, whatever their parent. The domain
# boots the bench's kernel and initramfs from /mdev-ims/boot, whose
# kernel enumerates the three devices and whose runner reports on the
# second serial port; while it runs the instances cannot be destroyed
# and the mdpy display shows the instance's mode; once the domain is gone
# every instance can be removed and nothing is left.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/libvirt.sh

bdf=$(ims_accel_bdf)
[ -n "$bdf" ] || skip_all "no ims-accel function (QEMU without the model)"
ims=pci_$(nodedev_safe "$bdf")
dom=mdev-ims-libvirt
dir=/tmp/libvirt-domain
rm -rf $dir
mkdir -p $dir
# The nested guest's runner runs the tests matching this (none yet: it
# reports its kernel and that it is done).
nested_tests=none

a=$(new_uuid)   # ims_accel-1q4v, by virsh nodedev-create
m=$(new_uuid)   # mtty-2, by mdevctl
p=$(new_uuid)   # mdpy-xga, through sysfs
cleanup() {
	virsh destroy $dom >/dev/null 2>&1
	for u in $a $m $p; do
		[ ! -e "/sys/bus/mdev/devices/$u" ] ||
			echo 1 > "/sys/bus/mdev/devices/$u/remove"
	done
}
trap cleanup EXIT
available() { # <parent> <type>
	cat "/sys/class/mdev_bus/$1/mdev_supported_types/$2/available_instances"
}
domain_gone() {
	! virsh domstate $dom >/dev/null 2>&1
}

check modules-load modprobe -a vfio_iommu_type1 mtty mdpy
avail_a=$(available "$bdf" ims_accel-1q4v)
avail_m=$(available mtty mtty-2)
avail_p=$(available mdpy mdpy-xga)

mdev_xml "$ims" ims_accel-1q4v "$a" > $dir/ims.xml
check create-ims-accel virsh nodedev-create $dir/ims.xml
check create-mtty mdevctl start -p mtty -t mtty-2 -u "$m"
check create-mdpy sh -c "echo $p > /sys/class/mdev_bus/mdpy/mdev_supported_types/mdpy-xga/create"

hostdev() { # <uuid> [display]
	echo "    <hostdev mode='subsystem' type='mdev' model='vfio-pci'${2:+ display='$2'}>"
	echo "      <source><address uuid='$1'/></source>"
	echo "    </hostdev>"
}
cat > $dir/dom.xml <<EOF
<domain type='kvm'>
  <name>$dom</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>/mdev-ims/boot/vmlinuz</kernel>
    <initrd>/mdev-ims/boot/initramfs.cpio.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 oops=panic mdev_ims.mode=check mdev_ims.tests=$nested_tests mdev_ims.boot=nested</cmdline>
  </os>
  <cpu mode='host-passthrough'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'><source path='$dir/console.log'/><target port='0'/></serial>
    <serial type='file'><source path='$dir/results.log'/><target port='1'/></serial>
    <graphics type='vnc'><listen type='none'/></graphics>
    <video><model type='none'/></video>
$(hostdev "$a")
$(hostdev "$m")
$(hostdev "$p" on)
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOF

start=$(cut -d' ' -f1 /proc/uptime)
check_eq domain-create "Domain '$dom' created from $dir/dom.xml" \
	"$(virsh create $dir/dom.xml 2>&1 | sed '/^$/d')"
# What the domain owns, as libvirt says and as QEMU was told.
check_eq domain-hostdevs "$a $m $p" "$(virsh dumpxml $dom |
	sed -n "s/.*<address uuid='\([^']*\)'.*/\1/p" | tr '\n' ' ' | sed 's/ $//')"
check_eq qemu-sysfsdev "$a $m $p" "$(tr '\0' '\n' < "/proc/$(cat /run/libvirt/qemu/$dom.pid)/cmdline" |
	sed -n 's|.*"sysfsdev":"/sys/bus/mdev/devices/\([^"]*\)".*|\1|p' |
	tr '\n' ' ' | sed 's/ $//')"

# The mdpy display: QEMU shows the instance's plane, whatever the guest
# does, so a screenshot has the mode of the type: 1024x768 for mdpy-xga,
# where QEMU's placeholder for a display without a plane is 640x480.
if virsh screenshot $dom $dir/screen.png >/dev/null 2>&1; then
	check_eq mdpy-display-size "1024x768" "$(od -An -tu1 -j16 -N8 $dir/screen.png |
		awk '{ printf "%dx%d", (($1 * 256 + $2) * 256 + $3) * 256 + $4,
			(($5 * 256 + $6) * 256 + $7) * 256 + $8 }')"
else
	not_ok mdpy-display-size "virsh screenshot failed"
fi

# In use by the domain: libvirt refuses to destroy the node devices.
for u in $a $m; do
	n=$(mdev_nodedev "$u" "$(basename "$(dirname "$(readlink -f "/sys/bus/mdev/devices/$u")")")")
	out=$(virsh nodedev-destroy "$n" 2>&1)
	case "$out" in
	*"Unable to destroy '$n': device in use"*) ok "destroy-in-use-refused-$n" ;;
	*) not_ok "destroy-in-use-refused-$n" "$(echo "$out" | tr '\n' ' ')" ;;
	esac
done
check in-use-kept sh -c "test -e /sys/bus/mdev/devices/$a && test -e /sys/bus/mdev/devices/$m"

# The nested guest's runner powers it off when done; the domain goes.
wait_for 400 domain_gone
end=$(cut -d' ' -f1 /proc/uptime)
echo "# domain: $(echo "$start $end" | awk '{ print $2 - $1 }') s from virsh create to its end"
check domain-ended domain_gone
check nested-kernel-runs-init grep -q 'Run /init as init process' $dir/console.log
# The nested kernel enumerates the three instances as their devices.
pci_ids() {
	sed -n 's/.*pci \([0-9a-f:.]*\): \[\([0-9a-f:]*\)\] type 00 class \(0x[0-9a-f]*\).*/\2 \3/p' \
		$dir/console.log | sort
}
check_eq nested-sees-devices "1b36:000f 0x038000
1b36:00f1 0x120000
4d54:545a 0x070002" "$(pci_ids | grep -v '^8086:')"
# A stray 0xff may come before the runner's first line: seen with the ims
# kernel, whose 8250 (CONFIG_SERIAL_8250_DETECT_IRQ) probes a legacy port's
# IRQ by writing 0xff to it.
check_eq nested-runner-kernel "# mdev-ims: kernel $(uname -r)" \
	"$(tr -d '\r' < $dir/results.log | sed -n 's/^[^#]*\(# mdev-ims: kernel \)/\1/p')"
if grep -q '^# mdev-ims: done' $dir/results.log; then
	ok nested-runner-done
else
	not_ok nested-runner-done "the nested guest's runner did not finish"
	tail -n 20 $dir/console.log | sed 's/^/# /'
fi
if grep -Eq 'Oops|BUG:|WARNING:|Kernel panic|Call Trace:' $dir/console.log; then
	not_ok nested-log-clean "kernel reports in the nested guest's log"
	grep -E -A 12 'Oops|BUG:|WARNING:|Kernel panic|Call Trace:' $dir/console.log |
		head -n 40 | sed 's/^/# /'
else
	ok nested-log-clean
fi
qlog=/var/log/libvirt/qemu/$dom.log
if grep -Ei 'qemu-system-x86_64: .*(warning|error)' $qlog > $dir/qemu-warnings; then
	not_ok qemu-log-clean "$(head -n 5 $dir/qemu-warnings | tr '\n' ' ')"
else
	ok qemu-log-clean
fi

# The domain let go of its instances: each is removed as it was made.
check destroy-ims-accel virsh nodedev-destroy "$(mdev_nodedev "$a" "$bdf")"
check stop-mtty mdevctl stop -u "$m"
check remove-mdpy sh -c "echo 1 > /sys/bus/mdev/devices/$p/remove"
check_eq no-leftovers "" "$(for u in $a $m $p; do
	[ ! -e "/sys/bus/mdev/devices/$u" ] || echo "$u"; done)"
check_eq available-restored "$avail_a $avail_m $avail_p" \
	"$(available "$bdf" ims_accel-1q4v) $(available mtty mtty-2) $(available mdpy mdpy-xga)"
# libvirt drops the node devices when udev tells it of the removals.
ours_listed() {
	virsh -q nodedev-list --all --cap mdev | grep -e "$(nodedev_safe "$a")" \
		-e "$(nodedev_safe "$m")" -e "$(nodedev_safe "$p")"
}
none_listed() {
	[ -z "$(ours_listed)" ]
}
wait_for 30 none_listed
check_eq nodedevs-gone "" "$(ours_listed)"
tap_done
