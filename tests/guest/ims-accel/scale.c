// SPDX-License-Identifier: GPL-2.0
/*
 * ims-accel: the function sliced as far as it goes, every instance open
 * at once with all of its vectors armed, each vector raised ROUNDS times
 * and each eventfd counting exactly that. One variant takes every 1q1v
 * instance the function offers; the other alternates 1q16v and 1q4v
 * instances, which with IMS backing (256 queues, 32768 slots) is 256
 * instances and 2560 host vectors: more than MSI-X's 2048 could back.
 * With either backing the instances and host vectors are exactly what
 * the device's properties (mdev_ims.device=, the bench's -device
 * arguments) leave room for: with MSI-X backing (wqs=256, msix=64 on the
 * bench) 63 1q1v instances, or 6 alternating ones with 60 vectors.
 * x86 gives each CPU about 200 vectors, hence the 16-vCPU boot.
 * BOOT: wide
 * TIMEOUT: 1500
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <sys/resource.h>
#include "kselftest_harness.h"
#include "iav_vfio.h"

#define WAIT_MS		20000
#define ROUNDS		4
#define MAX_NR		256
#define MSIX_MAX_VEC	2048

FIXTURE(scale) {
	struct iav_dev d[MAX_NR];
	unsigned int nr, host_vectors;
	char why[128];
	int skip;
};

/* Instance i is of types[i % 2], or of the other one when that is used up. */
FIXTURE_VARIANT(scale) {
	const char *types[2];
	bool past_msix;		/* with IMS: all queues, over 2048 vectors */
};

FIXTURE_VARIANT_ADD(scale, t1q1v) { .types = { "1q1v", "1q1v" } };
FIXTURE_VARIANT_ADD(scale, t1q16v_1q4v) {
	.types = { "1q16v", "1q4v" },
	.past_msix = true,
};

/*
 * The function's queues and interrupt slots from the device's properties
 * on the kernel command line, else the model's defaults: not from the
 * driver, whose offer is what is tested. The slots are the IMS entries,
 * or the MSI-X vectors but vector 0 (events). 0, or -1 with no device.
 */
