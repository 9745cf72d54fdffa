/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the ims-accel tests, on top of vfio_dev: find the function,
 * create instances of the ims_accel mdev parent, open one, map its portals
 * and local memory, arm its MSI-X vectors with eventfds and run
 * descriptors. Everything is static inline so the file links into nothing
 * but its includers.
 */
#ifndef IAV_VFIO_H
#define IAV_VFIO_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "vfio_dev.h"
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
	struct vfio_dev vfio;
	unsigned int nr_wqs, nr_vectors, sram, depth;
	volatile uint32_t *portals;	/* nr_wqs pages */
	volatile uint8_t *lmem;		/* nr_wqs windows of sram bytes */
	int efd[IAV_MAX_VEC];		/* -1 where not armed */
	unsigned int armed;		/* vectors 0..armed-1 have eventfds */
};

static char iav_pf_dir[PATH_MAX];

/* The function's mdev_supported_types directory. */
static inline const char *iav_types_dir(void)
{
	static char dir[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s/mdev_supported_types", iav_pf_dir);
	return dir;
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
		if (sysfs_read(path, v, sizeof(v)))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 e->d_name);
		if (sysfs_read(path, dv, sizeof(dv)))
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
		if (strstr(link, bdf) && !mdev_remove(e->d_name))
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
	if (!iav_find_pf()) {
		snprintf(why, len, "no ims-accel function (QEMU without the device model)");
		return 1;
	}
	if (modprobe("vfio_iommu_type1", NULL) || modprobe("ims_accel", NULL)) {
		snprintf(why, len, "modprobe ims_accel failed");
		return -1;
	}
	if (!sysfs_exists(iav_types_dir())) {
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
	return sysfs_read(path, buf, len);
}

static inline int iav_type_attr(const char *type, const char *attr,
				char *buf, size_t len)
{
	char path[PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/ims_accel-%s/%s", iav_types_dir(),
		 type, attr);
	return sysfs_read(path, buf, len);
}

static inline int iav_available(const char *type)
{
	char name[64];

	snprintf(name, sizeof(name), "ims_accel-%s", type);
	return mdev_available(iav_types_dir(), name);
}

static inline void iav_new_uuid(char *uuid, size_t len)
{
	if (sysfs_read("/proc/sys/kernel/random/uuid", uuid, len))
		snprintf(uuid, len, "00000000-0000-0000-0000-000000000000");
}

static inline int iav_create_uuid(const char *type, const char *uuid)
{
	char path[PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/ims_accel-%s/create",
		 iav_types_dir(), type);
	return sysfs_write(path, uuid);
}

/* Create an instance of @type; 0 or -errno (the errno of the write). */
static inline int iav_create(const char *type, char *uuid, size_t len)
{
	iav_new_uuid(uuid, len);
	return iav_create_uuid(type, uuid);
}

static inline uint32_t iav_rd(struct iav_dev *d, unsigned int index,
			      uint64_t off)
{
	uint32_t val;

	if (vfio_region_read(&d->vfio, index, off, &val, 4))
		return UINT32_MAX;
	return val;
}

static inline int iav_wr(struct iav_dev *d, unsigned int index, uint64_t off,
			 uint32_t val)
{
	return vfio_region_write(&d->vfio, index, off, &val, 4);
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

	if (vfio_region_read(&d->vfio, VFIO_PCI_CONFIG_REGION_INDEX, off, &val,
			     size))
		return UINT32_MAX;
	return val;
}

static inline int iav_cfg_wr(struct iav_dev *d, unsigned int off,
			     uint32_t val, unsigned int size)
{
	return vfio_region_write(&d->vfio, VFIO_PCI_CONFIG_REGION_INDEX, off,
				 &val, size);
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
	vfio_dev_close(&d->vfio);
}

static inline void iav_init_dev(struct iav_dev *d)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->vfio.container = d->vfio.group = d->vfio.fd = -1;
	for (i = 0; i < IAV_MAX_VEC; i++)
		d->efd[i] = -1;
}

/* Open the device fd of an instance only; 0 or -errno. */
static inline int iav_open_fd(struct iav_dev *d, const char *uuid)
{
	iav_init_dev(d);
	return vfio_dev_open(&d->vfio, uuid);
}

static inline void *iav_mmap(struct iav_dev *d, unsigned int index,
			     size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d->vfio.fd,
		    d->vfio.region[index].offset);
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
	p = iav_mmap(d, IAV_BAR_PORTAL, (size_t)d->nr_wqs * IAV_PAGE_SIZE);
	if (p == MAP_FAILED)
		goto err;
	d->portals = p;
	p = iav_mmap(d, IAV_BAR_LMEM, (size_t)d->nr_wqs * d->sram);
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
		mdev_remove(uuid);
	return ret;
}

/* Close and remove; 0 or -errno. */
static inline int iav_destroy(struct iav_dev *d)
{
	char uuid[40];

	snprintf(uuid, sizeof(uuid), "%s", d->vfio.uuid);
	iav_close(d);
	return uuid[0] ? mdev_remove(uuid) : 0;
}

/* Arm MSI-X vectors 0..m with fresh eventfds; 0 or -errno. */
static inline int iav_arm(struct iav_dev *d)
{
	int32_t fds[IAV_MAX_VEC];
	unsigned int i, n = d->nr_vectors + 1;

	for (i = 0; i < n; i++) {
		if (d->efd[i] < 0)
			d->efd[i] = efd_new();
		if (d->efd[i] < 0)
			return -errno;
		fds[i] = d->efd[i];
	}
	d->armed = n;
	return vfio_irq_eventfds(d->vfio.fd, VFIO_PCI_MSIX_IRQ_INDEX, 0, n,
				 fds);
}

/* Add to @got what each armed vector counted, until it reaches @want or
 * @ms pass; then give late signals @settle_ms to show up. */
static inline void iav_collect(struct iav_dev *d, uint64_t *got,
			       const uint64_t *want, unsigned int ms,
			       unsigned int settle_ms)
{
	double end = now_secs() + ms / 1000.0;
	unsigned int i;
	int pending;

	do {
		pending = 0;
		for (i = 0; i < d->armed; i++) {
			got[i] += efd_count(d->efd[i]);
			if (got[i] < want[i])
				pending = 1;
		}
		if (!pending)
			break;
		sleep_ms(1);
	} while (now_secs() < end);
	if (settle_ms)
		sleep_ms(settle_ms);
	for (i = 0; i < d->armed; i++)
		got[i] += efd_count(d->efd[i]);
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
	double end = now_secs() + ms / 1000.0;

	while ((int32_t)(iav_completed(d, j) - n) < 0) {
		if (now_secs() > end)
			return 0;
		sleep_ms(1);
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
