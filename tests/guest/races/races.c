// SPDX-License-Identifier: GPL-2.0
/*
 * Races a VMM, a guest and an administrator can start on one device, each
 * run for a bounded count and then checked for a device that still works
 * exactly: SET_IRQS against a second SET_IRQS and against the close of
 * the device; eventfd swaps and de-assigns while host-backed vectors
 * storm; an instance removed, and its parent unbound, while a storm runs,
 * and an instance removed while a migration data fd is open; rmmod of each module while an instance is open;
 * VFIO_DEVICE_RESET against migration state changes. What the kernel
 * reports (KASAN, lockdep, a WARN) fails the run in the bench's scan of
 * the log.
 * TIMEOUT: 900
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include "kselftest_harness.h"
#include "iav_vfio.h"
#include "mtty_test.h"

#define MDPY_TYPES	"/sys/class/mdev_bus/mdpy/mdev_supported_types"
#define ROUNDS		200
#define WAIT_MS		5000

/* Two threads released together, each running its loop ROUNDS times. */
struct racer {
	pthread_t th;
	void *(*fn)(void *);
	int *go;
	int ret;		/* the first unexpected errno, or 0 */
	unsigned int seed;	/* sets the racers of one race apart */
	void *ctx;
};

static void wait_go(int *go)
{
	while (!__atomic_load_n(go, __ATOMIC_ACQUIRE))
		;
}

static void race(struct racer *a, struct racer *b)
{
	int go = 0;

	a->go = b->go = &go;
	pthread_create(&a->th, NULL, a->fn, a);
	pthread_create(&b->th, NULL, b->fn, b);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	pthread_join(a->th, NULL);
	pthread_join(b->th, NULL);
}

/* The first errno outside @ok (a 0-terminated list) a racer saw. */
static void note(struct racer *r, int ret, const int *ok)
{
	unsigned int i;

	if (!ret || r->ret)
		return;
	for (i = 0; ok && ok[i]; i++)
		if (ret == -ok[i])
			return;
	r->ret = ret;
}

FIXTURE(races) {
	char why[128];
	int efd[IAV_MAX_VEC];
};

FIXTURE_SETUP(races)
{
	unsigned int i;

	ASSERT_EQ(0, modprobe("vfio_iommu_type1", NULL));
	ASSERT_EQ(0, modprobe("mtty", NULL));
	ASSERT_EQ(0, modprobe("mdpy", NULL));
	/* the bench's QEMU always has the device (run.sh) */
	ASSERT_EQ(0, iav_setup(self->why, sizeof(self->why)))
		TH_LOG("%s", self->why);
	for (i = 0; i < IAV_MAX_VEC; i++) {
		self->efd[i] = efd_new();
		ASSERT_LE(0, self->efd[i]);
	}
}

FIXTURE_TEARDOWN(races)
{
	unsigned int i;

	for (i = 0; i < IAV_MAX_VEC; i++)
		close(self->efd[i]);
}

/*
 * Every vector of an armed instance raised once: each counts exactly one
 * interrupt on the eventfd it has now.
 */
static void all_vectors_once(struct __test_metadata *_metadata,
			     struct iav_dev *d)
{
	uint64_t got[IAV_MAX_VEC] = { 0 }, want[IAV_MAX_VEC] = { 0 };
	unsigned int v;

	ASSERT_EQ(0, iav_wq_enable(d, 0, 1));
	for (v = 1; v <= d->nr_vectors; v++) {
		struct iav_desc desc = iav_nop(v, v);

		want[v] = 1;
		iav_submit(d, 0, &desc);
	}
	iav_collect(d, got, want, WAIT_MS, 50);
	for (v = 0; v <= d->nr_vectors; v++)
		EXPECT_EQ(want[v], got[v]) TH_LOG("vector %u", v);
}

/* SET_IRQS against SET_IRQS */

struct irqs_ctx {
	int fd;
	unsigned int nvec;
	int *efd;
};

