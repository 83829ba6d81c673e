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

#include "dsl_cgroup.h"
#include "dsl_fusemount.h"
#include "dsl_net.h"
#include "dsl_lookup.h"
#include "dsl_order.h"
#include "dsl_overlay.h"
#include "dsl_roles.h"
#include "dsl_spawn.h"
#include "dsl_jobkey.h"
#include "dsl_spec.h"
#include "dsl_task_env.h"
#include "dsl_util.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Everything one prolog run builds up; freed by prolog_ctx_free. */
struct prolog_ctx {
	const struct dsl_config *c;
	const struct dsl_job *job;
	const struct dsl_setlist *sets;
	struct dsl_set_ref refs[DSL_JOB_MAX_SETS];
	int have_refs;
	struct dsl_roles roles;
	int have_roles;
	char tracker_url[DSL_CONFIG_TRACKER_CANDIDATES][600];   /* "" unused */
	char *cgroup;               /* the job's daemons' cgroup; NULL none */
	int user_fault;             /* a daemon said the user's input is at fault */
	struct dsl_err *warn;       /* one note for slurmd's log, not fatal */
	double roles_s;             /* the pass over the host list (seconds) */
};

static void prolog_ctx_free(struct prolog_ctx *x)
{
	if (x->have_refs)
		dsl_lookup_free(x->refs, x->sets->n);
	if (x->have_roles)
		dsl_roles_free(&x->roles);
	free(x->cgroup);
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
 * that the daemons need no resolver of their own).  Called for the tracker
 * and the k direct peers only: never once per node of the job. */
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

/* Both daemons live in libexec= (LIBEXECDIR/dslswarm after `make install`). */
static char *tracker_path(const struct dsl_config *c)
{
	return dsl_path_join(c->libexec_dir, "dsl-tracker");
}

/* Peers per answer: enough for a random graph on top of the direct peers,
 * few enough that the answers and each node's connections stay O(1) in N. */
#define DSL_TRACKER_NUMWANT 32

/* The helper's progress lines ("phase: set", "phase: node", see
 * helper/dsh_daemon.h) out of its message; last gets the last phase. */
static void strip_phases(char *msg, char *last, size_t len)
{
	static const char tag[] = "phase: ";
	char *p;

	last[0] = '\0';
	while ((p = strstr(msg, tag))) {
		char *w = p + strlen(tag), *end = w + strcspn(w, " ");

		snprintf(last, len, "%.*s", (int)(end - w), w);
		if (*end == ' ')
			end++;
		memmove(p, end, strlen(end) + 1);
	}
	/* "...: phase: set" leaves "...: " behind */
	for (size_t n = strlen(msg); n && (msg[n - 1] == ' ' || msg[n - 1] == ':'); n--)
		msg[n - 1] = '\0';
}

/* A daemon as the job's user, in the job's cgroup.  The user's fault: exit
 * status DSL_EXIT_USER_FAULT; no "ready" within ready_timeout while the
 * helper was still loading the set (too large or too slow to load); or the
 * daemon killed by a signal.  The daemon runs as the job's user, who may
 * signal it, in the job's cgroup, whose memory limit may kill it: neither
 * says anything about the node, which must not drain for it (a crash of
 * ours is named by its signal in the job's error all the same). */
static int run_daemon(struct prolog_ctx *x, char **argv, const char *cwd, int pass_fd,
		      int spec_fd, struct dsl_err *e)
{
	int code = -1, sig = 0;
	struct dsl_spawn sp = {
		.path = argv[0], .argv = argv, .uid = x->job->uid, .gid = x->job->gid,
		.user = x->job->user, .home = x->job->home, .cwd = cwd, .pass_fd = pass_fd,
		.spec_fd = spec_fd,
		.timeout = x->c->ready_timeout, .cgroup = x->cgroup, .exit_code = &code,
		.term_signal = &sig,
	};
	int rc = dsl_spawn_run(&sp, e);
	char last[16];

	if (rc == 0)
		return 0;
	strip_phases(e->msg, last, sizeof(last));
	if (code == DSL_EXIT_USER_FAULT) {
		x->user_fault = 1;
	} else if (sig) {
		const char *name = strrchr(argv[0], '/');

		x->user_fault = 1;
		dsl_err_prefix(e, "the job's %s was killed before it was ready (it runs as the "
			       "job's user, within the job's daemon_memory=)", name ? name + 1 : argv[0]);
	} else if (code == -1 && !strcmp(last, "set") && strstr(e->msg, "not ready after")) {
		x->user_fault = 1;
		dsl_err_prefix(e, "the set is too large or too slow to load within ready_timeout=%d s",
			       x->c->ready_timeout);
	}
	return rc;
}

