// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: every device type of every parent (mtty, mdpy, each ims_accel
 * type), one case each, driven through one VFIO device fd by a seeded
 * stream of random operations, well-formed and malformed:
 * GET_INFO, GET_REGION_INFO and GET_IRQ_INFO with any argsz, index and
 * buffer; SET_IRQS of every index, action and data type, any start, count
 * and argsz, with real eventfds (some closed right after they are handed
 * over), bad fds and faulting buffers; reads and writes of any region at
 * any offset and size, past a region's end and at the next region's
 * offset; config space writes aimed at the command register, the BARs and
 * the MSI and MSI-X capabilities; the device's own registers (UART
 * loopback, frame tick, queues and descriptors) so that interrupts fire
 * while SET_IRQS changes under them; mmap of the areas the device offers
 * and of areas it must refuse; DEVICE_RESET; device features (migration,
 * DMA logging); and for mtty the migration state arcs, with saved streams
 * fed back whole, mutated, truncated and in any chunks; interleaved with
 * close and open, remove and create, remove while open, a second device
 * fd, and sibling instances created, opened, closed and removed through
 * sysfs.
 *
 * Only what must hold for any input is asserted: the kernel answers (an
 * operation that stalls FUZZ_STALL seconds is a hang), a read or write
 * never claims more than it was given, well-formed GET_INFO and
 * GET_IRQ_INFO succeed, region info capability chains stay inside what was
 * returned, mmap is refused outside the areas a region offers and granted
 * inside them, and, at each close and after the operations, the frontend
 * holds as many eventfds (/sys/kernel/debug/vfio_irqs/eventfds) as before;
 * at the end the device answers GET_INFO, the instance closes and is
 * removed, and the type's available_instances is what it was. Any errno
 * is fine for malformed input. A kernel report (oops, WARNING, lockdep,
 * an interrupt without a handler, ...) fails the run through the bench's
 * scan of the guest's log; the fuzzer reads /dev/kmsg after each
 * operation too, so that the case fails at the operation that caused it
 * and prints the operations before it.
 *
 * Reproducible: operation i of a type draws only from (seed, type, i), not
 * from what the kernel answered, so a seed replays the same sequence on
 * the same kernel (make shell, then):
 *	/mdev-ims/tests/fuzz/vfio --seed S --ops N --type mtty-2 --trace
 * or FUZZ_SEED, FUZZ_OPS, FUZZ_TYPES (comma separated), FUZZ_TRACE=1;
 * FUZZ_TRACE=kmsg (--kmsg) writes each operation to the kernel log, where
 * it survives a panic. FUZZ_SEED=random takes a seed from the clock;
 * --stats prints what each kind of operation cost. Without FUZZ_OPS,
 * make check's slice: seed 1, FUZZ_OPS_DEFAULT operations per type,
 * within FUZZ_TIME_DEFAULT seconds in all (a slower machine runs fewer
 * and says so). make fuzz (tests/bench/fuzz.sh) runs long.
 *
 * Found so far: mtty's resume bound taken from the stream; ims_accel
 * freeing a host-backed vector's IRQ while a completion interrupt for it
 * waited in a CPU's APIC ("unexpected IRQ trap", iav_irq_race and
 * iav_irq_close; the frontend now drains the CPUs before the release).
 *
 * Coverage-guided where the kernel has KCOV (the ims kernel, for the
 * project's modules only): see fz_cov below. FUZZ_GUIDE=0 (--blind) runs
 * blind. Fault injection is faults/failslab's, not this program's.
 * TIMEOUT: 300
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/kcov.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "kselftest.h"
#include "vfio_dev.h"
#include "iav_vfio.h"
#include "mdpy_vfio.h"
#include "mtty_test.h"

/*
 * Operations per device type in make check: under TCG, on a loaded
 * 2-core host, the ten types take about 30 s on the stock kernel; on the
 * ims kernel (KASAN, lockdep, kmemleak) the ims_accel types with many
 * host-backed vectors stop at FUZZ_TIME_DEFAULT with a few hundred.
 */
#define FUZZ_OPS_DEFAULT	4000
#define FUZZ_SEED_DEFAULT	1
#define FUZZ_STALL_DEFAULT	60	/* seconds one operation may take */
/*
 * Seconds the default run may take, well inside TIMEOUT below: on a
 * machine slower than that, each type stops early and says so, rather
 * than the runner killing the test with instances left behind.
 */
#define FUZZ_TIME_DEFAULT	200

#define FZ_PAGE		4096UL
#define FZ_EFDS		16	/* the eventfd pool */
#define FZ_FRESH	32	/* eventfds one SET_IRQS closes after it */
#define FZ_MAPS		8
#define FZ_DATA_FDS	3	/* migration data fds kept open */
#define FZ_SIBS		2	/* sibling instances */
#define FZ_STREAM	4096	/* a saved migration stream */
#define FZ_MAXVEC	2112	/* SET_IRQS elements; PCI allows 2048 */
#define FZ_SCRATCH	(512UL << 10)
#define FZ_RW_MAX	(256UL << 10)
#define FZ_MAP_MAX	(4UL << 20)
#define FZ_RING		64
#define FZ_NOTE		200
#define FZ_OFF_SHIFT	40	/* region offsets in the fd, as vfio-pci */
#define FZ_KCOV_WORDS	(256UL << 10)	/* PCs one operation records */
#define FZ_PC_SLOTS	(1U << 16)	/* the set of PCs seen */
#define FZ_CORPUS	1024
#define FZ_GUIDED_PCT	30		/* operations drawn from the corpus */

enum fz_kind { FZ_MTTY, FZ_MDPY, FZ_IAV };

struct fz_type {
	char name[64];		/* the sysfs type name, and the case's */
	enum fz_kind kind;
	const char *dir;	/* the parent's mdev_supported_types */
	unsigned int ports;	/* mtty: UARTs */
};

struct fz_area {
	uint64_t off, size;
};

struct fz_region {
	uint64_t offset, size;
	uint32_t flags;
	unsigned int nr_areas;
	struct fz_area area[4];
};

struct fz_map {
	volatile uint8_t *addr;
	size_t len;
	int dword;		/* device registers: aligned 32-bit accesses only */
	size_t hole, hole_len;	/* a part unmapped: touched no more */
};

struct fz_data {
	int fd;
	int saving;
};

/*
 * Coverage guidance. Each operation runs with the task's KCOV buffer on
 * (KCOV_TRACE_PC); the program counters it reaches in the project's
 * modules, the only code the ims kernel builds with KCOV, go into a set.
 * An operation that reaches one not seen before joins the corpus, as the
 * random states it was drawn from. Of the later operations, FZ_GUIDED_PCT
 * percent come from the corpus: half replay an entry exactly, in the
 * device's new state, half take its kind of operation with new arguments
 * (and join the corpus in turn if they find new code). Whether and which
 * entry is drawn from the operation's own random state, so a guided run
 * replays as far as the kernel reaches the same code for the same
 * operations; blind, every operation comes from (seed, type, op) alone.
 */
struct fz_pick {
	uint64_t kind;		/* the state the operation is picked from */
	uint64_t args;		/* its arguments' state; 0: kind's, continued */
};

struct fz_cov {
	int fd;			/* -1: blind */
	unsigned long *area;	/* [0]: PCs recorded, then the PCs */
	uint64_t *pcs;		/* FZ_PC_SLOTS, 0 where free */
	unsigned long nr_pcs;
	struct fz_pick corpus[FZ_CORPUS];
	unsigned int nr_corpus;
	unsigned long guided, found;
};

/* Shared with the parent, which reports a child that died or hung. */
struct fz_shared {
	volatile unsigned long op;
	volatile unsigned long notes;
	char ring[FZ_RING][FZ_NOTE];
	char uuid[1 + FZ_SIBS][40];	/* what to remove after a dead child */
};

struct fz {
	const struct fz_type *type;
	uint64_t seed, type_seed;
	unsigned long op, ops;
	double deadline;		/* stop the operations here; 0: never */
	int trace, kmsg, stats, guide;
	const char *only;		/* the operations to draw from, or all */
	struct fz_cov cov;
	struct fz_shared *sh;
	int failed;
	unsigned long set_irqs_ok;

	char uuid[40];
	struct vfio_dev dev;		/* dev.fd < 0 while closed */
	struct fz_region region[VFIO_PCI_NUM_REGIONS];
	uint32_t irqs[VFIO_PCI_NUM_IRQS];
	int msi_cap, msix_cap, vndr_cap;
	unsigned int nr_wqs, nr_vectors, sram;	/* ims_accel */
	int efd[FZ_EFDS];
	struct fz_map map[FZ_MAPS];
	struct fz_data data[FZ_DATA_FDS];
	uint8_t stream[FZ_STREAM];
	size_t stream_len;
	int stream_done;
	char sib[FZ_SIBS][40];
	struct vfio_dev sibdev[FZ_SIBS];
	int baseline;
	int avail;
	uint8_t *scratch;		/* FZ_SCRATCH bytes, then a PROT_NONE page */
	uint8_t *stage;			/* FZ_SCRATCH bytes to build requests in */
	int null_fd;
	int bad_fd;			/* a number that is not an open fd */
	int klog;			/* /dev/kmsg, read from its end */
};

/*
 * Random numbers: splitmix64, seeded per operation from (seed, type, op)
 */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static int chance(struct rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

/* A 32-bit value from the edges where bounds checks go wrong. */
static uint32_t edgy32(struct rng *r)
{
	static const uint32_t v[] = { 0, 1, 2, 3, 4, 7, 8, 0x7f, 0x80, 0xff,
		0x100, 0xfff, 0x1000, 0x7fff, 0x8000, 0xffff, 0x10000,
		0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };

	if (chance(r, 70))
		return v[below(r, sizeof(v) / sizeof(v[0]))];
	return (uint32_t)rnd(r);
}

static void fill_random(struct rng *r, void *buf, size_t len)
{
	uint8_t *b = buf;
	uint64_t v;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		v = rnd(r);
		memcpy(b + i, &v, 8);
	}
	v = rnd(r);
	memcpy(b + i, &v, len - i);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ULL;
	return h;
}

static int fz_selected(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list || !*list)
		return 1;
	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

static void rng_for_op(struct fz *fz, struct rng *r, unsigned long op)
{
	r->s = fz->type_seed ^ ((uint64_t)op * 0xd1b54a32d192ed03ULL);
	rnd(r);
}

/*
 * Notes, failures and the parent's view
 */

static __attribute__((format(printf, 2, 3)))
void fz_note(struct fz *fz, const char *fmt, ...)
{
	char *slot = fz->sh->ring[fz->sh->notes % FZ_RING];
	va_list ap;
	int n;

	n = snprintf(slot, FZ_NOTE, "op %lu: ", fz->op);
	va_start(ap, fmt);
	vsnprintf(slot + n, FZ_NOTE - n, fmt, ap);
	va_end(ap);
	fz->sh->notes++;
	if (fz->trace)
		printf("# %s %s\n", fz->type->name, slot);
	if (fz->kmsg) {
		/*
		 * One write is one record (dprintf() is refused), and one
		 * open each, as /dev/kmsg rate-limits what one open writes.
		 */
		char line[FZ_NOTE + 80];
		int fd = open("/dev/kmsg", O_WRONLY);

		n = snprintf(line, sizeof(line), "fuzz: %s %s\n",
			     fz->type->name, slot);
		if (fd >= 0) {
			if (write(fd, line, n) < 0)
				fz->kmsg = 0;
			close(fd);
		}
	}
}

static __attribute__((format(printf, 2, 3)))
void fz_fail(struct fz *fz, const char *fmt, ...)
{
	va_list ap;

	printf("# %s seed=%" PRIu64 " op %lu: ", fz->type->name, fz->seed,
	       fz->op);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fz->failed = 1;
}

static void fz_print_ring(struct fz_shared *sh, const char *name)
{
	unsigned long n = sh->notes, i = n > FZ_RING ? n - FZ_RING : 0;

	printf("# %s: the last operations:\n", name);
	for (; i < n; i++)
		printf("#   %s\n", sh->ring[i % FZ_RING]);
}

/*
 * What the bench's scan of the log (tests/guest/lib/reports.sh) fails on,
 * the kinds an operation can cause: seen here, right after the operation,
 * the report names it.
 */
static const char * const fz_reports[] = {
	"Oops", "BUG:", "WARNING:", "KASAN", "UBSAN:", "kernel BUG",
	"general protection fault", "possible circular locking",
	"possible recursive locking", "inconsistent lock state",
	"INFO: task", "Call Trace:", "No irq handler for vector",
	"unexpected IRQ trap", "spurious APIC interrupt", "nobody cared",
	"DMAR: [", "DMAR: DRHD: handling fault", "segfault at",
	"list_add corruption", "list_del corruption", "ODEBUG:",
	"Bad page state",
};

static void fz_klog_open(struct fz *fz)
{
	fz->klog = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fz->klog >= 0)
		lseek(fz->klog, 0, SEEK_END);
}

