// SPDX-License-Identifier: GPL-2.0
/*
 * mdpy: the interrupt frontend's uAPI as a user of an mdpy instance sees
 * it: GET_IRQ_INFO for its layout (INTx and one MSI), SET_IRQS validation,
 * loopback, eventfd swap and de-assign, mode exclusivity, INTx masking and
 * the unmask eventfd, driven by the device's own frame tick where a
 * device interrupt is needed. The errors are vfio-pci's for the same input.
 * TIMEOUT: 120
 */
/* The harness compares int literals with unsigned fields; setjmp. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"
#include "mdpy_vfio.h"

FIXTURE(irqs) {
	struct vfio_dev d;
	int efd[2];
};

FIXTURE_SETUP(irqs)
{
	self->efd[0] = efd_new();
	self->efd[1] = efd_new();
	ASSERT_LE(0, self->efd[0]);
	ASSERT_LE(0, self->efd[1]);
	ASSERT_EQ(0, mdpy_load());
	ASSERT_EQ(0, mdpy_open_new(&self->d, "mdpy-vga"));
}

FIXTURE_TEARDOWN(irqs)
{
	EXPECT_EQ(0, mdpy_destroy(&self->d));
	close(self->efd[0]);
	close(self->efd[1]);
}

static int set_raw(struct vfio_dev *d, uint32_t argsz, uint32_t flags,
		   uint32_t index, uint32_t start, uint32_t count, int32_t fd)
{
	struct {
		struct vfio_irq_set set;
		int32_t data[2];
	} s = {
		.set = { .argsz = argsz, .flags = flags, .index = index,
			 .start = start, .count = count },
		.data = { fd, fd },
	};

	return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &s) ? errno : 0;
}

static int set_bool(struct vfio_dev *d, unsigned int index, uint8_t val)
{
	uint32_t flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER;

	return -vfio_set_irqs(d->fd, flags, index, 0, 1, &val, 1);
}

#define EVENTFD_SET	(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)
#define EVENTFD_UNMASK	(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK)
#define ONE_FD		(sizeof(struct vfio_irq_set) + sizeof(int32_t))

TEST_F(irqs, info)
{
	struct vfio_irq_info info;
	int fd = self->d.fd;

	ASSERT_EQ(0, vfio_irq_info(fd, VFIO_PCI_INTX_IRQ_INDEX, &info));
	EXPECT_EQ(1, info.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
		  VFIO_IRQ_INFO_AUTOMASKED, info.flags);
	ASSERT_EQ(0, vfio_irq_info(fd, VFIO_PCI_MSI_IRQ_INDEX, &info));
	EXPECT_EQ(1, info.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, info.flags);
	ASSERT_EQ(0, vfio_irq_info(fd, VFIO_PCI_MSIX_IRQ_INDEX, &info));
	EXPECT_EQ(0, info.count);
	ASSERT_EQ(0, vfio_irq_info(fd, VFIO_PCI_REQ_IRQ_INDEX, &info));
	EXPECT_EQ(1, info.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, info.flags);
	/* no ERR on a conventional PCI device, no index past REQ */
	EXPECT_EQ(-EINVAL, vfio_irq_info(fd, VFIO_PCI_ERR_IRQ_INDEX, &info));
	EXPECT_EQ(-EINVAL, vfio_irq_info(fd, VFIO_PCI_NUM_IRQS, &info));
	info.argsz = 8;
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(irqs, set_validation)
{
	struct vfio_dev *d = &self->d;
	int fd = self->efd[0];

	/* beyond the vectors the index has */
	EXPECT_EQ(EINVAL, set_raw(d, ONE_FD, EVENTFD_SET,
				  VFIO_PCI_MSI_IRQ_INDEX, 1, 1, fd));
	EXPECT_EQ(EINVAL, set_raw(d, ONE_FD, EVENTFD_SET,
				  VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, fd));
	EXPECT_EQ(EINVAL, set_raw(d, ONE_FD, EVENTFD_SET,
				  VFIO_PCI_NUM_IRQS, 0, 1, fd));
	/* data too short for the count */
	EXPECT_EQ(EINVAL, set_raw(d, ONE_FD, EVENTFD_SET,
				  VFIO_PCI_INTX_IRQ_INDEX, 0, 2, fd));
	EXPECT_EQ(EINVAL, set_raw(d, sizeof(struct vfio_irq_set), EVENTFD_SET,
				  VFIO_PCI_MSI_IRQ_INDEX, 0, 1, fd));
	/* one data type; two actions are no known action (vfio-pci) */
	EXPECT_EQ(EINVAL, set_raw(d, ONE_FD, EVENTFD_SET |
				  VFIO_IRQ_SET_DATA_BOOL,
				  VFIO_PCI_MSI_IRQ_INDEX, 0, 1, fd));
	EXPECT_EQ(ENOTTY, set_raw(d, ONE_FD, EVENTFD_SET |
				  VFIO_IRQ_SET_ACTION_MASK,
				  VFIO_PCI_MSI_IRQ_INDEX, 0, 1, fd));
	EXPECT_EQ(EINVAL, set_raw(d, ONE_FD, EVENTFD_SET | (1U << 10),
				  VFIO_PCI_MSI_IRQ_INDEX, 0, 1, fd));
	/*
	 * Any negative fd de-assigns an MSI vector, only -1 does for REQ;
	 * a file that is no eventfd is refused.
	 */
	EXPECT_EQ(0, set_raw(d, ONE_FD, EVENTFD_SET,
			     VFIO_PCI_MSI_IRQ_INDEX, 0, 1, -2));
	EXPECT_EQ(0, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_TRIGGER,
				   VFIO_PCI_MSI_IRQ_INDEX, 0, 0));
	EXPECT_EQ(EINVAL, set_raw(d, ONE_FD, EVENTFD_SET,
				  VFIO_PCI_REQ_IRQ_INDEX, 0, 1, -2));
	EXPECT_NE(0, set_raw(d, ONE_FD, EVENTFD_SET,
			     VFIO_PCI_MSI_IRQ_INDEX, 0, 1, d->fd));
	/* MSI has no mask */
	EXPECT_NE(0, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_MASK,
				   VFIO_PCI_MSI_IRQ_INDEX, 0, 1));
	/* INTx mask and unmask need INTx enabled */
	EXPECT_EQ(EINVAL, -vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_MASK,
					 VFIO_PCI_INTX_IRQ_INDEX, 0, 1));
}

