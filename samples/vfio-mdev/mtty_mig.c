// SPDX-License-Identifier: GPL-2.0-only
/*
 * mtty: VFIO live migration (v2) with STOP_COPY, P2P and PRE_COPY. The
 * stream is a header, sent during PRE_COPY, then the config space and the
 * UART state, sent in STOP_COPY. Interrupt setup is not part of it: the
 * user repeats SET_IRQS on the target.
 *
 * A resuming stream comes from the user, chunked as it likes: its length
 * is the target card's, never what the stream says.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mtty.h"

#define MTTY_MIG_MAGIC		0x7974746d	/* "mtty" */
#define MTTY_MIG_VERSION	1

/**
 * struct mtty_mig_header - the start of the stream
 * @magic: MTTY_MIG_MAGIC
 * @version: MTTY_MIG_VERSION
 * @nr_ports: UARTs on the card; source and target must match
 */
struct mtty_mig_header {
	__le32 magic;
	__le16 version;
	__le16 nr_ports;
};

/**
 * struct mtty_mig_state - the device state, sent in STOP_COPY
 * @config: the config space
 * @line: the combined UART interrupt level last delivered
 * @reserved: zero
 * @ports: the UARTs; only the card's ports are in the stream
 */
struct mtty_mig_state {
	u8 config[MTTY_CONFIG_SIZE];
	u8 line;
	u8 reserved[7];
	struct mtty_uart_regs ports[MTTY_MAX_PORTS];
};

/**
 * struct mtty_mig_stream - the stream, laid out as it is sent
 * @hdr: the header
 * @state: the device state
 */
struct mtty_mig_stream {
	struct mtty_mig_header hdr;
	struct mtty_mig_state state;
};

/* The stream is copied as bytes: no padding may lie between its parts. */
static_assert(offsetof(struct mtty_mig_stream, state) ==
	      sizeof(struct mtty_mig_header));

/**
 * struct mtty_mig_file - the data transfer file of a session
 * @filp: the file
 * @lock: protects the members below
 * @disabled: the session ended; the file only fails now
 * @precopy: the card is in PRE_COPY or PRE_COPY_P2P
 * @nr_ports: the card's UARTs; a resumed stream must carry as many
 * @size: the card's stream length, which bounds every copy to @stream
 * @filled: bytes of @stream produced (saving) or received (resuming)
 * @stream: the stream
 */
struct mtty_mig_file {
	struct file *filp;
	struct mutex lock;	/* the members below */
	bool disabled;
	bool precopy;
	unsigned int nr_ports;
	size_t size;
	size_t filled;
	struct mtty_mig_stream stream;
};

static size_t mtty_mig_state_size(unsigned int nr_ports)
{
	return offsetof(struct mtty_mig_state, ports) +
	       nr_ports * sizeof(struct mtty_uart_regs);
}

static size_t mtty_mig_stream_size(struct mtty_card *card)
{
	return sizeof(struct mtty_mig_header) +
	       mtty_mig_state_size(card->nr_ports);
}

/*
 * A header for another card type, or not made by this driver, is refused;
 * an unknown version is a stream this driver cannot parse, not a bad one.
 */
static int mtty_mig_check_header(const struct mtty_mig_file *migf,
				 const struct mtty_mig_header *hdr)
{
	if (le32_to_cpu(hdr->magic) != MTTY_MIG_MAGIC)
		return -EINVAL;
	if (le16_to_cpu(hdr->version) != MTTY_MIG_VERSION)
		return -EOPNOTSUPP;
	if (le16_to_cpu(hdr->nr_ports) != migf->nr_ports)
		return -EINVAL;
	return 0;
}

static int mtty_mig_release(struct inode *inode, struct file *filp)
{
	struct mtty_mig_file *migf = filp->private_data;

	mutex_destroy(&migf->lock);
	kfree(migf);
	return 0;
}

static ssize_t mtty_mig_read(struct file *filp, char __user *buf, size_t len,
			     loff_t *pos)
{
	struct mtty_mig_file *migf = filp->private_data;
	ssize_t done = 0;

	if (pos)
		return -ESPIPE;
	pos = &filp->f_pos;

	mutex_lock(&migf->lock);
	if (migf->disabled) {
		done = -ENODEV;
		goto out_unlock;
	}
	if (*pos >= migf->filled)
		goto out_unlock;
	len = min_t(size_t, len, migf->filled - *pos);
	if (copy_to_user(buf, (u8 *)&migf->stream + *pos, len)) {
		done = -EFAULT;
		goto out_unlock;
	}
	*pos += len;
	done = len;
out_unlock:
	mutex_unlock(&migf->lock);
	return done;
}

