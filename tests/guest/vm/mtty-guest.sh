#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: nested
# The nested side of vm/mtty: two mtty instances assigned by vm/mtty, a
# two-port one (null modem) as it is, which 8250_pci drives with INTx, and
# a one-port one (loopback plug) that QEMU shows with the IDs of a NetMos
# 9912 card, which 8250_pci drives with MSI. The driver finds the ports,
# bytes written to a port arrive exactly at the other end, and each card's
# interrupts come in its mode.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/irq.sh

MTTY2=4d54:545a		# mtty-2: device 0x5459 + ports - 1
NETMOS=9710:9912	# what vm/mtty makes QEMU show for the mtty-1
dir=/tmp/mtty-guest
rm -rf $dir
mkdir -p $dir

# The ttyS ports of a PCI device, in the order of their I/O ports.
ports_of() {
	for t in /sys/class/tty/ttyS*; do
		case "$(readlink -f "$t")" in
		*/"$1"/*) echo "$(cat "$t/port") ${t##*/}" ;;
		esac
	done | sort | cut -d' ' -f2
}
# Every byte value, eight times over.
data() {
	i=0
	while [ $i -lt 256 ]; do
		# shellcheck disable=SC2059 # the octal escape of byte $i
		printf "\\$(printf %o $i)"
		i=$((i + 1))
	done > $dir/bytes
	for i in 1 2 3 4 5 6 7 8; do
		cat $dir/bytes
	done
}
# send <from> <to> <tag>: write the data to port <from>, read it at <to>.
send() {
	timeout 20 head -c "$size" < "/dev/$2" > "$dir/$3.got" &
	reader=$!
	# The reader must have the port open before the first byte comes.
	sleep 1
	cat $dir/data > "/dev/$1"
	wait $reader
}

intx=$(pci_devices $MTTY2)
msi=$(pci_devices $NETMOS)
check_eq intx-card-found 1 "$(echo "$intx" | grep -c .)"
check_eq msi-card-found 1 "$(echo "$msi" | grep -c .)"
if [ -z "$intx" ] || [ -z "$msi" ]; then
	tap_done
fi
check_eq intx-card-driver serial \
	"$(basename "$(readlink /sys/bus/pci/devices/"$intx"/driver)")"
check_eq msi-card-driver serial \
	"$(basename "$(readlink /sys/bus/pci/devices/"$msi"/driver)")"

# shellcheck disable=SC2046 # one word per port
set -- $(ports_of "$intx")
a=${1:-none}
b=${2:-none}
check_eq intx-card-ports 2 $#
l=$(ports_of "$msi")
check_eq msi-card-ports 1 "$(echo "$l" | grep -c .)"
l=${l:-none}
for p in "port-a $a" "port-b $b" "loop-port $l"; do
	t=${p#* }
	# type 4 is PORT_16550A
	check_eq "${p% *}-is-16550a" "4 16" \
		"$(cat "/sys/class/tty/$t/type" "/sys/class/tty/$t/xmit_fifo_size" | xargs)"
	stty -F "/dev/$t" raw -echo -ixon -ixoff clocal -crtscts
done
echo "# ports $a and $b on INTx, $l on MSI"
data > $dir/data
size=$(wc -c < $dir/data)

# Hold the ports open: their interrupts are requested while they are.
exec 4<>"/dev/$a" 5<>"/dev/$b" 6<>"/dev/$l"
irq=$(cat "/sys/class/tty/$a/irq")
check_eq intx-ports-share-line "$irq" "$(cat "/sys/class/tty/$b/irq")"
check_eq intx-line "IO-APIC $irq-fasteoi" "$(irq_chip "$irq")"
check intx-no-msi test ! -e /sys/bus/pci/devices/"$intx"/msi_irqs
before=$(irq_count "$irq")
send "$a" "$b" a-to-b
check a-to-b-exact cmp $dir/data $dir/a-to-b.got
send "$b" "$a" b-to-a
check b-to-a-exact cmp $dir/data $dir/b-to-a.got
n=$(($(irq_count "$irq") - before))
echo "# $n INTx interrupts for $((2 * size)) bytes"
check intx-interrupts test "$n" -gt 0

irq=$(cat "/sys/class/tty/$l/irq")
check_eq msi-line "PCI-MSI-$msi 0-edge" "$(irq_chip "$irq")"
check msi-enabled test -e /sys/bus/pci/devices/"$msi"/msi_irqs/"$irq"
before=$(irq_count "$irq")
send "$l" "$l" loop
check loopback-exact cmp $dir/data $dir/loop.got
n=$(($(irq_count "$irq") - before))
echo "# $n MSIs for $size bytes"
check msi-interrupts test "$n" -gt 0
exec 4<&- 5<&- 6<&-
tap_done
