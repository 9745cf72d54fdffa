// SPDX-License-Identifier: GPL-2.0
/*
 * mdpy: a mediated PCI display device.
 *
 * Each instance is a display controller of a fixed mode (its mdev type)
 * with a framebuffer in BAR0 that the user maps, its mode in a vendor
 * capability of the emulated config space, and a frame tick interrupt
 * (MSI or INTx) raised through the VFIO interrupt frontend. mdpy-defs.h
 * describes the device as the guest sees it.
 */
#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci_regs.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <linux/vfio.h>
#include <linux/vfio_irqs.h>
#include <linux/vmalloc.h>
#include <drm/drm_fourcc.h>

#include "mdpy-defs.h"

#define MDPY_NAME		"mdpy"
#define MDPY_CONFIG_SIZE	PCI_CFG_SPACE_SIZE

/* Regions sit at index << MDPY_REGION_SHIFT in the device fd, as vfio-pci. */
#define MDPY_REGION_SHIFT	40
#define MDPY_REGION_MASK	((1ULL << MDPY_REGION_SHIFT) - 1)
#define MDPY_REGION_OFFSET(i)	((u64)(i) << MDPY_REGION_SHIFT)

/**
 * struct mdpy_type - one display mode, an mdev type
 * @type: the mdev type
 * @format: DRM fourcc of the pixels
 * @cpp: bytes per pixel
 * @width: pixels per line
 * @height: lines
 * @refresh: frame ticks per second
 */
struct mdpy_type {
	struct mdev_type type;
	u32 format;
	u32 cpp;
	u32 width;
	u32 height;
	u32 refresh;
};

/**
 * struct mdpy_state - one instance
 * @vdev: the VFIO device
 * @irqs: the interrupt frontend's state
 * @type: the display mode
 * @fb: the framebuffer (BAR0), vmalloc() memory, mapped to userspace page
 *	by page as it is touched (mdpy_fb_fault())
 * @fbsize: size of @fb and BAR0, a power of two
 * @cfg_mutex: serialises config space writes with their side effects
 * @lock: protects @config, @wmask and @w1cmask against the tick timer;
 *	taken in hard-IRQ context, so with interrupts off elsewhere
 * @config: the emulated config space
 * @wmask: bits of @config the user may write
 * @w1cmask: bits of @config the user clears by writing 1
 * @tick: the frame tick timer, running while CTRL.TICK_EN is set
 * @period: time between two frame ticks
 */
struct mdpy_state {
	struct vfio_device vdev;
	struct vfio_irqs irqs;
	const struct mdpy_type *type;
	void *fb;
	u32 fbsize;
	struct mutex cfg_mutex;	/* config writes and their effects */
	spinlock_t lock;	/* config space vs. the tick */
	u8 config[MDPY_CONFIG_SIZE];
	u8 wmask[MDPY_CONFIG_SIZE];
	u8 w1cmask[MDPY_CONFIG_SIZE];
	struct hrtimer tick;
	ktime_t period;
};

static struct mdpy_type mdpy_types[] = {
	{
		.type.sysfs_name = "vga",
		.type.pretty_name = "mdpy-vga 640x480@60",
		.format = DRM_FORMAT_XRGB8888,
		.cpp = 4,
		.width = 640,
		.height = 480,
		.refresh = 60,
	}, {
		.type.sysfs_name = "xga",
		.type.pretty_name = "mdpy-xga 1024x768@75",
		.format = DRM_FORMAT_XRGB8888,
		.cpp = 4,
		.width = 1024,
		.height = 768,
		.refresh = 75,
	}, {
		.type.sysfs_name = "hd",
		.type.pretty_name = "mdpy-hd 1920x1080@50",
		.format = DRM_FORMAT_XRGB8888,
		.cpp = 4,
		.width = 1920,
		.height = 1080,
		.refresh = 50,
	},
};

static struct mdev_type *mdpy_mdev_types[] = {
	&mdpy_types[0].type,
	&mdpy_types[1].type,
	&mdpy_types[2].type,
};

static const struct class mdpy_class = {
	.name = MDPY_NAME,
};

static struct device *mdpy_parent_dev;
static struct mdev_parent mdpy_parent;

static struct mdpy_state *to_mdpy(struct vfio_device *vdev)
{
	return container_of(vdev, struct mdpy_state, vdev);
}

static u32 mdpy_stride(const struct mdpy_type *type)
{
	return type->width * type->cpp;
}

/* Config space helpers; callers hold @lock once the device is live. */

