// SPDX-License-Identifier: GPL-2.0
/* mdpy: VFIO_DEVICE_QUERY_GFX_PLANE answers with the type's region plane. */
/* The harness compares int literals with unsigned fields; setjmp. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"
#include "mdpy_vfio.h"

#define FOURCC_XRGB8888	0x34325258
#define PLANE_OVERLAY	0	/* enum drm_plane_type */
#define PLANE_PRIMARY	1
#define PLANE_CURSOR	2

FIXTURE(plane) {
	struct vfio_dev d;
};

MDPY_FIXTURE_VARIANTS(plane);

FIXTURE_SETUP(plane)
{
	ASSERT_EQ(0, mdpy_load());
	ASSERT_EQ(0, mdpy_open_new(&self->d, variant->mode->type));
}

FIXTURE_TEARDOWN(plane)
{
	EXPECT_EQ(0, mdpy_destroy(&self->d));
}

static int query(struct vfio_dev *d, uint32_t flags, uint32_t type,
		 struct vfio_device_gfx_plane_info *p)
{
	memset(p, 0xa5, sizeof(*p));
	p->argsz = sizeof(*p);
	p->flags = flags;
	p->drm_plane_type = type;
	return ioctl(d->fd, VFIO_DEVICE_QUERY_GFX_PLANE, p) ? errno : 0;
}

TEST_F(plane, probe)
{
	struct vfio_device_gfx_plane_info p;

	EXPECT_EQ(0, query(&self->d, VFIO_GFX_PLANE_TYPE_PROBE |
			   VFIO_GFX_PLANE_TYPE_REGION, PLANE_PRIMARY, &p));
	EXPECT_EQ(EINVAL, query(&self->d, VFIO_GFX_PLANE_TYPE_PROBE |
				VFIO_GFX_PLANE_TYPE_DMABUF, PLANE_PRIMARY, &p));
	EXPECT_EQ(EINVAL, query(&self->d, VFIO_GFX_PLANE_TYPE_DMABUF,
				PLANE_PRIMARY, &p));
	EXPECT_EQ(EINVAL, query(&self->d, 0, PLANE_PRIMARY, &p));
	p.argsz = 8;
	EXPECT_EQ(-1, ioctl(self->d.fd, VFIO_DEVICE_QUERY_GFX_PLANE, &p));
}

TEST_F(plane, primary)
{
	const struct mdpy_mode *m = variant->mode;
	struct vfio_region_info r = { .argsz = sizeof(r) };
	struct vfio_device_gfx_plane_info p;

	ASSERT_EQ(0, query(&self->d, VFIO_GFX_PLANE_TYPE_REGION, PLANE_PRIMARY,
			   &p));
	EXPECT_EQ(FOURCC_XRGB8888, p.drm_format);
	EXPECT_EQ(0, p.drm_format_mod);
	EXPECT_EQ(m->width, p.width);
	EXPECT_EQ(m->height, p.height);
	EXPECT_EQ(m->width * 4, p.stride);
	EXPECT_EQ(0, p.x_pos);
	EXPECT_EQ(0, p.y_pos);
	EXPECT_EQ(UINT32_MAX, p.x_hot);
	EXPECT_EQ(UINT32_MAX, p.y_hot);

	/* the plane's region is the mappable framebuffer, big enough */
	r.index = p.region_index;
	ASSERT_EQ(0, ioctl(self->d.fd, VFIO_DEVICE_GET_REGION_INFO, &r));
	EXPECT_TRUE(r.flags & VFIO_REGION_INFO_FLAG_MMAP);
	EXPECT_EQ(r.size, p.size);
	EXPECT_LE((uint64_t)p.stride * p.height, p.size);
}

/* QEMU's region display asks without naming a plane type: 0. */
TEST_F(plane, unnamed)
{
	struct vfio_device_gfx_plane_info primary, p;

	ASSERT_EQ(0, query(&self->d, VFIO_GFX_PLANE_TYPE_REGION, PLANE_PRIMARY,
			   &primary));
	ASSERT_EQ(0, query(&self->d, VFIO_GFX_PLANE_TYPE_REGION, PLANE_OVERLAY,
			   &p));
	EXPECT_EQ(FOURCC_XRGB8888, p.drm_format);
	EXPECT_EQ(primary.width, p.width);
	EXPECT_EQ(primary.height, p.height);
	EXPECT_EQ(primary.stride, p.stride);
	EXPECT_EQ(primary.size, p.size);
	EXPECT_EQ(primary.region_index, p.region_index);
}

TEST_F(plane, cursor_off)
{
	struct vfio_device_gfx_plane_info p;

	ASSERT_EQ(0, query(&self->d, VFIO_GFX_PLANE_TYPE_REGION, PLANE_CURSOR,
			   &p));
	EXPECT_EQ(0, p.drm_format);
	EXPECT_EQ(0, p.size);
	EXPECT_EQ(0, p.width);
	EXPECT_EQ(0, p.height);
}

TEST_HARNESS_MAIN
