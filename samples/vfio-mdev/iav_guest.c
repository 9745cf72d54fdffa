// SPDX-License-Identifier: GPL-2.0-only
/*
 * iav_guest: guest driver for a mediated ims-accel instance (PCI 1b36:00f1)
 *
 * Runs descriptors through the instance's portals and counts the
 * interrupts of every MSI-X vector, so that a test in the guest can check
 * that each descriptor asking for an interrupt raised exactly one, on the
 * vector it named. Each device gets a debugfs directory
 * /sys/kernel/debug/iav_guest/<bdf>/ with:
 *
 *   info    the instance's geometry
 *   submit  write "<vector> <count> <op> [<queue>]": run <count>
 *           descriptors of <op> (nop, fill, copy, crc32c, badop,
 *           badhandle) on <queue>, each asking for an interrupt on
 *           <vector> (0: none), each checked before the next is rung
 *   counts  interrupts per vector and descriptor outcomes; write 0 to
 *           zero them while nothing is being submitted
 *
 * Documentation/driver-api/ims-accel-instance.rst describes the device
 * and this driver.
 */
#include <linux/atomic.h>
#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include <uapi/linux/ims_accel.h>

#include "../../drivers/vfio/mdev/ims_accel/iav_regs.h"

#define IAVG_NAME		"iav_guest"

/*
 * A queue's window holds, for the one descriptor in flight on it, the
 * completion record at offset 0, then a source and a destination buffer
 * of data_len bytes each: a quarter of the window, at most 4 KiB.
 */
#define IAVG_COMP_OFF		0
#define IAVG_SRC_OFF(len)	(len)
#define IAVG_DST_OFF(len)	(2 * (len))
#define IAVG_MAX_DATA_LEN	SZ_4K

/* An opcode the device does not have, for the badop operation. */
#define IAVG_BAD_OPCODE		0xff

/* Any value written to DOORBELL queues the staged descriptor. */
#define IAVG_DOORBELL_RING	1

/* Byte position of a descriptor field inside its 32-bit word. */
#define IAVG_FIELD_SHIFT(off)	(8 * ((off) % 4))

/* How often to read COMPLETED when no interrupt tells us. */
#define IAVG_POLL_US		100

/* Bound on one write to submit, so that it ends in reasonable time. */
#define IAVG_MAX_COUNT		1000000
/* Longest command submit takes, "<vector> <count> <op> [<queue>]" */
#define IAVG_CMD_MAX		64

static unsigned int timeout_ms = 5000;
module_param(timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms,
		 "How long to wait for a descriptor's completion, interrupt or event (default 5000)");

static struct dentry *iavg_debugfs_root;

/* Vector 0's lock is taken before a completion vector's: its own class. */
static struct lock_class_key iavg_event_lock_key;

/**
 * enum iavg_op - what the descriptors written to submit do
 * @IAVG_OP_NOP: nothing, completion record only
 * @IAVG_OP_FILL: fill the destination with a random 8-byte pattern
 * @IAVG_OP_COPY: copy random bytes from the source to the destination
 * @IAVG_OP_CRC32C: CRC32C of random bytes, checked against __crc32c_le()
 * @IAVG_OP_BADOP: an unknown opcode: status BAD_OPCODE and a queue error
 *	event on vector 0, besides the completion interrupt if one is asked
 * @IAVG_OP_BADHANDLE: a NOP asking for an interrupt on a handle past the
 *	instance's vectors: status BAD_HANDLE, no completion interrupt and a
 *	queue error event on vector 0
 * @IAVG_NR_OPS: number of operations
 */
enum iavg_op {
	IAVG_OP_NOP,
	IAVG_OP_FILL,
	IAVG_OP_COPY,
	IAVG_OP_CRC32C,
	IAVG_OP_BADOP,
	IAVG_OP_BADHANDLE,
	IAVG_NR_OPS,
};

static const char * const iavg_op_names[IAVG_NR_OPS] = {
	[IAVG_OP_NOP]		= "nop",
	[IAVG_OP_FILL]		= "fill",
	[IAVG_OP_COPY]		= "copy",
	[IAVG_OP_CRC32C]	= "crc32c",
	[IAVG_OP_BADOP]		= "badop",
	[IAVG_OP_BADHANDLE]	= "badhandle",
};

struct iavg_dev;

/**
 * struct iavg_vector - one MSI-X vector of the instance
 * @idev: the device
 * @irqs: interrupts its handler took
 * @wait: woken by the handler
 * @lock: held by the submitter of the one descriptor that may be waiting
 *	for this vector, so that two messages never merge and every one
 *	is counted
 */
