// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VFIO interrupt frontend: VFIO_DEVICE_GET_IRQ_INFO and
 * VFIO_DEVICE_SET_IRQS for every device that exposes the vfio-pci API, with
 * emulated and host-IRQ-backed vectors side by side.
 */

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqbypass.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vfio_irqs.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#define VFIO_IRQS_NONE	VFIO_PCI_NUM_IRQS

/* eventfd references held by all instances, shown in debugfs for tests */
static atomic_t vfio_irqs_held = ATOMIC_INIT(0);
static struct dentry *vfio_irqs_debugfs;

static const char * const vfio_irqs_index_names[VFIO_PCI_NUM_IRQS] = {
	[VFIO_PCI_INTX_IRQ_INDEX] = "intx",
	[VFIO_PCI_MSI_IRQ_INDEX] = "msi",
	[VFIO_PCI_MSIX_IRQ_INDEX] = "msix",
	[VFIO_PCI_ERR_IRQ_INDEX] = "err",
	[VFIO_PCI_REQ_IRQ_INDEX] = "req",
};

static bool vfio_irqs_signal(struct vfio_irqs_vector *v)
{
	struct eventfd_ctx *trigger;
	bool signalled = false;

	rcu_read_lock();
	trigger = rcu_dereference(v->trigger);
	if (trigger) {
		eventfd_signal(trigger);
		signalled = true;
	}
	rcu_read_unlock();
	return signalled;
}

/* Host source masking; for INTx under intx_lock, else under igate. */
static void vfio_irqs_host_mask(struct vfio_irqs_vector *v)
{
	const struct vfio_irqs_ops *ops = v->irqs->ops;

	if (v->host_masked)
		return;
	if (ops->mask)
		ops->mask(v->irqs, v->index, v->vector, v->irq);
	else
		disable_irq_nosync(v->irq);
	v->host_masked = true;
}

static void vfio_irqs_host_unmask(struct vfio_irqs_vector *v)
{
	const struct vfio_irqs_ops *ops = v->irqs->ops;

	if (!v->host_masked)
		return;
	if (ops->unmask)
		ops->unmask(v->irqs, v->index, v->vector, v->irq);
	else
		enable_irq(v->irq);
	v->host_masked = false;
}

#if IS_ENABLED(CONFIG_IRQ_BYPASS_MANAGER)
static void vfio_irqs_bypass_add(struct vfio_irqs_vector *v,
				 struct eventfd_ctx *trigger)
{
	int ret;

	v->producer.token = trigger;
	v->producer.irq = v->irq;
	ret = irq_bypass_register_producer(&v->producer);
	if (ret) {
		/* Only posting is lost; the handler still signals. */
		dev_dbg(v->irqs->dev, "%s: no irq bypass producer: %d\n",
			v->name, ret);
		v->producer.token = NULL;
		return;
	}
	v->bypass = true;
}

static void vfio_irqs_bypass_del(struct vfio_irqs_vector *v)
{
	if (!v->bypass)
		return;
	irq_bypass_unregister_producer(&v->producer);
	v->producer.token = NULL;
	v->bypass = false;
}
#else
static void vfio_irqs_bypass_add(struct vfio_irqs_vector *v,
				 struct eventfd_ctx *trigger)
{
}

static void vfio_irqs_bypass_del(struct vfio_irqs_vector *v)
{
}
#endif

/*
 * Install @trigger (may be NULL) in @v. The old eventfd moves to
 * v->retired and must be put with vfio_irqs_put_retired() after a grace
 * period. A host-backed MSI/MSI-X vector is masked at its source while it
 * has no eventfd.
 */
static void vfio_irqs_swap(struct vfio_irqs_vector *v,
			   struct eventfd_ctx *trigger)
{
	struct vfio_irqs *irqs = v->irqs;
	struct eventfd_ctx *old;
	bool msi = v->index == VFIO_PCI_MSI_IRQ_INDEX ||
		   v->index == VFIO_PCI_MSIX_IRQ_INDEX;

	lockdep_assert_held(&irqs->igate);

	if (v->irq && msi)
		vfio_irqs_bypass_del(v);
	old = rcu_replace_pointer(v->trigger, trigger,
				  lockdep_is_held(&irqs->igate));
	if (trigger)
		atomic_inc(&vfio_irqs_held);
	WARN_ON_ONCE(v->retired);
	v->retired = old;
	if (v->irq && msi) {
		if (trigger) {
			vfio_irqs_bypass_add(v, trigger);
			vfio_irqs_host_unmask(v);
		} else {
			vfio_irqs_host_mask(v);
		}
	}
}

/* An eventfd put once the signal paths that may still see it are done. */
struct vfio_irqs_retired {
	struct rcu_head rcu;
	struct eventfd_ctx *trigger;
};

