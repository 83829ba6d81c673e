/* Prefetch order files (lib/dsl_order.h): round trip, and every bad file is
 * refused with the line and the reason (they are written by users). */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsl_order.h"
#include "dsl_util.h"

#include "check_run.h"

#define H "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2 "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char path[] = "/tmp/dsl-order-test-XXXXXX";

static void put(const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void refused(const char *text, int npieces, const char *why)
{
	struct dsl_order o;
	struct dsl_err e = { "" };

	put(text);
	ck_assert_int_eq(dsl_order_read(path, H, npieces, &o, &e), -1);
	ck_assert_msg(strstr(e.msg, why) != NULL, "'%s': got '%s'", why, e.msg);
	ck_assert_ptr_null(o.pieces);
}

START_TEST(round_trip)
{
	int pieces[] = { 7, 0, 3, 9 };
	struct dsl_order o;
	struct dsl_err e = { "" };

	ck_assert_int_eq(dsl_order_write(path, H, 10, pieces, 4, &e), 0);
	ck_assert_int_eq(dsl_order_read(path, H, 10, &o, &e), 0);
	ck_assert_int_eq(o.n, 4);
	ck_assert_int_eq(memcmp(o.pieces, pieces, sizeof(pieces)), 0);
	dsl_order_free(&o);
	/* An empty order is an order. */
	ck_assert_int_eq(dsl_order_write(path, H, 10, pieces, 0, &e), 0);
	ck_assert_int_eq(dsl_order_read(path, H, 10, &o, &e), 0);
	ck_assert_int_eq(o.n, 0);
	dsl_order_free(&o);
}
END_TEST

START_TEST(bad_files)
{
	char *big;

	refused("", 10, "not a dslswarm prefetch order");
	refused("hello\n1\n", 10, "not a dslswarm prefetch order");
	refused("dsl-order 1 " H " 10 x\n", 10, "not a dslswarm prefetch order");
	refused("dsl-order 1 " H2 " 10\n1\n", 10, "the order of another version");
	refused("dsl-order 1 " H " 11\n1\n", 10, "the order of another version");
	refused("dsl-order 1 " H " 10\n1\n10\n", 10, ":3: '10' is not a piece index");
	refused("dsl-order 1 " H " 10\n-1\n", 10, "not a piece index");
	refused("dsl-order 1 " H " 10\n1x\n", 10, "not a piece index");
	refused("dsl-order 1 " H " 10\n4\n4\n", 10, ":3: piece 4 given twice");
	/* Larger than any honest order of this version: refused unread. */
	big = calloc(1, 4096);
	snprintf(big, 4096, "dsl-order 1 " H " 2\n");
	memset(big + strlen(big), '\n', 4000);
	refused(big, 2, "");
	free(big);
}
END_TEST

START_TEST(registry_path)
{
	char *p = dsl_order_registry_path("/r/set/" H ".json");

	ck_assert_str_eq(p, "/r/set/" H ".order");
	free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("order");
	TCase *tc = tcase_create("order");
	int fd = mkstemp(path), rc;

	if (fd < 0)
		return 1;
	close(fd);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, bad_files);
	tcase_add_test(tc, registry_path);
	suite_add_tcase(s, tc);
	rc = check_run(s);
	unlink(path);
	return rc;
}