struct iavg_vector {
	struct iavg_dev *idev;
	atomic64_t irqs;
	wait_queue_head_t wait;
	struct mutex lock; /* one waiting descriptor, see @lock above */
};

/**
 * struct iavg_wq - one work queue of the instance
 * @nr: the queue's number in the instance
 * @portal: its submission portal, in BAR2
 * @window: its local memory window, in BAR4
 * @want: the data a descriptor is expected to leave or compute over
 * @got: what the device left in the window
 * @lock: serialises the staged descriptor in the portal, the window and
 *	the buffers; held while the queue's one descriptor is in flight
 */
struct iavg_wq {
	unsigned int nr;
	void __iomem *portal;
	void __iomem *window;
	u8 *want;
	u8 *got;
	struct mutex lock; /* portal, window and buffers, see @lock above */
};

/**
 * struct iavg_dev - a bound instance
 * @pdev: the PCI device
 * @ctrl: BAR0, the control page
 * @nr_wqs: queues of the instance
 * @nr_vectors: completion vectors (MSI-X 1..m)
 * @sram_size: bytes of local memory per queue
 * @wq_depth: descriptors a queue holds
 * @data_len: bytes a FILL, COPY or CRC32C works on
 * @wqs: the queues
 * @vecs: the vectors, 0..m
 * @seq: last sequence number given to a descriptor
 * @events: WQ_ERROR events the vector 0 handler found and acknowledged
 * @err_wq: ERR_WQ as the vector 0 handler last read it
 * @submitted: descriptors rung
 * @completed: descriptors that completed as expected
 * @failed: descriptors that completed otherwise
 * @timeouts: descriptors whose completion, interrupt or event never came
 * @busy: held shared by each write to submit and exclusively to zero the
 *	counts, so that a count is never zeroed under a running submission
 * @gone: the device is being removed; submissions stop
 * @debugfs: the device's debugfs directory
 */
struct iavg_dev {
	struct pci_dev *pdev;
	void __iomem *ctrl;
	u32 nr_wqs;
	u32 nr_vectors;
	u32 sram_size;
	u32 wq_depth;
	u32 data_len;
	struct iavg_wq *wqs;
	struct iavg_vector *vecs;
	atomic_t seq;
	atomic64_t events;
	u32 err_wq;
	atomic64_t submitted;
	atomic64_t completed;
	atomic64_t failed;
	atomic64_t timeouts;
	struct rw_semaphore busy; /* submissions against zeroing counts */
	bool gone;
	struct dentry *debugfs;
};

/**
 * struct iavg_job - one descriptor and what it must produce
 * @op: the operation
 * @vector: the completion vector it asks for, 0 for none
 * @wq: the queue it runs on
 * @seq: its sequence number, echoed in the completion record
 * @opcode: descriptor opcode
 * @flags: descriptor flags
 * @handle: descriptor int_handle
 * @pattern: FILL pattern
 * @src: source offset in the window
 * @dst: destination offset in the window
 * @len: bytes to work on
 * @want_status: the completion status it must end with
 * @want_bytes: the bytes processed the record must show
 * @want_result: the CRC32C the record must show
 */
struct iavg_job {
	enum iavg_op op;
	unsigned int vector;
	unsigned int wq;
	u32 seq;
	u8 opcode;
	u8 flags;
	u16 handle;
	u64 pattern;
	u32 src;
	u32 dst;
	u32 len;
	u8 want_status;
	u32 want_bytes;
	u32 want_result;
};

/* The descriptors of @op complete with an error and raise vector 0. */
static bool iavg_op_is_error(enum iavg_op op)
{
	return op == IAVG_OP_BADOP || op == IAVG_OP_BADHANDLE;
}

/*
 * Interrupts
 */

static irqreturn_t iavg_completion_irq(int irq, void *data)
{
	struct iavg_vector *vec = data;

	atomic64_inc(&vec->irqs);
	wake_up(&vec->wait);
	return IRQ_HANDLED;
}

