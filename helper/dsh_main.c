/* dsh_main.c - dsl-helper: the per-node swarm client with a FUSE view. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dsh_app.h"
#include "dsh_ctl.h"
#include "dsh_daemon.h"
#include "dsh_opts.h"
#include "dsl_log.h"
#include "dsl_util.h"

static int run_ctl(const struct dsh_opts *o)
{
	struct dsl_err e;

	if (dsh_ctl_client(o->ctl_dir, o->ctl_cmd, &e) != 0) {
		fprintf(stderr, "dsl-helper: %s\n", e.msg);
		return 1;
	}
	return 0;
}

/* Where log lines go: --log-file, else RUN/helper.log when detached, else
 * stderr.  Returns the stream (stderr is not owned). */
static FILE *open_log(const struct dsh_opts *o, char **path_out)
{
	char *path = o->log_file ? dsl_strdup(o->log_file)
		: o->foreground ? NULL : dsl_path_join(o->run_dir, "helper.log");
	FILE *f;

	*path_out = path;
	if (!path)
		return stderr;
	f = fopen(path, "ae");
	if (!f) {
		fprintf(stderr, "dsl-helper: %s: cannot open log file: %s\n", path,
			strerror(errno));
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

/* The view keeps a file's fd from its first read on (files of 256 KiB and
 * more have one each; small ones share the pack's): a set of thousands of
 * such files needs more than the usual soft limit of 1024. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int serve(const struct dsh_opts *o)
{
	struct dsl_err e;
	struct dsl_log log;
	struct dsl_log_last last_error;
	struct dsh_app app;
	char *log_path = NULL;
	FILE *lf;
	int ready_fd = -1, rc;

	if (dsl_mkdir_p(o->run_dir, 0700, &e) != 0) {
		fprintf(stderr, "dsl-helper: %s\n", e.msg);
		return 1;
	}
	raise_fd_limit();
	lf = open_log(o, &log_path);
	if (!lf)
		return 1;
	if (!o->foreground) {
		ready_fd = dsh_daemon_detach(log_path);
		if (ready_fd < 0) {
			fprintf(stderr, "dsl-helper: cannot fork: %s\n", strerror(errno));
			return 1;
		}
	}
	dsl_log_init(&log, "dsl-helper", lf);
	log.timestamps = 1;
	dsl_log_keep_last(&log, &last_error);
	if (dsh_app_start(&app, o, &log, ready_fd, &e) != 0) {
		char *msg = dsl_xasprintf("%sdsl-helper: %s\n",
					  app.user_fault ? DSH_REPORT_USER : "", e.msg);

		dsl_error(&log, "%s", e.msg);
		if (ready_fd >= 0)
			dsh_daemon_report(ready_fd, msg);
		else
			fputs(lf == stderr ? "" : msg, stderr);
		free(msg);
		rc = app.user_fault ? DSL_EXIT_USER_FAULT : 1;
		dsh_app_stop(&app);
	} else {
		dsh_daemon_report(ready_fd, NULL);
		rc = dsh_app_run(&app) == 0 ? 0 : 1;
		dsh_app_stop(&app);
		dsl_info(&log, "stopped");
	}
	if (lf != stderr)
		fclose(lf);
	free(log_path);
	return rc;
}

int main(int argc, char **argv)
{
	struct dsh_opts o;
	struct dsl_err e;
	int rc = dsh_opts_parse(argc, argv, &o, &e);

	if (rc > 0)
		return dsl_opt_finish(&dsh_opts_cmd, rc, &e);
	if (rc != 0) {
		fprintf(stderr, "dsl-helper: %s\n", e.msg);
		dsh_opts_free(&o);
		return 2;
	}
	rc = o.ctl_dir ? run_ctl(&o) : serve(&o);
	dsh_opts_free(&o);
	return rc;
}
