// SPDX-License-Identifier: GPL-2.0
/*
 * mtty live migration (VFIO migration v2): a running two-port instance with
 * bytes in flight in a receive FIFO moves through PRE_COPY and STOP_COPY
 * into a second instance, which resumes with the same UART state and
 * raises the pending interrupt there.
 *
 * The resuming side is a trust boundary: whatever a VMM writes to the data
 * fd, however it chunks it, must stay inside the driver's buffer. Valid
 * streams resume under every chunking; streams of the other type, bad
 * headers and port counts, truncated streams, writes past the end and
 * faulting buffers are refused with the errno a VFIO migration driver
 * gives, and the instance works afterwards.
 * TIMEOUT: 600
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mtty_test.h"

#define STREAM_MAX	4096

static long mig_feature_u64(int fd, uint32_t feature)
{
	struct {
		struct vfio_device_feature f;
		uint64_t v;
	} b = { .f = { .argsz = sizeof(b),
		       .flags = VFIO_DEVICE_FEATURE_GET | feature } };

	return ioctl(fd, VFIO_DEVICE_FEATURE, &b) ? -errno : (long)b.v;
}

static int precopy_initial(int data_fd)
{
	struct vfio_precopy_info info = { .argsz = sizeof(info) };

	if (ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, &info))
		return -errno;
	return info.dirty_bytes ? -1 : (int)info.initial_bytes;
}

FIXTURE(mig) {
	struct vfio_dev src, dst;
	int efd;
	pid_t pid;
};

FIXTURE_SETUP(mig)
{
	int ret;

	self->pid = getpid();
	ret = mtty_open_new(&self->src, "mtty-2");

	if (ret == -ENOENT && !sysfs_exists(MTTY_TYPES))
		SKIP(return, "mtty is not available in this guest");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, mtty_open_new(&self->dst, "mtty-2"));
	self->efd = efd_new();
}

FIXTURE_TEARDOWN_PARENT(mig)
{
	mtty_teardown(&self->src, self->pid);
	mtty_teardown(&self->dst, self->pid);
	if (getpid() == self->pid)
		close(self->efd);
}

TEST_F(mig, running_with_data_in_flight)
{
	struct vfio_dev *s = &self->src, *t = &self->dst;
	static uint8_t stream[STREAM_MAX];
	int data_fd = -1, n, len = 0, efd = self->efd;
	const char *msg = "in flight";
	size_t i;

	/* MIGRATION reports the v2 flags mtty offers. */
	EXPECT_EQ(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P |
		  VFIO_MIGRATION_PRE_COPY,
		  mig_feature_u64(s->fd, VFIO_DEVICE_FEATURE_MIGRATION));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, vfio_mig_get(s->fd));

	/* The source runs with bytes waiting in port 1's FIFO. */
	mtty_reg_write(s, 0, UART_FCR, 0x01);
	mtty_reg_write(s, 1, UART_FCR, 0x81);	/* trigger level 8 */
	mtty_reg_write(s, 1, UART_LCR, 0x03);
	mtty_reg_write(s, 0, UART_SCR, 0x42);
	mtty_reg_write(s, 1, UART_IER, UART_IER_RDI);
	for (i = 0; i < 4; i++)
		mtty_reg_write(s, 0, UART_THR, msg[i]);

	ASSERT_EQ(0, vfio_mig_set(s->fd, VFIO_DEVICE_STATE_PRE_COPY, &data_fd));
	ASSERT_LE(0, data_fd);
	n = precopy_initial(data_fd);
	ASSERT_LT(0, n);
	len = read(data_fd, stream, n);
	ASSERT_EQ(n, len);
	EXPECT_EQ(0, precopy_initial(data_fd));
	/* Still running in PRE_COPY: more bytes arrive. */
	for (; i < strlen(msg); i++)
		mtty_reg_write(s, 0, UART_THR, msg[i]);

	ASSERT_EQ(0, vfio_mig_set(s->fd, VFIO_DEVICE_STATE_STOP_COPY, NULL));
	EXPECT_EQ(-EINVAL, precopy_initial(data_fd));
	while ((n = read(data_fd, stream + len, STREAM_MAX - len)) > 0)
		len += n;
	ASSERT_EQ(0, n);
	EXPECT_EQ(mig_feature_u64(s->fd, VFIO_DEVICE_FEATURE_MIG_DATA_SIZE),
		  len);
	/* Stopped: the device's registers do not answer. */
	EXPECT_EQ(0xff, mtty_reg_read(s, 1, UART_LSR));
	ASSERT_EQ(0, vfio_mig_set(s->fd, VFIO_DEVICE_STATE_STOP, NULL));
	close(data_fd);

	/* The target is configured by its user before it resumes. */
	ASSERT_EQ(0, vfio_irq_eventfds(t->fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
				       &efd));
	ASSERT_EQ(0, vfio_mig_set(t->fd, VFIO_DEVICE_STATE_RESUMING, &data_fd));
	ASSERT_LE(0, data_fd);
	ASSERT_EQ(len, write(data_fd, stream, len));
	ASSERT_EQ(0, vfio_mig_set(t->fd, VFIO_DEVICE_STATE_STOP, NULL));
	EXPECT_EQ(0, efd_count(efd));
	close(data_fd);
	ASSERT_EQ(0, vfio_mig_set(t->fd, VFIO_DEVICE_STATE_RUNNING, NULL));
	/* Data available at trigger level 8 is pending: one INTx. */
	EXPECT_EQ(1, efd_count(efd));

	EXPECT_EQ(0x42, mtty_reg_read(t, 0, UART_SCR));
	EXPECT_EQ(0x03, mtty_reg_read(t, 1, UART_LCR));
	EXPECT_EQ(UART_IER_RDI, mtty_reg_read(t, 1, UART_IER));
	EXPECT_EQ(0xc4, mtty_reg_read(t, 1, UART_IIR));
	for (i = 0; i < strlen(msg); i++)
		EXPECT_EQ(msg[i], mtty_reg_read(t, 1, UART_RBR));
	EXPECT_EQ(0x60, mtty_reg_read(t, 1, UART_LSR));
	/* The target carries on as a UART. */
	mtty_reg_write(t, 1, UART_THR, 'z');
	EXPECT_EQ('z', mtty_reg_read(t, 0, UART_RBR));
}

