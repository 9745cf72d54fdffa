/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the ims-accel tests: find the function, create instances of
 * the ims_accel mdev parent, open one through a VFIO group and container
 * as a VMM does, map its portals and local memory, arm its MSI-X vectors
 * with eventfds and run descriptors. Everything is static inline so the
 * file links into nothing but its includers.
 */
#ifndef IAV_VFIO_H
#define IAV_VFIO_H

#include <dirent.h>
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
#include <sys/mman.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "../../../include/uapi/linux/ims_accel.h"
#include "../../../drivers/vfio/mdev/ims_accel/iav_regs.h"

#define IAV_MAX_VEC	(IAV_MAX_VECTORS + 1)

struct iav_type_info {
	const char *name;	/* sysfs name without the "ims_accel-" prefix */
	unsigned int wqs, vectors;
};

/* The types ims_accel.ko offers; the tests check the driver against it. */
static const struct iav_type_info iav_types[] = {
	{ "1q1v", 1, 1 },
	{ "1q4v", 1, 4 },
	{ "1q16v", 1, 16 },
	{ "2q8v", 2, 8 },
	{ "4q16v", 4, 16 },
};

#define IAV_NR_TYPES	(sizeof(iav_types) / sizeof(iav_types[0]))

struct iav_dev {
	char uuid[40];
	int container, group, fd;
	unsigned int nr_wqs, nr_vectors, sram, depth;
	uint64_t off[VFIO_PCI_NUM_REGIONS];
	uint64_t size[VFIO_PCI_NUM_REGIONS];
	volatile uint32_t *portals;	/* nr_wqs pages */
	volatile uint8_t *lmem;		/* nr_wqs windows of sram bytes */
	int efd[IAV_MAX_VEC];		/* -1 where not armed */
	unsigned int armed;		/* vectors 0..armed-1 have eventfds */
};

static char iav_pf_dir[PATH_MAX];

static inline int iav_write_file(const char *path, const char *val)
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

static inline int iav_read_file(const char *path, char *buf, size_t len)
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

/* Find the ims-accel function; its sysfs directory or NULL. */
static inline const char *iav_find_pf(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	char path[PATH_MAX], v[16], dv[16];

	iav_pf_dir[0] = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 e->d_name);
		if (iav_read_file(path, v, sizeof(v)))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 e->d_name);
		if (iav_read_file(path, dv, sizeof(dv)))
			continue;
		if (strtoul(v, NULL, 0) == IMS_ACCEL_VENDOR_ID &&
		    strtoul(dv, NULL, 0) == IMS_ACCEL_DEVICE_ID) {
			snprintf(iav_pf_dir, sizeof(iav_pf_dir),
				 "/sys/bus/pci/devices/%s", e->d_name);
			break;
		}
	}
	closedir(d);
	return iav_pf_dir[0] ? iav_pf_dir : NULL;
}

static inline const char *iav_pf_bdf(void)
{
	const char *s = strrchr(iav_pf_dir, '/');

	return s ? s + 1 : iav_pf_dir;
}

static inline int iav_remove(const char *uuid);

/* Remove instances an earlier, failed test left behind; how many. */
static inline int iav_remove_leftovers(void)
{
	DIR *d = opendir("/sys/bus/mdev/devices");
	char path[PATH_MAX], link[PATH_MAX];
	const char *bdf = strrchr(iav_pf_dir, '/');
	struct dirent *e;
	int n = 0;
	ssize_t len;

	if (!d || !bdf)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s",
			 e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = 0;
		if (strstr(link, bdf) && !iav_remove(e->d_name))
			n++;
	}
	closedir(d);
	return n;
}

/*
 * Load the modules and find the function: 0, or 1 (with a reason in
 * @why) when there is no ims-accel device, or -1 on failure.
 */
