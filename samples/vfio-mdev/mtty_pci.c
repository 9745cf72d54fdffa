// SPDX-License-Identifier: GPL-2.0-only
/*
 * mtty: the PCI shell of the card (config space, I/O BARs, interrupts) and
 * its VFIO mediated device. The interrupt uAPI is the frontend's.
 */

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/irq.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/pci_ids.h>
#include <linux/pci_regs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>

#include "mtty.h"

/* Identifiers of this sample; guests bind it by its class code. */
#define MTTY_VENDOR_ID		0x4d54
#define MTTY_DEVICE_ID		0x5459
#define MTTY_MSI_CAP		0x40
#define MTTY_BAR_SIZE		MTTY_UART_REGS
#define MTTY_REGION_SHIFT	40
#define MTTY_REGION_MASK	GENMASK_ULL(MTTY_REGION_SHIFT - 1, 0)
#define MTTY_COMMAND_WMASK	(PCI_COMMAND_IO | PCI_COMMAND_MASTER | \
				 PCI_COMMAND_INTX_DISABLE)

static unsigned int max_ports = 16;
module_param(max_ports, uint, 0444);
MODULE_PARM_DESC(max_ports, "UARTs all instances may use together (default 16)");

static bool host_irq;
module_param(host_irq, bool, 0444);
MODULE_PARM_DESC(host_irq,
		 "Back the MSI vector with a software host IRQ instead of emulating it");

static atomic_t mtty_free_ports;

/*
 * Interrupts
 */

static void mtty_raise_msi(struct mtty_card *card)
{
	if (card->host_irq)
		generic_handle_irq_safe(card->host_irq);
	else
		vfio_irqs_trigger(&card->irqs, VFIO_PCI_MSI_IRQ_INDEX, 0);
}

/**
 * mtty_update_irq() - deliver the card's interrupt after a state change
 * @card: the card, with @card->lock held
 *
 * INTx follows the combined level of the UARTs; MSI is sent on its rising
 * edge. A stopped card delivers nothing.
 */
void mtty_update_irq(struct mtty_card *card)
{
	u16 cmd = get_unaligned_le16(card->config + PCI_COMMAND);
	bool level = false;
	unsigned int i;

	lockdep_assert_held(&card->lock);
	if (card->stopped)
		return;

	for (i = 0; i < card->nr_ports; i++)
		level |= mtty_uart_irq(&card->ports[i]);

	vfio_irqs_intx_set_level(&card->irqs,
				 level && !(cmd & PCI_COMMAND_INTX_DISABLE));
	if (level && !card->line &&
	    vfio_irqs_active_index(&card->irqs) == VFIO_PCI_MSI_IRQ_INDEX)
		mtty_raise_msi(card);
	card->line = level;
}

static struct mtty_card *mtty_irqs_to_card(struct vfio_irqs *irqs)
{
	return container_of(irqs, struct mtty_card, irqs);
}

/* host_irq mode: MSI vector 0 is a software IRQ the model fires. */
static int mtty_irq_obtain(struct vfio_irqs *irqs, unsigned int index,
			   unsigned int vector)
{
	struct mtty_card *card = mtty_irqs_to_card(irqs);
	int irq;

	if (!host_irq || index != VFIO_PCI_MSI_IRQ_INDEX)
		return 0;

	irq = irq_alloc_desc(NUMA_NO_NODE);
	if (irq < 0)
		return irq;
	irq_set_chip_and_handler(irq, &dummy_irq_chip, handle_simple_irq);
	irq_clear_status_flags(irq, IRQ_NOREQUEST | IRQ_NOPROBE);

	mutex_lock(&card->lock);
	card->host_irq = irq;
	mutex_unlock(&card->lock);
	return irq;
}