static void vfio_irqs_retired_put(struct rcu_head *rcu)
{
	struct vfio_irqs_retired *r = container_of(rcu, typeof(*r), rcu);

	eventfd_ctx_put(r->trigger);
	atomic_dec(&vfio_irqs_held);
	kfree(r);
}

/*
 * Put the eventfd vfio_irqs_swap() retired after a grace period, without
 * waiting for it: SET_IRQS is on a VMM's path each time a guest enables or
 * masks a vector, and a grace period costs milliseconds.
 */
static void vfio_irqs_put_retired(struct vfio_irqs_vector *v)
{
	struct vfio_irqs_retired *r;

	if (!v->retired)
		return;
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (r) {
		r->trigger = v->retired;
		call_rcu(&r->rcu, vfio_irqs_retired_put);
	} else {
		synchronize_rcu();
		eventfd_ctx_put(v->retired);
		atomic_dec(&vfio_irqs_held);
	}
	v->retired = NULL;
}

/* Replace the eventfd of a single vector (INTx, ERR, REQ) and retire. */
static void vfio_irqs_replace(struct vfio_irqs_vector *v,
			      struct eventfd_ctx *trigger)
{
	vfio_irqs_swap(v, trigger);
	vfio_irqs_put_retired(v);
}

static irqreturn_t vfio_irqs_msi_handler(int irq, void *dev_id)
{
	struct vfio_irqs_vector *v = dev_id;

	vfio_irqs_signal(v);
	return IRQ_HANDLED;
}

static irqreturn_t vfio_irqs_intx_handler(int irq, void *dev_id)
{
	struct vfio_irqs_vector *v = dev_id;
	struct vfio_irqs *irqs = v->irqs;

	spin_lock(&irqs->intx_lock);
	if (irqs->intx_masked) {
		spin_unlock(&irqs->intx_lock);
		return IRQ_NONE;
	}
	vfio_irqs_host_mask(v);
	irqs->intx_masked = true;
	spin_unlock(&irqs->intx_lock);

	vfio_irqs_signal(v);
	return IRQ_HANDLED;
}

static int vfio_irqs_host_request(struct vfio_irqs_vector *v)
{
	struct vfio_irqs *irqs = v->irqs;
	unsigned long flags = 0;
	irq_handler_t handler;
	int ret;

	v->name = kasprintf(GFP_KERNEL_ACCOUNT, "vfio-irqs-%s[%u](%s)",
			    vfio_irqs_index_names[v->index], v->vector,
			    dev_name(irqs->dev));
	if (!v->name)
		return -ENOMEM;

	/* A host-backed vector starts masked until it has an eventfd. */
	if (irqs->ops->mask)
		irqs->ops->mask(irqs, v->index, v->vector, v->irq);
	else
		flags = IRQF_NO_AUTOEN;
	v->host_masked = true;

	handler = v->index == VFIO_PCI_INTX_IRQ_INDEX ?
		  vfio_irqs_intx_handler : vfio_irqs_msi_handler;
	ret = request_irq(v->irq, handler, flags, v->name, v);
	if (ret) {
		kfree(v->name);
		v->name = NULL;
	}
	return ret;
}

/* Bring up vector @vector of @index: emulated or host-backed. */
static int vfio_irqs_vector_setup(struct vfio_irqs *irqs,
				  struct vfio_irqs_vector *v,
				  unsigned int index, unsigned int vector)
{
	const struct vfio_irqs_ops *ops = irqs->ops;
	int irq = 0;
	int ret;

	lockdep_assert_held(&irqs->igate);

	v->irqs = irqs;
	v->index = index;
	v->vector = vector;
	v->irq = 0;
	RCU_INIT_POINTER(v->trigger, NULL);

	if (ops && ops->obtain) {
		irq = ops->obtain(irqs, index, vector);
		if (irq < 0)
			return irq;
	}
	if (!irq)
		return 0;

	v->irq = irq;
	ret = vfio_irqs_host_request(v);
	if (ret)
		goto err_release;
	return 0;

err_release:
	if (ops->release)
		ops->release(irqs, index, vector, irq);
	v->irq = 0;
	return ret;
}

/*
 * First half of undoing vfio_irqs_vector_setup(), for a vector with no
 * eventfd left: free the host IRQ, which masks its source, noting in
 * @drain_cpu the CPU its messages went to. vfio_irqs_vector_release()
 * gives the source back once that CPU is drained.
 */
static void vfio_irqs_vector_quiesce(struct vfio_irqs_vector *v)
{
	const struct cpumask *mask;

	lockdep_assert_held(&v->irqs->igate);
	WARN_ON_ONCE(rcu_access_pointer(v->trigger));

	v->drain_cpu = -1;
	/* v->name is set while the IRQ is requested. */
	if (!v->irq || !v->name)
		return;
	mask = irq_get_effective_affinity_mask(v->irq);
	if (mask)
		v->drain_cpu = cpumask_first(mask);
	vfio_irqs_bypass_del(v);
	free_irq(v->irq, v);
	kfree(v->name);
	v->name = NULL;
}