/*
 * Resuming hostile streams. Each variant resumes into an instance of its
 * type a stream saved from a source of the same type ("good"), and has a
 * stream saved from an instance of the other type ("alien").
 */
FIXTURE(resume) {
	struct vfio_dev src, dst, other;
	uint8_t good[STREAM_MAX], alien[STREAM_MAX], buf[STREAM_MAX];
	size_t len, alien_len;
	pid_t pid;
};

FIXTURE_VARIANT(resume) {
	int ports;
};

FIXTURE_VARIANT_ADD(resume, one_port) {
	.ports = 1,
};

FIXTURE_VARIANT_ADD(resume, two_ports) {
	.ports = 2,
};

static const char *mtty_type(int ports)
{
	return ports == 1 ? "mtty-1" : "mtty-2";
}

/* Save @d's state into @buf; @d runs again after. The length or -errno. */
static long save(struct vfio_dev *d, uint8_t *buf)
{
	int data_fd = -1, ret;
	long len = 0, n;

	ret = vfio_mig_set(d->fd, VFIO_DEVICE_STATE_STOP_COPY, &data_fd);
	if (ret)
		return ret;
	while ((n = read(data_fd, buf + len, STREAM_MAX - len)) > 0)
		len += n;
	ret = n < 0 ? -errno : 0;
	close(data_fd);
	if (!ret)
		ret = vfio_mig_set(d->fd, VFIO_DEVICE_STATE_RUNNING, NULL);
	return ret ? ret : len;
}

