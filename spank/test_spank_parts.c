/* The plugin's functions without Slurm: set lists and pins, the tasks'
 * environment, per-job paths and ports, the submit check, the prolog's
 * user-mistake path and the epilog's idempotence. */
#define _GNU_SOURCE
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "dsl_asuser.h"
#include "dsl_cgroup.h"
#include "dsl_atpath.h"
#include "dsl_epilog.h"
#include "dsl_fusemount.h"
#include "dsl_health.h"
#include "dsl_job.h"
#include "dsl_jobstats.h"
#include "dsl_overlay.h"
#include "dsl_prolog.h"
#include "dsl_setlist.h"
#include "dsl_spawn.h"
#include "dsl_submit.h"
#include "dsl_task_env.h"
#include "dsl_wait_all.h"
#include "dsl_util.h"

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

START_TEST(setlist_names_and_pins)
{
	struct dsl_setlist s;
	struct dsl_err e = { "" };
	char *pins;

	ck_assert_int_eq(dsl_setlist_parse_names("scipy,my-libs", &s, &e), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.names[1], "my-libs");
	ck_assert_int_eq(dsl_setlist_parse_names("a,,b", &s, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "empty"));
	ck_assert_int_eq(dsl_setlist_parse_names("a,a", &s, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "twice"));
	ck_assert_int_eq(dsl_setlist_parse_names("bad name", &s, &e), -1);
	ck_assert_int_eq(dsl_setlist_parse_names("", &s, &e), -1);
	ck_assert_int_eq(dsl_setlist_parse_pins("x:" HASH_A, &s, &e), 0);
	ck_assert_str_eq(s.infohash[0], HASH_A);
	pins = dsl_setlist_format_pins(&s);
	ck_assert_str_eq(pins, "x:" HASH_A);
	free(pins);
	ck_assert_int_eq(dsl_setlist_parse_pins("x:123", &s, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "NAME:INFOHASH"));
}
END_TEST

static int collect(void *arg, const char *var, const char *value, int prepend)
{
	char **out = arg;
	char *n = dsl_xasprintf("%s%s%s=%s;", *out, prepend ? "+" : "", var, value);

	free(*out);
	*out = n;
	return 0;
}

