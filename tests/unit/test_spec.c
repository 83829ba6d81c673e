/* The job spec: what the prolog writes, the helper reads back whole; every
 * field is required, unknown keys, wrong types and out-of-range values are
 * refused with the field's name; the size does not grow with the job. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsl_jobkey.h"
#include "dsl_spec.h"
#include "dsl_util.h"

#include "check_run.h"

static void fill(struct dsl_spec *s, size_t npeers)
{
	memset(s, 0, sizeof(*s));
	s->job = 42;
	s->node = dsl_strdup("n00017");
	s->hostlist = dsl_strdup("n[00001-16384]");
	s->nnodes = 16384;
	s->index = 16;
	s->set = dsl_strdup("scipy");
	s->desc = dsl_strdup("/reg/scipy.json");
	s->torrent = dsl_strdup("/reg/scipy.torrent");
	s->mount = dsl_strdup("/dev/fd/3");
	s->mountpoint = dsl_strdup("/run/dsl/view/42/scipy");
	s->cache = dsl_strdup("/var/cache/dsl/job-42/scipy");
	s->run_dir = dsl_strdup("/run/dsl/job/42/scipy");
	s->log_file = dsl_strdup("/run/dsl/job/42/scipy/helper.log");
	s->share_index = 14;
	s->share_count = 16382;
	s->port = 7123;
	s->port_min = 7000;
	s->port_max = 7999;
	s->trackers[s->ntrackers++] = dsl_strdup("http://198.19.0.10:6970/announce");
	for (size_t i = 0; i < npeers; i++) {
		s->peers[i].node = dsl_xasprintf("n%05zu", i + 1);
		s->peers[i].addr = dsl_xasprintf("198.19.0.%zu:7123", i + 10);
	}
	s->npeers = npeers;
	s->read_timeout = 60;
	s->ready_timeout = 30;
	s->report_every_ms = dsl_spec_report_every_ms(s->nnodes);
	s->key = dsl_strdup("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	s->peer_networks = dsl_strdup("198.18.0.0/15,fd00::/8");
}

START_TEST(round_trip_every_field)
{
	struct dsl_spec s, b;
	struct dsl_err e = { "" };
	char *text;

	fill(&s, 8);
	text = dsl_spec_to_json(&s, &e);
	ck_assert_msg(text != NULL, "%s", e.msg);
	ck_assert_uint_lt(strlen(text), 4096);      /* 16,384 nodes, ~2 KiB */
	ck_assert_int_eq(dsl_spec_parse(text, strlen(text), &b, &e), 0);
	ck_assert_int_eq(b.job, 42);
	ck_assert_str_eq(b.hostlist, "n[00001-16384]");
	ck_assert_int_eq(b.nnodes, 16384);
	ck_assert_int_eq(b.index, 16);
	ck_assert_str_eq(b.log_file, s.log_file);
	ck_assert_int_eq(b.share_index, 14);
	ck_assert_int_eq(b.share_count, 16382);
	ck_assert_int_eq(b.port, 7123);
	ck_assert_int_eq(b.port_max, 7999);
	ck_assert_uint_eq(b.npeers, 8);
	ck_assert_str_eq(b.peers[7].addr, "198.19.0.17:7123");
	ck_assert_uint_eq(b.ntrackers, 1);
	ck_assert_int_eq(b.read_timeout, 60);
	ck_assert_int_eq(b.report_every_ms, 32768);
	ck_assert_str_eq(b.key, s.key);
	ck_assert_str_eq(b.peer_networks, "198.18.0.0/15,fd00::/8");
	dsl_spec_free(&b);
	free(text);
	/* A seeder has no share: null, and it reads back as none. */
	s.seeder = 1;
	s.share_count = 0;
	text = dsl_spec_to_json(&s, &e);
	ck_assert_ptr_nonnull(strstr(text, "\"share\": null"));
	ck_assert_int_eq(dsl_spec_parse(text, strlen(text), &b, &e), 0);
	ck_assert_int_eq(b.seeder, 1);
	ck_assert_int_eq(b.share_count, 0);
	dsl_spec_free(&b);
	free(text);
	dsl_spec_free(&s);
}
END_TEST

/* Replace the first occurrence of from with to in a fresh spec's text and
 * expect the parse to fail with a message containing why. */
static void refused(const char *from, const char *to, const char *why)
{
	struct dsl_spec s, b;
	struct dsl_err e = { "" };
	char *text, *bad, *at;

	fill(&s, 2);
	text = dsl_spec_to_json(&s, &e);
	at = strstr(text, from);
	ck_assert_msg(at != NULL, "%s not in the spec", from);
	bad = dsl_xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	ck_assert_int_eq(dsl_spec_parse(bad, strlen(bad), &b, &e), -1);
	ck_assert_msg(strstr(e.msg, why), "%s -> %s: '%s' lacks '%s'", from, to, e.msg, why);
	free(bad);
	free(text);
	dsl_spec_free(&s);
}

