/* dsl_task_env.h - the environment the job's tasks get.
 *
 * The prolog (which has the set descriptions) writes it once per node as
 * lines in RUN/JOBID/task.env; each task (which must not need the registry)
 * applies them:
 *   +VAR=VALUE   prepend VALUE to the path list VAR (LD_LIBRARY_PATH, ...)
 *   VAR=VALUE    set VAR (DSL_SET_ROOT, DSL_SET_ROOT_<NAME>) */
#ifndef DSL_TASK_ENV_H
#define DSL_TASK_ENV_H

#include "dsl_config.h"
#include "dsl_registry.h"
#include "dsl_setlist.h"

/* malloc'd text of task.env for the job's sets (refs parallel to s). */
char *dsl_task_env_build(const struct dsl_config *c, unsigned long jobid,
			 const struct dsl_setlist *s, const struct dsl_set_ref *refs);

/* "DSL_SET_ROOT_" + NAME upper-cased, other characters as '_' (malloc'd). */
char *dsl_task_env_root_var(const char *setname);

/* VALUE before OLD ("V:OLD"), or VALUE when OLD is empty or already starts
 * with it (a step inside a batch job inherits the batch script's env). */
char *dsl_task_env_prepend(const char *value, const char *old);

typedef int (*dsl_task_env_set_fn)(void *arg, const char *var, const char *value,
				   int prepend);
/* Call fn for each line; stops at the first error (fn returns < 0). */
int dsl_task_env_apply(const char *text, dsl_task_env_set_fn fn, void *arg,
		       struct dsl_err *e);

#endif
