// SPDX-License-Identifier: GPL-2.0-only
/*
 * ims_accel: a mediated instance as a vfio-pci API device. Config space,
 * the control page (BAR0) and the MSI-X table are emulated; the portals
 * (BAR2) and the local memory (BAR4) of the instance's queues map straight
 * to the hardware. Interrupts go through the VFIO interrupt frontend:
 * MSI-X vector 0 is emulated, vectors 1..m are the instance's slots.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include <uapi/linux/ims_accel.h>

#include "ims_accel.h"

/* Region offsets in the device fd, as vfio-pci lays them out. */
#define IAV_OFFSET_SHIFT	40
#define IAV_OFFSET_TO_INDEX(off)	((off) >> IAV_OFFSET_SHIFT)
#define IAV_INDEX_TO_OFFSET(index)	((u64)(index) << IAV_OFFSET_SHIFT)
#define IAV_OFFSET_MASK		(BIT_ULL(IAV_OFFSET_SHIFT) - 1)

#define IAV_CMD_WMASK		(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
				 PCI_COMMAND_INTX_DISABLE)
#define IAV_MSIX_CTRL_WMASK	(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL)

/* Bounce buffer for local memory accesses through the fd */
#define IAV_BOUNCE_SIZE		256

static struct iav_instance *iav_from_vdev(struct vfio_device *vdev)
{
	return container_of(vdev, struct iav_instance, vdev);
}

static u32 iav_msix_page(const struct iav_instance *inst)
{
	return inst->portal_size - IAV_PAGE_SIZE;
}

/*
 * Emulated state
 */

static void iav_cfg_set(struct iav_instance *inst, unsigned int off,
			unsigned int size, u32 val, u32 wmask)
{
	unsigned int i;

	for (i = 0; i < size; i++) {
		inst->cfg[off + i] = val >> (8 * i);
		inst->cfg_wmask[off + i] = wmask >> (8 * i);
	}
}

static void iav_cfg_init(struct iav_instance *inst)
{
	u32 msix_page = iav_msix_page(inst);

	memset(inst->cfg, 0, sizeof(inst->cfg));
	memset(inst->cfg_wmask, 0, sizeof(inst->cfg_wmask));
	iav_cfg_set(inst, PCI_VENDOR_ID, 2, IAV_VENDOR_ID, 0);
	iav_cfg_set(inst, PCI_DEVICE_ID, 2, IAV_DEVICE_ID, 0);
	iav_cfg_set(inst, PCI_COMMAND, 2, 0, IAV_CMD_WMASK);
	iav_cfg_set(inst, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, 0);
	iav_cfg_set(inst, PCI_CLASS_REVISION, 4,
		    IMS_ACCEL_CLASS << 8 | IAV_REVISION, 0);
	iav_cfg_set(inst, PCI_BASE_ADDRESS_0, 4, PCI_BASE_ADDRESS_MEM_TYPE_32,
		    ~(IAV_CTRL_SIZE - 1));
	iav_cfg_set(inst, PCI_BASE_ADDRESS_2, 4, PCI_BASE_ADDRESS_MEM_TYPE_32,
		    ~(inst->portal_size - 1));
	iav_cfg_set(inst, PCI_BASE_ADDRESS_4, 4,
		    PCI_BASE_ADDRESS_MEM_TYPE_32 | PCI_BASE_ADDRESS_MEM_PREFETCH,
		    ~(inst->lmem_size - 1));
	iav_cfg_set(inst, PCI_SUBSYSTEM_VENDOR_ID, 2, IAV_VENDOR_ID, 0);
	iav_cfg_set(inst, PCI_SUBSYSTEM_ID, 2, IAV_SUBSYS_ID, 0);
	iav_cfg_set(inst, PCI_CAPABILITY_LIST, 1, IAV_CFG_MSIX_CAP, 0);
	iav_cfg_set(inst, PCI_INTERRUPT_LINE, 1, 0, 0xff);

	iav_cfg_set(inst, IAV_CFG_MSIX_CAP + PCI_CAP_LIST_ID, 1,
		    PCI_CAP_ID_MSIX, 0);
	iav_cfg_set(inst, IAV_CFG_MSIX_CAP + PCI_MSIX_FLAGS, 2,
		    inst->nr_vectors, IAV_MSIX_CTRL_WMASK);
	iav_cfg_set(inst, IAV_CFG_MSIX_CAP + PCI_MSIX_TABLE, 4,
		    msix_page | IAV_BAR_PORTAL, 0);
	iav_cfg_set(inst, IAV_CFG_MSIX_CAP + PCI_MSIX_PBA, 4,
		    (msix_page + IAV_PBA_OFFSET) | IAV_BAR_PORTAL, 0);
}

