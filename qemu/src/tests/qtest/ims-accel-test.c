/*
 * QTest for the ims-accel device (mdev-ims)
 *
 * Drives the device the way its host driver would: BAR0 registers, the
 * Interrupt Message Store and MSI-X table, descriptors through the
 * portals, results in local memory. Interrupt messages are aimed at plain
 * guest RAM so that the test can read back exactly what was written.
 *
 * Copyright (c) 2026 The mdev-ims authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/host-utils.h"
#include "qobject/qdict.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "standard-headers/linux/ims_accel.h"

#define DEVFN           QPCI_DEVFN(4, 0)

/* Guest RAM the tests aim interrupt messages at (below 128 MiB). */
#define MSG_RAM         0x00400000ULL
#define MSG_SLOT(i)     (MSG_RAM + 4 * (uint64_t)(i))
#define MSG_RAM_SIZE    0x20000

/* Virtual time to give the engine per poll, and the number of polls. */
#define POLL_STEP_NS    100000
#define POLL_MAX        1000

typedef struct Dev {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *pdev;
    QPCIBar bar0;
    QPCIBar bar2;
    QPCIBar bar4;
    uint64_t size0;
    uint64_t size2;
    uint64_t size4;
    uint32_t wqs;
    uint32_t ims;
    uint32_t sram;
    uint32_t depth;
} Dev;

typedef struct Desc {
    uint8_t opcode;
    uint8_t flags;
    uint16_t handle;
    uint32_t seq;
    uint64_t pattern;
    uint32_t src;
    uint32_t dst;
    uint32_t len;
    uint32_t comp;
    uint8_t rsvd[IMS_ACCEL_DESC_RSVD_SIZE];
} Desc;

typedef struct Comp {
    uint8_t status;
    uint8_t opcode;
    uint16_t zero;
    uint32_t seq;
    uint32_t result;
    uint32_t bytes;
} Comp;

/* Device setup */

static Dev *dev_start(const char *props)
{
    Dev *d = g_new0(Dev, 1);

    d->qts = qtest_initf("-M q35 -nic none -device ims-accel,addr=04.0%s%s",
                         props ? "," : "", props ? props : "");
    d->bus = qpci_new_pc(d->qts, NULL);
    d->pdev = qpci_device_find(d->bus, DEVFN);
    g_assert(d->pdev);
    qpci_device_enable(d->pdev);
    d->bar0 = qpci_iomap(d->pdev, IMS_ACCEL_BAR_CTRL, &d->size0);
    d->bar2 = qpci_iomap(d->pdev, IMS_ACCEL_BAR_PORTAL, &d->size2);
    d->bar4 = qpci_iomap(d->pdev, IMS_ACCEL_BAR_LMEM, &d->size4);
    d->wqs = qpci_io_readl(d->pdev, d->bar0, IMS_ACCEL_REG_NUM_WQS);
    d->ims = qpci_io_readl(d->pdev, d->bar0, IMS_ACCEL_REG_NUM_IMS);
    d->sram = qpci_io_readl(d->pdev, d->bar0, IMS_ACCEL_REG_SRAM_SIZE);
    d->depth = qpci_io_readl(d->pdev, d->bar0, IMS_ACCEL_REG_WQ_DEPTH);
    return d;
}

static void dev_stop(Dev *d)
{
    g_free(d->pdev);
    qpci_free_pc(d->bus);
    qtest_quit(d->qts);
    g_free(d);
}

static uint32_t rd0(Dev *d, uint64_t off)
{
    return qpci_io_readl(d->pdev, d->bar0, off);
}

static void wr0(Dev *d, uint64_t off, uint32_t val)
{
    qpci_io_writel(d->pdev, d->bar0, off, val);
}

static uint32_t rdwq(Dev *d, uint32_t n, uint32_t reg)
{
    return rd0(d, IMS_ACCEL_WQ_CFG(n) + reg);
}

static void wrwq(Dev *d, uint32_t n, uint32_t reg, uint32_t val)
{
    wr0(d, IMS_ACCEL_WQ_CFG(n) + reg, val);
}

static uint32_t rdportal(Dev *d, uint32_t n, uint32_t reg)
{
    return qpci_io_readl(d->pdev, d->bar2,
                         (uint64_t)n * IMS_ACCEL_PORTAL_SIZE + reg);
}

static void wrportal(Dev *d, uint32_t n, uint32_t reg, uint32_t val)
{
    qpci_io_writel(d->pdev, d->bar2,
                   (uint64_t)n * IMS_ACCEL_PORTAL_SIZE + reg, val);
}

static uint64_t lmem_off(Dev *d, uint32_t n, uint32_t off)
{
    return (uint64_t)n * d->sram + off;
}

static void lmem_write(Dev *d, uint32_t n, uint32_t off, const void *buf,
                       size_t len)
{
    qtest_memwrite(d->qts, d->bar4.addr + lmem_off(d, n, off), buf, len);
}

static void lmem_read(Dev *d, uint32_t n, uint32_t off, void *buf, size_t len)
{
    qtest_memread(d->qts, d->bar4.addr + lmem_off(d, n, off), buf, len);
}

static void enable_device(Dev *d)
{
    wr0(d, IMS_ACCEL_REG_GEN_CTRL, IMS_ACCEL_GEN_CTRL_ENABLE);
}

static void setup_wq(Dev *d, uint32_t n, uint32_t table, uint32_t base,
                     uint32_t count)
{
    wrwq(d, n, IMS_ACCEL_WQ_INT_TABLE, table);
    wrwq(d, n, IMS_ACCEL_WQ_INT_BASE, base);
    wrwq(d, n, IMS_ACCEL_WQ_INT_COUNT, count);
    wrwq(d, n, IMS_ACCEL_WQ_CTRL, IMS_ACCEL_WQ_CTRL_ENABLE);
}

static void ims_program(Dev *d, uint32_t i, uint64_t addr, uint32_t data,
                        bool masked)
{
    wr0(d, IMS_ACCEL_IMS_ENTRY(i) + IMS_ACCEL_IMS_ADDR_LO, addr);
    wr0(d, IMS_ACCEL_IMS_ENTRY(i) + IMS_ACCEL_IMS_ADDR_HI, addr >> 32);
    wr0(d, IMS_ACCEL_IMS_ENTRY(i) + IMS_ACCEL_IMS_DATA, data);
    wr0(d, IMS_ACCEL_IMS_ENTRY(i) + IMS_ACCEL_IMS_CTRL,
        masked ? IMS_ACCEL_IMS_CTRL_MASK : 0);
}

static bool ims_pending(Dev *d, uint32_t i)
{
    return rd0(d, IMS_ACCEL_IMS_PENDING + 4 * (i / 32)) & (1U << (i % 32));
}

static uint8_t msix_cap(Dev *d)
{
    uint8_t cap = qpci_find_capability(d->pdev, PCI_CAP_ID_MSIX, 0);

    g_assert_cmpuint(cap, !=, 0);
    return cap;
}

/* Enable MSI-X without remapping BAR0 (qpci_msix_enable would). */
static void msix_enable(Dev *d)
{
    uint8_t cap = msix_cap(d);
    uint16_t flags = qpci_config_readw(d->pdev, cap + PCI_MSIX_FLAGS);

    qpci_config_writew(d->pdev, cap + PCI_MSIX_FLAGS,
                       flags | PCI_MSIX_FLAGS_ENABLE);
}

static void msix_program(Dev *d, uint32_t v, uint64_t addr, uint32_t data,
                         bool masked)
{
    uint64_t e = IMS_ACCEL_MSIX_TABLE + 16 * (uint64_t)v;

    wr0(d, e + PCI_MSIX_ENTRY_LOWER_ADDR, addr);
    wr0(d, e + PCI_MSIX_ENTRY_UPPER_ADDR, addr >> 32);
    wr0(d, e + PCI_MSIX_ENTRY_DATA, data);
    wr0(d, e + PCI_MSIX_ENTRY_VECTOR_CTRL,
        masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0);
}

static void msix_mask(Dev *d, uint32_t v, bool masked)
{
    wr0(d, IMS_ACCEL_MSIX_TABLE + 16 * (uint64_t)v +
        PCI_MSIX_ENTRY_VECTOR_CTRL, masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0);
}

static bool msix_pending(Dev *d, uint32_t v)
{
    return rd0(d, IMS_ACCEL_MSIX_PBA + 4 * (v / 32)) & (1U << (v % 32));
}

static void msg_clear(Dev *d)
{
    g_autofree uint8_t *zero = g_malloc0(MSG_RAM_SIZE);

    qtest_memwrite(d->qts, MSG_RAM, zero, MSG_RAM_SIZE);
}

static uint32_t msg_read(Dev *d, uint32_t slot)
{
    return qtest_readl(d->qts, MSG_SLOT(slot));
}

/* The number of 32-bit words of the message area that are not zero. */
static unsigned msg_count_written(Dev *d)
{
    g_autofree uint32_t *buf = g_malloc(MSG_RAM_SIZE);
    unsigned i, n = 0;

    qtest_memread(d->qts, MSG_RAM, buf, MSG_RAM_SIZE);
    for (i = 0; i < MSG_RAM_SIZE / 4; i++) {
        n += buf[i] != 0;
    }
    return n;
}

/* Descriptors */

static void desc_encode(const Desc *desc, uint8_t *raw)
{
    memset(raw, 0, IMS_ACCEL_DESC_SIZE);
    raw[IMS_ACCEL_DESC_OPCODE] = desc->opcode;
    raw[IMS_ACCEL_DESC_FLAGS] = desc->flags;
    stw_le_p(raw + IMS_ACCEL_DESC_INT_HANDLE, desc->handle);
    stl_le_p(raw + IMS_ACCEL_DESC_SEQ, desc->seq);
    stq_le_p(raw + IMS_ACCEL_DESC_PATTERN, desc->pattern);
    stl_le_p(raw + IMS_ACCEL_DESC_SRC, desc->src);
    stl_le_p(raw + IMS_ACCEL_DESC_DST, desc->dst);
    stl_le_p(raw + IMS_ACCEL_DESC_LEN, desc->len);
    stl_le_p(raw + IMS_ACCEL_DESC_COMP, desc->comp);
    memcpy(raw + IMS_ACCEL_DESC_RSVD, desc->rsvd, IMS_ACCEL_DESC_RSVD_SIZE);
}

