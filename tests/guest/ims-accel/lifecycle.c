// SPDX-License-Identifier: GPL-2.0
/*
 * ims-accel: instances and the function come and go. Removing an
 * instance in use signals REQ and completes when its user closes;
 * unbinding the function with live instances (one of them open) removes
 * them all; unloading the module with instances does the same; a
 * create/open/use/close/remove loop leaves everything as it was; vectors
 * torn down with their interrupts in flight let no message reach a later
 * owner or no handler.
 * BOOT: base,msix
 * TIMEOUT: 600
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <fcntl.h>
#include <pthread.h>
#include "kselftest_harness.h"
#include "iav_vfio.h"

#define WAIT_MS		5000
#define LOOPS		8
#define TEARDOWNS	300

FIXTURE(life) {
	char why[128];
	int skip;
	int avail;
	unsigned int slots;
};

static unsigned int free_slots(void)
{
	char buf[32];

	return iav_pf_attr("free_slots", buf, sizeof(buf)) ? 0 :
	       strtoul(buf, NULL, 0);
}

FIXTURE_SETUP(life)
{
	int ret = iav_setup(self->why, sizeof(self->why));

	ASSERT_LE(0, ret) TH_LOG("%s", self->why);
	self->skip = ret;
	if (ret)
		return;
	self->avail = iav_available(iav_types[1].name);
	self->slots = free_slots();
	ASSERT_LT(0, self->avail);
}

FIXTURE_TEARDOWN(life)
{
	if (self->skip)
		return;
	/* tests that unbind or unload bring everything back themselves */
	EXPECT_EQ(self->avail, iav_available(iav_types[1].name));
	EXPECT_EQ(self->slots, free_slots());
}

struct remover {
	char uuid[40];
	int ret;
	int done;
	const char *path;	/* write "1" here instead of the remove file */
	const char *val;
};