/* A pipe holding the tracker half of the job key and nothing else: its read
 * end (returned, or -1 with e set) becomes the tracker's fd 4.  33 bytes fit
 * in any pipe buffer, so the write never blocks. */
static int secret_pipe(const char *key, struct dsl_err *e)
{
	char token[DSL_JOBKEY_HALF + 2];
	int p[2];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0) {
		dsl_err_set(e, "pipe: %s", strerror(errno));
		return -1;
	}
	dsl_jobkey_tracker(key, token);
	strcat(token, "\n");
	n = write(p[1], token, strlen(token));
	explicit_bzero(token, sizeof(token));
	close(p[1]);
	if (n != DSL_JOBKEY_HALF + 1) {
		dsl_err_set(e, "cannot hand the tracker its secret: %s", strerror(errno));
		close(p[0]);
		return -1;
	}
	return p[0];
}

/* Can a user bind port here (net.ipv4.ip_unprivileged_port_start of this
 * node's network namespace; 1024 when it cannot be read)? */
static int user_bindable(int port)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
	int start = 1024;

	if (f) {
		if (fscanf(f, "%d", &start) != 1)
			start = 1024;
		fclose(f);
	}
	return port >= start;
}

static int start_tracker(struct prolog_ctx *x, struct dsl_err *e)
{
	const struct dsl_config *c = x->c;
	const struct dsl_job *job = x->job;
	char *jobrun = dsl_job_jobrun_dir(c, job->id);
	char *dir = dsl_path_join(jobrun, DSL_JOB_TRACKER_DIR);
	struct dsl_argv a = { 0 };
	int rc, port = 0, ports[DSL_CONFIG_TRACKER_CANDIDATES];
	/* Root binds the tracker's socket and hands it over (fd 3): the
	 * candidates are below 1024 (tracker_ports=), so no user can take
	 * one first and receive the helpers' announces, which carry the
	 * tracker's half of the job key and the job's info-hashes.  Another
	 * job's tracker or a root service may hold one: the first free of
	 * the candidates every helper is given (tracker_url). */
	int lfd = dsl_net_listen_first(ports, dsl_config_tracker_ports(c, job->id, ports), &port, e);

	if (lfd < 0) {
		dsl_err_prefix(e, "no tracker port of the job is free");
		free(dir);
		free(jobrun);
		return -1;
	}
	if (user_bindable(port) && x->warn && !x->warn->msg[0])
		dsl_err_set(x->warn, "tracker port %d can be bound by users "
			    "(net.ipv4.ip_unprivileged_port_start): a user who takes it first "
			    "receives the job's announces; give tracker_ports= below it", port);

	dsl_argv_add(&a, tracker_path(c));
	dsl_argv_add(&a, dsl_strdup("--listen"));
	dsl_argv_add(&a, dsl_strdup("0.0.0.0"));
	dsl_argv_add(&a, dsl_strdup("--port"));
	dsl_argv_add(&a, dsl_xasprintf("%d", port));
	dsl_argv_add(&a, dsl_strdup("--listen-fd"));
	dsl_argv_add(&a, dsl_strdup("3"));
	/* Steady state within the tracker's budget (dsl_spec.h). */
	dsl_argv_add(&a, dsl_strdup("--interval"));
	dsl_argv_add(&a, dsl_xasprintf("%d", dsl_spec_announce_interval_s((long)x->roles.nnodes)));
	dsl_argv_add(&a, dsl_strdup("--numwant-max"));
	dsl_argv_add(&a, dsl_xasprintf("%d", DSL_TRACKER_NUMWANT));
	/* Every node of the job plus service seeders fits in its swarm. */
	dsl_argv_add(&a, dsl_strdup("--max-peers"));
	dsl_argv_add(&a, dsl_xasprintf("%zu", x->roles.nnodes + 64 > 10000 ? x->roles.nnodes + 64
				       : 10000));
	/* No --allow: the job's swarms are named by the job's own info-hashes,
	 * which only the helpers compute (dsl_torrent.h); the secret keeps
	 * everyone else from creating a swarm here.  It reaches the tracker
	 * through a pipe (fd 4), never its argv (which every user can read). */
	dsl_argv_add(&a, dsl_strdup("--secret-fd"));
	dsl_argv_add(&a, dsl_strdup("4"));
	if (c->munge_socket[0]) {
		dsl_argv_add(&a, dsl_strdup("--munge-socket"));
		dsl_argv_add(&a, dsl_strdup(c->munge_socket));
	}
	dsl_argv_add(&a, dsl_strdup("--pid-file"));
	dsl_argv_add(&a, dsl_path_join(dir, "tracker.pid"));
	dsl_argv_add(&a, dsl_strdup("--log-file"));
	dsl_argv_add(&a, dsl_path_join(dir, "tracker.log"));
	/* 0700: the tracker's log names the job's info-hashes, which open the
	 * job's swarms (README, private swarms): the job's user and root only. */
	rc = dir_for_user(dir, job, 0700, e);
	if (rc == 0) {
		int sfd = secret_pipe(x->job->key, e);

		rc = sfd < 0 ? -1 : run_daemon(x, a.v, dir, lfd, sfd, e);
		if (sfd >= 0)
			close(sfd);
	}
	close(lfd);
	dsl_argv_free(&a);
	free(dir);
	free(jobrun);
	return rc;
}