static void *set_irqs_loop(void *arg)
{
	static const int ok[] = { EINVAL, 0 };
	struct racer *r = arg;
	struct irqs_ctx *c = r->ctx;
	unsigned int i, n;

	wait_go(r->go);
	for (i = 0; i < ROUNDS; i++) {
		n = 1 + (i * 7 + r->seed) % c->nvec;
		switch (i % 4) {
		case 0:	/* enable, or grow, from vector 0 */
			note(r, vfio_irq_eventfds(c->fd, VFIO_PCI_MSIX_IRQ_INDEX,
						  0, n, c->efd), ok);
			break;
		case 1:	/* de-assign some */
			note(r, vfio_set_irqs(c->fd, VFIO_IRQ_SET_DATA_EVENTFD |
					     VFIO_IRQ_SET_ACTION_TRIGGER,
					     VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
					     (int32_t[]){ -1 }, 4), ok);
			break;
		case 2:	/* swap one */
			note(r, vfio_irq_eventfds(c->fd, VFIO_PCI_MSIX_IRQ_INDEX,
						  n - 1, 1,
						  c->efd + (n + r->seed) % c->nvec),
			     ok);
			break;
		default:
			note(r, vfio_irq_none(c->fd, VFIO_IRQ_SET_ACTION_TRIGGER,
					      VFIO_PCI_MSIX_IRQ_INDEX, 0, 0), ok);
		}
	}
	return NULL;
}

/*
 * Two threads reconfigure MSI-X of one instance at once; then the index
 * disables and arms from scratch and every vector counts exactly once.
 */
TEST_F(races, set_irqs_twice)
{
	struct iav_dev d;
	struct irqs_ctx c;
	struct racer a = { .fn = set_irqs_loop, .ctx = &c };
	struct racer b = { .fn = set_irqs_loop, .ctx = &c, .seed = 3 };
	int ret;

	ASSERT_EQ(0, iav_open_new(&d, iav_types[2].name));
	c.fd = d.vfio.fd;
	c.nvec = d.nr_vectors + 1;
	c.efd = self->efd;
	race(&a, &b);
	EXPECT_EQ(0, a.ret);
	EXPECT_EQ(0, b.ret);
	/* disabled, unless the last word was a disable (then EINVAL) */
	ret = vfio_irq_none(d.vfio.fd, VFIO_IRQ_SET_ACTION_TRIGGER,
			    VFIO_PCI_MSIX_IRQ_INDEX, 0, 0);
	EXPECT_TRUE(!ret || ret == -EINVAL) TH_LOG("disable: %d", ret);
	ASSERT_EQ(0, iav_arm(&d));
	all_vectors_once(_metadata, &d);
	ASSERT_EQ(0, iav_destroy(&d));
}

/* SET_IRQS against close */

struct close_ctx {
	struct vfio_dev *v;
	int fd;
	unsigned int nvec;
	int *efd;
};

static void *irqs_until_closed(void *arg)
{
	/* closed under it; or growing past the vectors enabled */
	static const int ok[] = { EBADF, EINVAL, 0 };
	struct racer *r = arg;
	struct close_ctx *c = r->ctx;
	unsigned int i;

	wait_go(r->go);
	for (i = 0; i < 50; i++)
		note(r, vfio_irq_eventfds(c->fd, VFIO_PCI_MSIX_IRQ_INDEX, 0,
					  1 + i % c->nvec, c->efd), ok);
	return NULL;
}

static void *close_soon(void *arg)
{
	struct racer *r = arg;
	struct close_ctx *c = r->ctx;

	wait_go(r->go);
	sched_yield();
	close(c->fd);
	return NULL;
}

/*
 * The device fd closed while another thread enables MSI-X through it, over
 * and over; each time the instance opens again, clean.
 */