static void *remover_run(void *arg)
{
	struct remover *r = arg;

	if (r->path)
		r->ret = sysfs_write(r->path, r->val);
	else
		r->ret = mdev_remove(r->uuid);
	__atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Wait for the REQ eventfd, then check the remover still waits. */
static int wait_req(int efd, struct remover *r, uint64_t *count)
{
	double end = now_secs() + WAIT_MS / 1000.0;

	*count = 0;
	while (now_secs() < end) {
		*count += efd_count(efd);
		if (*count)
			break;
		sleep_ms(5);
	}
	sleep_ms(100);
	*count += efd_count(efd);
	return !__atomic_load_n(&r->done, __ATOMIC_SEQ_CST);
}

static int wait_done(struct remover *r)
{
	double end = now_secs() + WAIT_MS / 1000.0;

	while (!__atomic_load_n(&r->done, __ATOMIC_SEQ_CST)) {
		if (now_secs() > end)
			return 0;
		sleep_ms(5);
	}
	return 1;
}

static int arm_req(struct iav_dev *d)
{
	return vfio_irq_efd_new(d->vfio.fd, VFIO_PCI_REQ_IRQ_INDEX);
}

/* Removal of an open instance asks through REQ and waits for close. */
TEST_F(life, remove_while_open)
{
	struct remover r = { 0 };
	struct iav_dev d;
	pthread_t th;
	uint64_t n;
	int req;

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(0, iav_open_new(&d, iav_types[1].name));
	ASSERT_EQ(0, iav_arm(&d));
	req = arm_req(&d);
	ASSERT_LE(0, req);
	snprintf(r.uuid, sizeof(r.uuid), "%s", d.vfio.uuid);
	ASSERT_EQ(0, pthread_create(&th, NULL, remover_run, &r));
	EXPECT_TRUE(wait_req(req, &r, &n));
	EXPECT_EQ(1, n);
	/* still usable until we let go */
	EXPECT_EQ(IAV_ID_MAGIC, iav_ctrl(&d, IAV_REG_ID));
	iav_close(&d);
	EXPECT_TRUE(wait_done(&r));
	pthread_join(th, NULL);
	EXPECT_EQ(0, r.ret);
	EXPECT_FALSE(mdev_exists(r.uuid));
	close(req);
}

/* Create, open, use every vector, close with everything armed, remove. */
TEST_F(life, loop)
{
	unsigned int i, v;

	if (self->skip)
		SKIP(return, "%s", self->why);
	for (i = 0; i < LOOPS; i++) {
		const struct iav_type_info *ty = &iav_types[i % IAV_NR_TYPES];
		uint64_t got[IAV_MAX_VEC] = { 0 }, want[IAV_MAX_VEC] = { 0 };
		struct iav_dev d;

		ASSERT_EQ(0, iav_open_new(&d, ty->name)) TH_LOG("%s", ty->name);
		ASSERT_EQ(0, iav_wq_enable(&d, 0, 1));
		ASSERT_EQ(0, iav_arm(&d));
		ASSERT_LE(0, arm_req(&d));
		for (v = 1; v <= d.nr_vectors; v++) {
			struct iav_desc desc = iav_nop(v, v);

			want[v] = 1;
			iav_submit(&d, 0, &desc);
		}
		iav_collect(&d, got, want, WAIT_MS, 20);
		for (v = 0; v <= d.nr_vectors; v++) {
			EXPECT_EQ(want[v], got[v]) TH_LOG("loop %u vector %u",
							 i, v);
		}
		/* leave work and interrupts pending at close */
		for (v = 1; v <= d.nr_vectors; v++) {
			struct iav_desc desc = iav_nop(v, v);

			iav_submit(&d, 0, &desc);
		}
		ASSERT_EQ(0, iav_destroy(&d));
	}
}

/* A reopened instance gets nothing of its last user's interrupts. */
TEST_F(life, reopen_clean)
{
	uint64_t got[IAV_MAX_VEC] = { 0 }, want[IAV_MAX_VEC] = { 0 };
	char uuid[40];
	struct iav_dev d;
	unsigned int v;

	if (self->skip)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(0, iav_open_new(&d, iav_types[1].name));
	snprintf(uuid, sizeof(uuid), "%s", d.vfio.uuid);
	ASSERT_EQ(0, iav_wq_enable(&d, 0, 1));
	/* vectors never armed: the messages pend in the host */
	for (v = 1; v <= d.nr_vectors; v++) {
		struct iav_desc desc = iav_nop(v, v);

		iav_submit(&d, 0, &desc);
	}
	ASSERT_TRUE(iav_wait_completed(&d, 0, d.nr_vectors, WAIT_MS));
	iav_close(&d);
	ASSERT_EQ(0, iav_open(&d, uuid));
	EXPECT_EQ(0, iav_completed(&d, 0));
	ASSERT_EQ(0, iav_arm(&d));
	iav_collect(&d, got, want, 0, 200);
	for (v = 0; v <= d.nr_vectors; v++) {
		EXPECT_EQ(0, got[v]) TH_LOG("stale count on vector %u", v);
	}
	ASSERT_EQ(0, iav_destroy(&d));
}

/* /dev/kmsg from its end, for the lines logged from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Lines logged since kmsg_open() that say an interrupt found no owner. */
static unsigned int kmsg_unowned_irqs(int fd)
{
	unsigned int found = 0;
	char rec[2048];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			return found;
		rec[n] = 0;
		if (strstr(rec, "unexpected IRQ trap") ||
		    strstr(rec, "No irq handler for vector"))
			found++;
	}
}

/*
 * Vectors torn down while the completion interrupts they asked for are in
 * flight, by disabling MSI-X and by closing the device, over and over: a
 * message the device sent just before a vector's host IRQ was freed must
 * be taken while that IRQ still owns its CPU vector. Taken later, it
 * lands on no handler ("unexpected IRQ trap") or on whatever IRQ has the
 * vector next; the instance's next owner must count nothing.
 */