/* A source with state worth carrying: config, registers, bytes in a FIFO. */
static void prime(struct __test_metadata *_metadata, struct vfio_dev *d,
		  int ports)
{
	int peer = ports - 1;	/* port 0's cable ends there */
	uint8_t line = 0x0b;

	ASSERT_EQ(0, mtty_cfg_write16(d, PCI_COMMAND, PCI_COMMAND_IO));
	ASSERT_EQ(0, vfio_region_write(d, VFIO_PCI_CONFIG_REGION_INDEX,
				       PCI_INTERRUPT_LINE, &line, 1));
	mtty_reg_write(d, 0, UART_LCR, 0x03);
	mtty_reg_write(d, 0, UART_SCR, 0x40 + ports);
	mtty_reg_write(d, peer, UART_FCR, 0x81);	/* trigger level 8 */
	mtty_reg_write(d, peer, UART_IER, UART_IER_RDI);
	mtty_reg_write(d, 0, UART_THR, 'm');
	mtty_reg_write(d, 0, UART_THR, 't');
	ASSERT_EQ(UART_LSR_DR, mtty_reg_read(d, peer, UART_LSR) & UART_LSR_DR);
}

FIXTURE_SETUP(resume)
{
	int other = 3 - variant->ports;
	long n;
	int ret;

	self->pid = getpid();
	ret = mtty_open_new(&self->src, mtty_type(variant->ports));
	if (ret == -ENOENT && !sysfs_exists(MTTY_TYPES))
		SKIP(return, "mtty is not available in this guest");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, mtty_open_new(&self->dst, mtty_type(variant->ports)));
	ASSERT_EQ(0, mtty_open_new(&self->other, mtty_type(other)));
	prime(_metadata, &self->src, variant->ports);
	prime(_metadata, &self->other, other);

	n = save(&self->src, self->good);
	ASSERT_EQ(MTTY_MIG_SIZE(variant->ports), n);
	ASSERT_EQ(n, mig_feature_u64(self->dst.fd,
				     VFIO_DEVICE_FEATURE_MIG_DATA_SIZE));
	self->len = n;
	n = save(&self->other, self->alien);
	ASSERT_EQ(MTTY_MIG_SIZE(other), n);
	self->alien_len = n;

	/* The layout the cases below take apart. */
	ASSERT_EQ(MTTY_MIG_MAGIC, self->good[0] | self->good[1] << 8 |
		  self->good[2] << 16 | (uint32_t)self->good[3] << 24);
	ASSERT_EQ(MTTY_MIG_VERSION, self->good[MTTY_MIG_OFF_VERSION] |
		  self->good[MTTY_MIG_OFF_VERSION + 1] << 8);
	ASSERT_EQ(variant->ports, self->good[MTTY_MIG_OFF_NR_PORTS] |
		  self->good[MTTY_MIG_OFF_NR_PORTS + 1] << 8);
}

FIXTURE_TEARDOWN_PARENT(resume)
{
	mtty_teardown(&self->src, self->pid);
	mtty_teardown(&self->dst, self->pid);
	mtty_teardown(&self->other, self->pid);
}

/* RUNNING to RESUMING; the data fd. */
static int begin(struct __test_metadata *_metadata, struct vfio_dev *d)
{
	int data_fd = -1;

	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, vfio_mig_get(d->fd));
	ASSERT_EQ(0, vfio_mig_set(d->fd, VFIO_DEVICE_STATE_RESUMING, &data_fd));
	ASSERT_LE(0, data_fd);
	return data_fd;
}

/* write(2) as one value: the count, or -errno. */
static long put(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	return n < 0 ? -errno : n;
}

/*
 * The good stream is all in: STOP loads it, and the instance saved again
 * gives it back byte for byte; the instance runs after.
 */
static void finish(struct __test_metadata *_metadata,
		   FIXTURE_DATA(resume) *self, int data_fd)
{
	close(data_fd);
	ASSERT_EQ(0, vfio_mig_set(self->dst.fd, VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(self->len, save(&self->dst, self->buf));
	ASSERT_EQ(0, memcmp(self->good, self->buf, self->len));
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, vfio_mig_get(self->dst.fd));
}

/*
 * The session was refused: leaving RESUMING fails and the device stays
 * there until a reset returns it to RUNNING.
 */
static void refused(struct __test_metadata *_metadata, struct vfio_dev *d,
		    int data_fd)
{
	ASSERT_EQ(-ENODEV, put(data_fd, "x", 1));
	close(data_fd);
	ASSERT_EQ(-EINVAL, vfio_mig_set(d->fd, VFIO_DEVICE_STATE_RUNNING, NULL));
	ASSERT_EQ(VFIO_DEVICE_STATE_RESUMING, vfio_mig_get(d->fd));
	ASSERT_EQ(0, ioctl(d->fd, VFIO_DEVICE_RESET));
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, vfio_mig_get(d->fd));
}

