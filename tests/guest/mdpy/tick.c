// SPDX-License-Identifier: GPL-2.0
/*
 * mdpy: the frame tick arrives at the type's refresh rate through MSI, as
 * a level through INTx, and only while the device has it enabled.
 *
 * The rate is counted over 2 s of CLOCK_MONOTONIC. The tick is an hrtimer
 * on the host (here: the test guest) clock, so TCG slows its delivery but
 * not its rate much; late ticks merge like a real vblank would. The
 * window, half to 1.1 times the nominal count, fails with no tick and
 * with a storm without depending on the machine's speed.
 * TIMEOUT: 180
 */
/* The harness compares int literals with unsigned fields; setjmp. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"
#include "mdpy_vfio.h"

#define RATE_WINDOW_MS	2000

FIXTURE(tick) {
	struct vfio_dev d;
	int efd;
};

MDPY_FIXTURE_VARIANTS(tick);

FIXTURE_SETUP(tick)
{
	self->efd = -1;
	ASSERT_EQ(0, mdpy_load());
	ASSERT_EQ(0, mdpy_open_new(&self->d, variant->mode->type));
}

FIXTURE_TEARDOWN(tick)
{
	if (self->efd >= 0)
		close(self->efd);
	EXPECT_EQ(0, mdpy_destroy(&self->d));
}

static uint32_t frames(struct vfio_dev *d)
{
	return mdpy_cfg_read(d, MDPY_CAP_FRAMES, 4);
}

TEST_F(tick, msi_rate)
{
	struct vfio_dev *d = &self->d;
	double t0, secs, nominal;
	uint64_t n;
	uint32_t f;

	self->efd = vfio_irq_efd_new(d->fd, VFIO_PCI_MSI_IRQ_INDEX);
	ASSERT_LE(0, self->efd);

	/* nothing before the guest enables the tick */
	sleep_ms(200);
	EXPECT_EQ(0, efd_count(self->efd));
	EXPECT_EQ(0, frames(d));

	t0 = now_secs();
	ASSERT_EQ(0, mdpy_tick(d, 1));
	sleep_ms(RATE_WINDOW_MS);
	ASSERT_EQ(0, mdpy_tick(d, 0));
	secs = now_secs() - t0;
	n = efd_count(self->efd);
	f = frames(d);
	nominal = variant->mode->refresh * secs;
	TH_LOG("%llu MSIs, %u frames in %.3f s at %u Hz (nominal %.0f)",
	       (unsigned long long)n, f, secs, variant->mode->refresh,
	       nominal);
	/* one message per frame, and the frames at the refresh rate */
	EXPECT_EQ(f, n);
	EXPECT_LE(nominal * 0.5, (double)n);
	EXPECT_GE(nominal * 1.1 + 2, (double)n);

	/* disabled: STATUS cleared, not one more interrupt or frame */
	EXPECT_EQ(0, mdpy_cfg_read(d, MDPY_CAP_STATUS, 4));
	sleep_ms(300);
	EXPECT_EQ(0, efd_count(self->efd));
	EXPECT_EQ(f, frames(d));
}

/* The device ticks, but with MSI disabled through SET_IRQS nothing is sent. */
TEST_F(tick, msi_disabled)
{
	struct vfio_dev *d = &self->d;

	self->efd = vfio_irq_efd_new(d->fd, VFIO_PCI_MSI_IRQ_INDEX);
	ASSERT_LE(0, self->efd);
	ASSERT_EQ(0, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_TRIGGER,
				   VFIO_PCI_MSI_IRQ_INDEX, 0, 0));
	ASSERT_EQ(0, mdpy_tick(d, 1));
	sleep_ms(300);
	EXPECT_LT(0, frames(d));
	EXPECT_EQ(0, efd_count(self->efd));

	/* enabled again while ticking: the messages resume */
	close(self->efd);
	self->efd = vfio_irq_efd_new(d->fd, VFIO_PCI_MSI_IRQ_INDEX);
	ASSERT_LE(0, self->efd);
	EXPECT_TRUE(efd_poll(self->efd, 1000));
	ASSERT_EQ(0, mdpy_tick(d, 0));
}