/* The direct peers (dsl_roles.h), resolved here: k look-ups per node.  A
 * name that does not resolve is left out and said in the warning (the
 * tracker still brings that node); nothing else is ever left out. */
static void spec_peers(struct prolog_ctx *x, int port, struct dsl_spec *s)
{
	for (size_t i = 0; i < x->roles.npeers && s->npeers < DSL_SPEC_MAX_PEERS; i++) {
		char addr[64];

		if (node_addr(x->roles.peers[i], addr, sizeof(addr)) < 0) {
			if (x->warn && !x->warn->msg[0])
				dsl_err_set(x->warn, "direct peer %s: cannot resolve its name",
					    x->roles.peers[i]);
			continue;
		}
		s->peers[s->npeers].node = dsl_strdup(x->roles.peers[i]);
		s->peers[s->npeers].addr = dsl_xasprintf("%s:%d", addr, port);
		s->npeers++;
	}
}

/* The prefetch order (lib/dsl_order.h): the user's own jobs' observed order
 * of this version first, then the one published with it; the job's first
 * node records what its tasks read for the user's next job.  Read and
 * written by the helper as the user. */
static void spec_orders(struct prolog_ctx *x, size_t set, struct dsl_spec *s)
{
	char *own = dsl_xasprintf("%s/.dsl/profiles/%s.order", x->job->home,
				  x->refs[set].desc.infohash);

	s->orders[s->norders++] = dsl_strdup(own);
	s->orders[s->norders++] = dsl_order_registry_path(x->refs[set].json_path);
	if (x->roles.self == 0)
		s->record_order = own;
	else
		free(own);
}