static void submit(Dev *d, uint32_t n, const Desc *desc)
{
    uint8_t raw[IMS_ACCEL_DESC_SIZE];

    desc_encode(desc, raw);
    qpci_memwrite(d->pdev, d->bar2,
                  (uint64_t)n * IMS_ACCEL_PORTAL_SIZE + IMS_ACCEL_PORTAL_DESC,
                  raw, sizeof(raw));
    wrportal(d, n, IMS_ACCEL_PORTAL_DOORBELL, 1);
}

/* Let virtual time pass until queue @n has completed @want descriptors. */
static void wait_completed(Dev *d, uint32_t n, uint32_t want)
{
    int i;

    for (i = 0; i < POLL_MAX; i++) {
        if (rdwq(d, n, IMS_ACCEL_WQ_COMPLETED) >= want) {
            break;
        }
        qtest_clock_step(d->qts, POLL_STEP_NS);
    }
    g_assert_cmpuint(rdwq(d, n, IMS_ACCEL_WQ_COMPLETED), ==, want);
    g_assert_cmpuint(rdportal(d, n, IMS_ACCEL_PORTAL_QUEUED), ==, 0);
}

/* Give the engine time to run although nothing is expected to. */
static void let_time_pass(Dev *d)
{
    qtest_clock_step(d->qts, 100 * POLL_STEP_NS);
}

static void comp_read(Dev *d, uint32_t n, uint32_t off, Comp *c)
{
    uint8_t raw[IMS_ACCEL_COMP_SIZE];

    lmem_read(d, n, off, raw, sizeof(raw));
    c->status = raw[IMS_ACCEL_COMP_STATUS];
    c->opcode = raw[IMS_ACCEL_COMP_OPCODE];
    c->zero = lduw_le_p(raw + 2);
    c->seq = ldl_le_p(raw + IMS_ACCEL_COMP_SEQ);
    c->result = ldl_le_p(raw + IMS_ACCEL_COMP_RESULT);
    c->bytes = ldl_le_p(raw + IMS_ACCEL_COMP_BYTES);
}

/* Run one descriptor on queue @n and return its completion record. */
static void run_one(Dev *d, uint32_t n, Desc *desc, Comp *c)
{
    uint32_t before = rdwq(d, n, IMS_ACCEL_WQ_COMPLETED);
    uint8_t poison[IMS_ACCEL_COMP_SIZE];

    memset(poison, 0xee, sizeof(poison));
    desc->flags |= IMS_ACCEL_DESC_F_RECORD;
    lmem_write(d, n, desc->comp, poison, sizeof(poison));
    submit(d, n, desc);
    wait_completed(d, n, before + 1);
    comp_read(d, n, desc->comp, c);
    g_assert_cmpuint(c->opcode, ==, desc->opcode);
    g_assert_cmpuint(c->zero, ==, 0);
    g_assert_cmpuint(c->seq, ==, desc->seq);
}

/* Reference implementations */

static uint32_t ref_crc32c(const uint8_t *buf, size_t len)
{
    uint32_t crc = 0xffffffff;
    size_t i;
    int b;

    for (i = 0; i < len; i++) {
        crc ^= buf[i];
        for (b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
        }
    }
    return crc ^ 0xffffffff;
}

static void fill_random(uint8_t *buf, size_t len, uint32_t seed)
{
    size_t i;

    for (i = 0; i < len; i++) {
        seed = seed * 1103515245 + 12345;
        buf[i] = seed >> 16;
    }
}

/* Identity and sizes */

static void check_bar(Dev *d, int bar, uint64_t size, uint64_t want,
                      bool prefetch)
{
    uint32_t lo = qpci_config_readl(d->pdev, PCI_BASE_ADDRESS_0 + 4 * bar);

    g_assert_cmphex(size, ==, want);
    g_assert_cmphex(lo & PCI_BASE_ADDRESS_SPACE, ==,
                    PCI_BASE_ADDRESS_SPACE_MEMORY);
    g_assert_cmphex(lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK, ==,
                    PCI_BASE_ADDRESS_MEM_TYPE_64);
    g_assert_cmpuint(!!(lo & PCI_BASE_ADDRESS_MEM_PREFETCH), ==, prefetch);
}

static void test_identity(void)
{
    Dev *d = dev_start(NULL);
    uint8_t cap, exp;
    uint32_t table, pba;

    g_assert_cmphex(qpci_config_readw(d->pdev, PCI_VENDOR_ID), ==,
                    IMS_ACCEL_VENDOR_ID);
    g_assert_cmphex(qpci_config_readw(d->pdev, PCI_DEVICE_ID), ==,
                    IMS_ACCEL_DEVICE_ID);
    g_assert_cmphex(qpci_config_readl(d->pdev, PCI_CLASS_REVISION) >> 8, ==,
                    IMS_ACCEL_CLASS);
    g_assert_cmphex(qpci_config_readb(d->pdev, PCI_INTERRUPT_PIN), ==, 0);

    check_bar(d, 0, d->size0, IMS_ACCEL_BAR0_SIZE, false);
    check_bar(d, 2, d->size2, 64 * IMS_ACCEL_PORTAL_SIZE, false);
    check_bar(d, 4, d->size4, 64 * 16 * 1024, true);

    exp = qpci_find_capability(d->pdev, PCI_CAP_ID_EXP, 0);
    g_assert_cmpuint(exp, !=, 0);
    g_assert_cmphex(qpci_config_readl(d->pdev, exp + PCI_EXP_DEVCAP) &
                    PCI_EXP_DEVCAP_FLR, ==, PCI_EXP_DEVCAP_FLR);

    cap = msix_cap(d);
    g_assert_cmpuint((qpci_config_readw(d->pdev, cap + PCI_MSIX_FLAGS) &
                      PCI_MSIX_FLAGS_QSIZE) + 1, ==, 16);
    table = qpci_config_readl(d->pdev, cap + PCI_MSIX_TABLE);
    pba = qpci_config_readl(d->pdev, cap + PCI_MSIX_PBA);
    g_assert_cmphex(table, ==, IMS_ACCEL_MSIX_TABLE | IMS_ACCEL_BAR_CTRL);
    g_assert_cmphex(pba, ==, IMS_ACCEL_MSIX_PBA | IMS_ACCEL_BAR_CTRL);

    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_ID), ==, IMS_ACCEL_ID_MAGIC);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_VERSION), ==, IMS_ACCEL_VERSION_1);
    g_assert_cmpuint(d->wqs, ==, IMS_ACCEL_WQS_DEFAULT);
    g_assert_cmpuint(d->ims, ==, IMS_ACCEL_IMS_DEFAULT);
    g_assert_cmpuint(d->depth, ==, IMS_ACCEL_DEPTH_DEFAULT);
    g_assert_cmpuint(d->sram, ==, IMS_ACCEL_SRAM_DEFAULT);
    dev_stop(d);
}

/* Non-default properties show in the registers and in the BAR sizes. */
static void test_identity_props(void)
{
    Dev *d = dev_start("wqs=3,ims=100,msix=40,sram=8K,depth=7");
    uint8_t cap = msix_cap(d);

    g_assert_cmpuint(d->wqs, ==, 3);
    g_assert_cmpuint(d->ims, ==, 100);
    g_assert_cmpuint(d->sram, ==, 8192);
    g_assert_cmpuint(d->depth, ==, 7);
    g_assert_cmpuint((qpci_config_readw(d->pdev, cap + PCI_MSIX_FLAGS) &
                      PCI_MSIX_FLAGS_QSIZE) + 1, ==, 40);
    /* PCI BARs are powers of two: 3 pages round up to 4, 24K to 32K. */
    check_bar(d, 0, d->size0, IMS_ACCEL_BAR0_SIZE, false);
    check_bar(d, 2, d->size2, 4 * IMS_ACCEL_PORTAL_SIZE, false);
    check_bar(d, 4, d->size4, 32 * 1024, true);
    /* Portal pages past the last queue read 0 and ignore writes. */
    wrportal(d, 3, IMS_ACCEL_PORTAL_DESC, 0x12345678);
    g_assert_cmphex(rdportal(d, 3, IMS_ACCEL_PORTAL_DESC), ==, 0);
    dev_stop(d);
}

/* Reset values */

static void check_reset_values(Dev *d)
{
    g_autofree uint32_t *ims = g_malloc(d->ims * IMS_ACCEL_IMS_STRIDE);
    g_autofree uint32_t *pend = g_malloc(DIV_ROUND_UP(d->ims, 32) * 4);
    uint8_t portal[0x50];
    uint32_t n, i;

    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_GEN_CTRL), ==, 0);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_GEN_STATUS), ==, 0);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_EVT_CAUSE), ==, 0);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_EVT_MASK), ==,
                    IMS_ACCEL_EVT_WQ_ERROR);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_ERR_WQ), ==, 0);
    for (n = 0; n < d->wqs; n++) {
        g_assert_cmphex(rdwq(d, n, IMS_ACCEL_WQ_CTRL), ==, 0);
        g_assert_cmphex(rdwq(d, n, IMS_ACCEL_WQ_STATUS), ==, 0);
        g_assert_cmphex(rdwq(d, n, IMS_ACCEL_WQ_INT_BASE), ==, 0);
        g_assert_cmphex(rdwq(d, n, IMS_ACCEL_WQ_INT_COUNT), ==, 0);
        g_assert_cmphex(rdwq(d, n, IMS_ACCEL_WQ_INT_TABLE), ==, 0);
        g_assert_cmphex(rdwq(d, n, IMS_ACCEL_WQ_COMPLETED), ==, 0);
        g_assert_cmphex(rdwq(d, n, IMS_ACCEL_WQ_ERRORS), ==, 0);
        qpci_memread(d->pdev, d->bar2, (uint64_t)n * IMS_ACCEL_PORTAL_SIZE,
                     portal, sizeof(portal));
        for (i = 0; i < sizeof(portal); i++) {
            g_assert_cmphex(portal[i], ==, 0);
        }
    }
    qpci_memread(d->pdev, d->bar0, IMS_ACCEL_IMS_BASE, ims,
                 d->ims * IMS_ACCEL_IMS_STRIDE);
    for (i = 0; i < d->ims; i++) {
        g_assert_cmphex(le32_to_cpu(ims[4 * i + 0]), ==, 0);
        g_assert_cmphex(le32_to_cpu(ims[4 * i + 1]), ==, 0);
        g_assert_cmphex(le32_to_cpu(ims[4 * i + 2]), ==, 0);
        g_assert_cmphex(le32_to_cpu(ims[4 * i + 3]), ==,
                        IMS_ACCEL_IMS_CTRL_MASK);
    }
    qpci_memread(d->pdev, d->bar0, IMS_ACCEL_IMS_PENDING, pend,
                 DIV_ROUND_UP(d->ims, 32) * 4);
    for (i = 0; i < DIV_ROUND_UP(d->ims, 32); i++) {
        g_assert_cmphex(pend[i], ==, 0);
    }
}

