// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures, each in turn: for every operation a VMM or an
 * administrator performs (instance create, device open, SET_IRQS enabling
 * INTx, MSI and MSI-X, MSI-X growth, an eventfd swap, migration start,
 * the parent's probe), the Nth injection point the calling task reaches
 * is failed, for N = 1, 2, ... until the operation reaches fewer than N.
 * The points are its slab allocations (failslab, told to fail sleeping
 * allocations too) and ims_accel's slot allocations, where a host runs
 * out of CPU vectors or remapping entries (the driver's fault attribute
 * fail_ims_accel_slot), which a sweep of their own fails one by one too.
 * Each time the operation returns a plain errno or succeeds, and
 * afterwards the device is as usable as before: the same operation,
 * uninjected, succeeds, nothing is left half made. Leaks show in the
 * runner's kmemleak scan and warnings in the bench's scan of the log.
 *
 * The Nth point is chosen through /proc/thread-self/fail-nth, which counts
 * every point of fault injection the task reaches (the slots' own sweep
 * uses their own count, see slot_fail_arm()); injection stays quiet (no
 * stack dump per injected failure, which the log scan would take for a
 * report).
 * KERNELS: ims
 * BOOT: base
 * TIMEOUT: 1500
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "kselftest_harness.h"
#include "iav_vfio.h"
#include "mtty_test.h"

#define MDPY_TYPES	"/sys/class/mdev_bus/mdpy/mdev_supported_types"
#define FAILSLAB	"/sys/kernel/debug/failslab"
/* ims_accel's slot allocations, failed with -ENOSPC */
#define FAIL_SLOT	"/sys/kernel/debug/fail_ims_accel_slot"
/* A bound far above any operation here, so that a runaway sweep ends. */
#define MAX_NTH		5000

/*
 * This thread's fail-nth, opened once: opening it between the arming and
 * the reading would make allocations of its own, which count.
 */
static int nth_fd = -1;

/* Arm the Nth injection point of this thread; 0 or -errno. */
static int fail_nth_arm(unsigned int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", n);
	return pwrite(nth_fd, buf, strlen(buf), 0) < 0 ? -errno : 0;
}

/* Disarm; true if the Nth injection point was reached (and failed). */
static int fail_nth_disarm(void)
{
	char buf[16] = "";
	ssize_t len = pread(nth_fd, buf, sizeof(buf) - 1, 0);

	if (pwrite(nth_fd, "0", 1, 0) < 0 || len <= 0)
		return -1;
	return atoi(buf) == 0;
}

/*
 * The Nth slot allocation of this thread alone fails: FAIL_SLOT lets
 * "space" minus one calls pass, then fails one ("times"); its task filter
 * spares every thread but those with make-it-fail set (this one, at
 * setup). Its own count, not fail-nth's: which of an operation's
 * injection points is the Nth varies by one where the kernel allocates
 * now and then for itself (a stack depot's pages), and the count of slots
 * obtained must be exact.
 */
static int slot_fail_arm(unsigned int n)
{
	char buf[16];
	int ret;

	snprintf(buf, sizeof(buf), "%u", n);
	ret = sysfs_write(FAIL_SLOT "/times", "1");
	if (!ret)
		ret = sysfs_write(FAIL_SLOT "/space", buf);
	if (!ret)
		ret = sysfs_write(FAIL_SLOT "/probability", "100");
	return ret;
}

static int slot_fail_disarm(void)
{
	char buf[16] = "";

	if (sysfs_write(FAIL_SLOT "/probability", "0") ||
	    sysfs_read(FAIL_SLOT "/times", buf, sizeof(buf)))
		return -1;
	return atoi(buf) == 0;
}

/* How the Nth injection point of an operation is failed. */
struct injector {
	const char *points;
	int (*arm)(unsigned int n);
	int (*disarm)(void);	/* 1: reached and failed, 0: not, <0: error */
};

static const struct injector fail_nth = {
	"injection points", fail_nth_arm, fail_nth_disarm,
};

static const struct injector slot_fail = {
	"slot allocations", slot_fail_arm, slot_fail_disarm,
};

/*
 * One sweep: prepare, then the operation with the Nth allocation failed,
 * then check and undo, for N until the operation needs fewer. @op returns
 * 0 or -errno; @check gets its result and fails the test if the device is
 * not usable. Returns how many allocations were failed in turn.
 */
struct sweep {
	int (*prepare)(void *ctx);
	int (*op)(void *ctx);
	void (*check)(struct __test_metadata *_metadata, void *ctx, int ret);
	void (*undo)(void *ctx);
};

static unsigned int run_sweep(struct __test_metadata *_metadata,
			      const struct sweep *s, void *ctx,
			      const struct injector *inj)
{
	int failed = _metadata->exit_code;
	unsigned int n;
	int ret, hit;

	for (n = 1; n <= MAX_NTH; n++) {
		ret = s->prepare(ctx);
		if (ret) {
			TH_LOG("preparing for N=%u: %s", n, strerror(-ret));
			break;
		}
		ASSERT_EQ(0, inj->arm(n));
		ret = s->op(ctx);
		hit = inj->disarm();
		ASSERT_LE(0, hit);
		if (ret > 0 || ret < -4095) {
			TH_LOG("N=%u: not an errno: %d", n, ret);
			_metadata->exit_code = KSFT_FAIL;
		}
		s->check(_metadata, ctx, ret);
		s->undo(ctx);
		if (!hit) {
			/* fewer allocations than N: the sweep is done */
			EXPECT_EQ(0, ret) TH_LOG("uninjected run failed");
			return n - 1;
		}
		if (_metadata->exit_code != failed) {
			TH_LOG("after failing allocation %u", n);
			return n;
		}
	}
	_metadata->exit_code = KSFT_FAIL;
	TH_LOG("the sweep stopped at N=%u", n);
	return n;
}

/* Everything a case needs: one instance of one type, opened or not. */
struct fctx {
	const char *types;
	const char *type;
	char uuid[40];
	int create_fd;
	struct vfio_dev d;
	int efd[8];
	int data_fd;
	const char *bdf;
	int bind_fd;
};

static void fctx_init(struct fctx *c, const char *types, const char *type)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->types = types;
	c->type = type;
	c->create_fd = c->data_fd = c->bind_fd = -1;
	c->d.container = c->d.group = c->d.fd = -1;
	for (i = 0; i < 8; i++)
		c->efd[i] = efd_new();
}

