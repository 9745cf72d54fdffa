/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mtty for the tests: its sysfs types, the 16550A registers used and a
 * helper that loads the module and opens a new instance.
 */
#ifndef MTTY_TEST_H
#define MTTY_TEST_H

#include <stdio.h>
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