TEST_F(races, set_irqs_close)
{
	struct iav_dev d;
	struct close_ctx c;
	char uuid[40];
	unsigned int i;

	ASSERT_EQ(0, iav_open_new(&d, iav_types[2].name));
	snprintf(uuid, sizeof(uuid), "%s", d.vfio.uuid);
	c.nvec = d.nr_vectors + 1;
	c.efd = self->efd;
	for (i = 0; i < ROUNDS / 4; i++) {
		struct racer a = { .fn = irqs_until_closed, .ctx = &c };
		struct racer b = { .fn = close_soon, .ctx = &c };

		c.fd = ioctl(d.vfio.group, VFIO_GROUP_GET_DEVICE_FD, uuid);
		ASSERT_LE(0, c.fd);
		/* the only fd, so its close is the device's close */
		if (i == 0) {
			iav_unmap(&d);
			close(d.vfio.fd);
			d.vfio.fd = -1;
		}
		race(&a, &b);
		EXPECT_EQ(0, a.ret) TH_LOG("round %u", i);
	}
	d.vfio.fd = ioctl(d.vfio.group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	ASSERT_LE(0, d.vfio.fd);
	iav_close(&d);
	ASSERT_EQ(0, iav_open(&d, uuid));
	ASSERT_EQ(0, iav_arm(&d));
	all_vectors_once(_metadata, &d);
	ASSERT_EQ(0, iav_destroy(&d));
}

/* Swaps and de-assigns during a storm */

struct storm_ctx {
	struct iav_dev *d;
	int stop;
	int *efd;
};

static void *storm(void *arg)
{
	struct racer *r = arg;
	struct storm_ctx *c = r->ctx;
	unsigned int v = 1;

	wait_go(r->go);
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		struct iav_desc desc = iav_nop(v, v);

		/* a full queue drops the descriptor; that is fine here */
		iav_submit(c->d, 0, &desc);
		v = v % c->d->nr_vectors + 1;
		usleep(100);
	}
	return NULL;
}