static void check_lmem_zero(Dev *d)
{
    uint64_t size = (uint64_t)d->wqs * d->sram;
    g_autofree uint8_t *buf = g_malloc(size);
    uint64_t i;

    qtest_memread(d->qts, d->bar4.addr, buf, size);
    for (i = 0; i < size; i++) {
        g_assert_cmphex(buf[i], ==, 0);
    }
}

static void test_reset_values(void)
{
    Dev *d = dev_start(NULL);
    static const uint32_t reserved[] = {
        0x18, 0x1c, 0x34, 0x100, 0xffc,
        IMS_ACCEL_WQ_CFG(64), 0x7ffc, 0x1fffc,
    };
    uint32_t i;

    check_reset_values(d);
    check_lmem_zero(d);
    for (i = 0; i < ARRAY_SIZE(reserved); i++) {
        g_assert_cmphex(rd0(d, reserved[i]), ==, 0);
    }
    /* Queue config has 7 registers; the 8th word of each is reserved. */
    g_assert_cmphex(rdwq(d, 0, 0x1c), ==, 0);
    dev_stop(d);
}

/* Access rules */

static void test_access_ro(void)
{
    Dev *d = dev_start("wqs=4,ims=64");
    static const uint32_t ro[] = {
        IMS_ACCEL_REG_ID, IMS_ACCEL_REG_VERSION, IMS_ACCEL_REG_NUM_WQS,
        IMS_ACCEL_REG_NUM_IMS, IMS_ACCEL_REG_WQ_DEPTH,
        IMS_ACCEL_REG_SRAM_SIZE, IMS_ACCEL_REG_GEN_STATUS,
        IMS_ACCEL_REG_ERR_WQ,
    };
    uint32_t before[ARRAY_SIZE(ro)];
    uint32_t i;

    for (i = 0; i < ARRAY_SIZE(ro); i++) {
        before[i] = rd0(d, ro[i]);
        wr0(d, ro[i], ~before[i]);
    }
    for (i = 0; i < ARRAY_SIZE(ro); i++) {
        g_assert_cmphex(rd0(d, ro[i]), ==, before[i]);
    }

    wrwq(d, 1, IMS_ACCEL_WQ_STATUS, 0xffffffff);
    wrwq(d, 1, IMS_ACCEL_WQ_COMPLETED, 0xffffffff);
    wrwq(d, 1, IMS_ACCEL_WQ_ERRORS, 0xffffffff);
    wrwq(d, 1, 0x1c, 0xffffffff);
    g_assert_cmphex(rdwq(d, 1, IMS_ACCEL_WQ_STATUS), ==, 0);
    g_assert_cmphex(rdwq(d, 1, IMS_ACCEL_WQ_COMPLETED), ==, 0);
    g_assert_cmphex(rdwq(d, 1, IMS_ACCEL_WQ_ERRORS), ==, 0);
    g_assert_cmphex(rdwq(d, 1, 0x1c), ==, 0);

    wr0(d, IMS_ACCEL_IMS_PENDING, 0xffffffff);
    wr0(d, IMS_ACCEL_IMS_PENDING + 4, 0xffffffff);
    g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_PENDING), ==, 0);
    g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_PENDING + 4), ==, 0);
    /* Past the last IMS entry: nothing. */
    wr0(d, IMS_ACCEL_IMS_ENTRY(64) + IMS_ACCEL_IMS_DATA, 0x1234);
    g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_ENTRY(64) + IMS_ACCEL_IMS_DATA),
                    ==, 0);
    /* Past the last queue: nothing. */
    wrwq(d, 4, IMS_ACCEL_WQ_INT_BASE, 0x1234);
    g_assert_cmphex(rdwq(d, 4, IMS_ACCEL_WQ_INT_BASE), ==, 0);

    wrportal(d, 2, IMS_ACCEL_PORTAL_QUEUED, 0xffffffff);
    wrportal(d, 2, IMS_ACCEL_PORTAL_COMPLETED, 0xffffffff);
    wrportal(d, 2, IMS_ACCEL_PORTAL_ERRORS, 0xffffffff);
    g_assert_cmphex(rdportal(d, 2, IMS_ACCEL_PORTAL_QUEUED), ==, 0);
    g_assert_cmphex(rdportal(d, 2, IMS_ACCEL_PORTAL_COMPLETED), ==, 0);
    g_assert_cmphex(rdportal(d, 2, IMS_ACCEL_PORTAL_ERRORS), ==, 0);
    /* The doorbell is write-only. */
    g_assert_cmphex(rdportal(d, 2, IMS_ACCEL_PORTAL_DOORBELL), ==, 0);
    dev_stop(d);
}

static void test_access_rw(void)
{
    Dev *d = dev_start("wqs=4,ims=64");
    uint8_t desc[IMS_ACCEL_DESC_SIZE], back[IMS_ACCEL_DESC_SIZE];

    /* Reserved bits read 0; RESET reads 0. */
    wr0(d, IMS_ACCEL_REG_GEN_CTRL, 0xfffffffd);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_GEN_CTRL), ==,
                    IMS_ACCEL_GEN_CTRL_ENABLE);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_GEN_STATUS), ==,
                    IMS_ACCEL_GEN_STATUS_ENABLED);
    wr0(d, IMS_ACCEL_REG_GEN_CTRL, 0);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_GEN_STATUS), ==, 0);
    wr0(d, IMS_ACCEL_REG_EVT_MASK, 0);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_EVT_MASK), ==, 0);
    wr0(d, IMS_ACCEL_REG_EVT_MASK, 0xffffffff);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_EVT_MASK), ==,
                    IMS_ACCEL_EVT_WQ_ERROR);
    /* EVT_CAUSE is write-1-to-clear: writes cannot set it. */
    wr0(d, IMS_ACCEL_REG_EVT_CAUSE, 0xffffffff);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_EVT_CAUSE), ==, 0);

    /* A 1-byte access to a 32-bit register is ignored. */
    qpci_io_writeb(d->pdev, d->bar0, IMS_ACCEL_REG_GEN_CTRL, 1);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_GEN_CTRL), ==, 0);

    /* Queue config: interrupt range writable while disabled. */
    wrwq(d, 2, IMS_ACCEL_WQ_INT_BASE, 0xdeadbeef);
    wrwq(d, 2, IMS_ACCEL_WQ_INT_COUNT, 0x12345678);
    wrwq(d, 2, IMS_ACCEL_WQ_INT_TABLE, 0xffffffff);
    g_assert_cmphex(rdwq(d, 2, IMS_ACCEL_WQ_INT_BASE), ==, 0xdeadbeef);
    g_assert_cmphex(rdwq(d, 2, IMS_ACCEL_WQ_INT_COUNT), ==, 0x12345678);
    g_assert_cmphex(rdwq(d, 2, IMS_ACCEL_WQ_INT_TABLE), ==,
                    IMS_ACCEL_INT_TABLE_MSIX);
    wrwq(d, 2, IMS_ACCEL_WQ_CTRL, 0xfffffffd);
    g_assert_cmphex(rdwq(d, 2, IMS_ACCEL_WQ_CTRL), ==,
                    IMS_ACCEL_WQ_CTRL_ENABLE);
    g_assert_cmphex(rdwq(d, 2, IMS_ACCEL_WQ_STATUS), ==,
                    IMS_ACCEL_WQ_STATUS_ENABLED);
    /* ... and not while enabled. */
    wrwq(d, 2, IMS_ACCEL_WQ_INT_BASE, 1);
    wrwq(d, 2, IMS_ACCEL_WQ_INT_COUNT, 2);
    wrwq(d, 2, IMS_ACCEL_WQ_INT_TABLE, 0);
    g_assert_cmphex(rdwq(d, 2, IMS_ACCEL_WQ_INT_BASE), ==, 0xdeadbeef);
    g_assert_cmphex(rdwq(d, 2, IMS_ACCEL_WQ_INT_COUNT), ==, 0x12345678);
    g_assert_cmphex(rdwq(d, 2, IMS_ACCEL_WQ_INT_TABLE), ==,
                    IMS_ACCEL_INT_TABLE_MSIX);
    /* Its neighbours are untouched. */
    g_assert_cmphex(rdwq(d, 1, IMS_ACCEL_WQ_INT_BASE), ==, 0);
    g_assert_cmphex(rdwq(d, 3, IMS_ACCEL_WQ_CTRL), ==, 0);
    wrwq(d, 2, IMS_ACCEL_WQ_CTRL, 0);
    wrwq(d, 2, IMS_ACCEL_WQ_INT_COUNT, 2);
    g_assert_cmphex(rdwq(d, 2, IMS_ACCEL_WQ_INT_COUNT), ==, 2);

    /* IMS entries: ADDR and DATA are plain RW, CTRL keeps only MASK. */
    wr0(d, IMS_ACCEL_IMS_ENTRY(63) + IMS_ACCEL_IMS_ADDR_LO, 0x89abcdef);
    wr0(d, IMS_ACCEL_IMS_ENTRY(63) + IMS_ACCEL_IMS_ADDR_HI, 0x01234567);
    wr0(d, IMS_ACCEL_IMS_ENTRY(63) + IMS_ACCEL_IMS_DATA, 0xfeedf00d);
    wr0(d, IMS_ACCEL_IMS_ENTRY(63) + IMS_ACCEL_IMS_CTRL, 0xfffffffe);
    g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_ENTRY(63) + IMS_ACCEL_IMS_ADDR_LO),
                    ==, 0x89abcdef);
    g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_ENTRY(63) + IMS_ACCEL_IMS_ADDR_HI),
                    ==, 0x01234567);
    g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_ENTRY(63) + IMS_ACCEL_IMS_DATA),
                    ==, 0xfeedf00d);
    g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_ENTRY(63) + IMS_ACCEL_IMS_CTRL),
                    ==, 0);
    wr0(d, IMS_ACCEL_IMS_ENTRY(63) + IMS_ACCEL_IMS_CTRL, 0xffffffff);
    g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_ENTRY(63) + IMS_ACCEL_IMS_CTRL),
                    ==, IMS_ACCEL_IMS_CTRL_MASK);
    /* The 64-bit address takes an 8-byte access. */
    qpci_io_writeq(d->pdev, d->bar0,
                   IMS_ACCEL_IMS_ENTRY(62) + IMS_ACCEL_IMS_ADDR_LO,
                   0x0000000100feed00ULL);
    g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_ENTRY(62) + IMS_ACCEL_IMS_ADDR_LO),
                    ==, 0x00feed00);
    g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_ENTRY(62) + IMS_ACCEL_IMS_ADDR_HI),
                    ==, 0x1);
    g_assert_cmphex(qpci_io_readq(d->pdev, d->bar0, IMS_ACCEL_IMS_ENTRY(62) +
                                  IMS_ACCEL_IMS_ADDR_LO), ==,
                    0x0000000100feed00ULL);

    /* The staging descriptor reads back. */
    fill_random(desc, sizeof(desc), 7);
    qpci_memwrite(d->pdev, d->bar2, IMS_ACCEL_PORTAL_SIZE, desc,
                  sizeof(desc));
    qpci_memread(d->pdev, d->bar2, IMS_ACCEL_PORTAL_SIZE, back, sizeof(back));
    g_assert_cmpmem(desc, sizeof(desc), back, sizeof(back));
    qpci_memread(d->pdev, d->bar2, 0, back, sizeof(back));
    g_assert_cmphex(back[0] | back[63], ==, 0);

    /* Local memory takes any access size. */
    qtest_writeb(d->qts, d->bar4.addr + 3, 0x5a);
    qtest_writew(d->qts, d->bar4.addr + 6, 0xa55a);
    g_assert_cmphex(qtest_readl(d->qts, d->bar4.addr), ==, 0x5a000000);
    g_assert_cmphex(qtest_readq(d->qts, d->bar4.addr), ==,
                    0xa55a00005a000000ULL);
    dev_stop(d);
}