/*
 * A stream whose header the card refuses with @err, as soon as the header
 * is complete: sent alone, then whole, each in a session of its own.
 */
static void header_refused(struct __test_metadata *_metadata,
			   struct vfio_dev *d, const uint8_t *s, size_t len,
			   long err, const char *what)
{
	int fd;

	fd = begin(_metadata, d);
	ASSERT_EQ(err, put(fd, s, MTTY_MIG_HDR_SIZE))
		TH_LOG("%s, header alone", what);
	refused(_metadata, d, fd);

	fd = begin(_metadata, d);
	ASSERT_EQ(err, put(fd, s, len))
		TH_LOG("%s, whole stream", what);
	refused(_metadata, d, fd);
}

/*
 * What "the instance still works" means after hostile streams: it resumes
 * a good stream, then carries a byte from port 0 to the other end of its
 * cable.
 */
static void still_works(struct __test_metadata *_metadata,
			FIXTURE_DATA(resume) *self, int ports)
{
	struct vfio_dev *d = &self->dst;
	int peer = ports - 1, i;
	int data_fd = begin(_metadata, d);

	ASSERT_EQ(self->len, put(data_fd, self->good, self->len));
	finish(_metadata, self, data_fd);

	for (i = 0; i <= 16; i++) {
		if (!(mtty_reg_read(d, peer, UART_LSR) & UART_LSR_DR))
			break;
		mtty_reg_read(d, peer, UART_RBR);
	}
	ASSERT_EQ(0, mtty_reg_read(d, peer, UART_LSR) & UART_LSR_DR);
	mtty_reg_write(d, 0, UART_THR, 'w');
	ASSERT_EQ(UART_LSR_DR, mtty_reg_read(d, peer, UART_LSR) & UART_LSR_DR);
	ASSERT_EQ('w', mtty_reg_read(d, peer, UART_RBR));
}

/* Two writes, split at every offset of the stream, the ends included. */
TEST_F(resume, split_at_every_offset)
{
	size_t k;
	int fd;

	for (k = 0; k <= self->len; k++) {
		fd = begin(_metadata, &self->dst);
		ASSERT_EQ(k, put(fd, self->good, k))
			TH_LOG("split at %zu", k);
		ASSERT_EQ(self->len - k, put(fd, self->good + k, self->len - k))
			TH_LOG("split at %zu", k);
		finish(_metadata, self, fd);
	}
	still_works(_metadata, self, variant->ports);
}

/* Chunks of every size, 1 (byte by byte) to the whole stream. */
TEST_F(resume, every_chunk_size)
{
	size_t c, off, n;
	int fd;

	for (c = 1; c <= self->len; c++) {
		fd = begin(_metadata, &self->dst);
		for (off = 0; off < self->len; off += n) {
			n = self->len - off < c ? self->len - off : c;
			ASSERT_EQ(n, put(fd, self->good + off, n))
				TH_LOG("chunks of %zu, at %zu", c, off);
		}
		finish(_metadata, self, fd);
	}
	still_works(_metadata, self, variant->ports);
}

/* Every way of chunking the header (2^7), the rest in one write. */
TEST_F(resume, every_header_chunking)
{
	unsigned int cuts;
	size_t off, end;
	int fd;

	for (cuts = 0; cuts < 1 << (MTTY_MIG_HDR_SIZE - 1); cuts++) {
		fd = begin(_metadata, &self->dst);
		for (off = 0; off < MTTY_MIG_HDR_SIZE; off = end) {
			/* Bit i of @cuts ends a write at offset i + 1. */
			for (end = off + 1; end < MTTY_MIG_HDR_SIZE; end++)
				if (cuts & 1 << (end - 1))
					break;
			ASSERT_EQ(end - off, put(fd, self->good + off, end - off))
				TH_LOG("cuts %#x, at %zu", cuts, off);
		}
		ASSERT_EQ(self->len - off, put(fd, self->good + off,
					       self->len - off));
		finish(_metadata, self, fd);
	}
	still_works(_metadata, self, variant->ports);
}