static inline int iav_setup(char *why, size_t len)
{
	char path[PATH_MAX + 64];

	if (!iav_find_pf()) {
		snprintf(why, len, "no ims-accel function (QEMU without the device model)");
		return 1;
	}
	if (system("modprobe vfio_iommu_type1 && modprobe ims_accel")) {
		snprintf(why, len, "modprobe ims_accel failed");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/mdev_supported_types", iav_pf_dir);
	if (access(path, F_OK)) {
		snprintf(why, len, "%.64s: no mdev types", iav_pf_bdf());
		return -1;
	}
	if (iav_remove_leftovers())
		fprintf(stderr, "# removed instances a failed test left\n");
	return 0;
}

static inline int iav_pf_attr(const char *attr, char *buf, size_t len);

/* Interrupt slots not given to any instance, or -1. */
static inline int iav_free_slots(void)
{
	char buf[32];

	return iav_pf_attr("free_slots", buf, sizeof(buf)) ? -1 : atoi(buf);
}

static inline int iav_pf_attr(const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", iav_pf_dir, attr);
	return iav_read_file(path, buf, len);
}

static inline int iav_type_attr(const char *type, const char *attr,
				char *buf, size_t len)
{
	char path[PATH_MAX + 128];

	snprintf(path, sizeof(path),
		 "%s/mdev_supported_types/ims_accel-%s/%s", iav_pf_dir, type,
		 attr);
	return iav_read_file(path, buf, len);
}

static inline int iav_available(const char *type)
{
	char buf[32];

	if (iav_type_attr(type, "available_instances", buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

static inline void iav_new_uuid(char *uuid, size_t len)
{
	if (iav_read_file("/proc/sys/kernel/random/uuid", uuid, len))
		snprintf(uuid, len, "00000000-0000-0000-0000-000000000000");
}

static inline int iav_create_uuid(const char *type, const char *uuid)
{
	char path[PATH_MAX + 128];

	snprintf(path, sizeof(path),
		 "%s/mdev_supported_types/ims_accel-%s/create", iav_pf_dir,
		 type);
	return iav_write_file(path, uuid);
}

/* Create an instance of @type; 0 or -errno (the errno of the write). */
static inline int iav_create(const char *type, char *uuid, size_t len)
{
	iav_new_uuid(uuid, len);
	return iav_create_uuid(type, uuid);
}

static inline int iav_remove(const char *uuid)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", uuid);
	return iav_write_file(path, "1");
}

static inline int iav_exists(const char *uuid)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", uuid);
	return access(path, F_OK) == 0;
}

static inline uint32_t iav_rd(struct iav_dev *d, unsigned int index,
			      uint64_t off)
{
	uint32_t val = UINT32_MAX;

	if (pread(d->fd, &val, 4, d->off[index] + off) != 4)
		return UINT32_MAX;
	return val;
}

static inline int iav_wr(struct iav_dev *d, unsigned int index, uint64_t off,
			 uint32_t val)
{
	return pwrite(d->fd, &val, 4, d->off[index] + off) == 4 ? 0 : -errno;
}

static inline uint32_t iav_ctrl(struct iav_dev *d, unsigned int reg)
{
	return iav_rd(d, IAV_BAR_CTRL, reg);
}

static inline int iav_ctrl_wr(struct iav_dev *d, unsigned int reg,
			      uint32_t val)
{
	return iav_wr(d, IAV_BAR_CTRL, reg, val);
}

static inline uint32_t iav_cfg(struct iav_dev *d, unsigned int off,
			       unsigned int size)
{
	uint32_t val = 0;

	if (pread(d->fd, &val, size, d->off[VFIO_PCI_CONFIG_REGION_INDEX] +
		  off) != (ssize_t)size)
		return UINT32_MAX;
	return val;
}

static inline int iav_cfg_wr(struct iav_dev *d, unsigned int off,
			     uint32_t val, unsigned int size)
{
	return pwrite(d->fd, &val, size,
		      d->off[VFIO_PCI_CONFIG_REGION_INDEX] + off) ==
	       (ssize_t)size ? 0 : -errno;
}

static inline void iav_unmap(struct iav_dev *d)
{
	if (d->portals)
		munmap((void *)d->portals, (size_t)d->nr_wqs * IAV_PAGE_SIZE);
	if (d->lmem)
		munmap((void *)d->lmem, (size_t)d->nr_wqs * d->sram);
	d->portals = NULL;
	d->lmem = NULL;
}

static inline void iav_close(struct iav_dev *d)
{
	unsigned int i;

	iav_unmap(d);
	for (i = 0; i < IAV_MAX_VEC; i++) {
		if (d->efd[i] >= 0)
			close(d->efd[i]);
		d->efd[i] = -1;
	}
	d->armed = 0;
	if (d->fd >= 0)
		close(d->fd);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	d->container = d->group = d->fd = -1;
}

static inline void iav_init_dev(struct iav_dev *d)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->container = d->group = d->fd = -1;
	for (i = 0; i < IAV_MAX_VEC; i++)
		d->efd[i] = -1;
}

/* Open the device fd of an instance only; 0 or -errno. */
static inline int iav_open_fd(struct iav_dev *d, const char *uuid)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[512], link[256];
	const char *group;
	unsigned int i;
	ssize_t n;
	int ret;

	iav_init_dev(d);
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

	errno = 0;
	d->container = open("/dev/vfio/vfio", O_RDWR);
	if (d->container < 0)
		goto err;
	d->group = open(path, O_RDWR);
	if (d->group < 0)
		goto err;
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &status))
		goto err;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = ENODEV;
		goto err;
	}
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container))
		goto err;
	if (ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		goto err;
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	if (d->fd < 0)
		goto err;
	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		struct vfio_region_info r = { .argsz = sizeof(r), .index = i };

		if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &r))
			continue;
		d->off[i] = r.offset;
		d->size[i] = r.size;
	}
	return 0;
