// SPDX-License-Identifier: GPL-2.0
/*
 * ims_proof: drive the kernel's PCI/IMS API on the ims-accel function
 *
 * Scaffolding for tests/guest/ims/proof.sh, not a driver: it binds only
 * through driver_override, so it never competes with the parent driver,
 * and every step of the proof is a command written to
 * <debugfs>/ims_proof/<bdf>/cmd. Reading the file returns the answer to
 * the last command as one line of key=value pairs; "ret" is 0 or a
 * negative errno. The commands are listed at ims_proof_cmd().
 *
 * The interrupt chip of the IMS domain is the point of the exercise: it
 * writes, masks and unmasks IMS entries of BAR0 exactly as a parent
 * driver would. Interrupts are triggered the way the hardware does it: a
 * NOP descriptor with the INTERRUPT flag on queue 0, whose one interrupt
 * slot is pointed at the IMS entry under test.
 *
 * Built against a kernel without the PCI/IMS API (HAVE_PCI_IMS is not
 * defined), the module still loads and reports "none" in its "api"
 * parameter, which is how the test tells the stock kernel apart.
 */
#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <uapi/linux/ims_accel.h>

#define IMS_PROOF_NAME		"ims_proof"
#define IMS_PROOF_ANSWER	256
/* How long the device may take for one NOP under TCG */
#define IMS_PROOF_TIMEOUT_MS	5000
/* How long to watch for interrupts that should not come */
#define IMS_PROOF_QUIET_MS	300
/* The queue whose interrupt slot is pointed at the entry under test */
#define IMS_PROOF_WQ		0

#ifdef HAVE_PCI_IMS
static char *api = "ims";
#else
static char *api = "none";
#endif
module_param(api, charp, 0444);
MODULE_PARM_DESC(api, "PCI/IMS API of the kernel built against: ims or none");

/**
 * struct ims_proof - one bound ims-accel function
 * @pdev:	the function
 * @ctrl:	BAR0, the host control registers with the IMS entries
 * @portal:	the submission page of queue IMS_PROOF_WQ in BAR2
 * @num_ims:	IMS entries the device has
 * @lock:	serialises commands
 * @dir:	debugfs directory of the function
 * @answer:	answer to the last command
 * @wait:	woken by every interrupt handler run
 * @vecs:	allocated IMS interrupts by entry index, struct ims_proof_vec
 * @seq:	sequence number of the last descriptor
 * @domain:	the IMS domain exists
 */
struct ims_proof {
	struct pci_dev *pdev;
	void __iomem *ctrl;
	void __iomem *portal;
	unsigned int num_ims;
	struct mutex lock;		/* serialises commands */
	struct dentry *dir;
	char answer[IMS_PROOF_ANSWER];
	wait_queue_head_t wait;
	struct xarray vecs;
	u32 seq;
	bool domain;
};

/**
 * struct ims_proof_vec - one IMS interrupt allocated by a command
 * @ip:		the function
 * @map:	entry index and Linux interrupt number
 * @cookie:	instance cookie as the chip found it in the MSI descriptor
 * @writes:	messages the chip wrote into the entry
 * @count:	handler runs
 * @requested:	a handler is installed
 */
struct ims_proof_vec {
	struct ims_proof *ip;
	struct msi_map map;
	u64 cookie;
	atomic_t writes;
	atomic_t count;
	bool requested;
};

static struct dentry *ims_proof_root;

#ifdef HAVE_PCI_IMS

static void __iomem *ims_proof_entry(struct ims_proof *ip, unsigned int index)
{
	return ip->ctrl + IMS_ACCEL_IMS_ENTRY(index);
}

static bool ims_proof_pending(struct ims_proof *ip, unsigned int index)
{
	u32 word = readl(ip->ctrl + IMS_ACCEL_IMS_PENDING + (index / 32) * 4);

	return word & BIT(index % 32);
}

