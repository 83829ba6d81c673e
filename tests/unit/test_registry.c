/* Registry: publish, find, versions, remove, broken sets, atomic publish. */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dsl_registry.h"
#include "dsl_util.h"

#include "check_run.h"

static char regdir[256];
static char torrent[300];

static void setup(void)
{
	FILE *f;

	snprintf(regdir, sizeof(regdir), "/tmp/dsl-test-reg.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(regdir));
	snprintf(torrent, sizeof(torrent), "%s.torrent-src", regdir);
	f = fopen(torrent, "w");
	fputs("d4:infod9:file treedeee", f);   /* content is opaque to the registry */
	fclose(f);
}

static void teardown(void)
{
	dsl_rm_rf(regdir, NULL);
	unlink(torrent);
}

/* A minimal valid description whose version is `hashchar` x 64. */
static void make_desc(struct dsl_desc *d, const char *name, char hashchar)
{
	struct dsl_node dir = { .path = "lib", .type = DSL_NODE_DIR, .mode = 0755 };
	struct dsl_node file = { .path = "lib/a.so", .type = DSL_NODE_FILE, .mode = 0644,
				 .size = 3 };
	struct dsl_err e;

	dsl_desc_init(d);
	d->name = dsl_strdup(name);
	d->created = 1;
	memset(d->infohash, hashchar, 64);
	d->infohash[64] = '\0';
	d->piece_size = 16384;
	d->source_root = dsl_strdup("/src");
	ck_assert_int_eq(dsl_desc_add_node(d, &dir, &e), 0);
	ck_assert_int_eq(dsl_desc_add_node(d, &file, &e), 0);
	ck_assert_int_eq(dsl_desc_add_env(d, "LD_LIBRARY_PATH", "lib", &e), 0);
	ck_assert_int_eq(dsl_desc_finish_tree(d, &e), 0);
}

static int publish(const char *name, char hashchar, int force, struct dsl_err *e)
{
	struct dsl_desc d;
	int rc;

	make_desc(&d, name, hashchar);
	rc = dsl_registry_publish(regdir, &d, torrent, force, e);
	dsl_desc_free(&d);
	return rc;
}

START_TEST(publish_and_find)
{
	struct dsl_registry reg = { { regdir }, 1 };
	struct dsl_set_ref ref;
	struct dsl_err e = { "" };
	int nf;

	ck_assert_int_eq(publish("foo", 'a', 0, &e), 0);
	ck_assert_int_eq(dsl_registry_find(&reg, "foo", NULL, &ref, &nf, &e), 0);
	ck_assert_str_eq(ref.desc.infohash[0] == 'a' ? "a" : "?", "a");
	ck_assert(access(ref.torrent_path, R_OK) == 0);
	dsl_set_ref_free(&ref);
	/* An existing name without force is refused and changes nothing. */
	ck_assert_int_eq(publish("foo", 'b', 0, &e), -1);
	ck_assert_msg(strstr(e.msg, "already exists") && strstr(e.msg, "--force"), "%s", e.msg);
	ck_assert_int_eq(dsl_registry_find(&reg, "foo", NULL, &ref, &nf, &e), 0);
	ck_assert_int_eq(ref.desc.infohash[0], 'a');
	dsl_set_ref_free(&ref);
	/* With force: a new current version, the old one still pinnable. */
	ck_assert_int_eq(publish("foo", 'b', 1, &e), 0);
	ck_assert_int_eq(dsl_registry_find(&reg, "foo", NULL, &ref, &nf, &e), 0);
	ck_assert_int_eq(ref.desc.infohash[0], 'b');
	dsl_set_ref_free(&ref);
	ck_assert_int_eq(dsl_registry_find(&reg, "foo",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &ref, &nf, &e), 0);
	ck_assert_int_eq(ref.desc.infohash[0], 'a');
	dsl_set_ref_free(&ref);
}
END_TEST

START_TEST(not_found_and_names)
{
	struct dsl_registry reg = { { regdir }, 1 };
	struct dsl_set_ref ref;
	struct dsl_err e = { "" };
	char *names;
	int nf = 0;

	ck_assert_int_eq(publish("alpha", 'a', 0, &e), 0);
	ck_assert_int_eq(publish("beta", 'b', 0, &e), 0);
	ck_assert_int_eq(dsl_registry_find(&reg, "gamma", NULL, &ref, &nf, &e), -1);
	ck_assert_int_eq(nf, 1);
	ck_assert_msg(strstr(e.msg, "'gamma'") && strstr(e.msg, "not found"), "%s", e.msg);
	names = dsl_registry_names(&reg);
	ck_assert_str_eq(names, "alpha, beta");
	free(names);
	ck_assert_int_eq(dsl_registry_find(&reg, "../etc", NULL, &ref, &nf, &e), -1);
	ck_assert_msg(strstr(e.msg, "invalid set name"), "%s", e.msg);
}
END_TEST

START_TEST(user_registry_first)
{
	char userdir[300];
	struct dsl_registry reg;
	struct dsl_set_ref ref;
	struct dsl_desc d;
	struct dsl_err e = { "" };
	int nf;

	snprintf(userdir, sizeof(userdir), "%s/user", regdir);
	ck_assert_int_eq(mkdir(userdir, 0755), 0);
	ck_assert_int_eq(publish("foo", 'a', 0, &e), 0);
	make_desc(&d, "foo", 'c');
	ck_assert_int_eq(dsl_registry_publish(userdir, &d, torrent, 0, &e), 0);
	dsl_desc_free(&d);
	reg.dirs[0] = userdir;
	reg.dirs[1] = regdir;
	reg.ndirs = 2;
	ck_assert_int_eq(dsl_registry_find(&reg, "foo", NULL, &ref, &nf, &e), 0);
	ck_assert_int_eq(ref.desc.infohash[0], 'c');
	dsl_set_ref_free(&ref);
}
END_TEST

START_TEST(remove_versions)
{
	struct dsl_registry reg = { { regdir }, 1 };
	struct dsl_set_ref ref;
	struct dsl_err e = { "" };
	const char *old = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	const char *cur = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	int nf;

	ck_assert_int_eq(publish("foo", 'a', 0, &e), 0);
	ck_assert_int_eq(publish("foo", 'b', 1, &e), 0);
	ck_assert_int_eq(dsl_registry_remove(regdir, "foo", cur, &e), -1);
	ck_assert_msg(strstr(e.msg, "current version"), "%s", e.msg);
	ck_assert_int_eq(dsl_registry_remove(regdir, "foo", old, &e), 0);
	ck_assert_int_eq(dsl_registry_find(&reg, "foo", old, &ref, &nf, &e), -1);
	ck_assert_int_eq(dsl_registry_remove(regdir, "foo", NULL, &e), 0);
	ck_assert_int_eq(dsl_registry_find(&reg, "foo", NULL, &ref, &nf, &e), -1);
	ck_assert_int_eq(nf, 1);
	ck_assert_int_eq(dsl_registry_remove(regdir, "foo", NULL, &e), -1);
	ck_assert_msg(strstr(e.msg, "not in"), "%s", e.msg);
}
END_TEST

static void count_visit(void *arg, const char *dir, const char *name,
			const struct dsl_set_ref *ref, const struct dsl_err *err)
{
	int *counts = arg;

	(void)dir;
	(void)name;
	if (ref)
		counts[0]++;
	else {
		counts[1]++;
		ck_assert_ptr_nonnull(err);
		ck_assert_msg(strstr(err->msg, "bad"), "%s", err->msg);
	}
}

START_TEST(broken_sets_do_not_stop_listing)
{
	struct dsl_registry reg = { { regdir }, 1 };
	struct dsl_set_ref ref;
	struct dsl_err e = { "" };
	int counts[2] = { 0, 0 }, nf;
	char *path;
	FILE *f;

	ck_assert_int_eq(publish("good", 'a', 0, &e), 0);
	ck_assert_int_eq(publish("bad", 'b', 0, &e), 0);
	ck_assert_int_eq(publish("bad2", 'c', 0, &e), 0);
	/* Truncate one description, remove the other's torrent. */
	path = dsl_xasprintf("%s/bad/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json", regdir);
	f = fopen(path, "w");
	fputs("{\"schema\":1,\"name\":\"ba", f);
	fclose(f);
	free(path);
	path = dsl_xasprintf("%s/bad2/cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.torrent", regdir);
	unlink(path);
	free(path);
	dsl_registry_each(&reg, count_visit, counts, &e);
	ck_assert_int_eq(counts[0], 1);
	ck_assert_int_eq(counts[1], 2);
	ck_assert_int_eq(dsl_registry_find(&reg, "bad", NULL, &ref, &nf, &e), -1);
	ck_assert_int_eq(nf, 0);
	ck_assert_msg(strstr(e.msg, "truncated"), "%s", e.msg);
	ck_assert_int_eq(dsl_registry_find(&reg, "good", NULL, &ref, &nf, &e), 0);
	dsl_set_ref_free(&ref);
}
END_TEST

START_TEST(publish_errors)
{
	struct dsl_desc d;
	struct dsl_err e = { "" };
	char *missing = dsl_xasprintf("%s/nope", regdir);

	make_desc(&d, "foo", 'a');
	ck_assert_int_eq(dsl_registry_publish(missing, &d, torrent, 0, &e), -1);
	ck_assert_msg(strstr(e.msg, "no such directory"), "%s", e.msg);
	ck_assert_int_eq(dsl_registry_publish(regdir, &d, "/nonexistent.torrent", 0, &e), -1);
	ck_assert_msg(strstr(e.msg, "/nonexistent.torrent"), "%s", e.msg);
	/* Nothing half-published is left behind. */
	ck_assert(access(missing, F_OK) < 0);
	{
		char *setdir = dsl_xasprintf("%s/foo", regdir);

		ck_assert_msg(access(setdir, F_OK) < 0, "partial set left behind");
		free(setdir);
	}
	free(missing);
	dsl_desc_free(&d);
}
END_TEST

/* A reader polling while a writer publishes new versions must always see a
 * complete, self-consistent set. */
START_TEST(concurrent_reader_never_sees_torn_set)
{
	struct dsl_registry reg = { { regdir }, 1 };
	struct dsl_err e = { "" };
	const char hashes[] = "0123456789abcdef";
	pid_t reader;
	int status;

	ck_assert_int_eq(publish("hot", '0', 0, &e), 0);
	reader = fork();
	ck_assert_int_ge(reader, 0);
	if (reader == 0) {
		time_t end = time(NULL) + 3;
		long reads = 0;

		while (time(NULL) < end && reads < 200000) {
			struct dsl_set_ref ref;
			int nf;

			if (dsl_registry_find(&reg, "hot", NULL, &ref, &nf, &e) < 0) {
				fprintf(stderr, "torn read: %s\n", e.msg);
				_exit(1);
			}
			dsl_set_ref_free(&ref);
			reads++;
		}
		_exit(reads > 10 ? 0 : 2);
	}
	for (int round = 0; round < 300; round++)
		ck_assert_int_eq(publish("hot", hashes[round % 16], 1, &e), 0);
	waitpid(reader, &status, 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader saw a torn set");
}
END_TEST

/* The epilog removes, as root, trees the job's user could write to. */
START_TEST(rm_rf_never_follows_symlinks)
{
	char *outside = dsl_xasprintf("%s-outside", regdir);
	char *tree = dsl_xasprintf("%s/tree", regdir);
	char *victim = dsl_xasprintf("%s/precious", outside);
	char *p;
	struct dsl_err e = { "" };
	FILE *f;

	ck_assert_int_eq(dsl_mkdir_p(outside, 0755, &e), 0);
	f = fopen(victim, "w");
	fputs("keep", f);
	fclose(f);
	p = dsl_xasprintf("%s/a/b", tree);
	ck_assert_int_eq(dsl_mkdir_p(p, 0755, &e), 0);
	free(p);
	p = dsl_xasprintf("%s/a/b/link-to-outside", tree);
	ck_assert_int_eq(symlink(outside, p), 0);
	free(p);
	p = dsl_xasprintf("%s/a/file-link", tree);
	ck_assert_int_eq(symlink(victim, p), 0);
	free(p);
	ck_assert_int_eq(dsl_rm_rf(tree, &e), 0);
	ck_assert(access(tree, F_OK) < 0);
	ck_assert_msg(access(victim, F_OK) == 0, "followed a symlink out of the tree");
	ck_assert_int_eq(dsl_rm_rf(tree, &e), 0);   /* missing: not an error */
	dsl_rm_rf(outside, NULL);
	free(outside);
	free(tree);
	free(victim);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("registry");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, publish_and_find);
	tcase_add_test(tc, not_found_and_names);
	tcase_add_test(tc, user_registry_first);
	tcase_add_test(tc, remove_versions);
	tcase_add_test(tc, broken_sets_do_not_stop_listing);
	tcase_add_test(tc, publish_errors);
	tcase_add_test(tc, concurrent_reader_never_sees_torn_set);
	tcase_add_test(tc, rm_rf_never_follows_symlinks);
	suite_add_tcase(s, tc);
	return check_run(s);
}