static void mtty_irq_release(struct vfio_irqs *irqs, unsigned int index,
			     unsigned int vector, unsigned int irq)
{
	struct mtty_card *card = mtty_irqs_to_card(irqs);

	mutex_lock(&card->lock);
	card->host_irq = 0;
	mutex_unlock(&card->lock);
	irq_free_desc(irq);
}

/*
 * Config space
 */

static void mtty_config_init(struct mtty_card *card)
{
	u8 *c = card->config;
	unsigned int i;

	memset(c, 0, MTTY_CONFIG_SIZE);
	put_unaligned_le16(MTTY_VENDOR_ID, c + PCI_VENDOR_ID);
	put_unaligned_le16(MTTY_DEVICE_ID + card->nr_ports - 1,
			   c + PCI_DEVICE_ID);
	put_unaligned_le16(PCI_STATUS_CAP_LIST, c + PCI_STATUS);
	c[PCI_REVISION_ID] = 1;
	c[PCI_CLASS_PROG] = 0x02;	/* 16550 compatible */
	put_unaligned_le16(PCI_CLASS_COMMUNICATION_SERIAL,
			   c + PCI_CLASS_DEVICE);
	for (i = 0; i < card->nr_ports; i++)
		put_unaligned_le32(PCI_BASE_ADDRESS_SPACE_IO,
				   c + PCI_BASE_ADDRESS_0 + 4 * i);
	put_unaligned_le16(MTTY_VENDOR_ID, c + PCI_SUBSYSTEM_VENDOR_ID);
	put_unaligned_le16(MTTY_DEVICE_ID + card->nr_ports - 1,
			   c + PCI_SUBSYSTEM_ID);
	c[PCI_CAPABILITY_LIST] = MTTY_MSI_CAP;
	c[PCI_INTERRUPT_PIN] = 1;	/* INTA# */

	/* One 64-bit MSI vector, no per-vector masking. */
	c[MTTY_MSI_CAP + PCI_CAP_LIST_ID] = PCI_CAP_ID_MSI;
	c[MTTY_MSI_CAP + PCI_CAP_LIST_NEXT] = 0;
	put_unaligned_le16(PCI_MSI_FLAGS_64BIT, c + MTTY_MSI_CAP + PCI_MSI_FLAGS);
}

/* The bits of config byte @off that the user may change. */
static u8 mtty_config_wmask(struct mtty_card *card, unsigned int off)
{
	unsigned int bar_end = PCI_BASE_ADDRESS_0 + 4 * card->nr_ports;
	unsigned int msi = MTTY_MSI_CAP;

	if (off == PCI_COMMAND)
		return MTTY_COMMAND_WMASK & 0xff;
	if (off == PCI_COMMAND + 1)
		return MTTY_COMMAND_WMASK >> 8;
	if (off >= PCI_BASE_ADDRESS_0 && off < bar_end)
		return (off & 3) ? 0xff : (u8)~(MTTY_BAR_SIZE - 1);
	if (off == PCI_INTERRUPT_LINE)
		return 0xff;
	if (off == msi + PCI_MSI_FLAGS)
		return PCI_MSI_FLAGS_ENABLE;
	if (off == msi + PCI_MSI_ADDRESS_LO)
		return 0xfc;
	if (off > msi + PCI_MSI_ADDRESS_LO && off < msi + PCI_MSI_DATA_64 + 2)
		return 0xff;
	return 0;
}

static u8 mtty_config_read(struct mtty_card *card, unsigned int off)
{
	u8 val = card->config[off];

	/* Status.Interrupt shows the INTx state regardless of DisINTx. */
	if (off == PCI_STATUS && card->line)
		val |= PCI_STATUS_INTERRUPT;
	return val;
}

static void mtty_config_write(struct mtty_card *card, unsigned int off, u8 val)
{
	u8 wmask = mtty_config_wmask(card, off);

	card->config[off] = (card->config[off] & ~wmask) | (val & wmask);
}

/**
 * mtty_config_load() - load migrated config space
 * @card: the card, with @card->lock held
 * @config: the source's config space
 *
 * Only the bits a user could have written are taken.
 */