static u32 mdpy_cfg_get32(struct mdpy_state *st, unsigned int off)
{
	return get_unaligned_le32(&st->config[off]);
}

static void mdpy_cfg_set32(struct mdpy_state *st, unsigned int off, u32 val)
{
	put_unaligned_le32(val, &st->config[off]);
}

static void mdpy_cfg_set16(struct mdpy_state *st, unsigned int off, u16 val)
{
	put_unaligned_le16(val, &st->config[off]);
}

static void mdpy_wmask_set32(struct mdpy_state *st, unsigned int off, u32 val)
{
	put_unaligned_le32(val, &st->wmask[off]);
}

static void mdpy_wmask_set16(struct mdpy_state *st, unsigned int off, u16 val)
{
	put_unaligned_le16(val, &st->wmask[off]);
}

static bool mdpy_ticking(struct mdpy_state *st)
{
	return mdpy_cfg_get32(st, MDPY_CAP_CTRL) & MDPY_CTRL_TICK_EN;
}

/*
 * Drive the INTx line from STATUS.TICK and the command register, and
 * mirror it in PCI_STATUS_INTERRUPT. The frontend keeps the line level
 * whichever index is enabled, so it is always told.
 */
static void mdpy_update_intx(struct mdpy_state *st)
{
	bool pending = mdpy_cfg_get32(st, MDPY_CAP_STATUS) & MDPY_STATUS_TICK;
	u16 cmd = get_unaligned_le16(&st->config[PCI_COMMAND]);
	u16 status = get_unaligned_le16(&st->config[PCI_STATUS]);

	lockdep_assert_held(&st->lock);

	if (pending)
		status |= PCI_STATUS_INTERRUPT;
	else
		status &= ~PCI_STATUS_INTERRUPT;
	mdpy_cfg_set16(st, PCI_STATUS, status);
	vfio_irqs_intx_set_level(&st->irqs,
				 pending && !(cmd & PCI_COMMAND_INTX_DISABLE));
}

