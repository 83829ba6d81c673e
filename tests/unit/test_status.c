/* dsl status shows what other users' processes put into the tracker (their
 * helpers' reports, or a tracker of their own on the job's port): only
 * printable, bounded strings may reach the terminal.  Renders a /stats
 * document full of terminal escapes and checks every byte printed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cli/dsl_status.c"

#include "check_run.h"

static const char hostile[] =
	"{\"swarms\":[{\"info_hash\":\"\\u001b[31maaaa\",\"seeders\":1,\"leechers\":0,"
	"\"peers\":[{\"address\":\"10.0.0.1\",\"port\":7000,\"state\":\"seeder\\u001b[2J\\u0007\","
	"\"left\":0,\"report\":{\"job\":42,\"set\":\"big\\u001b]0;owned\\u0007\\n\","
	"\"infohash\":\"\\u009b31m\\r\\nXXXX\",\"role\":\"\\u001b[1A\\u001b[2Kseeder-with-a-very-long-role-name-that-goes-on-and-on-and-on-and-on\","
	"\"complete\":true,\"pieces\":{\"done\":1,\"total\":1,\"size\":16384},"
	"\"bytes\":{\"received\":1,\"sent\":2,\"from_seeders\":0,\"from_peers\":1}}}]}]}";

START_TEST(escapes_never_printed)
{
	struct cli_ctx ctx;
	char *node = "n1";
	struct status_job j = { .id = 42, .state = "RUNNING", .nodes = &node, .nnodes = 1 };
	json_object *stats = json_tokener_parse(hostile);
	char path[] = "/tmp/dsl-status-test.XXXXXX", line[4096];
	int fd = mkstemp(path), saved = dup(1);
	FILE *f;
	size_t nlines = 0;

	ck_assert_ptr_nonnull(stats);
	memset(&ctx, 0, sizeof(ctx));
	fflush(stdout);
	dup2(fd, 1);
	render(&ctx, &j, stats, 1, 0, 1);   /* one line per node */
	render(&ctx, &j, stats, 1, 0, 0);   /* the summary */
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	json_object_put(stats);
	f = fdopen(fd, "r");
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		nlines++;
		ck_assert_msg(strlen(line) < 240, "line of %zu bytes", strlen(line));
		for (const unsigned char *p = (const unsigned char *)line; *p; p++)
			ck_assert_msg((*p >= 0x20 && *p < 0x7f) || (*p == '\n' && !p[1]),
				      "byte %#x printed in: %s", *p, line);
	}
	fclose(f);
	unlink(path);
	ck_assert_uint_ge(nlines, 3);
}
END_TEST

/* The escaping itself: visible, bounded, never cut inside an escape. */
START_TEST(printable)
{
	char out[16];

	ck_assert_str_eq(dsl_printable("a\x1b[2Jb", 6, out, sizeof(out)), "a\\x1b[2Jb");
	ck_assert_str_eq(dsl_printable("\\", 1, out, sizeof(out)), "\\x5c");
	ck_assert_str_eq(dsl_printable("\xc2\x9b", 2, out, sizeof(out)), "\\xc2\\x9b");
	ck_assert_str_eq(dsl_printable("0123456789abcdefghij", 20, out, sizeof(out)),
			 "0123456789ab...");
	ck_assert_str_eq(dsl_printable("0123456789\x01\x02", 12, out, sizeof(out)), "0123456789...");
	ck_assert_str_eq(dsl_printable("x", 1, out, 1), "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("status");

	tcase_add_test(tc, escapes_never_printed);
	tcase_add_test(tc, printable);
	suite_add_tcase(s, tc);
	return check_run(s);
}
