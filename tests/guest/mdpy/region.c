// SPDX-License-Identifier: GPL-2.0
/*
 * mdpy: device info, region info, config space and the framebuffer
 * mapping of one instance of each type.
 */
#include <sys/mman.h>
/* The harness compares int literals with unsigned fields; setjmp. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"
#include "mdpy_vfio.h"

#define FOURCC_XRGB8888 0x34325258	/* 'X' 'R' '2' '4' */

FIXTURE(region) {
	struct vfio_dev d;
	struct vfio_region_info bar0;
};

MDPY_FIXTURE_VARIANTS(region);

FIXTURE_SETUP(region)
{
	ASSERT_EQ(0, mdpy_load());
	ASSERT_EQ(0, mdpy_open_new(&self->d, variant->mode->type));
	self->bar0 = self->d.region[VFIO_PCI_BAR0_REGION_INDEX];
}

FIXTURE_TEARDOWN(region)
{
	EXPECT_EQ(0, mdpy_destroy(&self->d));
}

static uint64_t fb_bytes(const struct mdpy_mode *m)
{
	return (uint64_t)m->width * 4 * m->height;
}

TEST_F(region, device_info)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, ioctl(self->d.fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, info.flags);
	EXPECT_EQ(VFIO_PCI_NUM_REGIONS, info.num_regions);
	EXPECT_EQ(VFIO_PCI_NUM_IRQS, info.num_irqs);
}