/* Opcodes */

static void test_op_nop(void)
{
    Dev *d = dev_start("wqs=4");
    Desc desc = { .opcode = IMS_ACCEL_OP_NOP, .seq = 0x11223344,
                  .src = 0xffffff00, .dst = 0xffffff00, .len = 0xffff,
                  .comp = 0x40 };
    Comp c;

    enable_device(d);
    setup_wq(d, 1, IMS_ACCEL_INT_TABLE_IMS, 0, 0);
    run_one(d, 1, &desc, &c);
    g_assert_cmphex(c.status, ==, IMS_ACCEL_STATUS_SUCCESS);
    g_assert_cmphex(c.result, ==, 0);
    g_assert_cmphex(c.bytes, ==, 0);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_ERRORS), ==, 0);
    g_assert_cmpuint(rdportal(d, 1, IMS_ACCEL_PORTAL_COMPLETED), ==, 1);
    dev_stop(d);
}

static void test_op_fill(void)
{
    Dev *d = dev_start("wqs=4");
    static const uint32_t lens[] = { 0, 1, 7, 8, 13, 4096, 16384 - 16 };
    uint64_t pattern = 0x0123456789abcdefULL;
    g_autofree uint8_t *want = g_malloc(d->sram);
    g_autofree uint8_t *got = g_malloc(d->sram);
    uint32_t i, k, dst;
    Comp c;

    enable_device(d);
    setup_wq(d, 2, IMS_ACCEL_INT_TABLE_IMS, 0, 0);
    for (i = 0; i < ARRAY_SIZE(lens); i++) {
        Desc desc = { .opcode = IMS_ACCEL_OP_FILL, .seq = i,
                      .pattern = pattern + i, .len = lens[i],
                      .comp = d->sram - 16 };

        dst = lens[i] > 8192 ? 3 : 1000 + i;
        desc.dst = dst;
        /* Background the fill must not spill into. */
        fill_random(want, d->sram, i);
        lmem_write(d, 2, 0, want, d->sram);
        for (k = 0; k < lens[i]; k++) {
            want[dst + k] = (pattern + i) >> (8 * ((k % 8)));
        }
        run_one(d, 2, &desc, &c);
        g_assert_cmphex(c.status, ==, IMS_ACCEL_STATUS_SUCCESS);
        g_assert_cmpuint(c.bytes, ==, lens[i]);
        g_assert_cmphex(c.result, ==, 0);
        lmem_read(d, 2, 0, got, d->sram - 16);
        g_assert_cmpmem(got, d->sram - 16, want, d->sram - 16);
    }
    g_assert_cmpuint(rdwq(d, 2, IMS_ACCEL_WQ_ERRORS), ==, 0);
    dev_stop(d);
}

static void test_op_copy(void)
{
    Dev *d = dev_start("wqs=4,sram=8K");
    static const struct { uint32_t src, dst, len; } cases[] = {
        { 0, 4096, 4096 }, { 4096, 0, 4096 }, { 10, 20, 10 },
        { 100, 7000, 1 }, { 8191, 0, 1 }, { 5, 6, 0 }, { 8192, 0, 0 },
    };
    g_autofree uint8_t *want = g_malloc(d->sram);
    g_autofree uint8_t *got = g_malloc(d->sram);
    uint32_t i;
    Comp c;

    enable_device(d);
    setup_wq(d, 3, IMS_ACCEL_INT_TABLE_IMS, 0, 0);
    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        /* The record goes where it cannot clash with the copy. */
        Desc desc = { .opcode = IMS_ACCEL_OP_COPY, .seq = 100 + i,
                      .src = cases[i].src, .dst = cases[i].dst,
                      .len = cases[i].len, .comp = 2048 };

        if (cases[i].src < 2064 && cases[i].src + cases[i].len > 2048) {
            desc.comp = 6144;
        }
        fill_random(want, d->sram, 50 + i);
        lmem_write(d, 3, 0, want, d->sram);
        memmove(want + cases[i].dst, want + cases[i].src, cases[i].len);
        run_one(d, 3, &desc, &c);
        g_assert_cmphex(c.status, ==, IMS_ACCEL_STATUS_SUCCESS);
        g_assert_cmpuint(c.bytes, ==, cases[i].len);
        lmem_read(d, 3, 0, got, d->sram);
        /* Compare all but the record. */
        memcpy(got + desc.comp, want + desc.comp, IMS_ACCEL_COMP_SIZE);
        g_assert_cmpmem(got, d->sram, want, d->sram);
    }
    dev_stop(d);
}

static void test_op_crc32c(void)
{
    Dev *d = dev_start("wqs=2");
    static const uint32_t lens[] = { 0, 1, 9, 100, 4096, 16000 };
    static const char check[] = "123456789";
    g_autofree uint8_t *buf = g_malloc(d->sram);
    Desc desc = { .opcode = IMS_ACCEL_OP_CRC32C, .seq = 77, .src = 32,
                  .len = 9, .comp = 0 };
    uint32_t i;
    Comp c;

    /* The reference itself: the standard check value of CRC-32C. */
    g_assert_cmphex(ref_crc32c((const uint8_t *)check, 9), ==, 0xe3069283);

    enable_device(d);
    setup_wq(d, 1, IMS_ACCEL_INT_TABLE_IMS, 0, 0);
    lmem_write(d, 1, 32, check, 9);
    run_one(d, 1, &desc, &c);
    g_assert_cmphex(c.status, ==, IMS_ACCEL_STATUS_SUCCESS);
    g_assert_cmphex(c.result, ==, 0xe3069283);
    g_assert_cmpuint(c.bytes, ==, 9);

    for (i = 0; i < ARRAY_SIZE(lens); i++) {
        fill_random(buf, d->sram, 900 + i);
        lmem_write(d, 1, 0, buf, d->sram);
        desc.seq = i;
        desc.src = d->sram - lens[i] - (i & 1);
        desc.len = lens[i];
        desc.comp = 0;
        run_one(d, 1, &desc, &c);
        g_assert_cmphex(c.status, ==, IMS_ACCEL_STATUS_SUCCESS);
        g_assert_cmphex(c.result, ==, ref_crc32c(buf + desc.src, lens[i]));
        g_assert_cmpuint(c.bytes, ==, lens[i]);
    }
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_COMPLETED), ==,
                     1 + ARRAY_SIZE(lens));
    dev_stop(d);
}

/* Work runs after the doorbell, never inside it, and in order per queue. */
static void test_async_in_order(void)
{
    Dev *d = dev_start("wqs=2");
    const char text[] = "in order, please";
    uint32_t len = sizeof(text) - 1;
    Desc fill = { .opcode = IMS_ACCEL_OP_FILL, .seq = 1, .dst = 0,
                  .len = 64, .pattern = 0x2121212121212121ULL,
                  .flags = IMS_ACCEL_DESC_F_RECORD, .comp = 0x400 };
    Desc copy = { .opcode = IMS_ACCEL_OP_COPY, .seq = 2, .src = 0x100,
                  .dst = 0x10, .len = len,
                  .flags = IMS_ACCEL_DESC_F_RECORD, .comp = 0x410 };
    Desc crc = { .opcode = IMS_ACCEL_OP_CRC32C, .seq = 3, .src = 0,
                 .len = 64, .flags = IMS_ACCEL_DESC_F_RECORD,
                 .comp = 0x420 };
    uint8_t want[64];
    Comp c;

    enable_device(d);
    setup_wq(d, 1, IMS_ACCEL_INT_TABLE_IMS, 0, 0);
    lmem_write(d, 1, 0x100, text, len);
    submit(d, 1, &fill);
    submit(d, 1, &copy);
    submit(d, 1, &crc);
    /* Nothing has run: virtual time has not moved. */
    g_assert_cmpuint(rdportal(d, 1, IMS_ACCEL_PORTAL_QUEUED), ==, 3);
    g_assert_cmphex(rdwq(d, 1, IMS_ACCEL_WQ_STATUS), ==,
                    IMS_ACCEL_WQ_STATUS_ENABLED |
                    (3 << IMS_ACCEL_WQ_STATUS_QUEUED_SHIFT));
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_COMPLETED), ==, 0);
    g_assert_cmphex(qtest_readb(d->qts, d->bar4.addr + d->sram), ==, 0);

    wait_completed(d, 1, 3);
    memset(want, 0x21, sizeof(want));
    memcpy(want + 0x10, text, len);
    comp_read(d, 1, 0x420, &c);
    g_assert_cmpuint(c.seq, ==, 3);
    g_assert_cmphex(c.status, ==, IMS_ACCEL_STATUS_SUCCESS);
    g_assert_cmphex(c.result, ==, ref_crc32c(want, sizeof(want)));
    comp_read(d, 1, 0x400, &c);
    g_assert_cmpuint(c.seq, ==, 1);
    comp_read(d, 1, 0x410, &c);
    g_assert_cmpuint(c.seq, ==, 2);
    dev_stop(d);
}

