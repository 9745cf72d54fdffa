// SPDX-License-Identifier: GPL-2.0
/*
 * ims-accel: the VFIO interrupt uAPI of the frontend against an instance,
 * the MSI-X side of the matrix with vectors of both kinds: the emulated
 * vector 0 and host-backed vectors 1..m. Info and validation with
 * vfio-pci-core's errnos, loopback, dynamic growth without disturbing
 * live vectors, eventfd swap and de-assignment with the device firing,
 * disable, and every eventfd released on close.
 * BOOT: base,msix
 * TIMEOUT: 300
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"
#include "vfio_dev.h"
#include "iav_vfio.h"

#define INTX	VFIO_PCI_INTX_IRQ_INDEX
#define MSI	VFIO_PCI_MSI_IRQ_INDEX
#define MSIX	VFIO_PCI_MSIX_IRQ_INDEX
#define ERR	VFIO_PCI_ERR_IRQ_INDEX
#define REQ	VFIO_PCI_REQ_IRQ_INDEX
#define TRIGGER	VFIO_IRQ_SET_ACTION_TRIGGER
#define MASK	VFIO_IRQ_SET_ACTION_MASK
#define UNMASK	VFIO_IRQ_SET_ACTION_UNMASK
#define D_BOOL	VFIO_IRQ_SET_DATA_BOOL
#define D_EFD	VFIO_IRQ_SET_DATA_EVENTFD
#define WAIT_MS	5000

FIXTURE(uapi) {
	struct iav_dev d;
	char why[128];
	int skip, held, a, b;
	unsigned int m;
};

/* 1q4v: vector 0 emulated, 1..4 host-backed */
FIXTURE_SETUP(uapi)
{
	int ret = iav_setup(self->why, sizeof(self->why));

	iav_init_dev(&self->d);
	self->a = self->b = -1;
	ASSERT_LE(0, ret) TH_LOG("%s", self->why);
	self->skip = ret;
	if (ret)
		return;
	ASSERT_EQ(0, iav_open_new(&self->d, iav_types[1].name));
	ASSERT_EQ(0, iav_wq_enable(&self->d, 0, 1));
	self->m = self->d.nr_vectors;
	self->a = efd_new();
	self->b = efd_new();
	ASSERT_LE(0, self->a);
	ASSERT_LE(0, self->b);
	self->held = frontend_held_eventfds();
	ASSERT_LE(0, self->held);
}

FIXTURE_TEARDOWN(uapi)
{
	if (self->skip)
		return;
	EXPECT_EQ(0, iav_destroy(&self->d));
	close(self->a);
	close(self->b);
}

static int set_bool1(int fd, uint32_t index, uint32_t vector, uint8_t v)
{
	return vfio_set_irqs(fd, D_BOOL | TRIGGER, index, vector, 1, &v, 1);
}

static int set_efd1(int fd, uint32_t index, uint32_t vector, int32_t efd)
{
	return vfio_set_irqs(fd, D_EFD | TRIGGER, index, vector, 1, &efd, 4);
}

/* Raise guest vector @v from the device; its handle is v - 1. */
static void fire(struct iav_dev *d, unsigned int v)
{
	struct iav_desc desc = iav_nop(v, v);
	uint32_t done = iav_completed(d, 0);

	iav_submit(d, 0, &desc);
	iav_wait_completed(d, 0, done + 1, WAIT_MS);
}

TEST_F(uapi, info)
{
	struct vfio_irq_info i;
	int fd = self->d.vfio.fd;

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(0, vfio_irq_info(fd, MSIX, &i));
	EXPECT_EQ(self->m + 1, i.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD, i.flags);
	ASSERT_EQ(0, vfio_irq_info(fd, INTX, &i));
	EXPECT_EQ(0, i.count);
	ASSERT_EQ(0, vfio_irq_info(fd, MSI, &i));
	EXPECT_EQ(0, i.count);
	ASSERT_EQ(0, vfio_irq_info(fd, REQ, &i));
	EXPECT_EQ(1, i.count);
	/* Not PCI Express to its guest: no ERR index, as vfio-pci. */
	EXPECT_EQ(-EINVAL, vfio_irq_info(fd, ERR, &i));
	EXPECT_EQ(-EINVAL, vfio_irq_info(fd, VFIO_PCI_NUM_IRQS, &i));
}

TEST_F(uapi, bad_input)
{
	int fd = self->d.vfio.fd;
	int32_t fds[IAV_MAX_VEC + 2];
	unsigned int i;

	if (self->skip)
		SKIP(return, "%s", self->why);
	for (i = 0; i < IAV_MAX_VEC + 2; i++)
		fds[i] = -1;
	/* Beyond the table */
	EXPECT_EQ(-EINVAL, vfio_set_irqs(fd, D_EFD | TRIGGER, MSIX, 0,
					 self->m + 2, fds, 4 * (self->m + 2)));
	EXPECT_EQ(-EINVAL, set_efd1(fd, MSIX, self->m + 1, self->a));
	EXPECT_EQ(-EINVAL, vfio_irq_none(fd, TRIGGER, MSIX, UINT32_MAX, 1));
	EXPECT_EQ(-EINVAL, vfio_irq_none(fd, TRIGGER, MSIX, 1, UINT32_MAX));
	/* Not enabled yet: loopback has nothing to trigger */
	EXPECT_EQ(-EINVAL, vfio_irq_none(fd, TRIGGER, MSIX, 0, 1));
	/* MSI-X is not maskable through SET_IRQS, as vfio-pci */
	EXPECT_EQ(-ENOTTY, vfio_irq_none(fd, MASK, MSIX, 0, 1));
	EXPECT_EQ(-ENOTTY, vfio_irq_none(fd, UNMASK, MSIX, 0, 1));
	/* The device has no INTx and no MSI */
	EXPECT_EQ(-EINVAL, set_efd1(fd, INTX, 0, self->a));
	EXPECT_EQ(-EINVAL, set_efd1(fd, MSI, 0, self->a));
	EXPECT_EQ(self->held, frontend_held_eventfds());
}

