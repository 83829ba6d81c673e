/* test_trk_request.c - announce/scrape arguments, query strings, hex. */
#include <check.h>

#include "check_run.h"
#include <string.h>

#include "trk_request.h"

static const char *arg(struct trk_announce *a, const char *k, const char *v)
{
	return trk_announce_arg(a, k, v, v ? strlen(v) : 0);
}

START_TEST(announce_fields)
{
	struct trk_announce a;
	trk_announce_init(&a);
	ck_assert_ptr_null(arg(&a, "info_hash", "abcdefghijklmnopqrst"));
	ck_assert_ptr_null(arg(&a, "port", "6881"));
	ck_assert_ptr_null(arg(&a, "left", "18446744073709551615"));
	ck_assert_ptr_null(arg(&a, "event", "started"));
	ck_assert_ptr_null(arg(&a, "numwant", "99999999999999999999999"));
	ck_assert_ptr_null(arg(&a, "whatever", "x"));
	ck_assert_ptr_null(trk_announce_finish(&a));
	ck_assert_uint_eq(a.port, 6881);
	ck_assert_uint_eq(a.left, UINT64_MAX);
	ck_assert_uint_eq(a.numwant, UINT32_MAX);
	ck_assert_int_eq(a.event, TRK_EV_STARTED);
}
END_TEST

START_TEST(announce_errors)
{
	struct trk_announce a;
	trk_announce_init(&a);
	ck_assert_str_eq(trk_announce_finish(&a), "missing info_hash");
	ck_assert_ptr_nonnull(arg(&a, "info_hash", "short"));
	ck_assert_ptr_nonnull(arg(&a, "info_hash", NULL));
	ck_assert_ptr_nonnull(arg(&a, "port", "0"));
	ck_assert_ptr_nonnull(arg(&a, "port", "65536"));
	ck_assert_ptr_nonnull(arg(&a, "port", "12a"));
	ck_assert_ptr_nonnull(arg(&a, "port", ""));
	ck_assert_ptr_nonnull(arg(&a, "left", "18446744073709551616"));
	ck_assert_ptr_nonnull(arg(&a, "left", "-1"));
	ck_assert_ptr_nonnull(arg(&a, "event", "start"));
	ck_assert_ptr_nonnull(arg(&a, "numwant", "-5"));
	ck_assert_ptr_null(arg(&a, "info_hash", "abcdefghijklmnopqrst"));
	ck_assert_str_eq(trk_announce_finish(&a), "missing port");
	char big[300];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	ck_assert_ptr_nonnull(arg(&a, TRK_SECRET_PARAM, big));
}
END_TEST

static const char *to_announce(void *a, const char *k, const char *v, size_t n)
{
	return trk_announce_arg(a, k, v, n);
}

START_TEST(query_strings)
{
	struct trk_announce a;
	trk_announce_init(&a);
	const char *q = "?dsl_secret=s%2Fx+y&info_hash=%00%01%02%03%04%05%06%07%08%09"
			"%0a%0B%0c%0d%0e%0f%10%11%12%13&port=1&&=&x";
	ck_assert_ptr_null(trk_query_parse(q, strlen(q), to_announce, &a));
	ck_assert_str_eq(a.secret, "s/x y");
	ck_assert_int_eq(a.info_hash[0], 0);
	ck_assert_int_eq(a.info_hash[19], 0x13);
	ck_assert_ptr_null(trk_announce_finish(&a));
	trk_announce_init(&a);
	q = "info_hash=%zz&port=%";
	ck_assert_ptr_nonnull(trk_query_parse(q, strlen(q), to_announce, &a));
	char big[1000];
	memset(big, 'a', sizeof(big));
	ck_assert_ptr_nonnull(trk_query_parse(big, sizeof(big), to_announce, &a));
}
END_TEST

START_TEST(scrape_limits)
{
	struct trk_scrape s;
	trk_scrape_init(&s);
	for (int i = 0; i < TRK_SCRAPE_MAX; i++)
		ck_assert_ptr_null(trk_scrape_arg(&s, "info_hash", "abcdefghijklmnopqrst", 20));
	ck_assert_ptr_nonnull(trk_scrape_arg(&s, "info_hash", "abcdefghijklmnopqrst", 20));
	ck_assert_uint_eq(s.n, TRK_SCRAPE_MAX);
}
END_TEST

START_TEST(hex_and_secret)
{
	uint8_t h[TRK_HASH_LEN];
	char out[41];
	ck_assert_int_eq(trk_hex_hash("00112233445566778899aabbccddeeff00112233", h), 0);
	trk_hex_encode(h, 20, out);
	ck_assert_str_eq(out, "00112233445566778899aabbccddeeff00112233");
	ck_assert_int_eq(trk_hex_hash("00112233445566778899AABBCCDDEEFF00112233"
				      "445566778899aabbccddeeff", h), 0);
	ck_assert_int_eq(h[10], 0xaa);
	ck_assert_int_eq(trk_hex_hash("0011", h), -1);
	ck_assert_int_eq(trk_hex_hash("g0112233445566778899aabbccddeeff00112233", h), -1);
	ck_assert_int_eq(trk_secret_ok("abc", "abc", 3), 1);
	ck_assert_int_eq(trk_secret_ok("abc", "abcd", 4), 0);
	ck_assert_int_eq(trk_secret_ok("abc", "ab", 2), 0);
	ck_assert_int_eq(trk_secret_ok("abc", "abd", 3), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trk_request");
	TCase *tc = tcase_create("request");
	tcase_add_test(tc, announce_fields);
	tcase_add_test(tc, announce_errors);
	tcase_add_test(tc, query_strings);
	tcase_add_test(tc, scrape_limits);
	tcase_add_test(tc, hex_and_secret);
	suite_add_tcase(s, tc);
	return check_run(s);
}
