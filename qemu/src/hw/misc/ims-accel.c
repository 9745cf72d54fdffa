/*
 * ims-accel: a PCI Express accelerator with an Interrupt Message Store
 *
 * The device has many work queues, an interrupt store far larger than its
 * MSI-X table, per-queue interrupt permission, and a 4 KiB submission page
 * per queue, so that a host driver can slice it into mediated devices.
 * Documentation/misc-devices/ims-accel.rst in the mdev-ims project
 * describes the programming interface.
 *
 * Copyright (c) 2026 The mdev-ims authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/units.h"
#include "qemu/bswap.h"
#include "qemu/crc32c.h"
#include "qemu/host-utils.h"
#include "qemu/timer.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "standard-headers/linux/ims_accel.h"

#define TYPE_IMS_ACCEL "ims-accel"
OBJECT_DECLARE_SIMPLE_TYPE(IMSAccelState, IMS_ACCEL)

/* Virtual time between a doorbell and the engine picking the work up. */
#define IMS_ACCEL_LATENCY_NS    1000

#define IMS_ACCEL_PCIE_CAP      0x80

typedef struct IMSAccelWQ {
    uint32_t ctrl;          /* only WQ_CTRL.ENABLE is stored */
    bool error;
    uint32_t int_base;
    uint32_t int_count;
    uint32_t int_table;
    uint32_t completed;
    uint32_t errors;
    uint8_t desc[IMS_ACCEL_DESC_SIZE];  /* the portal's staging area */
    uint32_t head;          /* oldest queued descriptor in @ring */
    uint32_t queued;
    uint32_t ring_size;     /* bytes of @ring: depth descriptors */
    uint8_t *ring;
} IMSAccelWQ;

typedef struct IMSAccelIMSEntry {
    uint32_t addr_lo;
    uint32_t addr_hi;
    uint32_t data;
    uint32_t ctrl;
} IMSAccelIMSEntry;

struct IMSAccelState {
    PCIDevice parent_obj;

    MemoryRegion bar0;      /* control registers, MSI-X, IMS */
    MemoryRegion bar2;      /* portals */
    MemoryRegion bar4;      /* container for @lmem, power-of-two sized */
    MemoryRegion lmem;      /* local memory, NUM_WQS x SRAM_SIZE */
    uint8_t *lmem_ptr;
    QEMUTimer engine;

    /* properties */
    uint32_t num_wqs;
    uint32_t num_ims;
    uint32_t num_msix;
    uint32_t sram_size;
    uint32_t depth;

    uint32_t gen_ctrl;
    uint32_t evt_cause;
    uint32_t evt_mask;
    uint32_t err_wq;
    IMSAccelWQ *wqs;
    IMSAccelIMSEntry *ims;
    uint32_t *ims_pending;
    uint32_t ims_pending_words;
};

/* Interrupt delivery */

static void ims_accel_ims_send(IMSAccelState *s, uint32_t i)
{
    IMSAccelIMSEntry *e = &s->ims[i];
    MSIMessage msg = {
        .address = ((uint64_t)e->addr_hi << 32) | e->addr_lo,
        .data = e->data,
    };

    /*
     * Same path as an MSI-X vector: a write through the bus-master
     * address space tagged with our requester ID, so that interrupt
     * remapping checks the source exactly as it does for MSI-X.
     */
    msi_send_message(PCI_DEVICE(s), msg);
}

static bool ims_accel_ims_pending(IMSAccelState *s, uint32_t i)
{
    return s->ims_pending[i / 32] & (1U << (i % 32));
}

static void ims_accel_ims_signal(IMSAccelState *s, uint32_t i)
{
    if (s->ims[i].ctrl & IMS_ACCEL_IMS_CTRL_MASK) {
        s->ims_pending[i / 32] |= 1U << (i % 32);
        return;
    }
    ims_accel_ims_send(s, i);
}

static void ims_accel_event(IMSAccelState *s, uint32_t cause)
{
    s->evt_cause |= cause;
    if (!(s->evt_mask & cause)) {
        msix_notify(PCI_DEVICE(s), IMS_ACCEL_MSIX_VEC_EVENT);
    }
}

/*
 * The slot a descriptor's int_handle names, or false when the queue may
 * not signal it. This check is the isolation between instances.
 */
static bool ims_accel_wq_slot(IMSAccelState *s, IMSAccelWQ *wq,
                              uint16_t handle, uint32_t *slot)
{
    uint64_t n = wq->int_table == IMS_ACCEL_INT_TABLE_MSIX ?
                 s->num_msix : s->num_ims;
    uint64_t abs = (uint64_t)wq->int_base + handle;

    if (handle >= wq->int_count || abs >= n) {
        return false;
    }
    *slot = abs;
    return true;
}

static void ims_accel_wq_signal(IMSAccelState *s, IMSAccelWQ *wq,
                                uint32_t slot)
{
    if (wq->int_table == IMS_ACCEL_INT_TABLE_MSIX) {
        msix_notify(PCI_DEVICE(s), slot);
    } else {
        ims_accel_ims_signal(s, slot);
    }
}