/* Fail on a kernel report logged since the last look. */
static void fz_klog_check(struct fz *fz)
{
	char rec[2048], *msg, *nl;
	unsigned int i;
	ssize_t n;

	if (fz->klog < 0)
		return;
	for (;;) {
		n = read(fz->klog, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* records overwritten; go on */
		if (n <= 0)
			return;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		if (!strncmp(msg, "fuzz: ", 6))
			continue;
		for (i = 0; i < sizeof(fz_reports) / sizeof(fz_reports[0]); i++) {
			if (strstr(msg, fz_reports[i])) {
				fz_fail(fz, "kernel report right after this operation: %s",
					msg);
				break;
			}
		}
	}
}

static void fz_track_uuids(struct fz *fz)
{
	unsigned int i;

	snprintf(fz->sh->uuid[0], 40, "%s", fz->uuid);
	for (i = 0; i < FZ_SIBS; i++)
		snprintf(fz->sh->uuid[1 + i], 40, "%s", fz->sib[i]);
}

/*
 * Buffers handed to the kernel: mostly good, sometimes running into an
 * unmapped page, the unmapped page itself, NULL or a kernel address. The
 * request is built in fz->stage and copied to what of it is mapped.
 */
static void *fz_place(struct fz *fz, struct rng *r, const void *src,
		      size_t len, int *good)
{
	uint8_t *end = fz->scratch + FZ_SCRATCH;
	unsigned int c = below(r, 100);
	uint8_t *p;

	*good = 1;
	if (c < 90 || len > FZ_SCRATCH) {
		p = fz->scratch;
		if (len <= FZ_SCRATCH - 64)
			p += below(r, 8) * 8;	/* aligned, mostly */
		if (src)
			memcpy(p, src, len < FZ_SCRATCH ? len : FZ_SCRATCH);
		return p;
	}
	*good = !len;
	if (c < 96 && len > 1) {
		size_t in = 1 + below(r, len - 1);	/* bytes before the hole */

		p = end - in;
		if (src)
			memcpy(p, src, in);
		return p;
	}
	if (c < 98)
		return end;
	return (void *)(uintptr_t)(c & 1 ? 0 : 0xffff888000001000ULL);
}

/*
 * The device
 */

static off_t fz_pos(struct fz *fz, unsigned int index, uint64_t off)
{
	uint64_t base = index < VFIO_PCI_NUM_REGIONS && fz->region[index].size ?
			fz->region[index].offset :
			(uint64_t)index << FZ_OFF_SHIFT;

	return (off_t)(base + off);
}

static int fz_cfg_read(struct fz *fz, unsigned int off, unsigned int size,
		       uint32_t *val)
{
	*val = 0;
	return pread(fz->dev.fd, val, size,
		     fz_pos(fz, VFIO_PCI_CONFIG_REGION_INDEX, off)) ==
	       (ssize_t)size ? 0 : -1;
}

static int fz_cfg_write(struct fz *fz, unsigned int off, unsigned int size,
			uint32_t val)
{
	return pwrite(fz->dev.fd, &val, size,
		      fz_pos(fz, VFIO_PCI_CONFIG_REGION_INDEX, off)) ==
	       (ssize_t)size ? 0 : -1;
}

static void fz_parse_caps(struct fz *fz, struct fz_region *reg,
			  const uint8_t *buf, uint32_t len, uint32_t off)
{
	unsigned int hops = 0;

	while (off) {
		const struct vfio_info_cap_header *h;

		if (off < sizeof(struct vfio_region_info) ||
		    off + sizeof(*h) > len || hops++ > 16) {
			fz_fail(fz, "region info capability at %u outside the %u bytes returned",
				off, len);
			return;
		}
		h = (const void *)(buf + off);
		if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			const struct vfio_region_info_cap_sparse_mmap *s =
				(const void *)h;
			uint32_t i;

			if (off + sizeof(*s) > len ||
			    off + sizeof(*s) + (uint64_t)s->nr_areas *
			    sizeof(s->areas[0]) > len) {
				fz_fail(fz, "sparse mmap capability of %u areas overruns the %u bytes returned",
					s->nr_areas, len);
				return;
			}
			if (reg) {
				reg->nr_areas = 0;
				for (i = 0; i < s->nr_areas && i < 4; i++) {
					reg->area[i].off = s->areas[i].offset;
					reg->area[i].size = s->areas[i].size;
					reg->nr_areas++;
				}
			}
		}
		if (h->next && h->next <= off) {
			fz_fail(fz, "region info capability chain loops (%u after %u)",
				h->next, off);
			return;
		}
		off = h->next;
	}
}

/* Learn the regions, interrupts and capabilities of the open device. */
static void fz_learn(struct fz *fz)
{
	static uint8_t buf[FZ_PAGE];
	struct vfio_region_info *info = (void *)buf;
	struct vfio_irq_info irq;
	unsigned int i, hops;
	uint32_t v, next;

	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		struct fz_region *reg = &fz->region[i];

		memset(reg, 0, sizeof(*reg));
		memset(buf, 0, sizeof(buf));
		info->argsz = sizeof(buf);
		info->index = i;
		if (ioctl(fz->dev.fd, VFIO_DEVICE_GET_REGION_INFO, info))
			continue;
		reg->offset = info->offset;
		reg->size = info->size;
		reg->flags = info->flags;
		if (info->flags & VFIO_REGION_INFO_FLAG_MMAP) {
			reg->nr_areas = 1;
			reg->area[0].size = info->size;
		}
		if (info->flags & VFIO_REGION_INFO_FLAG_CAPS)
			fz_parse_caps(fz, reg, buf, sizeof(buf),
				      info->cap_offset);
	}
	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++)
		fz->irqs[i] = vfio_irq_info(fz->dev.fd, i, &irq) ? 0 : irq.count;

	fz->msi_cap = fz->msix_cap = fz->vndr_cap = 0;
	if (!fz_cfg_read(fz, PCI_CAPABILITY_LIST, 1, &next)) {
		for (hops = 0; next >= 0x40 && next < 0x100 && hops < 48; hops++) {
			if (fz_cfg_read(fz, next, 2, &v))
				break;
			if ((v & 0xff) == PCI_CAP_ID_MSI)
				fz->msi_cap = next;
			else if ((v & 0xff) == PCI_CAP_ID_MSIX)
				fz->msix_cap = next;
			else if ((v & 0xff) == PCI_CAP_ID_VNDR)
				fz->vndr_cap = next;
			next = (v >> 8) & 0xfc;
		}
	}
	if (fz->type->kind == FZ_IAV) {
		uint32_t w[6];

		if (pread(fz->dev.fd, w, sizeof(w),
			  fz_pos(fz, IAV_BAR_CTRL, 0)) == sizeof(w)) {
			fz->nr_wqs = w[IAV_REG_NUM_WQS / 4];
			fz->nr_vectors = w[IAV_REG_NUM_VECTORS / 4];
			fz->sram = w[IAV_REG_SRAM_SIZE / 4];
		}
	}
}

static int fz_open_dev(struct fz *fz)
{
	int ret = vfio_dev_open(&fz->dev, fz->uuid);

	if (ret) {
		fz_fail(fz, "cannot open %s: %s", fz->uuid, strerror(-ret));
		return ret;
	}
	fz_learn(fz);
	return 0;
}

/*
 * Unmap what is left of a mapping. Not its hole: a later mapping may
 * have been placed there.
 */
static void fz_map_drop(struct fz_map *m)
{
	uint8_t *a = (uint8_t *)m->addr;

	if (!a)
		return;
	if (m->hole_len) {
		munmap(a, m->hole);
		munmap(a + m->hole + m->hole_len,
		       m->len - m->hole - m->hole_len);
	} else {
		munmap(a, m->len);
	}
	m->addr = NULL;
	m->hole_len = 0;
}

static void fz_unmap_all(struct fz *fz)
{
	unsigned int i;

	for (i = 0; i < FZ_MAPS; i++)
		fz_map_drop(&fz->map[i]);
}

static void fz_close_data(struct fz *fz)
{
	unsigned int i;

	for (i = 0; i < FZ_DATA_FDS; i++) {
		if (fz->data[i].fd >= 0)
			close(fz->data[i].fd);
		fz->data[i].fd = -1;
	}
}

static void fz_close_dev(struct fz *fz)
{
	fz_unmap_all(fz);
	fz_close_data(fz);
	vfio_dev_close(&fz->dev);
}

/* The frontend holds as many eventfds as before the type started. */
static void fz_check_eventfds(struct fz *fz, const char *when)
{
	int held = frontend_held_eventfds();

	if (held != fz->baseline)
		fz_fail(fz, "%s: the frontend holds %d eventfds, %d before",
			when, held, fz->baseline);
}

static int fz_create(struct fz *fz, const char *type, char uuid[40])
{
	int ret = mdev_create(fz->type->dir, type, uuid);

	if (ret)
		uuid[0] = 0;
	fz_track_uuids(fz);
	return ret;
}

static int fz_remove(struct fz *fz, char uuid[40])
{
	int ret = mdev_remove(uuid);

	if (!ret && mdev_exists(uuid)) {
		fz_fail(fz, "%s still exists after its remove", uuid);
		ret = -EEXIST;
	}
	if (!ret)
		uuid[0] = 0;
	fz_track_uuids(fz);
	return ret;
}

/*
 * Operations. Each draws what it does from @r only.
 */

static void op_get_info(struct fz *fz, struct rng *r)
{
	struct vfio_device_info info = { 0 }, *out;
	uint32_t minsz = offsetof(struct vfio_device_info, num_irqs) + 4;
	int good, ret, well;

	info.argsz = chance(r, 60) ? sizeof(info) :
		     chance(r, 50) ? minsz - 1 - below(r, minsz) : edgy32(r);
	fill_random(r, &info.flags, 4);
	out = fz_place(fz, r, &info, sizeof(info), &good);
	well = good && info.argsz >= sizeof(info);
	fz_note(fz, "GET_INFO argsz=%u buf=%s", info.argsz, good ? "ok" : "bad");
	ret = ioctl(fz->dev.fd, VFIO_DEVICE_GET_INFO, out);
	if (!well)
		return;
	if (ret)
		fz_fail(fz, "well-formed GET_INFO failed: %s", strerror(errno));
	else if (!(out->flags & VFIO_DEVICE_FLAGS_PCI) ||
		 out->num_regions < VFIO_PCI_NUM_REGIONS ||
		 out->num_irqs != VFIO_PCI_NUM_IRQS)
		fz_fail(fz, "GET_INFO: flags %#x, %u regions, %u irqs",
			out->flags, out->num_regions, out->num_irqs);
}

static void op_region_info(struct fz *fz, struct rng *r)
{
	struct vfio_region_info *info = (void *)fz->stage;
	uint32_t argsz, index;
	int good, ret;
	void *p;

	index = chance(r, 80) ? below(r, VFIO_PCI_NUM_REGIONS + 2) : edgy32(r);
	switch (below(r, 5)) {
	case 0:
	case 1:
		argsz = sizeof(*info);
		break;
	case 2:
	case 3:
		argsz = FZ_PAGE;
		break;
	default:
		argsz = chance(r, 50) ? below(r, sizeof(*info) + 64) : edgy32(r);
	}
	memset(fz->stage, 0, FZ_PAGE);
	info->argsz = argsz;
	info->index = index;
	p = fz_place(fz, r, fz->stage, argsz < FZ_PAGE ? argsz : FZ_PAGE,
		     &good);
	fz_note(fz, "GET_REGION_INFO index=%u argsz=%u buf=%s", index, argsz,
		good ? "ok" : "bad");
	ret = ioctl(fz->dev.fd, VFIO_DEVICE_GET_REGION_INFO, p);
	if (ret || !good || argsz < sizeof(*info) || argsz > FZ_PAGE)
		return;
	info = p;
	if ((info->flags & VFIO_REGION_INFO_FLAG_CAPS) && info->cap_offset)
		fz_parse_caps(fz, NULL, p, argsz, info->cap_offset);
}

