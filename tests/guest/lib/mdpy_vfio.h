/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the mdpy tests: create an mdpy instance, open it through a
 * VFIO group and container, and poke its config space and interrupts.
 * Everything is static so the file links into nothing but its includers.
 *
 * The bench keys a test binary on its source and tests/guest/lib only, not
 * on mdpy-defs.h: after changing the device's register layout, bump
 * MDPY_DEFS_SEEN so the tests are rebuilt against it.
 */
#ifndef MDPY_VFIO_H
#define MDPY_VFIO_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#ifndef BIT
#define BIT(n) (1U << (n))
#endif
#include "../../../samples/vfio-mdev/mdpy-defs.h"
#define MDPY_DEFS_SEEN 2	/* capability version byte at 0x43 */

#define MDPY_PARENT "/sys/class/mdpy/mdpy/mdev_supported_types"

struct mdpy_mode {
	const char *type;	/* sysfs name without the "mdpy-" prefix */
	unsigned int width, height, refresh;
};

/* The types mdpy.ko offers; the tests check the driver against this. */
static const struct mdpy_mode mdpy_modes[] = {
	{ "vga", 640, 480, 60 },
	{ "xga", 1024, 768, 75 },
	{ "hd", 1920, 1080, 50 },
};

struct mdpy_dev {
	char uuid[40];
	int container;
	int group;
	int fd;
};

static inline int mdpy_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static inline int mdpy_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	return 0;
}

/* Load what the tests need; 0 or -1. */
static inline int mdpy_load(void)
{
	return system("modprobe vfio_iommu_type1 && modprobe mdpy") ? -1 : 0;
}

static inline int mdpy_available(const char *type)
{
	char path[512], buf[32];

	snprintf(path, sizeof(path), MDPY_PARENT "/mdpy-%s/available_instances",
		 type);
	if (mdpy_read_file(path, buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

static inline int mdpy_create(const char *type, char *uuid, size_t len)
{
	char path[512];
	int ret;

	ret = mdpy_read_file("/proc/sys/kernel/random/uuid", uuid, len);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), MDPY_PARENT "/mdpy-%s/create", type);
	return mdpy_write_file(path, uuid);
}

static inline int mdpy_remove(const char *uuid)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", uuid);
	return mdpy_write_file(path, "1");
}

/* Open an existing instance through a fresh container; 0 or -errno. */
static inline int mdpy_open_uuid(struct mdpy_dev *d, const char *uuid)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[512], link[256];
	const char *group;
	ssize_t n;
	int ret;

	d->container = d->group = d->fd = -1;
	snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/iommu_group",
		 uuid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	group = strrchr(link, '/');
	group = group ? group + 1 : link;
	snprintf(path, sizeof(path), "/dev/vfio/%s", group);

	d->container = open("/dev/vfio/vfio", O_RDWR);
	if (d->container < 0)
		goto err;
	d->group = open(path, O_RDWR);
	if (d->group < 0)
		goto err;
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &status) ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = errno ? errno : ENODEV;
		goto err;
	}
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container))
		goto err;
	if (ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		goto err;
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	if (d->fd < 0)
		goto err;
	return 0;
err:
	ret = -errno;
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	d->container = d->group = d->fd = -1;
	return ret;
}

static inline void mdpy_close(struct mdpy_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	d->container = d->group = d->fd = -1;
}

/* Create an instance of @type and open it; 0 or -errno. */
static inline int mdpy_open_new(struct mdpy_dev *d, const char *type)
{
	char uuid[40];
	int ret;

	d->container = d->group = d->fd = -1;
	d->uuid[0] = 0;
	ret = mdpy_create(type, uuid, sizeof(uuid));
	if (ret)
		return ret;
	ret = mdpy_open_uuid(d, uuid);
	if (ret)
		mdpy_remove(uuid);
	return ret;
}

/* Close and remove what mdpy_open_new() made; 0 or -errno. */
static inline int mdpy_destroy(struct mdpy_dev *d)
{
	mdpy_close(d);
	if (!d->uuid[0])
		return 0;
	return mdpy_remove(d->uuid);
}

static inline uint64_t mdpy_region_offset(struct mdpy_dev *d,
					  unsigned int index)
{
	struct vfio_region_info info = { .argsz = sizeof(info),
					 .index = index };

	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &info))
		return UINT64_MAX;
	return info.offset;
}

static inline uint32_t mdpy_cfg_read(struct mdpy_dev *d, unsigned int off,
				     unsigned int size)
{
	uint64_t base = mdpy_region_offset(d, VFIO_PCI_CONFIG_REGION_INDEX);
	uint32_t val = 0;

	if (pread(d->fd, &val, size, base + off) != (ssize_t)size)
		return UINT32_MAX;
	return val;
}

static inline int mdpy_cfg_write(struct mdpy_dev *d, unsigned int off,
				 uint32_t val, unsigned int size)
{
	uint64_t base = mdpy_region_offset(d, VFIO_PCI_CONFIG_REGION_INDEX);

	return pwrite(d->fd, &val, size, base + off) == (ssize_t)size ?
	       0 : -errno;
}

/* SET_IRQS with eventfds (or -1) for vectors start..start+count-1. */
static inline int mdpy_set_irqs_fds(struct mdpy_dev *d, unsigned int index,
				    uint32_t action, unsigned int start,
				    unsigned int count, const int32_t *fds)
{
	char buf[sizeof(struct vfio_irq_set) + 8 * sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;

	if (count > 8)
		return -EINVAL;
	set->argsz = sizeof(*set) + count * sizeof(int32_t);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | action;
	set->index = index;
	set->start = start;
	set->count = count;
	memcpy(set->data, fds, count * sizeof(int32_t));
	return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
}

static inline int mdpy_set_irqs_none(struct mdpy_dev *d, unsigned int index,
				     uint32_t action, unsigned int start,
				     unsigned int count)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | action,
		.index = index,
		.start = start,
		.count = count,
	};

	return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set) ? -errno : 0;
}

/* Bind one eventfd as the trigger of vector 0 of @index; the fd or -errno. */
static inline int mdpy_irq_eventfd(struct mdpy_dev *d, unsigned int index)
{
	int32_t efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int ret;

	if (efd < 0)
		return -errno;
	ret = mdpy_set_irqs_fds(d, index, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
				&efd);
	if (ret) {
		close(efd);
		return ret;
	}
	return efd;
}

/* Signals counted by a non-blocking eventfd since the last call. */
static inline uint64_t mdpy_drain(int efd)
{
	uint64_t n;

	return read(efd, &n, sizeof(n)) == sizeof(n) ? n : 0;
}

/* Wait up to @ms for the eventfd to count; 1 if it did, 0 if not. */
static inline int mdpy_wait(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static inline double mdpy_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void mdpy_sleep(double secs)
{
	struct timespec ts = { .tv_sec = (time_t)secs,
			       .tv_nsec = (long)((secs - (time_t)secs) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline int mdpy_tick(struct mdpy_dev *d, int on)
{
	return mdpy_cfg_write(d, MDPY_CAP_CTRL, on ? MDPY_CTRL_TICK_EN : 0, 4);
}

#endif /* MDPY_VFIO_H */
