/* dsl_epilog.c - stop, unmount, remove: leave nothing of the job behind. */
#define _GNU_SOURCE
#include "dsl_epilog.h"

#include <dirent.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dsl_cgroup.h"
#include "dsl_fusemount.h"
#include "dsl_jobstats.h"
#include "dsl_spawn.h"
#include "dsl_ufile.h"
#include "dsl_util.h"

#define DSL_EPILOG_STOP_TIMEOUT 10
#define DSL_EPILOG_KILL_MS 3000

/* Without a cgroup only (dsl_cgroup.h): the pid the helper wrote in its
 * run directory, read as a file the user controls (dsl_ufile.h); killed
 * only if that process runs as the job's user, so a forged pid hurts no
 * one else. */
static pid_t helper_pid(const struct dsl_config *c, const struct dsl_job *job, const char *name)
{
	char *rel = dsl_xasprintf("%lu/%s/helper.pid", job->id, name);
	pid_t pid = dsl_ufile_read_pid(c->run_root, rel);

	free(rel);
	return pid;
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
		      const char *name, const struct dsl_epilog_note *note, int have_cgroup,
		      int first, struct dsl_err *e)
{
	char *run = dsl_job_run_dir(c, job->id, name);
	char *view = dsl_job_view_dir(c, job->id, name);
	char *lower = dsl_job_lower_dir(c, job->id, name);
	pid_t pid;
	int rc;

	pid = have_cgroup ? 0 : helper_pid(c, job, name);
	/* Once per set (from its run directory): a helper the user stopped
	 * costs one control time-out, not one per pass. */
	if (first)
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
		    const char *dir, const struct dsl_epilog_note *note, int have_cgroup,
		    int first, struct dsl_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!dsl_job_is_set_entry(de->d_name, de->d_type))
			continue;
		if (handle_set(c, job, de->d_name, note, have_cgroup, first, e) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

static void stop_tracker(const struct dsl_config *c, const struct dsl_job *job)
{
	char *rel = dsl_xasprintf("%lu/%s/tracker.pid", job->id, DSL_JOB_TRACKER_DIR);
	pid_t pid = dsl_ufile_read_pid(c->run_root, rel);

	if (pid)
		dsl_kill_owned(pid, job->uid, DSL_EPILOG_KILL_MS);
	free(rel);
}

/* What the user left must not fail the epilog (a failed epilog drains the
 * node): mounts inside the job's directories are detached first, then the
 * trees go (any depth, no link followed); what cannot be removed is
 * reported to the log.  Only a mount that cannot be detached is a fault. */
static int clear_dir(const char *dir, const struct dsl_epilog_note *note, struct dsl_err *e)
{
	struct dsl_err re;

	if (dsl_unmount_under(dir, e) < 0)
		return -1;
	if (dsl_rm_rf(dir, &re) < 0 && note && note->fn) {
		/* It names the user's files: one printable line in the log. */
		dsl_printable_inplace(re.msg);
		note->fn(note->arg, re.msg);
	}
	return 0;
}

int dsl_epilog_run(const struct dsl_config *c, const struct dsl_job *job,
		   const struct dsl_epilog_note *note, struct dsl_err *e)
{
	char *jobrun = dsl_job_jobrun_dir(c, job->id);
	char *views = dsl_xasprintf("%s/%lu", c->mount_root, job->id);
	char *cache = dsl_job_cache_jobdir(c, job->id);
	char *cgroup = dsl_cgroup_job_path(job->self, job->id);
	struct dsl_err ce;
	int rc = 0, have_cgroup = cgroup && access(cgroup, F_OK) == 0;

	/* Most jobs never used dslswarm on this node: nothing to do. */
	if (!have_cgroup && access(jobrun, F_OK) < 0 && access(views, F_OK) < 0 &&
	    access(cache, F_OK) < 0)
		goto out;
	if (dsl_config_check_root_dirs(c, e) < 0) {
		rc = -1;
		goto out;
	}

	/* A set is noted and asked to stop once: from its run directory, not
	 * again from its view. */
	if (each_set(c, job, jobrun, note, have_cgroup, 1, e) < 0 ||
	    each_set(c, job, views, NULL, have_cgroup, 0, e) < 0)
		rc = -1;
	/* Every daemon of the job, whatever its pid files say. */
	if (have_cgroup && dsl_cgroup_kill_remove(cgroup, DSL_EPILOG_KILL_MS, &ce) < 0) {
		if (!rc)
			*e = ce;
		rc = -1;
	}
	if (!have_cgroup)
		stop_tracker(c, job);
	if (clear_dir(views, note, rc ? &ce : e) < 0 || clear_dir(jobrun, note, rc ? &ce : e) < 0 ||
	    clear_dir(cache, note, rc ? &ce : e) < 0)
		rc = -1;
	if (note && note->fn) {
		long kids, self = dsl_peak_kib(&kids);
		char *line = dsl_xasprintf("job %lu on %s: epilog done, peak memory %ld KiB "
					   "(children %ld KiB)", job->id, job->self, self, kids);

		note->fn(note->arg, line);
		free(line);
	}
out:
	free(cgroup);
	free(cache);
	free(views);
	free(jobrun);
	return rc;
}