static irqreturn_t iavg_event_irq(int irq, void *data)
{
	struct iavg_vector *vec = data;
	struct iavg_dev *idev = vec->idev;
	u32 cause;

	/*
	 * A cause acknowledged by an earlier run of this handler may leave
	 * a later raise with nothing to find; it still counts as a vector 0
	 * interrupt, and MSI-X is never shared, so it is ours.
	 */
	cause = readl(idev->ctrl + IAV_REG_EVT_CAUSE);
	if (cause & IAV_EVT_WQ_ERROR) {
		WRITE_ONCE(idev->err_wq, readl(idev->ctrl + IAV_REG_ERR_WQ));
		writel(cause, idev->ctrl + IAV_REG_EVT_CAUSE);
		atomic64_inc(&idev->events);
	}
	/* Order @err_wq and @events before the count a submitter waits on */
	smp_mb__before_atomic();
	atomic64_inc(&vec->irqs);
	wake_up(&vec->wait);
	return IRQ_HANDLED;
}

/* Wait until @vec took an interrupt after its count was @base. */
static int iavg_wait_irq(struct iavg_vector *vec, s64 base)
{
	long left;

	left = wait_event_timeout(vec->wait,
				  atomic64_read(&vec->irqs) != base,
				  msecs_to_jiffies(READ_ONCE(timeout_ms)));
	/* Pairs with smp_mb__before_atomic() in iavg_event_irq() */
	smp_rmb();
	return left ? 0 : -ETIMEDOUT;
}

/*
 * Descriptors
 */

static void iavg_wq_reset(struct iavg_dev *idev, struct iavg_wq *wq)
{
	writel(IAV_WQ_CTRL_RESET | IAV_WQ_CTRL_ENABLE,
	       idev->ctrl + IAV_WQ_REGS(wq->nr) + IAV_WQ_CTRL);
}

static u32 iavg_wq_completed(struct iavg_wq *wq)
{
	return readl(wq->portal + IMS_ACCEL_PORTAL_COMPLETED);
}

/* Fill in @job's descriptor and put its input data in the window. */
static void iavg_prepare(struct iavg_dev *idev, struct iavg_wq *wq,
			 struct iavg_job *job)
{
	u32 len = idev->data_len;
	u32 i;

	lockdep_assert_held(&wq->lock);

	job->seq = atomic_inc_return(&idev->seq);
	job->opcode = IMS_ACCEL_OP_NOP;
	job->flags = IMS_ACCEL_DESC_F_RECORD;
	job->handle = 0;
	job->pattern = 0;
	job->src = 0;
	job->dst = 0;
	job->len = 0;
	job->want_status = IMS_ACCEL_STATUS_SUCCESS;
	job->want_bytes = 0;
	job->want_result = 0;
	if (job->vector) {
		job->flags |= IMS_ACCEL_DESC_F_INTERRUPT;
		job->handle = job->vector - 1;
	}

	switch (job->op) {
	case IAVG_OP_NOP:
		break;
	case IAVG_OP_FILL:
		job->opcode = IMS_ACCEL_OP_FILL;
		job->pattern = get_random_u64();
		job->dst = IAVG_DST_OFF(len);
		job->len = len;
		job->want_bytes = len;
		for (i = 0; i < len; i++)
			wq->want[i] = job->pattern >> (8 * (i % sizeof(u64)));
		break;
	case IAVG_OP_COPY:
	case IAVG_OP_CRC32C:
		/* Fresh data each time: a stale result cannot pass. */
		get_random_bytes(wq->want, len);
		job->src = IAVG_SRC_OFF(len);
		memcpy_toio(wq->window + job->src, wq->want, len);
		job->len = len;
		job->want_bytes = len;
		if (job->op == IAVG_OP_COPY) {
			job->opcode = IMS_ACCEL_OP_COPY;
			job->dst = IAVG_DST_OFF(len);
		} else {
			job->opcode = IMS_ACCEL_OP_CRC32C;
			/* Castagnoli, initial ~0 and final xor ~0 */
			job->want_result = ~__crc32c_le(~0U, wq->want, len);
		}
		break;
	case IAVG_OP_BADOP:
		job->opcode = IAVG_BAD_OPCODE;
		job->want_status = IMS_ACCEL_STATUS_BAD_OPCODE;
		break;
	case IAVG_OP_BADHANDLE:
		job->flags |= IMS_ACCEL_DESC_F_INTERRUPT;
		job->handle = idev->nr_vectors;
		job->want_status = IMS_ACCEL_STATUS_BAD_HANDLE;
		break;
	case IAVG_NR_OPS:
		break;
	}
	/* A record the device did not write reads as status 0. */
	memset_io(wq->window + IAVG_COMP_OFF, 0, IMS_ACCEL_COMP_SIZE);
}