/* A device reset stops the tick and clears the frame counter. */
TEST_F(tick, reset_stops)
{
	struct vfio_dev *d = &self->d;

	self->efd = vfio_irq_efd_new(d->fd, VFIO_PCI_MSI_IRQ_INDEX);
	ASSERT_LE(0, self->efd);
	ASSERT_EQ(0, mdpy_tick(d, 1));
	ASSERT_TRUE(efd_poll(self->efd, 1000));
	ASSERT_EQ(0, ioctl(d->fd, VFIO_DEVICE_RESET));
	efd_count(self->efd);
	EXPECT_EQ(0, mdpy_cfg_read(d, MDPY_CAP_CTRL, 4));
	EXPECT_EQ(0, frames(d));
	sleep_ms(300);
	EXPECT_EQ(0, efd_count(self->efd));
	EXPECT_EQ(0, frames(d));
}

static int intx_ack_unmask(struct vfio_dev *d)
{
	int ret = mdpy_cfg_write(d, MDPY_CAP_STATUS, MDPY_STATUS_TICK, 4);

	return ret ? ret : vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_UNMASK,
					 VFIO_PCI_INTX_IRQ_INDEX, 0, 1);
}

/* INTx is a level: one interrupt per acknowledged frame, automasked. */
TEST_F(tick, intx_level)
{
	struct vfio_dev *d = &self->d;
	int i;

	self->efd = vfio_irq_efd_new(d->fd, VFIO_PCI_INTX_IRQ_INDEX);
	ASSERT_LE(0, self->efd);
	ASSERT_EQ(0, mdpy_tick(d, 1));
	ASSERT_TRUE(efd_poll(self->efd, 1000));
	/* several frames later the line is still the one assertion */
	sleep_ms(200);
	EXPECT_EQ(1, efd_count(self->efd));
	EXPECT_EQ(MDPY_STATUS_TICK, mdpy_cfg_read(d, MDPY_CAP_STATUS, 4));
	EXPECT_TRUE(mdpy_cfg_read(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);

	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, intx_ack_unmask(d));
		ASSERT_TRUE(efd_poll(self->efd, 1000));
		sleep_ms(50);
		EXPECT_EQ(1, efd_count(self->efd));
	}

	/* unmasked without an acknowledgement, the line fires again */
	ASSERT_EQ(0, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_UNMASK,
				   VFIO_PCI_INTX_IRQ_INDEX, 0, 1));
	EXPECT_TRUE(efd_poll(self->efd, 100));
	EXPECT_EQ(1, efd_count(self->efd));

	/* Interrupt Disable keeps the line low while frames go on */
	ASSERT_EQ(0, mdpy_cfg_write(d, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE,
				    2));
	ASSERT_EQ(0, intx_ack_unmask(d));
	sleep_ms(300);
	EXPECT_EQ(0, efd_count(self->efd));
	EXPECT_EQ(MDPY_STATUS_TICK, mdpy_cfg_read(d, MDPY_CAP_STATUS, 4));
	EXPECT_TRUE(mdpy_cfg_read(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	ASSERT_EQ(0, mdpy_cfg_write(d, PCI_COMMAND, 0, 2));
	EXPECT_TRUE(efd_poll(self->efd, 1000));
	EXPECT_EQ(1, efd_count(self->efd));

	/* disabling the tick drops the line: nothing after the unmask */
	ASSERT_EQ(0, mdpy_tick(d, 0));
	EXPECT_EQ(0, mdpy_cfg_read(d, MDPY_CAP_STATUS, 4));
	EXPECT_FALSE(mdpy_cfg_read(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	ASSERT_EQ(0, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_UNMASK,
				   VFIO_PCI_INTX_IRQ_INDEX, 0, 1));
	sleep_ms(300);
	EXPECT_EQ(0, efd_count(self->efd));
}

TEST_HARNESS_MAIN