TEST_F(irqs, msi_loopback_swap_deassign)
{
	struct vfio_dev *d = &self->d;
	int32_t fds[1] = { self->efd[0] };
	uint32_t frames;

	ASSERT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
				       fds));
	ASSERT_EQ(0, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_TRIGGER,
				   VFIO_PCI_MSI_IRQ_INDEX, 0, 1));
	EXPECT_EQ(1, efd_count(self->efd[0]));
	ASSERT_EQ(0, set_bool(d, VFIO_PCI_MSI_IRQ_INDEX, 1));
	ASSERT_EQ(0, set_bool(d, VFIO_PCI_MSI_IRQ_INDEX, 0));
	EXPECT_EQ(1, efd_count(self->efd[0]));

	/*
	 * swap in a second eventfd while enabled: the device uses it, one
	 * message per frame it counted (once TICK_EN is clear no tick runs)
	 */
	fds[0] = self->efd[1];
	ASSERT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
				       fds));
	frames = mdpy_frames(d);
	ASSERT_EQ(0, mdpy_tick(d, 1));
	EXPECT_TRUE(efd_poll(self->efd[1], 1000));
	ASSERT_EQ(0, mdpy_tick(d, 0));
	frames = mdpy_frames(d) - frames;
	EXPECT_EQ(0, efd_count(self->efd[0]));
	EXPECT_EQ(frames, efd_count(self->efd[1]));

	/* INTx while MSI is on is refused */
	fds[0] = self->efd[0];
	EXPECT_EQ(-EINVAL, vfio_irq_eventfds(d->fd, VFIO_PCI_INTX_IRQ_INDEX,
					     0, 1, fds));

	/* fd -1 de-assigns: the frames reach no eventfd */
	fds[0] = -1;
	ASSERT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
				       fds));
	frames = mdpy_frames(d);
	ASSERT_EQ(0, mdpy_tick(d, 1));
	ASSERT_EQ(0, mdpy_wait_frames(d, frames + 3, 5000));
	ASSERT_EQ(0, mdpy_tick(d, 0));
	EXPECT_EQ(0, efd_count(self->efd[0]));
	EXPECT_EQ(0, efd_count(self->efd[1]));

	/* disable, then INTx may be enabled */
	ASSERT_EQ(0, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_TRIGGER,
				   VFIO_PCI_MSI_IRQ_INDEX, 0, 0));
	fds[0] = self->efd[0];
	EXPECT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
				       fds));
}