START_TEST(bad_specs_name_the_field)
{
	refused("\"schema\": \"dslswarm-spec/1\"", "\"schema\": \"dslswarm-spec/9\"", "schema");
	refused("\"job\": 42", "\"job\": 42, \"extra\": 1", "extra: unknown key");
	refused("\"job\": 42,", "", "job: missing");
	refused("\"job\": 42", "\"job\": \"42\"", "job: expected an integer");
	refused("\"index\": 16", "\"index\": 16384", "index: 16384 out of range");
	refused("\"listen\": 7123", "\"listen\": 8123", "port.listen");
	refused("\"cache_policy\": \"remove\"", "\"cache_policy\": \"sometimes\"", "cache_policy");
	refused("\"seeder\": false", "\"seeder\": 0", "roles.seeder");
	refused("\"count\": 16382", "\"count\": 10", "share.index");
	refused("\"log_file\": \"/run/dsl/job/42/scipy/helper.log\"", "\"log_file\": \"\"",
		"log_file: expected 1-");
	refused("\"addr\": \"198.19.0.10:7123\"", "\"addr\": \"198.19.0.10\"", "IP:PORT");
	refused("http://", "ftp://", "trackers[0]");
	refused("{", "[{", "JSON");
	/* The job key: exactly 64 lowercase hex digits; the message names the
	 * field, never the value. */
	refused("\"key\": \"00112233", "\"key\": \"0011223", "key: not 64 lowercase hex");
	refused("\"key\": \"00112233", "\"key\": \"X0112233", "key: not 64 lowercase hex");
	refused("198.18.0.0/15", "198.18.0.1/15", "not the first address");
	refused("198.18.0.0/15", "198.18.0.0/33", "expected ADDRESS/PREFIX");
}
END_TEST

START_TEST(job_keys)
{
	char a[DSL_JOBKEY_HEX + 1], b[DSL_JOBKEY_HEX + 1], h[DSL_JOBKEY_HALF + 1];
	struct dsl_err e = { "" };

	ck_assert_int_eq(dsl_jobkey_new(a, &e), 0);
	ck_assert_int_eq(dsl_jobkey_new(b, &e), 0);
	ck_assert_int_eq(dsl_jobkey_check(a, &e), 0);
	ck_assert_str_ne(a, b);                       /* fresh every time */
	dsl_jobkey_swarm(a, h);
	ck_assert_int_eq(strncmp(h, a, DSL_JOBKEY_HALF), 0);
	dsl_jobkey_tracker(a, h);
	ck_assert_str_eq(h, a + DSL_JOBKEY_HALF);
	ck_assert_int_eq(dsl_jobkey_check(NULL, &e), -1);
	ck_assert_int_eq(dsl_jobkey_check("abc", &e), -1);
	a[5] = 'G';
	ck_assert_int_eq(dsl_jobkey_check(a, &e), -1);
}
END_TEST

START_TEST(too_many_peers_refused_by_the_writer)
{
	struct dsl_spec s;
	struct dsl_err e = { "" };
	char *text;

	fill(&s, DSL_SPEC_MAX_PEERS);
	text = dsl_spec_to_json(&s, &e);
	ck_assert_ptr_nonnull(text);
	free(text);
	/* The helper reads at most DSL_SPEC_MAX_BYTES: a longer fd is refused. */
	{
		int p[2];
		char *big = dsl_xmalloc(DSL_SPEC_MAX_BYTES + 10);
		struct dsl_spec b;
		ck_assert_int_eq(pipe(p), 0);
		memset(big, ' ', DSL_SPEC_MAX_BYTES + 10);
		if (fork() == 0) {
			ssize_t w = write(p[1], big, DSL_SPEC_MAX_BYTES + 10);
			_exit(w > 0 ? 0 : 1);
		}
		close(p[1]);
		ck_assert_int_eq(dsl_spec_read_fd(p[0], &b, &e), -1);
		ck_assert_msg(strstr(e.msg, "over"), "%s", e.msg);
		close(p[0]);
		free(big);
	}
	dsl_spec_free(&s);
}
END_TEST

START_TEST(rate_bounds)
{
	/* Small jobs report every 2 s; 16,384 nodes stay within the budget. */
	ck_assert_int_eq(dsl_spec_report_every_ms(4), DSL_SPEC_REPORT_MIN_MS);
	ck_assert_int_le(16384 * 1000 / dsl_spec_report_every_ms(16384), DSL_SPEC_REPORTS_PER_S);
	ck_assert_int_eq(dsl_spec_announce_interval_s(64), DSL_SPEC_ANNOUNCE_MIN_S);
	ck_assert_int_le(16384 / dsl_spec_announce_interval_s(16384), DSL_SPEC_ANNOUNCES_PER_S);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spec");
	TCase *tc = tcase_create("spec");

	tcase_add_test(tc, round_trip_every_field);
	tcase_add_test(tc, bad_specs_name_the_field);
	tcase_add_test(tc, too_many_peers_refused_by_the_writer);
	tcase_add_test(tc, rate_bounds);
	tcase_add_test(tc, job_keys);
	suite_add_tcase(s, tc);
	return check_run(s);
}
