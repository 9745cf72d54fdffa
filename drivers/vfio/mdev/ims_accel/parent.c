// SPDX-License-Identifier: GPL-2.0-only
/*
 * ims_accel: the PCI driver of the ims-accel function and its mdev parent.
 * The function is sliced into instances of whole queues and a contiguous
 * block of interrupt slots; the types differ in how many of each.
 */
#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sysfs.h>

#include <uapi/linux/ims_accel.h>

#include "ims_accel.h"

/**
 * struct iav_type_desc - what an instance of a type gets
 * @name: sysfs name, after the "ims_accel-" the mdev core puts first
 * @wqs: queues, a power of two so the local memory BAR is one
 * @vectors: host-backed vectors
 */
struct iav_type_desc {
	const char *name;
	unsigned int wqs;
	unsigned int vectors;
};

static const struct iav_type_desc iav_type_descs[] = {
	{ "1q1v", 1, 1 },
	{ "1q4v", 1, 4 },
	{ "1q16v", 1, 16 },
	{ "2q8v", 2, 8 },
	{ "4q16v", 4, 16 },
};

#define IAV_NR_TYPES	ARRAY_SIZE(iav_type_descs)

/*
 * Slicing
 */

/* How many disjoint free runs of @len bits fit in the first @size bits. */
static unsigned int iav_count_fits(const unsigned long *map, unsigned int size,
				   unsigned int len)
{
	unsigned int start = 0, end, fits = 0;

	if (!len)
		return 0;
	while (start < size) {
		start = find_next_zero_bit(map, size, start);
		if (start >= size)
			break;
		end = find_next_bit(map, size, start);
		fits += (end - start) / len;
		start = end;
	}
	return fits;
}

static unsigned int iav_get_available(struct mdev_type *mtype)
{
	struct iav_type *type = container_of(mtype, struct iav_type, mtype);
	struct iav_pf *pf = type->pf;
	unsigned int wqs, slots;

	mutex_lock(&pf->lock);
	wqs = iav_count_fits(pf->wq_map, pf->num_wqs, type->wqs);
	slots = iav_count_fits(pf->slot_map, pf->nr_slots, type->vectors);
	mutex_unlock(&pf->lock);
	return min(wqs, slots);
}

static ssize_t iav_show_description(struct mdev_type *mtype, char *buf)
{
	struct iav_type *type = container_of(mtype, struct iav_type, mtype);
	struct iav_pf *pf = type->pf;

	return sysfs_emit(buf,
			  "%u work queue(s) of %u descriptors with %u KiB local memory each, MSI-X 0 emulated + %u %s-backed vector(s)\n",
			  type->wqs, pf->wq_depth, pf->sram_size / 1024,
			  type->vectors, iav_backing_name(pf));
}

/**
 * iav_slice_alloc() - give an instance its queues and slots
 * @inst: the instance, with @pf and @type set
 *
 * Takes the first fitting run of queues and of slots and programs the
 * queues with the slot block, disabled.
 *
 * Context: process context; takes the function's lock.
 * Return: 0, or -EUSERS when the function has not enough left, the errno
 * the mdev core gives for a type with no instance available.
 */
int iav_slice_alloc(struct iav_instance *inst)
{
	struct iav_pf *pf = inst->pf;
	unsigned int wqs = inst->type->wqs;
	unsigned int vectors = inst->type->vectors;
	unsigned long wq, slot;
	unsigned int i;

	mutex_lock(&pf->lock);
	wq = bitmap_find_next_zero_area(pf->wq_map, pf->num_wqs, 0, wqs, 0);
	slot = bitmap_find_next_zero_area(pf->slot_map, pf->nr_slots, 0,
					  vectors, 0);
	if (wq >= pf->num_wqs || slot >= pf->nr_slots) {
		mutex_unlock(&pf->lock);
		return -EUSERS;
	}
	bitmap_set(pf->wq_map, wq, wqs);
	bitmap_set(pf->slot_map, slot, vectors);
	inst->wq_base = wq;
	inst->nr_wqs = wqs;
	inst->slot_base = pf->slot_first + slot;
	inst->nr_vectors = vectors;
	for (i = 0; i < wqs; i++) {
		iav_wq_bind(pf, wq + i, inst->slot_base, vectors);
		clear_bit(wq + i, pf->err_seen);
		pf->owner[wq + i] = inst;
	}
	mutex_unlock(&pf->lock);
	return 0;
}