static void mdpy_init_config(struct mdpy_state *st)
{
	const struct mdpy_type *type = st->type;
	u8 *cap = &st->config[MDPY_CAP_OFFSET];
	u8 *msi = &st->config[MDPY_MSI_OFFSET];

	memset(st->config, 0, sizeof(st->config));
	memset(st->wmask, 0, sizeof(st->wmask));
	memset(st->w1cmask, 0, sizeof(st->w1cmask));

	mdpy_cfg_set16(st, PCI_VENDOR_ID, MDPY_PCI_VENDOR_ID);
	mdpy_cfg_set16(st, PCI_DEVICE_ID, MDPY_PCI_DEVICE_ID);
	mdpy_cfg_set16(st, PCI_STATUS, PCI_STATUS_CAP_LIST);
	mdpy_cfg_set32(st, PCI_CLASS_REVISION,
		       MDPY_PCI_CLASS << 8 | MDPY_PCI_REVISION);
	mdpy_cfg_set32(st, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_SPACE_MEMORY |
		       PCI_BASE_ADDRESS_MEM_TYPE_32 |
		       PCI_BASE_ADDRESS_MEM_PREFETCH);
	mdpy_cfg_set16(st, PCI_SUBSYSTEM_VENDOR_ID, MDPY_PCI_SUBVENDOR_ID);
	mdpy_cfg_set16(st, PCI_SUBSYSTEM_ID, MDPY_PCI_SUBDEVICE_ID);
	st->config[PCI_CAPABILITY_LIST] = MDPY_CAP_OFFSET;
	st->config[PCI_INTERRUPT_PIN] = 1;

	cap[PCI_CAP_LIST_ID] = PCI_CAP_ID_VNDR;
	cap[PCI_CAP_LIST_NEXT] = MDPY_MSI_OFFSET;
	cap[PCI_CAP_FLAGS] = MDPY_CAP_SIZE;
	st->config[MDPY_CAP_VERSION] = MDPY_CAP_VERSION_1;
	mdpy_cfg_set32(st, MDPY_CAP_FORMAT, type->format);
	mdpy_cfg_set32(st, MDPY_CAP_WIDTH, type->width);
	mdpy_cfg_set32(st, MDPY_CAP_HEIGHT, type->height);
	mdpy_cfg_set32(st, MDPY_CAP_STRIDE, mdpy_stride(type));
	mdpy_cfg_set32(st, MDPY_CAP_REFRESH, type->refresh);

	msi[PCI_CAP_LIST_ID] = PCI_CAP_ID_MSI;
	mdpy_cfg_set16(st, MDPY_MSI_OFFSET + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);

	/* Writable bits; the BAR mask makes sizing read back the size. */
	mdpy_wmask_set16(st, PCI_COMMAND, PCI_COMMAND_MEMORY |
			 PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	mdpy_wmask_set32(st, PCI_BASE_ADDRESS_0, ~(st->fbsize - 1));
	st->wmask[PCI_INTERRUPT_LINE] = 0xff;
	mdpy_wmask_set32(st, MDPY_CAP_CTRL, MDPY_CTRL_TICK_EN);
	put_unaligned_le32(MDPY_STATUS_TICK, &st->w1cmask[MDPY_CAP_STATUS]);
	mdpy_wmask_set16(st, MDPY_MSI_OFFSET + PCI_MSI_FLAGS,
			 PCI_MSI_FLAGS_ENABLE);
	mdpy_wmask_set32(st, MDPY_MSI_OFFSET + PCI_MSI_ADDRESS_LO, ~3U);
	mdpy_wmask_set32(st, MDPY_MSI_OFFSET + PCI_MSI_ADDRESS_HI, ~0U);
	mdpy_wmask_set16(st, MDPY_MSI_OFFSET + PCI_MSI_DATA_64, 0xffff);
}

/* Frame tick */

static enum hrtimer_restart mdpy_tick_fn(struct hrtimer *timer)
{
	struct mdpy_state *st = container_of(timer, struct mdpy_state, tick);
	unsigned long flags;

	spin_lock_irqsave(&st->lock, flags);
	if (!mdpy_ticking(st)) {
		spin_unlock_irqrestore(&st->lock, flags);
		return HRTIMER_NORESTART;
	}
	mdpy_cfg_set32(st, MDPY_CAP_FRAMES,
		       mdpy_cfg_get32(st, MDPY_CAP_FRAMES) + 1);
	mdpy_cfg_set32(st, MDPY_CAP_STATUS,
		       mdpy_cfg_get32(st, MDPY_CAP_STATUS) | MDPY_STATUS_TICK);
	mdpy_update_intx(st);
	spin_unlock_irqrestore(&st->lock, flags);

	/* MSI is an edge: one message per frame, whatever STATUS says. */
	if (vfio_irqs_active_index(&st->irqs) == VFIO_PCI_MSI_IRQ_INDEX)
		vfio_irqs_trigger(&st->irqs, VFIO_PCI_MSI_IRQ_INDEX, 0);

	hrtimer_forward_now(timer, st->period);
	return HRTIMER_RESTART;
}

/*
 * Stop the tick: after this returns no tick runs or is about to raise an
 * interrupt. Called with @cfg_mutex held, or before the device is shared.
 */
static void mdpy_tick_stop(struct mdpy_state *st)
{
	unsigned long flags;

	spin_lock_irqsave(&st->lock, flags);
	mdpy_cfg_set32(st, MDPY_CAP_CTRL, 0);
	mdpy_cfg_set32(st, MDPY_CAP_STATUS, 0);
	mdpy_update_intx(st);
	spin_unlock_irqrestore(&st->lock, flags);
	hrtimer_cancel(&st->tick);
}

static void mdpy_reset(struct mdpy_state *st)
{
	unsigned long flags;

	mutex_lock(&st->cfg_mutex);
	mdpy_tick_stop(st);
	spin_lock_irqsave(&st->lock, flags);
	mdpy_init_config(st);
	mdpy_update_intx(st);
	spin_unlock_irqrestore(&st->lock, flags);
	mutex_unlock(&st->cfg_mutex);
}

/* Config space access */

static void mdpy_config_write(struct mdpy_state *st, unsigned int off,
			      const u8 *buf, unsigned int count)
{
	bool was_ticking, ticking;
	unsigned long flags;
	unsigned int i;

	mutex_lock(&st->cfg_mutex);
	spin_lock_irqsave(&st->lock, flags);
	was_ticking = mdpy_ticking(st);
	for (i = off; i < off + count; i++) {
		u8 val = buf[i - off];
		u8 old = st->config[i];

		st->config[i] = ((old & ~st->wmask[i]) | (val & st->wmask[i])) &
				~(val & st->w1cmask[i]);
	}
	ticking = mdpy_ticking(st);
	if (was_ticking && !ticking)
		mdpy_cfg_set32(st, MDPY_CAP_STATUS, 0);
	mdpy_update_intx(st);
	if (!was_ticking && ticking)
		hrtimer_start(&st->tick, st->period, HRTIMER_MODE_REL);
	spin_unlock_irqrestore(&st->lock, flags);

	/* A tick that saw TICK_EN before the write may still be running. */
	if (was_ticking && !ticking)
		hrtimer_cancel(&st->tick);
	mutex_unlock(&st->cfg_mutex);
}

/*
 * Region access: exactly one of @rbuf (read) and @wbuf (write) is set.
 * The framebuffer needs no lock: like VRAM, racing accesses see either
 * value of a pixel.
 */
static ssize_t mdpy_config_rw(struct mdpy_state *st, char __user *rbuf,
			      const char __user *wbuf, size_t count, u64 off)
{
	u8 buf[MDPY_CONFIG_SIZE];
	unsigned long flags;

	if (off >= MDPY_CONFIG_SIZE || count > MDPY_CONFIG_SIZE - off)
		return -EINVAL;

	if (wbuf) {
		if (copy_from_user(buf, wbuf, count))
			return -EFAULT;
		mdpy_config_write(st, off, buf, count);
		return count;
	}

	spin_lock_irqsave(&st->lock, flags);
	memcpy(buf, &st->config[off], count);
	spin_unlock_irqrestore(&st->lock, flags);
	if (copy_to_user(rbuf, buf, count))
		return -EFAULT;
	return count;
}

static ssize_t mdpy_fb_rw(struct mdpy_state *st, char __user *rbuf,
			  const char __user *wbuf, size_t count, u64 off)
{
	unsigned long left;

	if (off >= st->fbsize || count > st->fbsize - off)
		return -EINVAL;

	if (wbuf)
		left = copy_from_user(st->fb + off, wbuf, count);
	else
		left = copy_to_user(rbuf, st->fb + off, count);
	return left ? -EFAULT : count;
}

static ssize_t mdpy_rw(struct mdpy_state *st, char __user *rbuf,
		       const char __user *wbuf, size_t count, loff_t *ppos)
{
	unsigned int index = *ppos >> MDPY_REGION_SHIFT;
	u64 off = *ppos & MDPY_REGION_MASK;
	ssize_t ret;

	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		ret = mdpy_config_rw(st, rbuf, wbuf, count, off);
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		ret = mdpy_fb_rw(st, rbuf, wbuf, count, off);
		break;
	default:
		return -EINVAL;
	}
	if (ret > 0)
		*ppos += ret;
	return ret;
}

