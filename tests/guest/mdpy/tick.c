// SPDX-License-Identifier: GPL-2.0
/*
 * mdpy: the frame tick comes as one MSI per frame the device counts, as a
 * level through INTx, and only while the device has it enabled.
 *
 * Nothing here is timed: the tick is an hrtimer of the test guest, which
 * TCG on a loaded host delays and merges (as a real vblank would), so the
 * tests count what the device's FRAMES register says happened, and wait
 * for frames, never for a time. The rate is make bench's to measure.
 * TIMEOUT: 180
 */
/* The harness compares int literals with unsigned fields; setjmp. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"
#include "mdpy_vfio.h"

/* Frames to let pass where the test needs the tick to have run. */
#define FRAMES		10
#define FRAMES_MS	20000

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

TEST_F(tick, msi_per_frame)
{
	struct vfio_dev *d = &self->d;
	uint64_t n;
	uint32_t f;

	EXPECT_EQ(variant->mode->refresh,
		  mdpy_cfg_read(d, MDPY_CAP_REFRESH, 4));
	self->efd = vfio_irq_efd_new(d->fd, VFIO_PCI_MSI_IRQ_INDEX);
	ASSERT_LE(0, self->efd);

	/* nothing before the guest enables the tick */
	sleep_ms(200);
	EXPECT_EQ(0, efd_count(self->efd));
	EXPECT_EQ(0, mdpy_frames(d));

	ASSERT_EQ(0, mdpy_tick(d, 1));
	ASSERT_EQ(0, mdpy_wait_frames(d, FRAMES, FRAMES_MS));
	ASSERT_EQ(0, mdpy_tick(d, 0));
	n = efd_count(self->efd);
	f = mdpy_frames(d);
	TH_LOG("%llu MSIs for %u frames", (unsigned long long)n, f);
	/* one message per frame, however late the frames came */
	EXPECT_EQ(f, n);

	/* disabled: STATUS cleared, not one more interrupt or frame */
	EXPECT_EQ(0, mdpy_cfg_read(d, MDPY_CAP_STATUS, 4));
	sleep_ms(300);
	EXPECT_EQ(0, efd_count(self->efd));
	EXPECT_EQ(f, mdpy_frames(d));
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
	ASSERT_EQ(0, mdpy_wait_frames(d, FRAMES, FRAMES_MS));
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
	EXPECT_EQ(0, mdpy_frames(d));
	sleep_ms(300);
	EXPECT_EQ(0, efd_count(self->efd));
	EXPECT_EQ(0, mdpy_frames(d));
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
	/* frames later the line is still the one assertion */
	ASSERT_EQ(0, mdpy_wait_frames(d, mdpy_frames(d) + 3, FRAMES_MS));
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
	ASSERT_EQ(0, mdpy_wait_frames(d, mdpy_frames(d) + 3, FRAMES_MS));
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