static long mtty_mig_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	struct mtty_mig_file *migf = filp->private_data;
	struct vfio_precopy_info info;
	int ret = 0;

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	mutex_lock(&migf->lock);
	if (migf->disabled)
		ret = -ENODEV;
	else if (!migf->precopy || filp->f_pos > migf->filled)
		ret = -EINVAL;
	info.initial_bytes = migf->filled - filp->f_pos;
	info.dirty_bytes = 0;
	mutex_unlock(&migf->lock);
	if (ret)
		return ret;

	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static const struct file_operations mtty_save_fops = {
	.owner = THIS_MODULE,
	.read = mtty_mig_read,
	.unlocked_ioctl = mtty_mig_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = mtty_mig_release,
};

/*
 * Take the next @len bytes of the stream, all or nothing: a refused write
 * leaves the session as it was, except that a refused header ends it.
 */
static ssize_t mtty_mig_write(struct file *filp, const char __user *buf,
			      size_t len, loff_t *pos)
{
	struct mtty_mig_file *migf = filp->private_data;
	struct mtty_mig_header hdr;
	size_t off, n = 0;
	ssize_t ret;

	if (pos)
		return -ESPIPE;

	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
		goto out_unlock;
	}
	off = migf->filled;

	/*
	 * The header goes to a copy, kept only if the whole write is, and is
	 * checked as soon as it is complete.
	 */
	if (off < sizeof(hdr)) {
		hdr = migf->stream.hdr;
		n = min(len, sizeof(hdr) - off);
		if (copy_from_user((u8 *)&hdr + off, buf, n)) {
			ret = -EFAULT;
			goto out_unlock;
		}
		if (off + n == sizeof(hdr)) {
			ret = mtty_mig_check_header(migf, &hdr);
			if (ret) {
				/* Nothing that follows a bad header can load. */
				migf->disabled = true;
				goto out_unlock;
			}
		}
	}

	/*
	 * The card's length bounds the stream, whatever its header says;
	 * past it, ENOMEM, as VFIO migration drivers answer.
	 */
	if (len > migf->size - off) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	if (copy_from_user((u8 *)&migf->stream + off + n, buf + n, len - n)) {
		ret = -EFAULT;
		goto out_unlock;
	}
	if (n)
		migf->stream.hdr = hdr;
	migf->filled = off + len;
	ret = len;
out_unlock:
	mutex_unlock(&migf->lock);
	return ret;
}

static const struct file_operations mtty_resume_fops = {
	.owner = THIS_MODULE,
	.write = mtty_mig_write,
	.release = mtty_mig_release,
};

static struct mtty_mig_file *mtty_mig_file_new(struct mtty_card *card,
					       bool save)
{
	struct mtty_mig_file *migf;
	struct file *filp;

	migf = kzalloc(sizeof(*migf), GFP_KERNEL_ACCOUNT);
	if (!migf)
		return ERR_PTR(-ENOMEM);

	filp = anon_inode_getfile("mtty_mig", save ? &mtty_save_fops :
				  &mtty_resume_fops, migf,
				  save ? O_RDONLY : O_WRONLY);
	if (IS_ERR(filp)) {
		kfree(migf);
		return ERR_CAST(filp);
	}
	stream_open(filp->f_inode, filp);
	mutex_init(&migf->lock);
	migf->filp = filp;
	migf->nr_ports = card->nr_ports;
	migf->size = mtty_mig_stream_size(card);
	if (save) {
		migf->stream.hdr.magic = cpu_to_le32(MTTY_MIG_MAGIC);
		migf->stream.hdr.version = cpu_to_le16(MTTY_MIG_VERSION);
		migf->stream.hdr.nr_ports = cpu_to_le16(card->nr_ports);
	}
	return migf;
}

static void mtty_mig_disable(struct mtty_mig_file *migf)
{
	mutex_lock(&migf->lock);
	migf->disabled = true;
	migf->filled = 0;
	mutex_unlock(&migf->lock);
	fput(migf->filp);
}