static void __iomem *ims_proof_wq_reg(struct ims_proof *ip, unsigned int reg)
{
	return ip->ctrl + IMS_ACCEL_WQ_CFG(IMS_PROOF_WQ) + reg;
}

/* The IMS domain's interrupt chip: one IMS entry per interrupt */

static struct ims_proof *ims_proof_from_irqd(struct irq_data *d)
{
	struct msi_domain_info *info = d->domain->host_data;

	return info->data;
}

static void ims_proof_irq_mask(struct irq_data *d)
{
	struct ims_proof *ip = ims_proof_from_irqd(d);
	void __iomem *entry = ims_proof_entry(ip, irq_data_get_msi_desc(d)->msi_index);

	writel(IMS_ACCEL_IMS_CTRL_MASK, entry + IMS_ACCEL_IMS_CTRL);
	/* Flush the posted write: masked means masked when we return */
	readl(entry + IMS_ACCEL_IMS_CTRL);
}

static void ims_proof_irq_unmask(struct irq_data *d)
{
	struct ims_proof *ip = ims_proof_from_irqd(d);
	void __iomem *entry = ims_proof_entry(ip, irq_data_get_msi_desc(d)->msi_index);

	writel(0, entry + IMS_ACCEL_IMS_CTRL);
}

static void ims_proof_irq_write_msg(struct irq_data *d, struct msi_msg *msg)
{
	struct ims_proof *ip = ims_proof_from_irqd(d);
	struct msi_desc *desc = irq_data_get_msi_desc(d);
	void __iomem *entry = ims_proof_entry(ip, desc->msi_index);
	struct ims_proof_vec *vec;

	writel(msg->address_lo, entry + IMS_ACCEL_IMS_ADDR_LO);
	writel(msg->address_hi, entry + IMS_ACCEL_IMS_ADDR_HI);
	writel(msg->data, entry + IMS_ACCEL_IMS_DATA);
	/* Cached like PCI/MSI-X does, for get_cached_msi_msg() and restores */
	desc->msg = *msg;

	vec = xa_load(&ip->vecs, desc->msi_index);
	if (vec) {
		vec->cookie = desc->data.icookie.value;
		atomic_inc(&vec->writes);
	}
}

static const struct msi_domain_template ims_proof_template = {
	.chip = {
		.name			= "IMS",
		.irq_mask		= ims_proof_irq_mask,
		.irq_unmask		= ims_proof_irq_unmask,
		.irq_write_msi_msg	= ims_proof_irq_write_msg,
	},
	.info = {
		.flags			= MSI_FLAG_FREE_MSI_DESCS,
		.bus_token		= DOMAIN_BUS_PCI_DEVICE_IMS,
	},
};

static irqreturn_t ims_proof_handler(int irq, void *data)
{
	struct ims_proof_vec *vec = data;

	atomic_inc(&vec->count);
	wake_up_all(&vec->ip->wait);
	return IRQ_HANDLED;
}

/* Commands */

static int ims_proof_parse_index(struct ims_proof *ip, const char *arg,
				 unsigned int *index)
{
	if (!strcmp(arg, "any")) {
		*index = MSI_ANY_INDEX;
		return 0;
	}
	return kstrtouint(arg, 0, index);
}

static struct ims_proof_vec *ims_proof_vec(struct ims_proof *ip, const char *arg)
{
	unsigned int index;

	if (!arg || kstrtouint(arg, 0, &index))
		return NULL;
	return xa_load(&ip->vecs, index);
}

static void ims_proof_create(struct ims_proof *ip)
{
	int ret = pci_create_ims_domain(ip->pdev, &ims_proof_template, ip->num_ims, ip);

	ip->domain = ip->domain || !ret;
	scnprintf(ip->answer, sizeof(ip->answer), "ret=%d hwsize=%u\n", ret, ip->num_ims);
}

static void ims_proof_release_vec(struct ims_proof_vec *vec)
{
	if (vec->requested) {
		free_irq(vec->map.virq, vec);
		vec->requested = false;
	}
}

