/* dsh_app.c - start, run and stop one helper.
 *
 * Threads: the FUSE workers (libfuse), the event loop (dsh_loop.c: session
 * alerts, which answer waiting reads, the control socket, the status file,
 * read time-outs) and the reporter (dsh_report.c).  Termination signals are
 * blocked everywhere but in the main thread, which sits in the FUSE loop and
 * leaves it on SIGTERM. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dsh_app.h"
#include "dsh_ctl.h"
#include "dsh_daemon.h"
#include "dsh_loop.h"
#include "dsl_util.h"

static void on_piece(void *arg, int piece)
{
	struct dsh_app *a = arg;

	dsh_reads_on_piece(&a->reads, piece);
}

static void on_log(void *arg, int level, const char *msg)
{
	struct dsh_app *a = arg;

	dsl_logf(a->log, (enum dsl_log_level)level, "%s", msg);
}

/* "host:port" -> "ip:port": the plugin may pass node names. */
static char *resolve_peer(const char *hp, struct dsl_err *e)
{
	struct addrinfo hints, *res = NULL;
	char host[256], ip[64];
	const char *colon = strrchr(hp, ':');
	int rc;

	if (!colon || colon == hp || (size_t)(colon - hp) >= sizeof(host) || !colon[1]) {
		dsl_err_set(e, "--peer %s: expected HOST:PORT", hp);
		return NULL;
	}
	memcpy(host, hp, (size_t)(colon - hp));
	host[colon - hp] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc != 0) {
		dsl_err_set(e, "--peer %s: cannot resolve: %s", hp, gai_strerror(rc));
		return NULL;
	}
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, ip, sizeof(ip), NULL, 0,
			 NI_NUMERICHOST);
	freeaddrinfo(res);
	if (rc != 0) {
		dsl_err_set(e, "--peer %s: %s", hp, gai_strerror(rc));
		return NULL;
	}
	return dsl_xasprintf("%s:%s", ip, colon + 1);
}

static int resolve_peers(struct dsh_app *a, struct dsl_err *e)
{
	a->peers = dsl_xcalloc((size_t)a->opts->npeers + 1, sizeof(char *));
	for (int i = 0; i < a->opts->npeers; i++) {
		a->peers[i] = resolve_peer(a->opts->peers[i], e);
		if (!a->peers[i])
			return -1;
	}
	return 0;
}

static int load_set(struct dsh_app *a, struct dsl_err *e)
{
	const struct dsh_opts *o = a->opts;

	if (dsl_desc_read_file(o->desc, &a->desc, e) != 0)
		return -1;
	if (dsl_torrent_load(o->torrent, &a->meta, e) != 0)
		return -1;
	if (strcmp(a->meta.infohash, a->desc.infohash) != 0) {
		dsl_err_set(e, "%s: info-hash %s does not match the description %s (%s)",
			    o->torrent, a->meta.infohash, o->desc, a->desc.infohash);
		return -1;
	}
	if (a->meta.piece_size != a->desc.piece_size) {
		dsl_err_set(e, "%s: piece size %u, the description says %u", o->torrent,
			    a->meta.piece_size, a->desc.piece_size);
		return -1;
	}
	/* Every file of the description in the torrent, before anything
	 * starts (a set published by an older dsl create may not be). */
	if (dsh_tree_build(&a->tree, &a->desc, &a->meta, NULL, e) != 0)
		return -1;
	dsh_tree_free(&a->tree);
	return 0;
}

/* The cache entry must be a directory of ours: a file or a link planted
 * there is the user's doing, named as such. */
static int cache_entry_ok(const char *path, struct dsl_err *e)
{
	struct stat st;

	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		dsl_err_set(e, "cache entry %s: not a directory of %s", path,
			    "the job's user (remove it)");
		return -1;
	}
	return 0;
}

/* Seeders read each file where the description says it lives; a missing
 * source root is the set's fault, named before anything starts (each
 * file is not checked here: that would cost a stat per file at start). */