static void fctx_exit(struct fctx *c)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		close(c->efd[i]);
}

static int available(struct fctx *c)
{
	return mdev_available(c->types, c->type);
}

/* Create */

static int create_prepare(void *ctx)
{
	struct fctx *c = ctx;
	char path[PATH_MAX];
	int ret;

	ret = sysfs_read("/proc/sys/kernel/random/uuid", c->uuid,
			 sizeof(c->uuid));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s/create", c->types, c->type);
	c->create_fd = open(path, O_WRONLY);
	return c->create_fd < 0 ? -errno : 0;
}

static int create_op(void *ctx)
{
	struct fctx *c = ctx;

	return write(c->create_fd, c->uuid, strlen(c->uuid)) < 0 ? -errno : 0;
}

/*
 * device_add() goes on when devtmpfs fails to make the node of a device,
 * so a failure there leaves a working VFIO group without /dev/vfio/<N>,
 * which udev would make from the uevent. Make it the same way; 1 if it
 * was missing.
 */
static int make_group_node(const char *uuid)
{
	char path[64], dev[32];
	unsigned int major, minor;
	int group = vfio_group_of(uuid);

	if (group < 0)
		return group;
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	if (!access(path, F_OK))
		return 0;
	snprintf(path, sizeof(path), "/sys/class/vfio/%d/dev", group);
	if (sysfs_read(path, dev, sizeof(dev)) ||
	    sscanf(dev, "%u:%u", &major, &minor) != 2)
		return -ENOENT;
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	return mknod(path, S_IFCHR | 0600, makedev(major, minor)) ? -errno : 1;
}

/* A failed create leaves no instance and the room it would have taken. */
static void create_check(struct __test_metadata *_metadata, void *ctx,
			 int ret)
{
	struct fctx *c = ctx;
	int before = available(c) + !ret;

	close(c->create_fd);
	c->create_fd = -1;
	EXPECT_EQ(!ret, mdev_exists(c->uuid));
	if (ret)
		EXPECT_EQ(0, mdev_create(c->types, c->type, c->uuid));
	if (make_group_node(c->uuid) == 1)
		TH_LOG("%s: the group's node was not made; made it as udev would",
		       c->type);
	/* the instance, made either way, opens */
	EXPECT_EQ(0, vfio_dev_open(&c->d, c->uuid));
	vfio_dev_close(&c->d);
	EXPECT_EQ(0, mdev_remove(c->uuid));
	EXPECT_EQ(before, available(c));
}