/* Forget every allocated interrupt; @free: give them back one by one */
static void ims_proof_drop_vecs(struct ims_proof *ip, bool free)
{
	struct ims_proof_vec *vec;
	unsigned long index;

	xa_for_each(&ip->vecs, index, vec) {
		ims_proof_release_vec(vec);
		xa_erase(&ip->vecs, index);
		if (free)
			pci_ims_free_irq(ip->pdev, vec->map);
		kfree(vec);
	}
}

static void ims_proof_remove_domain(struct ims_proof *ip)
{
	/* The handlers go; pci_remove_ims_domain() frees the interrupts */
	ims_proof_drop_vecs(ip, false);
	pci_remove_ims_domain(ip->pdev);
	ip->domain = false;
	scnprintf(ip->answer, sizeof(ip->answer), "ret=0\n");
}

static void ims_proof_alloc(struct ims_proof *ip, const char *idx, const char *cookie)
{
	union msi_instance_cookie icookie = { };
	struct ims_proof_vec *vec;
	unsigned int index;
	int ret;

	if (!idx || ims_proof_parse_index(ip, idx, &index) ||
	    (cookie && kstrtou64(cookie, 0, &icookie.value))) {
		ret = -EINVAL;
		goto answer;
	}

	vec = kzalloc(sizeof(*vec), GFP_KERNEL);
	if (!vec) {
		ret = -ENOMEM;
		goto answer;
	}
	vec->ip = ip;
	if (index == MSI_ANY_INDEX)
		vec->map = pci_ims_alloc_irq(ip->pdev, &icookie, NULL);
	else
		vec->map = pci_ims_alloc_irq_at(ip->pdev, index, &icookie, NULL);
	ret = vec->map.index < 0 ? vec->map.index : 0;
	if (!ret)
		ret = xa_insert(&ip->vecs, vec->map.index, vec, GFP_KERNEL);
	if (ret) {
		if (vec->map.index >= 0)
			pci_ims_free_irq(ip->pdev, vec->map);
		kfree(vec);
		goto answer;
	}
	scnprintf(ip->answer, sizeof(ip->answer), "ret=0 index=%d virq=%d\n",
		  vec->map.index, vec->map.virq);
	return;
answer:
	scnprintf(ip->answer, sizeof(ip->answer), "ret=%d\n", ret);
}

static void ims_proof_free(struct ims_proof *ip, const char *idx)
{
	struct ims_proof_vec *vec = ims_proof_vec(ip, idx);

	if (!vec) {
		scnprintf(ip->answer, sizeof(ip->answer), "ret=%d\n", -ENOENT);
		return;
	}
	ims_proof_release_vec(vec);
	xa_erase(&ip->vecs, vec->map.index);
	pci_ims_free_irq(ip->pdev, vec->map);
	kfree(vec);
	scnprintf(ip->answer, sizeof(ip->answer), "ret=0\n");
}

static void ims_proof_request(struct ims_proof *ip, const char *idx)
{
	struct ims_proof_vec *vec = ims_proof_vec(ip, idx);
	int ret = -ENOENT;

	if (vec && !vec->requested) {
		/* disable_irq() must reach the entry's MASK bit at once */
		irq_set_status_flags(vec->map.virq, IRQ_DISABLE_UNLAZY);
		ret = request_irq(vec->map.virq, ims_proof_handler, 0, IMS_PROOF_NAME, vec);
		vec->requested = !ret;
	}
	scnprintf(ip->answer, sizeof(ip->answer), "ret=%d\n", ret);
}

static void ims_proof_release(struct ims_proof *ip, const char *idx)
{
	struct ims_proof_vec *vec = ims_proof_vec(ip, idx);

	if (vec)
		ims_proof_release_vec(vec);
	scnprintf(ip->answer, sizeof(ip->answer), "ret=%d\n", vec ? 0 : -ENOENT);
}

