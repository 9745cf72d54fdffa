// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the VFIO interrupt frontend's internals: validation,
 * the INTx level and mask state machine, and the host-IRQ backend with
 * software IRQs standing in for IMS or MSI-X vectors.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/module.h>
#include <linux/vfio_irqs.h>

#define KT_VECTORS	4

struct kt_dev {
	struct vfio_irqs irqs;
	bool host;
	unsigned int obtained;
	unsigned int released;
	unsigned int irq[KT_VECTORS];
};

static int kt_obtain(struct vfio_irqs *irqs, unsigned int index,
		     unsigned int vector)
{
	struct kt_dev *kd = container_of(irqs, struct kt_dev, irqs);
	int irq;

	kd->obtained++;
	if (!kd->host || index != VFIO_PCI_MSIX_IRQ_INDEX || !vector)
		return 0;
	irq = irq_alloc_desc(NUMA_NO_NODE);
	if (irq < 0)
		return irq;
	irq_set_chip_and_handler(irq, &dummy_irq_chip, handle_simple_irq);
	irq_clear_status_flags(irq, IRQ_NOREQUEST | IRQ_NOPROBE);
	kd->irq[vector] = irq;
	return irq;
}

static void kt_release(struct vfio_irqs *irqs, unsigned int index,
		       unsigned int vector, unsigned int irq)
{
	struct kt_dev *kd = container_of(irqs, struct kt_dev, irqs);

	kd->released++;
	kd->irq[vector] = 0;
	irq_free_desc(irq);
}

static const struct vfio_irqs_ops kt_ops = {
	.obtain = kt_obtain,
	.release = kt_release,
};

static struct kt_dev *kt_new(struct kunit *test, bool host, bool err)
{
	struct vfio_irqs_layout layout = {
		.intx = 1, .msi = 4, .msix = KT_VECTORS, .err = err,
	};
	struct kt_dev *kd;
	struct device *dev;

	dev = kunit_device_register(test, "vfio-irqs-kunit");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	kd = kunit_kzalloc(test, sizeof(*kd), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kd);
	kd->host = host;
	KUNIT_ASSERT_EQ(test, 0, vfio_irqs_init(&kd->irqs, dev, &kt_ops,
						&layout));
	return kd;
}

static int kt_set(struct kt_dev *kd, u32 flags, u32 index, u32 start,
		  u32 count, const void *data)
{
	struct vfio_irq_set hdr = {
		.argsz = sizeof(hdr) + count * sizeof(s32),
		.flags = flags, .index = index, .start = start, .count = count,
	};

	return vfio_irqs_set(&kd->irqs, &hdr, data);
}