void mtty_config_load(struct mtty_card *card, const u8 *config)
{
	unsigned int off;

	lockdep_assert_held(&card->lock);
	for (off = 0; off < MTTY_CONFIG_SIZE; off++)
		mtty_config_write(card, off, config[off]);
}

/*
 * Region access
 */

static int mtty_region_size(struct mtty_card *card, unsigned int index)
{
	if (index == VFIO_PCI_CONFIG_REGION_INDEX)
		return MTTY_CONFIG_SIZE;
	if (index < card->nr_ports)
		return MTTY_BAR_SIZE;
	return 0;
}

static u8 mtty_bar_read(struct mtty_card *card, unsigned int port,
			unsigned int reg)
{
	if (card->stopped)
		return 0xff;
	return mtty_uart_read(&card->ports[port], reg);
}

static void mtty_bar_write(struct mtty_card *card, unsigned int port,
			   unsigned int reg, u8 val)
{
	if (card->stopped)
		return;
	mtty_uart_write(&card->ports[port], reg, val);
}

/* Accesses are split into bytes, in order; each byte is one register. */
static ssize_t mtty_access(struct mtty_card *card, char __user *ubuf,
			   size_t count, loff_t pos, bool write)
{
	unsigned int index = pos >> MTTY_REGION_SHIFT;
	u64 off = pos & MTTY_REGION_MASK;
	int size = mtty_region_size(card, index);
	bool config = index == VFIO_PCI_CONFIG_REGION_INDEX;
	ssize_t ret = count;
	size_t i;
	u8 val;

	if (!size || off >= size || count > size - off)
		return -EINVAL;

	mutex_lock(&card->lock);
	for (i = 0; i < count; i++) {
		if (write) {
			if (get_user(val, ubuf + i)) {
				ret = -EFAULT;
				break;
			}
			if (config)
				mtty_config_write(card, off + i, val);
			else
				mtty_bar_write(card, index, off + i, val);
		} else {
			if (config)
				val = mtty_config_read(card, off + i);
			else
				val = mtty_bar_read(card, index, off + i);
			if (put_user(val, ubuf + i)) {
				ret = -EFAULT;
				break;
			}
		}
	}
	mtty_update_irq(card);
	mutex_unlock(&card->lock);
	return ret;
}

static ssize_t mtty_read(struct vfio_device *vdev, char __user *buf,
			 size_t count, loff_t *ppos)
{
	struct mtty_card *card = container_of(vdev, struct mtty_card, vdev);

	return mtty_access(card, buf, count, *ppos, false);
}

static ssize_t mtty_write(struct vfio_device *vdev, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	struct mtty_card *card = container_of(vdev, struct mtty_card, vdev);

	return mtty_access(card, (char __user *)buf, count, *ppos, true);
}

/**
 * mtty_card_reset() - put the card in its power-on state
 * @card: the card
 *
 * Interrupt configuration made through SET_IRQS stays, as with vfio-pci.
 */
void mtty_card_reset(struct mtty_card *card)
{
	unsigned int i;

	mutex_lock(&card->lock);
	mtty_config_init(card);
	for (i = 0; i < card->nr_ports; i++)
		mtty_uart_reset(&card->ports[i]);
	card->line = false;
	vfio_irqs_intx_set_level(&card->irqs, false);
	mutex_unlock(&card->lock);
}

/*
 * VFIO device
 */

static long mtty_ioctl_get_info(struct mtty_card *card, void __user *arg)
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