/* Queue and device state */

static uint8_t *ims_accel_wq_lmem(IMSAccelState *s, uint32_t n)
{
    return s->lmem_ptr + (uint64_t)n * s->sram_size;
}

static void ims_accel_wq_reset(IMSAccelState *s, uint32_t n)
{
    IMSAccelWQ *wq = &s->wqs[n];

    wq->error = false;
    wq->completed = 0;
    wq->errors = 0;
    wq->head = 0;
    wq->queued = 0;
    memset(wq->desc, 0, sizeof(wq->desc));
    memset(wq->ring, 0, wq->ring_size);
    memset(ims_accel_wq_lmem(s, n), 0, s->sram_size);
    memory_region_set_dirty(&s->lmem, (uint64_t)n * s->sram_size,
                            s->sram_size);
}

/* Everything behind BAR0 and the local memory back to power-on values. */
static void ims_accel_reset_state(IMSAccelState *s)
{
    uint32_t i;

    timer_del(&s->engine);
    s->gen_ctrl = 0;
    s->evt_cause = 0;
    s->evt_mask = IMS_ACCEL_EVT_WQ_ERROR;
    s->err_wq = 0;
    for (i = 0; i < s->num_wqs; i++) {
        IMSAccelWQ *wq = &s->wqs[i];

        wq->ctrl = 0;
        wq->int_base = 0;
        wq->int_count = 0;
        wq->int_table = IMS_ACCEL_INT_TABLE_IMS;
        ims_accel_wq_reset(s, i);
    }
    for (i = 0; i < s->num_ims; i++) {
        s->ims[i] = (IMSAccelIMSEntry) { .ctrl = IMS_ACCEL_IMS_CTRL_MASK };
    }
    memset(s->ims_pending, 0, s->ims_pending_words * sizeof(uint32_t));
}

static bool ims_accel_wq_accepts(IMSAccelState *s, IMSAccelWQ *wq)
{
    return (s->gen_ctrl & IMS_ACCEL_GEN_CTRL_ENABLE) &&
           (wq->ctrl & IMS_ACCEL_WQ_CTRL_ENABLE);
}

static void ims_accel_engine_kick(IMSAccelState *s)
{
    if (!timer_pending(&s->engine)) {
        timer_mod(&s->engine, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                  IMS_ACCEL_LATENCY_NS);
    }
}

/* Descriptor engine */

typedef struct IMSAccelDesc {
    uint8_t opcode;
    uint8_t flags;
    uint16_t int_handle;
    uint32_t seq;
    uint64_t pattern;
    uint32_t src;
    uint32_t dst;
    uint32_t len;
    uint32_t comp;
    bool rsvd_zero;
} IMSAccelDesc;

static void ims_accel_desc_decode(const uint8_t *raw, IMSAccelDesc *d)
{
    int i;

    d->opcode = raw[IMS_ACCEL_DESC_OPCODE];
    d->flags = raw[IMS_ACCEL_DESC_FLAGS];
    d->int_handle = lduw_le_p(raw + IMS_ACCEL_DESC_INT_HANDLE);
    d->seq = ldl_le_p(raw + IMS_ACCEL_DESC_SEQ);
    d->pattern = ldq_le_p(raw + IMS_ACCEL_DESC_PATTERN);
    d->src = ldl_le_p(raw + IMS_ACCEL_DESC_SRC);
    d->dst = ldl_le_p(raw + IMS_ACCEL_DESC_DST);
    d->len = ldl_le_p(raw + IMS_ACCEL_DESC_LEN);
    d->comp = ldl_le_p(raw + IMS_ACCEL_DESC_COMP);
    d->rsvd_zero = true;
    for (i = 0; i < IMS_ACCEL_DESC_RSVD_SIZE; i++) {
        if (raw[IMS_ACCEL_DESC_RSVD + i]) {
            d->rsvd_zero = false;
        }
    }
}

static bool ims_accel_in_window(IMSAccelState *s, uint32_t off, uint32_t len)
{
    return (uint64_t)off + len <= s->sram_size;
}