static long vfio_irqs_cpu_drained(void *unused)
{
	return 0;
}

/*
 * free_irq() masked the source, but a message it sent just before may
 * still wait in the local APIC of the CPU it targets, untaken while that
 * CPU runs with interrupts off (or, in a VM, is not running at all). Taken
 * after ->release gave the IRQ's vector away, it would reach the vector's
 * next owner, or a descriptor with no handler ("unexpected IRQ trap"). A
 * CPU that has run a work item has had interrupts on since, so each such
 * message has been taken while its vector still belonged to the freed IRQ,
 * which drops it.
 */
static void vfio_irqs_drain_cpu(int cpu)
{
	if (cpu >= 0 && cpu < nr_cpu_ids)
		work_on_cpu_safe(cpu, vfio_irqs_cpu_drained, NULL);
}

/* Second half: the driver's source goes back to it. */
static void vfio_irqs_vector_release(struct vfio_irqs_vector *v)
{
	struct vfio_irqs *irqs = v->irqs;
	unsigned int irq = v->irq;

	if (!irq)
		return;
	v->irq = 0;
	if (irqs->ops->release)
		irqs->ops->release(irqs, v->index, v->vector, irq);
}

/* Undo vfio_irqs_vector_setup(); the vector has no eventfd left. */
static void vfio_irqs_vector_teardown(struct vfio_irqs_vector *v)
{
	vfio_irqs_vector_quiesce(v);
	vfio_irqs_drain_cpu(v->drain_cpu);
	vfio_irqs_vector_release(v);
}

/*
 * INTx
 */

/* Returns true if the line is still asserted and must be signalled again. */
static bool vfio_irqs_intx_unmask_locked(struct vfio_irqs *irqs)
{
	bool resend = false;
	unsigned long flags;

	spin_lock_irqsave(&irqs->intx_lock, flags);
	if (READ_ONCE(irqs->active) == VFIO_PCI_INTX_IRQ_INDEX &&
	    irqs->intx_masked) {
		if (irqs->intx.irq) {
			vfio_irqs_host_unmask(&irqs->intx);
			irqs->intx_masked = false;
		} else if (irqs->intx_line) {
			/* Level semantics: deliver again, stay masked. */
			resend = true;
		} else {
			irqs->intx_masked = false;
		}
	}
	spin_unlock_irqrestore(&irqs->intx_lock, flags);
	return resend;
}

static void vfio_irqs_intx_unmask(struct vfio_irqs *irqs)
{
	if (vfio_irqs_intx_unmask_locked(irqs))
		vfio_irqs_signal(&irqs->intx);
}

static void vfio_irqs_intx_mask(struct vfio_irqs *irqs)
{
	unsigned long flags;

	spin_lock_irqsave(&irqs->intx_lock, flags);
	if (!irqs->intx_masked) {
		irqs->intx_masked = true;
		if (irqs->intx.irq)
			vfio_irqs_host_mask(&irqs->intx);
	}
	spin_unlock_irqrestore(&irqs->intx_lock, flags);
}

/* virqfd callbacks of the unmask eventfd; @opaque is the vfio_irqs. */
static int vfio_irqs_unmask_handler(void *opaque, void *data)
{
	return vfio_irqs_intx_unmask_locked(opaque);
}

static void vfio_irqs_unmask_thread(void *opaque, void *data)
{
	struct vfio_irqs *irqs = opaque;

	vfio_irqs_signal(&irqs->intx);
}

static int vfio_irqs_intx_enable(struct vfio_irqs *irqs,
				 struct eventfd_ctx *trigger)
{
	struct vfio_irqs_vector *v = &irqs->intx;
	bool fire = false;
	unsigned long flags;
	int ret;

	ret = vfio_irqs_vector_setup(irqs, v, VFIO_PCI_INTX_IRQ_INDEX, 0);
	if (ret)
		return ret;

	vfio_irqs_swap(v, trigger);
	spin_lock_irqsave(&irqs->intx_lock, flags);
	irqs->intx_masked = false;
	WRITE_ONCE(irqs->active, VFIO_PCI_INTX_IRQ_INDEX);
	if (v->irq) {
		vfio_irqs_host_unmask(v);
	} else if (irqs->intx_line) {
		irqs->intx_masked = true;
		fire = true;
	}
	spin_unlock_irqrestore(&irqs->intx_lock, flags);

	if (fire)
		vfio_irqs_signal(v);
	return 0;
}