static void ims_proof_entry_show(struct ims_proof *ip, const char *idx)
{
	struct ims_proof_vec *vec;
	struct msi_msg msg = { };
	void __iomem *entry;
	unsigned int index;
	int virq;

	if (!idx || kstrtouint(idx, 0, &index) || index >= ip->num_ims) {
		scnprintf(ip->answer, sizeof(ip->answer), "ret=%d\n", -EINVAL);
		return;
	}
	entry = ims_proof_entry(ip, index);
	vec = xa_load(&ip->vecs, index);
	virq = msi_domain_get_virq(&ip->pdev->dev, MSI_SECONDARY_DOMAIN, index);
	if (virq)
		get_cached_msi_msg(virq, &msg);
	scnprintf(ip->answer, sizeof(ip->answer),
		  "ret=0 addr_lo=0x%08x addr_hi=0x%08x data=0x%08x ctrl=0x%08x pending=%d virq=%d msg_lo=0x%08x msg_hi=0x%08x msg_data=0x%08x cookie=0x%llx writes=%d count=%d\n",
		  readl(entry + IMS_ACCEL_IMS_ADDR_LO), readl(entry + IMS_ACCEL_IMS_ADDR_HI),
		  readl(entry + IMS_ACCEL_IMS_DATA), readl(entry + IMS_ACCEL_IMS_CTRL),
		  ims_proof_pending(ip, index), virq, msg.address_lo, msg.address_hi,
		  msg.data, vec ? vec->cookie : 0, vec ? atomic_read(&vec->writes) : 0,
		  vec ? atomic_read(&vec->count) : 0);
}

static int ims_proof_count_all(struct ims_proof *ip)
{
	struct ims_proof_vec *vec;
	unsigned long index;
	int sum = 0;

	xa_for_each(&ip->vecs, index, vec)
		sum += atomic_read(&vec->count);
	return sum;
}

/* Point queue IMS_PROOF_WQ's only interrupt slot at IMS entry @index */
static void ims_proof_route(struct ims_proof *ip, unsigned int index)
{
	writel(0, ims_proof_wq_reg(ip, IMS_ACCEL_WQ_CTRL));
	writel(index, ims_proof_wq_reg(ip, IMS_ACCEL_WQ_INT_BASE));
	writel(1, ims_proof_wq_reg(ip, IMS_ACCEL_WQ_INT_COUNT));
	writel(IMS_ACCEL_INT_TABLE_IMS, ims_proof_wq_reg(ip, IMS_ACCEL_WQ_INT_TABLE));
	writel(IMS_ACCEL_WQ_CTRL_ENABLE, ims_proof_wq_reg(ip, IMS_ACCEL_WQ_CTRL));
}

/* Submit a NOP that signals interrupt slot 0 and wait for its completion */
static int ims_proof_submit(struct ims_proof *ip)
{
	u32 done = readl(ims_proof_wq_reg(ip, IMS_ACCEL_WQ_COMPLETED));
	unsigned long timeout = jiffies + msecs_to_jiffies(IMS_PROOF_TIMEOUT_MS);
	unsigned int off;

	for (off = 0; off < IMS_ACCEL_DESC_SIZE; off += 4)
		writel(0, ip->portal + IMS_ACCEL_PORTAL_DESC + off);
	/* opcode NOP, flags INTERRUPT, int_handle 0: the first dword */
	writel(IMS_ACCEL_OP_NOP | IMS_ACCEL_DESC_F_INTERRUPT << 8,
	       ip->portal + IMS_ACCEL_PORTAL_DESC + IMS_ACCEL_DESC_OPCODE);
	writel(++ip->seq, ip->portal + IMS_ACCEL_PORTAL_DESC + IMS_ACCEL_DESC_SEQ);
	writel(1, ip->portal + IMS_ACCEL_PORTAL_DOORBELL);

	while (readl(ims_proof_wq_reg(ip, IMS_ACCEL_WQ_COMPLETED)) == done) {
		if (time_after(jiffies, timeout))
			return -ETIMEDOUT;
		usleep_range(1000, 2000);
	}
	return 0;
}

