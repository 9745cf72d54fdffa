// SPDX-License-Identifier: GPL-2.0
/*
 * ims-accel: instances are isolated. A handle outside an instance's slot
 * block raises nothing anywhere (status 0x12, the queue error goes to
 * the instance's own vector 0 when unmasked); an instance's regions
 * expose its own pages only, through mmap and the fd alike; a
 * descriptor cannot reach beyond its own window.
 * BOOT: base,msix
 * TIMEOUT: 300
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"
#include "iav_vfio.h"

#define WAIT_MS		5000
#define SETTLE_MS	100
#define NR		3

FIXTURE(iso) {
	struct iav_dev d[NR];
	char why[128];
	int skip;
};

/* Three neighbours of the 1q4v type: slot blocks side by side. */
FIXTURE_SETUP(iso)
{
	int ret = iav_setup(self->why, sizeof(self->why));
	unsigned int i;

	for (i = 0; i < NR; i++)
		iav_init_dev(&self->d[i]);
	ASSERT_LE(0, ret) TH_LOG("%s", self->why);
	self->skip = ret;
	if (ret)
		return;
	for (i = 0; i < NR; i++) {
		ASSERT_EQ(0, iav_open_new(&self->d[i], iav_types[1].name));
		ASSERT_EQ(0, iav_wq_enable(&self->d[i], 0, 1));
		ASSERT_EQ(0, iav_arm(&self->d[i]));
	}
}

FIXTURE_TEARDOWN(iso)
{
	unsigned int i;

	if (self->skip)
		return;
	for (i = 0; i < NR; i++) {
		EXPECT_EQ(0, iav_destroy(&self->d[i]));
	}
}

static void collect_all(struct iav_dev *d, uint64_t got[][IAV_MAX_VEC],
			uint64_t want[][IAV_MAX_VEC], unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < NR; i++)
		iav_collect(&d[i], got[i], want[i], ms, i ? 0 : SETTLE_MS);
}

/* Handles beyond the block: no interrupt on any instance. */
TEST_F(iso, foreign_handles)
{
	static const uint16_t handles[] = { 4, 5, 8, 63, 64, 0x100, 0xffff };
	uint64_t got[NR][IAV_MAX_VEC], want[NR][IAV_MAX_VEC];
	struct iav_desc foreign = { .opcode = IMS_ACCEL_OP_NOP,
		.flags = IMS_ACCEL_DESC_F_INTERRUPT, .int_handle = 4 };
	struct iav_dev *mid = &self->d[1];
	unsigned int h, i, v;
	uint32_t done = 0;

	if (self->skip)
		SKIP(return, "%s", self->why);
	memset(want, 0, sizeof(want));
	for (h = 0; h < sizeof(handles) / sizeof(handles[0]); h++) {
		struct iav_desc desc = { .opcode = IMS_ACCEL_OP_NOP,
			.flags = IMS_ACCEL_DESC_F_INTERRUPT |
				 IMS_ACCEL_DESC_F_RECORD,
			.int_handle = handles[h], .comp = 0x40 };

		memset(got, 0, sizeof(got));
		iav_submit(mid, 0, &desc);
		ASSERT_TRUE(iav_wait_completed(mid, 0, ++done, WAIT_MS));
		EXPECT_EQ(IMS_ACCEL_STATUS_BAD_HANDLE,
			  iav_record(mid, 0, 0x40).status);
		collect_all(self->d, got, want, 0);
		for (i = 0; i < NR; i++)
			for (v = 0; v <= self->d[i].nr_vectors; v++) {
				EXPECT_EQ(0, got[i][v])
					TH_LOG("handle %u: instance %u vector %u",
					       handles[h], i, v);
			}
	}
	/* With events unmasked the error reaches the owner's vector 0 only */
	EXPECT_EQ(IAV_EVT_WQ_ERROR, iav_ctrl(mid, IAV_REG_EVT_CAUSE));
	EXPECT_EQ(0, iav_ctrl(&self->d[0], IAV_REG_EVT_CAUSE));
	EXPECT_EQ(0, iav_ctrl(&self->d[2], IAV_REG_EVT_CAUSE));
	ASSERT_EQ(0, iav_wq_reset(mid, 0));
	ASSERT_EQ(0, iav_ctrl_wr(mid, IAV_REG_EVT_CAUSE, IAV_EVT_WQ_ERROR));
	ASSERT_EQ(0, iav_ctrl_wr(mid, IAV_REG_EVT_MASK, 0));
	ASSERT_EQ(0, iav_ctrl_wr(&self->d[0], IAV_REG_EVT_MASK, 0));
	ASSERT_EQ(0, iav_ctrl_wr(&self->d[2], IAV_REG_EVT_MASK, 0));
	memset(got, 0, sizeof(got));
	want[1][0] = 1;
	iav_submit(mid, 0, &foreign);
	collect_all(self->d, got, want, WAIT_MS);
	for (i = 0; i < NR; i++)
		for (v = 0; v <= self->d[i].nr_vectors; v++) {
			EXPECT_EQ(want[i][v], got[i][v])
				TH_LOG("instance %u vector %u", i, v);
		}
}

