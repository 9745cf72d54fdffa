// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for userspace VFIO tests; see vfio_dev.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "vfio_dev.h"

int sysfs_write(const char *path, const char *val)
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

int sysfs_read(const char *path, char *buf, size_t len)
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

int sysfs_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	if (rc < 0 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

int modprobe(const char *module, const char *args)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "modprobe %s %s >/dev/null 2>&1", module,
		 args ? args : "");
	return run(cmd);
}

int rmmod(const char *module)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rmmod %s >/dev/null 2>&1", module);
	return run(cmd);
}

int mdev_create(const char *types, const char *type, char uuid[40])
{
	char path[PATH_MAX];
	int ret;

	ret = sysfs_read("/proc/sys/kernel/random/uuid", uuid, 40);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s/create", types, type);
	return sysfs_write(path, uuid);
}

int mdev_remove(const char *uuid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", uuid);
	return sysfs_write(path, "1");
}

int mdev_available(const char *types, const char *type)
{
	char path[PATH_MAX], buf[32];
	int ret;

	snprintf(path, sizeof(path), "%s/%s/available_instances", types, type);
	ret = sysfs_read(path, buf, sizeof(buf));
	return ret ? ret : atoi(buf);
}

int mdev_exists(const char *uuid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", uuid);
	return sysfs_exists(path);
}

int vfio_group_of(const char *uuid)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/iommu_group",
		 uuid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	base = strrchr(link, '/');
	return atoi(base ? base + 1 : link);
}

int vfio_dev_attach(struct vfio_dev *d, const char *uuid)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int group, ret;

	memset(d, 0, sizeof(*d));
	d->container = d->group = d->fd = -1;
	snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);

	group = vfio_group_of(uuid);
	if (group < 0)
		return group;
	d->container = open("/dev/vfio/vfio", O_RDWR);
	if (d->container < 0)
		goto err;
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	d->group = open(path, O_RDWR);
	if (d->group < 0)
		goto err;
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &status))
		goto err;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		goto err;
	}
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container))
		goto err;
	if (ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) &&
	    ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		goto err;
	return 0;
err:
	ret = -errno;
	vfio_dev_close(d);
	return ret;
}

int vfio_dev_get_fd(struct vfio_dev *d)
{
	unsigned int i;

	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->uuid);
	if (d->fd < 0) {
		d->fd = -1;
		return -errno;
	}
	/* First, as a VMM does: some drivers size their uAPI from it. */
	d->info.argsz = sizeof(d->info);
	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &d->info)) {
		int ret = -errno;

		close(d->fd);
		d->fd = -1;
		return ret;
	}
	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		d->region[i].argsz = sizeof(d->region[i]);
		d->region[i].index = i;
		if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &d->region[i]))
			d->region[i].size = 0;
	}
	return 0;
}

int vfio_dev_open(struct vfio_dev *d, const char *uuid)
{
	int ret = vfio_dev_attach(d, uuid);

	if (!ret)
		ret = vfio_dev_get_fd(d);
	if (ret)
		vfio_dev_close(d);
	return ret;
}

int vfio_mig_set(int fd, uint32_t state, int *data_fd)
{
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_mig_state s;
	} b = { .f = { .argsz = sizeof(b), .flags = VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE },
		.s = { .device_state = state, .data_fd = -1 } };

	if (ioctl(fd, VFIO_DEVICE_FEATURE, &b))
		return -errno;
	if (data_fd)
		*data_fd = b.s.data_fd;
	else if (b.s.data_fd >= 0)
		close(b.s.data_fd);
	return 0;
}

int vfio_mig_get(int fd)
{
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_mig_state s;
	} b = { .f = { .argsz = sizeof(b), .flags = VFIO_DEVICE_FEATURE_GET |
		       VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE } };

	return ioctl(fd, VFIO_DEVICE_FEATURE, &b) ? -errno : (int)b.s.device_state;
}

void vfio_dev_close(struct vfio_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	d->fd = d->group = d->container = -1;
}

int vfio_region_read(struct vfio_dev *d, unsigned int index, uint64_t off,
		     void *buf, size_t len)
{
	ssize_t n = pread(d->fd, buf, len, d->region[index].offset + off);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

int vfio_region_write(struct vfio_dev *d, unsigned int index, uint64_t off,
		      const void *buf, size_t len)
{
	ssize_t n = pwrite(d->fd, buf, len, d->region[index].offset + off);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

int vfio_read8(struct vfio_dev *d, unsigned int index, uint64_t off)
{
	uint8_t v;
	int ret = vfio_region_read(d, index, off, &v, 1);

	return ret ? ret : v;
}

int vfio_write8(struct vfio_dev *d, unsigned int index, uint64_t off,
		uint8_t val)
{
	return vfio_region_write(d, index, off, &val, 1);
}

int vfio_set_irqs(int fd, uint32_t flags, uint32_t index, uint32_t start,
		  uint32_t count, const void *data, size_t size)
{
	struct vfio_irq_set *set;
	int ret;

	set = calloc(1, sizeof(*set) + size);
	if (!set)
		return -ENOMEM;
	set->argsz = sizeof(*set) + size;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (size)
		memcpy(set->data, data, size);
	ret = ioctl(fd, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
	free(set);
	return ret;
}

int vfio_irq_eventfds(int fd, uint32_t index, uint32_t start, uint32_t count,
		      const int32_t *fds)
{
	return vfio_set_irqs(fd, VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER, index, start, count,
			     fds, count * sizeof(*fds));
}

int vfio_irq_info(int fd, uint32_t index, struct vfio_irq_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, info) ? -errno : 0;
}

int vfio_irq_none(int fd, uint32_t action, uint32_t index, uint32_t start,
		  uint32_t count)
{
	return vfio_set_irqs(fd, VFIO_IRQ_SET_DATA_NONE | action, index, start,
			     count, NULL, 0);
}

int vfio_irq_efd_new(int fd, uint32_t index)
{
	int32_t efd = efd_new();
	int ret;

	if (efd < 0)
		return -errno;
	ret = vfio_irq_eventfds(fd, index, 0, 1, &efd);
	if (ret) {
		close(efd);
		return ret;
	}
	return efd;
}

int efd_new(void)
{
	return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

uint64_t efd_count(int efd)
{
	uint64_t v;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

int efd_poll(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

uint64_t efd_wait(int efd, int ms)
{
	return efd_poll(efd, ms) ? efd_count(efd) : 0;
}

double now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int frontend_held_eventfds(void)
{
	const char *path = "/sys/kernel/debug/vfio_irqs/eventfds";
	char buf[32];
	int ret;

	if (!sysfs_exists("/sys/kernel/debug/vfio_irqs"))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	ret = sysfs_read(path, buf, sizeof(buf));
	return ret ? ret : atoi(buf);
}