/* Wait until @vec ran @expect more times than @before, then stay quiet */
static int ims_proof_wait(struct ims_proof *ip, struct ims_proof_vec *vec,
			  int before, int expect)
{
	if (expect)
		wait_event_timeout(ip->wait, atomic_read(&vec->count) - before >= expect,
				   msecs_to_jiffies(IMS_PROOF_TIMEOUT_MS));
	/* Anything beyond the expected count would show up here */
	msleep(IMS_PROOF_QUIET_MS);
	return atomic_read(&vec->count) - before;
}

static void ims_proof_fire(struct ims_proof *ip, const char *idx, const char *exp)
{
	struct ims_proof_vec *vec = ims_proof_vec(ip, idx);
	int before, others, fired, ret;
	unsigned int expect = 1;

	if (!vec || (exp && kstrtouint(exp, 0, &expect))) {
		scnprintf(ip->answer, sizeof(ip->answer), "ret=%d\n", -EINVAL);
		return;
	}
	before = atomic_read(&vec->count);
	others = ims_proof_count_all(ip) - before;
	ims_proof_route(ip, vec->map.index);
	ret = ims_proof_submit(ip);
	fired = ims_proof_wait(ip, vec, before, ret ? 0 : expect);
	others = ims_proof_count_all(ip) - atomic_read(&vec->count) - others;
	scnprintf(ip->answer, sizeof(ip->answer),
		  "ret=%d fired=%d others=%d pending=%d errors=%u\n", ret, fired, others,
		  ims_proof_pending(ip, vec->map.index),
		  readl(ims_proof_wq_reg(ip, IMS_ACCEL_WQ_ERRORS)));
}

static void ims_proof_mask(struct ims_proof *ip, const char *idx, bool mask)
{
	struct ims_proof_vec *vec = ims_proof_vec(ip, idx);
	int before, fired = 0;

	if (!vec || !vec->requested) {
		scnprintf(ip->answer, sizeof(ip->answer), "ret=%d\n", -EINVAL);
		return;
	}
	before = atomic_read(&vec->count);
	if (mask) {
		disable_irq(vec->map.virq);
	} else {
		enable_irq(vec->map.virq);
		/* A pending entry replays its message on unmask */
		fired = ims_proof_wait(ip, vec, before, 1);
	}
	scnprintf(ip->answer, sizeof(ip->answer), "ret=0 fired=%d pending=%d\n", fired,
		  ims_proof_pending(ip, vec->map.index));
}

/*
 * Allocate @count interrupts at any free entry, check they are distinct
 * and that no further one fits when all entries are taken, free them;
 * @rounds times, so leaked entries or remapping table slots would show up
 * as a failed later round.
 */
static void ims_proof_stress(struct ims_proof *ip, const char *cnt, const char *rnds)
{
	unsigned int count, rounds = 1, round = 0, i, allocated = 0, freed = 0, dups = 0;
	struct msi_map *maps, extra;
	unsigned long *seen;
	int full = 0, ret = 0;

	if (!cnt || kstrtouint(cnt, 0, &count) || !count || count > ip->num_ims ||
	    (rnds && kstrtouint(rnds, 0, &rounds))) {
		scnprintf(ip->answer, sizeof(ip->answer), "ret=%d\n", -EINVAL);
		return;
	}
	maps = kvcalloc(count, sizeof(*maps), GFP_KERNEL);
	seen = bitmap_zalloc(ip->num_ims, GFP_KERNEL);
	if (!maps || !seen) {
		ret = -ENOMEM;
		goto out;
	}

	for (round = 0; round < rounds && !ret; round++) {
		bitmap_zero(seen, ip->num_ims);
		for (i = 0; i < count; i++) {
			maps[i] = pci_ims_alloc_irq(ip->pdev, NULL, NULL);
			if (maps[i].index < 0) {
				ret = maps[i].index;
				break;
			}
			allocated++;
			if (test_and_set_bit(maps[i].index, seen))
				dups++;
			cond_resched();
		}
		if (!ret && count == ip->num_ims) {
			extra = pci_ims_alloc_irq(ip->pdev, NULL, NULL);
			full = extra.index;
			if (extra.index >= 0)
				pci_ims_free_irq(ip->pdev, extra);
		}
		while (i--) {
			pci_ims_free_irq(ip->pdev, maps[i]);
			freed++;
			cond_resched();
		}
	}
out:
	scnprintf(ip->answer, sizeof(ip->answer),
		  "ret=%d allocated=%u freed=%u rounds=%u duplicates=%u full=%d\n",
		  ret, allocated, freed, round, dups, full);
	bitmap_free(seen);
	kvfree(maps);
}

