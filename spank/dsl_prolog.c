/* dsl_prolog.c - prepare a node for a job: tracker, views, helpers, task env. */
#define _GNU_SOURCE
#include "dsl_prolog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dsl_fusemount.h"
#include "dsl_lookup.h"
#include "dsl_roles.h"
#include "dsl_spawn.h"
#include "dsl_task_env.h"
#include "dsl_util.h"

#define DSL_ARGV_MAX 512

/* Everything one prolog run builds up; freed by prolog_ctx_free. */
struct prolog_ctx {
	const struct dsl_config *c;
	const struct dsl_job *job;
	const struct dsl_setlist *sets;
	struct dsl_set_ref refs[DSL_JOB_MAX_SETS];
	int have_refs;
	struct dsl_roles roles;
	int have_roles;
	char tracker_url[600];
	struct dsl_err *warn;       /* one note for slurmd's log, not fatal */
};

static void prolog_ctx_free(struct prolog_ctx *x)
{
	if (x->have_refs)
		dsl_lookup_free(x->refs, x->sets->n);
	if (x->have_roles)
		dsl_roles_free(&x->roles);
}

/* mkdir (existing is fine), then hand it to the job's user.  Through an fd
 * opened with O_NOFOLLOW: a user-owned parent (the kept cache) could hold a
 * symlink planted by the user, and chown(2) would follow it. */
static int dir_for_user(const char *path, const struct dsl_job *job, mode_t mode,
			struct dsl_err *e)
{
	int fd;

