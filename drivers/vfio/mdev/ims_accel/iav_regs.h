/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ims-accel mediated instance: the guest-visible register interface
 *
 * What a guest driver (or a VMM test acting as one) sees of an instance
 * of the ims_accel mdev parent. Only constants, so that userspace can use
 * it too; Documentation/driver-api/ims-accel-instance.rst describes it.
 * All registers are 32 bits wide and little-endian.
 */
#ifndef _IMS_ACCEL_IAV_REGS_H
#define _IMS_ACCEL_IAV_REGS_H

/* PCI identity of an instance: 1b36:00f1, class 0x120000 */
#define IAV_VENDOR_ID			0x1b36
#define IAV_DEVICE_ID			0x00f1
#define IAV_SUBSYS_ID			0x0001
#define IAV_REVISION			0x01

/* Offset of the MSI-X capability in config space (the only capability) */
#define IAV_CFG_MSIX_CAP		0x40

/*
 * BAR0 (32-bit memory, 4 KiB): the emulated control page.
 * BAR2 (32-bit memory): the portals of the instance's queues, one 4 KiB
 *	page each, mapped straight to the hardware; then, in the last page
 *	of the BAR, the MSI-X table (at +0) and PBA (at +IAV_PBA_OFFSET),
 *	trapped. The BAR is the next power of two above (queues + 1) pages.
 * BAR4 (32-bit prefetchable memory): the local memory windows of the
 *	instance's queues, SRAM_SIZE bytes each, mapped straight to the
 *	hardware.
 */
#define IAV_BAR_CTRL			0
#define IAV_BAR_PORTAL			2
#define IAV_BAR_LMEM			4
#define IAV_CTRL_SIZE			0x1000
#define IAV_PAGE_SIZE			0x1000
#define IAV_PBA_OFFSET			0x800

/* Control page */
#define IAV_REG_ID			0x000
#define  IAV_ID_MAGIC			0x56534d49	/* "IMSV" */
#define IAV_REG_VERSION			0x004
#define  IAV_VERSION_1			0x00010000
#define IAV_REG_NUM_WQS			0x008	/* queues of the instance */
#define IAV_REG_NUM_VECTORS		0x00c	/* host-backed vectors: 1..m */
#define IAV_REG_WQ_DEPTH		0x010
#define IAV_REG_SRAM_SIZE		0x014
#define IAV_REG_EVT_CAUSE		0x020	/* RW1C */
#define IAV_REG_EVT_MASK		0x024	/* RW, reset IAV_EVT_WQ_ERROR */
#define  IAV_EVT_WQ_ERROR		0x00000001U
#define IAV_REG_ERR_WQ			0x028	/* instance-relative queue */

/* Per queue j of the instance: 16 bytes at IAV_WQ_REGS(j) */
#define IAV_WQ_BASE			0x100
#define IAV_WQ_STRIDE			0x10
#define IAV_WQ_REGS(j)			(IAV_WQ_BASE + (j) * IAV_WQ_STRIDE)
#define IAV_WQ_CTRL			0x0	/* RW */
#define  IAV_WQ_CTRL_ENABLE		0x00000001U
#define  IAV_WQ_CTRL_RESET		0x00000002U	/* reads 0 */
#define IAV_WQ_STATUS			0x4	/* RO, as the device's */
#define  IAV_WQ_STATUS_ENABLED		0x00000001U
#define  IAV_WQ_STATUS_ERROR		0x00000002U
#define  IAV_WQ_STATUS_QUEUED_SHIFT	16
#define  IAV_WQ_STATUS_QUEUED_MASK	0x00ff0000U
#define IAV_WQ_COMPLETED		0x8	/* RO */
#define IAV_WQ_ERRORS			0xc	/* RO */

/* Queues an instance may have: they must fit the control page */
#define IAV_MAX_WQS			((IAV_CTRL_SIZE - IAV_WQ_BASE) / \
					 IAV_WQ_STRIDE)
/* Host-backed vectors an instance may have: the table fits its page */
#define IAV_MAX_VECTORS			(IAV_PBA_OFFSET / 16 - 1)

#endif /* _IMS_ACCEL_IAV_REGS_H */