/* Each instance's own handles reach its own eventfds only. */
TEST_F(iso, own_handles)
{
	uint64_t got[NR][IAV_MAX_VEC], want[NR][IAV_MAX_VEC];
	unsigned int i, k, v, w;

	if (self->skip)
		SKIP(return, "%s", self->why);
	for (k = 0; k < NR; k++) {
		for (v = 1; v <= self->d[k].nr_vectors; v++) {
			struct iav_desc desc = iav_nop(v, v);

			memset(got, 0, sizeof(got));
			memset(want, 0, sizeof(want));
			want[k][v] = 1;
			iav_submit(&self->d[k], 0, &desc);
			collect_all(self->d, got, want, WAIT_MS);
			for (i = 0; i < NR; i++)
				for (w = 0; w <= self->d[i].nr_vectors; w++) {
					EXPECT_EQ(want[i][w], got[i][w])
						TH_LOG("instance %u raised %u: instance %u vector %u",
						       k, v, i, w);
				}
		}
	}
}

/* Regions end where the instance's pages end. */
TEST_F(iso, regions)
{
	struct iav_dev *a = &self->d[0], *b = &self->d[1];
	const struct vfio_region_info *r = a->vfio.region;
	int fd = a->vfio.fd;
	size_t psz = IAV_PAGE_SIZE;
	uint32_t val = 0;
	void *p;

	if (self->skip)
		SKIP(return, "%s", self->why);
	/* mmap: one page past the portals (the MSI-X page), past lmem */
	p = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 r[IAV_BAR_PORTAL].offset);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 r[IAV_BAR_PORTAL].offset + psz);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, a->sram + psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 r[IAV_BAR_LMEM].offset);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 r[IAV_BAR_CTRL].offset);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
		 r[IAV_BAR_LMEM].offset);
	EXPECT_EQ(MAP_FAILED, p);

	/* fd access beyond the BARs fails */
	EXPECT_EQ(-1, pread(fd, &val, 4, r[IAV_BAR_LMEM].offset +
			    r[IAV_BAR_LMEM].size));
	EXPECT_EQ(-1, pread(fd, &val, 4, r[IAV_BAR_PORTAL].offset +
			    r[IAV_BAR_PORTAL].size));
	EXPECT_EQ(-1, pread(fd, &val, 4, r[IAV_BAR_CTRL].offset +
			    IAV_CTRL_SIZE));
	EXPECT_EQ(-1, pread(fd, &val, 4, r[1].offset));

	/* The pages are distinct: what a writes b does not see */
	iav_window(a, 0)[0x80] = 0xa5;
	iav_window(b, 0)[0x80] = 0x5a;
	EXPECT_EQ(0xa5, iav_window(a, 0)[0x80]);
	iav_portal(a, 0)[1] = 0x11111111;
	iav_portal(b, 0)[1] = 0x22222222;
	EXPECT_EQ(0x11111111, iav_portal(a, 0)[1]);
	EXPECT_EQ(0x22222222, iav_portal(b, 0)[1]);
	/* lmem of a new instance starts zeroed */
	EXPECT_EQ(0, iav_window(&self->d[2], 0)[0x81]);
}

/* A descriptor cannot reach outside its own window. */
TEST_F(iso, window_bounds)
{
	struct iav_dev *a = &self->d[0];
	uint32_t s = a->sram;
	struct iav_desc desc = { .opcode = IMS_ACCEL_OP_FILL,
		.flags = IMS_ACCEL_DESC_F_RECORD, .pattern = ~0ULL,
		.dst = s - 8, .len = 16, .comp = 0x40 };

	if (self->skip)
		SKIP(return, "%s", self->why);
	iav_window(&self->d[1], 0)[0] = 0x33;
	iav_submit(a, 0, &desc);
	ASSERT_TRUE(iav_wait_completed(a, 0, 1, WAIT_MS));
	EXPECT_EQ(IMS_ACCEL_STATUS_BAD_RANGE, iav_record(a, 0, 0x40).status);
	EXPECT_EQ(0, iav_window(a, 0)[s - 8]);
	EXPECT_EQ(0x33, iav_window(&self->d[1], 0)[0]);
	desc.dst = 0;
	desc.opcode = IMS_ACCEL_OP_COPY;
	desc.src = s;
	desc.len = 8;
	iav_submit(a, 0, &desc);
	ASSERT_TRUE(iav_wait_completed(a, 0, 2, WAIT_MS));
	EXPECT_EQ(IMS_ACCEL_STATUS_BAD_RANGE, iav_record(a, 0, 0x40).status);
}

TEST_HARNESS_MAIN
