/* dsh_status.h - the status document (control socket and status file). */
#ifndef DSH_STATUS_H
#define DSH_STATUS_H

#include "dsh_reads.h"
#include "dsl_desc.h"
#include "dsl_log.h"
#include "dsh_session.h"

struct dsh_status_src {
	const struct dsl_desc *desc;
	struct dsh_session *ses;
	struct dsh_reads *reads;
	const char *role;          /* "seeder" or "downloader" */
	const char *mountpoint;
	const char *state;         /* "running", "stopping" */
	double started;            /* CLOCK_REALTIME seconds */
	long job;                  /* Slurm job id, 0 when not given */
	const char *node;          /* node name, NULL when not given */
	int64_t complete_ms;       /* atomic: ms from start until the set was first
				    * seen complete, -1 until then */
	const struct dsl_log *log; /* its last error line is the status' "error" */
	char *written;             /* the file's content as last written, less
				    * "updated" (dsh_status_write's own) */
};

/* A JSON document (malloc'd), one line, no trailing newline, "updated"
 * now.  Notes when
 * the set is first seen complete (so any caller may run it, from any
 * thread). */
char *dsh_status_json(struct dsh_status_src *src);
/* The same without the per-peer list and without "updated": what is
 * posted to the trackers, small whatever the size of the swarm. */
char *dsh_status_report_json(struct dsh_status_src *src);
/* Write the full document atomically to path (tmp + rename), when it
 * differs from what was last written ("updated" is then the time of the
 * last change).  One thread at a time. */
int dsh_status_write(struct dsh_status_src *src, const char *path, struct dsl_err *e);
void dsh_status_free(struct dsh_status_src *src);

#endif
