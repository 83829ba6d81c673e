/* dsl_cgroup.h - one cgroup per job and node for the job's daemons.
 *
 * The epilog must find the helpers and the tracker without trusting any
 * file the user can write (a pid file may say "1", or another process's
 * pid).  So the prolog puts every daemon it starts into a cgroup that only
 * root can write: dslswarm/NODE/job_JOBID in the pids hierarchy (cgroup v1,
 * as Slurm 22.05's nodes mount it) or in the unified hierarchy (v2).  A
 * process cannot leave it (moving needs write access to another cgroup's
 * cgroup.procs), whatever it forks stays in it, and pids.max bounds how
 * many there can be.  The epilog kills what is in it (TERM, then KILL,
 * bounded in time) and removes it.
 *
 * NODE is in the path because several slurmd of a test cluster share one
 * kernel's hierarchy; on a real node it is constant. */
#ifndef DSL_CGROUP_H
#define DSL_CGROUP_H

#include <sys/types.h>

#include "dsl_err.h"

#define DSL_CGROUP_PIDS_MAX 512

/* The job's cgroup directory (malloc'd), or NULL when this node has no
 * pids or unified hierarchy mounted. */
char *dsl_cgroup_job_path(const char *node, unsigned long jobid);

/* Create it (root's, 0755), with pids.max, and when memory_bytes > 0 a
 * memory limit for everything in it (memory.max on v2, with the memory
 * controller enabled on the way down; on v1 the same path in the memory
 * hierarchy, memory.limit_in_bytes).  0 or -1 with e. */
int dsl_cgroup_create(const char *path, unsigned long long memory_bytes, struct dsl_err *e);

/* Move pid into it, and into its v1 memory twin where there is one
 * (called in the spawned child before privileges go). */
int dsl_cgroup_join(const char *path, pid_t pid);

/* TERM every process in it, wait up to term_ms, KILL what is left, wait
 * until it is empty (bounded), remove it.  A missing cgroup is fine.
 * Returns the number of processes found (>= 0), or -1 when some survived
 * or it could not be removed (e says why). */
int dsl_cgroup_kill_remove(const char *path, int term_ms, struct dsl_err *e);

#endif
