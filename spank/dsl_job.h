/* dsl_job.h - one job as the plugin sees it on a node, and where its files go.
 *
 * The prolog and epilog get the job from their process environment (the
 * SPANK items other than uid/gid/jobid are not available there), so this is
 * filled from getenv and can equally be filled by a test.  The layout
 * functions are the single place that names the per-job paths, so the
 * prolog, the tasks and the epilog (which must also work where the prolog
 * failed half-way) always agree. */
#ifndef DSL_JOB_H
#define DSL_JOB_H

#include <stddef.h>
#include <sys/types.h>

#include "dsl_config.h"
#include "dsl_err.h"

#define DSL_JOB_MAX_SETS 8

struct dsl_job {
	unsigned long id;
	uid_t uid;
	gid_t gid;
	char user[64];
	char home[512];
	const char *nodelist;    /* SLURM_NODELIST; not owned */
	const char *self;        /* SLURMD_NODENAME; not owned */
	const char *key;         /* SPANK_DSL_KEY (dsl_jobkey.h), NULL if absent; not owned */
};

/* From the prolog/epilog environment; errors name the missing variable. */
int dsl_job_from_env(struct dsl_job *job, struct dsl_err *e);
/* The epilog's variant: only the job id, uid and gid are required. */
int dsl_job_from_env_epilog(struct dsl_job *job, struct dsl_err *e);
/* Fill user and home from the password database. */
int dsl_job_lookup_user(struct dsl_job *job, struct dsl_err *e);

/* Paths (malloc'd):
 *   view:    MOUNT/JOBID/NAME           the FUSE view of one set
 *   run:     RUN/JOBID/NAME             the helper's run directory
 *   jobrun:  RUN/JOBID                  per-job files (task env, error, tracker)
 *   cache:   CACHE/job-JOBID/NAME       (cache_policy=remove)
 *            CACHE/user-UID/INFOHASH    (cache_policy=keep: reused by later jobs) */
char *dsl_job_view_dir(const struct dsl_config *c, unsigned long id, const char *name);
char *dsl_job_run_dir(const struct dsl_config *c, unsigned long id, const char *name);
/* A directory entry of RUN/JOBID or MOUNT/JOBID that is a set's (not the
 * tracker's, not .lower). */
int dsl_job_is_set_entry(const char *name, unsigned char d_type);
/* RUN/JOBID/.lower/NAME: where the FUSE view is mounted (root only). */
char *dsl_job_lower_dir(const struct dsl_config *c, unsigned long id, const char *name);
char *dsl_job_jobrun_dir(const struct dsl_config *c, unsigned long id);
char *dsl_job_cache_dir(const struct dsl_config *c, const struct dsl_job *job,
			const char *name, const char *infohash);
char *dsl_job_cache_jobdir(const struct dsl_config *c, unsigned long id);

/* Files in the jobrun directory. */
#define DSL_JOB_TASK_ENV "task.env"     /* VAR=VALUE lines for the tasks */
#define DSL_JOB_ERROR "error"           /* a user mistake found by the prolog */
#define DSL_JOB_TRACKER_DIR "tracker"   /* tracker pid and log, owned by the user */
#define DSL_JOB_LOWER_DIR ".lower"      /* root's: the FUSE mounts under the views */
#define DSL_JOB_SPEC_DIR ".spec"        /* root's: the helpers' job specs (dsl_spec.h) */
#define DSL_JOB_EMPTY_DIR ".empty"      /* in .lower: overlayfs's second layer */

/* Ports: dsl_config_tracker_port, dsl_config_peer_port (dsl_config.h). */

#endif
