/* dsh_app.h - one helper: the session, the view, the control socket. */
#ifndef DSH_APP_H
#define DSH_APP_H

#include <pthread.h>

#include "dsh_loop.h"
#include "dsh_opts.h"
#include "dsh_reads.h"
#include "dsh_report.h"
#include "dsh_status.h"
#include "dsh_tree.h"
#include "dsh_view.h"
#include "dsl_desc.h"
#include "dsl_log.h"
#include "dsl_order.h"
#include "dsh_session.h"

struct fuse_session;

struct dsh_app {
	const struct dsh_opts *opts;
	struct dsl_log *log;
	struct dsl_desc desc;
	struct dsl_tmeta meta;
	struct dsh_session *ses;
	struct dsh_tree tree;
	struct dsh_reads reads;
	struct dsh_order_rec order;   /* --record-order */
	struct dsl_order prefetch;    /* --order: what the session fetches first */
	struct dsh_sched *sched;      /* downloader: the piece plan (outlives the
				         session, whose thread reads its marks) */
	struct dsh_view view;
	struct fuse_session *se;
	int mounted;
	int ctl_fd;
	char *ctl_path, *status_path, *save_path;
	char **seed_sources;          /* meta order */
	char **peers;                 /* resolved "ip:port", NULL-terminated */
	struct dsh_status_src status;
	struct dsh_reporter reporter;
	struct dsh_loop loop;
	pthread_t main_thread;
	int user_fault;               /* dsh_app_start failed on the user's input */
	int phase_fd;                 /* dsh_daemon_phase's pipe, -1 none */
};

/* Everything up to "mounted and ready"; on error the message is in e,
 * user_fault says whether the cause is the user's (the set's files, the
 * run and cache directories, the set's sources) rather than the node's,
 * and dsh_app_stop cleans what was started. */
int dsh_app_start(struct dsh_app *a, const struct dsh_opts *o, struct dsl_log *log,
		  int phase_fd, struct dsl_err *e);
/* Serve until SIGTERM/SIGINT or "stop". */
int dsh_app_run(struct dsh_app *a);
void dsh_app_stop(struct dsh_app *a);

#endif
