/* Set description: round trip and every rejection names file, field, reason. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsl_desc.h"

#include "check_run.h"

static const char good[] =
	"{\"schema\":1,\"name\":\"scipy\",\"created\":1763935000,"
	"\"infohash\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
	"\"piece_size\":262144,\"total_size\":15,\"file_count\":2,"
	"\"source_root\":\"/opt/scipy\",\"torrent\":\"x.torrent\","
	"\"env\":{\"LD_LIBRARY_PATH\":[\"lib\"],\"PYTHONPATH\":[\"py\",\".\"]},"
	"\"tree\":["
	"{\"path\":\"lib\",\"type\":\"dir\",\"mode\":493},"
	"{\"path\":\"lib/libfoo.so\",\"type\":\"symlink\",\"target\":\"libfoo.so.1\"},"
	"{\"path\":\"lib/libfoo.so.1\",\"type\":\"file\",\"mode\":420,\"size\":10},"
	"{\"path\":\"py\",\"type\":\"dir\",\"mode\":493},"
	"{\"path\":\"py/m.py\",\"type\":\"file\",\"mode\":420,\"size\":5,\"src\":\"other/m.py\"}"
	"]}";

/* Parse `text`; expect failure with a message containing `want`. */
static void expect_reject(const char *text, const char *want)
{
	struct dsl_desc d;
	struct dsl_err e = { "" };

	ck_assert_int_eq(dsl_desc_parse(text, strlen(text), "set.json", &d, &e), -1);
	ck_assert_msg(strstr(e.msg, want) != NULL, "message '%s' lacks '%s'", e.msg, want);
	ck_assert_msg(strncmp(e.msg, "set.json: ", 10) == 0, "message '%s' does not name the file", e.msg);
}

/* good with one substring replaced. */
static char *mutate(const char *from, const char *to)
{
	const char *at = strstr(good, from);
	char *out;

	ck_assert_ptr_nonnull(at);
	out = malloc(strlen(good) + strlen(to) + 1);
	memcpy(out, good, (size_t)(at - good));
	strcpy(out + (at - good), to);
	strcat(out, at + strlen(from));
	return out;
}

static void reject_mutation(const char *from, const char *to, const char *want)
{
	char *text = mutate(from, to);

	expect_reject(text, want);
	free(text);
}

START_TEST(parse_good)
{
	struct dsl_desc d;
	struct dsl_err e = { "" };
	const struct dsl_node *n;

	ck_assert_int_eq(dsl_desc_parse(good, strlen(good), "set.json", &d, &e), 0);
	ck_assert_str_eq(d.name, "scipy");
	ck_assert_uint_eq(d.piece_size, 262144);
	ck_assert_uint_eq(d.nnodes, 5);
	ck_assert_uint_eq(d.nenv, 2);
	n = dsl_desc_find(&d, "lib/libfoo.so");
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->type, DSL_NODE_SYMLINK);
	ck_assert_str_eq(n->target, "libfoo.so.1");
	n = dsl_desc_find(&d, "py/m.py");
	ck_assert_str_eq(n->src, "other/m.py");
	ck_assert_ptr_null(dsl_desc_find(&d, "nope"));
	dsl_desc_free(&d);
}
END_TEST

START_TEST(round_trip)
{
	struct dsl_desc d, d2;
	struct dsl_err e = { "" };
	char *j1, *j2;

	ck_assert_int_eq(dsl_desc_parse(good, strlen(good), "a", &d, &e), 0);
	j1 = dsl_desc_to_json(&d, 1, &e);
	ck_assert_ptr_nonnull(j1);
	ck_assert_int_eq(dsl_desc_parse(j1, strlen(j1), "b", &d2, &e), 0);
	j2 = dsl_desc_to_json(&d2, 1, &e);
	ck_assert_str_eq(j1, j2);
	ck_assert_str_eq(d2.infohash, d.infohash);
	ck_assert_uint_eq(d2.total_size, 15);
	ck_assert_str_eq(dsl_desc_find(&d2, "lib/libfoo.so.1")->path, "lib/libfoo.so.1");
	/* at_path: absent stays absent (the site decides); a choice is kept. */
	ck_assert_int_eq(d2.at_path, -1);
	ck_assert_ptr_null(strstr(j1, "at_path"));
	free(j2);
	d.at_path = 0;
	j2 = dsl_desc_to_json(&d, 0, &e);
	dsl_desc_free(&d2);
	ck_assert_int_eq(dsl_desc_parse(j2, strlen(j2), "c", &d2, &e), 0);
	ck_assert_int_eq(d2.at_path, 0);
	free(j1);
	free(j2);
	dsl_desc_free(&d);
	dsl_desc_free(&d2);
}
END_TEST

