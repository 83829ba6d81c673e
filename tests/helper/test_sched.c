/* The downloader's piece plan and demand index (helper/dsh_sched.h), driven
 * by events without libtorrent or FUSE: what it asks of the swarm
 * (priorities, deadlines, urgent marks) and which reads it answers when. */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dsh_sched.h"

#include "check_run.h"

/* What the fake session saw: the last priorities applied, deadlines in the
 * order they were set, the reads answered and expired. */
struct fake {
	int n;
	uint8_t prio[4096];
	int deadline[65536], ndeadline;
	int ntakes_all, nchanged;
	long ready[4096], nready;
	long expired[4096], nexpired;
	int missing[4096];
};

static void fake_init(struct fake *f, struct dsh_sched *s, int n)
{
	memset(f, 0, sizeof(*f));
	f->n = n;
	memcpy(f->prio, dsh_sched_prio(s), (size_t)n);
}

/* What the session does after each event (dsh_reads.c:apply). */
static void apply(struct fake *f, struct dsh_sched *s)
{
	struct dsh_sched_take t;

	dsh_sched_take(s, &t);
	if (t.all) {
		memcpy(f->prio, t.prio, (size_t)f->n);
		f->ntakes_all++;
	}
	for (int i = 0; i < t.nchanged; i++)
		f->prio[t.changed[i]] = t.prio[t.changed[i]];
	f->nchanged += t.nchanged;
	for (int i = 0; i < t.ndeadline; i++)
		f->deadline[f->ndeadline++] = t.deadline[i];
	/* the applied state is the scheduler's state */
	ck_assert_int_eq(memcmp(f->prio, dsh_sched_prio(s), (size_t)f->n), 0);
}

static void on_ready(void *arg, void *cookie)
{
	struct fake *f = arg;

	f->ready[f->nready++] = (long)cookie;
}

static void on_expired(void *arg, void *cookie, int missing)
{
	struct fake *f = arg;

	f->missing[f->nexpired] = missing;
	f->expired[f->nexpired++] = (long)cookie;
}

static void have(struct fake *f, struct dsh_sched *s, int p)
{
	dsh_sched_have(s, p, on_ready, f);
	apply(f, s);
}

static int wait_for(struct fake *f, struct dsh_sched *s, long cookie, int first, int end, int64_t t)
{
	int rc = dsh_sched_wait(s, (void *)cookie, first, end, t);

	apply(f, s);
	return rc;
}

static int urgent(struct dsh_sched *s, int p)
{
	return __atomic_load_n(&dsh_sched_urgent(s)[p], __ATOMIC_ACQUIRE);
}

START_TEST(shares)
{
	struct dsh_sched_opts o = { .npieces = 100, .share_index = 1, .share_count = 4 };
	struct dsh_sched *s = dsh_sched_new(&o);
	const uint8_t *pr = dsh_sched_prio(s);

	for (int p = 0; p < 100; p++)
		ck_assert_int_eq(pr[p], p >= 25 && p < 50 ? DSH_PRIO_SHARE : DSH_PRIO_DEFAULT);
	ck_assert_int_eq(dsh_sched_strict(s), 0);
	/* nothing happened: nothing to apply */
	struct dsh_sched_take t;
	dsh_sched_take(s, &t);
	ck_assert_int_eq(t.all + t.nchanged + t.ndeadline, 0);
	/* no share, no order: libtorrent's default everywhere */
	struct dsh_sched_opts none = { .npieces = 10 };
	struct dsh_sched *s2 = dsh_sched_new(&none);
	for (int p = 0; p < 10; p++)
		ck_assert_int_eq(dsh_sched_prio(s2)[p], DSH_PRIO_DEFAULT);
	dsh_sched_free(s2);
	dsh_sched_free(s);
}
END_TEST

/* A read of a missing piece: urgent, top priority, asked now; the rest of
 * the set waits below it until the read is answered. */
