// SPDX-License-Identifier: GPL-2.0
/*
 * The VFIO interrupt uAPI of the frontend, driven through an mtty
 * instance: GET_IRQ_INFO and SET_IRQS validation with exact errnos (those
 * of vfio-pci-core for the same input), loopback, eventfd swap and
 * de-assignment, INTx/MSI exclusion, INTx automask with both unmask paths,
 * and eventfds released on close and on instance removal.
 * TIMEOUT: 300
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mtty_test.h"

#define INTX	VFIO_PCI_INTX_IRQ_INDEX
#define MSI	VFIO_PCI_MSI_IRQ_INDEX
#define MSIX	VFIO_PCI_MSIX_IRQ_INDEX
#define ERR	VFIO_PCI_ERR_IRQ_INDEX
#define REQ	VFIO_PCI_REQ_IRQ_INDEX
#define TRIGGER	VFIO_IRQ_SET_ACTION_TRIGGER
#define MASK	VFIO_IRQ_SET_ACTION_MASK
#define UNMASK	VFIO_IRQ_SET_ACTION_UNMASK
#define D_NONE	VFIO_IRQ_SET_DATA_NONE
#define D_BOOL	VFIO_IRQ_SET_DATA_BOOL
#define D_EFD	VFIO_IRQ_SET_DATA_EVENTFD

static int set_none(int fd, uint32_t action, uint32_t index, uint32_t start,
		    uint32_t count)
{
	return vfio_set_irqs(fd, D_NONE | action, index, start, count, NULL, 0);
}

static int set_bool(int fd, uint32_t action, uint32_t index, uint8_t v)
{
	return vfio_set_irqs(fd, D_BOOL | action, index, 0, 1, &v, 1);
}

static int set_efd(int fd, uint32_t action, uint32_t index, int32_t efd)
{
	return vfio_set_irqs(fd, D_EFD | action, index, 0, 1, &efd, 4);
}

/* SET_IRQS with a raw header, for argsz and overflow cases. */
static int set_raw(int fd, uint32_t argsz, uint32_t flags, uint32_t index,
		   uint32_t start, uint32_t count)
{
	struct {
		struct vfio_irq_set hdr;
		int32_t data[4];
	} s = { .hdr = { argsz, flags, index, start, count },
		.data = { -1, -1, -1, -1 } };

	return ioctl(fd, VFIO_DEVICE_SET_IRQS, &s) ? -errno : 0;
}

/* Raise port 0's THR-empty interrupt: the card's line goes high. */
static void line_up(struct vfio_dev *d)
{
	mtty_reg_write(d, 0, UART_IER, 0);
	mtty_reg_write(d, 0, UART_IER, UART_IER_THRI);
}

/* Reading IIR takes the THR-empty interrupt back: the line drops. */
static void line_down(struct vfio_dev *d)
{
	mtty_reg_read(d, 0, UART_IIR);
}

FIXTURE(irqs) {
	struct vfio_dev d;
	int a, b, held;
};

FIXTURE_SETUP(irqs)
{
	int ret = mtty_open_new(&self->d, "mtty-1");

	if (ret == -ENOENT && !sysfs_exists(MTTY_TYPES))
		SKIP(return, "mtty is not available in this guest");
	ASSERT_EQ(0, ret);
	self->a = efd_new();
	self->b = efd_new();
	ASSERT_LE(0, self->a);
	ASSERT_LE(0, self->b);
	self->held = frontend_held_eventfds();
}

FIXTURE_TEARDOWN(irqs)
{
	mtty_destroy(&self->d);
	close(self->a);
	close(self->b);
}

TEST_F(irqs, info_intx)
{
	struct vfio_irq_info i;

	ASSERT_EQ(0, vfio_irq_info(self->d.fd, INTX, &i));
	EXPECT_EQ(1, i.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
		  VFIO_IRQ_INFO_AUTOMASKED, i.flags);
}

TEST_F(irqs, info_msi_msix_req)
{
	struct vfio_irq_info i;

	ASSERT_EQ(0, vfio_irq_info(self->d.fd, MSI, &i));
	EXPECT_EQ(1, i.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, i.flags);
	ASSERT_EQ(0, vfio_irq_info(self->d.fd, MSIX, &i));
	EXPECT_EQ(0, i.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD, i.flags);
	ASSERT_EQ(0, vfio_irq_info(self->d.fd, REQ, &i));
	EXPECT_EQ(1, i.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, i.flags);
}

