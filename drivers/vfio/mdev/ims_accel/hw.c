// SPDX-License-Identifier: GPL-2.0-only
/*
 * ims_accel: the physical function. Register access, enable and reset,
 * queue configuration, device events (MSI-X vector 0) and the interrupt
 * slots behind instances: IMS entries through the kernel's PCI/IMS domain
 * where the kernel has one, else the function's own MSI-X vectors.
 */
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/msi.h>
#include <linux/pci.h>

#include <uapi/linux/ims_accel.h>

#include "ims_accel.h"

/* How long a stale interrupt may take to arrive while it drains */
#define IAV_DRAIN_TIMEOUT	HZ

static u32 iav_read(struct iav_pf *pf, unsigned int reg)
{
	return ioread32(pf->ctrl + reg);
}

static void iav_write(struct iav_pf *pf, unsigned int reg, u32 val)
{
	iowrite32(val, pf->ctrl + reg);
}

/**
 * iav_wq_read() - read a configuration register of a queue
 * @pf: the function
 * @wq: the queue
 * @reg: IMS_ACCEL_WQ_* offset
 *
 * Return: the register's value.
 */
u32 iav_wq_read(struct iav_pf *pf, unsigned int wq, unsigned int reg)
{
	return iav_read(pf, IMS_ACCEL_WQ_CFG(wq) + reg);
}

/**
 * iav_wq_write() - write a configuration register of a queue
 * @pf: the function
 * @wq: the queue
 * @reg: IMS_ACCEL_WQ_* offset
 * @val: the value
 */
void iav_wq_write(struct iav_pf *pf, unsigned int wq, unsigned int reg,
		  u32 val)
{
	iav_write(pf, IMS_ACCEL_WQ_CFG(wq) + reg, val);
}

/**
 * iav_wq_quiesce() - stop a queue and forget everything it did
 * @pf: the function
 * @wq: the queue
 *
 * Disables the queue, drops its queued work and zeroes its counters and
 * local memory, so that nothing of one user reaches the next.
 */
void iav_wq_quiesce(struct iav_pf *pf, unsigned int wq)
{
	iav_wq_write(pf, wq, IMS_ACCEL_WQ_CTRL, 0);
	iav_wq_write(pf, wq, IMS_ACCEL_WQ_CTRL, IMS_ACCEL_WQ_CTRL_RESET);
}

/**
 * iav_wq_bind() - give a disabled queue its block of interrupt slots
 * @pf: the function
 * @wq: the queue
 * @slot: first slot of the block
 * @count: slots in the block, 0 for none
 *
 * The device refuses the write while the queue is enabled; the queue is
 * quiesced first.
 */
void iav_wq_bind(struct iav_pf *pf, unsigned int wq, unsigned int slot,
		 unsigned int count)
{
	iav_wq_quiesce(pf, wq);
	iav_wq_write(pf, wq, IMS_ACCEL_WQ_INT_TABLE, pf->int_table);
	iav_wq_write(pf, wq, IMS_ACCEL_WQ_INT_BASE, slot);
	iav_wq_write(pf, wq, IMS_ACCEL_WQ_INT_COUNT, count);
}

/**
 * iav_portal_read() - read a register of the portals (BAR2)
 * @pf: the function
 * @off: offset in BAR2, 4-byte aligned
 *
 * Return: the register's value.
 */
u32 iav_portal_read(struct iav_pf *pf, u64 off)
{
	return ioread32(pf->portals + off);
}

/**
 * iav_portal_write() - write a register of the portals (BAR2)
 * @pf: the function
 * @off: offset in BAR2, 4-byte aligned
 * @val: the value
 */
void iav_portal_write(struct iav_pf *pf, u64 off, u32 val)
{
	iowrite32(val, pf->portals + off);
}

/**
 * iav_portal_phys() - physical address of a queue's portal page
 * @pf: the function
 * @wq: the queue
 *
 * Return: the address.
 */
phys_addr_t iav_portal_phys(struct iav_pf *pf, unsigned int wq)
{
	return pci_resource_start(pf->pdev, IMS_ACCEL_BAR_PORTAL) +
	       (phys_addr_t)wq * IMS_ACCEL_PORTAL_SIZE;
}

/**
 * iav_lmem_phys() - physical address of a queue's local memory window
 * @pf: the function
 * @wq: the queue
 *
 * Return: the address.
 */