static void vfio_irqs_test_validation(struct kunit *test)
{
	struct kt_dev *kd = kt_new(test, false, false);
	u32 trig = VFIO_IRQ_SET_ACTION_TRIGGER;
	s32 fds[2] = { -1, -1 };

	KUNIT_EXPECT_EQ(test, -EINVAL, kt_set(kd, VFIO_IRQ_SET_DATA_NONE | trig,
					      VFIO_PCI_MSIX_IRQ_INDEX,
					      U32_MAX, 1, NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL, kt_set(kd, VFIO_IRQ_SET_DATA_NONE | trig,
					      VFIO_PCI_MSIX_IRQ_INDEX, 1,
					      U32_MAX, NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL, kt_set(kd, VFIO_IRQ_SET_DATA_NONE | trig,
					      VFIO_PCI_MSIX_IRQ_INDEX, 3, 2,
					      NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL, kt_set(kd, VFIO_IRQ_SET_DATA_NONE | trig,
					      VFIO_PCI_ERR_IRQ_INDEX, 0, 1,
					      NULL));
	KUNIT_EXPECT_EQ(test, -ENOTTY, kt_set(kd, VFIO_IRQ_SET_DATA_NONE,
					      VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
					      NULL));
	KUNIT_EXPECT_EQ(test, -EINVAL, kt_set(kd, VFIO_IRQ_SET_DATA_EVENTFD |
					      trig, VFIO_PCI_MSIX_IRQ_INDEX, 0,
					      2, NULL));
	/* Enabling with zero vectors is refused (vfio-pci: ERANGE). */
	KUNIT_EXPECT_EQ(test, -EINVAL, kt_set(kd, VFIO_IRQ_SET_DATA_EVENTFD |
					      trig, VFIO_PCI_MSIX_IRQ_INDEX, 0,
					      0, fds));
	KUNIT_EXPECT_EQ(test, -ENODEV, vfio_irqs_active_index(&kd->irqs));
	vfio_irqs_exit(&kd->irqs);
}

static void vfio_irqs_test_err_layout(struct kunit *test)
{
	struct kt_dev *kd = kt_new(test, false, true);
	u32 trig = VFIO_IRQ_SET_ACTION_TRIGGER;

	KUNIT_EXPECT_EQ(test, 1U, kd->irqs.count[VFIO_PCI_ERR_IRQ_INDEX]);
	/* DATA_NONE loopback needs an eventfd; BOOL is silently fine. */
	KUNIT_EXPECT_EQ(test, -EINVAL, kt_set(kd, VFIO_IRQ_SET_DATA_NONE | trig,
					      VFIO_PCI_ERR_IRQ_INDEX, 0, 1,
					      NULL));
	KUNIT_EXPECT_FALSE(test, vfio_irqs_trigger(&kd->irqs,
						   VFIO_PCI_ERR_IRQ_INDEX, 0));
	KUNIT_EXPECT_FALSE(test, vfio_irqs_request(&kd->irqs, 1));
	vfio_irqs_exit(&kd->irqs);
}

static void vfio_irqs_test_intx_level(struct kunit *test)
{
	struct kt_dev *kd = kt_new(test, false, false);
	u32 unmask = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
	s32 none = -1;

	/* The level is kept while INTx is off and acts at enable. */
	vfio_irqs_intx_set_level(&kd->irqs, true);
	KUNIT_EXPECT_FALSE(test, kd->irqs.intx_masked);
	KUNIT_ASSERT_EQ(test, 0, kt_set(kd, VFIO_IRQ_SET_DATA_EVENTFD |
					VFIO_IRQ_SET_ACTION_TRIGGER,
					VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &none));
	KUNIT_EXPECT_EQ(test, VFIO_PCI_INTX_IRQ_INDEX,
			vfio_irqs_active_index(&kd->irqs));
	KUNIT_EXPECT_TRUE(test, kd->irqs.intx_masked);
	/* Unmasking a line still high re-masks it (level semantics). */
	KUNIT_EXPECT_EQ(test, 0, kt_set(kd, unmask, VFIO_PCI_INTX_IRQ_INDEX,
					0, 1, NULL));
	KUNIT_EXPECT_TRUE(test, kd->irqs.intx_masked);
	vfio_irqs_intx_set_level(&kd->irqs, false);
	KUNIT_EXPECT_EQ(test, 0, kt_set(kd, unmask, VFIO_PCI_INTX_IRQ_INDEX,
					0, 1, NULL));
	KUNIT_EXPECT_FALSE(test, kd->irqs.intx_masked);
	vfio_irqs_intx_set_level(&kd->irqs, true);
	KUNIT_EXPECT_TRUE(test, kd->irqs.intx_masked);
	/* INTx was emulated: the driver's obtain said so. */
	KUNIT_EXPECT_EQ(test, 1U, kd->obtained);
	KUNIT_EXPECT_EQ(test, 0U, kd->irqs.intx.irq);
	vfio_irqs_release(&kd->irqs);
	KUNIT_EXPECT_EQ(test, -ENODEV, vfio_irqs_active_index(&kd->irqs));
	KUNIT_EXPECT_FALSE(test, kd->irqs.intx_masked);
	vfio_irqs_exit(&kd->irqs);
}

static void vfio_irqs_test_host_vectors(struct kunit *test)
{
	struct kt_dev *kd = kt_new(test, true, false);
	u32 efd = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s32 fds[KT_VECTORS] = { -1, -1, -1, -1 };
	struct vfio_irqs_vector *v;
	unsigned int i;

	/* Enable with two vectors: vector 0 emulated, vector 1 host. */
	KUNIT_ASSERT_EQ(test, 0, kt_set(kd, efd, VFIO_PCI_MSIX_IRQ_INDEX, 0,
					2, fds));
	KUNIT_EXPECT_EQ(test, 2U, kd->obtained);
	v = xa_load(&kd->irqs.vectors, 0);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, 0U, v->irq);
	v = xa_load(&kd->irqs.vectors, 1);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, kd->irq[1], v->irq);
	KUNIT_EXPECT_TRUE(test, irq_has_action(v->irq));
	/* No eventfd: the host source is masked, firing it signals nothing. */
	KUNIT_EXPECT_TRUE(test, v->host_masked);
	KUNIT_EXPECT_TRUE(test, irqd_irq_disabled(irq_get_irq_data(v->irq)));
	KUNIT_EXPECT_EQ(test, 0, generic_handle_irq_safe(v->irq));
	/* Growth past the enabled vectors needs an eventfd: -1 adds none. */
	KUNIT_EXPECT_EQ(test, 0, kt_set(kd, efd, VFIO_PCI_MSIX_IRQ_INDEX, 2, 2,
					fds));
	KUNIT_EXPECT_EQ(test, 2U, kd->obtained);
	KUNIT_EXPECT_NULL(test, xa_load(&kd->irqs.vectors, 3));
	KUNIT_EXPECT_FALSE(test, vfio_irqs_trigger(&kd->irqs,
						   VFIO_PCI_MSIX_IRQ_INDEX, 0));
	KUNIT_EXPECT_FALSE(test, vfio_irqs_trigger(&kd->irqs,
						   VFIO_PCI_MSI_IRQ_INDEX, 0));
	/* MSI is exclusive with the enabled MSI-X. */
	KUNIT_EXPECT_EQ(test, -EINVAL, kt_set(kd, efd, VFIO_PCI_MSI_IRQ_INDEX,
					      0, 1, fds));

	vfio_irqs_release(&kd->irqs);
	KUNIT_EXPECT_EQ(test, 1U, kd->released);
	for (i = 0; i < KT_VECTORS; i++)
		KUNIT_EXPECT_EQ(test, 0U, kd->irq[i]);
	KUNIT_EXPECT_TRUE(test, xa_empty(&kd->irqs.vectors));
	KUNIT_EXPECT_EQ(test, 0, vfio_irqs_held_eventfds());
	vfio_irqs_exit(&kd->irqs);
}

static struct kunit_case vfio_irqs_test_cases[] = {
	KUNIT_CASE(vfio_irqs_test_validation),
	KUNIT_CASE(vfio_irqs_test_err_layout),
	KUNIT_CASE(vfio_irqs_test_intx_level),
	KUNIT_CASE(vfio_irqs_test_host_vectors),
	{}
};

static struct kunit_suite vfio_irqs_test_suite = {
	.name = "vfio_irqs",
	.test_cases = vfio_irqs_test_cases,
};

kunit_test_suite(vfio_irqs_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of the VFIO interrupt frontend");
