// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-bench mtty|mdpy <uuid> <seconds>: measure one mediated device
 * through VFIO, the same way whichever driver implements it, so that
 * "make bench" can set the project's mtty and mdpy against the kernel's
 * own samples in the same guest. Prints "<metric> <value> <unit>" lines;
 * asserts nothing.
 *
 * mtty: MSI round trips (write a byte to a loopback port, wait for its
 * eventfd, read the byte back) and SET_IRQS arm/disarm pairs of the MSI
 * trigger. mdpy: framebuffer reads through the region (pread, 64 KiB at a
 * time) and config space dword reads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mtty_test.h"

#define FB_CHUNK	(64 * 1024)

struct meter {
	double start, until;
	unsigned long ops;
};

static void meter_start(struct meter *m, double seconds)
{
	m->start = now_secs();
	m->until = m->start + seconds;
	m->ops = 0;
}

/* Check the clock every 64 operations: it costs a syscall under TCG. */
static int meter_running(struct meter *m)
{
	return (m->ops & 63) || now_secs() < m->until;
}

static void meter_print(struct meter *m, const char *metric, double scale,
			const char *unit)
{
	printf("%s %.1f %s\n", metric, m->ops * scale / (now_secs() - m->start),
	       unit);
}

/* Report a failed step; the helpers return 0, a value or -errno. */
static int failed(const char *what, int ret)
{
	fprintf(stderr, "vfio-bench: %s: %s\n", what,
		ret < 0 ? strerror(-ret) : "unexpected result");
	return -1;
}

static int bench_mtty(struct vfio_dev *d, double seconds)
{
	struct meter m;
	int32_t efd;
	int ret = 0, c;

	efd = efd_new();
	if (efd < 0)
		return failed("eventfd", -errno);
	ret = vfio_irq_eventfds(d->fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd);
	if (ret) {
		ret = failed("SET_IRQS MSI trigger", ret);
		goto out;
	}
	/* Receive-data interrupt on, FIFOs off: one interrupt per byte. */
	ret = mtty_reg_write(d, 0, UART_FCR, 0) ?:
	      mtty_reg_write(d, 0, UART_IER, UART_IER_RDI);
	if (ret) {
		ret = failed("UART set-up", ret);
		goto out;
	}
	efd_count(efd);
	meter_start(&m, seconds);
	while (meter_running(&m)) {
		ret = mtty_reg_write(d, 0, UART_THR, (uint8_t)m.ops);
		if (ret || !efd_wait(efd, 5000)) {
			ret = failed("byte written, no MSI", ret);
			goto out;
		}
		c = mtty_reg_read(d, 0, UART_RBR);
		if (c != (uint8_t)m.ops) {
			ret = failed("byte read back", c);
			goto out;
		}
		m.ops++;
	}
	meter_print(&m, "msi-round-trips", 1, "per-second");
	mtty_reg_write(d, 0, UART_IER, 0);

	meter_start(&m, seconds);
	while (meter_running(&m)) {
		ret = vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_TRIGGER,
				    VFIO_PCI_MSI_IRQ_INDEX, 0, 0) ?:
		      vfio_irq_eventfds(d->fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
					&efd);
		if (ret) {
			ret = failed("SET_IRQS MSI disarm and arm", ret);
			goto out;
		}
		m.ops++;
	}
	meter_print(&m, "set-irqs-disarm-arm", 1, "per-second");
out:
	vfio_irq_none(d->fd, VFIO_IRQ_SET_ACTION_TRIGGER,
		      VFIO_PCI_MSI_IRQ_INDEX, 0, 0);
	close(efd);
	return ret;
}

static int bench_mdpy(struct vfio_dev *d, double seconds)
{
	const struct vfio_region_info *fb = &d->region[VFIO_PCI_BAR0_REGION_INDEX];
	static char buf[FB_CHUNK];
	struct meter m;
	uint64_t off = 0;
	uint32_t id;
	int ret;

	if (fb->size < FB_CHUNK) {
		fprintf(stderr, "mdpy: BAR0 of %llu bytes\n",
			(unsigned long long)fb->size);
		return -1;
	}
	meter_start(&m, seconds);
	while (meter_running(&m)) {
		ret = vfio_region_read(d, VFIO_PCI_BAR0_REGION_INDEX, off, buf,
				       FB_CHUNK);
		if (ret)
			return failed("framebuffer read", ret);
		off = (off + FB_CHUNK) % (fb->size - fb->size % FB_CHUNK);
		m.ops++;
	}
	meter_print(&m, "framebuffer-read", FB_CHUNK / 1048576.0, "MiB/s");

	meter_start(&m, seconds);
	while (meter_running(&m)) {
		ret = vfio_region_read(d, VFIO_PCI_CONFIG_REGION_INDEX,
				       PCI_VENDOR_ID, &id, 4);
		if (ret)
			return failed("config space read", ret);
		m.ops++;
	}
	meter_print(&m, "config-reads", 1, "per-second");
	return 0;
}

int main(int argc, char **argv)
{
	struct vfio_dev d;
	double seconds;
	int ret;

	if (argc != 4 || (strcmp(argv[1], "mtty") && strcmp(argv[1], "mdpy"))) {
		fprintf(stderr, "usage: vfio-bench mtty|mdpy <uuid> <seconds>\n");
		return 2;
	}
	seconds = atof(argv[3]);
	modprobe("vfio_iommu_type1", NULL);
	ret = vfio_dev_open(&d, argv[2]);
	if (ret) {
		failed(argv[2], ret);
		return 1;
	}
	ret = !strcmp(argv[1], "mtty") ? bench_mtty(&d, seconds) :
					 bench_mdpy(&d, seconds);
	vfio_dev_close(&d);
	return ret ? 1 : 0;
}
