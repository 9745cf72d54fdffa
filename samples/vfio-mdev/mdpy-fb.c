// SPDX-License-Identifier: GPL-2.0
/*
 * mdpy-fb: fbdev driver for the mdpy display device, run in the guest.
 *
 * Reads the mode from the device's vendor capability, maps BAR0 as the
 * screen and uses the frame tick (MSI, else INTx) to implement
 * FBIO_WAITFORVSYNC. The tick runs only while someone has the fbdev open.
 * mdpy-defs.h describes the device.
 */
#include <linux/fb.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/wait.h>
#include <drm/drm_fourcc.h>

#include "mdpy-defs.h"

#define MDPYFB_NAME		"mdpy-fb"
#define MDPYFB_PALETTE_SIZE	16
/* Limits on a sane mode; the device reports one of a few fixed ones. */
#define MDPYFB_MIN_DIM		64
#define MDPYFB_MAX_DIM		8192
#define MDPYFB_VSYNC_TIMEOUT	(HZ / 5)

/**
 * struct mdpyfb_par - driver state behind &fb_info.par
 * @pdev: the PCI device
 * @palette: pseudo palette for the console
 * @open_lock: serialises @users and @gone with the tick enable
 * @users: opens of the fbdev; the tick runs while it is not zero
 * @gone: the PCI device was removed; the fbdev lives on until closed
 * @frames: frame ticks seen by the interrupt handler
 * @vsync: woken on each frame tick
 */
struct mdpyfb_par {
	struct pci_dev *pdev;
	u32 palette[MDPYFB_PALETTE_SIZE];
	struct mutex open_lock;	/* see @open_lock above */
	unsigned int users;
	bool gone;
	atomic_t frames;
	wait_queue_head_t vsync;
};

static irqreturn_t mdpyfb_irq(int irq, void *data)
{
	struct mdpyfb_par *par = data;
	u32 status;

	pci_read_config_dword(par->pdev, MDPY_CAP_STATUS, &status);
	if (!(status & MDPY_STATUS_TICK))
		return IRQ_NONE;
	pci_write_config_dword(par->pdev, MDPY_CAP_STATUS, MDPY_STATUS_TICK);
	atomic_inc(&par->frames);
	wake_up_all(&par->vsync);
	return IRQ_HANDLED;
}

static void mdpyfb_set_tick(struct mdpyfb_par *par, bool on)
{
	pci_write_config_dword(par->pdev, MDPY_CAP_CTRL,
			       on ? MDPY_CTRL_TICK_EN : 0);
}

static int mdpyfb_open(struct fb_info *info, int user)
{
	struct mdpyfb_par *par = info->par;

	mutex_lock(&par->open_lock);
	if (!par->users++ && !par->gone)
		mdpyfb_set_tick(par, true);
	mutex_unlock(&par->open_lock);
	return 0;
}

static int mdpyfb_release(struct fb_info *info, int user)
{
	struct mdpyfb_par *par = info->par;

	mutex_lock(&par->open_lock);
	if (!--par->users && !par->gone)
		mdpyfb_set_tick(par, false);
	mutex_unlock(&par->open_lock);
	return 0;
}

static int mdpyfb_wait_vsync(struct mdpyfb_par *par)
{
	int seen = atomic_read(&par->frames);
	long left;

	left = wait_event_interruptible_timeout(par->vsync,
						atomic_read(&par->frames) != seen,
						MDPYFB_VSYNC_TIMEOUT);
	if (left < 0)
		return left;
	return left ? 0 : -ETIMEDOUT;
}

static int mdpyfb_ioctl(struct fb_info *info, unsigned int cmd,
			unsigned long arg)
{
	u32 crtc;

	switch (cmd) {
	case FBIO_WAITFORVSYNC:
		if (get_user(crtc, (u32 __user *)arg))
			return -EFAULT;
		if (crtc)
			return -EINVAL;
		return mdpyfb_wait_vsync(info->par);
	}
	return -ENOTTY;
}

static int mdpyfb_setcolreg(unsigned int regno, unsigned int red,
			    unsigned int green, unsigned int blue,
			    unsigned int transp, struct fb_info *info)
{
	u32 *palette = info->pseudo_palette;

	if (regno >= MDPYFB_PALETTE_SIZE)
		return -EINVAL;

	/* 16-bit components down to the 8 bits of XRGB8888 */
	palette[regno] = (red >> 8) << info->var.red.offset |
			 (green >> 8) << info->var.green.offset |
			 (blue >> 8) << info->var.blue.offset;
	return 0;
}

/* The last reference to the fbdev is gone, possibly after remove. */
static void mdpyfb_destroy(struct fb_info *info)
{
	struct mdpyfb_par *par = info->par;

	iounmap(info->screen_base);
	mutex_destroy(&par->open_lock);
	framebuffer_release(info);
}

static const struct fb_ops mdpyfb_ops = {
	.owner = THIS_MODULE,
	FB_DEFAULT_IOMEM_OPS,
	.fb_open = mdpyfb_open,
	.fb_release = mdpyfb_release,
	.fb_ioctl = mdpyfb_ioctl,
	.fb_setcolreg = mdpyfb_setcolreg,
	.fb_destroy = mdpyfb_destroy,
};

