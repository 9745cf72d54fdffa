/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mdpy: the contract between the mediated display device (mdpy.ko, host
 * side) and its guest framebuffer driver (mdpy-fb.ko).
 *
 * The device is a PCI display controller (class 0x0380, "other display")
 * with one resource:
 *
 *   BAR0  32-bit prefetchable memory: the framebuffer, a power of two in
 *         size. Pixels start at offset 0, line n at n * STRIDE, in the DRM
 *         fourcc format FORMAT (little endian).
 *
 * Everything else lives in PCI config space:
 *
 *   0x40  vendor-specific capability (MDPY_CAP_*), version 1: the mode of
 *         the display (read only) and its frame tick (CTRL, STATUS, FRAMES).
 *   0x70  MSI capability: one vector, 64-bit address, no per-vector mask.
 *         The guest programs it as usual; the host side delivers the
 *         vector through VFIO_DEVICE_SET_IRQS, whose state (not the enable
 *         bit here) decides whether MSI is in use, as with vfio-pci.
 *   0x3d  interrupt pin INTA, used when MSI is off.
 *
 * Frame tick: while CTRL.TICK_EN is set the device ends a frame every
 * 1/REFRESH seconds. Each frame end increments FRAMES and sets
 * STATUS.TICK, then
 *   - with MSI enabled, sends the MSI (edge: one message per frame; the
 *     guest need not acknowledge it, STATUS.TICK only says a frame ended);
 *   - with INTx enabled, asserts INTA while STATUS.TICK is set and
 *     PCI_COMMAND_INTX_DISABLE is clear; the guest acknowledges by writing
 *     1 to STATUS.TICK, which deasserts the line (level semantics).
 * Frame ends that the guest has not acknowledged merge, as a vblank
 * interrupt would. Clearing TICK_EN stops the tick at once: no interrupt
 * follows the write, and STATUS.TICK is cleared. A device reset (or the
 * host user closing the device) clears CTRL, STATUS and FRAMES.
 */
#ifndef _MDPY_DEFS_H
#define _MDPY_DEFS_H

/* PCI identity */
#define MDPY_PCI_VENDOR_ID		0x1b36	/* Red Hat, as upstream mdpy */
#define MDPY_PCI_DEVICE_ID		0x000f
#define MDPY_PCI_SUBVENDOR_ID		0x1af4
#define MDPY_PCI_SUBDEVICE_ID		0x1100
#define MDPY_PCI_REVISION		0x02	/* 2: has the frame tick */
#define MDPY_PCI_CLASS			0x038000

/* Vendor capability in config space; registers are 32-bit, little endian */
#define MDPY_CAP_OFFSET			0x40
#define MDPY_CAP_VERSION		0x43	/* byte: layout version */
#define MDPY_CAP_FORMAT			0x44	/* DRM fourcc */
#define MDPY_CAP_WIDTH			0x48	/* pixels */
#define MDPY_CAP_HEIGHT			0x4c	/* lines */
#define MDPY_CAP_STRIDE			0x50	/* bytes from line to line */
#define MDPY_CAP_REFRESH		0x54	/* frame ticks per second */
#define MDPY_CAP_CTRL			0x58	/* read/write */
#define MDPY_CAP_STATUS			0x5c	/* write 1 to clear */
#define MDPY_CAP_FRAMES			0x60	/* frame ends since reset */
#define MDPY_CAP_SIZE			0x24
#define MDPY_CAP_VERSION_1		1

#define MDPY_CTRL_TICK_EN		BIT(0)
#define MDPY_STATUS_TICK		BIT(0)

/* MSI capability */
#define MDPY_MSI_OFFSET			0x70
#define MDPY_MSI_SIZE			0x0e

#endif /* _MDPY_DEFS_H */