static void op_irq_info(struct fz *fz, struct rng *r)
{
	struct vfio_irq_info info = { 0 }, *out;
	int good, ret, well;

	info.index = chance(r, 85) ? below(r, VFIO_PCI_NUM_IRQS + 2) : edgy32(r);
	info.argsz = chance(r, 70) ? sizeof(info) :
		     chance(r, 50) ? below(r, sizeof(info)) : edgy32(r);
	out = fz_place(fz, r, &info, sizeof(info), &good);
	fz_note(fz, "GET_IRQ_INFO index=%u argsz=%u buf=%s", info.index,
		info.argsz, good ? "ok" : "bad");
	ret = ioctl(fz->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, out);
	/* ERR has no vector on these devices; GET_IRQ_INFO refuses it. */
	well = good && info.argsz >= sizeof(info) &&
	       info.index < VFIO_PCI_NUM_IRQS &&
	       info.index != VFIO_PCI_ERR_IRQ_INDEX;
	if (!well)
		return;
	if (ret)
		fz_fail(fz, "well-formed GET_IRQ_INFO of index %u failed: %s",
			info.index, strerror(errno));
	else if (out->count != fz->irqs[info.index])
		fz_fail(fz, "GET_IRQ_INFO of index %u: %u vectors, %u at open",
			info.index, out->count, fz->irqs[info.index]);
}

/*
 * One element of an eventfd array: an eventfd of the pool, a fresh one
 * (to @fresh, closed once handed over) or -1; in a poisoned request
 * sometimes a bad one.
 */
static int32_t fz_irq_fd(struct fz *fz, struct rng *r, int poisoned,
			 int *fresh, unsigned int *nfresh)
{
	unsigned int c = below(r, 100);
	int fd;

	if (poisoned && chance(r, 30)) {
		if (c < 25)
			return chance(r, 50) ? -2 : INT32_MIN;
		if (c < 50)
			return fz->bad_fd;
		if (c < 75)
			return fz->null_fd;
		return fz->dev.fd;
	}
	if (c < 15 && *nfresh < FZ_FRESH) {
		fd = efd_new();
		if (fd >= 0) {
			fresh[(*nfresh)++] = fd;
			return fd;
		}
	}
	if (c < 85)
		return fz->efd[below(r, FZ_EFDS)];
	return -1;
}

static void op_set_irqs(struct fz *fz, struct rng *r)
{
	static const uint32_t actions[] = { VFIO_IRQ_SET_ACTION_MASK,
		VFIO_IRQ_SET_ACTION_UNMASK, VFIO_IRQ_SET_ACTION_TRIGGER,
		VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_ACTION_TRIGGER };
	static const uint32_t dtypes[] = { VFIO_IRQ_SET_DATA_NONE,
		VFIO_IRQ_SET_DATA_BOOL, VFIO_IRQ_SET_DATA_EVENTFD,
		VFIO_IRQ_SET_DATA_EVENTFD };
	struct vfio_irq_set *set = (void *)fz->stage;
	uint32_t index, n, start, count, flags, dsize, ndata, argsz, exact, i;
	int fresh[FZ_FRESH], good, ret, err, poisoned = chance(r, 20);
	/* A request the frontend should take, mostly: state moves. */
	int well = chance(r, 40);
	unsigned int nfresh = 0;
	void *p;

	if (well) {
		unsigned int have[VFIO_PCI_NUM_IRQS], nhave = 0;

		for (i = 0; i < VFIO_PCI_NUM_IRQS; i++)
			if (fz->irqs[i])
				have[nhave++] = i;
		index = nhave ? have[below(r, nhave)] : 0;
	} else if (chance(r, 90)) {
		index = below(r, VFIO_PCI_NUM_IRQS);
		/* Mostly the indices the device has. */
		if (!fz->irqs[index] && chance(r, 70))
			index = fz->irqs[VFIO_PCI_MSIX_IRQ_INDEX] ?
				VFIO_PCI_MSIX_IRQ_INDEX :
				chance(r, 50) ? VFIO_PCI_INTX_IRQ_INDEX :
				VFIO_PCI_MSI_IRQ_INDEX;
	} else {
		index = chance(r, 50) ? VFIO_PCI_NUM_IRQS + below(r, 3) :
			edgy32(r);
	}
	n = index < VFIO_PCI_NUM_IRQS ? fz->irqs[index] : 0;

	if (well && index == VFIO_PCI_INTX_IRQ_INDEX && chance(r, 30))
		flags = (chance(r, 50) ? VFIO_IRQ_SET_ACTION_MASK :
			 VFIO_IRQ_SET_ACTION_UNMASK) |
			(chance(r, 50) ? VFIO_IRQ_SET_DATA_NONE :
			 VFIO_IRQ_SET_DATA_BOOL);
	else if (well)
		flags = VFIO_IRQ_SET_ACTION_TRIGGER |
			(chance(r, 60) ? VFIO_IRQ_SET_DATA_EVENTFD :
			 chance(r, 60) ? VFIO_IRQ_SET_DATA_NONE :
			 VFIO_IRQ_SET_DATA_BOOL);
	else if (chance(r, 92))
		flags = actions[below(r, 5)] | dtypes[below(r, 4)];
	else
		flags = chance(r, 60) ? (uint32_t)below(r, 64) : edgy32(r);

	switch (well ? (chance(r, 10) ? 4 : below(r, 4)) : below(r, 9)) {
	case 0:
	case 1:
		start = 0;
		count = n;
		break;
	case 2:
		start = below(r, n);
		count = 1;
		break;
	case 3:
		start = below(r, n);
		count = 1 + below(r, n - start);
		break;
	case 4:
		start = 0;
		count = 0;
		break;
	case 5:
		start = chance(r, 50) ? n : 0;
		count = start ? 1 : n + 1 + below(r, 3);
		break;
	case 6:
		start = below(r, n + 2);
		count = UINT32_MAX - (uint32_t)below(r, 3);
		break;
	case 7:
		start = edgy32(r);
		count = below(r, 4);
		break;
	default:
		start = 0;
		count = 1;
	}

	switch (flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		dsize = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		dsize = 1;
		break;
	default:
		dsize = 4;
	}
	ndata = count < FZ_MAXVEC ? count : FZ_MAXVEC;
	exact = sizeof(*set) + ndata * dsize;
	switch (well ? 11 : below(r, 12)) {
	case 0:
		argsz = below(r, sizeof(*set));
		break;
	case 1:
		argsz = sizeof(*set);
		break;
	case 2:
		argsz = exact > sizeof(*set) ? exact - 1 : exact;
		break;
	case 3:
		argsz = exact + below(r, 64);
		break;
	case 4:
		argsz = edgy32(r);
		break;
	default:
		argsz = exact;
	}

	memset(set, 0, sizeof(*set));
	set->argsz = argsz;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	for (i = 0; i < ndata; i++) {
		if (dsize == 4) {
			int32_t fd = fz_irq_fd(fz, r, poisoned && !well, fresh,
					       &nfresh);

			memcpy(set->data + 4 * i, &fd, 4);
		} else if (dsize == 1) {
			set->data[i] = chance(r, 80) ? below(r, 2) : rnd(r);
		}
	}
	if (well) {
		p = memcpy(fz->scratch, set, exact);
		good = 1;
	} else {
		p = fz_place(fz, r, set, exact, &good);
	}
	fz_note(fz, "SET_IRQS index=%u flags=%#x start=%u count=%u argsz=%u fresh=%u buf=%s",
		index, flags, start, count, argsz, nfresh, good ? "ok" : "bad");
	ret = ioctl(fz->dev.fd, VFIO_DEVICE_SET_IRQS, p);
	err = ret ? errno : 0;
	fz->set_irqs_ok += !ret;
	/* The kernel holds its own reference on what it took. */
	for (i = 0; i < nfresh; i++)
		close(fresh[i]);
	if (fz->trace)
		fz_note(fz, "  -> %s", err ? strerror(err) : "0");
}

/* An offset in a region of @size bytes, at the edges mostly. */
static uint64_t fz_offset(struct rng *r, uint64_t size, unsigned int align)
{
	uint64_t off;

	switch (below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return size - 1 - below(r, 8 < size ? 8 : size);
	case 2:
		return size;
	case 3:
		return size + below(r, FZ_PAGE);
	case 4:
		return (1ULL << FZ_OFF_SHIFT) - 1 - below(r, 16);
	case 5:
		return rnd(r) & ((1ULL << FZ_OFF_SHIFT) - 1);
	default:
		off = below(r, size ? size : 1);
		return off & ~(uint64_t)(align - 1);
	}
}

static size_t fz_len(struct rng *r)
{
	static const size_t small[] = { 1, 2, 4, 8 };

	switch (below(r, 12)) {
	case 0:
	case 1:
	case 2:
	case 3:
		return small[below(r, 4)];
	case 4:
	case 5:
	case 6:
		return 1 + below(r, 64);
	case 7:
	case 8:
		return 1 + below(r, FZ_PAGE);
	case 9:
		return 1 + below(r, 64 << 10);
	case 10:
		return chance(r, 70) ? 0 : FZ_RW_MAX;
	default:
		return 3 + 4 * below(r, 16);
	}
}

static unsigned int fz_pick_region(struct fz *fz, struct rng *r)
{
	unsigned int i, n = 0, pick[VFIO_PCI_NUM_REGIONS];

	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++)
		if (fz->region[i].size)
			pick[n++] = i;
	if (!n)
		return VFIO_PCI_CONFIG_REGION_INDEX;
	return pick[below(r, n)];
}

static void fz_rw(struct fz *fz, struct rng *r, unsigned int index,
		  uint64_t off, size_t len, int write, const void *src)
{
	int good;
	void *p = fz_place(fz, r, write ? src : NULL, len, &good);
	off_t pos = fz_pos(fz, index, off);
	ssize_t ret;

	fz_note(fz, "%s index=%u off=%#" PRIx64 " len=%zu buf=%s",
		write ? "pwrite" : "pread", index, off, len,
		good ? "ok" : "bad");
	ret = write ? pwrite(fz->dev.fd, p, len, pos) :
		      pread(fz->dev.fd, p, len, pos);
	if (ret > (ssize_t)len)
		fz_fail(fz, "%s of %zu bytes at index %u offset %#" PRIx64 " returned %zd",
			write ? "pwrite" : "pread", len, index, off, ret);
}

static void op_region_rw(struct fz *fz, struct rng *r)
{
	static const unsigned int aligns[] = { 1, 2, 4, 8 };
	unsigned int index;
	uint64_t size, off;
	size_t len;
	int write;

	if (chance(r, 80))
		index = fz_pick_region(fz, r);
	else if (chance(r, 70))
		index = below(r, 16);
	else
		index = (uint32_t)rnd(r) >> below(r, 32);
	size = index < VFIO_PCI_NUM_REGIONS ? fz->region[index].size : 0;
	off = fz_offset(r, size, aligns[below(r, 4)]);
	len = fz_len(r);
	write = chance(r, 50);
	if (write)
		fill_random(r, fz->stage, len);
	fz_rw(fz, r, index, off, len, write, fz->stage);
}

/* A value for a config register, and a write of it; read back after. */
static void fz_cfg_poke(struct fz *fz, struct rng *r, unsigned int off,
			unsigned int size, uint32_t val)
{
	uint32_t back;

	fz_note(fz, "config write off=%#x size=%u val=%#x", off, size, val);
	fz_cfg_write(fz, off, size, val);
	if (chance(r, 50))
		fz_cfg_read(fz, off, size, &back);
}