TEST_F(life, teardown_in_flight)
{
	uint64_t got[IAV_MAX_VEC] = { 0 }, want[IAV_MAX_VEC] = { 0 };
	unsigned int i, v;
	char uuid[40];
	struct iav_dev d;
	int kmsg;

	if (self->skip)
		SKIP(return, "%s", self->why);
	kmsg = kmsg_open();
	ASSERT_LE(0, kmsg);
	/* 1q16v: sixteen messages in flight at each teardown */
	ASSERT_EQ(0, iav_open_new(&d, iav_types[2].name));
	snprintf(uuid, sizeof(uuid), "%s", d.vfio.uuid);
	for (i = 0; i < TEARDOWNS; i++) {
		ASSERT_EQ(0, iav_wq_enable(&d, 0, 1));
		ASSERT_EQ(0, iav_arm(&d));
		for (v = 1; v <= d.nr_vectors; v++) {
			struct iav_desc desc = iav_nop(v, v);

			iav_submit(&d, 0, &desc);
		}
		if (i % 2) {
			ASSERT_EQ(0, vfio_irq_none(d.vfio.fd,
						   VFIO_IRQ_SET_ACTION_TRIGGER,
						   VFIO_PCI_MSIX_IRQ_INDEX, 0, 0));
		} else {
			iav_close(&d);
			ASSERT_EQ(0, iav_open(&d, uuid));
		}
	}
	iav_close(&d);
	ASSERT_EQ(0, iav_open(&d, uuid));
	ASSERT_EQ(0, iav_arm(&d));
	iav_collect(&d, got, want, 0, 200);
	for (v = 0; v <= d.nr_vectors; v++) {
		EXPECT_EQ(0, got[v]) TH_LOG("stale count on vector %u", v);
	}
	EXPECT_EQ(0, kmsg_unowned_irqs(kmsg));
	close(kmsg);
	ASSERT_EQ(0, iav_destroy(&d));
}

static int reload(void)
{
	return system("modprobe ims_accel");
}

/* Unbinding the function removes its instances, asking the open one. */
TEST_F(life, unbind_with_instances)
{
	char uuids[3][40], path[PATH_MAX + 64], bdf[64];
	struct remover r = { 0 };
	struct iav_dev d;
	pthread_t th;
	uint64_t n;
	int req, i;

	if (self->skip)
		SKIP(return, "%s", self->why);
	snprintf(bdf, sizeof(bdf), "%.63s", iav_pf_bdf());
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, iav_create(iav_types[i].name, uuids[i], 40));
	}
	ASSERT_EQ(0, iav_open(&d, uuids[0]));
	req = arm_req(&d);
	ASSERT_LE(0, req);
	ASSERT_EQ(0, iav_arm(&d));

	r.path = "/sys/bus/pci/drivers/ims_accel/unbind";
	r.val = bdf;
	ASSERT_EQ(0, pthread_create(&th, NULL, remover_run, &r));
	EXPECT_TRUE(wait_req(req, &r, &n));
	EXPECT_EQ(1, n);
	iav_close(&d);
	EXPECT_TRUE(wait_done(&r));
	pthread_join(th, NULL);
	EXPECT_EQ(0, r.ret);
	for (i = 0; i < 3; i++) {
		EXPECT_FALSE(mdev_exists(uuids[i]));
	}
	snprintf(path, sizeof(path), "%s/mdev_supported_types", iav_pf_dir);
	EXPECT_NE(0, access(path, F_OK));
	close(req);

	ASSERT_EQ(0, sysfs_write("/sys/bus/pci/drivers/ims_accel/bind",
				    bdf));
	EXPECT_EQ(self->avail, iav_available(iav_types[1].name));
}

/* Unloading the module with instances removes them. */
TEST_F(life, unload_with_instances)
{
	char uuids[3][40];
	int i;

	if (self->skip)
		SKIP(return, "%s", self->why);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, iav_create(iav_types[i + 1].name, uuids[i], 40));
	}
	/* An open device holds the module */
	{
		struct iav_dev d;

		ASSERT_EQ(0, iav_open(&d, uuids[0]));
		EXPECT_NE(0, system("rmmod ims_accel 2>/dev/null"));
		iav_close(&d);
	}
	ASSERT_EQ(0, system("rmmod ims_accel"));
	EXPECT_NE(0, access("/sys/module/ims_accel", F_OK));
	for (i = 0; i < 3; i++) {
		EXPECT_FALSE(mdev_exists(uuids[i]));
	}
	ASSERT_EQ(0, reload());
	ASSERT_NE(NULL, iav_find_pf());
	EXPECT_EQ(self->avail, iav_available(iav_types[1].name));
}

TEST_HARNESS_MAIN