static ssize_t mdpy_read(struct vfio_device *vdev, char __user *buf,
			 size_t count, loff_t *ppos)
{
	return mdpy_rw(to_mdpy(vdev), buf, NULL, count, ppos);
}

static ssize_t mdpy_write(struct vfio_device *vdev, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	return mdpy_rw(to_mdpy(vdev), NULL, buf, count, ppos);
}

/*
 * The framebuffer is not vmalloc_user() memory (see mdpy_init_dev()), so
 * remap_vmalloc_range() would refuse it: its pages are handed out here.
 * The mapping holds the device file, so @fb outlives it.
 */
static vm_fault_t mdpy_fb_fault(struct vm_fault *vmf)
{
	struct mdpy_state *st = vmf->vma->vm_private_data;
	unsigned long pgoff = vmf->pgoff & (MDPY_REGION_MASK >> PAGE_SHIFT);

	if (pgoff >= st->fbsize >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	vmf->page = vmalloc_to_page(st->fb + (pgoff << PAGE_SHIFT));
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct mdpy_fb_vm_ops = {
	.fault = mdpy_fb_fault,
};

static int mdpy_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	struct mdpy_state *st = to_mdpy(vdev);
	unsigned int index = vma->vm_pgoff >> (MDPY_REGION_SHIFT - PAGE_SHIFT);
	unsigned long pgoff = vma->vm_pgoff &
			      (MDPY_REGION_MASK >> PAGE_SHIFT);
	unsigned long fb_pages = st->fbsize >> PAGE_SHIFT;

	if (index != VFIO_PCI_BAR0_REGION_INDEX)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (pgoff >= fb_pages || vma_pages(vma) > fb_pages - pgoff)
		return -EINVAL;
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = st;
	vma->vm_ops = &mdpy_fb_vm_ops;
	return 0;
}

/* ioctls */

static int mdpy_get_info(struct mdpy_state *st, void __user *arg)
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

static int mdpy_get_region_info(struct mdpy_state *st, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;

	info.offset = MDPY_REGION_OFFSET(info.index);
	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.size = MDPY_CONFIG_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		info.size = st->fbsize;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE |
			     VFIO_REGION_INFO_FLAG_MMAP;
		break;
	default:
		info.size = 0;
		info.flags = 0;
		break;
	}
	info.cap_offset = 0;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* DRM_PLANE_TYPE_CURSOR of enum drm_plane_type, which is not uAPI */
#define MDPY_PLANE_CURSOR	2

static int mdpy_query_gfx_plane(struct mdpy_state *st, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_gfx_plane_info,
					  region_index);
	const struct mdpy_type *type = st->type;
	struct vfio_device_gfx_plane_info plane, out = {};

	if (copy_from_user(&plane, arg, minsz))
		return -EFAULT;
	if (plane.argsz < minsz)
		return -EINVAL;

	if (plane.flags & VFIO_GFX_PLANE_TYPE_PROBE)
		return plane.flags == (VFIO_GFX_PLANE_TYPE_PROBE |
				       VFIO_GFX_PLANE_TYPE_REGION) ? 0 : -EINVAL;
	if (plane.flags != VFIO_GFX_PLANE_TYPE_REGION)
		return -EINVAL;

	/*
	 * The display is its one plane. A region query need not name the
	 * plane type (QEMU's region display leaves it 0, overlay); a cursor
	 * is asked for by name, and there is none.
	 */
	out.argsz = plane.argsz;
	out.flags = plane.flags;
	out.drm_plane_type = plane.drm_plane_type;
	out.x_hot = U32_MAX;
	out.y_hot = U32_MAX;
	if (plane.drm_plane_type != MDPY_PLANE_CURSOR) {
		out.drm_format = type->format;
		out.width = type->width;
		out.height = type->height;
		out.stride = mdpy_stride(type);
		out.size = st->fbsize;
		out.region_index = VFIO_PCI_BAR0_REGION_INDEX;
	}
	return copy_to_user(arg, &out, minsz) ? -EFAULT : 0;
}