static int ims_proof_cmd(struct ims_proof *ip, char *line)
{
	char *argv[4] = { };
	int argc = 0;
	char *tok;

	while ((tok = strsep(&line, " \t\n")) && argc < ARRAY_SIZE(argv)) {
		if (*tok)
			argv[argc++] = tok;
	}
	if (!argc)
		return -EINVAL;

	if (!strcmp(argv[0], "create"))
		ims_proof_create(ip);
	else if (!strcmp(argv[0], "remove"))
		ims_proof_remove_domain(ip);
	else if (!strcmp(argv[0], "alloc"))		/* alloc <index|any> [cookie] */
		ims_proof_alloc(ip, argv[1], argv[2]);
	else if (!strcmp(argv[0], "free"))		/* free <index> */
		ims_proof_free(ip, argv[1]);
	else if (!strcmp(argv[0], "request"))		/* request <index> */
		ims_proof_request(ip, argv[1]);
	else if (!strcmp(argv[0], "release"))		/* release <index> */
		ims_proof_release(ip, argv[1]);
	else if (!strcmp(argv[0], "entry"))		/* entry <index> */
		ims_proof_entry_show(ip, argv[1]);
	else if (!strcmp(argv[0], "fire"))		/* fire <index> [expected runs] */
		ims_proof_fire(ip, argv[1], argv[2]);
	else if (!strcmp(argv[0], "mask"))		/* mask <index> */
		ims_proof_mask(ip, argv[1], true);
	else if (!strcmp(argv[0], "unmask"))		/* unmask <index> */
		ims_proof_mask(ip, argv[1], false);
	else if (!strcmp(argv[0], "stress"))		/* stress <count> [rounds] */
		ims_proof_stress(ip, argv[1], argv[2]);
	else
		return -EINVAL;
	return 0;
}

#else /* !HAVE_PCI_IMS */

static int ims_proof_cmd(struct ims_proof *ip, char *line)
{
	scnprintf(ip->answer, sizeof(ip->answer), "ret=%d api=none\n", -EOPNOTSUPP);
	return 0;
}

static void ims_proof_drop_vecs(struct ims_proof *ip, bool free)
{
}

#endif /* HAVE_PCI_IMS */

static ssize_t ims_proof_cmd_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct ims_proof *ip = file->private_data;
	char *line;
	int ret;

	if (len >= IMS_PROOF_ANSWER)
		return -EINVAL;
	line = memdup_user_nul(ubuf, len);
	if (IS_ERR(line))
		return PTR_ERR(line);

	mutex_lock(&ip->lock);
	ret = ims_proof_cmd(ip, line);
	mutex_unlock(&ip->lock);
	kfree(line);
	return ret ? ret : len;
}

static ssize_t ims_proof_cmd_read(struct file *file, char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	struct ims_proof *ip = file->private_data;
	ssize_t ret;

	mutex_lock(&ip->lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, ip->answer, strlen(ip->answer));
	mutex_unlock(&ip->lock);
	return ret;
}