/* Fill in the fixed and variable screen info from the vendor capability. */
static int mdpyfb_read_mode(struct pci_dev *pdev, struct fb_info *info)
{
	u32 format, width, height, stride;
	u8 cap, len, version;

	pci_read_config_byte(pdev, PCI_CAPABILITY_LIST, &cap);
	pci_read_config_byte(pdev, MDPY_CAP_OFFSET + PCI_CAP_FLAGS, &len);
	pci_read_config_byte(pdev, MDPY_CAP_VERSION, &version);
	if (cap != MDPY_CAP_OFFSET || len < MDPY_CAP_SIZE ||
	    version != MDPY_CAP_VERSION_1) {
		pci_err(pdev, "no mdpy capability (version %u)\n", version);
		return -ENODEV;
	}

	pci_read_config_dword(pdev, MDPY_CAP_FORMAT, &format);
	pci_read_config_dword(pdev, MDPY_CAP_WIDTH, &width);
	pci_read_config_dword(pdev, MDPY_CAP_HEIGHT, &height);
	pci_read_config_dword(pdev, MDPY_CAP_STRIDE, &stride);
	if (format != DRM_FORMAT_XRGB8888) {
		pci_err(pdev, "unsupported format %#x\n", format);
		return -EINVAL;
	}
	if (width < MDPYFB_MIN_DIM || width > MDPYFB_MAX_DIM ||
	    height < MDPYFB_MIN_DIM || height > MDPYFB_MAX_DIM ||
	    stride < width * 4 ||
	    (u64)stride * height > pci_resource_len(pdev, 0)) {
		pci_err(pdev, "bad mode %ux%u stride %u\n", width, height,
			stride);
		return -EINVAL;
	}

	strscpy(info->fix.id, MDPYFB_NAME, sizeof(info->fix.id));
	info->fix.type = FB_TYPE_PACKED_PIXELS;
	info->fix.visual = FB_VISUAL_TRUECOLOR;
	info->fix.accel = FB_ACCEL_NONE;
	info->fix.line_length = stride;
	info->fix.smem_start = pci_resource_start(pdev, 0);
	info->fix.smem_len = stride * height;

	info->var.xres = width;
	info->var.yres = height;
	info->var.xres_virtual = width;
	info->var.yres_virtual = height;
	info->var.bits_per_pixel = 32;
	info->var.red = (struct fb_bitfield){ .offset = 16, .length = 8 };
	info->var.green = (struct fb_bitfield){ .offset = 8, .length = 8 };
	info->var.blue = (struct fb_bitfield){ .offset = 0, .length = 8 };
	info->var.height = -1;
	info->var.width = -1;
	info->var.activate = FB_ACTIVATE_NOW;
	info->var.vmode = FB_VMODE_NONINTERLACED;
	return 0;
}

static int mdpyfb_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mdpyfb_par *par;
	struct fb_info *info;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_request_all_regions(pdev, MDPYFB_NAME);
	if (ret)
		return ret;

	info = framebuffer_alloc(sizeof(*par), &pdev->dev);
	if (!info)
		return -ENOMEM;
	par = info->par;
	par->pdev = pdev;
	mutex_init(&par->open_lock);
	init_waitqueue_head(&par->vsync);
	pci_set_drvdata(pdev, info);

	ret = mdpyfb_read_mode(pdev, info);
	if (ret)
		goto err_release_fb;

	info->screen_base = pci_ioremap_wc_bar(pdev, 0);
	if (!info->screen_base) {
		ret = -ENOMEM;
		goto err_release_fb;
	}
	info->screen_size = info->fix.smem_len;
	info->fbops = &mdpyfb_ops;
	info->pseudo_palette = par->palette;

	/* The tick stays off until the fbdev is opened. */
	mdpyfb_set_tick(par, false);
	/* An MSI is a memory write by the device. */
	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (ret < 0)
		goto err_unmap;
	ret = request_irq(pci_irq_vector(pdev, 0), mdpyfb_irq, IRQF_SHARED,
			  MDPYFB_NAME, par);
	if (ret)
		goto err_free_vectors;

	ret = register_framebuffer(info);
	if (ret)
		goto err_free_irq;

	pci_info(pdev, "fb%d: %ux%u\n", info->node, info->var.xres,
		 info->var.yres);
	return 0;

err_free_irq:
	free_irq(pci_irq_vector(pdev, 0), par);
err_free_vectors:
	pci_free_irq_vectors(pdev);
err_unmap:
	iounmap(info->screen_base);
err_release_fb:
	mutex_destroy(&par->open_lock);
	framebuffer_release(info);
	return ret;
}

static void mdpyfb_remove(struct pci_dev *pdev)
{
	struct fb_info *info = pci_get_drvdata(pdev);
	struct mdpyfb_par *par = info->par;

	mutex_lock(&par->open_lock);
	par->gone = true;
	mdpyfb_set_tick(par, false);
	mutex_unlock(&par->open_lock);
	free_irq(pci_irq_vector(pdev, 0), par);
	pci_free_irq_vectors(pdev);
	/* Frees @info through mdpyfb_destroy() once nobody has it open. */
	unregister_framebuffer(info);
}

static const struct pci_device_id mdpyfb_ids[] = {
	{ PCI_DEVICE_SUB(MDPY_PCI_VENDOR_ID, MDPY_PCI_DEVICE_ID,
			 MDPY_PCI_SUBVENDOR_ID, MDPY_PCI_SUBDEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, mdpyfb_ids);

static struct pci_driver mdpyfb_driver = {
	.name = MDPYFB_NAME,
	.id_table = mdpyfb_ids,
	.probe = mdpyfb_probe,
	.remove = mdpyfb_remove,
};
module_pci_driver(mdpyfb_driver);

MODULE_DESCRIPTION("fbdev driver for the mdpy mediated display device");
MODULE_LICENSE("GPL");