/**
 * iav_slice_free() - return an instance's queues and slots
 * @inst: the instance, with no interrupt requested any more
 *
 * Context: process context; takes the function's lock.
 */
void iav_slice_free(struct iav_instance *inst)
{
	struct iav_pf *pf = inst->pf;
	unsigned int i;

	mutex_lock(&pf->lock);
	for (i = 0; i < inst->nr_wqs; i++) {
		iav_wq_bind(pf, inst->wq_base + i, 0, 0);
		pf->owner[inst->wq_base + i] = NULL;
	}
	iav_slots_scrub(pf, inst->slot_base, inst->nr_vectors);
	bitmap_clear(pf->wq_map, inst->wq_base, inst->nr_wqs);
	bitmap_clear(pf->slot_map, inst->slot_base - pf->slot_first,
		     inst->nr_vectors);
	mutex_unlock(&pf->lock);
}

/*
 * sysfs of the function
 */

static ssize_t interrupt_backing_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct iav_pf *pf = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", iav_backing_name(pf));
}
static DEVICE_ATTR_RO(interrupt_backing);

static ssize_t free_wqs_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct iav_pf *pf = dev_get_drvdata(dev);
	unsigned int used;

	mutex_lock(&pf->lock);
	used = bitmap_weight(pf->wq_map, pf->num_wqs);
	mutex_unlock(&pf->lock);
	return sysfs_emit(buf, "%u\n", pf->num_wqs - used);
}
static DEVICE_ATTR_RO(free_wqs);

static ssize_t free_slots_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct iav_pf *pf = dev_get_drvdata(dev);
	unsigned int used;

	mutex_lock(&pf->lock);
	used = bitmap_weight(pf->slot_map, pf->nr_slots);
	mutex_unlock(&pf->lock);
	return sysfs_emit(buf, "%u\n", pf->nr_slots - used);
}
static DEVICE_ATTR_RO(free_slots);

static struct attribute *iav_pf_attrs[] = {
	&dev_attr_interrupt_backing.attr,
	&dev_attr_free_wqs.attr,
	&dev_attr_free_slots.attr,
	NULL,
};
ATTRIBUTE_GROUPS(iav_pf);

/*
 * The PCI driver
 */

static int iav_types_init(struct iav_pf *pf)
{
	struct device *dev = &pf->pdev->dev;
	unsigned int i;

	pf->types = devm_kcalloc(dev, IAV_NR_TYPES, sizeof(*pf->types),
				 GFP_KERNEL);
	pf->type_list = devm_kcalloc(dev, IAV_NR_TYPES,
				     sizeof(*pf->type_list), GFP_KERNEL);
	if (!pf->types || !pf->type_list)
		return -ENOMEM;
	for (i = 0; i < IAV_NR_TYPES; i++) {
		struct iav_type *type = &pf->types[i];

		type->mtype.sysfs_name = iav_type_descs[i].name;
		type->mtype.pretty_name = iav_type_descs[i].name;
		type->pf = pf;
		type->wqs = iav_type_descs[i].wqs;
		type->vectors = iav_type_descs[i].vectors;
		pf->type_list[i] = &type->mtype;
	}
	return 0;
}