phys_addr_t iav_lmem_phys(struct iav_pf *pf, unsigned int wq)
{
	return pci_resource_start(pf->pdev, IMS_ACCEL_BAR_LMEM) +
	       (phys_addr_t)wq * pf->sram_size;
}

/*
 * Interrupt slots
 */

#ifdef HAVE_PCI_IMS
static struct iav_pf *iav_ims_pf(struct irq_data *d)
{
	struct msi_desc *desc = irq_data_get_msi_desc(d);

	return pci_get_drvdata(to_pci_dev(desc->dev));
}

static unsigned int iav_ims_entry(struct irq_data *d)
{
	return IMS_ACCEL_IMS_ENTRY(irq_data_get_msi_desc(d)->msi_index);
}

static void iav_ims_mask(struct irq_data *d)
{
	struct iav_pf *pf = iav_ims_pf(d);
	unsigned int entry = iav_ims_entry(d);

	iav_write(pf, entry + IMS_ACCEL_IMS_CTRL, IMS_ACCEL_IMS_CTRL_MASK);
	/* Flush the posted write: the entry is masked on return. */
	iav_read(pf, entry + IMS_ACCEL_IMS_CTRL);
}

static void iav_ims_unmask(struct irq_data *d)
{
	struct iav_pf *pf = iav_ims_pf(d);

	iav_write(pf, iav_ims_entry(d) + IMS_ACCEL_IMS_CTRL, 0);
}

static void iav_ims_write_msg(struct irq_data *d, struct msi_msg *msg)
{
	struct iav_pf *pf = iav_ims_pf(d);
	unsigned int entry = iav_ims_entry(d);

	iav_write(pf, entry + IMS_ACCEL_IMS_ADDR_LO, msg->address_lo);
	iav_write(pf, entry + IMS_ACCEL_IMS_ADDR_HI, msg->address_hi);
	iav_write(pf, entry + IMS_ACCEL_IMS_DATA, msg->data);
}

static const struct msi_domain_template iav_ims_template = {
	.chip = {
		.name			= "ims-accel",
		.irq_mask		= iav_ims_mask,
		.irq_unmask		= iav_ims_unmask,
		.irq_write_msi_msg	= iav_ims_write_msg,
		.flags			= IRQCHIP_ONESHOT_SAFE,
	},
	.info = {
		.flags		= MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS |
				  MSI_FLAG_FREE_MSI_DESCS,
		.bus_token	= DOMAIN_BUS_PCI_DEVICE_IMS,
	},
};

static int iav_ims_init(struct iav_pf *pf)
{
	return pci_create_ims_domain(pf->pdev, &iav_ims_template,
				     pf->num_ims, NULL);
}

static int iav_ims_obtain(struct iav_pf *pf, unsigned int slot)
{
	struct msi_map map = pci_ims_alloc_irq_at(pf->pdev, slot, NULL, NULL);

	return map.index < 0 ? map.index : map.virq;
}

static void iav_ims_release(struct iav_pf *pf, unsigned int slot,
			    unsigned int irq)
{
	struct msi_map map = { .index = slot, .virq = irq };

	pci_ims_free_irq(pf->pdev, map);
}
#else
static int iav_ims_init(struct iav_pf *pf)
{
	return -EOPNOTSUPP;
}

static int iav_ims_obtain(struct iav_pf *pf, unsigned int slot)
{
	return -EOPNOTSUPP;
}

static void iav_ims_release(struct iav_pf *pf, unsigned int slot,
			    unsigned int irq)
{
}
#endif /* HAVE_PCI_IMS */

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static DECLARE_FAULT_ATTR(iav_slot_fault);
static struct dentry *iav_slot_fault_dir;

/**
 * iav_fault_init() - let tests fail slot allocations
 *
 * debugfs fail_ims_accel_slot is a fault attribute like failslab's: the
 * slot allocations it fails return -ENOSPC, as a host out of CPU vectors
 * or remapping entries does. A task's fail-nth counts it, which it could
 * not with fail_function, whose int3 kprobe runs as an NMI on x86.
 */
void iav_fault_init(void)
{
	iav_slot_fault_dir = fault_create_debugfs_attr("fail_ims_accel_slot",
						       NULL, &iav_slot_fault);
}

/**
 * iav_fault_exit() - undo iav_fault_init()
 */
void iav_fault_exit(void)
{
	debugfs_remove_recursive(iav_slot_fault_dir);
}