	if (mkdir(path, mode) < 0 && errno != EEXIST) {
		dsl_err_set(e, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		dsl_err_set(e, "%s: not a directory: %s", path, strerror(errno));
		return -1;
	}
	if (fchown(fd, job->uid, job->gid) < 0 || fchmod(fd, mode) < 0) {
		dsl_err_set(e, "cannot give %s to %s: %s", path, job->user, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Parent directories stay root's: a user must not swap them for symlinks. */
static int root_dir(const char *path, struct dsl_err *e)
{
	return dsl_mkdir_p(path, 0755, e);
}

/* Root's and closed to everyone else (chmod: it may exist from a retry). */
static int root_private_dir(const char *path, struct dsl_err *e)
{
	if (dsl_mkdir_p(path, 0700, e) < 0)
		return -1;
	if (chmod(path, 0700) < 0) {
		dsl_err_set(e, "cannot chmod %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The FUSE mount in RUN/JOBID/.lower/NAME, shown to the job at its view
 * directory through an overlay (dsl_fusemount.h says why).  Returns the
 * /dev/fuse fd for the helper. */
static int mount_lower(struct prolog_ctx *x, const char *name, const char *lower,
		       const char *empty, struct dsl_err *e)
{
	char *lower_root = dsl_strdup(lower);
	int fd = -1;

	*strrchr(lower_root, '/') = '\0';
	if (root_private_dir(lower_root, e) == 0 && root_private_dir(lower, e) == 0 &&
	    root_dir(empty, e) == 0)
		fd = dsl_fuse_mount(lower, name, x->job->uid, x->job->gid, e);
	free(lower_root);
	return fd;
}

static int show_view(struct prolog_ctx *x, const char *view, const char *lower,
		     const char *empty, struct dsl_err *e)
{
	struct dsl_err note;
	int overlay;

	if (dsl_view_mount(view, lower, empty, &overlay, &note) < 0) {
		*e = note;
		return -1;
	}
	if (!overlay && x->warn && !x->warn->msg[0])
		*x->warn = note;
	return 0;
}

int dsl_prolog_record_error(const struct dsl_config *c, unsigned long jobid,
			    const char *msg, struct dsl_err *e)
{
	char *dir = dsl_job_jobrun_dir(c, jobid);
	char *path = dsl_path_join(dir, DSL_JOB_ERROR);
	int rc = root_dir(dir, e);

	if (rc == 0)
		rc = dsl_write_file_atomic(path, msg, strlen(msg), 0644, e);
	free(path);
	free(dir);
	return rc;
}

/* Node name -> IPv4 text (peers and the tracker are given as addresses so
 * that the daemons need no resolver of their own). */
static int node_addr(const char *node, char *out, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int rc = -1;

	if (getaddrinfo(node, NULL, &hints, &res) == 0 && res) {
		struct sockaddr_in *sin = (struct sockaddr_in *)res->ai_addr;

		rc = inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)len) ? 0 : -1;
	}
	if (res)
		freeaddrinfo(res);
	return rc;
}

static void argv_add(char **argv, int *n, char *s)
{
	if (*n < DSL_ARGV_MAX - 1)
		argv[(*n)++] = s;
	argv[*n] = NULL;
}

static void argv_free(char **argv, int n)
{
	for (int i = 0; i < n; i++)
		free(argv[i]);
}

/* Both daemons live in libexec= (LIBEXECDIR/dslswarm after `make install`). */
static char *tracker_path(const struct dsl_config *c)
{
	return dsl_path_join(c->libexec_dir, "dsl-tracker");
}

static int start_tracker(struct prolog_ctx *x, struct dsl_err *e)
{
	const struct dsl_config *c = x->c;
	const struct dsl_job *job = x->job;
	char *jobrun = dsl_job_jobrun_dir(c, job->id);
	char *dir = dsl_path_join(jobrun, DSL_JOB_TRACKER_DIR);
	char *argv[DSL_ARGV_MAX];
	int n = 0, rc;
	struct dsl_spawn sp = { 0 };

	argv_add(argv, &n, tracker_path(c));
	argv_add(argv, &n, dsl_strdup("--listen"));
	argv_add(argv, &n, dsl_strdup("0.0.0.0"));
	argv_add(argv, &n, dsl_strdup("--port"));
	argv_add(argv, &n, dsl_xasprintf("%d", dsl_job_tracker_port(c, job->id)));
	for (size_t i = 0; i < x->sets->n; i++) {
		argv_add(argv, &n, dsl_strdup("--allow"));
		argv_add(argv, &n, dsl_strdup(x->refs[i].desc.infohash));
	}
	argv_add(argv, &n, dsl_strdup("--pid-file"));
	argv_add(argv, &n, dsl_path_join(dir, "tracker.pid"));
	argv_add(argv, &n, dsl_strdup("--log-file"));
	argv_add(argv, &n, dsl_path_join(dir, "tracker.log"));
	rc = dir_for_user(dir, job, 0755, e);
	if (rc == 0) {
		sp.path = argv[0];
		sp.argv = argv;
		sp.uid = job->uid;
		sp.gid = job->gid;
		sp.user = job->user;
		sp.home = job->home;
		sp.cwd = dir;
		sp.pass_fd = -1;
		sp.timeout = c->ready_timeout;
		rc = dsl_spawn_run(&sp, e);
	}
	argv_free(argv, n);
	free(dir);
	free(jobrun);
	return rc;
}

static void helper_peers(struct prolog_ctx *x, size_t set, char **argv, int *n)
{
	int port = dsl_job_peer_port(x->c, x->job->id, set);

	/* Every other node, so the swarm forms even without the tracker. */
	for (size_t i = 0; i < x->roles.nnodes; i++) {
		char addr[64];

		if ((long)i == x->roles.self)
			continue;
		if (node_addr(x->roles.nodes[i], addr, sizeof(addr)) < 0)
			continue;
		argv_add(argv, n, dsl_strdup("--peer"));
		argv_add(argv, n, dsl_xasprintf("%s:%d", addr, port));
	}
}

static int start_helper(struct prolog_ctx *x, size_t i, int fuse_fd, const char *view,
			const char *run, const char *cache, struct dsl_err *e)
{
	const struct dsl_config *c = x->c;
	const struct dsl_job *job = x->job;
	char *argv[DSL_ARGV_MAX];
	int n = 0, rc;
	struct dsl_spawn sp = { 0 };

	argv_add(argv, &n, dsl_path_join(c->libexec_dir, "dsl-helper"));
	argv_add(argv, &n, dsl_strdup("--desc"));
	argv_add(argv, &n, dsl_strdup(x->refs[i].json_path));
	argv_add(argv, &n, dsl_strdup("--torrent"));
	argv_add(argv, &n, dsl_strdup(x->refs[i].torrent_path));
	argv_add(argv, &n, dsl_strdup("--mount"));
	argv_add(argv, &n, dsl_strdup("/dev/fd/3"));
	argv_add(argv, &n, dsl_strdup("--mountpoint"));
	argv_add(argv, &n, dsl_strdup(view));
	argv_add(argv, &n, dsl_strdup("--cache"));
	argv_add(argv, &n, dsl_strdup(cache));
	argv_add(argv, &n, dsl_strdup("--run-dir"));
	argv_add(argv, &n, dsl_strdup(run));
	if (x->roles.is_seeder)
		argv_add(argv, &n, dsl_strdup("--seed"));
	if (x->tracker_url[0]) {
		argv_add(argv, &n, dsl_strdup("--tracker"));
		argv_add(argv, &n, dsl_strdup(x->tracker_url));
	}
	helper_peers(x, i, argv, &n);
	if (c->shares && !x->roles.is_seeder && x->roles.nshares > 1) {
		argv_add(argv, &n, dsl_strdup("--share"));
		argv_add(argv, &n, dsl_xasprintf("%ld/%zu", x->roles.share, x->roles.nshares));
	}
	argv_add(argv, &n, dsl_strdup("--port"));
	argv_add(argv, &n, dsl_xasprintf("%d", dsl_job_peer_port(c, job->id, i)));
	argv_add(argv, &n, dsl_strdup("--read-timeout"));
	argv_add(argv, &n, dsl_xasprintf("%d", c->read_timeout));
	argv_add(argv, &n, dsl_strdup("--cache-policy"));
	argv_add(argv, &n, dsl_strdup(c->cache_policy == DSL_CACHE_KEEP ? "keep" : "remove"));
	argv_add(argv, &n, dsl_strdup("--log-file"));
	argv_add(argv, &n, dsl_path_join(run, "helper.log"));
	/* Named in the status the helper posts to the tracker (dsl status). */
	argv_add(argv, &n, dsl_strdup("--job"));
	argv_add(argv, &n, dsl_xasprintf("%lu", job->id));
	argv_add(argv, &n, dsl_strdup("--node"));
	argv_add(argv, &n, dsl_strdup(job->self));

	sp.path = argv[0];
	sp.argv = argv;
	sp.uid = job->uid;
	sp.gid = job->gid;
	sp.user = job->user;
	sp.home = job->home;
	sp.cwd = run;
	sp.pass_fd = fuse_fd;
	sp.timeout = c->ready_timeout;
	rc = dsl_spawn_run(&sp, e);
	argv_free(argv, n);
	return rc;
}

/* Directories of set i: view (mount point), run, cache; then mount + helper. */
static int start_set(struct prolog_ctx *x, size_t i, struct dsl_err *e)
{
	const struct dsl_config *c = x->c;
	const struct dsl_job *job = x->job;
	const char *name = x->sets->names[i];
	char *view = dsl_job_view_dir(c, job->id, name);
	char *run = dsl_job_run_dir(c, job->id, name);
	char *cache = dsl_job_cache_dir(c, job, name, x->refs[i].desc.infohash);
	char *view_parent = dsl_xasprintf("%s/%lu", c->mount_root, job->id);
	char *cache_parent = dsl_strdup(cache);
	char *lower = dsl_job_lower_dir(c, job->id, name);
	char *empty = dsl_job_lower_dir(c, job->id, DSL_JOB_EMPTY_DIR);
	int rc = -1, fd = -1;

	*strrchr(cache_parent, '/') = '\0';
	if (root_dir(view_parent, e) < 0 || dir_for_user(view, job, 0700, e) < 0 ||
	    dir_for_user(run, job, 0700, e) < 0 || root_dir(c->cache_dir, e) < 0)
		goto out;
	/* keep: CACHE/user-UID is the user's; remove: CACHE/job-ID is root's. */
	if (c->cache_policy == DSL_CACHE_KEEP ? dir_for_user(cache_parent, job, 0700, e) < 0
					      : root_dir(cache_parent, e) < 0)
		goto out;
	if (dir_for_user(cache, job, 0700, e) < 0)
		goto out;
	fd = mount_lower(x, name, lower, empty, e);
	if (fd < 0)
		goto out;
	rc = start_helper(x, i, fd, view, run, cache, e);
	close(fd);
	/* After the helper answers: overlayfs looks at its lower root. */
	if (rc == 0)
		rc = show_view(x, view, lower, empty, e);
	if (rc < 0) {
		struct dsl_err ue;

		dsl_fuse_unmount(view, &ue);
		dsl_fuse_unmount(lower, &ue);
	}
out:
	if (rc < 0)
		dsl_err_prefix(e, "set '%s'", name);
	free(empty);
	free(lower);
	free(cache_parent);
	free(view_parent);
	free(cache);
	free(run);
	free(view);
	return rc;
}

static void tracker_url(struct prolog_ctx *x)
{
	char addr[64];

	x->tracker_url[0] = '\0';
	if (strcmp(x->c->tracker, "job")) {
		snprintf(x->tracker_url, sizeof(x->tracker_url), "%s", x->c->tracker);
		return;
	}
	if (node_addr(x->roles.tracker_node, addr, sizeof(addr)) == 0)
		snprintf(x->tracker_url, sizeof(x->tracker_url), "http://%s:%d/announce",
			 addr, dsl_job_tracker_port(x->c, x->job->id));
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* RUN/JOBID/prolog.json: what this node did and how long the job waited
 * for it (for `dsl status` and reports). */
static int write_prolog_report(struct prolog_ctx *x, double ready_s, struct dsl_err *e)
{
	char *dir = dsl_job_jobrun_dir(x->c, x->job->id);
	char *path = dsl_path_join(dir, "prolog.json");
	char *text = dsl_xasprintf("{\"node\":\"%s\",\"tracker\":%s,\"seeder\":%s,"
				   "\"ready_seconds\":%.3f}\n",
				   x->job->self, x->roles.is_tracker ? "true" : "false",
				   x->roles.is_seeder ? "true" : "false", ready_s);
	int rc = dsl_write_file_atomic(path, text, strlen(text), 0644, e);

	free(text);
	free(path);
	free(dir);
	return rc;
}

static int write_task_env(struct prolog_ctx *x, struct dsl_err *e)
{
	char *dir = dsl_job_jobrun_dir(x->c, x->job->id);
	char *path = dsl_path_join(dir, DSL_JOB_TASK_ENV);
	char *text = dsl_task_env_build(x->c, x->job->id, x->sets, x->refs);
	int rc = dsl_write_file_atomic(path, text, strlen(text), 0644, e);

	free(text);
	free(path);
	free(dir);
	return rc;
}

static enum dsl_prolog_result user_error(struct prolog_ctx *x, struct dsl_err *e)
{
	struct dsl_err we;

	if (dsl_prolog_record_error(x->c, x->job->id, e->msg, &we) < 0) {
		*e = we;
		return DSL_PROLOG_FAULT;
	}
	return DSL_PROLOG_USER_ERROR;
}

enum dsl_prolog_result dsl_prolog_run(const struct dsl_config *c, const struct dsl_job *job,
				      const struct dsl_setlist *sets, struct dsl_err *warn,
				      struct dsl_err *e)
{
	struct prolog_ctx x = { .c = c, .job = job, .sets = sets, .warn = warn };
	struct dsl_lookup l;
	enum dsl_prolog_result r = DSL_PROLOG_FAULT;
	char *jobrun = dsl_job_jobrun_dir(c, job->id);
	int user_mistake = 0;
	double t0 = now_s(), ready_s;

	if (root_dir(jobrun, e) < 0)
		goto out;
	dsl_lookup_init(&l, c, job->home);
	if (dsl_lookup_sets(&l, sets, x.refs, &user_mistake, e) < 0) {
		r = user_mistake ? user_error(&x, e) : DSL_PROLOG_FAULT;
		goto out;
	}
	x.have_refs = 1;
	if (dsl_roles_compute(job->nodelist, job->self, c->seeders, c->service_seeders,
			      &x.roles, e) < 0)
		goto out;
	x.have_roles = 1;
	tracker_url(&x);
	warn->msg[0] = '\0';
	if (!strcmp(c->tracker, "job") && x.roles.is_tracker && start_tracker(&x, warn) < 0)
		/* Not fatal: every helper also knows every peer (--peer). */
		dsl_err_prefix(warn, "tracker not started (the swarm forms without it)");
	for (size_t i = 0; i < sets->n; i++) {
		int rc = start_set(&x, i, e);

		if (rc < 0) {
			/* -2: the helper found the set unusable (its shape,
			 * its files): the user's, not the node's. */
			r = rc == -2 ? user_error(&x, e) : DSL_PROLOG_FAULT;
			goto out;
		}
	}
	ready_s = now_s() - t0;
	/* wait=all waits in the tasks (dsl_wait_all.h says why). */
	r = write_prolog_report(&x, ready_s, e) < 0 || write_task_env(&x, e) < 0
		? DSL_PROLOG_FAULT : DSL_PROLOG_OK;
out:
	prolog_ctx_free(&x);
	free(jobrun);
	return r;
}
