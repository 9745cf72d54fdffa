// SPDX-License-Identifier: GPL-2.0
/*
 * mdpy: instances come and go: create and remove in a loop with the tick
 * and interrupts left running at close, the instance limit, and removal
 * of an instance in use, which asks its user to let go through REQ.
 * The frontend holds no eventfd after close (its debugfs count); other
 * leaks show up in kmemleak's report at the end of the run.
 * TIMEOUT: 240
 */
/* The harness compares int literals with unsigned fields; setjmp. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <pthread.h>
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "mdpy_vfio.h"

#define LOOPS	10

FIXTURE(lifecycle) {
	int avail;
	int held;
};

MDPY_FIXTURE_VARIANTS(lifecycle);

FIXTURE_SETUP(lifecycle)
{
	ASSERT_EQ(0, mdpy_load());
	self->avail = mdev_available(MDPY_PARENT, variant->mode->type);
	ASSERT_LT(0, self->avail);
	self->held = frontend_held_eventfds();
	ASSERT_LE(0, self->held);
}

FIXTURE_TEARDOWN(lifecycle)
{
	EXPECT_EQ(self->avail,
		  mdev_available(MDPY_PARENT, variant->mode->type));
	EXPECT_EQ(self->held, frontend_held_eventfds());
}

/* Each round leaves the device busy at close: close must undo it all. */
TEST_F(lifecycle, create_remove_loop)
{
	const char *type = variant->mode->type;
	int i;

	for (i = 0; i < LOOPS; i++) {
		struct vfio_dev d;
		int msi, req;
		void *fb;
		struct vfio_region_info r = { .argsz = sizeof(r),
			.index = VFIO_PCI_BAR0_REGION_INDEX };

		ASSERT_EQ(0, mdpy_open_new(&d, type));
		EXPECT_EQ(self->avail - 1, mdev_available(MDPY_PARENT, type));
		ASSERT_EQ(0, ioctl(d.fd, VFIO_DEVICE_GET_REGION_INFO, &r));
		fb = mmap(NULL, r.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			  d.fd, r.offset);
		ASSERT_NE(MAP_FAILED, fb);
		msi = vfio_irq_efd_new(d.fd, i & 1 ? VFIO_PCI_MSI_IRQ_INDEX :
					     VFIO_PCI_INTX_IRQ_INDEX);
		ASSERT_LE(0, msi);
		req = vfio_irq_efd_new(d.fd, VFIO_PCI_REQ_IRQ_INDEX);
		ASSERT_LE(0, req);
		ASSERT_EQ(0, mdpy_tick(&d, 1));
		EXPECT_TRUE(efd_poll(msi, 1000));
		/* INTx is a level, automasked: one interrupt until unmasked */
		if (!(i & 1)) {
			ASSERT_EQ(0, mdpy_wait_frames(&d, 3, 5000));
			EXPECT_EQ(1, efd_count(msi));
		}
		EXPECT_EQ(self->held + 2, frontend_held_eventfds());
		/* the mapping keeps the device open after its fd is closed */
		vfio_dev_close(&d);
		((uint32_t *)fb)[0] = i;
		EXPECT_EQ(self->held + 2, frontend_held_eventfds());
		munmap(fb, r.size);
		EXPECT_EQ(self->held, frontend_held_eventfds());
		close(msi);
		close(req);
		ASSERT_EQ(0, mdev_remove(d.uuid));
		EXPECT_FALSE(mdev_exists(d.uuid));
		EXPECT_EQ(self->avail, mdev_available(MDPY_PARENT, type));
	}
}

static int fb_region(struct vfio_dev *d, struct vfio_region_info *r)
{
	*r = (struct vfio_region_info){ .argsz = sizeof(*r),
		.index = VFIO_PCI_BAR0_REGION_INDEX };
	return ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, r);
}

/* The framebuffer's words that are not zero. */
static uint64_t fb_nonzero(struct vfio_dev *d)
{
	struct vfio_region_info r;
	uint64_t n = 0, i;
	uint32_t *buf;

	if (fb_region(d, &r))
		return UINT64_MAX;
	buf = malloc(r.size);
	if (!buf || pread(d->fd, buf, r.size, r.offset) != (ssize_t)r.size) {
		free(buf);
		return UINT64_MAX;
	}
	for (i = 0; i < r.size / 4; i++)
		n += buf[i] != 0;
	free(buf);
	return n;
}