/* The spec of set i for this node (dsl_spec.h); strings are owned by s. */
static void build_spec(struct prolog_ctx *x, size_t i, const char *view, const char *run,
		       const char *cache, struct dsl_spec *s)
{
	const struct dsl_config *c = x->c;
	const struct dsl_job *job = x->job;
	int port = dsl_config_peer_port(c, job->id, i);

	memset(s, 0, sizeof(*s));
	s->job = (long)job->id;
	s->node = dsl_strdup(job->self);
	s->hostlist = dsl_strdup(job->nodelist);
	s->nnodes = (long)x->roles.nnodes;
	s->index = x->roles.self;
	s->set = dsl_strdup(x->sets->names[i]);
	s->desc = dsl_strdup(x->refs[i].json_path);
	s->torrent = dsl_strdup(x->refs[i].torrent_path);
	s->mount = dsl_strdup("/dev/fd/3");
	s->mountpoint = dsl_strdup(view);
	s->cache = dsl_strdup(cache);
	s->run_dir = dsl_strdup(run);
	s->log_file = dsl_path_join(run, "helper.log");
	s->keep_cache = c->cache_policy == DSL_CACHE_KEEP;
	s->seeder = x->roles.is_seeder;
	s->tracker = x->roles.is_tracker;
	if (c->shares && !x->roles.is_seeder && x->roles.nshares > 1) {
		s->share_index = x->roles.share;
		s->share_count = (long)x->roles.nshares;
	}
	s->port = port;
	s->port_min = c->peer_port_min;
	s->port_max = c->peer_port_max;
	for (int k = 0; k < DSL_CONFIG_TRACKER_CANDIDATES && s->ntrackers < DSL_SPEC_MAX_TRACKERS; k++)
		if (x->tracker_url[k][0])
			s->trackers[s->ntrackers++] = dsl_strdup(x->tracker_url[k]);
	spec_peers(x, port, s);
	s->read_timeout = c->read_timeout;
	s->ready_timeout = c->ready_timeout;
	s->report_every_ms = dsl_spec_report_every_ms(s->nnodes);
	spec_orders(x, i, s);
	s->key = dsl_strdup(job->key);
	if (c->peer_networks[0])
		s->peer_networks = dsl_strdup(c->peer_networks);
}

/* RUN/JOBID/.spec/NAME.json, root's and 0600, opened for the helper before
 * it drops privileges: fd (>= 0) or -1 with e set. */
static int write_spec(struct prolog_ctx *x, size_t i, const struct dsl_spec *s,
		      struct dsl_err *e)
{
	char *jobrun = dsl_job_jobrun_dir(x->c, x->job->id);
	char *dir = dsl_path_join(jobrun, DSL_JOB_SPEC_DIR);
	char *name = dsl_xasprintf("%s.json", x->sets->names[i]);
	char *path = dsl_path_join(dir, name);
	char *text = dsl_spec_to_json(s, e);
	int fd = -1;

	if (text && root_private_dir(dir, e) == 0 &&
	    dsl_write_file_atomic(path, text, strlen(text), 0600, e) == 0) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			dsl_err_set(e, "cannot open %s: %s", path, strerror(errno));
	}
	free(text);
	free(path);
	free(name);
	free(dir);
	free(jobrun);
	return fd;
}

static int start_helper(struct prolog_ctx *x, size_t i, int fuse_fd, const char *view,
			const char *run, const char *cache, struct dsl_err *e)
{
	const struct dsl_config *c = x->c;
	struct dsl_argv a = { 0 };
	struct dsl_spec spec;
	int rc, spec_fd;

	build_spec(x, i, view, run, cache, &spec);
	spec_fd = write_spec(x, i, &spec, e);
	dsl_spec_free(&spec);
	if (spec_fd < 0)
		return -1;
	dsl_argv_add(&a, dsl_path_join(c->libexec_dir, "dsl-helper"));
	dsl_argv_add(&a, dsl_strdup("--spec-fd"));
	dsl_argv_add(&a, dsl_strdup("4"));
	rc = run_daemon(x, a.v, run, fuse_fd, spec_fd, e);
	close(spec_fd);
	dsl_argv_free(&a);
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
	if (dir_for_user(cache, job, 0700, e) < 0) {
		/* keep: something the user put at the cache path. */
		x->user_fault = c->cache_policy == DSL_CACHE_KEEP;
		goto out;
	}
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
	char addr[64], token[DSL_JOBKEY_HALF + 1];
	int ports[DSL_CONFIG_TRACKER_CANDIDATES], n;

	memset(x->tracker_url, 0, sizeof(x->tracker_url));
	if (strcmp(x->c->tracker, "job")) {
		snprintf(x->tracker_url[0], sizeof(x->tracker_url[0]), "%s", x->c->tracker);
		return;
	}
	if (node_addr(x->roles.tracker_node, addr, sizeof(addr)) < 0)
		return;
	/* The job's tracker serves only announces that carry the tracker half
	 * of the job key (dsl_jobkey.h); libtorrent keeps the query and adds
	 * its own arguments after it. */
	dsl_jobkey_tracker(x->job->key, token);
	n = dsl_config_tracker_ports(x->c, x->job->id, ports);
	for (int k = 0; k < n; k++)
		snprintf(x->tracker_url[k], sizeof(x->tracker_url[k]),
			 "http://%s:%d/announce?dsl_secret=%s", addr, ports[k], token);
	explicit_bzero(token, sizeof(token));
}


