/* dsh_report.h - post the helper's status to its trackers (dsl status).
 *
 * A thread of its own posts the status document without the per-peer list
 * (dsh_status_report_json) to every http:// tracker the helper was given:
 * every period (the job spec's report_every_ms, which grows with the job so
 * that all its helpers together stay within the tracker's budget, dsl_spec.h;
 * DSH_REPORT_EVERY_MS without a spec), and soon after the set is first
 * complete (dsh_reporter_wake), and only when the report changed or the
 * last one is DSH_REPORT_REFRESH_MS old.  Where the period is longer than DSH_REPORT_EVERY_MS, the first
 * report and the completion report wait a random part of the difference, so
 * that the helpers of a big job, which start and often finish together, do
 * not all post in the same second.
 * POST http://HOST:PORT/report?QUERY&info_hash=..&port=.. where QUERY is the
 * announce URL's own (it carries dsl_secret), info_hash the 20 bytes the
 * helper announces and port its listen port: the tracker files the report
 * under the peer entry of that announce.  Each post is bounded by
 * DSH_REPORT_TIMEOUT_MS in all, so a slow or gone tracker delays only this
 * thread, never the FUSE or libtorrent threads. */
#ifndef DSH_REPORT_H
#define DSH_REPORT_H

#include <pthread.h>

#include "dsh_status.h"
#include "dsl_log.h"

#define DSH_REPORT_EVERY_MS 2000
#define DSH_REPORT_FIRST_MS 250      /* the first one, soon after start */
#define DSH_REPORT_REFRESH_MS 30000  /* an unchanged report is posted again */
#define DSH_REPORT_TIMEOUT_MS 1000
#define DSH_REPORT_MAX_TRACKERS 16

struct dsh_report_target {
	char host[256];
	char port[8];
	char *path;              /* "/report?...", malloc'd */
	int failing;             /* log a failure once, and the recovery */
};

struct dsh_reporter {
	struct dsh_status_src *src;
	struct dsl_log *log;
	struct dsh_report_target t[DSH_REPORT_MAX_TRACKERS];
	int n;
	int every_ms;            /* the period */
	unsigned int rng;        /* jitter (rand_r) */
	int quit;                /* atomic */
	int wake_fd, wake_open;  /* eventfd: complete, or stop */
	char *last;              /* the last report posted, and when */
	int64_t last_at;
	pthread_t th;
	int running;
};

/* Starts the thread when at least one tracker is http://; 0 also when there
 * is none (nothing to do).  infohash: the set's 64 hex digits.  every_ms:
 * the period, 0 for DSH_REPORT_EVERY_MS. */
int dsh_reporter_start(struct dsh_reporter *r, struct dsh_status_src *src,
		       const char *const *trackers, const char *infohash, int every_ms,
		       int port, const char *peer_id, struct dsl_log *log,
		       struct dsl_err *e);
void dsh_reporter_stop(struct dsh_reporter *r);
/* The set just became complete: report soon (any thread). */
void dsh_reporter_wake(struct dsh_reporter *r);

/* Parses "http://HOST[:PORT]/PATH[?QUERY]" into t, the report path built
 * from QUERY, info_hash, port and peer_id (the session's: the tracker files
 * a report only with the entry that announced with it).  -1 when not an
 * http:// URL or peer_id is not 20 characters [-A-Za-z0-9]. */
int dsh_report_target(const char *url, const char *infohash, int port, const char *peer_id,
		      struct dsh_report_target *t);

#endif