static long mdpy_ioctl(struct vfio_device *vdev, unsigned int cmd,
		       unsigned long arg)
{
	struct mdpy_state *st = to_mdpy(vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return mdpy_get_info(st, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return mdpy_get_region_info(st, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
	case VFIO_DEVICE_SET_IRQS:
		return vfio_irqs_ioctl(&st->irqs, cmd, arg);
	case VFIO_DEVICE_QUERY_GFX_PLANE:
		return mdpy_query_gfx_plane(st, uarg);
	case VFIO_DEVICE_RESET:
		mdpy_reset(st);
		return 0;
	}
	return -ENOTTY;
}

static int mdpy_open_device(struct vfio_device *vdev)
{
	struct mdpy_state *st = to_mdpy(vdev);

	/*
	 * Each owner starts from a blank screen, not the last one's frame.
	 * No mapping of the framebuffer outlives the device's last close.
	 */
	memset(st->fb, 0, st->fbsize);
	mdpy_reset(st);
	return 0;
}

static void mdpy_close_device(struct vfio_device *vdev)
{
	struct mdpy_state *st = to_mdpy(vdev);

	mdpy_reset(st);
	vfio_irqs_release(&st->irqs);
}

static void mdpy_request(struct vfio_device *vdev, unsigned int count)
{
	vfio_irqs_request(&to_mdpy(vdev)->irqs, count);
}

/* Instance life cycle */

static const struct vfio_irqs_layout mdpy_irqs_layout = {
	.intx = 1,
	.msi = 1,
};

static int mdpy_init_dev(struct vfio_device *vdev)
{
	struct mdpy_state *st = to_mdpy(vdev);
	struct mdev_device *mdev = to_mdev_device(vdev->dev);
	const struct mdpy_type *type =
		container_of(mdev->type, struct mdpy_type, type);
	int ret;

	st->type = type;
	st->fbsize = roundup_pow_of_two(mdpy_stride(type) * type->height);
	/*
	 * A VMM may create instances until memory runs out: a failure is an
	 * errno for it, not a warning with a stack in the host's log, which
	 * vmalloc_user() (it takes no gfp flags) would print.
	 */
	st->fb = __vmalloc(st->fbsize, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!st->fb)
		return -ENOMEM;

	ret = vfio_irqs_init(&st->irqs, vdev->dev, NULL, &mdpy_irqs_layout);
	if (ret)
		goto err_free_fb;

	mutex_init(&st->cfg_mutex);
	spin_lock_init(&st->lock);
	hrtimer_init(&st->tick, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	st->tick.function = mdpy_tick_fn;
	st->period = ns_to_ktime(NSEC_PER_SEC / type->refresh);
	mdpy_init_config(st);
	return 0;

err_free_fb:
	vfree(st->fb);
	return ret;
}

static void mdpy_release_dev(struct vfio_device *vdev)
{
	struct mdpy_state *st = to_mdpy(vdev);

	vfio_irqs_exit(&st->irqs);
	mutex_destroy(&st->cfg_mutex);
	vfree(st->fb);
}

static const struct vfio_device_ops mdpy_dev_ops = {
	.name = "vfio-mdpy",
	.init = mdpy_init_dev,
	.release = mdpy_release_dev,
	.open_device = mdpy_open_device,
	.close_device = mdpy_close_device,
	.read = mdpy_read,
	.write = mdpy_write,
	.ioctl = mdpy_ioctl,
	.mmap = mdpy_mmap,
	.request = mdpy_request,
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
};

static int mdpy_probe(struct mdev_device *mdev)
{
	struct mdpy_state *st;
	int ret;

	st = vfio_alloc_device(mdpy_state, vdev, &mdev->dev, &mdpy_dev_ops);
	if (IS_ERR(st))
		return PTR_ERR(st);

	ret = vfio_register_emulated_iommu_dev(&st->vdev);
	if (ret)
		goto err_put_device;
	dev_set_drvdata(&mdev->dev, st);
	return 0;

err_put_device:
	vfio_put_device(&st->vdev);
	return ret;
}

static void mdpy_remove(struct mdev_device *mdev)
{
	struct mdpy_state *st = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&st->vdev);
	vfio_put_device(&st->vdev);
}

static ssize_t mdpy_show_description(struct mdev_type *mtype, char *buf)
{
	struct mdpy_type *type = container_of(mtype, struct mdpy_type, type);

	return sysfs_emit(buf, "display %ux%u, %u Hz frame tick\n",
			  type->width, type->height, type->refresh);
}

static ssize_t mode_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct mdpy_state *st = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%ux%u@%u\n", st->type->width,
			  st->type->height, st->type->refresh);
}
static DEVICE_ATTR_RO(mode);