/* The status a descriptor completes with if it runs, checked up front. */
static uint8_t ims_accel_desc_check(IMSAccelState *s, IMSAccelWQ *wq,
                                    const IMSAccelDesc *d)
{
    uint32_t slot;

    if (d->opcode > IMS_ACCEL_OP_CRC32C) {
        return IMS_ACCEL_STATUS_BAD_OPCODE;
    }
    if (!d->rsvd_zero) {
        return IMS_ACCEL_STATUS_RSVD_NONZERO;
    }
    if ((d->flags & IMS_ACCEL_DESC_F_INTERRUPT) &&
        !ims_accel_wq_slot(s, wq, d->int_handle, &slot)) {
        return IMS_ACCEL_STATUS_BAD_HANDLE;
    }
    if ((d->flags & IMS_ACCEL_DESC_F_RECORD) &&
        ((d->comp % IMS_ACCEL_COMP_ALIGN) ||
         !ims_accel_in_window(s, d->comp, IMS_ACCEL_COMP_SIZE))) {
        return IMS_ACCEL_STATUS_BAD_RANGE;
    }
    switch (d->opcode) {
    case IMS_ACCEL_OP_FILL:
        if (!ims_accel_in_window(s, d->dst, d->len)) {
            return IMS_ACCEL_STATUS_BAD_RANGE;
        }
        break;
    case IMS_ACCEL_OP_COPY:
        if (!ims_accel_in_window(s, d->src, d->len) ||
            !ims_accel_in_window(s, d->dst, d->len)) {
            return IMS_ACCEL_STATUS_BAD_RANGE;
        }
        if (d->len && d->src < d->dst + d->len && d->dst < d->src + d->len) {
            return IMS_ACCEL_STATUS_OVERLAP;
        }
        break;
    case IMS_ACCEL_OP_CRC32C:
        if (!ims_accel_in_window(s, d->src, d->len)) {
            return IMS_ACCEL_STATUS_BAD_RANGE;
        }
        break;
    }
    return IMS_ACCEL_STATUS_SUCCESS;
}

/* Do the work of a checked descriptor; returns bytes processed. */
static uint32_t ims_accel_desc_work(IMSAccelState *s, uint32_t n,
                                    const IMSAccelDesc *d, uint32_t *result)
{
    uint8_t *win = ims_accel_wq_lmem(s, n);
    uint64_t base = (uint64_t)n * s->sram_size;
    uint8_t pat[8];
    uint32_t i;

    *result = 0;
    switch (d->opcode) {
    case IMS_ACCEL_OP_FILL:
        stq_le_p(pat, d->pattern);
        for (i = 0; i < d->len; i++) {
            win[d->dst + i] = pat[i % 8];
        }
        memory_region_set_dirty(&s->lmem, base + d->dst, d->len);
        return d->len;
    case IMS_ACCEL_OP_COPY:
        memcpy(win + d->dst, win + d->src, d->len);
        memory_region_set_dirty(&s->lmem, base + d->dst, d->len);
        return d->len;
    case IMS_ACCEL_OP_CRC32C:
        /* QEMU's crc32c() applies the final inversion itself. */
        *result = crc32c(0xffffffff, win + d->src, d->len);
        return d->len;
    default:
        return 0;
    }
}

static void ims_accel_desc_record(IMSAccelState *s, uint32_t n,
                                  const IMSAccelDesc *d, uint8_t status,
                                  uint32_t result, uint32_t bytes)
{
    uint8_t *rec = ims_accel_wq_lmem(s, n) + d->comp;

    rec[IMS_ACCEL_COMP_STATUS] = status;
    rec[IMS_ACCEL_COMP_OPCODE] = d->opcode;
    stw_le_p(rec + 2, 0);
    stl_le_p(rec + IMS_ACCEL_COMP_SEQ, d->seq);
    stl_le_p(rec + IMS_ACCEL_COMP_RESULT, result);
    stl_le_p(rec + IMS_ACCEL_COMP_BYTES, bytes);
    memory_region_set_dirty(&s->lmem, (uint64_t)n * s->sram_size + d->comp,
                            IMS_ACCEL_COMP_SIZE);
}

/*
 * Run one descriptor of queue @n, in the contract's order: work, record,
 * counters, then the completion interrupt.
 */
static void ims_accel_desc_run(IMSAccelState *s, uint32_t n,
                               const uint8_t *raw)
{
    IMSAccelWQ *wq = &s->wqs[n];
    IMSAccelDesc d;
    uint32_t result = 0, bytes = 0, slot;
    uint8_t status;

    ims_accel_desc_decode(raw, &d);
    status = ims_accel_desc_check(s, wq, &d);
    if (status == IMS_ACCEL_STATUS_SUCCESS) {
        bytes = ims_accel_desc_work(s, n, &d, &result);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR, "ims-accel: wq %u: descriptor seq %u "
                      "failed with status 0x%02x\n", n, d.seq, status);
    }
    if ((d.flags & IMS_ACCEL_DESC_F_RECORD) &&
        (d.comp % IMS_ACCEL_COMP_ALIGN) == 0 &&
        ims_accel_in_window(s, d.comp, IMS_ACCEL_COMP_SIZE)) {
        ims_accel_desc_record(s, n, &d, status, result, bytes);
    }

    wq->completed++;
    if (status != IMS_ACCEL_STATUS_SUCCESS) {
        wq->errors++;
        wq->error = true;
        s->err_wq = n;
        ims_accel_event(s, IMS_ACCEL_EVT_WQ_ERROR);
    }

    if ((d.flags & IMS_ACCEL_DESC_F_INTERRUPT) &&
        ims_accel_wq_slot(s, wq, d.int_handle, &slot)) {
        ims_accel_wq_signal(s, wq, slot);
    }
}