static bool iav_slot_should_fail(void)
{
	return should_fail(&iav_slot_fault, 1);
}
#else
static bool iav_slot_should_fail(void)
{
	return false;
}
#endif

/**
 * iav_backing_name() - name of the slot backing for the admin
 * @pf: the function
 *
 * Return: "ims" or "msix".
 */
const char *iav_backing_name(const struct iav_pf *pf)
{
	return pf->backing == IAV_BACKING_IMS ? "ims" : "msix";
}

/**
 * iav_slot_obtain() - the Linux IRQ of an interrupt slot
 * @pf: the function
 * @slot: the slot (an IMS entry or an MSI-X vector of the function)
 *
 * The slot gets a Linux interrupt of its own, allocated here and freed by
 * iav_slot_release(), so that nothing of the interrupt's state (a
 * replay pending in software, say) outlives one owner of the slot. Only
 * where the MSI-X domain cannot allocate vectors one by one do MSI-X
 * slots keep the interrupts allocated at probe.
 *
 * Fails where the host runs out of what a slot needs (CPU vectors,
 * remapping entries), which tests make it do (iav_fault_init()).
 *
 * Context: process context, may sleep.
 * Return: the IRQ number, or a negative errno.
 */
int iav_slot_obtain(struct iav_pf *pf, unsigned int slot)
{
	struct msi_map map;

	if (iav_slot_should_fail())
		return -ENOSPC;
	if (pf->backing == IAV_BACKING_IMS)
		return iav_ims_obtain(pf, slot);
	if (!pf->msix_dyn)
		return pci_irq_vector(pf->pdev, slot);
	map = pci_msix_alloc_irq_at(pf->pdev, slot, NULL);
	return map.index < 0 ? map.index : map.virq;
}

/**
 * iav_slot_release() - undo iav_slot_obtain()
 * @pf: the function
 * @slot: the slot
 * @irq: the IRQ iav_slot_obtain() returned, no longer requested
 *
 * Context: process context, may sleep.
 */
void iav_slot_release(struct iav_pf *pf, unsigned int slot, unsigned int irq)
{
	struct msi_map map = { .index = slot, .virq = irq };

	if (pf->backing == IAV_BACKING_IMS)
		iav_ims_release(pf, slot, irq);
	else if (pf->msix_dyn)
		pci_msix_free_irq(pf->pdev, map);
}

static bool iav_slot_pending(struct iav_pf *pf, unsigned int slot)
{
	unsigned int reg = pf->backing == IAV_BACKING_IMS ?
			   IMS_ACCEL_IMS_PENDING : IMS_ACCEL_MSIX_PBA;

	return iav_read(pf, reg + slot / 32 * 4) & BIT(slot % 32);
}

static irqreturn_t iav_drain_handler(int irq, void *data)
{
	complete(data);
	return IRQ_HANDLED;
}

/*
 * A slot that fired while masked keeps a pending message, which its next
 * owner would receive when it unmasks the slot. Let it go now, to a
 * handler that swallows it, and wait until it did: a message still on
 * its way to a CPU when the interrupt is freed could reach the next
 * owner of the same CPU vector.
 */
static void iav_slot_drain(struct iav_pf *pf, unsigned int slot)
{
	DECLARE_COMPLETION_ONSTACK(drained);
	unsigned long left = 0;
	int irq;

	irq = iav_slot_obtain(pf, slot);
	if (irq <= 0)
		goto err_warn;
	if (request_irq(irq, iav_drain_handler, 0, IAV_NAME "-drain",
			&drained))
		goto err_release;
	left = wait_for_completion_timeout(&drained, IAV_DRAIN_TIMEOUT);
	free_irq(irq, &drained);
err_release:
	iav_slot_release(pf, slot, irq);
	if (left)
		return;
err_warn:
	pci_warn(pf->pdev, "slot %u: a stale interrupt could not be drained\n",
		 slot);
}

/**
 * iav_slots_scrub() - make a block of slots fit for its next owner
 * @pf: the function
 * @slot: first slot of the block
 * @count: slots in the block
 *
 * Its queues must be quiesced and its interrupts released already.
 *
 * Context: process context, may sleep.
 */
void iav_slots_scrub(struct iav_pf *pf, unsigned int slot, unsigned int count)
{
	unsigned int i;

	for (i = slot; i < slot + count; i++)
		if (iav_slot_pending(pf, i))
			iav_slot_drain(pf, i);
}

/*
 * Device events
 */