/*
 * A header whose port count is not the instance's, the header cut at
 * every offset: the write that completes it is refused, so nothing after
 * it reaches the driver's buffer, however large the count. Counts: none,
 * the other type's, one past the largest card, a count whose low byte is
 * the instance's (a write cut inside the field must not mix the two), the
 * largest.
 */
TEST_F(resume, bad_port_count)
{
	const unsigned int counts[] = { 0, 3 - variant->ports,
					MTTY_MIG_MAX_PORTS + 1,
					0x100 | variant->ports, 0xffff };
	uint8_t *hdr = self->buf;
	size_t i, h;
	int fd;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		for (h = 0; h < MTTY_MIG_HDR_SIZE; h++) {
			memcpy(hdr, self->good, self->len);
			hdr[MTTY_MIG_OFF_NR_PORTS] = counts[i];
			hdr[MTTY_MIG_OFF_NR_PORTS + 1] = counts[i] >> 8;
			fd = begin(_metadata, &self->dst);
			ASSERT_EQ(h, put(fd, hdr, h));
			ASSERT_EQ(-EINVAL, put(fd, hdr + h, MTTY_MIG_HDR_SIZE - h))
				TH_LOG("port count %#x, header cut at %zu",
				       counts[i], h);
			/* All a large count would have let in. */
			ASSERT_EQ(-ENODEV, put(fd, hdr + MTTY_MIG_HDR_SIZE,
					       STREAM_MAX - MTTY_MIG_HDR_SIZE));
			refused(_metadata, &self->dst, fd);
		}
	}
	still_works(_metadata, self, variant->ports);
}

/*
 * The heap overflow as a VMM would trigger it: a header of its own that
 * claims one port more than any card has, then the body of such a card,
 * which ends past the driver's buffer. The header is refused and nothing
 * of the body is taken.
 */
TEST_F(resume, header_alone_cannot_move_the_bound)
{
	size_t len = MTTY_MIG_SIZE(MTTY_MIG_MAX_PORTS + 1);
	uint8_t *s = self->buf;
	int fd;

	memset(s, 0, len);
	memcpy(s, self->good, self->len);
	s[MTTY_MIG_OFF_NR_PORTS] = MTTY_MIG_MAX_PORTS + 1;
	s[MTTY_MIG_OFF_NR_PORTS + 1] = 0;
	fd = begin(_metadata, &self->dst);
	EXPECT_EQ(-EINVAL, put(fd, s, MTTY_MIG_HDR_SIZE));
	EXPECT_EQ(-ENODEV, put(fd, s + MTTY_MIG_HDR_SIZE,
			       len - MTTY_MIG_HDR_SIZE));
	refused(_metadata, &self->dst, fd);
	still_works(_metadata, self, variant->ports);
}

/*
 * The other type's stream (2 ports into 1, 1 into 2): refused when its
 * header is complete, whether the header comes alone, byte by byte or with
 * the whole stream.
 */
TEST_F(resume, other_type)
{
	const uint8_t *s = self->alien;
	size_t i;
	int fd;

	/* The header alone, then the rest: the rest must not be taken. */
	fd = begin(_metadata, &self->dst);
	EXPECT_EQ(-EINVAL, put(fd, s, MTTY_MIG_HDR_SIZE));
	EXPECT_EQ(-ENODEV, put(fd, s + MTTY_MIG_HDR_SIZE,
			       self->alien_len - MTTY_MIG_HDR_SIZE));
	EXPECT_EQ(-EINVAL, vfio_mig_set(self->dst.fd, VFIO_DEVICE_STATE_STOP, NULL));
	close(fd);
	ASSERT_EQ(0, ioctl(self->dst.fd, VFIO_DEVICE_RESET));

	/* Byte by byte: the eighth byte is refused. */
	fd = begin(_metadata, &self->dst);
	for (i = 0; i < MTTY_MIG_HDR_SIZE - 1; i++) {
		/* Braced: ASSERT_EQ() is more than one statement. */
		ASSERT_EQ(1, put(fd, s + i, 1));
	}
	ASSERT_EQ(-EINVAL, put(fd, s + i, 1));
	refused(_metadata, &self->dst, fd);

	/* The whole stream in one write. */
	fd = begin(_metadata, &self->dst);
	ASSERT_EQ(-EINVAL, put(fd, s, self->alien_len));
	refused(_metadata, &self->dst, fd);

	still_works(_metadata, self, variant->ports);
}