static void vfio_irqs_intx_disable(struct vfio_irqs *irqs)
{
	struct vfio_irqs_vector *v = &irqs->intx;
	unsigned long flags;

	vfio_virqfd_disable(&irqs->intx_unmask);

	spin_lock_irqsave(&irqs->intx_lock, flags);
	WRITE_ONCE(irqs->active, VFIO_IRQS_NONE);
	irqs->intx_masked = false;
	spin_unlock_irqrestore(&irqs->intx_lock, flags);

	vfio_irqs_replace(v, NULL);
	vfio_irqs_vector_teardown(v);
}

static int vfio_irqs_set_intx_mask(struct vfio_irqs *irqs, unsigned int start,
				   unsigned int count, u32 flags,
				   const void *data)
{
	if (irqs->active != VFIO_PCI_INTX_IRQ_INDEX || start != 0 ||
	    count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		vfio_irqs_intx_mask(irqs);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(const u8 *)data)
			vfio_irqs_intx_mask(irqs);
	} else {
		/* vfio-pci has no mask eventfd either. */
		return -ENOTTY;
	}
	return 0;
}

static int vfio_irqs_set_intx_unmask(struct vfio_irqs *irqs,
				     unsigned int start, unsigned int count,
				     u32 flags, const void *data)
{
	s32 fd;

	if (irqs->active != VFIO_PCI_INTX_IRQ_INDEX || start != 0 ||
	    count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		vfio_irqs_intx_unmask(irqs);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(const u8 *)data)
			vfio_irqs_intx_unmask(irqs);
	} else {
		fd = *(const s32 *)data;
		if (fd >= 0)
			return vfio_virqfd_enable(irqs,
						  vfio_irqs_unmask_handler,
						  vfio_irqs_unmask_thread,
						  NULL, &irqs->intx_unmask, fd);
		vfio_virqfd_disable(&irqs->intx_unmask);
	}
	return 0;
}

static int vfio_irqs_set_intx_trigger(struct vfio_irqs *irqs,
				      unsigned int start, unsigned int count,
				      u32 flags, const void *data)
{
	bool intx = irqs->active == VFIO_PCI_INTX_IRQ_INDEX;
	struct eventfd_ctx *trigger = NULL;
	s32 fd;
	int ret;

	if (intx && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		vfio_irqs_intx_disable(irqs);
		return 0;
	}

	if (!(intx || irqs->active == VFIO_IRQS_NONE) || start != 0 ||
	    count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		fd = *(const s32 *)data;
		if (fd >= 0) {
			trigger = eventfd_ctx_fdget(fd);
			if (IS_ERR(trigger))
				return PTR_ERR(trigger);
		}
		if (intx) {
			vfio_irqs_replace(&irqs->intx, trigger);
			return 0;
		}
		ret = vfio_irqs_intx_enable(irqs, trigger);
		if (ret && trigger)
			eventfd_ctx_put(trigger);
		return ret;
	}

	if (!intx)
		return -EINVAL;

	/* Loopback: signal without touching the mask state, as vfio-pci. */
	if ((flags & VFIO_IRQ_SET_DATA_NONE) || *(const u8 *)data)
		vfio_irqs_signal(&irqs->intx);
	return 0;
}

/*
 * MSI and MSI-X
 */

