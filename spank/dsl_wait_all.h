/* dsl_wait_all.h - the wait=all policy: the prolog returns only when every
 * set is complete on this node (for codes that read everything at start).
 * Progress is read from the helper's RUN/status.json, bounded by
 * wait_timeout. */
#ifndef DSL_WAIT_ALL_H
#define DSL_WAIT_ALL_H

#include "dsl_config.h"
#include "dsl_setlist.h"

/* 1 complete, 0 not yet, -1 unreadable. */
int dsl_status_complete(const char *status_json_path);
int dsl_wait_all(const struct dsl_config *c, unsigned long jobid,
		 const struct dsl_setlist *sets, struct dsl_err *e);

#endif