static void op_config(struct fz *fz, struct rng *r)
{
	static const uint32_t cmds[] = { 0, PCI_COMMAND_MEMORY |
		PCI_COMMAND_MASTER, PCI_COMMAND_IO | PCI_COMMAND_MASTER,
		PCI_COMMAND_INTX_DISABLE, PCI_COMMAND_MEMORY | PCI_COMMAND_IO |
		PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE, 0xffff };
	static const unsigned int sizes[] = { 1, 2, 4 };
	unsigned int off, size;
	uint32_t val;

	switch (below(r, 10)) {
	case 0:
		fz_cfg_poke(fz, r, PCI_COMMAND, chance(r, 80) ? 2 : 1,
			    chance(r, 80) ? cmds[below(r, 6)] : (uint32_t)rnd(r));
		break;
	case 1:
		off = PCI_BASE_ADDRESS_0 + 4 * below(r, 6);
		val = chance(r, 40) ? 0xffffffff : chance(r, 50) ? 0 :
		      (uint32_t)rnd(r);
		fz_cfg_poke(fz, r, off, 4, val);
		break;
	case 2:
		fz_cfg_poke(fz, r, PCI_ROM_ADDRESS, 4,
			    chance(r, 50) ? 0xfffffffe : (uint32_t)rnd(r));
		break;
	case 3:
	case 4:
		if (fz->msi_cap) {
			static const unsigned int f[] = { PCI_MSI_FLAGS,
				PCI_MSI_ADDRESS_LO, PCI_MSI_ADDRESS_HI,
				PCI_MSI_DATA_64, PCI_MSI_FLAGS };

			off = fz->msi_cap + f[below(r, 5)];
			size = off == (unsigned int)fz->msi_cap + PCI_MSI_FLAGS ||
			       off == (unsigned int)fz->msi_cap + PCI_MSI_DATA_64 ?
			       2 : 4;
			val = off == (unsigned int)fz->msi_cap + PCI_MSI_FLAGS &&
			      chance(r, 70) ?
			      (chance(r, 50) ? PCI_MSI_FLAGS_ENABLE : 0) :
			      (uint32_t)rnd(r);
			fz_cfg_poke(fz, r, off, size, val);
		}
		if (fz->msix_cap) {
			static const uint32_t v[] = { PCI_MSIX_FLAGS_ENABLE,
				PCI_MSIX_FLAGS_MASKALL, PCI_MSIX_FLAGS_ENABLE |
				PCI_MSIX_FLAGS_MASKALL, 0 };

			off = fz->msix_cap + (chance(r, 80) ? PCI_MSIX_FLAGS :
					      4 * below(r, 3));
			fz_cfg_poke(fz, r, off, chance(r, 80) ? 2 : 4,
				    chance(r, 80) ? v[below(r, 4)] :
				    (uint32_t)rnd(r));
		}
		break;
	case 5:
		fz_cfg_poke(fz, r, PCI_INTERRUPT_LINE, sizes[below(r, 2)],
			    (uint32_t)rnd(r));
		break;
	case 6:
		if (fz->vndr_cap) {
			off = fz->vndr_cap + 4 * below(r, MDPY_CAP_SIZE / 4 + 1);
			val = chance(r, 50) ? below(r, 4) : (uint32_t)rnd(r);
			fz_cfg_poke(fz, r, off, 4, val);
		}
		break;
	default:
		size = chance(r, 80) ? sizes[below(r, 3)] : 1 + below(r, 64);
		off = below(r, 0x100 + 8);
		fill_random(r, fz->stage, size);
		fz_rw(fz, r, VFIO_PCI_CONFIG_REGION_INDEX, off, size,
		      chance(r, 60), fz->stage);
	}
}

/* mtty: UART registers, so that its INTx and MSI fire under SET_IRQS. */
static void op_dev_mtty(struct fz *fz, struct rng *r)
{
	static const uint8_t ier[] = { UART_IER_RDI, UART_IER_THRI,
		UART_IER_RDI | UART_IER_THRI | UART_IER_RLSI, 0x0f, 0 };
	static const uint8_t fcr[] = { 0x01, 0x07, 0x81, 0xc1, 0 };
	unsigned int port = below(r, fz->type->ports + (chance(r, 90) ? 0 : 1));
	unsigned int i, n, reg = chance(r, 95) ? below(r, 8) : 8 + below(r, 8);
	uint8_t val;
	int write = chance(r, 60);

	if (write && reg == UART_THR && chance(r, 50)) {
		/* A burst: fills the peer's FIFO up to overrun. */
		n = 1 + below(r, 20);
		fz_note(fz, "mtty port %u: %u bytes", port, n);
		for (i = 0; i < n; i++) {
			val = rnd(r);
			pwrite(fz->dev.fd, &val, 1,
			       fz_pos(fz, VFIO_PCI_BAR0_REGION_INDEX + port,
				      UART_THR));
		}
		return;
	}
	switch (reg) {
	case UART_IER:
		val = chance(r, 80) ? ier[below(r, 5)] : rnd(r);
		break;
	case UART_FCR:
		val = chance(r, 80) ? fcr[below(r, 5)] : rnd(r);
		break;
	case UART_LCR:
		val = chance(r, 70) ? 0x03 : chance(r, 50) ? 0x83 : rnd(r);
		break;
	case UART_MCR:
		val = chance(r, 50) ? 0x08 : chance(r, 50) ? 0x10 : rnd(r);
		break;
	default:
		val = rnd(r);
	}
	fz_note(fz, "mtty port %u reg %u %s %#x", port, reg,
		write ? "write" : "read", write ? val : 0);
	if (write)
		pwrite(fz->dev.fd, &val, 1,
		       fz_pos(fz, VFIO_PCI_BAR0_REGION_INDEX + port, reg));
	else
		pread(fz->dev.fd, &val, 1,
		      fz_pos(fz, VFIO_PCI_BAR0_REGION_INDEX + port, reg));
}

/* mdpy: the frame tick, whose MSI or INTx fires under SET_IRQS. */
static void op_dev_mdpy(struct fz *fz, struct rng *r)
{
	uint32_t v;

	switch (below(r, 4)) {
	case 0:
	case 1:
		v = chance(r, 60) ? MDPY_CTRL_TICK_EN : chance(r, 70) ? 0 :
		    (uint32_t)rnd(r);
		fz_note(fz, "mdpy CTRL=%#x", v);
		fz_cfg_write(fz, MDPY_CAP_CTRL, 4, v);
		break;
	case 2:
		v = chance(r, 80) ? MDPY_STATUS_TICK : (uint32_t)rnd(r);
		fz_note(fz, "mdpy STATUS=%#x", v);
		fz_cfg_write(fz, MDPY_CAP_STATUS, 4, v);
		break;
	default:
		fz_note(fz, "mdpy FRAMES");
		fz_cfg_read(fz, MDPY_CAP_FRAMES, 4, &v);
	}
}

static void fz_iav_wr(struct fz *fz, unsigned int index, uint64_t off,
		      uint32_t val)
{
	pwrite(fz->dev.fd, &val, 4, fz_pos(fz, index, off));
}

/* A descriptor, valid mostly, raising the queue's vectors. */
static void fz_iav_desc(struct fz *fz, struct rng *r, struct iav_desc *d)
{
	uint32_t sram = fz->sram ? fz->sram : FZ_PAGE;

	memset(d, 0, sizeof(*d));
	d->opcode = chance(r, 90) ? below(r, 4) : rnd(r);
	d->flags = chance(r, 80) ? IMS_ACCEL_DESC_F_INTERRUPT |
		   (chance(r, 50) ? IMS_ACCEL_DESC_F_RECORD : 0) : rnd(r);
	d->int_handle = chance(r, 85) ? below(r, fz->nr_vectors ? fz->nr_vectors : 1) :
			chance(r, 50) ? fz->nr_vectors + below(r, 4) : rnd(r);
	d->seq = rnd(r);
	d->pattern = rnd(r);
	d->len = chance(r, 80) ? below(r, 256) : edgy32(r);
	d->src = chance(r, 85) ? below(r, sram / 2) : edgy32(r);
	d->dst = chance(r, 85) ? sram / 2 + below(r, sram / 4) : edgy32(r);
	d->comp = chance(r, 90) ? (sram - 64) & ~15U : edgy32(r);
	if (chance(r, 5))
		d->rsvd[below(r, 32)] = rnd(r);
}

/* ims_accel: queues, events and descriptors raising host-backed vectors. */
static void op_dev_iav(struct fz *fz, struct rng *r)
{
	unsigned int j = chance(r, 90) ? below(r, fz->nr_wqs ? fz->nr_wqs : 1) :
			 below(r, IAV_MAX_WQS + 2);
	static const uint32_t ctrl[] = { IAV_WQ_CTRL_ENABLE, IAV_WQ_CTRL_ENABLE,
		IAV_WQ_CTRL_RESET | IAV_WQ_CTRL_ENABLE, IAV_WQ_CTRL_RESET, 0 };
	uint64_t msix = fz->region[IAV_BAR_PORTAL].size - FZ_PAGE;
	struct iav_desc d;
	uint32_t v;

	switch (below(r, 8)) {
	case 0:
		v = chance(r, 80) ? ctrl[below(r, 5)] : (uint32_t)rnd(r);
		fz_note(fz, "iav WQ_CTRL[%u]=%#x", j, v);
		fz_iav_wr(fz, IAV_BAR_CTRL, IAV_WQ_REGS(j) + IAV_WQ_CTRL, v);
		break;
	case 1:
		v = chance(r, 70) ? below(r, 2) : (uint32_t)rnd(r);
		fz_note(fz, "iav EVT_MASK=%#x", v);
		fz_iav_wr(fz, IAV_BAR_CTRL, IAV_REG_EVT_MASK, v);
		break;
	case 2:
		fz_note(fz, "iav EVT_CAUSE clear");
		fz_iav_wr(fz, IAV_BAR_CTRL, IAV_REG_EVT_CAUSE, (uint32_t)rnd(r));
		break;
	case 3:
		/* The emulated MSI-X table: mask and unmask entries. */
		v = below(r, fz->nr_vectors + 2);
		fz_note(fz, "iav MSI-X entry %u", v);
		fz_iav_wr(fz, IAV_BAR_PORTAL, msix + 16 * v + 4 * below(r, 4),
			  chance(r, 70) ? below(r, 2) : (uint32_t)rnd(r));
		break;
	default:
		/* A descriptor through the trapped path: DESC, then DOORBELL. */
		fz_iav_desc(fz, r, &d);
		fz_note(fz, "iav submit wq %u op %u flags %#x handle %u len %u",
			j, d.opcode, d.flags, d.int_handle, d.len);
		if (chance(r, 95))
			fz_iav_wr(fz, IAV_BAR_CTRL, IAV_WQ_REGS(j) + IAV_WQ_CTRL,
				  IAV_WQ_CTRL_ENABLE);
		pwrite(fz->dev.fd, &d, sizeof(d),
		       fz_pos(fz, IAV_BAR_PORTAL, (uint64_t)j * FZ_PAGE +
			      IMS_ACCEL_PORTAL_DESC));
		fz_iav_wr(fz, IAV_BAR_PORTAL, (uint64_t)j * FZ_PAGE +
			  IMS_ACCEL_PORTAL_DOORBELL, 1);
	}
}

/*
 * Known bug 1 (see the header), at its fastest: the instance's vectors
 * armed and descriptors raising them in flight.
 */
static void fz_iav_arm_and_raise(struct fz *fz, struct rng *r)
{
	unsigned int i, n = fz->nr_vectors + 1;
	int32_t fds[IAV_MAX_VEC];
	struct iav_desc d;

	for (i = 0; i < n && i < IAV_MAX_VEC; i++)
		fds[i] = fz->efd[i % FZ_EFDS];
	vfio_irq_eventfds(fz->dev.fd, VFIO_PCI_MSIX_IRQ_INDEX, 0, i, fds);
	fz_iav_wr(fz, IAV_BAR_CTRL, IAV_WQ_REGS(0) + IAV_WQ_CTRL,
		  IAV_WQ_CTRL_ENABLE);
	for (i = 0; i < 4; i++) {
		memset(&d, 0, sizeof(d));
		d.flags = IMS_ACCEL_DESC_F_INTERRUPT;
		d.int_handle = below(r, fz->nr_vectors);
		pwrite(fz->dev.fd, &d, sizeof(d),
		       fz_pos(fz, IAV_BAR_PORTAL, IMS_ACCEL_PORTAL_DESC));
		fz_iav_wr(fz, IAV_BAR_PORTAL, IMS_ACCEL_PORTAL_DOORBELL, 1);
	}
}

/* ... then MSI-X disabled at once, 8 times. */
static void op_iav_irq_race(struct fz *fz, struct rng *r)
{
	unsigned int k;

	if (fz->type->kind != FZ_IAV)
		return;
	fz_note(fz, "iav: arm, raise and disable MSI-X, 8 times");
	for (k = 0; k < 8; k++) {
		fz_iav_arm_and_raise(fz, r);
		vfio_irq_none(fz->dev.fd, VFIO_IRQ_SET_ACTION_TRIGGER,
			      VFIO_PCI_MSIX_IRQ_INDEX, 0, 0);
	}
}

/* ... then the device closed at once (and opened again), twice. */
static void op_iav_irq_close(struct fz *fz, struct rng *r)
{
	unsigned int k;

	if (fz->type->kind != FZ_IAV)
		return;
	fz_note(fz, "iav: arm, raise and close, twice");
	for (k = 0; k < 2 && fz->dev.fd >= 0; k++) {
		fz_iav_arm_and_raise(fz, r);
		fz_close_dev(fz);
		fz_open_dev(fz);
	}
}

