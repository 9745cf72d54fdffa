/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for userspace VFIO tests: mediated devices through sysfs, the
 * VFIO group API, regions, SET_IRQS and eventfds.
 */
#ifndef VFIO_DEV_H
#define VFIO_DEV_H

#include <stddef.h>
#include <stdint.h>
#include <linux/vfio.h>

/*
 * The runner bounds each test binary by the "TIMEOUT:" of its source. The
 * harness's own 30 s per case would fail a slow case in a TCG guest on a
 * loaded machine that then passes, so the runner's bound decides alone.
 */
#ifdef TEST_TIMEOUT_DEFAULT
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	3600
#endif

struct vfio_dev {
	char uuid[40];
	int container;
	int group;
	int fd;
	struct vfio_device_info info;
	struct vfio_region_info region[VFIO_PCI_NUM_REGIONS];
};

/* sysfs */
int sysfs_write(const char *path, const char *val);
int sysfs_read(const char *path, char *buf, size_t len);
int sysfs_exists(const char *path);
int modprobe(const char *module, const char *args);
int rmmod(const char *module);

/* Mediated devices: @types is the mdev_supported_types directory. */
int mdev_create(const char *types, const char *type, char uuid[40]);
int mdev_remove(const char *uuid);
int mdev_available(const char *types, const char *type);
int mdev_exists(const char *uuid);

/* The number of an instance's IOMMU group, or -errno. */
int vfio_group_of(const char *uuid);
/*
 * The VFIO group API; 0 or -errno. A region the device gives no info for
 * is left with size 0.
 */
int vfio_dev_open(struct vfio_dev *d, const char *uuid);
/* vfio_dev_open() in two steps: the group in a container, then the fd. */
int vfio_dev_attach(struct vfio_dev *d, const char *uuid);
int vfio_dev_get_fd(struct vfio_dev *d);
void vfio_dev_close(struct vfio_dev *d);
/*
 * VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE: set (the data fd, if the arc has
 * one, in @data_fd, else closed) or get; 0 or the state, or -errno.
 */
int vfio_mig_set(int fd, uint32_t state, int *data_fd);
int vfio_mig_get(int fd);
int vfio_region_read(struct vfio_dev *d, unsigned int index, uint64_t off,
		     void *buf, size_t len);
int vfio_region_write(struct vfio_dev *d, unsigned int index, uint64_t off,
		      const void *buf, size_t len);
int vfio_read8(struct vfio_dev *d, unsigned int index, uint64_t off);
int vfio_write8(struct vfio_dev *d, unsigned int index, uint64_t off,
		uint8_t val);

/* SET_IRQS with @count elements of @data; returns 0 or -errno. */
int vfio_set_irqs(int fd, uint32_t flags, uint32_t index, uint32_t start,
		  uint32_t count, const void *data, size_t size);
int vfio_irq_eventfds(int fd, uint32_t index, uint32_t start,
		      uint32_t count, const int32_t *fds);
int vfio_irq_info(int fd, uint32_t index, struct vfio_irq_info *info);
/* SET_IRQS with DATA_NONE and @action (loopback, unmask, disable). */
int vfio_irq_none(int fd, uint32_t action, uint32_t index, uint32_t start,
		  uint32_t count);
/* A new eventfd as the trigger of vector 0 of @index; the fd or -errno. */
int vfio_irq_efd_new(int fd, uint32_t index);

/* Non-blocking eventfds. */
int efd_new(void);
/* The counter, reset to 0 by the read; 0 when nothing was signalled. */
uint64_t efd_count(int efd);
/* Wait up to @ms for a signal; the counter, or 0 on timeout. */
uint64_t efd_wait(int efd, int ms);
/* Wait up to @ms for a signal, leaving the counter; 1 if one came. */
int efd_poll(int efd, int ms);

/* The monotonic clock in seconds. */
double now_secs(void);
/* Sleep @ms milliseconds, through signals. */
void sleep_ms(unsigned int ms);

/* eventfds held by the interrupt frontend (debugfs), or -errno. */
int frontend_held_eventfds(void);

#endif /* VFIO_DEV_H */