static void nothing(void *ctx)
{
}

/* Open: VFIO_GROUP_GET_DEVICE_FD, the driver's open_device */

static int open_prepare(void *ctx)
{
	struct fctx *c = ctx;
	int ret = mdev_create(c->types, c->type, c->uuid);

	if (ret)
		return ret;
	ret = vfio_dev_attach(&c->d, c->uuid);
	if (ret)
		mdev_remove(c->uuid);
	return ret;
}

static int open_op(void *ctx)
{
	return vfio_dev_get_fd(&((struct fctx *)ctx)->d);
}

static void open_check(struct __test_metadata *_metadata, void *ctx, int ret)
{
	struct fctx *c = ctx;

	if (ret)
		EXPECT_EQ(0, vfio_dev_get_fd(&c->d));
	EXPECT_LT(0, c->d.info.num_irqs);
}

static void instance_undo(void *ctx)
{
	struct fctx *c = ctx;

	if (c->data_fd >= 0)
		close(c->data_fd);
	c->data_fd = -1;
	vfio_dev_close(&c->d);
	mdev_remove(c->uuid);
}

/* SET_IRQS */

struct irqs_case {
	struct fctx c;
	unsigned int index;
	unsigned int first;	/* vectors enabled before the operation */
	unsigned int count;	/* vectors the operation enables or swaps */
	int swap;		/* replace vector 1's eventfd */
	int injected;		/* the errno a failure must be, or 0: any */
};

static int irqs_prepare(void *ctx)
{
	struct irqs_case *k = ctx;
	int ret = open_prepare(&k->c);

	if (!ret)
		ret = vfio_dev_get_fd(&k->c.d);
	if (!ret && k->first)
		ret = vfio_irq_eventfds(k->c.d.fd, k->index, 0, k->first,
					k->c.efd);
	if (ret)
		instance_undo(&k->c);
	return ret;
}

static int irqs_op(void *ctx)
{
	struct irqs_case *k = ctx;

	if (k->swap)
		return vfio_irq_eventfds(k->c.d.fd, k->index, 1, 1,
					 &k->c.efd[7]);
	return vfio_irq_eventfds(k->c.d.fd, k->index, k->first,
				 k->count - k->first, k->c.efd + k->first);
}

/*
 * Whatever a failure left enabled disables (an index left disabled refuses
 * that with EINVAL, as vfio-pci does), and then the whole enable,
 * uninjected, succeeds.
 */
static void irqs_check(struct __test_metadata *_metadata, void *ctx, int ret)
{
	struct irqs_case *k = ctx;
	int off = vfio_irq_none(k->c.d.fd, VFIO_IRQ_SET_ACTION_TRIGGER,
				k->index, 0, 0);

	if (ret && k->injected)
		EXPECT_EQ(k->injected, ret);
	EXPECT_TRUE(!off || off == -EINVAL) TH_LOG("disable: %d", off);
	EXPECT_EQ(0, vfio_irq_eventfds(k->c.d.fd, k->index, 0, k->count,
				       k->c.efd));
	EXPECT_EQ(0, vfio_irq_none(k->c.d.fd, VFIO_IRQ_SET_ACTION_TRIGGER,
				   k->index, 0, 0));
}

static void irqs_undo(void *ctx)
{
	instance_undo(&((struct irqs_case *)ctx)->c);
}

/* Migration start: RUNNING to STOP_COPY hands out the data fd */

static int mig_prepare(void *ctx)
{
	struct fctx *c = ctx;
	int ret = open_prepare(c);

	if (!ret)
		ret = vfio_dev_get_fd(&c->d);
	if (ret)
		instance_undo(c);
	return ret;
}

static int mig_op(void *ctx)
{
	struct fctx *c = ctx;

	return vfio_mig_set(c->d.fd, VFIO_DEVICE_STATE_STOP_COPY, &c->data_fd);
}

/*
 * A failed arc leaves the device in its old state, in STOP (the arc goes
 * through it) or in ERROR; a reset brings it back to RUNNING, from where
 * the arc succeeds.
 */