START_TEST(env_value)
{
	struct dsl_desc d;
	struct dsl_err e = { "" };
	char *v;

	ck_assert_int_eq(dsl_desc_parse(good, strlen(good), "a", &d, &e), 0);
	v = dsl_desc_env_value(&d, &d.env[1], "/run/dsl/42/scipy");
	ck_assert_str_eq(v, "/run/dsl/42/scipy/py:/run/dsl/42/scipy");
	free(v);
	dsl_desc_free(&d);
}
END_TEST

START_TEST(reject_syntax)
{
	char trunc[200];

	memcpy(trunc, good, 100);
	trunc[100] = '\0';
	expect_reject(trunc, "truncated");
	expect_reject("{\"schema\":1,}", "not valid JSON");
	expect_reject("[1,2]", "not a JSON object");
	expect_reject("", "truncated");
	reject_mutation("]}", "]} x", "not valid JSON");
}
END_TEST

START_TEST(reject_fields)
{
	reject_mutation("\"schema\":1", "\"schema\":2", "schema: version 2 not supported");
	reject_mutation("\"schema\":1,", "", "schema: missing");
	reject_mutation("\"name\":\"scipy\"", "\"name\":\"a/b\"", "name");
	reject_mutation("\"name\":\"scipy\"", "\"name\":7", "name: not a string");
	reject_mutation("\"created\":1763935000", "\"created\":\"x\"", "created: not an integer");
	reject_mutation("\"infohash\":\"0123", "\"infohash\":\"X123", "infohash:");
	reject_mutation("\"piece_size\":262144", "\"piece_size\":1000", "piece_size");
	reject_mutation("\"piece_size\":262144", "\"piece_size\":49152", "piece_size: 49152 is not a power of two");
	reject_mutation("\"total_size\":15", "\"total_size\":16", "total_size: 16 but the files add up to 15");
	reject_mutation("\"file_count\":2", "\"file_count\":3", "file_count");
	reject_mutation("\"source_root\":\"/opt/scipy\"", "\"source_root\":\"opt\"", "source_root");
	reject_mutation("\"torrent\":\"x.torrent\"", "\"torrent\":\"../x\"", "torrent:");
	reject_mutation("\"tree\":[", "\"tree\":{}, \"x\":[", "tree: not an array");
	reject_mutation("\"env\":{", "\"env\":{\"A\":\"lib\",", "env.A: not an array");
	reject_mutation("[\"py\",\".\"]", "[\"../py\"]", "env.PYTHONPATH[0]");
	reject_mutation("\"torrent\":\"x.torrent\"", "\"torrent\":\"x.torrent\",\"at_path\":1",
			"at_path: not true or false");
}
END_TEST

START_TEST(reject_tree)
{
	reject_mutation("\"path\":\"lib\",", "\"path\":\"/lib\",", "tree[0].path");
	reject_mutation("\"path\":\"py/m.py\"", "\"path\":\"py/../m.py\"", "tree[4].path");
	reject_mutation("\"type\":\"dir\"", "\"type\":\"fifo\"", "tree[0].type: 'fifo'");
	reject_mutation("\"mode\":420,\"size\":10", "\"mode\":420,\"size\":-1", "tree[2].size");
	reject_mutation("\"mode\":420,\"size\":10", "\"mode\":99999,\"size\":10", "tree[2].mode");
	reject_mutation("\"mode\":420,\"size\":10", "\"mode\":420", "tree[2].size: missing");
	reject_mutation("\"target\":\"libfoo.so.1\"", "\"target\":\"\"", "tree[1].target: empty");
	reject_mutation("{\"path\":\"lib\",\"type\":\"dir\",\"mode\":493},", "",
			"parent directory of 'lib/libfoo.so' is not in the tree");
	reject_mutation("{\"path\":\"py\",\"type\":\"dir\",\"mode\":493},",
			"{\"path\":\"lib/libfoo.so.1\",\"type\":\"dir\",\"mode\":493},",
			"duplicate or out of order");
	reject_mutation("\"src\":\"other/m.py\"", "\"src\":\"/etc/passwd\"", "tree[4].src");
}
END_TEST