/* DATA_NONE and DATA_BOOL loop back on both kinds of vector. */
TEST_F(uapi, loopback)
{
	int fd = self->d.vfio.fd;
	int32_t fds[2] = { self->a, self->b };

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(0, vfio_set_irqs(fd, D_EFD | TRIGGER, MSIX, 0, 2, fds, 8));
	EXPECT_EQ(self->held + 2, frontend_held_eventfds());
	EXPECT_EQ(0, vfio_irq_none(fd, TRIGGER, MSIX, 0, 2));
	EXPECT_EQ(1, efd_count(self->a));
	EXPECT_EQ(1, efd_count(self->b));
	EXPECT_EQ(0, set_bool1(fd, MSIX, 1, 1));
	EXPECT_EQ(0, set_bool1(fd, MSIX, 0, 0));
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(1, efd_count(self->b));
	/* the device's own interrupt on vector 1 */
	fire(&self->d, 1);
	EXPECT_EQ(1, efd_wait(self->b, WAIT_MS));
	EXPECT_EQ(0, efd_count(self->a));
}

/* Growing MSI-X leaves live vectors alone and backs the new ones. */
TEST_F(uapi, grow)
{
	int fd = self->d.vfio.fd;
	int c = efd_new(), e = efd_new();

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_LE(0, c);
	ASSERT_LE(0, e);
	ASSERT_EQ(0, set_efd1(fd, MSIX, 1, self->a));
	fire(&self->d, 1);
	EXPECT_EQ(1, efd_wait(self->a, WAIT_MS));
	/* vector 3 joins; vector 1 keeps its eventfd and host vector */
	ASSERT_EQ(0, set_efd1(fd, MSIX, 3, self->b));
	fire(&self->d, 1);
	fire(&self->d, 3);
	EXPECT_EQ(1, efd_wait(self->a, WAIT_MS));
	EXPECT_EQ(1, efd_wait(self->b, WAIT_MS));
	/* vector 2 was never given an eventfd: its interrupt goes nowhere */
	fire(&self->d, 2);
	/* the emulated vector 0 and the last one join too */
	ASSERT_EQ(0, set_efd1(fd, MSIX, 0, c));
	ASSERT_EQ(0, set_efd1(fd, MSIX, self->m, e));
	fire(&self->d, self->m);
	EXPECT_EQ(1, efd_wait(e, WAIT_MS));
	sleep_ms(100);
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(0, efd_count(self->b));
	EXPECT_EQ(0, efd_count(c));
	EXPECT_EQ(self->held + 4, frontend_held_eventfds());
	close(c);
	close(e);
}

/* Swap an eventfd under a host-backed vector, then de-assign it. */
TEST_F(uapi, swap_and_deassign)
{
	int fd = self->d.vfio.fd;

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(0, set_efd1(fd, MSIX, 2, self->a));
	fire(&self->d, 2);
	EXPECT_EQ(1, efd_wait(self->a, WAIT_MS));
	ASSERT_EQ(0, set_efd1(fd, MSIX, 2, self->b));
	EXPECT_EQ(self->held + 1, frontend_held_eventfds());
	fire(&self->d, 2);
	EXPECT_EQ(1, efd_wait(self->b, WAIT_MS));
	EXPECT_EQ(0, efd_count(self->a));
	/* fd -1: the vector stays, signals nothing */
	ASSERT_EQ(0, set_efd1(fd, MSIX, 2, -1));
	EXPECT_EQ(self->held, frontend_held_eventfds());
	fire(&self->d, 2);
	sleep_ms(100);
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(0, efd_count(self->b));
	/*
	 * Given an eventfd again, the vector delivers the message it held
	 * meanwhile, as a masked MSI-X vector does (and vfio-pci with it).
	 */
	ASSERT_EQ(0, set_efd1(fd, MSIX, 2, self->a));
	sleep_ms(100);
	EXPECT_EQ(1, efd_count(self->a));
	fire(&self->d, 2);
	EXPECT_EQ(1, efd_wait(self->a, WAIT_MS));
	/* disable: count 0 with DATA_NONE */
	EXPECT_EQ(0, vfio_irq_none(fd, TRIGGER, MSIX, 0, 0));
	EXPECT_EQ(self->held, frontend_held_eventfds());
	EXPECT_EQ(-EINVAL, vfio_irq_none(fd, TRIGGER, MSIX, 0, 1));
	fire(&self->d, 2);
	sleep_ms(100);
	EXPECT_EQ(0, efd_count(self->a));
}

/* Closing the device with everything armed releases every eventfd. */
TEST_F(uapi, release_on_close)
{
	char uuid[40];

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(0, iav_arm(&self->d));
	ASSERT_EQ(0, set_efd1(self->d.vfio.fd, REQ, 0, self->a));
	EXPECT_EQ(self->held + self->m + 2, frontend_held_eventfds());
	snprintf(uuid, sizeof(uuid), "%s", self->d.vfio.uuid);
	iav_close(&self->d);
	EXPECT_EQ(self->held, frontend_held_eventfds());
	ASSERT_EQ(0, iav_open(&self->d, uuid));
}

TEST_HARNESS_MAIN
