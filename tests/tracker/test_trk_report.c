/* test_trk_report.c - posted status reports: what is accepted, what is
 * refused and why, and that the store keeps a report exactly as long as its
 * peer (ASan finds a report that outlives or leaks from its peer). */
#include <check.h>

#include "check_run.h"
#include <stdlib.h>
#include <string.h>

#include "trk_report.h"

static uint8_t H[TRK_HASH_LEN];

static const char *parse(const char *body, struct trk_report **r)
{
	return trk_report_parse(body, strlen(body), H, 7, r);
}

START_TEST(accepts_status)
{
	struct trk_report *r;
	const char *doc = "{ \"set\": \"scipy\", \"infohash\": "
		"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\n"
		"  \"complete\": true, \"bytes\": { \"received\": 3000, \"sent\": 10,\n"
		"  \"from_seeders\": 2000, \"from_peers\": 1000 } }\n";

	ck_assert_ptr_null(parse(doc, &r));
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->received, 3000);
	ck_assert_uint_eq(r->sent, 10);
	ck_assert_uint_eq(r->from_seeders, 2000);
	ck_assert_uint_eq(r->from_peers, 1000);
	ck_assert_int_eq(r->complete, 1);
	ck_assert_int_eq(r->time, 7);
	ck_assert_ptr_null(strchr(r->json, '\n'));   /* stored compact */
	ck_assert_uint_eq(strlen(r->json), r->len);
	free(r);
	ck_assert_ptr_null(parse("{}", &r));         /* every field is optional */
	ck_assert_uint_eq(r->received, 0);
	free(r);
}
END_TEST

START_TEST(refuses_bad)
{
	static const struct { const char *body, *why; } cases[] = {
		{ "", "empty body" },
		{ "{\"a\":", "not valid JSON" },
		{ "{} x", "not valid JSON" },
		{ "[]", "not a JSON object" },
		{ "42", "not a JSON object" },
		{ "{\"a\":[[[[[[[[[[1]]]]]]]]]]}", "nested deeper" },
		{ "{\"uid\":-1}", "not a uid" },
		{ "{\"uid\":\"0\"}", "not a uid" },
		{ "{\"infohash\":7}", "not 40 or 64 hex" },
		{ "{\"bytes\":{\"sent\":-1}}", "integers >= 0" },
		{ "{\"bytes\":{\"from_peers\":1.5}}", "integers >= 0" },
	};
	struct trk_report *r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = parse(cases[i].body, &r);

		ck_assert_msg(why && strstr(why, cases[i].why), "%s: got %s", cases[i].body,
			      why ? why : "accepted");
		ck_assert_ptr_null(r);
	}
	ck_assert_ptr_nonnull(trk_report_parse("{}\0", 3, H, 0, &r));
	char *big = malloc(TRK_REPORT_MAX + 2);
	memset(big, ' ', TRK_REPORT_MAX + 1);
	big[0] = '{';
	big[TRK_REPORT_MAX] = '}';
	big[TRK_REPORT_MAX + 1] = 0;
	ck_assert_ptr_nonnull(strstr(parse(big, &r), "larger than 8192"));
	big[TRK_REPORT_MAX - 1] = '}';
	big[TRK_REPORT_MAX] = 0;
	ck_assert_ptr_null(parse(big, &r));           /* exactly at the limit */
	free(r);
	free(big);
}
END_TEST

static struct trk_peer_in peer(uint32_t n, uint64_t left)
{
	struct trk_peer_in in;

	memset(&in, 0, sizeof(in));
	memcpy(in.hash, H, TRK_HASH_LEN);
	in.ip[10] = in.ip[11] = 0xff;
	in.ip[12] = 10;
	in.ip[15] = (uint8_t)n;
	in.v4 = 1;
	in.port = (uint16_t)(6000 + n);
	in.left = left;
	return in;
}

static void announce(struct trk_store *st, struct trk_peer_in *in, int64_t now)
{
	uint8_t v4[600], v6[1800];
	struct trk_peerlist l = { v4, v6, 0, 0 };
	uint32_t s, le;

	ck_assert_int_eq(trk_store_announce(st, in, now, 50, &l, &s, &le), TRK_STORE_OK);
}

static struct trk_report *rep(uint64_t received)
{
	struct trk_report *r = calloc(1, sizeof(*r) + 3);

