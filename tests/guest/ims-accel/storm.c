// SPDX-License-Identifier: GPL-2.0
/*
 * ims-accel: every instance busy at once, every vector firing, counted
 * per vector: zero lost, zero misrouted. A round submits one descriptor
 * per vector of an instance; the next round starts when all of them
 * counted. One message in flight per vector is what the interrupt
 * architecture can count exactly: two messages to one vector before the
 * CPU takes the first merge in the local APIC, on metal as in QEMU.
 * BOOT: base,msix
 * TIMEOUT: 900
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <pthread.h>
#include "kselftest_harness.h"
#include "iav_vfio.h"

#define WAIT_MS		10000
#define ROUNDS		25
/* Host vectors in use at once: CPU vectors are few on a 2-vCPU guest. */
#define MAX_HOST_VEC	60
#define MAX_NR		64

FIXTURE(storm) {
	struct iav_dev d[MAX_NR];
	unsigned int nr;
	char why[128];
	int skip;
};

FIXTURE_VARIANT(storm) {
	unsigned int type;
	int threads;
};

FIXTURE_VARIANT_ADD(storm, t1q4v_serial) { .type = 1, .threads = 0 };
FIXTURE_VARIANT_ADD(storm, t1q4v_threads) { .type = 1, .threads = 1 };
FIXTURE_VARIANT_ADD(storm, t2q8v_threads) { .type = 3, .threads = 1 };
FIXTURE_VARIANT_ADD(storm, t1q1v_threads) { .type = 0, .threads = 1 };

FIXTURE_SETUP(storm)
{
	const struct iav_type_info *ty = &iav_types[variant->type];
	int ret = iav_setup(self->why, sizeof(self->why));
	unsigned int i, j;
	int avail;

	self->nr = 0;
	ASSERT_LE(0, ret) TH_LOG("%s", self->why);
	self->skip = ret;
	if (ret)
		return;
	avail = iav_available(ty->name);
	ASSERT_LT(0, avail);
	self->nr = avail;
	if (self->nr > MAX_HOST_VEC / ty->vectors)
		self->nr = MAX_HOST_VEC / ty->vectors;
	if (self->nr > MAX_NR)
		self->nr = MAX_NR;
	for (i = 0; i < self->nr; i++) {
		iav_init_dev(&self->d[i]);
		ASSERT_EQ(0, iav_open_new(&self->d[i], ty->name))
			TH_LOG("instance %u", i);
		for (j = 0; j < self->d[i].nr_wqs; j++) {
			ASSERT_EQ(0, iav_wq_enable(&self->d[i], j, 1));
		}
		ASSERT_EQ(0, iav_arm(&self->d[i]));
		/* queue errors would show on vector 0: let them */
		ASSERT_EQ(0, iav_ctrl_wr(&self->d[i], IAV_REG_EVT_MASK, 0));
	}
	TH_LOG("%u instances of %s, %u host vectors", self->nr, ty->name,
	       self->nr * ty->vectors);
}

FIXTURE_TEARDOWN(storm)
{
	unsigned int i;

	for (i = 0; i < self->nr; i++) {
		EXPECT_EQ(0, iav_destroy(&self->d[i]));
	}
}

struct worker {
	struct iav_dev *d;
	uint64_t got[IAV_MAX_VEC];
	uint64_t want[IAV_MAX_VEC];
	uint32_t submitted[4];
	int timeout;
};

static void submit_round(struct worker *w, unsigned int round)
{
	struct iav_dev *d = w->d;
	unsigned int v;

	for (v = 1; v <= d->nr_vectors; v++) {
		struct iav_desc desc = iav_nop(v, round);
		unsigned int j = v % d->nr_wqs;

		iav_submit(d, j, &desc);
		w->submitted[j]++;
		w->want[v]++;
	}
}

static int round_done(struct worker *w)
{
	unsigned int v;

	for (v = 0; v < w->d->armed; v++) {
		w->got[v] += efd_count(w->d->efd[v]);
		if (w->got[v] < w->want[v])
			return 0;
	}
	return 1;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	unsigned int r;

	for (r = 0; r < ROUNDS && !w->timeout; r++) {
		double end = now_secs() + WAIT_MS / 1000.0;

		submit_round(w, r);
		while (!round_done(w)) {
			if (now_secs() > end) {
				w->timeout = 1;
				break;
			}
			sleep_ms(1);
		}
	}
	return NULL;
}

TEST_F(storm, all_vectors_counted)
{
	static struct worker w[MAX_NR];
	pthread_t th[MAX_NR];
	unsigned int i, v, j, r;
	uint64_t total = 0;

	if (self->skip)
		SKIP(return, "%s", self->why);
	memset(w, 0, sizeof(w));
	for (i = 0; i < self->nr; i++)
		w[i].d = &self->d[i];

	if (variant->threads) {
		for (i = 0; i < self->nr; i++) {
			ASSERT_EQ(0, pthread_create(&th[i], NULL, worker_run,
						    &w[i]));
		}
		for (i = 0; i < self->nr; i++)
			pthread_join(th[i], NULL);
	} else {
		/* Every instance's round in flight together */
		for (r = 0; r < ROUNDS; r++) {
			double end = now_secs() + WAIT_MS / 1000.0;
			int done;

			for (i = 0; i < self->nr; i++)
				submit_round(&w[i], r);
			do {
				done = 1;
				for (i = 0; i < self->nr; i++)
					done &= round_done(&w[i]);
				if (!done)
					sleep_ms(1);
			} while (!done && now_secs() < end);
			ASSERT_TRUE(done) TH_LOG("round %u timed out", r);
		}
	}

	/* Let anything late or stray arrive, then count exactly. */
	sleep_ms(200);
	for (i = 0; i < self->nr; i++) {
		struct iav_dev *d = &self->d[i];

		EXPECT_FALSE(w[i].timeout) TH_LOG("instance %u timed out", i);
		round_done(&w[i]);
		EXPECT_EQ(0, w[i].got[0]) TH_LOG("instance %u vector 0", i);
		for (v = 1; v <= d->nr_vectors; v++) {
			EXPECT_EQ(ROUNDS, w[i].got[v])
				TH_LOG("instance %u vector %u: %llu of %u",
				       i, v, (unsigned long long)w[i].got[v],
				       ROUNDS);
			total += w[i].got[v];
		}
		for (j = 0; j < d->nr_wqs; j++) {
			EXPECT_EQ(w[i].submitted[j], iav_completed(d, j));
			EXPECT_EQ(0, iav_errors(d, j));
		}
	}
	TH_LOG("%llu interrupts counted", (unsigned long long)total);
}

TEST_HARNESS_MAIN
