/* test_trk_udp_proto.c - BEP 15 parsing, BEP 41 URL data, connection ids. */
#include <check.h>

#include "check_run.h"
#include <string.h>

#include "trk_udp_proto.h"

static size_t announce_pkt(uint8_t *p, const char *urldata)
{
	memset(p, 0, 98);
	trk_put64(p, 42);
	trk_put32(p + 8, TRK_UDP_ANNOUNCE);
	trk_put32(p + 12, 7);
	memset(p + 16, 0xab, 20);
	trk_put64(p + 64, 1000);
	trk_put32(p + 80, 2);
	trk_put32(p + 92, 0xffffffffu);
	p[96] = 0x1a;
	p[97] = 0xe1;
	size_t n = 98;
	if (urldata) {
		size_t l = strlen(urldata), half = l / 2;
		p[n++] = 1;          /* NOP */
		p[n++] = 2;
		p[n++] = (uint8_t)half;
		memcpy(p + n, urldata, half);
		n += half;
		p[n++] = 2;
		p[n++] = (uint8_t)(l - half);
		memcpy(p + n, urldata + half, l - half);
		n += l - half;
		p[n++] = 0;
	}
	return n;
}

START_TEST(announce_ok)
{
	uint8_t p[400];
	struct trk_udp_req r;
	const char *why;
	size_t n = announce_pkt(p, "/announce?x=1&dsl_secret=abc&info_hash=zz");
	ck_assert_int_eq(trk_udp_parse(p, n, &r, &why), 0);
	ck_assert_uint_eq(r.action, TRK_UDP_ANNOUNCE);
	ck_assert_uint_eq(r.tid, 7);
	ck_assert_uint_eq(r.ann.port, 6881);
	ck_assert_uint_eq(r.ann.left, 1000);
	ck_assert_int_eq(r.ann.event, TRK_EV_STARTED);
	ck_assert_str_eq(r.ann.secret, "abc");
	ck_assert_int_eq(r.ann.info_hash[0], 0xab);   /* URL data cannot override it */
	ck_assert_uint_eq(r.ann.numwant, 50);
}
END_TEST

START_TEST(malformed)
{
	uint8_t p[400];
	struct trk_udp_req r;
	const char *why;
	size_t n = announce_pkt(p, NULL);
	ck_assert_int_eq(trk_udp_parse(p, 15, &r, &why), -1);
	ck_assert_int_eq(trk_udp_parse(p, 97, &r, &why), 1);
	ck_assert_str_eq(why, "announce too short");
	p[98] = 2;
	p[99] = 200;               /* option longer than the packet */
	ck_assert_int_eq(trk_udp_parse(p, n + 2, &r, &why), 1);
	p[97] = 0;
	p[96] = 0;
	ck_assert_int_eq(trk_udp_parse(p, n, &r, &why), 1);
	trk_put32(p + 8, TRK_UDP_SCRAPE);
	ck_assert_int_eq(trk_udp_parse(p, 16 + 21, &r, &why), 1);
	ck_assert_int_eq(trk_udp_parse(p, 16, &r, &why), 1);
	ck_assert_int_eq(trk_udp_parse(p, 16 + 40, &r, &why), 0);
	ck_assert_uint_eq(r.scr.n, 2);
	trk_put32(p + 8, 77);
	ck_assert_int_eq(trk_udp_parse(p, 16, &r, &why), 1);
	ck_assert_str_eq(why, "unknown action");
}
END_TEST

START_TEST(conn_ids)
{
	struct trk_sipkey k = { 1, 2 };
	uint8_t ip[16] = { 0 }, ip2[16] = { 0 };
	ip2[15] = 1;
	uint64_t id = trk_udp_conn_id(&k, ip, 1000, 100, 60);
	ck_assert_int_eq(trk_udp_conn_ok(&k, ip, 1000, 100, 60, id), 1);
	ck_assert_int_eq(trk_udp_conn_ok(&k, ip, 1000, 179, 60, id), 1);
	ck_assert_int_eq(trk_udp_conn_ok(&k, ip, 1000, 180, 60, id), 0);   /* expired */
	ck_assert_int_eq(trk_udp_conn_ok(&k, ip2, 1000, 100, 60, id), 0);  /* other host */
	ck_assert_int_eq(trk_udp_conn_ok(&k, ip, 1001, 100, 60, id), 1);   /* same host */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trk_udp_proto");
	TCase *tc = tcase_create("udp");
	tcase_add_test(tc, announce_ok);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, conn_ids);
	suite_add_tcase(s, tc);
	return check_run(s);
}
