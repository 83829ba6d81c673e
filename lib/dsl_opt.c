/* dsl_opt.c - --help, --version and bad options, the same in every program
 * (dsl_opt.h).  getopt's own messages are off: they name neither the
 * subcommand nor --help, and they would go to stderr from library code. */
#include "dsl_opt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* Names the option as the user wrote it, without "=value".  A long option
 * is argv[optind - 1] (getopt has stepped over it); a short one is optopt
 * (inside "-abc" optind has not moved yet). */
static void bad_option(const struct dsl_opt_cmd *c, int argc, char **argv, int missing,
		       struct dsl_err *e)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	const char *why = missing ? "needs a value" : optopt ? "takes no value" : "unknown option";

	if (!strncmp(arg, "--", 2))
		dsl_err_set(e, "%.*s: %s (try '%s --help')",
			    (int)(strcspn(arg, "=") > 64 ? 64 : strcspn(arg, "=")), arg, why, c->name);
	else
		dsl_err_set(e, "-%c: %s (try '%s --help')", optopt > 32 && optopt < 127 ? optopt : '?',
			    missing ? why : "unknown option", c->name);
}

int dsl_opt_get(const struct dsl_opt_cmd *c, int argc, char **argv, struct dsl_err *e)
{
	char optstring[128];
	int r;

	/* ':' first: a missing value returns ':' rather than '?'; '-h' is
	 * --help everywhere. */
	snprintf(optstring, sizeof(optstring), "%s:%sh", c->stop_at_operand ? "+" : "",
		 c->shortopts ? c->shortopts : "");
	opterr = 0;
	r = getopt_long(argc, argv, optstring, c->longopts, NULL);
	switch (r) {
	case 'h':
		return DSL_OPT_HELP;
	case ':':
	case '?':
		bad_option(c, argc, argv, r == ':', e);
		return DSL_OPT_BAD;
	}
	return r;
}

int dsl_opt_finish(const struct dsl_opt_cmd *c, int code, const struct dsl_err *e)
{
	switch (code) {
	case DSL_OPT_HELP:
		fputs(c->usage, stdout);
		return 0;
	case DSL_OPT_VERSION:
		printf("%s (dslswarm) %s\n", c->name, PACKAGE_VERSION);
		return 0;
	}
	fprintf(stderr, "%s: %s\n", c->name, e ? e->msg : "bad usage");
	return 2;
}

int dsl_opt_next(const struct dsl_opt_cmd *c, int argc, char **argv)
{
	struct dsl_err e;
	int r = dsl_opt_get(c, argc, argv, &e);

	if (r == DSL_OPT_HELP || r == DSL_OPT_VERSION || r == DSL_OPT_BAD)
		exit(dsl_opt_finish(c, r, &e));
	return r;
}

int dsl_opt_usage_error(const struct dsl_opt_cmd *c, const char *fmt, ...)
{
	struct dsl_err e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	dsl_err_prefix(&e, "%s", c->name);
	fprintf(stderr, "%s (try '%s --help')\n", e.msg, c->name);
	return 2;
}