static void ims_accel_engine_run(void *opaque)
{
    IMSAccelState *s = opaque;
    bool more = false;
    uint32_t n;

    for (n = 0; n < s->num_wqs; n++) {
        IMSAccelWQ *wq = &s->wqs[n];
        /*
         * Only what was queued when we started: an interrupt message can
         * be aimed at a doorbell, and must not keep us here forever.
         */
        uint32_t budget = wq->queued;
        uint8_t raw[IMS_ACCEL_DESC_SIZE];

        while (budget-- && wq->queued && ims_accel_wq_accepts(s, wq)) {
            memcpy(raw, wq->ring + wq->head * IMS_ACCEL_DESC_SIZE,
                   IMS_ACCEL_DESC_SIZE);
            wq->head = (wq->head + 1) % s->depth;
            wq->queued--;
            ims_accel_desc_run(s, n, raw);
        }
        if (wq->queued && ims_accel_wq_accepts(s, wq)) {
            more = true;
        }
    }
    if (more) {
        ims_accel_engine_kick(s);
    }
}

static void ims_accel_doorbell(IMSAccelState *s, uint32_t n)
{
    IMSAccelWQ *wq = &s->wqs[n];
    uint32_t tail;

    if (!ims_accel_wq_accepts(s, wq) || wq->queued >= s->depth) {
        qemu_log_mask(LOG_GUEST_ERROR, "ims-accel: wq %u: doorbell dropped "
                      "(%s)\n", n, wq->queued >= s->depth ? "full" :
                      "disabled");
        wq->errors++;
        return;
    }
    tail = (wq->head + wq->queued) % s->depth;
    memcpy(wq->ring + tail * IMS_ACCEL_DESC_SIZE, wq->desc,
           IMS_ACCEL_DESC_SIZE);
    wq->queued++;
    ims_accel_engine_kick(s);
}

/* BAR0: control registers, queue configuration, IMS */

static uint32_t ims_accel_wq_status(IMSAccelWQ *wq)
{
    return (wq->ctrl & IMS_ACCEL_WQ_CTRL_ENABLE ?
            IMS_ACCEL_WQ_STATUS_ENABLED : 0) |
           (wq->error ? IMS_ACCEL_WQ_STATUS_ERROR : 0) |
           (wq->queued << IMS_ACCEL_WQ_STATUS_QUEUED_SHIFT);
}

static uint64_t ims_accel_wq_cfg_read(IMSAccelWQ *wq, hwaddr reg)
{
    switch (reg) {
    case IMS_ACCEL_WQ_CTRL:
        return wq->ctrl;
    case IMS_ACCEL_WQ_STATUS:
        return ims_accel_wq_status(wq);
    case IMS_ACCEL_WQ_INT_BASE:
        return wq->int_base;
    case IMS_ACCEL_WQ_INT_COUNT:
        return wq->int_count;
    case IMS_ACCEL_WQ_INT_TABLE:
        return wq->int_table;
    case IMS_ACCEL_WQ_COMPLETED:
        return wq->completed;
    case IMS_ACCEL_WQ_ERRORS:
        return wq->errors;
    default:
        return 0;
    }
}

static void ims_accel_wq_cfg_write(IMSAccelState *s, uint32_t n, hwaddr reg,
                                   uint32_t val)
{
    IMSAccelWQ *wq = &s->wqs[n];
    bool enabled = wq->ctrl & IMS_ACCEL_WQ_CTRL_ENABLE;

    switch (reg) {
    case IMS_ACCEL_WQ_CTRL:
        if (val & IMS_ACCEL_WQ_CTRL_RESET) {
            ims_accel_wq_reset(s, n);
        }
        if (enabled && !(val & IMS_ACCEL_WQ_CTRL_ENABLE)) {
            /* A disabled queue keeps nothing that could run later. */
            wq->head = 0;
            wq->queued = 0;
        }
        wq->ctrl = val & IMS_ACCEL_WQ_CTRL_ENABLE;
        return;
    case IMS_ACCEL_WQ_INT_BASE:
    case IMS_ACCEL_WQ_INT_COUNT:
    case IMS_ACCEL_WQ_INT_TABLE:
        if (enabled) {
            qemu_log_mask(LOG_GUEST_ERROR, "ims-accel: wq %u: interrupt "
                          "range written while enabled\n", n);
            return;
        }
        if (reg == IMS_ACCEL_WQ_INT_BASE) {
            wq->int_base = val;
        } else if (reg == IMS_ACCEL_WQ_INT_COUNT) {
            wq->int_count = val;
        } else {
            wq->int_table = val & IMS_ACCEL_INT_TABLE_MSIX;
        }
        return;
    default:
        return;
    }
}

static uint64_t ims_accel_ims_read(IMSAccelState *s, uint32_t i, hwaddr reg)
{
    IMSAccelIMSEntry *e = &s->ims[i];

    switch (reg) {
    case IMS_ACCEL_IMS_ADDR_LO:
        return e->addr_lo;
    case IMS_ACCEL_IMS_ADDR_HI:
        return e->addr_hi;
    case IMS_ACCEL_IMS_DATA:
        return e->data;
    default:
        return e->ctrl;
    }
}