/* The device as after a function level reset; the queues are quiesced. */
static void iav_state_reset(struct iav_instance *inst)
{
	unsigned int i;

	lockdep_assert_held(&inst->lock);

	for (i = 0; i < inst->nr_wqs; i++) {
		iav_wq_quiesce(inst->pf, inst->wq_base + i);
		clear_bit(inst->wq_base + i, inst->pf->err_seen);
	}
	inst->evt_cause = 0;
	inst->evt_mask = IAV_EVT_WQ_ERROR;
	inst->err_wq = 0;
	memset(inst->msix_table, 0, sizeof(inst->msix_table));
	for (i = 0; i <= inst->nr_vectors; i++)
		inst->msix_table[i * 4 + 3] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	iav_cfg_init(inst);
}

/**
 * iav_instance_event() - a queue of the instance completed with an error
 * @inst: the instance
 * @rel_wq: the queue, counted within the instance
 *
 * Sets WQ_ERROR in the instance's EVT_CAUSE and raises the emulated
 * vector 0 unless EVT_MASK masks it.
 *
 * Context: process context (the function's event thread).
 */
void iav_instance_event(struct iav_instance *inst, unsigned int rel_wq)
{
	bool raise;

	mutex_lock(&inst->lock);
	inst->evt_cause |= IAV_EVT_WQ_ERROR;
	inst->err_wq = rel_wq;
	raise = !(inst->evt_mask & IAV_EVT_WQ_ERROR);
	mutex_unlock(&inst->lock);
	if (raise)
		vfio_irqs_trigger(&inst->irqs, VFIO_PCI_MSIX_IRQ_INDEX, 0);
}

/*
 * The control page (BAR0)
 */

static u32 iav_ctrl_wq_read(struct iav_instance *inst, unsigned int wq,
			    unsigned int reg)
{
	struct iav_pf *pf = inst->pf;

	switch (reg) {
	case IAV_WQ_CTRL:
		return iav_wq_read(pf, wq, IMS_ACCEL_WQ_CTRL) &
		       IAV_WQ_CTRL_ENABLE;
	case IAV_WQ_STATUS:
		return iav_wq_read(pf, wq, IMS_ACCEL_WQ_STATUS) &
		       (IAV_WQ_STATUS_ENABLED | IAV_WQ_STATUS_ERROR |
			IAV_WQ_STATUS_QUEUED_MASK);
	case IAV_WQ_COMPLETED:
		return iav_wq_read(pf, wq, IMS_ACCEL_WQ_COMPLETED);
	case IAV_WQ_ERRORS:
		return iav_wq_read(pf, wq, IMS_ACCEL_WQ_ERRORS);
	}
	return 0;
}

static u32 iav_ctrl_read(struct iav_instance *inst, unsigned int reg)
{
	struct iav_pf *pf = inst->pf;

	lockdep_assert_held(&inst->lock);

	switch (reg) {
	case IAV_REG_ID:
		return IAV_ID_MAGIC;
	case IAV_REG_VERSION:
		return IAV_VERSION_1;
	case IAV_REG_NUM_WQS:
		return inst->nr_wqs;
	case IAV_REG_NUM_VECTORS:
		return inst->nr_vectors;
	case IAV_REG_WQ_DEPTH:
		return pf->wq_depth;
	case IAV_REG_SRAM_SIZE:
		return pf->sram_size;
	case IAV_REG_EVT_CAUSE:
		return inst->evt_cause;
	case IAV_REG_EVT_MASK:
		return inst->evt_mask;
	case IAV_REG_ERR_WQ:
		return inst->err_wq;
	}
	if (reg >= IAV_WQ_BASE && reg < IAV_WQ_REGS(inst->nr_wqs))
		return iav_ctrl_wq_read(inst,
					inst->wq_base +
					(reg - IAV_WQ_BASE) / IAV_WQ_STRIDE,
					(reg - IAV_WQ_BASE) % IAV_WQ_STRIDE);
	return 0;
}

