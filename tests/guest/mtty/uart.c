// SPDX-License-Identifier: GPL-2.0
/*
 * mtty's UART data path and its interrupts: transmit, receive and line
 * status on one- and two-port cards, and the exact number of INTx and MSI
 * signals the device raises for it through the frontend.
 * TIMEOUT: 300
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mtty_test.h"

static int set_efd(int fd, uint32_t index, int32_t efd)
{
	return vfio_irq_eventfds(fd, index, 0, 1, &efd);
}

static int unmask(int fd)
{
	return vfio_set_irqs(fd, VFIO_IRQ_SET_DATA_NONE |
			     VFIO_IRQ_SET_ACTION_UNMASK,
			     VFIO_PCI_INTX_IRQ_INDEX, 0, 1, NULL, 0);
}

FIXTURE(uart) {
	struct vfio_dev d;
	int efd;
	int rx;		/* the port port 0 transmits to */
};

FIXTURE_VARIANT(uart) {
	const char *type;
	int rx;
};

FIXTURE_VARIANT_ADD(uart, one_port) { .type = "mtty-1", .rx = 0 };
FIXTURE_VARIANT_ADD(uart, two_ports) { .type = "mtty-2", .rx = 1 };

FIXTURE_SETUP(uart)
{
	int ret = mtty_open_new(&self->d, variant->type);

	if (ret == -ENOENT && !sysfs_exists(MTTY_TYPES))
		SKIP(return, "mtty is not available in this guest");
	ASSERT_EQ(0, ret);
	self->rx = variant->rx;
	self->efd = efd_new();
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(uart)
{
	mtty_destroy(&self->d);
	close(self->efd);
}

TEST_F(uart, config_space)
{
	struct vfio_dev *d = &self->d;
	uint32_t bar = 0xffffffff;
	int ports = self->rx + 1, i;

	EXPECT_EQ(PCI_STATUS_CAP_LIST,
		  mtty_cfg_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST);
	EXPECT_EQ(0x0700, mtty_cfg_read16(d, PCI_CLASS_DEVICE));
	EXPECT_EQ(MTTY_MSI_CAP, vfio_read8(d, VFIO_PCI_CONFIG_REGION_INDEX,
					   PCI_CAPABILITY_LIST));
	EXPECT_EQ(PCI_CAP_ID_MSI, vfio_read8(d, VFIO_PCI_CONFIG_REGION_INDEX,
					     MTTY_MSI_CAP));
	EXPECT_EQ(1, vfio_read8(d, VFIO_PCI_CONFIG_REGION_INDEX,
				PCI_INTERRUPT_PIN));
	for (i = 0; i < 6; i++) {
		bar = 0xffffffff;
		ASSERT_EQ(0, vfio_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX,
					       PCI_BASE_ADDRESS_0 + 4 * i,
					       &bar, 4));
		ASSERT_EQ(0, vfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX,
					      PCI_BASE_ADDRESS_0 + 4 * i,
					      &bar, 4));
		/* An 8-byte I/O BAR per port, nothing else. */
		EXPECT_EQ(i < ports ? 0xfffffff9 : 0, bar);
		EXPECT_EQ(i < ports ? 8 : 0, d->region[i].size);
	}
	/* MSI can be enabled in the capability. */
	ASSERT_EQ(0, mtty_cfg_write16(d, MTTY_MSI_CAP + PCI_MSI_FLAGS,
				      PCI_MSI_FLAGS_ENABLE));
	EXPECT_EQ(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_64BIT,
		  mtty_cfg_read16(d, MTTY_MSI_CAP + PCI_MSI_FLAGS));
}

