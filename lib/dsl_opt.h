/* dsl_opt.h - one command-line convention for every dslswarm program.
 *
 * Every command and subcommand (dsl, dsl COMMAND, dsl-helper, dsl-tracker):
 *   --help, -h     its usage on stdout, exit 0
 *   --version      "NAME VERSION" on stdout, exit 0
 *   an unknown option or a missing value: one line on stderr in Slurm's
 *   style that names the option and points to --help, exit 2:
 *     dsl create: --bogus: unknown option (try 'dsl create --help')
 *
 * A command describes itself once in a struct dsl_opt_cmd and ends its
 * getopt_long table with DSL_OPT_STD, then loops over dsl_opt_get() (which
 * reports, for callers that clean up or that tests call) or dsl_opt_next()
 * (which prints and exits by itself).  tests/unit/test_manpages.sh reads
 * these tables: every long option in one must appear in the man page.
 * Unlike the rest of lib/, this module prints (usage, version, the usage
 * error): it is the one place where a program talks about its command line. */
#ifndef DSL_OPT_H
#define DSL_OPT_H

#include <getopt.h>

#include "dsl_err.h"

#define DSL_OPT_HELP 0x10001
#define DSL_OPT_VERSION 0x10002
#define DSL_OPT_BAD 0x10003

/* The entries every command's option table ends with (before {0}). */
#define DSL_OPT_STD \
	{ "help", no_argument, NULL, DSL_OPT_HELP }, \
	{ "version", no_argument, NULL, DSL_OPT_VERSION }

struct dsl_opt_cmd {
	const char *name;              /* "dsl create": messages, --version */
	const char *usage;             /* the --help text */
	const char *shortopts;         /* getopt's, without '+' or ':' ("" none) */
	const struct option *longopts; /* ends with DSL_OPT_STD, {0} */
	int stop_at_operand;           /* options end at the first operand
					  (a command line with subcommands) */
};

/* getopt_long under the convention: the next option's value, -1 at the end,
 * DSL_OPT_HELP, DSL_OPT_VERSION, or DSL_OPT_BAD with e naming the option
 * and pointing to --help ("--bogus: unknown option (try 'dsl --help')").
 * Start a new command line with optind = 0. */
int dsl_opt_get(const struct dsl_opt_cmd *c, int argc, char **argv, struct dsl_err *e);

/* Prints what dsl_opt_get() returned (usage, version or error) and returns
 * the exit status: 0 for help and version, 2 for a usage error. */
int dsl_opt_finish(const struct dsl_opt_cmd *c, int code, const struct dsl_err *e);

/* dsl_opt_get() for commands that own nothing yet: help, version and bad
 * options print and exit() here. */
int dsl_opt_next(const struct dsl_opt_cmd *c, int argc, char **argv);

/* A usage error found after the options (a missing or extra operand):
 * "NAME: MESSAGE (try 'NAME --help')" on stderr; returns 2. */
int dsl_opt_usage_error(const struct dsl_opt_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