static void ims_accel_ims_write(IMSAccelState *s, uint32_t i, hwaddr reg,
                                uint32_t val)
{
    IMSAccelIMSEntry *e = &s->ims[i];

    switch (reg) {
    case IMS_ACCEL_IMS_ADDR_LO:
        e->addr_lo = val;
        break;
    case IMS_ACCEL_IMS_ADDR_HI:
        e->addr_hi = val;
        break;
    case IMS_ACCEL_IMS_DATA:
        e->data = val;
        break;
    default:
        e->ctrl = val & IMS_ACCEL_IMS_CTRL_MASK;
        if (!(e->ctrl & IMS_ACCEL_IMS_CTRL_MASK) &&
            ims_accel_ims_pending(s, i)) {
            s->ims_pending[i / 32] &= ~(1U << (i % 32));
            ims_accel_ims_send(s, i);
        }
        break;
    }
}

static uint64_t ims_accel_bar0_read(void *opaque, hwaddr addr, unsigned size)
{
    IMSAccelState *s = opaque;
    hwaddr wq_end = IMS_ACCEL_WQ_CFG(s->num_wqs);
    hwaddr ims_end = IMS_ACCEL_IMS_ENTRY((hwaddr)s->num_ims);
    hwaddr pend_end = IMS_ACCEL_IMS_PENDING + 4 * s->ims_pending_words;

    switch (addr) {
    case IMS_ACCEL_REG_ID:
        return IMS_ACCEL_ID_MAGIC;
    case IMS_ACCEL_REG_VERSION:
        return IMS_ACCEL_VERSION_1;
    case IMS_ACCEL_REG_NUM_WQS:
        return s->num_wqs;
    case IMS_ACCEL_REG_NUM_IMS:
        return s->num_ims;
    case IMS_ACCEL_REG_WQ_DEPTH:
        return s->depth;
    case IMS_ACCEL_REG_SRAM_SIZE:
        return s->sram_size;
    case IMS_ACCEL_REG_GEN_CTRL:
        return s->gen_ctrl;
    case IMS_ACCEL_REG_GEN_STATUS:
        return s->gen_ctrl & IMS_ACCEL_GEN_CTRL_ENABLE ?
               IMS_ACCEL_GEN_STATUS_ENABLED : 0;
    case IMS_ACCEL_REG_EVT_CAUSE:
        return s->evt_cause;
    case IMS_ACCEL_REG_EVT_MASK:
        return s->evt_mask;
    case IMS_ACCEL_REG_ERR_WQ:
        return s->err_wq;
    }

    if (addr >= IMS_ACCEL_WQ_CFG_BASE && addr < wq_end) {
        hwaddr off = addr - IMS_ACCEL_WQ_CFG_BASE;

        return ims_accel_wq_cfg_read(&s->wqs[off / IMS_ACCEL_WQ_CFG_STRIDE],
                                     off % IMS_ACCEL_WQ_CFG_STRIDE);
    }
    if (addr >= IMS_ACCEL_IMS_BASE && addr < ims_end) {
        hwaddr off = addr - IMS_ACCEL_IMS_BASE;

        return ims_accel_ims_read(s, off / IMS_ACCEL_IMS_STRIDE,
                                  off % IMS_ACCEL_IMS_STRIDE);
    }
    if (addr >= IMS_ACCEL_IMS_PENDING && addr < pend_end) {
        return s->ims_pending[(addr - IMS_ACCEL_IMS_PENDING) / 4];
    }
    return 0;
}

static void ims_accel_gen_ctrl_write(IMSAccelState *s, uint32_t val)
{
    if (val & IMS_ACCEL_GEN_CTRL_RESET) {
        ims_accel_reset_state(s);
    }
    s->gen_ctrl = val & IMS_ACCEL_GEN_CTRL_ENABLE;
    if (s->gen_ctrl & IMS_ACCEL_GEN_CTRL_ENABLE) {
        /* Work queued before the device was disabled resumes. */
        ims_accel_engine_kick(s);
    }
}

static void ims_accel_evt_mask_write(IMSAccelState *s, uint32_t val)
{
    uint32_t unmasked = s->evt_mask & ~val;

    s->evt_mask = val & IMS_ACCEL_EVT_WQ_ERROR;
    /* An event that arrived while masked is raised once on unmask. */
    if (s->evt_cause & unmasked) {
        msix_notify(PCI_DEVICE(s), IMS_ACCEL_MSIX_VEC_EVENT);
    }
}

