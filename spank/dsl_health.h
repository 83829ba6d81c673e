/* dsl_health.h - why a set may have failed this node's tasks, in words.
 *
 * A task that cannot read its set sees only an errno (EIO, ENOTCONN) or a
 * time-out, and the helper's log goes with the job's run directory.  So
 * whoever reports the failure (wait=all when it times out, the task's exit
 * in slurmstepd) asks here: is the set's helper still running, and what was
 * its last error (RUN/JOBID/SET/status.json, "pid", "error",
 * "hash_failures")?  The status file is the user's: it is read through
 * dsl_jobstats_load (dsl_ufile: no link, never blocking, bounded), a pid
 * is believed only if /proc shows a process of the job's user named
 * dsl-helper, and the error text is echoed escaped and cut
 * (dsl_printable).  A forged file changes only the words of the user's own
 * job's message. */
#ifndef DSL_HEALTH_H
#define DSL_HEALTH_H

#include <stddef.h>
#include <sys/types.h>

#include "dsl_config.h"

enum dsl_health {
	DSL_HEALTH_UNKNOWN,     /* nothing known to be wrong (or no status yet) */
	DSL_HEALTH_SAID,        /* the helper runs and its status names a problem */
	DSL_HEALTH_GONE,        /* the helper is gone: the set's view with it */
};

/* What is wrong with set's helper on this node, in out as one line without
 * the set's name, e.g. "this node's dsl-helper (pid 812) is gone, and the
 * set's view with it"; "" with DSL_HEALTH_UNKNOWN. */
enum dsl_health dsl_health_set(const struct dsl_config *c, unsigned long jobid, uid_t uid,
			       const char *set, char *out, size_t len);

/* The same for every set of the job on this node ("set 'NAME': ...",
 * joined by "; "); "" when nothing is known to be wrong. */
void dsl_health_job(const struct dsl_config *c, unsigned long jobid, uid_t uid, char *out,
		    size_t len);

#endif