	r->received = received;
	r->len = 2;
	memcpy(r->json, "{}", 3);
	return r;
}

static const struct trk_peer *find(const struct trk_store *st, const struct trk_peer_in *in)
{
	const struct trk_swarm *sw = trk_store_find(st, H);

	for (uint32_t i = 0; sw && i < sw->npeers; i++)
		if (sw->peers[i].port == in->port)
			return &sw->peers[i];
	return NULL;
}

START_TEST(store_keeps_report_with_peer)
{
	struct trk_store st;
	struct trk_peer_in a = peer(1, 10), b = peer(2, 10), c = peer(3, 0);

	ck_assert_int_eq(trk_store_init(&st, 4, 100), 0);
	ck_assert_int_eq(trk_store_report(&st, H, a.ip, a.port, a.peer_id, 1, rep(1)), TRK_STORE_NO_PEER);
	announce(&st, &a, 1);
	announce(&st, &b, 1);
	announce(&st, &c, 1);
	ck_assert_int_eq(trk_store_report(&st, H, a.ip, a.port, a.peer_id, 1, rep(1)), TRK_STORE_OK);
	ck_assert_int_eq(trk_store_report(&st, H, a.ip, a.port, a.peer_id, 1, rep(11)), TRK_STORE_OK);
	ck_assert_int_eq(trk_store_report(&st, H, b.ip, b.port, b.peer_id, 1, rep(2)), TRK_STORE_OK);
	ck_assert_int_eq(trk_store_report(&st, H, b.ip, 9, b.peer_id, 1, rep(2)), TRK_STORE_NO_PEER);
	/* a becomes a seeder: it moves to the front, its report goes with it */
	a.left = 0;
	announce(&st, &a, 2);
	ck_assert_uint_eq(find(&st, &a)->report->received, 11);
	ck_assert_uint_eq(find(&st, &b)->report->received, 2);
	ck_assert_ptr_null(find(&st, &c)->report);
	/* stopped: gone with its report; b keeps its own */
	a.stopped = 1;
	announce(&st, &a, 3);
	ck_assert_ptr_null(find(&st, &a));
	ck_assert_uint_eq(find(&st, &b)->report->received, 2);
	/* expiry drops b and its report; c (no report) stays */
	announce(&st, &c, 50);
	ck_assert_uint_eq(trk_store_expire(&st, 60, 30), 1);
	ck_assert_ptr_null(find(&st, &b));
	/* the store frees what is left */
	ck_assert_int_eq(trk_store_report(&st, H, c.ip, c.port, c.peer_id, 60, rep(3)), TRK_STORE_OK);
	trk_store_free(&st);
}
END_TEST

/* A peer is its address, port AND peer id: nobody else stops it, changes it
 * or files its report; another id takes an address and port over only from
 * an entry that has gone quiet. */
START_TEST(store_peer_identity)
{
	struct trk_store st;
	struct trk_peer_in a = peer(1, 10), evil;
	uint8_t v4[600], v6[1800];
	struct trk_peerlist l = { v4, v6, 0, 0 };
	uint32_t s, le;

	ck_assert_int_eq(trk_store_init(&st, 4, 100), 0);
	st.lim.takeover_after = 45;
	memcpy(a.peer_id, "-DS0001-aaaaaaaaaaaa", 20);
	announce(&st, &a, 1);
	evil = a;
	memcpy(evil.peer_id, "-DS0001-evilevilevil", 20);
	evil.stopped = 1;
	ck_assert_int_eq(trk_store_announce(&st, &evil, 2, 50, &l, &s, &le), TRK_STORE_STOP_NOT_OWNER);
	ck_assert_ptr_nonnull(find(&st, &a));
	evil.stopped = 0;
	evil.left = 0;
	ck_assert_int_eq(trk_store_announce(&st, &evil, 2, 50, &l, &s, &le), TRK_STORE_NOT_OWNER);
	ck_assert_uint_eq(find(&st, &a)->left, 10);
	ck_assert_int_eq(trk_store_report(&st, H, a.ip, a.port, evil.peer_id, 2, rep(5)),
			 TRK_STORE_NOT_OWNER);
	ck_assert_int_eq(trk_store_report(&st, H, a.ip, a.port, a.peer_id, 2, rep(6)), TRK_STORE_OK);
	/* a missed its re-announce: a new process on that port takes over,
	 * without a's report */
	ck_assert_int_eq(trk_store_announce(&st, &evil, 47, 50, &l, &s, &le), TRK_STORE_OK);
	ck_assert_ptr_null(find(&st, &a)->report);
	ck_assert_int_eq(memcmp(find(&st, &a)->peer_id, evil.peer_id, 20), 0);
	trk_store_free(&st);
}
END_TEST