static void ims_accel_bar0_write(void *opaque, hwaddr addr, uint64_t val,
                                 unsigned size)
{
    IMSAccelState *s = opaque;
    hwaddr wq_end = IMS_ACCEL_WQ_CFG(s->num_wqs);
    hwaddr ims_end = IMS_ACCEL_IMS_ENTRY((hwaddr)s->num_ims);

    switch (addr) {
    case IMS_ACCEL_REG_GEN_CTRL:
        ims_accel_gen_ctrl_write(s, val);
        return;
    case IMS_ACCEL_REG_EVT_CAUSE:
        s->evt_cause &= ~val;
        return;
    case IMS_ACCEL_REG_EVT_MASK:
        ims_accel_evt_mask_write(s, val);
        return;
    }

    if (addr >= IMS_ACCEL_WQ_CFG_BASE && addr < wq_end) {
        hwaddr off = addr - IMS_ACCEL_WQ_CFG_BASE;

        ims_accel_wq_cfg_write(s, off / IMS_ACCEL_WQ_CFG_STRIDE,
                               off % IMS_ACCEL_WQ_CFG_STRIDE, val);
        return;
    }
    if (addr >= IMS_ACCEL_IMS_BASE && addr < ims_end) {
        hwaddr off = addr - IMS_ACCEL_IMS_BASE;

        ims_accel_ims_write(s, off / IMS_ACCEL_IMS_STRIDE,
                            off % IMS_ACCEL_IMS_STRIDE, val);
    }
}