err:
	ret = errno ? -errno : -EIO;
	iav_close(d);
	return ret;
}

/* Open an instance and map its portals and local memory; 0 or -errno. */
static inline int iav_open(struct iav_dev *d, const char *uuid)
{
	void *p;
	int ret;

	ret = iav_open_fd(d, uuid);
	if (ret)
		return ret;
	if (iav_ctrl(d, IAV_REG_ID) != IAV_ID_MAGIC) {
		iav_close(d);
		return -ENODEV;
	}
	d->nr_wqs = iav_ctrl(d, IAV_REG_NUM_WQS);
	d->nr_vectors = iav_ctrl(d, IAV_REG_NUM_VECTORS);
	d->sram = iav_ctrl(d, IAV_REG_SRAM_SIZE);
	d->depth = iav_ctrl(d, IAV_REG_WQ_DEPTH);
	if (d->nr_vectors > IAV_MAX_VECTORS) {
		iav_close(d);
		return -ERANGE;
	}
	p = mmap(NULL, (size_t)d->nr_wqs * IAV_PAGE_SIZE,
		 PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		 d->off[IAV_BAR_PORTAL]);
	if (p == MAP_FAILED)
		goto err;
	d->portals = p;
	p = mmap(NULL, (size_t)d->nr_wqs * d->sram, PROT_READ | PROT_WRITE,
		 MAP_SHARED, d->fd, d->off[IAV_BAR_LMEM]);
	if (p == MAP_FAILED)
		goto err;
	d->lmem = p;
	return 0;
err:
	ret = -errno;
	iav_close(d);
	return ret;
}

/* Create an instance of @type and open it; 0 or -errno. */
static inline int iav_open_new(struct iav_dev *d, const char *type)
{
	char uuid[40];
	int ret;

	ret = iav_create(type, uuid, sizeof(uuid));
	if (ret)
		return ret;
	ret = iav_open(d, uuid);
	if (ret)
		iav_remove(uuid);
	return ret;
}

/* Close and remove; 0 or -errno. */
static inline int iav_destroy(struct iav_dev *d)
{
	char uuid[40];

	snprintf(uuid, sizeof(uuid), "%s", d->uuid);
	iav_close(d);
	return uuid[0] ? iav_remove(uuid) : 0;
}

/* SET_IRQS of MSI-X with eventfds (or -1) for start..start+count-1. */
static inline int iav_set_irqs(struct iav_dev *d, unsigned int index,
			       unsigned int start, unsigned int count,
			       const int32_t *fds)
{
	char buf[sizeof(struct vfio_irq_set) + IAV_MAX_VEC * sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;

	if (count > IAV_MAX_VEC)
		return -EINVAL;
	set->argsz = sizeof(*set) + count * sizeof(int32_t);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = index;
	set->start = start;
	set->count = count;
	memcpy(set->data, fds, count * sizeof(int32_t));
	return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
}

/* Arm MSI-X vectors 0..m with fresh eventfds; 0 or -errno. */
static inline int iav_arm(struct iav_dev *d)
{
	int32_t fds[IAV_MAX_VEC];
	unsigned int i, n = d->nr_vectors + 1;

	for (i = 0; i < n; i++) {
		if (d->efd[i] < 0)
			d->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (d->efd[i] < 0)
			return -errno;
		fds[i] = d->efd[i];
	}
	d->armed = n;
	return iav_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX, 0, n, fds);
}

static inline int iav_disarm(struct iav_dev *d)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
	};

	return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set) ? -errno : 0;
}

/* Signals an eventfd counted since the last call. */
static inline uint64_t iav_count(int efd)
{
	uint64_t n;

	return read(efd, &n, sizeof(n)) == sizeof(n) ? n : 0;
}

static inline double iav_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void iav_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Add to @got what each armed vector counted, until it reaches @want or
 * @ms pass; then give late signals @settle_ms to show up. */
static inline void iav_collect(struct iav_dev *d, uint64_t *got,
			       const uint64_t *want, unsigned int ms,
			       unsigned int settle_ms)
{
	double end = iav_now() + ms / 1000.0;
	unsigned int i;
	int pending;

	do {
		pending = 0;
		for (i = 0; i < d->armed; i++) {
			got[i] += iav_count(d->efd[i]);
			if (got[i] < want[i])
				pending = 1;
		}
		if (!pending)
			break;
		iav_sleep_ms(1);
	} while (iav_now() < end);
	if (settle_ms)
		iav_sleep_ms(settle_ms);
	for (i = 0; i < d->armed; i++)
		got[i] += iav_count(d->efd[i]);
}