static int seed_sources(struct dsh_app *a, struct dsl_err *e)
{
	struct stat st;

	errno = 0;
	if (stat(a->desc.source_root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		dsl_err_set(e, "the set's source %s: %s", a->desc.source_root,
			    errno ? strerror(errno) : "not a directory");
		return -1;
	}
	a->seed_sources = dsl_xcalloc(a->meta.nfiles + 1, sizeof(char *));
	for (size_t m = 0; m < a->meta.nfiles; m++) {
		const struct dsl_node *nd = dsl_desc_find(&a->desc, a->meta.files[m].path);

		if (!nd || nd->type != DSL_NODE_FILE) {
			dsl_err_set(e, "%s: file %s of the torrent is not in the description",
				    a->opts->torrent, a->meta.files[m].path);
			return -1;
		}
		/* No "src": the file sits at its own path under source_root. */
		a->seed_sources[m] = dsl_path_join(a->desc.source_root,
						   nd->src ? nd->src : nd->path);
	}
	return 0;
}

/* The first --order file that is this version's order.  Written by the
 * job's user or the set's publisher, read as the job's user: a bad one
 * costs only the order, never the job (logged and skipped). */
static void load_order(struct dsh_app *a)
{
	const struct dsh_opts *o = a->opts;
	struct dsl_err e;

	for (int i = 0; i < o->norders; i++) {
		if (access(o->orders[i], F_OK) != 0)
			continue;
		if (dsl_order_read(o->orders[i], a->desc.infohash, a->meta.num_pieces,
				   &a->prefetch, &e) == 0) {
			dsl_info(a->log, "prefetch order: %d of %d pieces first, from %s",
				 a->prefetch.n, a->meta.num_pieces, o->orders[i]);
			return;
		}
		dsl_warn(a->log, "prefetch order not used: %s", e.msg);
	}
}

/* A downloader's piece plan (dsh_sched.h): its share, the recorded order
 * (load_order), the prefetch mode; the reads wait in it. */
static void start_plan(struct dsh_app *a)
{
	const struct dsh_opts *o = a->opts;
	struct dsh_sched_opts so = {
		.npieces = a->meta.num_pieces,
		.no_prefetch = o->prefetch == DSH_PREFETCH_OFF,
		.prefetch_always = o->prefetch == DSH_PREFETCH_ALWAYS,
		.share_index = o->share_index,
		.share_count = o->share_count,
		.piece_size = a->meta.piece_size,
	};

	so.order = a->prefetch.pieces;
	so.norder = a->prefetch.n;
	a->sched = dsh_sched_new(&so);
	a->reads.sched = a->sched;
}

static int start_session(struct dsh_app *a, struct dsl_err *e)
{
	const struct dsh_opts *o = a->opts;
	struct dsh_session_opts so;
	char swarm_key[DSL_JOBKEY_HALF + 1];

	memset(&so, 0, sizeof(so));
	so.listen_ip = o->listen_ip;
	so.port_min = o->port_min;
	so.port_max = o->port_max;
	so.port_first = o->port_first;
	so.torrent_path = o->torrent;
	so.trackers = o->ntrackers ? o->trackers : NULL;
	so.peers = (const char *const *)a->peers;
	so.on_piece = on_piece;
	so.log = on_log;
	so.cb_arg = a;
	/* Every node says which order is this job's, a seeder too (it has
	 * every piece and uses none). */
	load_order(a);
	if (!o->seed) {
		start_plan(a);
		so.priorities = dsh_sched_prio(a->sched);
		so.urgent = dsh_sched_urgent(a->sched);
		so.npieces = a->meta.num_pieces;
		so.strict_priority = dsh_sched_strict(a->sched);
	}
	so.peer_networks = o->peer_networks;
	a->user_fault = 1;   /* the set's sources, the user's cache entry */
	/* A seeder keeps the set's pack of small files there (dsl_torrent.h);
	 * one started without --cache (dsl seed) keeps it in its run directory. */
	a->save_path = dsl_path_join(o->cache ? o->cache : o->run_dir, a->desc.infohash);
	if (dsl_mkdir_p(a->save_path, 0700, e) != 0 || cache_entry_ok(a->save_path, e) != 0)
		return -1;
	so.save_path = a->save_path;
	if (o->key[0]) {
		dsl_jobkey_swarm(o->key, swarm_key);
		so.swarm_key = swarm_key;
	}
	if (o->seed) {
		if (seed_sources(a, e) != 0)
			return -1;
		so.seed_root = a->desc.source_root;
		so.seed_sources = (const char *const *)a->seed_sources;
	}
	a->user_fault = 0;
	a->ses = dsh_session_start(&so, e);
	/* Every port of the range taken: other users' processes, not the
	 * node's fault (a user squatting ports must not drain nodes). */
	if (!a->ses && strstr(e->msg, "no free port"))
		a->user_fault = 1;
	/* A set larger than the node's whole cache: the user's set cannot be
	 * served here, the node is fine (a full cache is the node's fault). */
	if (!a->ses && strstr(e->msg, "the set is larger than this node's cache"))
		a->user_fault = 1;
	return a->ses ? 0 : -1;
}

static int mount_view(struct dsh_app *a, struct dsl_err *e)
{
	char *fsopt = dsl_xasprintf("ro,default_permissions,fsname=dsl:%s,subtype=dsl",
				    a->desc.name);
	char *argv[] = {"dsl-helper", "-o", fsopt, NULL};
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);

	a->view.tree = &a->tree;
	a->view.reads = &a->reads;
	a->view.log = a->log;
	a->se = fuse_session_new(&args, dsh_view_ops(), sizeof(struct fuse_lowlevel_ops),
				 &a->view);
	fuse_opt_free_args(&args);
	free(fsopt);
	if (!a->se) {
		dsl_err_set(e, "%s: cannot create the FUSE session", a->opts->mountpoint);
		return -1;
	}
	if (fuse_set_signal_handlers(a->se) != 0) {
		dsl_err_set(e, "cannot install signal handlers");
		return -1;
	}
	if (fuse_session_mount(a->se, a->opts->mount) != 0) {
		dsl_err_set(e, "%s: cannot mount the view (see the log; as a user this "
			    "needs fusermount3 and access to /dev/fuse)", a->opts->mount);
		return -1;
	}
	a->mounted = 1;
	return 0;
}