TEST_F(region, region_info)
{
	struct vfio_region_info info = { .argsz = sizeof(info) };
	uint64_t size = self->bar0.size;
	unsigned int i;

	/* BAR0: the whole framebuffer, a power of two, mappable */
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		  VFIO_REGION_INFO_FLAG_MMAP, self->bar0.flags);
	EXPECT_EQ(0, size & (size - 1));
	EXPECT_LE(fb_bytes(variant->mode), size);
	EXPECT_GT(fb_bytes(variant->mode) * 2, size);

	info.index = VFIO_PCI_CONFIG_REGION_INDEX;
	ASSERT_EQ(0, ioctl(self->d.fd, VFIO_DEVICE_GET_REGION_INFO, &info));
	EXPECT_EQ(256, info.size);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		  info.flags);
	EXPECT_NE(self->bar0.offset, info.offset);

	for (i = VFIO_PCI_BAR1_REGION_INDEX; i < VFIO_PCI_NUM_REGIONS; i++) {
		if (i == VFIO_PCI_CONFIG_REGION_INDEX)
			continue;
		info.argsz = sizeof(info);
		info.index = i;
		ASSERT_EQ(0, ioctl(self->d.fd, VFIO_DEVICE_GET_REGION_INFO,
				   &info));
		EXPECT_EQ(0, info.size);
	}

	info.index = VFIO_PCI_NUM_REGIONS;
	EXPECT_EQ(-1, ioctl(self->d.fd, VFIO_DEVICE_GET_REGION_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.argsz = 4;
	info.index = VFIO_PCI_BAR0_REGION_INDEX;
	EXPECT_EQ(-1, ioctl(self->d.fd, VFIO_DEVICE_GET_REGION_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(region, config_identity)
{
	struct vfio_dev *d = &self->d;
	const struct mdpy_mode *m = variant->mode;

	EXPECT_EQ(MDPY_PCI_VENDOR_ID, mdpy_cfg_read(d, PCI_VENDOR_ID, 2));
	EXPECT_EQ(MDPY_PCI_DEVICE_ID, mdpy_cfg_read(d, PCI_DEVICE_ID, 2));
	EXPECT_EQ(MDPY_PCI_SUBVENDOR_ID,
		  mdpy_cfg_read(d, PCI_SUBSYSTEM_VENDOR_ID, 2));
	EXPECT_EQ(MDPY_PCI_SUBDEVICE_ID, mdpy_cfg_read(d, PCI_SUBSYSTEM_ID, 2));
	EXPECT_EQ(MDPY_PCI_CLASS << 8 | MDPY_PCI_REVISION,
		  mdpy_cfg_read(d, PCI_CLASS_REVISION, 4));
	EXPECT_TRUE(mdpy_cfg_read(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	EXPECT_EQ(1, mdpy_cfg_read(d, PCI_INTERRUPT_PIN, 1));

	/* vendor capability with the mode, then MSI */
	EXPECT_EQ(MDPY_CAP_OFFSET, mdpy_cfg_read(d, PCI_CAPABILITY_LIST, 1));
	EXPECT_EQ(PCI_CAP_ID_VNDR, mdpy_cfg_read(d, MDPY_CAP_OFFSET, 1));
	EXPECT_EQ(MDPY_CAP_SIZE, mdpy_cfg_read(d, MDPY_CAP_OFFSET + 2, 1));
	EXPECT_EQ(MDPY_CAP_VERSION_1, mdpy_cfg_read(d, MDPY_CAP_VERSION, 1));
	EXPECT_EQ(FOURCC_XRGB8888, mdpy_cfg_read(d, MDPY_CAP_FORMAT, 4));
	EXPECT_EQ(m->width, mdpy_cfg_read(d, MDPY_CAP_WIDTH, 4));
	EXPECT_EQ(m->height, mdpy_cfg_read(d, MDPY_CAP_HEIGHT, 4));
	EXPECT_EQ(m->width * 4, mdpy_cfg_read(d, MDPY_CAP_STRIDE, 4));
	EXPECT_EQ(m->refresh, mdpy_cfg_read(d, MDPY_CAP_REFRESH, 4));
	EXPECT_EQ(0, mdpy_cfg_read(d, MDPY_CAP_CTRL, 4));
	EXPECT_EQ(0, mdpy_cfg_read(d, MDPY_CAP_STATUS, 4));
	EXPECT_EQ(0, mdpy_cfg_read(d, MDPY_CAP_FRAMES, 4));
	EXPECT_EQ(MDPY_MSI_OFFSET, mdpy_cfg_read(d, MDPY_CAP_OFFSET + 1, 1));
	EXPECT_EQ(PCI_CAP_ID_MSI, mdpy_cfg_read(d, MDPY_MSI_OFFSET, 1));
	EXPECT_EQ(0, mdpy_cfg_read(d, MDPY_MSI_OFFSET + 1, 1));
	EXPECT_EQ(PCI_MSI_FLAGS_64BIT,
		  mdpy_cfg_read(d, MDPY_MSI_OFFSET + PCI_MSI_FLAGS, 2));

	/* the mode is read only */
	ASSERT_EQ(0, mdpy_cfg_write(d, MDPY_CAP_WIDTH, 123, 4));
	EXPECT_EQ(m->width, mdpy_cfg_read(d, MDPY_CAP_WIDTH, 4));
	ASSERT_EQ(0, mdpy_cfg_write(d, PCI_VENDOR_ID, 0x1234, 2));
	EXPECT_EQ(MDPY_PCI_VENDOR_ID, mdpy_cfg_read(d, PCI_VENDOR_ID, 2));

	/* out of range */
	EXPECT_EQ(UINT32_MAX, mdpy_cfg_read(d, 255, 2));
	EXPECT_EQ(-EINVAL, mdpy_cfg_write(d, 256, 0, 1));
}

/* sysfs tells the mode of a type and of an instance */
TEST_F(region, sysfs_mode)
{
	const struct mdpy_mode *m = variant->mode;
	char path[256], want[64], buf[128];

	snprintf(want, sizeof(want), "%ux%u@%u", m->width, m->height,
		 m->refresh);
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/vendor/mode",
		 self->d.uuid);
	ASSERT_EQ(0, sysfs_read(path, buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	snprintf(path, sizeof(path), MDPY_PARENT "/%s/name", m->type);
	ASSERT_EQ(0, sysfs_read(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, want));
	snprintf(path, sizeof(path), MDPY_PARENT "/%s/device_api", m->type);
	ASSERT_EQ(0, sysfs_read(path, buf, sizeof(buf)));
	EXPECT_STREQ("vfio-pci", buf);
}

TEST_F(region, bar_sizing)
{
	struct vfio_dev *d = &self->d;
	uint32_t flags = PCI_BASE_ADDRESS_MEM_PREFETCH;
	uint32_t mask = ~(uint32_t)(self->bar0.size - 1);

	EXPECT_EQ(flags, mdpy_cfg_read(d, PCI_BASE_ADDRESS_0, 4));
	ASSERT_EQ(0, mdpy_cfg_write(d, PCI_BASE_ADDRESS_0, 0xffffffff, 4));
	EXPECT_EQ(mask | flags, mdpy_cfg_read(d, PCI_BASE_ADDRESS_0, 4));
	ASSERT_EQ(0, mdpy_cfg_write(d, PCI_BASE_ADDRESS_0, 0xc0000000, 4));
	EXPECT_EQ(0xc0000000 | flags, mdpy_cfg_read(d, PCI_BASE_ADDRESS_0, 4));
	/* no other BAR */
	ASSERT_EQ(0, mdpy_cfg_write(d, PCI_BASE_ADDRESS_1, 0xffffffff, 4));
	EXPECT_EQ(0, mdpy_cfg_read(d, PCI_BASE_ADDRESS_1, 4));
}

/* Pixels written through the mapping read back through the region. */
TEST_F(region, mmap_pixels)
{
	uint64_t size = self->bar0.size, bytes = fb_bytes(variant->mode);
	uint64_t n = bytes / 4, i;
	uint32_t *fb, *buf;
	uint32_t px;

	fb = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, self->d.fd,
		  self->bar0.offset);
	ASSERT_NE(MAP_FAILED, fb);
	buf = malloc(bytes);
	ASSERT_NE(NULL, buf);

	for (i = 0; i < n; i++)
		fb[i] = (uint32_t)(i * 2654435761u);
	ASSERT_EQ((ssize_t)bytes, pread(self->d.fd, buf, bytes,
					self->bar0.offset));
	for (i = 0; i < n; i++)
		if (buf[i] != (uint32_t)(i * 2654435761u))
			break;
	EXPECT_EQ(n, i);

	/* the other way: pwrite the last pixel, see it in the mapping */
	px = 0x00c0ffee;
	ASSERT_EQ(4, pwrite(self->d.fd, &px, 4,
			    self->bar0.offset + bytes - 4));
	EXPECT_EQ(px, fb[n - 1]);
	/* the tail beyond the visible frame is there too */
	fb[size / 4 - 1] = 0xdeadbeef;
	ASSERT_EQ(4, pread(self->d.fd, &px, 4, self->bar0.offset + size - 4));
	EXPECT_EQ(0xdeadbeef, px);
	/* but not beyond the region */
	EXPECT_EQ(-1, pread(self->d.fd, &px, 4, self->bar0.offset + size));
	EXPECT_EQ(EINVAL, errno);

	free(buf);
	EXPECT_EQ(0, munmap(fb, size));
}

/* A second mapping at an offset sees the same memory. */
TEST_F(region, mmap_offset)
{
	uint64_t size = self->bar0.size;
	long page = sysconf(_SC_PAGESIZE);
	uint32_t *whole, *part;

	whole = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     self->d.fd, self->bar0.offset);
	ASSERT_NE(MAP_FAILED, whole);
	part = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->d.fd, self->bar0.offset + size - page);
	ASSERT_NE(MAP_FAILED, part);
	part[0] = 0x12345678;
	EXPECT_EQ(0x12345678, whole[(size - page) / 4]);
	munmap(part, page);
	munmap(whole, size);
}

TEST_F(region, mmap_refused)
{
	uint64_t size = self->bar0.size;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t cfg = self->d.region[VFIO_PCI_CONFIG_REGION_INDEX].offset;
	void *p;

	p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, self->d.fd,
		 self->bar0.offset);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, size + page, PROT_READ, MAP_SHARED, self->d.fd,
		 self->bar0.offset);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, self->d.fd,
		 self->bar0.offset + size);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, self->d.fd, cfg);
	EXPECT_EQ(MAP_FAILED, p);
}

TEST_HARNESS_MAIN