/* Tell the owner of @wq about its error, once per sticky ERROR. */
static void iav_event_wq(struct iav_pf *pf, unsigned int wq, bool last)
{
	struct iav_instance *inst;

	lockdep_assert_held(&pf->lock);

	inst = pf->owner[wq];
	if (!inst)
		return;
	if (!(iav_wq_read(pf, wq, IMS_ACCEL_WQ_STATUS) &
	      IMS_ACCEL_WQ_STATUS_ERROR))
		return;
	/*
	 * ERR_WQ names the queue of the event just raised; any other queue
	 * is reported only when its ERROR is new, since ERR_WQ keeps only
	 * the last of several errors.
	 */
	if (test_and_set_bit(wq, pf->err_seen) && !last)
		return;
	iav_instance_event(inst, wq - inst->wq_base);
}

static irqreturn_t iav_event_thread(int irq, void *data)
{
	struct iav_pf *pf = data;
	unsigned int last, wq;
	u32 cause;

	cause = iav_read(pf, IMS_ACCEL_REG_EVT_CAUSE);
	if (!(cause & IMS_ACCEL_EVT_WQ_ERROR))
		return IRQ_NONE;
	/* Acknowledge first: an error after the scan raises a new event. */
	iav_write(pf, IMS_ACCEL_REG_EVT_CAUSE, IMS_ACCEL_EVT_WQ_ERROR);
	last = iav_read(pf, IMS_ACCEL_REG_ERR_WQ);

	mutex_lock(&pf->lock);
	if (last < pf->num_wqs)
		iav_event_wq(pf, last, true);
	for_each_set_bit(wq, pf->wq_map, pf->num_wqs)
		if (wq != last)
			iav_event_wq(pf, wq, false);
	mutex_unlock(&pf->lock);
	return IRQ_HANDLED;
}

/**
 * iav_hw_events_init() - take device events on MSI-X vector 0
 * @pf: the function, initialised by iav_hw_init()
 *
 * Return: 0 or a negative errno.
 */
int iav_hw_events_init(struct iav_pf *pf)
{
	int ret;

	pf->event_irq = pci_irq_vector(pf->pdev, IMS_ACCEL_MSIX_VEC_EVENT);
	if (pf->event_irq < 0)
		return pf->event_irq;
	ret = request_threaded_irq(pf->event_irq, NULL, iav_event_thread,
				   IRQF_ONESHOT, IAV_NAME "-event", pf);
	if (ret)
		return ret;
	iav_write(pf, IMS_ACCEL_REG_EVT_MASK, 0);
	return 0;
}

/**
 * iav_hw_events_exit() - undo iav_hw_events_init()
 * @pf: the function
 */
void iav_hw_events_exit(struct iav_pf *pf)
{
	iav_write(pf, IMS_ACCEL_REG_EVT_MASK, IMS_ACCEL_EVT_WQ_ERROR);
	free_irq(pf->event_irq, pf);
}

/*
 * Enable and reset
 */

static int iav_hw_identify(struct iav_pf *pf)
{
	struct pci_dev *pdev = pf->pdev;
	u32 id = iav_read(pf, IMS_ACCEL_REG_ID);
	u32 version = iav_read(pf, IMS_ACCEL_REG_VERSION);

	if (id != IMS_ACCEL_ID_MAGIC || version >> 16 != IMS_ACCEL_VERSION_1 >> 16) {
		pci_err(pdev, "not an ims-accel v1 (id %#x version %#x)\n",
			id, version);
		return -ENODEV;
	}
	pf->num_wqs = iav_read(pf, IMS_ACCEL_REG_NUM_WQS);
	pf->num_ims = iav_read(pf, IMS_ACCEL_REG_NUM_IMS);
	pf->wq_depth = iav_read(pf, IMS_ACCEL_REG_WQ_DEPTH);
	pf->sram_size = iav_read(pf, IMS_ACCEL_REG_SRAM_SIZE);
	if (!pf->num_wqs || pf->num_wqs > IMS_ACCEL_WQS_MAX ||
	    pf->num_ims > IMS_ACCEL_IMS_MAX ||
	    pf->sram_size < IMS_ACCEL_SRAM_MIN ||
	    !is_power_of_2(pf->sram_size) ||
	    pci_resource_len(pdev, IMS_ACCEL_BAR_PORTAL) <
	    (resource_size_t)pf->num_wqs * IMS_ACCEL_PORTAL_SIZE ||
	    pci_resource_len(pdev, IMS_ACCEL_BAR_LMEM) <
	    (resource_size_t)pf->num_wqs * pf->sram_size) {
		pci_err(pdev, "inconsistent geometry\n");
		return -ENODEV;
	}
	return 0;
}

