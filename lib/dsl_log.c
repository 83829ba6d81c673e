/* dsl_log.c - one line per event: "TIME component: LEVEL: message". */
#include "dsl_log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void dsl_log_init(struct dsl_log *log, const char *component, FILE *out)
{
	log->out = out;
	log->component = component;
	log->level = DSL_LOG_INFO;
	log->timestamps = 0;
	log->last = NULL;
}

void dsl_log_keep_last(struct dsl_log *log, struct dsl_log_last *last)
{
	pthread_mutex_init(&last->mu, NULL);
	last->msg[0] = '\0';
	log->last = last;
}

void dsl_log_last_error(const struct dsl_log *log, char *out, size_t len)
{
	if (!len)
		return;
	out[0] = '\0';
	if (!log || !log->last)
		return;
	pthread_mutex_lock(&log->last->mu);
	snprintf(out, len, "%s", log->last->msg);
	pthread_mutex_unlock(&log->last->mu);
}

static void keep_last(const struct dsl_log *log, const char *fmt, va_list ap)
{
	char *nl;

	pthread_mutex_lock(&log->last->mu);
	vsnprintf(log->last->msg, sizeof(log->last->msg), fmt, ap);
	if ((nl = strchr(log->last->msg, '\n')))
		*nl = '\0';
	pthread_mutex_unlock(&log->last->mu);
}

void dsl_logf(const struct dsl_log *log, enum dsl_log_level lvl, const char *fmt, ...)
{
	int saved_errno = errno;    /* keep %m meaningful */
	char stamp[32] = "";
	va_list ap;

	if (!log)
		return;
	if (lvl == DSL_LOG_ERROR && log->last) {
		errno = saved_errno;
		va_start(ap, fmt);
		keep_last(log, fmt, ap);
		va_end(ap);
	}
	if (!log->out || lvl > log->level)
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