static int vfio_irqs_vector_create(struct vfio_irqs *irqs, unsigned int index,
				   unsigned int vector)
{
	struct vfio_irqs_vector *v;
	int ret;

	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return -ENOMEM;

	ret = vfio_irqs_vector_setup(irqs, v, index, vector);
	if (ret)
		goto err_free;

	ret = xa_insert(&irqs->vectors, vector, v, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_teardown;
	return 0;

err_teardown:
	vfio_irqs_vector_teardown(v);
err_free:
	kfree(v);
	return ret;
}

static void vfio_irqs_vector_free(struct rcu_head *rcu)
{
	struct vfio_irqs_vector *v = container_of(rcu, typeof(*v), rcu);

	if (v->retired) {
		eventfd_ctx_put(v->retired);
		atomic_dec(&vfio_irqs_held);
	}
	kfree(v);
}

static void vfio_irqs_msi_disable(struct vfio_irqs *irqs)
{
	struct vfio_irqs_vector *v;
	unsigned long i;
	int cpu;

	lockdep_assert_held(&irqs->igate);

	WRITE_ONCE(irqs->active, VFIO_IRQS_NONE);
	irqs->nvec = 0;

	/* Every source masked first, so that each CPU is drained once. */
	xa_for_each(&irqs->vectors, i, v) {
		vfio_irqs_swap(v, NULL);
		vfio_irqs_vector_quiesce(v);
	}
	for_each_online_cpu(cpu) {
		xa_for_each(&irqs->vectors, i, v) {
			if (v->drain_cpu == cpu) {
				vfio_irqs_drain_cpu(cpu);
				break;
			}
		}
	}
	/*
	 * A signal path that looked a vector up before this may still read
	 * it and its old eventfd: both are freed after a grace period.
	 */
	xa_for_each(&irqs->vectors, i, v) {
		vfio_irqs_vector_release(v);
		xa_erase(&irqs->vectors, i);
		call_rcu(&v->rcu, vfio_irqs_vector_free);
	}
}

/* Vectors 0..@nvec-1 come up at enable, as pci_alloc_irq_vectors() does. */
static int vfio_irqs_msi_enable(struct vfio_irqs *irqs, unsigned int index,
				unsigned int nvec)
{
	unsigned int i;
	int ret;

	if (!nvec)
		return -EINVAL;

	for (i = 0; i < nvec; i++) {
		ret = vfio_irqs_vector_create(irqs, index, i);
		if (ret) {
			vfio_irqs_msi_disable(irqs);
			return ret;
		}
	}
	irqs->nvec = nvec;
	WRITE_ONCE(irqs->active, index);
	return 0;
}

/*
 * Assign the eventfds @fds to vectors @start..@start+@count-1. All fds are
 * resolved and all needed vectors created before anything changes, so a
 * failure leaves every vector as it was.
 */
static int vfio_irqs_msi_set_block(struct vfio_irqs *irqs, unsigned int index,
				   unsigned int start, unsigned int count,
				   const s32 *fds)
{
	bool enabled_here = false;
	struct eventfd_ctx **ctxs;
	struct vfio_irqs_vector *v;
	unsigned int i;
	int ret = 0;

	ctxs = kcalloc(count, sizeof(*ctxs), GFP_KERNEL);
	if (!ctxs)
		return -ENOMEM;

	for (i = 0; i < count; i++) {
		struct eventfd_ctx *ctx;

		if (fds[i] < 0)
			continue;
		ctx = eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(ctx)) {
			ret = PTR_ERR(ctx);
			goto out_put;
		}
		ctxs[i] = ctx;
	}

	if (irqs->active != index) {
		ret = vfio_irqs_msi_enable(irqs, index, start + count);
		if (ret)
			goto out_put;
		enabled_here = true;
	}

	for (i = 0; i < count; i++) {
		if (!ctxs[i] || xa_load(&irqs->vectors, start + i))
			continue;
		/* MSI cannot grow once enabled; MSI-X grows per vector. */
		if (index == VFIO_PCI_MSI_IRQ_INDEX) {
			ret = -EINVAL;
			goto out_disable;
		}
		ret = vfio_irqs_vector_create(irqs, index, start + i);
		if (ret)
			goto out_disable;
	}

	for (i = 0; i < count; i++) {
		v = xa_load(&irqs->vectors, start + i);
		if (!v)
			continue;
		vfio_irqs_swap(v, ctxs[i]);
		ctxs[i] = NULL;
		vfio_irqs_put_retired(v);
	}
	kfree(ctxs);
	return 0;

out_disable:
	if (enabled_here)
		vfio_irqs_msi_disable(irqs);
out_put:
	for (i = 0; i < count; i++)
		if (ctxs[i])
			eventfd_ctx_put(ctxs[i]);
	kfree(ctxs);
	return ret;
}

static int vfio_irqs_set_msi_trigger(struct vfio_irqs *irqs,
				     unsigned int index, unsigned int start,
				     unsigned int count, u32 flags,
				     const void *data)
{
	const u8 *bools = data;
	struct vfio_irqs_vector *v;
	unsigned int i;

	if (irqs->active == index && !count &&
	    (flags & VFIO_IRQ_SET_DATA_NONE)) {
		vfio_irqs_msi_disable(irqs);
		return 0;
	}

	if (!(irqs->active == index || irqs->active == VFIO_IRQS_NONE))
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return vfio_irqs_msi_set_block(irqs, index, start, count, data);

	if (irqs->active != index)
		return -EINVAL;

	for (i = 0; i < count; i++) {
		if ((flags & VFIO_IRQ_SET_DATA_BOOL) && !bools[i])
			continue;
		v = xa_load(&irqs->vectors, start + i);
		if (v)
			vfio_irqs_signal(v);
	}
	return 0;
}

/*
 * ERR and REQ
 */

static int vfio_irqs_set_single(struct vfio_irqs_vector *v, unsigned int count,
				u32 flags, const void *data)
{
	struct eventfd_ctx *trigger;
	s32 fd;

	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		if (!rcu_access_pointer(v->trigger))
			return -EINVAL;
		if (count)
			vfio_irqs_signal(v);
		else
			vfio_irqs_replace(v, NULL);
		return 0;
	}

	if (!count)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(const u8 *)data)
			vfio_irqs_signal(v);
		return 0;
	}

	fd = *(const s32 *)data;
	if (fd == -1) {
		vfio_irqs_replace(v, NULL);
		return 0;
	}
	if (fd < 0)
		return -EINVAL;

	trigger = eventfd_ctx_fdget(fd);
	if (IS_ERR(trigger))
		return PTR_ERR(trigger);
	vfio_irqs_replace(v, trigger);
	return 0;
}