static int device_geometry(const char *backing, unsigned int *wqs,
			   unsigned int *slots)
{
	unsigned int ims = IMS_ACCEL_IMS_DEFAULT, msix = IMS_ACCEL_MSIX_DEFAULT;
	char cmdline[4096], *p, *tok, *save;

	*wqs = IMS_ACCEL_WQS_DEFAULT;
	if (sysfs_read("/proc/cmdline", cmdline, sizeof(cmdline)))
		return -1;
	p = strstr(cmdline, "mdev_ims.device=");
	if (!p)
		return -1;
	p += strlen("mdev_ims.device=");
	p[strcspn(p, " \n")] = 0;
	for (tok = strtok_r(p, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		sscanf(tok, "wqs=%u", wqs);
		sscanf(tok, "ims=%u", &ims);
		sscanf(tok, "msix=%u", &msix);
	}
	*slots = strcmp(backing, "ims") ? msix - 1 : ims;
	return 0;
}

static const struct iav_type_info *type_info(const char *name)
{
	unsigned int i;

	for (i = 0; i < IAV_NR_TYPES; i++)
		if (!strcmp(iav_types[i].name, name))
			return &iav_types[i];
	return NULL;
}

/*
 * What the setup below must get from an empty function of @wqs queues
 * and @slots slots: instances take the first free run of each, so what
 * is left stays one run, and a type fits while both runs are that long.
 */
static void expected_fill(const char *const types[2], unsigned int wqs,
			  unsigned int slots, unsigned int *nr,
			  unsigned int *vectors)
{
	const struct iav_type_info *t;
	unsigned int i;

	*nr = *vectors = 0;
	for (i = 0; i < MAX_NR; i++) {
		t = type_info(types[i % 2]);
		if (!t || t->wqs > wqs || t->vectors > slots)
			t = type_info(types[(i + 1) % 2]);
		if (!t || t->wqs > wqs || t->vectors > slots)
			break;
		wqs -= t->wqs;
		slots -= t->vectors;
		(*nr)++;
		*vectors += t->vectors;
	}
}

FIXTURE_SETUP(scale)
{
	unsigned int wqs, slots, want_nr, want_vectors;
	int ret = iav_setup(self->why, sizeof(self->why));
	char backing[16] = "";
	const char *type;
	struct rlimit lim;
	unsigned int i;

	self->nr = 0;
	self->host_vectors = 0;
	ASSERT_LE(0, ret) TH_LOG("%s", self->why);
	self->skip = ret;
	if (ret)
		return;
	ASSERT_EQ(0, iav_pf_attr("interrupt_backing", backing,
				 sizeof(backing)));
	ASSERT_EQ(0, device_geometry(backing, &wqs, &slots))
		TH_LOG("no mdev_ims.device= on the kernel command line");
	expected_fill(variant->types, wqs, slots, &want_nr, &want_vectors);
	/* A container, group, device and eventfds per instance */
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &lim));
	lim.rlim_cur = lim.rlim_max;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	for (i = 0; i < MAX_NR; i++) {
		type = variant->types[i % 2];
		if (iav_available(type) <= 0)
			type = variant->types[(i + 1) % 2];
		if (iav_available(type) <= 0)
			break;
		iav_init_dev(&self->d[i]);
		self->nr = i + 1;
		ASSERT_EQ(0, iav_open_new(&self->d[i], type))
			TH_LOG("instance %u (%s)", i, type);
		ASSERT_EQ(0, iav_wq_enable(&self->d[i], 0, 1));
		ASSERT_EQ(0, iav_arm(&self->d[i]))
			TH_LOG("instance %u (%s), %u host vectors armed before",
			       i, type, self->host_vectors);
		self->host_vectors += self->d[i].nr_vectors;
	}
	TH_LOG("%u instances open, %u host vectors armed (%s backing, %u queues, %u slots)",
	       self->nr, self->host_vectors, backing, wqs, slots);
	ASSERT_EQ(want_nr, self->nr);
	ASSERT_EQ(want_vectors, self->host_vectors);
	/* what the variant is for: the bench's function allows it */
	if (variant->past_msix && !strcmp(backing, "ims")) {
		ASSERT_EQ(MAX_NR, self->nr);
		ASSERT_LT(MSIX_MAX_VEC, self->host_vectors);
	}
}

FIXTURE_TEARDOWN(scale)
{
	unsigned int i;

	for (i = 0; i < self->nr; i++) {
		EXPECT_EQ(0, iav_destroy(&self->d[i]));
	}
}

TEST_F(scale, all_counted)
{
	static uint64_t got[MAX_NR][IAV_MAX_VEC], want[MAX_NR][IAV_MAX_VEC];
	unsigned int i, v, r;
	uint64_t total = 0;

	if (self->skip)
		SKIP(return, "%s", self->why);
	memset(got, 0, sizeof(got));
	memset(want, 0, sizeof(want));
	for (r = 0; r < ROUNDS; r++) {
		/* one message in flight per vector, every instance at once */
		for (i = 0; i < self->nr; i++) {
			for (v = 1; v <= self->d[i].nr_vectors; v++) {
				struct iav_desc desc = iav_nop(v, r);

				iav_submit(&self->d[i], 0, &desc);
				want[i][v]++;
			}
		}
		for (i = 0; i < self->nr; i++)
			iav_collect(&self->d[i], got[i], want[i], WAIT_MS, 0);
	}
	sleep_ms(200);
	for (i = 0; i < self->nr; i++) {
		iav_collect(&self->d[i], got[i], want[i], 0, 0);
		for (v = 0; v <= self->d[i].nr_vectors; v++) {
			EXPECT_EQ(want[i][v], got[i][v])
				TH_LOG("instance %u vector %u", i, v);
			total += got[i][v];
		}
		EXPECT_EQ(ROUNDS * self->d[i].nr_vectors,
			  iav_completed(&self->d[i], 0));
	}
	TH_LOG("%llu interrupts counted", (unsigned long long)total);
}

TEST_HARNESS_MAIN
