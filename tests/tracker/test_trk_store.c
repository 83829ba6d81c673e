/* test_trk_store.c - the peer store: index consistency under churn, seeder
 * partition, caps, peer selection and expiry. */
#include <check.h>

#include "check_run.h"
#include <stdlib.h>
#include <string.h>

#include "trk_store.h"

static struct trk_peer_in peer(uint8_t swarm, uint32_t n, uint64_t left)
{
	struct trk_peer_in in;
	memset(&in, 0, sizeof(in));
	memset(in.hash, swarm, TRK_HASH_LEN);
	in.ip[10] = in.ip[11] = 0xff;
	in.ip[12] = 10;
	in.ip[13] = (uint8_t)(n >> 16);
	in.ip[14] = (uint8_t)(n >> 8);
	in.ip[15] = (uint8_t)n;
	in.v4 = 1;
	in.port = (uint16_t)(1000 + n % 50000);
	in.left = left;
	return in;
}

struct sel {
	uint8_t v4[6 * 300], v6[18 * 300];
	struct trk_peerlist l;
	uint32_t s, le;
};

static enum trk_store_rc ann(struct trk_store *st, struct trk_peer_in *in, int64_t now,
			     uint32_t want, struct sel *out)
{
	out->l.v4 = out->v4;
	out->l.v6 = out->v6;
	return trk_store_announce(st, in, now, want, &out->l, &out->s, &out->le);
}

/* Every peer findable through the index, seeders exactly in front. */
static void check_invariants(const struct trk_store *st, const uint8_t *hash)
{
	const struct trk_swarm *sw = trk_store_find(st, hash);
	if (!sw)
		return;
	uint32_t used = 0;
	for (uint32_t i = 0; i <= sw->index_mask; i++)
		if (sw->index[i]) {
			used++;
			ck_assert_uint_le(sw->index[i], sw->npeers);
		}
	ck_assert_uint_eq(used, sw->npeers);
	for (uint32_t p = 0; p < sw->npeers; p++)
		ck_assert_int_eq(!!sw->peers[p].seeder, p < sw->nseeders);
}

START_TEST(churn_keeps_index)
{
	struct trk_store st;
	struct sel s;
	ck_assert_int_eq(trk_store_init(&st, 4, 2000), 0);
	srand(7);
	for (int round = 0; round < 20000; round++) {
		uint32_t n = (uint32_t)(rand() % 1500);
		struct trk_peer_in in = peer(1, n, (uint64_t)(rand() % 3));
		in.stopped = rand() % 4 == 0;
		ck_assert_int_eq(ann(&st, &in, 1, 50, &s), TRK_STORE_OK);
		if (round % 997 == 0)
			check_invariants(&st, in.hash);
	}
	struct trk_peer_in in = peer(1, 0, 0);
	check_invariants(&st, in.hash);
	ck_assert_uint_eq(st.npeers, trk_store_find(&st, in.hash)->npeers);
	trk_store_free(&st);
}
END_TEST

static int count_seeders(const struct sel *s, uint32_t lo, uint32_t hi, uint32_t self)
{
	int seeders = 0;

	for (uint32_t i = 0; i < s->l.n4; i++) {
		uint32_t n = (uint32_t)s->v4[6 * i + 2] << 8 | s->v4[6 * i + 3];
		seeders += n >= lo && n < hi;
		ck_assert_uint_ne(n, self);
	}
	return seeders;
}

/* A small swarm gives a peer that has nothing every seeder first; a big
 * one hands each seeder to O(1) newcomers per swarm size, not to all. */
START_TEST(empty_peers_get_seeders_first)
{
	struct trk_store st;
	struct sel s;
	int handed = 0;
	trk_store_init(&st, 4, 2000);
	for (uint32_t n = 0; n < 10; n++) {       /* 10 leechers with data */
		struct trk_peer_in in = peer(1, n, 100);
		in.downloaded = 5;
		ann(&st, &in, 1, 0, &s);
	}
	for (uint32_t n = 500; n < 503; n++) {    /* 3 seeders */
		struct trk_peer_in in = peer(1, n, 0);
		ann(&st, &in, 1, 0, &s);
	}
	struct trk_peer_in newbie = peer(1, 900, 100);
	ck_assert_int_eq(ann(&st, &newbie, 1, 10, &s), TRK_STORE_OK);
	ck_assert_uint_eq(s.l.n4, 10);
	ck_assert_uint_eq(s.s, 3);
	ck_assert_uint_eq(s.le, 11);
	ck_assert_int_eq(count_seeders(&s, 500, 503, 900), 3);
	for (uint32_t n = 10; n < 500; n++) {     /* grow to 500 leechers */
		struct trk_peer_in in = peer(1, n, 100);
		in.downloaded = 5;
		ann(&st, &in, 1, 0, &s);
	}
	/* 300 newcomers: without the cap 900 hand-outs of a seeder; with it
	 * about 3 * 16 * ln(804 / 504) = 22. */
	for (uint32_t n = 1000; n < 1300; n++) {
		struct trk_peer_in in = peer(1, n, 100);
		ck_assert_int_eq(ann(&st, &in, 1, 10, &s), TRK_STORE_OK);
		ck_assert_uint_eq(s.l.n4, 10);
		handed += count_seeders(&s, 500, 503, n);
	}
	ck_assert_int_gt(handed, 5);
	ck_assert_int_lt(handed, 80);
	trk_store_free(&st);
}
END_TEST