static long mtty_ioctl_get_region_info(struct mtty_card *card,
				       void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;

	info.offset = (u64)info.index << MTTY_REGION_SHIFT;
	info.size = mtty_region_size(card, info.index);
	info.flags = 0;
	if (info.size)
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
	info.cap_offset = 0;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long mtty_ioctl(struct vfio_device *vdev, unsigned int cmd,
		       unsigned long arg)
{
	struct mtty_card *card = container_of(vdev, struct mtty_card, vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return mtty_ioctl_get_info(card, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return mtty_ioctl_get_region_info(card, uarg);
	case VFIO_DEVICE_RESET:
		mtty_mig_reset(card);
		mtty_card_reset(card);
		return 0;
	}
	return vfio_irqs_ioctl(&card->irqs, cmd, arg);
}

static int mtty_open_device(struct vfio_device *vdev)
{
	struct mtty_card *card = container_of(vdev, struct mtty_card, vdev);

	mtty_mig_reset(card);
	mtty_card_reset(card);
	return 0;
}

static void mtty_close_device(struct vfio_device *vdev)
{
	struct mtty_card *card = container_of(vdev, struct mtty_card, vdev);

	mtty_mig_reset(card);
	vfio_irqs_release(&card->irqs);
}

static void mtty_request(struct vfio_device *vdev, unsigned int count)
{
	struct mtty_card *card = container_of(vdev, struct mtty_card, vdev);

	vfio_irqs_request(&card->irqs, count);
}

/*
 * Mediated device
 */

struct mtty_type {
	struct mdev_type type;
	unsigned int nr_ports;
};

static struct mtty_type mtty_types[] = {
	{ .nr_ports = 1, .type.sysfs_name = "1",
	  .type.pretty_name = "mtty: one 16550A port" },
	{ .nr_ports = 2, .type.sysfs_name = "2",
	  .type.pretty_name = "mtty: two 16550A ports" },
};

static struct mdev_type *mtty_mdev_types[] = {
	&mtty_types[0].type,
	&mtty_types[1].type,
};

static const struct vfio_irqs_ops mtty_irqs_ops = {
	.obtain = mtty_irq_obtain,
	.release = mtty_irq_release,
};

static const struct vfio_irqs_layout mtty_irqs_layout = {
	.intx = 1,
	.msi = 1,
};

static bool mtty_take_ports(unsigned int n)
{
	int free = atomic_read(&mtty_free_ports);

	do {
		if (free < n)
			return false;
	} while (!atomic_try_cmpxchg(&mtty_free_ports, &free, free - n));
	return true;
}

static int mtty_init_dev(struct vfio_device *vdev)
{
	struct mtty_card *card = container_of(vdev, struct mtty_card, vdev);
	struct mdev_device *mdev = to_mdev_device(vdev->dev);
	struct mtty_type *type = container_of(mdev->type, struct mtty_type,
					      type);
	unsigned int i;
	int ret;

	if (!mtty_take_ports(type->nr_ports))
		return -ENOSPC;

	card->nr_ports = type->nr_ports;
	for (i = 0; i < card->nr_ports; i++)
		card->ports[i].peer = &card->ports[card->nr_ports - 1 - i];
	mutex_init(&card->lock);
	ret = vfio_irqs_init(&card->irqs, vdev->dev, &mtty_irqs_ops,
			     &mtty_irqs_layout);
	if (ret)
		goto err_ports;
	mtty_config_init(card);
	mtty_mig_init(card);
	return 0;

err_ports:
	mutex_destroy(&card->lock);
	atomic_add(type->nr_ports, &mtty_free_ports);
	return ret;
}

static void mtty_release_dev(struct vfio_device *vdev)
{
	struct mtty_card *card = container_of(vdev, struct mtty_card, vdev);

	vfio_irqs_exit(&card->irqs);
	mutex_destroy(&card->mig_lock);
	mutex_destroy(&card->lock);
	atomic_add(card->nr_ports, &mtty_free_ports);
}

static const struct vfio_device_ops mtty_dev_ops = {
	.name = "vfio-mtty",
	.init = mtty_init_dev,
	.release = mtty_release_dev,
	.open_device = mtty_open_device,
	.close_device = mtty_close_device,
	.read = mtty_read,
	.write = mtty_write,
	.ioctl = mtty_ioctl,
	.request = mtty_request,
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
};

static int mtty_probe(struct mdev_device *mdev)
{
	struct mtty_card *card;
	int ret;

	card = vfio_alloc_device(mtty_card, vdev, &mdev->dev, &mtty_dev_ops);
	if (IS_ERR(card))
		return PTR_ERR(card);

	ret = vfio_register_emulated_iommu_dev(&card->vdev);
	if (ret)
		goto err_put;
	dev_set_drvdata(&mdev->dev, card);
	return 0;

err_put:
	vfio_put_device(&card->vdev);
	return ret;
}

static void mtty_remove(struct mdev_device *mdev)
{
	struct mtty_card *card = dev_get_drvdata(&mdev->dev);

	/* Asks a user through REQ and waits until the device is closed. */
	vfio_unregister_group_dev(&card->vdev);
	vfio_put_device(&card->vdev);
}

static unsigned int mtty_get_available(struct mdev_type *mtype)
{
	struct mtty_type *type = container_of(mtype, struct mtty_type, type);

	return atomic_read(&mtty_free_ports) / type->nr_ports;
}

static ssize_t mtty_show_description(struct mdev_type *mtype, char *buf)
{
	struct mtty_type *type = container_of(mtype, struct mtty_type, type);

	/* As mtty_init_dev() wires them: port i talks to port n - 1 - i. */
	return sysfs_emit(buf,
			  "%u 16550A port(s) %s, INTx and an MSI vector %s\n",
			  type->nr_ports,
			  type->nr_ports == 1 ? "on a loopback plug" :
						"joined by a null-modem cable",
			  host_irq ? "backed by a host IRQ" : "emulated");
}

static struct mdev_driver mtty_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = "mtty",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = mtty_probe,
	.remove = mtty_remove,
	.get_available = mtty_get_available,
	.show_description = mtty_show_description,
};

static const struct class mtty_class = {
	.name = "mtty",
};

static struct mdev_parent mtty_parent;
static struct device *mtty_parent_dev;

static void mtty_parent_release(struct device *dev)
{
	kfree(dev);
}

static int __init mtty_init(void)
{
	int ret;

	atomic_set(&mtty_free_ports, max_ports);

	ret = mdev_register_driver(&mtty_driver);
	if (ret)
		return ret;

	ret = class_register(&mtty_class);
	if (ret)
		goto err_driver;

	mtty_parent_dev = kzalloc(sizeof(*mtty_parent_dev), GFP_KERNEL);
	if (!mtty_parent_dev) {
		ret = -ENOMEM;
		goto err_class;
	}
	device_initialize(mtty_parent_dev);
	mtty_parent_dev->class = &mtty_class;
	mtty_parent_dev->release = mtty_parent_release;
	ret = dev_set_name(mtty_parent_dev, "mtty");
	if (ret)
		goto err_put_dev;
	ret = device_add(mtty_parent_dev);
	if (ret)
		goto err_put_dev;

	ret = mdev_register_parent(&mtty_parent, mtty_parent_dev, &mtty_driver,
				   mtty_mdev_types, ARRAY_SIZE(mtty_mdev_types));
	if (ret)
		goto err_del_dev;
	return 0;

err_del_dev:
	device_del(mtty_parent_dev);
err_put_dev:
	put_device(mtty_parent_dev);
err_class:
	class_unregister(&mtty_class);
err_driver:
	mdev_unregister_driver(&mtty_driver);
	return ret;
}

static void __exit mtty_exit(void)
{
	mdev_unregister_parent(&mtty_parent);
	device_unregister(mtty_parent_dev);
	class_unregister(&mtty_class);
	mdev_unregister_driver(&mtty_driver);
}

module_init(mtty_init);
module_exit(mtty_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mtty: a PCI card of 16550A UARTs as a VFIO mediated device");
