/* Torrent creation: a torrent made from real files loads back in libtorrent
 * with the same files, sizes and piece layout. */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsl_torrent.h"
#include "dsl_util.h"

#include "check_run.h"

static char dir[64];

static char *make_file(const char *name, size_t size, unsigned seed)
{
	char *path = dsl_path_join(dir, name);
	FILE *f = fopen(path, "w");

	srand(seed);
	for (size_t i = 0; i < size; i++)
		fputc(rand() & 0xff, f);
	fclose(f);
	return path;
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/dsl-test-torrent.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	dsl_rm_rf(dir, NULL);
}

static int progress_calls;

static void count_progress(void *arg, int done, int total)
{
	(void)arg;
	ck_assert_int_le(done, total);
	progress_calls++;
}

START_TEST(create_and_load_back)
{
	const size_t sizes[] = { 100000, 16384, 1, 0, 300000 };
	const char *names[] = { "lib/libbig.so", "lib/libexact.so", "py/one.py", "py/empty.py", "z.dat" };
	struct dsl_tfile_in in[5];
	struct dsl_tmeta made, loaded;
	struct dsl_err e = { "" };
	char *out = dsl_path_join(dir, "set.torrent");
	char *src[5];

	for (int i = 0; i < 5; i++) {
		char fname[32];

		snprintf(fname, sizeof(fname), "f%d", i);
		src[i] = make_file(fname, sizes[i], (unsigned)i + 1);
		in[i] = (struct dsl_tfile_in){ .path = names[i], .source = src[i], .size = sizes[i] };
	}
	progress_calls = 0;
	ck_assert_msg(dsl_torrent_create("myset", in, 5, 16384, out, count_progress, NULL,
					 &made, &e) == 0, "%s", e.msg);
	ck_assert_int_gt(progress_calls, 0);
	ck_assert_msg(dsl_torrent_load(out, &loaded, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(made.infohash, loaded.infohash);
	ck_assert_uint_eq(strlen(loaded.infohash), 64);
	ck_assert_str_eq(loaded.name, "myset");
	ck_assert_uint_eq(loaded.piece_size, 16384);
	for (int i = 0; i < 5; i++) {
		long j = dsl_tmeta_find(&loaded, names[i]);

		ck_assert_msg(j >= 0, "%s missing from the torrent", names[i]);
		ck_assert_uint_eq(loaded.files[j].size, sizes[i]);
		/* Files under 256 KiB share the pack, back to back; the others
		 * start on a piece boundary (v2). */
		ck_assert_int_eq(loaded.files[j].packed, sizes[i] > 0 && sizes[i] < 262144);
		if (!loaded.files[j].packed)
			ck_assert_uint_eq(loaded.files[j].offset % 16384, 0);
		if (sizes[i]) {
			uint64_t at = loaded.files[j].data_offset % 16384;

			ck_assert_int_eq(loaded.files[j].end_piece - loaded.files[j].first_piece,
					 (int)((at + sizes[i] + 16383) / 16384));
			ck_assert_uint_eq(strlen(loaded.files[j].root), 64);
		}
	}
	ck_assert_int_lt(dsl_tmeta_find(&loaded, "nope"), 0);
	/* Same bytes, same hash; other bytes, other hash. */
	{
		struct dsl_tmeta again;

		ck_assert_int_eq(dsl_torrent_create("myset", in, 5, 16384, NULL, NULL, NULL, &again, &e), 0);
		ck_assert_str_eq(again.infohash, made.infohash);
		dsl_tmeta_free(&again);
		free(make_file("f0", sizes[0], 99));
		ck_assert_int_eq(dsl_torrent_create("myset", in, 5, 16384, NULL, NULL, NULL, &again, &e), 0);
		ck_assert_str_ne(again.infohash, made.infohash);
		ck_assert_str_ne(again.files[dsl_tmeta_find(&again, names[0])].root,
				 made.files[dsl_tmeta_find(&made, names[0])].root);
		ck_assert_str_eq(again.files[dsl_tmeta_find(&again, names[4])].root,
				 made.files[dsl_tmeta_find(&made, names[4])].root);
		dsl_tmeta_free(&again);
	}
	dsl_tmeta_free(&made);
	dsl_tmeta_free(&loaded);
	for (int i = 0; i < 5; i++)
		free(src[i]);
	free(out);
}
END_TEST

/* Names libtorrent would change (control characters, invalid UTF-8, '\\',
 * direction marks, '%') come back as they were; one too long is refused
 * naming the file. */
START_TEST(odd_names)
{
	const char *names[] = { "a\tb", "a_b", "x/new\nline", "bad\xff\xfe", "back\\slash",
				"pct%41", "pct%2541", "bidi\xe2\x80\xae.txt", "\xc3\xa9t\xc3\xa9",
				"del\x7f", "big\x01" };
	const size_t n = sizeof(names) / sizeof(names[0]);
	struct dsl_tfile_in in[11];
	struct dsl_tmeta made, loaded;
	struct dsl_err e = { "" };
	char *out = dsl_path_join(dir, "odd.torrent");
	char *src[11], longname[300];

	for (size_t i = 0; i < n; i++) {
		char fname[32];

		snprintf(fname, sizeof(fname), "o%zu", i);
		src[i] = make_file(fname, i == n - 1 ? 300000 : 10 + i, (unsigned)i + 7);
		in[i] = (struct dsl_tfile_in){ .path = names[i], .source = src[i],
					       .size = i == n - 1 ? 300000 : 10 + i };
	}
	ck_assert_msg(dsl_torrent_create("odd", in, n, 16384, out, NULL, NULL, &made, &e) == 0,
		      "%s", e.msg);
	ck_assert_msg(dsl_torrent_load(out, &loaded, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(loaded.nfiles, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(dsl_tmeta_find(&loaded, names[i]) >= 0, "name %zu changed", i);
	dsl_tmeta_free(&made);
	dsl_tmeta_free(&loaded);
	memset(longname, 'x', 250);
	longname[250] = '\0';
	in[0].path = longname;
	ck_assert_int_eq(dsl_torrent_create("odd", in, 1, 16384, NULL, NULL, NULL, &made, &e), -1);
	ck_assert_msg(strstr(e.msg, src[0]) && strstr(e.msg, "too long"), "%s", e.msg);
	for (size_t i = 0; i < n; i++)
		free(src[i]);
	free(out);
}
END_TEST

START_TEST(create_errors)
{
	struct dsl_tfile_in in = { .path = "a", .source = "/nonexistent/file", .size = 10 };
	struct dsl_tmeta m;
	struct dsl_err e = { "" };
	char *src = make_file("ok", 10, 1);

	ck_assert_int_eq(dsl_torrent_create("s", &in, 1, 16384, NULL, NULL, NULL, &m, &e), -1);
	ck_assert_msg(strlen(e.msg) > 0, "no message");
	in.source = src;
	ck_assert_int_eq(dsl_torrent_create("s", &in, 1, 20000, NULL, NULL, NULL, &m, &e), -1);
	ck_assert_msg(strstr(e.msg, "piece"), "%s", e.msg);
	free(src);
}
END_TEST

START_TEST(load_errors)
{
	struct dsl_tmeta m;
	struct dsl_err e = { "" };
	char *bad = make_file("bad.torrent", 200, 3);

	ck_assert_int_eq(dsl_torrent_load("/nonexistent.torrent", &m, &e), -1);
	ck_assert_msg(strstr(e.msg, "/nonexistent.torrent"), "%s", e.msg);
	ck_assert_int_eq(dsl_torrent_load(bad, &m, &e), -1);
	ck_assert_msg(strstr(e.msg, "bad.torrent"), "%s", e.msg);
	free(bad);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("torrent");
	TCase *tc = tcase_create("torrent");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, create_and_load_back);
	tcase_add_test(tc, odd_names);
	tcase_add_test(tc, create_errors);
	tcase_add_test(tc, load_errors);
	suite_add_tcase(s, tc);
	return check_run(s);
}