/* Completion errors */

typedef struct ErrCase {
    const char *what;
    Desc desc;
    uint8_t status;
} ErrCase;

static void test_errors(void)
{
    Dev *d = dev_start("wqs=4,sram=4K");
    const ErrCase cases[] = {
        { "opcode 4", { .opcode = 4, .len = 8 }, 0x10 },
        { "opcode 0xff", { .opcode = 0xff }, 0x10 },
        { "fill past the end", { .opcode = IMS_ACCEL_OP_FILL, .dst = 4000,
          .len = 97 }, 0x11 },
        { "fill dst outside", { .opcode = IMS_ACCEL_OP_FILL, .dst = 4097,
          .len = 0 }, 0x11 },
        { "fill wraps 32 bits", { .opcode = IMS_ACCEL_OP_FILL,
          .dst = 0xffffff00, .len = 0x200 }, 0x11 },
        { "copy src outside", { .opcode = IMS_ACCEL_OP_COPY, .src = 4000,
          .dst = 0, .len = 100 }, 0x11 },
        { "copy dst outside", { .opcode = IMS_ACCEL_OP_COPY, .src = 0,
          .dst = 4000, .len = 100 }, 0x11 },
        { "crc src outside", { .opcode = IMS_ACCEL_OP_CRC32C, .src = 1,
          .len = 4096 }, 0x11 },
        { "interrupt handle, count 0", { .opcode = IMS_ACCEL_OP_NOP,
          .flags = IMS_ACCEL_DESC_F_INTERRUPT, .handle = 0 }, 0x12 },
        { "reserved byte 0x20", { .opcode = IMS_ACCEL_OP_NOP,
          .rsvd = { [0] = 1 } }, 0x13 },
        { "reserved byte 0x3f", { .opcode = IMS_ACCEL_OP_FILL, .len = 4,
          .rsvd = { [31] = 0x80 } }, 0x13 },
        { "copy overlap forward", { .opcode = IMS_ACCEL_OP_COPY, .src = 0,
          .dst = 8, .len = 16 }, 0x14 },
        { "copy overlap backward", { .opcode = IMS_ACCEL_OP_COPY,
          .src = 100, .dst = 50, .len = 51 }, 0x14 },
        { "copy onto itself", { .opcode = IMS_ACCEL_OP_COPY, .src = 64,
          .dst = 64, .len = 1 }, 0x14 },
    };
    g_autofree uint8_t *before = g_malloc(d->sram);
    g_autofree uint8_t *after = g_malloc(d->sram);
    uint32_t i, comp = 0xff0;
    Comp c;

    enable_device(d);
    setup_wq(d, 3, IMS_ACCEL_INT_TABLE_IMS, 0, 0);
    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        Desc desc = cases[i].desc;

        g_test_message("%s", cases[i].what);
        desc.seq = i;
        desc.comp = comp;
        fill_random(before, d->sram, i);
        lmem_write(d, 3, 0, before, d->sram);
        run_one(d, 3, &desc, &c);
        g_assert_cmphex(c.status, ==, cases[i].status);
        g_assert_cmpuint(c.bytes, ==, 0);
        g_assert_cmpuint(c.result, ==, 0);
        /* A failed descriptor does no work. */
        lmem_read(d, 3, 0, after, d->sram);
        g_assert_cmpmem(after, comp, before, comp);
        g_assert_cmpuint(rdwq(d, 3, IMS_ACCEL_WQ_ERRORS), ==, i + 1);
        g_assert_cmpuint(rdportal(d, 3, IMS_ACCEL_PORTAL_ERRORS), ==, i + 1);
        g_assert_cmphex(rdwq(d, 3, IMS_ACCEL_WQ_STATUS), ==,
                        IMS_ACCEL_WQ_STATUS_ENABLED |
                        IMS_ACCEL_WQ_STATUS_ERROR);
    }

    /* A record that cannot be written: counted, nothing written. */
    {
        Desc desc = { .opcode = IMS_ACCEL_OP_NOP, .comp = 8,
                      .flags = IMS_ACCEL_DESC_F_RECORD };
        Desc far = { .opcode = IMS_ACCEL_OP_NOP, .comp = 4096,
                     .flags = IMS_ACCEL_DESC_F_RECORD };
        uint32_t n = ARRAY_SIZE(cases);

        fill_random(before, d->sram, 1234);
        lmem_write(d, 3, 0, before, d->sram);
        submit(d, 3, &desc);
        submit(d, 3, &far);
        wait_completed(d, 3, n + 2);
        g_assert_cmpuint(rdwq(d, 3, IMS_ACCEL_WQ_ERRORS), ==, n + 2);
        lmem_read(d, 3, 0, after, d->sram);
        g_assert_cmpmem(after, d->sram, before, d->sram);
    }

    /* The ERROR bit is sticky: a good descriptor leaves it set. */
    {
        Desc desc = { .opcode = IMS_ACCEL_OP_NOP, .comp = 0 };

        run_one(d, 3, &desc, &c);
        g_assert_cmphex(c.status, ==, IMS_ACCEL_STATUS_SUCCESS);
        g_assert_cmphex(rdwq(d, 3, IMS_ACCEL_WQ_STATUS) &
                        IMS_ACCEL_WQ_STATUS_ERROR, ==,
                        IMS_ACCEL_WQ_STATUS_ERROR);
    }
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_EVT_CAUSE), ==,
                    IMS_ACCEL_EVT_WQ_ERROR);
    g_assert_cmpuint(rd0(d, IMS_ACCEL_REG_ERR_WQ), ==, 3);
    g_assert_cmphex(rdwq(d, 0, IMS_ACCEL_WQ_STATUS), ==, 0);
    wr0(d, IMS_ACCEL_REG_EVT_CAUSE, IMS_ACCEL_EVT_WQ_ERROR);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_EVT_CAUSE), ==, 0);
    dev_stop(d);
}

/* WQ_ERROR on MSI-X vector 0: masked by default, replayed on unmask. */
static void test_error_event(void)
{
    Dev *d = dev_start("wqs=4");
    Desc bad = { .opcode = 9 };

    msg_clear(d);
    msix_enable(d);
    msix_program(d, 0, MSG_SLOT(0), 0xe0e0e0e0, false);
    enable_device(d);
    setup_wq(d, 2, IMS_ACCEL_INT_TABLE_IMS, 0, 0);

    /* EVT_MASK is set at reset: no message. */
    submit(d, 2, &bad);
    wait_completed(d, 2, 1);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_EVT_CAUSE), ==,
                    IMS_ACCEL_EVT_WQ_ERROR);
    g_assert_cmpuint(rd0(d, IMS_ACCEL_REG_ERR_WQ), ==, 2);
    g_assert_cmpuint(msg_count_written(d), ==, 0);

    /* Unmasking with the cause set raises it once. */
    wr0(d, IMS_ACCEL_REG_EVT_MASK, 0);
    g_assert_cmphex(msg_read(d, 0), ==, 0xe0e0e0e0);
    g_assert_cmpuint(msg_count_written(d), ==, 1);

    /* Unmasked: each error raises it. */
    msg_clear(d);
    wr0(d, IMS_ACCEL_REG_EVT_CAUSE, IMS_ACCEL_EVT_WQ_ERROR);
    setup_wq(d, 0, IMS_ACCEL_INT_TABLE_IMS, 0, 0);
    submit(d, 0, &bad);
    wait_completed(d, 0, 1);
    g_assert_cmphex(msg_read(d, 0), ==, 0xe0e0e0e0);
    g_assert_cmpuint(rd0(d, IMS_ACCEL_REG_ERR_WQ), ==, 0);

    /* A masked vector 0 holds it in the PBA, as PCI says. */
    msg_clear(d);
    msix_mask(d, 0, true);
    submit(d, 0, &bad);
    wait_completed(d, 0, 2);
    g_assert_cmpuint(msg_count_written(d), ==, 0);
    g_assert_true(msix_pending(d, 0));
    msix_mask(d, 0, false);
    g_assert_false(msix_pending(d, 0));
    g_assert_cmphex(msg_read(d, 0), ==, 0xe0e0e0e0);

    /* A good descriptor raises nothing. */
    msg_clear(d);
    {
        Desc good = { .opcode = IMS_ACCEL_OP_NOP };

        submit(d, 0, &good);
        wait_completed(d, 0, 3);
    }
    g_assert_cmpuint(msg_count_written(d), ==, 0);
    dev_stop(d);
}

/* IMS delivery */

static void test_ims_delivery(void)
{
    Dev *d = dev_start("wqs=4,ims=64");
    Desc desc = { .opcode = IMS_ACCEL_OP_NOP,
                  .flags = IMS_ACCEL_DESC_F_INTERRUPT };
    uint32_t i;

    msg_clear(d);
    for (i = 0; i < 64; i++) {
        ims_program(d, i, MSG_SLOT(i), 0xa0000000 | i, false);
    }
    enable_device(d);
    setup_wq(d, 1, IMS_ACCEL_INT_TABLE_IMS, 5, 2);

    desc.handle = 0;
    submit(d, 1, &desc);
    /* Not before the descriptor has run. */
    g_assert_cmpuint(msg_count_written(d), ==, 0);
    wait_completed(d, 1, 1);
    g_assert_cmphex(msg_read(d, 5), ==, 0xa0000005);
    g_assert_cmpuint(msg_count_written(d), ==, 1);

    desc.handle = 1;
    submit(d, 1, &desc);
    wait_completed(d, 1, 2);
    g_assert_cmphex(msg_read(d, 6), ==, 0xa0000006);
    g_assert_cmpuint(msg_count_written(d), ==, 2);

    /* Without the INTERRUPT flag: no message. */
    msg_clear(d);
    desc.flags = 0;
    submit(d, 1, &desc);
    wait_completed(d, 1, 3);
    g_assert_cmpuint(msg_count_written(d), ==, 0);

    /* A failing descriptor with a valid handle still signals. */
    desc.flags = IMS_ACCEL_DESC_F_INTERRUPT;
    desc.opcode = 0x42;
    submit(d, 1, &desc);
    wait_completed(d, 1, 4);
    g_assert_cmphex(msg_read(d, 6), ==, 0xa0000006);
    g_assert_cmpuint(msg_count_written(d), ==, 1);

    /* The whole 64-bit address is used. */
    msg_clear(d);
    ims_program(d, 6, MSG_SLOT(40) | (1ULL << 32), 0xa0000028, false);
    desc.opcode = IMS_ACCEL_OP_NOP;
    submit(d, 1, &desc);
    wait_completed(d, 1, 5);
    g_assert_cmpuint(msg_count_written(d), ==, 0);

    /* Bus mastering off: the message goes nowhere. */
    ims_program(d, 6, MSG_SLOT(41), 0xa0000029, false);
    qpci_config_writew(d->pdev, PCI_COMMAND, PCI_COMMAND_MEMORY);
    submit(d, 1, &desc);
    wait_completed(d, 1, 6);
    g_assert_cmpuint(msg_count_written(d), ==, 0);
    dev_stop(d);
}