static struct attribute *mdpy_dev_attrs[] = {
	&dev_attr_mode.attr,
	NULL,
};

static const struct attribute_group mdpy_dev_group = {
	.name = "vendor",
	.attrs = mdpy_dev_attrs,
};

static const struct attribute_group *mdpy_dev_groups[] = {
	&mdpy_dev_group,
	NULL,
};

static struct mdev_driver mdpy_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.max_instances = 4,
	.driver = {
		.name = MDPY_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		.dev_groups = mdpy_dev_groups,
	},
	.probe = mdpy_probe,
	.remove = mdpy_remove,
	.show_description = mdpy_show_description,
};

module_param_named(count, mdpy_driver.max_instances, uint, 0444);
MODULE_PARM_DESC(count, "how many instances may exist at once (default 4)");

static int __init mdpy_init(void)
{
	int ret;

	ret = mdev_register_driver(&mdpy_driver);
	if (ret)
		return ret;

	ret = class_register(&mdpy_class);
	if (ret)
		goto err_unregister_driver;

	mdpy_parent_dev = device_create(&mdpy_class, NULL, MKDEV(0, 0), NULL,
					MDPY_NAME);
	if (IS_ERR(mdpy_parent_dev)) {
		ret = PTR_ERR(mdpy_parent_dev);
		goto err_unregister_class;
	}

	ret = mdev_register_parent(&mdpy_parent, mdpy_parent_dev, &mdpy_driver,
				   mdpy_mdev_types,
				   ARRAY_SIZE(mdpy_mdev_types));
	if (ret)
		goto err_unregister_device;
	return 0;

err_unregister_device:
	device_unregister(mdpy_parent_dev);
err_unregister_class:
	class_unregister(&mdpy_class);
err_unregister_driver:
	mdev_unregister_driver(&mdpy_driver);
	return ret;
}

static void __exit mdpy_exit(void)
{
	mdev_unregister_parent(&mdpy_parent);
	device_unregister(mdpy_parent_dev);
	class_unregister(&mdpy_class);
	mdev_unregister_driver(&mdpy_driver);
}

module_init(mdpy_init);
module_exit(mdpy_exit);

MODULE_DESCRIPTION("Mediated PCI display device with a frame tick interrupt");
MODULE_LICENSE("GPL");