/* Not an mtty stream: refused with EINVAL, header alone or whole. */
TEST_F(resume, bad_magic)
{
	const uint32_t magics[] = { 0, MTTY_MIG_MAGIC ^ 1, MTTY_MIG_MAGIC << 8,
				    0x5a5a5a5a };
	uint8_t *s = self->buf;
	size_t i;
	char what[32];

	for (i = 0; i < ARRAY_SIZE(magics); i++) {
		memcpy(s, self->good, self->len);
		s[0] = magics[i];
		s[1] = magics[i] >> 8;
		s[2] = magics[i] >> 16;
		s[3] = magics[i] >> 24;
		snprintf(what, sizeof(what), "magic %#x", magics[i]);
		header_refused(_metadata, &self->dst, s, self->len, -EINVAL,
			       what);
	}
	still_works(_metadata, self, variant->ports);
}

/*
 * An mtty stream of a version this driver does not know: EOPNOTSUPP, as
 * for a record a VFIO migration driver cannot parse.
 */
TEST_F(resume, bad_version)
{
	const uint16_t versions[] = { 0, MTTY_MIG_VERSION + 1, 0xffff };
	uint8_t *s = self->buf;
	size_t i;
	char what[32];

	for (i = 0; i < ARRAY_SIZE(versions); i++) {
		memcpy(s, self->good, self->len);
		s[MTTY_MIG_OFF_VERSION] = versions[i];
		s[MTTY_MIG_OFF_VERSION + 1] = versions[i] >> 8;
		snprintf(what, sizeof(what), "version %u", versions[i]);
		header_refused(_metadata, &self->dst, s, self->len,
			       -EOPNOTSUPP, what);
	}
	still_works(_metadata, self, variant->ports);
}

/*
 * A whole stream with a good header whose state the card cannot be in:
 * every write is taken, and leaving RESUMING fails with EINVAL.
 */
TEST_F(resume, bad_state)
{
	const struct {
		size_t off;
		uint8_t val;
	} bad[] = {
		{ MTTY_MIG_OFF_LINE, 2 },
		{ MTTY_MIG_OFF_LINE + 1, 1 },	/* reserved */
		{ MTTY_MIG_OFF_LINE + 7, 0x80 },	/* reserved */
		{ MTTY_MIG_OFF_PORT(0) + MTTY_MIG_PORT_IER, 0x10 },
		{ MTTY_MIG_OFF_PORT(0) + MTTY_MIG_PORT_RX_HEAD, 16 },
		{ MTTY_MIG_OFF_PORT(variant->ports - 1) +
		  MTTY_MIG_PORT_RX_COUNT, 17 },
	};
	uint8_t *s = self->buf;
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memcpy(s, self->good, self->len);
		s[bad[i].off] = bad[i].val;
		fd = begin(_metadata, &self->dst);
		ASSERT_EQ(self->len, put(fd, s, self->len));
		ASSERT_EQ(-EINVAL, vfio_mig_set(self->dst.fd,
					   VFIO_DEVICE_STATE_RUNNING, NULL))
			TH_LOG("byte %zu = %#x", bad[i].off, bad[i].val);
		ASSERT_EQ(VFIO_DEVICE_STATE_RESUMING, vfio_mig_get(self->dst.fd));
		close(fd);
		ASSERT_EQ(0, ioctl(self->dst.fd, VFIO_DEVICE_RESET));
	}
	still_works(_metadata, self, variant->ports);
}

