/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mtty for the tests: its sysfs types, the 16550A registers used, the
 * layout of its migration stream and a helper that loads the module and
 * opens a new instance.
 */
#ifndef MTTY_TEST_H
#define MTTY_TEST_H

#include <stdio.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "vfio_dev.h"

#define MTTY_TYPES	"/sys/class/mdev_bus/mtty/mdev_supported_types"
#define MTTY_MSI_CAP	0x40

#define UART_THR	0
#define UART_RBR	0
#define UART_IER	1
#define UART_IIR	2
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define UART_IER_RDI	0x01
#define UART_IER_THRI	0x02
#define UART_IER_RLSI	0x04
#define UART_LSR_DR	0x01
#define UART_LSR_OE	0x02

/*
 * The migration stream of samples/vfio-mdev/mtty_mig.c: a header (le32
 * magic, le16 version, le16 port count), the config space, the interrupt
 * line and 7 reserved bytes, then 28 bytes per port.
 */
#define MTTY_MIG_MAGIC		0x7974746dU
#define MTTY_MIG_VERSION	1
#define MTTY_MIG_HDR_SIZE	8
#define MTTY_MIG_OFF_VERSION	4
#define MTTY_MIG_OFF_NR_PORTS	6
#define MTTY_MIG_MAX_PORTS	2
#define MTTY_MIG_OFF_LINE	(MTTY_MIG_HDR_SIZE + 256)
#define MTTY_MIG_OFF_PORT(i)	(MTTY_MIG_OFF_LINE + 8 + 28 * (i))
#define MTTY_MIG_SIZE(ports)	MTTY_MIG_OFF_PORT(ports)
/* In a port: struct mtty_uart_regs of samples/vfio-mdev/mtty_uart.h. */
#define MTTY_MIG_PORT_IER	0
#define MTTY_MIG_PORT_RX_HEAD	10
#define MTTY_MIG_PORT_RX_COUNT	11

/* Load mtty (with @args, or as it is) and create and open an instance. */
static inline int mtty_open_new(struct vfio_dev *d, const char *type)
{
	char uuid[40];
	int ret;

	if (!sysfs_exists(MTTY_TYPES))
		modprobe("mtty", NULL);
	modprobe("vfio_iommu_type1", NULL);
	ret = mdev_create(MTTY_TYPES, type, uuid);
	if (ret)
		return ret;
	ret = vfio_dev_open(d, uuid);
	if (ret)
		mdev_remove(uuid);
	return ret;
}

static inline void mtty_destroy(struct vfio_dev *d)
{
	vfio_dev_close(d);
	if (d->uuid[0])
		mdev_remove(d->uuid);
	d->uuid[0] = 0;
}

/*
 * Teardown for a FIXTURE_TEARDOWN_PARENT fixture. At -O2 the harness skips
 * FIXTURE_TEARDOWN after a failed ASSERT (its fork's return value does not
 * survive the longjmp), which would leave the instances and their ports
 * to fail every later test; the _PARENT kind runs either in the test's
 * process, which then closes its fds, or in its parent once the test's
 * process is gone, which only removes. @opener is the test's pid.
 */
static inline void mtty_teardown(struct vfio_dev *d, pid_t opener)
{
	if (getpid() == opener)
		vfio_dev_close(d);
	if (d->uuid[0])
		mdev_remove(d->uuid);
	d->uuid[0] = 0;
}

static inline int mtty_reg_read(struct vfio_dev *d, int port, int reg)
{
	return vfio_read8(d, VFIO_PCI_BAR0_REGION_INDEX + port, reg);
}

static inline int mtty_reg_write(struct vfio_dev *d, int port, int reg,
				 uint8_t val)
{
	return vfio_write8(d, VFIO_PCI_BAR0_REGION_INDEX + port, reg, val);
}

static inline int mtty_cfg_write16(struct vfio_dev *d, int off, uint16_t val)
{
	return vfio_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX, off, &val,
				 2);
}

static inline int mtty_cfg_read16(struct vfio_dev *d, int off)
{
	uint16_t v;
	int ret = vfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, off, &v, 2);

	return ret ? ret : v;
}

#endif /* MTTY_TEST_H */
