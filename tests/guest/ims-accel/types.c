// SPDX-License-Identifier: GPL-2.0
/*
 * ims-accel: the mdev parent's types and its bookkeeping. Every type is
 * created until available_instances reaches 0, one more create fails
 * with EUSERS, a removal frees exactly one instance's worth and the
 * create succeeds again; available_instances stays true to what is free
 * across types. The function says what backs instance vectors.
 * BOOT: base,msix
 * TIMEOUT: 600
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"
#include "iav_vfio.h"

#define MAX_INST	512

FIXTURE(types) {
	char why[128];
	int skip;
};

FIXTURE_SETUP(types)
{
	int ret = iav_setup(self->why, sizeof(self->why));

	ASSERT_LE(0, ret) TH_LOG("%s", self->why);
	self->skip = ret;
}

FIXTURE_TEARDOWN(types)
{
}

static unsigned int pf_attr_u(const char *attr)
{
	char buf[32];

	if (iav_pf_attr(attr, buf, sizeof(buf)))
		return UINT_MAX;
	return strtoul(buf, NULL, 0);
}

/*
 * The function shows its backing, matching the kernel under test: IMS on
 * the ims kernel unless its IOMMU refuses IMS (the msix boot).
 */
TEST_F(types, backing)
{
	const char *kernel = getenv("MDEV_IMS_KERNEL");
	const char *boot = getenv("MDEV_IMS_BOOT");
	int ims = kernel && !strcmp(kernel, "ims") &&
		  !(boot && !strcmp(boot, "msix"));
	char buf[32], cmd[256];

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(0, iav_pf_attr("interrupt_backing", buf, sizeof(buf)));
	if (ims) {
		EXPECT_STREQ("ims", buf);
	} else {
		EXPECT_STREQ("msix", buf);
	}
	EXPECT_LT(0, pf_attr_u("free_wqs"));
	EXPECT_LT(0, pf_attr_u("free_slots"));
	/* and the log says it at probe */
	snprintf(cmd, sizeof(cmd),
		 "dmesg | grep -q 'ims_accel %.64s: .*instance vectors backed by %s: %u slots'",
		 iav_pf_bdf(), strcmp(buf, "ims") ? "MSI-X" : "IMS",
		 pf_attr_u("free_slots"));
	EXPECT_EQ(0, system(cmd)) TH_LOG("%s", cmd);
}

/* Each type has its name, a description, the vfio-pci device API. */
TEST_F(types, attributes)
{
	unsigned int t;
	char buf[256];

	if (self->skip)
		SKIP(return, "%s", self->why);
	for (t = 0; t < IAV_NR_TYPES; t++) {
		const struct iav_type_info *ty = &iav_types[t];
		char want[32];

		ASSERT_EQ(0, iav_type_attr(ty->name, "name", buf, sizeof(buf)))
			TH_LOG("type %s", ty->name);
		EXPECT_STREQ(ty->name, buf);
		ASSERT_EQ(0, iav_type_attr(ty->name, "device_api", buf,
					   sizeof(buf)));
		EXPECT_STREQ("vfio-pci", buf);
		ASSERT_EQ(0, iav_type_attr(ty->name, "description", buf,
					   sizeof(buf)));
		snprintf(want, sizeof(want), "%u work queue", ty->wqs);
		EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("%s", buf);
		snprintf(want, sizeof(want), "+ %u ", ty->vectors);
		EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("%s", buf);
	}
}

static unsigned int expected_avail(const struct iav_type_info *ty,
				   unsigned int wqs, unsigned int slots)
{
	unsigned int a = wqs / ty->wqs, b = slots / ty->vectors;

	return a < b ? a : b;
}