/*
 * The ioctls
 */

static int vfio_irqs_validate(struct vfio_irqs *irqs, struct vfio_irq_set *hdr,
			      size_t *data_size)
{
	u32 max = 0;

	if (hdr->index < VFIO_PCI_NUM_IRQS)
		max = irqs->count[hdr->index];
	return vfio_set_irqs_validate_and_prepare(hdr, max, VFIO_PCI_NUM_IRQS,
						  data_size);
}

static int vfio_irqs_dispatch(struct vfio_irqs *irqs, u32 flags,
			      unsigned int index, unsigned int start,
			      unsigned int count, const void *data)
{
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;

	lockdep_assert_held(&irqs->igate);

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		switch (action) {
		case VFIO_IRQ_SET_ACTION_MASK:
			return vfio_irqs_set_intx_mask(irqs, start, count,
						       flags, data);
		case VFIO_IRQ_SET_ACTION_UNMASK:
			return vfio_irqs_set_intx_unmask(irqs, start, count,
							 flags, data);
		case VFIO_IRQ_SET_ACTION_TRIGGER:
			return vfio_irqs_set_intx_trigger(irqs, start, count,
							  flags, data);
		}
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return vfio_irqs_set_msi_trigger(irqs, index, start,
							 count, flags, data);
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return vfio_irqs_set_single(&irqs->err, count, flags,
						    data);
		break;
	case VFIO_PCI_REQ_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return vfio_irqs_set_single(&irqs->req, count, flags,
						    data);
		break;
	}
	return -ENOTTY;
}

/**
 * vfio_irqs_set() - perform a SET_IRQS whose data is in kernel memory
 * @irqs: the device's interrupt frontend
 * @hdr: the request header
 * @data: @hdr->count bools or eventfd numbers as @hdr->flags say, or NULL
 *
 * The ioctl path after copying from user space; visible to the KUnit suite.
 *
 * Context: process context; takes @irqs->igate.
 * Return: 0 or the negative errno SET_IRQS returns for this request.
 */
VISIBLE_IF_KUNIT int vfio_irqs_set(struct vfio_irqs *irqs,
				   const struct vfio_irq_set *hdr,
				   const void *data)
{
	struct vfio_irq_set h = *hdr;
	size_t data_size;
	int ret;

	ret = vfio_irqs_validate(irqs, &h, &data_size);
	if (ret)
		return ret;
	if (data_size && !data)
		return -EINVAL;

	mutex_lock(&irqs->igate);
	ret = vfio_irqs_dispatch(irqs, h.flags, h.index, h.start, h.count,
				 data);
	mutex_unlock(&irqs->igate);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_irqs_set);

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * vfio_irqs_held_eventfds() - eventfd references held by all devices
 *
 * Waits for the eventfds already retired to be put, so that the count is
 * exact for a caller that has just changed or released its triggers.
 *
 * Context: process context; may sleep.
 * Return: the number of eventfd contexts the frontend holds.
 */
int vfio_irqs_held_eventfds(void)
{
	rcu_barrier();
	return atomic_read(&vfio_irqs_held);
}
EXPORT_SYMBOL_IF_KUNIT(vfio_irqs_held_eventfds);
#endif