/* Stage @job's descriptor in the portal, 4 bytes at a time, and ring. */
static void iavg_ring(struct iavg_wq *wq, const struct iavg_job *job)
{
	u32 desc[IMS_ACCEL_DESC_SIZE / 4] = { };
	unsigned int i;

	desc[IMS_ACCEL_DESC_OPCODE / 4] =
		(u32)job->opcode << IAVG_FIELD_SHIFT(IMS_ACCEL_DESC_OPCODE) |
		(u32)job->flags << IAVG_FIELD_SHIFT(IMS_ACCEL_DESC_FLAGS) |
		(u32)job->handle << IAVG_FIELD_SHIFT(IMS_ACCEL_DESC_INT_HANDLE);
	desc[IMS_ACCEL_DESC_SEQ / 4] = job->seq;
	desc[IMS_ACCEL_DESC_PATTERN / 4] = lower_32_bits(job->pattern);
	desc[IMS_ACCEL_DESC_PATTERN / 4 + 1] = upper_32_bits(job->pattern);
	desc[IMS_ACCEL_DESC_SRC / 4] = job->src;
	desc[IMS_ACCEL_DESC_DST / 4] = job->dst;
	desc[IMS_ACCEL_DESC_LEN / 4] = job->len;
	desc[IMS_ACCEL_DESC_COMP / 4] = IAVG_COMP_OFF;

	/* The portal keeps what was staged last: write all of it. */
	for (i = 0; i < ARRAY_SIZE(desc); i++)
		writel(desc[i], wq->portal + IMS_ACCEL_PORTAL_DESC + 4 * i);
	writel(IAVG_DOORBELL_RING, wq->portal + IMS_ACCEL_PORTAL_DOORBELL);
}

static unsigned int iavg_first_diff(const u8 *a, const u8 *b, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			break;
	return i;
}

/* Check the completion record and the data @job left; 0 or -EIO. */
static int iavg_check(struct iavg_dev *idev, struct iavg_wq *wq,
		      const struct iavg_job *job, u32 done_base,
		      s64 events_base)
{
	void __iomem *rec = wq->window + IAVG_COMP_OFF;
	struct pci_dev *pdev = idev->pdev;
	u8 status, opcode;
	u32 seq, result, bytes, done, diff;

	done = iavg_wq_completed(wq) - done_base;
	status = readb(rec + IMS_ACCEL_COMP_STATUS);
	opcode = readb(rec + IMS_ACCEL_COMP_OPCODE);
	seq = readl(rec + IMS_ACCEL_COMP_SEQ);
	result = readl(rec + IMS_ACCEL_COMP_RESULT);
	bytes = readl(rec + IMS_ACCEL_COMP_BYTES);

	if (done != 1 || status != job->want_status ||
	    opcode != job->opcode || seq != job->seq ||
	    bytes != job->want_bytes) {
		pci_err(pdev,
			"queue %u seq %u (%s): completed +%u, record status %#x opcode %#x seq %u bytes %u; want +1, %#x %#x %u %u\n",
			wq->nr, job->seq, iavg_op_names[job->op], done, status,
			opcode, seq, bytes, job->want_status, job->opcode,
			job->seq, job->want_bytes);
		return -EIO;
	}

	switch (job->op) {
	case IAVG_OP_FILL:
	case IAVG_OP_COPY:
		memcpy_fromio(wq->got, wq->window + job->dst, job->len);
		diff = iavg_first_diff(wq->want, wq->got, job->len);
		if (diff < job->len) {
			pci_err(pdev,
				"queue %u seq %u (%s): byte %u is %#x, want %#x\n",
				wq->nr, job->seq, iavg_op_names[job->op], diff,
				wq->got[diff], wq->want[diff]);
			return -EIO;
		}
		break;
	case IAVG_OP_CRC32C:
		if (result != job->want_result) {
			pci_err(pdev, "queue %u seq %u: crc32c %#010x, want %#010x\n",
				wq->nr, job->seq, result, job->want_result);
			return -EIO;
		}
		break;
	case IAVG_OP_BADOP:
	case IAVG_OP_BADHANDLE:
		if (atomic64_read(&idev->events) - events_base != 1 ||
		    READ_ONCE(idev->err_wq) != wq->nr) {
			pci_err(pdev,
				"queue %u seq %u (%s): %lld events, ERR_WQ %u; want 1 event, ERR_WQ %u\n",
				wq->nr, job->seq, iavg_op_names[job->op],
				atomic64_read(&idev->events) - events_base,
				READ_ONCE(idev->err_wq), wq->nr);
			return -EIO;
		}
		break;
	default:
		break;
	}
	return 0;
}