static void test_ims_mask_pending(void)
{
    Dev *d = dev_start("wqs=2,ims=100");
    Desc desc = { .opcode = IMS_ACCEL_OP_NOP,
                  .flags = IMS_ACCEL_DESC_F_INTERRUPT, .handle = 3 };
    uint32_t e = 99, w;

    msg_clear(d);
    ims_program(d, e, MSG_SLOT(1), 0xbeef0063, true);
    enable_device(d);
    setup_wq(d, 0, IMS_ACCEL_INT_TABLE_IMS, e - 3, 4);

    /* Masked: the pending bit instead of the message, twice. */
    submit(d, 0, &desc);
    submit(d, 0, &desc);
    wait_completed(d, 0, 2);
    g_assert_cmpuint(msg_count_written(d), ==, 0);
    g_assert_true(ims_pending(d, e));
    for (w = 0; w < 4; w++) {
        g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_PENDING + 4 * w), ==,
                        w == 3 ? 1U << (e % 32) : 0);
    }

    /* Changing the message while masked: the replay sends the new one. */
    wr0(d, IMS_ACCEL_IMS_ENTRY(e) + IMS_ACCEL_IMS_DATA, 0xbeef1063);
    /* Writing CTRL with MASK still set replays nothing. */
    wr0(d, IMS_ACCEL_IMS_ENTRY(e) + IMS_ACCEL_IMS_CTRL,
        IMS_ACCEL_IMS_CTRL_MASK);
    g_assert_cmpuint(msg_count_written(d), ==, 0);
    g_assert_true(ims_pending(d, e));

    /* Unmask: one message, bit cleared. */
    wr0(d, IMS_ACCEL_IMS_ENTRY(e) + IMS_ACCEL_IMS_CTRL, 0);
    g_assert_false(ims_pending(d, e));
    g_assert_cmphex(msg_read(d, 1), ==, 0xbeef1063);
    g_assert_cmpuint(msg_count_written(d), ==, 1);

    /* Mask and unmask again with nothing pending: no message. */
    msg_clear(d);
    wr0(d, IMS_ACCEL_IMS_ENTRY(e) + IMS_ACCEL_IMS_CTRL,
        IMS_ACCEL_IMS_CTRL_MASK);
    wr0(d, IMS_ACCEL_IMS_ENTRY(e) + IMS_ACCEL_IMS_CTRL, 0);
    g_assert_cmpuint(msg_count_written(d), ==, 0);

    /* Unmasked: straight through, no pending bit. */
    submit(d, 0, &desc);
    wait_completed(d, 0, 3);
    g_assert_cmphex(msg_read(d, 1), ==, 0xbeef1063);
    g_assert_false(ims_pending(d, e));
    dev_stop(d);
}

/* MSI-X delivery */

static void test_msix_delivery(void)
{
    Dev *d = dev_start("wqs=4,msix=8");
    Desc desc = { .opcode = IMS_ACCEL_OP_NOP,
                  .flags = IMS_ACCEL_DESC_F_INTERRUPT, .handle = 1 };
    uint32_t v;

    msg_clear(d);
    for (v = 0; v < 8; v++) {
        msix_program(d, v, MSG_SLOT(v), 0xc0000000 | v, false);
    }
    enable_device(d);
    setup_wq(d, 3, IMS_ACCEL_INT_TABLE_MSIX, 2, 4);

    /* MSI-X not enabled yet: the vector goes pending. */
    submit(d, 3, &desc);
    wait_completed(d, 3, 1);
    g_assert_cmpuint(msg_count_written(d), ==, 0);
    g_assert_true(msix_pending(d, 3));

    msix_enable(d);
    g_assert_false(msix_pending(d, 3));
    g_assert_cmphex(msg_read(d, 3), ==, 0xc0000003);
    g_assert_cmpuint(msg_count_written(d), ==, 1);

    msg_clear(d);
    desc.handle = 3;
    submit(d, 3, &desc);
    wait_completed(d, 3, 2);
    g_assert_cmphex(msg_read(d, 5), ==, 0xc0000005);
    g_assert_cmpuint(msg_count_written(d), ==, 1);

    /* Per-vector mask. */
    msg_clear(d);
    msix_mask(d, 5, true);
    submit(d, 3, &desc);
    wait_completed(d, 3, 3);
    g_assert_cmpuint(msg_count_written(d), ==, 0);
    g_assert_true(msix_pending(d, 5));
    msix_mask(d, 5, false);
    g_assert_cmphex(msg_read(d, 5), ==, 0xc0000005);
    g_assert_cmpuint(msg_count_written(d), ==, 1);
    dev_stop(d);
}

/* Interrupt permission: a handle outside the range writes nowhere. */
static void test_handle_isolation(void)
{
    Dev *d = dev_start("wqs=4,ims=64,msix=8");
    static const struct {
        uint32_t table, base, count;
        uint16_t handle;
    } cases[] = {
        { IMS_ACCEL_INT_TABLE_IMS, 8, 2, 2 },
        { IMS_ACCEL_INT_TABLE_IMS, 8, 2, 0xffff },
        { IMS_ACCEL_INT_TABLE_IMS, 8, 0, 0 },
        { IMS_ACCEL_INT_TABLE_IMS, 62, 4, 2 },      /* slot 64: no entry */
        { IMS_ACCEL_INT_TABLE_IMS, 0xffffffff, 2, 1 },  /* wraps */
        { IMS_ACCEL_INT_TABLE_MSIX, 2, 2, 2 },
        { IMS_ACCEL_INT_TABLE_MSIX, 6, 4, 2 },      /* vector 8: none */
        { IMS_ACCEL_INT_TABLE_MSIX, 1, 0, 0 },
    };
    uint32_t i, v;
    Comp c;

    msg_clear(d);
    for (i = 0; i < 64; i++) {
        ims_program(d, i, MSG_SLOT(i), 0xa0000000 | i, false);
    }
    msix_enable(d);
    /* Vector 0 elsewhere: it carries WQ_ERROR, which we expect. */
    msix_program(d, 0, MSG_SLOT(200), 0xe0e0e0e0, false);
    for (v = 1; v < 8; v++) {
        msix_program(d, v, MSG_SLOT(100 + v), 0xc0000000 | v, false);
    }
    enable_device(d);
    wr0(d, IMS_ACCEL_REG_EVT_MASK, 0);

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        Desc desc = { .opcode = IMS_ACCEL_OP_FILL, .len = 16,
                      .dst = 0x100, .pattern = ~0ULL, .seq = i,
                      .flags = IMS_ACCEL_DESC_F_INTERRUPT,
                      .handle = cases[i].handle };
        uint32_t n = i % 4;

        wrwq(d, n, IMS_ACCEL_WQ_CTRL, 0);
        setup_wq(d, n, cases[i].table, cases[i].base, cases[i].count);
        run_one(d, n, &desc, &c);
        g_assert_cmphex(c.status, ==, IMS_ACCEL_STATUS_BAD_HANDLE);
        /* The descriptor did no work either. */
        g_assert_cmphex(qtest_readq(d->qts,
                                    d->bar4.addr + lmem_off(d, n, 0x100)),
                        ==, 0);
        /* Only the WQ_ERROR event, on vector 0. */
        g_assert_cmphex(msg_read(d, 200), ==, 0xe0e0e0e0);
        g_assert_cmpuint(msg_count_written(d), ==, 1);
        g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_PENDING), ==, 0);
        g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_PENDING + 4), ==, 0);
        g_assert_cmphex(rd0(d, IMS_ACCEL_MSIX_PBA), ==, 0);
        msg_clear(d);
    }
    dev_stop(d);
}

/* Queue full and disabled queue */

static void test_queue_full(void)
{
    Dev *d = dev_start("wqs=2,depth=4");
    Desc desc = { .opcode = IMS_ACCEL_OP_NOP };
    uint32_t i;

    enable_device(d);
    setup_wq(d, 1, IMS_ACCEL_INT_TABLE_IMS, 0, 0);
    for (i = 0; i < 6; i++) {
        desc.seq = i;
        submit(d, 1, &desc);
    }
    g_assert_cmpuint(rdportal(d, 1, IMS_ACCEL_PORTAL_QUEUED), ==, 4);
    g_assert_cmpuint(rdportal(d, 1, IMS_ACCEL_PORTAL_ERRORS), ==, 2);
    g_assert_cmphex(rdwq(d, 1, IMS_ACCEL_WQ_STATUS), ==,
                    IMS_ACCEL_WQ_STATUS_ENABLED |
                    (4 << IMS_ACCEL_WQ_STATUS_QUEUED_SHIFT));
    wait_completed(d, 1, 4);
    let_time_pass(d);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_COMPLETED), ==, 4);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_ERRORS), ==, 2);
    /* Dropping a doorbell is not a completion error. */
    g_assert_cmphex(rdwq(d, 1, IMS_ACCEL_WQ_STATUS), ==,
                    IMS_ACCEL_WQ_STATUS_ENABLED);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_EVT_CAUSE), ==, 0);

    /* The ring wraps around. */
    for (i = 0; i < 10; i++) {
        desc.seq = i;
        submit(d, 1, &desc);
        wait_completed(d, 1, 5 + i);
    }
    dev_stop(d);
}