static long vfio_irqs_ioctl_set_irqs(struct vfio_irqs *irqs,
				     struct vfio_irq_set __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size;
	void *data = NULL;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;

	ret = vfio_irqs_validate(irqs, &hdr, &data_size);
	if (ret)
		return ret;

	if (data_size) {
		data = memdup_user(&arg->data, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	ret = vfio_irqs_set(irqs, &hdr, data);
	kfree(data);
	return ret;
}

static long vfio_irqs_ioctl_get_irq_info(struct vfio_irqs *irqs,
					 struct vfio_irq_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;

	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	if (info.index == VFIO_PCI_ERR_IRQ_INDEX &&
	    !irqs->count[VFIO_PCI_ERR_IRQ_INDEX])
		return -EINVAL;

	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = irqs->count[info.index];
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else if (info.index != VFIO_PCI_MSIX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_NORESIZE;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/**
 * vfio_irqs_ioctl() - handle the interrupt ioctls of a vfio-pci-API device
 * @irqs: the device's interrupt frontend
 * @cmd: the ioctl command the driver received
 * @arg: its user-space argument
 *
 * Handles VFIO_DEVICE_GET_IRQ_INFO and VFIO_DEVICE_SET_IRQS with the
 * semantics of vfio-pci-core; Documentation/driver-api/vfio-irqs.rst lists
 * the intended differences.
 *
 * Context: process context; may sleep; takes @irqs->igate.
 * Return: the ioctl's result, or -ENOTTY for any other @cmd so that the
 * driver can try its own commands.
 */
long vfio_irqs_ioctl(struct vfio_irqs *irqs, unsigned int cmd,
		     unsigned long arg)
{
	switch (cmd) {
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_irqs_ioctl_get_irq_info(irqs, (void __user *)arg);
	case VFIO_DEVICE_SET_IRQS:
		return vfio_irqs_ioctl_set_irqs(irqs, (void __user *)arg);
	}
	return -ENOTTY;
}
EXPORT_SYMBOL_GPL(vfio_irqs_ioctl);

/**
 * vfio_irqs_trigger() - raise an emulated MSI, MSI-X, ERR or REQ vector
 * @irqs: the device's interrupt frontend
 * @index: VFIO_PCI_MSI_IRQ_INDEX, VFIO_PCI_MSIX_IRQ_INDEX,
 *	VFIO_PCI_ERR_IRQ_INDEX or VFIO_PCI_REQ_IRQ_INDEX
 * @vector: the vector within @index
 *
 * Signals the vector's eventfd if @index is enabled and the vector has one;
 * otherwise the interrupt is dropped, as a real device's message would be
 * with the capability disabled. INTx has vfio_irqs_intx_set_level().
 *
 * Context: any context, hard-IRQ included; takes no lock.
 * Return: true if an eventfd was signalled.
 */
bool vfio_irqs_trigger(struct vfio_irqs *irqs, unsigned int index,
		       unsigned int vector)
{
	struct vfio_irqs_vector *v;
	bool signalled = false;

	switch (index) {
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		rcu_read_lock();
		if (READ_ONCE(irqs->active) == index) {
			v = xa_load(&irqs->vectors, vector);
			if (v)
				signalled = vfio_irqs_signal(v);
		}
		rcu_read_unlock();
		return signalled;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return !vector && vfio_irqs_signal(&irqs->err);
	case VFIO_PCI_REQ_IRQ_INDEX:
		return !vector && vfio_irqs_signal(&irqs->req);
	}
	WARN_ON_ONCE(1);
	return false;
}
EXPORT_SYMBOL_GPL(vfio_irqs_trigger);

/**
 * vfio_irqs_intx_set_level() - drive the emulated INTx line
 * @irqs: the device's interrupt frontend
 * @level: true to assert the line, false to deassert it
 *
 * With INTx enabled and unmasked, asserting the line masks INTx and
 * signals its eventfd once (AUTOMASKED). Unmasking a still asserted line
 * signals again. The level is kept while INTx is disabled and acts when
 * the user enables INTx. The device model applies its own Command register
 * Interrupt Disable bit before calling this. Ignored for a host-backed
 * INTx vector, whose host IRQ is the line.
 *
 * Context: any context, hard-IRQ included; takes @irqs->intx_lock.
 */
void vfio_irqs_intx_set_level(struct vfio_irqs *irqs, bool level)
{
	unsigned long flags;
	bool fire = false;

	spin_lock_irqsave(&irqs->intx_lock, flags);
	irqs->intx_line = level;
	if (level && READ_ONCE(irqs->active) == VFIO_PCI_INTX_IRQ_INDEX &&
	    !irqs->intx.irq && !irqs->intx_masked) {
		irqs->intx_masked = true;
		fire = true;
	}
	spin_unlock_irqrestore(&irqs->intx_lock, flags);

	if (fire)
		vfio_irqs_signal(&irqs->intx);
}
EXPORT_SYMBOL_GPL(vfio_irqs_intx_set_level);

/**
 * vfio_irqs_active_index() - the interrupt mode the user enabled
 * @irqs: the device's interrupt frontend
 *
 * A device model raises its interrupt in the mode returned here, as a
 * physical device does in the mode vfio-pci programmed into it.
 *
 * Context: any; the answer may change right after it is read.
 * Return: VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_MSI_IRQ_INDEX or
 * VFIO_PCI_MSIX_IRQ_INDEX, or -ENODEV if none is enabled.
 */
int vfio_irqs_active_index(struct vfio_irqs *irqs)
{
	unsigned int active = READ_ONCE(irqs->active);

	return active == VFIO_IRQS_NONE ? -ENODEV : active;
}
EXPORT_SYMBOL_GPL(vfio_irqs_active_index);

/**
 * vfio_irqs_request() - ask the user to release the device
 * @irqs: the device's interrupt frontend
 * @count: the call count passed to &vfio_device_ops.request
 *
 * Meant to be called from the driver's &vfio_device_ops.request: signals
 * the REQ eventfd, or logs once that there is none.
 *
 * Context: any context.
 * Return: true if the REQ eventfd was signalled.
 */
bool vfio_irqs_request(struct vfio_irqs *irqs, unsigned int count)
{
	if (vfio_irqs_signal(&irqs->req))
		return true;
	if (!count)
		dev_notice(irqs->dev,
			   "device in use without a REQ eventfd, waiting for its user to release it\n");
	return false;
}
EXPORT_SYMBOL_GPL(vfio_irqs_request);

/**
 * vfio_irqs_release() - drop every interrupt setting of the device's user
 * @irqs: the device's interrupt frontend
 *
 * Disables INTx, MSI or MSI-X, releases host-backed vectors and puts every
 * eventfd, the unmask eventfd and those of ERR and REQ included. Call it
 * from &vfio_device_ops.close_device.
 *
 * Context: process context; may sleep; takes @irqs->igate.
 */
void vfio_irqs_release(struct vfio_irqs *irqs)
{
	mutex_lock(&irqs->igate);
	switch (irqs->active) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		vfio_irqs_intx_disable(irqs);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		vfio_irqs_msi_disable(irqs);
		break;
	}
	vfio_irqs_replace(&irqs->err, NULL);
	vfio_irqs_replace(&irqs->req, NULL);
	mutex_unlock(&irqs->igate);
}
EXPORT_SYMBOL_GPL(vfio_irqs_release);

/**
 * vfio_irqs_init() - set up the interrupt frontend of a device
 * @irqs: the frontend, embedded in the driver's device structure
 * @dev: the device, for messages and host IRQ names
 * @ops: how the driver backs vectors, or NULL if all are emulated
 * @layout: the interrupts the device has
 *
 * Context: process context.
 * Return: 0, or -EINVAL if @layout asks for more than PCI allows.
 */
int vfio_irqs_init(struct vfio_irqs *irqs, struct device *dev,
		   const struct vfio_irqs_ops *ops,
		   const struct vfio_irqs_layout *layout)
{
	if (layout->intx > 1 || layout->msi > 32 ||
	    (layout->msi && !is_power_of_2(layout->msi)) ||
	    layout->msix > 2048)
		return -EINVAL;
	if (ops && !ops->mask != !ops->unmask)
		return -EINVAL;

	memset(irqs, 0, sizeof(*irqs));
	irqs->ops = ops;
	irqs->dev = dev;
	irqs->count[VFIO_PCI_INTX_IRQ_INDEX] = layout->intx;
	irqs->count[VFIO_PCI_MSI_IRQ_INDEX] = layout->msi;
	irqs->count[VFIO_PCI_MSIX_IRQ_INDEX] = layout->msix;
	irqs->count[VFIO_PCI_ERR_IRQ_INDEX] = layout->err ? 1 : 0;
	irqs->count[VFIO_PCI_REQ_IRQ_INDEX] = 1;
	mutex_init(&irqs->igate);
	spin_lock_init(&irqs->intx_lock);
	xa_init(&irqs->vectors);
	irqs->active = VFIO_IRQS_NONE;
	irqs->intx.irqs = irqs;
	irqs->intx.index = VFIO_PCI_INTX_IRQ_INDEX;
	irqs->err.irqs = irqs;
	irqs->err.index = VFIO_PCI_ERR_IRQ_INDEX;
	irqs->req.irqs = irqs;
	irqs->req.index = VFIO_PCI_REQ_IRQ_INDEX;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_irqs_init);

/**
 * vfio_irqs_exit() - tear down the interrupt frontend of a device
 * @irqs: the frontend
 *
 * Releases whatever a user left behind (normally vfio_irqs_release() has
 * done so already) and destroys the locks.
 *
 * Context: process context; may sleep.
 */
void vfio_irqs_exit(struct vfio_irqs *irqs)
{
	vfio_irqs_release(irqs);
	xa_destroy(&irqs->vectors);
	mutex_destroy(&irqs->igate);
}
EXPORT_SYMBOL_GPL(vfio_irqs_exit);

/* Exact for the tests, as vfio_irqs_held_eventfds(). */
static int vfio_irqs_debugfs_held_get(void *data, u64 *val)
{
	rcu_barrier();
	*val = atomic_read(&vfio_irqs_held);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vfio_irqs_held_fops, vfio_irqs_debugfs_held_get,
			 NULL, "%llu\n");

static int __init vfio_irqs_module_init(void)
{
	vfio_irqs_debugfs = debugfs_create_dir("vfio_irqs", NULL);
	debugfs_create_file_unsafe("eventfds", 0444, vfio_irqs_debugfs, NULL,
				   &vfio_irqs_held_fops);
	return 0;
}

static void __exit vfio_irqs_module_exit(void)
{
	debugfs_remove_recursive(vfio_irqs_debugfs);
	/* Eventfd puts still queued run this module's callback. */
	rcu_barrier();
}

module_init(vfio_irqs_module_init);
module_exit(vfio_irqs_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO interrupt frontend for vfio-pci-API devices");
