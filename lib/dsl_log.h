/* dsl_log.h - log lines for the daemons and the tool.
 *
 * A logger is a small value owned by main(): where lines go (stderr or a file),
 * the component name that starts every line, and the level. */
#ifndef DSL_LOG_H
#define DSL_LOG_H

#include <stdio.h>

enum dsl_log_level { DSL_LOG_ERROR, DSL_LOG_WARN, DSL_LOG_INFO, DSL_LOG_DEBUG };

struct dsl_log {
	FILE *out;                 /* not owned; stderr or a file opened by main */
	const char *component;     /* "dsl-helper", "dsl-tracker", "dsl" */
	enum dsl_log_level level;
	int timestamps;            /* prefix ISO-8601 time (daemons) */
};

void dsl_log_init(struct dsl_log *log, const char *component, FILE *out);
void dsl_logf(const struct dsl_log *log, enum dsl_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define dsl_error(log, ...) dsl_logf((log), DSL_LOG_ERROR, __VA_ARGS__)
#define dsl_warn(log, ...)  dsl_logf((log), DSL_LOG_WARN, __VA_ARGS__)
#define dsl_info(log, ...)  dsl_logf((log), DSL_LOG_INFO, __VA_ARGS__)
#define dsl_debug(log, ...) dsl_logf((log), DSL_LOG_DEBUG, __VA_ARGS__)

#endif