static const MemoryRegionOps ims_accel_bar0_ops = {
    .read = ims_accel_bar0_read,
    .write = ims_accel_bar0_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* 8-byte accesses are split into two registers, low one first. */
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

/* BAR2: one submission portal page per queue */

static uint64_t ims_accel_portal_read(void *opaque, hwaddr addr,
                                      unsigned size)
{
    IMSAccelState *s = opaque;
    uint32_t n = addr / IMS_ACCEL_PORTAL_SIZE;
    hwaddr reg = addr % IMS_ACCEL_PORTAL_SIZE;
    IMSAccelWQ *wq;

    if (n >= s->num_wqs) {
        return 0;
    }
    wq = &s->wqs[n];
    if (reg < IMS_ACCEL_PORTAL_DESC + IMS_ACCEL_DESC_SIZE) {
        return ldl_le_p(wq->desc + reg);
    }
    switch (reg) {
    case IMS_ACCEL_PORTAL_QUEUED:
        return wq->queued;
    case IMS_ACCEL_PORTAL_COMPLETED:
        return wq->completed;
    case IMS_ACCEL_PORTAL_ERRORS:
        return wq->errors;
    default:
        return 0;
    }
}

static void ims_accel_portal_write(void *opaque, hwaddr addr, uint64_t val,
                                   unsigned size)
{
    IMSAccelState *s = opaque;
    uint32_t n = addr / IMS_ACCEL_PORTAL_SIZE;
    hwaddr reg = addr % IMS_ACCEL_PORTAL_SIZE;

    if (n >= s->num_wqs) {
        return;
    }
    if (reg < IMS_ACCEL_PORTAL_DESC + IMS_ACCEL_DESC_SIZE) {
        stl_le_p(s->wqs[n].desc + reg, val);
    } else if (reg == IMS_ACCEL_PORTAL_DOORBELL) {
        ims_accel_doorbell(s, n);
    }
}

static const MemoryRegionOps ims_accel_portal_ops = {
    .read = ims_accel_portal_read,
    .write = ims_accel_portal_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

/* Device life cycle */

static bool ims_accel_check_range(const char *name, uint64_t val,
                                  uint64_t min, uint64_t max, Error **errp)
{
    if (val < min || val > max) {
        error_setg(errp, "ims-accel: property '%s' is %" PRIu64
                   ", must be between %" PRIu64 " and %" PRIu64,
                   name, val, min, max);
        return false;
    }
    return true;
}

static bool ims_accel_check_props(IMSAccelState *s, Error **errp)
{
    if (!ims_accel_check_range("wqs", s->num_wqs, IMS_ACCEL_WQS_MIN,
                               IMS_ACCEL_WQS_MAX, errp) ||
        !ims_accel_check_range("ims", s->num_ims, IMS_ACCEL_IMS_MIN,
                               IMS_ACCEL_IMS_MAX, errp) ||
        !ims_accel_check_range("msix", s->num_msix, IMS_ACCEL_MSIX_MIN,
                               IMS_ACCEL_MSIX_MAX, errp) ||
        !ims_accel_check_range("sram", s->sram_size, IMS_ACCEL_SRAM_MIN,
                               IMS_ACCEL_SRAM_MAX, errp) ||
        !ims_accel_check_range("depth", s->depth, IMS_ACCEL_DEPTH_MIN,
                               IMS_ACCEL_DEPTH_MAX, errp)) {
        return false;
    }
    if (!is_power_of_2(s->sram_size)) {
        error_setg(errp, "ims-accel: property 'sram' is %" PRIu32
                   ", must be a power of two", s->sram_size);
        return false;
    }
    return true;
}

static void ims_accel_free_state(IMSAccelState *s)
{
    uint32_t i;

    if (s->wqs) {
        for (i = 0; i < s->num_wqs; i++) {
            g_free(s->wqs[i].ring);
        }
    }
    g_free(s->wqs);
    g_free(s->ims);
    g_free(s->ims_pending);
    s->wqs = NULL;
    s->ims = NULL;
    s->ims_pending = NULL;
}

static void ims_accel_alloc_state(IMSAccelState *s)
{
    uint32_t i;

    s->wqs = g_new0(IMSAccelWQ, s->num_wqs);
    for (i = 0; i < s->num_wqs; i++) {
        s->wqs[i].ring_size = s->depth * IMS_ACCEL_DESC_SIZE;
        s->wqs[i].ring = g_malloc0(s->wqs[i].ring_size);
    }
    s->ims = g_new0(IMSAccelIMSEntry, s->num_ims);
    s->ims_pending_words = DIV_ROUND_UP(s->num_ims, 32);
    s->ims_pending = g_new0(uint32_t, s->ims_pending_words);
}

static void ims_accel_realize(PCIDevice *pdev, Error **errp)
{
    IMSAccelState *s = IMS_ACCEL(pdev);
    uint64_t lmem_size;
    uint32_t i;

    if (!ims_accel_check_props(s, errp)) {
        return;
    }
    lmem_size = (uint64_t)s->num_wqs * s->sram_size;

    pdev->config[PCI_INTERRUPT_PIN] = 0;
    ims_accel_alloc_state(s);

    memory_region_init_io(&s->bar0, OBJECT(s), &ims_accel_bar0_ops, s,
                          "ims-accel-ctrl", IMS_ACCEL_BAR0_SIZE);
    /* PCI wants power-of-two BARs; pages past the last queue are empty. */
    memory_region_init_io(&s->bar2, OBJECT(s), &ims_accel_portal_ops, s,
                          "ims-accel-portals",
                          pow2ceil((uint64_t)s->num_wqs *
                                   IMS_ACCEL_PORTAL_SIZE));
    memory_region_init(&s->bar4, OBJECT(s), "ims-accel-lmem-bar",
                       pow2ceil(lmem_size));
    if (!memory_region_init_ram(&s->lmem, OBJECT(s), "ims-accel-lmem",
                                lmem_size, errp)) {
        goto err_free_state;
    }
    s->lmem_ptr = memory_region_get_ram_ptr(&s->lmem);
    memory_region_add_subregion(&s->bar4, 0, &s->lmem);

    pci_register_bar(pdev, IMS_ACCEL_BAR_CTRL, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar0);
    pci_register_bar(pdev, IMS_ACCEL_BAR_PORTAL,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar2);
    pci_register_bar(pdev, IMS_ACCEL_BAR_LMEM, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &s->bar4);

    if (pci_is_express(pdev)) {
        if (pcie_endpoint_cap_init(pdev, IMS_ACCEL_PCIE_CAP) < 0) {
            error_setg(errp, "ims-accel: cannot add the PCIe capability");
            goto err_free_state;
        }
        pcie_cap_flr_init(pdev);
    }
    if (msix_init(pdev, s->num_msix, &s->bar0, IMS_ACCEL_BAR_CTRL,
                  IMS_ACCEL_MSIX_TABLE, &s->bar0, IMS_ACCEL_BAR_CTRL,
                  IMS_ACCEL_MSIX_PBA, 0, errp)) {
        goto err_pcie_cap;
    }
    for (i = 0; i < s->num_msix; i++) {
        msix_vector_use(pdev, i);
    }

    timer_init_ns(&s->engine, QEMU_CLOCK_VIRTUAL, ims_accel_engine_run, s);
    ims_accel_reset_state(s);
    return;

err_pcie_cap:
    if (pci_is_express(pdev)) {
        pcie_cap_exit(pdev);
    }
err_free_state:
    ims_accel_free_state(s);
}

static void ims_accel_exit(PCIDevice *pdev)
{
    IMSAccelState *s = IMS_ACCEL(pdev);

    timer_del(&s->engine);
    msix_uninit(pdev, &s->bar0, &s->bar0);
    if (pci_is_express(pdev)) {
        pcie_cap_exit(pdev);
    }
    ims_accel_free_state(s);
}

/* Power-on, system reset and function level reset. */
static void ims_accel_reset_hold(Object *obj, ResetType type)
{
    ims_accel_reset_state(IMS_ACCEL(obj));
}

static void ims_accel_write_config(PCIDevice *pdev, uint32_t addr,
                                   uint32_t val, int len)
{
    pci_default_write_config(pdev, addr, val, len);
    if (pci_is_express(pdev)) {
        pcie_cap_flr_write_config(pdev, addr, val, len);
    }
}

/* Migration */

static int ims_accel_post_load(void *opaque, int version_id)
{
    IMSAccelState *s = opaque;
    bool busy = false;
    uint32_t i;

    if (s->err_wq >= s->num_wqs) {
        return -EINVAL;
    }
    for (i = 0; i < s->num_wqs; i++) {
        IMSAccelWQ *wq = &s->wqs[i];

        if (wq->head >= s->depth || wq->queued > s->depth ||
            wq->int_table > IMS_ACCEL_INT_TABLE_MSIX) {
            return -EINVAL;
        }
        busy |= wq->queued && ims_accel_wq_accepts(s, wq);
    }
    if (busy) {
        ims_accel_engine_kick(s);
    }
    return 0;
}

static const VMStateDescription vmstate_ims_accel_wq = {
    .name = "ims-accel/wq",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, IMSAccelWQ),
        VMSTATE_BOOL(error, IMSAccelWQ),
        VMSTATE_UINT32(int_base, IMSAccelWQ),
        VMSTATE_UINT32(int_count, IMSAccelWQ),
        VMSTATE_UINT32(int_table, IMSAccelWQ),
        VMSTATE_UINT32(completed, IMSAccelWQ),
        VMSTATE_UINT32(errors, IMSAccelWQ),
        VMSTATE_UINT8_ARRAY(desc, IMSAccelWQ, IMS_ACCEL_DESC_SIZE),
        VMSTATE_UINT32(head, IMSAccelWQ),
        VMSTATE_UINT32(queued, IMSAccelWQ),
        VMSTATE_VBUFFER_UINT32(ring, IMSAccelWQ, 1, NULL, ring_size),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_ims_accel_ims_entry = {
    .name = "ims-accel/ims-entry",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(addr_lo, IMSAccelIMSEntry),
        VMSTATE_UINT32(addr_hi, IMSAccelIMSEntry),
        VMSTATE_UINT32(data, IMSAccelIMSEntry),
        VMSTATE_UINT32(ctrl, IMSAccelIMSEntry),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_ims_accel = {
    .name = TYPE_IMS_ACCEL,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = ims_accel_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, IMSAccelState),
        VMSTATE_MSIX(parent_obj, IMSAccelState),
        VMSTATE_UINT32_EQUAL(num_wqs, IMSAccelState, NULL),
        VMSTATE_UINT32_EQUAL(num_ims, IMSAccelState, NULL),
        VMSTATE_UINT32_EQUAL(num_msix, IMSAccelState, NULL),
        VMSTATE_UINT32_EQUAL(sram_size, IMSAccelState, NULL),
        VMSTATE_UINT32_EQUAL(depth, IMSAccelState, NULL),
        VMSTATE_UINT32(gen_ctrl, IMSAccelState),
        VMSTATE_UINT32(evt_cause, IMSAccelState),
        VMSTATE_UINT32(evt_mask, IMSAccelState),
        VMSTATE_UINT32(err_wq, IMSAccelState),
        VMSTATE_STRUCT_VARRAY_POINTER_UINT32(wqs, IMSAccelState, num_wqs,
                                             vmstate_ims_accel_wq,
                                             IMSAccelWQ),
        VMSTATE_STRUCT_VARRAY_POINTER_UINT32(ims, IMSAccelState, num_ims,
                                             vmstate_ims_accel_ims_entry,
                                             IMSAccelIMSEntry),
        VMSTATE_VARRAY_UINT32(ims_pending, IMSAccelState, ims_pending_words,
                              1, vmstate_info_uint32, uint32_t),
        VMSTATE_END_OF_LIST()
    },
};

static const Property ims_accel_properties[] = {
    DEFINE_PROP_UINT32("wqs", IMSAccelState, num_wqs,
                       IMS_ACCEL_WQS_DEFAULT),
    DEFINE_PROP_UINT32("ims", IMSAccelState, num_ims,
                       IMS_ACCEL_IMS_DEFAULT),
    DEFINE_PROP_UINT32("msix", IMSAccelState, num_msix,
                       IMS_ACCEL_MSIX_DEFAULT),
    DEFINE_PROP_SIZE32("sram", IMSAccelState, sram_size,
                       IMS_ACCEL_SRAM_DEFAULT),
    DEFINE_PROP_UINT32("depth", IMSAccelState, depth,
                       IMS_ACCEL_DEPTH_DEFAULT),
};

static void ims_accel_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = ims_accel_realize;
    k->exit = ims_accel_exit;
    k->config_write = ims_accel_write_config;
    k->vendor_id = IMS_ACCEL_VENDOR_ID;
    k->device_id = IMS_ACCEL_DEVICE_ID;
    k->revision = 1;
    k->class_id = IMS_ACCEL_CLASS >> 8;
    rc->phases.hold = ims_accel_reset_hold;
    dc->desc = "Accelerator with an Interrupt Message Store (mdev-ims)";
    dc->vmsd = &vmstate_ims_accel;
    device_class_set_props(dc, ims_accel_properties);
    object_class_property_set_description(klass, "wqs",
        "work queues (1..256)");
    object_class_property_set_description(klass, "ims",
        "Interrupt Message Store entries (1..32768)");
    object_class_property_set_description(klass, "msix",
        "MSI-X vectors (2..2048)");
    object_class_property_set_description(klass, "sram",
        "local memory per queue, a power of two (4K..1M)");
    object_class_property_set_description(klass, "depth",
        "descriptors a queue holds (1..255)");
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo ims_accel_info = {
    .name          = TYPE_IMS_ACCEL,
    .parent        = TYPE_PCI_DEVICE,
    .instance_size = sizeof(IMSAccelState),
    .class_init    = ims_accel_class_init,
    .interfaces    = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void ims_accel_register_types(void)
{
    type_register_static(&ims_accel_info);
}

type_init(ims_accel_register_types)