static void op_device(struct fz *fz, struct rng *r)
{
	switch (fz->type->kind) {
	case FZ_MTTY:
		op_dev_mtty(fz, r);
		break;
	case FZ_MDPY:
		op_dev_mdpy(fz, r);
		break;
	case FZ_IAV:
		op_dev_iav(fz, r);
		break;
	}
}

/* Touch a mapping the device gave: only where a guest could. */
static void fz_touch(struct fz *fz, struct rng *r, struct fz_map *m)
{
	unsigned int i, n = 1 + below(r, 16);

	fz_note(fz, "touch %zu byte mapping%s", m->len,
		m->dword ? " (registers)" : "");
	for (i = 0; i < n; i++) {
		size_t off = below(r, m->len);

		if (m->dword) {
			volatile uint32_t *w = (volatile uint32_t *)
				(m->addr + (off & ~3UL));

			/* Mostly DESC and DOORBELL; the rest reads as zero. */
			if (chance(r, 70))
				w = (volatile uint32_t *)(m->addr +
					(off & ~(FZ_PAGE - 1)) + 4 * below(r, 20));
			if (chance(r, 50))
				*w = rnd(r);
			else
				(void)*w;
		} else if (chance(r, 50)) {
			m->addr[off] = rnd(r);
		} else {
			(void)m->addr[off];
		}
	}
}

static void op_mmap(struct fz *fz, struct rng *r)
{
	unsigned int index, slot, a;
	uint64_t off = 0, len = FZ_PAGE, aend;
	struct fz_region *reg;
	int flags, prot, inside = 0, well;
	void *p;

	if (chance(r, 70)) {
		unsigned int i, n = 0, pick[VFIO_PCI_NUM_REGIONS];

		for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++)
			if (fz->region[i].nr_areas)
				pick[n++] = i;
		index = n ? pick[below(r, n)] : fz_pick_region(fz, r);
	} else {
		index = below(r, VFIO_PCI_NUM_REGIONS + 1);
	}
	reg = &fz->region[index < VFIO_PCI_NUM_REGIONS ? index : 0];
	a = reg->nr_areas ? below(r, reg->nr_areas) : 0;
	aend = reg->nr_areas ? reg->area[a].off + reg->area[a].size : 0;

	switch (below(r, 10)) {
	case 0:
	case 1:
	case 2:
	case 3:
		if (reg->nr_areas && reg->area[a].size >= FZ_PAGE) {
			off = reg->area[a].off + FZ_PAGE *
			      below(r, reg->area[a].size / FZ_PAGE);
			len = FZ_PAGE * (1 + below(r, (aend - off) / FZ_PAGE));
		}
		break;
	case 4:
		if (reg->nr_areas) {
			off = reg->area[a].off;
			len = reg->area[a].size;
		}
		break;
	case 5:
		/* The last page of an area and the one after it. */
		off = aend >= FZ_PAGE ? aend - FZ_PAGE : 0;
		len = 2 * FZ_PAGE;
		break;
	case 6:
		/* What follows the area: the MSI-X page, a hole, the end. */
		off = ((aend ? aend : reg->size) + FZ_PAGE - 1) & ~(FZ_PAGE - 1);
		off += FZ_PAGE * below(r, 3);
		break;
	case 7:
		off = FZ_PAGE * below(r, 4) + 1 + below(r, FZ_PAGE - 1);
		break;
	case 8:
		len = chance(r, 50) ? 0 : 1ULL << (32 + below(r, 8));
		break;
	default:
		off = FZ_PAGE * below(r, 1 + (reg->size + FZ_PAGE) / FZ_PAGE);
		len = FZ_PAGE * (1 + below(r, 4));
	}
	if (len > FZ_MAP_MAX && chance(r, 90))
		len = FZ_MAP_MAX;

	flags = chance(r, 90) ? MAP_SHARED : MAP_PRIVATE;
	prot = chance(r, 85) ? PROT_READ | PROT_WRITE :
	       chance(r, 60) ? PROT_READ : PROT_READ | PROT_WRITE | PROT_EXEC;
	for (a = 0; index < VFIO_PCI_NUM_REGIONS && a < reg->nr_areas; a++)
		if (off >= reg->area[a].off &&
		    off < reg->area[a].off + reg->area[a].size && len &&
		    len <= reg->area[a].off + reg->area[a].size - off)
			inside = 1;
	inside = inside && !(off & (FZ_PAGE - 1)) && flags == MAP_SHARED;
	well = inside && !(prot & PROT_EXEC);

	fz_note(fz, "mmap index=%u off=%#" PRIx64 " len=%#" PRIx64 " %s prot=%#x (%s)",
		index, off, len, flags == MAP_SHARED ? "shared" : "private",
		prot, inside ? "offered" : "must be refused");
	slot = below(r, FZ_MAPS);
	fz_map_drop(&fz->map[slot]);
	p = mmap(NULL, len, prot, flags, fz->dev.fd,
		 fz_pos(fz, index, off));
	if (p == MAP_FAILED) {
		if (well && errno != ENOMEM)
			fz_fail(fz, "mmap of %#" PRIx64 " bytes at %#" PRIx64 " of region %u, inside what it offers, failed: %s",
				len, off, index, strerror(errno));
		return;
	}
	if (!inside) {
		fz_fail(fz, "mmap of %#" PRIx64 " bytes at %#" PRIx64 " of region %u succeeded outside what it offers",
			len, off, index);
		munmap(p, len);
		return;
	}
	fz->map[slot].addr = p;
	fz->map[slot].len = len;
	/* ims_accel portals are device registers: 32-bit accesses. */
	fz->map[slot].dword = fz->type->kind == FZ_IAV &&
			      index == IAV_BAR_PORTAL;
	if (prot & PROT_WRITE)
		fz_touch(fz, r, &fz->map[slot]);
	else
		fz_map_drop(&fz->map[slot]);
}

static void op_touch(struct fz *fz, struct rng *r)
{
	struct fz_map *m = &fz->map[below(r, FZ_MAPS)];

	if (m->addr && !m->hole_len)
		fz_touch(fz, r, m);
}

static void op_munmap(struct fz *fz, struct rng *r)
{
	struct fz_map *m = &fz->map[below(r, FZ_MAPS)];
	size_t pages, first, n;

	if (!m->addr)
		return;
	pages = m->len / FZ_PAGE;
	if (pages > 2 && !m->hole_len && chance(r, 30)) {
		/* A hole in the middle; the rest stays until unmapped whole. */
		first = 1 + below(r, pages - 2);
		n = 1 + below(r, pages - 1 - first);
		fz_note(fz, "munmap pages %zu..%zu of %zu", first,
			first + n - 1, pages);
		munmap((void *)(m->addr + first * FZ_PAGE), n * FZ_PAGE);
		m->hole = first * FZ_PAGE;
		m->hole_len = n * FZ_PAGE;
		return;
	}
	fz_note(fz, "munmap %zu bytes", m->len);
	fz_map_drop(m);
}

static void op_reset(struct fz *fz, struct rng *r)
{
	fz_note(fz, "DEVICE_RESET");
	ioctl(fz->dev.fd, VFIO_DEVICE_RESET, chance(r, 90) ? 0 : rnd(r));
}

/*
 * Device features and migration
 */

static void fz_adopt_data(struct fz *fz, struct rng *r, int fd, int saving)
{
	unsigned int i;

	for (i = 0; i < FZ_DATA_FDS; i++)
		if (fz->data[i].fd < 0)
			break;
	if (i == FZ_DATA_FDS) {
		i = below(r, FZ_DATA_FDS);
		close(fz->data[i].fd);
	}
	fz->data[i].fd = fd;
	fz->data[i].saving = saving;
	if (saving) {
		fz->stream_len = 0;
		fz->stream_done = 0;
	}
}

static void fz_mig_set(struct fz *fz, struct rng *r, uint32_t state)
{
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_mig_state s;
	} b = { .f = { .argsz = sizeof(b), .flags = VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE },
		.s = { .device_state = state, .data_fd = -1 } };
	int ret;

	if (chance(r, 5))
		b.f.argsz = below(r, sizeof(b));
	if (chance(r, 3))
		b.s.data_fd = rnd(r);
	ret = ioctl(fz->dev.fd, VFIO_DEVICE_FEATURE, &b);
	fz_note(fz, "MIG_DEVICE_STATE -> %u: %s, data fd %d", state,
		ret ? strerror(errno) : "0", ret ? -1 : b.s.data_fd);
	if (!ret && b.s.data_fd >= 0)
		fz_adopt_data(fz, r, b.s.data_fd,
			      state != VFIO_DEVICE_STATE_RESUMING);
}

static struct fz_data *fz_pick_data(struct fz *fz, struct rng *r, int saving)
{
	unsigned int i, n = 0, pick[FZ_DATA_FDS];

	for (i = 0; i < FZ_DATA_FDS; i++)
		if (fz->data[i].fd >= 0 &&
		    (saving < 0 || fz->data[i].saving == saving))
			pick[n++] = i;
	return n ? &fz->data[pick[below(r, n)]] : NULL;
}

static void fz_mig_read(struct fz *fz, struct rng *r)
{
	struct fz_data *d = fz_pick_data(fz, r, 1);
	size_t len = chance(r, 50) ? FZ_STREAM : 1 + below(r, 300);
	int good, into_stream;
	ssize_t n;
	void *p;

	if (!d)
		return;
	into_stream = fz->stream_len + len <= FZ_STREAM;
	p = fz_place(fz, r, NULL, len, &good);
	n = read(d->fd, p, len);
	fz_note(fz, "data read %zu: %zd", len, n < 0 ? -(ssize_t)errno : n);
	if (n > (ssize_t)len) {
		fz_fail(fz, "data fd read of %zu returned %zd", len, n);
		return;
	}
	if (n > 0 && good && into_stream) {
		memcpy(fz->stream + fz->stream_len, p, n);
		fz->stream_len += n;
	} else if (n > 0) {
		/* A part went elsewhere: this session's stream has a hole. */
		fz->stream_len = FZ_STREAM + 1;
	}
	if (!n && fz->stream_len <= FZ_STREAM &&
	    vfio_mig_get(fz->dev.fd) == VFIO_DEVICE_STATE_STOP_COPY)
		fz->stream_done = 1;
}

/* A stream for the resuming side: saved or made, then maybe spoiled. */
static size_t fz_mig_stream(struct fz *fz, struct rng *r, uint8_t *buf)
{
	size_t len, size = MTTY_MIG_SIZE(fz->type->ports), i;
	uint32_t magic = MTTY_MIG_MAGIC;
	uint16_t v16;

	if (fz->stream_done && fz->stream_len <= FZ_STREAM && chance(r, 75)) {
		len = fz->stream_len;
		memcpy(buf, fz->stream, len);
	} else {
		len = size;
		memset(buf, 0, len);
		memcpy(buf, &magic, sizeof(magic));
		v16 = MTTY_MIG_VERSION;
		memcpy(buf + MTTY_MIG_OFF_VERSION, &v16, 2);
		v16 = fz->type->ports;
		memcpy(buf + MTTY_MIG_OFF_NR_PORTS, &v16, 2);
	}
	switch (below(r, 10)) {
	case 0:
	case 1:
		/* Flip bytes anywhere. */
		for (i = 1 + below(r, 4); i; i--)
			buf[below(r, len)] ^= 1 << below(r, 8);
		break;
	case 2:
		/* The header: port count, version, magic. */
		v16 = chance(r, 60) ? (uint16_t)edgy32(r) :
		      (uint16_t)(fz->type->ports ^ 3);
		memcpy(buf + (chance(r, 50) ? MTTY_MIG_OFF_VERSION :
			      MTTY_MIG_OFF_NR_PORTS), &v16, 2);
		if (chance(r, 20))
			buf[below(r, 4)] ^= 0xff;
		break;
	case 3:
		len = below(r, len);
		break;
	case 4:
		i = 1 + below(r, 600);
		fill_random(r, buf + len, i);
		len += i;
		break;
	case 5:
		len = below(r, FZ_STREAM);
		fill_random(r, buf, len);
		break;
	}
	return len;
}

