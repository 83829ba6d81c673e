/* dsl_jobstats.h - the one line per job and set that the epilog writes to
 * the node's log (slurmd's log, through slurm_info):
 *
 *   dsl: job 12 on n2: set=big version=6b1f0c2a9e3d role=downloader complete=yes
 *        received=25165824 from_seeders=8388608 from_peers=16777216 sent=12582912
 *        ready_s=0.214 complete_s=3.870 on_demand_waits=4 wait_p99_ms=310
 *
 * From the helper's last status document (RUN/JOBID/SET/status.json, written
 * by the helper as it stops) and from RUN/JOBID/prolog.json.  Both files are
 * written by processes of the job's user, so they are read as untrusted: a
 * regular file (no symlink, no FIFO), bounded in size, and only numbers,
 * booleans and a hex version are taken from them. */
#ifndef DSL_JOBSTATS_H
#define DSL_JOBSTATS_H

#include "dsl_config.h"
#include "dsl_job.h"

/* The line (malloc'd, without "dsl: " and without newline), or NULL when the
 * set's helper left no status (its prolog failed before it started). */
char *dsl_jobstats_line(const struct dsl_config *c, const struct dsl_job *job,
			const char *set);

/* A JSON object the job's user wrote, at rel beneath run= (e.g.
 * "JOBID/SET/status.json"), read as untrusted (above), or NULL; the
 * caller puts it (json_object_put). */
struct json_object;
struct json_object *dsl_jobstats_load(const struct dsl_config *c, const char *rel);

#endif
