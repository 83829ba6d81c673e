/* dsl_epilog.h - what the job epilog does on every node (root).
 *
 * Works from what is on the node, not from what the prolog meant to do, so it
 * is correct after a prolog that failed half-way and when run twice: every
 * set directory found under RUN/JOBID and MOUNT/JOBID is handled.  Per set:
 * ask the helper to stop (`dsl-helper --ctl RUN stop`, as the user), detach
 * the view, kill the helper if it is still there (its pid from the run
 * directory, only if it runs as the job's user); then the tracker (pid file);
 * then the job's directories go (the cache too unless cache_policy=keep).
 * Before they go, each set's summary line (dsl_jobstats.h) is handed to
 * note, which the plugin sends to slurmd's log. */
#ifndef DSL_EPILOG_H
#define DSL_EPILOG_H

#include "dsl_config.h"
#include "dsl_err.h"
#include "dsl_job.h"

struct dsl_epilog_note {
	void (*fn)(void *arg, const char *line);
	void *arg;
};

/* 0, or -1 when something could not be removed (e says what).  note may be
 * NULL. */
int dsl_epilog_run(const struct dsl_config *c, const struct dsl_job *job,
		   const struct dsl_epilog_note *note, struct dsl_err *e);

#endif