static void mig_check(struct __test_metadata *_metadata, void *ctx, int ret)
{
	struct fctx *c = ctx;
	int state = vfio_mig_get(c->d.fd);

	if (ret) {
		EXPECT_TRUE(state == VFIO_DEVICE_STATE_RUNNING ||
			    state == VFIO_DEVICE_STATE_STOP ||
			    state == VFIO_DEVICE_STATE_ERROR)
			TH_LOG("state %d after a failed arc", state);
		EXPECT_EQ(0, ioctl(c->d.fd, VFIO_DEVICE_RESET));
		EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, vfio_mig_get(c->d.fd));
		EXPECT_EQ(0, mig_op(c));
	}
	EXPECT_LE(0, c->data_fd);
	EXPECT_EQ(VFIO_DEVICE_STATE_STOP_COPY, vfio_mig_get(c->d.fd));
	EXPECT_EQ(0, vfio_mig_set(c->d.fd, VFIO_DEVICE_STATE_STOP, NULL));
}

/* The parent's probe: binding the ims-accel function to ims_accel */

static int probe_prepare(void *ctx)
{
	struct fctx *c = ctx;
	int ret;

	ret = sysfs_write("/sys/bus/pci/drivers/ims_accel/unbind", c->bdf);
	if (ret)
		return ret;
	c->bind_fd = open("/sys/bus/pci/drivers/ims_accel/bind", O_WRONLY);
	return c->bind_fd < 0 ? -errno : 0;
}

static int probe_op(void *ctx)
{
	struct fctx *c = ctx;

	return write(c->bind_fd, c->bdf, strlen(c->bdf)) < 0 ? -errno : 0;
}

/* Bound or not, the function binds and offers its types. */
static void probe_check(struct __test_metadata *_metadata, void *ctx,
			int ret)
{
	struct fctx *c = ctx;

	close(c->bind_fd);
	c->bind_fd = -1;
	if (ret)
		EXPECT_EQ(0, sysfs_write("/sys/bus/pci/drivers/ims_accel/bind",
					 c->bdf));
	EXPECT_TRUE(sysfs_exists(iav_types_dir()));
	EXPECT_LT(0, available(c));
}

FIXTURE(faults) {
	char why[128];
};

