/* dsl_submit.h - the submit-time check of --dsl-set (srun, sbatch, salloc).
 *
 * Runs as the submitting user, so "readable" means readable by that user.  A
 * typo fails here, at once, instead of on a node. */
#ifndef DSL_SUBMIT_H
#define DSL_SUBMIT_H

#include "dsl_config.h"
#include "dsl_err.h"

/* arg: the option's value.  home: the user's home (user registry).
 * On success *pins is the DSL_PIN value to pin for the job (malloc'd). */
int dsl_submit_check(const struct dsl_config *c, const char *arg, const char *home,
		     char **pins, struct dsl_err *e);

#endif
