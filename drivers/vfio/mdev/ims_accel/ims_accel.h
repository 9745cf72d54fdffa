/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ims_accel: mdev parent driver for the ims-accel device, internal API
 * between its three parts: hw.c (the physical function and its interrupt
 * slots), parent.c (the PCI driver, slicing and the mdev types) and
 * instance.c (a mediated instance's vfio-pci API).
 */
#ifndef _IMS_ACCEL_H
#define _IMS_ACCEL_H

#include <linux/mdev.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/vfio_irqs.h>

#include "iav_regs.h"

#define IAV_NAME	"ims_accel"

/**
 * enum iav_backing - what backs the guest vectors 1..m of instances
 * @IAV_BACKING_MSIX: MSI-X vectors 1..msix-1 of the function
 * @IAV_BACKING_IMS: entries of the device's Interrupt Message Store,
 *	through the kernel's PCI/IMS domain
 */
enum iav_backing {
	IAV_BACKING_MSIX,
	IAV_BACKING_IMS,
};

struct iav_pf;

/**
 * struct iav_type - one mdev type of one function
 * @mtype: the mdev core's type; its kobject lives in the function's sysfs
 * @pf: the function the type slices
 * @wqs: queues an instance of the type gets
 * @vectors: host-backed vectors (guest vectors 1..@vectors) it gets
 */
struct iav_type {
	struct mdev_type mtype;
	struct iav_pf *pf;
	unsigned int wqs;
	unsigned int vectors;
};

/**
 * struct iav_pf - the physical function
 * @pdev: the PCI device
 * @ctrl: BAR0 mapping (host control, never reaches a guest)
 * @portals: BAR2 mapping (submission portals)
 * @lmem: BAR4 mapping (local memory)
 * @num_wqs: queues of the device
 * @num_ims: IMS entries of the device
 * @wq_depth: descriptors a queue holds
 * @sram_size: bytes of local memory per queue
 * @msix: MSI-X vectors of the function
 * @msix_dyn: MSI-X slots get their interrupts allocated one by one
 * @backing: what the interrupt slots are
 * @int_table: WQ_INT_TABLE value for @backing
 * @slot_first: first slot that instances may use
 * @nr_slots: slots that instances may use, from @slot_first
 * @event_irq: Linux IRQ of MSI-X vector 0 (device events)
 * @lock: protects @wq_map, @slot_map, @owner and @err_seen
 * @wq_map: queues in use by instances
 * @slot_map: slots in use by instances, bit 0 is @slot_first
 * @owner: the instance owning each queue, for error routing
 * @err_seen: queues whose sticky ERROR was already reported
 * @parent: the mdev parent
 * @types: the function's mdev types
 * @type_list: pointers to @types for mdev_register_parent()
 */
struct iav_pf {
	struct pci_dev *pdev;
	void __iomem *ctrl;
	void __iomem *portals;
	void __iomem *lmem;
	u32 num_wqs;
	u32 num_ims;
	u32 wq_depth;
	u32 sram_size;
	unsigned int msix;
	bool msix_dyn;
	enum iav_backing backing;
	u32 int_table;
	unsigned int slot_first;
	unsigned int nr_slots;
	int event_irq;
	struct mutex lock; /* slicing state, see @lock */
	unsigned long *wq_map;
	unsigned long *slot_map;
	struct iav_instance **owner;
	unsigned long *err_seen;
	struct mdev_parent parent;
	struct iav_type *types;
	struct mdev_type **type_list;
};

/**
 * struct iav_instance - a mediated instance
 * @vdev: the vfio device, first so vfio_alloc_device() can place it
 * @irqs: the interrupt frontend: MSI-X 0 emulated, 1..m host-backed
 * @pf: the function the instance lives on
 * @type: its mdev type
 * @wq_base: first queue of the function the instance owns
 * @nr_wqs: queues it owns, from @wq_base
 * @slot_base: first slot of its block
 * @nr_vectors: slots in its block, backing guest vectors 1..m
 * @lock: protects the emulated state below
 * @cfg: emulated config space
 * @cfg_wmask: writable bits of @cfg
 * @msix_table: the emulated MSI-X table of 1 + m entries
 * @evt_cause: EVT_CAUSE of the control page
 * @evt_mask: EVT_MASK of the control page
 * @err_wq: ERR_WQ of the control page
 * @portal_size: size of BAR2
 * @lmem_size: size of BAR4
 */
struct iav_instance {
	struct vfio_device vdev;
	struct vfio_irqs irqs;
	struct iav_pf *pf;
	struct iav_type *type;
	unsigned int wq_base;
	unsigned int nr_wqs;
	unsigned int slot_base;
	unsigned int nr_vectors;
	struct mutex lock; /* emulated state, see @lock */
	u8 cfg[PCI_CFG_SPACE_SIZE];
	u8 cfg_wmask[PCI_CFG_SPACE_SIZE];
	u32 msix_table[(IAV_MAX_VECTORS + 1) * 4];
	u32 evt_cause;
	u32 evt_mask;
	u32 err_wq;
	u32 portal_size;
	u32 lmem_size;
};

/* hw.c: the physical function */
int iav_hw_init(struct iav_pf *pf);
void iav_hw_exit(struct iav_pf *pf);
int iav_hw_events_init(struct iav_pf *pf);
void iav_hw_events_exit(struct iav_pf *pf);
const char *iav_backing_name(const struct iav_pf *pf);
u32 iav_wq_read(struct iav_pf *pf, unsigned int wq, unsigned int reg);
void iav_wq_write(struct iav_pf *pf, unsigned int wq, unsigned int reg,
		  u32 val);
void iav_wq_bind(struct iav_pf *pf, unsigned int wq, unsigned int slot,
		 unsigned int count);
void iav_wq_quiesce(struct iav_pf *pf, unsigned int wq);
int iav_slot_obtain(struct iav_pf *pf, unsigned int slot);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
void iav_fault_init(void);
void iav_fault_exit(void);
#else
static inline void iav_fault_init(void) { }
static inline void iav_fault_exit(void) { }
#endif
void iav_slot_release(struct iav_pf *pf, unsigned int slot, unsigned int irq);
void iav_slots_scrub(struct iav_pf *pf, unsigned int slot,
		     unsigned int count);
u32 iav_portal_read(struct iav_pf *pf, u64 off);
void iav_portal_write(struct iav_pf *pf, u64 off, u32 val);
phys_addr_t iav_portal_phys(struct iav_pf *pf, unsigned int wq);
phys_addr_t iav_lmem_phys(struct iav_pf *pf, unsigned int wq);

/* parent.c: slicing and the mdev parent */
extern struct mdev_driver iav_mdev_driver;
int iav_slice_alloc(struct iav_instance *inst);
void iav_slice_free(struct iav_instance *inst);

/* instance.c: an instance's vfio-pci API */
int iav_instance_probe(struct mdev_device *mdev);
void iav_instance_remove(struct mdev_device *mdev);
void iav_instance_event(struct iav_instance *inst, unsigned int rel_wq);

#endif /* _IMS_ACCEL_H */
