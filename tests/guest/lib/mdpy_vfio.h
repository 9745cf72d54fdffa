/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mdpy for the tests, on top of vfio_dev.h: its sysfs types and modes, a
 * helper that creates and opens an instance, the vendor capability in
 * config space and the frame tick.
 *
 * The bench keys a test binary on its source and tests/guest/lib only, not
 * on mdpy-defs.h: after changing the device's register layout, bump
 * MDPY_DEFS_SEEN so the tests are rebuilt against it.
 */
#ifndef MDPY_VFIO_H
#define MDPY_VFIO_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "vfio_dev.h"

#ifndef BIT
#define BIT(n) (1U << (n))
#endif
#include "../../../samples/vfio-mdev/mdpy-defs.h"
#define MDPY_DEFS_SEEN 2	/* capability version byte at 0x43 */

#define MDPY_PARENT "/sys/class/mdpy/mdpy/mdev_supported_types"

struct mdpy_mode {
	const char *type;	/* the sysfs name below MDPY_PARENT */
	unsigned int width, height, refresh;
};

/* The types mdpy.ko offers; the tests check the driver against this. */
static const struct mdpy_mode mdpy_modes[] = {
	{ "mdpy-vga", 640, 480, 60 },
	{ "mdpy-xga", 1024, 768, 75 },
	{ "mdpy-hd", 1920, 1080, 50 },
};

/*
 * After FIXTURE(f): a variant of f for each of mdpy_modes, named after
 * its type, with the mode in variant->mode. Needs kselftest_harness.h.
 */
#define MDPY_FIXTURE_VARIANTS(f)					\
	FIXTURE_VARIANT(f) { const struct mdpy_mode *mode; };		\
	FIXTURE_VARIANT_ADD(f, vga) { .mode = &mdpy_modes[0] };	\
	FIXTURE_VARIANT_ADD(f, xga) { .mode = &mdpy_modes[1] };	\
	FIXTURE_VARIANT_ADD(f, hd) { .mode = &mdpy_modes[2] }

/* Load what the tests need; 0 or -1. */
static inline int mdpy_load(void)
{
	return modprobe("vfio_iommu_type1", NULL) || modprobe("mdpy", NULL) ?
	       -1 : 0;
}

/* Create an instance of @type and open it; 0 or -errno. */
static inline int mdpy_open_new(struct vfio_dev *d, const char *type)
{
	char uuid[40];
	int ret;

	d->container = d->group = d->fd = -1;
	d->uuid[0] = 0;
	ret = mdev_create(MDPY_PARENT, type, uuid);
	if (ret)
		return ret;
	ret = vfio_dev_open(d, uuid);
	if (ret)
		mdev_remove(uuid);
	return ret;
}

/* Close and remove what mdpy_open_new() made; 0 or -errno. */
static inline int mdpy_destroy(struct vfio_dev *d)
{
	vfio_dev_close(d);
	if (!d->uuid[0])
		return 0;
	return mdev_remove(d->uuid);
}

/* @size bytes of config space at @off, or UINT32_MAX. */
static inline uint32_t mdpy_cfg_read(struct vfio_dev *d, unsigned int off,
				     unsigned int size)
{
	uint32_t val = 0;

	if (vfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, off, &val, size))
		return UINT32_MAX;
	return val;
}

static inline int mdpy_cfg_write(struct vfio_dev *d, unsigned int off,
				 uint32_t val, unsigned int size)
{
	return vfio_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX, off, &val,
				 size);
}

static inline int mdpy_tick(struct vfio_dev *d, int on)
{
	return mdpy_cfg_write(d, MDPY_CAP_CTRL, on ? MDPY_CTRL_TICK_EN : 0, 4);
}

static inline uint32_t mdpy_frames(struct vfio_dev *d)
{
	return mdpy_cfg_read(d, MDPY_CAP_FRAMES, 4);
}

/*
 * Wait until FRAMES reads at least @frames, giving up after @ms; 0 or -1.
 * The device's own frame counter says the tick ran, where a sleep would
 * only guess how many frames a loaded TCG guest manages.
 */
static inline int mdpy_wait_frames(struct vfio_dev *d, uint32_t frames,
				   unsigned int ms)
{
	unsigned int waited;

	for (waited = 0; waited <= ms; waited += 10) {
		uint32_t f = mdpy_frames(d);

		if (f != UINT32_MAX && f >= frames)
			return 0;
		sleep_ms(10);
	}
	return -1;
}

#endif /* MDPY_VFIO_H */