/* Fill the function with each type in turn, then empty it again. */
TEST_F(types, fill_each_type)
{
	static char uuids[MAX_INST][40];
	unsigned int t, i, n, wqs, slots;
	char extra[40];

	if (self->skip)
		SKIP(return, "%s", self->why);
	wqs = pf_attr_u("free_wqs");
	slots = pf_attr_u("free_slots");

	for (t = 0; t < IAV_NR_TYPES; t++) {
		const struct iav_type_info *ty = &iav_types[t];
		int avail = iav_available(ty->name);

		/* An empty function fits the type as often as arithmetic says. */
		ASSERT_EQ(expected_avail(ty, wqs, slots), avail)
			TH_LOG("type %s", ty->name);
		ASSERT_GE(MAX_INST, avail);
		for (n = 0; n < (unsigned int)avail; n++) {
			ASSERT_EQ(0, iav_create(ty->name, uuids[n], 40))
				TH_LOG("type %s instance %u", ty->name, n);
			ASSERT_EQ(avail - n - 1, iav_available(ty->name));
		}
		EXPECT_EQ(wqs - n * ty->wqs, pf_attr_u("free_wqs"));
		EXPECT_EQ(slots - n * ty->vectors, pf_attr_u("free_slots"));
		/* What the mdev core itself answers for a full type. */
		EXPECT_EQ(-EUSERS, iav_create(ty->name, extra, sizeof(extra)));
		EXPECT_FALSE(mdev_exists(extra));
		EXPECT_EQ(0, iav_available(ty->name));

		/* One removal frees exactly one instance's worth. */
		if (n) {
			ASSERT_EQ(0, mdev_remove(uuids[n - 1]));
			EXPECT_EQ(1, iav_available(ty->name));
			ASSERT_EQ(0, iav_create(ty->name, uuids[n - 1], 40));
			EXPECT_EQ(0, iav_available(ty->name));
		}
		for (i = 0; i < n; i++) {
			ASSERT_EQ(0, mdev_remove(uuids[i]));
		}
		EXPECT_EQ(avail, iav_available(ty->name));
		EXPECT_EQ(wqs, pf_attr_u("free_wqs"));
		EXPECT_EQ(slots, pf_attr_u("free_slots"));
	}
}

/* Types share the function: one type's instances shrink the others. */
TEST_F(types, mixed)
{
	static char uuids[MAX_INST][40];
	unsigned int t, u, n = 0, wqs, slots, used_w = 0, used_s = 0;

	if (self->skip)
		SKIP(return, "%s", self->why);
	wqs = pf_attr_u("free_wqs");
	slots = pf_attr_u("free_slots");

	/* One of each, largest first, then check every type's count. */
	for (t = IAV_NR_TYPES; t-- > 0;) {
		const struct iav_type_info *ty = &iav_types[t];

		if (iav_available(ty->name) <= 0)
			continue;
		ASSERT_EQ(0, iav_create(ty->name, uuids[n], 40));
		n++;
		used_w += ty->wqs;
		used_s += ty->vectors;
		for (u = 0; u < IAV_NR_TYPES; u++) {
			EXPECT_EQ(expected_avail(&iav_types[u], wqs - used_w,
						 slots - used_s),
				  iav_available(iav_types[u].name))
				TH_LOG("type %u after %u instances", u, n);
		}
	}
	/* Fill what is left with the smallest type. */
	while (iav_available(iav_types[0].name) > 0 && n < MAX_INST) {
		ASSERT_EQ(0, iav_create(iav_types[0].name, uuids[n++], 40));
	}
	for (u = 0; u < IAV_NR_TYPES; u++) {
		EXPECT_EQ(0, iav_available(iav_types[u].name));
	}
	while (n) {
		ASSERT_EQ(0, mdev_remove(uuids[--n]));
	}
	EXPECT_EQ(wqs, pf_attr_u("free_wqs"));
	EXPECT_EQ(slots, pf_attr_u("free_slots"));
}

/* A removed instance's UUID can be used again at once. */
TEST_F(types, recreate_same_uuid)
{
	char uuid[40];
	int i;

	if (self->skip)
		SKIP(return, "%s", self->why);
	iav_new_uuid(uuid, sizeof(uuid));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, iav_create_uuid(iav_types[1].name, uuid));
		EXPECT_EQ(-EEXIST, iav_create_uuid(iav_types[0].name, uuid));
		ASSERT_EQ(0, mdev_remove(uuid));
		EXPECT_FALSE(mdev_exists(uuid));
	}
}

TEST_HARNESS_MAIN
