/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ims-accel: register interface of the IMS-capable accelerator
 *
 * Shared by the QEMU device model and the kernel parent driver; the
 * contract is described in Documentation/misc-devices/ims-accel.rst.
 * Only constants: all registers are little-endian, 32 bits wide unless
 * noted.
 */
#ifndef _UAPI_LINUX_IMS_ACCEL_H
#define _UAPI_LINUX_IMS_ACCEL_H

/* PCI identity */
#define IMS_ACCEL_VENDOR_ID		0x1b36
#define IMS_ACCEL_DEVICE_ID		0x00f0	/* physical function */
#define IMS_ACCEL_MDEV_DEVICE_ID	0x00f1	/* mediated instance */
#define IMS_ACCEL_CLASS			0x120000	/* processing accelerator */

/* BAR numbers */
#define IMS_ACCEL_BAR_CTRL		0	/* host control registers */
#define IMS_ACCEL_BAR_PORTAL		2	/* submission portals */
#define IMS_ACCEL_BAR_LMEM		4	/* local memory */

/* Property limits and defaults */
#define IMS_ACCEL_WQS_MIN		1
#define IMS_ACCEL_WQS_MAX		256
#define IMS_ACCEL_WQS_DEFAULT		64
#define IMS_ACCEL_IMS_MIN		1
#define IMS_ACCEL_IMS_MAX		32768
#define IMS_ACCEL_IMS_DEFAULT		4096
#define IMS_ACCEL_MSIX_MIN		2
#define IMS_ACCEL_MSIX_MAX		2048
#define IMS_ACCEL_MSIX_DEFAULT		16
#define IMS_ACCEL_SRAM_MIN		0x1000
#define IMS_ACCEL_SRAM_MAX		0x100000
#define IMS_ACCEL_SRAM_DEFAULT		0x4000
#define IMS_ACCEL_DEPTH_MIN		1
#define IMS_ACCEL_DEPTH_MAX		255
#define IMS_ACCEL_DEPTH_DEFAULT		32

/* BAR0: host control, 1 MiB */
#define IMS_ACCEL_BAR0_SIZE		0x100000
#define IMS_ACCEL_REG_ID		0x0000
#define  IMS_ACCEL_ID_MAGIC		0x41534d49	/* "IMSA" */
#define IMS_ACCEL_REG_VERSION		0x0004
#define  IMS_ACCEL_VERSION_1		0x00010000
#define IMS_ACCEL_REG_NUM_WQS		0x0008
#define IMS_ACCEL_REG_NUM_IMS		0x000c
#define IMS_ACCEL_REG_WQ_DEPTH		0x0010
#define IMS_ACCEL_REG_SRAM_SIZE		0x0014
#define IMS_ACCEL_REG_GEN_CTRL		0x0020
#define  IMS_ACCEL_GEN_CTRL_ENABLE	(1U << 0)
#define  IMS_ACCEL_GEN_CTRL_RESET	(1U << 1)
#define IMS_ACCEL_REG_GEN_STATUS	0x0024
#define  IMS_ACCEL_GEN_STATUS_ENABLED	(1U << 0)
#define IMS_ACCEL_REG_EVT_CAUSE		0x0028
#define IMS_ACCEL_REG_EVT_MASK		0x002c
#define  IMS_ACCEL_EVT_WQ_ERROR		(1U << 0)
#define IMS_ACCEL_REG_ERR_WQ		0x0030

/* Per-queue configuration: 32 bytes per queue */
#define IMS_ACCEL_WQ_CFG_BASE		0x1000
#define IMS_ACCEL_WQ_CFG_STRIDE		0x20
#define IMS_ACCEL_WQ_CFG(n)		(IMS_ACCEL_WQ_CFG_BASE + \
					 (n) * IMS_ACCEL_WQ_CFG_STRIDE)
#define IMS_ACCEL_WQ_CTRL		0x00
#define  IMS_ACCEL_WQ_CTRL_ENABLE	(1U << 0)
#define  IMS_ACCEL_WQ_CTRL_RESET	(1U << 1)
#define IMS_ACCEL_WQ_STATUS		0x04
#define  IMS_ACCEL_WQ_STATUS_ENABLED	(1U << 0)
#define  IMS_ACCEL_WQ_STATUS_ERROR	(1U << 1)
#define  IMS_ACCEL_WQ_STATUS_QUEUED_SHIFT 16
#define  IMS_ACCEL_WQ_STATUS_QUEUED_MASK (0xffU << 16)
#define IMS_ACCEL_WQ_INT_BASE		0x08
#define IMS_ACCEL_WQ_INT_COUNT		0x0c
#define IMS_ACCEL_WQ_INT_TABLE		0x10
#define  IMS_ACCEL_INT_TABLE_IMS	0
#define  IMS_ACCEL_INT_TABLE_MSIX	1
#define IMS_ACCEL_WQ_COMPLETED		0x14
#define IMS_ACCEL_WQ_ERRORS		0x18