/* Returns true if vector 0 must be raised. */
static bool iav_ctrl_write(struct iav_instance *inst, unsigned int reg,
			   u32 val)
{
	struct iav_pf *pf = inst->pf;
	unsigned int wq;
	u32 unmasked;

	lockdep_assert_held(&inst->lock);

	switch (reg) {
	case IAV_REG_EVT_CAUSE:
		inst->evt_cause &= ~val;
		return false;
	case IAV_REG_EVT_MASK:
		unmasked = inst->evt_mask & ~val;
		inst->evt_mask = val & IAV_EVT_WQ_ERROR;
		/* An event that came while masked is raised on unmask. */
		return inst->evt_cause & unmasked;
	}
	if (reg < IAV_WQ_BASE || reg >= IAV_WQ_REGS(inst->nr_wqs) ||
	    (reg - IAV_WQ_BASE) % IAV_WQ_STRIDE != IAV_WQ_CTRL)
		return false;

	wq = inst->wq_base + (reg - IAV_WQ_BASE) / IAV_WQ_STRIDE;
	iav_wq_write(pf, wq, IMS_ACCEL_WQ_CTRL,
		     val & (IAV_WQ_CTRL_ENABLE | IAV_WQ_CTRL_RESET));
	/* RESET clears the sticky ERROR: a new one is a new event. */
	if (val & IAV_WQ_CTRL_RESET)
		clear_bit(wq, pf->err_seen);
	return false;
}

/*
 * Region access through the device fd
 */

static ssize_t iav_cfg_rw(struct iav_instance *inst, char *buf, size_t count,
			  u64 pos, bool write)
{
	size_t i;

	if (pos >= PCI_CFG_SPACE_SIZE)
		return -EINVAL;
	count = min_t(size_t, count, PCI_CFG_SPACE_SIZE - pos);
	for (i = 0; i < count; i++) {
		u8 *b = &inst->cfg[pos + i];
		u8 wmask = inst->cfg_wmask[pos + i];

		if (write)
			*b = (*b & ~wmask) | (buf[i] & wmask);
		else
			buf[i] = *b;
	}
	return count;
}

/* The trapped last page of BAR2: the MSI-X table and its PBA. */
static u32 iav_msix_read(struct iav_instance *inst, u32 off)
{
	if (off < (inst->nr_vectors + 1) * PCI_MSIX_ENTRY_SIZE)
		return inst->msix_table[off / 4];
	/* Pending state lives with the vectors in the frontend and host. */
	return 0;
}

static void iav_msix_write(struct iav_instance *inst, u32 off, u32 val)
{
	if (off < (inst->nr_vectors + 1) * PCI_MSIX_ENTRY_SIZE)
		inst->msix_table[off / 4] = val;
}

static u32 iav_portal_bar_read(struct iav_instance *inst, u64 off)
{
	u32 msix_page = iav_msix_page(inst);

	if (off < (u64)inst->nr_wqs * IAV_PAGE_SIZE)
		return iav_portal_read(inst->pf,
				       (u64)inst->wq_base * IAV_PAGE_SIZE + off);
	if (off >= msix_page)
		return iav_msix_read(inst, off - msix_page);
	return 0;
}

static void iav_portal_bar_write(struct iav_instance *inst, u64 off, u32 val)
{
	u32 msix_page = iav_msix_page(inst);

	if (off < (u64)inst->nr_wqs * IAV_PAGE_SIZE)
		iav_portal_write(inst->pf,
				 (u64)inst->wq_base * IAV_PAGE_SIZE + off, val);
	else if (off >= msix_page)
		iav_msix_write(inst, off - msix_page, val);
}