static void *swap_loop(void *arg)
{
	static const int ok[] = { 0 };
	struct racer *r = arg;
	struct storm_ctx *c = r->ctx;
	unsigned int i, v;

	wait_go(r->go);
	for (i = 0; i < ROUNDS; i++) {
		v = 1 + i % c->d->nr_vectors;
		if (i % 3 == 2)
			note(r, vfio_set_irqs(c->d->vfio.fd,
					     VFIO_IRQ_SET_DATA_EVENTFD |
					     VFIO_IRQ_SET_ACTION_TRIGGER,
					     VFIO_PCI_MSIX_IRQ_INDEX, v, 1,
					     (int32_t[]){ -1 }, 4), ok);
		else
			note(r, vfio_irq_eventfds(c->d->vfio.fd,
						  VFIO_PCI_MSIX_IRQ_INDEX, v, 1,
						  c->efd + i % IAV_MAX_VEC),
			     ok);
	}
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Queue 0 has no descriptor left waiting, within WAIT_MS. */
static int queue_drained(struct iav_dev *d)
{
	double end = now_secs() + WAIT_MS / 1000.0;

	while (iav_portal(d, 0)[IMS_ACCEL_PORTAL_QUEUED / 4]) {
		if (now_secs() > end)
			return 0;
		sleep_ms(1);
	}
	return 1;
}

/*
 * Host-backed vectors storm while another thread swaps their eventfds and
 * de-assigns them; afterwards, armed afresh, every vector counts once.
 */
TEST_F(races, swap_during_storm)
{
	struct iav_dev d;
	struct storm_ctx c = { .d = &d, .efd = self->efd };
	struct racer a = { .fn = storm, .ctx = &c };
	struct racer b = { .fn = swap_loop, .ctx = &c };
	char uuid[40];

	ASSERT_EQ(0, iav_open_new(&d, iav_types[2].name));
	ASSERT_EQ(0, iav_arm(&d));
	ASSERT_EQ(0, iav_wq_enable(&d, 0, 1));
	race(&a, &b);
	EXPECT_EQ(0, b.ret);
	ASSERT_TRUE(queue_drained(&d));
	EXPECT_EQ(0, vfio_irq_none(d.vfio.fd, VFIO_IRQ_SET_ACTION_TRIGGER,
				   VFIO_PCI_MSIX_IRQ_INDEX, 0, 0));
	snprintf(uuid, sizeof(uuid), "%s", d.vfio.uuid);
	iav_close(&d);
	ASSERT_EQ(0, iav_open(&d, uuid));
	ASSERT_EQ(0, iav_arm(&d));
	all_vectors_once(_metadata, &d);
	ASSERT_EQ(0, iav_destroy(&d));
}

/* Removal during a storm, and while a migration data fd is open */

struct remove_ctx {
	char uuid[40];
	const char *unbind;	/* a function to unbind instead */
	int ret;
	int done;
};

static void *remove_instance(void *arg)
{
	struct remove_ctx *c = arg;

	if (c->unbind)
		c->ret = sysfs_write("/sys/bus/pci/drivers/ims_accel/unbind",
				     c->unbind);
	else
		c->ret = mdev_remove(c->uuid);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Wait up to WAIT_MS for the REQ eventfd; what it counted. */
static uint64_t wait_req(int req)
{
	double end = now_secs() + WAIT_MS / 1000.0;
	uint64_t n = 0;

	while (!n && now_secs() < end) {
		n = efd_count(req);
		sleep_ms(5);
	}
	return n;
}

static int removed_within(struct remove_ctx *c)
{
	double end = now_secs() + WAIT_MS / 1000.0;

	while (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
		if (now_secs() > end)
			return 0;
		sleep_ms(5);
	}
	return 1;
}

/*
 * The instance is removed (or its parent unbound) while its vectors storm:
 * the remover asks through REQ and waits; the storm goes on until the user
 * lets go, and then the instance is gone.
 */
static void remove_storming(struct __test_metadata *_metadata,
			    struct remove_ctx *rm)
{
	struct iav_dev d;
	struct storm_ctx c = { .d = &d };
	struct racer a = { .fn = storm, .ctx = &c };
	int go = 1;
	pthread_t th;
	int req;

	ASSERT_EQ(0, iav_open_new(&d, iav_types[2].name));
	ASSERT_EQ(0, iav_arm(&d));
	req = vfio_irq_efd_new(d.vfio.fd, VFIO_PCI_REQ_IRQ_INDEX);
	ASSERT_LE(0, req);
	ASSERT_EQ(0, iav_wq_enable(&d, 0, 1));
	a.go = &go;
	ASSERT_EQ(0, pthread_create(&a.th, NULL, storm, &a));
	snprintf(rm->uuid, sizeof(rm->uuid), "%s", d.vfio.uuid);
	ASSERT_EQ(0, pthread_create(&th, NULL, remove_instance, rm));
	EXPECT_EQ(1, wait_req(req));
	EXPECT_FALSE(__atomic_load_n(&rm->done, __ATOMIC_ACQUIRE));
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(a.th, NULL);
	iav_close(&d);
	close(req);
	EXPECT_TRUE(removed_within(rm));
	pthread_join(th, NULL);
	EXPECT_EQ(0, rm->ret);
	EXPECT_FALSE(mdev_exists(rm->uuid));
}

/* ... and then its slots and room are back. */
TEST_F(races, remove_during_storm)
{
	struct remove_ctx rm = { 0 };
	int avail = iav_available(iav_types[2].name);
	int slots = iav_free_slots();

	remove_storming(_metadata, &rm);
	EXPECT_EQ(avail, iav_available(iav_types[2].name));
	EXPECT_EQ(slots, iav_free_slots());
}

/* ... and the function binds again, with all of its room. */
TEST_F(races, unbind_during_storm)
{
	struct remove_ctx rm = { .unbind = iav_pf_bdf() };
	int avail = iav_available(iav_types[2].name);

	remove_storming(_metadata, &rm);
	ASSERT_EQ(0, sysfs_write("/sys/bus/pci/drivers/ims_accel/bind",
				 iav_pf_bdf()));
	EXPECT_EQ(avail, iav_available(iav_types[2].name));
}

/*
 * An mtty instance removed while its migration data fd is open: the data
 * fd keeps nothing of the device alive past the device fd's close, and
 * reading it after the removal fails cleanly.
 */
TEST_F(races, remove_with_data_fd)
{
	struct remove_ctx rm = { 0 };
	struct vfio_dev d;
	char buf[64];
	pthread_t th;
	int req, data_fd = -1;

	ASSERT_EQ(0, mtty_open_new(&d, "mtty-2"));
	req = vfio_irq_efd_new(d.fd, VFIO_PCI_REQ_IRQ_INDEX);
	ASSERT_LE(0, req);
	ASSERT_EQ(0, vfio_mig_set(d.fd, VFIO_DEVICE_STATE_STOP_COPY,
				  &data_fd));
	ASSERT_LE(0, data_fd);
	snprintf(rm.uuid, sizeof(rm.uuid), "%s", d.uuid);
	ASSERT_EQ(0, pthread_create(&th, NULL, remove_instance, &rm));
	EXPECT_EQ(1, wait_req(req));
	/* the stream still reads while the device is open */
	EXPECT_LT(0, read(data_fd, buf, sizeof(buf)));
	vfio_dev_close(&d);
	close(req);
	EXPECT_TRUE(removed_within(&rm));
	pthread_join(th, NULL);
	EXPECT_EQ(0, rm.ret);
	/* the device is gone; its stream is not memory of it any more */
	EXPECT_GE(0, read(data_fd, buf, sizeof(buf)));
	close(data_fd);
	EXPECT_FALSE(mdev_exists(rm.uuid));
}

/* rmmod while an instance is open */

static int unload(const char *module)
{
	return syscall(__NR_delete_module, module, O_NONBLOCK) ? -errno : 0;
}

/*
 * Each parent module refuses to unload while one of its instances is open,
 * and is none the worse for it.
 */
TEST_F(races, rmmod_while_open)
{
	const struct {
		const char *module, *types, *type;
	} parents[] = {
		{ "mtty", MTTY_TYPES, "2" },
		{ "mdpy", MDPY_TYPES, "vga" },
		{ "ims_accel", NULL, "1q4v" },
	};
	char uuid[40], type[32];
	struct vfio_dev d;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		const char *types = parents[i].types ? parents[i].types :
				    iav_types_dir();

		snprintf(type, sizeof(type), "%s-%s", parents[i].module,
			 parents[i].type);
		ASSERT_EQ(0, mdev_create(types, type, uuid)) TH_LOG("%s", type);
		ASSERT_EQ(0, vfio_dev_open(&d, uuid));
		EXPECT_EQ(-EWOULDBLOCK, unload(parents[i].module))
			TH_LOG("%s", parents[i].module);
		/* still there and working */
		EXPECT_TRUE(mdev_exists(uuid));
		d.info.argsz = sizeof(d.info);
		EXPECT_EQ(0, ioctl(d.fd, VFIO_DEVICE_GET_INFO, &d.info));
		vfio_dev_close(&d);
		EXPECT_EQ(0, mdev_remove(uuid));
	}
}

/* VFIO_DEVICE_RESET against migration arcs */

static void *reset_loop(void *arg)
{
	struct racer *r = arg;
	int fd = *(int *)r->ctx;
	unsigned int i;

	wait_go(r->go);
	for (i = 0; i < ROUNDS; i++)
		if (ioctl(fd, VFIO_DEVICE_RESET) && !r->ret)
			r->ret = -errno;
	return NULL;
}

static void *arc_loop(void *arg)
{
	/* an arc from a state a reset moved under it is refused */
	static const int ok[] = { EINVAL, 0 };
	static const uint32_t arcs[] = {
		VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_STOP_COPY,
		VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_RUNNING,
	};
	struct racer *r = arg;
	int fd = *(int *)r->ctx;
	unsigned int i;

	wait_go(r->go);
	for (i = 0; i < ROUNDS; i++)
		note(r, vfio_mig_set(fd, arcs[i % 4], NULL), ok);
	return NULL;
}

/*
 * mtty resets while another thread walks the migration arcs; after both
 * stop, a reset leaves the device RUNNING, and a whole save works.
 */
TEST_F(races, reset_vs_migration)
{
	struct vfio_dev d;
	struct racer a = { .fn = reset_loop, .ctx = &d.fd };
	struct racer b = { .fn = arc_loop, .ctx = &d.fd };
	char buf[4096];
	int data_fd = -1;

	ASSERT_EQ(0, mtty_open_new(&d, "mtty-2"));
	race(&a, &b);
	EXPECT_EQ(0, a.ret);
	EXPECT_EQ(0, b.ret);
	EXPECT_EQ(0, ioctl(d.fd, VFIO_DEVICE_RESET));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, vfio_mig_get(d.fd));
	ASSERT_EQ(0, vfio_mig_set(d.fd, VFIO_DEVICE_STATE_STOP_COPY,
				  &data_fd));
	EXPECT_EQ(MTTY_MIG_SIZE(2), read(data_fd, buf, sizeof(buf)));
	close(data_fd);
	EXPECT_EQ(0, vfio_mig_set(d.fd, VFIO_DEVICE_STATE_STOP, NULL));
	EXPECT_EQ(0, vfio_mig_set(d.fd, VFIO_DEVICE_STATE_RUNNING, NULL));
	mtty_destroy(&d);
}

TEST_HARNESS_MAIN