START_TEST(read_pauses_background)
{
	struct dsh_sched_opts o = { .npieces = 8, .share_index = 0, .share_count = 2 };
	struct dsh_sched *s = dsh_sched_new(&o);
	struct fake f;
	struct dsh_sched_stats st;

	fake_init(&f, s, 8);
	have(&f, s, 6);
	ck_assert_int_eq(wait_for(&f, s, 1, 6, 7, 0), 0);   /* here: answer now */
	ck_assert_int_eq(wait_for(&f, s, 2, 5, 7, 0), 1);   /* 5 missing */
	ck_assert_int_eq(f.ndeadline, 1);
	ck_assert_int_eq(f.deadline[0], 5);
	ck_assert_int_eq(urgent(s, 5), 1);
	ck_assert_int_eq(urgent(s, 6), 0);
	ck_assert_int_eq(f.prio[5], DSH_PRIO_TOP);
	ck_assert_int_eq(f.prio[0], DSH_PRIO_SHARE_PAUSED);
	ck_assert_int_eq(f.prio[7], DSH_PRIO_OTHERS_PAUSED);
	ck_assert_int_eq(f.ntakes_all, 1);
	dsh_sched_stats(s, &st);
	ck_assert_int_eq(st.waiting, 1);
	ck_assert_int_eq(st.urgent, 1);
	ck_assert_int_eq(st.paused, 1);
	/* a second read of the same piece: no second deadline */
	ck_assert_int_eq(wait_for(&f, s, 3, 5, 6, 1), 1);
	ck_assert_int_eq(f.ndeadline, 1);
	/* another piece arrives: nothing answered, still paused */
	have(&f, s, 0);
	ck_assert_int_eq(f.nready, 0);
	have(&f, s, 5);
	ck_assert_int_eq(f.nready, 2);
	ck_assert_int_eq(f.ready[0], 2);   /* in the order they came */
	ck_assert_int_eq(f.ready[1], 3);
	ck_assert_int_eq(urgent(s, 5), 0);
	ck_assert_int_eq(f.ntakes_all, 2);   /* resumed */
	ck_assert_int_eq(f.prio[1], DSH_PRIO_SHARE);
	ck_assert_int_eq(f.prio[7], DSH_PRIO_DEFAULT);
	dsh_sched_stats(s, &st);
	ck_assert_int_eq(st.waiting + st.urgent + st.paused, 0);
	ck_assert_int_eq(st.have, 3);
	dsh_sched_free(s);
}
END_TEST

/* A read of several pieces is answered when the last one arrives, once. */
START_TEST(read_spans_pieces)
{
	struct dsh_sched_opts o = { .npieces = 16 };
	struct dsh_sched *s = dsh_sched_new(&o);
	struct fake f;

	fake_init(&f, s, 16);
	ck_assert_int_eq(wait_for(&f, s, 10, 2, 6, 0), 1);
	ck_assert_int_eq(wait_for(&f, s, 11, 4, 5, 0), 1);
	ck_assert_int_eq(wait_for(&f, s, 12, 0, 99, 0), 1);   /* clamped */
	ck_assert_int_eq(f.ndeadline, 16);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(f.deadline[i], 2 + i);   /* as the first read asked */
	have(&f, s, 4);
	ck_assert_int_eq(f.nready, 1);
	ck_assert_int_eq(f.ready[0], 11);
	have(&f, s, 2);
	have(&f, s, 3);
	ck_assert_int_eq(f.nready, 1);
	have(&f, s, 5);
	ck_assert_int_eq(f.nready, 2);
	ck_assert_int_eq(f.ready[1], 10);
	have(&f, s, 5);   /* twice: nothing */
	ck_assert_int_eq(f.nready, 2);
	for (int p = 0; p < 16; p++)
		have(&f, s, p);
	ck_assert_int_eq(f.nready, 3);
	ck_assert_int_eq(f.ready[2], 12);
	/* -1 and out-of-range pieces are not pieces */
	have(&f, s, -1);
	have(&f, s, 16);
	dsh_sched_free(s);
}
END_TEST

/* Time-outs: the oldest first, only those due; their pieces stop being
 * urgent unless another read still waits for them. */
START_TEST(time_outs)
{
	struct dsh_sched_opts o = { .npieces = 8 };
	struct dsh_sched *s = dsh_sched_new(&o);
	struct fake f;

	fake_init(&f, s, 8);
	wait_for(&f, s, 1, 1, 3, 1000);
	have(&f, s, 1);
	wait_for(&f, s, 2, 2, 3, 1500);
	wait_for(&f, s, 3, 4, 5, 2000);
	ck_assert_int_eq(dsh_sched_expire(s, 1999, 5000, on_expired, &f), 6000 - 1999);
	ck_assert_int_eq(f.nexpired, 0);
	ck_assert_int_eq(dsh_sched_expire(s, 6000, 5000, on_expired, &f), 500);
	apply(&f, s);
	ck_assert_int_eq(f.nexpired, 1);
	ck_assert_int_eq(f.expired[0], 1);
	ck_assert_int_eq(f.missing[0], 2);
	ck_assert_int_eq(urgent(s, 2), 1);   /* read 2 still waits for it */
	ck_assert_int_eq(dsh_sched_expire(s, 7000, 5000, on_expired, &f), -1);
	apply(&f, s);
	ck_assert_int_eq(f.nexpired, 3);
	ck_assert_int_eq(f.expired[1], 2);
	ck_assert_int_eq(f.expired[2], 3);
	ck_assert_int_eq(f.missing[2], 4);
	ck_assert_int_eq(urgent(s, 2), 0);
	ck_assert_int_eq(urgent(s, 4), 0);
	ck_assert_int_eq(f.prio[2], DSH_PRIO_DEFAULT);   /* resumed, not urgent */
	ck_assert_int_eq(f.prio[4], DSH_PRIO_DEFAULT);
	/* what expired is never answered */
	have(&f, s, 2);
	have(&f, s, 4);
	ck_assert_int_eq(f.nready, 0);
	dsh_sched_free(s);
}
END_TEST