/* BAR0 and BAR2 take aligned 32-bit accesses, one or more. */
static ssize_t iav_dword_rw(struct iav_instance *inst, unsigned int index,
			    char *buf, size_t count, u64 pos, bool write)
{
	u64 size = index == IAV_BAR_CTRL ? IAV_CTRL_SIZE : inst->portal_size;
	bool raise = false;
	size_t done;
	u32 val;

	if (pos >= size || count % 4 || pos % 4)
		return -EINVAL;
	count = min_t(u64, count, size - pos);
	for (done = 0; done < count; done += 4, pos += 4) {
		if (write) {
			memcpy(&val, buf + done, 4);
			val = le32_to_cpu((__force __le32)val);
			if (index == IAV_BAR_CTRL)
				raise |= iav_ctrl_write(inst, pos, val);
			else
				iav_portal_bar_write(inst, pos, val);
		} else {
			val = index == IAV_BAR_CTRL ?
			      iav_ctrl_read(inst, pos) :
			      iav_portal_bar_read(inst, pos);
			val = (__force u32)cpu_to_le32(val);
			memcpy(buf + done, &val, 4);
		}
	}
	if (raise)
		vfio_irqs_trigger(&inst->irqs, VFIO_PCI_MSIX_IRQ_INDEX, 0);
	return count;
}

static ssize_t iav_lmem_rw(struct iav_instance *inst, char *buf, size_t count,
			   u64 pos, bool write)
{
	void __iomem *base = inst->pf->lmem +
			     (u64)inst->wq_base * inst->pf->sram_size;

	if (pos >= inst->lmem_size)
		return -EINVAL;
	count = min_t(u64, count, inst->lmem_size - pos);
	if (write)
		memcpy_toio(base + pos, buf, count);
	else
		memcpy_fromio(buf, base + pos, count);
	return count;
}

static ssize_t iav_rw(struct vfio_device *vdev, char __user *ubuf,
		      size_t count, loff_t *ppos, bool write)
{
	struct iav_instance *inst = iav_from_vdev(vdev);
	unsigned int index = IAV_OFFSET_TO_INDEX((u64)*ppos);
	u64 pos = *ppos & IAV_OFFSET_MASK;
	char buf[IAV_BOUNCE_SIZE];
	ssize_t ret;

	count = min_t(size_t, count, sizeof(buf));
	if (write && copy_from_user(buf, ubuf, count))
		return -EFAULT;

	mutex_lock(&inst->lock);
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		ret = iav_cfg_rw(inst, buf, count, pos, write);
		break;
	case IAV_BAR_CTRL:
	case IAV_BAR_PORTAL:
		ret = iav_dword_rw(inst, index, buf, count, pos, write);
		break;
	case IAV_BAR_LMEM:
		ret = iav_lmem_rw(inst, buf, count, pos, write);
		break;
	default:
		ret = -EINVAL;
	}
	mutex_unlock(&inst->lock);

	if (ret > 0 && !write && copy_to_user(ubuf, buf, ret))
		return -EFAULT;
	if (ret > 0)
		*ppos += ret;
	return ret;
}

static ssize_t iav_vfio_read(struct vfio_device *vdev, char __user *buf,
			     size_t count, loff_t *ppos)
{
	return iav_rw(vdev, buf, count, ppos, false);
}

static ssize_t iav_vfio_write(struct vfio_device *vdev,
			      const char __user *buf, size_t count,
			      loff_t *ppos)
{
	return iav_rw(vdev, (char __user *)buf, count, ppos, true);
}

/*
 * mmap: the portals and local memory of the instance's own queues
 */

static int iav_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	struct iav_instance *inst = iav_from_vdev(vdev);
	unsigned int index = vma->vm_pgoff >> (IAV_OFFSET_SHIFT - PAGE_SHIFT);
	u64 off = (u64)(vma->vm_pgoff &
			((1ULL << (IAV_OFFSET_SHIFT - PAGE_SHIFT)) - 1)) <<
		  PAGE_SHIFT;
	u64 len = vma->vm_end - vma->vm_start;
	phys_addr_t phys;
	u64 limit;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	switch (index) {
	case IAV_BAR_PORTAL:
		/* Not the last page: the MSI-X table stays trapped. */
		limit = (u64)inst->nr_wqs * IAV_PAGE_SIZE;
		phys = iav_portal_phys(inst->pf, inst->wq_base);
		break;
	case IAV_BAR_LMEM:
		limit = inst->lmem_size;
		phys = iav_lmem_phys(inst->pf, inst->wq_base);
		break;
	default:
		return -EINVAL;
	}
	if (off >= limit || len > limit - off)
		return -EINVAL;

	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	return io_remap_pfn_range(vma, vma->vm_start, (phys + off) >> PAGE_SHIFT,
				  len, vma->vm_page_prot);
}