static int iav_maps_init(struct iav_pf *pf)
{
	struct device *dev = &pf->pdev->dev;

	pf->wq_map = devm_bitmap_zalloc(dev, pf->num_wqs, GFP_KERNEL);
	pf->err_seen = devm_bitmap_zalloc(dev, pf->num_wqs, GFP_KERNEL);
	pf->slot_map = devm_bitmap_zalloc(dev, pf->nr_slots, GFP_KERNEL);
	pf->owner = devm_kcalloc(dev, pf->num_wqs, sizeof(*pf->owner),
				 GFP_KERNEL);
	if (!pf->wq_map || !pf->err_seen || !pf->slot_map || !pf->owner)
		return -ENOMEM;
	return 0;
}

static int iav_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct iav_pf *pf;
	int ret;

	pf = devm_kzalloc(&pdev->dev, sizeof(*pf), GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	pf->pdev = pdev;
	mutex_init(&pf->lock);
	pci_set_drvdata(pdev, pf);

	ret = pcim_enable_device(pdev);
	if (ret)
		goto err_destroy_lock;
	ret = iav_hw_init(pf);
	if (ret)
		goto err_destroy_lock;
	ret = iav_maps_init(pf);
	if (ret)
		goto err_hw_exit;
	ret = iav_types_init(pf);
	if (ret)
		goto err_hw_exit;
	ret = iav_hw_events_init(pf);
	if (ret)
		goto err_hw_exit;
	ret = mdev_register_parent(&pf->parent, &pdev->dev, &iav_mdev_driver,
				   pf->type_list, IAV_NR_TYPES);
	if (ret)
		goto err_events_exit;

	pci_info(pdev, "%u queues, %u KiB local memory each; instance vectors backed by %s: %u slots\n",
		 pf->num_wqs, pf->sram_size / 1024,
		 pf->backing == IAV_BACKING_IMS ? "IMS" : "MSI-X",
		 pf->nr_slots);
	return 0;

err_events_exit:
	iav_hw_events_exit(pf);
err_hw_exit:
	iav_hw_exit(pf);
err_destroy_lock:
	mutex_destroy(&pf->lock);
	return ret;
}

static void iav_remove(struct pci_dev *pdev)
{
	struct iav_pf *pf = pci_get_drvdata(pdev);

	/* Removes every instance, waiting for their users to let go. */
	mdev_unregister_parent(&pf->parent);
	iav_hw_events_exit(pf);
	iav_hw_exit(pf);
	mutex_destroy(&pf->lock);
}

struct mdev_driver iav_mdev_driver = {
	.device_api		= VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name		= IAV_NAME,
		.owner		= THIS_MODULE,
		.mod_name	= KBUILD_MODNAME,
	},
	.probe			= iav_instance_probe,
	.remove			= iav_instance_remove,
	.get_available		= iav_get_available,
	.show_description	= iav_show_description,
};

static const struct pci_device_id iav_pci_table[] = {
	{ PCI_DEVICE(IMS_ACCEL_VENDOR_ID, IMS_ACCEL_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, iav_pci_table);

static struct pci_driver iav_pci_driver = {
	.name		= IAV_NAME,
	.id_table	= iav_pci_table,
	.probe		= iav_probe,
	.remove		= iav_remove,
	.dev_groups	= iav_pf_groups,
};

static int __init iav_init(void)
{
	int ret;

	iav_fault_init();
	ret = mdev_register_driver(&iav_mdev_driver);
	if (ret)
		goto err_fault_exit;
	ret = pci_register_driver(&iav_pci_driver);
	if (ret)
		goto err_unregister_mdev;
	return 0;

err_unregister_mdev:
	mdev_unregister_driver(&iav_mdev_driver);
err_fault_exit:
	iav_fault_exit();
	return ret;
}

static void __exit iav_exit(void)
{
	pci_unregister_driver(&iav_pci_driver);
	mdev_unregister_driver(&iav_mdev_driver);
	iav_fault_exit();
}

module_init(iav_init);
module_exit(iav_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdev parent driver for the ims-accel device: mediated instances with IMS-backed vectors");