/* The recorded order: a window of its next missing pieces at top priority,
 * each arrival raising the next; the rest of the order above the rest. */
START_TEST(recorded_order)
{
	int order[] = { 9, 3, 3, 7, 1, 0, 12, 5, 99, -1 };
	struct dsh_sched_opts o = { .npieces = 16, .order = order, .norder = 10,
				    .piece_size = 1u << 20, .share_index = 0, .share_count = 2 };
	struct dsh_sched *s = dsh_sched_new(&o);
	struct fake f;

	fake_init(&f, s, 16);
	ck_assert_int_eq(dsh_sched_strict(s), 1);
	/* 4 MiB of 1 MiB pieces: a window of 4 */
	ck_assert_int_eq(f.prio[9], DSH_PRIO_TOP);
	ck_assert_int_eq(f.prio[3], DSH_PRIO_TOP);
	ck_assert_int_eq(f.prio[7], DSH_PRIO_TOP);
	ck_assert_int_eq(f.prio[1], DSH_PRIO_TOP);
	ck_assert_int_eq(f.prio[0], DSH_PRIO_ORDER);
	ck_assert_int_eq(f.prio[12], DSH_PRIO_ORDER);
	ck_assert_int_eq(f.prio[2], DSH_PRIO_SHARE_PAUSED);   /* own share, below the order */
	ck_assert_int_eq(f.prio[8], DSH_PRIO_LOW);
	/* piece 0 arrives early (another node had it): the window skips it */
	have(&f, s, 0);
	have(&f, s, 3);
	ck_assert_int_eq(f.prio[12], DSH_PRIO_TOP);
	ck_assert_int_eq(f.ntakes_all, 0);   /* one change, not the whole set */
	ck_assert_int_eq(f.nchanged, 1);
	/* a read: the window keeps going, the share drops */
	wait_for(&f, s, 1, 14, 15, 0);
	ck_assert_int_eq(f.prio[14], DSH_PRIO_TOP);
	ck_assert_int_eq(f.prio[2], DSH_PRIO_LOW);
	ck_assert_int_eq(f.prio[12], DSH_PRIO_TOP);
	have(&f, s, 9);
	ck_assert_int_eq(f.prio[5], DSH_PRIO_TOP);
	have(&f, s, 14);
	ck_assert_int_eq(f.prio[2], DSH_PRIO_SHARE_PAUSED);
	dsh_sched_free(s);
}
END_TEST

START_TEST(prefetch_modes)
{
	struct dsh_sched_opts off = { .npieces = 4, .no_prefetch = 1 };
	struct dsh_sched_opts always = { .npieces = 4, .prefetch_always = 1 };
	struct dsh_sched *s = dsh_sched_new(&off);
	struct fake f;

	fake_init(&f, s, 4);
	for (int p = 0; p < 4; p++)
		ck_assert_int_eq(f.prio[p], DSH_PRIO_LOW);
	wait_for(&f, s, 1, 2, 3, 0);
	ck_assert_int_eq(f.prio[2], DSH_PRIO_TOP);
	ck_assert_int_eq(f.ntakes_all, 0);
	dsh_sched_free(s);   /* a read still waits: freed, under ASan */

	s = dsh_sched_new(&always);
	fake_init(&f, s, 4);
	wait_for(&f, s, 1, 2, 3, 0);
	ck_assert_int_eq(f.prio[2], DSH_PRIO_TOP);
	ck_assert_int_eq(f.prio[1], DSH_PRIO_DEFAULT);
	ck_assert_int_eq(f.ntakes_all, 0);
	dsh_sched_drain(s, on_expired, &f);
	ck_assert_int_eq(f.nexpired, 1);
	dsh_sched_free(s);
}
END_TEST

/* A fake swarm: libtorrent's picker as far as the plan concerns it (the
 * deadlines first, in their order, then the highest priority missing
 * piece, rarest-first ties by lowest index), one piece per step, reads
 * arriving at random.  Every read is answered exactly once, after its last
 * piece, and a piece a read waits for arrives within as many steps as
 * there are pieces asked for before it. */