/* Caps: per address, in total, report rate and report bytes. */
START_TEST(store_caps)
{
	struct trk_store st;
	uint8_t v4[600], v6[1800];
	struct trk_peerlist l = { v4, v6, 0, 0 };
	uint32_t s, le;
	struct trk_peer_in p = peer(1, 10);

	ck_assert_int_eq(trk_store_init(&st, 4, 1000), 0);
	st.lim.max_peers_per_addr = 5;
	st.lim.max_total_peers = 8;
	st.lim.max_report_bytes = 3 * (sizeof(struct trk_report) + 3);
	for (int i = 0; i < 7; i++) {
		p.port = (uint16_t)(100 + i);
		ck_assert_int_eq(trk_store_announce(&st, &p, 1, 50, &l, &s, &le),
				 i < 5 ? TRK_STORE_OK : TRK_STORE_ADDR_FULL);
	}
	p.ip[15] = 9;   /* another address: only the total cap is left */
	for (int i = 0; i < 5; i++) {
		p.port = (uint16_t)(100 + i);
		ck_assert_int_eq(trk_store_announce(&st, &p, 1, 50, &l, &s, &le),
				 i < 3 ? TRK_STORE_OK : TRK_STORE_TOTAL_FULL);
	}
	ck_assert_uint_eq(st.npeers, 8);
	/* stopping one frees its place for its address */
	p.port = 100;
	p.stopped = 1;
	ck_assert_int_eq(trk_store_announce(&st, &p, 1, 50, &l, &s, &le), TRK_STORE_OK);
	p.stopped = 0;
	p.port = 200;
	ck_assert_int_eq(trk_store_announce(&st, &p, 1, 50, &l, &s, &le), TRK_STORE_OK);
	ck_assert_uint_eq(st.addrs.n, 2);
	/* a report burst of 4, then one a second */
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(trk_store_report(&st, H, p.ip, 200, p.peer_id, 5, rep(1)),
				 i < 4 ? TRK_STORE_OK : TRK_STORE_REPORT_RATE);
	ck_assert_int_eq(trk_store_report(&st, H, p.ip, 200, p.peer_id, 6, rep(1)), TRK_STORE_OK);
	/* the byte budget: 3 small reports fit, a 4th peer's does not */
	ck_assert_int_eq(trk_store_report(&st, H, p.ip, 101, p.peer_id, 5, rep(1)), TRK_STORE_OK);
	ck_assert_int_eq(trk_store_report(&st, H, p.ip, 102, p.peer_id, 5, rep(1)), TRK_STORE_OK);
	ck_assert_int_eq(trk_store_report(&st, H, p.ip, 200, p.peer_id, 7, rep(2)), TRK_STORE_OK);
	ck_assert_int_eq(trk_store_report(&st, H, p.ip, 101, p.peer_id, 7, rep(2)), TRK_STORE_OK);
	p.ip[15] = 1;
	ck_assert_int_eq(trk_store_report(&st, H, p.ip, 101, p.peer_id, 5, rep(1)),
			 TRK_STORE_REPORTS_FULL);
	/* expiry gives it all back */
	ck_assert_uint_eq(trk_store_expire(&st, 100, 30), 8);
	ck_assert_uint_eq(st.report_bytes, 0);
	ck_assert_uint_eq(st.addrs.n, 0);
	trk_store_free(&st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trk_report");
	TCase *tc = tcase_create("report");
	memset(H, 0xaa, sizeof(H));
	tcase_add_test(tc, accepts_status);
	tcase_add_test(tc, refuses_bad);
	tcase_add_test(tc, store_keeps_report_with_peer);
	tcase_add_test(tc, store_peer_identity);
	tcase_add_test(tc, store_caps);
	suite_add_tcase(s, tc);
	return check_run(s);
}