/*
 * ioctls
 */

static int iav_ioctl_get_info(struct iav_instance *inst, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* One area: the part of the BAR that maps straight to the hardware. */
static int iav_add_sparse(struct vfio_info_cap *caps, u64 size)
{
	struct vfio_region_info_cap_sparse_mmap *sparse;
	size_t len = struct_size(sparse, areas, 1);
	int ret;

	sparse = kzalloc(len, GFP_KERNEL);
	if (!sparse)
		return -ENOMEM;
	sparse->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	sparse->header.version = 1;
	sparse->nr_areas = 1;
	sparse->areas[0].offset = 0;
	sparse->areas[0].size = size;
	ret = vfio_info_add_capability(caps, &sparse->header, len);
	kfree(sparse);
	return ret;
}

static int iav_ioctl_get_region_info(struct iav_instance *inst,
				     void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct vfio_region_info info;
	int ret = 0;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	if (info.index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;

	info.offset = IAV_INDEX_TO_OFFSET(info.index);
	info.size = 0;
	info.flags = 0;
	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.size = PCI_CFG_SPACE_SIZE;
		break;
	case IAV_BAR_CTRL:
		info.size = IAV_CTRL_SIZE;
		break;
	case IAV_BAR_PORTAL:
		info.size = inst->portal_size;
		ret = iav_add_sparse(&caps, (u64)inst->nr_wqs * IAV_PAGE_SIZE);
		break;
	case IAV_BAR_LMEM:
		info.size = inst->lmem_size;
		ret = iav_add_sparse(&caps, inst->lmem_size);
		break;
	case VFIO_PCI_VGA_REGION_INDEX:
		return -EINVAL;
	}
	if (ret)
		return ret;
	if (info.size)
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
	if (caps.size) {
		info.flags |= VFIO_REGION_INFO_FLAG_MMAP |
			      VFIO_REGION_INFO_FLAG_CAPS;
		if (info.argsz < sizeof(info) + caps.size) {
			info.argsz = sizeof(info) + caps.size;
			info.cap_offset = 0;
		} else {
			vfio_info_cap_shift(&caps, sizeof(info));
			if (copy_to_user(arg + sizeof(info), caps.buf,
					 caps.size)) {
				kfree(caps.buf);
				return -EFAULT;
			}
			info.cap_offset = sizeof(info);
		}
		kfree(caps.buf);
	}
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static int iav_reset(struct iav_instance *inst)
{
	mutex_lock(&inst->lock);
	iav_state_reset(inst);
	mutex_unlock(&inst->lock);
	return 0;
}

static long iav_ioctl(struct vfio_device *vdev, unsigned int cmd,
		      unsigned long arg)
{
	struct iav_instance *inst = iav_from_vdev(vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return iav_ioctl_get_info(inst, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return iav_ioctl_get_region_info(inst, uarg);
	case VFIO_DEVICE_RESET:
		return iav_reset(inst);
	case VFIO_DEVICE_GET_IRQ_INFO:
	case VFIO_DEVICE_SET_IRQS:
		return vfio_irqs_ioctl(&inst->irqs, cmd, arg);
	}
	return -ENOTTY;
}

/*
 * Interrupts: vector 0 emulated, vector v backed by slot slot_base + v - 1
 */

static struct iav_instance *iav_from_irqs(struct vfio_irqs *irqs)
{
	return container_of(irqs, struct iav_instance, irqs);
}

static int iav_irq_obtain(struct vfio_irqs *irqs, unsigned int index,
			  unsigned int vector)
{
	struct iav_instance *inst = iav_from_irqs(irqs);

	if (index != VFIO_PCI_MSIX_IRQ_INDEX || !vector)
		return 0;
	return iav_slot_obtain(inst->pf, inst->slot_base + vector - 1);
}

static void iav_irq_release(struct vfio_irqs *irqs, unsigned int index,
			    unsigned int vector, unsigned int irq)
{
	struct iav_instance *inst = iav_from_irqs(irqs);

	iav_slot_release(inst->pf, inst->slot_base + vector - 1, irq);
}

static const struct vfio_irqs_ops iav_irqs_ops = {
	.obtain		= iav_irq_obtain,
	.release	= iav_irq_release,
};

/*
 * Life cycle
 */

static int iav_open_device(struct vfio_device *vdev)
{
	return iav_reset(iav_from_vdev(vdev));
}

static void iav_close_device(struct vfio_device *vdev)
{
	struct iav_instance *inst = iav_from_vdev(vdev);

	/* The queues stop first: no completion signals a slot after this. */
	mutex_lock(&inst->lock);
	iav_state_reset(inst);
	mutex_unlock(&inst->lock);
	vfio_irqs_release(&inst->irqs);
	/* What fired while the vectors were masked is nobody's now. */
	iav_slots_scrub(inst->pf, inst->slot_base, inst->nr_vectors);
}

static void iav_request(struct vfio_device *vdev, unsigned int count)
{
	vfio_irqs_request(&iav_from_vdev(vdev)->irqs, count);
}

static int iav_init_dev(struct vfio_device *vdev)
{
	struct iav_instance *inst = iav_from_vdev(vdev);
	struct mdev_device *mdev = to_mdev_device(vdev->dev);
	struct iav_type *type = container_of(mdev->type, struct iav_type,
					     mtype);
	struct vfio_irqs_layout layout = { };
	int ret;

	inst->pf = type->pf;
	inst->type = type;
	mutex_init(&inst->lock);
	ret = iav_slice_alloc(inst);
	if (ret)
		goto err_destroy_lock;

	layout.msix = 1 + inst->nr_vectors;
	ret = vfio_irqs_init(&inst->irqs, vdev->dev, &iav_irqs_ops, &layout);
	if (ret)
		goto err_slice_free;

	inst->portal_size = roundup_pow_of_two((inst->nr_wqs + 1) *
					       IAV_PAGE_SIZE);
	inst->lmem_size = inst->nr_wqs * inst->pf->sram_size;
	mutex_lock(&inst->lock);
	iav_state_reset(inst);
	mutex_unlock(&inst->lock);
	return 0;

err_slice_free:
	iav_slice_free(inst);
err_destroy_lock:
	mutex_destroy(&inst->lock);
	return ret;
}

static void iav_release_dev(struct vfio_device *vdev)
{
	struct iav_instance *inst = iav_from_vdev(vdev);

	vfio_irqs_exit(&inst->irqs);
	iav_slice_free(inst);
	mutex_destroy(&inst->lock);
}

static const struct vfio_device_ops iav_vfio_ops = {
	.name		= "ims-accel-instance",
	.init		= iav_init_dev,
	.release	= iav_release_dev,
	.open_device	= iav_open_device,
	.close_device	= iav_close_device,
	.read		= iav_vfio_read,
	.write		= iav_vfio_write,
	.ioctl		= iav_ioctl,
	.mmap		= iav_mmap,
	.request	= iav_request,
	.bind_iommufd	= vfio_iommufd_emulated_bind,
	.unbind_iommufd	= vfio_iommufd_emulated_unbind,
	.attach_ioas	= vfio_iommufd_emulated_attach_ioas,
	.detach_ioas	= vfio_iommufd_emulated_detach_ioas,
};

/**
 * iav_instance_probe() - create an instance on mdev create
 * @mdev: the new mdev device
 *
 * Context: process context, may sleep.
 * Return: 0, -EUSERS if the function has no room for the type, or another
 * negative errno.
 */
int iav_instance_probe(struct mdev_device *mdev)
{
	struct iav_instance *inst;
	int ret;

	inst = vfio_alloc_device(iav_instance, vdev, &mdev->dev, &iav_vfio_ops);
	if (IS_ERR(inst))
		return PTR_ERR(inst);
	ret = vfio_register_emulated_iommu_dev(&inst->vdev);
	if (ret)
		goto err_put;
	dev_set_drvdata(&mdev->dev, inst);
	return 0;

err_put:
	vfio_put_device(&inst->vdev);
	return ret;
}

/**
 * iav_instance_remove() - remove an instance on mdev remove
 * @mdev: the mdev device
 *
 * Asks a user of the instance to let go through the REQ interrupt and
 * waits for it; then frees the instance's queues and slots.
 *
 * Context: process context, may sleep for as long as the user holds on.
 */
void iav_instance_remove(struct mdev_device *mdev)
{
	struct iav_instance *inst = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&inst->vdev);
	vfio_put_device(&inst->vdev);
}
