/* dsl_err.h - an error message that travels back to whoever can show it.
 *
 * Library functions never print: they fill a struct dsl_err (NULL allowed) with
 * "object: reason" and return -1.  The caller adds its own context and decides
 * whether it goes to stderr, slurm_error() or a log file. */
#ifndef DSL_ERR_H
#define DSL_ERR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DSL_ERR_MAX 1024

/* Exit status of a daemon (dsl-helper) whose input is the user's and cannot
 * be used: the set's description or torrent is broken or does not match.
 * The plugin fails the job with the message and never drains the node. */
#define DSL_EXIT_USER 3

struct dsl_err {
	char msg[DSL_ERR_MAX];
};

/* Sets e->msg from a printf format; "%m" works as in printf(3) (glibc). */
void dsl_err_set(struct dsl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefixes the current message: "prefix: old message". */
void dsl_err_prefix(struct dsl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif
