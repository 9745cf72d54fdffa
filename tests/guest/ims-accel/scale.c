// SPDX-License-Identifier: GPL-2.0
/*
 * ims-accel: the function sliced as far as it goes. Every instance the
 * 1q1v type offers (one per free slot with MSI-X backing, one per queue
 * with IMS) is created and opened at once with its vectors armed; every
 * one raises its vector ROUNDS times and each eventfd counts exactly
 * that. Then the same with every vector of 1q4v instances armed, as many
 * as the guest's CPU vectors allow (the bound on host vectors in a
 * 2-vCPU guest, not the device's).
 * TIMEOUT: 900
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <sys/resource.h>
#include "kselftest_harness.h"
#include "iav_vfio.h"

#define WAIT_MS		20000
#define ROUNDS		4
#define MAX_NR		256
/* Host vectors armed at once: x86 has ~200 CPU vectors per CPU. */
#define MAX_HOST_VEC	240

FIXTURE(scale) {
	struct iav_dev d[MAX_NR];
	unsigned int nr;
	char why[128];
	int skip;
};

FIXTURE_VARIANT(scale) {
	unsigned int type;
};

FIXTURE_VARIANT_ADD(scale, t1q1v) { .type = 0 };
FIXTURE_VARIANT_ADD(scale, t1q4v) { .type = 1 };

FIXTURE_SETUP(scale)
{
	const struct iav_type_info *ty = &iav_types[variant->type];
	int ret = iav_setup(self->why, sizeof(self->why));
	unsigned int i, cap;
	struct rlimit lim;
	int avail;

	self->nr = 0;
	ASSERT_LE(0, ret) TH_LOG("%s", self->why);
	self->skip = ret;
	if (ret)
		return;
	avail = iav_available(ty->name);
	ASSERT_LT(0, avail);
	/* A container, group, device and eventfds per instance */
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &lim));
	lim.rlim_cur = lim.rlim_max;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	cap = MAX_HOST_VEC / ty->vectors;
	if (cap > MAX_NR)
		cap = MAX_NR;
	for (i = 0; i < (unsigned int)avail && i < cap; i++) {
		iav_init_dev(&self->d[i]);
		self->nr = i + 1;
		ASSERT_EQ(0, iav_open_new(&self->d[i], ty->name))
			TH_LOG("instance %u", i);
		ASSERT_EQ(0, iav_wq_enable(&self->d[i], 0, 1));
		ASSERT_EQ(0, iav_arm(&self->d[i])) TH_LOG("instance %u", i);
	}
	TH_LOG("%u of %d instances of %s open, %u host vectors armed",
	       self->nr, avail, ty->name, self->nr * ty->vectors);
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
