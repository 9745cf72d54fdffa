// SPDX-License-Identifier: GPL-2.0
/*
 * mtty live migration (VFIO migration v2): a running two-port instance with
 * bytes in flight in a receive FIFO moves through PRE_COPY and STOP_COPY
 * into a second instance, which resumes with the same UART state and
 * raises the pending interrupt there.
 * TIMEOUT: 300
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mtty_test.h"

#define STREAM_MAX	4096

static int mig_set(int fd, uint32_t state, int *data_fd)
{
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_mig_state s;
	} b = { .f = { .argsz = sizeof(b), .flags = VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE },
		.s = { .device_state = state, .data_fd = -1 } };

	if (ioctl(fd, VFIO_DEVICE_FEATURE, &b))
		return -errno;
	if (data_fd)
		*data_fd = b.s.data_fd;
	else if (b.s.data_fd >= 0)
		close(b.s.data_fd);
	return 0;
}

static int mig_get(int fd)
{
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_mig_state s;
	} b = { .f = { .argsz = sizeof(b), .flags = VFIO_DEVICE_FEATURE_GET |
		       VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE } };

	return ioctl(fd, VFIO_DEVICE_FEATURE, &b) ? -errno : (int)b.s.device_state;
}

static long mig_feature_u64(int fd, uint32_t feature)
{
	struct {
		struct vfio_device_feature f;
		uint64_t v;
	} b = { .f = { .argsz = sizeof(b),
		       .flags = VFIO_DEVICE_FEATURE_GET | feature } };

	return ioctl(fd, VFIO_DEVICE_FEATURE, &b) ? -errno : (long)b.v;
}

static int precopy_initial(int data_fd)
{
	struct vfio_precopy_info info = { .argsz = sizeof(info) };

	if (ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, &info))
		return -errno;
	return info.dirty_bytes ? -1 : (int)info.initial_bytes;
}

FIXTURE(mig) {
	struct vfio_dev src, dst;
	int efd;
};

FIXTURE_SETUP(mig)
{
	int ret = mtty_open_new(&self->src, "mtty-2");

	if (ret == -ENOENT && !sysfs_exists(MTTY_TYPES))
		SKIP(return, "mtty is not available in this guest");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, mtty_open_new(&self->dst, "mtty-2"));
	self->efd = efd_new();
}

FIXTURE_TEARDOWN(mig)
{
	mtty_destroy(&self->src);
	mtty_destroy(&self->dst);
	close(self->efd);
}

TEST_F(mig, running_with_data_in_flight)
{
	struct vfio_dev *s = &self->src, *t = &self->dst;
	static uint8_t stream[STREAM_MAX];
	int data_fd = -1, n, len = 0, efd = self->efd;
	const char *msg = "in flight";
	size_t i;

	/* MIGRATION reports the v2 flags mtty offers. */
	EXPECT_EQ(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P |
		  VFIO_MIGRATION_PRE_COPY,
		  mig_feature_u64(s->fd, VFIO_DEVICE_FEATURE_MIGRATION));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, mig_get(s->fd));

	/* The source runs with bytes waiting in port 1's FIFO. */
	mtty_reg_write(s, 0, UART_FCR, 0x01);
	mtty_reg_write(s, 1, UART_FCR, 0x81);	/* trigger level 8 */
	mtty_reg_write(s, 1, UART_LCR, 0x03);
	mtty_reg_write(s, 0, UART_SCR, 0x42);
	mtty_reg_write(s, 1, UART_IER, UART_IER_RDI);
	for (i = 0; i < 4; i++)
		mtty_reg_write(s, 0, UART_THR, msg[i]);

	ASSERT_EQ(0, mig_set(s->fd, VFIO_DEVICE_STATE_PRE_COPY, &data_fd));
	ASSERT_LE(0, data_fd);
	n = precopy_initial(data_fd);
	ASSERT_LT(0, n);
	len = read(data_fd, stream, n);
	ASSERT_EQ(n, len);
	EXPECT_EQ(0, precopy_initial(data_fd));
	/* Still running in PRE_COPY: more bytes arrive. */
	for (; i < strlen(msg); i++)
		mtty_reg_write(s, 0, UART_THR, msg[i]);

	ASSERT_EQ(0, mig_set(s->fd, VFIO_DEVICE_STATE_STOP_COPY, NULL));
	EXPECT_EQ(-EINVAL, precopy_initial(data_fd));
	while ((n = read(data_fd, stream + len, STREAM_MAX - len)) > 0)
		len += n;
	ASSERT_EQ(0, n);
	EXPECT_EQ(mig_feature_u64(s->fd, VFIO_DEVICE_FEATURE_MIG_DATA_SIZE),
		  len);
	/* Stopped: the device's registers do not answer. */
	EXPECT_EQ(0xff, mtty_reg_read(s, 1, UART_LSR));
	ASSERT_EQ(0, mig_set(s->fd, VFIO_DEVICE_STATE_STOP, NULL));
	close(data_fd);

	/* The target is configured by its user before it resumes. */
	ASSERT_EQ(0, vfio_irq_eventfds(t->fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
				       &efd));
	ASSERT_EQ(0, mig_set(t->fd, VFIO_DEVICE_STATE_RESUMING, &data_fd));
	ASSERT_LE(0, data_fd);
	ASSERT_EQ(len, write(data_fd, stream, len));
	ASSERT_EQ(0, mig_set(t->fd, VFIO_DEVICE_STATE_STOP, NULL));
	EXPECT_EQ(0, efd_count(efd));
	close(data_fd);
	ASSERT_EQ(0, mig_set(t->fd, VFIO_DEVICE_STATE_RUNNING, NULL));
	/* Data available at trigger level 8 is pending: one INTx. */
	EXPECT_EQ(1, efd_count(efd));

	EXPECT_EQ(0x42, mtty_reg_read(t, 0, UART_SCR));
	EXPECT_EQ(0x03, mtty_reg_read(t, 1, UART_LCR));
	EXPECT_EQ(UART_IER_RDI, mtty_reg_read(t, 1, UART_IER));
	EXPECT_EQ(0xc4, mtty_reg_read(t, 1, UART_IIR));
	for (i = 0; i < strlen(msg); i++)
		EXPECT_EQ(msg[i], mtty_reg_read(t, 1, UART_RBR));
	EXPECT_EQ(0x60, mtty_reg_read(t, 1, UART_LSR));
	/* The target carries on as a UART. */
	mtty_reg_write(t, 1, UART_THR, 'z');
	EXPECT_EQ('z', mtty_reg_read(t, 0, UART_RBR));
}

TEST_F(mig, bad_stream_is_refused)
{
	struct vfio_dev *t = &self->dst;
	uint8_t junk[64];
	int data_fd = -1;

	memset(junk, 0x5a, sizeof(junk));
	ASSERT_EQ(0, mig_set(t->fd, VFIO_DEVICE_STATE_RESUMING, &data_fd));
	ASSERT_EQ(sizeof(junk), write(data_fd, junk, sizeof(junk)));
	EXPECT_EQ(-EINVAL, mig_set(t->fd, VFIO_DEVICE_STATE_STOP, NULL));
	close(data_fd);
	/* A device reset returns it to RUNNING. */
	ASSERT_EQ(0, ioctl(t->fd, VFIO_DEVICE_RESET));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, mig_get(t->fd));
}

TEST_HARNESS_MAIN