/* RUN/JOBID/prolog.json: what this node did and how long the job waited
 * for it (for `dsl status` and reports). */
static int write_prolog_report(struct prolog_ctx *x, double ready_s, struct dsl_err *e)
{
	char *dir = dsl_job_jobrun_dir(x->c, x->job->id);
	char *path = dsl_path_join(dir, "prolog.json");
	char *text = dsl_xasprintf("{\"node\":\"%s\",\"tracker\":%s,\"seeder\":%s,"
				   "\"nodes\":%zu,\"direct_peers\":%zu,"
				   "\"roles_seconds\":%.6f,\"ready_seconds\":%.3f}\n",
				   x->job->self, x->roles.is_tracker ? "true" : "false",
				   x->roles.is_seeder ? "true" : "false", x->roles.nnodes,
				   x->roles.npeers, x->roles_s, ready_s);
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
	enum dsl_lookup_fault fault;
	enum dsl_prolog_result r = DSL_PROLOG_FAULT;
	char *jobrun = dsl_job_jobrun_dir(c, job->id);
	double t0 = now_s(), ready_s;

	if (dsl_config_check_root_dirs(c, e) < 0 || root_dir(jobrun, e) < 0)
		goto out;
	if (dsl_lookup_sets_as_user(c, job->uid, job->gid, job->user, job->home, sets, x.refs,
				    &fault, e) < 0) {
		r = fault == DSL_LOOKUP_USER ? user_error(&x, e) : DSL_PROLOG_FAULT;
		goto out;
	}
	x.have_refs = 1;
	x.cgroup = dsl_cgroup_job_path(job->self, job->id);
	if (x.cgroup && dsl_cgroup_create(x.cgroup, c->daemon_memory, e) < 0)
		goto out;
	if (dsl_jobkey_check(job->key, e) < 0) {
		/* A client without the plugin, or a control environment that lost
		 * it: a swarm without the key would be open to every user. */
		dsl_err_set(e, "the job has no valid job key (SPANK_%s): it was submitted by a "
			    "client without the dsl plugin, or with an old one; no swarm "
			    "is started for it", DSL_JOBKEY_VAR);
		r = user_error(&x, e);
		goto out;
	}
	warn->msg[0] = '\0';
	if (dsl_overlay_decide(c, sets, x.refs, warn, e) < 0) {
		r = user_error(&x, e);
		goto out;
	}
	x.roles_s = now_s();
	if (dsl_roles_compute(job->nodelist, job->self, c->seeders, c->service_seeders, 0,
			      &x.roles, e) < 0)
		goto out;
	x.have_roles = 1;
	x.roles_s = now_s() - x.roles_s;
	if (x.roles.self < 0) {
		dsl_err_set(e, "this node (%s) is not in the job's host list", job->self);
		goto out;
	}
	tracker_url(&x);
	if (!strcmp(c->tracker, "job") && x.roles.is_tracker && start_tracker(&x, warn) < 0)
		/* Not fatal: every helper has its direct peers (dsl_roles.h). */
		dsl_err_prefix(warn, "tracker not started (the swarm forms without it)");
	x.user_fault = 0;   /* only the sets' daemons decide whose fault a failure is */
	for (size_t i = 0; i < sets->n; i++)
		if (start_set(&x, i, e) < 0) {
			/* The set's files, the user's directories, a busy port:
			 * the job fails, the node stays. */
			if (x.user_fault)
				r = user_error(&x, e);
			goto out;
		}
	ready_s = now_s() - t0;
	/* wait=all waits in the tasks (dsl_wait_all.h says why). */
	r = write_prolog_report(&x, ready_s, e) < 0 || write_task_env(&x, e) < 0 ||
	    dsl_overlay_write(c, job->id, sets, x.refs, e) < 0
		? DSL_PROLOG_FAULT : DSL_PROLOG_OK;
out:
	prolog_ctx_free(&x);
	free(jobrun);
	return r;
}