START_TEST(names)
{
	struct dsl_err e;
	char longname[70];

	ck_assert(dsl_name_valid("scipy-1.11_py3.11", &e));
	ck_assert(!dsl_name_valid("", &e));
	ck_assert(!dsl_name_valid(".hidden", &e));
	ck_assert(!dsl_name_valid("a b", &e));
	ck_assert(strstr(e.msg, "' '") != NULL);
	ck_assert(!dsl_name_valid("a/b", &e));
	memset(longname, 'a', 65);
	longname[65] = '\0';
	ck_assert(!dsl_name_valid(longname, &e));
	longname[64] = '\0';
	ck_assert(dsl_name_valid(longname, &e));
	ck_assert(dsl_relpath_valid("a/b/c"));
	ck_assert(!dsl_relpath_valid("a//b"));
	ck_assert(!dsl_relpath_valid("a/"));
	ck_assert(!dsl_relpath_valid("./a"));
	ck_assert(!dsl_relpath_valid(""));
}
END_TEST

/* A description can be hand-written: the loading side refuses what
 * `dsl create` refuses (variable names, loader injection, special bits). */
START_TEST(reject_hostile)
{
	static const char *const refused[] = {
		"LD_PRELOAD", "LD_AUDIT", "LD_DEBUG_OUTPUT", "LD_PROFILE", "LD_BIND_NOW",
		"LD_ANYTHING_NEW", "GLIBC_TUNABLES", "GCONV_PATH", "NLSPATH", "LOCPATH",
		"MALLOC_TRACE", "HOSTALIASES", "TMPDIR", "DSL_SET_ROOT",
	};
	static const char *const malformed[] = {
		"lower", "1ABC", "A-B", "A=B", "A B", "A\\nB", "A\\u001b[31mB", "\\u00e9",
	};
	struct dsl_err e;
	char from[300], want[300];

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(from, sizeof(from), "\"%s\":[\"lib\"]", refused[i]);
		snprintf(want, sizeof(want), "env: %s is refused", refused[i]);
		reject_mutation("\"LD_LIBRARY_PATH\":[\"lib\"]", from, want);
		ck_assert_int_eq(dsl_env_name_check(refused[i], &e), -1);
	}
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		snprintf(from, sizeof(from), "\"%s\":[\"lib\"]", malformed[i]);
		reject_mutation("\"LD_LIBRARY_PATH\":[\"lib\"]", from,
				"is not an environment variable name for a set ([A-Z_][A-Z0-9_]*");
	}
	/* the message shows a control character escaped, never raw */
	ck_assert_int_eq(dsl_env_name_check("A\nB\x1b[2J", &e), -1);
	ck_assert_msg(strstr(e.msg, "'A\\x0aB\\x1b[2J'") != NULL, "%s", e.msg);
	ck_assert_int_eq(dsl_env_name_check("LD_LIBRARY_PATH", &e), 0);
	ck_assert_int_eq(dsl_env_name_check("_X1", &e), 0);
	/* found by fuzzing: a newline in an env path would start a line of its
	 * own in task.env; a ':' would add a path outside the set */
	reject_mutation("[\"py\",\".\"]", "[\"py\\n+PYTHONPATH=/tmp\"]",
			"env.PYTHONPATH[0]: 'py\\x0a+PYTHONPATH=/tmp' is not a path relative");
	reject_mutation("[\"py\",\".\"]", "[\"py:/etc\"]", "env.PYTHONPATH[0]");
	reject_mutation("\"mode\":420,\"size\":10", "\"mode\":2541,\"size\":10",
			"tree[2].mode: 04755 has setuid, setgid or sticky bits");
	reject_mutation("\"mode\":493}", "\"mode\":1517}", "tree[0].mode: 02755");
	reject_mutation("\"py\",\"type\":\"dir\",\"mode\":493", "\"py\",\"type\":\"dir\",\"mode\":1023",
			"tree[3].mode: 01777");
}
END_TEST

START_TEST(read_missing_file)
{
	struct dsl_desc d;
	struct dsl_err e;

	ck_assert_int_eq(dsl_desc_read_file("/nonexistent/x.json", &d, &e), -1);
	ck_assert(strstr(e.msg, "/nonexistent/x.json") != NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("desc");
	TCase *tc = tcase_create("desc");

	tcase_add_test(tc, parse_good);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, env_value);
	tcase_add_test(tc, reject_syntax);
	tcase_add_test(tc, reject_fields);
	tcase_add_test(tc, reject_tree);
	tcase_add_test(tc, names);
	tcase_add_test(tc, reject_hostile);
	tcase_add_test(tc, read_missing_file);
	suite_add_tcase(s, tc);
	return check_run(s);
}