/*
 * A stream cut short at every offset: leaving RESUMING fails with EINVAL
 * and the device stays in RESUMING, the session still open. Either the
 * rest of the stream completes it, or a reset abandons it.
 */
TEST_F(resume, truncated)
{
	struct vfio_dev *d = &self->dst;
	size_t k;
	int fd;

	for (k = 0; k < self->len; k++) {
		fd = begin(_metadata, d);
		ASSERT_EQ(k, put(fd, self->good, k));
		ASSERT_EQ(-EINVAL, vfio_mig_set(d->fd, VFIO_DEVICE_STATE_RUNNING,
					   NULL))
			TH_LOG("cut at %zu", k);
		ASSERT_EQ(VFIO_DEVICE_STATE_RESUMING, vfio_mig_get(d->fd));
		ASSERT_EQ(-EINVAL, vfio_mig_set(d->fd, VFIO_DEVICE_STATE_STOP, NULL));
		ASSERT_EQ(self->len - k, put(fd, self->good + k, self->len - k));
		finish(_metadata, self, fd);

		fd = begin(_metadata, d);
		ASSERT_EQ(k, put(fd, self->good, k));
		ASSERT_EQ(-EINVAL, vfio_mig_set(d->fd, VFIO_DEVICE_STATE_RUNNING,
					   NULL));
		close(fd);
		ASSERT_EQ(0, ioctl(d->fd, VFIO_DEVICE_RESET));
		ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, vfio_mig_get(d->fd));
	}
	still_works(_metadata, self, variant->ports);
}

/*
 * Writes past the end of the instance's stream: ENOMEM, as VFIO migration
 * drivers answer a write beyond the data they can take, and nothing of
 * them is taken; once STOP has loaded the stream the file is closed.
 */
TEST_F(resume, write_after_end)
{
	static uint8_t junk[STREAM_MAX];
	int fd;

	memset(junk, 0x5a, sizeof(junk));
	fd = begin(_metadata, &self->dst);
	ASSERT_EQ(-ENOMEM, put(fd, self->good, self->len + 1));
	ASSERT_EQ(self->len - 1, put(fd, self->good, self->len - 1));
	ASSERT_EQ(-ENOMEM, put(fd, self->good + self->len - 1, 2));
	ASSERT_EQ(1, put(fd, self->good + self->len - 1, 1));
	ASSERT_EQ(-ENOMEM, put(fd, junk, 1));
	ASSERT_EQ(-ENOMEM, put(fd, junk, sizeof(junk)));
	ASSERT_EQ(0, put(fd, junk, 0));
	ASSERT_EQ(0, vfio_mig_set(self->dst.fd, VFIO_DEVICE_STATE_STOP, NULL));
	ASSERT_EQ(-ENODEV, put(fd, junk, 1));
	ASSERT_EQ(0, vfio_mig_set(self->dst.fd, VFIO_DEVICE_STATE_RESUMING, NULL));
	ASSERT_EQ(-ENODEV, put(fd, self->good, self->len));
	close(fd);
	ASSERT_EQ(0, ioctl(self->dst.fd, VFIO_DEVICE_RESET));
	still_works(_metadata, self, variant->ports);
}

/*
 * A buffer that faults part way, in the header or in the state: EFAULT,
 * nothing taken, and the session goes on.
 */
TEST_F(resume, faulting_buffer)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t cut[] = { 4, MTTY_MIG_HDR_SIZE, MTTY_MIG_HDR_SIZE + 1,
			 self->len - 1 };
	uint8_t *p, *q;
	size_t i;
	int fd;

	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + page, page));

	for (i = 0; i < ARRAY_SIZE(cut); i++) {
		/* The stream's first cut[i] bytes end the mapped page. */
		q = p + page - cut[i];
		memcpy(q, self->good, cut[i]);
		fd = begin(_metadata, &self->dst);
		ASSERT_EQ(-EFAULT, put(fd, q, self->len))
			TH_LOG("fault at %zu", cut[i]);
		ASSERT_EQ(self->len, put(fd, self->good, self->len));
		finish(_metadata, self, fd);
	}
	munmap(p, page);
	still_works(_metadata, self, variant->ports);
}

TEST_HARNESS_MAIN
