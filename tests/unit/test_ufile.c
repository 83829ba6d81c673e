/* test_ufile.c - root's reads of files a user controls (dsl_ufile), the
 * removal of hostile trees (dsl_rm_rf) and directory creation that does not
 * follow a user's symlink (dsl_mkdir_p).  Each case is the hostile one:
 * FIFO, symlink, huge file, directory, device, forged pid, deep tree. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "dsl_config.h"
#include "dsl_ufile.h"
#include "dsl_util.h"

#include "check_run.h"

static char dir[256];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/ufile-XXXXXX", TEST_BUILDDIR);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	dsl_rm_rf(dir, NULL);
}

static void put(const char *rel, const char *text)
{
	char *p = dsl_path_join(dir, rel);
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

START_TEST(regular_file_read)
{
	char *data = NULL;
	size_t len = 0;
	struct dsl_err e = { "" };

	put("status.json", "{\"pid\":12}\n");
	ck_assert_int_eq(dsl_ufile_read(dir, "status.json", 1024, &data, &len, &e), 0);
	ck_assert_str_eq(data, "{\"pid\":12}\n");
	ck_assert_uint_eq(len, 11);
	free(data);
}
END_TEST

START_TEST(fifo_does_not_block)
{
	char *p = dsl_path_join(dir, "status.json"), *data = NULL;
	struct dsl_err e = { "" };
	double t0 = now();

	ck_assert_int_eq(mkfifo(p, 0644), 0);
	ck_assert_int_eq(dsl_ufile_read(dir, "status.json", 1024, &data, NULL, &e), -1);
	ck_assert_msg(now() - t0 < 1.0, "a FIFO blocked the read");
	ck_assert_msg(strstr(e.msg, "not a regular file"), "%s", e.msg);
	free(p);
}
END_TEST

START_TEST(symlink_refused_anywhere)
{
	char *p = dsl_path_join(dir, "status.json"), *sub = dsl_path_join(dir, "sub"),
	     *inner = dsl_path_join(dir, "real"), *data = NULL;
	struct dsl_err e = { "" };

	/* The last component a link to a root-only file ... */
	ck_assert_int_eq(symlink("/etc/shadow", p), 0);
	ck_assert_int_eq(dsl_ufile_read(dir, "status.json", 1 << 20, &data, NULL, &e), -1);
	ck_assert_msg(strstr(e.msg, "symbolic link"), "%s", e.msg);
	/* ... or a directory on the way. */
	ck_assert_int_eq(mkdir(inner, 0755), 0);
	put("real/helper.pid", "1234\n");
	ck_assert_int_eq(symlink(inner, sub), 0);
	ck_assert_int_eq(dsl_ufile_read(dir, "sub/helper.pid", 64, &data, NULL, &e), -1);
	ck_assert_int_eq(dsl_ufile_read_pid(dir, "sub/helper.pid"), 0);
	ck_assert_int_eq(dsl_ufile_read_pid(dir, "real/helper.pid"), 1234);
	/* ".." cannot leave the trusted directory. */
	ck_assert_int_eq(dsl_ufile_read(dir, "real/../real/helper.pid", 64, &data, NULL, &e), -1);
	free(inner);
	free(sub);
	free(p);
}
END_TEST

START_TEST(huge_file_bounded)
{
	char *p = dsl_path_join(dir, "status.json"), *data = NULL;
	struct dsl_err e = { "" };
	struct rusage r0, r1;
	int fd = open(p, O_WRONLY | O_CREAT, 0644);

	/* 1 GiB, sparse: only the cap may be read. */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1L << 30), 0);
	close(fd);
	getrusage(RUSAGE_SELF, &r0);
	ck_assert_int_eq(dsl_ufile_read(dir, "status.json", 1 << 20, &data, NULL, &e), -1);
	getrusage(RUSAGE_SELF, &r1);
	ck_assert_msg(strstr(e.msg, "larger than"), "%s", e.msg);
	ck_assert_msg(r1.ru_maxrss - r0.ru_maxrss < 64 * 1024, "read grew by %ld KiB",
		      r1.ru_maxrss - r0.ru_maxrss);
	free(p);
}
END_TEST

START_TEST(directory_and_device_refused)
{
	char *p = dsl_path_join(dir, "d"), *data = NULL, *dev = dsl_path_join(dir, "null");
	struct dsl_err e = { "" };

	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(dsl_ufile_read(dir, "d", 64, &data, NULL, &e), -1);
	if (geteuid() == 0) {
		ck_assert_int_eq(mknod(dev, S_IFCHR | 0666, makedev(1, 3)), 0);
		ck_assert_int_eq(dsl_ufile_read(dir, "null", 64, &data, NULL, &e), -1);
	}
	free(dev);
	free(p);
}
END_TEST

START_TEST(forged_pids)
{
	put("a.pid", "1\n");
	put("b.pid", "-5\n");
	put("c.pid", "12x\n");
	put("d.pid", "99999999999999999999\n");
	put("e.pid", "4242");
	put("f.pid", " 77\n");
	ck_assert_int_eq(dsl_ufile_read_pid(dir, "a.pid"), 0);
	ck_assert_int_eq(dsl_ufile_read_pid(dir, "b.pid"), 0);
	ck_assert_int_eq(dsl_ufile_read_pid(dir, "c.pid"), 0);
	ck_assert_int_eq(dsl_ufile_read_pid(dir, "d.pid"), 0);
	ck_assert_int_eq(dsl_ufile_read_pid(dir, "e.pid"), 4242);
	ck_assert_int_eq(dsl_ufile_read_pid(dir, "f.pid"), 0);
	ck_assert_int_eq(dsl_ufile_read_pid(dir, "missing.pid"), 0);
}
END_TEST