START_TEST(task_env)
{
	struct dsl_err e = { "" };
	char *v, *out = dsl_strdup("");

	v = dsl_task_env_root_var("my-set.2");
	ck_assert_str_eq(v, "DSL_SET_ROOT_MY_SET_2");
	free(v);
	v = dsl_task_env_prepend("/v/lib", "");
	ck_assert_str_eq(v, "/v/lib");
	free(v);
	v = dsl_task_env_prepend("/v/lib", "/usr/lib");
	ck_assert_str_eq(v, "/v/lib:/usr/lib");
	free(v);
	/* A step inside a batch job inherits the batch script's value. */
	v = dsl_task_env_prepend("/v/lib", "/v/lib:/usr/lib");
	ck_assert_str_eq(v, "/v/lib:/usr/lib");
	free(v);
	ck_assert_int_eq(dsl_task_env_apply("DSL_SET_ROOT=/v\n+PYTHONPATH=/v/py\n", collect, &out, &e), 0);
	ck_assert_str_eq(out, "DSL_SET_ROOT=/v;+PYTHONPATH=/v/py;");
	free(out);
	out = dsl_strdup("");
	ck_assert_int_eq(dsl_task_env_apply("garbage\n", collect, &out, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "bad line"));
	/* only the plugin's own variables set, only allowed names prepended,
	 * and nothing applied before the bad line is kept by the caller */
	ck_assert_int_eq(dsl_task_env_apply("+LD_PRELOAD=/v/x.so\n", collect, &out, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "task environment: LD_PRELOAD is refused"));
	ck_assert_int_eq(dsl_task_env_apply("PATH=/v/bin\n", collect, &out, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "'PATH' is not a variable dslswarm sets"));
	ck_assert_int_eq(dsl_task_env_apply("DSL_SET_ROOT_a\x1b=/v\n", collect, &out, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "'DSL_SET_ROOT_a\\x1b'"));
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

/* The at-path policy: hostile paths refused with the reason; the walk
 * never follows a symlink and checks the user's access. */
START_TEST(at_path_policy)
{
	static const char *refused[] = {
		"relative/p", "/", "/etc", "/etc/ssl", "/usr/lib/x", "/lib64", "/proc/1",
		"/run/dsl/view/1", "/var", "/home", "/a/../etc", "/a//b", "/a/./b", "/a/",
		"/a:b", "/a,b", "/var/cache/dsl/x", "/var/cache",
	};
	static const char *allowed[] = { "/opt/spack/x", "/home/u/sets", "/var/tmp/s", "/usr2/x" };
	struct dsl_config c;
	struct dsl_err e = { "" };
	char tmpl[] = "/tmp/dsl-atpath-XXXXXX", *dir = mkdtemp(tmpl), *p;
	int fd;

	dsl_config_defaults(&c);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		ck_assert_msg(dsl_atpath_check(refused[i], &c, &e) < 0, "%s allowed", refused[i]);
	ck_assert_int_eq(dsl_atpath_check("/etc/x", &c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "/etc is a system directory"));
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		ck_assert_msg(dsl_atpath_check(allowed[i], &c, &e) == 0, "%s: %s", allowed[i], e.msg);
	/* The walk: a real directory opens; a symlink anywhere is refused. */
	ck_assert_ptr_nonnull(dir);
	p = dsl_path_join(dir, "real/sub");
	ck_assert_int_eq(dsl_mkdir_p(p, 0755, &e), 0);
	fd = dsl_atpath_open(p, 0, 0, NULL, 0, &e);
	ck_assert_int_ge(fd, 0);
	close(fd);
	free(p);
	p = dsl_path_join(dir, "link");
	ck_assert_int_eq(symlink("real", p), 0);
	free(p);
	p = dsl_path_join(dir, "link/sub");
	ck_assert_int_eq(dsl_atpath_open(p, 0, 0, NULL, 0, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "link: a symbolic link"));
	free(p);
	/* Mode bits as the user: 0700 root's directory is not searchable. */
	p = dsl_path_join(dir, "real");
	ck_assert_int_eq(chmod(p, 0700), 0);
	free(p);
	p = dsl_path_join(dir, "real/sub");
	ck_assert_int_eq(dsl_atpath_open(p, 12345, 12345, NULL, 0, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "not searchable by uid 12345"));
	free(p);
	ck_assert_int_eq(dsl_rm_rf(dir, &e), 0);
}
END_TEST

/* The prolog's decision: the set's own choice, else the site's; a set that
 * asked for an impossible path is the user's mistake, one that only got
 * the site's default falls back to its view. */
START_TEST(at_path_decide)
{
	struct dsl_config c;
	struct dsl_setlist s = { .n = 2, .names = { "a", "b" } };
	struct dsl_set_ref refs[2];
	struct dsl_node f = { .path = "lib.so", .type = DSL_NODE_FILE, .mode = 0644, .src = "other.so" };
	struct dsl_err e = { "" }, warn = { "" };

	dsl_config_defaults(&c);
	memset(refs, 0, sizeof(refs));
	for (int i = 0; i < 2; i++) {
		dsl_desc_init(&refs[i].desc);
		refs[i].desc.name = dsl_strdup(s.names[i]);
	}
	refs[0].desc.source_root = dsl_strdup("/opt/a");
	refs[1].desc.source_root = dsl_strdup("/etc/b");
	/* Site default off, no opinion: neither. */
	ck_assert_int_eq(dsl_overlay_decide(&c, &s, refs, &warn, &e), 0);
	ck_assert_int_eq(refs[0].desc.at_path + refs[1].desc.at_path, 0);
	/* Site default on: a is shown, b (under /etc) falls back with a note. */
	c.at_path = 1;
	refs[0].desc.at_path = refs[1].desc.at_path = -1;
	ck_assert_int_eq(dsl_overlay_decide(&c, &s, refs, &warn, &e), 0);
	ck_assert_int_eq(refs[0].desc.at_path, 1);
	ck_assert_int_eq(refs[1].desc.at_path, 0);
	ck_assert_ptr_nonnull(strstr(warn.msg, "set 'b' shown at its view only"));
	/* b asked for it itself: the user's mistake. */
	refs[1].desc.at_path = 1;
	ck_assert_int_eq(dsl_overlay_decide(&c, &s, refs, &warn, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "set 'b'"));
	/* A tree that is not a mirror of its source cannot be shown there. */
	refs[1].desc.at_path = 1;
	free(refs[1].desc.source_root);
	refs[1].desc.source_root = dsl_strdup("/opt/b");
	ck_assert_int_eq(dsl_desc_add_node(&refs[1].desc, &f, &e), 0);
	ck_assert_int_eq(dsl_overlay_decide(&c, &s, refs, &warn, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "not one source directory"));
	dsl_desc_free(&refs[0].desc);
	dsl_desc_free(&refs[1].desc);
}
END_TEST

START_TEST(paths_and_ports)
{
	struct dsl_config c;
	struct dsl_job job = { .id = 1234, .uid = 1000 };
	char *p;

	dsl_config_defaults(&c);
	p = dsl_job_view_dir(&c, 1234, "scipy");
	ck_assert_str_eq(p, "/run/dsl/view/1234/scipy");
	free(p);
	p = dsl_job_cache_dir(&c, &job, "scipy", HASH_A);
	ck_assert_str_eq(p, "/var/cache/dsl/job-1234/scipy");
	free(p);
	c.cache_policy = DSL_CACHE_KEEP;
	p = dsl_job_cache_dir(&c, &job, "scipy", HASH_A);
	ck_assert_str_eq(p, "/var/cache/dsl/user-1000/" HASH_A);
	free(p);
	/* Same on every node, inside the configured ranges. */
	ck_assert_int_eq(dsl_config_tracker_port(&c, 1234), dsl_config_tracker_port(&c, 1234));
	ck_assert_int_ge(dsl_config_tracker_port(&c, 1234), c.tracker_port_min);
	ck_assert_int_le(dsl_config_tracker_port(&c, 1234), c.tracker_port_max);
	ck_assert_int_ne(dsl_config_peer_port(&c, 1234, 0), dsl_config_peer_port(&c, 1234, 1));
	/* Tracker candidates: the job's port first, all distinct, in range. */
	{
		int t[DSL_CONFIG_TRACKER_CANDIDATES];
		int n = dsl_config_tracker_ports(&c, 1234, t);

		ck_assert_int_eq(n, DSL_CONFIG_TRACKER_CANDIDATES);
		ck_assert_int_eq(t[0], dsl_config_tracker_port(&c, 1234));
		for (int k = 0; k < n; k++) {
			ck_assert_int_ge(t[k], c.tracker_port_min);
			ck_assert_int_le(t[k], c.tracker_port_max);
			for (int l = 0; l < k; l++)
				ck_assert_int_ne(t[k], t[l]);
		}
	}
	/* No id distance collides systematically (JOBID mod range did for every
	 * 125th job): over 2000 jobs, a job and the one 125 later share a port
	 * about twice (chance: 1/1000), never for most of them. */
	{
		int same = 0;

		for (unsigned long id = 1; id <= 2000; id++) {
			int p0 = dsl_config_peer_port(&c, id, 0);

			ck_assert_int_ge(p0, c.peer_port_min);
			ck_assert_int_le(p0, c.peer_port_max);
			same += p0 == dsl_config_peer_port(&c, id + 125, 0);
		}
		ck_assert_int_lt(same, 20);
	}
}
END_TEST

/* A temporary tree standing for a node: registry, run, mount, cache. */
static void temp_config(struct dsl_config *c, char *tmp)
{
	char *d;

	strcpy(tmp, "/tmp/dsl-spank-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	dsl_config_defaults(c);
	snprintf(c->registry, sizeof(c->registry), "%s/reg", tmp);
	c->user_registry[0] = '\0';
	snprintf(c->run_root, sizeof(c->run_root), "%s/run", tmp);
	snprintf(c->mount_root, sizeof(c->mount_root), "%s/view", tmp);
	snprintf(c->cache_dir, sizeof(c->cache_dir), "%s/cache", tmp);
	d = dsl_path_join(tmp, "reg");
	mkdir(d, 0755);
	free(d);
}

static void rm_tree(const char *tmp)
{
	struct dsl_err e;

	dsl_rm_rf(tmp, &e);
}

START_TEST(submit_unknown_set)
{
	struct dsl_config c;
	struct dsl_err e = { "" };
	char tmp[64], *pins = NULL;

	temp_config(&c, tmp);
	ck_assert_int_eq(dsl_submit_check(&c, "nosuch", NULL, &pins, &e), -1);
	ck_assert_ptr_null(pins);
	ck_assert_msg(strstr(e.msg, "unknown set 'nosuch'; available:") != NULL, "%s", e.msg);
	ck_assert_int_eq(dsl_submit_check(&c, "a,,b", NULL, &pins, &e), -1);
	ck_assert_msg(strstr(e.msg, "--dsl-set=a,,b") != NULL, "%s", e.msg);
	rm_tree(tmp);
}
END_TEST

START_TEST(prolog_removed_set_is_users_mistake)
{
	struct dsl_config c;
	struct dsl_job job = { .id = 77, .uid = getuid(), .gid = getgid(),
			       .nodelist = "n[1-2]", .self = "n1" };
	struct dsl_setlist s;
	struct dsl_err e = { "" }, warn = { "" };
	char tmp[64], *f, *text = NULL;
	size_t len;

	temp_config(&c, tmp);
	snprintf(job.user, sizeof(job.user), "nobody");
	ck_assert_int_eq(dsl_setlist_parse_pins("gone:" HASH_A, &s, &e), 0);
	ck_assert_int_eq(dsl_prolog_run(&c, &job, &s, &warn, &e), DSL_PROLOG_USER_ERROR);
	f = dsl_xasprintf("%s/77/%s", c.run_root, DSL_JOB_ERROR);
	ck_assert_int_eq(dsl_read_file(f, 4096, &text, &len, &e), 0);
	ck_assert_msg(strstr(text, "set 'gone'") && strstr(text, "removed"), "%s", text);
	free(text);
	free(f);
	/* The epilog cleans up after it, and again without complaint. */
	ck_assert_int_eq(dsl_epilog_run(&c, &job, NULL, &e), 0);
	ck_assert_int_eq(dsl_epilog_run(&c, &job, NULL, &e), 0);
	f = dsl_xasprintf("%s/77", c.run_root);
	ck_assert_int_eq(access(f, F_OK), -1);
	free(f);
	rm_tree(tmp);
}
END_TEST

/* The system registry cannot be opened: the node's fault (drain), not the
 * user's; the user's registry unusable: searched as absent. */
START_TEST(prolog_system_registry_missing_is_node_fault)
{
	struct dsl_config c;
	struct dsl_job job = { .id = 79, .uid = getuid(), .gid = getgid(),
			       .nodelist = "n1", .self = "n1" };
	struct dsl_setlist s;
	struct dsl_err e = { "" }, warn = { "" };
	char tmp[64], *reg;

	temp_config(&c, tmp);
	snprintf(job.user, sizeof(job.user), "nobody");
	snprintf(job.home, sizeof(job.home), "%s", tmp);
	snprintf(c.user_registry, sizeof(c.user_registry), "~/no-such-registry");
	ck_assert_int_eq(dsl_setlist_parse_names("x", &s, &e), 0);
	/* user registry missing, system registry empty: the user's mistake */
	ck_assert_int_eq(dsl_prolog_run(&c, &job, &s, &warn, &e), DSL_PROLOG_USER_ERROR);
	ck_assert_msg(strstr(e.msg, "unknown set 'x'"), "%s", e.msg);
	reg = dsl_path_join(tmp, "reg");
	ck_assert_int_eq(rmdir(reg), 0);
	ck_assert_int_eq(dsl_prolog_run(&c, &job, &s, &warn, &e), DSL_PROLOG_FAULT);
	ck_assert_msg(strstr(e.msg, "system registry") && strstr(e.msg, "No such file"), "%s",
		      e.msg);
	ck_assert_int_eq(dsl_epilog_run(&c, &job, NULL, &e), 0);
	free(reg);
	rm_tree(tmp);
}
END_TEST

/* dsl_asuser: what the child says comes back; a child that hangs, says
 * too much or dies is stopped and reported, in bounded time. */
static int say_hello(void *arg, int fd)
{
	(void)arg;
	dprintf(fd, "hello %d\n", (int)getuid());
	return 5;
}

static int hang(void *arg, int fd)
{
	(void)arg;
	close(fd);
	sleep(30);
	return 0;
}

static int chatter(void *arg, int fd)
{
	char buf[4096];

	(void)arg;
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 64; i++)
		if (write(fd, buf, sizeof(buf)) < 0)
			break;
	return 0;
}

static int crash(void *arg, int fd)
{
	(void)arg;
	(void)fd;
	raise(SIGKILL);
	return 0;
}

START_TEST(asuser_bounded)
{
	struct dsl_asuser a = { getuid(), getgid(), "nobody", 2000, 1024 };
	struct dsl_err e = { "" };
	char *out = NULL;
	int code = -1;
	time_t t0;

	ck_assert_int_eq(dsl_asuser_call(&a, say_hello, NULL, &out, &code, &e), 0);
	ck_assert_int_eq(code, 5);
	ck_assert_msg(!strncmp(out, "hello ", 6), "%s", out);
	free(out);
	t0 = time(NULL);
	ck_assert_int_eq(dsl_asuser_call(&a, hang, NULL, &out, &code, &e), -1);
	ck_assert_msg(strstr(e.msg, "not done after 2 s"), "%s", e.msg);
	ck_assert_msg(time(NULL) - t0 <= 4, "took %ld s", (long)(time(NULL) - t0));
	ck_assert_int_eq(dsl_asuser_call(&a, chatter, NULL, &out, &code, &e), -1);
	ck_assert_msg(strstr(e.msg, "more than 1024 bytes"), "%s", e.msg);
	ck_assert_int_eq(dsl_asuser_call(&a, crash, NULL, &out, &code, &e), -1);
	ck_assert_msg(strstr(e.msg, "killed by signal 9"), "%s", e.msg);
}
END_TEST

/* dsl_cgroup: a process that left its parent (a daemon) is found through
 * the cgroup alone, killed even when stopped, and the cgroup removed. */
START_TEST(cgroup_finds_and_kills)
{
	char node[64], *cg;
	struct dsl_err e = { "" };
	int status;
	pid_t pid;

	snprintf(node, sizeof(node), "unit-test-%d", (int)getpid());
	cg = dsl_cgroup_job_path(node, 7);
	if (!cg || geteuid() != 0 || dsl_cgroup_create(cg, 64ULL << 20, &e) < 0) {
		free(cg);
		return;   /* no cgroup hierarchy to write here */
	}
	pid = fork();
	if (pid == 0) {
		if (dsl_cgroup_join(cg, getpid()) < 0)
			_exit(1);
		raise(SIGSTOP);
		sleep(60);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, WUNTRACED), pid);
	ck_assert_msg(WIFSTOPPED(status), "the child did not join the cgroup");
	{
		/* the memory limit is in force for it (v1: the memory twin) */
		char *mem = strstr(cg, "/pids/") ? dsl_xasprintf("/sys/fs/cgroup/memory%s/memory.limit_in_bytes",
							      cg + strlen("/sys/fs/cgroup/pids"))
						 : dsl_path_join(cg, "memory.max");
		char *text = dsl_xasprintf("grep -qx 67108864 %s", mem);

		ck_assert_msg(system(text) == 0, "%s is not 64 MiB", mem);
		free(text);
		free(mem);
	}
	ck_assert_int_eq(dsl_cgroup_kill_remove(cg, 300, &e), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(access(cg, F_OK), -1);
	/* gone already: fine */
	ck_assert_int_eq(dsl_cgroup_kill_remove(cg, 300, &e), 0);
	*strrchr(cg, '/') = '\0';
	rmdir(cg);
	if (strstr(cg, "/pids/")) {
		char *twin = dsl_xasprintf("/sys/fs/cgroup/memory%s", cg + strlen("/sys/fs/cgroup/pids"));

		ck_assert_int_eq(rmdir(twin), 0);   /* the job's twin went with the job */
		free(twin);
	}
	free(cg);
}
END_TEST

static int mounted(const char *path)
{
	char *cmd = dsl_xasprintf("grep -q ' %s ' /proc/self/mountinfo", path);
	int rc = system(cmd) == 0;

	free(cmd);
	return rc;
}

/* Mounts a user left in the job's directories (nested, behind a directory
 * root may not enter, a name with a space) are all detached; one outside
 * the directory stays; nothing is followed through a link. */
START_TEST(unmount_under_detaches_user_mounts)
{
	char tmp[] = "/tmp/dsl-umount-XXXXXX";
	char *job, *a, *ab, *sp, *closed, *cm, *outside, *link;

	/* A private mount namespace of this test process (CK_FORK). */
	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return;
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	job = dsl_path_join(tmp, "job");
	a = dsl_path_join(job, "a");
	ab = dsl_path_join(a, "b");
	sp = dsl_path_join(job, "with space");
	closed = dsl_path_join(job, "closed");
	cm = dsl_path_join(closed, "m");
	outside = dsl_path_join(tmp, "outside");
	link = dsl_path_join(job, "link");
	ck_assert_int_eq(dsl_mkdir_p(a, 0755, NULL), 0);
	ck_assert_int_eq(mkdir(sp, 0755), 0);
	ck_assert_int_eq(mkdir(closed, 0755), 0);
	ck_assert_int_eq(mkdir(cm, 0755), 0);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	ck_assert_int_eq(mount("t", a, "tmpfs", 0, NULL), 0);
	ck_assert_int_eq(mkdir(ab, 0755), 0);
	ck_assert_int_eq(mount("t", ab, "tmpfs", 0, NULL), 0);
	ck_assert_int_eq(mount("t", sp, "tmpfs", 0, NULL), 0);
	ck_assert_int_eq(mount("t", cm, "tmpfs", 0, NULL), 0);
	ck_assert_int_eq(chmod(closed, 0), 0);
	ck_assert_int_eq(mount("t", outside, "tmpfs", 0, NULL), 0);
	ck_assert_int_eq(symlink(outside, link), 0);
	ck_assert_int_eq(dsl_unmount_under(job, NULL), 3);   /* a (with b), "with space", m */
	ck_assert(!mounted(a) && !mounted(ab) && !mounted(cm));
	ck_assert_msg(mounted(outside), "a mount outside the job's directory was detached");
	ck_assert_int_eq(dsl_unmount_under(job, NULL), 0);
	umount2(outside, MNT_DETACH);
	chmod(closed, 0755);
	ck_assert_int_eq(dsl_rm_rf(tmp, NULL), 0);
	free(job);
	free(a);
	free(ab);
	free(sp);
	free(closed);
	free(cm);
	free(outside);
	free(link);
}
END_TEST

/* A daemon's exit status reaches the prolog (DSL_EXIT_USER_FAULT: the
 * user's fault, no drain; any other failure is the node's). */
static int spawn_exit(int code, int *exit_code, struct dsl_err *e)
{
	char arg[64];
	char *argv[] = { "/bin/sh", "-c", arg, NULL };
	struct dsl_spawn sp = { .path = "/bin/sh", .argv = argv, .uid = getuid(),
				.gid = getgid(), .user = "root", .home = "/", .cwd = "/",
				.pass_fd = -1, .spec_fd = -1, .timeout = 10,
				.exit_code = exit_code };

	snprintf(arg, sizeof(arg), "echo 'dsl-helper: why' >&2; exit %d", code);
	return dsl_spawn_run(&sp, e);
}

START_TEST(spawn_user_fault)
{
	struct dsl_err e = { "" };
	int code = -1;

	if (getuid() != 0)
		return;   /* dsl_spawn drops privileges: root only */

	ck_assert_int_eq(spawn_exit(0, &code, &e), 0);
	ck_assert_int_eq(code, 0);
	ck_assert_int_eq(spawn_exit(DSL_EXIT_USER_FAULT, &code, &e), -1);
	ck_assert_int_eq(code, DSL_EXIT_USER_FAULT);
	ck_assert_msg(strstr(e.msg, "dsl-helper: why"), "%s", e.msg);
	ck_assert_int_eq(spawn_exit(1, &code, &e), -1);
	ck_assert_int_eq(code, 1);
}
END_TEST

/* A daemon killed by a signal (the job's user may send it one) is told
 * from one that failed, and from one the time-out killed. */
START_TEST(spawn_killed)
{
	struct dsl_err e = { "" };
	int code = 0, sig = -1;
	char *argv[] = { "/bin/sh", "-c", "echo 'dsl-helper: going' >&2; kill -9 $$", NULL };
	char *slow[] = { "/bin/sh", "-c", "sleep 5", NULL };
	struct dsl_spawn sp = { .path = "/bin/sh", .argv = argv, .uid = getuid(),
				.gid = getgid(), .user = "root", .home = "/", .cwd = "/",
				.pass_fd = -1, .spec_fd = -1, .timeout = 10,
				.exit_code = &code, .term_signal = &sig };

	if (getuid() != 0)
		return;   /* dsl_spawn drops privileges: root only */
	ck_assert_int_eq(dsl_spawn_run(&sp, &e), -1);
	ck_assert_int_eq(code, -1);
	ck_assert_int_eq(sig, SIGKILL);
	ck_assert_msg(strstr(e.msg, "killed by signal 9") && strstr(e.msg, "dsl-helper: going"),
		      "%s", e.msg);
	sp.argv = slow;
	sp.timeout = 1;
	ck_assert_int_eq(dsl_spawn_run(&sp, &e), -1);
	ck_assert_int_eq(sig, 0);
	ck_assert_msg(strstr(e.msg, "not ready after 1 s"), "%s", e.msg);
}
END_TEST

static void put(const char *dir, const char *name, const char *text)
{
	char *f = dsl_path_join(dir, name);
	FILE *fp = fopen(f, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	free(f);
}

struct notes {
	int n;             /* set lines */
	int done;          /* "epilog done, peak memory" lines */
	char last[1024];
};

static void note_fn(void *arg, const char *line)
{
	struct notes *nt = arg;

	if (strstr(line, ": epilog done, peak memory ")) {
		nt->done++;
		return;
	}
	nt->n++;
	snprintf(nt->last, sizeof(nt->last), "%s", line);
}

START_TEST(epilog_logs_one_line_per_set)
{
	struct dsl_config c;
	struct dsl_job job = { .id = 78, .uid = getuid(), .gid = getgid(),
			       .nodelist = "n[1-2]", .self = "n2" };
	struct dsl_err e = { "" };
	struct notes nt = { 0, 0, "" };
	struct dsl_epilog_note note = { note_fn, &nt };
	char tmp[64], *run, *view, *line, *f;

	temp_config(&c, tmp);
	snprintf(job.user, sizeof(job.user), "nobody");
	run = dsl_job_run_dir(&c, job.id, "big");
	view = dsl_xasprintf("%s/78/big", c.mount_root);
	ck_assert_int_eq(dsl_mkdir_p(run, 0700, &e), 0);
	ck_assert_int_eq(dsl_mkdir_p(view, 0700, &e), 0);
	/* no status yet: no line */
	ck_assert_ptr_null(dsl_jobstats_line(&c, &job, "big"));
	put(run, "status.json", "{\"set\":\"big\",\"infohash\":\"" HASH_A "\","
	    "\"role\":\"downloader\",\"complete\":true,\"complete_seconds\":3.5,"
	    "\"bytes\":{\"received\":300,\"sent\":7,\"from_seeders\":100,"
	    "\"from_peers\":200},\"reads\":{\"on_demand_waits\":4,"
	    "\"wait_latency_ms\":{\"p99\":12.4}}}");
	f = dsl_job_jobrun_dir(&c, job.id);
	put(f, "prolog.json", "{\"node\":\"n2\",\"ready_seconds\":0.25,"
	    "\"complete_seconds\":-1}");
	line = dsl_jobstats_line(&c, &job, "big");
	ck_assert_str_eq(line, "job 78 on n2: set=big version=aaaaaaaaaaaa role=downloader "
			 "complete=yes received=300 from_seeders=100 from_peers=200 sent=7 "
			 "ready_s=0.250 complete_s=3.500 on_demand_waits=4 wait_p99_ms=12");
	free(line);
	/* a status file the user replaced by a symlink or a FIFO is not read */
	{
		char *sp = dsl_path_join(run, "status.json"), *alt = dsl_path_join(run, "x.json");

		ck_assert_int_eq(rename(sp, alt), 0);
		ck_assert_int_eq(symlink(alt, sp), 0);
		ck_assert_ptr_null(dsl_jobstats_line(&c, &job, "big"));
		unlink(sp);
		ck_assert_int_eq(mkfifo(sp, 0600), 0);
		ck_assert_ptr_null(dsl_jobstats_line(&c, &job, "big"));
		unlink(sp);
		ck_assert_int_eq(rename(alt, sp), 0);
		free(alt);
		free(sp);
	}
	/* the epilog notes the set once (not again for its view), then removes it */
	ck_assert_int_eq(dsl_epilog_run(&c, &job, &note, &e), 0);
	ck_assert_int_eq(nt.n, 1);
	ck_assert_msg(strstr(nt.last, "set=big version=aaaaaaaaaaaa") != NULL, "%s", nt.last);
	ck_assert_int_eq(access(run, F_OK), -1);
	ck_assert_int_eq(dsl_epilog_run(&c, &job, &note, &e), 0);
	ck_assert_int_eq(nt.n, 1);
	/* its peak memory once for the job, not again when nothing was left */
	ck_assert_int_eq(nt.done, 1);
	free(f);
	free(view);
	free(run);
	rm_tree(tmp);
}
END_TEST

/* A child named dsl-helper that waits to be killed. */
static pid_t fake_helper(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, "dsl-helper");
		for (;;)
			pause();
	}
	for (int i = 0; i < 200; i++) {     /* until the name shows in /proc */
		char path[64], comm[32] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		if ((f = fopen(path, "r"))) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		if (!strcmp(comm, "dsl-helper\n"))
			break;
		usleep(5000);
	}
	return pid;
}

