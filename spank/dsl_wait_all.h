/* dsl_wait_all.h - the wait=all policy: a task starts only when every set
 * is complete on its node (for codes that read everything at start).
 * The task asks the helper on RUN/ctl.sock to answer when the set is
 * complete ("wait-complete") and sleeps until it does, bounded by
 * wait_timeout; RUN/status.json is read only where the socket cannot be
 * used.
 *
 * The wait is in the task (slurm_spank_task_init, before exec), not in the
 * prolog: srun learns that a prolog ended only through slurmctld and
 * retries the step launch with a back-off, which added 1.6-3.4 s after the
 * set was complete (scale benchmark, N=4-8), and one lost prolog-complete
 * message at N=64 left a job in "Prolog" for good.  In the task, the launch
 * overlaps with the transfer and the task starts 0.1 s after the last piece. */
#ifndef DSL_WAIT_ALL_H
#define DSL_WAIT_ALL_H

#include "dsl_config.h"
#include "dsl_setlist.h"

/* 1 complete, 0 not yet, -1 unreadable. */
int dsl_status_complete(const char *status_json_path);
int dsl_wait_all(const struct dsl_config *c, unsigned long jobid,
		 const struct dsl_setlist *sets, struct dsl_err *e);
/* Every set the prolog started on this node (the set directories of
 * RUN/JOBID). */
int dsl_wait_all_job(const struct dsl_config *c, unsigned long jobid, struct dsl_err *e);

#endif