START_TEST(fake_swarm)
{
	enum { N = 512, READS = 2000 };
	struct dsh_sched_opts o = { .npieces = N, .share_index = 2, .share_count = 8 };
	struct dsh_sched *s = dsh_sched_new(&o);
	static struct fake f;
	static int answered[READS], firsts[READS], ends[READS];
	uint8_t got[N] = { 0 };
	int dl_next = 0, nreads = 0, ngot = 0, bg_before_urgent = 0;
	unsigned seed = 7;

	fake_init(&f, s, N);
	while (ngot < N) {
		/* a read, one step in three */
		if (nreads < READS && rand_r(&seed) % 3 == 0) {
			int a = (int)(rand_r(&seed) % N), len = 1 + (int)(rand_r(&seed) % 4);

			firsts[nreads] = a;
			ends[nreads] = a + len > N ? N : a + len;
			if (wait_for(&f, s, nreads, firsts[nreads], ends[nreads], 0) == 0)
				answered[nreads]++;
			nreads++;
		}
		/* the picker */
		int pick = -1;

		while (dl_next < f.ndeadline && got[f.deadline[dl_next]])
			dl_next++;
		if (dl_next < f.ndeadline) {
			pick = f.deadline[dl_next];
		} else {
			for (int p = 0; p < N; p++)
				if (!got[p] && (pick < 0 || f.prio[p] > f.prio[pick]))
					pick = p;
			/* a background piece while a read waits: only if the
			 * plan left it at top priority (never here: no order) */
			struct dsh_sched_stats st;
			dsh_sched_stats(s, &st);
			if (st.urgent && f.prio[pick] != DSH_PRIO_TOP)
				bg_before_urgent++;
		}
		got[pick] = 1;
		ngot++;
		long before = f.nready;
		have(&f, s, pick);
		for (long i = before; i < f.nready; i++) {
			int r = (int)f.ready[i];

			answered[r]++;
			for (int p = firsts[r]; p < ends[r]; p++)
				ck_assert_msg(got[p], "read %d answered before piece %d", r, p);
		}
		/* the own share before the other nodes' pieces */
		if (f.prio[pick] != DSH_PRIO_TOP && (pick < 128 || pick >= 192))
			for (int p = 128; p < 192; p++)
				ck_assert_msg(got[p], "piece %d before the share's %d", pick, p);
	}
	for (int r = 0; r < nreads; r++)
		ck_assert_int_eq(answered[r], 1);
	ck_assert_int_eq(bg_before_urgent, 0);
	struct dsh_sched_stats st;
	dsh_sched_stats(s, &st);
	ck_assert_int_eq(st.waiting, 0);
	ck_assert_int_eq(st.have, N);
	dsh_sched_free(s);
}
END_TEST

/* Many reads, random arrivals and time-outs: each read leaves once, by one
 * door, and the index is empty at the end (ASan: nothing leaked). */
START_TEST(index_stress)
{
	enum { N = 4096, READS = 4000 };
	struct dsh_sched_opts o = { .npieces = N };
	struct dsh_sched *s = dsh_sched_new(&o);
	static struct fake f;
	static int left[READS];
	unsigned seed = 11;
	int64_t now = 0;

	fake_init(&f, s, N);
	for (int r = 0; r < READS; r++) {
		int a = (int)(rand_r(&seed) % N);

		if (wait_for(&f, s, r, a, a + 1 + (int)(rand_r(&seed) % 8), now) == 0)
			left[r]++;
		have(&f, s, (int)(rand_r(&seed) % N));
		now += 3;
		dsh_sched_expire(s, now, 5000, on_expired, &f);
		apply(&f, s);
	}
	for (long i = 0; i < f.nready; i++)
		left[f.ready[i]]++;
	for (long i = 0; i < f.nexpired; i++)
		left[f.expired[i]]++;
	struct dsh_sched_stats st;
	dsh_sched_stats(s, &st);
	long gone = f.nready + f.nexpired;
	/* the ones still waiting leave through drain */
	dsh_sched_drain(s, on_expired, &f);
	for (long i = gone - f.nready; i < f.nexpired; i++)
		left[f.expired[i]]++;
	for (int r = 0; r < READS; r++)
		ck_assert_msg(left[r] == 1, "read %d left %d times", r, left[r]);
	ck_assert_int_gt(f.nready, 0);
	ck_assert_int_gt(f.nexpired, 0);
	dsh_sched_stats(s, &st);
	ck_assert_int_eq(st.waiting + st.urgent + st.paused, 0);
	for (int p = 0; p < N; p++)
		ck_assert_int_eq(urgent(s, p), 0);
	dsh_sched_free(s);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("sched");
	TCase *tc = tcase_create("sched");

	tcase_add_test(tc, shares);
	tcase_add_test(tc, read_pauses_background);
	tcase_add_test(tc, read_spans_pieces);
	tcase_add_test(tc, time_outs);
	tcase_add_test(tc, recorded_order);
	tcase_add_test(tc, prefetch_modes);
	tcase_add_test(tc, fake_swarm);
	tcase_add_test(tc, index_stress);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(su, tc);
	return check_run(su);
}