static void fz_mig_write(struct fz *fz, struct rng *r)
{
	struct fz_data *d = fz_pick_data(fz, r, 0);
	uint8_t *buf = fz->stage + FZ_PAGE;
	size_t len, done = 0, chunk;
	unsigned int how;
	int good, keep_going = chance(r, 50);
	ssize_t n;
	void *p;

	if (!d) {
		fz_mig_set(fz, r, VFIO_DEVICE_STATE_RESUMING);
		return;
	}
	len = fz_mig_stream(fz, r, buf);
	how = below(r, 5);
	fz_note(fz, "data write %zu bytes, chunking %u", len, how);
	while (done < len) {
		switch (how) {
		case 0:
		case 1:
			chunk = len - done;
			break;
		case 2:
			/* The header alone first, as a VMM's reader may. */
			chunk = done < MTTY_MIG_HDR_SIZE ?
				MTTY_MIG_HDR_SIZE - done :
				len - done;
			break;
		case 3:
			chunk = done ? len - done : 1 + below(r, len);
			break;
		default:
			chunk = 1 + below(r, 64);
		}
		if (chunk > len - done)
			chunk = len - done;
		p = fz_place(fz, r, buf + done, chunk, &good);
		n = write(d->fd, p, chunk);
		if (n > (ssize_t)chunk)
			fz_fail(fz, "data fd write of %zu returned %zd", chunk, n);
		if (n <= 0) {
			if (fz->trace)
				fz_note(fz, "  write at %zu: %s", done,
					n ? strerror(errno) : "0");
			if (!keep_going)
				break;
			n = chunk;
		}
		done += n;
	}
	if (chance(r, 60))
		fz_mig_set(fz, r, VFIO_DEVICE_STATE_STOP);
}

static void op_features(struct fz *fz, struct rng *r)
{
	static const uint32_t fl[] = { VFIO_DEVICE_FEATURE_GET,
		VFIO_DEVICE_FEATURE_SET, VFIO_DEVICE_FEATURE_PROBE |
		VFIO_DEVICE_FEATURE_GET, VFIO_DEVICE_FEATURE_PROBE |
		VFIO_DEVICE_FEATURE_SET, VFIO_DEVICE_FEATURE_PROBE,
		VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET, 0 };
	struct vfio_device_feature *f = (void *)fz->stage;
	uint32_t feature, flags, plen, argsz;
	uint8_t *ranges = fz->scratch + FZ_SCRATCH / 2;
	int good, ret;
	void *p;

	feature = chance(r, 85) ? below(r, 12) : (uint32_t)rnd(r) & 0xffff;
	flags = chance(r, 85) ? fl[below(r, 7)] : (uint32_t)rnd(r) & ~0xffffU;
	if (feature == VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE &&
	    (flags & VFIO_DEVICE_FEATURE_SET) &&
	    !(flags & VFIO_DEVICE_FEATURE_PROBE)) {
		fz_mig_set(fz, r, chance(r, 80) ? below(r, 8) : edgy32(r));
		return;
	}
	plen = chance(r, 80) ? 8 * below(r, 5) : below(r, 64);
	memset(f, 0, sizeof(*f) + 64);
	fill_random(r, f->data, plen);
	if (feature == VFIO_DEVICE_FEATURE_DMA_LOGGING_START && chance(r, 70)) {
		struct vfio_device_feature_dma_logging_control c = {
			.page_size = 1ULL << (12 + below(r, 10)),
			.num_ranges = chance(r, 80) ? 1 + below(r, 4) : edgy32(r),
			.ranges = (uintptr_t)ranges,
		};
		struct vfio_device_feature_dma_logging_range *rg = (void *)ranges;
		unsigned int i;

		for (i = 0; i < 4; i++) {
			rg[i].iova = chance(r, 80) ? (i * 2 + below(r, 2)) << 30 :
				     rnd(r);
			rg[i].length = chance(r, 80) ? 1ULL << (12 + below(r, 19)) :
				       rnd(r);
		}
		if (chance(r, 10))
			c.ranges = chance(r, 50) ? 0 : rnd(r);
		memcpy(f->data, &c, sizeof(c));
		plen = sizeof(c);
	} else if (feature == VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT &&
		   chance(r, 70)) {
		struct vfio_device_feature_dma_logging_report rep = {
			.iova = below(r, 8) << 30,
			.length = 1ULL << (12 + below(r, 28)),
			.page_size = 1ULL << (12 + below(r, 10)),
			.bitmap = (uintptr_t)ranges,
		};

		if (chance(r, 10))
			rep.bitmap = chance(r, 50) ? 0 : rnd(r);
		memcpy(f->data, &rep, sizeof(rep));
		plen = sizeof(rep);
	}
	argsz = sizeof(*f) + plen;
	if (chance(r, 15))
		argsz = chance(r, 50) ? below(r, argsz + 1) : edgy32(r);
	f->argsz = argsz;
	f->flags = flags | feature;
	p = fz_place(fz, r, f, sizeof(*f) + plen, &good);
	ret = ioctl(fz->dev.fd, VFIO_DEVICE_FEATURE, p);
	fz_note(fz, "DEVICE_FEATURE %u flags=%#x argsz=%u buf=%s: %s", feature,
		flags, argsz, good ? "ok" : "bad", ret ? strerror(errno) : "0");
}

static void op_migration(struct fz *fz, struct rng *r)
{
	static const uint32_t states[] = { VFIO_DEVICE_STATE_STOP,
		VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_STOP_COPY,
		VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_RESUMING,
		VFIO_DEVICE_STATE_RESUMING, VFIO_DEVICE_STATE_RUNNING_P2P,
		VFIO_DEVICE_STATE_PRE_COPY, VFIO_DEVICE_STATE_PRE_COPY_P2P };
	unsigned int c = below(r, 100);
	struct vfio_precopy_info info;
	struct fz_data *d;
	int good, ret;
	void *p;

	if (c < 22) {
		fz_mig_set(fz, r, chance(r, 95) ? states[below(r, 9)] :
			   chance(r, 50) ? VFIO_DEVICE_STATE_ERROR : edgy32(r));
	} else if (c < 45) {
		fz_mig_read(fz, r);
	} else if (c < 52) {
		d = fz_pick_data(fz, r, -1);
		if (!d)
			return;
		memset(&info, 0, sizeof(info));
		info.argsz = chance(r, 80) ? sizeof(info) : edgy32(r);
		p = fz_place(fz, r, &info, sizeof(info), &good);
		ret = ioctl(d->fd, VFIO_MIG_GET_PRECOPY_INFO, p);
		fz_note(fz, "PRECOPY_INFO argsz=%u buf=%s: %s", info.argsz,
			good ? "ok" : "bad", ret ? strerror(errno) : "0");
	} else if (c < 77) {
		fz_mig_write(fz, r);
	} else if (c < 82) {
		fz_note(fz, "load: STOP");
		fz_mig_set(fz, r, VFIO_DEVICE_STATE_STOP);
	} else if (c < 88) {
		d = fz_pick_data(fz, r, -1);
		if (!d)
			return;
		fz_note(fz, "close data fd %d", d->fd);
		close(d->fd);
		d->fd = -1;
	} else if (c < 94) {
		/* What a data fd must refuse. */
		d = fz_pick_data(fz, r, -1);
		if (!d)
			return;
		fz_note(fz, "data fd misuse");
		switch (below(r, 5)) {
		case 0:
			ret = d->saving ? write(d->fd, fz->stage, 16) :
					  read(d->fd, fz->stage, 16);
			break;
		case 1:
			ret = pread(d->fd, fz->stage, 16, 0);
			break;
		case 2:
			ret = lseek(d->fd, below(r, 64), SEEK_SET);
			break;
		case 3:
			p = mmap(NULL, FZ_PAGE, PROT_READ, MAP_SHARED, d->fd, 0);
			if (p != MAP_FAILED)
				munmap(p, FZ_PAGE);
			break;
		default:
			ret = ioctl(d->fd, _IO(VFIO_TYPE, VFIO_BASE + below(r, 32)),
				    fz->scratch);
		}
	} else {
		op_features(fz, r);
	}
}

/* An ioctl of the VFIO range the device may not know, on a good buffer. */
static void op_ioctl(struct fz *fz, struct rng *r)
{
	unsigned int nr = below(r, 32);

	/* RESET and the feature ioctl are operations of their own. */
	if (nr == 11 || nr == 17)
		nr = 30;
	fill_random(r, fz->scratch, 256);
	memset(fz->scratch, 0, 8);
	*(uint32_t *)fz->scratch = chance(r, 50) ? 256 : (uint32_t)rnd(r);
	fz_note(fz, "ioctl VFIO_BASE+%u", nr);
	ioctl(fz->dev.fd, _IO(VFIO_TYPE, VFIO_BASE + nr), fz->scratch);
}

static void op_efd_churn(struct fz *fz, struct rng *r)
{
	unsigned int i = below(r, FZ_EFDS);

	if (chance(r, 50)) {
		fz_note(fz, "eventfd pool: replace %d", fz->efd[i]);
		close(fz->efd[i]);
		fz->efd[i] = efd_new();
	} else {
		fz_note(fz, "eventfd pool: drain");
		for (i = 0; i < FZ_EFDS; i++)
			efd_count(fz->efd[i]);
	}
}

static void op_pause(struct fz *fz, struct rng *r)
{
	unsigned int ms = below(r, 4);

	fz_note(fz, "pause %u ms", ms);
	if (ms)
		sleep_ms(ms);
	else
		sched_yield();
}

/*
 * Life cycle: close and open, remove and create, remove while open,
 * a second device fd, siblings
 */

static void op_reopen(struct fz *fz, struct rng *r)
{
	unsigned int i;
	int keep = 0;

	for (i = 0; i < FZ_MAPS; i++)
		if (fz->map[i].addr && !fz->map[i].hole_len)
			keep = 1;
	keep = keep && chance(r, 40);
	fz_note(fz, "reopen%s", keep ? ", mappings kept past the close" : "");
	if (keep) {
		/* The mappings hold the device open; they work until unmapped. */
		fz_close_data(fz);
		vfio_dev_close(&fz->dev);
		for (i = 0; i < FZ_MAPS; i++)
			if (fz->map[i].addr && !fz->map[i].hole_len)
				fz_touch(fz, r, &fz->map[i]);
	}
	fz_close_dev(fz);
	fz_check_eventfds(fz, "after a close");
	fz_open_dev(fz);
}

static int fz_replace_instance(struct fz *fz)
{
	int ret = fz_create(fz, fz->type->name, fz->uuid);

	if (ret) {
		fz_fail(fz, "cannot create %s again: %s", fz->type->name,
			strerror(-ret));
		return ret;
	}
	return fz_open_dev(fz);
}

static void op_recreate(struct fz *fz, struct rng *r)
{
	int ret;

	fz_note(fz, "remove and create");
	fz_close_dev(fz);
	fz_check_eventfds(fz, "after a close");
	ret = fz_remove(fz, fz->uuid);
	if (ret) {
		fz_fail(fz, "cannot remove %s: %s", fz->uuid, strerror(-ret));
		return;
	}
	fz_replace_instance(fz);
}

struct fz_remover {
	char uuid[40];
	int ret;
};

static void *fz_remove_thread(void *arg)
{
	struct fz_remover *rm = arg;

	rm->ret = mdev_remove(rm->uuid);
	return NULL;
}

static void op_remove_open(struct fz *fz, struct rng *r)
{
	struct fz_remover rm;
	pthread_t t;

	fz_note(fz, "remove while open");
	snprintf(rm.uuid, sizeof(rm.uuid), "%s", fz->uuid);
	rm.ret = -EINPROGRESS;
	if (pthread_create(&t, NULL, fz_remove_thread, &rm))
		return;
	/* The remove asks through REQ and waits for the close. */
	sleep_ms(1 + below(r, 20));
	if (chance(r, 50))
		op_set_irqs(fz, r);
	fz_close_dev(fz);
	pthread_join(t, NULL);
	if (rm.ret || mdev_exists(rm.uuid)) {
		fz_fail(fz, "remove of open %s: %s", rm.uuid,
			rm.ret ? strerror(-rm.ret) : "still there");
		return;
	}
	fz->uuid[0] = 0;
	fz_check_eventfds(fz, "after a remove");
	fz_replace_instance(fz);
}

static void op_second_fd(struct fz *fz, struct rng *r)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	char name[64];
	uint32_t v;
	int fd;

	if (chance(r, 80))
		snprintf(name, sizeof(name), "%s", fz->uuid);
	else if (chance(r, 50) && fz->sib[0][0])
		snprintf(name, sizeof(name), "%s", fz->sib[0]);
	else
		snprintf(name, sizeof(name), "%016" PRIx64, rnd(r));
	fd = ioctl(fz->dev.group, VFIO_GROUP_GET_DEVICE_FD, name);
	fz_note(fz, "second device fd of %s: %d", name, fd);
	if (fd < 0)
		return;
	ioctl(fd, VFIO_DEVICE_GET_INFO, &info);
	pread(fd, &v, 4, fz_pos(fz, VFIO_PCI_CONFIG_REGION_INDEX, 0));
	if (chance(r, 30))
		ioctl(fd, VFIO_DEVICE_RESET);
	close(fd);
}

