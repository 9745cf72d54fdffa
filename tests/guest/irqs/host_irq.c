// SPDX-License-Identifier: GPL-2.0
/*
 * The frontend's host-IRQ backend: mtty loaded with host_irq=1 backs its
 * MSI vector with a Linux IRQ that the UART model fires, so the frontend
 * requests the IRQ, its hard-IRQ handler signals the eventfd, the source
 * is masked while the vector has no eventfd, and the IRQ is freed on
 * disable and on close.
 * TIMEOUT: 180
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mtty_test.h"

/* The Linux IRQ whose action names this instance's MSI vector, or 0. */
static int host_irq_of(const char *uuid)
{
	char line[512], name[128];
	FILE *f = fopen("/proc/interrupts", "r");
	int irq = 0;

	snprintf(name, sizeof(name), "vfio-irqs-msi[0](%s)", uuid);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, name))
			irq = atoi(line);
	fclose(f);
	return irq;
}

/* A rising edge of the card's interrupt: enable the THR-empty source. */
static void edge(struct vfio_dev *d)
{
	mtty_reg_read(d, 0, UART_IIR);
	mtty_reg_write(d, 0, UART_IER, 0);
	mtty_reg_write(d, 0, UART_IER, UART_IER_THRI);
}

FIXTURE(host) {
	struct vfio_dev d;
	int a, b;
};

FIXTURE_SETUP(host)
{
	self->a = efd_new();
	self->b = efd_new();
	modprobe("mtty", NULL);
	if (rmmod("mtty"))
		SKIP(return, "mtty is in use or not available");
	ASSERT_EQ(0, modprobe("mtty", "host_irq=1"));
	ASSERT_EQ(0, mtty_open_new(&self->d, "mtty-1"));
}

FIXTURE_TEARDOWN(host)
{
	mtty_destroy(&self->d);
	rmmod("mtty");
	modprobe("mtty", NULL);
	close(self->a);
	close(self->b);
}

TEST_F(host, msi_through_host_irq)
{
	struct vfio_dev *d = &self->d;
	int32_t none = -1;
	int irq;

	EXPECT_EQ(0, host_irq_of(d->uuid));
	ASSERT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
				       &self->a));
	irq = host_irq_of(d->uuid);
	ASSERT_LT(0, irq);
	EXPECT_EQ(0, efd_count(self->a));
	edge(d);
	EXPECT_EQ(1, efd_count(self->a));
	edge(d);
	EXPECT_EQ(1, efd_count(self->a));

	/* A swap keeps the host IRQ requested: no reallocation. */
	ASSERT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
				       &self->b));
	EXPECT_EQ(irq, host_irq_of(d->uuid));
	edge(d);
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(1, efd_count(self->b));

	/* Without an eventfd the source is masked; its interrupt waits. */
	ASSERT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
				       &none));
	edge(d);
	usleep(100000);
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(0, efd_count(self->b));
	ASSERT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
				       &self->a));
	EXPECT_EQ(1, efd_wait(self->a, 2000));
	EXPECT_EQ(0, efd_count(self->b));

	/* Loopback goes through the same eventfd. */
	EXPECT_EQ(0, vfio_set_irqs(d->fd, VFIO_IRQ_SET_DATA_NONE |
				   VFIO_IRQ_SET_ACTION_TRIGGER,
				   VFIO_PCI_MSI_IRQ_INDEX, 0, 1, NULL, 0));
	EXPECT_EQ(1, efd_count(self->a));

	/* Disable frees the IRQ, and so does close. */
	EXPECT_EQ(0, vfio_set_irqs(d->fd, VFIO_IRQ_SET_DATA_NONE |
				   VFIO_IRQ_SET_ACTION_TRIGGER,
				   VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL, 0));
	EXPECT_EQ(0, host_irq_of(d->uuid));
	ASSERT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
				       &self->a));
	EXPECT_LT(0, host_irq_of(d->uuid));
	close(d->fd);
	d->fd = -1;
	EXPECT_EQ(0, host_irq_of(d->uuid));
}

TEST_F(host, intx_stays_emulated)
{
	struct vfio_dev *d = &self->d;

	ASSERT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
				       &self->a));
	edge(d);
	EXPECT_EQ(1, efd_count(self->a));
	EXPECT_EQ(0, host_irq_of(d->uuid));
}

TEST_HARNESS_MAIN