static void test_queue_disabled(void)
{
    Dev *d = dev_start("wqs=2");
    Desc desc = { .opcode = IMS_ACCEL_OP_FILL, .len = 8, .dst = 0,
                  .pattern = ~0ULL };

    /* Queue disabled. */
    enable_device(d);
    submit(d, 1, &desc);
    g_assert_cmpuint(rdportal(d, 1, IMS_ACCEL_PORTAL_QUEUED), ==, 0);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_ERRORS), ==, 1);
    let_time_pass(d);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_COMPLETED), ==, 0);
    g_assert_cmphex(qtest_readq(d->qts, d->bar4.addr + d->sram), ==, 0);

    /* Queue enabled, device disabled. */
    wr0(d, IMS_ACCEL_REG_GEN_CTRL, 0);
    setup_wq(d, 1, IMS_ACCEL_INT_TABLE_IMS, 0, 0);
    submit(d, 1, &desc);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_ERRORS), ==, 2);
    let_time_pass(d);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_COMPLETED), ==, 0);

    /* Disabling a queue drops what it had queued. */
    enable_device(d);
    submit(d, 1, &desc);
    g_assert_cmpuint(rdportal(d, 1, IMS_ACCEL_PORTAL_QUEUED), ==, 1);
    wrwq(d, 1, IMS_ACCEL_WQ_CTRL, 0);
    g_assert_cmpuint(rdportal(d, 1, IMS_ACCEL_PORTAL_QUEUED), ==, 0);
    let_time_pass(d);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_COMPLETED), ==, 0);
    g_assert_cmphex(qtest_readq(d->qts, d->bar4.addr + d->sram), ==, 0);

    /* Disabling the device pauses queued work; enabling resumes it. */
    setup_wq(d, 1, IMS_ACCEL_INT_TABLE_IMS, 0, 0);
    submit(d, 1, &desc);
    wr0(d, IMS_ACCEL_REG_GEN_CTRL, 0);
    let_time_pass(d);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_COMPLETED), ==, 0);
    g_assert_cmpuint(rdportal(d, 1, IMS_ACCEL_PORTAL_QUEUED), ==, 1);
    enable_device(d);
    wait_completed(d, 1, 1);
    g_assert_cmphex(qtest_readq(d->qts, d->bar4.addr + d->sram), ==, ~0ULL);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_ERRORS), ==, 2);
    dev_stop(d);
}

/* Reset */

/* Leave a trace of use in every piece of state that reset clears. */
static void dirty_device(Dev *d)
{
    Desc bad = { .opcode = 0x77 };
    Desc fill = { .opcode = IMS_ACCEL_OP_FILL, .len = 64, .dst = 64,
                  .pattern = 0x5555555555555555ULL };
    Desc intr = { .opcode = IMS_ACCEL_OP_NOP,
                  .flags = IMS_ACCEL_DESC_F_INTERRUPT };
    uint8_t raw[IMS_ACCEL_DESC_SIZE];
    uint32_t n;

    /* Masked entries, aimed above RAM: the test sees nothing written. */
    for (n = 0; n < d->ims; n++) {
        ims_program(d, n, MSG_SLOT(n) | 1ULL << 40, n + 1, true);
    }
    enable_device(d);
    wr0(d, IMS_ACCEL_REG_EVT_MASK, 0);
    for (n = 0; n < d->wqs; n++) {
        setup_wq(d, n, IMS_ACCEL_INT_TABLE_IMS, n, 1);
        submit(d, n, &fill);
        submit(d, n, &bad);
        submit(d, n, &intr);
    }
    wait_completed(d, d->wqs - 1, 3);
    g_assert_true(ims_pending(d, 1));
    /* Work still queued, staged descriptors everywhere. */
    submit(d, 0, &fill);
    submit(d, 0, &fill);
    fill_random(raw, sizeof(raw), 3);
    for (n = 0; n < d->wqs; n++) {
        qpci_memwrite(d->pdev, d->bar2, (uint64_t)n * IMS_ACCEL_PORTAL_SIZE,
                      raw, sizeof(raw));
    }
    g_assert_cmpuint(rdportal(d, 0, IMS_ACCEL_PORTAL_QUEUED), ==, 2);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_EVT_CAUSE), ==,
                    IMS_ACCEL_EVT_WQ_ERROR);
    g_assert_cmpuint(rd0(d, IMS_ACCEL_REG_ERR_WQ), ==, d->wqs - 1);
}

static void test_reset_gen(void)
{
    Dev *d = dev_start("wqs=4,ims=128,sram=4K");

    dirty_device(d);
    wr0(d, IMS_ACCEL_REG_GEN_CTRL, IMS_ACCEL_GEN_CTRL_RESET);
    g_assert_cmphex(rd0(d, IMS_ACCEL_REG_GEN_CTRL), ==, 0);
    check_reset_values(d);
    check_lmem_zero(d);
    /* Dropped work stays dropped. */
    enable_device(d);
    let_time_pass(d);
    g_assert_cmpuint(rdwq(d, 0, IMS_ACCEL_WQ_COMPLETED), ==, 0);
    check_lmem_zero(d);
    dev_stop(d);
}

static void test_reset_wq(void)
{
    Dev *d = dev_start("wqs=3,sram=4K");
    g_autofree uint8_t *mem = g_malloc(3 * 4096);
    g_autofree uint8_t *got = g_malloc(3 * 4096);
    Desc bad = { .opcode = 0x77 };
    Desc fill = { .opcode = IMS_ACCEL_OP_FILL, .len = 8, .dst = 0,
                  .pattern = ~0ULL };
    uint8_t raw[IMS_ACCEL_DESC_SIZE];
    uint32_t n;

    fill_random(mem, 3 * 4096, 5);
    qtest_memwrite(d->qts, d->bar4.addr, mem, 3 * 4096);
    enable_device(d);
    for (n = 0; n < 3; n++) {
        setup_wq(d, n, IMS_ACCEL_INT_TABLE_MSIX, 1, 1);
        submit(d, n, &bad);
        wait_completed(d, n, 1);
    }
    submit(d, 1, &fill);
    submit(d, 1, &fill);
    g_assert_cmpuint(rdportal(d, 1, IMS_ACCEL_PORTAL_QUEUED), ==, 2);

    wrwq(d, 1, IMS_ACCEL_WQ_CTRL,
         IMS_ACCEL_WQ_CTRL_RESET | IMS_ACCEL_WQ_CTRL_ENABLE);
    g_assert_cmphex(rdwq(d, 1, IMS_ACCEL_WQ_CTRL), ==,
                    IMS_ACCEL_WQ_CTRL_ENABLE);
    g_assert_cmphex(rdwq(d, 1, IMS_ACCEL_WQ_STATUS), ==,
                    IMS_ACCEL_WQ_STATUS_ENABLED);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_COMPLETED), ==, 0);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_ERRORS), ==, 0);
    qpci_memread(d->pdev, d->bar2, IMS_ACCEL_PORTAL_SIZE, raw, sizeof(raw));
    g_assert_cmphex(raw[0], ==, IMS_ACCEL_OP_NOP);
    /* Its local memory is zero; its neighbours' is not touched. */
    memset(mem + 4096, 0, 4096);
    qtest_memread(d->qts, d->bar4.addr, got, 3 * 4096);
    g_assert_cmpmem(got, 3 * 4096, mem, 3 * 4096);
    /* Queued work is gone. */
    let_time_pass(d);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_COMPLETED), ==, 0);
    g_assert_cmphex(qtest_readq(d->qts, d->bar4.addr + 4096), ==, 0);
    /* The neighbours keep their counters and ERROR. */
    for (n = 0; n < 3; n += 2) {
        g_assert_cmpuint(rdwq(d, n, IMS_ACCEL_WQ_COMPLETED), ==, 1);
        g_assert_cmpuint(rdwq(d, n, IMS_ACCEL_WQ_ERRORS), ==, 1);
        g_assert_cmphex(rdwq(d, n, IMS_ACCEL_WQ_STATUS), ==,
                        IMS_ACCEL_WQ_STATUS_ENABLED |
                        IMS_ACCEL_WQ_STATUS_ERROR);
    }
    /* The interrupt range is configuration, kept. */
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_INT_TABLE), ==,
                     IMS_ACCEL_INT_TABLE_MSIX);
    g_assert_cmpuint(rdwq(d, 1, IMS_ACCEL_WQ_INT_COUNT), ==, 1);
    dev_stop(d);
}

static void restore_bars(Dev *d)
{
    qpci_config_writel(d->pdev, PCI_BASE_ADDRESS_0, d->bar0.addr);
    qpci_config_writel(d->pdev, PCI_BASE_ADDRESS_2, d->bar2.addr);
    qpci_config_writel(d->pdev, PCI_BASE_ADDRESS_4, d->bar4.addr);
    qpci_device_enable(d->pdev);
}

static void test_reset_flr(void)
{
    Dev *d = dev_start("wqs=4,ims=128,sram=4K");
    uint8_t exp = qpci_find_capability(d->pdev, PCI_CAP_ID_EXP, 0);
    uint16_t ctl;

    dirty_device(d);
    msix_enable(d);
    ctl = qpci_config_readw(d->pdev, exp + PCI_EXP_DEVCTL);
    qpci_config_writew(d->pdev, exp + PCI_EXP_DEVCTL,
                       ctl | PCI_EXP_DEVCTL_BCR_FLR);
    g_assert_cmphex(qpci_config_readw(d->pdev, PCI_COMMAND) &
                    PCI_COMMAND_MEMORY, ==, 0);
    g_assert_cmphex(qpci_config_readw(d->pdev, msix_cap(d) + PCI_MSIX_FLAGS) &
                    PCI_MSIX_FLAGS_ENABLE, ==, 0);
    restore_bars(d);
    check_reset_values(d);
    check_lmem_zero(d);
    dev_stop(d);
}

static void test_reset_system(void)
{
    Dev *d = dev_start("wqs=4,ims=128,sram=4K");

    dirty_device(d);
    qtest_system_reset(d->qts);
    restore_bars(d);
    check_reset_values(d);
    check_lmem_zero(d);
    dev_stop(d);
}

/* Property validation */

/* Start QEMU with @props and expect it to refuse, naming @what. */
static void expect_refused(const char *props, const char *what)
{
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *dev = g_strdup_printf("ims-accel,%s", props);
    const char *argv[] = {
        qemu, "-M", "q35", "-accel", "qtest", "-display", "none",
        "-nodefaults", "-S", "-device", dev, NULL,
    };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) gerr = NULL;
    int status;

    g_assert(qemu);
    /*
     * -S with no monitor: a QEMU that accepted the device would wait
     * forever, so give it a bounded life with timeout(1).
     */
    {
        const char *targv[ARRAY_SIZE(argv) + 2] = { "timeout", "20" };

        memcpy(targv + 2, argv, sizeof(argv));
        g_assert_true(g_spawn_sync(NULL, (char **)targv, NULL,
                                   G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                                   &err, &status, &gerr));
    }
    g_test_message("%s: %s", props, err);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, what));
}

