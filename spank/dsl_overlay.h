/* dsl_overlay.h - a job's sets at their source paths (dsl_atpath.h has the
 * policy).
 *
 * The prolog decides which of the job's sets are shown at their source
 * path and writes RUN/JOBID/atpath (root's, in a root-owned directory):
 * one "NAME SOURCE_ROOT" line per set, parents before the paths nested in
 * them.  Each task, as root in its own process just before Slurm drops its
 * privileges (slurm_spank_task_init_privileged), moves into a private mount
 * namespace and lays an overlay over each SOURCE_ROOT:
 *   lowerdir=RUN/JOBID/.lower/NAME : SOURCE_ROOT
 * (the set's FUSE view above, the original directory below), then sets
 * no_new_privs.  The namespace belongs to the task and its children and
 * disappears with the last of them: nothing is left on the node. */
#ifndef DSL_OVERLAY_H
#define DSL_OVERLAY_H

#include <sys/types.h>

#include "dsl_config.h"
#include "dsl_registry.h"
#include "dsl_setlist.h"

#define DSL_JOB_ATPATH "atpath"

/* Resolve each set's at_path (its own choice, else the site's) into
 * refs[i].desc.at_path = 0/1.  A set that asked for it but breaks the policy
 * is the user's mistake (-1, e says why); one that only got the site's
 * default is shown at its view alone, with a note in *warn. */
int dsl_overlay_decide(const struct dsl_config *c, const struct dsl_setlist *s,
		       struct dsl_set_ref *refs, struct dsl_err *warn, struct dsl_err *e);

/* Write RUN/JOBID/atpath for the sets decided above (none: no file). */
int dsl_overlay_write(const struct dsl_config *c, unsigned long jobid,
		      const struct dsl_setlist *s, const struct dsl_set_ref *refs,
		      struct dsl_err *e);

/* In the task, as root: 0 (nothing to do, or done), -1 with e. */
int dsl_overlay_task(const struct dsl_config *c, unsigned long jobid, uid_t uid, gid_t gid,
		     const gid_t *groups, int ngroups, struct dsl_err *e);

#endif
