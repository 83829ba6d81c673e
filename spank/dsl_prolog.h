/* dsl_prolog.h - what the job prolog does on every node (root).
 *
 * Roles from the job's host list (dsl_roles_compute: every node decides
 * alike without talking); per-job directories given to the job's user; the
 * first node starts the job's tracker; every node mounts its view (see
 * dsl_fusemount.h) and starts its helper as the job's user, waiting until the
 * helper reports ready (bounded by ready_timeout); with wait=all also until
 * the whole set is on the node (wait_timeout).  Finally the tasks'
 * environment is written for them (dsl_task_env.h). */
#ifndef DSL_PROLOG_H
#define DSL_PROLOG_H

#include "dsl_config.h"
#include "dsl_err.h"
#include "dsl_job.h"
#include "dsl_setlist.h"

enum dsl_prolog_result {
	DSL_PROLOG_OK = 0,
	/* The user's mistake (e.g. the set was removed after submission):
	 * recorded in RUN/JOBID/error for the tasks to report; the prolog
	 * itself succeeds so the node is not drained. */
	DSL_PROLOG_USER_ERROR = 1,
	DSL_PROLOG_FAULT = -1      /* the node's fault: e says what */
};

/* warn: set (non-empty) for trouble that only slows the job. */
enum dsl_prolog_result dsl_prolog_run(const struct dsl_config *c, const struct dsl_job *job,
				      const struct dsl_setlist *sets, struct dsl_err *warn,
				      struct dsl_err *e);

/* Record a user mistake for the tasks (also used by the SPANK glue). */
int dsl_prolog_record_error(const struct dsl_config *c, unsigned long jobid,
			    const char *msg, struct dsl_err *e);

#endif
