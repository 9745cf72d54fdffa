/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VFIO interrupt frontend: one implementation of VFIO_DEVICE_GET_IRQ_INFO
 * and VFIO_DEVICE_SET_IRQS for devices that expose the vfio-pci API.
 */
#ifndef _LINUX_VFIO_IRQS_H
#define _LINUX_VFIO_IRQS_H

#include <linux/irqbypass.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/xarray.h>

/**
 * DOC: VFIO interrupt frontend
 *
 * A driver embeds a &struct vfio_irqs in its device structure, describes the
 * interrupts of its device with &struct vfio_irqs_layout and forwards
 * VFIO_DEVICE_GET_IRQ_INFO and VFIO_DEVICE_SET_IRQS to vfio_irqs_ioctl().
 * The frontend owns the uAPI: validation, eventfds, INTx masking, the unmask
 * eventfd, the ERR and REQ indices, MSI/MSI-X enable, disable and growth.
 *
 * Each MSI/MSI-X (and the INTx) vector is either emulated or backed by a
 * host Linux IRQ; &vfio_irqs_ops.obtain decides per vector when the vector
 * is brought up. The device model raises an emulated vector with
 * vfio_irqs_trigger() and drives the emulated INTx line with
 * vfio_irqs_intx_set_level(). For a host-backed vector the frontend
 * requests the Linux IRQ itself; its hard-IRQ handler signals the vector's
 * eventfd, and an irq bypass producer is registered for it so KVM can post
 * the interrupt.
 *
 * Locking:
 *
 * - @igate (a mutex) serialises every configuration change: SET_IRQS,
 *   vfio_irqs_release(), enabling and disabling an index, creating vectors,
 *   replacing eventfds, masking the host source of MSI/MSI-X vectors and
 *   the irq bypass producers. &vfio_irqs_ops.obtain and
 *   &vfio_irqs_ops.release run under it and may sleep.
 * - @intx_lock (a spinlock, taken irqsave) protects the INTx line level and
 *   mask state and the host masking of a host-backed INTx vector. It is
 *   taken by the device model (any context), by the hard-IRQ handler of a
 *   host-backed INTx vector and by the unmask eventfd's wakeup callback.
 *   &vfio_irqs_ops.mask and &vfio_irqs_ops.unmask may run under it, so
 *   they must not sleep.
 * - RCU protects the eventfd of every vector and the MSI/MSI-X vectors
 *   themselves for the signal path: vfio_irqs_trigger(), the hard-IRQ
 *   handlers and the REQ signal take no lock but rcu_read_lock() (plus
 *   @intx_lock for INTx state) and may run in any context, hard-IRQ
 *   included. Eventfds are never signalled under @intx_lock, so a user may
 *   pass one eventfd as both trigger and unmask eventfd. A replaced
 *   eventfd is put only after a grace period; one SET_IRQS call waits for
 *   at most one grace period whatever its vector count.
 *
 * All members of &struct vfio_irqs are private to the frontend.
 */

struct vfio_irqs;
struct virqfd;

/**
 * struct vfio_irqs_ops - how a driver backs the vectors of its device
 * @obtain: bring up the source of vector @vector of @index
 *	(VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_MSI_IRQ_INDEX or
 *	VFIO_PCI_MSIX_IRQ_INDEX). Return 0 to make the vector emulated, a
 *	Linux IRQ number to back it with that host IRQ, or a negative errno,
 *	which SET_IRQS returns to the user. Called with @igate held; may
 *	sleep. Optional: without it every vector is emulated.
 * @release: undo @obtain for a host-backed vector; the frontend has freed
 *	the Linux IRQ @irq already. Called with @igate held; may sleep.
 *	Optional.
 * @mask: stop the host source @irq of a host-backed vector from
 *	interrupting. Called with @igate or @intx_lock held, or from the
 *	hard-IRQ handler; must not sleep. Optional: the frontend uses
 *	disable_irq_nosync() without it. That lazy disable keeps an interrupt
 *	raised while masked pending in the Linux IRQ itself, and the IRQ
 *	core replays it at the next enable_irq() even after free_irq(); a
 *	driver that hands the same Linux IRQ to a later owner must provide
 *	@mask and @unmask, or give each owner a fresh IRQ as ims_accel does.
 * @unmask: undo @mask. Same context as @mask. Optional: the frontend uses
 *	enable_irq() without it. Provide both @mask and @unmask or neither.
 */
struct vfio_irqs_ops {
	int (*obtain)(struct vfio_irqs *irqs, unsigned int index,
		      unsigned int vector);
	void (*release)(struct vfio_irqs *irqs, unsigned int index,
			unsigned int vector, unsigned int irq);
	void (*mask)(struct vfio_irqs *irqs, unsigned int index,
		     unsigned int vector, unsigned int irq);
	void (*unmask)(struct vfio_irqs *irqs, unsigned int index,
		       unsigned int vector, unsigned int irq);
};