/* Enable (or disable) queue @j of the instance; 0 or -errno. */
static inline int iav_wq_enable(struct iav_dev *d, unsigned int j, int on)
{
	return iav_ctrl_wr(d, IAV_WQ_REGS(j) + IAV_WQ_CTRL,
			   on ? IAV_WQ_CTRL_ENABLE : 0);
}

static inline int iav_wq_reset(struct iav_dev *d, unsigned int j)
{
	return iav_ctrl_wr(d, IAV_WQ_REGS(j) + IAV_WQ_CTRL,
			   IAV_WQ_CTRL_RESET | IAV_WQ_CTRL_ENABLE);
}

struct iav_desc {
	uint8_t opcode;
	uint8_t flags;
	uint16_t int_handle;
	uint32_t seq;
	uint64_t pattern;
	uint32_t src, dst, len, comp;
	uint8_t rsvd[32];
} __attribute__((packed));

struct iav_comp {
	uint8_t status, opcode;
	uint16_t zero;
	uint32_t seq, result, bytes;
} __attribute__((packed));

static inline volatile uint32_t *iav_portal(struct iav_dev *d, unsigned int j)
{
	return d->portals + j * (IAV_PAGE_SIZE / 4);
}

static inline volatile uint8_t *iav_window(struct iav_dev *d, unsigned int j)
{
	return d->lmem + (size_t)j * d->sram;
}

/* Stage a descriptor in queue @j's portal and ring the doorbell. */
static inline void iav_submit(struct iav_dev *d, unsigned int j,
			      const struct iav_desc *desc)
{
	volatile uint32_t *p = iav_portal(d, j);
	uint32_t w[IMS_ACCEL_DESC_SIZE / 4];
	unsigned int i;

	memcpy(w, desc, sizeof(w));
	for (i = 0; i < IMS_ACCEL_DESC_SIZE / 4; i++)
		p[IMS_ACCEL_PORTAL_DESC / 4 + i] = w[i];
	p[IMS_ACCEL_PORTAL_DOORBELL / 4] = 1;
}

static inline uint32_t iav_completed(struct iav_dev *d, unsigned int j)
{
	return iav_portal(d, j)[IMS_ACCEL_PORTAL_COMPLETED / 4];
}

static inline uint32_t iav_errors(struct iav_dev *d, unsigned int j)
{
	return iav_portal(d, j)[IMS_ACCEL_PORTAL_ERRORS / 4];
}

/* Wait until queue @j completed @n descriptors in all; 1 or 0 on timeout. */
static inline int iav_wait_completed(struct iav_dev *d, unsigned int j,
				     uint32_t n, unsigned int ms)
{
	double end = iav_now() + ms / 1000.0;

	while ((int32_t)(iav_completed(d, j) - n) < 0) {
		if (iav_now() > end)
			return 0;
		iav_sleep_ms(1);
	}
	return 1;
}

/* The completion record at offset @comp of queue @j's window. */
static inline struct iav_comp iav_record(struct iav_dev *d, unsigned int j,
					 uint32_t comp)
{
	struct iav_comp c;
	volatile uint8_t *w = iav_window(d, j) + comp;
	uint8_t *b = (uint8_t *)&c;
	unsigned int i;

	for (i = 0; i < sizeof(c); i++)
		b[i] = w[i];
	return c;
}

static inline void iav_fill_window(struct iav_dev *d, unsigned int j,
				   uint32_t off, const void *src, size_t len)
{
	volatile uint8_t *w = iav_window(d, j) + off;
	const uint8_t *s = src;
	size_t i;

	for (i = 0; i < len; i++)
		w[i] = s[i];
}

static inline void iav_read_window(struct iav_dev *d, unsigned int j,
				   uint32_t off, void *dst, size_t len)
{
	volatile uint8_t *w = iav_window(d, j) + off;
	uint8_t *t = dst;
	size_t i;

	for (i = 0; i < len; i++)
		t[i] = w[i];
}

static inline uint32_t iav_crc32c(const uint8_t *buf, size_t len)
{
	uint32_t crc = ~0U;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= buf[i];
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78U : crc >> 1;
	}
	return ~crc;
}

/* A descriptor raising guest vector @vector (1..m), or none for 0. */
static inline struct iav_desc iav_nop(unsigned int vector, uint32_t seq)
{
	struct iav_desc desc = {
		.opcode = IMS_ACCEL_OP_NOP,
		.seq = seq,
	};

	if (vector) {
		desc.flags = IMS_ACCEL_DESC_F_INTERRUPT;
		desc.int_handle = vector - 1;
	}
	return desc;
}

#endif /* IAV_VFIO_H */