/* Start time with sub-second precision, so complete_seconds is exact. */
static double real_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void block_term_signals(int how)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGPIPE);
	pthread_sigmask(how, &s, NULL);
}

int dsh_app_start(struct dsh_app *a, const struct dsh_opts *o, struct dsl_log *log,
		  int phase_fd, struct dsl_err *e)
{
	char swarm_hash[65];

	memset(a, 0, sizeof(*a));
	a->phase_fd = phase_fd;
	dsh_daemon_phase(phase_fd, "set");
	a->opts = o;
	a->log = log;
	a->ctl_fd = -1;
	a->loop.ep = a->loop.stop_fd = -1;
	a->main_thread = pthread_self();
	dsl_desc_init(&a->desc);
	/* Threads started from here on inherit the mask: only main gets
	 * SIGTERM, so it wakes from the FUSE loop. */
	block_term_signals(SIG_BLOCK);
	/* The user's: the run directory, the set's files. */
	a->user_fault = 1;
	if (dsl_mkdir_p(o->run_dir, 0700, e) != 0 || load_set(a, e) != 0)
		return -1;
	a->user_fault = 0;
	if (resolve_peers(a, e) != 0)
		return -1;
	a->ctl_path = dsl_path_join(o->run_dir, "ctl.sock");
	a->status_path = dsl_path_join(o->run_dir, "status.json");
	dsh_reads_init(&a->reads, NULL, &a->tree, log, o->read_timeout);
	if (o->record_order) {
		dsh_order_rec_init(&a->order, a->meta.num_pieces);
		a->reads.order = &a->order;
	}
	if (start_session(a, e) != 0)
		return -1;
	a->reads.ses = a->ses;
	a->user_fault = 1;
	if (dsh_tree_build(&a->tree, &a->desc, &a->meta, a->ses, e) != 0)
		return -1;
	a->user_fault = 0;
	dsh_daemon_phase(phase_fd, "node");
	if (o->seed)
		dsh_reads_seeding(&a->reads);
	if (mount_view(a, e) != 0)
		return -1;
	a->status = (struct dsh_status_src){&a->desc, a->ses, &a->reads,
		o->seed ? "seeder" : "downloader", o->mountpoint, "running",
		real_seconds(), o->job, o->node, -1, a->log, NULL};
	a->user_fault = 1;   /* files in the user's run directory */
	a->ctl_fd = dsh_ctl_listen(a->ctl_path, e);
	if (a->ctl_fd < 0 || dsh_status_write(&a->status, a->status_path, e) != 0)
		return -1;
	a->user_fault = 0;
	if (dsh_loop_start(a, e) != 0)
		return -1;
	/* Reports go to the swarm the helpers announce: the job's own one. */
	dsh_session_infohash(a->ses, swarm_hash);
	if (dsh_reporter_start(&a->reporter, &a->status, o->trackers, swarm_hash,
			       o->report_every_ms, dsh_session_port(a->ses),
			       dsh_session_peer_id(a->ses), log, e) != 0)
		return -1;
	if (o->port_first && dsh_session_port(a->ses) != o->port_first)
		dsl_info(log, "port %d is taken: listening on %d instead (the tracker learns it "
			 "from the announce; this node dials its direct peers itself)", o->port_first,
			 dsh_session_port(a->ses));
	dsl_info(log, "set %s (%s): %s, view at %s, listening on %s:%d", a->desc.name,
		 a->desc.infohash, a->status.role, o->mountpoint, o->listen_ip,
		 dsh_session_port(a->ses));
	return 0;
}