/* The parent's types, for siblings. */
static const char *fz_sibling_type(struct fz *fz, struct rng *r,
				   char *buf, size_t len);

static void op_sibling(struct fz *fz, struct rng *r)
{
	unsigned int s = below(r, FZ_SIBS);
	struct vfio_dev *d = &fz->sibdev[s];
	char type[64];
	int ret;

	if (!fz->sib[s][0]) {
		fz_sibling_type(fz, r, type, sizeof(type));
		ret = fz_create(fz, type, fz->sib[s]);
		fz_note(fz, "sibling %u: create %s: %s", s, type,
			ret ? strerror(-ret) : fz->sib[s]);
		if (!ret && chance(r, 60))
			vfio_dev_open(d, fz->sib[s]);
	} else if (d->fd >= 0) {
		struct vfio_device_info info = { .argsz = sizeof(info) };

		fz_note(fz, "sibling %u: close", s);
		ioctl(d->fd, VFIO_DEVICE_GET_INFO, &info);
		vfio_dev_close(d);
	} else if (chance(r, 50)) {
		fz_note(fz, "sibling %u: open", s);
		vfio_dev_open(d, fz->sib[s]);
	} else {
		fz_note(fz, "sibling %u: remove", s);
		ret = fz_remove(fz, fz->sib[s]);
		if (ret)
			fz_fail(fz, "cannot remove sibling %s: %s", fz->sib[s],
				strerror(-ret));
	}
}

/*
 * The mix
 */

struct fz_op {
	const char *name;
	void (*fn)(struct fz *fz, struct rng *r);
	unsigned int weight[3];		/* mtty, mdpy, ims_accel */
};

static const struct fz_op fz_ops[] = {
	{ "get_info",	op_get_info,	{ 25, 25, 25 } },
	{ "region_info", op_region_info, { 30, 30, 35 } },
	{ "irq_info",	op_irq_info,	{ 25, 25, 25 } },
	{ "set_irqs",	op_set_irqs,	{ 200, 220, 230 } },
	{ "region_rw",	op_region_rw,	{ 140, 160, 160 } },
	{ "config",	op_config,	{ 100, 110, 110 } },
	{ "device",	op_device,	{ 120, 90, 120 } },
	{ "mmap",	op_mmap,	{ 20, 40, 45 } },
	{ "touch",	op_touch,	{ 0, 25, 30 } },
	{ "munmap",	op_munmap,	{ 5, 15, 15 } },
	{ "reset",	op_reset,	{ 20, 20, 20 } },
	{ "features",	op_features,	{ 20, 20, 20 } },
	{ "migration",	op_migration,	{ 110, 0, 0 } },
	{ "ioctl",	op_ioctl,	{ 8, 8, 8 } },
	{ "efd_churn",	op_efd_churn,	{ 20, 20, 20 } },
	{ "pause",	op_pause,	{ 8, 10, 8 } },
	{ "reopen",	op_reopen,	{ 8, 8, 8 } },
	{ "recreate",	op_recreate,	{ 2, 2, 2 } },
	{ "remove_open", op_remove_open, { 2, 2, 2 } },
	{ "second_fd",	op_second_fd,	{ 4, 4, 4 } },
	{ "sibling",	op_sibling,	{ 6, 6, 6 } },
	{ "iav_irq_race", op_iav_irq_race, { 0, 0, 10 } },
	{ "iav_irq_close", op_iav_irq_close, { 0, 0, 5 } },
};

#define FZ_NR_OPS	(sizeof(fz_ops) / sizeof(fz_ops[0]))

/* What each operation cost, for --stats. */
static struct {
	unsigned long n;
	double secs;
} fz_stat[FZ_NR_OPS];

static unsigned int fz_weight(struct fz *fz, const struct fz_op *op)
{
	if (fz->only && !fz_selected(fz->only, op->name))
		return 0;
	return op->weight[fz->type->kind];
}

static const struct fz_op *fz_pick_op(struct fz *fz, struct rng *r)
{
	unsigned int total = 0, i, w;
	uint64_t x;

	for (i = 0; i < FZ_NR_OPS; i++)
		total += fz_weight(fz, &fz_ops[i]);
	x = below(r, total);
	for (i = 0; i < FZ_NR_OPS; i++) {
		w = fz_weight(fz, &fz_ops[i]);
		if (x < w)
			return &fz_ops[i];
		x -= w;
	}
	return &fz_ops[0];
}

/* KCOV for this task, if the kernel has it: blind runs count coverage too. */
static void fz_cov_open(struct fz *fz)
{
	struct fz_cov *c = &fz->cov;
	size_t len = FZ_KCOV_WORDS * sizeof(unsigned long);
	int fd;

	c->fd = -1;
	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (fd < 0)
		return;
	c->pcs = calloc(FZ_PC_SLOTS, sizeof(*c->pcs));
	if (!c->pcs || ioctl(fd, KCOV_INIT_TRACE, FZ_KCOV_WORDS))
		goto fail;
	c->area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c->area == MAP_FAILED)
		goto fail;
	if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		munmap(c->area, len);
		goto fail;
	}
	c->fd = fd;
	return;
fail:
	printf("# %s: KCOV unusable: %s\n", fz->type->name, strerror(errno));
	free(c->pcs);
	c->pcs = NULL;
	close(fd);
}

/* True if @pc was not in the set; the set stops growing at 3/4 full. */
static int fz_cov_add(struct fz_cov *c, uint64_t pc)
{
	unsigned int i = (pc * 0x9e3779b97f4a7c15ULL) >> 48, n;

	for (n = 0; n < 64; n++, i = (i + 1) & (FZ_PC_SLOTS - 1)) {
		if (c->pcs[i] == pc)
			return 0;
		if (!c->pcs[i]) {
			if (c->nr_pcs >= FZ_PC_SLOTS / 4 * 3)
				return 0;
			c->pcs[i] = pc;
			c->nr_pcs++;
			return 1;
		}
	}
	return 0;
}

/* The operation's PCs into the set; @pick joins the corpus if any is new. */
static void fz_cov_collect(struct fz *fz, const struct fz_pick *pick)
{
	struct fz_cov *c = &fz->cov;
	unsigned long n, i, fresh = 0;

	if (c->fd < 0)
		return;
	n = __atomic_load_n(&c->area[0], __ATOMIC_RELAXED);
	if (n > FZ_KCOV_WORDS - 1)
		n = FZ_KCOV_WORDS - 1;
	for (i = 1; i <= n; i++)
		fresh += fz_cov_add(c, c->area[i]);
	if (!fresh)
		return;
	c->found++;
	if (pick && c->nr_corpus < FZ_CORPUS)
		c->corpus[c->nr_corpus++] = *pick;
}

/*
 * Operation fz->op: its kind, with @r set to draw its arguments from, and
 * in @pick what replays it (kind 0 where it replays a corpus entry
 * exactly: that one is in the corpus already).
 */
static const struct fz_op *fz_draw(struct fz *fz, struct rng *r,
				   struct fz_pick *pick)
{
	struct fz_cov *c = &fz->cov;
	const struct fz_pick *e;
	const struct fz_op *op;
	struct rng g, k;

	rng_for_op(fz, r, fz->op);
	pick->kind = r->s;
	pick->args = 0;
	if (c->fd >= 0)
		__atomic_store_n(&c->area[0], 0, __ATOMIC_RELAXED);
	/* Its own stream, so that a blind run draws as it always did. */
	g.s = r->s ^ 0x5851f42d4c957f2dULL;
	if (c->fd < 0 || !fz->guide || !c->nr_corpus ||
	    !chance(&g, FZ_GUIDED_PCT))
		return fz_pick_op(fz, r);

	e = &c->corpus[below(&g, c->nr_corpus)];
	c->guided++;
	k.s = e->kind;
	op = fz_pick_op(fz, &k);
	if (chance(&g, 50)) {
		fz_note(fz, "corpus entry %td, replayed", e - c->corpus);
		*r = k;
		if (e->args)
			r->s = e->args;
		pick->kind = 0;
	} else {
		fz_note(fz, "corpus entry %td, new arguments", e - c->corpus);
		pick->kind = e->kind;
		pick->args = r->s;
	}
	return op;
}

/*
 * Types
 */

static struct fz_type fz_types[16];
static unsigned int fz_nr_types;

static void fz_add_type(enum fz_kind kind, const char *dir, const char *fmt,
			const char *name, unsigned int ports)
{
	struct fz_type *t = &fz_types[fz_nr_types++];

	snprintf(t->name, sizeof(t->name), fmt, name);
	t->kind = kind;
	t->dir = dir;
	t->ports = ports;
}

static void fz_list_types(void)
{
	unsigned int i;

	fz_add_type(FZ_MTTY, MTTY_TYPES, "mtty-%s", "1", 1);
	fz_add_type(FZ_MTTY, MTTY_TYPES, "mtty-%s", "2", 2);
	for (i = 0; i < sizeof(mdpy_modes) / sizeof(mdpy_modes[0]); i++)
		fz_add_type(FZ_MDPY, MDPY_PARENT, "%s", mdpy_modes[i].type, 0);
	for (i = 0; i < IAV_NR_TYPES; i++)
		fz_add_type(FZ_IAV, iav_types_dir(), "ims_accel-%s",
			    iav_types[i].name, 0);
}

static const char *fz_sibling_type(struct fz *fz, struct rng *r,
				   char *buf, size_t len)
{
	unsigned int i, n = 0, pick[16];

	for (i = 0; i < fz_nr_types; i++)
		if (fz_types[i].kind == fz->type->kind)
			pick[n++] = i;
	snprintf(buf, len, "%s", fz_types[pick[below(r, n)]].name);
	return buf;
}

/*
 * One type, in a child
 */

static int fz_setup(struct fz *fz)
{
	unsigned int i;
	int fd;

	fz->scratch = mmap(NULL, FZ_SCRATCH + FZ_PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fz->stage = mmap(NULL, FZ_SCRATCH, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fz->scratch == MAP_FAILED || fz->stage == MAP_FAILED ||
	    mprotect(fz->scratch + FZ_SCRATCH, FZ_PAGE, PROT_NONE))
		return -errno;
	fz->null_fd = open("/dev/null", O_RDWR);
	/* High, so that no fd the run opens takes its number. */
	for (fd = 999; fd > 3 && fcntl(fd, F_GETFD) >= 0; fd--)
		;
	fz->bad_fd = fd;
	for (i = 0; i < FZ_EFDS; i++)
		fz->efd[i] = efd_new();
	for (i = 0; i < FZ_DATA_FDS; i++)
		fz->data[i].fd = -1;
	fz->dev.fd = fz->dev.group = fz->dev.container = -1;
	for (i = 0; i < FZ_SIBS; i++)
		fz->sibdev[i].fd = fz->sibdev[i].group =
			fz->sibdev[i].container = -1;
	return 0;
}

/* After the operations: the device answers, closes, goes; nothing leaks. */
static void fz_finish(struct fz *fz)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	unsigned int i;
	uint32_t v;
	int ret;

	fz->op = fz->ops;
	fz_note(fz, "final checks");
	if (fz->dev.fd >= 0) {
		if (ioctl(fz->dev.fd, VFIO_DEVICE_GET_INFO, &info))
			fz_fail(fz, "GET_INFO after the run: %s", strerror(errno));
		if (fz_cfg_read(fz, PCI_VENDOR_ID, 2, &v))
			fz_fail(fz, "config read after the run: %s",
				strerror(errno));
	}
	fz_close_dev(fz);
	for (i = 0; i < FZ_SIBS; i++)
		vfio_dev_close(&fz->sibdev[i]);
	fz_check_eventfds(fz, "after the run");
	if (fz->uuid[0]) {
		ret = fz_remove(fz, fz->uuid);
		if (ret)
			fz_fail(fz, "cannot remove %s after the run: %s",
				fz->uuid, strerror(-ret));
	}
	for (i = 0; i < FZ_SIBS; i++) {
		if (!fz->sib[i][0])
			continue;
		ret = fz_remove(fz, fz->sib[i]);
		if (ret)
			fz_fail(fz, "cannot remove sibling %s: %s", fz->sib[i],
				strerror(-ret));
	}
	ret = mdev_available(fz->type->dir, fz->type->name);
	if (ret != fz->avail)
		fz_fail(fz, "available_instances %d after the run, %d before",
			ret, fz->avail);
	for (i = 0; i < FZ_EFDS; i++)
		close(fz->efd[i]);
}

