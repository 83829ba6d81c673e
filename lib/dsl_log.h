/* dsl_log.h - log lines for the daemons and the tool.
 *
 * A logger is a small value owned by main(): where lines go (stderr or a file),
 * the component name that starts every line, and the level. */
#ifndef DSL_LOG_H
#define DSL_LOG_H

#include <pthread.h>
#include <stdio.h>

enum dsl_log_level { DSL_LOG_ERROR, DSL_LOG_WARN, DSL_LOG_INFO, DSL_LOG_DEBUG };

/* The last error line, kept for a daemon's status document: a job's task
 * that fails learns from it why (spank/dsl_health.h), since the log file
 * goes with the job's run directory.  Owned by main, next to the logger. */
struct dsl_log_last {
	pthread_mutex_t mu;
	char msg[256];
};

struct dsl_log {
	FILE *out;                 /* not owned; stderr or a file opened by main */
	const char *component;     /* "dsl-helper", "dsl-tracker", "dsl" */
	enum dsl_log_level level;
	int timestamps;            /* prefix ISO-8601 time (daemons) */
	struct dsl_log_last *last; /* not owned; NULL: errors are not kept */
};

void dsl_log_init(struct dsl_log *log, const char *component, FILE *out);
void dsl_logf(const struct dsl_log *log, enum dsl_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Keep the last error line in last (which outlives the logger's use). */
void dsl_log_keep_last(struct dsl_log *log, struct dsl_log_last *last);
/* The last error line, "" when none. */
void dsl_log_last_error(const struct dsl_log *log, char *out, size_t len);

#define dsl_error(log, ...) dsl_logf((log), DSL_LOG_ERROR, __VA_ARGS__)
#define dsl_warn(log, ...)  dsl_logf((log), DSL_LOG_WARN, __VA_ARGS__)
#define dsl_info(log, ...)  dsl_logf((log), DSL_LOG_INFO, __VA_ARGS__)
#define dsl_debug(log, ...) dsl_logf((log), DSL_LOG_DEBUG, __VA_ARGS__)

#endif
