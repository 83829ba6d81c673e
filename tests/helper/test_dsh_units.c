/* test_dsh_units.c - the helper's parts without a mount: options, the
 * inode table and the event trace. */
#include <check.h>

#include "check_run.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsh_opts.h"
#include "dsh_trace.h"
#include "dsh_tree.h"

static int parse(struct dsh_opts *o, struct dsl_err *e, const char *line)
{
	char buf[1024], *argv[64], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "dsl-helper %s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < 63; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	return dsh_opts_parse(argc, argv, o, e);
}

#define BASE "--desc d.json --torrent t.torrent --mount /m --cache /c --run-dir /r "

START_TEST(opts_good)
{
	struct dsh_opts o;
	struct dsl_err e;

	ck_assert_int_eq(parse(&o, &e, BASE "--seed --tracker http://a/announce --tracker "
			       "http://b/announce --peer 1.2.3.4:5 --port 6881-6889 "
			       "--read-timeout 7 --cache-policy keep --foreground"), 0);
	ck_assert_int_eq(o.seed, 1);
	ck_assert_int_eq(o.ntrackers, 2);
	ck_assert_str_eq(o.trackers[1], "http://b/announce");
	ck_assert_ptr_null(o.trackers[2]);
	ck_assert_int_eq(o.port_min, 6881);
	ck_assert_int_eq(o.port_max, 6889);
	ck_assert_int_eq(o.read_timeout, 7);
	ck_assert_int_eq(o.cache_policy, DSH_CACHE_KEEP);
	ck_assert_str_eq(o.mountpoint, "/m");
	ck_assert_int_eq(parse(&o, &e, "--ctl /r status"), 0);
	ck_assert_str_eq(o.ctl_cmd, "status");
}
END_TEST

START_TEST(opts_bad)
{
	struct dsh_opts o;
	struct dsl_err e;

	ck_assert_int_eq(parse(&o, &e, BASE "--port 70000"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "--port 70000"));
	ck_assert_int_eq(parse(&o, &e, BASE "--port 9-3"), -1);
	ck_assert_int_eq(parse(&o, &e, BASE "--cache-policy sometimes"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "keep or remove"));
	ck_assert_int_eq(parse(&o, &e, BASE "--read-timeout 0"), -1);
	ck_assert_int_eq(parse(&o, &e, "--desc d.json --mount /m"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "missing option --torrent"));
	ck_assert_int_eq(parse(&o, &e, "--desc d --torrent t --mount /dev/fd/5 --cache c "
			       "--run-dir r"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "--mountpoint"));
	ck_assert_int_eq(parse(&o, &e, BASE "--bogus"), -1);
	ck_assert_int_eq(parse(&o, &e, "--ctl /r restart"), -1);
	ck_assert_int_eq(parse(&o, &e, BASE "extra"), -1);
}
END_TEST

static const char tree_json[] =
	"{\"schema\":1,\"name\":\"t\",\"created\":1700000000,\"infohash\":"
	"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	"\"piece_size\":262144,\"total_size\":15,\"file_count\":3,\"source_root\":\"/s\","
	"\"torrent\":\"x.torrent\",\"env\":{},\"tree\":["
	"{\"path\":\"a\",\"type\":\"dir\",\"mode\":493},"
	"{\"path\":\"a/b\",\"type\":\"file\",\"mode\":493,\"size\":5},"
	"{\"path\":\"a/b-c\",\"type\":\"file\",\"mode\":420,\"size\":10},"
	"{\"path\":\"a/l\",\"type\":\"symlink\",\"target\":\"b\"},"
	"{\"path\":\"z\",\"type\":\"file\",\"mode\":420,\"size\":0}]}";

