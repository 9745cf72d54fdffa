#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: nested
# TIMEOUT: 600
# The nested side of vm/mtty: two mtty instances assigned by vm/mtty, a
# two-port one (null modem) as it is, which 8250_pci drives with INTx, and
# a one-port one (loopback plug) that QEMU shows with the IDs of a NetMos
# 9912 card, which 8250_pci drives with MSI. The driver finds the ports,
# bytes written to a port arrive exactly at the other end, and each card's
# interrupts come in its mode.
#
# The serial core counts every byte a port sent and received, so those
# counts are exact. How many interrupts carry them is not the device's to
# say: the 8250 driver handles what is pending at each one, and QEMU's
# INTx (under TCG, without KVM's resampling) raises the line again until
# the guest next touches the BAR, so the interrupt counts are only shown.
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

# The serial core's counts of a port: "<bytes sent> <bytes received>".
port_counts() {
	awk -v line="${1#ttyS}:" '$1 == line {
		tx = 0; rx = 0
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^tx:/) tx = substr($i, 4)
			if ($i ~ /^rx:/) rx = substr($i, 4)
		}
		print tx, rx
	}' /proc/tty/driver/serial
}
# moved <port> <counts before>: what the port sent and received since.
moved() {
	# shellcheck disable=SC2046 # two counts each
	set -- $(port_counts "$1") $2
	echo "$(($1 - $3)) $(($2 - $4))"
}
# The serial core shows an error count of a port (overrun, framing,
# parity, break) only once it is not 0.
line_errors() {
	for t in "$@"; do
		awk -v line="${t#ttyS}:" '$1 == line' /proc/tty/driver/serial |
			grep -oE '(oe|fe|pe|brk|bo):[0-9]+' | sed "s/^/$t /"
	done
}

plan 21
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
count_a=$(port_counts "$a")
count_b=$(port_counts "$b")
send "$a" "$b" a-to-b
check a-to-b-exact cmp $dir/data $dir/a-to-b.got
send "$b" "$a" b-to-a
check b-to-a-exact cmp $dir/data $dir/b-to-a.got
# Each port sent the data once and received it once, not a byte more.
check_eq port-a-counts "$size $size" "$(moved "$a" "$count_a")"
check_eq port-b-counts "$size $size" "$(moved "$b" "$count_b")"
echo "# $(($(irq_count "$irq") - before)) INTx interrupts for $((2 * size)) bytes"

irq=$(cat "/sys/class/tty/$l/irq")
check_eq msi-line "PCI-MSI-$msi 0-edge" "$(irq_chip "$irq")"
check msi-enabled test -e /sys/bus/pci/devices/"$msi"/msi_irqs/"$irq"
before=$(irq_count "$irq")
count_l=$(port_counts "$l")
send "$l" "$l" loop
check loopback-exact cmp $dir/data $dir/loop.got
check_eq loop-port-counts "$size $size" "$(moved "$l" "$count_l")"
echo "# $(($(irq_count "$irq") - before)) MSIs for $size bytes"
check_eq no-line-errors "" "$(line_errors "$a" "$b" "$l")"
exec 4<&- 5<&- 6<&-
tap_done
