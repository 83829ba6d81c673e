/* Configuration: keys, values, files, precedence; errors name the key. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsl_config.h"

#include "check_run.h"

static void expect_bad(const char *arg, const char *want)
{
	struct dsl_config c;
	struct dsl_err e = { "" };

	dsl_config_defaults(&c);
	ck_assert_int_eq(dsl_config_set_arg(&c, arg, &e), -1);
	ck_assert_msg(strstr(e.msg, want) != NULL, "'%s': message '%s' lacks '%s'", arg, e.msg, want);
}

START_TEST(good_values)
{
	struct dsl_config c;
	struct dsl_err e = { "" };
	char buf[256];

	dsl_config_defaults(&c);
	ck_assert_int_eq(dsl_config_set_arg(&c, "registry=/srv/sets", &e), 0);
	ck_assert_str_eq(c.registry, "/srv/sets");
	ck_assert_int_eq(dsl_config_set_arg(&c, "seeders=4", &e), 0);
	ck_assert_int_eq(c.seeders, 4);
	ck_assert_int_eq(dsl_config_set_arg(&c, "peer_ports=8000-8100", &e), 0);
	ck_assert_int_eq(c.peer_port_min, 8000);
	ck_assert_int_eq(c.peer_port_max, 8100);
	ck_assert_int_eq(dsl_config_set_arg(&c, "tracker_ports=7000", &e), 0);
	ck_assert_int_eq(c.tracker_port_max, 7000);
	ck_assert_int_eq(dsl_config_set_arg(&c, "wait=all", &e), 0);
	ck_assert_int_eq(c.wait, DSL_WAIT_ALL);
	ck_assert_int_eq(dsl_config_set_arg(&c, "cache_policy=keep", &e), 0);
	ck_assert_int_eq(c.shares, 1);
	ck_assert_int_eq(dsl_config_set_arg(&c, "shares=off", &e), 0);
	ck_assert_int_eq(c.shares, 0);
	ck_assert_int_eq(dsl_config_set_arg(&c, "tracker=http://tr:6969/announce", &e), 0);
	ck_assert_int_eq(dsl_config_set_arg(&c, "service_seeders=s[1-2]", &e), 0);
	ck_assert_int_eq(dsl_config_set_arg(&c, "user_registry=", &e), 0);
	ck_assert_int_eq(dsl_config_user_registry(&c, "/home/u", buf, sizeof(buf)), -1);
	ck_assert_int_eq(dsl_config_set_arg(&c, "user_registry=~/sets", &e), 0);
	ck_assert_int_eq(dsl_config_user_registry(&c, "/home/u", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/home/u/sets");
	ck_assert_uint_eq(c.daemon_memory, 0);
	ck_assert_int_eq(dsl_config_set_arg(&c, "daemon_memory=512M", &e), 0);
	ck_assert_uint_eq(c.daemon_memory, 512ULL << 20);
	ck_assert_int_eq(dsl_config_set_arg(&c, "daemon_memory=1048576", &e), 0);
	ck_assert_uint_eq(c.daemon_memory, 1048576);
	ck_assert_int_eq(dsl_config_set_arg(&c, "daemon_memory=2T", &e), 0);
	ck_assert_uint_eq(c.daemon_memory, 2ULL << 40);
	ck_assert_int_eq(dsl_config_set_arg(&c, "peer_networks=10.0.0.0/8,fd00::/8", &e), 0);
	ck_assert_str_eq(c.peer_networks, "10.0.0.0/8,fd00::/8");
	ck_assert_int_eq(dsl_config_set_arg(&c, "munge_socket=/run/m/s", &e), 0);
	ck_assert_str_eq(c.munge_socket, "/run/m/s");
}
END_TEST

START_TEST(bad_values)
{
	expect_bad("colour=blue", "unknown key 'colour'");
	expect_bad("peer_networks=10.0.0.1/8", "not the first address of the network");
	expect_bad("peer_networks=10.0.0.0", "expected ADDRESS/PREFIX");
	expect_bad("peer_networks=", "expected 1-16 ranges");
	expect_bad("munge_socket=sock", "not an absolute path");
	expect_bad("seeders=0", "seeders: '0'");
	expect_bad("seeders=two", "seeders: 'two' is not an integer");
	expect_bad("registry=relative/dir", "registry: 'relative/dir' is not an absolute path");
	expect_bad("peer_ports=9000-8000", "peer_ports: range '9000-8000' ends before it starts");
	expect_bad("peer_ports=70000", "peer_ports");
	expect_bad("wait=sometimes", "wait: 'sometimes'");
	expect_bad("cache_policy=maybe", "cache_policy: 'maybe'");
	expect_bad("shares=yes", "shares: 'yes' is neither 'on' nor 'off'");
	expect_bad("tracker=ftp://x", "tracker: 'ftp://x'");
	expect_bad("ready_timeout=-3", "ready_timeout");
	expect_bad("novalue", "'novalue' is not key=value");
	expect_bad("=x", "not key=value");
	/* "~/" is only for the per-user registry: root's paths are absolute */
	expect_bad("registry=~/sets", "registry: '~/sets' is not an absolute path");
	expect_bad("run=~/run", "run: '~/run' is not an absolute path");
	expect_bad("daemon_memory=lots", "daemon_memory: 'lots' is not a size");
	expect_bad("daemon_memory=-1G", "daemon_memory: '-1G' is not a size");
	expect_bad("daemon_memory=4GB", "daemon_memory: '4GB' is not a size");
	expect_bad("daemon_memory=99999999999T", "daemon_memory: '99999999999T' is too large");
}
END_TEST