/*
 * Run @job on its queue and wait for everything it must raise: its
 * completion interrupt (or, asking for none, its COMPLETED count) and,
 * for an error, the event on vector 0. @vec and @event are the vectors
 * whose locks the caller holds, or NULL.
 */
static int iavg_execute(struct iavg_dev *idev, struct iavg_wq *wq,
			struct iavg_vector *vec, struct iavg_vector *event,
			struct iavg_job *job)
{
	s64 irqs_base = vec ? atomic64_read(&vec->irqs) : 0;
	s64 event_base = event ? atomic64_read(&event->irqs) : 0;
	s64 events_base = atomic64_read(&idev->events);
	u32 done_base = iavg_wq_completed(wq);
	const char *awaited;
	u32 done;
	int ret;

	iavg_prepare(idev, wq, job);
	iavg_ring(wq, job);
	atomic64_inc(&idev->submitted);

	if (vec) {
		awaited = "completion interrupt";
		ret = iavg_wait_irq(vec, irqs_base);
	} else {
		awaited = "completion";
		ret = read_poll_timeout(iavg_wq_completed, done,
					done != done_base, IAVG_POLL_US,
					READ_ONCE(timeout_ms) * USEC_PER_MSEC,
					false, wq);
	}
	if (!ret && event) {
		awaited = "queue error event";
		ret = iavg_wait_irq(event, event_base);
	}
	if (ret) {
		pci_err(idev->pdev, "queue %u seq %u (%s): no %s within %u ms\n",
			wq->nr, job->seq, iavg_op_names[job->op], awaited,
			READ_ONCE(timeout_ms));
		atomic64_inc(&idev->timeouts);
		return ret;
	}
	/* The device wrote the record before it signalled. */
	rmb();
	ret = iavg_check(idev, wq, job, done_base, events_base);
	if (ret) {
		atomic64_inc(&idev->failed);
		return ret;
	}
	atomic64_inc(&idev->completed);
	return 0;
}

/*
 * Run one descriptor with the locks that keep it alone on its queue, on
 * its completion vector and, for an error, on vector 0: lock order is
 * vector 0, then the completion vector, then the queue.
 */
static int iavg_run(struct iavg_dev *idev, struct iavg_job *job)
{
	struct iavg_vector *event = iavg_op_is_error(job->op) ?
				    &idev->vecs[0] : NULL;
	struct iavg_vector *vec = job->vector ? &idev->vecs[job->vector] : NULL;
	struct iavg_wq *wq = &idev->wqs[job->wq];
	int ret;

	if (event) {
		ret = mutex_lock_killable(&event->lock);
		if (ret)
			return ret;
	}
	if (vec) {
		ret = mutex_lock_killable(&vec->lock);
		if (ret)
			goto out_unlock_event;
	}
	ret = mutex_lock_killable(&wq->lock);
	if (ret)
		goto out_unlock_vec;

	ret = iavg_execute(idev, wq, vec, event, job);
	/*
	 * After an error the queue's sticky ERROR must go for the next one
	 * to be an event; after a failure nothing left in it is ours.
	 */
	if (ret || event)
		iavg_wq_reset(idev, wq);

	mutex_unlock(&wq->lock);
out_unlock_vec:
	if (vec)
		mutex_unlock(&vec->lock);
out_unlock_event:
	if (event)
		mutex_unlock(&event->lock);
	return ret;
}

/*
 * debugfs
 */

/* Parse "<vector> <count> <op> [<queue>]" into @job and @count. */
static int iavg_parse(struct iavg_dev *idev, const char *cmd,
		      struct iavg_job *job, unsigned int *count)
{
	unsigned int vector, wq;
	char op[16], extra;
	int n, op_nr;

	n = sscanf(cmd, "%u %u %15s %u %c", &vector, count, op, &wq, &extra);
	if (n != 3 && n != 4)
		return -EINVAL;
	op_nr = match_string(iavg_op_names, IAVG_NR_OPS, op);
	if (op_nr < 0)
		return op_nr;
	if (n == 3)
		wq = vector ? (vector - 1) % idev->nr_wqs : 0;
	if (vector > idev->nr_vectors || wq >= idev->nr_wqs ||
	    !*count || *count > IAVG_MAX_COUNT)
		return -EINVAL;
	/* Its handle is past every vector: it cannot ask for one. */
	if (op_nr == IAVG_OP_BADHANDLE && vector)
		return -EINVAL;