static void mtty_mig_close(struct mtty_card *card)
{
	if (card->saving)
		mtty_mig_disable(card->saving);
	if (card->resuming)
		mtty_mig_disable(card->resuming);
	card->saving = NULL;
	card->resuming = NULL;
}

static void mtty_mig_set_stopped(struct mtty_card *card, bool stopped)
{
	mutex_lock(&card->lock);
	card->stopped = stopped;
	mtty_update_irq(card);
	mutex_unlock(&card->lock);
}

static void mtty_mig_snapshot(struct mtty_card *card,
			      struct mtty_mig_file *migf)
{
	struct mtty_mig_state *st = &migf->stream.state;
	unsigned int i;

	mutex_lock(&migf->lock);
	mutex_lock(&card->lock);
	memcpy(st->config, card->config, MTTY_CONFIG_SIZE);
	st->line = card->line;
	for (i = 0; i < card->nr_ports; i++)
		st->ports[i] = card->ports[i].regs;
	mutex_unlock(&card->lock);
	migf->filled = migf->size;
	migf->precopy = false;
	mutex_unlock(&migf->lock);
}

/* Start a saving session; the header is available at once. */
static struct file *mtty_mig_save_start(struct mtty_card *card, bool stopped)
{
	struct mtty_mig_file *migf;

	migf = mtty_mig_file_new(card, true);
	if (IS_ERR(migf))
		return ERR_CAST(migf);

	migf->filled = sizeof(migf->stream.hdr);
	migf->precopy = !stopped;
	if (stopped)
		mtty_mig_snapshot(card, migf);
	card->saving = migf;
	return get_file(migf->filp);
}

static struct file *mtty_mig_resume_start(struct mtty_card *card)
{
	struct mtty_mig_file *migf;

	migf = mtty_mig_file_new(card, false);
	if (IS_ERR(migf))
		return ERR_CAST(migf);
	card->resuming = migf;
	return get_file(migf->filp);
}

static int mtty_mig_load(struct mtty_card *card)
{
	struct mtty_mig_file *migf = card->resuming;
	struct mtty_mig_state *st = &migf->stream.state;
	unsigned int i;
	int ret = 0;

	mutex_lock(&migf->lock);
	if (migf->filled != migf->size ||
	    mtty_mig_check_header(migf, &migf->stream.hdr) ||
	    st->line > 1 || memchr_inv(st->reserved, 0, sizeof(st->reserved))) {
		ret = -EINVAL;
		goto out_unlock;
	}
	for (i = 0; i < card->nr_ports; i++) {
		if (!mtty_uart_regs_valid(&st->ports[i])) {
			ret = -EINVAL;
			goto out_unlock;
		}
	}

	mutex_lock(&card->lock);
	mtty_config_load(card, st->config);
	card->line = st->line;
	for (i = 0; i < card->nr_ports; i++)
		card->ports[i].regs = st->ports[i];
	mutex_unlock(&card->lock);
out_unlock:
	mutex_unlock(&migf->lock);
	return ret;
}

