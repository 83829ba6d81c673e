/* dsl_log.c - one line per event: "TIME component: LEVEL: message". */
#include "dsl_log.h"

#include <errno.h>
#include <stdarg.h>
#include <time.h>

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void dsl_log_init(struct dsl_log *log, const char *component, FILE *out)
{
	log->out = out;
	log->component = component;
	log->level = DSL_LOG_INFO;
	log->timestamps = 0;
}

void dsl_logf(const struct dsl_log *log, enum dsl_log_level lvl, const char *fmt, ...)
{
	int saved_errno = errno;    /* keep %m meaningful */
	char stamp[32] = "";
	va_list ap;

	if (!log || !log->out || lvl > log->level)
		return;
	if (log->timestamps) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	}
	fprintf(log->out, "%s%s: ", stamp, log->component);
	if (lvl != DSL_LOG_INFO)
		fprintf(log->out, "%s: ", level_names[lvl]);
	errno = saved_errno;
	va_start(ap, fmt);
	vfprintf(log->out, fmt, ap);
	va_end(ap);
	fputc('\n', log->out);
	fflush(log->out);
}
