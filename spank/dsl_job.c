/* dsl_job.c - the job's identity from the prolog environment, its paths, its ports. */
#define _GNU_SOURCE
#include "dsl_job.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>

#include "dsl_jobkey.h"
#include "dsl_util.h"

static int env_ulong(const char *var, unsigned long *out, struct dsl_err *e)
{
	const char *v = getenv(var);
	char *end;

	if (!v || !*v) {
		dsl_err_set(e, "%s: not set in the environment", var);
		return -1;
	}
	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno || *end) {
		dsl_err_set(e, "%s: '%s' is not a number", var, v);
		return -1;
	}
	return 0;
}

int dsl_job_lookup_user(struct dsl_job *job, struct dsl_err *e)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(job->uid, &pw, buf, sizeof(buf), &res) || !res) {
		dsl_err_set(e, "uid %lu: no such user on this node", (unsigned long)job->uid);
		return -1;
	}
	snprintf(job->user, sizeof(job->user), "%s", pw.pw_name);
	snprintf(job->home, sizeof(job->home), "%s", pw.pw_dir);
	return 0;
}

/* What every context has: the job id and its owner. */
static int job_ids_from_env(struct dsl_job *job, struct dsl_err *e)
{
	unsigned long uid, gid;

	memset(job, 0, sizeof(*job));
	if (env_ulong(getenv("SLURM_JOB_ID") ? "SLURM_JOB_ID" : "SLURM_JOBID", &job->id, e) < 0 ||
	    env_ulong("SLURM_JOB_UID", &uid, e) < 0 ||
	    env_ulong("SLURM_JOB_GID", &gid, e) < 0)
		return -1;
	job->uid = (uid_t)uid;
	job->gid = (gid_t)gid;
	return 0;
}

/* Where the job runs: its node list and this node's name. */
static void job_nodes_from_env(struct dsl_job *job)
{
	/* 23.02+ also has SLURM_JOB_NODELIST; 22.05 only SLURM_NODELIST. */
	job->nodelist = getenv("SLURM_JOB_NODELIST");
	if (!job->nodelist)
		job->nodelist = getenv("SLURM_NODELIST");
	/* Not gethostname(): several slurmd may share one host. */
	job->self = getenv("SLURMD_NODENAME");
	/* Set at submission (slurm_spank_init_post_opt); only root's prolog
	 * and epilog see it. */
	job->key = getenv("SPANK_" DSL_JOBKEY_VAR);
}

int dsl_job_from_env_epilog(struct dsl_job *job, struct dsl_err *e)
{
	/* After a node failure or a requeue slurmd may run the epilog without
	 * the node list; cleaning up needs only the id and the owner, so the
	 * rest is best effort and never fails the epilog (that would drain). */
	if (job_ids_from_env(job, e) < 0)
		return -1;
	job_nodes_from_env(job);
	if (!job->self)
		job->self = "this node";
	if (dsl_job_lookup_user(job, e) < 0) {
		snprintf(job->user, sizeof(job->user), "%lu", (unsigned long)job->uid);
		snprintf(job->home, sizeof(job->home), "/");
	}
	return 0;
}

int dsl_job_from_env(struct dsl_job *job, struct dsl_err *e)
{
	if (job_ids_from_env(job, e) < 0)
		return -1;
	job_nodes_from_env(job);
	if (!job->nodelist || !job->self) {
		dsl_err_set(e, "%s: not set in the environment",
			    job->nodelist ? "SLURMD_NODENAME" : "SLURM_NODELIST");
		return -1;
	}
	return dsl_job_lookup_user(job, e);
}

char *dsl_job_view_dir(const struct dsl_config *c, unsigned long id, const char *name)
{
	return dsl_xasprintf("%s/%lu/%s", c->mount_root, id, name);
}

char *dsl_job_run_dir(const struct dsl_config *c, unsigned long id, const char *name)
{
	return dsl_xasprintf("%s/%lu/%s", c->run_root, id, name);
}

int dsl_job_is_set_entry(const char *name, unsigned char d_type)
{
	return name[0] != '.' && d_type == DT_DIR && strcmp(name, DSL_JOB_TRACKER_DIR) != 0;
}

char *dsl_job_lower_dir(const struct dsl_config *c, unsigned long id, const char *name)
{
	return dsl_xasprintf("%s/%lu/%s/%s", c->run_root, id, DSL_JOB_LOWER_DIR, name);
}

char *dsl_job_jobrun_dir(const struct dsl_config *c, unsigned long id)
{
	return dsl_xasprintf("%s/%lu", c->run_root, id);
}

char *dsl_job_cache_jobdir(const struct dsl_config *c, unsigned long id)
{
	return dsl_xasprintf("%s/job-%lu", c->cache_dir, id);
}

char *dsl_job_cache_dir(const struct dsl_config *c, const struct dsl_job *job,
			const char *name, const char *infohash)
{
	if (c->cache_policy == DSL_CACHE_KEEP)
		return dsl_xasprintf("%s/user-%lu/%s", c->cache_dir,
				     (unsigned long)job->uid, infohash);
	return dsl_xasprintf("%s/job-%lu/%s", c->cache_dir, job->id, name);
}