	job->op = op_nr;
	job->vector = vector;
	job->wq = wq;
	return 0;
}

static ssize_t iavg_submit_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	struct iavg_dev *idev = file->private_data;
	char cmd[IAVG_CMD_MAX];
	struct iavg_job job = { };
	unsigned int count, i;
	int ret;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	ret = iavg_parse(idev, cmd, &job, &count);
	if (ret)
		return ret;

	down_read(&idev->busy);
	for (i = 0; i < count; i++) {
		if (READ_ONCE(idev->gone)) {
			ret = -ENODEV;
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = iavg_run(idev, &job);
		if (ret)
			break;
		cond_resched();
	}
	up_read(&idev->busy);
	return ret ? ret : len;
}

static const struct file_operations iavg_submit_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= iavg_submit_write,
	.llseek	= noop_llseek,
};

static int iavg_counts_show(struct seq_file *s, void *unused)
{
	struct iavg_dev *idev = s->private;
	unsigned int v;

	for (v = 0; v <= idev->nr_vectors; v++)
		seq_printf(s, "vector%u %lld\n", v,
			   atomic64_read(&idev->vecs[v].irqs));
	seq_printf(s, "events %lld\n", atomic64_read(&idev->events));
	seq_printf(s, "submitted %lld\n", atomic64_read(&idev->submitted));
	seq_printf(s, "completed %lld\n", atomic64_read(&idev->completed));
	seq_printf(s, "failed %lld\n", atomic64_read(&idev->failed));
	seq_printf(s, "timeouts %lld\n", atomic64_read(&idev->timeouts));
	return 0;
}

static ssize_t iavg_counts_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	struct iavg_dev *idev = ((struct seq_file *)file->private_data)->private;
	unsigned int v, val;
	int ret;

	ret = kstrtouint_from_user(ubuf, len, 0, &val);
	if (ret)
		return ret;
	if (val)
		return -EINVAL;
	if (!down_write_trylock(&idev->busy))
		return -EBUSY;
	for (v = 0; v <= idev->nr_vectors; v++)
		atomic64_set(&idev->vecs[v].irqs, 0);
	atomic64_set(&idev->events, 0);
	atomic64_set(&idev->submitted, 0);
	atomic64_set(&idev->completed, 0);
	atomic64_set(&idev->failed, 0);
	atomic64_set(&idev->timeouts, 0);
	up_write(&idev->busy);
	return len;
}
DEFINE_SHOW_STORE_ATTRIBUTE(iavg_counts);

static int iavg_info_show(struct seq_file *s, void *unused)
{
	struct iavg_dev *idev = s->private;

	seq_printf(s, "wqs %u\n", idev->nr_wqs);
	seq_printf(s, "vectors %u\n", idev->nr_vectors);
	seq_printf(s, "sram %u\n", idev->sram_size);
	seq_printf(s, "depth %u\n", idev->wq_depth);
	seq_printf(s, "len %u\n", idev->data_len);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iavg_info);

static void iavg_debugfs_init(struct iavg_dev *idev)
{
	idev->debugfs = debugfs_create_dir(pci_name(idev->pdev),
					   iavg_debugfs_root);
	debugfs_create_file("info", 0400, idev->debugfs, idev,
			    &iavg_info_fops);
	debugfs_create_file("submit", 0200, idev->debugfs, idev,
			    &iavg_submit_fops);
	debugfs_create_file("counts", 0600, idev->debugfs, idev,
			    &iavg_counts_fops);
}

/*
 * Device setup
 */

/*
 * Map the control page and check the geometry it shows against the BARs;
 * map the portals and the local memory. Sets @portals and @lmem.
 */