START_TEST(random_subsets_spread)
{
	struct trk_store st;
	struct sel s;
	static int hits[1000];
	trk_store_init(&st, 4, 1000);
	for (uint32_t n = 0; n < 1000; n++) {
		struct trk_peer_in in = peer(1, n, 100);
		in.downloaded = 1;
		ann(&st, &in, 1, 0, &s);
	}
	for (int k = 0; k < 2000; k++) {
		struct trk_peer_in in = peer(1, (uint32_t)(k % 1000), 100);
		in.downloaded = 1;
		ann(&st, &in, 1, 50, &s);
		ck_assert_uint_eq(s.l.n4, 50);
		for (uint32_t i = 0; i < 50; i++)
			hits[(uint32_t)s.v4[6 * i + 2] << 8 | s.v4[6 * i + 3]]++;
	}
	/* 100000 picks over 1000 peers: each about 100; a star would give 0s */
	for (int n = 0; n < 1000; n++) {
		ck_assert_int_gt(hits[n], 30);
		ck_assert_int_lt(hits[n], 300);
	}
	trk_store_free(&st);
}
END_TEST

START_TEST(caps_refuse)
{
	struct trk_store st;
	struct sel s;
	trk_store_init(&st, 2, 3);
	for (uint32_t n = 0; n < 3; n++) {
		struct trk_peer_in in = peer(1, n, 1);
		ck_assert_int_eq(ann(&st, &in, 1, 5, &s), TRK_STORE_OK);
	}
	struct trk_peer_in in = peer(1, 3, 1);
	ck_assert_int_eq(ann(&st, &in, 1, 5, &s), TRK_STORE_PEERS_FULL);
	in = peer(1, 2, 0);     /* a known peer may still announce */
	ck_assert_int_eq(ann(&st, &in, 1, 5, &s), TRK_STORE_OK);
	ck_assert_uint_eq(s.l.n4, 2);
	in = peer(2, 0, 1);
	ck_assert_int_eq(ann(&st, &in, 1, 5, &s), TRK_STORE_OK);
	in = peer(3, 0, 1);
	ck_assert_int_eq(ann(&st, &in, 1, 5, &s), TRK_STORE_SWARMS_FULL);
	in = peer(3, 0, 1);     /* stopped for an unknown swarm: no new swarm */
	in.stopped = 1;
	ck_assert_int_eq(ann(&st, &in, 1, 5, &s), TRK_STORE_OK);
	ck_assert_uint_eq(st.nswarms, 2);
	trk_store_free(&st);
}
END_TEST

START_TEST(expiry)
{
	struct trk_store st;
	struct sel s;
	trk_store_init(&st, 64, 100);
	for (uint8_t sw = 1; sw <= 40; sw++)
		for (uint32_t n = 0; n < 20; n++) {
			struct trk_peer_in in = peer(sw, n, n % 2);
			ann(&st, &in, n < 10 ? 100 : 200, 5, &s);
		}
	ck_assert_uint_eq(st.npeers, 800);
	ck_assert_uint_eq(trk_store_expire(&st, 250, 100), 400);   /* seen at 100 */
	ck_assert_uint_eq(st.npeers, 400);
	ck_assert_uint_eq(st.nseeders, 200);
	ck_assert_uint_eq(st.nswarms, 40);
	for (uint8_t sw = 1; sw <= 40; sw++) {
		struct trk_peer_in in = peer(sw, 0, 0);
		check_invariants(&st, in.hash);
	}
	ck_assert_uint_eq(trk_store_expire(&st, 300, 100), 400);
	ck_assert_uint_eq(st.nswarms, 0);
	ck_assert_uint_eq(st.npeers, 0);
	trk_store_free(&st);
}
END_TEST

START_TEST(ipv6_peers)
{
	struct trk_store st;
	struct sel s;
	trk_store_init(&st, 4, 10);
	struct trk_peer_in a = peer(1, 1, 0), b = peer(1, 2, 5);
	memset(a.ip, 0, 16);
	a.ip[15] = 1;
	a.v4 = 0;
	ann(&st, &a, 1, 5, &s);
	ann(&st, &b, 1, 5, &s);
	ck_assert_uint_eq(s.l.n4, 0);
	ck_assert_uint_eq(s.l.n6, 1);
	ck_assert_int_eq(s.v6[15], 1);
	trk_store_free(&st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trk_store");
	TCase *tc = tcase_create("store");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, churn_keeps_index);
	tcase_add_test(tc, empty_peers_get_seeders_first);
	tcase_add_test(tc, random_subsets_spread);
	tcase_add_test(tc, caps_refuse);
	tcase_add_test(tc, expiry);
	tcase_add_test(tc, ipv6_peers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