TEST_F(uart, transmit_receive)
{
	struct vfio_dev *d = &self->d;
	const char *msg = "mtty!";
	size_t i;

	EXPECT_EQ(0x60, mtty_reg_read(d, self->rx, UART_LSR));
	mtty_reg_write(d, 0, UART_FCR, 0x01);
	mtty_reg_write(d, self->rx, UART_FCR, 0x01);
	for (i = 0; i < strlen(msg); i++)
		ASSERT_EQ(0, mtty_reg_write(d, 0, UART_THR, msg[i]));
	EXPECT_EQ(0x61, mtty_reg_read(d, self->rx, UART_LSR));
	for (i = 0; i < strlen(msg); i++)
		EXPECT_EQ(msg[i], mtty_reg_read(d, self->rx, UART_RBR));
	EXPECT_EQ(0x60, mtty_reg_read(d, self->rx, UART_LSR));
	/* Scratch and divisor latch keep what is written. */
	mtty_reg_write(d, 0, UART_SCR, 0x5a);
	EXPECT_EQ(0x5a, mtty_reg_read(d, 0, UART_SCR));
	mtty_reg_write(d, 0, UART_LCR, 0x83);
	mtty_reg_write(d, 0, 0, 0x01);
	mtty_reg_write(d, 0, 1, 0x02);
	EXPECT_EQ(0x01, mtty_reg_read(d, 0, 0));
	EXPECT_EQ(0x02, mtty_reg_read(d, 0, 1));
	mtty_reg_write(d, 0, UART_LCR, 0x03);
	EXPECT_EQ(0x60, mtty_reg_read(d, self->rx, UART_LSR));
}

TEST_F(uart, overrun)
{
	struct vfio_dev *d = &self->d;
	int i;

	mtty_reg_write(d, 0, UART_FCR, 0x01);
	mtty_reg_write(d, self->rx, UART_FCR, 0x01);
	for (i = 0; i < 17; i++)
		mtty_reg_write(d, 0, UART_THR, 'a' + i);
	EXPECT_EQ(0x63, mtty_reg_read(d, self->rx, UART_LSR));
	EXPECT_EQ(0x61, mtty_reg_read(d, self->rx, UART_LSR));
	for (i = 0; i < 16; i++)
		EXPECT_EQ('a' + i, mtty_reg_read(d, self->rx, UART_RBR));
	EXPECT_EQ(0x60, mtty_reg_read(d, self->rx, UART_LSR));
	/* Without FIFO the receiver holds one byte. */
	mtty_reg_write(d, self->rx, UART_FCR, 0x00);
	if (self->rx == 0)
		mtty_reg_write(d, 0, UART_FCR, 0x00);
	mtty_reg_write(d, 0, UART_THR, 'x');
	mtty_reg_write(d, 0, UART_THR, 'y');
	EXPECT_EQ(0x63, mtty_reg_read(d, self->rx, UART_LSR));
	EXPECT_EQ('x', mtty_reg_read(d, self->rx, UART_RBR));
}

TEST_F(uart, interrupt_ids)
{
	struct vfio_dev *d = &self->d;

	EXPECT_EQ(0x01, mtty_reg_read(d, self->rx, UART_IIR));
	mtty_reg_write(d, self->rx, UART_FCR, 0x41);	/* FIFO, trigger 4 */
	if (self->rx)
		mtty_reg_write(d, 0, UART_FCR, 0x01);
	mtty_reg_write(d, self->rx, UART_IER, UART_IER_RDI | UART_IER_RLSI);
	EXPECT_EQ(0xc1, mtty_reg_read(d, self->rx, UART_IIR));
	mtty_reg_write(d, 0, UART_THR, '1');
	EXPECT_EQ(0xcc, mtty_reg_read(d, self->rx, UART_IIR));
	mtty_reg_write(d, 0, UART_THR, '2');
	mtty_reg_write(d, 0, UART_THR, '3');
	mtty_reg_write(d, 0, UART_THR, '4');
	EXPECT_EQ(0xc4, mtty_reg_read(d, self->rx, UART_IIR));
	EXPECT_EQ('1', mtty_reg_read(d, self->rx, UART_RBR));
	EXPECT_EQ(0xcc, mtty_reg_read(d, self->rx, UART_IIR));
}