#define MTTY_ARC(from, to) \
	(cur == VFIO_DEVICE_STATE_##from && next == VFIO_DEVICE_STATE_##to)

/* One arc of the state machine; vfio_mig_get_next_state() picks it. */
static struct file *mtty_mig_step(struct mtty_card *card,
				  enum vfio_device_mig_state next)
{
	enum vfio_device_mig_state cur = card->mig_state;
	int ret;

	if (MTTY_ARC(RUNNING, RUNNING_P2P) || MTTY_ARC(RUNNING_P2P, RUNNING) ||
	    MTTY_ARC(PRE_COPY, PRE_COPY_P2P) || MTTY_ARC(PRE_COPY_P2P, PRE_COPY))
		return NULL;

	if (MTTY_ARC(RUNNING_P2P, STOP) || MTTY_ARC(STOP, RUNNING_P2P)) {
		mtty_mig_set_stopped(card, next == VFIO_DEVICE_STATE_STOP);
		return NULL;
	}

	if (MTTY_ARC(RUNNING, PRE_COPY) || MTTY_ARC(RUNNING_P2P, PRE_COPY_P2P))
		return mtty_mig_save_start(card, false);
	if (MTTY_ARC(STOP, STOP_COPY))
		return mtty_mig_save_start(card, true);

	if (MTTY_ARC(PRE_COPY_P2P, STOP_COPY)) {
		mtty_mig_set_stopped(card, true);
		mtty_mig_snapshot(card, card->saving);
		return NULL;
	}

	if (MTTY_ARC(PRE_COPY, RUNNING) || MTTY_ARC(PRE_COPY_P2P, RUNNING_P2P) ||
	    MTTY_ARC(STOP_COPY, STOP)) {
		mtty_mig_close(card);
		return NULL;
	}

	if (MTTY_ARC(STOP, RESUMING))
		return mtty_mig_resume_start(card);

	if (MTTY_ARC(RESUMING, STOP)) {
		ret = mtty_mig_load(card);
		if (ret)
			return ERR_PTR(ret);
		mtty_mig_close(card);
		return NULL;
	}

	WARN_ON_ONCE(1);
	return ERR_PTR(-EINVAL);
}

static struct file *mtty_mig_set_state(struct vfio_device *vdev,
				       enum vfio_device_mig_state target)
{
	struct mtty_card *card = container_of(vdev, struct mtty_card, vdev);
	enum vfio_device_mig_state next;
	struct file *filp = NULL;
	int ret;

	mutex_lock(&card->mig_lock);
	while (card->mig_state != target) {
		ret = vfio_mig_get_next_state(vdev, card->mig_state, target,
					      &next);
		if (ret) {
			filp = ERR_PTR(ret);
			break;
		}
		filp = mtty_mig_step(card, next);
		if (IS_ERR(filp))
			break;
		card->mig_state = next;
		/* Only the last arc of a path may open a file. */
		if (WARN_ON_ONCE(filp && next != target)) {
			fput(filp);
			filp = ERR_PTR(-EINVAL);
			break;
		}
	}
	mutex_unlock(&card->mig_lock);
	return filp;
}

static int mtty_mig_get_state(struct vfio_device *vdev,
			      enum vfio_device_mig_state *state)
{
	struct mtty_card *card = container_of(vdev, struct mtty_card, vdev);

	mutex_lock(&card->mig_lock);
	*state = card->mig_state;
	mutex_unlock(&card->mig_lock);
	return 0;
}

static int mtty_mig_get_data_size(struct vfio_device *vdev,
				  unsigned long *stop_copy_length)
{
	struct mtty_card *card = container_of(vdev, struct mtty_card, vdev);

	*stop_copy_length = mtty_mig_stream_size(card);
	return 0;
}

const struct vfio_migration_ops mtty_mig_ops = {
	.migration_set_state = mtty_mig_set_state,
	.migration_get_state = mtty_mig_get_state,
	.migration_get_data_size = mtty_mig_get_data_size,
};

/* mtty does no DMA: dirty tracking is trivially empty. */
static int mtty_log_start(struct vfio_device *vdev,
			  struct rb_root_cached *ranges, u32 nnodes,
			  u64 *page_size)
{
	return 0;
}

static int mtty_log_stop(struct vfio_device *vdev)
{
	return 0;
}

static int mtty_log_read_and_clear(struct vfio_device *vdev,
				   unsigned long iova, unsigned long length,
				   struct iova_bitmap *dirty)
{
	return 0;
}

const struct vfio_log_ops mtty_log_ops = {
	.log_start = mtty_log_start,
	.log_stop = mtty_log_stop,
	.log_read_and_clear = mtty_log_read_and_clear,
};

/**
 * mtty_mig_init() - make a new card migratable
 * @card: the card, being initialised
 */
void mtty_mig_init(struct mtty_card *card)
{
	mutex_init(&card->mig_lock);
	card->mig_state = VFIO_DEVICE_STATE_RUNNING;
	card->vdev.migration_flags = VFIO_MIGRATION_STOP_COPY |
				     VFIO_MIGRATION_P2P |
				     VFIO_MIGRATION_PRE_COPY;
	card->vdev.mig_ops = &mtty_mig_ops;
	card->vdev.log_ops = &mtty_log_ops;
}

/**
 * mtty_mig_reset() - end any session and return to RUNNING
 * @card: the card
 *
 * For open, close and VFIO_DEVICE_RESET.
 */
void mtty_mig_reset(struct mtty_card *card)
{
	mutex_lock(&card->mig_lock);
	mtty_mig_close(card);
	card->mig_state = VFIO_DEVICE_STATE_RUNNING;
	mtty_mig_set_stopped(card, false);
	mutex_unlock(&card->mig_lock);
}