/* What a failed task is told of its set: the helper gone, its last error
 * (escaped), failed hashes; nothing from a file that is not a plain file. */
START_TEST(health_names_the_cause)
{
	struct dsl_config c;
	struct dsl_err e = { "" };
	struct dsl_setlist sets = { .n = 1 };
	char tmp[64], *run, *sp, text[512], why[1024];
	pid_t pid = fake_helper();

	temp_config(&c, tmp);
	c.wait_timeout = 30;
	snprintf(sets.names[0], sizeof(sets.names[0]), "py");
	run = dsl_job_run_dir(&c, 79, "py");
	sp = dsl_path_join(run, "status.json");
	ck_assert_int_eq(dsl_mkdir_p(run, 0700, &e), 0);
	ck_assert_int_eq(dsl_health_set(&c, 79, getuid(), "py", why, sizeof(why)),
			 DSL_HEALTH_UNKNOWN);
	ck_assert_str_eq(why, "");
	/* running, healthy */
	snprintf(text, sizeof(text), "{\"pid\":%d,\"state\":\"running\",\"complete\":false}",
		 (int)pid);
	put(run, "status.json", text);
	ck_assert_int_eq(dsl_health_set(&c, 79, getuid(), "py", why, sizeof(why)),
			 DSL_HEALTH_UNKNOWN);
	/* running, with an error that carries a terminal escape */
	snprintf(text, sizeof(text), "{\"pid\":%d,\"complete\":false,\"error\":"
		 "\"lib/x.so: No space left on device\\u001b[2J\"}", (int)pid);
	put(run, "status.json", text);
	ck_assert_int_eq(dsl_health_set(&c, 79, getuid(), "py", why, sizeof(why)),
			 DSL_HEALTH_SAID);
	ck_assert_msg(strstr(why, "No space left on device") && !strchr(why, 0x1b), "%s", why);
	/* the helper killed: gone, with what it last said */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(dsl_health_set(&c, 79, getuid(), "py", why, sizeof(why)),
			 DSL_HEALTH_GONE);
	ck_assert_msg(strstr(why, "is gone") && strstr(why, "No space left"), "%s", why);
	dsl_health_job(&c, 79, getuid(), why, sizeof(why));
	ck_assert_msg(!strncmp(why, "set 'py': this node's dsl-helper (pid ", 38), "%s", why);
	/* wait=all gives up at once, naming it, instead of waiting 30 s */
	{
		time_t t0 = time(NULL);

		ck_assert_int_eq(dsl_wait_all(&c, 79, &sets, &e), -1);
		ck_assert_int_le(time(NULL) - t0, 3);
		ck_assert_msg(strstr(e.msg, "set 'py': not complete on this node: this node's "
				     "dsl-helper"), "%s", e.msg);
	}
	/* a helper that stopped on its own is not news */
	snprintf(text, sizeof(text), "{\"pid\":%d,\"state\":\"stopping\"}", (int)pid);
	put(run, "status.json", text);
	ck_assert_int_eq(dsl_health_set(&c, 79, getuid(), "py", why, sizeof(why)),
			 DSL_HEALTH_UNKNOWN);
	/* a pid that is another program of the user's is not the helper */
	snprintf(text, sizeof(text), "{\"pid\":%d,\"complete\":false}", (int)getpid());
	put(run, "status.json", text);
	ck_assert_int_eq(dsl_health_set(&c, 79, getuid(), "py", why, sizeof(why)),
			 DSL_HEALTH_GONE);
	/* hash failures of an incomplete set */
	put(run, "status.json", "{\"complete\":false,\"hash_failures\":3}");
	ck_assert_int_eq(dsl_health_set(&c, 79, getuid(), "py", why, sizeof(why)),
			 DSL_HEALTH_SAID);
	ck_assert_msg(strstr(why, "3 pieces failed their hash check"), "%s", why);
	/* a FIFO or a link in its place: never blocks, says nothing */
	unlink(sp);
	ck_assert_int_eq(mkfifo(sp, 0600), 0);
	ck_assert_int_eq(dsl_health_set(&c, 79, getuid(), "py", why, sizeof(why)),
			 DSL_HEALTH_UNKNOWN);
	unlink(sp);
	ck_assert_int_eq(symlink("/etc/passwd", sp), 0);
	ck_assert_int_eq(dsl_health_set(&c, 79, getuid(), "py", why, sizeof(why)),
			 DSL_HEALTH_UNKNOWN);
	free(sp);
	free(run);
	rm_tree(tmp);
}
END_TEST