/* User mask holds the asserted line back; unmask delivers it. */
TEST_F(irqs, intx_mask)
{
	struct vfio_dev *d = &self->d;
	int32_t fds[1] = { self->efd[0] };

	ASSERT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
				       fds));
	/* loopback */
	ASSERT_EQ(0, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_TRIGGER,
				   VFIO_PCI_INTX_IRQ_INDEX, 0, 1));
	EXPECT_EQ(1, efd_count(self->efd[0]));

	ASSERT_EQ(0, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_MASK,
				   VFIO_PCI_INTX_IRQ_INDEX, 0, 1));
	ASSERT_EQ(0, mdpy_tick(d, 1));
	ASSERT_EQ(0, mdpy_wait_frames(d, 3, 5000));
	EXPECT_EQ(0, efd_count(self->efd[0]));
	EXPECT_EQ(MDPY_STATUS_TICK, mdpy_cfg_read(d, MDPY_CAP_STATUS, 4));
	ASSERT_EQ(0, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_UNMASK,
				   VFIO_PCI_INTX_IRQ_INDEX, 0, 1));
	EXPECT_TRUE(efd_poll(self->efd[0], 500));
	EXPECT_EQ(1, efd_count(self->efd[0]));
	ASSERT_EQ(0, mdpy_tick(d, 0));
}

/* The unmask eventfd does what ACTION_UNMASK does, from the fast path. */
TEST_F(irqs, intx_unmask_eventfd)
{
	struct vfio_dev *d = &self->d;
	int32_t fds[1] = { self->efd[0] };
	uint64_t one = 1;
	int i;

	ASSERT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
				       fds));
	fds[0] = self->efd[1];
	ASSERT_EQ(0, vfio_set_irqs(d->fd, EVENTFD_UNMASK,
				   VFIO_PCI_INTX_IRQ_INDEX, 0, 1, fds,
				   sizeof(fds)));
	ASSERT_EQ(0, mdpy_tick(d, 1));
	ASSERT_TRUE(efd_poll(self->efd[0], 1000));
	EXPECT_EQ(1, efd_count(self->efd[0]));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, mdpy_cfg_write(d, MDPY_CAP_STATUS,
					    MDPY_STATUS_TICK, 4));
		ASSERT_EQ(8, write(self->efd[1], &one, 8));
		ASSERT_TRUE(efd_poll(self->efd[0], 1000));
		sleep_ms(50);
		EXPECT_EQ(1, efd_count(self->efd[0]));
	}
	ASSERT_EQ(0, mdpy_tick(d, 0));
	/* de-assign the unmask eventfd; INTx stays masked */
	fds[0] = -1;
	ASSERT_EQ(0, vfio_set_irqs(d->fd, EVENTFD_UNMASK,
				   VFIO_PCI_INTX_IRQ_INDEX, 0, 1, fds,
				   sizeof(fds)));
}

TEST_F(irqs, req_loopback)
{
	struct vfio_dev *d = &self->d;
	int32_t fds[1] = { self->efd[0] };

	EXPECT_EQ(-EINVAL, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_TRIGGER,
					 VFIO_PCI_REQ_IRQ_INDEX, 0, 1));
	ASSERT_EQ(0, vfio_irq_eventfds(d->fd, VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
				       fds));
	ASSERT_EQ(0, set_bool(d, VFIO_PCI_REQ_IRQ_INDEX, 1));
	EXPECT_EQ(1, efd_count(self->efd[0]));
	ASSERT_EQ(0, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_TRIGGER,
				   VFIO_PCI_REQ_IRQ_INDEX, 0, 0));
	EXPECT_EQ(-EINVAL, vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_TRIGGER,
					 VFIO_PCI_REQ_IRQ_INDEX, 0, 1));
}

TEST_HARNESS_MAIN
