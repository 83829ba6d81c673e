/* dsl_epilog.c - stop, unmount, remove: leave nothing of the job behind. */
#define _GNU_SOURCE
#include "dsl_epilog.h"

#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dsl_fusemount.h"
#include "dsl_jobstats.h"
#include "dsl_spawn.h"
#include "dsl_util.h"

#define DSL_EPILOG_STOP_TIMEOUT 10
#define DSL_EPILOG_KILL_MS 3000

static pid_t pid_from_file(const char *path)
{
	char *data = NULL;
	size_t len;
	long pid = 0;
	struct dsl_err e;

	if (dsl_read_file(path, 64, &data, &len, &e) == 0)
		pid = strtol(data, NULL, 10);
	free(data);
	return pid > 1 ? (pid_t)pid : 0;
}

/* The helper writes its pid to RUN/helper.pid or into RUN/status.json. */
static pid_t helper_pid(const char *run)
{
	char *f = dsl_path_join(run, "helper.pid");
	pid_t pid = pid_from_file(f);
	json_object *o, *v;

	free(f);
	if (pid)
		return pid;
	f = dsl_path_join(run, "status.json");
	o = json_object_from_file(f);
	free(f);
	if (o && json_object_object_get_ex(o, "pid", &v))
		pid = (pid_t)json_object_get_int(v);
	if (o)
		json_object_put(o);
	return pid > 1 ? pid : 0;
}

static void stop_helper(const struct dsl_config *c, const struct dsl_job *job,
			const char *run)
{
	char *path = dsl_path_join(c->libexec_dir, "dsl-helper");
	char *argv[] = { path, "--ctl", (char *)run, "stop", NULL };
	struct dsl_spawn sp = {
		.path = path, .argv = argv, .uid = job->uid, .gid = job->gid,
		.user = job->user, .home = job->home, .cwd = "/", .pass_fd = -1, .spec_fd = -1,
		.timeout = DSL_EPILOG_STOP_TIMEOUT,
	};
	struct dsl_err e;
	struct stat st;

	/* Only when the helper got as far as its control socket. */
	if (stat(run, &st) == 0)
		dsl_spawn_run(&sp, &e);
	free(path);
}

/* The set's line for the node's log, from what the helper left when it
 * stopped (so after stop_helper, before the directories go). */
static void note_set(const struct dsl_config *c, const struct dsl_job *job, const char *name,
		     const struct dsl_epilog_note *note)
{
	char *line;

	if (!note || !note->fn || !(line = dsl_jobstats_line(c, job, name)))
		return;
	note->fn(note->arg, line);
	free(line);
}

static int handle_set(const struct dsl_config *c, const struct dsl_job *job,
		      const char *name, const struct dsl_epilog_note *note, struct dsl_err *e)
{
	char *run = dsl_job_run_dir(c, job->id, name);
	char *view = dsl_job_view_dir(c, job->id, name);
	char *lower = dsl_job_lower_dir(c, job->id, name);
	pid_t pid;
	int rc;

	pid = helper_pid(run);
	stop_helper(c, job, run);
	/* The overlay first, then the FUSE mount under it. */
	rc = dsl_fuse_unmount(view, e);
	if (dsl_fuse_unmount(lower, rc < 0 ? NULL : e) < 0)
		rc = -1;
	if (pid)
		dsl_kill_owned(pid, job->uid, DSL_EPILOG_KILL_MS);
	note_set(c, job, name, note);
	free(lower);
	free(view);
	free(run);
	return rc;
}

/* Set names: the sub-directories of dir (both run and mount roots). */
static int each_set(const struct dsl_config *c, const struct dsl_job *job,
		    const char *dir, const struct dsl_epilog_note *note, struct dsl_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!dsl_job_is_set_entry(de->d_name, de->d_type))
			continue;
		if (handle_set(c, job, de->d_name, note, e) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

static void stop_tracker(const struct dsl_config *c, const struct dsl_job *job)
{
	char *f = dsl_xasprintf("%s/%lu/%s/tracker.pid", c->run_root, job->id,
				DSL_JOB_TRACKER_DIR);
	pid_t pid = pid_from_file(f);

	if (pid)
		dsl_kill_owned(pid, job->uid, DSL_EPILOG_KILL_MS);
	free(f);
}

int dsl_epilog_run(const struct dsl_config *c, const struct dsl_job *job,
		   const struct dsl_epilog_note *note, struct dsl_err *e)
{
	char *jobrun = dsl_job_jobrun_dir(c, job->id);
	char *views = dsl_xasprintf("%s/%lu", c->mount_root, job->id);
	char *cache = dsl_job_cache_jobdir(c, job->id);
	int rc = 0;

	/* A set is noted once: from its run directory, not again from its view. */
	if (each_set(c, job, jobrun, note, e) < 0 || each_set(c, job, views, NULL, e) < 0)
		rc = -1;
	stop_tracker(c, job);
	/* dsl_rm_rf does not cross mounts: a view that could not be detached
	 * stays (and makes this fail) rather than being emptied through. */
	if (rc == 0 && dsl_rm_rf(views, e) < 0)
		rc = -1;
	if (dsl_rm_rf(jobrun, rc ? NULL : e) < 0)
		rc = -1;
	if (dsl_rm_rf(cache, rc ? NULL : e) < 0)
		rc = -1;
	free(cache);
	free(views);
	free(jobrun);
	return rc;
}