TEST_F(irqs, info_bad_input)
{
	struct vfio_irq_info i = { .argsz = sizeof(i) - 1, .index = INTX };

	/* mtty is conventional PCI: no ERR index, as vfio-pci. */
	EXPECT_EQ(-EINVAL, vfio_irq_info(self->d.fd, ERR, &i));
	EXPECT_EQ(-EINVAL, vfio_irq_info(self->d.fd, VFIO_PCI_NUM_IRQS, &i));
	EXPECT_EQ(-EINVAL, vfio_irq_info(self->d.fd, UINT32_MAX, &i));
	i.argsz = offsetof(struct vfio_irq_info, count) + 3;
	i.index = INTX;
	EXPECT_EQ(-1, ioctl(self->d.fd, VFIO_DEVICE_GET_IRQ_INFO, &i));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->d.fd, VFIO_DEVICE_GET_IRQ_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(irqs, set_bad_header)
{
	int fd = self->d.fd;
	uint32_t sz = sizeof(struct vfio_irq_set);

	EXPECT_EQ(-EINVAL, set_raw(fd, sz - 1, D_NONE | TRIGGER, INTX, 0, 1));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER, 5, 0, 1));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER, UINT32_MAX, 0, 1));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER | (1 << 10), INTX,
				   0, 1));
	/* Exactly one data type. */
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, TRIGGER, INTX, 0, 1));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz + 4, D_NONE | D_BOOL | TRIGGER, INTX,
				   0, 1));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz + 4, D_BOOL | D_EFD | TRIGGER, INTX,
				   0, 1));
	/* Exactly one action: vfio-pci answers ENOTTY. */
	EXPECT_EQ(-ENOTTY, set_raw(fd, sz, D_NONE, INTX, 0, 1));
	EXPECT_EQ(-ENOTTY, set_raw(fd, sz, D_NONE | MASK | UNMASK, INTX, 0, 1));
	EXPECT_EQ(-ENOTTY, set_raw(fd, sz, D_NONE | MASK | TRIGGER, REQ, 0, 1));
}

TEST_F(irqs, set_bad_range)
{
	int fd = self->d.fd;
	uint32_t sz = sizeof(struct vfio_irq_set);

	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER, MSI, UINT32_MAX, 1));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER, MSI, 1, UINT32_MAX));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER, MSI, 0, UINT32_MAX));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER, MSI, 0, 2));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER, MSI, 1, 0));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER, INTX, 1, 0));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER, REQ, 0, 2));
	/* Indices the device lacks have no vectors. */
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER, MSIX, 0, 1));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER, ERR, 0, 1));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_NONE | TRIGGER, ERR, 0, 0));
	/* Data shorter than count elements. */
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_EFD | TRIGGER, INTX, 0, 1));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz + 3, D_EFD | TRIGGER, INTX, 0, 1));
	EXPECT_EQ(-EINVAL, set_raw(fd, sz, D_BOOL | TRIGGER, MSI, 0, 1));
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_SET_IRQS, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(irqs, set_unsupported_actions)
{
	int fd = self->d.fd;

	EXPECT_EQ(-ENOTTY, set_none(fd, MASK, MSI, 0, 1));
	EXPECT_EQ(-ENOTTY, set_none(fd, UNMASK, MSI, 0, 1));
	EXPECT_EQ(-ENOTTY, set_none(fd, MASK, REQ, 0, 1));
	EXPECT_EQ(-ENOTTY, set_none(fd, UNMASK, REQ, 0, 1));
	/* INTx mask and unmask need INTx enabled first. */
	EXPECT_EQ(-EINVAL, set_none(fd, MASK, INTX, 0, 1));
	EXPECT_EQ(-EINVAL, set_none(fd, UNMASK, INTX, 0, 1));
	EXPECT_EQ(-EINVAL, set_efd(fd, MASK, INTX, self->a));
	ASSERT_EQ(0, set_efd(fd, TRIGGER, INTX, self->a));
	EXPECT_EQ(-ENOTTY, set_efd(fd, MASK, INTX, self->b));
	EXPECT_EQ(-EINVAL, set_none(fd, MASK, INTX, 0, 0));
}