/**
 * struct vfio_irqs_layout - the interrupts a device has
 * @intx: 1 if the device has an INTx pin, else 0
 * @msi: number of MSI vectors (a power of two up to 32), 0 for none
 * @msix: number of MSI-X vectors (up to 2048), 0 for none
 * @err: the device reports errors through the ERR index (vfio-pci offers
 *	it for PCI Express devices)
 *
 * The REQ index always has one vector, as in vfio-pci.
 */
struct vfio_irqs_layout {
	unsigned int intx;
	unsigned int msi;
	unsigned int msix;
	bool err;
};

/**
 * struct vfio_irqs_vector - one vector of one index
 * @trigger: the eventfd signalled when the vector fires, or NULL
 * @irqs: the frontend the vector belongs to
 * @index: VFIO_PCI_*_IRQ_INDEX of the vector
 * @vector: number of the vector within @index
 * @irq: host Linux IRQ backing the vector, 0 if the vector is emulated
 * @drain_cpu: while the host IRQ is freed but not yet released, the CPU
 *	its last messages went to, or -1
 * @host_masked: the host source is masked (host-backed vectors only)
 * @name: name of the host IRQ action
 * @retired: eventfd replaced by the current SET_IRQS, put after a grace
 *	period (without waiting for it)
 * @producer: irq bypass producer of a host-backed vector
 * @bypass: @producer is registered
 * @rcu: frees the vector, and the eventfd it had last, after a grace period
 */
struct vfio_irqs_vector {
	struct eventfd_ctx __rcu *trigger;
	struct vfio_irqs *irqs;
	unsigned int index;
	unsigned int vector;
	unsigned int irq;
	int drain_cpu;
	bool host_masked;
	char *name;
	struct eventfd_ctx *retired;
	struct irq_bypass_producer producer;
	bool bypass;
	struct rcu_head rcu;
};

/**
 * struct vfio_irqs - the interrupt state of one device, embedded in it
 * @ops: the driver's vector operations, may be NULL
 * @dev: the device, for messages and IRQ names
 * @count: number of vectors of each index as GET_IRQ_INFO reports it
 * @igate: serialises configuration, see the DOC comment
 * @active: enabled index (INTx, MSI or MSI-X) or VFIO_PCI_NUM_IRQS for none;
 *	written under @igate, read locklessly
 * @nvec: MSI vectors enabled (MSI only; MSI-X grows on demand)
 * @vectors: MSI/MSI-X vectors by number, RCU-safe to look up
 * @intx: the INTx vector
 * @intx_unmask: the INTx unmask eventfd, if any
 * @intx_lock: protects @intx_line and @intx_masked
 * @intx_line: the emulated INTx line is asserted
 * @intx_masked: INTx is masked (by the user or automatically)
 * @err: the ERR vector
 * @req: the REQ vector
 */
struct vfio_irqs {
	const struct vfio_irqs_ops *ops;
	struct device *dev;
	u32 count[VFIO_PCI_NUM_IRQS];
	struct mutex igate;		/* configuration, see DOC */
	unsigned int active;
	unsigned int nvec;
	struct xarray vectors;
	struct vfio_irqs_vector intx;
	struct virqfd *intx_unmask;
	spinlock_t intx_lock;		/* INTx line and mask state */
	bool intx_line;
	bool intx_masked;
	struct vfio_irqs_vector err;
	struct vfio_irqs_vector req;
};

int vfio_irqs_init(struct vfio_irqs *irqs, struct device *dev,
		   const struct vfio_irqs_ops *ops,
		   const struct vfio_irqs_layout *layout);
void vfio_irqs_exit(struct vfio_irqs *irqs);
void vfio_irqs_release(struct vfio_irqs *irqs);
long vfio_irqs_ioctl(struct vfio_irqs *irqs, unsigned int cmd,
		     unsigned long arg);
bool vfio_irqs_trigger(struct vfio_irqs *irqs, unsigned int index,
		       unsigned int vector);
void vfio_irqs_intx_set_level(struct vfio_irqs *irqs, bool level);
int vfio_irqs_active_index(struct vfio_irqs *irqs);
bool vfio_irqs_request(struct vfio_irqs *irqs, unsigned int count);

#if IS_ENABLED(CONFIG_KUNIT)
int vfio_irqs_set(struct vfio_irqs *irqs, const struct vfio_irq_set *hdr,
		  const void *data);
int vfio_irqs_held_eventfds(void);
#endif

#endif /* _LINUX_VFIO_IRQS_H */
