// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-demo <uuid>: open a mediated device through VFIO as a VMM does and
 * show what it offers. For an ims-accel instance it also runs a few
 * descriptors on each queue and prints how many interrupts each MSI-X
 * vector counted; for any other device it prints region and interrupt
 * info. Used by "make demo"; not a test.
 */
#include "iav_vfio.h"

static const char *const region_names[VFIO_PCI_NUM_REGIONS] = {
	"BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5", "ROM", "config", "VGA",
};

static const char *const irq_names[VFIO_PCI_NUM_IRQS] = {
	"INTx", "MSI", "MSI-X", "ERR", "REQ",
};

static void show_info(struct iav_dev *d)
{
	unsigned int i;

	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		const struct vfio_region_info *r = &d->vfio.region[i];

		if (!r->size)
			continue;
		printf("region %-6s %8llu bytes%s%s%s\n", region_names[i],
		       (unsigned long long)r->size,
		       r->flags & VFIO_REGION_INFO_FLAG_READ ? " read" : "",
		       r->flags & VFIO_REGION_INFO_FLAG_WRITE ? " write" : "",
		       r->flags & VFIO_REGION_INFO_FLAG_MMAP ? " mmap" : "");
	}
	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		struct vfio_irq_info irq;

		if (vfio_irq_info(d->vfio.fd, i, &irq) || !irq.count)
			continue;
		printf("irq    %-6s %u vector(s)\n", irq_names[i], irq.count);
	}
}

/* Each queue raises each vector a different number of times. */
static int run_ims_accel(struct iav_dev *d)
{
	uint64_t got[IAV_MAX_VEC] = { 0 }, want[IAV_MAX_VEC] = { 0 };
	unsigned int j, v, k, n = 0;
	uint8_t buf[256];
	struct iav_desc desc;
	struct iav_comp c;

	printf("ims-accel instance: %u queue(s), MSI-X 0 emulated + %u host-backed, %u KiB local memory per queue\n",
	       d->nr_wqs, d->nr_vectors, d->sram / 1024);
	if (iav_arm(d))
		return -1;
	iav_ctrl_wr(d, IAV_REG_EVT_MASK, 0);
	for (j = 0; j < d->nr_wqs; j++)
		iav_wq_enable(d, j, 1);

	for (k = 0; k < sizeof(buf); k++)
		buf[k] = (uint8_t)(k * 13);
	for (j = 0; j < d->nr_wqs; j++) {
		iav_fill_window(d, j, 0, buf, sizeof(buf));
		desc = (struct iav_desc){ .opcode = IMS_ACCEL_OP_CRC32C,
			.flags = IMS_ACCEL_DESC_F_RECORD, .src = 0,
			.len = sizeof(buf), .comp = 0x400 };
		iav_submit(d, j, &desc);
		iav_wait_completed(d, j, 1, 5000);
		c = iav_record(d, j, 0x400);
		printf("queue %u: CRC32C of 256 bytes = %08x (%s)\n", j,
		       c.result, c.result == iav_crc32c(buf, sizeof(buf)) ?
		       "matches software" : "WRONG");
	}

	/* Vector v is raised v times, one message in flight at a time. */
	for (v = 1; v <= d->nr_vectors; v++) {
		for (k = 0; k < v; k++) {
			desc = iav_nop(v, k);
			want[v]++;
			iav_submit(d, (v + k) % d->nr_wqs, &desc);
			iav_collect(d, got, want, 5000, 0);
			n++;
		}
	}
	/* and one queue error for vector 0 */
	desc = (struct iav_desc){ .opcode = 0xee };
	iav_submit(d, 0, &desc);
	want[0] = 1;
	iav_collect(d, got, want, 5000, 50);

	printf("%u descriptors raised vectors 1..%u; interrupts counted per vector:\n",
	       n, d->nr_vectors);
	for (v = 0; v <= d->nr_vectors; v++)
		printf("  vector %2u: %3llu (expected %llu)%s\n", v,
		       (unsigned long long)got[v], (unsigned long long)want[v],
		       v ? "" : " [emulated: queue error]");
	return 0;
}

int main(int argc, char **argv)
{
	struct iav_dev d;
	uint32_t vendor, device;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s <mdev uuid>\n", argv[0]);
		return 2;
	}
	if (modprobe("vfio_iommu_type1", NULL))
		fprintf(stderr, "modprobe vfio_iommu_type1 failed\n");
	ret = iav_open_fd(&d, argv[1]);
	if (ret) {
		fprintf(stderr, "%s: cannot open: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	vendor = iav_cfg(&d, PCI_VENDOR_ID, 2);
	device = iav_cfg(&d, PCI_DEVICE_ID, 2);
	printf("PCI %04x:%04x\n", vendor, device);
	show_info(&d);
	if (vendor == IAV_VENDOR_ID && device == IAV_DEVICE_ID) {
		iav_close(&d);
		ret = iav_open(&d, argv[1]);
		if (!ret)
			ret = run_ims_accel(&d);
	}
	iav_close(&d);
	return ret ? 1 : 0;
}