/*
 * A reopened instance starts from reset: no tick, no interrupt config,
 * and a blank framebuffer, whatever the last owner drew.
 */
TEST_F(lifecycle, reopen_clean)
{
	struct vfio_irq_info info;
	struct vfio_dev d;
	char uuid[40];
	struct vfio_region_info r;
	uint32_t px = 0x00ff8000;
	int efd;

	ASSERT_EQ(0, mdpy_open_new(&d, variant->mode->type));
	ASSERT_EQ(0, fb_region(&d, &r));
	ASSERT_EQ(4, pwrite(d.fd, &px, 4, r.offset + r.size - 4));
	EXPECT_EQ(1, fb_nonzero(&d));
	efd = vfio_irq_efd_new(d.fd, VFIO_PCI_MSI_IRQ_INDEX);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, mdpy_tick(&d, 1));
	ASSERT_TRUE(efd_poll(efd, 1000));
	snprintf(uuid, sizeof(uuid), "%s", d.uuid);
	vfio_dev_close(&d);
	efd_count(efd);
	sleep_ms(200);
	EXPECT_EQ(0, efd_count(efd));

	ASSERT_EQ(0, vfio_dev_open(&d, uuid));
	EXPECT_EQ(0, fb_nonzero(&d));
	EXPECT_EQ(0, mdpy_cfg_read(&d, MDPY_CAP_CTRL, 4));
	EXPECT_EQ(0, mdpy_cfg_read(&d, MDPY_CAP_FRAMES, 4));
	ASSERT_EQ(0, vfio_irq_info(d.fd, VFIO_PCI_MSI_IRQ_INDEX, &info));
	EXPECT_EQ(1, info.count);
	/* MSI is off after reopen: the frames send nothing */
	ASSERT_EQ(0, mdpy_tick(&d, 1));
	ASSERT_EQ(0, mdpy_wait_frames(&d, 3, 5000));
	EXPECT_EQ(0, efd_count(efd));
	close(efd);
	EXPECT_EQ(0, mdpy_destroy(&d));
}

TEST_F(lifecycle, instance_limit)
{
	const char *type = variant->mode->type;
	char uuids[8][40], extra[40];
	int i, n = self->avail;

	ASSERT_GE(8, n);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, mdev_create(MDPY_PARENT, type, uuids[i]));
	EXPECT_EQ(0, mdev_available(MDPY_PARENT, type));
	EXPECT_NE(0, mdev_create(MDPY_PARENT, type, extra));
	EXPECT_FALSE(mdev_exists(extra));
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, mdev_remove(uuids[i]));
}

struct remover {
	char uuid[40];
	int ret;
};

static void *remove_thread(void *arg)
{
	struct remover *r = arg;

	r->ret = mdev_remove(r->uuid);
	return NULL;
}

/* Removing an open instance signals REQ and waits for the close. */
TEST_F(lifecycle, remove_in_use)
{
	struct remover r = { .ret = 1 };
	struct vfio_dev d;
	pthread_t t;
	int req;

	ASSERT_EQ(0, mdpy_open_new(&d, variant->mode->type));
	req = vfio_irq_efd_new(d.fd, VFIO_PCI_REQ_IRQ_INDEX);
	ASSERT_LE(0, req);
	snprintf(r.uuid, sizeof(r.uuid), "%s", d.uuid);
	ASSERT_EQ(0, pthread_create(&t, NULL, remove_thread, &r));
	/* one request; vfio asks again only after 10 s without a close */
	EXPECT_TRUE(efd_poll(req, 5000));
	EXPECT_EQ(1, efd_count(req));
	/* still there until its user lets go */
	EXPECT_EQ(1, r.ret);
	vfio_dev_close(&d);
	pthread_join(t, NULL);
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(0, efd_count(req));
	EXPECT_FALSE(mdev_exists(r.uuid));
	close(req);
}

TEST_HARNESS_MAIN
