// SPDX-License-Identifier: GPL-2.0
/*
 * ims-accel: one instance of each type, used as a VMM and its guest
 * driver would: the PCI identity and config space, region and interrupt
 * info, the portals and local memory mapped, NOP, FILL, COPY and CRC32C
 * on every queue with the results checked, every vector raised with
 * exactly its eventfd counting, vector 0 for queue errors, reset.
 * BOOT: base,msix
 * TIMEOUT: 600
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"
#include "iav_vfio.h"

#define WAIT_MS		5000
#define SETTLE_MS	50

FIXTURE(inst) {
	struct iav_dev d;
	char why[128];
	int skip, slots;
};

FIXTURE_VARIANT(inst) {
	unsigned int type;
};

FIXTURE_VARIANT_ADD(inst, t1q1v) { .type = 0 };
FIXTURE_VARIANT_ADD(inst, t1q4v) { .type = 1 };
FIXTURE_VARIANT_ADD(inst, t1q16v) { .type = 2 };
FIXTURE_VARIANT_ADD(inst, t2q8v) { .type = 3 };
FIXTURE_VARIANT_ADD(inst, t4q16v) { .type = 4 };

FIXTURE_SETUP(inst)
{
	const struct iav_type_info *ty = &iav_types[variant->type];
	int ret = iav_setup(self->why, sizeof(self->why));
	unsigned int j;

	iav_init_dev(&self->d);
	ASSERT_LE(0, ret) TH_LOG("%s", self->why);
	self->skip = ret;
	if (ret)
		return;
	self->slots = iav_free_slots();
	ASSERT_EQ(0, iav_open_new(&self->d, ty->name));
	ASSERT_EQ(ty->wqs, self->d.nr_wqs);
	ASSERT_EQ(ty->vectors, self->d.nr_vectors);
	for (j = 0; j < self->d.nr_wqs; j++) {
		ASSERT_EQ(0, iav_wq_enable(&self->d, j, 1));
	}
}

FIXTURE_TEARDOWN(inst)
{
	if (self->skip)
		return;
	EXPECT_EQ(0, iav_destroy(&self->d));
	EXPECT_EQ(self->slots, iav_free_slots());
}

/* Nothing but what the instance owns shows in its config space. */
TEST_F(inst, config_space)
{
	struct iav_dev *d = &self->d;
	unsigned int m = d->nr_vectors;
	uint32_t v, bar2 = d->vfio.region[IAV_BAR_PORTAL].size;

	if (self->skip)
		SKIP(return, "%s", self->why);
	EXPECT_EQ(IAV_VENDOR_ID, iav_cfg(d, PCI_VENDOR_ID, 2));
	EXPECT_EQ(IAV_DEVICE_ID, iav_cfg(d, PCI_DEVICE_ID, 2));
	EXPECT_EQ(IMS_ACCEL_CLASS, iav_cfg(d, PCI_CLASS_REVISION, 4) >> 8);
	EXPECT_EQ(PCI_STATUS_CAP_LIST,
		  iav_cfg(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	EXPECT_EQ(0, iav_cfg(d, PCI_INTERRUPT_PIN, 1));

	/* BAR sizing, as a VMM or firmware does it */
	EXPECT_EQ(0, iav_cfg_wr(d, PCI_BASE_ADDRESS_0, 0xffffffff, 4));
	EXPECT_EQ((uint32_t)~(IAV_CTRL_SIZE - 1), iav_cfg(d, PCI_BASE_ADDRESS_0, 4));
	EXPECT_EQ(0, iav_cfg_wr(d, PCI_BASE_ADDRESS_2, 0xffffffff, 4));
	EXPECT_EQ(~(bar2 - 1), iav_cfg(d, PCI_BASE_ADDRESS_2, 4));
	EXPECT_EQ(0, iav_cfg_wr(d, PCI_BASE_ADDRESS_4, 0xffffffff, 4));
	v = iav_cfg(d, PCI_BASE_ADDRESS_4, 4);
	EXPECT_EQ(~((uint32_t)d->vfio.region[IAV_BAR_LMEM].size - 1) |
		  PCI_BASE_ADDRESS_MEM_PREFETCH, v);
	EXPECT_EQ(0, iav_cfg_wr(d, PCI_BASE_ADDRESS_1, 0xffffffff, 4));
	EXPECT_EQ(0, iav_cfg(d, PCI_BASE_ADDRESS_1, 4));
	EXPECT_EQ(0, iav_cfg_wr(d, PCI_BASE_ADDRESS_0, 0xfebf0000, 4));
	EXPECT_EQ(0xfebf0000, iav_cfg(d, PCI_BASE_ADDRESS_0, 4));

	/* Command: memory, master, INTx disable; nothing else sticks */
	EXPECT_EQ(0, iav_cfg_wr(d, PCI_COMMAND, 0xffff, 2));
	EXPECT_EQ(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		  PCI_COMMAND_INTX_DISABLE, iav_cfg(d, PCI_COMMAND, 2));
	/* Read-only identity */
	EXPECT_EQ(0, iav_cfg_wr(d, PCI_VENDOR_ID, 0x1234, 2));
	EXPECT_EQ(IAV_VENDOR_ID, iav_cfg(d, PCI_VENDOR_ID, 2));

	/* MSI-X: 1 + m vectors, table and PBA in the last page of BAR2 */
	EXPECT_EQ(IAV_CFG_MSIX_CAP, iav_cfg(d, PCI_CAPABILITY_LIST, 1));
	EXPECT_EQ(PCI_CAP_ID_MSIX, iav_cfg(d, IAV_CFG_MSIX_CAP, 1));
	EXPECT_EQ(0, iav_cfg(d, IAV_CFG_MSIX_CAP + 1, 1));
	v = iav_cfg(d, IAV_CFG_MSIX_CAP + PCI_MSIX_FLAGS, 2);
	EXPECT_EQ(m, v & PCI_MSIX_FLAGS_QSIZE);
	EXPECT_EQ((bar2 - IAV_PAGE_SIZE) | IAV_BAR_PORTAL,
		  iav_cfg(d, IAV_CFG_MSIX_CAP + PCI_MSIX_TABLE, 4));
	EXPECT_EQ((bar2 - IAV_PAGE_SIZE + IAV_PBA_OFFSET) | IAV_BAR_PORTAL,
		  iav_cfg(d, IAV_CFG_MSIX_CAP + PCI_MSIX_PBA, 4));
	EXPECT_EQ(0, iav_cfg_wr(d, IAV_CFG_MSIX_CAP + PCI_MSIX_FLAGS,
				PCI_MSIX_FLAGS_ENABLE | 0x7ff, 2));
	EXPECT_EQ(PCI_MSIX_FLAGS_ENABLE | m,
		  iav_cfg(d, IAV_CFG_MSIX_CAP + PCI_MSIX_FLAGS, 2));

	/* The MSI-X table is trapped memory: what is written reads back */
	EXPECT_EQ(0, iav_wr(d, IAV_BAR_PORTAL, bar2 - IAV_PAGE_SIZE + 16 * m + 8,
			    0x4321));
	EXPECT_EQ(0x4321, iav_rd(d, IAV_BAR_PORTAL,
				 bar2 - IAV_PAGE_SIZE + 16 * m + 8));
	EXPECT_EQ(PCI_MSIX_ENTRY_CTRL_MASKBIT,
		  iav_rd(d, IAV_BAR_PORTAL, bar2 - IAV_PAGE_SIZE + 12));
}

static int sparse_area(struct iav_dev *d, unsigned int index,
		       uint64_t *off, uint64_t *size, uint32_t *flags)
{
	char buf[256];
	struct vfio_region_info *r = (struct vfio_region_info *)buf;
	struct vfio_info_cap_header *h;
	struct vfio_region_info_cap_sparse_mmap *s;

	memset(buf, 0, sizeof(buf));
	r->argsz = sizeof(buf);
	r->index = index;
	if (ioctl(d->vfio.fd, VFIO_DEVICE_GET_REGION_INFO, r))
		return -errno;
	*flags = r->flags;
	if (!(r->flags & VFIO_REGION_INFO_FLAG_CAPS) || !r->cap_offset)
		return -ENOENT;
	h = (struct vfio_info_cap_header *)(buf + r->cap_offset);
	if (h->id != VFIO_REGION_INFO_CAP_SPARSE_MMAP)
		return -ENOENT;
	s = (struct vfio_region_info_cap_sparse_mmap *)h;
	if (s->nr_areas != 1)
		return -E2BIG;
	*off = s->areas[0].offset;
	*size = s->areas[0].size;
	return 0;
}

/* Region and interrupt info as vfio-pci reports them. */
TEST_F(inst, info)
{
	struct iav_dev *d = &self->d;
	const struct vfio_region_info *r = d->vfio.region;
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info small = { .argsz = sizeof(small),
					  .index = IAV_BAR_PORTAL };
	uint64_t off, size, want_bar2 = IAV_PAGE_SIZE;
	unsigned int i;
	uint32_t flags;

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(0, ioctl(d->vfio.fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(info.flags & VFIO_DEVICE_FLAGS_PCI);
	EXPECT_TRUE(info.flags & VFIO_DEVICE_FLAGS_RESET);
	EXPECT_EQ(VFIO_PCI_NUM_REGIONS, info.num_regions);
	EXPECT_EQ(VFIO_PCI_NUM_IRQS, info.num_irqs);

	while (want_bar2 < (d->nr_wqs + 1) * IAV_PAGE_SIZE)
		want_bar2 <<= 1;
	EXPECT_EQ(IAV_CTRL_SIZE, r[IAV_BAR_CTRL].size);
	EXPECT_EQ(want_bar2, r[IAV_BAR_PORTAL].size);
	EXPECT_EQ((uint64_t)d->nr_wqs * d->sram, r[IAV_BAR_LMEM].size);
	EXPECT_EQ(PCI_CFG_SPACE_SIZE, r[VFIO_PCI_CONFIG_REGION_INDEX].size);
	for (i = 1; i < 6; i += 2) {
		EXPECT_EQ(0, r[i].size);
	}
	EXPECT_EQ(0, r[VFIO_PCI_ROM_REGION_INDEX].size);

	/* Portals: mappable except the trapped MSI-X page */
	ASSERT_EQ(0, sparse_area(d, IAV_BAR_PORTAL, &off, &size, &flags));
	EXPECT_TRUE(flags & VFIO_REGION_INFO_FLAG_MMAP);
	EXPECT_EQ(0, off);
	EXPECT_EQ((uint64_t)d->nr_wqs * IAV_PAGE_SIZE, size);
	ASSERT_EQ(0, sparse_area(d, IAV_BAR_LMEM, &off, &size, &flags));
	EXPECT_EQ(0, off);
	EXPECT_EQ(r[IAV_BAR_LMEM].size, size);
	/* Control page: trapped, no mmap */
	EXPECT_EQ(-ENOENT, sparse_area(d, IAV_BAR_CTRL, &off, &size, &flags));
	EXPECT_FALSE(flags & VFIO_REGION_INFO_FLAG_MMAP);
	/* Too small for the capability: argsz says how much is needed */
	ASSERT_EQ(0, ioctl(d->vfio.fd, VFIO_DEVICE_GET_REGION_INFO, &small));
	EXPECT_LT(sizeof(small), small.argsz);
	EXPECT_EQ(0, small.cap_offset);

	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = i };
		uint32_t want[VFIO_PCI_NUM_IRQS] = {
			[VFIO_PCI_MSIX_IRQ_INDEX] = d->nr_vectors + 1,
			[VFIO_PCI_REQ_IRQ_INDEX] = 1,
		};

		/* Not PCI Express to its guest: no ERR index, as vfio-pci */
		if (i == VFIO_PCI_ERR_IRQ_INDEX) {
			EXPECT_EQ(-1, ioctl(d->vfio.fd,
					    VFIO_DEVICE_GET_IRQ_INFO, &irq));
			EXPECT_EQ(EINVAL, errno);
			continue;
		}
		ASSERT_EQ(0, ioctl(d->vfio.fd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
		EXPECT_EQ(want[i], irq.count) TH_LOG("index %u", i);
	}

	/* The control page tells the guest driver its geometry */
	EXPECT_EQ(IAV_VERSION_1, iav_ctrl(d, IAV_REG_VERSION));
	EXPECT_EQ(IAV_EVT_WQ_ERROR, iav_ctrl(d, IAV_REG_EVT_MASK));
	EXPECT_EQ(0, iav_ctrl(d, IAV_REG_EVT_CAUSE));
	EXPECT_LT(0, d->depth);
}

/* Every opcode on every queue, with the results checked. */
TEST_F(inst, opcodes)
{
	struct iav_dev *d = &self->d;
	unsigned int j, i, len = 1024;
	uint8_t src[1024], got[1024];
	uint64_t pat = 0x0123456789abcdefULL;
	struct iav_desc desc;
	struct iav_comp c;

	if (self->skip)
		SKIP(return, "%s", self->why);
	for (i = 0; i < len; i++)
		src[i] = (uint8_t)(i * 7 + 3);

	for (j = 0; j < d->nr_wqs; j++) {
		uint32_t done = iav_completed(d, j);

		/* NOP with a record */
		desc = (struct iav_desc){ .opcode = IMS_ACCEL_OP_NOP,
			.flags = IMS_ACCEL_DESC_F_RECORD, .seq = 100 + j,
			.comp = 0x3000 };
		iav_submit(d, j, &desc);
		ASSERT_TRUE(iav_wait_completed(d, j, ++done, WAIT_MS));
		c = iav_record(d, j, 0x3000);
		EXPECT_EQ(IMS_ACCEL_STATUS_SUCCESS, c.status);
		EXPECT_EQ(IMS_ACCEL_OP_NOP, c.opcode);
		EXPECT_EQ(100 + j, c.seq);

		/* FILL */
		desc = (struct iav_desc){ .opcode = IMS_ACCEL_OP_FILL,
			.flags = IMS_ACCEL_DESC_F_RECORD, .seq = 200 + j,
			.pattern = pat, .dst = 0x400, .len = len,
			.comp = 0x3000 };
		iav_submit(d, j, &desc);
		ASSERT_TRUE(iav_wait_completed(d, j, ++done, WAIT_MS));
		c = iav_record(d, j, 0x3000);
		EXPECT_EQ(IMS_ACCEL_STATUS_SUCCESS, c.status);
		EXPECT_EQ(len, c.bytes);
		iav_read_window(d, j, 0x400, got, len);
		for (i = 0; i < len; i++)
			if (got[i] != (uint8_t)(pat >> (8 * (i % 8))))
				break;
		EXPECT_EQ(len, i) TH_LOG("queue %u: FILL differs at %u", j, i);

		/* COPY */
		iav_fill_window(d, j, 0x1000, src, len);
		desc = (struct iav_desc){ .opcode = IMS_ACCEL_OP_COPY,
			.flags = IMS_ACCEL_DESC_F_RECORD, .seq = 300 + j,
			.src = 0x1000, .dst = 0x2000, .len = len,
			.comp = 0x3000 };
		iav_submit(d, j, &desc);
		ASSERT_TRUE(iav_wait_completed(d, j, ++done, WAIT_MS));
		c = iav_record(d, j, 0x3000);
		EXPECT_EQ(IMS_ACCEL_STATUS_SUCCESS, c.status);
		iav_read_window(d, j, 0x2000, got, len);
		EXPECT_EQ(0, memcmp(src, got, len));

		/* CRC32C, against software */
		desc = (struct iav_desc){ .opcode = IMS_ACCEL_OP_CRC32C,
			.flags = IMS_ACCEL_DESC_F_RECORD, .seq = 400 + j,
			.src = 0x1000, .len = len, .comp = 0x3000 };
		iav_submit(d, j, &desc);
		ASSERT_TRUE(iav_wait_completed(d, j, ++done, WAIT_MS));
		c = iav_record(d, j, 0x3000);
		EXPECT_EQ(IMS_ACCEL_STATUS_SUCCESS, c.status);
		EXPECT_EQ(IMS_ACCEL_OP_CRC32C, c.opcode);
		EXPECT_EQ(iav_crc32c(src, len), c.result);
		EXPECT_EQ(0, iav_errors(d, j));
		EXPECT_EQ(done, iav_ctrl(d, IAV_WQ_REGS(j) + IAV_WQ_COMPLETED));
	}
}

/* The local memory reads and writes through the fd as through mmap. */
TEST_F(inst, lmem_rw)
{
	struct iav_dev *d = &self->d;
	const struct vfio_region_info *lmem = &d->vfio.region[IAV_BAR_LMEM];
	uint64_t last = lmem->size - 8;
	uint64_t v = 0x1122334455667788ULL, r = 0;

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(8, pwrite(d->vfio.fd, &v, 8, lmem->offset + last));
	EXPECT_EQ(v, *(volatile uint64_t *)(d->lmem + last));
	*(volatile uint64_t *)(d->lmem + 64) = ~v;
	ASSERT_EQ(8, pread(d->vfio.fd, &r, 8, lmem->offset + 64));
	EXPECT_EQ(~v, r);
	/* the portal registers through the fd */
	EXPECT_EQ(0, iav_rd(d, IAV_BAR_PORTAL, IMS_ACCEL_PORTAL_QUEUED));
}

/* Each vector 1..m is raised by its handle and only its eventfd counts. */
TEST_F(inst, every_vector)
{
	struct iav_dev *d = &self->d;
	unsigned int v, i, n = d->nr_vectors + 1;
	uint64_t got[IAV_MAX_VEC], want[IAV_MAX_VEC];

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(0, iav_arm(d));
	for (v = 1; v < n; v++) {
		unsigned int j = v % d->nr_wqs;
		struct iav_desc desc = iav_nop(v, v);

		memset(got, 0, sizeof(got));
		memset(want, 0, sizeof(want));
		want[v] = 1;
		iav_submit(d, j, &desc);
		iav_collect(d, got, want, WAIT_MS, SETTLE_MS);
		for (i = 0; i < n; i++) {
			EXPECT_EQ(want[i], got[i])
				TH_LOG("raised vector %u, vector %u counted %llu",
				       v, i, (unsigned long long)got[i]);
		}
	}
	/* All at once, several rounds: one message in flight per vector */
	for (i = 0; i < 4; i++) {
		memset(got, 0, sizeof(got));
		for (v = 1; v < n; v++) {
			struct iav_desc desc = iav_nop(v, v);

			want[v] = 1;
			iav_submit(d, v % d->nr_wqs, &desc);
		}
		want[0] = 0;
		iav_collect(d, got, want, WAIT_MS, SETTLE_MS);
		for (v = 0; v < n; v++) {
			EXPECT_EQ(want[v], got[v]) TH_LOG("round %u vector %u",
							 i, v);
		}
	}
}

/* A queue error: vector 0 when unmasked, EVT_CAUSE and ERR_WQ set. */
TEST_F(inst, error_event)
{
	struct iav_dev *d = &self->d;
	unsigned int j = d->nr_wqs - 1, i, n = d->nr_vectors + 1;
	uint64_t got[IAV_MAX_VEC] = { 0 }, want[IAV_MAX_VEC] = { 0 };
	struct iav_desc bad = { .opcode = 0x77, .flags =
				IMS_ACCEL_DESC_F_RECORD, .comp = 0x100 };

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(0, iav_arm(d));
	ASSERT_EQ(0, iav_ctrl_wr(d, IAV_REG_EVT_MASK, 0));
	iav_submit(d, j, &bad);
	want[0] = 1;
	iav_collect(d, got, want, WAIT_MS, SETTLE_MS);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(want[i], got[i]) TH_LOG("vector %u", i);
	}
	EXPECT_EQ(IMS_ACCEL_STATUS_BAD_OPCODE, iav_record(d, j, 0x100).status);
	EXPECT_EQ(IAV_EVT_WQ_ERROR, iav_ctrl(d, IAV_REG_EVT_CAUSE));
	EXPECT_EQ(j, iav_ctrl(d, IAV_REG_ERR_WQ));
	EXPECT_TRUE(iav_ctrl(d, IAV_WQ_REGS(j) + IAV_WQ_STATUS) &
		    IAV_WQ_STATUS_ERROR);
	EXPECT_EQ(1, iav_ctrl(d, IAV_WQ_REGS(j) + IAV_WQ_ERRORS));

	/* RW1C, and a reset clears the sticky queue error */
	ASSERT_EQ(0, iav_ctrl_wr(d, IAV_REG_EVT_CAUSE, IAV_EVT_WQ_ERROR));
	EXPECT_EQ(0, iav_ctrl(d, IAV_REG_EVT_CAUSE));
	ASSERT_EQ(0, iav_wq_reset(d, j));
	EXPECT_EQ(IAV_WQ_STATUS_ENABLED,
		  iav_ctrl(d, IAV_WQ_REGS(j) + IAV_WQ_STATUS));
	EXPECT_EQ(0, iav_ctrl(d, IAV_WQ_REGS(j) + IAV_WQ_ERRORS));

	/* Masked: nothing; unmasking raises what came meanwhile, once */
	ASSERT_EQ(0, iav_ctrl_wr(d, IAV_REG_EVT_MASK, IAV_EVT_WQ_ERROR));
	iav_submit(d, j, &bad);
	ASSERT_TRUE(iav_wait_completed(d, j, 1, WAIT_MS));
	memset(got, 0, sizeof(got));
	want[0] = 0;
	iav_collect(d, got, want, 0, 200);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, got[i]) TH_LOG("vector %u while masked", i);
	}
	EXPECT_EQ(IAV_EVT_WQ_ERROR, iav_ctrl(d, IAV_REG_EVT_CAUSE));
	ASSERT_EQ(0, iav_ctrl_wr(d, IAV_REG_EVT_MASK, 0));
	want[0] = 1;
	iav_collect(d, got, want, WAIT_MS, SETTLE_MS);
	EXPECT_EQ(1, got[0]);
}

/* Reset: queues disabled and emptied, counters and memory zeroed. */
TEST_F(inst, reset)
{
	struct iav_dev *d = &self->d;
	unsigned int j;
	struct iav_desc desc = iav_nop(0, 1);

	if (self->skip)
		SKIP(return, "%s", self->why);
	for (j = 0; j < d->nr_wqs; j++) {
		iav_submit(d, j, &desc);
		ASSERT_TRUE(iav_wait_completed(d, j, 1, WAIT_MS));
		iav_window(d, j)[5] = 0x5a;
	}
	ASSERT_EQ(0, iav_ctrl_wr(d, IAV_REG_EVT_MASK, 0));
	ASSERT_EQ(0, ioctl(d->vfio.fd, VFIO_DEVICE_RESET));
	EXPECT_EQ(IAV_EVT_WQ_ERROR, iav_ctrl(d, IAV_REG_EVT_MASK));
	for (j = 0; j < d->nr_wqs; j++) {
		EXPECT_EQ(0, iav_ctrl(d, IAV_WQ_REGS(j) + IAV_WQ_STATUS));
		EXPECT_EQ(0, iav_completed(d, j));
		EXPECT_EQ(0, iav_window(d, j)[5]);
		/* a disabled queue drops the doorbell and counts an error */
		iav_submit(d, j, &desc);
		EXPECT_EQ(1, iav_errors(d, j));
		EXPECT_EQ(0, iav_completed(d, j));
	}
}

TEST_HARNESS_MAIN