TEST_F(irqs, set_bad_fds)
{
	int fd = self->d.fd, closed, pipefd[2];

	/* A number nothing else will reuse while the test runs. */
	closed = dup2(self->a, 900);
	ASSERT_EQ(900, closed);
	close(closed);
	ASSERT_EQ(0, pipe(pipefd));

	EXPECT_EQ(-EBADF, set_efd(fd, TRIGGER, INTX, closed));
	EXPECT_EQ(-EINVAL, set_efd(fd, TRIGGER, INTX, pipefd[0]));
	EXPECT_EQ(-EBADF, set_efd(fd, TRIGGER, MSI, closed));
	EXPECT_EQ(-EINVAL, set_efd(fd, TRIGGER, MSI, pipefd[0]));
	EXPECT_EQ(-EBADF, set_efd(fd, TRIGGER, REQ, closed));
	EXPECT_EQ(-EINVAL, set_efd(fd, TRIGGER, REQ, pipefd[0]));
	EXPECT_EQ(-EINVAL, set_efd(fd, TRIGGER, REQ, -2));
	/* None of that enabled anything. */
	EXPECT_EQ(-EINVAL, set_none(fd, TRIGGER, MSI, 0, 1));
	EXPECT_EQ(-EINVAL, set_none(fd, TRIGGER, INTX, 0, 1));
	ASSERT_EQ(0, set_efd(fd, TRIGGER, INTX, self->a));
	EXPECT_EQ(-EBADF, set_efd(fd, UNMASK, INTX, closed));
	EXPECT_EQ(-EINVAL, set_efd(fd, UNMASK, INTX, pipefd[0]));
	EXPECT_EQ(self->held + 1, frontend_held_eventfds());
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_F(irqs, loopback_intx)
{
	int fd = self->d.fd;

	EXPECT_EQ(-EINVAL, set_none(fd, TRIGGER, INTX, 0, 1));
	ASSERT_EQ(0, set_efd(fd, TRIGGER, INTX, self->a));
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(0, set_none(fd, TRIGGER, INTX, 0, 1));
	EXPECT_EQ(1, efd_count(self->a));
	EXPECT_EQ(0, set_bool(fd, TRIGGER, INTX, 0));
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(0, set_bool(fd, TRIGGER, INTX, 1));
	EXPECT_EQ(1, efd_count(self->a));
	EXPECT_EQ(0, efd_count(self->b));
}

TEST_F(irqs, loopback_msi)
{
	int fd = self->d.fd;

	EXPECT_EQ(-EINVAL, set_none(fd, TRIGGER, MSI, 0, 1));
	ASSERT_EQ(0, set_efd(fd, TRIGGER, MSI, self->a));
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(0, set_none(fd, TRIGGER, MSI, 0, 1));
	EXPECT_EQ(1, efd_count(self->a));
	EXPECT_EQ(0, set_bool(fd, TRIGGER, MSI, 0));
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(0, set_bool(fd, TRIGGER, MSI, 1));
	EXPECT_EQ(1, efd_count(self->a));
	/* A vector without an eventfd loops back into nothing. */
	ASSERT_EQ(0, set_efd(fd, TRIGGER, MSI, -1));
	EXPECT_EQ(0, set_none(fd, TRIGGER, MSI, 0, 1));
	EXPECT_EQ(0, efd_count(self->a));
}

TEST_F(irqs, loopback_req)
{
	int fd = self->d.fd;

	EXPECT_EQ(-EINVAL, set_none(fd, TRIGGER, REQ, 0, 1));
	EXPECT_EQ(0, set_bool(fd, TRIGGER, REQ, 1));
	ASSERT_EQ(0, set_efd(fd, TRIGGER, REQ, self->a));
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(0, set_none(fd, TRIGGER, REQ, 0, 1));
	EXPECT_EQ(1, efd_count(self->a));
	EXPECT_EQ(0, set_bool(fd, TRIGGER, REQ, 1));
	EXPECT_EQ(1, efd_count(self->a));
	EXPECT_EQ(-EINVAL, vfio_set_irqs(fd, D_BOOL | TRIGGER, REQ, 0, 0,
					 NULL, 0));
	EXPECT_EQ(-EINVAL, vfio_set_irqs(fd, D_EFD | TRIGGER, REQ, 0, 0,
					 NULL, 0));
	/* count 0 with DATA_NONE de-assigns. */
	EXPECT_EQ(0, set_none(fd, TRIGGER, REQ, 0, 0));
	EXPECT_EQ(-EINVAL, set_none(fd, TRIGGER, REQ, 0, 1));
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(self->held, frontend_held_eventfds());
}

TEST_F(irqs, swap_and_deassign)
{
	int fd = self->d.fd;

	ASSERT_EQ(0, set_efd(fd, TRIGGER, MSI, self->a));
	EXPECT_EQ(self->held + 1, frontend_held_eventfds());
	ASSERT_EQ(0, set_efd(fd, TRIGGER, MSI, self->b));
	EXPECT_EQ(self->held + 1, frontend_held_eventfds());
	EXPECT_EQ(0, set_none(fd, TRIGGER, MSI, 0, 1));
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(1, efd_count(self->b));
	ASSERT_EQ(0, set_efd(fd, TRIGGER, MSI, -1));
	EXPECT_EQ(self->held, frontend_held_eventfds());
	/* MSI stays enabled without an eventfd: INTx is still refused. */
	EXPECT_EQ(-EINVAL, set_efd(fd, TRIGGER, INTX, self->a));
	EXPECT_EQ(0, set_none(fd, TRIGGER, MSI, 0, 0));
	EXPECT_EQ(-EINVAL, set_none(fd, TRIGGER, MSI, 0, 1));

	ASSERT_EQ(0, set_efd(fd, TRIGGER, INTX, self->a));
	ASSERT_EQ(0, set_efd(fd, TRIGGER, INTX, self->b));
	EXPECT_EQ(0, set_none(fd, TRIGGER, INTX, 0, 1));
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(1, efd_count(self->b));
	ASSERT_EQ(0, set_efd(fd, TRIGGER, INTX, -1));
	EXPECT_EQ(self->held, frontend_held_eventfds());
	EXPECT_EQ(0, set_none(fd, TRIGGER, INTX, 0, 1));
	EXPECT_EQ(0, efd_count(self->b));
	EXPECT_EQ(-EINVAL, set_efd(fd, TRIGGER, MSI, self->a));
}

TEST_F(irqs, intx_msi_exclusive)
{
	int fd = self->d.fd;

	ASSERT_EQ(0, set_efd(fd, TRIGGER, INTX, self->a));
	EXPECT_EQ(-EINVAL, set_efd(fd, TRIGGER, MSI, self->b));
	EXPECT_EQ(-EINVAL, set_none(fd, TRIGGER, MSI, 0, 0));
	EXPECT_EQ(0, set_none(fd, TRIGGER, INTX, 0, 0));
	EXPECT_EQ(-EINVAL, set_none(fd, TRIGGER, INTX, 0, 1));
	ASSERT_EQ(0, set_efd(fd, TRIGGER, MSI, self->b));
	EXPECT_EQ(-EINVAL, set_efd(fd, TRIGGER, INTX, self->a));
	EXPECT_EQ(-EINVAL, set_none(fd, TRIGGER, INTX, 0, 0));
	EXPECT_EQ(-EINVAL, set_none(fd, MASK, INTX, 0, 1));
	EXPECT_EQ(0, set_none(fd, TRIGGER, MSI, 0, 0));
	EXPECT_EQ(self->held, frontend_held_eventfds());
}

TEST_F(irqs, intx_automask_ioctl)
{
	struct vfio_dev *d = &self->d;

	ASSERT_EQ(0, set_efd(d->fd, TRIGGER, INTX, self->a));
	EXPECT_EQ(0, efd_count(self->a));
	line_up(d);
	EXPECT_EQ(1, efd_count(self->a));
	/* Masked: the line going down and up again is not signalled. */
	line_down(d);
	line_up(d);
	EXPECT_EQ(0, efd_count(self->a));
	/* Unmasking a line still high signals again, once. */
	EXPECT_EQ(0, set_none(d->fd, UNMASK, INTX, 0, 1));
	EXPECT_EQ(1, efd_count(self->a));
	line_down(d);
	EXPECT_EQ(0, set_bool(d->fd, UNMASK, INTX, 0));
	line_up(d);
	EXPECT_EQ(0, efd_count(self->a));
	line_down(d);
	EXPECT_EQ(0, set_bool(d->fd, UNMASK, INTX, 1));
	EXPECT_EQ(0, efd_count(self->a));
	/* A user mask holds off the next assertion until unmasked. */
	EXPECT_EQ(0, set_bool(d->fd, MASK, INTX, 1));
	line_up(d);
	EXPECT_EQ(0, efd_count(self->a));
	EXPECT_EQ(0, set_none(d->fd, UNMASK, INTX, 0, 1));
	EXPECT_EQ(1, efd_count(self->a));
	EXPECT_EQ(0, efd_count(self->b));
}

TEST_F(irqs, intx_automask_eventfd)
{
	struct vfio_dev *d = &self->d;
	int u = efd_new();

	ASSERT_LE(0, u);
	ASSERT_EQ(0, set_efd(d->fd, TRIGGER, INTX, self->a));
	ASSERT_EQ(0, set_efd(d->fd, UNMASK, INTX, u));
	EXPECT_EQ(-EBUSY, set_efd(d->fd, UNMASK, INTX, self->b));
	line_up(d);
	EXPECT_EQ(1, efd_count(self->a));
	/* The unmask eventfd re-signals a line still high. */
	ASSERT_EQ(0, eventfd_write(u, 1));
	EXPECT_EQ(1, efd_wait(self->a, 5000));
	line_down(d);
	ASSERT_EQ(0, eventfd_write(u, 1));
	usleep(200000);
	EXPECT_EQ(0, efd_count(self->a));
	line_up(d);
	EXPECT_EQ(1, efd_count(self->a));
	/* De-assigned, the unmask eventfd unmasks nothing. */
	ASSERT_EQ(0, set_efd(d->fd, UNMASK, INTX, -1));
	line_down(d);
	ASSERT_EQ(0, eventfd_write(u, 1));
	line_up(d);
	usleep(200000);
	EXPECT_EQ(0, efd_count(self->a));
	ASSERT_EQ(0, set_efd(d->fd, UNMASK, INTX, self->b));
	close(u);
}

TEST_F(irqs, release_on_close)
{
	int fd = self->d.fd, u = efd_new();

	ASSERT_EQ(0, set_efd(fd, TRIGGER, INTX, self->a));
	ASSERT_EQ(0, set_efd(fd, UNMASK, INTX, u));
	ASSERT_EQ(0, set_efd(fd, TRIGGER, REQ, self->b));
	EXPECT_EQ(self->held + 2, frontend_held_eventfds());
	close(self->d.fd);
	self->d.fd = -1;
	EXPECT_EQ(self->held, frontend_held_eventfds());

	self->d.fd = ioctl(self->d.group, VFIO_GROUP_GET_DEVICE_FD,
			   self->d.uuid);
	ASSERT_LE(0, self->d.fd);
	fd = self->d.fd;
	/* The reopened device starts with nothing enabled. */
	EXPECT_EQ(-EINVAL, set_none(fd, TRIGGER, INTX, 0, 1));
	EXPECT_EQ(-EINVAL, set_none(fd, TRIGGER, REQ, 0, 1));
	ASSERT_EQ(0, set_efd(fd, TRIGGER, MSI, self->a));
	EXPECT_EQ(self->held + 1, frontend_held_eventfds());
	close(self->d.fd);
	self->d.fd = -1;
	EXPECT_EQ(self->held, frontend_held_eventfds());
	close(u);
}

static void *remove_thread(void *uuid)
{
	return (void *)(intptr_t)mdev_remove(uuid);
}

TEST_F(irqs, req_on_removal)
{
	char path[128];
	pthread_t t;
	void *ret;

	ASSERT_EQ(0, set_efd(self->d.fd, TRIGGER, REQ, self->a));
	ASSERT_EQ(0, set_efd(self->d.fd, TRIGGER, MSI, self->b));
	ASSERT_EQ(0, pthread_create(&t, NULL, remove_thread, self->d.uuid));
	/* Removal asks the user through REQ, then waits for the close. */
	EXPECT_EQ(1, efd_wait(self->a, 5000));
	EXPECT_EQ(0, efd_count(self->b));
	vfio_dev_close(&self->d);
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(0, (intptr_t)ret);
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", self->d.uuid);
	EXPECT_EQ(0, sysfs_exists(path));
	EXPECT_EQ(self->held, frontend_held_eventfds());
	self->d.uuid[0] = 0;
}

TEST_HARNESS_MAIN