static void test_props_invalid(void)
{
    expect_refused("wqs=0", "'wqs' is 0, must be between 1 and 256");
    expect_refused("wqs=257", "'wqs' is 257, must be between 1 and 256");
    expect_refused("ims=0", "'ims' is 0, must be between 1 and 32768");
    expect_refused("ims=32769",
                   "'ims' is 32769, must be between 1 and 32768");
    expect_refused("msix=1", "'msix' is 1, must be between 2 and 2048");
    expect_refused("msix=2049",
                   "'msix' is 2049, must be between 2 and 2048");
    expect_refused("sram=2K",
                   "'sram' is 2048, must be between 4096 and 1048576");
    expect_refused("sram=2M",
                   "'sram' is 2097152, must be between 4096 and 1048576");
    expect_refused("sram=12K", "'sram' is 12288, must be a power of two");
    expect_refused("depth=0", "'depth' is 0, must be between 1 and 255");
    expect_refused("depth=256", "'depth' is 256, must be between 1 and 255");
}

static void check_limits(const char *props, uint32_t wqs, uint32_t ims,
                         uint32_t msix, uint32_t sram, uint32_t depth)
{
    Dev *d = dev_start(props);

    g_assert_cmpuint(d->wqs, ==, wqs);
    g_assert_cmpuint(d->ims, ==, ims);
    g_assert_cmpuint((qpci_config_readw(d->pdev, msix_cap(d) +
                                        PCI_MSIX_FLAGS) &
                      PCI_MSIX_FLAGS_QSIZE) + 1, ==, msix);
    g_assert_cmpuint(d->sram, ==, sram);
    g_assert_cmpuint(d->depth, ==, depth);
    g_assert_cmpuint(d->size2, ==, pow2ceil((uint64_t)wqs * 4096));
    g_assert_cmpuint(d->size4, ==, pow2ceil((uint64_t)wqs * sram));
    /* The last IMS entry and the last queue are there. */
    g_assert_cmphex(rd0(d, IMS_ACCEL_IMS_ENTRY(ims - 1) + IMS_ACCEL_IMS_CTRL),
                    ==, IMS_ACCEL_IMS_CTRL_MASK);
    wrwq(d, wqs - 1, IMS_ACCEL_WQ_INT_BASE, 0x77);
    g_assert_cmphex(rdwq(d, wqs - 1, IMS_ACCEL_WQ_INT_BASE), ==, 0x77);
    dev_stop(d);
}

static void test_props_limits(void)
{
    check_limits("wqs=1,ims=1,msix=2,sram=4K,depth=1", 1, 1, 2, 4096, 1);
    check_limits("wqs=256,ims=32768,msix=2048,sram=4K,depth=255",
                 256, 32768, 2048, 4096, 255);
    check_limits("wqs=1,sram=1M", 1, 4096, 16, 1 << 20, 32);
}

/* Save and restore */

static void test_migrate(void)
{
    g_autofree char *file = g_strdup_printf("%s/ims-accel-mig-%d",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    const char *props = "wqs=4,ims=64,msix=8,sram=4K,depth=8";
    Dev *src = dev_start(props);
    Dev *dst;
    Desc fill = { .opcode = IMS_ACCEL_OP_FILL, .len = 32, .dst = 0x80,
                  .pattern = 0x0102030405060708ULL,
                  .flags = IMS_ACCEL_DESC_F_INTERRUPT, .handle = 1 };
    Desc bad = { .opcode = 0x99 };
    g_autofree uint8_t *mem = g_malloc(4 * 4096);
    g_autofree uint8_t *got = g_malloc(4 * 4096);
    uint8_t want[32];
    uint32_t i;
    QDict *rsp;

    msg_clear(src);
    fill_random(mem, 4 * 4096, 42);
    qtest_memwrite(src->qts, src->bar4.addr, mem, 4 * 4096);
    enable_device(src);
    ims_program(src, 11, MSG_SLOT(11), 0x600d0011, false);
    ims_program(src, 20, MSG_SLOT(20), 0x600d0020, true);
    setup_wq(src, 2, IMS_ACCEL_INT_TABLE_IMS, 10, 2);
    setup_wq(src, 3, IMS_ACCEL_INT_TABLE_IMS, 19, 2);
    submit(src, 3, &bad);
    submit(src, 3, &fill);     /* signals entry 20, masked: pending */
    wait_completed(src, 3, 2);
    g_assert_true(ims_pending(src, 20));
    /* Queued, not yet run at the time of the save. */
    submit(src, 2, &fill);
    submit(src, 2, &fill);
    g_assert_cmpuint(rdportal(src, 2, IMS_ACCEL_PORTAL_QUEUED), ==, 2);

    rsp = qtest_qmp(src->qts, "{ 'execute': 'migrate', 'arguments': "
                    "{ 'uri': %s } }", uri);
    g_assert(!qdict_haskey(rsp, "error"));
    qobject_unref(rsp);
    for (i = 0; i < 1000; i++) {
        const char *st;

        rsp = qtest_qmp(src->qts, "{ 'execute': 'query-migrate' }");
        st = qdict_get_try_str(qdict_get_qdict(rsp, "return"), "status");
        if (st && !strcmp(st, "completed")) {
            qobject_unref(rsp);
            break;
        }
        g_assert(!st || strcmp(st, "failed"));
        qobject_unref(rsp);
        g_usleep(10000);
    }
    g_assert_cmpuint(i, <, 1000);
    dev_stop(src);

    dst = g_new0(Dev, 1);
    dst->qts = qtest_initf("-M q35 -nic none "
                           "-device ims-accel,addr=04.0,%s "
                           "-incoming defer", props);
    qtest_qmp_assert_success(dst->qts, "{ 'execute': 'migrate-incoming', "
                             "'arguments': { 'uri': %s } }", uri);
    for (i = 0; i < 1000; i++) {
        bool running;

        rsp = qtest_qmp(dst->qts, "{ 'execute': 'query-status' }");
        running = qdict_get_bool(qdict_get_qdict(rsp, "return"), "running");
        qobject_unref(rsp);
        if (running) {
            break;
        }
        g_usleep(10000);
    }
    g_assert_cmpuint(i, <, 1000);
    unlink(file);
    dst->bus = qpci_new_pc(dst->qts, NULL);
    dst->pdev = qpci_device_find(dst->bus, DEVFN);
    dst->sram = 4096;
    dst->wqs = 4;
    dst->ims = 64;
    /* The BARs come back where the source had them. */
    dst->bar0.addr = qpci_config_readl(dst->pdev, PCI_BASE_ADDRESS_0) & ~0xf;
    dst->bar2.addr = qpci_config_readl(dst->pdev, PCI_BASE_ADDRESS_2) & ~0xf;
    dst->bar4.addr = qpci_config_readl(dst->pdev, PCI_BASE_ADDRESS_4) & ~0xf;

    g_assert_cmphex(rd0(dst, IMS_ACCEL_REG_GEN_STATUS), ==,
                    IMS_ACCEL_GEN_STATUS_ENABLED);
    g_assert_cmpuint(rd0(dst, IMS_ACCEL_REG_ERR_WQ), ==, 3);
    g_assert_cmpuint(rdwq(dst, 3, IMS_ACCEL_WQ_ERRORS), ==, 1);
    g_assert_cmpuint(rdwq(dst, 2, IMS_ACCEL_WQ_INT_BASE), ==, 10);
    g_assert_true(ims_pending(dst, 20));
    /* The queued work runs on the destination and signals entry 11. */
    wait_completed(dst, 2, 2);
    g_assert_cmphex(msg_read(dst, 11), ==, 0x600d0011);
    g_assert_cmphex(msg_read(dst, 20), ==, 0);
    wr0(dst, IMS_ACCEL_IMS_ENTRY(20) + IMS_ACCEL_IMS_CTRL, 0);
    g_assert_cmphex(msg_read(dst, 20), ==, 0x600d0020);
    /* Local memory came along, plus the fills. */
    for (i = 0; i < 32; i++) {
        want[i] = 8 - i % 8;
    }
    memcpy(mem + 2 * 4096 + 0x80, want, 32);
    memcpy(mem + 3 * 4096 + 0x80, want, 32);
    qtest_memread(dst->qts, dst->bar4.addr, got, 4 * 4096);
    g_assert_cmpmem(got, 4 * 4096, mem, 4 * 4096);
    dev_stop(dst);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/ims-accel/identity", test_identity);
    g_test_add_func("/ims-accel/identity-props", test_identity_props);
    g_test_add_func("/ims-accel/reset-values", test_reset_values);
    g_test_add_func("/ims-accel/access-ro", test_access_ro);
    g_test_add_func("/ims-accel/access-rw", test_access_rw);
    g_test_add_func("/ims-accel/op-nop", test_op_nop);
    g_test_add_func("/ims-accel/op-fill", test_op_fill);
    g_test_add_func("/ims-accel/op-copy", test_op_copy);
    g_test_add_func("/ims-accel/op-crc32c", test_op_crc32c);
    g_test_add_func("/ims-accel/async-in-order", test_async_in_order);
    g_test_add_func("/ims-accel/errors", test_errors);
    g_test_add_func("/ims-accel/error-event", test_error_event);
    g_test_add_func("/ims-accel/ims-delivery", test_ims_delivery);
    g_test_add_func("/ims-accel/ims-mask-pending", test_ims_mask_pending);
    g_test_add_func("/ims-accel/msix-delivery", test_msix_delivery);
    g_test_add_func("/ims-accel/handle-isolation", test_handle_isolation);
    g_test_add_func("/ims-accel/queue-full", test_queue_full);
    g_test_add_func("/ims-accel/queue-disabled", test_queue_disabled);
    g_test_add_func("/ims-accel/reset-gen", test_reset_gen);
    g_test_add_func("/ims-accel/reset-wq", test_reset_wq);
    g_test_add_func("/ims-accel/reset-flr", test_reset_flr);
    g_test_add_func("/ims-accel/reset-system", test_reset_system);
    g_test_add_func("/ims-accel/props-invalid", test_props_invalid);
    g_test_add_func("/ims-accel/props-limits", test_props_limits);
    g_test_add_func("/ims-accel/migrate", test_migrate);

    return g_test_run();
}