static int iavg_map(struct iavg_dev *idev, void __iomem **portals,
		    void __iomem **lmem)
{
	struct pci_dev *pdev = idev->pdev;
	u32 id, version;

	if (pci_resource_len(pdev, IAV_BAR_CTRL) < IAV_CTRL_SIZE)
		return -ENODEV;
	idev->ctrl = pcim_iomap_region(pdev, IAV_BAR_CTRL, IAVG_NAME);
	if (IS_ERR(idev->ctrl))
		return PTR_ERR(idev->ctrl);

	id = readl(idev->ctrl + IAV_REG_ID);
	version = readl(idev->ctrl + IAV_REG_VERSION);
	if (id != IAV_ID_MAGIC || version != IAV_VERSION_1) {
		pci_err(pdev, "not an ims-accel instance: id %#x version %#x\n",
			id, version);
		return -ENODEV;
	}
	idev->nr_wqs = readl(idev->ctrl + IAV_REG_NUM_WQS);
	idev->nr_vectors = readl(idev->ctrl + IAV_REG_NUM_VECTORS);
	idev->wq_depth = readl(idev->ctrl + IAV_REG_WQ_DEPTH);
	idev->sram_size = readl(idev->ctrl + IAV_REG_SRAM_SIZE);
	if (!idev->nr_wqs || idev->nr_wqs > IAV_MAX_WQS ||
	    idev->nr_vectors > IAV_MAX_VECTORS ||
	    !is_power_of_2(idev->sram_size) ||
	    idev->sram_size < IMS_ACCEL_SRAM_MIN ||
	    idev->sram_size > IMS_ACCEL_SRAM_MAX) {
		pci_err(pdev, "bad geometry: %u queues, %u vectors, %u bytes per window\n",
			idev->nr_wqs, idev->nr_vectors, idev->sram_size);
		return -ENODEV;
	}
	idev->data_len = min_t(u32, idev->sram_size / 4, IAVG_MAX_DATA_LEN);

	/* BAR2: the portals, then the page of the MSI-X table and PBA */
	if (pci_resource_len(pdev, IAV_BAR_PORTAL) <
	    (idev->nr_wqs + 1) * IAV_PAGE_SIZE ||
	    pci_resource_len(pdev, IAV_BAR_LMEM) <
	    (u64)idev->nr_wqs * idev->sram_size) {
		pci_err(pdev, "BARs too small for %u queues\n", idev->nr_wqs);
		return -ENODEV;
	}
	*portals = pcim_iomap_region(pdev, IAV_BAR_PORTAL, IAVG_NAME);
	if (IS_ERR(*portals))
		return PTR_ERR(*portals);
	*lmem = pcim_iomap_region(pdev, IAV_BAR_LMEM, IAVG_NAME);
	if (IS_ERR(*lmem))
		return PTR_ERR(*lmem);
	return 0;
}

/* The queues and vectors, with their buffers, locks and wait queues. */
static int iavg_init_state(struct iavg_dev *idev, void __iomem *portals,
			   void __iomem *lmem)
{
	struct device *dev = &idev->pdev->dev;
	unsigned int i;

	idev->wqs = devm_kcalloc(dev, idev->nr_wqs, sizeof(*idev->wqs),
				 GFP_KERNEL);
	idev->vecs = devm_kcalloc(dev, idev->nr_vectors + 1,
				  sizeof(*idev->vecs), GFP_KERNEL);
	if (!idev->wqs || !idev->vecs)
		return -ENOMEM;

	for (i = 0; i < idev->nr_wqs; i++) {
		struct iavg_wq *wq = &idev->wqs[i];

		wq->nr = i;
		wq->portal = portals + i * IAV_PAGE_SIZE;
		wq->window = lmem + i * idev->sram_size;
		wq->want = devm_kmalloc(dev, idev->data_len, GFP_KERNEL);
		wq->got = devm_kmalloc(dev, idev->data_len, GFP_KERNEL);
		if (!wq->want || !wq->got)
			return -ENOMEM;
	}
	/* Nothing can fail from here: the locks need no unwinding above. */
	for (i = 0; i < idev->nr_wqs; i++)
		mutex_init(&idev->wqs[i].lock);
	for (i = 0; i <= idev->nr_vectors; i++) {
		struct iavg_vector *vec = &idev->vecs[i];

		vec->idev = idev;
		atomic64_set(&vec->irqs, 0);
		init_waitqueue_head(&vec->wait);
		mutex_init(&vec->lock);
	}
	lockdep_set_class(&idev->vecs[0].lock, &iavg_event_lock_key);
	init_rwsem(&idev->busy);
	return 0;
}

static void iavg_destroy_state(struct iavg_dev *idev)
{
	unsigned int i;

	for (i = 0; i <= idev->nr_vectors; i++)
		mutex_destroy(&idev->vecs[i].lock);
	for (i = 0; i < idev->nr_wqs; i++)
		mutex_destroy(&idev->wqs[i].lock);
}

static void iavg_free_irqs(struct iavg_dev *idev, unsigned int count)
{
	while (count--)
		pci_free_irq(idev->pdev, count, &idev->vecs[count]);
}