TEST_F(uart, intx_count)
{
	struct vfio_dev *d = &self->d;
	int other = efd_new();

	ASSERT_EQ(0, set_efd(d->fd, VFIO_PCI_INTX_IRQ_INDEX, self->efd));
	mtty_reg_write(d, 0, UART_FCR, 0x01);
	mtty_reg_write(d, self->rx, UART_FCR, 0x01);
	mtty_reg_write(d, self->rx, UART_IER, UART_IER_RDI);
	EXPECT_EQ(0, efd_count(self->efd));
	mtty_reg_write(d, 0, UART_THR, 'a');
	EXPECT_EQ(1, efd_count(self->efd));
	/* Automasked: more data is not signalled. */
	mtty_reg_write(d, 0, UART_THR, 'b');
	EXPECT_EQ(0, efd_count(self->efd));
	EXPECT_EQ(0, unmask(d->fd));
	EXPECT_EQ(1, efd_count(self->efd));
	EXPECT_EQ('a', mtty_reg_read(d, self->rx, UART_RBR));
	EXPECT_EQ('b', mtty_reg_read(d, self->rx, UART_RBR));
	EXPECT_EQ(0, unmask(d->fd));
	EXPECT_EQ(0, efd_count(self->efd));
	/* Command.InterruptDisable keeps the line low until cleared. */
	ASSERT_EQ(0, mtty_cfg_write16(d, PCI_COMMAND,
				      PCI_COMMAND_IO | PCI_COMMAND_INTX_DISABLE));
	mtty_reg_write(d, 0, UART_THR, 'c');
	EXPECT_EQ(0, efd_count(self->efd));
	EXPECT_EQ(PCI_STATUS_INTERRUPT,
		  mtty_cfg_read16(d, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	/* Clearing the bit lets the asserted line through at once. */
	ASSERT_EQ(0, mtty_cfg_write16(d, PCI_COMMAND, PCI_COMMAND_IO));
	EXPECT_EQ(1, efd_count(self->efd));
	EXPECT_EQ(0, efd_count(other));
	close(other);
}

TEST_F(uart, msi_count)
{
	struct vfio_dev *d = &self->d;

	ASSERT_EQ(0, mtty_cfg_write16(d, MTTY_MSI_CAP + PCI_MSI_FLAGS,
				      PCI_MSI_FLAGS_ENABLE));
	ASSERT_EQ(0, set_efd(d->fd, VFIO_PCI_MSI_IRQ_INDEX, self->efd));
	mtty_reg_write(d, 0, UART_FCR, 0x01);
	mtty_reg_write(d, self->rx, UART_FCR, 0x01);
	mtty_reg_write(d, self->rx, UART_IER, UART_IER_RDI);
	EXPECT_EQ(0, efd_count(self->efd));
	mtty_reg_write(d, 0, UART_THR, 'a');
	EXPECT_EQ(1, efd_count(self->efd));
	/* One message per rising edge of the card's interrupt. */
	mtty_reg_write(d, 0, UART_THR, 'b');
	EXPECT_EQ(0, efd_count(self->efd));
	EXPECT_EQ('a', mtty_reg_read(d, self->rx, UART_RBR));
	EXPECT_EQ('b', mtty_reg_read(d, self->rx, UART_RBR));
	EXPECT_EQ(0, efd_count(self->efd));
	mtty_reg_write(d, 0, UART_THR, 'c');
	EXPECT_EQ(1, efd_count(self->efd));
	EXPECT_EQ('c', mtty_reg_read(d, self->rx, UART_RBR));
	/* THR empty: one per IER enable and per IIR-acknowledged byte. */
	mtty_reg_write(d, 0, UART_IER, UART_IER_THRI);
	if (self->rx == 0)
		mtty_reg_write(d, 0, UART_IER, UART_IER_THRI);
	EXPECT_EQ(1, efd_count(self->efd));
	EXPECT_EQ(0xc2 & 0x0f, mtty_reg_read(d, 0, UART_IIR) & 0x0f);
	EXPECT_EQ(0, efd_count(self->efd));
	mtty_reg_write(d, 0, UART_SCR, 0);
	EXPECT_EQ(0, efd_count(self->efd));
	/* Disabled MSI drops the message. */
	EXPECT_EQ(0, vfio_set_irqs(d->fd, VFIO_IRQ_SET_DATA_NONE |
				   VFIO_IRQ_SET_ACTION_TRIGGER,
				   VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL, 0));
	mtty_reg_write(d, 0, UART_IER, 0);
	mtty_reg_write(d, 0, UART_IER, UART_IER_THRI);
	EXPECT_EQ(0, efd_count(self->efd));
}

TEST_HARNESS_MAIN