/*
 * Vector 0 carries events. The slots are IMS entries when the kernel can
 * give the device an IMS domain, else MSI-X vectors 1..msix-1. The IMS
 * domain is tried with MSI-X enabled, as a driver of the device uses both.
 */
static int iav_hw_irqs_init(struct iav_pf *pf)
{
	struct pci_dev *pdev = pf->pdev;
	int nvec = pci_msix_vec_count(pdev);
	int ret;

	if (nvec < 2)
		return nvec < 0 ? nvec : -ENODEV;

	if (pf->num_ims) {
		ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
		if (ret < 0)
			return ret;
		ret = iav_ims_init(pf);
		if (!ret) {
			pf->backing = IAV_BACKING_IMS;
			pf->int_table = IMS_ACCEL_INT_TABLE_IMS;
			pf->slot_first = 0;
			pf->nr_slots = pf->num_ims;
			pf->msix = 1;
			return 0;
		}
		if (ret != -EOPNOTSUPP)
			pci_info(pdev, "no IMS domain (%d)\n", ret);
		pci_free_irq_vectors(pdev);
	}

	/* Vector 0 now, slots on demand where the domain can do that. */
	pf->msix_dyn = pci_msix_can_alloc_dyn(pdev);
	ret = pf->msix_dyn ? 1 : nvec;
	ret = pci_alloc_irq_vectors(pdev, ret, ret, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	pf->backing = IAV_BACKING_MSIX;
	pf->int_table = IMS_ACCEL_INT_TABLE_MSIX;
	pf->slot_first = 1;
	pf->nr_slots = nvec - 1;
	pf->msix = nvec;
	pci_info(pdev, "MSI-X slots %s\n", pf->msix_dyn ?
		 "allocated on demand" : "allocated at probe");
	return 0;
}

static void iav_hw_irqs_exit(struct iav_pf *pf)
{
#ifdef HAVE_PCI_IMS
	if (pf->backing == IAV_BACKING_IMS)
		pci_remove_ims_domain(pf->pdev);
#endif
	pci_free_irq_vectors(pf->pdev);
}

/**
 * iav_hw_init() - map, identify, reset and enable the function
 * @pf: the function, with @pdev set and the PCI device enabled
 *
 * Chooses the slot backing: IMS when the kernel has PCI/IMS and the
 * device's MSI parent domain supports it, else MSI-X.
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno.
 */
int iav_hw_init(struct iav_pf *pf)
{
	struct pci_dev *pdev = pf->pdev;
	int ret;

	pf->ctrl = pcim_iomap(pdev, IMS_ACCEL_BAR_CTRL, IMS_ACCEL_BAR0_SIZE);
	pf->portals = pcim_iomap(pdev, IMS_ACCEL_BAR_PORTAL, 0);
	pf->lmem = pcim_iomap(pdev, IMS_ACCEL_BAR_LMEM, 0);
	if (!pf->ctrl || !pf->portals || !pf->lmem)
		return -ENOMEM;

	ret = iav_hw_identify(pf);
	if (ret)
		return ret;

	iav_write(pf, IMS_ACCEL_REG_GEN_CTRL, IMS_ACCEL_GEN_CTRL_RESET);
	ret = iav_hw_irqs_init(pf);
	if (ret)
		return ret;
	pci_set_master(pdev);
	iav_write(pf, IMS_ACCEL_REG_GEN_CTRL, IMS_ACCEL_GEN_CTRL_ENABLE);
	if (!(iav_read(pf, IMS_ACCEL_REG_GEN_STATUS) &
	      IMS_ACCEL_GEN_STATUS_ENABLED)) {
		ret = -EIO;
		goto err_free_vectors;
	}
	return 0;

err_free_vectors:
	iav_hw_irqs_exit(pf);
	return ret;
}

/**
 * iav_hw_exit() - disable and reset the function, undo iav_hw_init()
 * @pf: the function, with no instance left
 *
 * Context: process context, may sleep.
 */
void iav_hw_exit(struct iav_pf *pf)
{
	iav_write(pf, IMS_ACCEL_REG_GEN_CTRL, IMS_ACCEL_GEN_CTRL_RESET);
	pci_clear_master(pf->pdev);
	iav_hw_irqs_exit(pf);
}