/* Vector 0 for instance events, 1..m for completions. */
static int iavg_request_irqs(struct iavg_dev *idev)
{
	struct pci_dev *pdev = idev->pdev;
	unsigned int v;
	int ret;

	for (v = 0; v <= idev->nr_vectors; v++) {
		ret = pci_request_irq(pdev, v,
				      v ? iavg_completion_irq : iavg_event_irq,
				      NULL, &idev->vecs[v], "%s-%s-%u",
				      IAVG_NAME, pci_name(pdev), v);
		if (ret) {
			iavg_free_irqs(idev, v);
			return ret;
		}
	}
	return 0;
}

/* Reset and enable the queues; let queue errors raise vector 0. */
static void iavg_hw_start(struct iavg_dev *idev)
{
	unsigned int i;

	for (i = 0; i < idev->nr_wqs; i++)
		iavg_wq_reset(idev, &idev->wqs[i]);
	/* An event from before us would be raised by the unmask. */
	writel(IAV_EVT_WQ_ERROR, idev->ctrl + IAV_REG_EVT_CAUSE);
	writel(0, idev->ctrl + IAV_REG_EVT_MASK);
}

/* Mask events; reset and disable the queues, dropping queued work. */
static void iavg_hw_stop(struct iavg_dev *idev)
{
	unsigned int i;

	writel(IAV_EVT_WQ_ERROR, idev->ctrl + IAV_REG_EVT_MASK);
	for (i = 0; i < idev->nr_wqs; i++)
		writel(IAV_WQ_CTRL_RESET,
		       idev->ctrl + IAV_WQ_REGS(i) + IAV_WQ_CTRL);
}

static int iavg_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	void __iomem *portals, *lmem;
	struct iavg_dev *idev;
	unsigned int nvec;
	int ret;

	idev = devm_kzalloc(&pdev->dev, sizeof(*idev), GFP_KERNEL);
	if (!idev)
		return -ENOMEM;
	idev->pdev = pdev;
	pci_set_drvdata(pdev, idev);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = iavg_map(idev, &portals, &lmem);
	if (ret)
		return ret;
	ret = iavg_init_state(idev, portals, lmem);
	if (ret)
		return ret;

	/* MSI-X messages are memory writes by the device. */
	pci_set_master(pdev);
	/* All of them: the vector number is the handle + 1 */
	nvec = idev->nr_vectors + 1;
	ret = pci_alloc_irq_vectors(pdev, nvec, nvec, PCI_IRQ_MSIX);
	if (ret < 0)
		goto err_destroy_state;
	ret = iavg_request_irqs(idev);
	if (ret)
		goto err_free_vectors;

	iavg_hw_start(idev);
	iavg_debugfs_init(idev);
	pci_info(pdev, "%u queues of %u KiB, %u completion vectors\n",
		 idev->nr_wqs, idev->sram_size / SZ_1K, idev->nr_vectors);
	return 0;

err_free_vectors:
	pci_free_irq_vectors(pdev);
err_destroy_state:
	iavg_destroy_state(idev);
	return ret;
}

static void iavg_remove(struct pci_dev *pdev)
{
	struct iavg_dev *idev = pci_get_drvdata(pdev);

	WRITE_ONCE(idev->gone, true);
	/*
	 * Waits for a write to submit in progress, which stops at @gone
	 * once its descriptor in flight is done.
	 */
	debugfs_remove(idev->debugfs);
	iavg_hw_stop(idev);
	iavg_free_irqs(idev, idev->nr_vectors + 1);
	pci_free_irq_vectors(pdev);
	iavg_destroy_state(idev);
	/* Regions, mappings and memory go with the device's devres. */
}

static const struct pci_device_id iavg_ids[] = {
	{ PCI_DEVICE(IAV_VENDOR_ID, IAV_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, iavg_ids);

static struct pci_driver iavg_driver = {
	.name		= IAVG_NAME,
	.id_table	= iavg_ids,
	.probe		= iavg_probe,
	.remove		= iavg_remove,
};

static int __init iavg_init(void)
{
	int ret;

	iavg_debugfs_root = debugfs_create_dir(IAVG_NAME, NULL);
	ret = pci_register_driver(&iavg_driver);
	if (ret)
		debugfs_remove(iavg_debugfs_root);
	return ret;
}
module_init(iavg_init);

static void __exit iavg_exit(void)
{
	pci_unregister_driver(&iavg_driver);
	debugfs_remove(iavg_debugfs_root);
}
module_exit(iavg_exit);

MODULE_DESCRIPTION("Guest driver for mediated ims-accel instances: submits descriptors and counts interrupts per vector");
MODULE_LICENSE("GPL");