static const struct file_operations ims_proof_cmd_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= ims_proof_cmd_read,
	.write	= ims_proof_cmd_write,
	.llseek	= default_llseek,
};

static int ims_proof_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ims_proof *ip;
	int ret;

	/* driver_override binds anything; only the physical function will do */
	if (pdev->vendor != IMS_ACCEL_VENDOR_ID || pdev->device != IMS_ACCEL_DEVICE_ID)
		return -ENODEV;

	ip = devm_kzalloc(&pdev->dev, sizeof(*ip), GFP_KERNEL);
	if (!ip)
		return -ENOMEM;
	ip->pdev = pdev;
	mutex_init(&ip->lock);
	init_waitqueue_head(&ip->wait);
	xa_init(&ip->vecs);
	scnprintf(ip->answer, sizeof(ip->answer), "api=%s\n", api);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ip->ctrl = pcim_iomap_region(pdev, IMS_ACCEL_BAR_CTRL, IMS_PROOF_NAME);
	if (IS_ERR(ip->ctrl))
		return PTR_ERR(ip->ctrl);
	ip->portal = pcim_iomap_range(pdev, IMS_ACCEL_BAR_PORTAL,
				      IMS_PROOF_WQ * IMS_ACCEL_PORTAL_SIZE,
				      IMS_ACCEL_PORTAL_SIZE);
	if (IS_ERR(ip->portal))
		return PTR_ERR(ip->portal);
	if (readl(ip->ctrl + IMS_ACCEL_REG_ID) != IMS_ACCEL_ID_MAGIC)
		return -ENODEV;
	/* The device signals interrupts with memory writes */
	pci_set_master(pdev);

	writel(IMS_ACCEL_GEN_CTRL_RESET, ip->ctrl + IMS_ACCEL_REG_GEN_CTRL);
	writel(IMS_ACCEL_GEN_CTRL_ENABLE, ip->ctrl + IMS_ACCEL_REG_GEN_CTRL);
	ip->num_ims = readl(ip->ctrl + IMS_ACCEL_REG_NUM_IMS);

	ip->dir = debugfs_create_dir(pci_name(pdev), ims_proof_root);
	debugfs_create_file("cmd", 0600, ip->dir, ip, &ims_proof_cmd_fops);
	debugfs_create_u32("num_ims", 0400, ip->dir, &ip->num_ims);
	pci_set_drvdata(pdev, ip);
	return 0;
}

static void ims_proof_remove(struct pci_dev *pdev)
{
	struct ims_proof *ip = pci_get_drvdata(pdev);

	debugfs_remove_recursive(ip->dir);
	/*
	 * Handlers go, the IMS interrupts and the domain stay: the PCI core
	 * must release them when the driver unbinds. The test checks that
	 * nothing leaks.
	 */
	ims_proof_drop_vecs(ip, false);
	xa_destroy(&ip->vecs);
	writel(IMS_ACCEL_GEN_CTRL_RESET, ip->ctrl + IMS_ACCEL_REG_GEN_CTRL);
}

static struct pci_driver ims_proof_driver = {
	.name		= IMS_PROOF_NAME,
	/* No id_table: bound only through driver_override */
	.probe		= ims_proof_probe,
	.remove		= ims_proof_remove,
};

static int __init ims_proof_init(void)
{
	int ret;

	ims_proof_root = debugfs_create_dir(IMS_PROOF_NAME, NULL);
	ret = pci_register_driver(&ims_proof_driver);
	if (ret)
		debugfs_remove_recursive(ims_proof_root);
	return ret;
}

static void __exit ims_proof_exit(void)
{
	pci_unregister_driver(&ims_proof_driver);
	debugfs_remove_recursive(ims_proof_root);
}

module_init(ims_proof_init);
module_exit(ims_proof_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("mdev-ims developers <mdev-ims@localhost>");
MODULE_DESCRIPTION("Proof of the PCI/IMS API on the ims-accel function");