/* Found by fuzzing: a refused range used to leave its start in place. */
START_TEST(refused_leaves_config)
{
	struct dsl_config c;
	struct dsl_err e = { "" };

	dsl_config_defaults(&c);
	ck_assert_int_eq(dsl_config_set_arg(&c, "tracker_ports=8352-6999", &e), -1);
	ck_assert_int_eq(c.tracker_port_min, 700);
	ck_assert_int_eq(c.tracker_port_max, 899);
	ck_assert_int_eq(dsl_config_set_arg(&c, "peer_ports=7100-x", &e), -1);
	ck_assert_int_eq(c.peer_port_min, 7000);
}
END_TEST

START_TEST(file_then_args)
{
	char path[] = "/tmp/dsl-test-conf.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct dsl_config c;
	struct dsl_err e = { "" };
	char conf_arg[64];
	char *argv[3];

	fputs("# site defaults\nseeders = 3\n\nmount=/run/views  # comment\nready_timeout=9\n", f);
	fclose(f);
	snprintf(conf_arg, sizeof(conf_arg), "conf=%s", path);
	argv[0] = conf_arg;
	argv[1] = "seeders=5";
	argv[2] = NULL;
	dsl_config_defaults(&c);
	ck_assert_int_eq(dsl_config_from_args(&c, 2, argv, &e), 0);
	ck_assert_int_eq(c.seeders, 5);             /* plugstack argument wins */
	ck_assert_str_eq(c.mount_root, "/run/views");
	ck_assert_int_eq(c.ready_timeout, 9);
	f = fopen(path, "w");
	fputs("seeders=3\nbogus=1\n", f);
	fclose(f);
	dsl_config_defaults(&c);
	ck_assert_int_eq(dsl_config_from_args(&c, 1, argv, &e), -1);
	ck_assert_msg(strstr(e.msg, ":2: unknown key 'bogus'") != NULL, "%s", e.msg);
	unlink(path);
	/* An explicit conf= that is missing is an error; the default one is not. */
	dsl_config_defaults(&c);
	ck_assert_int_eq(dsl_config_from_args(&c, 1, argv, &e), -1);
	ck_assert_msg(strstr(e.msg, path) != NULL, "%s", e.msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, good_values);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, refused_leaves_config);
	tcase_add_test(tc, file_then_args);
	suite_add_tcase(s, tc);
	return check_run(s);
}