/* Deeper than PATH_MAX and than any recursion limit: made with mkdirat. */
static void make_deep(const char *top, int depth)
{
	int fd = open(top, O_RDONLY | O_DIRECTORY), next;

	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < depth; i++) {
		char name[] = "dddddddddddddddddddddddddddddddddddddddddddddddddd";

		ck_assert_int_eq(mkdirat(fd, name, 0755), 0);
		if (i % 100 == 0) {
			int f = openat(fd, "file", O_WRONLY | O_CREAT, 0644);

			close(f);
			symlinkat("/etc", fd, "etc-link");
		}
		next = openat(fd, name, O_RDONLY | O_DIRECTORY);
		ck_assert_int_ge(next, 0);
		close(fd);
		fd = next;
	}
	close(fd);
}

START_TEST(rm_any_depth)
{
	char *top = dsl_path_join(dir, "deep");
	struct dsl_err e = { "" };

	ck_assert_int_eq(mkdir(top, 0755), 0);
	make_deep(top, 3000);
	ck_assert_msg(dsl_rm_rf(top, &e) == 0, "%s", e.msg);
	ck_assert(access(top, F_OK) < 0);
	ck_assert(access("/etc/passwd", F_OK) == 0);
	free(top);
}
END_TEST

START_TEST(mkdir_p_does_not_follow_user_links)
{
	char *elsewhere = dsl_path_join(dir, "elsewhere"), *link = dsl_path_join(dir, "run"),
	     *want = dsl_path_join(dir, "run/job/1"), *ok = dsl_path_join(dir, "ok/a/b");
	struct dsl_err e = { "" };
	struct stat st;

	ck_assert_int_eq(dsl_mkdir_p(ok, 0755, &e), 0);
	ck_assert_int_eq(stat(ok, &st), 0);
	ck_assert_int_eq(mkdir(elsewhere, 0755), 0);
	ck_assert_int_eq(symlink(elsewhere, link), 0);
	if (geteuid() == 0)
		ck_assert_int_eq(lchown(link, 65534, 65534), 0);
	if (geteuid() != 0)
		return;   /* a link of root's own is followed: only root can test */
	ck_assert_int_eq(dsl_mkdir_p(want, 0755, &e), -1);
	ck_assert_msg(strstr(e.msg, "symbolic link"), "%s", e.msg);
	free(elsewhere);
	free(link);
	free(want);
	free(ok);
}
END_TEST

/* run=, mount=, cache=: root's, not writable by others, all the way up. */
START_TEST(root_dirs_checked)
{
	char top[] = "/tmp/dsl-rootdirs-XXXXXX";
	struct dsl_config c;
	struct dsl_err e = { "" };
	char *run;

	if (geteuid() != 0)
		return;   /* ownership by root cannot be arranged otherwise */
	ck_assert_ptr_nonnull(mkdtemp(top));
	chmod(top, 0755);
	run = dsl_path_join(top, "run");
	dsl_config_defaults(&c);
	snprintf(c.run_root, sizeof(c.run_root), "%s/job", run);
	snprintf(c.mount_root, sizeof(c.mount_root), "%s/view", top);
	snprintf(c.cache_dir, sizeof(c.cache_dir), "%s/cache", top);
	/* Missing is fine: root creates it. */
	ck_assert_msg(dsl_config_check_root_dirs(&c, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(mkdir(run, 0777), 0);
	chmod(run, 0777);
	ck_assert_int_eq(dsl_config_check_root_dirs(&c, &e), -1);
	ck_assert_msg(strstr(e.msg, "run=") && strstr(e.msg, "writable by group or others"), "%s",
		      e.msg);
	chmod(run, 01777);   /* sticky, above the root directory: accepted */
	ck_assert_msg(dsl_config_check_root_dirs(&c, &e) == 0, "%s", e.msg);
	chmod(run, 0755);
	ck_assert_int_eq(chown(run, 65534, 65534), 0);
	ck_assert_int_eq(dsl_config_check_root_dirs(&c, &e), -1);
	ck_assert_msg(strstr(e.msg, "owned by uid 65534"), "%s", e.msg);
	ck_assert_int_eq(chown(run, 0, 0), 0);
	ck_assert_int_eq(rmdir(run), 0);
	ck_assert_int_eq(symlink("/tmp", run), 0);   /* a user's link would be refused */
	ck_assert_int_eq(lchown(run, 65534, 65534), 0);
	ck_assert_int_eq(dsl_config_check_root_dirs(&c, &e), -1);
	dsl_rm_rf(top, NULL);
	free(run);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ufile");
	TCase *tc = tcase_create("hostile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, regular_file_read);
	tcase_add_test(tc, fifo_does_not_block);
	tcase_add_test(tc, symlink_refused_anywhere);
	tcase_add_test(tc, huge_file_bounded);
	tcase_add_test(tc, directory_and_device_refused);
	tcase_add_test(tc, forged_pids);
	tcase_add_test(tc, rm_any_depth);
	tcase_add_test(tc, mkdir_p_does_not_follow_user_links);
	tcase_add_test(tc, root_dirs_checked);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