int dsh_app_run(struct dsh_app *a)
{
	struct fuse_loop_config cfg = {.clone_fd = 0, .max_idle_threads = 16};
	int rc;

	block_term_signals(SIG_UNBLOCK);
	rc = fuse_session_loop_mt(a->se, &cfg);
	dsl_info(a->log, "stopping");
	return rc < 0 ? -1 : 0;
}

static void unmount_view(struct dsh_app *a)
{
	if (!a->mounted)
		return;
	fuse_session_unmount(a->se);
	/* A view pre-mounted by root is not ours to unmount, unless we are
	 * root ourselves (tests); the epilog does it otherwise. */
	if (strncmp(a->opts->mount, "/dev/fd/", 8) == 0 && geteuid() == 0)
		umount2(a->opts->mountpoint, MNT_DETACH);
	a->mounted = 0;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void dsh_app_stop(struct dsh_app *a)
{
	struct dsl_err e;

	/* The loop first: it answers reads and wakes the reporter. */
	dsh_loop_stop(a);
	dsh_reporter_stop(&a->reporter);
	if (a->ses && a->status.desc) {
		a->status.state = "stopped";
		dsh_status_write(&a->status, a->status_path, &e);
	}
	dsh_status_free(&a->status);
	if (a->status_path)
		dsh_reads_destroy(&a->reads);
	if (a->opts->record_order && a->order.seen) {
		char *dir = dsl_strdup(a->opts->record_order);

		if (strrchr(dir, '/'))
			*strrchr(dir, '/') = '\0';
		if (*dir && dsl_mkdir_p(dir, 0700, &e) != 0)
			dsl_warn(a->log, "prefetch order not recorded: %s", e.msg);
		else if (dsh_order_rec_save(&a->order, a->opts->record_order, a->desc.infohash, &e) != 0)
			dsl_warn(a->log, "prefetch order not recorded: %s", e.msg);
		else
			dsl_info(a->log, "prefetch order: %d pieces first read, recorded in %s",
				 a->order.n, a->opts->record_order);
		free(dir);
	}
	dsh_order_rec_free(&a->order);
	dsl_order_free(&a->prefetch);
	if (a->se) {
		unmount_view(a);
		fuse_remove_signal_handlers(a->se);
		fuse_session_destroy(a->se);
	}
	if (a->ctl_fd >= 0) {
		close(a->ctl_fd);
		unlink(a->ctl_path);
	}
	dsh_session_stop(a->ses);
	dsh_sched_free(a->sched);   /* after the session: its thread read the marks */
	if (a->save_path && a->opts->cache_policy == DSH_CACHE_REMOVE &&
	    dsl_rm_rf(a->save_path, &e) != 0)
		dsl_warn(a->log, "cache: %s", e.msg);
	dsh_tree_free(&a->tree);
	dsl_tmeta_free(&a->meta);
	dsl_desc_free(&a->desc);
	free_strv(a->seed_sources);
	free_strv(a->peers);
	free(a->ctl_path);
	free(a->status_path);
	free(a->save_path);
}