START_TEST(tree_lookup_stat)
{
	struct dsl_desc d;
	struct dsh_tree t;
	struct dsl_err e;
	struct stat st;
	uint64_t a, b;

	dsl_desc_init(&d);
	ck_assert_msg(dsl_desc_parse(tree_json, strlen(tree_json), "test", &d, &e) == 0,
		      "%s", e.msg);
	ck_assert_int_eq(dsh_tree_build(&t, &d, NULL, NULL, &e), 0);
	a = dsh_tree_lookup(&t, DSH_ROOT_INO, "a");
	ck_assert_uint_ne(a, 0);
	b = dsh_tree_lookup(&t, a, "b-c");
	ck_assert_uint_ne(b, 0);
	ck_assert_uint_eq(dsh_tree_lookup(&t, a, "nope"), 0);
	ck_assert_uint_eq(dsh_tree_lookup(&t, b, "x"), 0);  /* not a directory */
	ck_assert_int_eq(dsh_tree_stat(&t, b, &st), 0);
	ck_assert_int_eq(st.st_size, 10);
	ck_assert_int_eq(st.st_mode, S_IFREG | 0444);  /* no write bits */
	ck_assert_int_eq(dsh_tree_stat(&t, dsh_tree_lookup(&t, a, "b"), &st), 0);
	ck_assert_int_eq(st.st_mode, S_IFREG | 0555);
	ck_assert_int_eq(dsh_tree_stat(&t, dsh_tree_lookup(&t, a, "l"), &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(dsh_tree_stat(&t, a, &st), 0);
	ck_assert_int_eq(st.st_mode, S_IFDIR | 0555);
	ck_assert_int_eq(dsh_tree_dir(&t, a)->nchildren, 3);
	ck_assert_int_eq(dsh_tree_dir(&t, DSH_ROOT_INO)->nchildren, 2);
	ck_assert_int_eq(dsh_tree_stat(&t, 999, &st), -1);
	dsh_tree_free(&t);
	dsl_desc_free(&d);
}
END_TEST

/* Two threads write at once (the network thread and the loop do): every
 * line whole, none lost; off is a NULL that does nothing; a symlink is not
 * followed. */
#define TRACE_LINES 2000

static void *trace_writer(void *arg)
{
	for (int i = 0; i < TRACE_LINES; i++)
		dsh_trace_ev(arg, 'Q', i, i % 16, "198.18.98.11");
	return NULL;
}

START_TEST(trace_lines)
{
	char dir[] = "/tmp/dsh-trace.XXXXXX";   /* mkdtemp(3) fills in the Xs */
	char path[256], link[256], line[256];
	struct dsl_err e;
	struct dsh_trace *t;
	pthread_t th;
	FILE *f;
	int nq = 0, nd = 0, bad = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	dsh_trace_ev(NULL, 'D', 1, -1, NULL);
	t = dsh_trace_open(path, &e);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(pthread_create(&th, NULL, trace_writer, t), 0);
	for (int i = 0; i < TRACE_LINES; i++)
		dsh_trace_ev(t, 'D', i, -1, NULL);
	pthread_join(th, NULL);
	dsh_trace_close(t);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		double ms;
		char ev, peer[64];
		int piece, block;
		int n = sscanf(line, "%lf %c %d %d %63s", &ms, &ev, &piece, &block, peer);

		if (n == 5 && ev == 'Q' && block == piece % 16 && !strcmp(peer, "198.18.98.11"))
			nq++;
		else if (n == 3 && ev == 'D' && ms > 0)
			nd++;
		else
			bad++;
	}
	fclose(f);
	ck_assert_int_eq(nq, TRACE_LINES);
	ck_assert_int_eq(nd, TRACE_LINES);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_ptr_null(dsh_trace_open(link, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, link));
	unlink(link);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dsh");
	TCase *tc = tcase_create("units");

	tcase_add_test(tc, opts_good);
	tcase_add_test(tc, opts_bad);
	tcase_add_test(tc, tree_lookup_stat);
	tcase_add_test(tc, trace_lines);
	suite_add_tcase(s, tc);
	return check_run(s);
}