/* MSI-X table and PBA inside BAR0 */
#define IMS_ACCEL_MSIX_TABLE		0x8000
#define IMS_ACCEL_MSIX_PBA		0x10000
#define IMS_ACCEL_MSIX_VEC_EVENT	0	/* device events (WQ_ERROR) */

/* Interrupt Message Store: 16 bytes per entry */
#define IMS_ACCEL_IMS_BASE		0x20000
#define IMS_ACCEL_IMS_STRIDE		0x10
#define IMS_ACCEL_IMS_ENTRY(i)		(IMS_ACCEL_IMS_BASE + \
					 (i) * IMS_ACCEL_IMS_STRIDE)
#define IMS_ACCEL_IMS_ADDR_LO		0x0
#define IMS_ACCEL_IMS_ADDR_HI		0x4
#define IMS_ACCEL_IMS_DATA		0x8
#define IMS_ACCEL_IMS_CTRL		0xc
#define  IMS_ACCEL_IMS_CTRL_MASK	(1U << 0)
#define IMS_ACCEL_IMS_PENDING		0xa0000	/* bit i: entry i pending */

/* BAR2: submission portals, one 4 KiB page per queue */
#define IMS_ACCEL_PORTAL_SIZE		0x1000
#define IMS_ACCEL_PORTAL_DESC		0x000
#define IMS_ACCEL_PORTAL_DOORBELL	0x040
#define IMS_ACCEL_PORTAL_QUEUED		0x044
#define IMS_ACCEL_PORTAL_COMPLETED	0x048
#define IMS_ACCEL_PORTAL_ERRORS		0x04c

/* Descriptor: 64 bytes, little-endian fields */
#define IMS_ACCEL_DESC_SIZE		64
#define IMS_ACCEL_DESC_OPCODE		0x00	/* u8 */
#define IMS_ACCEL_DESC_FLAGS		0x01	/* u8 */
#define IMS_ACCEL_DESC_INT_HANDLE	0x02	/* u16 */
#define IMS_ACCEL_DESC_SEQ		0x04	/* u32 */
#define IMS_ACCEL_DESC_PATTERN		0x08	/* u64 */
#define IMS_ACCEL_DESC_SRC		0x10	/* u32 */
#define IMS_ACCEL_DESC_DST		0x14	/* u32 */
#define IMS_ACCEL_DESC_LEN		0x18	/* u32 */
#define IMS_ACCEL_DESC_COMP		0x1c	/* u32 */
#define IMS_ACCEL_DESC_RSVD		0x20	/* 32 bytes, must be zero */
#define IMS_ACCEL_DESC_RSVD_SIZE	32

#define IMS_ACCEL_OP_NOP		0
#define IMS_ACCEL_OP_FILL		1
#define IMS_ACCEL_OP_COPY		2
#define IMS_ACCEL_OP_CRC32C		3

#define IMS_ACCEL_DESC_F_INTERRUPT	(1U << 0)
#define IMS_ACCEL_DESC_F_RECORD		(1U << 1)

/* Completion record: 16 bytes, 16-byte aligned */
#define IMS_ACCEL_COMP_SIZE		16
#define IMS_ACCEL_COMP_ALIGN		16
#define IMS_ACCEL_COMP_STATUS		0x0	/* u8 */
#define IMS_ACCEL_COMP_OPCODE		0x1	/* u8 */
#define IMS_ACCEL_COMP_SEQ		0x4	/* u32 */
#define IMS_ACCEL_COMP_RESULT		0x8	/* u32 */
#define IMS_ACCEL_COMP_BYTES		0xc	/* u32 */

#define IMS_ACCEL_STATUS_SUCCESS	0x01
#define IMS_ACCEL_STATUS_BAD_OPCODE	0x10
#define IMS_ACCEL_STATUS_BAD_RANGE	0x11
#define IMS_ACCEL_STATUS_BAD_HANDLE	0x12
#define IMS_ACCEL_STATUS_RSVD_NONZERO	0x13
#define IMS_ACCEL_STATUS_OVERLAP	0x14

#endif /* _UAPI_LINUX_IMS_ACCEL_H */
