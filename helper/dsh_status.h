/* dsh_status.h - the status document (control socket and status file). */
#ifndef DSH_STATUS_H
#define DSH_STATUS_H

#include "dsh_reads.h"
#include "dsl_desc.h"
#include "dsl_torrent.h"

struct dsh_status_src {
	const struct dsl_desc *desc;
	struct dsl_session *ses;
	struct dsh_reads *reads;
	const char *role;          /* "seeder" or "downloader" */
	const char *mountpoint;
	const char *state;         /* "running", "stopping" */
	double started;            /* CLOCK_REALTIME seconds */
};

/* A JSON document (malloc'd), one line, no trailing newline. */
char *dsh_status_json(const struct dsh_status_src *src);
/* Write it atomically to path (tmp + rename). */
int dsh_status_write(const struct dsh_status_src *src, const char *path, struct dsl_err *e);

#endif