FIXTURE_SETUP(faults)
{
	char val[8] = "";

	/* the kernel KERNELS names has failslab: its absence is a failure */
	ASSERT_EQ(0, sysfs_read(FAILSLAB "/verbose", val, sizeof(val)))
		TH_LOG("no failslab in this kernel");
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	ASSERT_LE(0, nth_fd) TH_LOG("no fail-nth in this kernel");
	ASSERT_EQ(0, sysfs_write(FAILSLAB "/verbose", "0"));
	ASSERT_EQ(0, sysfs_write(FAILSLAB "/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, modprobe("vfio_iommu_type1", NULL));
	ASSERT_EQ(0, modprobe("mtty", NULL));
	ASSERT_EQ(0, modprobe("mdpy", NULL));
	/* the bench's QEMU always has the device (run.sh) */
	ASSERT_EQ(0, iav_setup(self->why, sizeof(self->why)))
		TH_LOG("%s", self->why);
	/* Probability 0 but while slot_fail is armed: fail-nth fires it. */
	ASSERT_EQ(0, sysfs_write(FAIL_SLOT "/verbose", "0"))
		TH_LOG("ims_accel has no " FAIL_SLOT);
	ASSERT_EQ(0, sysfs_write(FAIL_SLOT "/probability", "0"));
	ASSERT_EQ(0, sysfs_write(FAIL_SLOT "/task-filter", "Y"));
	ASSERT_EQ(0, sysfs_write("/proc/thread-self/make-it-fail", "1"));
}

FIXTURE_TEARDOWN(faults)
{
	if (nth_fd >= 0)
		fail_nth_disarm();
	sysfs_write(FAIL_SLOT "/probability", "0");
}

static void sweep_log(struct __test_metadata *_metadata, const char *what,
		      const struct injector *inj, unsigned int n)
{
	TH_LOG("%s: %u %s failed in turn", what, n, inj->points);
	EXPECT_LT(0, n) TH_LOG("%s reached none", what);
}

static const struct sweep create_sweep = {
	create_prepare, create_op, create_check, nothing,
};

static const struct sweep open_sweep = {
	open_prepare, open_op, open_check, instance_undo,
};

/* One sweep on an instance of each parent. */
static void sweep_each_parent(struct __test_metadata *_metadata,
			      const struct sweep *s)
{
	static const char * const types[][2] = {
		{ MTTY_TYPES, "mtty-2" }, { MDPY_TYPES, "mdpy-vga" },
		{ NULL, "ims_accel-1q4v" },
	};
	unsigned int i;
	struct fctx c;

	for (i = 0; i < 3; i++) {
		fctx_init(&c, types[i][0] ? types[i][0] : iav_types_dir(),
			  types[i][1]);
		sweep_log(_metadata, c.type, &fail_nth,
			  run_sweep(_metadata, s, &c, &fail_nth));
		fctx_exit(&c);
	}
}

/*
 * Instance create, on each parent. mdpy's framebuffer comes from vmalloc(),
 * whose failures (its area, its page array) vmalloc_user() reported with a
 * stack, which the log scan takes for a report.
 */
TEST_F(faults, create)
{
	sweep_each_parent(_metadata, &create_sweep);
}

/* Device open, on each parent. */
TEST_F(faults, open)
{
	sweep_each_parent(_metadata, &open_sweep);
}

/*
 * SET_IRQS: INTx and MSI on mtty (emulated), MSI-X on ims_accel (vector 0
 * emulated, the others backed by host vectors): enable, growth from 2 to
 * 5 vectors, a swap. Then each slot that MSI-X enable and growth obtain
 * fails in turn: the user gets the slot's errno, and exactly as many
 * slots are obtained as vectors are backed.
 */
TEST_F(faults, set_irqs)
{
	static const struct sweep irqs_sweep = {
		irqs_prepare, irqs_op, irqs_check, irqs_undo,
	};
	const struct {
		const char *what, *type;
		unsigned int index, first, count;
		int swap, iav;
		unsigned int slots;
	} cases[] = {
		{ "INTx enable", "mtty-2", VFIO_PCI_INTX_IRQ_INDEX, 0, 1, 0, 0,
		  0 },
		{ "MSI enable", "mtty-2", VFIO_PCI_MSI_IRQ_INDEX, 0, 1, 0, 0,
		  0 },
		{ "MSI-X enable", "ims_accel-1q4v", VFIO_PCI_MSIX_IRQ_INDEX,
		  0, 5, 0, 1, 4 },
		{ "MSI-X growth", "ims_accel-1q4v", VFIO_PCI_MSIX_IRQ_INDEX,
		  2, 5, 0, 1, 3 },
		{ "eventfd swap", "ims_accel-1q4v", VFIO_PCI_MSIX_IRQ_INDEX,
		  5, 5, 1, 1, 0 },
	};
	struct irqs_case k;
	unsigned int i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&k, 0, sizeof(k));
		fctx_init(&k.c, cases[i].iav ? iav_types_dir() : MTTY_TYPES,
			  cases[i].type);
		k.index = cases[i].index;
		k.first = cases[i].first;
		k.count = cases[i].count;
		k.swap = cases[i].swap;
		sweep_log(_metadata, cases[i].what, &fail_nth,
			  run_sweep(_metadata, &irqs_sweep, &k, &fail_nth));
		if (cases[i].slots) {
			k.injected = -ENOSPC;
			n = run_sweep(_metadata, &irqs_sweep, &k, &slot_fail);
			sweep_log(_metadata, cases[i].what, &slot_fail, n);
			EXPECT_EQ(cases[i].slots, n);
		}
		fctx_exit(&k.c);
	}
}

/* Migration start on mtty, the parent with migration. */
TEST_F(faults, migration_start)
{
	static const struct sweep mig_sweep = {
		mig_prepare, mig_op, mig_check, instance_undo,
	};
	struct fctx c;

	fctx_init(&c, MTTY_TYPES, "mtty-2");
	sweep_log(_metadata, "STOP_COPY", &fail_nth,
		  run_sweep(_metadata, &mig_sweep, &c, &fail_nth));
	fctx_exit(&c);
}

/* The ims_accel parent's probe. */
TEST_F(faults, parent_probe)
{
	static const struct sweep probe_sweep = {
		probe_prepare, probe_op, probe_check, nothing,
	};
	struct fctx c;

	fctx_init(&c, iav_types_dir(), "ims_accel-1q4v");
	c.bdf = iav_pf_bdf();
	sweep_log(_metadata, "probe", &fail_nth,
		  run_sweep(_metadata, &probe_sweep, &c, &fail_nth));
	fctx_exit(&c);
}

TEST_HARNESS_MAIN
