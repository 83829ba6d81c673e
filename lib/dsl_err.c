/* dsl_err.c - error messages for callers to show. */
#include "dsl_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void dsl_err_set(struct dsl_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void dsl_err_prefix(struct dsl_err *e, const char *fmt, ...)
{
	char prefix[DSL_ERR_MAX];
	char old[DSL_ERR_MAX];
	size_t n;
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* Truncation keeps the prefix, which names the object. */
	n = strnlen(prefix, sizeof(e->msg) - 3);
	memcpy(e->msg, prefix, n);
	memcpy(e->msg + n, ": ", 2);
	snprintf(e->msg + n + 2, sizeof(e->msg) - n - 2, "%.*s", (int)(sizeof(e->msg) - n - 3), old);
}