static int fz_child(struct fz *fz)
{
	double t0 = now_secs(), next_report = t0 + 60;
	struct fz_pick pick;
	unsigned long done;
	struct rng r;
	int ret;

	signal(SIGPIPE, SIG_IGN);
	if (fz_setup(fz)) {
		printf("# %s: no memory for the buffers\n", fz->type->name);
		return 1;
	}
	fz_klog_open(fz);
	fz_cov_open(fz);
	fz->avail = mdev_available(fz->type->dir, fz->type->name);
	fz->baseline = frontend_held_eventfds();
	if (fz->baseline < 0) {
		printf("# %s: cannot read the frontend's eventfd count: %s\n",
		       fz->type->name, strerror(-fz->baseline));
		return 1;
	}
	ret = fz_create(fz, fz->type->name, fz->uuid);
	if (ret) {
		printf("# %s: cannot create an instance: %s\n", fz->type->name,
		       strerror(-ret));
		return 1;
	}
	if (fz_open_dev(fz))
		goto out;

	for (fz->op = 0; fz->op < fz->ops && !fz->failed; fz->op++) {
		const struct fz_op *op;
		double t1 = now_secs();

		fz->sh->op = fz->op;
		op = fz_draw(fz, &r, &pick);
		/* A lost instance (a failed create) only fails; no more ops. */
		if (fz->dev.fd < 0)
			break;
		op->fn(fz, &r);
		fz_cov_collect(fz, pick.kind ? &pick : NULL);
		fz_klog_check(fz);
		fz_stat[op - fz_ops].n++;
		fz_stat[op - fz_ops].secs += now_secs() - t1;
		if (fz->deadline && now_secs() > fz->deadline) {
			printf("# %s: out of time after %lu of %lu ops\n",
			       fz->type->name, fz->op + 1, fz->ops);
			fz->op++;
			break;
		}
		if (now_secs() > next_report) {
			printf("# %s: %lu of %lu ops, %.0f s\n", fz->type->name,
			       fz->op + 1, fz->ops, now_secs() - t0);
			next_report += 60;
		}
	}
	if (!fz->failed && fz->op < fz->ops && fz->dev.fd < 0)
		fz_fail(fz, "the instance was lost");
out:
	done = fz->op;
	fz_finish(fz);
	fz_klog_check(fz);
	printf("# %s: %lu ops in %.1f s\n", fz->type->name, done,
	       now_secs() - t0);
	if (fz->cov.fd < 0)
		printf("# %s: blind, no coverage (no KCOV in this kernel)\n",
		       fz->type->name);
	else if (fz->guide)
		printf("# %s: coverage: %lu PCs in the project's modules, %lu ops found new ones, %u in the corpus, %lu ops drawn from it\n",
		       fz->type->name, fz->cov.nr_pcs, fz->cov.found,
		       fz->cov.nr_corpus, fz->cov.guided);
	else
		printf("# %s: coverage: %lu PCs in the project's modules, blind (FUZZ_GUIDE=0)\n",
		       fz->type->name, fz->cov.nr_pcs);
	if (fz->stats) {
		unsigned int i;

		for (i = 0; i < FZ_NR_OPS; i++)
			if (fz_stat[i].n)
				printf("#   %-12s %7lu ops %8.3f s\n", fz_ops[i].name,
				       fz_stat[i].n, fz_stat[i].secs);
		printf("#   SET_IRQS accepted: %lu\n", fz->set_irqs_ok);
	}
	return fz->failed;
}

/* Remove what a dead child left; the parent's view of its uuids. */
static void fz_cleanup_after(struct fz_shared *sh)
{
	unsigned int i;

	for (i = 0; i < 1 + FZ_SIBS; i++)
		if (sh->uuid[i][0] && mdev_exists(sh->uuid[i]))
			mdev_remove(sh->uuid[i]);
}

/* What the command line asked for, the same for every type. */
struct fz_opts {
	uint64_t seed;
	unsigned long ops;
	int trace;		/* 1: to stdout, 2: to the kernel log */
	int stats, guide;
	const char *only;
	unsigned int stall;
};

static int fz_run_type(const struct fz_type *t, const struct fz_opts *o,
		       double deadline)
{
	struct fz_shared *sh;
	unsigned long last_op;
	double last_move;
	int status, ret = 1;
	struct fz *fz;
	pid_t pid, w;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fz = calloc(1, sizeof(*fz));
	if (sh == MAP_FAILED || !fz) {
		printf("# %s: out of memory\n", t->name);
		return 1;
	}
	fz->type = t;
	fz->seed = o->seed;
	fz->type_seed = o->seed ^ fnv1a(t->name);
	fz->ops = o->ops;
	fz->trace = o->trace == 1;
	fz->kmsg = o->trace == 2;
	fz->stats = o->stats;
	fz->guide = o->guide;
	fz->only = o->only;
	fz->deadline = deadline;
	fz->sh = sh;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("# %s: fork: %s\n", t->name, strerror(errno));
		return 1;
	}
	if (!pid) {
		/* A parent killed by the runner takes its child along. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		ret = fz_child(fz);
		fflush(stdout);
		_exit(ret);
	}

	last_op = sh->op;
	last_move = now_secs();
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (sh->op != last_op) {
			last_op = sh->op;
			last_move = now_secs();
		} else if (now_secs() - last_move > o->stall) {
			printf("# %s seed=%" PRIu64 ": op %lu made no progress in %u s: a hang\n",
			       t->name, o->seed, sh->op, o->stall);
			fz_print_ring(sh, t->name);
			kill(pid, SIGKILL);
			/* A task stuck in the kernel cannot be reaped. */
			sleep_ms(2000);
			if (waitpid(pid, &status, WNOHANG) != pid)
				printf("# %s: the child does not die; left behind\n",
				       t->name);
			goto out;
		}
		sleep_ms(50);
	}
	if (WIFEXITED(status)) {
		ret = WEXITSTATUS(status);
		if (ret)
			fz_print_ring(sh, t->name);
	} else {
		printf("# %s seed=%" PRIu64 ": the child died of signal %d at op %lu\n",
		       t->name, o->seed, WTERMSIG(status), sh->op);
		fz_print_ring(sh, t->name);
	}
	fz_cleanup_after(sh);
out:
	free(fz);
	return ret;
}

/*
 * Main
 */

static const char *fz_env(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

static void fz_usage(void)
{
	printf("usage: vfio [--seed N|random] [--ops N] [--type T[,T...]] [--trace|--kmsg] [--stats] [--blind] [--only OP[,OP...]] [--stall S] [--time S] [--list]\n");
}

/* Types a parent lists that this test does not know: they go unfuzzed. */
static int fz_unknown_types(const char *dir, const char *prefix)
{
	char path[PATH_MAX];
	struct dirent *e;
	unsigned int i;
	int unknown = 0, known;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, prefix,
						   strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "%s/%s/create", dir, e->d_name);
		if (!sysfs_exists(path))
			continue;
		for (known = 0, i = 0; i < fz_nr_types; i++)
			known |= !strcmp(fz_types[i].name, e->d_name);
		if (!known) {
			printf("# %s: a type this test does not know\n",
			       e->d_name);
			unknown = 1;
		}
	}
	closedir(d);
	return unknown;
}

int main(int argc, char **argv)
{
	const char *seed_arg = fz_env("FUZZ_SEED", NULL);
	const char *ops_arg = fz_env("FUZZ_OPS", NULL);
	const char *types = fz_env("FUZZ_TYPES", NULL);
	const char *trace_arg = fz_env("FUZZ_TRACE", "0");
	struct fz_opts o = {
		.seed = FUZZ_SEED_DEFAULT,
		.ops = FUZZ_OPS_DEFAULT,
		.stats = atoi(fz_env("FUZZ_STATS", "0")),
		.guide = atoi(fz_env("FUZZ_GUIDE", "1")),
		.only = fz_env("FUZZ_ONLY", NULL),
		.stall = atoi(fz_env("FUZZ_STALL", "0")),
	};
	unsigned int i, planned = 0;
	int list = 0, iav, unknown;
	const char *time_arg = fz_env("FUZZ_TIME", NULL);
	double t_start = now_secs(), budget;
	unsigned int left;
	char why[128];

	for (i = 1; i < (unsigned int)argc; i++) {
		const char *a = argv[i], *v = i + 1 < (unsigned int)argc ?
					       argv[i + 1] : NULL;

		if (!strcmp(a, "--seed") && v)
			seed_arg = v, i++;
		else if (!strcmp(a, "--ops") && v)
			ops_arg = v, i++;
		else if (!strcmp(a, "--type") && v)
			types = v, i++;
		else if (!strcmp(a, "--stall") && v)
			o.stall = atoi(v), i++;
		else if (!strcmp(a, "--time") && v)
			time_arg = v, i++;
		else if (!strcmp(a, "--only") && v)
			o.only = v, i++;
		else if (!strcmp(a, "--trace"))
			trace_arg = "1";
		else if (!strcmp(a, "--kmsg"))
			trace_arg = "kmsg";
		else if (!strcmp(a, "--list"))
			list = 1;
		else if (!strcmp(a, "--stats"))
			o.stats = 1;
		else if (!strcmp(a, "--blind"))
			o.guide = 0;
		else {
			fz_usage();
			return 2;
		}
	}
	if (seed_arg && !strcmp(seed_arg, "random")) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		o.seed = ((uint64_t)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec ^
			  (uint64_t)getpid() << 32) % 1000000000000ULL;
	} else if (seed_arg) {
		o.seed = strtoull(seed_arg, NULL, 0);
	}
	if (ops_arg)
		o.ops = strtoul(ops_arg, NULL, 0);
	/* make check's slice is bounded in time; an asked-for count is not. */
	budget = time_arg ? atof(time_arg) : ops_arg ? 0 : FUZZ_TIME_DEFAULT;
	o.trace = !strcmp(trace_arg, "kmsg") ? 2 : atoi(trace_arg) ? 1 : 0;
	if (!o.stall)
		o.stall = FUZZ_STALL_DEFAULT;

	iav = iav_find_pf() != NULL;
	fz_list_types();
	if (list) {
		for (i = 0; i < fz_nr_types; i++)
			printf("%s\n", fz_types[i].name);
		return 0;
	}
	for (i = 0; i < fz_nr_types; i++)
		planned += fz_selected(types, fz_types[i].name);

	ksft_print_header();
	ksft_set_plan(planned);
	ksft_print_msg("seed=%" PRIu64 " ops=%lu per type; replay one in make shell: /mdev-ims/tests/fuzz/vfio --seed %" PRIu64 " --ops %lu --type <type> --trace%s\n",
		       o.seed, o.ops, o.seed, o.ops, o.guide ? "" : " --blind");

	modprobe("vfio_iommu_type1", NULL);
	modprobe("mtty", NULL);
	if (mdpy_load())
		ksft_print_msg("cannot load mdpy\n");
	if (iav && iav_setup(why, sizeof(why)))
		ksft_print_msg("%s\n", why);

	left = planned;
	for (i = 0; i < fz_nr_types; i++) {
		const struct fz_type *t = &fz_types[i];
		double t0 = now_secs(), deadline = 0;
		int ret;

		if (!fz_selected(types, t->name))
			continue;
		/* What is left of the budget, shared by the types left. */
		if (budget > 0)
			deadline = t0 + (t_start + budget - t0) / left;
		left--;
		if (t->kind == FZ_IAV && !iav) {
			ksft_test_result_fail("%s seed=%" PRIu64 " ops=%lu # no ims-accel function\n",
					      t->name, o.seed, o.ops);
			continue;
		}
		ret = fz_run_type(t, &o, deadline);
		ksft_print_msg("%s: %.1f s\n", t->name, now_secs() - t0);
		ksft_test_result(!ret, "%s seed=%" PRIu64 " ops=%lu\n", t->name,
				 o.seed, o.ops);
	}

	/* Every type of every parent: one unknown here is one unfuzzed. */
	unknown = fz_unknown_types(MTTY_TYPES, "mtty-") |
		  fz_unknown_types(MDPY_PARENT, "mdpy-") |
		  (iav ? fz_unknown_types(iav_types_dir(), "ims_accel-") : 0);
	if (unknown)
		ksft_exit_fail_msg("the parents list types this test does not fuzz\n");
	ksft_finished();
}