/* A fake helper's control socket in RUN: answers "wait-complete" with
 * REPLY after DELAY_MS (REPLY NULL: closes without a word), in a child. */
static pid_t fake_ctl(const char *run, const char *reply, int delay_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl.sock", run);
	unlink(sa.sun_path);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char line[64] = "";
		int cfd = accept(lfd, NULL, NULL);

		if (cfd < 0 || read(cfd, line, sizeof(line) - 1) <= 0 ||
		    strcmp(line, "wait-complete\n") != 0)
			_exit(1);
		usleep((useconds_t)delay_ms * 1000);
		if (reply && write(cfd, reply, strlen(reply)) < 0)
			_exit(1);
		_exit(0);
	}
	close(lfd);
	return pid;
}

/* wait=all sleeps on the helper's control socket: woken by "complete",
 * failing at once when the helper ends first, reading the status file
 * when the helper is too busy to hold the wait. */
START_TEST(wait_all_on_ctl)
{
	struct dsl_config c;
	struct dsl_err e = { "" };
	struct dsl_setlist sets = { .n = 1 };
	char tmp[64], *run;
	struct timespec t0, t1;
	pid_t pid;
	int st;

	temp_config(&c, tmp);
	c.wait_timeout = 30;
	snprintf(sets.names[0], sizeof(sets.names[0]), "py");
	run = dsl_job_run_dir(&c, 81, "py");
	ck_assert_int_eq(dsl_mkdir_p(run, 0700, &e), 0);
	put(run, "status.json", "{\"complete\":false}");
	/* complete after 300 ms: woken then, not by a poll */
	pid = fake_ctl(run, "complete\n", 300);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_msg(dsl_wait_all(&c, 81, &sets, &e) == 0, "%s", e.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_le((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, 2000);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	/* the helper stops first: fails at once, saying so */
	pid = fake_ctl(run, "error: the helper is stopping\n", 100);
	ck_assert_int_eq(dsl_wait_all(&c, 81, &sets, &e), -1);
	ck_assert_msg(strstr(e.msg, "set 'py': not complete on this node: its dsl-helper is "
			     "stopping"), "%s", e.msg);
	waitpid(pid, NULL, 0);
	/* gone without a word, but the file says it finished: complete */
	put(run, "status.json", "{\"complete\":true}");
	pid = fake_ctl(run, NULL, 0);
	ck_assert_msg(dsl_wait_all(&c, 81, &sets, &e) == 0, "%s", e.msg);
	waitpid(pid, NULL, 0);
	/* busy: the status file decides */
	pid = fake_ctl(run, "busy\n", 0);
	ck_assert_msg(dsl_wait_all(&c, 81, &sets, &e) == 0, "%s", e.msg);
	waitpid(pid, NULL, 0);
	/* nobody listening (no helper of this version): the file again */
	ck_assert_msg(dsl_wait_all(&c, 81, &sets, &e) == 0, "%s", e.msg);
	/* the time-out still holds on the socket */
	c.wait_timeout = 1;
	put(run, "status.json", "{\"complete\":false}");
	pid = fake_ctl(run, "complete\n", 3000);
	ck_assert_int_eq(dsl_wait_all(&c, 81, &sets, &e), -1);
	ck_assert_msg(strstr(e.msg, "not complete on this node after 1 s"), "%s", e.msg);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	free(run);
	rm_tree(tmp);
}
END_TEST

/* After a node failure slurmd may run the epilog without the node list:
 * it must still clean up instead of failing (which would drain the node). */
START_TEST(epilog_env_without_nodelist)
{
	struct dsl_job job;
	struct dsl_err e = { "" };

	unsetenv("SLURM_NODELIST");
	unsetenv("SLURM_JOB_NODELIST");
	unsetenv("SLURMD_NODENAME");
	setenv("SLURM_JOB_ID", "77", 1);
	setenv("SLURM_JOB_UID", "0", 1);
	setenv("SLURM_JOB_GID", "0", 1);
	ck_assert_int_eq(dsl_job_from_env(&job, &e), -1);
	ck_assert_msg(strstr(e.msg, "SLURM_NODELIST"), "%s", e.msg);
	ck_assert_int_eq(dsl_job_from_env_epilog(&job, &e), 0);
	ck_assert_uint_eq(job.id, 77);
	ck_assert_str_eq(job.self, "this node");
	unsetenv("SLURM_JOB_UID");
	ck_assert_int_eq(dsl_job_from_env_epilog(&job, &e), -1);
	ck_assert_msg(strstr(e.msg, "SLURM_JOB_UID"), "%s", e.msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spank");
	TCase *tc = tcase_create("parts");

	tcase_add_test(tc, setlist_names_and_pins);
	tcase_add_test(tc, task_env);
	tcase_add_test(tc, paths_and_ports);
	tcase_add_test(tc, at_path_policy);
	tcase_add_test(tc, at_path_decide);
	tcase_add_test(tc, submit_unknown_set);
	tcase_add_test(tc, prolog_removed_set_is_users_mistake);
	tcase_add_test(tc, prolog_system_registry_missing_is_node_fault);
	tcase_add_test(tc, asuser_bounded);
	tcase_add_test(tc, cgroup_finds_and_kills);
	tcase_add_test(tc, unmount_under_detaches_user_mounts);
	tcase_add_test(tc, spawn_user_fault);
	tcase_add_test(tc, spawn_killed);
	tcase_add_test(tc, health_names_the_cause);
	tcase_add_test(tc, wait_all_on_ctl);
	tcase_add_test(tc, epilog_logs_one_line_per_set);
	tcase_add_test(tc, epilog_env_without_nodelist);
	suite_add_tcase(s, tc);
	return check_run(s);
}
